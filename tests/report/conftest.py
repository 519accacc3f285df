"""One small run shared by the report tests (8 GD steps on 10 synthetic points, no audit)."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from verifier.cli import main


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "run"
    res = CliRunner().invoke(main, ["run", "--data", "synthetic:n=10,d=4", "--width", "30", "--steps", "8",
                                    "--out", str(out), "--quiet", "--no-audit"])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="session")
def summary(small_run):
    return json.loads((small_run / "summary.json").read_text())


@pytest.fixture(scope="session")
def trajectory(small_run):
    with np.load(small_run / "trajectory.npz") as f:
        return {k: f[k] for k in f.files if k not in ("A0", "W0", "u0", "v0")}
