"""Interrupted runs keep what they recorded, and --resume continues them bit for bit."""
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from verifier.pipeline import Setting, resume, run


def _load(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


class _Stop:
    def __init__(self, at):
        self.at = at

    def __call__(self, k, ev):
        if k == self.at:
            raise KeyboardInterrupt


@pytest.mark.parametrize("method,stop_at", [("gd", 13), ("gf", 9)])
def test_resume_is_bit_for_bit(tmp_path, method, stop_at):
    s = Setting(dataset="synthetic:n=12,d=5,seed=3", width=150, steps=24, seed=2, method=method,
                checkpoint_every=4, ntk_every=3, audit=False)
    full = run(s, tmp_path / "full")
    part = run(s, tmp_path / "part", on_step=_Stop(stop_at))
    assert part["run"]["interrupted"] is True
    t_part = _load(tmp_path / "part" / "trajectory.npz")
    assert 1 <= len(t_part["loss"]) <= stop_at + 1   # what was recorded is kept
    (tmp_path / "part" / "report.html").unlink()
    resumed = resume(tmp_path / "part")
    assert resumed["run"]["interrupted"] is False and (tmp_path / "part" / "report.html").is_file()
    a = _load(tmp_path / "full" / "trajectory.npz")
    b = _load(tmp_path / "part" / "trajectory.npz")
    assert set(a) == set(b)
    for key in a:
        if key == "seconds":
            continue
        assert np.array_equal(a[key], b[key]), key  # bit for bit
    assert full["run"]["final_loss"] == resumed["run"]["final_loss"]


def test_resume_extends_a_finished_run(tmp_path):
    s = Setting(dataset="synthetic:n=10,d=4", width=60, steps=10, checkpoint_every=0, audit=False)
    run(s, tmp_path / "a")
    resume(tmp_path / "a", steps=20)
    run(Setting(dataset="synthetic:n=10,d=4", width=60, steps=20, audit=False), tmp_path / "b")
    a = _load(tmp_path / "a" / "trajectory.npz")
    b = _load(tmp_path / "b" / "trajectory.npz")
    assert np.array_equal(a["loss"], b["loss"]) and len(a["loss"]) == 21


def test_sigterm_keeps_trajectory_and_resume_works(tmp_path):
    out = tmp_path / "r"
    cmd = [sys.executable, "-m", "verifier.cli", "run", "--data", "synthetic:n=30,d=6", "--width", "300",
           "--steps", "100000", "--checkpoint-every", "2", "--out", str(out), "--quiet", "--no-audit"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (out / "checkpoint.npz").exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "verifier run --resume" in err
    t = _load(out / "trajectory.npz")
    assert len(t["loss"]) >= 2 and np.all(np.isfinite(t["loss"]))
    assert (out / "summary.json").is_file() and (out / "report.html").is_file()
    res = subprocess.run([sys.executable, "-m", "verifier.cli", "run", "--resume", str(out), "--steps",
                          str(len(t["loss"]) + 3), "--quiet"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    t2 = _load(out / "trajectory.npz")
    assert len(t2["loss"]) == len(t["loss"]) + 4
    assert np.array_equal(t2["loss"][:len(t["loss"])], t["loss"])
    bad = subprocess.run([sys.executable, "-m", "verifier.cli", "run", "--resume", str(out), "--width", "5"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "only --steps" in bad.stderr


def test_torch_backend_resume_is_bit_for_bit(tmp_path):
    pytest.importorskip("torch", reason="torch extra not installed")
    s = Setting(dataset="synthetic:n=12,d=5,seed=3", width=150, steps=12, backend="torch", device="cpu",
                checkpoint_every=3, audit=False, certify=False)
    run(s, tmp_path / "full")
    run(s, tmp_path / "part", on_step=_Stop(7))
    resume(tmp_path / "part")
    a = _load(tmp_path / "full" / "trajectory.npz")
    b = _load(tmp_path / "part" / "trajectory.npz")
    for key in a:
        if key != "seconds":
            assert np.array_equal(a[key], b[key]), key
