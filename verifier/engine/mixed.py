"""Mixed-precision solves: float32 fixed-point iterations first, then the float64 solves to the full tolerance.

A float32 matrix product costs about half a float64 one. `presolve32` runs the equilibrium and adjoint
Picard iterations in float32 until their relative residual is below `tol32` (1e-6 by default, above float32's
roundoff), and hands the results, cast to float64, to `evaluate` as warm starts. Every returned number then
comes from the float64 solves of `evaluate` and meets the same tolerance as without the pre-solve: the
float32 phase only moves the starting point (both maps are contractions, L2.2, so any start converges).
The float64 phase starts at float32's rounding error (~1e-7) and needs about 7 iterations to 1e-13 instead
of about 11 from the previous step's solution.

Measured (benchmarks/bench_engine.py, section [mp]): 0.82-0.89x the time of a float64-only GD step with
numpy at n = 100-200, m = 400-1000 and 0.91x at n = 1000, d = 784, m = 4000, with losses equal to 1e-15;
on the idle machine 0.84x with numpy and with torch (an earlier loaded run saw torch 1.06-1.07x). The float32
phase's rounding depends on the BLAS thread count, so results agree across thread counts to ~1e-15 but not bit
for bit; runs use it only when asked (`--precision mixed`).
"""
from __future__ import annotations

import numpy as np

from .backend import get_backend
from .model import Params
from .solvers import SolveError, solve_adjoint, solve_forward

__all__ = ["TOL32", "MAX_ITER32", "presolve32"]

TOL32 = 1e-6          # relative residual of the float32 phase (float32 roundoff is ~1e-7)
MAX_ITER32 = 100      # a float32 solve that has not met TOL32 by then is dropped (the given warm start is kept)


def presolve32(p: Params, X, gamma: float, Z0=None, B0=None, *, bk=None, tol32: float = TOL32,
               max_iter32: int = MAX_ITER32):
    """(Z0, B0, forward iterations, adjoint iterations): float64 warm starts for `evaluate` at p from float32
    Picard solves started at Z0, B0 (float64 warm starts or None). Where a float32 phase leaves the finite
    range or misses tol32, the given warm start is returned unchanged (with the iterations spent)."""
    bk = bk or get_backend("numpy")
    bk32 = get_backend(bk.name, device=getattr(bk, "device", None) if bk.name != "numpy" else None, dtype="float32")

    def to32(x):
        return bk32.asarray(bk.to_numpy(x).astype(np.float32))

    def to64(x):
        return bk.asarray(bk32.to_numpy(x).astype(np.float64))

    gt = gamma / float(np.sqrt(p.m))
    A32, W32, u32, X32 = to32(p.A), to32(p.W), to32(p.u), to32(X)
    with bk32.quiet():
        Phi32 = bk32.relu(X32 @ W32.T) / float(np.sqrt(p.m))
    kw = {"tol": tol32, "max_iter": max_iter32, "method": "picard", "bk": bk32}
    Z, it_f = _solve(lambda: solve_forward(A32, Phi32, gt, None if Z0 is None else to32(Z0), **kw))
    if Z is None or not bk32.all_finite(Z):
        return Z0, B0, it_f, 0
    with bk32.quiet():
        D32 = bk32.step(gt * (Z @ A32.T) + Phi32)
    B, it_a = _solve(lambda: solve_adjoint(A32, D32, u32, gt, None if B0 is None else to32(B0), **kw))
    B64 = to64(B) if B is not None and bk32.all_finite(B) else B0
    return to64(Z), B64, it_f, it_a


def _solve(fn):
    """(solution or None, iterations); None: the float32 solve missed tol32 (the caller keeps its warm start)."""
    try:
        X, st = fn()
        return X, st.iterations
    except SolveError as exc:
        return None, exc.stats.iterations
