"""Floating-point facts every certificate in this package rests on, in one place.

Model (IEEE 754 binary64, round-to-nearest, the default of numpy and of OpenBLAS/LAPACK):
for x, y floats and op in {+, -, *, /, sqrt}, fl(x op y) = (x op y)(1 + delta) + eta' with
|delta| <= U = 2^-53 and |eta'| <= ETA = 2^-1074 (only for * and /, and only in underflow).
numpy has no directed rounding, so every rigorous bound below is either

* exact (error-free transformations: TwoSum, Dekker's TwoProduct, Fractions), or
* an a-priori bound with gamma_k = k U / (1 - k U) (Higham, Accuracy and Stability of Numerical
  Algorithms, 2nd ed., 2002, Sec. 3.1), evaluated in floating point and then inflated by
  ``inflate`` so that the rounding of the bound's own evaluation is covered too.

No libm function (sin, atan, log, ...) is trusted anywhere in this package. The model itself (round
to nearest, gradual underflow) is not assumed: ``_environment`` tests it before every certificate.
"""
from __future__ import annotations

import math
import sys
from fractions import Fraction

import numpy as np

__all__ = [
    "MAX", "U", "ETA", "TINY", "gamma", "gamma_up", "inflate", "f_up", "f_down", "frac",
    "two_sum", "two_prod", "sqrt_up", "sqrt_down", "pow2_scale",
]

#: Largest finite binary64 number.
MAX = sys.float_info.max
#: Unit roundoff of binary64 (round to nearest).
U = 2.0**-53
#: Smallest positive subnormal: the absolute error of an underflowing * or /.
ETA = 2.0**-1074
#: An absolute term added to every inflated bound; it dominates every underflow effect that can
#: occur in this package (values are O(1)-scaled before any error-free transformation).
TINY = 2.0**-900


def gamma(k: int) -> Fraction:
    """gamma_k = k u / (1 - k u) as an exact rational (Higham 2002, Lemma 3.1)."""
    ku = Fraction(k) * Fraction(U)
    if ku >= 1:
        raise ValueError(f"gamma_{k} undefined: k u >= 1")
    return ku / (1 - ku)


def gamma_up(k: int) -> float:
    """A float >= gamma_k."""
    return f_up(gamma(k))


def f_up(q) -> float:
    """Smallest float >= q for a rational q (inf above the largest float, -MAX below -MAX).

    Integer arithmetic only (CPython's int / int is correctly rounded), so the result does not
    depend on the rounding mode of the floating-point unit.
    """
    q = Fraction(q)
    try:
        x = float(q)
    except OverflowError:
        return math.inf if q > 0 else -MAX
    if Fraction(x) < q:
        x = math.nextafter(x, math.inf)
    return x


def f_down(q) -> float:
    """Largest float <= q for a rational q (-inf below -MAX, MAX above MAX)."""
    return -f_up(-Fraction(q))


def frac(x) -> Fraction:
    """Exact rational value of a finite float."""
    return Fraction(float(x))


def inflate(x, k: int):
    """Turn a computed nonnegative bound into a rigorous one.

    If every term of a nonnegative quantity S went through at most k roundings when S was evaluated
    as ``x``, then S <= x (1 - u)^-k <= x (1 + 1.12 k u) (+ k ETA for underflow). Returning
    fl(x (1 + 4(k + 2) u)) + 4(k + 2) TINY covers that and the two roundings made here.
    Works elementwise on arrays; negative inputs are a bug and raise.
    """
    k = int(k) + 2
    factor = 1.0 + 4.0 * k * U
    if k * U > 0.01:
        raise ValueError("inflate: k u too large for the first-order bound")
    if np.ndim(x) == 0:
        x = float(x)
        if x < 0 or math.isnan(x):
            raise ValueError("inflate expects a nonnegative bound")
        return x * factor + 4.0 * k * TINY
    x = np.asarray(x, dtype=np.float64)
    if np.any(x < 0) or np.any(np.isnan(x)):
        raise ValueError("inflate expects nonnegative bounds")
    return x * factor + 4.0 * k * TINY


def two_sum(a, b):
    """Knuth's TwoSum: s = fl(a + b) and e with a + b = s + e exactly (no overflow assumed)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


_SPLITTER = 134217729.0  # 2^27 + 1


def _split(a):
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_prod(a, b):
    """Dekker's TwoProduct: p = fl(a b) and e with a b = p + e exactly.

    Exact when |a|, |b| < 2^996 and |a b| >= 2^-969 (no underflow) (Dekker 1971; Ogita, Rump,
    Oishi, SIAM J. Sci. Comput. 26, 2005, Alg. 3.3). Callers add TINY to their error bounds, which
    covers the underflow case. numpy never contracts a*b+c into an FMA across ufunc calls.
    """
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def _sqrt_parts(q: Fraction):
    """(r, k) with q = 4^k r and r in [1/8, 8): a float square root of r neither under- nor overflows."""
    k = (q.numerator.bit_length() - q.denominator.bit_length()) // 2
    return q / Fraction(4) ** k, k


def sqrt_up(q) -> float:
    """A float >= sqrt(q) for a rational q >= 0 (inf when sqrt(q) exceeds the float range).

    sqrt(q) = 2^k sqrt(r) is bounded through the scaled r, so neither a subnormal nor an overflowing
    q loses the bound (a direct math.sqrt(f_up(q)) gives 2.2e-162 for q = 1e-648).
    """
    q = Fraction(q)
    if q <= 0:
        return 0.0
    r, k = _sqrt_parts(q)
    s = math.sqrt(float(r))
    while Fraction(s) ** 2 < r:
        s = math.nextafter(s, math.inf)
    return f_up(Fraction(s) * Fraction(2) ** k)


def sqrt_down(q) -> float:
    """A float <= sqrt(q) for a rational q >= 0 (MAX when sqrt(q) exceeds the float range)."""
    q = Fraction(q)
    if q <= 0:
        return 0.0
    r, k = _sqrt_parts(q)
    s = math.sqrt(float(r))
    while s > 0 and Fraction(s) ** 2 > r:
        s = math.nextafter(s, 0.0)
    return f_down(Fraction(s) * Fraction(2) ** k)


def pow2_scale(v: np.ndarray) -> np.ndarray:
    """Exponents e with 2^-e * v in [1, 2) elementwise (0 for zeros); scaling by 2^-e is exact."""
    _, ex = np.frexp(np.asarray(v, dtype=np.float64))
    return np.where(np.asarray(v) == 0, 0, ex - 1).astype(np.int64)
