"""Positive-definiteness certificates never prove a matrix that is not positive definite."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.certify.certify_refs import exact_is_pd, exact_sym, lambda_min_mp
from verifier.certify import certify_pd
from verifier.certify.pd import rump_pd

METHODS = ["auto", "cholesky", "eig", "eig-cholesky", "interval-cholesky"]


def matrix_with_spectrum(rng, lam):
    n = len(lam)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return exact_sym((Q * lam) @ Q.T)


@settings(max_examples=max(25, settings().max_examples), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 14),
       rel=st.sampled_from([-1e-10, -1e-13, -1e-14, -1e-15, -1e-16, 0.0, 1e-16, 1e-15, 1e-14, 1e-13]),
       scale=st.sampled_from([1.0, 2.0**-30, 1e20]))
def test_no_false_proofs_near_singular(seed, n, rel, scale):
    rng = np.random.default_rng(seed)
    lam = np.concatenate([[rel], rng.uniform(0.1, 1.0, n - 1)]) * scale
    M = matrix_with_spectrum(rng, lam)
    truth = exact_is_pd(M)
    for method in METHODS:
        verdict = certify_pd(M, 0.0, 0.0, method=method)
        assert verdict in ("proven", "undecided")
        if verdict == "proven":
            assert truth, (method, rel)


@pytest.mark.parametrize("method", METHODS)
def test_tiny_negative_eigenvalue_is_never_proven(method):
    rng = np.random.default_rng(11)
    for n in (5, 12, 30):
        M = matrix_with_spectrum(rng, np.concatenate([[-1e-14], np.linspace(0.2, 1.0, n - 1)]))
        assert not exact_is_pd(M)  # the rounded matrix still has its tiny negative eigenvalue
        assert certify_pd(M, 0.0, 0.0, method=method) == "undecided"
        # and a shift just below the negative eigenvalue is proven by the sharp methods
        if method in ("eig", "eig-cholesky", "auto"):
            assert certify_pd(M, 0.0, -1e-13, method=method) == "proven"


@pytest.mark.parametrize("method", METHODS)
def test_clearly_pd_is_proven(method):
    rng = np.random.default_rng(5)
    M = matrix_with_spectrum(rng, np.linspace(1e-6, 1.0, 25))
    assert certify_pd(M, 0.0, 0.0, method=method) == "proven"
    assert certify_pd(M, 0.0, 2e-6, method=method) == "undecided"


@pytest.mark.parametrize("method", METHODS)
def test_radius_is_respected(method):
    # midpoint PD, but the interval contains diag(1, -1e-10): never proven
    M = np.diag([1.0, 1e-10])
    R = np.array([[0.0, 0.0], [0.0, 2e-10]])
    assert certify_pd(M, R, 0.0, method=method) == "undecided"
    # an off-diagonal radius that admits a singular member: [[1, x], [x, 1e-10]] with x = 1e-5
    R2 = np.array([[0.0, 1e-5], [1e-5, 0.0]])
    assert certify_pd(M, R2, 0.0, method=method) == "undecided"
    R3 = np.array([[0.0, 9e-6], [9e-6, 0.0]])  # det >= 1e-10 - 8.1e-11 > 0 for every member
    if method in ("auto", "eig", "interval-cholesky"):  # the others bound the radius by its norm
        assert certify_pd(M, R3, 0.0, method=method) == "proven"


@settings(deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 10))
def test_rump_lower_bound_below_50_digit_lambda_min(seed, n):
    rng = np.random.default_rng(seed)
    M = matrix_with_spectrum(rng, rng.uniform(-1.0, 1.0, n))
    guess = float(np.linalg.eigvalsh(M)[0])
    t = guess - 1e-9
    ok, lower = rump_pd(M, t, 0.0)
    assert ok
    G = mpmath.matrix(M.tolist())
    lo, hi = lambda_min_mp(G, guess)
    assert mpmath.mpf(lower.numerator) / lower.denominator <= hi
    assert Fraction(t) < lower


def test_input_validation():
    with pytest.raises(ValueError):
        certify_pd(np.array([[1.0, 2.0], [np.nextafter(2.0, 3.0), 1.0]]), 0.0, 0.0)
    with pytest.raises(ValueError):
        certify_pd(np.eye(2), -1.0, 0.0)
    with pytest.raises(ValueError):
        certify_pd(np.eye(2), 0.0, 0.0, method="magic")
    assert certify_pd(np.eye(2), 0.0, float("nan")) == "undecided"


@settings(max_examples=max(20, settings().max_examples), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 12), ratio=st.sampled_from([0.5, 0.99, 1.01, 2.0]))
def test_diagonal_radius_members(seed, n, ratio):
    """Radius r I around a PD midpoint: the member M_mid - r I decides, exactly."""
    rng = np.random.default_rng(seed)
    lam = np.concatenate([[1e-8], rng.uniform(0.1, 1.0, n - 1)])
    M = matrix_with_spectrum(rng, lam)
    r = ratio * 1e-8
    R = np.diag(np.full(n, r))
    member_pd = exact_is_pd(M, Fraction(r))  # the worst member is M - r I
    for method in METHODS:
        verdict = certify_pd(M, R, 0.0, method=method)
        if verdict == "proven":
            assert member_pd, method
    if ratio == 0.5:
        assert certify_pd(M, R, 0.0, method="eig") == "proven"
