"""The floating-point kernels of the certificates, each against an independent computation: exact
rationals (Fractions, whose float() is correctly rounded to nearest), mpmath at high precision, and,
for the environment check, the result each IEEE rounding direction or flush mode must give,
predicted here in exact arithmetic and compared with what the switched environment produced."""
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import tests.certify.fpenv as fpenv
from verifier.certify import _environment as env
from verifier.certify import _exact_matmul as em
from verifier.certify import _rounding as rd
from verifier.certify._dd_interval import DDI, _atan_table, atan01

F = Fraction
TWO53 = 2**53


def nxt(x):
    return math.nextafter(x, math.inf)


def prv(x):
    return math.nextafter(x, -math.inf)


def rng_floats(seed, n, lo=-30, hi=30):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n) * np.ldexp(1.0, rng.integers(lo, hi, n))


# --- _rounding ------------------------------------------------------------------------------------

def test_constants_are_the_ieee_ones():
    assert rd.U == F(1, TWO53) and 1.0 + rd.U == 1.0 and 1.0 + 2 * rd.U > 1.0
    assert rd.ETA == nxt(0.0) and rd.ETA / 2 == 0.0
    assert rd.MAX == np.finfo(np.float64).max and nxt(rd.MAX) == math.inf
    assert rd.TINY == F(1, 2**900)


@pytest.mark.parametrize("k", [1, 2, 3, 17, 4000, 2**40, TWO53 - 1])
def test_gamma_is_k_over_2_53_minus_k(k):
    assert rd.gamma(k) == F(k, TWO53 - k)  # k u / (1 - k u) with u = 2^-53, rewritten
    g = rd.gamma_up(k)
    assert F(g) >= F(k, TWO53 - k) and F(prv(g)) < F(k, TWO53 - k)


def test_gamma_undefined_at_k_u_one():
    for k in (TWO53, TWO53 + 5):
        with pytest.raises(ValueError, match="undefined"):
            rd.gamma(k)


def _fractions():
    qs = [F(1, 3), F(-1, 3), F(2, 7), F(10**30 + 1, 10**30), F(1, 10**320), F(-1, 10**320), F(0),
          F(5), F(-7, 2), F(3, 2**1076), F(-3, 2**1076), F(rd.MAX) + F(1, 10**10), F(rd.MAX),
          F(rd.MAX) * 2, -F(rd.MAX) * 2, -F(rd.MAX) - F(1, 3)]
    for x in rng_floats(1, 30, -1000, 1000):
        qs += [F(float(x)), F(float(x)) + F(1, 3 * 2**1000), F(float(x)) * F(7, 5)]
    return qs


def test_f_up_f_down_are_the_neighbouring_floats():
    for q in _fractions():
        up, down = rd.f_up(q), rd.f_down(q)
        if q > F(rd.MAX):
            assert up == math.inf and down == rd.MAX
        elif q < -F(rd.MAX):
            assert up == -rd.MAX and down == -math.inf
        else:
            assert F(up) >= q and (prv(up) == -math.inf or F(prv(up)) < q), q
            assert F(down) <= q and (nxt(down) == math.inf or F(nxt(down)) > q), q
            if F(up) == q:
                assert up == down
            else:
                assert up == nxt(down)


def test_frac_is_exact():
    assert rd.frac(0.1) == F(3602879701896397, 2**55)
    assert rd.frac(np.float64(-2.0**-1074)) == -F(1, 2**1074)
    assert rd.frac(np.float32(0.1)) == F(13421773, 2**27)


def _documented_inflate(x, k):
    kk = k + 2
    factor = F(float(1 + F(4 * kk, TWO53)))
    return float(F(float(F(x) * factor)) + F(4 * kk) * F(rd.TINY))


@pytest.mark.parametrize("k", [0, 1, 5, 100, 10**6])
def test_inflate_is_the_documented_value_and_covers_k_roundings(k):
    xs = [0.0, 1.0, 0.75, 3.0, 1e-300, 5e-324, 1e300, 2.0**-1022] + [abs(float(x)) for x in rng_floats(k, 20, -900, 900)]
    arr = rd.inflate(np.array(xs), k)
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float64
    for x, ya in zip(xs, arr):
        y = rd.inflate(x, k)
        assert isinstance(y, float) and y == ya == _documented_inflate(x, k), (x, k)
        # rigorous: a sum of k-times-rounded nonnegative terms evaluated as x is <= x (1 - u)^-k + k ETA,
        # and (1 - u)^-k <= 1 / (1 - k u) (Bernoulli)
        assert F(y) >= F(x) / (1 - F(k, TWO53)) + k * F(rd.ETA)
    assert rd.inflate(np.float64(2.0), k) == _documented_inflate(2.0, k)
    assert rd.inflate(np.array(2.0), k) == _documented_inflate(2.0, k)


def test_inflate_refuses_negative_nan_and_huge_k():
    for bad in (-1.0, -5e-324, math.nan):
        with pytest.raises(ValueError, match="inflate expects a nonnegative bound"):
            rd.inflate(bad, 3)
        with pytest.raises(ValueError, match="inflate expects nonnegative bounds"):
            rd.inflate(np.array([1.0, bad]), 3)
    with pytest.raises(ValueError, match="nonnegative"):
        rd.inflate(np.array([math.nan, math.nan]), 3)
    kmax = int(0.01 * TWO53) - 2  # k u <= 0.01 still accepted
    assert rd.inflate(1.0, kmax) == _documented_inflate(1.0, kmax)
    for k in (kmax + 1, TWO53 // 4, TWO53 // 2):
        with pytest.raises(ValueError, match="too large"):
            rd.inflate(1.0, k)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_sum_and_two_prod_are_error_free(seed):
    a = rng_floats(seed, 400, -60, 60)
    b = rng_floats(seed + 10, 400, -60, 60)
    b[:50] = -a[:50] * (1 + 2.0**-40)  # cancellation
    s, e = rd.two_sum(a, b)
    p, f = rd.two_prod(a, b)
    assert np.array_equal(s, a + b) and np.array_equal(p, a * b)
    for i in range(len(a)):
        x, y = F(float(a[i])), F(float(b[i]))
        assert F(float(s[i])) + F(float(e[i])) == x + y
        assert F(float(p[i])) + F(float(f[i])) == x * y
    # full 53-bit mantissas at the edges of the documented range
    for x, y in ((nxt(1.0) * 2.0**990, prv(1.9) * 2.0**-30), (prv(2.0) * 2.0**-500, prv(2.0) * 2.0**-400),
                 (1.0 + 2.0**-52, 1.0 - 2.0**-53), (-(2**53 - 1.0), 2**53 - 3.0)):
        p, f = rd.two_prod(x, y)
        assert F(p) + F(f) == F(x) * F(y), (x, y)
        s, e = rd.two_sum(x, y)
        assert F(s) + F(e) == F(x) + F(y) and s == x + y


def _sqrt_qs():
    qs = [F(2), F(1, 3), F(4), F(9, 16), F(1, 10**648), F(10**600), F(10**616), F(2**-1074), F(3, 2**1077),
          F(rd.MAX), F(1), F(7, 8), F(8), F(1, 8), F(10**300 + 1)]
    qs += [F(abs(float(x))) for x in rng_floats(3, 20, -1000, 1000)] + [F(i, 7) for i in range(1, 30)]
    return qs


def test_sqrt_up_and_down_bracket_the_root_tightly():
    for q in _sqrt_qs():
        up, down = rd.sqrt_up(q), rd.sqrt_down(q)
        with mpmath.workprec(3000):
            root = mpmath.sqrt(mpmath.mpf(q.numerator) / q.denominator)
        if root > mpmath.mpf(rd.MAX):
            assert up == math.inf and down == rd.MAX
            continue
        assert F(up) ** 2 >= q and F(down) ** 2 <= q, q
        assert up in (down, nxt(down)), q  # adjacent floats (tight also in the subnormal range)
        if F(up) ** 2 == q:
            assert up == down
    for q, root in ((F(4), 2.0), (F(9, 16), 0.75), (F(1), 1.0), (F(1, 4**600), 2.0**-600),
                    (F(2) ** -1074 * 4**10, 2.0**-527 * 2**-10 * 2**10),
                    (F(3**2, 4**500), 3 * 2.0**-500), (F(81, 2**1074 * 2), None)):
        if root is not None:  # exact squares: both bounds are the root itself
            assert rd.sqrt_up(q) == rd.sqrt_down(q) == root and F(root) ** 2 == q, q
    for zero in (F(0), F(-1), F(-1, 10**400)):
        assert rd.sqrt_up(zero) == 0.0 and rd.sqrt_down(zero) == 0.0
    assert rd.sqrt_up(F(2) ** 2050) == math.inf and rd.sqrt_down(F(2) ** 2050) == rd.MAX
    assert rd.sqrt_up(2) == math.sqrt(2) and rd.sqrt_down(2) == prv(math.sqrt(2))  # fl(sqrt 2) is above
    assert rd.sqrt_down(F(1, 10**648)) == 0.0 < rd.sqrt_up(F(1, 10**648)) == 5e-324  # 1e-324 is subnormal


def test_sqrt_parts_range():
    for q in _sqrt_qs() + [F(10**-5), F(1, 2**2000), F(2**2000)]:
        if q <= 0:
            continue
        r, k = rd._sqrt_parts(q)
        assert r * F(4) ** k == q and F(1, 8) <= r < 8, q


def test_pow2_scale():
    v = np.concatenate([rng_floats(7, 50, -1070, 1020), [0.0, -0.0, 5e-324, 1.0, -2.0, 1.5, rd.MAX]])
    e = rd.pow2_scale(v)
    assert e.dtype == np.int64 and e.shape == v.shape
    for x, k in zip(v, e):
        if x == 0:
            assert k == 0
        else:
            assert 1 <= abs(F(float(x))) / F(2) ** int(k) < 2, (x, k)


# --- _dd_interval ---------------------------------------------------------------------------------

def encl(x: DDI):
    """(lo, hi) exact rationals of each element's enclosure."""
    out = []
    for h, l, r in zip(np.ravel(x.h), np.ravel(x.l), np.ravel(x.r)):
        c = F(float(h)) + F(float(l))
        out.append((c - F(float(r)), c + F(float(r))))
    return out


def random_ddi(seed, n=40, rad=True, positive=False):
    rng = np.random.default_rng(seed)
    h = rng.standard_normal(n) * np.ldexp(1.0, rng.integers(-8, 8, n))
    if positive:
        h = np.abs(h) + 0.01
    l = h * rng.uniform(-1, 1, n) * 2.0**-54
    r = np.abs(h) * rng.uniform(0, 1, n) * 2.0**-90 if rad else np.zeros(n)
    return DDI(h, l, r)


def corners(x: DDI, i):
    lo, hi = encl(x[i:i + 1])[0]
    return [lo, hi, (lo + hi) / 2]


def rel_width(x: DDI, i):
    lo, hi = encl(x[i:i + 1])[0]
    return (hi - lo) / max(abs(lo), abs(hi))


def test_const_encloses_and_is_tight():
    for q in (F(1, 3), F(-2, 7), F(1, 10), F(10**40 + 1, 3), F(5), F(0), F(1, 3 * 2**600)):
        x = DDI.const(q, shape=(2,))
        assert x.h.shape == (2,)
        for lo, hi in encl(x):
            assert lo <= q <= hi
            assert hi - lo <= abs(q) * F(1, 2**104)
        assert float(x.h[0]) == float(q)
    assert DDI.const(F(1, 3)).h.shape == ()


def test_constructor_defaults_and_indexing():
    x = DDI([1.0, 2.0, 3.0])
    assert x.l.shape == x.r.shape == (3,) and not np.any(x.l) and not np.any(x.r) and x.h.dtype == np.float64
    y = DDI([1.0, 2.0], [0.5**60, 0.0], [0.0, 1e-30])
    z = y[1]
    assert (float(z.h), float(z.l), float(z.r)) == (2.0, 0.0, 1e-30)
    z = y[0:1]
    assert z.h.tolist() == [1.0] and z.l.tolist() == [0.5**60] and z.r.tolist() == [0.0]


def test_components_are_binary64_whatever_the_input_type():
    """The bounds assume binary64 (u = 2^-53): float32 or integer inputs are converted exactly."""
    third = np.float32(1) / np.float32(3)
    for args in ((np.array([third, 1], dtype=np.float32), np.array([0, 0], dtype=np.float32),
                  np.array([0, 0], dtype=np.float32)), ([1, 3], [0, 0], [0, 0])):
        x = DDI(*args)
        assert x.h.dtype == x.l.dtype == x.r.dtype == np.float64
        z = x * x  # in float32, TwoProduct would not be error-free at u = 2^-53
        for i in range(2):
            q = F(float(args[0][i])) ** 2
            lo, hi = encl(z[i:i + 1])[0]
            assert lo <= q <= hi and hi - lo <= q * F(1, 2**100)


def test_absmax_lower_upper():
    x = random_ddi(3)
    x.h[0], x.l[0], x.r[0] = 0.0, 0.0, 0.0
    am, lo, up = x.absmax(), x.lower(), x.upper()
    for i, (a, b) in enumerate(encl(x)):
        assert F(float(lo[i])) <= a and F(float(up[i])) >= b
        assert F(float(am[i])) >= max(abs(a), abs(b))
        scale = abs(F(float(x.h[i])))
        # not wasteful: a few ulps of h beyond the exact enclosure
        assert F(float(up[i])) - b <= scale * F(8, TWO53) + F(1, 2**800)
        assert a - F(float(lo[i])) <= scale * F(8, TWO53) + F(1, 2**800)
        assert F(float(am[i])) <= max(abs(a), abs(b)) * (1 + F(40, TWO53)) + F(1, 2**800)
    assert float(am[0]) < 1e-250 and float(lo[0]) <= 0.0 <= float(up[0])


def _check_binary(x, y, z, op, tight=True):
    for i in range(len(z.h)):
        vals = [op(a, b) for a in corners(x, i) for b in corners(y, i)]
        lo, hi = encl(z[i:i + 1])[0]
        assert lo <= min(vals) and max(vals) <= hi, i
        if tight:
            exact_width = max(vals) - min(vals)
            assert hi - lo <= exact_width * 4 + max(abs(v) for v in vals) * F(1, 2**96), i


@pytest.mark.parametrize("seed", [0, 1])
def test_add_sub_mul_div_enclose_every_choice(seed):
    x, y = random_ddi(seed), random_ddi(seed + 100)
    y.h[:5] = -x.h[:5] * (1 + 2.0**-45)  # cancellation
    y.l[:5] = 0.0
    _check_binary(x, y, x + y, lambda a, b: a + b)
    _check_binary(x, y, x - y, lambda a, b: a - b)
    _check_binary(x, y, x * y, lambda a, b: a * b)
    _check_binary(x, y, x / y, lambda a, b: a / b)
    xe, ye = random_ddi(seed, rad=False), random_ddi(seed + 7, rad=False)
    for z, op in ((xe + ye, lambda a, b: a + b), (xe * ye, lambda a, b: a * b), (xe / ye, lambda a, b: a / b),
                  (xe - ye, lambda a, b: a - b)):
        _check_binary(xe, ye, z, op)
        for i in range(len(z.h)):  # exact operands: ~1e-30 relative (what the certificates need)
            v = op(corners(xe, i)[0], corners(ye, i)[0])
            lo, hi = encl(z[i:i + 1])[0]
            assert hi - lo <= abs(v) * F(1, 2**96) + F(1, 2**900)
            # normalized double-double: h is the float nearest to h + l
            assert abs(F(float(z.l[i]))) <= abs(F(float(z.h[i]))) * F(1, TWO53)


def test_scalar_operands_and_reflected_operations():
    x = random_ddi(5, n=10)
    for z, op in ((x + 1.5, lambda a: a + F(3, 2)), (2 + x, lambda a: 2 + a), (x - 3, lambda a: a - 3),
                  (1 - x, lambda a: 1 - a), (x * np.float64(0.1), lambda a: a * F(0.1)),
                  (3 * x, lambda a: 3 * a), (x / 3.0, lambda a: a / 3), (1.0 / x, lambda a: 1 / a),
                  (-x, lambda a: -a), (x + np.ones(10), lambda a: a + 1), (2.0 - x, lambda a: 2 - a)):
        for i in range(10):
            lo, hi = encl(z[i:i + 1])[0]
            vals = [op(c) for c in corners(x, i)]
            assert lo <= min(vals) and max(vals) <= hi
            assert hi - lo <= (max(vals) - min(vals)) * 4 + max(abs(v) for v in vals) * F(1, 2**96)


def test_division_by_an_enclosure_of_zero_is_refused():
    """A divisor enclosure that is not bounded away from 0 never gives a finite enclosure (today the
    NaN radius is refused by inflate with a ValueError; an infinite radius would do as well)."""
    x = DDI([1.0, 2.0])
    for y in (DDI([0.0, 4.0]), DDI([1e-20, 4.0], [0.0, 0.0], [1e-19, 0.0]), DDI([1e-20, 4.0], [0.0, 0.0], [1e-20, 0.0])):
        with np.errstate(all="ignore"):
            try:
                z = x / y
            except ValueError:
                continue
        assert not np.isfinite(z.r[0])
    y = DDI([4.0, 1e-20], [0.0, 0.0], [0.0, 5e-21])  # |y| >= 0.5e-20 > 0: finite and enclosing
    z = x / y
    lo, hi = encl(z[0:1])[0]
    assert lo <= F(1, 4) <= hi and hi - lo <= F(1, 2**100)
    lo, hi = encl(z[1:2])[0]
    assert np.isfinite(z.r[1]) and lo <= 2 / (F(1e-20) + F(5e-21)) and hi >= 2 / (F(1e-20) - F(5e-21))


def test_sqrt_encloses():
    x = random_ddi(11, positive=True)
    z = x.sqrt()
    for i in range(len(x.h)):
        a, b = encl(x[i:i + 1])[0]
        lo, hi = encl(z[i:i + 1])[0]
        with mpmath.workprec(400):
            ra = mpmath.sqrt(mpmath.mpf(a.numerator) / a.denominator)
            rb = mpmath.sqrt(mpmath.mpf(b.numerator) / b.denominator)
            assert mpmath.mpf(lo.numerator) / lo.denominator <= ra and rb <= mpmath.mpf(hi.numerator) / hi.denominator
            assert (mpmath.mpf((hi - lo).numerator) / (hi - lo).denominator) <= 2 * (rb - ra) + rb * mpmath.mpf(2) ** -96
    xe = DDI([2.0, 0.25, 1e-30, 3.0, 7.0], [0.0, 0.0, 0.0, 2.0**-60, -(2.0**-55)])
    z = xe.sqrt()
    for i in range(5):
        q = F(float(xe.h[i])) + F(float(xe.l[i]))
        lo, hi = encl(z[i:i + 1])[0]
        assert lo >= 0 and lo * lo <= q <= hi * hi and hi - lo <= F(float(z.h[i])) * F(1, 2**98)


def test_sqrt_near_zero_uses_the_crude_enclosure():
    x = DDI([0.0, 1e-20, 1e-40, 0.0, 4.0], [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1e-19, 1e-40, 1e-30, 0.0])
    z = x.sqrt()
    lo, hi = encl(z[0:1])[0]
    assert lo == hi == 0  # exact zero stays exact
    for i in (1, 2, 3):
        lo, hi = encl(z[i:i + 1])[0]
        top = F(float(x.h[i])) + F(float(x.r[i]))
        assert lo <= 0 and hi >= 0 and hi * hi >= top, i
        assert hi * hi <= top * 2, i  # [0, ~sqrt(upper)], not an unbounded one
    lo, hi = encl(z[4:5])[0]
    assert lo <= 2 <= hi and hi - lo < F(1, 2**100)


def test_atan_table_against_mpmath():
    th, tl, tr = _atan_table()
    assert th.shape == tl.shape == tr.shape == (257,)
    assert _atan_table() is _atan_table()  # computed once (240-bit mpmath: too slow to redo per call)
    with mpmath.workprec(400):
        for k in range(257):
            v = mpmath.atan(mpmath.mpf(k) / 256)
            c = mpmath.mpf(float(th[k])) + mpmath.mpf(float(tl[k]))
            assert abs(v - c) <= mpmath.mpf(float(tr[k])), k
            assert F(float(tr[k])) <= F(float(th[k])) * F(1, 2**104) + F(1, 2**159)
            assert float(th[k]) == float(v)


def test_atan01_against_mpmath():
    rng = np.random.default_rng(2)
    xs = np.concatenate([[0.0, 1.0, 1.0 + 2.0**-9, 0.5, 1 / 512, 3 / 512, 255.5 / 256, 2.0**-30, 1e-300],
                         rng.uniform(0, 1 + 2.0**-9, 40)])
    ls = np.where(xs > 0, xs * rng.uniform(-1, 1, xs.size) * 2.0**-55, 0.0)
    rs = np.where(np.arange(xs.size) % 3 == 0, xs * 2.0**-80, 0.0)
    x = DDI(xs, ls, rs)
    z = atan01(x)
    with mpmath.workprec(400):
        for i in range(xs.size):
            c = mpmath.mpf(float(xs[i])) + mpmath.mpf(float(ls[i]))
            a, b = mpmath.atan(c - mpmath.mpf(float(rs[i]))), mpmath.atan(c + mpmath.mpf(float(rs[i])))
            zc = mpmath.mpf(float(z.h[i])) + mpmath.mpf(float(z.l[i]))
            zr = mpmath.mpf(float(z.r[i]))
            assert zc - zr <= a and b <= zc + zr, i
            assert 2 * zr <= (b - a) * 2 + mpmath.mpf(2) ** -100, i  # ~1e-30 absolute


def test_atan01_refuses_outside_its_range():
    for bad in ([-1e-3], [1.0 + 2.0**-8], [math.nan], [math.inf], [0.5, 2.0]):
        with pytest.raises(ValueError, match="outside"):
            atan01(DDI(np.array(bad)))
    atan01(DDI(np.array([0.0, 1.0 + 2.0**-9])))  # both ends accepted


# --- _exact_matmul --------------------------------------------------------------------------------

def exact_product(A, B):
    A = [[F(float(v)) for v in row] for row in np.atleast_2d(A)]
    Bm = np.asarray(B)
    Bc = Bm[:, None] if Bm.ndim == 1 else Bm
    Bf = [[F(float(v)) for v in row] for row in Bc]
    n = len(Bf)
    return [[sum((A[i][k] * Bf[k][j] for k in range(n)), F(0)) for j in range(len(Bf[0]))] for i in range(len(A))]


def check_product(A, B, P, rel=F(1, 2**80), **_):
    E = exact_product(A, B)
    hi = np.atleast_2d(P.hi.T).T if P.hi.ndim == 1 else P.hi
    lo = np.atleast_2d(P.lo.T).T if P.lo.ndim == 1 else P.lo
    err = np.atleast_2d(P.err.T).T if P.err.ndim == 1 else P.err
    Bc = np.abs(np.asarray(B).reshape(len(B), -1))
    n = Bc.shape[0]
    scale = np.max(np.abs(A), axis=1)[:, None] * np.max(Bc, axis=0)[None, :] * n
    for i in range(len(E)):
        for j in range(len(E[0])):
            got = F(float(hi[i, j])) + F(float(lo[i, j]))
            assert abs(got - E[i][j]) <= F(float(err[i, j])), (i, j)
            if rel is not None:  # ~1e-27 of n max|A_i.| max|B_.j| (slices are cut per row and column)
                assert F(float(err[i, j])) <= F(float(scale[i, j])) * rel + F(1, 2**700), (i, j)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 40, 130])
def test_accurate_matmul_encloses_the_exact_product(n):
    rng = np.random.default_rng(n)
    A = rng.standard_normal((3, n)) * np.ldexp(1.0, rng.integers(-40, 40, (3, n)))
    B = rng.standard_normal((n, 2)) * np.ldexp(1.0, rng.integers(-40, 40, (n, 2)))
    A[0] = np.nextafter(1.0, 2.0) * (1 - 2 * (np.arange(n) % 2))  # full mantissas, heavy cancellation
    B[:, 0] = np.nextafter(1.0, 0.0)
    check_product(A, B, em.accurate_matmul(A, B))
    P = em.accurate_matmul(A, B[:, 1])
    assert P.hi.shape == P.lo.shape == P.err.shape == (3,)
    check_product(A, B[:, 1], P)


@pytest.mark.parametrize("n", [128, 130, 255, 257])
def test_accurate_matmul_exact_slices_with_sums_of_one_sign(n):
    """Full mantissas and one sign: the slice products' partial sums grow like n times the largest
    product, the case the slice width (beta) is chosen for."""
    rng = np.random.default_rng(n)
    A = 1.0 - rng.uniform(0, 2.0**-20, (2, n))  # full 53-bit mantissas just below 1
    A[1] = np.nextafter(1.0, 0.0)
    B = np.nextafter(1.0, 0.0) - rng.uniform(0, 2.0**-25, (n, 2))
    check_product(A, B, em.accurate_matmul(A, B))


def test_accurate_matmul_cancellation_to_a_tiny_result():
    A = np.array([[1.0, 1e-20, -1.0, 2.0**-60], [3.0, -1.0, -2.0, 0.0]])
    B = np.array([[1.0 + 2.0**-52, 1.0], [1.0, 0.5], [1.0, 1.0], [1.0, -3.0]])
    P = em.accurate_matmul(A, B)
    check_product(A, B, P)
    E = exact_product(A, B)
    assert F(float(P.hi[0, 0])) + F(float(P.lo[0, 0])) == E[0][0]  # exact here
    assert F(float(P.hi[1, 1])) + F(float(P.lo[1, 1])) == E[1][1] == F(1, 2)


def test_accurate_matmul_fewer_slices_still_encloses():
    rng = np.random.default_rng(4)
    A, B = rng.standard_normal((4, 9)), rng.standard_normal((9, 3))
    errs = []
    for s in (1, 2, 3, 4):
        P = em.accurate_matmul(A, B, nslices=s)
        check_product(A, B, P, rel=None)
        errs.append(float(P.err.max()))
    assert errs[0] > errs[1] > errs[2] and errs[3] <= 2.0**-90 * 9 * 16


def test_accurate_matmul_scaling_window_and_zero_rows():
    A = np.array([[2.0**300, -1.0, 0.0], [0.0, 0.0, 0.0], [2.0**-300, 0.0, 2.0**-301]])
    B = np.array([[2.0**-300, 1.0], [1.0, 0.0], [3.0, 2.0**300]])
    P = em.accurate_matmul(A, B)
    check_product(A, B, P, rel=None)
    assert not np.any(P.hi[1]) and not np.any(P.err[1] > 2.0**-800)
    tiny = np.array([[2.0**-460, 2.0**-461]])  # below the slicing floor: all in the remainder
    P = em.accurate_matmul(tiny * 2.0**160, np.array([[1.0], [1.0]]))
    check_product(tiny * 2.0**160, np.array([[1.0], [1.0]]), P)


def test_accurate_matmul_refusals():
    for A, B in ((np.ones((2, 3)), np.ones((2, 3))), (np.ones(3), np.ones(3)), (np.ones((2, 2, 2)), np.ones((2, 2)))):
        with pytest.raises(ValueError, match="shapes"):
            em.accurate_matmul(A, B)
    for A, B in ((np.array([[1.0, np.nan]]), np.ones((2, 1))), (np.ones((1, 2)), np.array([[np.inf], [1.0]]))):
        with pytest.raises(ValueError, match="non-finite"):
            em.accurate_matmul(A, B)
    for A, B in ((np.array([[2.0**301, 1.0]]), np.ones((2, 1))), (np.ones((1, 2)), np.array([[2.0**-301], [0.0]])),
                 (np.array([[2.0**-301]]), np.ones((1, 1))), (np.ones((1, 1)), np.array([[2.0**301]])),
                 (np.ones((1, 1)), np.array([[2.0**-301, 1.0]])),  # B is checked column by column
                 (np.array([[1.0], [2.0**-301]]), np.ones((1, 1))),  # A row by row
                 (np.array([[1.0, 2.0**301]]).T, np.ones((1, 1)))):
        with pytest.raises(ValueError, match="scaled"):
            em.accurate_matmul(A, B)


def test_ceil_log2():
    for n in range(0, 70):
        assert em._ceil_log2(n) == (0 if n <= 1 else math.ceil(math.log2(n))), n


@pytest.mark.parametrize("axis", [0, 1])
def test_split_slices_are_exact_and_small(axis):
    rng = np.random.default_rng(8 + axis)
    M = rng.standard_normal((5, 6)) * np.ldexp(1.0, rng.integers(-30, 30, (5, 6)))
    M[2] = 0.0 if axis == 1 else M[2]
    beta = 30
    slices, R = em._split(M, beta, 3, axis=axis)
    assert len(slices) == 3
    total = [[sum((F(float(S[i, j])) for S in slices), F(float(R[i, j]))) for j in range(6)] for i in range(5)]
    assert all(total[i][j] == F(float(M[i, j])) for i in range(5) for j in range(6))
    mu = np.max(np.abs(M), axis=axis, keepdims=True)
    first = slices[0]
    e = np.frexp(mu)[1]
    # entries of the first slice are integer multiples of 2^(e + beta - 53) of magnitude <= 2^e (1 + 2^(beta-53))
    unit = np.ldexp(1.0, e + beta - 53)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(mu > 0, first / np.where(unit > 0, unit, 1.0), 0.0)
    assert np.all(q == np.round(q)) and np.all(np.abs(first) <= np.ldexp(1.0, e) * (1 + 2.0**(beta - 53)))
    # the remainder after 3 slices is ~2^(-3 (53 - beta)) of the row (column) maximum
    assert np.all(np.abs(R) <= mu * 2.0**(-3 * (53 - beta) + 4))


# --- _environment ---------------------------------------------------------------------------------

def _flush(x):
    return math.copysign(0.0, x) if x != 0 and abs(x) < 2.0**-1022 else x


def _round(q: Fraction, mode: str) -> float:
    near = float(q)
    if mode in ("nearest", "ftz", "daz") or F(near) == q:
        return near
    up = near if F(near) > q else nxt(near)
    down = near if F(near) < q else prv(near)
    if mode == "upward":
        return up
    if mode == "downward":
        return down
    return down if q > 0 else up  # toward zero


def predicted(op, a, b, mode):
    """The binary64 result of op(a, b) in the given environment, from exact arithmetic."""
    if mode == "daz":
        a = _flush(a)
        b = b if b is None else _flush(b)
    if op == "sqrt":
        s = math.sqrt(a)  # computed outside the switched mode: correctly rounded to nearest
        q2 = F(a)
        if F(s) ** 2 == q2 or mode in ("nearest", "ftz", "daz"):
            res = s
        else:
            up = s if F(s) ** 2 > q2 else nxt(s)
            down = s if F(s) ** 2 < q2 else prv(s)
            res = up if mode == "upward" else down
    else:
        q = {"add": lambda: F(a) + F(b), "mul": lambda: F(a) * F(b), "div": lambda: F(a) / F(b)}[op]()
        res = _round(q, mode)
        if q < 0 and res == 0:
            res = -0.0
    return _flush(res) if mode == "ftz" else res


MODES = [("upward", {}), ("downward", {}), ("towardzero", {}), ("ftz", {"ftz": True}), ("daz", {"daz": True})]


def test_cases_are_correctly_rounded_to_nearest():
    assert len(env.CASES) >= 10
    for op, a, b, want in env.CASES:
        assert env._same(predicted(op, a, b, "nearest"), want), (op, a, b)


@pytest.mark.parametrize("mode, flags", MODES, ids=[m for m, _ in MODES])
def test_check_reports_exactly_the_cases_the_mode_changes(mode, flags):
    lib = fpenv.libm()
    if isinstance(lib, str):
        pytest.skip(lib)
    if flags and isinstance(fpenv.mxcsr(), str):
        pytest.skip(fpenv.mxcsr())
    with fpenv.fp_mode(None if flags else mode, **flags):
        rep = env.check_arithmetic()
    assert env.check_arithmetic().ok
    wrong = [(op, a, b, want, predicted(op, a, b, mode)) for op, a, b, want in env.CASES]
    if mode == "daz":  # the comparison itself reads subnormal operands as zero
        wrong = [w for w in wrong if not env._same(_flush(w[3]), _flush(w[4]))]
    else:
        wrong = [w for w in wrong if not env._same(w[3], w[4])]
    assert wrong, "every mode changes at least one case"
    py = [f for f in rep.failures if f.startswith("python: ")]
    npf = [f for f in rep.failures if f.startswith("numpy: ")]
    assert len(py) == len(npf) == len(wrong), (py, npf, wrong)
    for (op, a, b, want, got), fp, fn in zip(wrong if mode != "daz" else [], py, npf):  # (DAZ misprints)
        name = f"sqrt({a!r})" if op == "sqrt" else f"{op}({a!r}, {b!r})"
        assert fp == f"python: {name} gave {got!r}, expected {want!r}"
        assert fn == f"numpy: {name} gave {got!r}, expected {want!r}"
    blas = [f for f in rep.failures if f.startswith("blas: dot(")]
    dots = [((1.0, 1.0), (2.0**-53, 1.0), 1.0), ((1.0, 1.0), (-(2.0**-54), 1.0), 1.0),
            ((2.0**-1022, 0.5), (0.0, 0.0), 2.0**-1023), ((2.0**-1074, 2.0**52), (0.0, 0.0), 2.0**-1022)]
    want_dot = []
    for (x0, y0), (x1, y1), want in dots:
        p0, p1 = predicted("mul", x0, y0, mode), predicted("mul", x1, y1, mode)
        got = predicted("add", p0, p1, mode)
        if not env._same(got, want):
            want_dot.append(f"blas: dot({[x0, x1]}, {[y0, y1]}) gave {got!r}, expected {want!r}")
    if not flags:  # (flush modes: the message's own formatting is flushed too)
        assert blas == want_dot
    else:
        assert blas
    big = [f for f in rep.failures if f.startswith("blas: a ")]
    if big and not flags:  # (absent where OpenBLAS worker threads kept the default environment)
        changed = []
        for j in range(env._COLS):
            pairs, w = env._B_PATTERNS[j % len(env._B_PATTERNS)]
            terms = [predicted("mul", env._A_COLS[r], v, mode) for r, v in pairs]
            got = predicted("add", terms[0], terms[1], mode)
            if got != w:
                changed.append((got, w))
        assert len(big) == 1
        head = f"blas: a {env._ROWS} x 8 x {env._COLS} matrix product gave {changed[0][0]!r} where "
        tail = f" is the correctly rounded value ({len(changed)} columns differ)"
        assert big[0].startswith(head) and big[0].endswith(tail), big
        assert repr(float(changed[0][1])) in big[0][len(head):-len(tail)]
    assert len(rep.failures) == len(py) + len(npf) + len(blas) + len(big)
    assert "python" in rep.reason and rep.reason.startswith("the floating-point environment is not IEEE")
    assert ("..." in rep.reason) == (len(rep.failures) > 4)


def test_check_ignores_the_callers_error_state():
    """The subnormal cases underflow on purpose: a caller's np.seterr(all="raise") must not turn the
    check into an exception (nor into a failure)."""
    with np.errstate(all="raise"):
        rep = env.check_arithmetic()
    assert rep.ok, rep.failures


def test_report_reason_and_truth():
    ok = env.ArithmeticReport(ok=True, failures=())
    assert ok and ok.reason == ""
    bad = env.ArithmeticReport(ok=False, failures=("python: a", "numpy: b"))
    assert not bad and bad.reason.endswith("python: a; numpy: b")
    many = env.ArithmeticReport(ok=False, failures=tuple(f"blas: {i}" for i in range(6)))
    assert many.reason.endswith("blas: 0; blas: 1; blas: 2; blas: 3 ...")
    assert "round-to-nearest-even" in many.reason and "gradual underflow" in many.reason
    assert env.FloatingPointEnvironmentError.__mro__[1] is FloatingPointError


def test_same_distinguishes_signed_zeros():
    assert env._same(0.0, 0.0) and env._same(-0.0, -0.0) and env._same(1.5, 1.5)
    assert not env._same(0.0, -0.0) and not env._same(-0.0, 0.0) and not env._same(1.0, nxt(1.0))
    assert not env._same(-1.0, 1.0)
    assert env._name("sqrt", 2.0, None) == "sqrt(2.0)" and env._name("add", 1.0, 0.5) == "add(1.0, 0.5)"


def test_blas_operands_select_two_products_per_column():
    A, B, want = env._blas_operands()
    assert A.shape == (env._ROWS, 8) and B.shape == (8, env._COLS) and want.shape == (env._COLS,)
    assert env._ROWS * env._COLS * 8 > 65536 * 4
    assert np.all(A == A[0]) and np.all(np.count_nonzero(B, axis=0) >= 1) and np.all(np.count_nonzero(B, axis=0) <= 2)
    for j in range(env._COLS):
        exact = sum((F(float(A[0, k])) * F(float(B[k, j])) for k in range(8)), F(0))
        assert float(exact) == want[j], j  # correctly rounded to nearest
    # the columns cover every pattern, so a directed rounding shows in the product
    assert len({float(w) for w in want}) == len({w for _, w in env._B_PATTERNS})


def test_lower_upper_with_wide_enclosures():
    """Radii far above an ulp of h: the bounds follow h + l -+ r to a few ulps, not 2 r."""
    h = np.array([1.0, -3.0, 0.75, 1e10, -2.5e-8])
    l = h * 2.0**-55
    r = np.abs(h) * np.array([1e-3, 0.25, 3.0, 1e-6, 0.5])
    x = DDI(h, l, r)
    lo, up, am = x.lower(), x.upper(), x.absmax()
    for i, (a, b) in enumerate(encl(x)):
        tol = abs(F(float(h[i]))) * F(16, TWO53) + F(float(r[i])) * F(64, TWO53)
        assert F(float(lo[i])) <= a and a - F(float(lo[i])) <= tol, i
        assert F(float(up[i])) >= b and F(float(up[i])) - b <= tol, i
        assert max(abs(a), abs(b)) <= F(float(am[i])) <= max(abs(a), abs(b)) * (1 + F(64, TWO53))


def test_sqrt_of_an_enclosure_well_away_from_zero_is_tight():
    """x in [h - r, h + r] with h = 4.5 r: bounded away from 0, so the Newton enclosure (within a small
    factor of the exact width sqrt(h + r) - sqrt(h - r)), not the crude [0, sqrt(upper)]."""
    h = np.array([4.5, 9.0, 1.0])
    r = h / np.array([4.5, 4.5, 8.0])
    x = DDI(h, np.zeros(3), r)
    z = x.sqrt()
    for i in range(3):
        lo, hi = encl(z[i:i + 1])[0]
        with mpmath.workprec(200):
            a = mpmath.sqrt(mpmath.mpf(float(h[i])) - mpmath.mpf(float(r[i])))
            b = mpmath.sqrt(mpmath.mpf(float(h[i])) + mpmath.mpf(float(r[i])))
            flo, fhi = mpmath.mpf(lo.numerator) / lo.denominator, mpmath.mpf(hi.numerator) / hi.denominator
            assert flo <= a and b <= fhi
            assert fhi - flo <= 3 * (b - a), i


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wide_and_unnormalized_enclosures(seed):
    """The set {h + l + delta : |delta| <= r} for any floats h, l, r >= 0 (l need not be below an ulp
    of h, r need not be small): sums, products, quotients and |x| bounds still enclose every choice."""
    rng = np.random.default_rng(seed)
    n = 30
    h = rng.uniform(0.5, 2, n) * rng.choice([-1, 1], n)
    x = DDI(h, h * rng.uniform(-3, 3, n), np.abs(h) * rng.uniform(0, 2, n))
    hy = rng.uniform(0.5, 2, n) * rng.choice([-1, 1], n)
    y = DDI(hy, hy * rng.uniform(-3, 3, n), np.abs(hy) * rng.uniform(0, 2, n))
    _check_binary(x, y, x + y, lambda a, b: a + b, tight=False)
    _check_binary(x, y, x - y, lambda a, b: a - b, tight=False)
    _check_binary(x, y, x * y, lambda a, b: a * b, tight=False)
    am = x.absmax()
    for i, (a, b) in enumerate(encl(x)):
        assert F(float(am[i])) >= max(abs(a), abs(b))
    # a divisor bounded away from 0: |hy + ly| > 2 ry
    yd = DDI(hy, hy * rng.uniform(-0.4, 0.4, n), np.abs(hy) * rng.uniform(0, 0.2, n))
    _check_binary(x, yd, x / yd, lambda a, b: a / b, tight=False)
    # products of wide intervals: the r_x r_y term matters
    u = DDI(np.ones(3), np.array([0.0, 1.0, 0.0]), np.array([0.5, 0.0, 2.0]))
    _check_binary(u, u, u * u, lambda a, b: a * b, tight=False)


def test_accurate_matmul_empty_outer_dimensions_and_default_slices():
    for A, B, shape in ((np.zeros((0, 3)), np.ones((3, 2)), (0, 2)), (np.ones((2, 3)), np.zeros((3, 0)), (2, 0))):
        P = em.accurate_matmul(A, B)
        assert P.hi.shape == P.lo.shape == P.err.shape == shape
    rng = np.random.default_rng(6)
    A, B = rng.standard_normal((3, 5)), rng.standard_normal((5, 2))
    P, P4 = em.accurate_matmul(A, B), em.accurate_matmul(A, B, nslices=4)  # the documented default
    assert np.array_equal(P.hi, P4.hi) and np.array_equal(P.lo, P4.lo) and np.array_equal(P.err, P4.err)
