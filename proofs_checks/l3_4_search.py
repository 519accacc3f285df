"""L3.4 (Appendix A.6), searched: an instance meeting every hypothesis with lambda_min(G) < lambda0/2,
its rigorous check, and two repaired radii whose proofs are checked step by step with sympy.

L3.4 as printed: if ||W(0)|| <= c sqrt(m), lambda_min(G(0)) >= 3 lambda0/4, ||W|| <= 2c sqrt(m) and
||W - W(0)||_2 <= R = sqrt(m) lambda0 / (16 c ||X||^2), then ||G - G(0)|| <= (4c/sqrt m) ||X||^2 ||W - W(0)||
<= lambda0/4 and lambda_min(G) >= lambda0/2, where G(W) = (1/m) sum_r sigma(X w_r) sigma(X w_r)^T (Sec. 3,
G = Phi Phi^T with Phi = sigma(X W^T)/sqrt(m), eq. 2). L3.4 involves neither A nor gamma.

* ``search_counterexample`` finds W by projected steepest descent of lambda_min(G(W)) over the
  operator-norm ball ||W - W(0)||_2 <= R (orthonormal data from a seeded QR, the constant c the smallest
  admissible one, c = ||W(0)||_2 / sqrt(m), up to a relative 2^-30 so that ||W(0)|| <= c sqrt(m) is
  provable with a margin).
* ``verify_instance`` re-checks every hypothesis and the violated conclusion with exact integer products
  (FLINT fmpz) and arb balls, eigenvalues enclosed by Ostrowski's theorem and Gershgorin discs,
  lambda0 by ``verifier.certify.certify_lambda0`` and, independently, by Weyl around 1/2 - 1/(2 pi).
* Two repairs of A.6, each proved as a chain of steps that sympy decides:
  (a) Frobenius radius: ||G - G(0)|| <= (3 c sqrt(n) ||X|| / sqrt m) ||W - W(0)||_F, so
      R_F = sqrt(m) lambda0 / (12 c sqrt(n) ||X||) keeps ||G - G(0)|| <= lambda0/4;
  (b) operator radius: ||G - G(0)|| <= (3 c n / sqrt m) ||W - W(0)||_2, so R_op = sqrt(m) lambda0 / (12 c n).
* ``audit_findings`` gathers the steps and the findings for the L3.4 audit.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field, fields

import numpy as np
import sympy as sp

from verifier.theory.kernel import gram_finite, gram_inf

__all__ = ["LARGE", "SMALL", "L34Instance", "audit_findings", "check_repairs", "export_instance",
           "frobenius_repair_proof", "load_instance", "operator_repair_proof", "orthonormal_data", "paper_radius",
           "rayleigh_gradient", "relu_lipschitz_check", "repaired_radii", "search_counterexample", "smallest_c",
           "verify_instance"]

#: (n, m, seed) of the instance the default audit and tests use: about the smallest orthonormal-data size
#: at m = 60 n where this search finds a violation (n = 100 gives lambda_min(G) ~ 0.175 > lambda0/2).
SMALL = {"n": 120, "m": 7200, "seed": 0}
#: the size of the independent check (n = 200 rows of an orthonormal matrix, m = 12000)
LARGE = {"n": 200, "m": 12000, "seed": 0}

#: c exceeds the smallest admissible ||W(0)||_2 / sqrt(m) by this relative amount, so that the hypothesis
#: ||W(0)|| <= c sqrt(m) holds with a margin wider than any enclosure of ||W(0)||_2 (R shrinks by 1e-9).
C_PAD = 2.0**-30
#: the search stays in the ball of radius (1 - RADIUS_MARGIN) R, so ||W - W(0)||_2 <= R has a provable margin
RADIUS_MARGIN = 1e-6

HOLDS, FAILS, NOT_CHECKABLE = "holds", "fails", "not checkable"


# --- the instance ------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class L34Instance:
    """An instance for L3.4 and the float64 numbers measured on it (``verify_instance`` re-checks them).

    X (n x d, orthonormal rows), W0 = W(0) (m x d, A1 draw), W (the searched point), c (smallest admissible
    constant, see ``smallest_c``), lambda0 = lambda_min(G_inf(X)) (eq. 17), R the L3.4 radius,
    ball/radius the set the search stayed in. L3.4 does not involve gamma (nor A): no gamma here.
    """
    X: np.ndarray
    W0: np.ndarray
    W: np.ndarray
    c: float
    m: int
    n: int
    seed: int
    lambda0: float
    R: float
    ball: str
    radius: float
    norm_X: float
    norm_W0: float
    c_sqrt_m: float
    lambda_min_G0: float
    three_quarter_lambda0: float
    norm_W_minus_W0: float
    frobenius_W_minus_W0: float
    norm_W: float
    two_c_sqrt_m: float
    lambda_min_G: float
    lambda0_half: float
    norm_G_minus_G0: float
    printed_lipschitz_bound: float
    iterations: int
    seconds: float
    history: tuple = field(default=())
    data: str = "orthonormal rows: Q of a seeded QR of an n x n Gaussian matrix, signs fixed by diag(R) > 0"

    @property
    def hypotheses_hold(self) -> bool:
        """Every printed hypothesis of L3.4, in float64 (``verify_instance`` decides them rigorously)."""
        return bool(self.norm_W0 <= self.c_sqrt_m and self.lambda_min_G0 >= self.three_quarter_lambda0
                    and self.norm_W <= self.two_c_sqrt_m and self.norm_W_minus_W0 <= self.R)

    @property
    def violates(self) -> bool:
        """lambda_min(G) < lambda0/2 in float64, with every hypothesis met."""
        return self.hypotheses_hold and self.lambda_min_G < self.lambda0_half

    def numbers(self) -> dict:
        """The scalar fields (JSON-ready)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                continue
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out


def orthonormal_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.random.Generator]:
    """X = Q of the QR of an n x n Gaussian draw (A2: unit, pairwise orthogonal rows), and the generator
    (the same stream then draws W(0) per A1)."""
    rng = np.random.default_rng(seed)
    Q, Rq = np.linalg.qr(rng.standard_normal((n, n)))
    Q = Q * np.where(np.diag(Rq) < 0, -1.0, 1.0)[None, :]
    return Q, rng


def smallest_c(W0: np.ndarray) -> float:
    """The most favourable constant for L3.4: R decreases in c, and the hypothesis only asks
    ||W(0)|| <= c sqrt(m), so c = ||W(0)||_2 / sqrt(m), raised by the relative C_PAD (see there)."""
    m = W0.shape[0]
    return float(np.linalg.norm(W0, 2) / math.sqrt(m) * (1.0 + C_PAD))


def paper_radius(m: int, lambda0: float, c: float, norm_X: float) -> float:
    """R = sqrt(m) lambda0 / (16 c ||X||^2), L3.4 as printed."""
    return math.sqrt(m) * lambda0 / (16.0 * c * norm_X**2)


def repaired_radii(m: int, n: int, lambda0: float, c: float, norm_X: float) -> dict:
    """R_F = sqrt(m) lambda0 / (12 c sqrt(n) ||X||) (Frobenius, repair (a)) and
    R_op = sqrt(m) lambda0 / (12 c n) (operator norm, repair (b)), unit rows (||X||_F^2 = n)."""
    return {"R_F": math.sqrt(m) * lambda0 / (12.0 * c * math.sqrt(n) * norm_X),
            "R_op": math.sqrt(m) * lambda0 / (12.0 * c * n)}


# --- the search ----------------------------------------------------------------------------------------------

def rayleigh_gradient(X: np.ndarray, W: np.ndarray, q: np.ndarray) -> tuple[float, np.ndarray]:
    """f(W) = q^T G(W) q = (1/m) ||sigma(X W^T)^T q||^2 and its gradient (2/m) s_r X^T (q o 1[X w_r > 0])
    in row r, s = sigma(X W^T)^T q (sigma'(0) := 0; f is differentiable wherever no X w_r has a zero entry).
    For the bottom eigenvector q of G(W) this is the gradient of lambda_min(G) when that eigenvalue is simple."""
    m = W.shape[0]
    Z = X @ W.T
    s = np.maximum(Z, 0.0).T @ q
    grad = (2.0 / m) * ((Z > 0) * q[:, None] * s[None, :]).T @ X
    return float(s @ s) / m, grad


def _polar(g: np.ndarray) -> np.ndarray:
    """U V^T of g = U S V^T: the minimizer of <g, D> over ||D||_2 <= 1 (steepest descent in operator norm)."""
    w, V = np.linalg.eigh(g.T @ g)
    s = np.sqrt(np.maximum(w, 0.0))
    keep = s > 1e-12 * max(float(s.max()), 1e-300)
    return g @ (V[:, keep] / s[keep]) @ V[:, keep].T


def _project(D: np.ndarray, radius: float, ball: str) -> np.ndarray:
    """Euclidean projection onto {||D|| <= radius}: singular values clipped at radius (operator norm), or a
    rescaling (Frobenius)."""
    if ball == "frobenius":
        nrm = float(np.linalg.norm(D))
        return D if nrm <= radius else D * (radius / nrm)
    w, V = np.linalg.eigh(D.T @ D)
    s = np.sqrt(np.maximum(w, 0.0))
    scale = np.minimum(1.0, radius / np.maximum(s, 1e-300))
    if np.all(scale == 1.0):
        return D
    return D @ (V * scale) @ V.T


def _steepest(g: np.ndarray, ball: str) -> np.ndarray:
    return g / max(float(np.linalg.norm(g)), 1e-300) if ball == "frobenius" else _polar(g)


def _measure(X, W0, W, c, lam0, G0=None):
    m = W0.shape[0]
    G0 = gram_finite(X, W0) if G0 is None else G0
    G = gram_finite(X, W)
    nX = float(np.linalg.norm(X, 2))
    dW = float(np.linalg.norm(W - W0, 2))
    return {"norm_X": nX, "norm_W0": float(np.linalg.norm(W0, 2)), "c_sqrt_m": c * math.sqrt(m),
            "lambda_min_G0": float(np.linalg.eigvalsh(G0)[0]), "three_quarter_lambda0": 0.75 * lam0,
            "norm_W_minus_W0": dW, "frobenius_W_minus_W0": float(np.linalg.norm(W - W0)),
            "norm_W": float(np.linalg.norm(W, 2)), "two_c_sqrt_m": 2.0 * c * math.sqrt(m),
            "lambda_min_G": float(np.linalg.eigvalsh(G)[0]), "lambda0_half": lam0 / 2.0,
            "norm_G_minus_G0": float(np.linalg.norm(G - G0, 2)),
            "printed_lipschitz_bound": 4.0 * c / math.sqrt(m) * nX**2 * dW}


def search_counterexample(n: int = 200, m: int = 12000, seed: int = 0, iters: int = 30, *,
                          ball: str = "operator", radius: float | None = None, step: float = 0.3,
                          decay: float = 0.9, stop_below: float | None = None,
                          X: np.ndarray | None = None, W0: np.ndarray | None = None,
                          c: float | None = None) -> L34Instance:
    """Minimize lambda_min(G(W)) over ||W - W(0)|| <= (1 - RADIUS_MARGIN) radius by projected steepest descent.

    Data: X orthonormal (``orthonormal_data(n, seed)``), W(0) ~ N(0,1)^{m x n} from the same stream (A1),
    unless X, W0 are given; c = ``smallest_c(W0)`` unless given; radius = R of L3.4 unless given; ball
    "operator" (L3.4) or "frobenius" (to search inside the repaired ball (a)).
    Start: with q the bottom eigenvector of G(0), the first step goes to the exact minimizer of the
    linearization of q^T G q over the ball, D = -radius U V^T for grad = U S V^T (in operator norm: every
    singular direction at full length, which pushes many pre-activations negative at once). Then
    alternate q <- bottom eigenvector of G(W) and D <- P(D - step decay^k radius U V^T); keep the best W.
    ||W|| <= 2c sqrt(m) follows from ||W - W(0)|| <= radius <= c sqrt(m) (checked: larger radii raise).
    """
    t0 = time.perf_counter()
    if X is None:
        X, rng = orthonormal_data(n, seed)
        W0 = rng.standard_normal((m, X.shape[1])) if W0 is None else W0
    elif W0 is None:
        raise ValueError("give W0 with X")
    X = np.asarray(X, dtype=np.float64)
    W0 = np.asarray(W0, dtype=np.float64)
    n, m = X.shape[0], W0.shape[0]
    c = smallest_c(W0) if c is None else float(c)
    lam0 = float(np.linalg.eigvalsh(gram_inf(X))[0])
    nX = float(np.linalg.norm(X, 2))
    R = paper_radius(m, lam0, c, nX)
    radius = R if radius is None else float(radius)
    if ball not in ("operator", "frobenius"):
        raise ValueError(f"ball must be 'operator' or 'frobenius', got {ball!r}")
    if radius > c * math.sqrt(m):
        raise ValueError(f"radius {radius:.6g} > c sqrt(m) = {c * math.sqrt(m):.6g}: ||W|| <= 2c sqrt(m) would "
                         "need its own projection")
    rho = radius * (1.0 - RADIUS_MARGIN)

    G0 = gram_finite(X, W0)
    lam_g0, V0 = np.linalg.eigh(G0)
    D = np.zeros_like(W0)
    best_val, best_D = float(lam_g0[0]), D
    history = [best_val]
    q = V0[:, 0]
    for k in range(iters):
        _, g = rayleigh_gradient(X, W0 + D, q)
        D = -rho * _steepest(g, ball) if k == 0 else _project(D - step * decay ** (k - 1) * rho * _steepest(g, ball),
                                                              rho, ball)
        D = _project(D, rho, ball)          # the polar factor's norm is 1 only up to rounding
        lam, V = np.linalg.eigh(gram_finite(X, W0 + D))
        q = V[:, 0]
        history.append(float(lam[0]))
        if lam[0] < best_val:
            best_val, best_D = float(lam[0]), D
        if stop_below is not None and best_val < stop_below:
            break
    W = W0 + best_D
    meas = _measure(X, W0, W, c, lam0, G0)
    return L34Instance(X=X, W0=W0, W=W, c=c, m=m, n=n, seed=seed, lambda0=lam0, R=R, ball=ball, radius=radius,
                       iterations=len(history) - 1, seconds=time.perf_counter() - t0, history=tuple(history), **meas)


@functools.lru_cache(maxsize=4)
def _cached_search(n: int, m: int, seed: int) -> L34Instance:
    return search_counterexample(n, m, seed)


# --- rigorous verification ---------------------------------------------------------------------------------

def _flint():
    try:
        import flint
    except ImportError as exc:   # python-flint is the "rigorous" extra
        raise RuntimeError("verify_instance needs python-flint (pip install implicit-verifier[rigorous])") from exc
    return flint


def _scaled_ints(*arrays):
    """Exact integer images of float64 arrays with one common power of two: A = M * 2**e, M an fmpz_mat."""
    flint = _flint()
    parts, emin = [], None
    for A in arrays:
        A = np.asarray(A, dtype=np.float64)
        if not np.all(np.isfinite(A)):
            raise ValueError("non-finite entries")
        mant, ex = np.frexp(A)
        mi = (mant * 2.0**53).astype(np.int64)        # exact: |mant| < 1 carries 53 bits
        ex = ex.astype(np.int64) - 53
        nz = mi != 0
        if np.any(nz):
            e = int(ex[nz].min())
            emin = e if emin is None else min(emin, e)
        parts.append((mi, ex))
    emin = 0 if emin is None else emin
    mats = []
    for mi, ex in parts:
        sh = np.where(mi != 0, ex - emin, 0)
        obj = np.left_shift(mi.astype(object), sh.astype(object))
        mats.append(flint.fmpz_mat(obj.tolist()))
    return mats, emin


def _relu_int(Z):
    flint = _flint()
    vals = [max(0, v) for v in Z.entries()]
    return flint.fmpz_mat(Z.nrows(), Z.ncols(), vals)


def _sym_eig_bounds(S, flint) -> dict:
    """Enclosures of lambda_min and lambda_max of the symmetric matrix enclosed by the arb_mat S.

    With V a float eigenbasis of mid(S): B = V^T S V and N = V^T V (arb). Ostrowski (Horn & Johnson 2013,
    Thm 4.5.9): lambda_k(B) = theta_k lambda_k(S) with theta_k in [lambda_min(N), lambda_max(N)] within
    [1 - f, 1 + f], f = ||N - I||_F < 1; Gershgorin discs of B bound lambda_1(B) below and lambda_n(B) above.
    Courant-Fischer: the Rayleigh quotients B_11/N_11 and B_nn/N_nn bound lambda_min above, lambda_max below.
    Returns exact arb endpoints {lmin: (lo, hi), lmax: (lo, hi)}.
    """
    arb, arb_mat = flint.arb, flint.arb_mat
    k = S.nrows()
    mid = np.array([[float(S[i, j].mid()) for j in range(k)] for i in range(k)])
    _, V = np.linalg.eigh((mid + mid.T) / 2.0)
    Va = arb_mat(V.tolist())
    B = Va.transpose() * S * Va
    N = Va.transpose() * Va
    f = arb(0)
    for i in range(k):
        for j in range(k):
            e = N[i, j] - (1 if i == j else 0)
            f += e * e
    f = f.sqrt().upper()
    if not f < 1:
        raise ArithmeticError(f"eigenbasis too far from orthonormal: ||V^T V - I||_F <= {f}")
    lo_disc, hi_disc = None, None
    for i in range(k):
        r = arb(0)
        for j in range(k):
            if j != i:
                r += abs(B[i, j])
        r = r.upper()
        lo_i, hi_i = (B[i, i] - r).lower(), (B[i, i] + r).upper()
        lo_disc = lo_i if lo_disc is None or lo_i < lo_disc else lo_disc
        hi_disc = hi_i if hi_disc is None or hi_i > hi_disc else hi_disc
    lmin_lo = (lo_disc / (1 + f) if lo_disc >= 0 else lo_disc / (1 - f)).lower()
    lmax_hi = (hi_disc / (1 - f) if hi_disc >= 0 else hi_disc / (1 + f)).upper()
    lmin_hi = (B[0, 0] / N[0, 0]).upper()
    lmax_lo = (B[k - 1, k - 1] / N[k - 1, k - 1]).lower()
    return {"lmin": (lmin_lo, lmin_hi), "lmax": (lmax_lo, lmax_hi), "orthonormality_defect": f}


def _sqrt_iv(iv):
    lo, hi = iv
    return (lo.sqrt().lower() if lo > 0 else lo * 0, hi.sqrt().upper())


def _f(x) -> float:
    return float(x.mid()) if hasattr(x, "mid") else float(x)


def _check(name, value, relation, bound, method):
    """value <relation> bound decided on the enclosures [lo, hi] (exact arb endpoints)."""
    (vlo, vhi), (blo, bhi) = value, bound
    holds = bool(vhi <= blo) if relation == "<=" else bool(vlo >= bhi) if relation == ">=" else bool(vhi < blo)
    refuted = bool(vlo > bhi) if relation == "<=" else bool(vlo >= bhi) if relation == "<" else bool(vhi < blo)
    margin = (_f(blo) + _f(bhi)) / 2 - (_f(vlo) + _f(vhi)) / 2
    if relation == ">=":
        margin = -margin
    radius = (_f(vhi) - _f(vlo)) / 2 + (_f(bhi) - _f(blo)) / 2
    return {"name": name, "relation": relation, "value": [_f(vlo), _f(vhi)], "bound": [_f(blo), _f(bhi)],
            "holds": holds, "refuted": refuted, "margin": margin, "enclosure_radius": radius,
            "decided": holds or refuted, "method": method}


def verify_instance(inst: L34Instance, dps: int = 50) -> dict:
    """Every hypothesis of L3.4 and its conclusions, decided on rigorous enclosures.

    The data are X^ = X with rows normalized exactly (real numbers, so A2's ||x_i|| = 1 holds exactly), as
    in ``certify_lambda0``; sigma is positively homogeneous, so G for X^ is D G_X D with D = diag(1/||x_i||).
    Products X W^T, W^T W, (W - W0)^T (W - W0) and sigma(X W^T) sigma(X W^T)^T are exact integers (FLINT
    fmpz); the rest is arb ball arithmetic at about `dps` digits; eigenvalues by ``_sym_eig_bounds``.
    lambda0: ``certify_lambda0`` (primary), and independently Weyl around lambda_min(G_inf(I)) =
    1/2 - 1/(2 pi): the closed-form entry kappa(rho) = (sqrt(1-rho^2) + (pi - arccos rho) rho)/(2 pi) has
    kappa' = (pi - arccos rho)/(2 pi) in [0, 1], so ||G_inf(X^) - G_inf(I)||_2 <= ||offdiag(X^ X^T)||_F.
    Each record: value and bound as [lo, hi], holds (decided on the enclosures), margin, enclosure_radius.
    """
    from verifier.certify import certify_lambda0

    flint = _flint()
    arb, arb_mat = flint.arb, flint.arb_mat
    t0 = time.perf_counter()
    old_prec = flint.ctx.prec
    flint.ctx.prec = int(dps * math.log2(10)) + 24
    try:
        X, W0, W, m = inst.X, inst.W0, inst.W, int(inst.m)
        n = X.shape[0]
        (Xi,), _ = _scaled_ints(X)                 # its power of two cancels in D G_X D
        (W0i, Wi), eW = _scaled_ints(W0, W)
        Di = Wi - W0i
        two = arb(2)
        sm = arb(m).sqrt()
        c = arb(inst.c)                                    # the instance's c, a float: exact

        # data: exact K = X X^T; A2 for X^ (unit rows by construction; no two parallel: k_ij^2 < k_ii k_jj)
        K = Xi * Xi.transpose()
        kd = [K[i, i] for i in range(n)]
        parallel = [(i, j) for i in range(n) for j in range(i + 1, n) if K[i, j] ** 2 >= kd[i] * kd[j]]
        inv_sqrt = [1 / arb(kd[i]).sqrt() for i in range(n)]
        Khat = arb_mat(n, n)
        off2 = arb(0)
        for i in range(n):
            for j in range(n):
                v = arb(K[i, j]) * inv_sqrt[i] * inv_sqrt[j]
                Khat[i, j] = v
                if i != j:
                    off2 += v * v
        normX2 = _sym_eig_bounds(Khat, flint)["lmax"]      # ||X^||^2 = lambda_max(X^ X^T)

        # lambda0
        cert = certify_lambda0(X)
        if cert.status != "proven":
            raise ArithmeticError(f"certify_lambda0 undecided: {cert.details}")
        lam0 = (arb(cert.lower), arb(cert.upper))
        base = arb(1) / 2 - 1 / (2 * arb.pi())
        rad = off2.sqrt().upper()
        lam0_weyl = ((base - rad).lower(), (base + rad).upper())
        lam0_agree = bool(lam0[0] <= lam0_weyl[1] and lam0_weyl[0] <= lam0[1])

        # norms: ||M||_2^2 = lambda_max(M^T M), M^T M exact
        def opnorm(Mi, e):
            Sint = Mi.transpose() * Mi
            S = arb_mat(Sint) * two ** (2 * e)
            return _sqrt_iv(_sym_eig_bounds(S, flint)["lmax"]), Sint

        (nW0, _), (nW, _), (nD, DtD) = opnorm(W0i, eW), opnorm(Wi, eW), opnorm(Di, eW)
        fro2 = sum((DtD[i, i] for i in range(DtD.nrows())), 0)      # ||W - W0||_F^2 = tr(D^T D), exact
        nD_F = arb(fro2).sqrt() * two ** eW

        # Gram matrices of X^: G = D (Phi Phi^T / m) D with Phi = sigma(X W^T) exact
        def gram(Mi):
            P = _relu_int(Xi * Mi.transpose())
            return P * P.transpose()

        mG0, mG = gram(W0i), gram(Wi)
        scale = two ** (2 * eW) / m                         # 2^(2 eX) cancels against D

        def to_arb(Mint):
            A = arb_mat(n, n)
            for i in range(n):
                for j in range(n):
                    A[i, j] = arb(Mint[i, j]) * scale * inv_sqrt[i] * inv_sqrt[j]
            return A

        G0a, Ga = to_arb(mG0), to_arb(mG)
        dGa = to_arb(mG - mG0)
        e0, e1, ed = _sym_eig_bounds(G0a, flint), _sym_eig_bounds(Ga, flint), _sym_eig_bounds(dGa, flint)
        dG_lo = max(-ed["lmin"][1], ed["lmax"][0], arb(0))
        dG_hi = max(abs(ed["lmin"][0]), abs(ed["lmax"][1]))
        normdG = (dG_lo.lower(), dG_hi.upper())

        R_lo = (sm * lam0[0] / (16 * c * normX2[1])).lower()
        R_hi = (sm * lam0[1] / (16 * c * normX2[0])).upper()

        def iv(x):
            return (x.lower(), x.upper())

        def scale_iv(a, ivl):
            return ((a * ivl[0]).lower(), (a * ivl[1]).upper())

        hyps = [
            _check("A2: ||x_i|| = 1, no two rows parallel", (arb(len(parallel)), arb(len(parallel))), "<=",
                   (arb(0), arb(0)), "rows of X^ are X's rows divided by their exact norms; parallel pairs "
                   "counted by the exact integer test <x_i,x_j>^2 >= |x_i|^2 |x_j|^2"),
            _check("||W(0)||_2 <= c sqrt(m)", nW0, "<=", iv(c * sm),
                   "sqrt(lambda_max(W0^T W0)), W0^T W0 exact (fmpz), Ostrowski + Gershgorin in arb"),
            _check("lambda_min(G(0)) >= 3 lambda0/4", e0["lmin"], ">=", scale_iv(arb(3) / 4, lam0),
                   "G(0) from exact sigma(X W0^T) (fmpz), Ostrowski + Gershgorin; lambda0 by certify_lambda0"),
            _check("||W||_2 <= 2c sqrt(m)", nW, "<=", iv(2 * c * sm), "as ||W(0)||_2"),
            _check("||W - W(0)||_2 <= R = sqrt(m) lambda0/(16 c ||X||^2)", nD, "<=", (R_lo, R_hi),
                   "W - W0 exact (common power of two), as ||W(0)||_2; R from the lambda0 and ||X^|| enclosures"),
        ]
        conclusions = [
            _check("lambda_min(G) >= lambda0/2", e1["lmin"], ">=", scale_iv(arb(1) / 2, lam0),
                   "upper end: Rayleigh quotient of a float eigenvector, in arb (Courant-Fischer)"),
            _check("||G - G(0)||_2 <= lambda0/4", normdG, "<=", scale_iv(arb(1) / 4, lam0),
                   "lower end: Rayleigh quotients of G - G(0) (exact integer difference)"),
            _check("||G - G(0)||_2 <= (4c/sqrt m) ||X||^2 ||W - W(0)||_2", normdG, "<=",
                   ((4 * c / sm * normX2[0] * nD[0]).lower(), (4 * c / sm * normX2[1] * nD[1]).upper()),
                   "the operator-norm Lipschitz step of A.6"),
        ]
        RF = ((sm * lam0[0] / (12 * c * arb(n).sqrt() * normX2[1].sqrt())).lower(),
              (sm * lam0[1] / (12 * c * arb(n).sqrt() * normX2[0].sqrt())).upper())
        Rop = ((sm * lam0[0] / (12 * c * n)).lower(), (sm * lam0[1] / (12 * c * n)).upper())
        outside = [
            _check("||W - W(0)||_F > R_F = sqrt(m) lambda0/(12 c sqrt(n) ||X||) (repair (a))", RF, "<",
                   iv(nD_F), "||W - W0||_F^2 = tr(D^T D), an exact integer"),
            _check("||W - W(0)||_2 > R_op = sqrt(m) lambda0/(12 c n) (repair (b))", Rop, "<", nD, "as above"),
        ]
        all_h = all(h["holds"] for h in hyps)
        violated = conclusions[0]["refuted"]
        decisive = all(r["decided"] and (abs(r["margin"]) > r["enclosure_radius"] or r["enclosure_radius"] == 0)
                       for r in hyps + conclusions[:1])
        out = {
            "n": n, "m": m, "seed": inst.seed, "c": inst.c, "dps": dps, "prec_bits": flint.ctx.prec,
            "data": "X^ = rows of X divided by their exact norms (A2 exactly); G(W) = (1/m) sum_r "
                    "sigma(X^ w_r) sigma(X^ w_r)^T",
            "c_choice": "c = ||W(0)||_2/sqrt(m) (1 + 2^-30): the smallest admissible c (R decreases in c)",
            "lambda0": {"lower": _f(lam0[0]), "upper": _f(lam0[1]), "method": f"certify_lambda0 ({cert.method})",
                        "independent": {"lower": _f(lam0_weyl[0]), "upper": _f(lam0_weyl[1]),
                                        "method": "Weyl: |lambda0 - (1/2 - 1/(2 pi))| <= ||offdiag(X^ X^T)||_F"},
                        "agree": lam0_agree},
            "norm_X": [_f(_sqrt_iv(normX2)[0]), _f(_sqrt_iv(normX2)[1])],
            "R": [_f(R_lo), _f(R_hi)], "R_F": [_f(RF[0]), _f(RF[1])], "R_op": [_f(Rop[0]), _f(Rop[1])],
            "norm_W_minus_W0": [_f(nD[0]), _f(nD[1])], "frobenius_W_minus_W0": _f(nD_F),
            "lambda_min_G0": [_f(e0["lmin"][0]), _f(e0["lmin"][1])],
            "lambda_min_G": [_f(e1["lmin"][0]), _f(e1["lmin"][1])],
            "norm_G_minus_G0": [_f(normdG[0]), _f(normdG[1])],
            "hypotheses": hyps, "conclusions": conclusions, "outside_repaired_radii": outside,
            "all_hypotheses_hold": all_h, "conclusion_violated": bool(violated),
            "margins_exceed_radii": bool(decisive),
            "counterexample": bool(all_h and violated and lam0_agree),
            "seconds": time.perf_counter() - t0,
        }
    finally:
        flint.ctx.prec = old_prec
    return out


# --- export ----------------------------------------------------------------------------------------------

_ARRAYS = ("X", "W0", "W")


def export_instance(inst: L34Instance, path) -> None:
    """Write X, W0, W, c, m and every measured number to an .npz (gamma = NaN: L3.4 involves no gamma)."""
    nums = inst.numbers()
    payload = {k: getattr(inst, k) for k in _ARRAYS}
    for k, v in nums.items():
        payload[k] = np.asarray(v)
    payload["gamma"] = np.asarray(np.nan)
    payload["note"] = np.asarray("L3.4 (A.6): W(0), W in R^{m x d}, X in R^{n x d}; G(W) = (1/m) sum_r "
                                 "sigma(X w_r) sigma(X w_r)^T; c = ||W(0)||_2/sqrt(m) (1 + 2^-30); "
                                 "R = sqrt(m) lambda0/(16 c ||X||^2); gamma is not used by L3.4 (NaN)")
    np.savez_compressed(path, **payload)


def load_instance(path) -> L34Instance:
    """Read an ``export_instance`` file back (arrays bit-identical, numbers as written)."""
    with np.load(path, allow_pickle=False) as z:
        kw = {}
        for f in fields(L34Instance):
            v = z[f.name]
            if f.name in _ARRAYS:
                kw[f.name] = np.array(v)
            elif f.name == "history":
                kw[f.name] = tuple(float(x) for x in v)
            elif f.name in ("ball", "data"):
                kw[f.name] = str(v)
            elif f.name in ("m", "n", "seed", "iterations"):
                kw[f.name] = int(v)
            else:
                kw[f.name] = float(v)
    return L34Instance(**kw)


# --- the repairs: proofs as chains of sympy-decided steps --------------------------------------------------

def _rec(description: str, kind: str, status: str, detail: str, reason: str = "") -> dict:
    return {"description": description, "kind": kind, "status": status, "detail": detail, "reason": reason}


def _decide_nonneg(expr) -> tuple[str, str]:
    """expr >= 0 for all values of its symbols (declared positive / nonnegative): sympy's sign rules on
    expr, then on the expanded numerator over a denominator of known sign. A sample with expr < 0 refutes."""
    expr = sp.sympify(expr)
    cands = [expr, sp.simplify(expr), sp.factor(expr)]
    num, den = sp.fraction(sp.together(expr))
    for e in cands:
        if e.is_nonnegative is True:
            return HOLDS, f"{sp.sstr(e)} >= 0 (sympy sign rules)"
    if sp.sympify(den).is_positive is True and sp.expand(num).is_nonnegative is True:
        return HOLDS, f"numerator {sp.sstr(sp.expand(num))} >= 0 over positive denominator (sympy)"
    for e in cands:
        if e.is_negative is True:
            return FAILS, f"{sp.sstr(e)} < 0 for all admissible values (sympy)"
    free = sorted(expr.free_symbols, key=str)
    rng = np.random.default_rng(0)
    for _ in range(200):
        pt = {s: sp.Rational(int(rng.integers(1, 1000)), int(rng.integers(1, 1000))) for s in free}
        val = expr.subs(pt)
        if val.is_negative:
            return FAILS, f"{sp.sstr(expr)} < 0 at {pt} (exact rationals)"
    return NOT_CHECKABLE, f"sympy cannot decide the sign of {sp.sstr(expr)}; no negative sample"


def _chain(expr, substitutions, relation, target) -> tuple[str, str]:
    """expr <relation> target, after replacing symbols by bounds in rounds.

    substitutions: list of rounds, each a list of (symbol, bound, side) with side "upper" (symbol <= bound) or
    "lower". For relation "<=", an upper substitution is valid where expr is nondecreasing in the symbol and
    a lower one where it is nonincreasing (">=" the reverse); each monotonicity is a sympy-decided sign of
    the partial derivative. Then the substituted expression is compared with target."""
    details = []
    cur = sp.sympify(expr)
    for rnd in substitutions:
        for sym, _bound, side in rnd:
            deriv = sp.diff(cur, sym)
            need_up = (side == "upper") == (relation == "<=")
            st, det = _decide_nonneg(deriv if need_up else -deriv)
            details.append(f"d/d{sym} {'>=' if need_up else '<='} 0: {det}")
            if st != HOLDS:
                return st, "; ".join(details)
        cur = cur.subs({sym: bound for sym, bound, _ in rnd})
    diff = (target - cur) if relation == "<=" else (cur - target)
    st, det = _decide_nonneg(diff)
    details.append(f"after substitution {sp.sstr(sp.simplify(cur))} {relation} {sp.sstr(target)}: {det}")
    return st, "; ".join(details)


def _matrix_identity_check(n_, m_) -> tuple[str, str]:
    P = sp.MatrixSymbol("Phi", n_, m_)
    P0 = sp.MatrixSymbol("Phi0", n_, m_)
    diff = sp.expand(P * P.T - P0 * P0.T - (P * (P - P0).T + (P - P0) * P0.T))
    ok = diff == sp.ZeroMatrix(n_, n_) or getattr(diff, "is_ZeroMatrix", False)
    return (HOLDS if ok else FAILS), f"Phi Phi^T - Phi0 Phi0^T - (Phi (Phi - Phi0)^T + (Phi - Phi0) Phi0^T) = {diff}"


def relu_lipschitz_check(activation=None) -> tuple[str, str]:
    """(sigma(a) - sigma(b))^2 <= (a - b)^2 for all real a, b, by the four sign cases (sympy, nonnegative
    p, q with a = +-p, b = +-q); b = 0 gives sigma(a)^2 <= a^2. `activation` (a sympy function) defaults to
    Max(t, 0)."""
    act = activation or (lambda t: sp.Max(t, 0))
    p, q = sp.symbols("p q", nonnegative=True)
    out = []
    worst = HOLDS
    for a, b in ((p, q), (p, -q), (-p, q), (-p, -q), (p, 0), (-p, 0)):
        diff = sp.expand((a - b) ** 2 - (act(a) - act(b)) ** 2)
        st, det = _decide_nonneg(diff)
        out.append(f"a={a}, b={b}: {det}")
        if st != HOLDS:
            worst = st if worst == HOLDS or st == FAILS else worst
    return worst, "; ".join(out)


# symbols of the repair proofs (all nonnegative)
_S = dict(zip(
    ("m", "n", "c", "lambda0", "nX", "nXF", "P", "P0", "E", "dF", "dOp", "nW", "nW0", "dG", "lG0", "RF", "Rop"),
    sp.symbols("m n c lambda0 normX normXF normPhi normPhi0 normDPhi dW_F dW_op normW normW0 normDG "
               "lamminG0 R_F R_op", positive=True)))


def _spec(A) -> float:
    return float(np.linalg.norm(A, 2))


def _fro(A) -> float:
    return float(np.linalg.norm(A))


def _relu_np(A):
    return np.maximum(A, 0.0)


def _unit_rows(A):
    return A / np.linalg.norm(A, axis=1)[:, None]


#: the matrix facts the repair chains name: (statement, reference, sampler(rng, a, b, k) -> [(lhs, rhs), ...])
#: with random a x k and b x k matrices; each is checked on random draws (a spot check, not a proof)
_FACTS = {
    "triangle+sub": ("||A B^T + C D^T||_2 <= ||A||_2 ||B||_2 + ||C||_2 ||D||_2",
                     "triangle inequality, submultiplicativity (Horn & Johnson 2013, 5.6)",
                     lambda A, B, C, D: [(_spec(A @ B.T + C @ D.T), _spec(A) * _spec(B) + _spec(C) * _spec(D))]),
    "2<=F": ("||A||_2 <= ||A||_F", "Horn & Johnson 2013, 5.6", lambda A, B, C, D: [(_spec(A), _fro(A))]),
    "F-mixed": ("||A B^T||_F <= ||A||_2 ||B||_F and ||A B^T||_F <= ||A||_F ||B||_2", "Higham 2002, Lemma 6.6",
                lambda A, B, C, D: [(_fro(A @ B.T), _spec(A) * _fro(B)), (_fro(A @ B.T), _fro(A) * _spec(B))]),
    "relu-F": (("||sigma(A) - sigma(C)||_F <= ||A - C||_F and ||sigma(A)||_F <= ||A||_F (entrywise, from the "
                "scalar ReLU step)"), "sum of the entrywise inequalities",
               lambda A, B, C, D: [(_fro(_relu_np(A) - _relu_np(C)), _fro(A - C)), (_fro(_relu_np(A)), _fro(A))]),
    "weyl": ("lambda_min(S) >= lambda_min(T) - ||S - T||_2 for symmetric S, T",
             "Weyl (Horn & Johnson 2013, Thm 4.3.1)",
             lambda A, B, C, D: [(float(np.linalg.eigvalsh(C @ C.T)[0]) - _spec(A @ A.T - C @ C.T),
                                  float(np.linalg.eigvalsh(A @ A.T)[0]))]),
    "unit": ("||X||_F^2 = sum_i ||x_i||^2 = n for unit rows (A2)", "definition of ||.||_F",
             lambda A, B, C, D: [(_fro(_unit_rows(A)) ** 2, A.shape[0]), (A.shape[0], _fro(_unit_rows(A)) ** 2)]),
}


def _fact_record(key: str, samples: int = 60, seed: int = 0) -> dict:
    """A named matrix fact, spot-checked on random Gaussian matrices of random sizes (a sampled check)."""
    text, ref, sampler = _FACTS[key]
    rng = np.random.default_rng(seed)
    worst = math.inf
    for _ in range(samples):
        a, b, k = (int(x) for x in rng.integers(1, 9, size=3))
        A, C = rng.standard_normal((a, k)), rng.standard_normal((a, k))
        B, D = rng.standard_normal((b, k)), rng.standard_normal((b, k))
        for lhs, rhs in sampler(A, B, C, D):
            worst = min(worst, (rhs - lhs) / max(1.0, abs(rhs)))
    ok = worst >= -1e-12
    return _rec(f"fact: {text}", "fact (sampled)", HOLDS if ok else FAILS,
                f"{ref}; checked on {samples} random draws, smallest relative slack {worst:.3g}",
                "a textbook matrix inequality named as a justification; the draws spot-check it, they do not prove it")


def _repair_proof(which: str, coefficient, radius_denominator, activation) -> list[dict]:
    S = _S
    m, n, c, lam0, nX, nXF = S["m"], S["n"], S["c"], S["lambda0"], S["nX"], S["nXF"]
    P, P0, E, dG, lG0 = S["P"], S["P0"], S["E"], S["dG"], S["lG0"]
    coefficient = sp.nsimplify(coefficient)
    radius_denominator = sp.nsimplify(radius_denominator)
    if which == "a":
        dW, nrm, X_on_E = S["dF"], "F", nX
        coeff = coefficient * c * sp.sqrt(n) * nX / sp.sqrt(m)
        radius = sp.sqrt(m) * lam0 / (radius_denominator * c * sp.sqrt(n) * nX)
        e_step = "||Phi - Phi0||_F <= ||X (W - W0)^T||_F <= ||X||_2 ||W - W0||_F"
    else:
        dW, nrm, X_on_E = S["dOp"], "2", nXF
        coeff = coefficient * c * n / sp.sqrt(m)
        radius = sp.sqrt(m) * lam0 / (radius_denominator * c * n)
        e_step = "||Phi - Phi0||_F <= ||X (W - W0)^T||_F <= ||X||_F ||W - W0||_2"
    nW, nW0 = S["nW"], S["nW0"]
    steps = []
    st, det = _matrix_identity_check(sp.Symbol("n", integer=True, positive=True),
                                     sp.Symbol("m", integer=True, positive=True))
    steps.append(_rec("m (G - G(0)) = Phi Phi^T - Phi0 Phi0^T = Phi (Phi - Phi0)^T + (Phi - Phi0) Phi0^T, "
                      "Phi = sigma(X W^T) (n x m, any sizes)", "identity (matrix symbols)", st, det))
    st, det = relu_lipschitz_check(activation)
    steps.append(_rec("|sigma(a) - sigma(b)| <= |a - b| and |sigma(a)| <= |a| for sigma(t) = max(t, 0)",
                      "inequality (sign cases)", st, det))
    steps.append(_fact_record("triangle+sub"))
    steps.append(_fact_record("2<=F"))
    steps.append(_fact_record("F-mixed"))
    steps.append(_fact_record("relu-F"))
    steps.append(_fact_record("unit"))
    st, det = _chain((P + P0) * E / m,
                     [[(P, nXF * nW, "upper"), (P0, nXF * nW0, "upper"), (E, X_on_E * dW, "upper")],
                      [(nW, 2 * c * sp.sqrt(m), "upper"), (nW0, c * sp.sqrt(m), "upper"),
                       (nXF, sp.sqrt(n), "upper")]],
                     "<=", coeff * dW)
    steps.append(_rec(f"||G - G(0)||_2 <= {sp.sstr(coeff)} ||W - W(0)||_{nrm}: substitute into "
                      "||G - G(0)||_2 <= (||Phi||_2 + ||Phi0||_2) ||Phi - Phi0||_F / m [identity, triangle+sub, "
                      "2<=F] the bounds ||Phi||_2 <= ||X||_F ||W||_2, ||Phi0||_2 <= ||X||_F ||W(0)||_2 "
                      "[|sigma(t)| <= |t|, 2<=F, F-mixed] and " + e_step + " [ReLU 1-Lipschitz, F-mixed], then "
                      "||W|| <= 2c sqrt m, ||W(0)|| <= c sqrt m, ||X||_F = sqrt(n) [unit]",
                      "inequality chain (monotone substitution)", st, det))
    st, det = _chain(coeff * dW, [[(dW, radius, "upper")]], "<=", lam0 / 4)
    steps.append(_rec(f"||W - W(0)||_{nrm} <= {sp.sstr(radius)} gives ||G - G(0)||_2 <= lambda0/4",
                      "inequality chain (monotone substitution)", st, det))
    st, det = _chain(lG0 - dG, [[(lG0, sp.Rational(3, 4) * lam0, "lower"), (dG, lam0 / 4, "upper")]],
                     ">=", lam0 / 2)
    steps.append(_rec("Weyl: lambda_min(G) >= lambda_min(G(0)) - ||G - G(0)||_2 >= 3 lambda0/4 - lambda0/4 "
                      "= lambda0/2", "inequality chain (monotone substitution)", st, det))
    steps.append(_fact_record("weyl"))
    return steps


def frobenius_repair_proof(coefficient=3, radius_denominator=12, activation=None) -> list[dict]:
    """Repair (a) of L3.4: ||W - W(0)||_F <= R_F = sqrt(m) lambda0 / (12 c sqrt(n) ||X||) and the other
    hypotheses give ||G - G(0)|| <= (3 c sqrt(n) ||X|| / sqrt m) ||W - W(0)||_F <= lambda0/4 and
    lambda_min(G) >= lambda0/2. The constants are inputs: a wrong one makes a step fail."""
    return _repair_proof("a", coefficient, radius_denominator, activation)


def operator_repair_proof(coefficient=3, radius_denominator=12, activation=None) -> list[dict]:
    """Repair (b) of L3.4: ||W - W(0)||_2 <= R_op = sqrt(m) lambda0 / (12 c n) and the other hypotheses give
    ||G - G(0)|| <= (3 c n / sqrt m) ||W - W(0)||_2 <= lambda0/4 and lambda_min(G) >= lambda0/2."""
    return _repair_proof("b", coefficient, radius_denominator, activation)


# --- numeric checks of the repairs on an instance ------------------------------------------------------------

def check_repairs(inst: L34Instance, samples: int = 4, seed: int = 1, search_iters: int = 8) -> dict:
    """The found W lies outside both repaired balls; W inside them (random directions at the boundary, the
    search's own direction scaled in, and the same search run inside each ball) keep lambda_min(G) >= lambda0/2
    and the repaired Lipschitz bounds; the facts the proofs name, spot-checked on the instance's matrices."""
    X, W0, W, c, m, n = inst.X, inst.W0, inst.W, inst.c, inst.m, inst.n
    lam0, nX = inst.lambda0, inst.norm_X
    radii = repaired_radii(m, n, lam0, c, nX)
    G0 = gram_finite(X, W0)
    lmin0 = float(np.linalg.eigvalsh(G0)[0])
    D = W - W0
    rng = np.random.default_rng(seed)
    trials = []

    def trial(label, Dt, ball):
        G = gram_finite(X, W0 + Dt)
        dG = float(np.linalg.norm(G - G0, 2))
        bound = (3 * c * math.sqrt(n) * nX / math.sqrt(m) * float(np.linalg.norm(Dt)) if ball == "frobenius"
                 else 3 * c * n / math.sqrt(m) * float(np.linalg.norm(Dt, 2)))
        lm = float(np.linalg.eigvalsh(G)[0])
        trials.append({"label": label, "ball": ball, "lambda_min_G": lm, "norm_G_minus_G0": dG,
                       "repaired_bound": bound, "ok": lm >= lam0 / 2 and dG <= bound and dG <= lam0 / 4})

    for ball, key, nrm in (("frobenius", "R_F", lambda A: float(np.linalg.norm(A))),
                           ("operator", "R_op", lambda A: float(np.linalg.norm(A, 2)))):
        r = radii[key] * (1 - RADIUS_MARGIN)
        trial(f"found direction scaled to {key}", D * (r / nrm(D)), ball)
        for s in range(samples):
            Z = rng.standard_normal(W0.shape)
            trial(f"random direction {s} at {key}", Z * (r / nrm(Z)), ball)
        found = search_counterexample(X=X, W0=W0, c=c, ball=ball, radius=radii[key], iters=search_iters)
        trial(f"search inside {key} ({search_iters} iterations)", found.W - W0, ball)

    # spot checks of the named facts on the instance's matrices
    Phi, Phi0 = np.maximum(X @ W.T, 0.0), np.maximum(X @ W0.T, 0.0)
    facts = {
        "2<=F": float(np.linalg.norm(Phi - Phi0, 2)) <= float(np.linalg.norm(Phi - Phi0)) * (1 + 1e-12),
        "F-mixed": float(np.linalg.norm(X @ D.T)) <= nX * float(np.linalg.norm(D)) * (1 + 1e-12)
        and float(np.linalg.norm(X @ D.T)) <= float(np.linalg.norm(X)) * float(np.linalg.norm(D, 2)) * (1 + 1e-12),
        "relu-F": float(np.linalg.norm(Phi - Phi0)) <= float(np.linalg.norm(X @ D.T)) * (1 + 1e-12),
        "weyl": inst.lambda_min_G >= lmin0 - inst.norm_G_minus_G0 - 1e-12,
        "unit": abs(float(np.linalg.norm(X)) ** 2 - n) <= 1e-9 * n,
    }
    dF, dOp = float(np.linalg.norm(D)), float(np.linalg.norm(D, 2))
    return {"R_F": radii["R_F"], "R_op": radii["R_op"], "frobenius_W_minus_W0": dF, "norm_W_minus_W0": dOp,
            "outside_R_F": dF > radii["R_F"], "outside_R_op": dOp > radii["R_op"],
            "trials": trials, "all_trials_ok": all(t["ok"] for t in trials), "facts": facts,
            "min_lambda_min_inside": min(t["lambda_min_G"] for t in trials), "lambda0_half": lam0 / 2}


# --- the audit's steps and findings ------------------------------------------------------------------------

def _fmt_iv(iv) -> str:
    return f"[{iv[0]:.6f}, {iv[1]:.6f}]"


@functools.lru_cache(maxsize=2)
def _evidence(large: bool, rigorous: bool):
    size = LARGE if large else SMALL
    inst = _cached_search(size["n"], size["m"], size["seed"])
    ver = verify_instance(inst) if rigorous else None
    rep = check_repairs(inst, samples=3, search_iters=6)
    return inst, ver, rep


def audit_findings(setting: dict | None = None, *, large: bool = False, rigorous: bool = True,
                   instance: L34Instance | None = None, verification: dict | None = None):
    """(steps, findings) for the L3.4 audit, both lists of dicts.

    Steps: the two repair proofs (sympy), the failing operator-norm step of A.6, and the instance's
    hypotheses and conclusion decided by ``verify_instance`` (rigorous=True) or in float64.
    Findings: {summary, evidence}. Default: the SMALL instance (a few seconds); large=True (or
    setting={"large": True}) the n = 200, m = 12000 one. Other keys of `setting` are not used: the instance
    is this module's own (the counterexample needs its own data and W). `instance` (and its
    ``verify_instance`` result `verification`) replace the searched instance when given.
    """
    if setting and setting.get("large") is not None:
        large = bool(setting["large"])
    if instance is None:
        inst, ver, rep = _evidence(bool(large), bool(rigorous))
    else:
        inst = instance
        ver = verification if verification is not None else (verify_instance(inst) if rigorous else None)
        rep = check_repairs(inst, samples=3, search_iters=6)
    tag = f"orthonormal X (n = {inst.n}, seeded QR), W(0) ~ N(0,1)^(m x n) (m = {inst.m}, seed {inst.seed})"
    steps = []
    steps += [dict(s, description="repair (a), Frobenius radius: " + s["description"])
              for s in frobenius_repair_proof()]
    steps += [dict(s, description="repair (b), operator radius: " + s["description"])
              for s in operator_repair_proof()]

    Phi, Phi0 = np.maximum(inst.X @ inst.W.T, 0.0), np.maximum(inst.X @ inst.W0.T, 0.0)
    lhs = float(np.linalg.norm(Phi - Phi0, 2))
    rhs = inst.norm_X * inst.norm_W_minus_W0
    steps.append(_rec("A.6: ||sigma(X W^T) - sigma(X W(0)^T)||_2 <= ||X||_2 ||W - W(0)||_2 ('1-Lipschitz' in "
                      "operator norm)", "numeric (the found instance)", HOLDS if lhs <= rhs else FAILS,
                      f"{tag}: {lhs:.6g} vs {rhs:.6g}"))
    if ver is not None:
        for h in ver["hypotheses"]:
            steps.append(_rec(f"instance: hypothesis {h['name']}", "numeric (rigorous enclosure)",
                              HOLDS if h["holds"] else FAILS if h["refuted"] else NOT_CHECKABLE,
                              f"value {_fmt_iv(h['value'])} vs bound {_fmt_iv(h['bound'])}; margin "
                              f"{h['margin']:.3g} > enclosure radius {h['enclosure_radius']:.3g}; {h['method']}"))
        for h in ver["conclusions"]:
            steps.append(_rec(f"instance: conclusion {h['name']}", "numeric (rigorous enclosure)",
                              HOLDS if h["holds"] else FAILS if h["refuted"] else NOT_CHECKABLE,
                              f"value {_fmt_iv(h['value'])} vs bound {_fmt_iv(h['bound'])}; {h['method']}"))
    else:
        steps.append(_rec("instance: every hypothesis of L3.4 (float64)", "numeric",
                          HOLDS if inst.hypotheses_hold else FAILS, str(inst.numbers())))
        steps.append(_rec("instance: conclusion lambda_min(G) >= lambda0/2 (float64)", "numeric",
                          HOLDS if inst.lambda_min_G >= inst.lambda0_half else FAILS,
                          f"{inst.lambda_min_G:.6f} vs {inst.lambda0_half:.6f}"))
    steps.append(_rec("the found W lies outside both repaired balls (else a repair would be wrong)",
                      "numeric", HOLDS if rep["outside_R_F"] and rep["outside_R_op"] else FAILS,
                      f"||W - W(0)||_F = {rep['frobenius_W_minus_W0']:.6g} > R_F = {rep['R_F']:.6g}; "
                      f"||W - W(0)||_2 = {rep['norm_W_minus_W0']:.6g} > R_op = {rep['R_op']:.6g}"))
    steps.append(_rec("W inside the repaired balls (random and searched) keep lambda_min(G) >= lambda0/2 and "
                      "the repaired Lipschitz bounds", "numeric (sampled)",
                      HOLDS if rep["all_trials_ok"] else FAILS,
                      f"{len(rep['trials'])} trials; smallest lambda_min(G) {rep['min_lambda_min_inside']:.6f} vs "
                      f"lambda0/2 = {rep['lambda0_half']:.6f}"))
    steps.append(_rec("the facts the repair chains name, spot-checked on the instance's matrices",
                      "numeric (spot check)", HOLDS if all(rep["facts"].values()) else FAILS, str(rep["facts"])))

    numbers = inst.numbers()
    numbers.pop("history", None)
    if ver is not None:
        lam0s = f"lambda0 in [{ver['lambda0']['lower']:.10f}, {ver['lambda0']['upper']:.10f}]"
        g, g0, dg = ver["lambda_min_G"], ver["lambda_min_G0"], ver["norm_G_minus_G0"]
        how = "rigorous enclosures: exact integer products, arb balls"
        ok = ver["counterexample"] and ver["margins_exceed_radii"]
        nums = (f"{lam0s}; lambda_min(G(0)) >= {g0[0]:.6f} >= 3 lambda0/4; ||W - W(0)||_2 <= "
                f"{ver['norm_W_minus_W0'][1]:.7f} < {ver['R'][0]:.7f} <= R; ||W||_2 <= 2c sqrt(m); "
                f"lambda_min(G) <= {g[1]:.6f} < {ver['lambda0']['lower'] / 2:.6f} <= lambda0/2")
        lip = (f"||G - G(0)||_2 >= {dg[0]:.6f} > {ver['conclusions'][2]['bound'][1]:.6f} >= "
               f"(4c/sqrt m)||X||^2 ||W - W(0)||_2, and > lambda0/4")
    else:
        how = "float64"
        ok = inst.violates
        nums = (f"lambda0 = {inst.lambda0:.6f}; lambda_min(G(0)) = {inst.lambda_min_G0:.6f} >= "
                f"{inst.three_quarter_lambda0:.6f}; ||W - W(0)||_2 = {inst.norm_W_minus_W0:.6f} <= R = {inst.R:.6f}; "
                f"lambda_min(G) = {inst.lambda_min_G:.6f} < lambda0/2 = {inst.lambda0_half:.6f}")
        lip = (f"||G - G(0)||_2 = {inst.norm_G_minus_G0:.6f} > (4c/sqrt m)||X||^2 ||W - W(0)||_2 = "
               f"{inst.printed_lipschitz_bound:.6f}")
    findings = []
    if ok:
        findings.append({
            "summary": f"L3.4 is false as stated, conclusion lambda_min(G) >= lambda0/2 included: on {tag}, "
                       f"c = ||W(0)||_2/sqrt(m) (the smallest admissible c, which gives the largest R), projected "
                       f"steepest descent of lambda_min(G) over ||W - W(0)||_2 <= R finds W meeting every printed "
                       f"hypothesis with lambda_min(G) < lambda0/2 ({how}: {nums}).",
            "status": "false as stated",
            "evidence": {"instance": numbers, "verification": ver}})
    if (ver is not None and ver["conclusions"][2]["refuted"]) or (ver is None and inst.norm_G_minus_G0 >
                                                                   inst.printed_lipschitz_bound):
        findings.append({
            "summary": "The operator-norm Lipschitz step of A.6, ||G - G(0)|| <= (4c/sqrt m) ||X||^2 ||W - W(0)||_2, "
                       f"is false as stated: on the same instance {lip}. The step bounds "
                       "||sigma(X W^T) - sigma(X W(0)^T)||_2 by ||X||_2 ||W - W(0)||_2, true in Frobenius norm "
                       f"only (here {lhs:.4f} > {rhs:.4f}).",
            "status": "false as stated",
            "evidence": {"norm_sigma_diff_op": lhs, "normX_times_normdW": rhs,
                         "norm_G_minus_G0": dg if ver is not None else inst.norm_G_minus_G0}})
    findings.append({
        "summary": "Two valid repairs (the algebra of each chain decided by sympy, the matrix facts it uses named "
                   "and spot-checked): (a) ||W - W(0)||_F <= R_F = sqrt(m) "
                   "lambda0/(12 c sqrt(n) ||X||) gives ||G - G(0)|| <= (3c sqrt(n) ||X||/sqrt m) ||W - W(0)||_F "
                   "<= lambda0/4; (b) ||W - W(0)||_2 <= R_op = sqrt(m) lambda0/(12 c n) gives ||G - G(0)|| <= "
                   f"(3 c n/sqrt m) ||W - W(0)||_2 <= lambda0/4. On the instance R_F = {rep['R_F']:.4f} < "
                   f"||W - W(0)||_F = {rep['frobenius_W_minus_W0']:.4f} and R_op = {rep['R_op']:.4f} < "
                   f"||W - W(0)||_2 = {rep['norm_W_minus_W0']:.4f} (the counterexample is outside both); "
                   f"{len(rep['trials'])} points inside them, searched ones included, keep lambda_min(G) >= "
                   f"lambda0/2 (smallest {rep['min_lambda_min_inside']:.4f}).",
        "status": "repair",
        "evidence": rep})
    return steps, findings


# --- the same, as re-runnable audit steps ------------------------------------------------------------------

def _repair_chain(which: str, coefficient, radius_denominator):
    """Outcome of a whole repair proof: holds iff every step holds (named facts spot-checked, so 'sampled')."""
    from ._common import Outcome

    recs = _repair_proof(which, coefficient, radius_denominator, None)
    statuses = [r["status"] for r in recs]
    status = FAILS if FAILS in statuses else (NOT_CHECKABLE if NOT_CHECKABLE in statuses else HOLDS)
    bad = [r["description"][:90] for r in recs if r["status"] != HOLDS]
    return Outcome(status, f"{statuses.count(HOLDS)}/{len(recs)} steps hold" + (f"; not holding: {bad}" if bad else ""),
                   sampled=any("sampled" in r["kind"] for r in recs))


def _enclosure(value, relation, bound):
    """value <relation> bound on rigorous enclosures [lo, hi]: holds, fails (refuted), or not checkable."""
    from ._common import Outcome

    rec = _check("", (float(value[0]), float(value[1])), relation, (float(bound[0]), float(bound[1])), "")
    status = HOLDS if rec["holds"] else FAILS if rec["refuted"] else NOT_CHECKABLE
    return Outcome(status, f"value {_fmt_iv(value)} {relation} bound {_fmt_iv(bound)}: margin {rec['margin']:.3g}, "
                           f"enclosure radius {rec['enclosure_radius']:.3g}")


def _cache_path(large: bool, rigorous: bool):
    """Where the data-independent L3.4 evidence is kept between processes: keyed by the package version and a
    hash of this module's source, so any change to the search or the verification recomputes it.
    VERIFIER_CACHE_DIR overrides the folder (default ~/.cache/implicit-verifier); VERIFIER_NO_CACHE=1 skips it."""
    import hashlib
    import os
    from pathlib import Path

    if os.environ.get("VERIFIER_NO_CACHE"):
        return None
    from verifier import __version__

    key = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    root = Path(os.environ.get("VERIFIER_CACHE_DIR") or Path.home() / ".cache" / "implicit-verifier")
    return root / f"l3_4-{__version__}-{key}-{'large' if large else 'small'}-{'rig' if rigorous else 'f64'}.json"


def evidence_summary(large: bool = False, rigorous: bool = True) -> dict:
    """The numbers the L3.4 audit steps and findings read (JSON-ready), computed once and cached on disk
    (written atomically, so concurrent runs never read a partial file)."""
    import json
    import os
    import tempfile

    from verifier.summary import to_json

    path = _cache_path(large, rigorous)
    if path is not None and path.is_file():
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            pass
    inst, ver, rep = _evidence(bool(large), bool(rigorous))
    _records, found = audit_findings(None, large=large, rigorous=rigorous)
    Phi, Phi0 = np.maximum(inst.X @ inst.W.T, 0.0), np.maximum(inst.X @ inst.W0.T, 0.0)
    out = to_json({"n": inst.n, "m": inst.m, "seed": inst.seed, "lambda_min_G": inst.lambda_min_G,
                   "lambda0_half": inst.lambda0_half, "sigma_diff_op": float(np.linalg.norm(Phi - Phi0, 2)),
                   "normX_times_normdW": inst.norm_X * inst.norm_W_minus_W0, "verification": ver,
                   "repairs": {k: v for k, v in rep.items() if k != "trials"}, "trials": len(rep["trials"]),
                   "findings": found})
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                json.dump(out, f)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only home: the evidence is simply recomputed next time
    return out


def audit_steps(setting: dict | None = None, *, large: bool = False, rigorous: bool = True):
    """(steps, findings) for `proofs_checks.l3_4.audit` as re-runnable `Step`s and `Finding`s: each step's check
    reads its inputs (constants of a repair, the enclosures of the instance), so a wrong input changes it."""
    from ._common import Step, compare_step, finding

    if setting and setting.get("large") is not None:
        large = bool(setting["large"])
    ev = evidence_summary(bool(large), bool(rigorous))
    ver, rep = ev["verification"], ev["repairs"]
    steps = [
        Step("repair (a): ||W - W(0)||_F <= R_F = sqrt(m) lambda0/(12 c sqrt(n) ||X||) gives ||G - G(0)|| <= lambda0/4 "
             "and lambda_min(G) >= lambda0/2 (chain of sympy-decided steps; the named matrix facts spot-checked)",
             "proof chain", _repair_chain, ("a", 3, 12)),
        Step("repair (b): ||W - W(0)||_2 <= R_op = sqrt(m) lambda0/(12 c n) gives ||G - G(0)|| <= lambda0/4 and "
             "lambda_min(G) >= lambda0/2 (same chain in operator norm)", "proof chain", _repair_chain, ("b", 3, 12)),
        compare_step(f"A.6: ||sigma(X W^T) - sigma(X W(0)^T)||_2 <= ||X||_2 ||W - W(0)||_2 on the found instance "
                     f"(n = {ev['n']}, m = {ev['m']})", ev["sigma_diff_op"], "<=", ev["normX_times_normdW"]),
    ]
    if ver:
        for kind in ("hypotheses", "conclusions"):
            for h in ver[kind]:
                steps.append(Step(f"found instance, {kind[:-1]}: {h['name']} ({h['method']})",
                                  "numeric (rigorous enclosure)", _enclosure,
                                  (tuple(h["value"]), h["relation"], tuple(h["bound"]))))
    else:
        steps.append(compare_step("found instance (float64): lambda_min(G) >= lambda0/2", ev["lambda_min_G"], ">=",
                                  ev["lambda0_half"]))
    steps += [
        compare_step("the found W lies outside repair (a)'s ball: ||W - W(0)||_F > R_F", rep["frobenius_W_minus_W0"],
                     ">", rep["R_F"]),
        compare_step("the found W lies outside repair (b)'s ball: ||W - W(0)||_2 > R_op", rep["norm_W_minus_W0"],
                     ">", rep["R_op"]),
        compare_step(f"W inside the repaired balls ({ev['trials']} random and searched points): smallest "
                     "lambda_min(G) >= lambda0/2", rep["min_lambda_min_inside"], ">=", rep["lambda0_half"],
                     kind="numeric (sampled)"),
    ]
    return steps, [finding(f["summary"], f["evidence"], f["status"]) for f in ev["findings"]]


def export_counterexamples(directory, *, large: bool = True) -> list:
    """Write the found L3.4 instance(s) as .npz (X, W0, W, c, m and the numbers) into `directory`."""
    from pathlib import Path

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    out = []
    for lg in ((False, True) if large else (False,)):
        size = LARGE if lg else SMALL
        path = d / f"L3.4_counterexample_n{size['n']}_m{size['m']}_seed{size['seed']}.npz"
        export_instance(_cached_search(size["n"], size["m"], size["seed"]), path)
        out.append(path)
    return out
