"""Statistics of sweeps, each checked against an independent computation or a value known from the definition."""
import math

import numpy as np
import pytest
from scipy.stats import binom

from verifier.sweep.aggregate import _shape_value, theory_exponents, width_statements
from verifier.sweep.results import linear_convergence, loss_metrics
from verifier.sweep.stats import bootstrap_exponent, clopper_pearson, critical_width, loglog_fit


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (10, 10), (1, 1), (17, 40), (59, 59)])
@pytest.mark.parametrize("conf", [0.9, 0.95, 0.99])
def test_clopper_pearson_solves_the_binomial_tail_equations(k, n, conf):
    """The bounds are the p at which the observed count sits exactly in the alpha/2 tail (the definition)."""
    a = 1 - conf
    lo, hi = clopper_pearson(k, n, conf)
    if k > 0:
        assert binom.sf(k - 1, n, lo) == pytest.approx(a / 2, rel=1e-9)      # P(X >= k | lo) = a/2
    else:
        assert lo == 0.0
    if k < n:
        assert binom.cdf(k, n, hi) == pytest.approx(a / 2, rel=1e-9)         # P(X <= k | hi) = a/2
    else:
        assert hi == 1.0
    one, _ = clopper_pearson(k, n, conf, sided="lower")
    if k > 0:
        assert binom.sf(k - 1, n, one) == pytest.approx(a, rel=1e-9)


def test_clopper_pearson_closed_forms():
    # k = 0: upper = 1 - (a/2)^(1/n); k = n: lower = (a/2)^(1/n) (and one-sided a^(1/n): "59 successes in 59")
    assert clopper_pearson(0, 10)[1] == pytest.approx(1 - 0.025 ** 0.1, rel=1e-12)
    assert clopper_pearson(10, 10)[0] == pytest.approx(0.025 ** 0.1, rel=1e-12)
    assert clopper_pearson(59, 59, sided="lower")[0] == pytest.approx(0.05 ** (1 / 59), rel=1e-12)
    assert clopper_pearson(59, 59, sided="lower")[0] > 0.95 > clopper_pearson(58, 58, sided="lower")[0]
    assert math.isnan(clopper_pearson(0, 0)[0])


def test_critical_width_rules():
    w = [8, 16, 32, 64, 128]
    k = [0, 3, 19, 18, 20]      # a dip at 64: m* moves to 128
    n = [20] * 5
    cw = critical_width(w, k, n, 0.95)
    assert (cw.m_star, cw.m_fail, cw.censored) == (128, 64, None)
    assert cw.interpolated == pytest.approx(64 * 2 ** ((0.95 - 0.9) / (1.0 - 0.9)))
    assert critical_width(w, [20] * 5, n, 0.95).censored == "below"
    assert critical_width(w, [0, 0, 0, 0, 1], n, 0.95).censored == "above"
    # the confidence rule needs more: 20/20 gives a one-sided lower bound 0.05^(1/20) = 0.861 < 0.95
    assert critical_width(w, [20] * 5, n, 0.95, rule="confidence").censored == "above"
    assert critical_width(w, [0, 0, 59, 59, 59], [59] * 5, 0.95, rule="confidence").m_star == 32


def test_loglog_fit_and_bootstrap_recover_a_known_exponent():
    """Outcomes drawn with P(success at m) = 1 - exp(-(m / (3 n^1.5))^3): m* grows like n^1.5."""
    rng = np.random.default_rng(7)
    widths = np.geomspace(4, 4096, 21)
    pts = []
    for n in (8, 16, 32, 64):
        p = 1 - np.exp(-(widths / (3 * n ** 1.5)) ** 3)
        trials = np.full(len(widths), 400)
        pts.append({"x": n, "widths": widths, "k": rng.binomial(trials, p), "n": trials})
    res = bootstrap_exponent(pts, 0.95, reps=200, seed=1)
    assert res["slope"] == pytest.approx(1.5, abs=0.1)
    assert res["ci"][0] <= 1.5 <= res["ci"][1]
    assert res["valid_reps"] == 200
    assert loglog_fit([1, 2, 4], [3, 12, 48]) == pytest.approx((2.0, math.log(3)))


def test_linear_convergence_definition():
    k = np.arange(101.0)
    geo = 10.0 * 0.9 ** k                         # reaches 10 * 2.7e-5: below the line to 1e-2 at every step
    assert linear_convergence(geo, k, 1e-2) == (True, pytest.approx(0.9))
    plateau = np.where(k < 80, 10.0, 10.0 * 1e-4 ** ((k - 80) / 20))   # flat, then a late drop: not linear
    assert linear_convergence(plateau, k, 1e-2)[0] is False
    slow = 10.0 * 0.99 ** k                       # geometric but does not reach 1e-2 * l0 in 100 steps
    assert linear_convergence(slow, k, 1e-2)[0] is False
    assert linear_convergence(geo, k, 1e-2, completed=False)[0] is False
    assert linear_convergence(geo[:1], k[:1], 1e-2) == (None, None)
    m = loss_metrics({"loss": geo, "time": 0.5 * k, "step": k}, 1e-2, True, "gd")
    assert m["rate_fit"] == pytest.approx(0.9) and m["decay_fit"] == pytest.approx(-2 * math.log(0.9))
    assert m["steps_to_target"] == 44 and 10 * 0.9 ** 44 <= 0.1 < 10 * 0.9 ** 43


def test_theory_exponents_from_the_statements():
    ex = {t["id"]: t for t in theory_exponents()}
    assert (ex["L3.3"]["n"], ex["L3.3"]["inv_lambda0"], ex["L3.3"]["log_factor"]) == (2, 2, True)
    assert (ex["T3.2 printed"]["n"], ex["T3.2 printed"]["inv_lambda0"]) == (2, 1)
    assert (ex["T3.2"]["n"], ex["T3.2"]["inv_lambda0"]) == (2, 2)
    assert (ex["L3.6"]["n"], ex["L3.6"]["n_scaled"], ex["L3.6"]["inv_lambda0"]) == (1, 3, 3)
    # the same exponents measured numerically on the lambdified widths (an independent route to the sympy limits)
    for i, ws in enumerate(width_statements()):
        base = {"n": 1e8, "lambda0": 1e-3, "c": 2.0, "norm_X": 3.0, "r0_norm": 5.0, "delta": 0.05}
        w1 = _shape_value(i, base)
        w2 = _shape_value(i, {**base, "n": 2e8})
        w3 = _shape_value(i, {**base, "lambda0": 1e-3 / 2 ** 20})
        w4 = _shape_value(i, {**base, "lambda0": 1e-3 / 2 ** 21})
        slope_n = math.log2(w2 / w1)
        slope_l = math.log2(w4 / w3)
        t = ex[ws["id"]]
        assert slope_n == pytest.approx(t["n"], abs=0.08 if t["log_factor"] else 1e-3), ws["id"]
        assert slope_l == pytest.approx(t["inv_lambda0"], abs=1e-3), ws["id"]


def test_all_or_none_successes_give_no_bootstrap_interval():
    """Every group succeeded on all its seeds or on none: resampling the seeds cannot move m*, so no interval
    is given (a zero-width one would claim a certainty four seeds do not give); with one mixed group there is."""
    from verifier.sweep.stats import bootstrap_exponent

    pts = [{"x": 16, "widths": [32, 128, 512], "k": [0, 4, 4], "n": [4, 4, 4]},
           {"x": 32, "widths": [32, 128, 512], "k": [0, 0, 4], "n": [4, 4, 4]}]
    res = bootstrap_exponent(pts, 0.95, reps=200)
    assert math.isfinite(res["slope"]) and res["slope"] > 0
    assert not any(map(math.isfinite, res["ci"])) and "no interval" in res["ci_note"]
    pts[1]["k"] = [0, 2, 4]
    res = bootstrap_exponent(pts, 0.5, reps=200)
    assert all(map(math.isfinite, res["ci"])) and "ci_note" not in res
