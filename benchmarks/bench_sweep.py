"""Cells per hour: a sweep on the default embedded Dask cluster against the same cells run one after another
by `verifier run`, measured in one run of this script.

    python benchmarks/bench_sweep.py            # 8 cells (digits, n = 100, m in {192, 256}, 250 GD steps)
    python benchmarks/bench_sweep.py --quick    # 4 cells of 60 steps: a smoke test
    python benchmarks/bench_sweep.py --cells 12 --steps 400

Protocol. The cells are built once (`verifier.sweep.expand`): every cell is an ordinary run. Sequential: each
cell's own `verifier run ...` command (the row's `reproduce` column: the same data file, setting, and
`--no-audit --no-certify`), one subprocess after another with the machine's default BLAS threads, as a user
would type them. Sweep: `run_sweep` with no scheduler, i.e. LocalCluster with one single-threaded worker
process per core, timed from the call to its return (cluster start-up and data included; the sweep report
is left out, since the sequential runs make none). To spread slow drifts of a shared machine over both, the
sequential runs are split: half before the sweep, half after. Every sequential run's final loss is compared
with the sweep's row for the same cell (they must be identical: same code path, same seed).
Target: sweep / sequential >= 1.7 on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifier.sweep import expand, parse_spec, run_sweep  # noqa: E402
from verifier.sweep.execute import default_workers  # noqa: E402


def _spec(cells: int, steps: int, n: int) -> dict:
    widths = [192, 256]
    seeds = max(1, cells // len(widths))
    return {"data": "digits", "n": n, "width": widths, "seed": list(range(seeds)), "steps": steps,
            "ntk_every": 0, "sweep": {"bootstrap": 0}}


def _sequential(cells, out: Path) -> tuple[float, dict]:
    losses = {}
    t0 = time.perf_counter()
    for c in cells:
        cmd = shlex.split(c["reproduce"]) + ["--out", str(out / c["cell"]), "--quiet"]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"verifier run failed ({res.returncode}): {res.stderr[-2000:]}")
        import json

        losses[c["cell"]] = json.loads((out / c["cell"] / "summary.json").read_text())["run"]["final_loss"]
    return time.perf_counter() - t0, losses


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", type=int, default=8)
    ap.add_argument("--steps", type=int, default=250)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--quick", action="store_true", help="4 cells of 60 steps")
    args = ap.parse_args()
    if args.quick:
        args.cells, args.steps = 4, 60
    spec = parse_spec(_spec(args.cells, args.steps, args.n), "bench_sweep")
    cores = default_workers()
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        outcome_dir = tmp / "sweep"
        cells, _ = expand(spec, outcome_dir / "data")
        print(f"bench_sweep: {len(cells)} cells (digits, n = {args.n}, m in {{192, 256}}, {args.steps} GD steps), "
              f"{cores} core(s), load average {load0[0]:.2f}")
        half = len(cells) // 2
        from verifier.pipeline import Setting  # a cell's command: the same string its row's `reproduce` carries

        def command(c):
            return Setting(**c.setting).command() + " --no-audit --no-certify"

        seq_cells = [{"cell": c.key, "reproduce": command(c)} for c in cells]
        t_a, loss_a = _sequential(seq_cells[:half], tmp / "seq")
        t_s0 = time.perf_counter()
        outcome = run_sweep(spec, outcome_dir, progress=False, report=False)
        t_sweep = time.perf_counter() - t_s0
        t_b, loss_b = _sequential(seq_cells[half:], tmp / "seq")
        t_seq = t_a + t_b
        rows = {r["cell"]: r for r in outcome.rows}
        same = all(rows[k]["final_loss"] == v for k, v in {**loss_a, **loss_b}.items())
        n = len(cells)
        load1 = os.getloadavg()
        print(f"sequential `verifier run`: {t_seq:8.1f} s  ({3600 * n / t_seq:8.1f} cells/hour; "
              f"{t_seq / n:.2f} s per cell)")
        print(f"sweep, {outcome.scheduler}: {t_sweep:8.1f} s  ({3600 * n / t_sweep:8.1f} cells/hour; "
              f"{outcome.failed} failed)")
        ratio = t_seq / t_sweep
        print(f"ratio sweep / sequential (cells per hour): {ratio:.2f}x   target >= 1.7x on 2 cores: "
              f"{'met' if ratio >= 1.7 else 'NOT met'}" + ("" if cores == 2 else f" (this machine has {cores} cores)"))
        print(f"final losses of the {n} cells identical in both: {'yes' if same else 'NO'}; "
              f"load average {load0[0]:.2f} -> {load1[0]:.2f} (a busy machine slows both; total "
              f"{time.perf_counter() - t0:.0f} s)")
        return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
