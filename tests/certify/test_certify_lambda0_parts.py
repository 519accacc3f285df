"""Pieces of the lambda0 certificate against their contracts (exact rationals, counted calls), the
record it keeps, and its failure paths (each must give "undecided" with no bounds, never a raise)."""
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import verifier.certify.lambda0 as lm
from tests.certify.certify_refs import gram_inf_mp, lambda_min_mp
from verifier.certify import certify_lambda0
from verifier.certify.entries import flint_available

# --- _push_lower: the largest t with test(t) True below ub, up to the stated bisection width ------

@pytest.mark.parametrize("c, ub, target", [
    (Fraction(1), Fraction(1) + Fraction(1, 10**6), Fraction(1, 10**9)),
    (Fraction(-3, 7), Fraction(1, 3), Fraction(1, 10**4)),
    (Fraction(5, 10**5), Fraction(1, 10**4), Fraction(1, 10**12)),
])
def test_push_lower_contract(c, ub, target):
    calls = []

    def test(t):
        calls.append(t)
        return t < c

    t, n = lm._push_lower(test, ub, target)
    assert n == len(calls)  # the count is the number of tests made
    assert t is not None and t < c and t in calls
    assert all(isinstance(x, Fraction) and x < ub for x in calls)
    assert c - t <= (ub - t) / 64 + Fraction(1, 2**1000)  # bisected to 1/64 of the distance to ub
    assert float(t) == t  # every trial point is a float


def test_push_lower_gives_up_after_max_tests():
    calls = []
    t, n = lm._push_lower(lambda t: calls.append(t) or False, Fraction(1), Fraction(1, 10**6), max_tests=7)
    assert t is None and n == 7 == len(calls)
    t, n = lm._push_lower(lambda t: True, Fraction(1), Fraction(1, 10**6))
    assert 0 < 1 - t <= Fraction(1, 2**50)  # bisected up to the float just below ub


def test_target():
    assert lm._target(Fraction(4), 1e-3) == 4 * Fraction(1e-3)
    assert lm._target(Fraction(-4), 1e-3) == 4 * Fraction(1e-3)
    assert lm._target(Fraction(0), 1e-3) == Fraction(2) ** -1000


def test_verify_backend_choice(monkeypatch):
    import sys

    has_flint = flint_available()
    assert lm._verify_backend("numpy", 10) == ("flint" if has_flint else "mpmath")
    assert lm._verify_backend("numpy", 121) == ("flint" if has_flint else "numpy")
    assert lm._verify_backend("flint", 120) == "mpmath" and lm._verify_backend("flint", 121) == "numpy"
    assert lm._verify_backend("mpmath", 5) == ("flint" if has_flint else "numpy")
    monkeypatch.setitem(sys.modules, "flint", None)
    assert lm._verify_backend("numpy", 120) == "mpmath" and lm._verify_backend("numpy", 121) == "numpy"
    assert lm._verify_backend("mpmath", 3) == "numpy"


# --- the record -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def data_and_ref():
    rng = np.random.default_rng(31)
    X = rng.standard_normal((7, 3))
    G = gram_inf_mp(X)
    guess = float(np.linalg.eigvalsh(np.array(G.tolist(), dtype=float))[0])
    return X, lambda_min_mp(G, guess)


def test_record_of_a_proven_certificate(data_and_ref):
    X, (lo, hi) = data_and_ref
    cert = certify_lambda0(X, rel_width=1e-8)
    assert cert.status == "proven" and cert.reason == "" and cert.method == "eig-schur"
    assert mpmath.mpf(cert.lower) <= hi and lo <= mpmath.mpf(cert.upper)
    d = cert.details
    assert d["n"] == 7 and d["d"] == 3 and len(d["fingerprint"]) == 64
    assert d["entries_backend"] == "numpy" and 0 < d["max_entry_radius"] < 1e-13
    assert d["rel_width_requested"] == 1e-8
    assert d["rel_width_achieved"] == pytest.approx((cert.upper - cert.lower) / cert.upper, rel=1e-12)
    assert d["target_met"] is True and d["lambda0_positive"] == "proven"
    assert 1 <= d["cluster_size"] <= 7 and d["pd_tests"] >= 1 and d["eigensolver"] == "numpy"
    assert d["float_lambda_min"] == pytest.approx(float(lo), rel=1e-9)
    assert d["float_lambda_next"] is None or d["float_lambda_next"] > d["float_lambda_min"]
    a, c, beta = d["schur_a"], d["schur_c"], d["schur_beta"]
    assert a > 0 and (c is None or (c > 0 and a * c > beta * beta))  # the Schur inequality held
    assert d["seconds_total"] >= cert.seconds * 0 and "recheck_seconds" in d
    assert f"sha256 {d['fingerprint'][:16]}..." in cert.statement
    v = cert.details["verification"]  # the re-check ran before returning
    assert v["ok"] and v["lower_ok"] and v["upper_ok"] and v["independent"]


def test_requested_width_not_met_is_recorded(data_and_ref):
    X, (lo, hi) = data_and_ref
    cert = certify_lambda0(X, rel_width=1e-14, method="cholesky")  # Rump's test cannot reach 1e-14
    assert cert.status == "proven"
    assert mpmath.mpf(cert.lower) <= hi and lo <= mpmath.mpf(cert.upper)
    d = cert.details
    assert d["target_met"] is False and d["rel_width_achieved"] > 1e-14
    assert d["rel_width_achieved"] == pytest.approx((cert.upper - cert.lower) / cert.upper, rel=1e-12)


@pytest.mark.parametrize("method", ["cholesky", "interval-cholesky"])
def test_other_methods_record(data_and_ref, method):
    X, (lo, hi) = data_and_ref
    cert = certify_lambda0(X, rel_width=1e-6, method=method)
    assert cert.status == "proven" and cert.method == method
    assert mpmath.mpf(cert.lower) <= hi and lo <= mpmath.mpf(cert.upper)
    rel = (cert.upper - cert.lower) / cert.upper
    assert rel <= 1e-5 and cert.details["target_met"] == (rel <= 1e-6)
    assert cert.details["pd_tests"] >= 1 and cert.details["float_lambda_min"] == pytest.approx(float(lo), rel=1e-9)


# --- failure paths --------------------------------------------------------------------------------

def test_unknown_method_or_backend_is_refused():
    with pytest.raises(ValueError, match="unknown method 'eig'"):
        certify_lambda0(np.eye(2), method="eig")
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        certify_lambda0(np.eye(2), entries="gpu")
    for w in (0.0, 1.0, -1e-8, 2.0):
        with pytest.raises(ValueError, match="rel_width"):
            certify_lambda0(np.eye(2), rel_width=w)


def test_failing_entries_give_undecided(monkeypatch):
    def broken(X, backend="auto"):
        raise FloatingPointError("injected")

    monkeypatch.setattr(lm, "certify_gram_entries", broken)
    cert = certify_lambda0(np.eye(3))
    assert cert.status == "undecided" and cert.lower is None and cert.upper is None
    assert "entry enclosures" in cert.reason and "FloatingPointError: injected" in cert.reason
    assert cert.details["lambda0_positive"] == "undecided" and cert.details["target_met"] is False
    assert cert.details["n"] == 3 and cert.details["rel_width_achieved"] is None


def test_failing_method_gives_undecided(monkeypatch):
    def broken(enc, rel_width, driver="numpy"):
        raise np.linalg.LinAlgError("injected")

    monkeypatch.setattr(lm, "_eig_schur", broken)
    cert = certify_lambda0(np.eye(3))
    assert cert.status == "undecided" and cert.lower is None and cert.upper is None
    assert "LinAlgError: injected" in cert.reason and cert.details["failure"] == "LinAlgError: injected"
    assert cert.details["lambda0_positive"] == "undecided"


def test_no_shift_proven_gives_undecided(monkeypatch):
    real = lm._eig_schur

    def no_lower(enc, rel_width, driver="numpy"):
        res = real(enc, rel_width, driver)
        res["lower"] = None
        return res

    monkeypatch.setattr(lm, "_eig_schur", no_lower)
    cert = certify_lambda0(np.random.default_rng(1).standard_normal((5, 3)))
    assert cert.status == "undecided" and cert.lower is None and "no shift t was proven" in cert.reason
    assert cert.details["target_met"] is False and cert.details["rel_width_achieved"] is None


def test_environment_failure_gives_undecided(monkeypatch):
    from verifier.certify._environment import ArithmeticReport

    calls = []

    def flaky():
        calls.append(1)
        ok = len(calls) == 1
        return ArithmeticReport(ok=ok, failures=() if ok else ("python: injected",))

    monkeypatch.setattr(lm, "check_arithmetic", flaky)
    X = np.random.default_rng(2).standard_normal((5, 3))
    cert = certify_lambda0(X)
    assert cert.status == "undecided" and cert.lower is None and cert.upper is None and "injected" in cert.reason
    assert cert.details["lambda0_positive"] == "undecided" and cert.details["target_met"] is False
    calls.append(1)
    cert = certify_lambda0(X)  # fails at the first check: nothing computed
    assert cert.status == "undecided" and "injected" in cert.reason and cert.details["rel_width_requested"] == 1e-8
    assert cert.method == "eig-schur" and cert.details["d"] == 3


def test_widening_stays_within_the_request(data_and_ref):
    """Within the requested width the upper bound is raised by the width (documented); the result
    still contains lambda0 and meets the request."""
    X, (lo, hi) = data_and_ref
    for w in (1e-4, 1e-8):
        cert = certify_lambda0(X, rel_width=w)
        assert cert.details["target_met"] and cert.upper - cert.lower <= w * cert.upper
        assert mpmath.mpf(cert.lower) <= hi and lo <= mpmath.mpf(cert.upper)
        assert math.isfinite(cert.upper)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_cholesky_method_contains_and_counts(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((6, 3))
    G = gram_inf_mp(X)
    lo, hi = lambda_min_mp(G, float(np.linalg.eigvalsh(np.array(G.tolist(), dtype=float))[0]))
    calls = []
    real = lm.rump_pd

    def spy(*a):
        calls.append(a)
        return real(*a)

    monkeypatch.setattr(lm, "rump_pd", spy)
    cert = certify_lambda0(X, rel_width=1e-6, method="cholesky", recheck=False)
    assert cert.status == "proven"
    assert mpmath.mpf(cert.lower) <= hi and lo <= mpmath.mpf(cert.upper)  # 50-digit reference
    assert (cert.upper - cert.lower) / cert.upper <= 1e-5
    assert cert.details["pd_tests"] == len(calls) >= 1
    assert all(float(a[1]) < float(lo) for a in calls[-1:])  # the proven shift lies below lambda0
    v = cert.verify()
    assert v and cert.details["verification"]["ok"]
