"""c(delta) of L2.1/L2.2 at its edges, and the power of the Monte Carlo tail check.

* The hypotheses ||A(0)|| <= c sqrt(m) are non-strict: an initialization exactly on the bound is within it.
* tail_monte_carlo's defaults are the declared ones.
* The 'consistent' verdict must be able to fail: fed Gaussians scaled by a factor (a sampler swapped in for
  numpy's default_rng), it must agree with the exact one-sided binomial test (tail summed with math.comb).
"""
import inspect
import math

import numpy as np
import pytest
import scipy.stats  # noqa: F401  (imported before any test swaps numpy's generator)

from verifier.theory import randmat


def test_initialization_exactly_at_c_delta_is_within_it():
    """L2.2 assumes ||A(0)|| <= c sqrt(m): an initialization exactly on the bound satisfies it.
    m = 256 makes sqrt(m) = 16 a power of two, so c * 16 / 16 == c with no rounding."""
    m, d, delta = 256, 4, 0.05
    c = randmat.c_of_delta(m, d, delta)["c"]
    at = c * math.sqrt(m)
    assert at / math.sqrt(m) == c
    s = randmat.c_summary(at, 0.5 * at, m, d, delta)
    assert s["c_empirical"] == s["c_delta"] and s["init_within_c_delta"] is True
    above = math.nextafter(at, math.inf)
    assert randmat.c_summary(0.5 * at, above, m, d, delta)["init_within_c_delta"] is False


@pytest.mark.parametrize("rows,cols", [(9, 4), (1, 1)])
def test_tail_bound_at_t_zero_is_trivial(rows, cols):
    """exp(-0^2/2) = 1: the trivial bound, continuous with the t < 0 branch."""
    assert randmat.gaussian_norm_tail(rows, cols, 0.0) == 1.0
    assert randmat.gaussian_norm_tail(rows, cols, -0.0) == 1.0


def test_monte_carlo_defaults_are_the_declared_ones():
    sig = inspect.signature(randmat.tail_monte_carlo).parameters
    r = randmat.tail_monte_carlo(6, 2, 0.5)
    assert r["trials"] == sig["trials"].default
    assert r == randmat.tail_monte_carlo(6, 2, 0.5, trials=sig["trials"].default, seed=sig["seed"].default)


class _ScaledGaussians:
    """A sampler whose 'standard normals' are scale times N(0, 1): norms far above the Gaussian bound."""

    def __init__(self, scale, seed):
        self._rng = np.random.Generator(np.random.PCG64(seed))
        self._scale = scale

    def standard_normal(self, size):
        return self._scale * self._rng.standard_normal(size)


def _use_scaled_sampler(monkeypatch, scale):
    """tail_monte_carlo seeds np.random.default_rng with an int: hand it the scaled sampler (anything else, e.g.
    scipy's own calls, gets the real generator)."""
    real = np.random.default_rng
    monkeypatch.setattr(np.random, "default_rng",
                        lambda seed=None: _ScaledGaussians(scale, seed) if isinstance(seed, int) else real(seed))


def _exact_upper_tail(k, n, p):
    """P(Bin(n, p) >= k), summed term by term with math.comb."""
    return math.fsum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(max(k, 0), n + 1))


@pytest.mark.parametrize("scale,trials,delta", [(10.0, 1, 0.005), (10.0, 1, 0.01), (10.0, 1, 0.02), (10.0, 5, 0.3),
                                                (10.0, 5, 0.5), (1.6, 40, 0.2), (1.8, 40, 0.2), (1.0, 40, 0.5)])
def test_consistency_verdict_has_power_against_matrices_that_break_the_bound(monkeypatch, scale, trials, delta):
    """The check must be able to fail: fed Gaussians scaled by `scale` (> 1 breaks the tail bound), the verdict is the
    exact one-sided binomial test of rate <= delta at level 1% (reject when P(Bin(trials, delta) >= k) <= 0.01)."""
    _use_scaled_sampler(monkeypatch, scale)
    r = randmat.tail_monte_carlo(4, 3, delta, trials=trials, seed=2)
    k = r["exceedances"]
    p_value = _exact_upper_tail(k, trials, delta)
    if scale == 10.0:
        assert k == trials                                           # ||10 G|| is far above sqrt(4)+sqrt(3)+t
    assert r["consistent"] == (p_value > 0.01), (k, p_value)


def test_consistency_verdict_rejects_and_accepts_in_the_same_family(monkeypatch):
    """Both verdicts occur for the scaled sampler above (the parametrized cases are not all one-sided)."""
    verdicts = set()
    for scale, trials, delta in [(10.0, 1, 0.005), (10.0, 1, 0.02), (10.0, 5, 0.3), (1.0, 40, 0.5)]:
        _use_scaled_sampler(monkeypatch, scale)
        verdicts.add(randmat.tail_monte_carlo(4, 3, delta, trials=trials, seed=2)["consistent"])
    assert verdicts == {True, False}
