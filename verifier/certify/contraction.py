"""Certified well-posedness margin (L2.2): a proven upper bound of (gamma/sqrt(m)) ||A||_2.

If (gamma/sqrt(m)) ||A||_2 < 1 then z -> relu((gamma/sqrt(m)) A z + phi) is a contraction in the
2-norm for every phi (relu is 1-Lipschitz), so the equilibrium z* of eq. (3) exists and is unique
(Banach), for every input x.

Upper bound: ||A||_2^2 < s^2 is proven by ``rump_pd`` applied to s^2 I - A^T A, with the rounding
of the float product B = fl(A^T A) accounted for: |B - A^T A| <= gamma_m |A|^T |A| entrywise
(Higham 2002, eq. 3.13), hence ||B - A^T A||_2 <= gamma_m || |A| ||_2^2 <= gamma_m ||A||_F^2.
The trial s^2 is the Lanczos estimate of lambda_max(B) plus twice the a-priori slack of the test
(~ (m + 3) u m s^2), i.e. a relative overestimate of ||A||_2 of about m^2 u (~2e-9 at m = 4000).
Lower bound: ||A v|| / ||v|| for the Lanczos vector v, with the rounding of A v bounded a priori.
"""
from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from ._accurate import accurate_matmul
from ._fp import U, f_up, frac, inflate, sqrt_down, sqrt_up
from ._fp import gamma as gamma_k
from .certificate import Certificate
from .entries import data_fingerprint
from .pd import rump_pd

__all__ = ["certify_contraction"]


def _scaled(A: np.ndarray):
    """A = 2^e A' with max |A'| in [1/2, 1), exactly; None when the scaling would not be exact."""
    mx = float(np.max(np.abs(A)))
    if mx == 0:
        return A, 0
    _, e = np.frexp(mx)
    As = np.ldexp(A, -int(e))
    if not np.array_equal(np.ldexp(As, int(e)), A):
        return None, 0
    return As, int(e)


def _gram(As: np.ndarray, side: str):
    """Symmetric float B = fl(As^T As) (side "AtA") or fl(As As^T), and rE >= ||B - exact||_2."""
    B = As.T @ As if side == "AtA" else As @ As.T
    il = np.tril_indices(B.shape[0], -1)
    B[il[1], il[0]] = B[il]  # each entry encloses the same exact value: mirror the lower triangle
    m = As.shape[0]
    fro2 = inflate(float(np.sum(As * As)), As.size + 2)
    rE = f_up(gamma_k(m) * frac(fro2))
    return B, rE, fro2


def _top_eig(B: np.ndarray):
    m = B.shape[0]
    if m <= 600:
        lam, V = np.linalg.eigh(B)
        return float(lam[-1]), V[:, -1].copy()
    from scipy.sparse.linalg import eigsh

    v0 = np.ones(m) / np.sqrt(m)
    lam, V = eigsh(B, k=1, which="LA", tol=1e-13, v0=v0)
    return float(lam[0]), V[:, 0].copy()


def _norm_lower(As: np.ndarray, v: np.ndarray) -> Fraction:
    """Proven lower bound of ||As||_2 from ||As v|| / ||v|| (accurate product)."""
    P = accurate_matmul(As, v)
    y = P.hi + P.lo
    ey = inflate(P.err + 2 * U * np.abs(y), 4)
    ny2 = sum((frac(x) ** 2 for x in y), Fraction(0))
    nev = sqrt_up(frac(inflate(float(np.sum(ey * ey)), ey.size + 2)))
    nv = sqrt_up(sum((frac(x) ** 2 for x in v), Fraction(0)))
    low = frac(sqrt_down(ny2)) - frac(nev)
    return max(low, Fraction(0)) / frac(nv) if nv > 0 else Fraction(0)


def _norm_lower_float(As: np.ndarray, v: np.ndarray) -> Fraction:
    """Proven lower bound of ||As||_2 from ||fl(As v)|| - gamma_m || |As| |v| || over ||v||."""
    m = As.shape[1]
    y = As @ v
    ey = inflate(f_up(gamma_k(m)) * (np.abs(As) @ np.abs(v)), m + 4)
    ny2 = sum((frac(x) ** 2 for x in y), Fraction(0))
    nev = sqrt_up(frac(inflate(float(np.sum(ey * ey)), ey.size + 2)))
    nv = sqrt_up(sum((frac(x) ** 2 for x in v), Fraction(0)))
    low = frac(sqrt_down(ny2)) - frac(nev)
    return max(low, Fraction(0)) / frac(nv) if nv > 0 else Fraction(0)


def _prove_below(B: np.ndarray, rE: float, s2: Fraction) -> bool:
    """lambda_max(M) < s2 for every symmetric M with ||M - B||_2 <= rE."""
    return rump_pd(-B, -s2, rE)[0]


def certify_contraction(A, gamma: float) -> Certificate:
    """Certificate for q = (gamma/sqrt(m)) ||A||_2 with A the m x m float64 matrix as given.

    upper is proven (falling back to the Frobenius norm if the Cholesky test fails; status is
    "undecided" only if even that overflows);
    details["contraction_proven"] is True iff upper < 1; details["bound_below_one"] is
    "proven" (upper < 1), "refuted" (lower >= 1) or "undecided".
    Example: ``certify_contraction(np.eye(4), 0.5).upper`` is about 0.25.
    """
    t0 = time.perf_counter()
    A = np.asarray(A)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"A must be a non-empty square matrix, got shape {A.shape}")
    A = A.astype(np.float64) if A.dtype != np.float64 else A
    g = float(gamma)
    if not (np.isfinite(g) and g >= 0):
        raise ValueError(f"gamma must be a finite nonnegative number, got {gamma!r}")
    if not np.all(np.isfinite(A)):
        raise ValueError("A has a NaN or inf entry")
    m = A.shape[0]
    fg = frac(g)
    As, e = _scaled(A)
    details = {"m": m, "gamma": g, "fingerprint": data_fingerprint(A)}
    lower_f = upper_f = None
    method = "rump-cholesky on s^2 I - A^T A"
    witness = None
    if As is None:
        method = "frobenius"
    if As is not None and e == 0 and not np.any(As):
        lower_f = upper_f = 0.0  # A = 0
        method = "exact (A = 0)"
    elif As is not None:
        B, rE, fro2 = _gram(As, "AtA")
        lam, v = _top_eig(B)
        witness = v
        K = m + 3
        alpha = gamma_k(K) / (1 - gamma_k(K))
        base = max(frac(lam), Fraction(0))
        pad = 2 * (alpha * m * base + frac(rE)) + base * Fraction(4 * m) * Fraction(U) + Fraction(2) ** -1000
        s2 = None
        for j in range(8):
            trial = frac(f_up(base + pad * 4**j))
            if _prove_below(B, rE, trial):
                s2 = trial
                break
        details.update({"lanczos_estimate_sq": lam, "product_error_norm": rE, "trials": j + 1})
        scale = Fraction(2) ** (2 * e)
        if s2 is not None:
            upper_f = sqrt_up(fg * fg * scale * s2 / m)
            details["s2_scaled"] = float(s2)
        else:
            method = "frobenius (Cholesky test undecided)"
        low = _norm_lower_float(As, v)
        lower_f = sqrt_down(fg * fg * scale * low * low / m)
    if upper_f is None:  # ||A||_2 <= ||A||_F, always true
        fro2 = inflate(float(np.sum(A * A)), A.size + 2)
        upper_f = sqrt_up(fg * fg * frac(fro2) / m) if np.isfinite(fro2) else float("inf")
        lower_f = 0.0 if lower_f is None else lower_f
    verdict = "proven" if upper_f < 1 else ("refuted" if lower_f >= 1 else "undecided")
    details.update({"contraction_proven": bool(upper_f < 1), "bound_below_one": verdict,
                    "method_detail": method})
    secs = time.perf_counter() - t0
    statement = (f"(gamma/sqrt(m)) ||A||_2 lies in [lower, upper] for the {m} x {m} float64 matrix A "
                 f"as given (exact binary values, sha256 {details['fingerprint'][:16]}...) and "
                 f"gamma = {g!r} (exact binary value); upper < 1 proves that z -> relu((gamma/sqrt(m)) A z + phi) "
                 f"is a 2-norm contraction, so the equilibrium exists and is unique (L2.2)")
    status = "proven" if np.isfinite(upper_f) else "undecided"
    cert = Certificate(quantity="(gamma/sqrt(m))||A||_2", lower=lower_f, upper=upper_f, status=status,
                       method=method, precision="binary64, a-priori bounds (u = 2^-53, gamma_k); exact rationals for scalars",
                       seconds=secs, statement=statement, details=details,
                       _check=_make_check(A, g, witness))
    return cert


def _make_check(A: np.ndarray, g: float, witness):
    def check(cert: Certificate) -> bool:
        """Re-check with A A^T instead of A^T A (another product, another Cholesky) at the claimed
        upper bound, and the witness vector's ||A v|| with an error-free product for the lower."""
        if data_fingerprint(A) != cert.details.get("fingerprint") or g != cert.details.get("gamma"):
            return False
        m = A.shape[0]
        As, e = _scaled(A)
        fg = frac(g)
        ok_upper = ok_lower = True
        if As is None:
            return False
        if cert.upper is not None and fg > 0:
            # ||As||^2 < s2 with s2 = upper^2 m / (gamma^2 4^e), rounded down (a harder test)
            s2 = frac(cert.upper) ** 2 * m / (fg * fg * Fraction(2) ** (2 * e))
            if np.any(As):
                B, rE, _ = _gram(As, "AAt")
                ok_upper = _prove_below(B, rE, s2)
            else:
                ok_upper = s2 >= 0
        if cert.lower is not None and cert.lower > 0:
            if witness is None:
                ok_lower = False
            else:
                low = _norm_lower(As, witness)
                ok_lower = fg * fg * Fraction(2) ** (2 * e) * low * low / m >= frac(cert.lower) ** 2
        cert.details["verification"] = {"upper_ok": bool(ok_upper), "lower_ok": bool(ok_lower),
                                        "upper_test": "rump-cholesky on s^2 I - A A^T"}
        return bool(ok_upper and ok_lower)

    return check
