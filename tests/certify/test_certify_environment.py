"""The proofs assume IEEE 754 binary64 round-to-nearest-even with gradual underflow; a certificate
computed in another floating-point environment must not come out "proven".

The environment is really switched (fesetround, and the MXCSR flush-to-zero / denormals-are-zero
bits), see ``fpenv``; the tests are skipped with the reason where that cannot be done.
"""
import math

import mpmath
import numpy as np
import pytest

import tests.certify.fpenv as fpenv
from verifier.certify import certify_contraction, certify_gram_entries, certify_lambda0, certify_pd

ROUNDINGS = ["upward", "downward", "towardzero"]
FLUSHES = [dict(ftz=True), dict(daz=True), dict(ftz=True, daz=True)]


def needs_fesetround():
    lib = fpenv.libm()
    if isinstance(lib, str):
        pytest.skip(lib)


def needs_mxcsr():
    needs_fesetround()
    csr = fpenv.mxcsr()
    if isinstance(csr, str):
        pytest.skip(csr)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((9, 3))
    A = rng.standard_normal((12, 12))
    # warm every lazy cache (atan table, pi) in the default environment
    cert_l, cert_c = certify_lambda0(X), certify_contraction(A, 0.3)
    assert cert_l.status == cert_c.status == "proven"
    return X, A, cert_l, cert_c


def _assert_fails_closed(cert):
    assert cert.status != "proven"
    assert not cert.details.get("contraction_proven", False)
    assert "floating-point environment" in cert.reason


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_directed_rounding_is_never_proven(rounding, data):
    needs_fesetround()
    X, A, cert_l, cert_c = data
    with fpenv.fp_mode(rounding):
        c1 = certify_contraction(A, 0.3)
        c2 = certify_lambda0(X)
        pd = certify_pd(np.eye(3), 0.0, 0.5)
        v1, v2 = cert_l.verify(), cert_c.verify()
        with pytest.raises(FloatingPointError, match="environment"):
            certify_gram_entries(X)
    for c in (c1, c2):
        _assert_fails_closed(c)
        assert c.lower is None and c.upper is None  # no claim at all
    assert pd == "undecided"
    assert not v1 and not v2 and "environment" in v1.reason
    # a re-check that could not run in this environment does not condemn a valid certificate
    assert cert_l.status == cert_c.status == "proven"
    assert cert_l.verify() and cert_c.verify()  # the mode is restored


@pytest.mark.parametrize("flags", FLUSHES, ids=["ftz", "daz", "ftz+daz"])
def test_flush_to_zero_is_never_proven(flags, data):
    """Under FTZ/DAZ the 1e-310 I matrix with gamma = 1e300 came out "proven" to be exactly 0."""
    needs_mxcsr()
    m = 3
    A = np.eye(m) * 1e-310
    with mpmath.workdps(50):
        true_q = mpmath.mpf(1e300) * mpmath.mpf(1e-310) / mpmath.sqrt(m)
    assert true_q > 5e-11
    with fpenv.fp_mode(None, **flags):
        cert = certify_contraction(A, 1e300)
        cert_l = certify_lambda0(np.array([[1e-310, 2e-310], [3e-310, -1e-310]]))
    _assert_fails_closed(cert)
    _assert_fails_closed(cert_l)
    # and in the default environment the same input is proven, around the 50-digit value
    good = certify_contraction(A, 1e300)
    assert good.status == "proven"
    assert mpmath.mpf(good.lower) <= true_q <= mpmath.mpf(good.upper)


def test_environment_check_itself():
    from verifier.certify._environment import check_arithmetic

    rep = check_arithmetic()
    assert rep.ok and rep.reason == "" and bool(rep)
    lib = fpenv.libm()
    if isinstance(lib, str):
        pytest.skip(lib)
    seen = {}
    for rounding in ROUNDINGS:
        with fpenv.fp_mode(rounding):
            seen[rounding] = check_arithmetic()
    csr = fpenv.mxcsr()
    if not isinstance(csr, str):
        for flags in FLUSHES:
            with fpenv.fp_mode(None, **flags):
                seen[str(flags)] = check_arithmetic()
    for name, rep in seen.items():
        assert not rep.ok and not rep, name
        assert rep.failures and all(isinstance(f, str) for f in rep.failures)
        # every layer the proofs use is covered: Python floats, numpy loops, numpy's BLAS
        layers = {f.split(":")[0] for f in rep.failures}
        assert {"python", "numpy", "blas"} <= layers, (name, layers)
    assert check_arithmetic().ok  # restored


def test_exact_results_the_check_expects():
    """The expected results are IEEE 754 facts; recompute them with exact rationals here."""
    from fractions import Fraction

    from verifier.certify._environment import CASES

    for op, a, b, expected in CASES:
        exact = {"add": lambda: Fraction(a) + Fraction(b), "mul": lambda: Fraction(a) * Fraction(b),
                 "div": lambda: Fraction(a) / Fraction(b)}.get(op)
        if exact is None:  # sqrt: the float s with s^2 closest to a
            s = expected
            down, up = math.nextafter(s, 0), math.nextafter(s, math.inf)
            err = [abs(Fraction(x) ** 2 - Fraction(a)) for x in (down, s, up)]
            assert err[1] < err[0] and err[1] < err[2]
            continue
        # float(Fraction) is int / int: correctly rounded to nearest, ties to even, in integer arithmetic
        assert float(exact()) == expected, (op, a, b)
