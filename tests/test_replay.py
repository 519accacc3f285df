"""Replay a run from data.npz and the initial parameters with an independent implementation.

The reference below shares no code with verifier.engine: per-sample equilibria from z = 0 to
machine precision (no warm starts), adjoints by dense linear solves of U_i^T b = u, gradients
written from L2.3 directly, and its own GD loop.
"""
import json

import numpy as np
from click.testing import CliRunner

from verifier.cli import main


def _reference_losses(X, y, A, W, u, v, gamma, alpha, steps):
    m = A.shape[0]
    gt = gamma / np.sqrt(m)
    A, W, u, v = A.copy(), W.copy(), u.copy(), v.copy()
    losses = []
    for k in range(steps + 1):
        gA = np.zeros_like(A); gW = np.zeros_like(W); gu = np.zeros_like(u); gv = np.zeros_like(v)
        loss = 0.0
        for i in range(X.shape[0]):
            pre_w = W @ X[i]
            phi = np.maximum(pre_w, 0) / np.sqrt(m)
            z = np.zeros(m)
            for _ in range(2000):
                zn = np.maximum(gt * A @ z + phi, 0)
                if np.linalg.norm(zn - z) <= 1e-16 * max(np.linalg.norm(zn), 1e-300):
                    z = zn
                    break
                z = zn
            r = u @ z + v @ phi - y[i]
            loss += 0.5 * r * r
            Dd = (gt * A @ z + phi > 0).astype(float)
            U = np.eye(m) - gt * Dd[:, None] * A
            b = np.linalg.solve(U.T, u)
            gu += r * z
            gv += r * phi
            gA += gt * r * np.outer(Dd * b, z)
            gW += r / np.sqrt(m) * np.outer((pre_w > 0) * (Dd * b + v), X[i])
        losses.append(loss)
        A -= alpha * gA; W -= alpha * gW; u -= alpha * gu; v -= alpha * gv
    return np.array(losses)


def test_recorded_losses_match_independent_replay(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["run", "--data", "synthetic:n=12,d=5,seed=4", "--width", "24",
                                    "--gamma", "0.2", "--steps", "25", "--seed", "9", "--out", str(out), "--quiet", "--no-audit"])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    with np.load(out / "data.npz") as f:
        d = dict(f)
    with np.load(out / "trajectory.npz") as f:
        t = dict(f)
    ref = _reference_losses(d["X"], d["y"], t["A0"], t["W0"], t["u0"], t["v0"], s["setting"]["gamma"],
                            s["setting"]["step_size"], s["setting"]["steps"])
    assert np.max(np.abs(t["loss"] - ref) / ref) < 1e-8
    assert t["loss"][-1] < t["loss"][0]
