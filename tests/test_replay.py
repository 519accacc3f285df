"""Replay a run from data.npz and the initial parameters with the independent reference model.

proofs_checks.reference_model shares no code with verifier.engine: per-sample equilibria from z = 0 (no warm
starts), adjoints by dense linear solves of U_i^T b = u, gradients written from L2.3 directly, its own GD loop.
"""
import json

import numpy as np
from click.testing import CliRunner

from proofs_checks.reference_model import gd_losses
from verifier.cli import main


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
    ref = gd_losses(d["X"], d["y"], t["A0"], t["W0"], t["u0"], t["v0"], s["setting"]["gamma"],
                            s["setting"]["step_size"], s["setting"]["steps"])
    assert np.max(np.abs(t["loss"] - ref) / ref) < 1e-8
    assert t["loss"][-1] < t["loss"][0]
