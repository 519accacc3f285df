"""Certified well-posedness margin (gamma/sqrt(m))||A||_2, checked by exact rational arithmetic."""
import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certify_refs import exact_is_pd
from verifier.certify import certify_contraction


def exact_gram(A):
    """A^T A exactly, as a Fraction matrix."""
    F = [[Fraction(float(v)) for v in row] for row in A]
    m = len(F)
    return [[sum(F[k][i] * F[k][j] for k in range(m)) for j in range(m)] for i in range(m)]


def exact_pd_fractions(M):
    n = len(M)
    A = [row[:] for row in M]
    for k in range(n):
        if A[k][k] <= 0:
            return False
        for i in range(k + 1, n):
            f = A[i][k] / A[k][k]
            for j in range(k + 1, n):
                A[i][j] -= f * A[k][j]
    return True


def norm_sq_below(A, s2):
    """Exact: ||A||_2^2 < s2  <=>  s2 I - A^T A positive definite."""
    B = exact_gram(A)
    return exact_pd_fractions([[(s2 if i == j else 0) - B[i][j] for j in range(len(B))] for i in range(len(B))])


def q_to_norm_sq(q, gamma, m):
    """(gamma/sqrt(m)) ||A|| = q  <=>  ||A||^2 = q^2 m / gamma^2 (exact rationals)."""
    return Fraction(q) ** 2 * m / Fraction(gamma) ** 2


@settings(deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 9), gamma=st.sampled_from([0.1, 0.5, 0.9, 1.7]),
       scale=st.sampled_from([1.0, 2.0**-40, 3e30]))
def test_bounds_bracket_the_exact_norm(seed, m, gamma, scale):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, m)) * scale
    cert = certify_contraction(A, gamma)
    assert cert.status == "proven"
    assert norm_sq_below(A, q_to_norm_sq(cert.upper, gamma, m))  # upper > exact
    assert not norm_sq_below(A, q_to_norm_sq(cert.lower, gamma, m))  # lower <= exact
    assert cert.upper - cert.lower <= 1e-9 * cert.upper
    assert cert.details["contraction_proven"] == (cert.upper < 1)


def sigma_max_50_digits(A):
    with mpmath.workdps(50):
        M = mpmath.matrix(A.tolist())
        return mpmath.svd_r(M, compute_uv=False)[0]


@pytest.mark.parametrize("excess", [1e-12, 1e-9, 1e-6])
def test_fails_closed_just_above_one(excess):
    rng = np.random.default_rng(21)
    m = 30
    A = rng.standard_normal((m, m))
    s = sigma_max_50_digits(A)
    gamma = float((1 + excess) * mpmath.sqrt(m) / s)
    with mpmath.workdps(50):
        assert mpmath.mpf(gamma) * s / mpmath.sqrt(m) > 1  # truly above 1 after rounding gamma
    cert = certify_contraction(A, gamma)
    assert not cert.details["contraction_proven"]
    assert cert.upper >= 1.0
    assert cert.details["bound_below_one"] in ("undecided", "refuted")
    if excess >= 1e-6:
        assert cert.details["bound_below_one"] == "refuted"


def test_just_below_one_is_proven():
    rng = np.random.default_rng(21)
    m = 30
    A = rng.standard_normal((m, m))
    s = sigma_max_50_digits(A)
    cert = certify_contraction(A, float((1 - 1e-7) * mpmath.sqrt(m) / s))
    assert cert.details["contraction_proven"] and cert.upper < 1


def test_gaussian_initialization_is_a_contraction():
    rng = np.random.default_rng(0)
    m = 400
    A = rng.standard_normal((m, m))  # A1: ||A|| ~ 2 sqrt(m)
    cert = certify_contraction(A, 0.1)
    assert cert.details["contraction_proven"] and 0.15 < cert.upper < 0.25
    assert cert.lower <= 0.1 * np.linalg.norm(A, 2) / math.sqrt(m) <= cert.upper
    json.dumps(cert.to_dict(), allow_nan=False)
    assert cert.verify()


def test_verify_detects_a_low_upper_bound():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((20, 20))
    cert = certify_contraction(A, 0.3)
    assert cert.verify()
    cert.upper = cert.lower * (1 - 1e-6)
    assert not cert.verify()


def test_edge_cases():
    assert certify_contraction(np.zeros((3, 3)), 0.5).upper == 0.0
    c = certify_contraction(np.eye(4), 0.5)
    assert c.lower <= 0.25 <= c.upper < 0.25 * (1 + 1e-12)
    assert certify_contraction(np.eye(2), 0.0).upper == 0.0
    with pytest.raises(ValueError):
        certify_contraction(np.ones((2, 3)), 0.5)
    with pytest.raises(ValueError):
        certify_contraction(np.eye(2), float("nan"))


@pytest.mark.slow
def test_m4000():
    rng = np.random.default_rng(1)
    m = 4000
    A = rng.standard_normal((m, m))
    cert = certify_contraction(A, 0.1)
    assert cert.details["contraction_proven"]
    assert cert.upper - cert.lower <= 1e-7 * cert.upper
    assert cert.seconds < 60
    assert cert.verify()
