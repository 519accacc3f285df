"""The command line as a user meets it: bad input is one clear line and exit code 2."""
import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from verifier.cli import main


def _run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def _npz(tmp_path, X, y):
    p = tmp_path / "d.npz"
    np.savez(p, X=X, y=y)
    return str(p)


BAD_DATA = {
    "nan": (np.array([[1.0, np.nan], [0.0, 1.0]]), np.array([1.0, -1.0])),
    "inf": (np.array([[1.0, 0.0], [np.inf, 1.0]]), np.array([1.0, -1.0])),
    "zero_row": (np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([1.0, -1.0])),
    "length_mismatch": (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0])),
    "n_lt_2": (np.array([[1.0, 0.0]]), np.array([1.0])),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
@pytest.mark.parametrize("cmd", ["run", "check"])
def test_bad_data_exit_2_one_line(tmp_path, case, cmd):
    X, y = BAD_DATA[case]
    res = _run([cmd, "--data", _npz(tmp_path, X, y), "--width", "8", "--steps", "1"]
               + (["--out", str(tmp_path / "o")] if cmd == "run" else []))
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), res.output
    assert "Traceback" not in res.output


def test_non_numeric_csv_and_missing_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("1,2,1\n3,oops,-1\n")
    res = _run(["check", "--data", str(p)])
    assert res.exit_code == 2 and "non-numeric cell 'oops'" in res.output
    res = _run(["check", "--data", str(tmp_path / "nope.npz")])
    assert res.exit_code == 2 and "no such file" in res.output


@pytest.mark.parametrize("args,msg", [
    (["--gamma", "1.0"], "--gamma must lie in the open interval (0, 1)"),
    (["--gamma", "0"], "--gamma must lie in the open interval (0, 1)"),
    (["--gamma", "-0.5"], "--gamma must lie in the open interval (0, 1)"),
    (["--width", "0"], "--width must be an integer >= 1"),
    (["--step-size", "0"], "step size must be a positive number"),
    (["--step-size", "-1e-3"], "step size must be a positive number"),
    (["--data", "mnist"], "unknown dataset 'mnist'"),
    (["--backend", "jax"], "--backend must be 'numpy' or 'torch'"),
    (["--constant", "C_nope=2"], "unknown hidden constant"),
])
def test_invalid_options_exit_2(args, msg):
    res = _run(["check"] + args)
    assert res.exit_code == 2, res.output
    assert msg in res.output
    assert "Traceback" not in res.output


def test_gamma_too_large_for_contraction_is_refused():
    res = _run(["check", "--data", "synthetic:n=6,d=3", "--width", "50", "--gamma", "0.9"])
    assert res.exit_code == 2
    assert "no contraction at initialization" in res.output and "gamma_max" in res.output


def test_check_json_has_contract_keys():
    res = _run(["check", "--data", "synthetic:n=10,d=4", "--width", "32", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["schema"].startswith("verifier.summary/")
    for key in ("dataset", "n", "d", "width", "gamma", "step_size", "steps", "seed", "backend"):
        assert key in out["setting"]
    assert {c["id"] for c in out["claims"]} >= {"L2.2", "L3.6(vi)", "T3.2"}


def test_console_script_runs_end_to_end(tmp_path):
    """The installed `verifier` entry point, as a user runs it."""
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "verifier.cli", "run", "--data", "synthetic:n=10,d=4",
                           "--width", "40", "--steps", "5", "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for f in ("summary.json", "report.md", "report.html", "data.npz", "trajectory.npz"):
        assert (out / f).is_file(), f
    assert "verdict" in proc.stdout


def test_audit_json_and_text():
    res = _run(["audit", "--json", "--only", "L3.1", "--only", "L2.2"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    recs = out["statements"]
    assert [r["id"] for r in recs] == ["L2.2", "L3.1"]
    assert recs[0]["status"] == "verified" and recs[1]["status"] == "finding"
    for key in ("holds", "fails", "not checkable"):
        assert out["totals"][key] == sum(r["counts"][key] for r in recs)
    assert all(s["status"] in ("holds", "fails", "not checkable") for r in recs for s in r["steps"])
    res = _run(["audit", "--only", "L2.2"])
    assert res.exit_code == 0 and "not checkable" in res.output and "total" in res.output
    res = _run(["audit", "--only", "L9.9"])
    assert res.exit_code == 2 and "unknown statement id" in res.output


def test_check_json_includes_theory_table_and_explicit_constants():
    res = _run(["check", "--data", "synthetic:n=10,d=4", "--width", "32", "--json",
                "--constant", "C_m_L33=2", "--constant", "C_width_L3.6=3"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    ids = {r["id"] for r in out["statements_table"]}
    assert {"L2.2", "L3.3", "L3.4", "L3.6", "T3.2"} <= ids
    l33 = [r for r in out["statements_table"] if r["id"] == "L3.3" and r["quantity"] == "width_required"]
    assert [r["choice"] for r in l33] == ["default", "proof"]          # one row per constant choice
    assert l33[0]["hidden_constants_used"] == {"C_width_L3.3": 2.0}    # the old name is an alias
    assert l33[1]["hidden_constants_used"] == {"C_width_L3.3": 156.0}
    assert l33[1]["value"] == pytest.approx(78 * l33[0]["value"])
    assert out["theory"]["hidden"]["C_width_L3.6"] == 3.0 and out["setting"]["hidden_constants"] == {
        "C_width_L3.3": 2.0, "C_width_L3.6": 3.0}
    l36 = next(c for c in out["claims"] if c["id"] == "L3.6(i)")
    assert l36["constants_used"]["C_width_L3.6"] == 3.0 and l36["constants_used"]["constants_choice"] == "default"
    names = {e["name"] for e in out["explicit_constants"]}
    assert {"width_L3.6", "step_size_L3.6", "width_L3.5"} <= names


def test_config_file_and_flag_override(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('data = "synthetic:n=9,d=3"\nwidth = 24\ngamma = 0.2\n[hidden]\nC_width_L3_9 = 1.0\n')
    res = _run(["check", "--config", str(cfg), "--json"])
    assert res.exit_code == 2 and "unknown hidden constant 'C_width_L3_9'" in res.output
    cfg.write_text('data = "synthetic:n=9,d=3"\nwidth = 24\ngamma = 0.2\n[hidden]\nC_width_L3_6 = 5.0\n')
    out = json.loads(_run(["check", "--config", str(cfg), "--json"]).output)   # TOML-friendly alias, unquoted
    assert out["theory"]["hidden"]["C_width_L3.6"] == 5.0
    cfg.write_text('data = "synthetic:n=9,d=3"\nwidth = 24\ngamma = 0.2\n[hidden]\n"C_width_L3.6" = 2.0\n')
    out = json.loads(_run(["check", "--config", str(cfg), "--json", "--width", "30"]).output)
    assert out["setting"]["width"] == 30 and out["setting"]["gamma"] == 0.2 and out["setting"]["n"] == 9
    assert out["theory"]["hidden"]["C_width_L3.6"] == 2.0
    bad = tmp_path / "b.json"
    bad.write_text('{"widht": 5}')
    res = _run(["check", "--config", str(bad)])
    assert res.exit_code == 2 and "unknown option(s) widht" in res.output
