"""c(delta) of L2.1/L2.2: argument domains, the reported fields, and the Monte Carlo statistics.

The statistics are checked against independent computations: the Clopper-Pearson limit through the
binomial CDF it inverts, the consistency verdict through an exact binomial tail summed with math.comb,
and the Monte Carlo norms against Gordon's bound E||G|| <= sqrt(p) + sqrt(q) and ||G|| >= its largest
column norm.
"""
import math

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from verifier.theory import randmat


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, -0.1])
def test_probabilities_must_lie_in_the_open_unit_interval(bad):
    for call in (lambda: randmat.c_of_delta(100, 5, bad), lambda: randmat.c_single(100, 5, bad)):
        with pytest.raises(ValueError, match=r"delta must lie in \(0, 1\)"):
            call()
    with pytest.raises(ValueError, match=r"gamma0 must lie in \(0, 1\)"):
        randmat.gamma_train(2.0, gamma0=bad)


def test_gamma_max_rejects_nonpositive_c():
    for c in (0.0, -1.0):
        with pytest.raises(ValueError, match="c must be positive"):
            randmat.gamma_max(c)


@pytest.mark.parametrize("c", [0.2, 0.5, 1.0, 2.3, 7.0])
@pytest.mark.parametrize("gamma0", [0.1, 0.5, 0.9])
def test_gamma_train_is_the_largest_gamma_keeping_the_margin(c, gamma0):
    """L2.2 in training: gamma (2c) <= gamma0 and gamma <= gamma0, with equality in one of them."""
    g = randmat.gamma_train(c, gamma0)
    assert g <= gamma0 and g * 2 * c <= gamma0 * (1 + 1e-15)
    assert g == gamma0 or g * 2 * c == pytest.approx(gamma0, rel=1e-15)


def test_tail_bound_is_a_probability_decreasing_in_t():
    ts = np.linspace(0.0, 3.0, 31)
    vals = [randmat.gaussian_norm_tail(50, 5, t) for t in ts]
    assert vals[0] == 1.0 and all(0.0 < v <= 1.0 for v in vals)
    assert all(b < a for a, b in zip(vals, vals[1:]))          # strictly decreasing from t = 0 on
    assert randmat.gaussian_norm_tail(50, 5, -2.0) == 1.0       # t < 0: only the trivial bound


def test_c_single_with_a_separate_normalizing_width():
    """W is m x d but normalized by sqrt(m): the inverse of the tail bound with m != rows."""
    rows, cols, m, delta = 100, 7, 400, 0.05
    c = randmat.c_single(rows, cols, delta, m=m)
    t = c * math.sqrt(m) - math.sqrt(rows) - math.sqrt(cols)
    assert randmat.gaussian_norm_tail(rows, cols, t) == pytest.approx(delta, rel=1e-12)
    assert c < randmat.c_single(rows, cols, delta)             # a larger normalizer gives a smaller c


def test_symbolic_form_uses_positive_symbols_named_as_in_the_paper():
    (m, d, delta), c_A, c_W = randmat.c_of_delta_symbolic()
    assert [str(s) for s in (m, d, delta)] == ["m", "d", "delta"]
    assert m.is_positive and d.is_positive and delta.is_positive
    # positivity is what lets sqrt(m)^2 cancel: c_A - 2 = sqrt(2 log(2/delta)) / sqrt(m)
    assert sp.simplify((c_A - 2) ** 2 * m - 2 * sp.log(2 / delta)) == 0


def test_reported_fields():
    r = randmat.c_of_delta(400, 20, 0.05)
    assert set(r) == {"c_A", "c_W", "c", "delta", "bound"} and r["delta"] == 0.05
    assert r["c"] == max(r["c_A"], r["c_W"])
    assert r["bound"].startswith("P(||G|| >= sqrt(p)+sqrt(q)+t)") and "exp(-t^2/2)" in r["bound"]
    m, d = 200, 12
    nA, nW = 1.9 * math.sqrt(m), 1.3 * math.sqrt(m)
    s = randmat.c_summary(nA, nW, m, d, 0.05)
    assert set(s) == {"c_empirical", "c_A_empirical", "c_W_empirical", "c_delta", "c_A_delta", "c_W_delta",
                      "delta", "gamma_max_empirical", "gamma_max_delta", "init_within_c_delta", "bound"}
    assert s["c_A_empirical"] * math.sqrt(m) == pytest.approx(nA, rel=1e-15)
    assert s["c_W_empirical"] * math.sqrt(m) == pytest.approx(nW, rel=1e-15)
    assert s["c_empirical"] == max(s["c_A_empirical"], s["c_W_empirical"])
    cd = randmat.c_of_delta(m, d, 0.05)
    assert (s["c_delta"], s["c_A_delta"], s["c_W_delta"], s["delta"]) == (cd["c"], cd["c_A"], cd["c_W"], 0.05)
    assert s["bound"] == randmat.TAIL_BOUND_CITATION
    assert not randmat.c_summary(5.0 * math.sqrt(m), nW, m, d, 0.05)["init_within_c_delta"]


def test_monte_carlo_fields_and_norms():
    rows, cols, m, trials = 40, 10, 40, 30
    r = randmat.tail_monte_carlo(rows, cols, 0.5, trials=trials, seed=4)
    assert set(r) == {"rows", "cols", "m", "delta", "c_delta", "trials", "exceedances", "rate", "rate_upper_99",
                      "c_empirical_max", "c_empirical_mean", "consistent", "bound"}
    assert (r["rows"], r["cols"], r["m"], r["delta"], r["trials"]) == (rows, cols, m, 0.5, trials)
    assert r["bound"] == randmat.TAIL_BOUND_CITATION
    assert r["c_delta"] == randmat.c_single(rows, cols, 0.5, m)
    assert r["rate"] * trials == r["exceedances"]
    # ||G|| >= its largest column norm ~ sqrt(rows); E||G|| <= sqrt(rows) + sqrt(cols) (Gordon)
    mean_norm = r["c_empirical_mean"] * math.sqrt(m)
    assert math.sqrt(rows) - 2 < mean_norm <= math.sqrt(rows) + math.sqrt(cols) + 3 / math.sqrt(trials)
    assert r["c_empirical_mean"] <= r["c_empirical_max"]
    # reproducible: the default seed is fixed
    assert randmat.tail_monte_carlo(8, 3, 0.5, trials=5) == randmat.tail_monte_carlo(8, 3, 0.5, trials=5)
    assert randmat.tail_monte_carlo(8, 3, 0.5, trials=5, m=32)["c_delta"] == randmat.c_single(8, 3, 0.5, 32)


def _exact_upper_tail(k, n, p):
    """P(Bin(n, p) >= k) summed exactly term by term."""
    return math.fsum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))


def test_clopper_pearson_limit_and_consistency_verdict():
    """Across seeds: the 99% upper limit solves P(Bin(trials, p) <= k) = 0.01 (1 when k = trials), and
    'consistent' is the one-sided binomial test at 1% of rate <= delta."""
    seen_all = False
    for seed in range(400):
        # 1 x 1 matrices at delta = 0.9: exceedance means |g| > 2 + sqrt(2 log(1/0.9)), probability ~1.4%
        r = randmat.tail_monte_carlo(1, 1, 0.9, trials=1, seed=seed)
        k, n = r["exceedances"], r["trials"]
        if k == n:
            seen_all = True
            assert r["rate_upper_99"] == 1.0
            assert r["consistent"] == (_exact_upper_tail(k, n, 0.9) > 0.01)
        if seen_all:
            break
    assert seen_all
    r = randmat.tail_monte_carlo(1, 1, 0.9, trials=400, seed=0)    # some exceedances, not all
    k, n = r["exceedances"], r["trials"]
    assert 0 < k < n and r["rate"] == k / n
    assert stats.binom.cdf(k, n, r["rate_upper_99"]) == pytest.approx(0.01, rel=1e-8)
    assert r["rate_upper_99"] > k / n
    for seed in range(40):
        r = randmat.tail_monte_carlo(2, 1, 0.5, trials=3, seed=seed)
        k, n = r["exceedances"], r["trials"]
        assert isinstance(r["rate_upper_99"], float)
        if k < n:
            assert stats.binom.cdf(k, n, r["rate_upper_99"]) == pytest.approx(0.01, rel=1e-8)
        assert r["consistent"] == (k / n <= 0.5 or _exact_upper_tail(k, n, 0.5) > 0.01)
