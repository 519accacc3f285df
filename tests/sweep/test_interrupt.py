"""SIGTERM in the middle of a sweep, then --resume, for real (a subprocess on the embedded LocalCluster): no
finished cell is lost, none runs twice, and the resumed sweep completes the table."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from verifier.sweep import read_table

SPEC = """
data = "synthetic:n=20,d=5"
n = 8
width = [8, 12, 16]
seed = [0, 1]
steps = 30
ntk_every = 0
checkpoint_every = 5

[sweep]
bootstrap = 10
"""


def _sweep(tmp_path, *extra):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "verifier.cli", "sweep", str(tmp_path / "s.toml"), "--out",
                             str(tmp_path / "out"), "--workers", "2", "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _finished(out: Path) -> dict:
    from verifier.sweep import cell_state

    return {p.name: (p / "summary.json").stat().st_mtime_ns for p in (out / "cells").glob("*")
            if cell_state(p) == "finished"} if (out / "cells").is_dir() else {}


def _events(out):
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


def test_sigterm_then_resume(tmp_path):
    (tmp_path / "s.toml").write_text(SPEC)
    out = tmp_path / "out"
    proc = _sweep(tmp_path)
    t0 = time.monotonic()
    while sum(e["event"] == "finish" for e in _events(out)) < 2 if (out / "events.jsonl").is_file() else True:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < 120, "no cell finished in 120 s"
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "--resume" in err
    done = _finished(out)    # on disk; a cell may finish in its worker while the driver stops (not in the table)
    rows = read_table(out / "results.parquet")
    recorded = {e["cell"] for e in _events(out) if e["event"] == "finish"}
    assert recorded <= {r["cell"] for r in rows} <= set(done)   # every cell the driver saw finish is in the table
    total = len(json.loads((out / "cells.json").read_text()))
    assert len(done) < total, "the sweep finished before the signal: make the cells slower"

    proc = _sweep(tmp_path, "--resume")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    rows = read_table(out / "results.parquet")
    assert len(rows) == total and all(r["status"] == "finished" for r in rows)
    after = _finished(out)
    assert {k: after[k] for k in done} == done              # finished cells were not run again
    events = _events(out)
    starts = [i for i, e in enumerate(events) if e["event"] == "start"]
    assert len(starts) == 2
    resumed = events[starts[1]:]
    assert not {e["cell"] for e in resumed if e["event"] == "submit"} & set(done)
    finishes = [e["cell"] for e in events if e["event"] == "finish"]
    assert len(finishes) == len(set(finishes))              # no cell finished twice
    assert set(finishes) | set(done) == {r["cell"] for r in rows}
    assert (out / "report.html").is_file()
