"""The contraction certificate at the edges its verdicts and helpers draw: bounds that land exactly
on 1, a witness vector that carries no information, the order of the Cholesky trials, the caller's
numpy error state, and the Lanczos branch's accuracy, each checked against exact rationals or a
recomputation (LAPACK's singular values) rather than against the code's own numbers."""
import math
from fractions import Fraction

import numpy as np
import pytest

import verifier.certify.contraction as cm
from tests.certify.test_certify_contraction import norm_sq_below, q_to_norm_sq
from verifier.certify import certify_contraction

F = Fraction


def _find_gamma(A, which, target=1.0, tries=400):
    """A float gamma for which the certificate's `which` bound is exactly `target` (or None)."""
    base = getattr(certify_contraction(A, 1.0, recheck=False), which)
    g = target / base
    for k in range(tries):
        for cand in (g, g * (1 + k * 2.0**-54), g * (1 - k * 2.0**-54)):
            c = certify_contraction(A, cand, recheck=False)
            if getattr(c, which) == target and c.status == "proven":
                return cand
        g = math.nextafter(g, math.inf) if k % 2 else g
    return None


@pytest.mark.parametrize("c", [0.9999999, 0.6180339887])
def test_an_upper_bound_of_exactly_one_proves_nothing(c):
    """q <= upper = 1 does not give q < 1: the documented verdict needs upper < 1."""
    A = np.array([[c]])
    g = _find_gamma(A, "upper")
    assert g is not None, "no float gamma near 1/upper puts the upper bound exactly on 1"
    cert = certify_contraction(A, g)
    assert cert.status == "proven" and cert.upper == 1.0
    assert cert.details["contraction_proven"] is False
    assert cert.details["bound_below_one"] == "undecided"
    # and the bound is honest: (g/sqrt(1)) |c| <= 1 exactly
    assert F(g) * F(c) <= 1


@pytest.mark.parametrize("c", [0.9999999, 1.3, 0.6180339887])
def test_a_lower_bound_of_exactly_one_refutes(c):
    """q >= lower = 1 refutes q < 1 (the verdict "refuted" needs lower >= 1, not lower > 1)."""
    A = np.array([[c]])
    g = _find_gamma(A, "lower")
    assert g is not None, "no float gamma near 1/lower puts the lower bound exactly on 1"
    cert = certify_contraction(A, g)
    assert cert.status == "proven" and cert.lower == 1.0
    assert F(g) * abs(F(c)) >= 1  # the exact value is indeed >= 1
    assert cert.details["contraction_proven"] is False
    assert cert.details["bound_below_one"] == "refuted"


@pytest.mark.parametrize("fn", [cm._norm_lower, cm._norm_lower_float])
def test_a_zero_witness_gives_the_trivial_lower_bound(fn):
    """v = 0 says nothing about ||As||: the only proven lower bound is 0 (no division by ||v|| = 0)."""
    As = np.array([[0.5, 0.0], [0.0, 0.25]])  # ||As||_2 = 1/2 exactly
    for v in (np.zeros(2), np.array([0.0, -0.0])):
        low = fn(As, v)
        assert isinstance(low, Fraction) and low == 0
    low = fn(As, np.array([1.0, 0.0]))
    assert F(1, 2) * (1 - F(1, 10**12)) <= low <= F(1, 2)


def test_retries_ask_for_larger_bounds(monkeypatch):
    """A failed Cholesky trial at s2 makes every smaller trial fail too (lambda_max < s' <= s2 would
    imply lambda_max < s2): each retry must ask for a larger s2."""
    real = cm._prove_below
    trials = []

    def first_fails(B, rE, s2):
        trials.append(s2)
        return False if len(trials) == 1 else real(B, rE, s2)

    monkeypatch.setattr(cm, "_prove_below", first_fails)
    rng = np.random.default_rng(3)
    m = 6
    A = rng.standard_normal((m, m))
    cert = certify_contraction(A, 0.4, recheck=False)
    assert cert.status == "proven" and cert.details["trials"] == 2
    assert len(trials) == 2 and trials[1] > trials[0] > F(cert.details["lanczos_estimate_sq"])
    assert norm_sq_below(A, q_to_norm_sq(cert.upper, 0.4, m))
    # the second trial is still a tight bound (a few times the slack, not the Frobenius norm)
    assert cert.upper <= cert.lower * (1 + 64 * m * m * 2.0**-53)

    trials.clear()
    monkeypatch.setattr(cm, "_prove_below", lambda B, rE, s2: trials.append(s2) or False)
    cert = certify_contraction(A, 0.4, recheck=False)
    assert cert.method.startswith("frobenius") and len(trials) == 8
    assert all(b > a for a, b in zip(trials, trials[1:]))


@pytest.mark.parametrize("A", [
    np.array([[1.0, 5e-324], [1e-310, 0.5]]),  # subnormal entries: the scaling underflows
    np.array([[1e300, 1e-300], [5e-324, 1.0]]),  # 600 binades
    np.eye(3) * 1e-300,
], ids=["subnormal", "binades", "tiny"])
def test_the_callers_error_state_does_not_change_the_result(A):
    """Overflow/underflow inside the bounds are accounted for: np.seterr(all="raise") set by the
    caller must neither raise nor turn a proven result undecided."""
    ref = certify_contraction(A, 0.5, recheck=False)
    assert ref.status == "proven", ref.reason
    with np.errstate(all="raise"):
        cert = certify_contraction(A, 0.5, recheck=False)
    assert cert.status == "proven", cert.reason
    assert (cert.lower, cert.upper) == (ref.lower, ref.upper)


def test_lanczos_branch_is_as_tight_as_the_dense_one():
    """m > 600 takes the Lanczos (eigsh) estimate; the documented relative overestimate of about
    m^2 u holds there too, against LAPACK's largest singular value."""
    m = 601
    rng = np.random.default_rng(12)
    A = rng.standard_normal((m, m))  # the top two singular values differ by ~1%: Lanczos needs its tolerance
    g = 0.01
    cert = certify_contraction(A, g, recheck=False)
    assert cert.status == "proven" and cert.method.startswith("rump-cholesky"), cert.reason
    assert cert.details["trials"] == 1
    smax = np.linalg.svd(A, compute_uv=False)[0]
    q = g * smax / math.sqrt(m)
    assert cert.lower <= q * (1 + 1e-13) and cert.upper >= q * (1 - 1e-13)
    assert cert.upper - cert.lower <= 2.25 * m * m * 2.0**-53 * cert.upper
    assert cert.upper - q <= 2.25 * m * m * 2.0**-53 * q and q - cert.lower <= 1e-12 * q


@pytest.mark.parametrize("A, norm", [
    (np.diag([1.0, 2.0**-400]), F(1)),  # a row 400 binades below the largest
    (np.diag([2.0**100, 2.0**-250]), F(2) ** 100),
    (np.array([[3.0, 0.0, 0.0], [0.0, 0.0, 2.0**-700], [0.0, 5e-324, 0.0]]), F(3)),
    (np.diag([0.75, 1.5 * 2.0**-301]), F(3, 4)),  # just below the window's edge 2^-300 (As = A)
    (np.diag([0.75, 2.0**-300]), F(3, 4)),  # on the edge
], ids=["diag-400", "diag-350", "subnormal-rows", "below-edge", "on-edge"])
def test_rows_far_below_the_largest_are_confirmed(A, norm):
    """The re-check's error-free product accepts only rows scaled to [2^-300, 2^300]; rows far below
    the largest must not make a correct certificate undecided (and the bounds stay around the exact
    value: these A have ||A||_2 = the largest |entry|)."""
    g = 0.5
    cert = certify_contraction(A, g)
    assert cert.status == "proven", cert.reason
    assert cert.details["verification"]["ok"] and cert.details["verification"]["lower_ok"]
    m = A.shape[0]
    q2 = F(g) ** 2 * norm**2 / m
    assert F(cert.lower) ** 2 <= q2 <= F(cert.upper) ** 2
    assert cert.lower > 0 and cert.upper <= cert.lower * (1 + 1e-13)

