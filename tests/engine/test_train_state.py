"""What a training checkpoint holds, and resumes from awkward moments, checked bit for bit.

* A checkpoint is plain data: exactly the documented fields, numpy arrays (also from the torch backend),
  and the warm-start vectors of the four recorded spectral norms (||A||, ||W||, ||A - A0||, ||W - W0||;
  Lanczos for m >= 128, so they matter for resuming bit for bit).
* Wall-clock seconds add up over resumed segments; a checkpoint written before they were kept resumes
  from 0.
* A Ctrl-C that lands inside the checkpoint callback, or inside the recorder, loses nothing: the run
  resumed from the final checkpoint equals the uninterrupted run.
* A resumed run never records past cfg.steps.
"""
import copy
import time

import numpy as np
import pytest

from verifier.engine import TRAJECTORY_KEYS, TrainConfig, init_params, train_gd, train_gf
from verifier.engine.backend import NumpyBackend

GAMMA = 0.2
STATE_KEYS = {"kind", "k", "t", "params", "Z", "B", "norm_vecs", "seconds"}


def _problem(seed=0, n=5, d=3, m=20):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    return X, np.sign(rng.standard_normal(n)), init_params(m, d, seed)


def _same_records(a, b):
    assert set(a) == set(b)
    for key in a:
        if key != "seconds":
            assert np.array_equal(a[key], b[key], equal_nan=True), key


def _collect(states):
    return lambda st, tr: states.append((st, copy.deepcopy(tr.records)))


@pytest.mark.parametrize("method", ["gd", "gf"])
def test_checkpoint_fields(method):
    X, y, p0 = _problem(d=130, m=130)          # A and W both large enough for warm-started Lanczos norms
    states = []
    if method == "gd":
        cfg = TrainConfig(gamma=GAMMA, step_size=0.05, steps=2, checkpoint_every=1)
        train_gd(p0, X, y, cfg, on_checkpoint=_collect(states))
        keys = STATE_KEYS
    else:
        cfg = TrainConfig(gamma=GAMMA, step_size=0.02, steps=2, t_final=1.0, checkpoint_every=1)
        train_gf(p0, X, y, cfg, on_checkpoint=_collect(states))
        keys = STATE_KEYS | {"h", "grads"}
    assert [st["k"] for st, _ in states] == [1, 2, 2]
    for st, _ in states:
        assert set(st) == keys
        assert st["kind"] == method and st["seconds"] >= 0
        assert set(st["norm_vecs"]) <= {"A", "W", "dA", "dW"}
        assert all(type(v) is np.ndarray and v.dtype == np.float64 for v in st["norm_vecs"].values())
        assert type(st["Z"]) is np.ndarray and type(st["B"]) is np.ndarray
    # theta(1) was recorded before the last checkpoints: all four norms have their warm starts
    assert set(states[-1][0]["norm_vecs"]) == {"A", "W", "dA", "dW"}


def test_checkpoint_fields_from_the_torch_backend_are_numpy():
    pytest.importorskip("torch", reason="torch extra not installed")
    from verifier.engine import get_backend

    X, y, p0 = _problem(d=130, m=130)
    states = []
    train_gd(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.05, steps=2, checkpoint_every=1),
             bk=get_backend("torch", device="cpu"), on_checkpoint=_collect(states))
    st = states[-1][0]
    assert set(st) == STATE_KEYS and set(st["norm_vecs"]) == {"A", "W", "dA", "dW"}
    assert all(type(v) is np.ndarray for v in st["norm_vecs"].values())
    assert type(st["Z"]) is np.ndarray and type(st["params"].A) is np.ndarray


def test_seconds_add_up_over_resumed_segments():
    X, y, p0 = _problem(seed=1)
    cfg = TrainConfig(gamma=GAMMA, step_size=0.05, steps=4, checkpoint_every=2)
    states = []
    train_gd(p0, X, y, cfg, on_checkpoint=_collect(states))
    st, recs = states[0]
    offset = 1e6                                  # as if the first segment had run for 11.6 days
    tr = train_gd(p0, X, y, cfg, resume={**st, "seconds": offset, "records": recs})
    sec = tr.arrays()["seconds"]
    assert len(sec) == 5 and np.all(sec[:2] < offset) and np.all(sec[2:] >= offset)
    assert np.all(sec[2:] < offset + 600)
    old = {k: v for k, v in st.items() if k != "seconds"}    # a checkpoint from before seconds were kept
    t0 = time.perf_counter()
    tr = train_gd(p0, X, y, cfg, resume={**old, "records": recs})
    wall = time.perf_counter() - t0
    assert np.all(tr.arrays()["seconds"][2:] <= wall)         # counted from 0: this segment's time only


def test_gradient_flow_resume_drops_records_made_after_the_checkpoint():
    """A checkpoint at k resumed together with records that went further (e.g. a trajectory file saved after
    the checkpoint): the records after theta(k) are recomputed, not kept twice."""
    X, y, p0 = _problem(seed=6)
    cfg = TrainConfig(gamma=GAMMA, step_size=0.02, steps=8, t_final=0.2, checkpoint_every=3)
    states = []
    full = train_gf(p0, X, y, cfg, on_checkpoint=_collect(states))
    st, _recs = states[0]
    assert st["k"] == 3 and len(full) > 5
    _same_records(full.arrays(), train_gf(p0, X, y, cfg, resume={**st, "records": full.records}).arrays())


def test_interrupt_in_the_checkpoint_callback_resumes_bit_for_bit():
    """Ctrl-C inside on_checkpoint, i.e. after theta(k) is recorded and theta(k+1) formed but not yet
    recorded: the final checkpoint is theta(k+1) with the warm starts theta(k+1)'s recording needs."""
    X, y, p0 = _problem(seed=3, m=130)
    cfg = TrainConfig(gamma=GAMMA, step_size=0.05, steps=5, ntk_every=2, checkpoint_every=2)
    full = train_gd(p0, X, y, cfg)
    states = []

    def cb(st, tr):
        states.append((st, copy.deepcopy(tr.records)))
        if len(states) == 1:
            raise KeyboardInterrupt

    part = train_gd(p0, X, y, cfg, on_checkpoint=cb)
    assert part.interrupted and part.stopped_step == 2 and len(part) == 2
    st, recs = states[-1]
    assert st["k"] == 2
    _same_records(full.arrays(), train_gd(p0, X, y, cfg, resume={**st, "records": recs}).arrays())


class _InterruptAt(NumpyBackend):
    """numpy, except that the `at`-th eigvalsh call (the recorder's lambda_min(G) or an NTK eigenvalue)
    raises KeyboardInterrupt, as a Ctrl-C landing there would."""

    def __init__(self, at):
        super().__init__()
        self.at, self.n = at, 0

    def eigvalsh(self, M):
        self.n += 1
        if self.n == self.at:
            raise KeyboardInterrupt
        return super().eigvalsh(M)


@pytest.mark.parametrize("at", [4, 7])
def test_gradient_flow_interrupted_inside_the_recorder_resumes_bit_for_bit(at):
    """ntk_every=1: every record makes 5 eigvalsh calls (lambda_min(G), H, three terms). Call 4 falls in
    record 0's NTK part (after its main entries are appended), call 7 in record 1's main part."""
    X, y, p0 = _problem(seed=6, m=130)
    cfg = TrainConfig(gamma=GAMMA, step_size=0.02, steps=6, t_final=0.3, ntk_every=1)
    full = train_gf(p0, X, y, cfg)
    assert len(full) == 7
    last = []
    part = train_gf(p0, X, y, cfg, bk=_InterruptAt(at), on_checkpoint=_collect(last))
    assert part.interrupted
    assert all(len(v) == len(part) for k, v in part.records.items() if k in TRAJECTORY_KEYS)
    st, recs = last[-1]
    _same_records(full.arrays(), train_gf(p0, X, y, cfg, resume={**st, "records": recs}).arrays())


def test_resume_never_records_past_the_last_step():
    X, y, p0 = _problem(seed=4)
    states = []
    train_gd(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.05, steps=7, checkpoint_every=3),
             on_checkpoint=_collect(states))
    st, recs = states[1]
    assert st["k"] == 6
    tr = train_gd(p0, X, y, TrainConfig(gamma=GAMMA, step_size=0.05, steps=5), resume={**st, "records": recs})
    assert len(tr) == 6 and tr.arrays()["step"].max() == 5


def test_gd_interrupted_inside_the_recorder_resumes_bit_for_bit():
    """Call 3 of eigvalsh is record 2's lambda_min(G): ||A(2)|| (Lanczos, m = 130) was already taken, so its
    warm start advanced, but nothing of record 2 was appended."""
    X, y, p0 = _problem(seed=0, m=130)
    cfg = TrainConfig(gamma=GAMMA, step_size=0.05, steps=5)
    full = train_gd(p0, X, y, cfg)
    last = []
    part = train_gd(p0, X, y, cfg, bk=_InterruptAt(3), on_checkpoint=_collect(last))
    assert part.interrupted and part.stopped_step == 2 and len(part) == 2
    st, recs = last[-1]
    _same_records(full.arrays(), train_gd(p0, X, y, cfg, resume={**st, "records": recs}).arrays())
