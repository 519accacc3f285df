"""numpy and torch backends compute the same mathematics (float64 on CPU: agreement to 1e-10)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch extra not installed (pip install torch==2.13.0)")

from verifier.engine import TrainConfig, evaluate, get_backend, init_params, train_gd, train_gf  # noqa: E402


def _problem(seed=0, n=10, d=5, m=60):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    y = np.sign(rng.standard_normal(n))
    return X, y, init_params(m, d, seed)


@pytest.mark.parametrize("solver", ["picard", "anderson"])
def test_evaluate_agrees(solver):
    X, y, p = _problem()
    bk = get_backend("torch", device="cpu")
    ev_np = evaluate(p, X, y, 0.2, method=solver)
    ev_t = evaluate(p.to(bk), bk.asarray(X), bk.asarray(y), 0.2, bk=bk, method=solver)
    assert abs(ev_np.loss - ev_t.loss) <= 1e-12 * ev_np.loss
    for name in "AWuv":
        a = getattr(ev_np.grads, name)
        b = bk.to_numpy(getattr(ev_t.grads, name))
        assert np.max(np.abs(a - b)) <= 1e-10 * max(1.0, np.max(np.abs(a))), name


def test_training_trajectories_agree_gd_and_gf():
    X, y, p = _problem(1)
    bk = get_backend("torch", device="cpu")
    cfg = TrainConfig(gamma=0.1, step_size=0.01, steps=30, ntk_every=10)
    a = train_gd(p, X, y, cfg).arrays()
    b = train_gd(p, X, y, cfg, bk=bk).arrays()
    for key in ("loss", "lambda_min_G", "A_norm_scaled", "W_norm_scaled", "u_norm", "dist_A", "ntk_lambda_min_H"):
        assert np.allclose(a[key], b[key], rtol=1e-10, atol=1e-12), key
    cfg = TrainConfig(gamma=0.1, step_size=1e-3, steps=40, t_final=0.3)
    a = train_gf(p, X, y, cfg).arrays()
    b = train_gf(p, X, y, cfg, bk=bk).arrays()
    assert len(a["loss"]) == len(b["loss"])
    assert np.allclose(a["loss"], b["loss"], rtol=1e-10)


def test_float32_is_close_to_float64():
    """float32 (documented tolerance: 1e-4 relative on the loss over 30 steps at this size)."""
    X, y, p = _problem(2)
    bk = get_backend("torch", device="cpu", dtype="float32")
    cfg = TrainConfig(gamma=0.1, step_size=0.01, steps=30, tol=1e-6)
    a = train_gd(p, X, y, TrainConfig(gamma=0.1, step_size=0.01, steps=30)).arrays()["loss"]
    b = train_gd(p, X, y, cfg, bk=bk).arrays()["loss"]
    assert np.max(np.abs(a - b) / a) < 1e-4
