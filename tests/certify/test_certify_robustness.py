"""Certificates fail closed: extreme magnitudes give "undecided" (never an exception), verify()
never raises and says what it re-checked with, and a certificate that contradicts itself or its
re-check is never "proven". Expected values come from 50-digit mpmath references."""
import math
import sys

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import verifier.certify.contraction as contraction_mod
import verifier.certify.lambda0 as lambda0_mod
from tests.certify.certify_refs import gram_inf_mp, lambda_min_mp
from verifier.certify import Certificate, certify_contraction, certify_gram_entries, certify_lambda0
from verifier.certify.entries import flint_available

TINY = 5e-324
HUGE = 1.7976931348623157e308


def q_reference(A, gamma):
    """(gamma/sqrt(m)) ||A||_2 at 50 digits (mpmath SVD of the exact binary values)."""
    with mpmath.workdps(50):
        M = mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in np.asarray(A)])
        s = max(mpmath.svd_r(M, compute_uv=False))
        return mpmath.mpf(float(gamma)) * s / mpmath.sqrt(A.shape[0])


def assert_contraction_sound(A, gamma):
    cert = certify_contraction(A, gamma)  # never raises
    v = cert.verify()  # never raises either
    assert isinstance(bool(v), bool) and isinstance(v.reason, str)
    q = q_reference(A, gamma)
    if cert.status == "proven":
        assert mpmath.mpf(cert.lower) <= q <= mpmath.mpf(cert.upper), (cert.lower, q, cert.upper)
        assert v, v.reason
    else:
        assert cert.reason
    return cert, q


@pytest.mark.parametrize("scale", [TINY, 1e-310, 2.0**-1022, 1e-300, 1.0, 1e300, HUGE])
@pytest.mark.parametrize("gamma", [1.0, 1e-300, 1e300, 0.0])
def test_contraction_at_extreme_magnitudes(scale, gamma):
    for m in (1, 3):
        cert, q = assert_contraction_sound(np.eye(m) * scale, gamma)
        with mpmath.workdps(50):
            slack = q * (1 + mpmath.mpf(1e-9)) + mpmath.mpf(TINY)  # the certificate's relative width
            if slack <= HUGE:  # the bound is a float: it must be proven, and tight
                assert cert.status == "proven", cert.reason
                assert mpmath.mpf(cert.upper) <= slack
            elif q > HUGE:  # no float bounds it
                assert cert.status == "undecided" and "range" in cert.reason


@pytest.mark.parametrize("A", [
    [[1e300, 1e-300], [TINY, 1.0]],  # entries 2000 binades apart: no exact power-of-two scaling
    [[HUGE, -HUGE], [HUGE, HUGE]],
    [[TINY, 0.0], [TINY, TINY]],
    [[1e300, 1e300, 0.0], [0.0, 1e-320, 3.0], [2.0**-1074, 0.0, 1e-10]],
], ids=["binades", "huge", "subnormal", "mixed"])
def test_contraction_mixed_magnitudes(A):
    assert_contraction_sound(np.array(A), 0.5)


def test_contraction_random_scaled():
    rng = np.random.default_rng(4)
    for e in (-1070, -1000, 1000, 1020):
        A = np.ldexp(rng.standard_normal((5, 5)), e)
        cert, _ = assert_contraction_sound(A, 0.25)
        assert cert.status == "proven"


@pytest.mark.parametrize("rows", [
    [[1e300, 2e300], [-1e300, 3e299], [5e299, 1e300]],
    [[TINY, 0.0], [0.0, TINY], [TINY, TINY]],
    [[HUGE, HUGE], [HUGE, -HUGE], [1.0, 0.0]],
    [[1e300, TINY], [1.0, 2.0], [2.0**-1074, -(2.0**-1073)]],  # a row no power of two scales exactly
], ids=["huge", "subnormal", "max", "binades"])
def test_lambda0_at_extreme_magnitudes(rows):
    X = np.array(rows)
    cert = certify_lambda0(X)  # never raises
    v = cert.verify()
    if cert.status == "proven":
        G = gram_inf_mp(X)
        guess = float(np.linalg.eigvalsh(np.array(G.tolist(), dtype=float))[0])
        lo, hi = lambda_min_mp(G, guess)
        assert mpmath.mpf(cert.lower) <= hi and lo <= mpmath.mpf(cert.upper)
        assert v, v.reason
    else:
        assert cert.reason and not v


# --- verify() never raises ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certs():
    rng = np.random.default_rng(6)
    return (lambda: certify_lambda0(rng.standard_normal((7, 3))),
            lambda: certify_contraction(rng.standard_normal((6, 6)), 0.4))


def test_verify_never_raises(certs):
    for make in certs:
        cert = make()
        assert cert.status == "proven" and cert.verify()
        rebuilt = Certificate.from_dict(cert.to_dict())
        v = rebuilt.verify()
        assert not v and "re-check" in v.reason
        bad = make()
        bad.lower = math.nan
        assert not bad.verify()
        bad = make()
        bad._check = lambda c: 1 / 0
        v = bad.verify()
        assert not v and "ZeroDivisionError" in v.reason


def test_verify_result_reports_the_backend(monkeypatch):
    rng = np.random.default_rng(13)
    X = rng.standard_normal((8, 3))
    v = certify_lambda0(X).verify()
    assert v and v.independent and v.backend in ("flint", "mpmath") and v.certificate_backend == "numpy"
    v = certify_contraction(rng.standard_normal((5, 5)), 0.3).verify()
    assert v and v.independent is False and "same" in v.reason  # says so, does not pretend
    monkeypatch.setitem(sys.modules, "flint", None)  # python-flint absent
    v = certify_lambda0(X).verify()
    assert v and v.independent and v.backend == "mpmath"
    X = rng.standard_normal((121, 4))  # too many entries for the mpmath re-check
    v = certify_lambda0(X, rel_width=1e-6).verify()
    assert v and v.independent is False and v.backend == "numpy" and "same" in v.reason


def test_mpmath_recheck_confirms_valid_tight_certificates():
    """The mpmath enclosure used to round its expansion point to 100 bits (radius ~2e-31), wider
    than a flint certificate's (~1e-33): verify() then rejected valid certificates of small lambda0."""
    rng = np.random.default_rng(29)
    X = rng.standard_normal((6, 3))
    X[1] = X[0] + 1e-12 * rng.standard_normal(3)
    E = certify_gram_entries(X, backend="mpmath")
    assert E.lo_rad.max() < 1e-32
    G = gram_inf_mp(X, dps=80)  # the radius is within ~1e-56 of the true error: 50 digits are too few
    with mpmath.workdps(80):
        for i in range(6):
            for j in range(6):
                m = mpmath.mpf(float(E.mid[i, j])) + mpmath.mpf(float(E.lo[i, j]))
                assert abs(G[i, j] - m) <= mpmath.mpf(float(E.lo_rad[i, j]))
    for entries in (["flint"] if flint_available() else []) + ["mpmath"]:
        cert = certify_lambda0(X, entries=entries)
        assert cert.status == "proven", cert.reason
        v = cert.verify()
        assert v and v.independent, (entries, v.reason)


# --- certificates check themselves ----------------------------------------------------------------

def test_lower_above_upper_is_never_proven(monkeypatch):
    real = lambda0_mod._eig_schur

    def crossed(enc, rel_width, driver="numpy"):
        res = real(enc, rel_width, driver)
        res["lower"], res["upper"] = res["upper"] * 2, res["upper"]
        return res

    monkeypatch.setattr(lambda0_mod, "_eig_schur", crossed)
    rng = np.random.default_rng(3)
    cert = certify_lambda0(rng.standard_normal((6, 3)))
    assert cert.status == "undecided" and "lower" in cert.reason
    assert not cert.verify()


def test_contraction_lower_above_upper_is_never_proven(monkeypatch):
    from fractions import Fraction

    monkeypatch.setattr(contraction_mod, "_norm_lower_float", lambda As, v: Fraction(10**6))
    rng = np.random.default_rng(3)
    cert = certify_contraction(rng.standard_normal((5, 5)), 0.3)
    assert cert.status == "undecided" and not cert.details["contraction_proven"]
    assert cert.details["bound_below_one"] == "undecided"


def test_certificate_refuted_by_its_recheck_is_never_proven(monkeypatch):
    from fractions import Fraction

    rng = np.random.default_rng(8)
    X = rng.standard_normal((6, 3))
    monkeypatch.setattr(lambda0_mod, "rayleigh_upper", lambda *a: Fraction(1))  # the re-check's upper
    cert = certify_lambda0(X)
    assert cert.status == "undecided" and "re-check" in cert.reason
    monkeypatch.setattr(contraction_mod, "_norm_lower", lambda As, v: Fraction(0))  # re-check's lower
    cert = certify_contraction(rng.standard_normal((5, 5)), 0.3)
    assert cert.status == "undecided" and not cert.details["contraction_proven"]


def test_constructed_inconsistent_certificate_is_not_proven():
    c = Certificate(quantity="q", lower=2.0, upper=1.0, status="proven", method="m", precision="p",
                    seconds=0.0, statement="s")
    assert c.status == "undecided" and "lower" in c.reason
    c = Certificate(quantity="q", lower=math.nan, upper=1.0, status="proven", method="m", precision="p",
                    seconds=0.0, statement="s")
    assert c.status == "undecided"


def test_tampered_certificate_stops_claiming_proven():
    rng = np.random.default_rng(2)
    cert = certify_contraction(rng.standard_normal((6, 6)), 0.3)
    assert cert.verify()
    assert cert.details["contraction_proven"] and cert.details["bound_below_one"] == "proven"
    cert.upper = cert.lower * (1 - 1e-6)
    v = cert.verify()
    assert not v and cert.status == "undecided"
    assert not cert.details["contraction_proven"] and cert.details["bound_below_one"] == "undecided"
    cert = certify_contraction(rng.standard_normal((6, 6)), 0.3)
    u = cert.upper * (1 - 1e-3)
    cert.lower, cert.upper = u / 2, u  # consistent, but below the norm: the re-check refutes it
    v = cert.verify()
    assert not v and v.completed and "upper" in v.reason
    assert cert.status == "undecided" and not cert.details["contraction_proven"]


# --- fuzzing over magnitudes and dtypes (a few examples by default, many under -m slow) -----------

def _fuzz_matrix(seed, m, spread, dtype):
    rng = np.random.default_rng(seed)
    e = rng.integers(-spread, spread + 1, size=(m, m)) + rng.integers(-1000, 1000)
    A = np.ldexp(rng.standard_normal((m, m)), np.clip(e, -1074, 1000))
    A[rng.random((m, m)) < 0.2] = 0.0
    if not np.any(A):
        A[0, 0] = 1.0
    if dtype == "int64":
        A = np.trunc(rng.standard_normal((m, m)) * 2.0**rng.integers(0, 62)).astype(np.int64)
    return A


def _contraction_fuzz(seed, m, spread, dtype, gexp):
    A = _fuzz_matrix(seed, m, spread, dtype)
    gamma = math.ldexp(0.75, gexp)
    try:
        assert_contraction_sound(A, gamma)
    except ValueError as exc:  # only the documented refusal: an int64 entry that is not a float64
        assert dtype == "int64" and "not exactly representable" in str(exc)


def _lambda0_fuzz(seed, n, spread):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    X = np.ldexp(X, np.clip(rng.integers(-spread, spread + 1, size=(n, 1)) + rng.integers(-1000, 1000),
                            -1074, 1000))
    X[np.all(X == 0, axis=1), 0] = 1.0
    cert = certify_lambda0(X)
    v = cert.verify()
    if cert.status == "proven":
        G = gram_inf_mp(X)
        guess = float(np.linalg.eigvalsh(np.array(G.tolist(), dtype=float))[0])
        lo, hi = lambda_min_mp(G, guess)
        assert mpmath.mpf(cert.lower) <= hi and lo <= mpmath.mpf(cert.upper)
        assert v, v.reason


fuzz_args = dict(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 5), spread=st.sampled_from([0, 60, 700, 2100]),
                 dtype=st.sampled_from(["float64", "int64"]), gexp=st.integers(-1060, 1020))


@settings(deadline=None)
@given(**fuzz_args)
def test_contraction_fuzz(seed, m, spread, dtype, gexp):
    _contraction_fuzz(seed, m, spread, dtype, gexp)


@settings(deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 6), spread=st.sampled_from([0, 60, 700]))
def test_lambda0_fuzz(seed, n, spread):
    _lambda0_fuzz(seed, n, spread)


@pytest.mark.slow
@settings(deadline=None, max_examples=1500)
@given(**fuzz_args)
def test_contraction_fuzz_thorough(seed, m, spread, dtype, gexp):
    _contraction_fuzz(seed, m, spread, dtype, gexp)


@pytest.mark.slow
@settings(deadline=None, max_examples=400)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 8), spread=st.sampled_from([0, 60, 700]))
def test_lambda0_fuzz_thorough(seed, n, spread):
    _lambda0_fuzz(seed, n, spread)
