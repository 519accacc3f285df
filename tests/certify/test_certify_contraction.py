"""Certified well-posedness margin (gamma/sqrt(m))||A||_2, checked by exact rational arithmetic."""
import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def verdict_from_bounds(cert):
    """The decision rule of L2.2's certificate, from the bounds alone."""
    if cert.upper < 1:
        return "proven"
    return "refuted" if cert.lower >= 1 else "undecided"


def hadamard_matrix(excess: str, gamma, m=64, seed=0):
    """A = (H/sqrt(m)) diag(d), H a Hadamard matrix: every entry +-d_j/sqrt(m) is exact in binary64
    and H/sqrt(m) is exactly orthogonal, so the singular values of A are exactly |d_j|. d_0 is
    chosen (at 50 digits, then rounded) so that (gamma/sqrt(m)) ||A||_2 = 1 + excess; returns A and the
    50-digit value of (gamma/sqrt(m)) ||A||_2 of the matrix actually built."""
    from scipy.linalg import hadamard

    H = hadamard(m)
    assert np.array_equal(H.T @ H, m * np.eye(m, dtype=H.dtype))  # exact, in integers
    r = math.isqrt(m)
    assert r * r == m
    with mpmath.workdps(50):
        d0 = float((1 + mpmath.mpf(excess)) * r / mpmath.mpf(gamma))
    rng = np.random.default_rng(seed)
    d = np.concatenate([[d0], d0 * rng.uniform(0.3, 0.9, m - 1)])
    A = H * (d / r)[None, :]
    assert np.array_equal(A * r, H * d[None, :])  # the division by r = 2^k was exact
    with mpmath.workdps(50):
        q_true = mpmath.mpf(gamma) * mpmath.mpf(d0) / r
    return A, q_true


def test_just_below_one_by_1e_13_is_undecided_not_refuted():
    """At q = 1 - 1e-13 the a-priori slack (~m^2 u) of the upper bound reaches past 1, the lower
    bound stays below 1: the only right answer is "undecided" (neither "proven" nor "refuted")."""
    A, q = hadamard_matrix("-1e-13", 0.7)
    with mpmath.workdps(50):
        assert abs(q - (1 - mpmath.mpf("1e-13"))) < mpmath.mpf("1e-15") and q < 1
    cert = certify_contraction(A, 0.7)
    assert cert.status == "proven"
    assert mpmath.mpf(cert.lower) <= q <= mpmath.mpf(cert.upper)
    assert cert.upper >= 1.0 > cert.lower
    assert cert.details["bound_below_one"] == "undecided"
    assert cert.details["contraction_proven"] is False


@pytest.mark.parametrize("q", ["-1e-15", "2e-15", "1e-13", "1e-9", "1e-6"])
def test_refuted_exactly_when_the_lower_bound_reaches_one(q):
    A, q_true = hadamard_matrix(q, 0.3, seed=1)
    cert = certify_contraction(A, 0.3)
    assert mpmath.mpf(cert.lower) <= q_true <= mpmath.mpf(cert.upper)
    assert cert.details["bound_below_one"] == verdict_from_bounds(cert)
    if q in ("-1e-15", "2e-15"):  # within the lower bound's ~7e-15 (gamma_64) of 1: not refuted
        assert cert.lower < 1 <= cert.upper and cert.details["bound_below_one"] == "undecided"
    if q == "1e-6":
        assert cert.details["bound_below_one"] == "refuted"


@pytest.mark.parametrize("excess", [1e-12, 1e-9, 1e-6])
def test_fails_closed_just_above_one(excess):
    rng = np.random.default_rng(21)
    m = 30
    A = rng.standard_normal((m, m))
    s = sigma_max_50_digits(A)
    gamma = float((1 + excess) * mpmath.sqrt(m) / s)
    with mpmath.workdps(50):
        q = mpmath.mpf(gamma) * s / mpmath.sqrt(m)
        assert q > 1  # truly above 1 after rounding gamma
    cert = certify_contraction(A, gamma)
    assert mpmath.mpf(cert.lower) <= q <= mpmath.mpf(cert.upper)
    assert not cert.details["contraction_proven"]
    assert cert.upper >= 1.0
    assert cert.details["bound_below_one"] == verdict_from_bounds(cert)  # "refuted" iff lower >= 1
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
