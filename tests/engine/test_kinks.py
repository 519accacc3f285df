"""ReLU kinks: the recorded distances of the pre-activations behind D_i and E_i (L2.3) to 0.

L2.3 and the gradient chains of appendices A.3/A.7 need sigma' at gt A z_i + phi_i and at W x_i, so no
pre-activation may sit at the kink. Instances are built with exact zeros (a row of W orthogonal to a
sample coordinate-wise, a dead unit r with A[r] = 0 and <w_r, x_i> < 0 for all i), and the recorded
counters are checked against counts recomputed here from the returned equilibrium.
"""
import numpy as np
import pytest

from verifier.engine import TrainConfig, evaluate, init_params, train_gd, train_gf
from verifier.engine.gradients import PHI_KINK_ULPS, preactivation_margins
from verifier.engine.train import TRAJECTORY_KEYS

KEYS = ("preact_min_abs_z", "preact_near_zero_z", "preact_min_abs_phi", "preact_near_zero_phi")
TOL = 1e-13


def _kinked_problem(seed=0, n=6, d=4, m=30):
    """Sample 0 is e_1 and every sample has a positive first coordinate. W[0] vanishes on e_1, so
    <w_0, x_0> = 0 exactly; unit 1 is dead: A[1] = 0 and w_1 = -e_1 gives <w_1, x_i> < 0, hence
    (gt A z_i + phi_i)_1 = 0 exactly for every i."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[:, 0] = np.abs(X[:, 0]) + 0.1
    X[0] = np.eye(d)[0]
    X /= np.linalg.norm(X, axis=1)[:, None]
    p = init_params(m, d, seed)
    p.W[0, 0] = 0.0
    p.A[1] = 0.0
    p.W[1] = -np.eye(d)[0]
    y = np.sign(rng.standard_normal(n))
    return X, y, p


def _reference(p, X, y, gamma, tol=TOL):
    """The four quantities recomputed from the returned equilibrium (not from the solver's pre-activation)."""
    m = p.m
    gt = gamma / np.sqrt(m)
    ev = evaluate(p, X, y, gamma, tol=tol)
    pre_z = gt * (ev.Z @ p.A.T) + ev.Phi
    pre_phi = np.array([[X[i] @ p.W[r] for r in range(m)] for i in range(X.shape[0])])
    band = PHI_KINK_ULPS * np.finfo(np.float64).eps * np.outer(np.linalg.norm(X, axis=1), np.linalg.norm(p.W, axis=1))
    return {"preact_min_abs_z": np.min(np.abs(pre_z)),
            "preact_near_zero_z": int(np.sum(np.abs(pre_z) <= tol * np.linalg.norm(ev.Z))),
            "preact_min_abs_phi": np.min(np.abs(pre_phi)) / np.sqrt(m),
            "preact_near_zero_phi": int(np.sum(np.abs(pre_phi) <= band))}


def test_keys_are_trajectory_keys():
    assert set(KEYS) <= set(TRAJECTORY_KEYS)


def test_generic_instance_has_no_kink_and_matches_the_reference():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((6, 4))
    X /= np.linalg.norm(X, axis=1)[:, None]
    y = rng.standard_normal(6)
    p = init_params(30, 4, 4)
    ev = evaluate(p, X, y, 0.2, tol=TOL)
    got = preactivation_margins(ev, X, p.W, TOL)
    ref = _reference(p, X, y, 0.2)
    assert got["preact_near_zero_z"] == got["preact_near_zero_phi"] == 0
    assert got["preact_min_abs_z"] > 0 and got["preact_min_abs_phi"] > 0
    # the solver's pre-activation differs from the one at the returned Z by O(tol ||Z||) only
    assert abs(got["preact_min_abs_z"] - ref["preact_min_abs_z"]) <= 10 * TOL * np.linalg.norm(ev.Z)
    assert got["preact_min_abs_phi"] == pytest.approx(ref["preact_min_abs_phi"], rel=1e-12)


def test_exact_zeros_are_seen():
    X, y, p = _kinked_problem()
    n = X.shape[0]
    ev = evaluate(p, X, y, 0.2, tol=TOL)
    got = preactivation_margins(ev, X, p.W, TOL)
    ref = _reference(p, X, y, 0.2)
    assert got == ref
    assert got["preact_min_abs_z"] == 0.0 and got["preact_min_abs_phi"] == 0.0
    assert got["preact_near_zero_z"] >= n          # the dead unit, for every sample
    assert got["preact_near_zero_phi"] >= 1        # <w_0, x_0> = 0
    # the dead unit's D entries are 0 (sigma'(0) = 0), as the counters warn
    assert np.all(ev.D[:, 1] == 0) and ev.E[0, 0] == 0


def test_bands_separate_tiny_from_zero():
    """<w_0, x_0> = delta: inside the z band (tol ||Z||_F) but outside the phi band (a few ulps) for
    delta = 1e-15; inside both for delta = 1e-18. A[0] = 0 makes (gt A z_0 + phi_0)_0 = delta/sqrt(m)."""
    rng = np.random.default_rng(1)
    n, d, m = 5, 3, 20
    X = rng.standard_normal((n, d))
    X[0] = [1.0, 0.0, 0.0]
    X /= np.linalg.norm(X, axis=1)[:, None]
    y = rng.standard_normal(n)
    p = init_params(m, d, 1)
    p.A[0] = 0.0
    counts = {}
    for delta in (1e-15, 1e-18):
        p.W[0] = [delta, 0.0, 1.0]
        got = preactivation_margins(evaluate(p, X, y, 0.2, tol=TOL), X, p.W, TOL)
        assert got["preact_min_abs_phi"] == pytest.approx(delta / np.sqrt(m), rel=1e-15)
        assert got["preact_min_abs_z"] == pytest.approx(delta / np.sqrt(m), rel=1e-15)
        assert got == _reference(p, X, y, 0.2)
        counts[delta] = got
    assert counts[1e-15]["preact_near_zero_z"] >= 1 and counts[1e-15]["preact_near_zero_phi"] == 0
    assert counts[1e-18]["preact_near_zero_z"] >= 1 and counts[1e-18]["preact_near_zero_phi"] >= 1


@pytest.mark.parametrize("method", ["gd", "gf"])
def test_trajectory_records_the_kinks(method):
    """The dead unit stays dead (its gradients vanish), so every record sees n exact zeros in z."""
    X, y, p = _kinked_problem()
    n = X.shape[0]
    if method == "gd":
        tr = train_gd(p, X, y, TrainConfig(gamma=0.2, step_size=0.05, steps=5))
    else:
        tr = train_gf(p, X, y, TrainConfig(gamma=0.2, step_size=0.05, steps=50, t_final=0.2))
    a = tr.arrays()
    assert tr.stopped_reason is None
    assert a["preact_near_zero_z"].dtype == np.int64 and a["preact_near_zero_phi"].dtype == np.int64
    assert np.all(a["preact_min_abs_z"] == 0.0) and np.all(a["preact_near_zero_z"] >= n)
    # record 0 is theta(0): the planted <w_0, x_0> = 0 is there
    ref = _reference(p, X, y, 0.2)
    assert {k: a[k][0] for k in KEYS} == ref
    assert all(len(a[k]) == len(a["step"]) for k in KEYS)


def test_numpy_and_torch_agree():
    pytest.importorskip("torch", reason="torch extra not installed")
    from verifier.engine import get_backend

    bk = get_backend("torch", device="cpu")
    X, y, p = _kinked_problem(seed=2)
    cfg = TrainConfig(gamma=0.2, step_size=0.05, steps=4)
    a = train_gd(p, X, y, cfg).arrays()
    b = train_gd(p, X, y, cfg, bk=bk).arrays()
    for key in ("preact_near_zero_z", "preact_near_zero_phi"):
        assert np.array_equal(a[key], b[key]), key
    for key in ("preact_min_abs_z", "preact_min_abs_phi"):
        np.testing.assert_allclose(a[key], b[key], rtol=1e-10, atol=0)
    rng = np.random.default_rng(3)                       # and on a generic instance (no zeros)
    X = rng.standard_normal((8, 5))
    X /= np.linalg.norm(X, axis=1)[:, None]
    p = init_params(40, 5, 3)
    ev_np = evaluate(p, X, y[:1].repeat(8), 0.2)
    ev_t = evaluate(p.to(bk), bk.asarray(X), bk.asarray(y[:1].repeat(8)), 0.2, bk=bk)
    g_np = preactivation_margins(ev_np, X, p.W, TOL)
    g_t = preactivation_margins(ev_t, bk.asarray(X), bk.asarray(p.W), TOL, bk=bk)
    assert g_np["preact_near_zero_z"] == g_t["preact_near_zero_z"] == 0
    for key in ("preact_min_abs_z", "preact_min_abs_phi"):
        assert g_np[key] == pytest.approx(g_t[key], rel=1e-10), key


def test_resume_of_a_run_recorded_before_the_keys_pads_them():
    """A checkpoint whose records lack these keys resumes with -1 (counts) / nan (minima) for the old records."""
    X, y, p = _kinked_problem()
    cfg = TrainConfig(gamma=0.2, step_size=0.05, steps=6, checkpoint_every=3)
    states = []
    train_gd(p, X, y, cfg, on_checkpoint=lambda st, tr: states.append(
        (st, {k: list(v) for k, v in tr.records.items()})))
    state, records = states[0]
    assert state["k"] == 3
    old = {k: v for k, v in records.items() if k not in KEYS}
    tr = train_gd(p, X, y, cfg, resume={**state, "records": old})
    a = tr.arrays()
    assert len(a["step"]) == 7 and all(len(a[k]) == 7 for k in KEYS)
    assert np.all(a["preact_near_zero_z"][:3] == -1) and np.all(np.isnan(a["preact_min_abs_z"][:3]))
    assert np.all(a["preact_near_zero_z"][3:] >= X.shape[0])


@pytest.mark.parametrize("s", [2.0**20, 2.0**-20])
def test_bands_are_relative_to_the_data_scale(s):
    """phi(s x) = s phi(x) (eq. 2) scales every pre-activation by s; the bands scale with them, so the
    counts do not change (tol ||Z||_F for z, eps ||w_r|| ||x_i|| for phi)."""
    rng = np.random.default_rng(1)
    n, d, m = 5, 3, 20
    X = rng.standard_normal((n, d))
    X[0] = [1.0, 0.0, 0.0]
    X /= np.linalg.norm(X, axis=1)[:, None]
    y = rng.standard_normal(n)
    p = init_params(m, d, 1)
    p.A[0] = 0.0
    p.W[0] = [1e-15, 0.0, 1.0]          # inside the z band only (see test_bands_separate_tiny_from_zero)
    base = preactivation_margins(evaluate(p, X, y, 0.2, tol=TOL), X, p.W, TOL)
    scaled = preactivation_margins(evaluate(p, s * X, s * y, 0.2, tol=TOL), s * X, p.W, TOL)
    assert base["preact_near_zero_z"] >= 1
    for key in ("preact_near_zero_z", "preact_near_zero_phi"):
        assert scaled[key] == base[key], key
    for key in ("preact_min_abs_z", "preact_min_abs_phi"):
        assert scaled[key] == pytest.approx(s * base[key], rel=1e-12), key


def test_exact_zeros_count_even_when_the_band_is_empty():
    """All features off (Phi = 0, so Z = 0 and ||Z||_F = 0) and a zero row of W (band width 0): every
    exact zero is still counted."""
    rng = np.random.default_rng(2)
    n, d, m = 4, 3, 10
    X = np.abs(rng.standard_normal((n, d))) + 0.1
    X /= np.linalg.norm(X, axis=1)[:, None]
    p = init_params(m, d, 2)
    p.W[:] = -np.abs(p.W)              # <w_r, x_i> < 0: phi = 0, z* = 0, gt A z + phi = 0 exactly
    p.W[0] = 0.0                        # <w_0, x_i> = 0 exactly, with ||w_0|| = 0
    ev = evaluate(p, X, np.zeros(n), 0.2, tol=TOL)
    assert not ev.Z.any()
    got = preactivation_margins(ev, X, p.W, TOL)
    assert got["preact_near_zero_z"] == n * m and got["preact_min_abs_z"] == 0.0
    assert got["preact_near_zero_phi"] == n and got["preact_min_abs_phi"] == 0.0
