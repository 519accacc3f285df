"""Equilibrium (eq. 3) and adjoint solves by fixed-point iteration with warm starts.

Both maps are contractions with factor at most q = (gamma/sqrt(m))||A|| when q < 1 (L2.2):
    forward  Z <- sigma(gt Z A^T + Phi)           (rows z_i, eq. 3)
    adjoint  B <- u + gt (D o B) A                (rows b_i = U_i^{-T} u, L2.3)
Stopping rule: relative residual ||Z_{l+1} - Z_l||_F / ||Z_{l+1}||_F <= tol. A solve that does not meet
it within max_iter raises SolveError with the residual, the iteration count and q.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["SolveError", "SolveStats", "solve_forward", "solve_adjoint", "DEFAULT_TOL", "DEFAULT_MAX_ITER"]

DEFAULT_TOL = 1e-13
DEFAULT_MAX_ITER = 500


@dataclass
class SolveStats:
    iterations: int
    residual: float
    residuals: list = field(default_factory=list)

    @property
    def contraction_estimate(self) -> float:
        """Observed ratio of successive residuals (geometric mean of the last few)."""
        r = [x for x in self.residuals if x > 0]
        if len(r) < 2:
            return float("nan")
        tail = r[-min(len(r), 6):]
        return float((tail[-1] / tail[0]) ** (1.0 / (len(tail) - 1)))


class SolveError(RuntimeError):
    """A fixed-point solve did not converge; carries the numbers that explain why."""

    def __init__(self, which: str, stats: SolveStats, q: float, tol: float):
        self.which, self.stats, self.q, self.tol = which, stats, q, tol
        super().__init__(
            f"{which} solve did not converge: relative residual {stats.residual:.3e} > tol {tol:.1e} "
            f"after {stats.iterations} iterations; measured (gamma/sqrt(m))||A|| = {q:.6g}"
            + (" (>= 1: the map need not be a contraction, L2.2)" if q >= 1 else ""))


def _rel(new, old) -> float:
    den = np.linalg.norm(new)
    num = np.linalg.norm(new - old)
    if den == 0.0:
        return float(num)
    return float(num / den)


def _q(gt, A) -> float:
    return gt * float(np.linalg.norm(A, 2)) if np.all(np.isfinite(A)) else float("inf")


def _iterate(step, X0, which, tol, max_iter, q_of):
    X = X0
    res = []
    for it in range(1, max_iter + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected below, not warned
            Xn = step(X)
            r = _rel(Xn, X)
        res.append(r)
        X = Xn
        if r <= tol:
            return X, SolveStats(it, r, res)
        if not np.isfinite(r):
            res[-1] = float("inf")
            break
    stats = SolveStats(len(res), res[-1] if res else float("nan"), res)
    raise SolveError(which, stats, q_of(), tol)


def solve_forward(A, Phi, gt, Z0=None, *, tol=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER):
    """Z* with rows z_i = sigma(gt A z_i + phi_i); returns (Z, stats). Z0: warm start (default 0)."""
    Z0 = np.zeros_like(Phi) if Z0 is None else Z0
    At = gt * A.T
    return _iterate(lambda Z: np.maximum(Z @ At + Phi, 0.0), Z0, "forward (equilibrium)", tol,
                    max_iter, lambda: _q(gt, A))


def solve_adjoint(A, D, u, gt, B0=None, *, tol=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER):
    """B with rows b_i = U_i^{-T} u, U_i = I - gt D_i A, i.e. b_i = u + gt A^T D_i b_i; returns (B, stats)."""
    B0 = np.broadcast_to(u, D.shape).copy() if B0 is None else B0
    gA = gt * A
    return _iterate(lambda B: u + (D * B) @ gA, B0, "adjoint", tol, max_iter,
                    lambda: _q(gt, A))
