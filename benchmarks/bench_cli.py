"""Where users wait: wall times of `verifier --help`, `verifier audit`, `verifier check` and the default
`verifier run`, each as a ratio against a baseline measured in the same run, plus a replay of the default
run's recorded losses by the independent reference model (proofs_checks.reference_model).

Run on demand from the repository root::

    python benchmarks/bench_cli.py                  # 5 repeats of the fast commands, 3 default runs
    python benchmarks/bench_cli.py --runs 1 --repeats 3 --replay-steps 10   # quicker

Each command runs as a fresh process (what a user waits for), in a temporary directory, with its own
empty cache directory (VERIFIER_CACHE_DIR): the first `audit` and `check` fill the cache ("cold"), the
repeats after it are "warm". Baseline: `python -c "import numpy"` (interpreter and numpy start-up), timed
in the same rounds, interleaved with the commands, so that load from other processes falls on both.
Printed: min / median / max seconds, median / baseline median, and the targets (--help < 0.3 s,
audit and check < 1 s warm, run < 15 s on 2 idle cores).

Replay: the last default run's data.npz and trajectory.npz are replayed with `reference_model.gd_losses`
(per-sample equilibria from z = 0, dense adjoint solves, its own GD loop; it shares no code with the
engine) for --replay-steps steps (the reference costs about 2 s per step at the default size), and the
largest relative difference of the losses is compared with 1e-8.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"--help": 0.3, "audit (warm)": 1.0, "check (warm)": 1.0, "run (default)": 15.0}


def _time(cmd, cwd, env) -> float:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"command failed ({res.returncode}): {' '.join(cmd)}\n{res.stderr[-2000:]}")
    return dt


def _row(name, times, base):
    med = statistics.median(times)
    target = TARGETS.get(name)
    verdict = "" if target is None else ("met" if med < target else "NOT met") + f" (< {target:g} s)"
    return (f"{name:16s} {min(times):8.3f} {med:8.3f} {max(times):8.3f} {med / base:9.1f}x   {verdict}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="timed repeats of --help, audit and check")
    ap.add_argument("--runs", type=int, default=3, help="timed default runs")
    ap.add_argument("--replay-steps", type=int, default=25, help="steps of the independent replay (0: skip)")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.runs < 1 or args.replay_steps < 0:
        ap.error("--repeats and --runs must be >= 1, --replay-steps >= 0")

    exe = [sys.executable, "-m", "verifier.cli"]
    base_cmd = [sys.executable, "-c", "import numpy"]
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, VERIFIER_CACHE_DIR=str(tmp / "cache"))
        env.pop("VERIFIER_NO_CACHE", None)
        print(f"# bench_cli: {platform.platform()}, {os.cpu_count()} cores, python {platform.python_version()}")
        print(f"# load average at start: {os.getloadavg()}")
        base, times = [], {k: [] for k in ("--help", "audit (cold)", "audit (warm)", "check (cold)", "check (warm)",
                                           "run (default)")}
        times["audit (cold)"].append(_time(exe + ["audit"], tmp, env))
        times["check (cold)"].append(_time(exe + ["check"], tmp, env))
        for _ in range(args.repeats):
            base.append(_time(base_cmd, tmp, env))
            times["--help"].append(_time(exe + ["--help"], tmp, env))
            times["audit (warm)"].append(_time(exe + ["audit"], tmp, env))
            times["check (warm)"].append(_time(exe + ["check"], tmp, env))
        for i in range(args.runs):
            base.append(_time(base_cmd, tmp, env))
            times["run (default)"].append(_time(exe + ["run", "--out", str(tmp / f"run{i}"), "--quiet"], tmp, env))
        b = statistics.median(base)
        print(f"# baseline `python -c 'import numpy'`: median {b:.3f} s over {len(base)}")
        print(f"{'command':16s} {'min s':>8s} {'median s':>8s} {'max s':>8s} {'/baseline':>10s}   target")
        for name, ts in times.items():
            print(_row(name, ts, b))
        last = tmp / f"run{args.runs - 1}"
        s = json.loads((last / "summary.json").read_text())
        print(f"# default run: {s['run']['steps_recorded']} records, training {s['run']['train_seconds']:.2f} s, "
              f"BLAS threads {s['run'].get('blas_threads')}, solver iterations fwd "
              f"{s['solver']['fwd_iters_min']}-{s['solver']['fwd_iters_max']}, adj "
              f"{s['solver']['adj_iters_min']}-{s['solver']['adj_iters_max']}")
        if args.replay_steps:
            import numpy as np

            from proofs_checks.reference_model import gd_losses

            with np.load(last / "data.npz") as f:
                d = dict(f)
            with np.load(last / "trajectory.npz") as f:
                t = dict(f)
            k = min(args.replay_steps, s["setting"]["steps"])
            t0 = time.perf_counter()
            ref = gd_losses(d["X"], d["y"], t["A0"], t["W0"], t["u0"], t["v0"], s["setting"]["gamma"],
                            s["setting"]["step_size"], k)
            diff = float(np.max(np.abs(t["loss"][: k + 1] - ref) / ref))
            print(f"# replay of steps 0..{k} by reference_model.gd_losses ({time.perf_counter() - t0:.1f} s): "
                  f"max relative loss difference {diff:.2e} ({'met' if diff < 1e-8 else 'NOT met'}: < 1e-8)")
        print(f"# load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
