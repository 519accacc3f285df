"""c(delta) from the explicit Gaussian tail; gamma_max; Monte Carlo tail check."""
import math

import numpy as np
import pytest

from verifier.theory import randmat


@pytest.mark.parametrize("rows,cols,delta", [(100, 100, 0.05), (100, 7, 0.01), (30, 500, 0.3)])
def test_c_single_inverts_the_tail_bound(rows, cols, delta):
    c = randmat.c_single(rows, cols, delta)
    t = c * math.sqrt(rows) - math.sqrt(rows) - math.sqrt(cols)
    assert randmat.gaussian_norm_tail(rows, cols, t) == pytest.approx(delta, rel=1e-12)


def test_union_bound_split_matches_c_of_delta():
    m, d, delta = 400, 20, 0.05
    res = randmat.c_of_delta(m, d, delta)
    assert res["c_A"] == pytest.approx(randmat.c_single(m, m, delta / 2))
    assert res["c_W"] == pytest.approx(randmat.c_single(m, d, delta / 2, m=m))
    (ms, ds, dl), cA, cW = randmat.c_of_delta_symbolic()
    assert float(cA.subs({ms: m, dl: delta})) == pytest.approx(res["c_A"])
    assert float(cW.subs({ms: m, ds: d, dl: delta})) == pytest.approx(res["c_W"])


def test_gamma_max_and_train():
    assert randmat.gamma_max(1.0) == 0.25
    assert randmat.gamma_max(0.3) == 0.5
    c = 2.3
    g = randmat.gamma_train(c)
    assert g * 2 * c <= 0.5 + 1e-15
    with pytest.raises(ValueError):
        randmat.gamma_max(0.0)


@pytest.mark.parametrize("rows,cols", [(60, 60), (60, 6)])
def test_monte_carlo_tail_at_large_delta(rows, cols):
    # delta = 0.5 keeps the check meaningful (the bound is not vacuous there), 120 trials
    res = randmat.tail_monte_carlo(rows, cols, 0.5, trials=120, seed=1)
    assert res["rate"] <= 0.5
    assert res["consistent"]
    assert res["c_empirical_max"] < res["c_delta"] + 0.5


def test_empirical_c_below_probabilistic_c_typically():
    rng = np.random.default_rng(0)
    m, d = 300, 10
    A, W = rng.standard_normal((m, m)), rng.standard_normal((m, d))
    ce = randmat.c_empirical(np.linalg.norm(A, 2), np.linalg.norm(W, 2), m)
    assert 1.8 < ce < randmat.c_of_delta(m, d, 0.05)["c"]


def test_c_summary_side_by_side():
    rng = np.random.default_rng(4)
    m, d = 200, 12
    nA, nW = np.linalg.norm(rng.standard_normal((m, m)), 2), np.linalg.norm(rng.standard_normal((m, d)), 2)
    s = randmat.c_summary(nA, nW, m, d, 0.05)
    assert s["c_empirical"] == pytest.approx(max(nA, nW) / math.sqrt(m))
    assert s["init_within_c_delta"] and s["gamma_max_delta"] <= s["gamma_max_empirical"]
