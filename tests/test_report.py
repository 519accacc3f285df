"""summary.json contract, self-contained HTML, and the verdict logic of proofs_checks.claims."""
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from proofs_checks.claims import evaluate_claims
from verifier.cli import main
from verifier.report import headline


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "run"
    res = CliRunner().invoke(main, ["run", "--data", "synthetic:n=10,d=4", "--width", "30", "--steps", "8",
                                    "--out", str(out), "--quiet", "--no-audit"])
    assert res.exit_code == 0, res.output
    return out


def test_summary_contract(run_dir):
    s = json.loads((run_dir / "summary.json").read_text())
    assert s["schema"] == "verifier.summary/1"
    for key in ("dataset", "n", "d", "width", "gamma", "step_size", "steps", "seed", "backend"):
        assert key in s["setting"]
    assert isinstance(s["lambda0"]["value"], float) and "certified" in s["lambda0"]
    assert s["c"]["empirical"] > 0 and 0 < s["c"]["probabilistic"]["delta"] < 1
    ids = [c["id"] for c in s["claims"]]
    assert ids[:2] == ["L2.2", "L3.3"] and "T3.2" in ids
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


def _fake(K=5, **over):
    k = np.arange(K + 1)
    traj = {"step": k, "loss": 0.5 * 4.0 * 0.5**k, "residual_sq": 4.0 * 0.5**k,
            "lambda_min_G": np.full(K + 1, 1.0), "contraction": np.full(K + 1, 0.2),
            "A_norm_scaled": np.full(K + 1, 2.0), "W_norm_scaled": np.full(K + 1, 1.5),
            "u_norm": np.full(K + 1, 10.0), "v_norm": np.full(K + 1, 10.0)}
    traj.update(over)
    th = {"n": 4, "m": 100, "gamma": 0.1, "step_size": 1e-4, "c_emp": 2.0, "lambda0": 0.5,
          "hidden_constants": {"C_width_L3.3": 1.0, "C_width_L3.6": 1.0, "C_step_L3.6": 1.0},
          "gamma_max_emp": 0.125, "delta": 0.05, "width_L3.3": 10.0, "width_T3.2_printed": 5.0,
          "width_L3.6": 50.0, "step_size_L3.6": 0.5 / 16, "r0_norm": 2.0, "rate_L3.6": 1 - 1e-4 * 0.25,
          "bound_u_L3.6": 1e3, "bound_v_L3.6": 1e3, "c_delta": {"c": 2.1}}
    return th, traj


def test_verdicts_confirmed_and_counterexample_first():
    th, traj = _fake()
    a2 = {"holds": True, "min_angle": 0.5, "parallel_tol": 1e-6}
    claims = {c["id"]: c for c in evaluate_claims(th, traj, a2=a2, g0_dev=0.01)}
    assert claims["L3.6(vi)"]["verdict"] == "confirmed"
    assert claims["T3.2"]["hypotheses_met"] == "met"
    # break (v) at step 3 while hypotheses stay met: a counterexample, named first in the headline
    th, traj = _fake(A_norm_scaled=np.array([2.0, 2.0, 2.0, 4.5, 2.0, 2.0]))
    cl = evaluate_claims(th, traj, a2=a2, g0_dev=0.01)
    by = {c["id"]: c for c in cl}
    assert by["L3.6(v)"]["verdict"] == "counterexample"
    assert by["L3.6(v)"]["conclusion"]["parts"][0]["first_violation_step"] == 3
    summary = {"claims": cl, "run": {}}
    assert headline(summary)[0].startswith("COUNTEREXAMPLE to L3.6(v)")
    # hypotheses not met (width too small) but conclusion holds: a measured gap
    th, traj = _fake()
    th["width_L3.6"] = 1e4
    by = {c["id"]: c for c in evaluate_claims(th, traj, a2=a2, g0_dev=0.01)}
    assert by["L3.6(vi)"]["verdict"] == "holds beyond hypotheses"
    assert by["L3.6(vi)"]["gap"]["required_width_over_used"] == pytest.approx(100.0)


def test_probabilistic_statement_is_not_refuted_by_one_draw_and_hidden_constants_are_named():
    th, traj = _fake()
    a2 = {"holds": True, "min_angle": 0.5, "parallel_tol": 1e-6}
    by = {c["id"]: c for c in evaluate_claims(th, traj, a2=a2, g0_dev=10.0)}  # ||G(0) - G_inf|| > lambda0/4
    assert by["L3.3"]["hypotheses_met"] == "met"
    assert by["L3.3"]["verdict"] == "failed in this draw (probabilistic statement)"
    th, traj = _fake(A_norm_scaled=np.array([2.0, 2.0, 2.0, 4.5, 2.0, 2.0]))
    cl = evaluate_claims(th, traj, a2=a2, g0_dev=0.01)
    v = next(c for c in cl if c["id"] == "L3.6(v)")
    assert v["conditional_on_hidden_constants"] == {"C_width_L3.6": 1.0, "C_step_L3.6": 1.0}
    assert "at the displayed hidden constants" in headline({"claims": cl, "run": {}})[0]


def test_empty_trajectory_and_nan_requirements_are_undecided():
    th, traj = _fake()
    empty = {k: np.asarray(v)[:0] for k, v in traj.items()}
    cl = evaluate_claims(th, empty, a2={"holds": True, "min_angle": 0.5, "parallel_tol": 1e-6})
    assert all(c["verdict"] == "undecided" for c in cl if c["id"] != "L3.3")
    th["width_L3.6"] = float("nan")
    by = {c["id"]: c for c in evaluate_claims(th, traj, a2={"holds": True, "min_angle": 0.5, "parallel_tol": 1e-6})}
    width = next(h for h in by["L3.6(i)"]["hypotheses"] if h["name"].startswith("m >="))
    assert width["holds"] is None


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
