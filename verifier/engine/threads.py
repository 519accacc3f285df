"""How many BLAS threads the engine's matrix products get, chosen by problem size (threadpoolctl).

Each solve iteration is one (n, m, m) product followed by O(n m) elementwise work. Below a size, a second
BLAS thread costs more in start-up and synchronisation than it saves (measured by
benchmarks/bench_threads.py; README "Measured performance"), so a run of that size limits BLAS to one
thread; larger runs keep the libraries' default. VERIFIER_BLAS_THREADS=k fixes k threads (0: the default).
"""
from __future__ import annotations

import contextlib
import os

__all__ = ["SINGLE_THREAD_BELOW", "blas_threads", "blas_limits"]

#: n m^2 (one solve iteration's multiply-adds) below which one BLAS thread is faster than the default
SINGLE_THREAD_BELOW = 2.0e8


def blas_threads(n: int, m: int) -> int | None:
    """Threads for a run with n samples and width m; None keeps the libraries' default."""
    env = os.environ.get("VERIFIER_BLAS_THREADS", "").strip()
    if env:
        try:
            k = int(env)
        except ValueError:
            k = -1
        if k < 0:
            raise ValueError(f"VERIFIER_BLAS_THREADS must be an integer >= 0, got '{env}'")
        return k or None
    return 1 if n * m * m < SINGLE_THREAD_BELOW else None


@contextlib.contextmanager
def blas_limits(n: int, m: int):
    """Context in which numpy/scipy BLAS (and OpenMP) use blas_threads(n, m) threads; yields that number."""
    k = blas_threads(n, m)
    if k is None:
        yield None
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=k):
        yield k
