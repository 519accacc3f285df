"""The lambda0 certificate's internals against independent computations (LAPACK, scipy, hashlib,
exact rationals, 50-digit references) and its documented rules: which eigensolver it uses, where
the Rump trials start, when bounds are widened, which cluster size is kept, and the record of an
"undecided" result. Small inputs only (n <= 10)."""
import functools
import hashlib
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.linalg

import verifier.certify.lambda0 as lm
from tests.certify.certify_refs import gram_inf_mp, lambda_min_mp
from verifier.certify import certify_lambda0
from verifier.certify.entries import certify_gram_entries

U = Fraction(1, 2**53)


def _data(seed, n, d=3):
    return np.random.default_rng(seed).standard_normal((n, d))


@functools.cache
def _ref(seed, n, d=3):
    X = _data(seed, n, d)
    G = gram_inf_mp(X)
    return lambda_min_mp(G, float(np.linalg.eigvalsh(np.array(G.tolist(), dtype=float))[0]))


def _mp(q):
    with mpmath.workdps(60):
        return mpmath.mpf(q.numerator) / q.denominator


def _contains(cert, bracket):
    lo, hi = bracket
    return cert.status == "proven" and mpmath.mpf(cert.lower) <= hi and lo <= mpmath.mpf(cert.upper)


# --- small helpers ----------------------------------------------------------------------------------

def test_flt_keeps_none():
    assert lm._flt(None) is None
    assert lm._flt(Fraction(1, 4)) == 0.25 and isinstance(lm._flt(Fraction(1, 3)), float)


# --- eig-schur --------------------------------------------------------------------------------------

def test_eig_schur_uses_the_named_eigensolver():
    """driver "numpy" (the default) is numpy's eigh, "evr" scipy's MRRR: the witness is that solver's
    first eigenvector, bit for bit."""
    enc = certify_gram_entries(_data(6, 10, 4))
    v_np = np.linalg.eigh(enc.mid)[1][:, 0]
    v_evr = scipy.linalg.eigh(enc.mid, driver="evr")[1][:, 0]
    assert not np.array_equal(v_np, v_evr)  # the two solvers differ in the last bits here
    r = lm._eig_schur(enc, 1e-8)
    assert np.array_equal(r["witness"], v_np) and r["details"]["eigensolver"] == "numpy"
    r = lm._eig_schur(enc, 1e-8, driver="evr")
    assert np.array_equal(r["witness"], v_evr) and r["details"]["eigensolver"] == "evr"
    assert r["lower"] < r["upper"]


def test_whole_cluster_without_complement_is_recorded():
    """When the kept cluster is all of the n eigenvectors the Schur complement is empty: the record
    has no c / beta, and the result is still a proven enclosure. One row (K = [1/2]) and a pair of
    rows whose narrowest interval comes from the 2 x 2 block."""
    cert = certify_lambda0(np.array([[1.0, 2.0]]), rel_width=1e-20)
    assert cert.status == "proven" and cert.lower <= 0.5 <= cert.upper
    d = cert.details
    assert d["cluster_size"] == 1 and d["schur_c"] is None and d["schur_beta"] is not None
    assert d["schur_a"] > 0 and d["float_lambda_next"] is None
    seed, n = 0, 2
    cert = certify_lambda0(_data(seed, n), rel_width=1e-20)
    assert _contains(cert, _ref(seed, n))
    d = cert.details
    assert d["cluster_size"] == n and d["schur_c"] is None and d["target_met"] is False


@pytest.mark.parametrize("seed, n", [(0, 8), (1, 8), (2, 12)])
def test_lower_margin_only_within_the_request(monkeypatch, seed, n):
    """Documented margin: when the request is met, the lower bound is moved below the largest t the
    Schur test proved by that t's distance to the upper bound (so that a re-check is not decided by the
    last ulp); when it is not met, the largest proven t itself is returned."""
    passed = []

    class Spy(lm.EigPrecond):
        def schur_test(self, t, k):
            out = super().schur_test(t, k)
            if out[0]:
                passed.append(Fraction(t))
            return out

    monkeypatch.setattr(lm, "EigPrecond", Spy)
    enc = certify_gram_entries(_data(seed, n))
    for rel, margin in ((1e-8, True), (1e-20, False)):
        passed.clear()
        r = lm._eig_schur(enc, rel)
        best = max(passed)
        ub = r["upper"]
        assert r["lower"] == (best - (ub - best) if margin else best)
        assert (r["upper"] - r["lower"] <= Fraction(rel) * ub) == margin
        if n <= 8:
            lo, hi = _ref(seed, n)
            assert _mp(r["lower"]) <= hi and lo <= _mp(ub)


def _spy_push_lower(monkeypatch):
    runs = []
    real = lm._push_lower

    def spy(test, ub, target, max_tests=400):
        t, n = real(test, ub, target, max_tests)
        runs.append((ub, t))
        return t, n

    monkeypatch.setattr(lm, "_push_lower", spy)
    return runs


@pytest.mark.parametrize("seed, n", [(0, 10), (3, 10), (11, 9)])
def test_narrowest_cluster_candidate_is_kept(monkeypatch, seed, n):
    """With an unmet request every cluster size 1, 2, 4, ... is tried; the narrowest proven
    interval among them is returned (no widening)."""
    runs = _spy_push_lower(monkeypatch)
    enc = certify_gram_entries(_data(seed, n))
    r = lm._eig_schur(enc, 1e-20)
    widths = [ub - t for ub, t in runs if t is not None]
    assert len(widths) >= 3
    assert r["upper"] - r["lower"] == min(widths)
    lo, hi = _ref(seed, n)
    assert _mp(r["lower"]) <= hi and lo <= _mp(r["upper"])


def test_a_met_request_stops_at_the_first_cluster(monkeypatch):
    runs = _spy_push_lower(monkeypatch)
    enc = certify_gram_entries(_data(2, 10))
    r = lm._eig_schur(enc, 1e-6)
    assert len(runs) == 1 and r["details"]["pd_tests"] >= 1
    ub, t = runs[0]
    assert r["upper"] == ub and r["lower"] <= t


# --- the floating-point Cholesky route ---------------------------------------------------------------

def _spy_rump(monkeypatch, fail_first=0):
    calls = []
    real = lm.rump_pd

    def spy(M, t, rad_norm=0.0):
        out = real(M, t, rad_norm) if len(calls) >= fail_first else (False, None)
        calls.append((Fraction(t), rad_norm, out))
        return out

    monkeypatch.setattr(lm, "rump_pd", spy)
    return calls


@pytest.mark.parametrize("seed, n", [(3, 6), (4, 9), (7, 12)])
def test_cholesky_trials_start_past_the_a_priori_shift(monkeypatch, seed, n):
    """Rump's test cannot pass within gamma_{n+3}/(1 - gamma_{n+3}) sum(d_i - t) + ||rad||_2 of the
    float lambda_min: the first trial lies at least that far below it (no wasted trial); every trial
    is told the enclosure's radius; the lower bound is the passing trial's."""
    calls = _spy_rump(monkeypatch)
    enc = certify_gram_entries(_data(seed, n))
    r = lm._plain_cholesky(enc, 1e-20)  # the target adds nothing to the step
    lam = Fraction(float(np.linalg.eigh(enc.mid)[0][0]))
    g = Fraction(n + 3) * U / (1 - Fraction(n + 3) * U)
    alpha = g / (1 - g)
    rad2 = Fraction(float(np.linalg.norm(enc.rad, 2)))
    t1 = calls[0][0]
    trp = sum(Fraction(float(x)) - t1 for x in np.diag(enc.mid))
    assert lam - t1 >= alpha * trp + rad2
    assert all(rad >= rad2 for _, rad, _ in calls)
    assert calls[-1][2][0] and not any(ok for _, _, (ok, _) in calls[:-1])
    assert r["tests"] == r["details"]["pd_tests"] == len(calls) and r["k"] == 1
    assert r["lower"] == calls[-1][2][1] and r["details"]["rad_norm"] >= float(rad2)
    if n <= 9:
        lo, hi = _ref(seed, n)
        assert _mp(r["lower"]) <= hi and lo <= _mp(r["upper"])


def test_cholesky_trials_double_the_shift(monkeypatch):
    """Failed trials double the shift below the float lambda_min; each one is counted."""
    calls = _spy_rump(monkeypatch, fail_first=3)
    enc = certify_gram_entries(_data(3, 6))
    r = lm._plain_cholesky(enc, 1e-6)
    lam = Fraction(float(np.linalg.eigh(enc.mid)[0][0]))
    shifts = [lam - t for t, _, _ in calls]
    assert len(calls) == 4 == r["tests"] == r["details"]["pd_tests"]
    assert all(b == 2 * a for a, b in zip(shifts, shifts[1:])) and shifts[0] > 0
    assert r["lower"] == calls[-1][2][1] and calls[-1][2][0]
    lo, hi = _ref(3, 6)
    assert _mp(r["lower"]) <= hi


def test_single_vector_methods_share_the_witness_upper_bound():
    """cholesky and interval-cholesky bound lambda0 above by the Rayleigh quotient of numpy's first
    eigenvector on the full enclosure (mid + lo +- lo_rad): the same rational as the re-check's."""
    from verifier.certify.pd import rayleigh_upper

    enc = certify_gram_entries(_data(4, 7))
    v = np.linalg.eigh(enc.mid)[1][:, 0]
    expect = rayleigh_upper(enc.mid, enc.lo, enc.lo_rad, v)
    a = lm._plain_cholesky(enc, 1e-6)
    b = lm._interval(enc, 1e-6)
    for r in (a, b):
        assert np.array_equal(r["witness"], v) and r["upper"] == expect and r["k"] == 1
    assert expect != rayleigh_upper(enc.mid, None, None, v)  # lo matters at this resolution


def test_interval_method_record(monkeypatch):
    calls = []
    real = lm.interval_cholesky_pd

    def spy(mid, rad, t, prec=80):
        calls.append(t)
        return real(mid, rad, t, prec)

    monkeypatch.setattr(lm, "interval_cholesky_pd", spy)
    seed, n = 4, 7
    cert = certify_lambda0(_data(seed, n), rel_width=1e-6, method="interval-cholesky")
    assert _contains(cert, _ref(seed, n))
    d = cert.details
    assert d["pd_tests"] == len(calls) and f"{d['iv_prec_bits']} bits" in cert.precision
    v = d["verification"]  # the witness travels to the re-check
    assert v["ok"] and v["upper_ok"] and v["lower_ok"]


def test_interval_method_gives_up_after_sixty_tests(monkeypatch):
    calls = []
    monkeypatch.setattr(lm, "interval_cholesky_pd", lambda *a: calls.append(a) or False)
    enc = certify_gram_entries(_data(4, 5))
    r = lm._interval(enc, 1e-6)
    assert r["lower"] is None and r["tests"] == len(calls) == 60 == r["details"]["pd_tests"]


# --- the record of an undecided result ----------------------------------------------------------------

def test_undecided_record(monkeypatch):
    from verifier.certify._environment import ArithmeticReport

    monkeypatch.setattr(lm, "check_arithmetic",
                        lambda: ArithmeticReport(ok=False, failures=("python: injected",)))
    X = _data(8, 5, 3)
    cert = certify_lambda0(X, method="cholesky")
    assert cert.status == "undecided" and cert.quantity == "lambda0" and cert.method == "cholesky"
    d = cert.details
    assert d["n"] == 5 and d["d"] == 3
    h = hashlib.sha256(repr((5, 3)).encode())
    h.update(np.ascontiguousarray(X, dtype="<f8").tobytes())
    assert d["fingerprint"] == h.hexdigest()
    assert "Cholesky" in cert.precision and "gamma_{n+3}" in cert.precision
    assert 0 <= cert.seconds < 60
    assert cert.statement.startswith("lambda_min(K) lies in [lower, upper]")
    assert "5 x 3" in cert.statement and h.hexdigest()[:16] in cert.statement


# --- eig-schur: the cluster sizes tried and what a failed search returns ------------------------------

def _spy_precond(monkeypatch, fail_schur=False, fail_cholesky=False):
    log = {"init": [], "rayleigh": []}

    class Spy(lm.EigPrecond):
        def __init__(self, hi, lo=None, err=None, **kw):
            log["init"].append((err, kw.get("driver", "numpy")))
            super().__init__(hi, lo, err, **kw)

        def rayleigh_upper(self, k=1):
            log["rayleigh"].append(k)
            return super().rayleigh_upper(k)

        def schur_test(self, t, k):
            ok, info = super().schur_test(t, k)
            return (False if fail_schur else ok), info

        def cholesky_test(self, t, k):
            return False if fail_cholesky else super().cholesky_test(t, k)

    monkeypatch.setattr(lm, "EigPrecond", Spy)
    return log


def test_cluster_sizes_double_up_to_n(monkeypatch):
    log = _spy_precond(monkeypatch)
    seed, n = 0, 10
    enc = certify_gram_entries(_data(seed, n))
    r = lm._eig_schur(enc, 1e-20)
    ks = log["rayleigh"]
    assert ks[0] == 1 and ks[-1] == n
    assert all(b == min(2 * a, n) for a, b in zip(ks, ks[1:]))
    d = r["details"]
    lam = np.linalg.eigh(enc.mid)[0]
    if r["k"] < n:  # a Schur complement was used: its bound and the next float eigenvalue are recorded
        assert d["float_lambda_next"] == lam[r["k"]] and d["schur_c"] is not None
        assert d["schur_c"] > 0 and d["schur_a"] * d["schur_c"] > d["schur_beta"] ** 2 * (1 - 1e-9)


def test_schur_record_with_a_complement():
    enc = certify_gram_entries(_data(1, 8))
    r = lm._eig_schur(enc, 1e-8)
    d = r["details"]
    assert r["k"] < 8 and d["cluster_size"] == r["k"]
    assert d["float_lambda_next"] == np.linalg.eigh(enc.mid)[0][r["k"]]
    assert d["schur_c"] is not None and d["schur_c"] > 0 and d["schur_a"] > 0
    assert d["schur_a"] * d["schur_c"] > d["schur_beta"] ** 2 * (1 - 1e-9)


def test_failed_search_keeps_a_proven_upper_bound(monkeypatch):
    """No shift proven: no lower bound, but the Rayleigh upper bound of the first cluster is kept."""
    seed, n = 2, 7
    enc = certify_gram_entries(_data(seed, n))
    log = _spy_precond(monkeypatch, fail_schur=True)
    r = lm._eig_schur(enc, 1e-8)
    assert r["lower"] is None and r["k"] == log["rayleigh"][0]
    assert r["upper"] == min(Fraction(x) for x in [r["upper"]])  # a rational
    lo, hi = _ref(seed, n)
    assert lo <= _mp(r["upper"]) <= hi + mpmath.mpf(1e-12)
    d = r["details"]
    assert d["schur_a"] is None and d["schur_c"] is None and d["cluster_size"] == r["k"]
    cert = certify_lambda0(_data(seed, n))
    assert cert.status == "undecided" and cert.lower is None and "no shift t was proven" in cert.reason


# --- _push_lower: when it stops ------------------------------------------------------------------------

def test_push_lower_stops_early():
    calls = []
    t, n = lm._push_lower(lambda t: calls.append(t) or t < Fraction(1) - Fraction(1, 10**6),
                          Fraction(1), Fraction(1, 10**9))
    assert n == len(calls) <= 25  # ~6 growing steps, then ~7 bisections to 1/64
    calls.clear()
    t, n = lm._push_lower(lambda t: calls.append(t) or True, Fraction(1), Fraction(1, 10**6))
    assert n == len(calls) <= 60 and 0 < 1 - t <= Fraction(1, 2**50)
    calls.clear()
    t, n = lm._push_lower(lambda t: calls.append(t) or False, Fraction(1), Fraction(1, 10**6))
    assert t is None and n == len(calls) == 400  # the default budget
    calls.clear()
    c = Fraction(1) - Fraction(1, 10**7)
    t, n = lm._push_lower(lambda t: calls.append(t) or t < c, Fraction(1), Fraction(1, 10**9), max_tests=7)
    assert n == len(calls) == 7 and t is not None and t < c  # the budget also bounds the bisection


# --- the re-check -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def proven7():
    X = _data(4, 7)
    return X, certify_lambda0(X)


def _fresh(proven):
    X, cert = proven
    c = certify_lambda0(X, recheck=False)
    assert (c.lower, c.upper) == (cert.lower, cert.upper)
    return c


def test_recheck_report(monkeypatch, proven7):
    log = _spy_precond(monkeypatch)
    c = _fresh(proven7)
    log["init"].clear()
    v = c.verify()
    rep = c.details["verification"]
    assert v and rep["entries_backend"] == v.backend != "numpy" and rep["same_backend"] is False
    assert rep["lower_test"].startswith("eig-cholesky") and "evr" in rep["lower_test"]
    assert "another eigensolver" in v.reason
    (err, driver), = log["init"]  # one eigenbasis, scipy's MRRR, with the enclosure's lo radius
    assert driver == "evr" and err is not None and np.max(err) > 0


def test_recheck_falls_back_to_the_schur_test(monkeypatch, proven7):
    _spy_precond(monkeypatch, fail_cholesky=True)
    c = _fresh(proven7)
    v = c.verify()
    rep = c.details["verification"]
    assert v and rep["lower_test"].startswith("eig-schur") and rep["lower_test"].endswith("undecided")


def test_recheck_missing_bounds_are_not_checked(proven7):
    """The check confirms what is claimed: a missing or infinite side is not held against it."""
    from types import SimpleNamespace

    c = _fresh(proven7)
    for lower, upper in ((c.lower, None), (None, c.upper), (c.lower, np.inf), (-np.inf, c.upper)):
        out = c._check(SimpleNamespace(lower=lower, upper=upper, details=c.details))
        assert out["ok"] and out["report"]["upper_ok"] and out["report"]["lower_ok"]


def test_recheck_reasons(proven7):
    X, cert = proven7
    c = _fresh(proven7)
    c.details["fingerprint"] = "0" * 64
    v = c.verify()
    assert not v and v.reason.startswith("the certificate's data was changed")
    w = cert.upper - cert.lower
    for lower, upper, bad in ((cert.upper + 10 * w, cert.upper + 11 * w, ["the lower bound"]),
                              (cert.lower - 11 * w, cert.lower - 10 * w, ["the upper bound"]),
                              (cert.upper + 10 * w, cert.lower - 10 * w, None)):
        c = _fresh(proven7)
        if bad is None:  # inverted: both sides fail the re-check itself
            from types import SimpleNamespace

            out = c._check(SimpleNamespace(lower=lower, upper=upper, details=c.details))
            assert out["reason"] == "not confirmed: the upper bound, the lower bound"
            continue
        c.lower, c.upper = lower, upper
        v = c.verify()
        assert not v and v.reason == "not confirmed: " + bad[0]


def test_recheck_with_the_same_backend_says_why(monkeypatch):
    """n > 120 without python-flint: the only other backend (mpmath) is too slow, the re-check uses the
    numpy entries again and says so."""
    import sys

    monkeypatch.setitem(sys.modules, "flint", None)
    X = _data(5, 121)
    cert = certify_lambda0(X, rel_width=1e-6)
    v = cert.details["verification"]
    assert cert.status == "proven" and v["ok"] and v["independent"] is False and v["same_backend"] is True
    assert "python-flint is not installed and n > 120" in v["reason"] and "same entries backend" in v["reason"]


# --- input messages -------------------------------------------------------------------------------------

def test_messages_name_the_choices_and_the_parameter():
    X = np.eye(2)
    with pytest.raises(ValueError, match="known: auto, eig-schur, cholesky, interval-cholesky"):
        certify_lambda0(X, method="eig")
    with pytest.raises(ValueError, match="known: auto, numpy, flint, mpmath"):
        certify_lambda0(X, entries="gpu")
    for bad in ("1e-8", 1j, float("nan")):
        with pytest.raises(ValueError, match="^rel_width must"):
            certify_lambda0(X, rel_width=bad)


def test_failing_entries_record_the_request(monkeypatch):
    def broken(X, backend="auto"):
        raise FloatingPointError("injected")

    monkeypatch.setattr(lm, "certify_gram_entries", broken)
    cert = certify_lambda0(np.eye(3), rel_width=1e-5)
    assert cert.status == "undecided" and cert.details["rel_width_requested"] == 1e-5


# --- certify_lambda0: widening, the record, the positivity claim ----------------------------------------

def _spy_method(monkeypatch, change=None):
    seen = []
    real = lm._eig_schur

    def spy(enc, rel_width, driver="numpy"):
        r = real(enc, rel_width, driver)
        if change:
            r.update(change)
        seen.append(dict(r))
        return r

    monkeypatch.setattr(lm, "_eig_schur", spy)
    return seen


def test_upper_bound_widened_only_within_the_request(monkeypatch):
    seen = _spy_method(monkeypatch)
    X = _data(1, 8)
    met = certify_lambda0(X, rel_width=1e-8)
    r = seen[-1]
    w = r["upper"] - r["lower"]
    assert Fraction(met.upper) >= r["upper"] + w and Fraction(met.lower) <= r["lower"]
    assert Fraction(met.upper) - (r["upper"] + w) < Fraction(float(np.spacing(met.upper)))
    unmet = certify_lambda0(X, rel_width=1e-20)
    r = seen[-1]
    assert Fraction(unmet.upper) - r["upper"] < Fraction(float(np.spacing(unmet.upper)))
    for cert in (met, unmet):
        d = cert.details
        assert cert.quantity == "lambda0" and 0 <= d["recheck_seconds"] <= d["seconds_total"] == cert.seconds < 60
        assert d["entries_seconds"] >= 0 and d["verification"]["ok"]


def test_no_recheck_when_not_asked():
    cert = certify_lambda0(_data(1, 6), recheck=False)
    assert cert.status == "proven" and "verification" not in cert.details
    assert "recheck_seconds" not in cert.details


def test_a_zero_lower_bound_does_not_prove_positivity(monkeypatch):
    _spy_method(monkeypatch, change={"lower": Fraction(0)})
    cert = certify_lambda0(_data(1, 6), recheck=False)
    assert cert.status == "proven" and cert.lower == 0.0
    assert cert.details["lambda0_positive"] == "undecided"


def test_a_failed_recheck_unsets_target_met(monkeypatch):
    monkeypatch.setattr(lm, "rayleigh_upper", lambda *a: Fraction(1))  # the re-check's upper bound
    cert = certify_lambda0(_data(1, 6))
    assert cert.status == "undecided" and cert.details["target_met"] is False


def test_undecided_search_reason_and_no_recheck(monkeypatch):
    _spy_method(monkeypatch, change={"lower": None})
    cert = certify_lambda0(_data(1, 6))
    assert cert.reason == "the arithmetic could not decide: no shift t was proven below lambda0"

    def broken(enc, rel_width, driver="numpy"):
        raise np.linalg.LinAlgError("injected")

    monkeypatch.setattr(lm, "_eig_schur", broken)
    cert = certify_lambda0(_data(1, 6))
    assert cert.reason.startswith("the arithmetic could not decide: LinAlgError")
    v = cert.verify()  # no witness: nothing to re-check with
    assert not v and v.reason.startswith("no re-check possible")
