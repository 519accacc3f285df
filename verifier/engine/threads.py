"""How many BLAS threads the engine's matrix products get (threadpoolctl).

Measured with benchmarks/bench_threads.py on the idle 2-core machine: the libraries' default (2 threads)
was as fast or faster than one thread at every size from n m^2 = 8e4 to 1.4e9 (1.0-1.8x), so runs keep the
default (SINGLE_THREAD_BELOW = 0). On a machine busy with other work the opposite holds (one thread was
2-7x faster there: two BLAS threads stall on each other), which is why sweep workers use one thread each;
VERIFIER_BLAS_THREADS=k fixes k threads for a run (0: the default).
"""
from __future__ import annotations

import contextlib
import os

__all__ = ["SINGLE_THREAD_BELOW", "blas_threads", "blas_limits"]

#: n m^2 (one solve iteration's multiply-adds) below which a run uses one BLAS thread; 0: never (measured)
SINGLE_THREAD_BELOW = 0.0


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
