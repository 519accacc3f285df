"""Certified lambda0 contains the 50-digit lambda_min of G_inf (inertia bisection, independent)."""
import json

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.certify.certify_refs import gram_inf_mp, lambda_min_mp
from verifier.certify import certify_lambda0
from verifier.certify.entries import flint_available


def reference_lambda0(X):
    G = gram_inf_mp(X)
    guess = float(mpmath.eigsy(G, eigvals_only=True)[0]) if X.shape[0] <= 6 else float(
        np.linalg.eigvalsh(np.array(G.tolist(), dtype=float))[0])
    return lambda_min_mp(G, guess)


def assert_contains(cert, bracket):
    lo, hi = bracket
    assert cert.status == "proven"
    assert mpmath.mpf(cert.lower) <= hi, (cert.lower, hi)
    assert lo <= mpmath.mpf(cert.upper), (lo, cert.upper)


@settings(deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 12), d=st.integers(2, 5),
       unit=st.booleans())
def test_lambda0_contains_50_digit_value(seed, n, d, unit):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if unit:
        X /= np.linalg.norm(X, axis=1)[:, None]  # rounded: the certificate speaks about these floats
    cert = certify_lambda0(X, rel_width=1e-8)
    assert_contains(cert, reference_lambda0(X))
    assert cert.details["target_met"] and cert.width <= 1e-8 * cert.upper


@pytest.mark.parametrize("method", ["cholesky", "interval-cholesky"])
def test_other_methods_contain_the_reference(method):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((9, 3))
    ref = reference_lambda0(X)
    cert = certify_lambda0(X, rel_width=1e-6, method=method)
    assert_contains(cert, ref)
    assert cert.method == method


@pytest.mark.skipif(not flint_available(), reason="python-flint not installed")
def test_flint_entries_route_contains_the_reference():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((10, 4))
    assert_contains(certify_lambda0(X, entries="flint"), reference_lambda0(X))


def test_nearly_parallel_data():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((8, 4))
    X[1] = X[0] + 1e-9 * rng.standard_normal(4)  # lambda0 ~ angle^2: tiny but positive
    X[2] = -X[3] + 1e-7 * rng.standard_normal(4)
    cert = certify_lambda0(X)
    assert_contains(cert, reference_lambda0(X))
    assert cert.details["lambda0_positive"] == "proven"


def test_duplicate_rows_are_never_proven_positive():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((7, 3))
    X[5] = 3.0 * X[2]  # exactly parallel: K has two equal rows, lambda0 = 0 exactly
    cert = certify_lambda0(X)
    assert cert.status == "proven"
    assert cert.lower <= 0.0 <= cert.upper
    assert cert.details["lambda0_positive"] == "undecided"


def test_digits_relative_width_and_value():
    from verifier.data import load_dataset
    from verifier.theory.kernel import lambda0

    X = load_dataset("digits").X
    cert = certify_lambda0(X, rel_width=1e-8)
    assert cert.status == "proven" and cert.details["target_met"]
    assert 1.3e-4 < cert.lower <= cert.upper < 1.4e-4
    assert cert.width <= 1e-8 * cert.upper
    assert cert.lower - 1e-15 <= lambda0(X) <= cert.upper + 1e-15  # float eigvalsh agrees to ~1e-15
    d = cert.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["details"]["n"] == 360 and "sha256" in d["statement"]


def test_verify_accepts_and_detects_tampering():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((12, 4))
    cert = certify_lambda0(X)
    assert cert.verify()
    lo, hi = cert.lower, cert.upper
    width = hi - lo
    above = hi + 10 * width + 1e-12  # an interval above lambda0: its lower bound must not be re-proven
    below = lo - 10 * width - 1e-12  # below lambda0: no witness reaches its upper bound
    for bounds, which in (((above, above + width), "lower"), ((below - width, below), "upper")):
        tampered = certify_lambda0(X)
        tampered.lower, tampered.upper = bounds
        v = tampered.verify()
        assert not v and v.completed and which in v.reason
        assert tampered.status == "undecided"  # fail closed: it no longer claims anything
        assert not tampered.verify()
    cert.upper = hi * 2  # a weaker claim is still true
    assert cert.verify()


def test_verify_checks_the_data():
    rng = np.random.default_rng(6)
    cert = certify_lambda0(rng.standard_normal((6, 3)))
    cert.details["fingerprint"] = "0" * 64
    assert not cert.verify()


@pytest.mark.slow
def test_digits_verify_and_subset_against_50_digits():
    from verifier.data import load_dataset

    X = load_dataset("digits").X
    cert = certify_lambda0(X)
    assert cert.verify()
    sub = X[::9]  # 40 rows
    assert_contains(certify_lambda0(sub), reference_lambda0(sub))


@pytest.mark.slow
def test_n1000_sphere_under_30_seconds():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 50))
    X /= np.linalg.norm(X, axis=1)[:, None]
    cert = certify_lambda0(X)
    assert cert.details["target_met"] and cert.seconds < 30
    assert cert.verify()


def test_core_works_without_python_flint(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "flint", None)  # import flint now raises ImportError
    assert not flint_available()
    rng = np.random.default_rng(12)
    X = rng.standard_normal((10, 4))
    cert = certify_lambda0(X)
    assert_contains(cert, reference_lambda0(X))
    assert cert.verify() and cert.details["verification"]["entries_backend"] == "mpmath"
    with pytest.raises(ImportError):
        certify_lambda0(X, entries="flint")
