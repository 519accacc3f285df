"""The pieces of the contraction certificate, each against its own stated contract, checked in exact
rational arithmetic (Fractions) on inputs whose true values are known exactly: the power-of-two
scaling and its error, the a-priori product error, the Lanczos branch (m > 600), the lower bounds
from a witness vector, the rational-to-float bound conversions, the Frobenius fallback, and what
the re-check confirms or rejects."""
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import verifier.certify.contraction as cm
from tests.certify.test_certify_contraction import norm_sq_below, q_to_norm_sq
from verifier.certify import certify_contraction

TINY = 2.0**-1074


def exact(x):
    return Fraction(float(x))


def exact_matvec_norm_sq(A, v):
    """||A v||^2 exactly."""
    return sum((sum((exact(a) * exact(b) for a, b in zip(row, v)), Fraction(0)) ** 2 for row in A), Fraction(0))


# --- _scaled: A = 2^e (As + D), max |As| in [1/2, 1), delta >= ||D||_2, each moved entry by <= 2^-1075 ---

@pytest.mark.parametrize("A", [
    np.eye(3),  # max exactly 1: e = 1
    3.0 * np.eye(2),
    np.array([[-0.75, 0.1], [0.2, 0.3]]),
    np.array([[1e300, -2e299], [3.0, 1e-300]]),
    np.array([[1.0, TINY], [3 * TINY, 0.75]]),  # TINY/2 rounds to 0 (tie to even), 3 TINY/2 to 2 TINY
    np.array([[1.5, TINY], [0.0, 7 * TINY]]),  # 7 TINY / 2 rounds to 4 TINY
    np.array([[2.0**-1000, 2.0**-1074], [2.0**-1073, -(2.0**-1074)]]),  # scaled up: nothing moves
    np.array([[2.0**1000, TINY, -TINY], [TINY, 5 * TINY, 0.0], [1.0, 0.0, -3 * TINY]]),
], ids=["eye", "3eye", "plain", "wide", "moves2", "moves2b", "subnormal-up", "moves-many"])
def test_scaled_contract(A):
    As, e, delta = cm._scaled(A)
    mx = max(abs(exact(x)) for x in As.ravel())
    assert Fraction(1, 2) <= mx < 1
    assert e == math.frexp(float(np.max(np.abs(A))))[1]
    D = [exact(a) / Fraction(2) ** e - exact(s) for a, s in zip(A.ravel(), As.ravel())]
    assert sum(d * d for d in D) <= delta * delta  # ||D||_2 <= ||D||_F <= delta
    moved = sum(1 for d in D if d != 0)
    assert all(abs(d) <= Fraction(1, 2**1075) for d in D)
    assert delta <= Fraction(moved, 2**1075)  # and not more than the stated bound


def test_scaled_zero_matrix():
    As, e, delta = cm._scaled(np.zeros((2, 2)))
    assert not np.any(As) and delta == 0


# --- _gram: rE >= gamma_m ||As||_F^2 (Higham eq. 3.13), fro2 >= ||As||_F^2 ---

def test_gram_error_bound():
    rng = np.random.default_rng(5)
    m = 7
    A = rng.standard_normal((m, m))
    As, _, _ = cm._scaled(A)
    fro_exact = sum((exact(x) ** 2 for x in As.ravel()), Fraction(0))
    u = Fraction(1, 2**53)
    gamma_m = m * u / (1 - m * u)
    for side, ref in (("AtA", As.T @ As), ("AAt", As @ As.T)):
        B, rE, fro2 = cm._gram(As, side)
        assert np.array_equal(B, B.T)
        assert np.allclose(B, ref, rtol=0, atol=1e-14)
        assert exact(fro2) >= fro_exact and exact(fro2) <= fro_exact * (1 + Fraction(1, 10**12))
        assert exact(rE) >= gamma_m * fro_exact
        assert exact(rE) <= 2 * gamma_m * fro_exact  # the Higham bound, not a looser one
    B1, _, _ = cm._gram(As, "AtA")
    B2, _, _ = cm._gram(As, "AAt")
    assert not np.allclose(B1, B2)  # the two sides are different products


# --- _top_eig: the Lanczos branch (m > 600) returns the top eigenpair -----------------------------

def test_top_eig_lanczos_branch():
    m = 601
    d = np.linspace(0.0, 1.0, m)
    d[300] = 2.0  # a well separated top eigenvalue; the next one is 1
    lam, v = cm._top_eig(np.diag(d))
    assert abs(lam - 2.0) <= 1e-12
    assert v.shape == (m,) and abs(abs(v[300]) - 1.0) <= 1e-8
    small = np.diag(d[:600])
    small[299, 299] = 3.0
    lam, v = cm._top_eig(small)  # dense eigh branch (m <= 600)
    assert lam == pytest.approx(3.0, abs=1e-14) and abs(abs(v[299]) - 1.0) <= 1e-12


# --- lower bounds from a witness vector: <= ||As v|| / ||v|| <= ||As||_2, and tight ----------------

@pytest.mark.parametrize("fn", [cm._norm_lower, cm._norm_lower_float], ids=["accurate", "float"])
def test_norm_lower_on_exact_singular_vector(fn):
    As = np.diag([0.5, 0.25, 0.125])  # ||As||_2 = 1/2, attained at e_1; ||As|| < 1
    v = np.array([1.0, 0.0, 0.0])
    low = fn(As, v)
    assert isinstance(low, Fraction)
    assert low <= Fraction(1, 2)  # a lower bound of ||As||_2 = 1/2 exactly
    assert low >= Fraction(1, 2) * (1 - Fraction(1, 10**14))
    v = np.array([0.5, 0.5, 0.5, 0.5])  # ||v|| = 1 exactly; As v = v, so ||As v|| = ||As||_2 = 1
    As = np.full((4, 4), 0.25)
    low = fn(As, v)
    assert low <= Fraction(1, 1) and low >= 1 - Fraction(1, 10**14)  # ||As||_2 = 1, attained at v


@pytest.mark.parametrize("fn", [cm._norm_lower, cm._norm_lower_float], ids=["accurate", "float"])
def test_norm_lower_random(fn):
    rng = np.random.default_rng(11)
    for m in (1, 3, 8):
        As, _, _ = cm._scaled(rng.standard_normal((m, m)))
        v = rng.standard_normal(m)
        low = fn(As, v)
        ratio_sq = exact_matvec_norm_sq(As, v) / sum((exact(x) ** 2 for x in v), Fraction(0))
        assert low >= 0 and low * low <= ratio_sq  # <= ||As v|| / ||v||
        assert low * low >= ratio_sq * (1 - Fraction(1, 10**13))
    assert fn(np.zeros((2, 2)), np.array([1.0, 0.0])) == 0


# --- _q_upper / _q_lower: floats bounding (g / sqrt(m)) 2^e (sqrt(s) +- delta), tightly ------------

@pytest.mark.parametrize("fg, e, m, ns, delta, true", [
    (Fraction(1), 3, 1, Fraction(1), Fraction(1, 4), Fraction(10)),  # 8 (1 + 1/4)
    (Fraction(1, 2), -2, 4, Fraction(9), Fraction(0), Fraction(3, 16)),  # (1/2)(1/4)(3)/2
    (Fraction(3), 0, 1, Fraction(4), Fraction(1, 2**1075), 3 * (2 + Fraction(1, 2**1075))),
    (Fraction(1), 2, 1, Fraction(1), Fraction(1, 8), Fraction(4) * (1 + Fraction(1, 8))),
])
def test_q_upper_contract(fg, e, m, ns, delta, true):
    up = cm._q_upper(fg, e, m, ns, delta)
    assert exact(up) >= true
    assert up <= math.nextafter(float(true), math.inf) * (1 + 2**-52)


def test_q_upper_out_of_range_is_inf():
    assert cm._q_upper(Fraction(1), 2000, 1, Fraction(1), Fraction(1)) == math.inf
    assert cm._q_upper(Fraction(1), 2000, 1, Fraction(1), Fraction(0)) == math.inf


@pytest.mark.parametrize("fg, e, m, nl, delta, true", [
    (Fraction(1), 3, 1, Fraction(1), Fraction(1, 4), Fraction(6)),  # 8 (1 - 1/4)
    (Fraction(1, 2), -2, 4, Fraction(3), Fraction(0), Fraction(3, 16)),
    (Fraction(3), 0, 1, Fraction(2), Fraction(1, 2**1075), 3 * (2 - Fraction(1, 2**1075))),
    (Fraction(1), 0, 1, Fraction(1, 4), Fraction(1, 2), Fraction(0)),  # below zero: 0
])
def test_q_lower_contract(fg, e, m, nl, delta, true):
    low = cm._q_lower(fg, e, m, nl, delta)
    assert exact(low) <= true
    assert low >= math.nextafter(float(true), -math.inf) * (1 - 2**-52) - TINY


# --- end to end: the record, the zero matrix, the fallback --------------------------------------

def test_zero_matrix_is_proven_exactly():
    for g in (0.5, 3.0):
        cert = certify_contraction(np.zeros((3, 3)), g)
        assert cert.status == "proven", cert.reason
        assert cert.lower == cert.upper == 0.0 and cert.method == "exact (A = 0)"
        assert cert.details["contraction_proven"] is True and cert.details["bound_below_one"] == "proven"
        assert cert.details["scaling_error"] == 0.0
        assert cert.verify()


def test_details_record_the_scaling_and_the_test():
    A = np.array([[3.0, 0.0], [0.0, 1.5]])  # ||A||_2 = 3, As = A / 4
    cert = certify_contraction(A, 0.5)
    d = cert.details
    assert cert.method == "rump-cholesky on s^2 I - A^T A" == d["method_detail"]
    assert d["scaling_exponent"] == 2 and d["scaling_error"] == 0.0
    assert d["lanczos_estimate_sq"] == pytest.approx(9 / 16, rel=1e-14)
    assert Fraction(d["s2_scaled"]) > Fraction(9, 16) and d["s2_scaled"] <= 9 / 16 * (1 + 1e-12)
    assert exact(d["product_error_norm"]) >= Fraction(2, 2**53) * (Fraction(9, 16) + Fraction(9, 64))
    assert d["trials"] == 1  # the first trial (estimate + twice the a-priori slack) is proven
    assert d["m"] == 2 and d["gamma"] == 0.5
    q = Fraction(1, 2) * 3 / Fraction(math.sqrt(2))  # not exact: only a sanity range
    assert cert.lower <= float(q) * (1 + 1e-15) and cert.upper >= float(q) * (1 - 1e-15)
    A = np.array([[1.0, TINY], [0.0, 7 * TINY]])  # two entries move in the scaling
    d = certify_contraction(A, 0.5).details
    assert d["scaling_exponent"] == 1 and d["scaling_error"] >= math.sqrt(2) * 2.0**-1075


@pytest.mark.parametrize("seed", [0, 1])
def test_trials_and_width_on_random_matrices(seed):
    rng = np.random.default_rng(seed)
    m = 12
    A = rng.standard_normal((m, m))
    cert = certify_contraction(A, 0.3)
    assert cert.details["trials"] == 1 and cert.method.startswith("rump-cholesky")
    assert norm_sq_below(A, q_to_norm_sq(cert.upper, 0.3, m))
    assert not norm_sq_below(A, q_to_norm_sq(cert.lower, 0.3, m))
    # the documented relative overestimate "about m^2 u" (measured: 1.85-1.91 m^2 u here)
    assert cert.upper - cert.lower <= 2.25 * m * m * 2.0**-53 * cert.upper


def test_frobenius_fallback_when_the_estimate_is_useless(monkeypatch):
    """A Lanczos estimate of 0 defeats every trial: the bound falls back to ||A||_F, still proven."""
    real = cm._top_eig

    def zero_estimate(B):
        lam, v = real(B)
        return 0.0, v

    monkeypatch.setattr(cm, "_top_eig", zero_estimate)
    rng = np.random.default_rng(9)
    m = 5
    A = rng.standard_normal((m, m))
    cert = certify_contraction(A, 0.4)
    assert cert.status == "proven", cert.reason
    assert cert.method == "frobenius (Cholesky test undecided)" and cert.details["trials"] == 8
    assert "s2_scaled" not in cert.details
    with mpmath.workdps(40):
        fro = mpmath.sqrt(mpmath.fsum(mpmath.mpf(float(x)) ** 2 for x in A.ravel()))
        q_fro = mpmath.mpf(0.4) * fro / mpmath.sqrt(m)
    assert mpmath.mpf(cert.upper) >= q_fro and cert.upper <= float(q_fro) * (1 + 1e-12)
    assert norm_sq_below(A, q_to_norm_sq(cert.upper, 0.4, m))


# --- the re-check ----------------------------------------------------------------------------------

@pytest.mark.parametrize("A", [0.75 * np.eye(3), np.diag([0.5, 0.3]), None], ids=["0.75I", "diag", "random"])
def test_recheck_rejects_a_lower_bound_raised_to_the_upper(A):
    if A is None:
        A = np.random.default_rng(17).standard_normal((6, 6))
    cert = certify_contraction(A, 0.5)
    assert cert.status == "proven" and cert.lower < cert.upper
    cert.lower = cert.upper  # consistent, but above the true value (which is < upper)
    v = cert.verify()
    assert not v and v.completed and "lower" in v.reason and "upper" not in v.reason
    assert cert.status == "undecided"


def test_recheck_detects_changed_data_or_gamma():
    rng = np.random.default_rng(23)
    A = rng.standard_normal((4, 4))
    cert = certify_contraction(A, 0.5)
    v = cert.verify()
    assert v and v.backend == "numpy" and v.certificate_backend == "numpy" and v.independent is False
    assert cert.details["verification"]["upper_ok"] is True and cert.details["verification"]["lower_ok"] is True
    for key, value in (("gamma", 0.25), ("fingerprint", "0" * 64)):
        c = certify_contraction(A, 0.5)
        c.details[key] = value  # only one of the two changed
        v = c.verify()
        assert not v and "changed" in v.reason and v.backend == "numpy"
        assert c.status == "undecided"


def test_recheck_uses_the_other_gram_matrix(monkeypatch):
    """The re-check's upper bound is decided on A A^T (another product), not a repeat of A^T A."""
    seen = []
    real = cm._prove_below

    def spy(B, rE, s2):
        seen.append(B.copy())
        return real(B, rE, s2)

    monkeypatch.setattr(cm, "_prove_below", spy)
    A = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [0.5, 0.0, 1.0]])  # A^T A != A A^T
    cert = certify_contraction(A, 0.5)
    assert cert.status == "proven" and cert.details["verification"]["ok"]
    As = A / 4
    assert np.allclose(seen[0], As.T @ As, atol=1e-15, rtol=0)
    assert np.allclose(seen[-1], As @ As.T, atol=1e-15, rtol=0)
    assert not np.allclose(As.T @ As, As @ As.T)


# --- inputs, the record, and the failure paths of certify_contraction ----------------------------

def test_shape_and_name_in_refusals():
    for bad in (np.ones(3), np.ones((2, 2, 2)), np.ones((2, 3)), np.zeros((0, 0))):
        with pytest.raises(ValueError, match=r"\bA\b.*(2-D|square)"):
            certify_contraction(bad, 0.5)
    with pytest.raises(ValueError, match=r"\bgamma\b"):
        certify_contraction(np.eye(2), Fraction(1, 3))
    with pytest.raises(ValueError, match="NaN or inf"):
        certify_contraction(np.array([[1.0, np.nan], [0.0, 1.0]]), 0.5)


def test_statement_names_the_matrix():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    cert = certify_contraction(A, 0.5)
    fp = cert.details["fingerprint"]
    assert len(fp) == 64 and cert.details["m"] == 2
    assert f"sha256 {fp[:16]}..." in cert.statement and "2 x 2 float64 matrix A" in cert.statement
    assert "gamma = 0.5" in cert.statement


@pytest.mark.parametrize("A, g", [
    (np.eye(3) * 1e300, 1e300),  # the bound overflows
    (np.eye(2) * 5e-324, 1e-300),  # underflow everywhere
    (np.array([[1e300, 1e-300], [5e-324, 1.0]]), 0.5),
], ids=["overflow", "underflow", "binades"])
def test_no_floating_point_warnings(A, g):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "overflow/underflow are accounted for, not warned about"
        certify_contraction(A, g)


def test_a_failing_computation_is_undecided_without_bounds(monkeypatch):
    def broken(A, g):
        raise FloatingPointError("injected")

    monkeypatch.setattr(cm, "_bounds", broken)
    cert = certify_contraction(np.eye(3), 0.5)
    assert cert.status == "undecided" and cert.lower is None and cert.upper is None
    assert "FloatingPointError" in cert.reason and "injected" in cert.reason
    assert cert.details["contraction_proven"] is False and cert.details["bound_below_one"] == "undecided"


def test_environment_changed_during_the_computation_is_undecided(monkeypatch):
    from verifier.certify._environment import ArithmeticReport

    calls = []

    def flaky():
        calls.append(1)
        return ArithmeticReport(ok=len(calls) == 1, failures=() if len(calls) == 1 else ("python: injected",))

    monkeypatch.setattr(cm, "check_arithmetic", flaky)
    cert = certify_contraction(np.eye(3), 0.5)
    assert len(calls) == 2
    assert cert.status == "undecided" and cert.lower is None and cert.upper is None
    assert "injected" in cert.reason and cert.method == "rump-cholesky on s^2 I - A^T A"
    assert cert.details["contraction_proven"] is False

    calls.clear()
    calls.append(1)  # the first check already fails: nothing is computed
    cert = certify_contraction(np.eye(3), 0.5)
    assert cert.status == "undecided" and cert.method == "not run" and cert.upper is None
    assert "injected" in cert.reason


def test_prove_below_contract():
    """lambda_max(M) < s2 for EVERY symmetric M within rE of B: the radius must be used."""
    B = np.diag([1.0, 0.5])
    assert cm._prove_below(B, 0.0, Fraction(11, 10))
    assert not cm._prove_below(B, 0.25, Fraction(11, 10))  # M = diag(1.25, 0.5) is within 0.25
    assert cm._prove_below(B, 0.25, Fraction(13, 10))
    assert not cm._prove_below(B, 0.0, Fraction(1))  # lambda_max = 1 is not < 1


def _moved_entries_matrix():
    """max 5 (e = 3); TINY/8 and 7 TINY/8 round in the scaling, so delta > 0 and the re-check
    takes its delta branch (every row keeps a normal-size entry: see the test below)."""
    A = np.array([[5.0, TINY], [7 * TINY, 3.0]])
    _, e, delta = cm._scaled(A)
    assert e == 3 and delta > 0
    return A


def test_recheck_with_rounded_scaling():
    A = _moved_entries_matrix()
    g, m = 0.25, 2
    q = 0.25 * 5 / math.sqrt(2)  # ||A||_2 = 5 up to ~1e-323: within 1e-15 relative
    cert = certify_contraction(A, g)
    assert cert.status == "proven", cert.reason
    assert cert.details["verification"]["ok"] and cert.details["scaling_error"] > 0
    assert cert.lower <= q * (1 + 1e-15) and cert.upper >= q * (1 - 1e-15)
    assert norm_sq_below(A, q_to_norm_sq(cert.upper, g, m))
    for lo, up in ((cert.lower / 2, q * (1 - 1e-6)), (0.0, 0.0), (cert.upper, cert.upper)):
        c = certify_contraction(A, g)
        c.lower, c.upper = lo, up  # consistent but false claims
        v = c.verify()
        assert not v and v.completed and c.status == "undecided", (lo, up)


def test_recheck_reasons_and_report():
    rng = np.random.default_rng(41)
    A = rng.standard_normal((5, 5))
    cert = certify_contraction(A, 0.3)
    rep = cert.details["verification"]
    assert rep["upper_test"] == "rump-cholesky on s^2 I - A A^T"
    assert "another route" in rep["reason"] and "A A^T instead of A^T A" in rep["reason"]
    assert "same arithmetic (numpy/LAPACK)" in rep["reason"] and "Cholesky of" in rep["reason"]
    lo, up = cert.lower, cert.upper
    for (new_lo, new_up), why in (((up, up), "the lower bound"), ((lo / 2, lo * (1 - 1e-6)), "the upper bound")):
        c = certify_contraction(A, 0.3)
        c.lower, c.upper = new_lo, new_up
        v = c.verify()
        assert not v and v.reason == "not confirmed: " + why
        assert c.details["verification"]["upper_ok"] == ("upper" not in why)
        assert c.details["verification"]["lower_ok"] == ("lower" not in why)
    c = certify_contraction(A, 0.3)
    c.lower = None  # a weaker claim (upper only) is still confirmed
    assert c.verify()


def test_zero_matrix_recheck_rejects_a_positive_lower_bound():
    cert = certify_contraction(np.zeros((2, 2)), 0.5)
    cert.lower, cert.upper = 0.1, 0.2  # (gamma/sqrt(m)) ||0|| = 0: the lower bound is false
    v = cert.verify()
    assert not v and v.completed and v.reason == "not confirmed: the lower bound"


def test_certificate_fields_and_recheck_switch():
    rng = np.random.default_rng(43)
    A = rng.standard_normal((4, 4))
    cert = certify_contraction(A, 0.5)
    assert cert.quantity == "(gamma/sqrt(m))||A||_2" and "binary64" in cert.precision
    assert 0 <= cert.details["recheck_seconds"] <= cert.seconds < 60
    assert "verification" in cert.details
    quiet = certify_contraction(A, 0.5, recheck=False)
    assert quiet.status == "proven" and 0 <= quiet.seconds < 60
    assert "verification" not in quiet.details and "recheck_seconds" not in quiet.details
    assert (quiet.lower, quiet.upper) == (cert.lower, cert.upper)
