"""The training loops of verifier.engine.train, checked against direct recomputation.

* Every TRAJECTORY_KEYS / NTK_KEYS record equals the quantity it names (L2.2, L3.1, L3.4-L3.6), recomputed
  here from the parameters with LAPACK norms and eigenvalues; the parameters of GD are rebuilt from the
  update rule theta(k+1) = theta(k) - alpha grad L(theta(k)) (L3.6) and must end at traj.final.
* Gradient flow (L3.5) agrees with an independent classical RK4 integration of d theta/dt = -grad L.
* Checkpoints come at the stated cadence; resuming from one, or from an interrupt, continues bit for bit.
* Each way a run stops keeps what was recorded and says why.
"""
import copy

import numpy as np
import pytest

from verifier.engine import NTK_KEYS, TRAJECTORY_KEYS, TrainConfig, evaluate, init_params, train_gd, train_gf
from verifier.engine.model import Params
from verifier.engine.ntk import ntk_terms
from verifier.engine.train import op_norm

GAMMA = 0.2


def _problem(seed=0, n=5, d=3, m=20):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    return X, np.sign(rng.standard_normal(n)), init_params(m, d, seed)


def _norm2(M):
    return np.linalg.svd(M, compute_uv=False)[0]


class _Capture:
    """on_step callback keeping each step's Evaluation (what the recorder saw)."""

    def __init__(self, stop_at=None):
        self.evs, self.stop_at = {}, stop_at

    def __call__(self, k, ev):
        self.evs[k] = ev
        if k == self.stop_at:
            raise KeyboardInterrupt


def _check_record(a, j, p, p0, ev, X, gamma):
    m = p.m
    sq = np.sqrt(m)
    Phi = np.maximum(X @ p.W.T, 0.0) / sq
    nA = _norm2(p.A)
    expect = {
        "loss": ev.loss, "residual_sq": 2 * ev.loss,
        "lambda_min_G": np.linalg.eigvalsh(Phi @ Phi.T)[0],
        "contraction": gamma * nA / sq, "A_norm_scaled": nA / sq, "W_norm_scaled": _norm2(p.W) / sq,
        "u_norm": np.linalg.norm(p.u), "v_norm": np.linalg.norm(p.v),
        "dist_A": _norm2(p.A - p0.A), "dist_W": _norm2(p.W - p0.W),
        "dist_u": np.linalg.norm(p.u - p0.u), "dist_v": np.linalg.norm(p.v - p0.v),
        "fwd_residual": ev.forward.residual, "adj_residual": ev.adjoint.residual,
        "fwd_rate": ev.forward.contraction_estimate, "adj_rate": ev.adjoint.contraction_estimate,
    }
    for key, val in expect.items():
        assert a[key][j] == pytest.approx(val, rel=1e-10, abs=1e-13), (key, j)
    assert a["fwd_iters"][j] == ev.forward.iterations and a["adj_iters"][j] == ev.adjoint.iterations


@pytest.mark.parametrize("m", [20, 130])   # LAPACK norms; warm-started Lanczos norms (m >= 128)
def test_gd_records_and_update_rule(m):
    X, y, p0 = _problem(m=m)
    K, alpha = 3, 0.05
    cap = _Capture()
    tr = train_gd(p0, X, y, TrainConfig(gamma=GAMMA, step_size=alpha, steps=K, ntk_every=2), on_step=cap)
    a = tr.arrays()
    assert tr.stopped_reason is None and tr.stopped_step is None and not tr.interrupted and len(tr) == K + 1
    assert set(a) == set(TRAJECTORY_KEYS) | set(NTK_KEYS)
    assert np.array_equal(a["step"], np.arange(K + 1)) and a["step"].dtype == np.int64
    np.testing.assert_allclose(a["time"], alpha * np.arange(K + 1), rtol=1e-15)
    ps = [p0]
    for k in range(K):                                     # theta(k+1) = theta(k) - alpha grad L(theta(k))
        g = cap.evs[k].grads
        q = ps[-1]
        ps.append(Params(q.A - alpha * g.A, q.W - alpha * g.W, q.u - alpha * g.u, q.v - alpha * g.v))
    for name in "AWuv":
        assert np.array_equal(getattr(tr.final, name), getattr(ps[K], name))
        assert np.array_equal(getattr(tr.init, name), getattr(p0, name))
    for k in range(K + 1):
        _check_record(a, k, ps[k], p0, cap.evs[k], X, GAMMA)
    assert np.all(np.diff(a["seconds"]) >= 0) and a["seconds"][0] >= 0
    assert list(a["ntk_step"]) == [0, 2]
    for j, k in enumerate((0, 2)):
        T = ntk_terms(cap.evs[k], X, GAMMA, ps[k].v)
        eH = np.linalg.eigvalsh(T["H"])
        assert a["ntk_lambda_min_H"][j] == pytest.approx(eH[0], rel=1e-12)
        assert a["ntk_lambda_max_H"][j] == pytest.approx(eH[-1], rel=1e-12)
        for name in ("A_term", "W_term", "uv_term"):
            assert a[f"ntk_lambda_min_{name}"][j] == pytest.approx(np.linalg.eigvalsh(T[name])[0], rel=1e-9, abs=1e-14)


def test_op_norm_is_the_spectral_norm():
    rng = np.random.default_rng(1)
    for shape in ((20, 20), (140, 130), (130, 140)):
        M = rng.standard_normal(shape)
        assert op_norm(M)[0] == pytest.approx(_norm2(M), rel=1e-13)


def _same_records(a, b):
    assert set(a) == set(b)
    for key in a:
        if key != "seconds":
            assert np.array_equal(a[key], b[key], equal_nan=True), key


def test_gd_checkpoints_and_resume_bit_for_bit():
    X, y, p0 = _problem(seed=2)
    cfg = TrainConfig(gamma=GAMMA, step_size=0.05, steps=5, ntk_every=2, checkpoint_every=2)
    states = []
    full = train_gd(p0, X, y, cfg, on_checkpoint=lambda st, tr: states.append((st, copy.deepcopy(tr.records))))
    assert [st["k"] for st, _ in states] == [2, 4, 5]
    for st, recs in states:
        assert st["kind"] == "gd" and st["t"] == st["k"] * 0.05 and len(recs["step"]) == st["k"] + (st["k"] == 5)
        assert st["Z"].shape == (5, 20) and st["B"].shape == (5, 20) and st["seconds"] >= 0
    st, recs = states[0]
    resumed = train_gd(p0, X, y, cfg, resume={**st, "records": recs})
    _same_records(full.arrays(), resumed.arrays())
    for name in "AWuv":
        assert np.array_equal(getattr(full.final, name), getattr(resumed.final, name))
    ext = train_gd(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.05, steps=7, ntk_every=2),
                   resume={**states[-1][0], "records": states[-1][1]})
    longer = train_gd(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.05, steps=7, ntk_every=2))
    _same_records(longer.arrays(), ext.arrays())


@pytest.mark.parametrize("stop_at", [0, 3, 4])
def test_gd_interrupt_keeps_records_and_resumes_bit_for_bit(stop_at):
    X, y, p0 = _problem(seed=3, m=130)
    cfg = TrainConfig(gamma=GAMMA, step_size=0.05, steps=5, ntk_every=2)
    full = train_gd(p0, X, y, cfg)
    last = []
    part = train_gd(p0, X, y, cfg, on_step=_Capture(stop_at),
                    on_checkpoint=lambda st, tr: last.append((st, copy.deepcopy(tr.records))))
    assert part.interrupted and part.stopped_step == stop_at and len(part) == stop_at
    assert part.stopped_reason == f"interrupted by the user at step {stop_at}"
    assert all(len(v) == stop_at for k, v in part.records.items() if k in TRAJECTORY_KEYS)
    assert list(part.records["ntk_step"]) == [s for s in (0, 2, 4) if s < stop_at]
    st, recs = last[-1]
    assert len(last) == 1 and st["k"] == stop_at
    resumed = train_gd(p0, X, y, cfg, resume={**st, "records": recs})
    _same_records(full.arrays(), resumed.arrays())


def _rk4(p, X, y, T, h):
    """Classical RK4 for d theta/dt = -grad L(theta), fixed step h (independent of the engine's integrator).

    Returns the end point and whether the activation patterns D, E stayed those of theta(0) at every step:
    the vector field of L2.3 jumps where a pattern flips, and no Runge-Kutta order survives a jump.
    """
    def f(q):
        g = evaluate(q, X, y, GAMMA, tol=1e-15).grads
        return [-g.A, -g.W, -g.u, -g.v]

    def ax(q, c, k):
        return Params(*(x + c * kk for x, kk in zip((q.A, q.W, q.u, q.v), k)))

    ev0 = evaluate(p, X, y, GAMMA)
    smooth = True
    for _ in range(int(round(T / h))):
        k1 = f(p)
        k2 = f(ax(p, h / 2, k1))
        k3 = f(ax(p, h / 2, k2))
        k4 = f(ax(p, h, k3))
        p = Params(*(x + h / 6 * (a + 2 * b + 2 * c + d)
                     for x, a, b, c, d in zip((p.A, p.W, p.u, p.v), k1, k2, k3, k4)))
        ev = evaluate(p, X, y, GAMMA)
        smooth &= np.array_equal(ev.D, ev0.D) and np.array_equal(ev.E, ev0.E)
    return p, smooth


def _flow_problem():
    """Seed and horizon on which no activation pattern flips along the flow (checked by _rk4)."""
    X, y, p0 = _problem(seed=10)
    return X, y, p0, 0.15


def _maxdiff(p, q):
    return max(np.max(np.abs(getattr(p, n) - getattr(q, n))) for n in "AWuv")


def test_gradient_flow_matches_rk4_and_its_records():
    X, y, p0, T = _flow_problem()
    ref, smooth = _rk4(p0, X, y, T, 0.0075)
    assert smooth
    cap = _Capture()
    tr = train_gf(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.01, steps=500, t_final=T, rtol=1e-8,
                                        ntk_every=3), on_step=cap)
    a = tr.arrays()
    assert tr.stopped_reason is None and a["time"][-1] == pytest.approx(T, abs=1e-12)
    assert np.array_equal(a["step"], np.arange(len(tr))) and np.all(np.diff(a["time"]) > 0)
    assert _maxdiff(tr.final, ref) < 1e-7
    K = len(tr) - 1
    _check_record(a, 0, p0, p0, cap.evs[0], X, GAMMA)
    _check_record(a, K, tr.final, p0, cap.evs[K], X, GAMMA)
    assert list(a["ntk_step"]) == list(range(0, K + 1, 3))
    # the loss decreases along the flow at the rate -||grad L||^2 at t = 0
    g0 = cap.evs[0].grads
    slope = -sum(np.sum(x * x) for x in (g0.A, g0.W, g0.u, g0.v))
    assert (a["loss"][1] - a["loss"][0]) / a["time"][1] == pytest.approx(slope, rel=0.05)


def test_gradient_flow_error_control_scales_with_rtol():
    X, y, p0, T = _flow_problem()
    ref, smooth = _rk4(p0, X, y, T, 0.0075)
    assert smooth
    errs, steps = [], []
    for rtol in (1e-5, 1e-8):
        tr = train_gf(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.1, steps=10_000, t_final=T, rtol=rtol))
        errs.append(_maxdiff(tr.final, ref))
        steps.append(len(tr) - 1)
    # tolerance proportionality: 1000x smaller rtol, at least 100x smaller global error, more steps
    assert errs[1] < errs[0] / 100 and steps[1] > steps[0]
    assert errs[0] < 1e-4


def test_gradient_flow_checkpoints_resume_and_interrupt():
    X, y, p0 = _problem(seed=6)
    cfg = TrainConfig(gamma=GAMMA, step_size=0.02, steps=200, t_final=0.4, rtol=1e-6, ntk_every=2,
                      checkpoint_every=3)
    states = []
    full = train_gf(p0, X, y, cfg, on_checkpoint=lambda st, tr: states.append((st, copy.deepcopy(tr.records))))
    K = len(full) - 1
    assert [st["k"] for st, _ in states] == list(range(3, K + 1, 3)) + [K]
    st, recs = states[0]
    assert st["kind"] == "gf" and st["h"] > 0 and len(st["grads"]) == 4 and st["t"] == full.arrays()["time"][3]
    _same_records(full.arrays(), train_gf(p0, X, y, cfg, resume={**st, "records": recs}).arrays())
    last = []
    part = train_gf(p0, X, y, cfg, on_step=_Capture(4),
                    on_checkpoint=lambda s, tr: last.append((s, copy.deepcopy(tr.records))))
    assert part.interrupted and part.stopped_step == 4 and len(part) == 5
    assert part.stopped_reason.startswith("interrupted by the user at t = ") and "(step 4)" in part.stopped_reason
    _same_records(full.arrays(), train_gf(p0, X, y, cfg, resume={**last[-1][0], "records": last[-1][1]}).arrays())
    # interrupted while reporting theta(0): nothing kept, the run resumes by evaluating theta(0) again
    last = []
    part = train_gf(p0, X, y, cfg, on_step=_Capture(0),
                    on_checkpoint=lambda s, tr: last.append((s, copy.deepcopy(tr.records))))
    assert part.interrupted and part.stopped_step == 0 and len(part) == 0 and last[-1][0]["t"] == 0.0
    assert last[-1][0]["grads"] is None
    _same_records(full.arrays(), train_gf(p0, X, y, cfg, resume={**last[-1][0], "records": last[-1][1]}).arrays())


def test_stops_are_reported_and_keep_the_records():
    X, y, p0 = _problem(seed=7)
    # the equilibrium solve fails at theta(0): nothing recorded, the SolveError message kept, and the
    # final checkpoint is theta(0) without warm starts
    states = []
    tr = train_gd(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.05, steps=3, max_iter=2),
                  on_checkpoint=lambda st, _tr: states.append(st))
    assert len(tr) == 0 and tr.stopped_step == 0 and "did not converge" in tr.stopped_reason
    assert tr.final is not None and np.array_equal(tr.final.A, p0.A)
    assert len(states) == 1 and states[0]["k"] == 0 and states[0]["Z"] is None and states[0]["B"] is None
    # a non-finite label makes the loss non-finite at step 0
    tr = train_gd(p0, X, np.array([np.inf, 0, 0, 0, 0]), TrainConfig(gamma=GAMMA, step_size=0.05, steps=3))
    assert len(tr) == 0 and tr.stopped_step == 0 and tr.stopped_reason.startswith("loss became non-finite")
    # an infinite step makes the parameters non-finite after the first update
    tr = train_gd(p0, X, y, TrainConfig(gamma=GAMMA, step_size=np.inf, steps=3))
    assert len(tr) == 1 and tr.stopped_step == 1
    assert tr.stopped_reason == "parameters became non-finite after step 0"
    # gradient flow: the step budget runs out before t_final
    tr = train_gf(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.01, steps=3, t_final=10.0))
    assert len(tr) == 4 and tr.stopped_step == 3
    assert tr.stopped_reason.startswith("reached the maximum of 3 accepted integrator steps at t = ")
    # gradient flow: non-finite gradients reject every step until the step size underflows
    tr = train_gf(p0, X, np.array([np.nan, 0, 0, 0, 0]), TrainConfig(gamma=GAMMA, step_size=0.01, steps=3,
                                                                        t_final=1.0))
    assert tr.stopped_step == 0 and tr.stopped_reason == "non-finite values at t = 0; step size underflow"
    assert len(tr) == 1 and np.isnan(tr.arrays()["loss"][0])
    # an overflowing residual gives an infinite loss, not an OverflowError
    tr = train_gd(p0, X, np.full(5, 1e200), TrainConfig(gamma=GAMMA, step_size=0.05, steps=3))
    assert tr.stopped_step == 0 and tr.stopped_reason == "loss became non-finite (inf) at step 0"
    # gradient flow: a failing solve; the final checkpoint has no FSAL gradient and no warm starts
    states = []
    tr = train_gf(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.01, steps=3, t_final=1.0, max_iter=2),
                  on_checkpoint=lambda st, _tr: states.append(st))
    assert tr.stopped_step == 0 and "did not converge" in tr.stopped_reason
    assert len(states) == 1 and states[0]["grads"] is None and states[0]["Z"] is None
    with pytest.raises(ValueError, match="^gradient flow needs t_final > 0$"):
        train_gf(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.01, steps=3))
    with pytest.raises(ValueError, match="^gradient flow needs t_final > 0$"):
        train_gf(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.01, steps=3, t_final=0.0))


def test_trajectory_npz_round_trip(tmp_path):
    X, y, p0 = _problem(seed=8)
    tr = train_gd(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.05, steps=2, ntk_every=1))
    tr.save_npz(tmp_path / "t.npz")
    with np.load(tmp_path / "t.npz") as f:
        assert set(f.files) == set(TRAJECTORY_KEYS) | set(NTK_KEYS) | {"A0", "W0", "u0", "v0"}
        for name in "AWuv":
            assert np.array_equal(f[name + "0"], getattr(p0, name)), name
        for key, val in tr.arrays().items():
            assert np.array_equal(f[key], val, equal_nan=True) and f[key].dtype == val.dtype


def test_a_single_non_finite_parameter_is_noticed():
    """GD stops on the first non-finite entry of any of the four trained parameters (L3.6 trains all four)."""
    from verifier.engine.backend import get_backend
    from verifier.engine.train import _finite_params

    bk = get_backend("numpy")
    _X, _y, p = _problem(seed=9)
    assert _finite_params(bk, p)
    for name in "AWuv":
        for bad in (np.inf, -np.inf, np.nan):
            q = p.copy()
            getattr(q, name).flat[3] = bad
            assert not _finite_params(bk, q), (name, bad)


def test_gd_warm_starts_both_solves_from_the_previous_step():
    """With a small step theta(k+1) is close to theta(k), so the equilibrium and adjoint solves started
    from the previous step's solutions need clearly fewer iterations than the cold solves at theta(0)."""
    X, y, p0 = _problem(seed=11)
    a = train_gd(p0, X, y, TrainConfig(gamma=0.4, step_size=1e-6, steps=4)).arrays()
    assert np.all(a["fwd_iters"][1:] < 0.7 * a["fwd_iters"][0])
    assert np.all(a["adj_iters"][1:] < 0.7 * a["adj_iters"][0])


def test_gradient_flow_warm_starts_and_solver_options():
    """Stage solves start from the last accepted point's solutions; the configured solver is used."""
    X, y, p0 = _problem(seed=11)
    cap = _Capture()
    a = train_gf(p0, X, y, TrainConfig(gamma=0.4, step_size=1e-7, steps=3, t_final=1.0, solver="anderson"),
                 on_step=cap).arrays()
    assert all(ev.forward.method == ev.adjoint.method == "anderson" for ev in cap.evs.values())
    assert np.all(a["fwd_iters"][1:] < 0.7 * a["fwd_iters"][0])
    assert np.all(a["adj_iters"][1:] < 0.7 * a["adj_iters"][0])


def test_gradient_flow_at_a_stationary_point_and_with_zero_read_out_weights():
    """y = yhat(theta(0)) exactly: grad L = 0 at theta(0), so the flow stays put.
    Exact zeros in u and v are ordinary parameter values for the integrator."""
    X, _y, p0 = _problem(seed=12)
    y0 = evaluate(p0, X, np.zeros(5), GAMMA).yhat
    tr = train_gf(p0, X, y0, TrainConfig(gamma=GAMMA, step_size=0.01, steps=50, t_final=1.0))
    assert tr.stopped_reason is None and tr.arrays()["time"][-1] == pytest.approx(1.0)
    for name in "AWuv":   # the stage solves differ from the first by rounding only
        np.testing.assert_allclose(getattr(tr.final, name), getattr(p0, name), rtol=0, atol=1e-12)
    assert tr.arrays()["loss"][0] == 0.0 and np.all(tr.arrays()["loss"] < 1e-26)
    q = p0.copy()
    q.u[:3] = 0.0
    q.v[:3] = 0.0
    tr = train_gf(q, X, np.sign(y0), TrainConfig(gamma=GAMMA, step_size=0.01, steps=200, t_final=0.2))
    assert tr.stopped_reason is None and np.all(np.isfinite(tr.arrays()["loss"]))
