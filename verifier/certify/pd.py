"""Positive-definiteness certificates for symmetric interval matrices, M - t I > 0.

Four tests, each "proven" only when its inequality holds in exact arithmetic:

* ``rump_pd`` (method "cholesky"): floating-point Cholesky with an a-priori shift
  (Rump, "Verification of positive definiteness", BIT 46, 2006, Sec. 2; Demmel 1989;
  Higham 2002, Thm 10.3). If fl-Cholesky of A~ runs to completion, R^T R = A~ + D with
  |D| <= gamma_K |R^T||R| and (|R^T||R|)_ij <= ||r_i|| ||r_j||, ||r_i||^2 <= A~_ii / (1 - gamma_K),
  so lambda_min(A~) >= -gamma_K/(1 - gamma_K) tr(A~+). With A~ = M - sigma I (diagonal rounded
  down) and sigma >= t + gamma_K/(1-gamma_K) tr((M - tI)+) + ||M_rad||_2 + (underflow term),
  every M in the interval has lambda_min > t. K = n + 3 instead of Higham's n + 1: LAPACK
  (dpotf2, and OpenBLAS dtrsm) multiplies by a computed reciprocal of the pivot, two roundings
  where the textbook algorithm divides once.  Fast, but its absolute slack ~ n u tr(M) is too
  coarse for lambda0 ~ 1e-4 at relative width 1e-8.
* ``EigPrecond.schur_test`` (method "eig"): congruence with a float eigenbasis V of M_mid,
  Z = V^T (M - t I) V = [[A, B], [B^T, C]] (A: the k x k block of the eigenvalues near t, computed
  with error-free products), and the 2 x 2 Schur inequality: if lambda_min(A) >= a > 0,
  lambda_min(C) >= c > 0 (Gershgorin) and ||B||_2 <= beta with a c > beta^2, then
  x^T Z x >= a|x1|^2 - 2 beta |x1||x2| + c|x2|^2 > 0, so Z > 0, V is nonsingular and M - tI > 0.
  Sharp: the slack is ~ beta^2 / gap + the enclosure radius of v^T M v.
* ``EigPrecond.cholesky_test`` (method "eig-cholesky"): the same Z, scaled by powers of two to a
  unit diagonal, through ``rump_pd``. Used to re-check certificates by a different inequality.
* ``interval_cholesky_pd`` (method "interval-cholesky"): Cholesky in mpmath interval arithmetic
  (Alefeld & Mayer); every symmetric member's pivots lie in the interval pivots. Slow, O(n^3)
  Python operations; the benchmark's baseline.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ._environment import check_arithmetic
from ._exact_matmul import accurate_matmul
from ._inputs import CertifyInputError, exact_float64, exact_float64_array
from ._rounding import U, f_up, frac, gamma, inflate

__all__ = ["rump_pd", "spectral_radius_upper", "interval_cholesky_pd", "EigPrecond", "certify_pd",
           "rayleigh_upper",
           "PD_METHODS"]

PD_METHODS = ("auto", "cholesky", "eig", "eig-cholesky", "interval-cholesky")


def spectral_radius_upper(R: np.ndarray, iters: int = 8) -> float:
    """Upper bound of ||R||_2 for a symmetric nonnegative R (Collatz-Wielandt: rho(R) <=
    max_i (R x)_i / x_i for any x > 0, Perron-Frobenius), with x from a few power steps."""
    R = np.asarray(R, dtype=np.float64)
    n = R.shape[0]
    if n == 0 or not np.any(R):
        return 0.0
    x = np.ones(n)
    best = np.inf
    for _ in range(iters + 1):
        y = inflate(R @ x, n + 2)
        best = min(best, float(np.max(inflate(y / x, 1))))
        x = y / np.max(y) + 2.0**-40  # stays positive
    return best


def rump_pd(M_mid: np.ndarray, t: float, rad_norm: float = 0.0):
    """Prove lambda_min(M) > t for every symmetric M with ||M - M_mid||_2 <= rad_norm.

    Returns (proven, lower): lower is a rational with lambda_min(M) >= lower (> t) when proven.
    M_mid must be exactly symmetric (only its lower triangle is read by LAPACK).
    Assumption on LAPACK/BLAS (as in Rump 2006): every computed l_ij is (a_ij - sum_k l_ik l_jk)
    accumulated in some order, divided by (or multiplied by a computed reciprocal of) l_jj, in
    binary64 round-to-nearest; OpenBLAS's potrf/trsm kernels are of this kind. No explicit
    inversion of triangular blocks.
    """
    M = np.asarray(M_mid, dtype=np.float64)
    n = M.shape[0]
    d = np.diag(M)
    if not (np.all(np.isfinite(M)) and np.isfinite(rad_norm)):
        return False, None
    if not isinstance(t, Fraction) and not math.isfinite(float(t)):
        return False, None
    ft = Fraction(t)  # a rational t may lie far outside the float range: no float(t) from here on
    g = gamma(n + 3)
    alpha = g / (1 - g)
    trp = sum((max(frac(x) - ft, Fraction(0)) for x in d), Fraction(0))
    uf = Fraction(4 * (n + 2) ** 2) * (2 + max(frac(abs(x)) for x in d)) * Fraction(2) ** -1070
    s = alpha * trp + frac(rad_norm) + uf
    sigma = f_up(ft + s)
    A = M.copy()
    diag = np.nextafter(d - sigma, -np.inf)  # <= d - sigma exactly
    if np.any(diag <= 0):
        return False, None
    np.fill_diagonal(A, diag)
    try:
        R = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        return False, None
    if not np.all(np.isfinite(R)):
        return False, None
    lower = frac(sigma) - alpha * trp - uf - frac(rad_norm)
    return lower > ft, lower


def interval_cholesky_pd(M_mid, M_rad, t: float, prec: int = 80) -> bool:
    """Cholesky of [M_mid +- M_rad] - t I in mpmath interval arithmetic; True iff every pivot's
    lower end is > 0, which proves every symmetric member minus t I positive definite."""
    from mpmath import iv

    M_mid = np.asarray(M_mid, dtype=np.float64)
    M_rad = np.broadcast_to(np.asarray(M_rad, dtype=np.float64), M_mid.shape)
    n = M_mid.shape[0]
    old = iv.prec
    iv.prec = prec
    try:
        tt = iv.mpf(float(t))
        L = [[None] * n for _ in range(n)]
        for j in range(n):
            s = iv.mpf(float(M_mid[j, j])) + iv.mpf([-float(M_rad[j, j]), float(M_rad[j, j])]) - tt
            for k in range(j):
                s -= L[j][k] ** 2
            if not s.a > 0:
                return False
            ljj = iv.sqrt(s)
            L[j][j] = ljj
            for i in range(j + 1, n):
                v = iv.mpf(float(M_mid[i, j])) + iv.mpf([-float(M_rad[i, j]), float(M_rad[i, j])])
                for k in range(j):
                    v -= L[i][k] * L[j][k]
                L[i][j] = v / ljj
        return True
    finally:
        iv.prec = old


def _frobenius_upper(mid: np.ndarray, rad: np.ndarray) -> float:
    if mid.size == 0:
        return 0.0
    b = np.abs(mid) + rad
    ss = inflate(float(np.sum(b * b)), mid.size + 4)
    return float(np.nextafter(np.sqrt(ss), np.inf))


def _quadratic_forms(hi, lo, err, V1, gn):
    """Rigorous V1^T M V1 and V1^T V1 (as Fractions, mid and radius) for M in hi + lo +- err.

    W = M V1 is enclosed as W.hi + WL +- WE (WL, WE floats): hi V1 by ``accurate_matmul``,
    lo V1 in floating point (error gamma_n |lo||V1|), err |V1| for the rest; then
    V1^T W = V1^T W.hi (accurate) + V1^T WL (float) +- |V1|^T WE.
    """
    n, k = V1.shape
    aV1 = np.abs(V1)
    W = accurate_matmul(hi, V1)
    Lw = lo @ V1
    WL = W.lo + Lw
    WE = inflate(W.err + gn * (np.abs(lo) @ aV1) + err @ aV1 + 2 * U * np.abs(WL), n + 6)
    PA = accurate_matmul(V1.T, W.hi)
    pl = V1.T @ WL
    prad = inflate(PA.err + gn * (aV1.T @ np.abs(WL)) + aV1.T @ WE, n + 6)
    QA = accurate_matmul(V1.T, V1)
    P = [[frac(PA.hi[i, j]) + frac(PA.lo[i, j]) + frac(pl[i, j]) for j in range(k)] for i in range(k)]
    Pr = [[frac(prad[i, j]) for j in range(k)] for i in range(k)]
    Q = [[frac(QA.hi[i, j]) + frac(QA.lo[i, j]) for j in range(k)] for i in range(k)]
    Qr = [[frac(QA.err[i, j]) for j in range(k)] for i in range(k)]
    return P, Pr, Q, Qr, W, WL, WE


def _rayleigh_from_forms(P, Pr, Q, Qr, i):
    num = P[i][i] + Pr[i][i]
    den = Q[i][i] - Qr[i][i] if num >= 0 else Q[i][i] + Qr[i][i]
    return None if den <= 0 else num / den


def rayleigh_upper(hi, lo, err, v) -> Fraction:
    """Proven upper bound of lambda_min(M) for every M in hi + lo +- err: the Rayleigh quotient
    v^T M v / v^T v evaluated with error-free products (Courant-Fischer)."""
    hi = np.asarray(hi, dtype=np.float64)
    lo = np.zeros_like(hi) if lo is None else np.asarray(lo, dtype=np.float64)
    err = np.zeros_like(hi) if err is None else np.broadcast_to(np.asarray(err, dtype=np.float64), hi.shape)
    v = np.asarray(v, dtype=np.float64).reshape(-1, 1)
    r = _rayleigh_from_forms(*_quadratic_forms(hi, lo, err, v, f_up(gamma(hi.shape[0])))[:4], 0)
    if r is None:
        raise FloatingPointError("Rayleigh quotient: v^T v not bounded away from 0")
    return r


class EigPrecond:
    """Congruence Z = V^T (M - t I) V with a float eigenbasis V of hi, for M in hi + lo +- err.

    Precomputes, once: P~ = fl(V^T fl(hi V)), Q~ = fl(V^T V), and rigorous entrywise radii
    |V^T M V - P~| <= |V|^T H |V| with H = gamma_n (2 + gamma_n) |hi| + |lo| + err
    (two float products, Higham 2002 eq. 3.13), |V^T V - Q~| <= gamma_n |V|^T |V|.
    The k x k block for the eigenvalues near t is recomputed with ``accurate_matmul``.
    """

    def __init__(self, hi, lo=None, err=None, *, driver: str = "numpy"):
        hi = np.asarray(hi, dtype=np.float64)
        n = hi.shape[0]
        self.n = n
        self.hi = hi
        self.lo = np.zeros_like(hi) if lo is None else np.asarray(lo, dtype=np.float64)
        self.err = np.zeros_like(hi) if err is None else np.broadcast_to(np.asarray(err, dtype=np.float64), hi.shape)
        if driver == "numpy":
            lam, V = np.linalg.eigh(hi)
        else:
            import scipy.linalg

            lam, V = scipy.linalg.eigh(hi, driver=driver)
        self.lam, self.V = lam, np.ascontiguousarray(V)
        self.driver = driver
        gn = f_up(gamma(n) * (2 + gamma(n)))
        self.gn = f_up(gamma(n))
        H = inflate(gn * np.abs(hi) + np.abs(self.lo) + self.err, 6)
        self.H = H
        absV = np.abs(self.V)
        self.absV = absV
        Pt = self.V.T @ (hi @ self.V)
        Qt = self.V.T @ self.V
        self.Pt, self.Qt = Pt, Qt
        self.dP, self.dQ = np.diag(Pt).copy(), np.diag(Qt).copy()
        aP, aQ = np.abs(Pt), np.abs(Qt)
        np.fill_diagonal(aP, 0.0)
        np.fill_diagonal(aQ, 0.0)
        self.oP = inflate(aP.sum(axis=1), n + 2)
        self.oQ = inflate(aQ.sum(axis=1), n + 2)
        z = absV.sum(axis=1)
        self.rowP = inflate(absV.T @ (H @ z), 3 * n + 4)  # row sums of |V|^T H |V|
        self.rowQ = inflate(self.gn * (absV.T @ z), 2 * n + 4)
        self._blocks = {}

    # --- the accurate leading block -------------------------------------------------------------
    def block(self, k: int) -> dict:
        """Rigorous data of A = V1^T M V1, V1^T V1 (Fractions) and of B = V1^T M V2, V1^T V2."""
        if k in self._blocks:
            return self._blocks[k]
        n, V = self.n, self.V
        V1, V2 = V[:, :k], V[:, k:]
        aV2 = self.absV[:, k:]
        P, Pr, Q, Qr, W, WL, WE = _quadratic_forms(self.hi, self.lo, self.err, V1, self.gn)
        # B block: W^T V2 (M-part) and V1^T V2 (identity part)
        BG = W.hi.T @ V2
        BGr = inflate(self.gn * (np.abs(W.hi).T @ aV2) + np.abs(WL).T @ aV2 + WE.T @ aV2, n + 6)
        BQ = self.Qt[:k, k:]
        BQr = inflate(self.gn * (self.absV[:, :k].T @ aV2), n + 4)
        out = {"k": k, "P": P, "Pr": Pr, "Q": Q, "Qr": Qr, "BG": BG, "BGr": BGr, "BQ": BQ, "BQr": BQr,
               "betaG": _frobenius_upper(BG, BGr), "betaQ": _frobenius_upper(BQ, BQr)}
        self._blocks[k] = out
        return out

    def rayleigh_upper(self, k: int = 1) -> Fraction:
        """min_i of a proven upper bound of v_i^T M v_i / v_i^T v_i over the first k vectors:
        lambda_min(M) <= that for every M in the enclosure (Courant-Fischer)."""
        b = self.block(k)
        rs = [_rayleigh_from_forms(b["P"], b["Pr"], b["Q"], b["Qr"], i) for i in range(k)]
        rs = [r for r in rs if r is not None]
        if not rs:
            raise FloatingPointError("Rayleigh quotient: v^T v not bounded away from 0")
        return min(rs)

    # --- the Schur test -------------------------------------------------------------------------
    def gershgorin_C(self, t: Fraction, k: int) -> Fraction:
        """Lower bound of lambda_min of C = V2^T (M - t I) V2 by Gershgorin on full-row sums:
        min_i P~_ii - t Q~_ii - sum_j (radP_ij + |t| radQ_ij) - sum_{j != i} |P~_ij - t Q~_ij|."""
        if k >= self.n:
            return None  # no C block
        tf, dt, at = _t_parts(t)
        dP, dQ = self.dP[k:], self.dQ[k:]
        sub = self.oP[k:] + at * self.oQ[k:] + self.rowP[k:] + at * self.rowQ[k:]
        val = dP - tf * dQ - sub
        # each term of val went through <= 5 roundings; |t - tf| <= dt enters through dQ
        errb = inflate(8.5 * U * (np.abs(dP) + np.abs(tf) * dQ + sub) + dt * dQ, 10)
        return frac(np.nextafter(np.min(val - errb), -np.inf))

    def schur_test(self, t, k: int) -> tuple[bool, dict]:
        t = Fraction(t)
        b = self.block(k)
        at = abs(t)
        a = None
        for i in range(k):
            row = b["P"][i][i] - t * b["Q"][i][i] - b["Pr"][i][i] - at * b["Qr"][i][i]
            for j in range(k):
                if j != i:
                    row -= abs(b["P"][i][j] - t * b["Q"][i][j]) + b["Pr"][i][j] + at * b["Qr"][i][j]
            a = row if a is None or row < a else a
        c = self.gershgorin_C(t, k)
        beta = frac(b["betaG"]) + at * frac(b["betaQ"])
        info = {"a": a, "c": c, "beta": beta}
        if a <= 0:
            return False, info
        if c is None:
            return True, info
        return bool(c > 0 and a * c > beta * beta), info

    # --- the preconditioned Rump test -----------------------------------------------------------
    def cholesky_test(self, t, k: int) -> bool:
        """Z = V^T (M - tI) V scaled to a unit diagonal by powers of two, through ``rump_pd``."""
        t = Fraction(t)
        tf, dt, at = _t_parts(t)
        n = self.n
        b = self.block(k)
        radP = inflate(self.absV.T @ (self.H @ self.absV), 2 * n + 4)
        radQ = inflate(self.gn * (self.absV.T @ self.absV), n + 4)
        tQ = tf * self.Qt
        Zm = self.Pt - tQ
        Zr = inflate(radP + at * radQ + dt * np.abs(self.Qt) + 2.02 * U * (np.abs(self.Pt) + np.abs(tQ)), 6)
        tB = tf * b["BQ"]
        Bm = b["BG"] - tB
        Br = inflate(b["BGr"] + at * b["BQr"] + dt * np.abs(b["BQ"]) + 2.02 * U * (np.abs(b["BG"]) + np.abs(tB)), 6)
        Zm[k:, :k] = Bm.T
        Zr[k:, :k] = Br.T
        for i in range(k):
            for j in range(k):
                ex = b["P"][i][j] - t * b["Q"][i][j]
                m = float(ex)
                Zm[i, j] = m
                Zr[i, j] = f_up(b["Pr"][i][j] + abs(t) * b["Qr"][i][j] + abs(ex - frac(m)))
        # mirror the lower triangle (each entry encloses the symmetric exact value)
        il = np.tril_indices(n, -1)
        Zm[il[1], il[0]] = Zm[il]
        Zr[il[1], il[0]] = Zr[il]
        dlow = np.diag(Zm) - np.diag(Zr)
        if not np.all(dlow > 0):
            return False
        _, e = np.frexp(np.diag(Zm))
        s = np.ldexp(1.0, -(e // 2))
        Zs = Zm * s[:, None] * s[None, :]
        Zrs = inflate(Zr * s[:, None] * s[None, :], 2)
        Zs[il[1], il[0]] = Zs[il]  # exact symmetry even if a scaled entry underflowed
        # underflow in the exact power-of-two scaling moves an entry by < 2^-1074, inside TINY
        return rump_pd(Zs, 0.0, spectral_radius_upper(Zrs))[0]

    def choose_k(self, t: float, kmax: int = 64) -> int:
        """Size of the leading block: the eigenvalues not safely (Gershgorin) above t."""
        slop = self.oP + self.rowP + abs(t) * (self.oQ + self.rowQ)
        near = np.nonzero(self.lam - t <= 4.0 * slop)[0]
        k = int(near.max()) + 1 if near.size else 1
        return max(1, min(k, kmax, self.n))


def _t_parts(t):
    """(tf, dt, at): tf = float(t), dt >= |t - tf|, at >= |t| (floats), for a rational t."""
    t = Fraction(t)
    tf = float(t)
    dt = f_up(abs(t - frac(tf)))
    return tf, dt, inflate(abs(tf) + dt, 1)


def certify_pd(M_mid, M_rad, t: float, *, method: str = "auto") -> str:
    """Is M - t I positive definite for every symmetric M with |M - M_mid| <= M_rad (entrywise)?

    Returns "proven" or "undecided" (never "proven" when the arithmetic cannot decide, or when the
    floating-point environment is not round-to-nearest-even with gradual underflow).
    M_mid (square, exactly symmetric), M_rad (nonnegative, broadcastable) and t must hold real
    numbers that are exactly float64 numbers (complex, bool, 1/3 as a Fraction, a long double
    radius that would be rounded down are refused: ``CertifyInputError``); NaN or inf give
    "undecided".
    method: "auto" (cholesky, then eig), "cholesky", "eig", "eig-cholesky", "interval-cholesky".
    Example: ``certify_pd(np.eye(3), 0.0, 0.5) == "proven"``.
    """
    if method not in PD_METHODS:
        raise ValueError(f"unknown method '{method}' (known: {', '.join(PD_METHODS)})")
    M = exact_float64_array(M_mid, "M_mid", ndim=2)
    if M.shape[0] != M.shape[1] or M.shape[0] == 0:
        raise CertifyInputError(f"M_mid must be a non-empty square matrix, got shape {M.shape}")
    R = exact_float64_array(M_rad, "M_rad")
    try:
        R = np.broadcast_to(R, M.shape)
    except ValueError:
        raise CertifyInputError(f"M_rad of shape {R.shape} does not broadcast to M_mid's {M.shape}") from None
    t = exact_float64(t, "t", finite=False)
    if not np.array_equal(M, M.T, equal_nan=True):  # NaN gives "undecided" below, not an error
        raise CertifyInputError("M_mid must be exactly symmetric")
    if np.any(R < 0):
        raise CertifyInputError("M_rad must be nonnegative")
    if not (np.all(np.isfinite(M)) and np.all(np.isfinite(R)) and np.isfinite(t)):
        return "undecided"
    if not check_arithmetic():
        return "undecided"
    try:
        with np.errstate(all="ignore"):
            verdict = _certify_pd(M, R, t, method)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        return "undecided"
    return verdict if check_arithmetic() else "undecided"


def _certify_pd(M: np.ndarray, R: np.ndarray, t: float, method: str) -> str:
    R = np.maximum(R, R.T)  # symmetric members only: |M_ij - mid_ij| <= min(R_ij, R_ji); max is safe
    if method in ("auto", "cholesky"):
        if rump_pd(M, t, spectral_radius_upper(R))[0]:
            return "proven"
        if method == "cholesky":
            return "undecided"
    if method == "interval-cholesky":
        return "proven" if interval_cholesky_pd(M, R, t) else "undecided"
    # eigen-preconditioned tests work on a power-of-two scaled copy (exact) for accurate_matmul
    mx = float(np.max(np.abs(M)))
    if mx == 0:
        return "proven" if rump_pd(M, t, spectral_radius_upper(R))[0] else "undecided"
    _, e = np.frexp(mx)
    Ms, Rs = np.ldexp(M, -e), np.ldexp(R, -e)
    if not np.array_equal(np.ldexp(Ms, e), M):
        return "undecided"
    Rs = inflate(Rs, 1)  # covers underflow in the scaling of the radii
    ts = Fraction(t) / Fraction(2) ** int(e)
    pre = EigPrecond(Ms, None, Rs)
    k = pre.choose_k(float(ts))
    ok = pre.cholesky_test(ts, k) if method == "eig-cholesky" else pre.schur_test(ts, k)[0]
    return "proven" if ok else "undecided"
