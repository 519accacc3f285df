"""Mixed-precision solves (engine.mixed): float32 iterations only move the starting point of the float64 solves,
so every number a run records is the float64 solve's, to the same tolerance."""
import numpy as np
import pytest
from click.testing import CliRunner

from verifier.engine import TrainConfig, evaluate, get_backend, init_params, train_gd, train_gf
from verifier.engine.mixed import presolve32


def _problem(seed=5, n=12, d=6, m=96):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    return X, rng.standard_normal(n), init_params(m, d, seed)


def test_presolve_then_evaluate_is_the_float64_evaluation():
    X, y, p = _problem()
    plain = evaluate(p, X, y, 0.3)
    Z0, B0, it_f, it_a = presolve32(p, X, 0.3)
    assert Z0.dtype == np.float64 and B0.dtype == np.float64 and it_f > 0 and it_a > 0
    mixed = evaluate(p, X, y, 0.3, Z0=Z0, B0=B0)
    # the float32 start is within float32 rounding of the solution: far fewer float64 iterations
    assert mixed.forward.iterations < plain.forward.iterations - 3
    assert mixed.adjoint.iterations < plain.adjoint.iterations - 3
    assert mixed.forward.residual <= 1e-13 and mixed.adjoint.residual <= 1e-13
    assert mixed.loss == pytest.approx(plain.loss, rel=1e-13)
    for name in "AWuv":
        np.testing.assert_allclose(getattr(mixed.grads, name), getattr(plain.grads, name), rtol=0,
                                   atol=1e-12 * np.abs(getattr(plain.grads, name)).max())
    np.testing.assert_array_equal(mixed.D, plain.D)
    # and the float32 phase itself is a float32 solve to about 1e-6
    assert np.linalg.norm(Z0 - plain.Z) <= 1e-5 * np.linalg.norm(plain.Z)


def test_a_float32_phase_that_fails_keeps_the_given_warm_start():
    X, y, p = _problem(seed=6)
    Z, B = np.full((12, 96), 0.5), np.full((12, 96), 0.25)
    Z0, B0, it_f, it_a = presolve32(p, X, 0.3, Z, B, max_iter32=1)      # misses 1e-6 in one iteration
    assert Z0 is Z and B0 is B and it_f == 1 and it_a == 0
    q = p.copy()
    q.W = q.W * 1e36                                                   # float32 features overflow to inf
    Z0, B0, it_f, _ = presolve32(q, X, 0.3, Z, B)
    assert Z0 is Z and B0 is B


@pytest.mark.parametrize("method", ["gd", "gf"])
def test_training_in_mixed_precision_records_the_same_run(method):
    X, y, p = _problem(seed=7)
    kw = {"gamma": 0.3, "step_size": 0.05, "steps": 6, "t_final": 0.3 if method == "gf" else None}
    train = train_gd if method == "gd" else train_gf
    a = train(p, X, y, TrainConfig(**kw)).arrays()
    b = train(p, X, y, TrainConfig(**kw, precision="mixed")).arrays()
    assert len(a["loss"]) == len(b["loss"])
    np.testing.assert_allclose(b["loss"], a["loss"], rtol=1e-12)
    np.testing.assert_allclose(b["dist_W"], a["dist_W"], rtol=1e-9, atol=1e-13)
    assert np.all(a["fwd_iters_f32"] == 0) and np.all(a["adj_iters_f32"] == 0)
    assert np.all(b["fwd_iters_f32"] > 0) and np.all(b["adj_iters_f32"] > 0)
    assert np.all(b["fwd_residual"] <= 1e-13) and np.all(b["adj_residual"] <= 1e-13)
    assert b["fwd_iters"].sum() < a["fwd_iters"].sum()


def test_torch_backend_presolve_matches_numpy():
    pytest.importorskip("torch", reason="torch extra not installed")
    X, y, p = _problem(seed=8)
    bk = get_backend("torch", device="cpu")
    Zt, Bt, *_ = presolve32(p.to(bk), bk.asarray(X), 0.3, bk=bk)
    Zn, Bn, *_ = presolve32(p, X, 0.3)
    np.testing.assert_allclose(bk.to_numpy(Zt), Zn, rtol=0, atol=1e-5)
    np.testing.assert_allclose(bk.to_numpy(Bt), Bn, rtol=0, atol=1e-5 * np.abs(Bn).max())


def test_setting_precision():
    from verifier.setting import Setting, SettingError

    assert Setting().solve_precision() == "float64"            # opt-in: not bit for bit across thread counts
    assert Setting(precision="mixed").solve_precision() == "mixed"
    assert Setting(backend="torch").solve_precision() == "float64"
    assert Setting(precision="float64").solve_precision() == "float64"
    assert "--precision float64" in Setting(precision="float64").command()
    assert "--precision" not in Setting().command()
    for bad in (Setting(precision="half"), Setting(precision="mixed", backend="torch", dtype="float32", tol=1e-5)):
        with pytest.raises(SettingError) as e:
            bad.validate()
        assert e.value.param == "precision"


def test_cli_refuses_a_bad_precision_with_one_line():
    from verifier.cli import main

    res = CliRunner().invoke(main, ["check", "--precision", "half"])
    assert res.exit_code == 2 and "precision must be one of auto, float64, mixed" in res.output


def test_the_float32_phase_starts_from_the_given_warm_starts():
    """Started at the solution, each float32 solve meets 1e-6 at once; from zero it needs several iterations.
    With the forward warm start exact and max_iter32 = 3, the forward meets tol32 and the cold adjoint does not:
    the adjoint's given warm start (None) is handed on, the forward's float32 solution is used."""
    X, y, p = _problem(seed=9)
    ev = evaluate(p, X, y, 0.3)
    _, _, cold_f, cold_a = presolve32(p, X, 0.3)
    Zw, Bw, warm_f, warm_a = presolve32(p, X, 0.3, ev.Z, ev.B)
    assert warm_f <= 2 and warm_a <= 2 and cold_f >= 4 and cold_a >= 4
    assert Bw is not ev.B and np.linalg.norm(Bw - ev.B) <= 1e-6 * np.linalg.norm(ev.B)   # the float32 solution
    Z0, B0, it_f, it_a = presolve32(p, X, 0.3, ev.Z, None, max_iter32=3)
    assert it_f <= 2 and it_a == 3 and B0 is None
    assert Z0 is not ev.Z and np.linalg.norm(Z0 - ev.Z) <= 1e-6 * np.linalg.norm(ev.Z)


@pytest.mark.parametrize("name", ["numpy", "torch"])
def test_the_float32_phase_runs_on_the_float64_backend_and_device(name, monkeypatch):
    """The float32 backend is the caller's backend on the caller's device (a GPU run's pre-solve stays on the
    GPU; numpy takes no device), in float32."""
    if name == "torch":
        pytest.importorskip("torch")
    import verifier.engine.mixed as mixed

    calls = []
    real = mixed.get_backend

    def spy(backend_name, **kw):
        calls.append((backend_name, kw))
        return real(backend_name, **kw)

    monkeypatch.setattr(mixed, "get_backend", spy)
    bk = get_backend(name, device="cpu" if name == "torch" else None)
    X, y, p = _problem(n=6, m=32)
    mixed.presolve32(p.to(bk), bk.asarray(X), 0.3, bk=bk)
    assert calls == [(name, {"device": "cpu" if name == "torch" else None, "dtype": "float32"})]
