"""Runs that never mislead and never lose data: early stops, run directories, user mistakes (exit codes)."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from verifier.cli import EXIT_STOPPED, main
from verifier.pipeline import Setting, SettingError, check_memory, default_run_dir, memory_estimate

SMALL = ["--data", "synthetic:n=10,d=4", "--width", "30", "--quiet", "--no-audit", "--no-certify"]


def _run(args):
    return CliRunner().invoke(main, args)


def test_divergence_stops_early_with_its_own_exit_code_and_no_holds(tmp_path):
    out = tmp_path / "div"
    res = _run(["run", *SMALL, "--steps", "6", "--step-size", "1e6", "--out", str(out)])
    assert res.exit_code == EXIT_STOPPED == 3, res.output
    s = json.loads((out / "summary.json").read_text())
    assert s["run"]["status"] == "stopped early" and s["run"]["stopped_reason"]
    for c in s["claims"]:
        if c["id"].startswith(("L3.6", "T3.2", "L2.2")):
            assert c["verdict"] in ("undecided", "counterexample", "violated_hypotheses_not_met",
                                    "failed_in_this_draw"), (c["id"], c["verdict"])
            assert c["verdict"] not in ("confirmed", "holds_beyond_hypotheses")


def test_zero_steps_give_no_verdict_on_trajectory_conclusions(tmp_path):
    out = tmp_path / "zero"
    res = _run(["run", *SMALL, "--steps", "0", "--out", str(out)])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    assert all(c["verdict"] == "undecided" for c in s["claims"] if c["id"].startswith(("L3.6", "T3.2")))


def test_default_folder_distinguishes_settings():
    a, b = Setting(), Setting(backend="torch")
    assert default_run_dir(a) != default_run_dir(b)
    assert default_run_dir(a) == default_run_dir(Setting())
    assert default_run_dir(Setting(step_size=0.1)) != default_run_dir(a)
    assert default_run_dir(Setting(hidden={"C_width_L3.3": 2.0})) != default_run_dir(a)


def test_other_settings_run_is_never_overwritten_without_force(tmp_path):
    out = tmp_path / "r"
    assert _run(["run", *SMALL, "--steps", "3", "--out", str(out)]).exit_code == 0
    before = (out / "summary.json").read_text()
    res = _run(["run", *SMALL, "--steps", "4", "--out", str(out)])
    assert res.exit_code == 2 and "another setting's run" in res.output
    assert (out / "summary.json").read_text() == before                       # nothing touched
    (out / "figures" / "stale.png").write_bytes(b"x")
    res = _run(["run", *SMALL, "--steps", "4", "--out", str(out), "--force"])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text())["setting"]["steps"] == 4
    assert not (out / "figures" / "stale.png").exists()                       # replaced whole
    # the same setting again is the same run: allowed
    assert _run(["run", *SMALL, "--steps", "4", "--out", str(out)]).exit_code == 0
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.txt").write_text("mine")
    res = _run(["run", *SMALL, "--steps", "2", "--out", str(junk)])
    assert res.exit_code == 2 and "not a run" in res.output and (junk / "notes.txt").exists()


def test_resume_never_truncates(tmp_path):
    out = tmp_path / "r"
    assert _run(["run", *SMALL, "--steps", "6", "--out", str(out)]).exit_code == 0
    n = len(np.load(out / "trajectory.npz")["step"])
    res = _run(["run", "--resume", str(out), "--steps", "3", "--quiet"])
    assert res.exit_code == 2 and "fewer than the 6 step(s) already recorded" in res.output
    assert len(np.load(out / "trajectory.npz")["step"]) == n


@pytest.mark.parametrize("args,message", [
    (["--tol", "1e-20"], "below what float64"),
    (["--out", "/proc/verifier-test"], "special system folder"),
    (["--labels", "0,1->2,3"], "targets must be -1 or +1"),
    (["--constant", "C_width_L3.9=2"], "unknown hidden constant"),
])
def test_user_mistakes_are_one_line_and_exit_2(args, message):
    res = _run(["run", *SMALL, "--steps", "2", *args])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert len([ln for ln in res.output.splitlines() if ln.strip()]) == 1


def test_memory_is_estimated_before_allocating():
    assert memory_estimate(10, 4, 1000) > 8 * 1000 * 1000
    with pytest.raises(SettingError, match="largest width that fits is about"):
        check_memory(360, 64, 10**6)
    res = _run(["check", "--width", "1000000"])
    assert res.exit_code == 2 and "GiB" in res.output


def test_config_typo_gets_a_suggestion(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("widht = 5\n")
    res = _run(["check", "--config", str(cfg)])
    assert res.exit_code == 2 and "did you mean width?" in res.output
