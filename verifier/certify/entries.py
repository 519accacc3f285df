"""Rigorous entrywise enclosures of G_inf (eq. 17) for data given as float64 rows.

The matrix spoken about: for the float64 array X as given (each entry an exact binary number),
    K_ii = 1/2,   K_ij = k(c_ij),   c_ij = <x_i, x_j> / (||x_i|| ||x_j||)   (exact reals),
    k(c) = (sqrt(1 - c^2) + c (pi - acos c)) / (2 pi)
         = (sin t + (pi - t) cos t) / (2 pi) at the angle t = acos c (Cho & Saul 2009).
This is G_inf of the *exactly* row-normalized data x_i / ||x_i|| (the normalization is never
rounded: angles do not change under scaling, so it never has to be carried out).

Mean-value step shared by every backend: k'(c) = (pi - acos c) / (2 pi) in [0, 1/2] on [-1, 1],
so k(c) lies in k(c0) +- |c - c0| / 2 for a point c0 in [-1, 1] near c. Evaluating k only at the
exact point c0 keeps the enclosure tight even for nearly parallel rows (angles ~1e-9 and below),
where sqrt(1 - c^2) and acos c are ill-conditioned but k is not.

Backends: "numpy" (vectorized double-double intervals, error-free transformations, ~1e-30 radii,
no extra dependency), "flint" (arb balls at 192 bits, python-flint, the optional "rigorous" extra),
"mpmath" (mpmath.iv at 192 bits; slow, for small n and cross-checks). The flint and mpmath radii
(~1e-33) are set by the double-double output format itself, not by the working precision, so
either can re-check the other's certificates.

Magnitudes: each row is scaled by a power of two to max |x| in [1/2, 1), exactly unless the row
spans more than ~1000 binades (entries pushed below the subnormal range); then each moved entry
moves by <= 2^-1075, which turns the row by an angle <= 4 ||d|| and moves K_ij by at most
(k_i + k_j) 2^-1073 (k_i entries moved in row i, |dk/dt| <= 1/2), added to the radius.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ._dd_interval import DDI, atan01
from ._environment import FloatingPointEnvironmentError, check_arithmetic
from ._exact_matmul import accurate_matmul
from ._inputs import CertifyInputError, exact_float64_array
from ._rounding import U, f_up, inflate

__all__ = ["GramEnclosure", "certify_gram_entries", "statement_for", "data_fingerprint",
           "flint_available", "BACKENDS"]

BACKENDS = ("numpy", "flint", "mpmath")
_CHUNK = 1 << 15
#: Working precision of the flint and mpmath backends. With mpmath at 128 bits and its expansion
#: point rounded to 100 bits its radii were ~2e-31, wider than flint's ~1e-33, and it could not
#: confirm flint certificates of small lambda0; flint at 128 bits carried ~1e-38 of its own. At 192
#: bits both radii are those of the double-double output (~2^-107 relative), equal to ~1e-55.
_MP_PREC = 192


@dataclass
class GramEnclosure:
    """Rigorous enclosure of K (module docstring): |K - mid| <= rad and |K - (mid + lo)| <= lo_rad.

    mid, lo, rad, lo_rad are n x n float64 arrays, symmetric, with exact mid + lo summation implied
    in the second form. rad is a few ulps of mid; lo_rad ~1e-30 for the numpy and flint backends.
    """

    mid: np.ndarray
    rad: np.ndarray
    lo: np.ndarray
    lo_rad: np.ndarray
    backend: str
    seconds: float
    statement: str
    fingerprint: str
    details: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.mid.shape[0])


def flint_available() -> bool:
    try:
        import flint  # noqa: F401
    except ImportError:
        return False
    return True


def data_fingerprint(X: np.ndarray) -> str:
    """sha256 of the float64 array (C order, little endian) with its shape: names the exact data."""
    X = np.ascontiguousarray(np.asarray(X, dtype="<f8"))
    h = hashlib.sha256(repr(X.shape).encode())
    h.update(X.tobytes())
    return h.hexdigest()


def statement_for(X: np.ndarray) -> str:
    n, d = X.shape
    return (f"K = G_inf of the exactly row-normalized data: the {n} x {n} matrix with K_ii = 1/2 and "
            f"K_ij = (sin t_ij + (pi - t_ij) cos t_ij)/(2 pi), t_ij the angle between rows i and j of "
            f"the given float64 array X ({n} x {d}, exact binary values, sha256 "
            f"{data_fingerprint(X)[:16]}...)")


def _check_data(X) -> np.ndarray:
    """X as a float64 array, when it is what the statement covers (exact float64 values, finite,
    no zero row); ``CertifyInputError`` naming X otherwise. Independent of the rounding mode and of
    FTZ/DAZ: zero rows are found from the bits, not by a float comparison."""
    X = exact_float64_array(X, "X", ndim=2)
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise CertifyInputError(f"X must be a non-empty 2-D array (n x d), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise CertifyInputError("X has a NaN or inf entry")
    magnitude_bits = np.ascontiguousarray(X).view(np.uint64) & np.uint64(0x7FFFFFFFFFFFFFFF)
    zero = ~np.any(magnitude_bits != 0, axis=1)
    if np.any(zero):
        raise CertifyInputError(f"X has a zero row (row {int(np.argmax(zero))}): its angle to other rows "
                                f"is undefined (A2)")
    return X


def _scaled_rows(X: np.ndarray) -> np.ndarray:
    """Rows scaled by powers of two into max |x| in [1/2, 1) (angles unchanged); exact except in
    rows that span more than ~1000 binades (``_moved_entries`` counts what moved)."""
    _, e = np.frexp(np.max(np.abs(X), axis=1))
    return np.ldexp(X, -e[:, None])


def _moved_entries(X: np.ndarray) -> np.ndarray:
    """Per row, how many entries the scaling of ``_scaled_rows`` did not keep exactly."""
    _, e = np.frexp(np.max(np.abs(X), axis=1))
    return np.count_nonzero(np.ldexp(_scaled_rows(X), e[:, None]) != X, axis=1)


_CONST = {}


def _mp_const(name: str) -> DDI:
    """pi and 1/(2 pi) as double-double with a 2^-150 radius (mpmath at 240 bits)."""
    if name not in _CONST:
        import mpmath

        with mpmath.workprec(240):
            v = mpmath.pi if name == "pi" else 1 / (2 * mpmath.pi)
            man, exp = mpmath.mpf(v).man_exp
        q = Fraction(int(man)) * Fraction(2) ** int(exp)
        c = DDI.const(q)
        _CONST[name] = DDI(c.h, c.l, np.float64(f_up(Fraction(float(c.r)) + Fraction(1, 2**150))))
    return _CONST[name]


def _where(mask, a: DDI, b: DDI) -> DDI:
    return DDI(np.where(mask, a.h, b.h), np.where(mask, a.l, b.l), np.where(mask, a.r, b.r))


def kernel_at_point(ch: np.ndarray, cl: np.ndarray) -> DDI:
    """Enclosure of k(c0) for the exact points c0 = ch + cl in [-1, 1] (double-double)."""
    c0 = DDI(ch, cl)
    sm = (1.0 - c0).sqrt()  # sqrt(1 - c) = ||a - b|| / sqrt 2
    sp = (1.0 + c0).sqrt()  # sqrt(1 + c) = ||a + b|| / sqrt 2
    s = sm * sp  # sin t
    pos = ch >= 0
    tau = _where(pos, sm, sp) / _where(pos, sp, sm)  # tan(t/2) or cot(t/2), in [0, 1]
    a = atan01(tau)
    pi = _mp_const("pi")
    phi = _where(pos, pi - 2.0 * a, 2.0 * a)  # pi - t
    return (s + c0 * phi) * _mp_const("inv2pi")


def _entries_numpy(X: np.ndarray):
    n = X.shape[0]
    Xs = _scaled_rows(X)
    S = accurate_matmul(Xs, Xs.T)
    diag = DDI(np.diag(S.hi).copy(), np.diag(S.lo).copy(), np.diag(S.err).copy())
    norms = diag.sqrt()
    i, j = np.triu_indices(n, 1)
    h = np.empty(i.size)
    l = np.empty(i.size)
    lo_rad = np.empty(i.size)
    for start in range(0, i.size, _CHUNK):  # bounded memory and cache-sized temporaries
        sl = slice(start, start + _CHUNK)
        a, b = i[sl], j[sl]
        c = DDI(S.hi[a, b], S.lo[a, b], S.err[a, b]) / (norms[a] * norms[b])
        # clamp the point c0 into [-1, 1]; the shift is added to the mean-value radius
        over = (c.h > 1) | ((c.h == 1) & (c.l > 0))
        under = (c.h < -1) | ((c.h == -1) & (c.l < 0))
        ch = np.where(over, 1.0, np.where(under, -1.0, c.h))
        cl = np.where(over | under, 0.0, c.l)
        shift = np.where(over | under, inflate(np.abs(np.abs(c.h) - 1.0) + np.abs(c.l), 2), 0.0)
        k = kernel_at_point(ch, cl)
        lip = inflate((c.r + shift) * 0.5, 2)
        h[sl], l[sl], lo_rad[sl] = k.h, k.l, inflate(k.r + lip, 2)
    if not (np.all(np.isfinite(h)) and np.all(np.isfinite(lo_rad))):
        raise FloatingPointError("numpy enclosure produced a non-finite bound")
    return _assemble(n, i, j, h, l, lo_rad)


def _assemble(n, i, j, h, l, lo_rad):
    mid = np.full((n, n), 0.0)
    lo = np.zeros((n, n))
    lr = np.zeros((n, n))
    for M, v in ((mid, h), (lo, l), (lr, lo_rad)):
        M[i, j] = v
        M[j, i] = v
    np.fill_diagonal(mid, 0.5)
    rad = inflate(np.abs(lo) + lr, 2)
    np.fill_diagonal(rad, 0.0)
    return mid, rad, lo, lr


def _entries_flint(X: np.ndarray):
    from flint import arb, arb_mat, ctx

    n = X.shape[0]
    Xs = _scaled_rows(X)
    with ctx.workprec(_MP_PREC):
        M = arb_mat([[arb(float(v)) for v in row] for row in Xs])
        S = M * M.transpose()
        norms = [S[a, a].sqrt() for a in range(n)]
        pi = arb.pi()
        two_pi = 2 * pi
        one = arb(1)
        i, j = np.triu_indices(n, 1)
        h = np.empty(i.size)
        l = np.empty(i.size)
        r = np.empty(i.size)
        for t, (a, b) in enumerate(zip(i.tolist(), j.tolist())):
            c = S[a, b] / (norms[a] * norms[b])
            c0 = c.mid()
            if c0 > one:
                c0 = one
            elif c0 < -one:
                c0 = -one
            k = (((one - c0) * (one + c0)).sqrt() + (pi - c0.acos()) * c0) / two_pi
            k = k + arb(0, ((c - c0).abs_upper() / 2))  # mean-value step, |k'| <= 1/2
            hf = float(k.mid())
            dlt = k - hf
            lf = float(dlt.mid())
            h[t] = hf
            l[t] = lf
            r[t] = float((dlt - lf).abs_upper())
    r = inflate(np.nextafter(r, np.inf), 2)  # float(arb) is faithful: one ulp covers it
    if not (np.all(np.isfinite(h)) and np.all(np.isfinite(r))):
        raise FloatingPointError("flint enclosure produced a non-finite bound")
    return _assemble(n, i, j, h, l, r)


def _entries_mpmath(X: np.ndarray):
    from mpmath import iv

    n = X.shape[0]
    Xs = _scaled_rows(X)
    old = iv.prec
    iv.prec = _MP_PREC  # mpmath's interval context has no workprec; restored below
    try:
        Xi = [[iv.mpf(float(v)) for v in row] for row in Xs]
        S = {}
        for a in range(n):
            for b in range(a, n):
                S[a, b] = iv.fsum(p * q for p, q in zip(Xi[a], Xi[b]))
        norms = [iv.sqrt(S[a, a]) for a in range(n)]
        pi = iv.pi
        i, j = np.triu_indices(n, 1)
        h = np.empty(i.size)
        l = np.empty(i.size)
        r = np.empty(i.size)
        scale = 2 ** (_MP_PREC - 8)
        for t, (a, b) in enumerate(zip(i.tolist(), j.tolist())):
            c = S[a, b] / (norms[a] * norms[b])
            ca, cb = _iv_ends(c)
            # the point c0: a (prec - 8)-bit dyadic in [-1, 1], exact at prec bits; its distance to
            # c (~2^-185) stays far below the double-double output's own rounding (~2^-107)
            c0 = Fraction(round((ca + cb) / 2 * scale), scale)
            c0 = min(max(c0, Fraction(-1)), Fraction(1))
            cq = iv.mpf(c0.numerator) / c0.denominator  # a power of two: exact
            # acos-free: acos(c) = 2 atan2(sqrt(1 - c), sqrt(1 + c))
            th = 2 * iv.atan2(iv.sqrt(1 - cq), iv.sqrt(1 + cq))
            k = (iv.sqrt((1 - cq) * (1 + cq)) + (pi - th) * cq) / (2 * pi)
            ka, kb = _iv_ends(k)
            dev = max(abs(ca - c0), abs(cb - c0)) / 2  # mean-value step, |k'| <= 1/2
            ka, kb = ka - dev, kb + dev
            km = (ka + kb) / 2
            hf = float(km)
            lf = float(km - Fraction(hf))
            h[t] = hf
            l[t] = lf
            r[t] = f_up(max(kb - Fraction(hf) - Fraction(lf), Fraction(hf) + Fraction(lf) - ka))
    finally:
        iv.prec = old
    return _assemble(n, i, j, h, l, r)


def _raw_fraction(t) -> Fraction:
    sign, man, exp, _bc = t
    if man == 0 and exp != 0:
        raise FloatingPointError("mpmath returned a non-finite interval endpoint")
    v = Fraction(int(man)) * (Fraction(2) ** int(exp))
    return -v if sign else v


def _iv_ends(x):
    """Exact rational endpoints of an mpmath.iv interval."""
    a, b = x._mpi_
    return _raw_fraction(a), _raw_fraction(b)


def certify_gram_entries(X, *, backend: str = "auto") -> GramEnclosure:
    """Rigorous enclosure of G_inf for the rows of X (module docstring says which matrix).

    X: a real n x d array whose entries are exactly float64 numbers, finite, no zero row (anything
    else raises ``CertifyInputError``, a ValueError, naming X).
    backend: "auto" (numpy), "numpy", "flint" (needs python-flint), "mpmath" (slow).
    Raises ``FloatingPointEnvironmentError`` (a FloatingPointError) when the floating-point
    environment is not the one the enclosures assume (``_environment``).
    Example: ``E = certify_gram_entries(X); assert np.all(E.rad < 1e-15)``.
    """
    X = _check_data(X)
    if backend == "auto":
        backend = "numpy"
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend '{backend}' (known: auto, {', '.join(BACKENDS)})")
    if backend == "flint" and not flint_available():
        raise ImportError("backend 'flint' needs python-flint (pip install 'implicit-verifier[rigorous]')")
    env = check_arithmetic()
    if not env:
        raise FloatingPointEnvironmentError(env.reason)
    t0 = time.perf_counter()
    fn = {"numpy": _entries_numpy, "flint": _entries_flint, "mpmath": _entries_mpmath}[backend]
    with np.errstate(all="ignore"):  # every bound is checked for finiteness where it is formed
        mid, rad, lo, lo_rad = fn(X)
        moved = _moved_entries(X)
        if np.any(moved):
            extra = (moved[:, None] + moved[None, :]).astype(np.float64) * 2.0**-1073
            np.fill_diagonal(extra, 0.0)  # K_ii = 1/2 whatever the row
            lo_rad = inflate(lo_rad + extra, 1)
            rad = inflate(rad + extra, 1)
            np.fill_diagonal(lo_rad, 0.0)
            np.fill_diagonal(rad, 0.0)
    env = check_arithmetic()
    if not env:
        raise FloatingPointEnvironmentError(env.reason)
    secs = time.perf_counter() - t0
    details = {"max_rad": float(rad.max()), "max_lo_rad": float(lo_rad.max()), "n": int(X.shape[0]),
               "d": int(X.shape[1]), "unit_roundoff": U, "rows_scaled_inexactly": int(np.count_nonzero(moved))}
    return GramEnclosure(mid=mid, rad=rad, lo=lo, lo_rad=lo_rad, backend=backend, seconds=secs,
                         statement=statement_for(X), fingerprint=data_fingerprint(X), details=details)
