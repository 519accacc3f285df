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

Magnitudes: A is scaled by a power of two to max |A'| in [1/2, 1) (exact unless entries ~1000
binades below the largest underflow; each such entry moves by <= 2^-1075, which enters both
bounds), all scalars are exact rationals, and a bound outside the float64 range makes the
certificate "undecided": no magnitude raises.
"""
from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from ._environment import check_arithmetic
from ._exact_matmul import accurate_matmul
from ._inputs import CertifyInputError, exact_float64, exact_float64_array
from ._rounding import U, f_up, frac, inflate, sqrt_down, sqrt_up
from ._rounding import gamma as gamma_k
from .certificate import Certificate
from .entries import data_fingerprint
from .pd import rump_pd

__all__ = ["certify_contraction"]

_BACKEND = "numpy"
_PRECISION = "binary64, a-priori bounds (u = 2^-53, gamma_k); exact rationals for scalars"


def _scaled(A: np.ndarray):
    """A = 2^e (As + D) with max |As| in [1/2, 1), and delta >= ||D||_2 (a rational).

    D = 0 unless the scaling pushes entries below the subnormal range; each entry that moves moves
    by at most 2^-1075 (ldexp rounds to nearest), so ||D||_2 <= ||D||_F <= k 2^-1075 for k moved.
    """
    mx = float(np.max(np.abs(A)))
    if mx == 0:
        return A, 0, Fraction(0)
    _, e = np.frexp(mx)
    As = np.ldexp(A, -int(e))
    moved = int(np.count_nonzero(np.ldexp(As, int(e)) != A))  # scaling back up is exact
    return As, int(e), Fraction(moved, 2**1075)


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
    """Proven lower bound of ||As||_2 from ||As v|| / ||v|| (accurate product, y = hi + lo exactly).

    Rows with max |entry| below 2^-300 (outside accurate_matmul's scaling window) are left out:
    dropping rows only lowers ||As v||, so the bound stays a lower bound.
    """
    P = accurate_matmul(As[np.max(np.abs(As), axis=1) >= 2.0**-300], v)
    ny2 = sum(((frac(h) + frac(lo)) ** 2 for h, lo in zip(P.hi, P.lo)), Fraction(0))
    nev = sqrt_up(frac(inflate(float(np.sum(P.err * P.err)), P.err.size + 2)))
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


def _q_upper(fg: Fraction, e: int, m: int, norm_sq: Fraction, delta: Fraction) -> float:
    """A float >= (gamma/sqrt(m)) 2^e (sqrt(norm_sq) + delta) (uses 1/sqrt(m) <= 1 for delta)."""
    up = sqrt_up(fg * fg * Fraction(4) ** e * norm_sq / m)
    if delta:
        up = f_up(frac(up) + fg * Fraction(2) ** e * delta) if up < float("inf") else up
    return up


def _q_lower(fg: Fraction, e: int, m: int, norm_low: Fraction, delta: Fraction) -> float:
    """A float <= (gamma/sqrt(m)) 2^e (norm_low - delta)."""
    low = max(norm_low - delta, Fraction(0))
    return sqrt_down(fg * fg * Fraction(4) ** e * low * low / m)


def _bounds(A: np.ndarray, g: float):
    """(lower, upper, method, details, witness) for (g/sqrt(m)) ||A||_2; raises only on a bug."""
    m = A.shape[0]
    fg = frac(g)
    As, e, delta = _scaled(A)
    details = {"scaling_exponent": e, "scaling_error": float(f_up(delta))}
    if not np.any(As):
        return 0.0, 0.0, "exact (A = 0)", details, None
    B, rE, fro2 = _gram(As, "AtA")
    lam, v = _top_eig(B)
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
    if s2 is not None:
        method = "rump-cholesky on s^2 I - A^T A"
        details["s2_scaled"] = float(s2)
    else:  # ||As||_2 <= ||As||_F, always true
        method = "frobenius (Cholesky test undecided)"
        s2 = frac(fro2)
    upper = _q_upper(fg, e, m, s2, delta)
    lower = _q_lower(fg, e, m, _norm_lower_float(As, v), delta)
    return lower, upper, method, details, v


def certify_contraction(A, gamma, *, recheck: bool = True) -> Certificate:
    """Certificate for q = (gamma/sqrt(m)) ||A||_2 with A the m x m float64 matrix as given.

    A: a real square array whose entries are exactly float64 numbers (float16/32/64, integers that
    are float64 numbers, ...; complex, bool, NaN/inf and inexact values are refused with a
    ``CertifyInputError``). gamma: a nonnegative real number exactly equal to a float64 number.
    upper is proven (falling back to the Frobenius norm if the Cholesky test fails); the status is
    "undecided", with the reason, when the bound leaves the float64 range, the floating-point
    environment is not the one the proof assumes, or the re-check (``recheck``, on by default:
    ``verify()`` before returning) does not confirm the bounds.
    details["contraction_proven"] is True iff proven and upper < 1; details["bound_below_one"] is
    "proven" (upper < 1), "refuted" (lower >= 1) or "undecided".
    Example: ``certify_contraction(np.eye(4), 0.5).upper`` is about 0.25.
    """
    t0 = time.perf_counter()
    A = exact_float64_array(A, "A", ndim=2)
    if A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise CertifyInputError(f"A must be a non-empty square matrix, got shape {A.shape}")
    g = exact_float64(gamma, "gamma")
    if g < 0:
        raise CertifyInputError(f"gamma must be nonnegative, got {g!r}")
    if not np.all(np.isfinite(A)):
        raise CertifyInputError("A has a NaN or inf entry")
    m = A.shape[0]
    details = {"m": m, "gamma": g, "fingerprint": data_fingerprint(A)}
    lower = upper = witness = None
    method, reason = "not run", ""
    env = check_arithmetic()
    if not env:
        reason = env.reason
    else:
        try:
            with np.errstate(all="ignore"):  # overflow/underflow are accounted for, not warned about
                lower, upper, method, more, witness = _bounds(A, g)
            details.update(more)
        except (ArithmeticError, ValueError, np.linalg.LinAlgError) as exc:
            lower = upper = None
            reason = f"the bounds could not be computed: {type(exc).__name__}: {exc}"
        env = check_arithmetic()
        if not env:
            lower = upper = None
            reason = env.reason
    if upper is not None and not upper < float("inf"):
        reason = "the upper bound exceeds the float64 range"
    status = "proven" if not reason else "undecided"
    statement = (f"(gamma/sqrt(m)) ||A||_2 lies in [lower, upper] for the {m} x {m} float64 matrix A "
                 f"as given (exact binary values, sha256 {details['fingerprint'][:16]}...) and "
                 f"gamma = {g!r} (exact binary value); upper < 1 proves that z -> relu((gamma/sqrt(m)) A z + phi) "
                 f"is a 2-norm contraction, so the equilibrium exists and is unique (L2.2)")
    details["method_detail"] = method
    cert = Certificate(quantity="(gamma/sqrt(m))||A||_2", lower=lower, upper=upper, status=status,
                       method=method, precision=_PRECISION,
                       seconds=0.0, statement=statement, details=details, reason=reason,
                       _check=_make_check(A, g, witness))
    if recheck and cert.status == "proven":
        t1 = time.perf_counter()
        cert.verify()
        details["recheck_seconds"] = time.perf_counter() - t1
    proven = cert.status == "proven"
    below = proven and upper < 1
    verdict = "proven" if below else ("refuted" if proven and lower >= 1 else "undecided")
    details.update({"contraction_proven": bool(below), "bound_below_one": verdict})
    cert.seconds = time.perf_counter() - t0
    return cert


def _make_check(A: np.ndarray, g: float, witness):
    def check(cert: Certificate) -> dict:
        """Re-check with A A^T instead of A^T A (another product, another Cholesky) at the claimed
        upper bound, and the witness vector's ||A v|| with an error-free product for the lower."""
        same = {"backend": _BACKEND, "certificate_backend": _BACKEND, "independent": False}
        if data_fingerprint(A) != cert.details.get("fingerprint") or g != cert.details.get("gamma"):
            return {"ok": False, "reason": "the certificate's data or gamma was changed", **same}
        m = A.shape[0]
        As, e, delta = _scaled(A)
        fg = frac(g)
        ok_upper = ok_lower = True
        if cert.upper is not None:
            if fg == 0 or not np.any(As):
                ok_upper = cert.upper >= _q_upper(fg, e, m, Fraction(0), delta)
            else:
                # ||A||_2 <= 2^e (||As||_2 + delta) <= upper sqrt(m) / gamma needs ||As||_2^2 < s2 with
                # s2 = (upper sqrt(m) / (gamma 2^e) - delta)^2 (sqrt(m) rounded down when delta > 0)
                if delta == 0:
                    s2 = frac(cert.upper) ** 2 * m / (fg * fg * Fraction(4) ** e)
                else:
                    root = frac(cert.upper) * frac(sqrt_down(m)) / (fg * Fraction(2) ** e) - delta
                    s2 = root * root if root > 0 else Fraction(0)
                B, rE, fro2 = _gram(As, "AAt")
                ok_upper = s2 > frac(fro2) or (s2 > 0 and _prove_below(B, rE, s2))
        if cert.lower is not None and cert.lower > 0:
            if witness is None:
                ok_lower = False
            else:
                low = max(_norm_lower(As, witness) - delta, Fraction(0))
                ok_lower = fg * fg * Fraction(4) ** e * low * low / m >= frac(cert.lower) ** 2
        ok = bool(ok_upper and ok_lower)
        reason = ("confirmed in the same arithmetic (numpy/LAPACK) by another route: Cholesky of "
                  "s^2 I - A A^T instead of A^T A, and an error-free product for ||A v||")
        if not ok:
            reason = "not confirmed: " + ", ".join(
                w for w, bad in (("the upper bound", not ok_upper), ("the lower bound", not ok_lower)) if bad)
        return {"ok": ok, "reason": reason, **same,
                "report": {"upper_ok": bool(ok_upper), "lower_ok": bool(ok_lower),
                           "upper_test": "rump-cholesky on s^2 I - A A^T"}}

    return check
