"""G_inf three ways (closed form, Hermite series, Monte Carlo) and lambda0 at high precision."""
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings

from verifier.strategies import a2_datasets
from verifier.theory import kernel


@given(a2_datasets(min_angle=1e-3))
def test_g_inf_psd_unit_diagonal(X):
    G = kernel.gram_inf(X)
    assert np.allclose(np.diag(G), 0.5, atol=1e-15)
    assert np.allclose(G, G.T)
    assert np.linalg.eigvalsh(G)[0] > -1e-12


@given(a2_datasets(min_angle=0.05))
def test_closed_form_equals_hermite_series(X):
    G = kernel.gram_inf(X)
    Gh, E = kernel.gram_inf_hermite(X)
    assert np.all(np.abs(G - Gh) <= E + 2e-15)
    assert E.max() < 1e-11


def test_hermite_series_on_non_unit_rows_scales_like_closed_form():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((5, 3)) * rng.uniform(0.5, 2.0, size=(5, 1))
    Gh, E = kernel.gram_inf_hermite(X)
    assert np.all(np.abs(Gh - kernel.gram_inf(X)) <= E + 1e-14)


def test_closed_form_vs_monte_carlo_within_sampling_error():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((6, 4))
    X /= np.linalg.norm(X, axis=1)[:, None]
    mean, se = kernel.gram_monte_carlo(X, 40000, seed=3)
    z = np.abs(mean - kernel.gram_inf(X)) / se
    assert z.max() < 5.0          # 21 entries, 5 sigma
    assert abs(z.mean() - math.sqrt(2 / math.pi)) < 0.5   # |N(0,1)| has mean 0.80


def test_three_ways_summary_is_json_ready():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 3))
    X /= np.linalg.norm(X, axis=1)[:, None]
    s = kernel.g_inf_three_ways(X, m=8000)
    assert s["closed_within_hermite_bound"]
    assert abs(s["lambda0_closed_form"] - s["lambda0_hermite"]) <= s["hermite_error_bound_frobenius"] + 1e-14
    assert all(isinstance(v, (int, float, bool)) for v in s.values())


def test_lambda0_is_eigvalsh_unclipped():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((7, 3))
    X /= np.linalg.norm(X, axis=1)[:, None]
    assert kernel.lambda0(X) == float(np.linalg.eigvalsh(kernel.gram_inf(X))[0])


def _independent_g_inf_mp(X, dps):
    """Closed form from mpmath inner products of the exact float entries (arccos route at high precision)."""
    n = X.shape[0]
    with mpmath.workdps(dps + 30):
        rows = [[mpmath.mpf(float(v)) for v in X[i]] for i in range(n)]
        G = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                ip = mpmath.fsum(a * b for a, b in zip(rows[i], rows[j]))
                ni = mpmath.sqrt(mpmath.fsum(a * a for a in rows[i]))
                nj = mpmath.sqrt(mpmath.fsum(b * b for b in rows[j]))
                rho = max(min(ip / (ni * nj), 1), -1)
                th = mpmath.acos(rho)
                G[i, j] = ni * nj * (mpmath.sin(th) + (mpmath.pi - th) * mpmath.cos(th)) / (2 * mpmath.pi)
        return G


def test_lambda0_highprec_against_independent_eigensolver():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((8, 3))
    X /= np.linalg.norm(X, axis=1)[:, None]
    res = kernel.lambda0_highprec(X, dps=40)
    with mpmath.workdps(70):
        ev = mpmath.eigsy(_independent_g_inf_mp(X, 40), eigvals_only=True)
        ref = min(ev)
        assert abs(res["value"] - ref) < mpmath.mpf(10) ** -38
    assert res["is_smallest"]
    assert abs(res["float"] - kernel.lambda0(X)) < 1e-13


def test_highprec_keeps_digits_for_nearly_parallel_rows():
    a = np.array([1.0, 0.0, 0.0])
    b = np.array([1.0, 1e-7, 0.0])
    b /= np.linalg.norm(b)
    X = np.vstack([a, b, [0.0, 0.0, 1.0]])
    G = kernel.gram_inf_mp(X, dps=40)
    ref = _independent_g_inf_mp(X, 40)
    with mpmath.workdps(45):
        assert abs(G[0, 1] - ref[0, 1]) < mpmath.mpf(10) ** -38


@pytest.mark.slow
@settings(max_examples=40)
@given(a2_datasets(n=12, d=5, min_angle=1e-2))
def test_lambda0_highprec_thorough(X):
    res = kernel.lambda0_highprec(X, dps=40)
    with mpmath.workdps(60):
        ref = min(mpmath.eigsy(_independent_g_inf_mp(X, 40), eigvals_only=True))
        assert abs(res["value"] - ref) < mpmath.mpf(10) ** -36
