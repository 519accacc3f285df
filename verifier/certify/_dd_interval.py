"""Vectorized double-double intervals: x = h + l + delta with |delta| <= r (h, l, r float arrays).

Each operation computes a double-double approximation with error-free transformations (TwoSum,
TwoProduct, see ``_rounding``) and a rigorous bound r on everything it neglected, so the result encloses
the exact result for every choice of the exact operands inside their enclosures. Bounds are
generous (a factor of a few over the sharp ones of Joldes, Muller, Popescu, ACM TOMS 44, 2017):
only enclosures of ~1e-30 relative width are needed here, not optimal ones.
Only +, -, *, /, sqrt of binary64 are used (all correctly rounded by IEEE 754).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ._rounding import U, f_up, inflate, two_prod, two_sum

__all__ = ["DDI", "atan01"]

_G2 = 2.0 * U * 1.01  # >= gamma_2
_G3 = 3.0 * U * 1.01  # >= gamma_3


class DDI:
    """Double-double interval array: the set {h + l + delta : |delta| <= r}."""

    __slots__ = ("h", "l", "r")

    def __init__(self, h, l=None, r=None):
        self.h = np.asarray(h, dtype=np.float64)
        self.l = np.zeros_like(self.h) if l is None else np.asarray(l, dtype=np.float64)
        self.r = np.zeros_like(self.h) if r is None else np.asarray(r, dtype=np.float64)

    @classmethod
    def const(cls, q, shape=()) -> DDI:
        """Enclosure of the rational q (or of an exact float)."""
        q = Fraction(q)
        h = float(q)
        l = float(q - Fraction(h))
        r = f_up(abs(q - Fraction(h) - Fraction(l)))
        return cls(np.full(shape, h), np.full(shape, l), np.full(shape, r))

    def __getitem__(self, idx) -> DDI:
        return DDI(self.h[idx], self.l[idx], self.r[idx])

    def absmax(self):
        """Elementwise upper bound of |x|."""
        return inflate(np.abs(self.h) + np.abs(self.l) + self.r, 3)

    def lower(self):
        """Elementwise float lower bound of x."""
        return np.nextafter(self.h - inflate(np.abs(self.l) + self.r, 2) * (1 + 4 * U), -np.inf)

    def upper(self):
        return np.nextafter(self.h + inflate(np.abs(self.l) + self.r, 2) * (1 + 4 * U), np.inf)

    def __neg__(self) -> DDI:
        return DDI(-self.h, -self.l, self.r)

    def __add__(self, y) -> DDI:
        y = _as_ddi(y)
        # xh + yh + xl + yl = s + e + t + f = vh + vl + g + f exactly; only w is rounded, and
        # its error <= gamma_2 (|f| + |g| + |vl|) is second order even under cancellation.
        s, e = two_sum(self.h, y.h)
        t, f = two_sum(self.l, y.l)
        c, g = two_sum(e, t)
        vh, vl = two_sum(s, c)
        w = (f + g) + vl
        h, l = two_sum(vh, w)
        r = inflate(self.r + y.r + _G2 * (np.abs(f) + np.abs(g) + np.abs(vl)), 6)
        return DDI(h, l, r)

    def __sub__(self, y) -> DDI:
        return self + (-_as_ddi(y))

    def __radd__(self, y) -> DDI:
        return self + y

    def __rsub__(self, y) -> DDI:
        return _as_ddi(y) - self

    def __mul__(self, y) -> DDI:
        y = _as_ddi(y)
        p, e = two_prod(self.h, y.h)
        a = self.h * y.l
        b = self.l * y.h
        t = (a + b) + e  # error <= gamma_3 (|a| + |b| + |e|), a and b included
        h, l = two_sum(p, t)
        ax = np.abs(self.h) + np.abs(self.l)
        ay = np.abs(y.h) + np.abs(y.l)
        r = (_G3 * (np.abs(a) + np.abs(b) + np.abs(e)) + np.abs(self.l) * np.abs(y.l)
             + ax * y.r + ay * self.r + self.r * y.r)
        return DDI(h, l, inflate(r, 8))

    def __rmul__(self, y) -> DDI:
        return self * y

    def __truediv__(self, y) -> DDI:
        """x / y, y's enclosure bounded away from 0 (checked; NaN bounds otherwise).

        q = q1 + q2 from two float quotient steps; |x/y - q| = |x - q y| / |y| is bounded by the
        interval evaluation of x - q y divided by a lower bound of |y|.
        """
        y = _as_ddi(y)
        q1 = self.h / y.h
        rho = self - DDI(q1) * y
        q2 = rho.h / y.h
        h, l = two_sum(q1, q2)
        res = self - DDI(h, l) * y
        ylow = (np.abs(y.h) - inflate(np.abs(y.l) + y.r, 2)) * (1 - 4 * U)
        bad = ~(ylow > 0)
        ylow = np.where(bad, np.nan, ylow)
        err = inflate(res.absmax() / ylow, 2)
        return DDI(h, l, np.where(bad, np.inf, err))

    def __rtruediv__(self, y) -> DDI:
        return _as_ddi(y) / self

    def sqrt(self) -> DDI:
        """sqrt(x) for exact x >= 0 (the caller's knowledge; negative parts are ignored).

        s = s1 + s2 (float sqrt plus one Newton correction); |sqrt(x) - s| = |x - s^2| / (sqrt(x) + s)
        <= |x - s^2| / s, bounded by interval evaluation. Where the enclosure is not bounded away
        from 0 the crude enclosure [0, sqrt(upper(x))] is returned.
        """
        good = (self.h > 0) & (self.h - 4.0 * (np.abs(self.l) + self.r) > 0)
        hx = np.where(good, self.h, 1.0)
        x = DDI(hx, np.where(good, self.l, 0.0), np.where(good, self.r, 0.0))
        s1 = np.sqrt(hx)
        rho = x - DDI(*two_prod(s1, s1))
        s2 = rho.h / (2.0 * s1)
        h, l = two_sum(s1, s2)
        res = x - DDI(h, l) * DDI(h, l)
        slow = (h - np.abs(l) * 2.0) * (1 - 4 * U)
        err = inflate(res.absmax() / slow, 2)
        # crude branch: exact x in [0, xu]
        xu = np.maximum(self.upper(), 0.0)
        su = np.nextafter(np.sqrt(xu), np.inf)
        exact_zero = (self.h == 0) & (self.l == 0) & (self.r == 0)
        half = np.where(exact_zero, 0.0, su * 0.5)
        h = np.where(good, h, half)
        l = np.where(good, l, 0.0)
        err = np.where(good, err, np.nextafter(half, np.inf) * np.where(exact_zero, 0.0, 1.0))
        return DDI(h, l, err)


def _as_ddi(y) -> DDI:
    if isinstance(y, DDI):
        return y
    if isinstance(y, (float, int, np.floating)):
        return DDI(np.float64(y))
    return DDI(np.asarray(y, dtype=np.float64))


# --- atan on [0, 1 + small] by a rigorous table and a short alternating series -------------------

_TABLE_BITS = 8
_TABLE_N = 1 << _TABLE_BITS
_table_cache: dict = {}


def _atan_table():
    """atan(k / 256), k = 0..256, as double-double with radius.

    Computed with mpmath at 240 bits (mpf_atan carries >= 30 guard bits, Johansson et al.), far
    beyond the 2^-160 radius claimed here; the test-suite cross-checks the table against arb
    balls (python-flint) when installed.
    """
    if "t" not in _table_cache:
        import mpmath

        h = np.empty(_TABLE_N + 1)
        l = np.empty(_TABLE_N + 1)
        r = np.empty(_TABLE_N + 1)
        with mpmath.workprec(240):
            for k in range(_TABLE_N + 1):
                v = mpmath.atan(mpmath.mpf(k) / _TABLE_N)
                man, exp = mpmath.mpf(v).man_exp if v != 0 else (0, 0)
                q = Fraction(int(man)) * (Fraction(2) ** int(exp)) if v != 0 else Fraction(0)
                h[k] = float(q)
                l[k] = float(q - Fraction(h[k]))
                r[k] = f_up(abs(q - Fraction(h[k]) - Fraction(l[k])) + Fraction(1, 2**160))
        _table_cache["t"] = (h, l, r)
    return _table_cache["t"]


_ATAN_COEF = [DDI.const(Fraction((-1) ** k, 2 * k + 1)) for k in range(6)]


def atan01(xi: DDI) -> DDI:
    """atan(x) for every exact x >= 0 in the enclosure xi, where xi.h <= 1 + 2^-9.

    atan(x) = atan(x_k) + atan(h_k), h_k = (x - x_k) / (1 + x x_k), x_k = k/256 the nearest node
    (|h_k| <= 2^-9 (1 + tiny)); atan(h) = h sum_{j<6} (-1)^j h^{2j}/(2j+1) with the alternating
    series remainder |h|^13 / 13 <= 2^-116.
    """
    if not np.all(np.isfinite(xi.h)) or np.any(xi.h > 1.0 + 2.0**-9) or np.any(xi.h < 0):
        raise ValueError("atan01: argument outside [0, 1 + 2^-9]")
    th, tl, tr = _atan_table()
    k = np.clip(np.rint(xi.h * _TABLE_N), 0, _TABLE_N).astype(np.int64)
    xk = k.astype(np.float64) / _TABLE_N  # exact
    h = (xi - DDI(xk)) / (1.0 + xi * DDI(xk))
    hm = h.absmax()
    if np.any(hm > 2.0**-8):
        raise ValueError("atan01: reduced argument too large (internal error)")
    h2 = h * h
    p = _ATAN_COEF[5]
    for j in range(4, -1, -1):
        p = _ATAN_COEF[j] + h2 * p
    s = h * p
    hm2 = hm * hm
    hm13 = hm2 * hm2 * hm2  # h^6 (no libm pow: numpy's ** calls it)
    hm13 = hm13 * hm13 * hm
    rem = inflate(hm13, 14)  # >= |h|^13 / 13
    out = DDI(th[k], tl[k], tr[k]) + s
    return DDI(out.h, out.l, inflate(out.r + rem, 2))
