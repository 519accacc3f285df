"""An explicit `bk` is the backend every stage of the engine computes with (features, both solves, the
loss, the kink margins, the recorder), not one re-inferred from the arrays.

The backend below is numpy's, counting its calls: each Picard iteration applies sigma once (relu) and takes
two norms (||f(X)|| and ||f(X) - X||), the features apply sigma once, the loss takes one norm and the
margins two row-norm passes. The counts must cover every iteration the solves report.
"""
import collections

import numpy as np
import pytest

from verifier.engine import TrainConfig, evaluate, init_params, train_gd, train_gf
from verifier.engine.backend import NumpyBackend
from verifier.engine.gradients import preactivation_margins, predict
from verifier.engine.solvers import solve_adjoint, solve_forward
from verifier.engine.train import op_norm


class _Counting(NumpyBackend):
    def __init__(self):
        super().__init__()
        self.calls = collections.Counter()

    def relu(self, x):
        self.calls["relu"] += 1
        return super().relu(x)

    def norm(self, x):
        self.calls["norm"] += 1
        return super().norm(x)

    def row_norms(self, x):
        self.calls["row_norms"] += 1
        return super().row_norms(x)


def _problem(seed=0, n=5, d=3, m=20):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    return X, np.sign(rng.standard_normal(n)), init_params(m, d, seed)


def test_predict_and_evaluate_use_the_given_backend():
    X, y, p = _problem()
    bk = _Counting()
    _yhat, _Z, _Phi, st = predict(p, X, 0.3, bk=bk)
    assert bk.calls["relu"] == 1 + st.iterations            # features + one per forward iteration
    bk = _Counting()
    ev = evaluate(p, X, y, 0.3, bk=bk)
    assert bk.calls["relu"] == 1 + ev.forward.iterations
    assert bk.calls["norm"] >= 2 * (ev.forward.iterations + ev.adjoint.iterations) + 1
    bk = _Counting()
    preactivation_margins(ev, X, p.W, 1e-13, bk=bk)
    assert bk.calls["row_norms"] == 2


@pytest.mark.parametrize("method", ["gd", "gf"])
def test_training_uses_the_given_backend(method):
    X, y, p = _problem(seed=1)
    bk = _Counting()
    seen = {}                                   # record k -> (relu calls so far, its evaluation)

    def on_step(k, ev):
        seen[k] = (bk.calls["relu"], ev)

    if method == "gd":
        tr = train_gd(p, X, y, TrainConfig(gamma=0.3, step_size=0.05, steps=3), bk=bk, on_step=on_step)
    else:
        tr = train_gf(p, X, y, TrainConfig(gamma=0.3, step_size=0.05, steps=20, t_final=0.1), bk=bk,
                      on_step=on_step)
    a = tr.arrays()
    assert tr.stopped_reason is None and len(tr) >= 3 and sorted(seen) == list(range(len(tr)))
    # theta(0)'s evaluation ran on bk: the features and one relu per forward iteration, nothing else yet
    assert seen[0][0] == 1 + seen[0][1].forward.iterations
    # so did every later recorded one (GF: plus its other stages, GD: exactly that)
    for k in range(1, len(tr)):
        delta = seen[k][0] - seen[k - 1][0]
        need = 1 + seen[k][1].forward.iterations
        assert delta == need if method == "gd" else delta >= need + 2, k
    assert bk.calls["norm"] >= 2 * np.sum(a["fwd_iters"] + a["adj_iters"])
    assert bk.calls["row_norms"] >= 2 * len(tr)               # the kink margins of every record


def test_op_norm_forwards_the_warm_start():
    """op_norm is numpy's spectral norm with the given start: ARPACK's last bits depend on the start, so the
    value and vector must be those of the backend's call with the same start (not a default one)."""
    rng = np.random.default_rng(1)
    bk = NumpyBackend()
    for shape in ((140, 130), (130, 140)):
        M = rng.standard_normal(shape)
        v0 = rng.standard_normal(min(shape))
        s, v = op_norm(M, v0)
        s_ref, v_ref = bk.spectral_norm(M, v0)
        assert s == s_ref and np.array_equal(v, v_ref)
        assert s == pytest.approx(np.linalg.norm(M, 2), rel=1e-13)


def test_solves_infer_the_torch_backend_from_the_arrays():
    torch = pytest.importorskip("torch", reason="torch extra not installed")
    from verifier.engine import get_backend

    X, _y, p = _problem(seed=2)
    gt = 0.3 / np.sqrt(p.m)
    Phi = np.maximum(X @ p.W.T, 0.0) / np.sqrt(p.m)
    tb = get_backend("torch", device="cpu")
    Z_t, st_t = solve_forward(tb.asarray(p.A), tb.asarray(Phi), gt)                 # no bk argument
    Z, st = solve_forward(p.A, Phi, gt)
    assert isinstance(Z_t, torch.Tensor) and st_t.iterations == st.iterations
    np.testing.assert_allclose(tb.to_numpy(Z_t), Z, rtol=1e-12, atol=1e-14)
    D = (Z @ (gt * p.A.T) + Phi > 0).astype(float)
    B_t, _ = solve_adjoint(tb.asarray(p.A), tb.asarray(D), tb.asarray(p.u), gt)
    B, _ = solve_adjoint(p.A, D, p.u, gt)
    assert isinstance(B_t, torch.Tensor)
    np.testing.assert_allclose(tb.to_numpy(B_t), B, rtol=1e-12, atol=1e-14)
