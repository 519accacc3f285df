"""Lemma A.7: Hermite coefficients of relu and the series = arc-cosine closed form (checked independently)."""
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier.theory import hermite


def _he(k, x):
    """Probabilists' Hermite by the three-term recurrence He_{j+1} = x He_j - j He_{j-1}."""
    a, b = mpmath.mpf(1), x
    if k == 0:
        return a
    for j in range(1, k):
        a, b = b, x * b - j * a
    return b


def _quad_coefficient(k):
    """<relu, h_k> by mpmath quadrature: int_0^oo x He_k(x) phi(x) dx / sqrt(k!) (independent of sympy)."""
    with mpmath.workdps(30):
        val = mpmath.quad(lambda x: x * _he(k, x) * mpmath.exp(-x * x / 2), [0, 5, 10, 40]) / mpmath.sqrt(2 * mpmath.pi)
        return float(val / mpmath.sqrt(mpmath.factorial(k)))


@pytest.mark.parametrize("k", range(0, 16))
def test_coefficients_match_quadrature(k):
    assert float(hermite.relu_hermite_coefficient(k)) == pytest.approx(_quad_coefficient(k), abs=1e-10)


def test_known_values_and_odd_zero():
    assert float(hermite.relu_hermite_coefficient(0)) == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert float(hermite.relu_hermite_coefficient(1)) == 0.5
    assert all(hermite.relu_hermite_coefficient(k) == 0 for k in range(3, 30, 2))


def test_parseval_partial_sums_approach_half():
    s = sum(float(hermite.relu_hermite_coefficient(k)) ** 2 for k in range(0, 400))
    # tail ~ sum_{j > 199} C j^{-5/2}: a few 1e-5 at most
    assert 0.5 - 1e-4 < s < 0.5


def test_symbolic_derivations_pass():
    for s in hermite.relu_hermite_coefficients_derivation(kmax=6) + hermite.symbolic_series_equals_closed_form():
        assert s["passed"], s


def _closed(theta):
    with mpmath.workdps(60):
        th = mpmath.mpf(theta)
        return (mpmath.sin(th) + (mpmath.pi - th) * mpmath.cos(th)) / (2 * mpmath.pi)


@given(st.floats(min_value=0.2, max_value=math.pi - 0.2))
def test_series_enclosure_contains_closed_form(theta):
    with mpmath.workdps(60):
        rho = mpmath.cos(mpmath.mpf(theta))
    res = hermite.hermite_series_kernel(rho, dps=30)
    assert res["reached_tol"]
    with mpmath.workdps(40):
        assert res["lower"] <= _closed(theta) <= res["upper"]
        assert res["error"] < mpmath.mpf(10) ** -30


def test_endpoints_exact_by_parseval():
    one = hermite.hermite_series_kernel(1, dps=40)
    minus = hermite.hermite_series_kernel(-1, dps=40)
    assert abs(one["value"] - mpmath.mpf(1) / 2) < mpmath.mpf(10) ** -40
    assert abs(minus["value"]) < mpmath.mpf(10) ** -40


def test_near_one_enclosure_is_rigorous_but_wider():
    with mpmath.workdps(60):
        rho = mpmath.cos(mpmath.mpf(1e-3))
    res = hermite.hermite_series_kernel(rho, dps=30, max_terms=20000)
    assert not res["reached_tol"]
    assert res["lower"] <= _closed(1e-3) <= res["upper"]


def test_grid_50_digits():
    g = hermite.series_vs_closed_form_grid(np.linspace(0.3, math.pi - 0.3, 21), dps=50)
    assert g["all_contained"] and g["max_distance_to_closed"] < 1e-49


@pytest.mark.slow
def test_dense_grid_50_digits():
    th = np.concatenate([np.linspace(0.05, math.pi - 0.05, 201), [1e-2, math.pi - 1e-2]])
    g = hermite.series_vs_closed_form_grid(th, dps=50, max_terms=400_000)
    assert g["all_contained"]
    tight = [p for p in g["points"] if p["reached_tol"]]
    assert len(tight) >= 201
