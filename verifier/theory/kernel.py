"""The limiting Gram matrix G_inf (eq. 17) and lambda0 = lambda_min(G_inf).

G_inf_ij = E_{w ~ N(0, I_d)}[sigma(w.x_i) sigma(w.x_j)]. For unit vectors at angle theta this is the
degree-1 arc-cosine kernel (Cho & Saul 2009)  k(theta) = (sin theta + (pi - theta) cos theta) / (2 pi),
with k(0) = 1/2 on the diagonal.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np

from ..numerics import pairwise_angles, relu

__all__ = ["arccos_kernel", "gram_inf", "lambda0", "gram_monte_carlo", "gram_finite",
           "gram_inf_hermite", "gram_inf_mp", "lambda0_highprec", "g_inf_three_ways"]


def arccos_kernel(theta):
    """k(theta) = (sin theta + (pi - theta) cos theta) / (2 pi), theta in [0, pi]."""
    theta = np.asarray(theta, dtype=np.float64)
    return (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2.0 * np.pi)


def gram_inf(X: np.ndarray) -> np.ndarray:
    """G_inf for data X with rows x_i (eq. 17), closed form; rows need not be unit (scaled by norms)."""
    X = np.asarray(X, dtype=np.float64)
    norms = np.linalg.norm(X, axis=1)
    Xu = X / norms[:, None]
    G = arccos_kernel(pairwise_angles(Xu)) * np.outer(norms, norms)
    return 0.5 * (G + G.T)


def lambda0(X: np.ndarray) -> float:
    """lambda0 = lambda_min(G_inf) by a symmetric eigensolver; never clipped (may print negative)."""
    return float(np.linalg.eigvalsh(gram_inf(X))[0])


def gram_finite(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """G = Phi Phi^T with Phi = sigma(X W^T)/sqrt(m) for W in R^{m x d} (G(0) when W = W(0))."""
    m = W.shape[0]
    Phi = relu(X @ W.T) / np.sqrt(m)
    return Phi @ Phi.T


def gram_monte_carlo(X: np.ndarray, m: int, seed: int = 0, chunk: int = 4096):
    """Monte Carlo G(0) at width m with its entrywise standard error.

    Returns (mean, stderr): mean = (1/m) sum_r sigma(X w_r) sigma(X w_r)^T, stderr the sample
    standard deviation of the summands divided by sqrt(m).
    """
    X = np.asarray(X, dtype=np.float64)
    rng = np.random.default_rng(seed)
    n, d = X.shape
    s1 = np.zeros((n, n))
    s2 = np.zeros((n, n))
    done = 0
    while done < m:
        b = min(chunk, m - done)
        F = relu(X @ rng.standard_normal((d, b)))  # n x b
        s1 += F @ F.T
        s2 += (F**2) @ (F**2).T
        done += b
    mean = s1 / m
    var = np.maximum(s2 / m - mean**2, 0.0) * m / max(m - 1, 1)
    return mean, np.sqrt(var / m)


# --- G_inf the second way: the Hermite series of Lemma A.7 (see theory/hermite.py) ------------------------

_P_TOTAL = 0.5 - 1.0 / (2.0 * math.pi) - 0.25   # sum_{k >= 2} a_k^2, by Parseval (E relu(g)^2 = 1/2)


def gram_inf_hermite(X: np.ndarray, tol: float = 1e-13, max_terms: int = 200_000):
    """G_inf by the Hermite series sum_k <sigma, h_k>^2 (X X^T)^{o k} (Lemma A.7), with an error bound.

    Independent of the closed form: uses only the coefficients a_k and the inner products of the rows.
    Returns (G, err): err_ij bounds |G_ij - G_inf_ij| (truncation tail, rigorous by the bounds in
    hermite.py, plus a generous float64 rounding allowance). Entries with |rho| near 1 converge slowly
    (terms ~ k^{-5/2}); they stop at max_terms with a larger, still rigorous, bound.
    """
    X = np.asarray(X, dtype=np.float64)
    norms = np.linalg.norm(X, axis=1)
    Xu = X / norms[:, None]
    n = X.shape[0]
    iu = np.triu_indices(n, k=1)
    rho = np.clip(np.einsum("ij,ij->i", Xu[iu[0]], Xu[iu[1]]), -1.0, 1.0)
    r2 = rho * rho
    val = 1.0 / (2.0 * math.pi) + rho / 4.0
    err = np.zeros_like(rho)
    active = np.arange(rho.size)
    pw = r2.copy()
    b = 1.0 / (4.0 * math.pi)
    bsum, comp = 0.0, 0.0          # Kahan sum of b_j, so that P_J = _P_TOTAL - bsum keeps its digits
    j = 0
    while active.size:
        val[active] += b * pw
        y = b - comp
        t_ = bsum + y
        comp = (t_ - bsum) - y
        bsum = t_
        b_next = b * (2 * j + 1) ** 2 / ((2 * j + 3) * (2 * j + 4))
        pw = pw * r2[active]
        p_rest = max(_P_TOTAL - bsum, 0.0) + 1e-16 * (j + 1)
        with np.errstate(divide="ignore"):
            geo = np.where(r2[active] < 1.0, b_next * pw / np.maximum(1.0 - r2[active], 1e-300), np.inf)
        ub = np.minimum(geo, pw * p_rest)
        j += 1
        done = (ub <= tol) | (j >= max_terms)
        if np.any(done):
            idx = active[done]
            err[idx] = ub[done]
            active = active[~done]
            pw = pw[~done]
        b = b_next
    # the tail is >= 0: report the midpoint of [partial sum, partial sum + bound]
    val += err / 2.0
    err = err / 2.0 + 4e-16 * (j + 4)
    G = np.empty((n, n))
    G[iu] = val
    G[(iu[1], iu[0])] = val
    np.fill_diagonal(G, 0.5)   # rho = 1: the series sums to 1/2 exactly (Parseval)
    E = np.zeros((n, n))
    E[iu] = err
    E[(iu[1], iu[0])] = err
    scale = np.outer(norms, norms)
    return G * scale, E * scale


# --- high precision: exact inner products, closed form and lambda0 at many digits ------------------------

def _exact_gram_int(X: np.ndarray):
    """Exact X X^T of the float64 data as Python integers times 4^e (no rounding anywhere)."""
    mant, ex = np.frexp(X)
    mant_i = (mant * 2.0**53).astype(np.int64)          # exact: |mant| < 1 has 53 bits
    ex = ex.astype(np.int64) - 53
    nz = mant_i != 0
    emin = int(ex[nz].min()) if np.any(nz) else 0
    Xo = np.empty(X.shape, dtype=object)
    for idx in np.ndindex(X.shape):
        Xo[idx] = int(mant_i[idx]) << int(ex[idx] - emin) if mant_i[idx] else 0
    K = Xo.dot(Xo.T)
    return K, emin


def gram_inf_mp(X: np.ndarray, dps: int = 40):
    """G_inf (closed form, eq. 17) as an mpmath matrix at `dps` digits, from the exact float64 data.

    Inner products are exact (integer arithmetic) and theta = atan2(sqrt(|x_i|^2 |x_j|^2 - <x_i,x_j>^2), <x_i,x_j>)
    takes its sine from the exact integer Gram determinant, so no digits are lost for nearly parallel rows
    (and, unlike the half-angle form, it needs no exactly-unit rows). Rows are scaled by their norms, like gram_inf.
    """
    X = np.asarray(X, dtype=np.float64)
    K, emin = _exact_gram_int(X)
    n = X.shape[0]
    with mpmath.workdps(dps + 15):
        sc = mpmath.ldexp(1, emin)
        nrm = [mpmath.sqrt(mpmath.mpf(K[i, i])) * sc for i in range(n)]
        G = mpmath.matrix(n, n)
        for i in range(n):
            G[i, i] = nrm[i] ** 2 / 2
            for jj in range(i + 1, n):
                det = K[i, i] * K[jj, jj] - K[i, jj] ** 2      # Lagrange identity: exact, >= 0
                th = mpmath.atan2(mpmath.sqrt(det), K[i, jj])
                g = (mpmath.sin(th) + (mpmath.pi - th) * mpmath.cos(th)) / (2 * mpmath.pi) * nrm[i] * nrm[jj]
                G[i, jj] = g
                G[jj, i] = g
    return G


def lambda0_highprec(X: np.ndarray, dps: int = 40, max_iter: int = 10) -> dict:
    """lambda0 = lambda_min(G_inf) to about `dps` digits, never clipped.

    float64 eigh gives a start; Newton steps on (G - lam I) v = 0, v^T v = 1 use float64 solves with
    residuals computed at dps + 15 digits (iterative refinement), so each step gains ~15 digits.
    Returns {value (mpf), value_str, float, residual_bound (|lam - some eigenvalue of the dps-digit G| <= bound,
    never below the rounding floor of the dps + 15 digit residual), gap_float64, is_smallest (the bound is below
    half the float64 gap: the float64 gap itself is not certified), iterations}. An exactly multiple smallest
    eigenvalue (singular Newton system) takes minimum-norm steps.
    """
    G = gram_inf_mp(X, dps=dps)
    n = G.rows
    with mpmath.workdps(dps + 15):
        Gf = np.array(G.tolist(), dtype=np.float64)
        w, V = np.linalg.eigh(Gf)
        lam = mpmath.mpf(w[0])
        v = [mpmath.mpf(x) for x in V[:, 0]]
        rows = [[G[i, k] for k in range(n)] for i in range(n)]
        it = 0
        for it in range(1, max_iter + 1):
            Gv = [mpmath.fdot(rows[i], v) for i in range(n)]
            r = [Gv[i] - lam * v[i] for i in range(n)]
            c = (mpmath.fdot(v, v) - 1) / 2
            J = np.zeros((n + 1, n + 1))
            J[:n, :n] = Gf - float(lam) * np.eye(n)
            vf = np.array([float(x) for x in v])
            J[:n, n] = -vf
            J[n, :n] = vf
            rhs = -np.array([float(x) for x in r] + [float(c)])
            try:
                step = np.linalg.solve(J, rhs)
            except np.linalg.LinAlgError:
                # an exactly multiple smallest eigenvalue makes the system singular: the minimum-norm step
                step = np.linalg.lstsq(J, rhs, rcond=None)[0]
            v = [v[i] + mpmath.mpf(step[i]) for i in range(n)]
            lam = lam + mpmath.mpf(step[n])
            if abs(step[n]) < 10.0 ** (-(dps + 5)) * max(1.0, abs(float(lam))) and it >= 2:
                break
        Gv = [mpmath.fdot(rows[i], v) for i in range(n)]
        vv = mpmath.fdot(v, v)
        lam_rq = mpmath.fdot(v, Gv) / vv
        res = mpmath.sqrt(mpmath.fsum((Gv[i] - lam_rq * v[i]) ** 2 for i in range(n)) / vv)
        gap = float(w[1] - w[0]) if n > 1 else float("inf")
        # the residual is computed at dps + 15 digits: below about n max|G| 10^-(dps+15) it is rounding, not
        # evidence, so the bound never goes under that floor (a Kato-Temple square of it would be meaningless)
        floor = 10 * n * max(abs(G[i, k]) for i in range(n) for k in range(n)) * mpmath.mpf(10) ** -(dps + 15)
        res = max(res, floor)
        bound = res if gap <= 2 * float(res) else min(res, res**2 / (mpmath.mpf(gap) - res))
        bound = max(bound, floor)
    return {"value": lam_rq, "value_str": mpmath.nstr(lam_rq, dps), "float": float(lam_rq),
            "residual_bound": float(bound), "gap_float64": gap, "is_smallest": bool(float(res) < gap / 2),
            "iterations": it, "dps": dps}


def g_inf_three_ways(X: np.ndarray, m: int = 4096, seed: int = 0, hermite_tol: float = 1e-13) -> dict:
    """G_inf by the closed form, the Hermite series (Lemma A.7), and Monte Carlo G(0) at width m.

    JSON-ready summary: lambda0 from each (symmetric eigensolver, never clipped), the largest
    closed-vs-series difference next to the series' rigorous error bound, and the Monte Carlo entrywise
    z-scores (|closed - MC| / stderr). By Weyl, |lambda0(closed) - lambda0(series)| <= ||E||_F.
    """
    Gc = gram_inf(X)
    Gh, Eh = gram_inf_hermite(X, tol=hermite_tol)
    Gm, se = gram_monte_carlo(X, m, seed=seed)
    lam_c = float(np.linalg.eigvalsh(Gc)[0])
    lam_h = float(np.linalg.eigvalsh(Gh)[0])
    lam_m = float(np.linalg.eigvalsh(Gm)[0])
    diff = float(np.max(np.abs(Gc - Gh)))
    pos = se > 0
    z = np.abs(Gc - Gm)[pos] / se[pos]
    return {
        "n": int(X.shape[0]), "m": int(m), "seed": int(seed),
        "lambda0_closed_form": lam_c, "lambda0_hermite": lam_h,
        "hermite_error_bound_max": float(Eh.max()), "hermite_error_bound_frobenius": float(np.linalg.norm(Eh)),
        "max_abs_closed_minus_hermite": diff,
        "closed_within_hermite_bound": bool(np.all(np.abs(Gc - Gh) <= Eh + 1e-14)),
        "lambda_min_monte_carlo_G0": lam_m,
        "monte_carlo_max_z": float(z.max()) if z.size else 0.0,
        "monte_carlo_mean_abs_z": float(z.mean()) if z.size else 0.0,
        "monte_carlo_max_stderr": float(se.max()),
        "lambda0_never_clipped": True,
    }
