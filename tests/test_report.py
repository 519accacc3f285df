"""summary.json contract and the self-contained HTML report."""
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from proofs_checks import registry
from verifier.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "run"
    res = CliRunner().invoke(main, ["run", "--data", "synthetic:n=10,d=4", "--width", "30", "--steps", "8",
                                    "--out", str(out), "--quiet", "--no-audit"])
    assert res.exit_code == 0, res.output
    return out


def test_summary_contract(run_dir):
    s = json.loads((run_dir / "summary.json").read_text())
    assert s["schema"] == "verifier.summary/2"
    for key in ("dataset", "n", "d", "width", "gamma", "step_size", "steps", "seed", "backend"):
        assert key in s["setting"]
    assert isinstance(s["lambda0"]["value"], float) and "certified" in s["lambda0"]
    assert s["c"]["empirical"] > 0 and 0 < s["c"]["probabilistic"]["delta"] < 1
    ids = [c["id"] for c in s["claims"]]
    order = registry.statement_ids()
    assert [i.split("(")[0] for i in ids] == sorted((i.split("(")[0] for i in ids), key=order.index)  # paper order
    assert {"L2.1", "L2.2", "L3.3", "L3.4", "T3.2"} <= set(ids)
    assert [f"L3.6({t})" for t in ("i", "ii", "iii", "iv", "v", "vi")] == [i for i in ids if i.startswith("L3.6")]
    for c in s["claims"]:
        assert {"id", "hypotheses", "conclusion", "verdict"} <= set(c)
    with np.load(run_dir / "trajectory.npz") as f:
        t = dict(f)
    for key in ("A0", "W0", "u0", "v0", "loss", "lambda_min_G", "contraction", "dist_A", "fwd_iters"):
        assert key in t
    assert len(t["loss"]) == s["setting"]["steps"] + 1


def test_html_is_self_contained(run_dir):
    html = (run_dir / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 4
    # no external resources: every src/href is inline data or an in-page anchor
    for attr in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert attr.startswith("data:") or attr.startswith("#"), attr
    md = (run_dir / "report.md").read_text()
    assert "## Statements" in md and "figures/loss.png" in md


def test_float32_run_keeps_hypotheses_that_hold_by_construction(tmp_path):
    pytest.importorskip("torch", reason="torch extra not installed")
    out = tmp_path / "f32"
    res = CliRunner().invoke(main, ["run", "--data", "synthetic:n=10,d=4", "--width", "300", "--steps", "3",
                                    "--backend", "torch", "--device", "cpu", "--dtype", "float32", "--tol", "1e-6",
                                    "--out", str(out), "--quiet", "--no-audit", "--no-certify"])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    hyps = {h["name"]: h["holds"] for h in next(c for c in s["claims"] if c["id"] == "L3.6(i)")["hypotheses"]}
    assert hyps["||u(0)|| = sqrt(m)"] and hyps["||v(0)|| = sqrt(m)"] and hyps["||A(0)||/sqrt(m) <= c"]
    res = CliRunner().invoke(main, ["check", "--backend", "torch", "--dtype", "float32"])
    assert res.exit_code == 2 and "float32 cannot reach" in res.output
