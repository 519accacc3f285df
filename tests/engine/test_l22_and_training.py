"""L2.2's bounds on random matrices, and linear convergence of a small over-parameterized run."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import unit_rows
from verifier.engine import TrainConfig, evaluate, init_params, train_gd
from verifier.engine.ntk import ntk_terms
from verifier.engine.probes import l22_probe


@given(seed=st.integers(0, 10_000), c=st.floats(0.5, 4.0), gamma0=st.floats(0.05, 0.95),
       fill=st.floats(0.3, 1.0))
def test_l22_bounds_for_random_A(seed, c, gamma0, fill):
    """||A|| <= c sqrt(m), gamma = min(gamma0, gamma0/c)  =>  contraction and the iterate bounds."""
    rng = np.random.default_rng(seed)
    n, d, m = 5, 4, 30
    X = unit_rows(rng, n, d)
    p = init_params(m, d, seed)
    p.A *= fill * c * np.sqrt(m) / np.linalg.norm(p.A, 2)  # ||A|| = fill * c sqrt(m) <= c sqrt(m)
    gamma = min(gamma0, gamma0 / c)
    assert gamma / np.sqrt(m) * np.linalg.norm(p.A, 2) <= gamma0 * (1 + 1e-12)
    pr = l22_probe(p, X, gamma, gamma0=gamma0, P=min(25, int(np.log(1e-9) / np.log(gamma0))))
    assert pr["z_bound_ratio"] <= 1.0 + 1e-12
    assert pr["iterate_bound_ratio"] <= 1.0 + 1e-9


def test_small_overparameterized_run_converges_linearly():
    """GD with alpha = 1/lambda_max(H(0)) decays at least like (1 - alpha lambda_min(H(0))/2)^k."""
    rng = np.random.default_rng(5)
    n, d, m, gamma = 8, 5, 400, 0.1
    X = unit_rows(rng, n, d)
    y = np.sign(rng.standard_normal(n))
    p = init_params(m, d, 1)
    ev = evaluate(p, X, y, gamma)
    eig = np.linalg.eigvalsh(ntk_terms(ev, X, gamma, p.v)["H"])
    alpha = 1.0 / eig[-1]
    K = 150
    tr = train_gd(p, X, y, TrainConfig(gamma=gamma, step_size=alpha, steps=K))
    res = tr.arrays()["residual_sq"]
    assert tr.stopped_reason is None and len(res) == K + 1
    k = np.arange(K + 1)
    envelope = res[0] * (1 - alpha * eig[0] / 2) ** k
    assert np.all(res <= envelope * (1 + 1e-9))
    # and it is genuinely linear: log-residual is fitted by a line with a negative slope
    slope, intercept = np.polyfit(k[K // 2:], np.log(res[K // 2:]), 1)
    fit = slope * k[K // 2:] + intercept
    assert slope < 0 and np.max(np.abs(fit - np.log(res[K // 2:]))) < 0.5


def test_ntk_equals_jacobian_gram():
    """H of L3.1 (U^{-T} in both factors of Q) equals J J^T from an explicit finite-difference Jacobian."""
    rng = np.random.default_rng(2)
    n, d, m, gamma = 4, 3, 5, 0.3
    X = unit_rows(rng, n, d)
    y = np.zeros(n)
    p = init_params(m, d, 4)
    ev = evaluate(p, X, y, gamma, tol=1e-15)
    H = ntk_terms(ev, X, gamma, p.v)["H"]
    cols = []
    h = 1e-6
    for name in ("A", "W", "u", "v"):
        P = getattr(p, name)
        for idx in np.ndindex(P.shape):
            outs = []
            for s in (1, -1):
                q = p.copy()
                getattr(q, name)[idx] += s * h
                outs.append(evaluate(q, X, y, gamma, with_grads=False, tol=1e-15).yhat)
            cols.append((outs[0] - outs[1]) / (2 * h))
    J = np.array(cols).T
    assert np.allclose(H, J @ J.T, rtol=1e-6, atol=1e-8)


def test_divergence_stops_run_and_keeps_trajectory():
    rng = np.random.default_rng(0)
    X = unit_rows(rng, 6, 3)
    y = np.sign(rng.standard_normal(6))
    p = init_params(50, 3, 0)
    tr = train_gd(p, X, y, TrainConfig(gamma=0.1, step_size=50.0, steps=30))
    assert tr.stopped_reason is not None
    assert 1 <= len(tr) <= tr.stopped_step + 1
    assert np.all(np.isfinite(tr.arrays()["loss"]))


def test_gradient_flow_matches_small_step_gd_and_its_error_control():
    """GF integrated to T agrees with GD of small step alpha run to k = T/alpha (difference O(alpha))."""
    from verifier.engine import train_gf

    rng = np.random.default_rng(4)
    n, d, m, gamma = 6, 4, 40, 0.1
    X = unit_rows(rng, n, d)
    y = np.sign(rng.standard_normal(n))
    p = init_params(m, d, 3)
    T = 1.0
    gf = train_gf(p, X, y, TrainConfig(gamma=gamma, step_size=1e-3, steps=10_000, t_final=T, rtol=1e-7)).arrays()
    assert abs(gf["time"][-1] - T) < 1e-12
    diffs = []
    for alpha in (0.02, 0.01):
        gd = train_gd(p, X, y, TrainConfig(gamma=gamma, step_size=alpha, steps=int(round(T / alpha)))).arrays()
        diffs.append(abs(gd["residual_sq"][-1] - gf["residual_sq"][-1]))
    assert 0.35 < diffs[1] / diffs[0] < 0.65  # first-order convergence of GD to the flow
    assert diffs[1] < 3e-2 * gf["residual_sq"][-1]
    # the loss is non-increasing along the flow
    assert np.all(np.diff(gf["loss"]) <= 1e-12 * gf["loss"][0])
