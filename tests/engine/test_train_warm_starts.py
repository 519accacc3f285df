"""The trainers hand every warm start on: the recorded spectral norms start their Lanczos solve from the
previous record's singular vector (and from the vectors a caller passes in), and with mixed precision the
float32 pre-solves start from the previous step's equilibrium and adjoint. None of this changes a recorded
value beyond a few ulps, so it is checked where it shows: the start vectors themselves and the float32
iteration counts."""
import numpy as np
import pytest

from tests.helpers import unit_rows
from verifier.engine import TrainConfig, get_backend, init_params, train_gd, train_gf
from verifier.engine.backend import NumpyBackend

GAMMA = 0.25


def _problem(seed=3, n=6, d=4, m=128):
    rng = np.random.default_rng(seed)
    X = unit_rows(rng, n, d)
    return X, np.sign(rng.standard_normal(n)), init_params(m, d, seed)


def _cfg(train, steps):
    return TrainConfig(GAMMA, 0.05, steps, t_final=1.0 if train is train_gf else None)


def _spy_norms(monkeypatch):
    """Record (shape, v0, returned vector) of every numpy spectral norm of a square (A-sized) matrix."""
    calls = []
    real = NumpyBackend.spectral_norm

    def spy(self, M, v0=None):
        val, vec = real(self, M, v0)
        if M.shape[0] == M.shape[1]:
            calls.append((None if v0 is None else np.array(v0), None if vec is None else np.array(vec)))
        return val, vec

    monkeypatch.setattr(NumpyBackend, "spectral_norm", spy)
    return calls


@pytest.mark.parametrize("train", [train_gd, train_gf])
def test_recorded_norms_start_from_the_previous_records_vector(train, monkeypatch):
    X, y, p0 = _problem()
    calls = _spy_norms(monkeypatch)
    train(p0, X, y, _cfg(train, 2))
    # record 0: ||A|| only (no distance yet), cold; record 1: ||A|| warm from record 0's vector, ||A - A0|| cold;
    # record 2: both warm from record 1's vectors
    assert len(calls) >= 5
    assert calls[0][0] is None and calls[0][1] is not None
    assert np.array_equal(calls[1][0], calls[0][1])                  # ||A|| at record 1 from record 0's vector
    assert calls[2][0] is None                                        # ||A - A0|| first computed at record 1
    assert np.array_equal(calls[3][0], calls[1][1])                  # ||A|| at record 2
    assert np.array_equal(calls[4][0], calls[2][1])                  # ||A - A0|| at record 2


@pytest.mark.parametrize("train", [train_gd, train_gf])
def test_the_callers_norm_vectors_start_the_first_record(train, monkeypatch):
    X, y, p0 = _problem()
    v = np.random.default_rng(9).standard_normal(p0.m)
    v /= np.linalg.norm(v)
    calls = _spy_norms(monkeypatch)
    train(p0, X, y, _cfg(train, 1), norm_vecs={"A": v})
    assert np.array_equal(calls[0][0], v)


def test_mixed_precision_presolves_start_from_the_previous_step():
    """Cold float32 solves (record 0) need several times the iterations of the warm ones after it."""
    X, y, p0 = _problem(n=10, m=64)
    tr = train_gd(p0, X, y, TrainConfig(GAMMA, 0.02, 4, precision="mixed")).arrays()
    f32, a32 = tr["fwd_iters_f32"], tr["adj_iters_f32"]
    assert f32[0] >= 6 and a32[0] >= 6
    assert np.all(f32[1:] < f32[0]) and np.all(a32[1:] < a32[0]), (f32, a32)


def test_mixed_precision_presolves_run_on_the_trainers_backend():
    pytest.importorskip("torch", reason="torch extra not installed")
    X, y, p0 = _problem(n=8, m=48)
    cfg = TrainConfig(GAMMA, 0.02, 3, precision="mixed")
    ref = train_gd(p0, X, y, cfg).arrays()
    tt = train_gd(p0, X, y, cfg, bk=get_backend("torch", device="cpu")).arrays()
    np.testing.assert_allclose(tt["loss"], ref["loss"], rtol=1e-12)
    assert np.all(tt["fwd_iters_f32"] > 0) and np.all(tt["adj_iters_f32"] > 0)


def test_gradient_flow_solves_start_from_the_previous_equilibrium_and_adjoint():
    """The first record solves from zero; every later one starts from the last accepted stage's solution, a
    small move away with small steps (measured: 23/21 iterations cold, 14-17 warm), and needs fewer."""
    X, y, p0 = _problem(n=10, m=64)
    tr = train_gf(p0, X, y, TrainConfig(GAMMA, 1e-4, 4, t_final=1.0, rtol=1e-10)).arrays()
    fwd, adj = tr["fwd_iters"], tr["adj_iters"]
    assert np.all(fwd[1:] <= fwd[0] - 4) and np.all(adj[1:] <= adj[0] - 3), (fwd, adj)


def test_a_resumed_gradient_flow_solves_from_the_checkpoints_warm_starts():
    """A resume that must re-evaluate its first point does so from the checkpoint's Z and B: far fewer
    iterations than the solve from zero at the start (small steps: 14-19 against 21-23)."""
    import copy

    X, y, p0 = _problem(n=10, m=64)
    cfg = TrainConfig(GAMMA, 1e-4, 4, t_final=1.0, rtol=1e-10, checkpoint_every=2)
    states = []
    full = train_gf(p0, X, y, cfg, on_checkpoint=lambda st, tr: states.append((st, copy.deepcopy(tr.records))))
    st, recs = states[0]
    st = {**st, "grads": None}          # as if stopped before theta(k) was evaluated: the resume evaluates it
    resumed = train_gf(p0, X, y, cfg, resume={**st, "records": recs}).arrays()
    cold = full.arrays()
    j = int(st["k"])                    # the record the resume computes first
    assert resumed["fwd_iters"][j] <= cold["fwd_iters"][0] - 4, (resumed["fwd_iters"], cold["fwd_iters"])
    assert resumed["adj_iters"][j] <= cold["adj_iters"][0] - 3, (resumed["adj_iters"], cold["adj_iters"])


def test_the_float32_iterations_recorded_are_the_presolves_own(monkeypatch):
    """fwd_iters_f32 / adj_iters_f32 of record k are the forward / adjoint counts presolve32 returned there."""
    import verifier.engine.train as T

    seen = []
    real = T.presolve32

    def spy(*args, **kw):
        out = real(*args, **kw)
        seen.append(out[2:])
        return out

    monkeypatch.setattr(T, "presolve32", spy)
    X, y, p0 = _problem(n=10, m=64)
    tr = train_gd(p0, X, y, TrainConfig(GAMMA, 0.02, 3, precision="mixed")).arrays()
    assert [tuple(x) for x in zip(tr["fwd_iters_f32"], tr["adj_iters_f32"])] == seen
    assert any(f != a for f, a in seen)          # the two counts differ somewhere, so a swap would show
