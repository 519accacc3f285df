"""The gradient-flow integrator step by step, against the Bogacki-Shampine 3(2) pair written out here.

Bogacki & Shampine (1989): c = (0, 1/2, 3/4, 1), a21 = 1/2, a32 = 3/4, third-order weights
b = (2/9, 1/3, 4/9, 0) (so the 4th stage is the FSAL derivative at the new point), embedded second-order
weights b* = (7/24, 1/4, 1/3, 1/8); the error estimate is h ||sum_i (b_i - b*_i) k_i||.
The step-size controller is the standard one (Hairer, Norsett & Wanner I, II.4) for a pair of orders 3(2):
accept iff err <= rtol max(||theta_new||, 1); next h = h min(5, max(0.2, 0.9 (err/scale)^(-1/3))).
Each accepted step of train_gf (read from per-step checkpoints) is recomputed from its start point.
"""
import numpy as np
import pytest

from verifier.engine import TrainConfig, evaluate, init_params, train_gf
from verifier.engine.backend import NumpyBackend
from verifier.engine.model import Params

GAMMA = 0.3
B3 = np.array([2 / 9, 1 / 3, 4 / 9, 0.0])
B2 = np.array([7 / 24, 1 / 4, 1 / 3, 1 / 8])


def _vec(p):
    return np.concatenate([p.A.ravel(), p.W.ravel(), p.u, p.v])


def _unvec(x, m, d):
    return Params(x[:m * m].reshape(m, m), x[m * m:m * m + m * d].reshape(m, d), x[m * m + m * d:m * m + m * d + m],
                  x[m * m + m * d + m:])


def _bs3(p, X, y, h):
    """One step of the pair from p with step h: (theta_new, error estimate)."""
    m, d = p.W.shape

    def f(x):
        g = evaluate(_unvec(x, m, d), X, y, GAMMA, tol=1e-15).grads
        return -_vec(g)

    x = _vec(p)
    k1 = f(x)
    k2 = f(x + h / 2 * k1)
    k3 = f(x + 3 * h / 4 * k2)
    x_new = x + h * (B3[0] * k1 + B3[1] * k2 + B3[2] * k3)
    k4 = f(x_new)
    err = h * np.linalg.norm((B3 - B2) @ np.array([k1, k2, k3, k4]))
    return x_new, err


def _small_problem(seed=0, n=3, d=2, m=4, scale=0.15):
    """Parameters with ||theta|| < 1, where the error control is absolute (max(||theta||, 1) = 1)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    p = init_params(m, d, seed)
    p = Params(scale * p.A, scale * p.W, scale * p.u, scale * p.v)
    return X, np.sign(rng.standard_normal(n)), p


def _run_with_states(p0, X, y, cfg):
    states = []
    tr = train_gf(p0, X, y, cfg, on_checkpoint=lambda st, _tr: states.append(st))
    return tr, states[:-1]          # the last callback repeats the final state


def test_every_accepted_step_is_a_bogacki_shampine_step_with_the_standard_controller():
    X, y, p0 = _small_problem()
    assert np.linalg.norm(_vec(p0)) < 1.0
    rtol = 1e-6
    cfg = TrainConfig(gamma=GAMMA, step_size=1e-3, steps=12, t_final=10.0, rtol=rtol, checkpoint_every=1)
    tr, states = _run_with_states(p0, X, y, cfg)
    assert len(states) == 12 and [s["k"] for s in states] == list(range(1, 13))
    ts = [0.0] + [s["t"] for s in states]
    ps = [p0] + [s["params"] for s in states]
    assert np.array_equal(tr.arrays()["time"], ts)
    capped = 0
    for k, st in enumerate(states):
        h = ts[k + 1] - ts[k]
        x_new, err = _bs3(ps[k], X, y, h)
        np.testing.assert_allclose(_vec(ps[k + 1]), x_new, rtol=1e-11, atol=1e-13)
        scale = rtol * max(np.linalg.norm(x_new), 1.0)
        assert err <= scale, k                                    # accepted steps meet the tolerance
        fac = min(5.0, max(0.2, 0.9 * (err / scale) ** (-1.0 / 3.0)))
        capped += fac == 5.0
        assert st["h"] == pytest.approx(h * fac, rel=1e-6), k     # the next step proposed
    assert capped >= 1                                            # from h = 1e-3 the step first grows by the cap


def test_a_step_with_too_large_an_error_is_retried_smaller():
    """A first step whose error is 1.5x the tolerance is rejected and retried with h 0.9 (1.5)^(-1/3)."""
    X, y, p0 = _small_problem(seed=1)
    rtol = 1e-6
    h1 = 0.05
    _, e1 = _bs3(p0, X, y, h1)
    h0 = h1 * (1.5 * rtol / e1) ** (1 / 3)                          # err ~ C h^3 (third-order pair)
    x0, e0 = _bs3(p0, X, y, h0)
    ratio = e0 / (rtol * max(np.linalg.norm(x0), 1.0))
    assert 1.3 < ratio < 1.7
    cfg = TrainConfig(gamma=GAMMA, step_size=h0, steps=1, t_final=10.0, rtol=rtol, checkpoint_every=1)
    _, states = _run_with_states(p0, X, y, cfg)
    h_used = states[0]["t"]
    assert h_used == pytest.approx(h0 * 0.9 * ratio ** (-1.0 / 3.0), rel=1e-6)


def test_a_unit_stage_coefficient_is_applied():
    """h = 2: the second stage is theta + 1 * k1 (h a21 = 1 exactly); the accepted step is the pair's."""
    X, _y, p0 = _small_problem(seed=2)
    y = evaluate(p0, X, np.zeros(X.shape[0]), GAMMA).yhat + 0.01     # small residual: a long step stays tame
    cfg = TrainConfig(gamma=GAMMA, step_size=2.0, steps=1, t_final=2.0, rtol=1e3, checkpoint_every=1)
    tr, states = _run_with_states(p0, X, y, cfg)
    assert tr.stopped_reason is None and states[0]["t"] == 2.0
    x_new, _ = _bs3(p0, X, y, 2.0)
    np.testing.assert_allclose(_vec(tr.final), x_new, rtol=1e-11, atol=1e-13)


def test_step_size_underflow_stops_below_1e_14():
    """Non-finite gradients reject every step, h is quartered each time, and the run stops at the first
    h < 1e-14 max(t, 1); the final checkpoint carries that h (quartering is exact in binary)."""
    X, _y, p0 = _small_problem(seed=3)
    y = np.array([np.nan, 0.0, 0.0])
    h0 = 1.5e-14 * 4.0**3
    states = []
    tr = train_gf(p0, X, y, TrainConfig(gamma=GAMMA, step_size=h0, steps=5, t_final=1.0),
                  on_checkpoint=lambda st, _tr: states.append(st))
    assert tr.stopped_reason == "non-finite values at t = 0; step size underflow"
    assert states[-1]["h"] == h0 / 4.0**4 and states[-1]["h"] < 1e-14 <= 4 * states[-1]["h"]


def test_an_exact_stationary_point_grows_the_step_by_the_cap():
    """u = v = 0 and y = 0: yhat = 0 = y exactly, so every gradient is exactly 0, the error estimate is exactly 0
    and each accepted step grows h by the controller's cap 5 (until t_final clips it); theta never moves."""
    X, _y, p0 = _small_problem(seed=4)
    p0 = Params(p0.A, p0.W, np.zeros_like(p0.u), np.zeros_like(p0.v))
    cfg = TrainConfig(gamma=GAMMA, step_size=0.01, steps=50, t_final=1.0, checkpoint_every=1)
    tr, states = _run_with_states(p0, X, np.zeros(X.shape[0]), cfg)
    assert tr.stopped_reason is None
    h = [0.01 * 5.0**j for j in range(3)]
    np.testing.assert_allclose(tr.arrays()["time"], np.cumsum([0.0] + h + [1.0 - sum(h)]), rtol=1e-15)
    assert [st["h"] for st in states[:3]] == [5 * x for x in h]
    for name in "AWuv":
        assert np.array_equal(getattr(tr.final, name), getattr(p0, name))


class _NanLossAfter(NumpyBackend):
    """numpy, except that once `poisoned` is set the norm of the residual r (the only vector of length n = 3
    whose norm the engine takes) is nan: the loss turns non-finite while the solves still converge."""

    poisoned = False

    def norm(self, x):
        return float("nan") if self.poisoned and x.shape == (3,) else super().norm(x)


def test_step_size_underflow_threshold_is_relative_to_t():
    """Non-finite values from t = 7.81 on (exact stationary flow: h = 0.01 x 5^k): h is quartered down to the
    first h < 1e-14 t, i.e. the underflow test is relative once t > 1."""
    X, _y, p0 = _small_problem(seed=4)
    p0 = Params(p0.A, p0.W, np.zeros_like(p0.u), np.zeros_like(p0.v))
    bk = _NanLossAfter()

    def on_step(k, _ev):
        bk.poisoned = k == 5

    states = []
    tr = train_gf(p0, X, np.zeros(X.shape[0]), TrainConfig(gamma=GAMMA, step_size=0.01, steps=50, t_final=100.0),
                  bk=bk, on_step=on_step, on_checkpoint=lambda st, _tr: states.append(st))
    t = tr.arrays()["time"][-1]
    assert len(tr) == 6 and t == pytest.approx(7.81, rel=1e-12)
    assert tr.stopped_reason == "non-finite values at t = 7.81; step size underflow"
    h = states[-1]["h"]
    assert h < 1e-14 * t <= 4 * h
