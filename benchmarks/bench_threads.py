"""BLAS threads by problem size: one thread against the libraries' default, for the engine's GD step.

Run on demand from the repository root::

    python benchmarks/bench_threads.py            # sizes around the default run and up to m = 2000
    python benchmarks/bench_threads.py --steps 3  # quicker

For each (n, m) it times `steps` GD steps of `train_gd` (warm-started solves, recording included) with
BLAS limited to one thread (threadpoolctl) and with the default thread count, interleaved round by round,
and prints the median time per step and the ratio one-thread / default (< 1: one thread is faster). The
engine's policy (verifier.engine.threads: one thread when n m^2 < SINGLE_THREAD_BELOW) is printed beside
each size so the threshold can be checked against the measurement.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from verifier.engine import TrainConfig, init_params, train_gd
from verifier.engine.threads import SINGLE_THREAD_BELOW, blas_threads

SIZES = ((100, 256), (360, 512), (200, 1000), (500, 1000), (360, 2000))


def _problem(n, m, d=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    y = np.sign(X @ rng.standard_normal(d))
    return X, y, init_params(m, d, seed)


def _per_step(X, y, p0, steps, limit):
    cfg = TrainConfig(gamma=0.1, step_size=0.05, steps=steps)
    ctx = threadpool_limits(limits=limit) if limit else threadpool_limits(limits=None)
    with ctx:
        t0 = time.perf_counter()
        train_gd(p0, X, y, cfg)
        return (time.perf_counter() - t0) / (steps + 1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    default = max((i.get("num_threads", 1) for i in threadpool_info() if i.get("user_api") == "blas"), default=1)
    print(f"# {os.cpu_count()} cores, BLAS default threads {default}, load average {os.getloadavg()}")
    print(f"# policy: one thread when n m^2 < {SINGLE_THREAD_BELOW:.3g}")
    print(f"{'n':>5s} {'m':>5s} {'n m^2':>9s} {'1 thread ms':>12s} {'default ms':>11s} {'1/default':>10s}  policy")
    for n, m in SIZES:
        X, y, p0 = _problem(n, m)
        one, dflt = [], []
        for _ in range(args.rounds):
            one.append(_per_step(X, y, p0, args.steps, 1))
            dflt.append(_per_step(X, y, p0, args.steps, None))
        a, b = statistics.median(one), statistics.median(dflt)
        k = blas_threads(n, m)
        print(f"{n:5d} {m:5d} {n * m * m:9.2e} {a * 1e3:12.1f} {b * 1e3:11.1f} {a / b:10.2f}  "
              f"{'1 thread' if k == 1 else 'default'}")
    print(f"# load average at end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
