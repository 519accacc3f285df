"""Enclosures of G_inf entries (eq. 17) against 50-digit values computed independently."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.certify.certify_refs import gram_inf_mp
from verifier.certify import certify_gram_entries
from verifier.certify._dd_interval import DDI, _atan_table
from verifier.certify._exact_matmul import accurate_matmul
from verifier.certify._rounding import two_prod, two_sum
from verifier.certify.entries import flint_available

BACKENDS = ["numpy", "mpmath"] + (["flint"] if flint_available() else [])
#: example count of the cheap property tests: at least 300, more under the "thorough" profile
CHEAP = max(300, settings().max_examples)


def assert_encloses(E, G):
    """|G - mid| <= rad and |G - (mid + lo)| <= lo_rad for the 80-digit reference G."""
    n = E.n
    with mpmath.workdps(80):
        for i in range(n):
            for j in range(n):
                g = G[i, j]
                m = mpmath.mpf(float(E.mid[i, j]))
                assert abs(g - m) <= mpmath.mpf(float(E.rad[i, j])), (i, j, g, m, E.rad[i, j])
                m2 = m + mpmath.mpf(float(E.lo[i, j]))
                assert abs(g - m2) <= mpmath.mpf(float(E.lo_rad[i, j])), (i, j, g - m2, E.lo_rad[i, j])


@pytest.mark.parametrize("backend", BACKENDS)
@settings(deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 7), d=st.integers(1, 6),
       spread=st.integers(0, 60))
def test_entries_contain_50_digit_values(backend, seed, n, d, spread):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.exp2(rng.integers(-spread, spread + 1, size=(n, 1)))
    E = certify_gram_entries(X, backend=backend)
    assert_encloses(E, gram_inf_mp(X, dps=80))
    assert np.all(np.diag(E.mid) == 0.5) and np.all(np.diag(E.rad) == 0)
    assert np.array_equal(E.mid, E.mid.T)
    assert E.lo_rad.max() < 1e-28  # double-double tight, not just valid


@pytest.mark.parametrize("backend", BACKENDS)
def test_nearly_parallel_and_antiparallel_rows(backend):
    rng = np.random.default_rng(7)
    base = rng.standard_normal(5)
    rows = [base]
    for k in range(3, 16, 2):  # angles ~1e-3 ... 1e-15
        rows.append(base + 10.0**-k * rng.standard_normal(5))
        rows.append(-base * 3.0 + 10.0**-k * rng.standard_normal(5))
    rows.append(2.0 * base)  # exactly parallel
    rows.append(-0.5 * base)  # exactly antiparallel
    X = np.array(rows)
    E = certify_gram_entries(X, backend=backend)
    G = gram_inf_mp(X, dps=80)
    assert_encloses(E, G)
    assert E.lo_rad.max() < 1e-27
    # exactly parallel: K = 1/2; exactly antiparallel: K = 0
    n = len(rows)
    assert abs(E.mid[0, n - 2] - 0.5) <= E.rad[0, n - 2] and E.mid[0, n - 1] <= E.rad[0, n - 1]


def test_entries_agree_with_float_closed_form():
    from verifier.theory.kernel import gram_inf

    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 8))
    X /= np.linalg.norm(X, axis=1)[:, None]
    E = certify_gram_entries(X)
    assert np.max(np.abs(E.mid - gram_inf(X))) < 1e-12
    assert E.rad.max() < 6e-17  # within an ulp of numbers below 1/2


def test_digits_entry_radii():
    from verifier.data import load_dataset

    E = certify_gram_entries(load_dataset("digits").X)
    assert E.n == 360 and E.lo_rad.max() < 1e-28 and E.rad.max() < 6e-17


@pytest.mark.parametrize("bad", [np.zeros((3, 2)), np.array([[1.0, np.nan], [0.0, 1.0]]), np.ones(3)])
def test_bad_data_is_refused(bad):
    with pytest.raises(ValueError):
        certify_gram_entries(bad)


# --- the building blocks, against exact rationals ---------------------------------------------------

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=CHEAP, deadline=None)
@given(a=finite, b=finite)
def test_error_free_transformations(a, b):
    s, e = two_sum(np.float64(a), np.float64(b))
    assert Fraction(float(s)) + Fraction(float(e)) == Fraction(a) + Fraction(b)
    if a == 0 or b == 0 or abs(a * b) > 2.0**-900:
        p, e = two_prod(np.float64(a), np.float64(b))
        assert Fraction(float(p)) + Fraction(float(e)) == Fraction(a) * Fraction(b)


def _ddi_point_enclosed(D, q):
    c = Fraction(float(D.h)) + Fraction(float(D.l))
    return abs(q - c) <= Fraction(float(D.r))


ddi_part = st.tuples(st.floats(0.01, 100.0), st.floats(-1e-17, 1e-17), st.floats(0.0, 1e-20),
                     st.floats(-1.0, 1.0), st.booleans())


@settings(max_examples=CHEAP, deadline=None)
@given(x=ddi_part, y=ddi_part)
def test_ddi_operations_enclose(x, y):
    def make(p):
        h, l, r, pos, neg = p
        D = DDI(np.float64(-h if neg else h), np.float64(l * h), np.float64(r * h))
        exact = Fraction(float(D.h)) + Fraction(float(D.l)) + Fraction(float(D.r)) * Fraction(pos)
        return D, exact

    X, qx = make(x)
    Y, qy = make(y)
    assert _ddi_point_enclosed(X + Y, qx + qy)
    assert _ddi_point_enclosed(X - Y, qx - qy)
    assert _ddi_point_enclosed(X * Y, qx * qy)
    assert _ddi_point_enclosed(X / Y, qx / qy)
    if qx > 0:
        S = X.sqrt()
        lo = Fraction(float(S.h)) + Fraction(float(S.l)) - Fraction(float(S.r))
        hi = lo + 2 * Fraction(float(S.r))
        assert (lo <= 0 or lo * lo <= qx) and qx <= hi * hi


@settings(max_examples=max(40, settings().max_examples), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), spread=st.integers(0, 40))
def test_accurate_matmul_encloses_exact(seed, n, spread):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((3, n)) * np.exp2(rng.integers(-spread, spread + 1, size=(3, n)))
    B = rng.standard_normal((n, 2))
    P = accurate_matmul(A, B)
    for i in range(3):
        for j in range(2):
            exact = sum(Fraction(float(a)) * Fraction(float(b)) for a, b in zip(A[i], B[:, j]))
            got = Fraction(float(P.hi[i, j])) + Fraction(float(P.lo[i, j]))
            assert abs(exact - got) <= Fraction(float(P.err[i, j]))


def test_atan_table_against_independent_value():
    h, l, r = _atan_table()
    with mpmath.workdps(80):
        for k in range(0, 257, 17):
            ref = mpmath.atan(mpmath.mpf(k) / 256)
            got = mpmath.mpf(float(h[k])) + mpmath.mpf(float(l[k]))
            assert abs(ref - got) <= mpmath.mpf(float(r[k])) + mpmath.mpf(2) ** -250
    if flint_available():
        from flint import arb, ctx

        with ctx.workprec(200):
            for k in range(257):
                ball = arb(k) / 256
                ball = ball.atan()
                got = arb(float(h[k])) + arb(float(l[k]))
                assert (ball - got).abs_upper() <= arb(float(r[k]))


def test_accurate_matmul_long_inner_dimension():
    rng = np.random.default_rng(8)
    n = 20000
    A = rng.standard_normal((1, n)) * np.exp2(rng.integers(-30, 30, size=(1, n)))
    B = rng.standard_normal((n, 1))
    P = accurate_matmul(A, B)
    exact = sum(Fraction(float(a)) * Fraction(float(b)) for a, b in zip(A[0], B[:, 0]))
    got = Fraction(float(P.hi[0, 0])) + Fraction(float(P.lo[0, 0]))
    assert abs(exact - got) <= Fraction(float(P.err[0, 0]))
    # far below the float64 a-priori bound gamma_n |A||B| ~ 2e-12 |A||B|
    assert float(P.err[0, 0]) < 1e-18 * (np.abs(A) @ np.abs(B)).item()


def test_single_row_and_statement():
    E = certify_gram_entries(np.array([[3.0, -4.0]]))
    assert E.n == 1 and E.mid[0, 0] == 0.5 and E.rad[0, 0] == 0
    assert "float64" in E.statement and E.fingerprint[:16] in E.statement
