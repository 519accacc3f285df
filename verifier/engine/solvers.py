"""Equilibrium (eq. 3) and adjoint solves: fixed-point (Picard) iteration or Anderson acceleration.

Both maps are contractions with factor at most q = (gamma/sqrt(m))||A|| when q < 1 (L2.2):
    forward  Z <- sigma(gt Z A^T + Phi)           (rows z_i, eq. 3)
    adjoint  B <- u + gt (D o B) A                (rows b_i = U_i^{-T} u, L2.3)
Stopping rule: relative residual ||f(Z) - Z||_F / ||f(Z)||_F <= tol. Anderson acceleration (type II,
Walker & Ni 2011, memory `memory`) returns the lowest-residual iterate it has seen. A solve that does
not meet the tolerance within max_iter raises SolveError with the residual trace, the iteration
count, the contraction estimate and the measured q.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .backend import backend_of

__all__ = ["SolveError", "SolveStats", "solve_forward", "solve_adjoint", "DEFAULT_TOL", "DEFAULT_MAX_ITER",
           "METHODS"]

DEFAULT_TOL = 1e-13
DEFAULT_MAX_ITER = 500
METHODS = ("picard", "anderson")


@dataclass
class SolveStats:
    iterations: int
    residual: float
    residuals: list = field(default_factory=list)
    method: str = "picard"
    #: forward solves: the pre-activation gt Z' A^T + Phi whose relu is the returned Z (Z' the previous
    #: iterate); sigma'(pre) is D to within the solve tolerance and saves one n x m x m product
    pre: object = field(default=None, repr=False, compare=False)

    @property
    def contraction_estimate(self) -> float:
        """Observed ratio of successive residuals (geometric mean over the last few)."""
        r = [x for x in self.residuals if x > 0 and np.isfinite(x)]
        if len(r) < 2:
            return float("nan")
        tail = r[-min(len(r), 6):]
        return float((tail[-1] / tail[0]) ** (1.0 / (len(tail) - 1)))

    def to_dict(self) -> dict:
        return {"method": self.method, "iterations": self.iterations, "residual": self.residual,
                "contraction_estimate": self.contraction_estimate, "residuals": list(self.residuals)}


class SolveError(RuntimeError):
    """A fixed-point solve did not converge; carries the numbers that explain why."""

    def __init__(self, which: str, stats: SolveStats, q: float, tol: float):
        self.which, self.stats, self.q, self.tol = which, stats, q, tol
        super().__init__(
            f"{which} solve did not converge: relative residual {stats.residual:.3e} > tol {tol:.1e} "
            f"after {stats.iterations} iterations ({stats.method}; observed contraction "
            f"{stats.contraction_estimate:.3g}); measured (gamma/sqrt(m))||A|| = {q:.6g}"
            + (" (>= 1: the map need not be a contraction, L2.2)" if q >= 1 else ""))


def _q(bk, gt, A) -> float:
    return gt * bk.spectral_norm(A)[0]


def _picard(bk, f, X0, tol, max_iter):
    X = X0
    res = []
    aux = None
    for it in range(1, max_iter + 1):
        with bk.quiet():
            F, aux = f(X)
            den = bk.norm(F)
            r = bk.norm(F - X) / den if den > 0 else bk.norm(F - X)
        res.append(r if np.isfinite(r) else float("inf"))
        X = F
        if r <= tol:
            return X, SolveStats(it, r, res, "picard", aux), True
        if not np.isfinite(r):
            break
    return X, SolveStats(len(res), res[-1] if res else float("nan"), res, "picard", aux), False


def _anderson(bk, f, X0, tol, max_iter, memory=5, ridge=1e-12):
    """Type-II Anderson: X+ = F_k - dF gamma, gamma = argmin ||g_k - dG gamma||, g = F - X."""
    X = X0
    res = []
    dFs, dGs = [], []
    F_prev = g_prev = None
    best = (float("inf"), None, None)
    for it in range(1, max_iter + 1):
        with bk.quiet():
            F, aux = f(X)
            g = F - X
            den = bk.norm(F)
            r = bk.norm(g) / den if den > 0 else bk.norm(g)
        r = r if np.isfinite(r) else float("inf")
        res.append(r)
        if r < best[0]:
            best = (r, F, aux)
        if r <= tol:
            return F, SolveStats(it, r, res, "anderson", aux), True
        if not np.isfinite(r):
            break
        if F_prev is not None:
            dFs.append(F - F_prev)
            dGs.append(g - g_prev)
            if len(dFs) > memory:
                dFs.pop(0)
                dGs.pop(0)
        F_prev, g_prev = F, g
        if dGs:
            k = len(dGs)
            Gm = np.empty((k, k))
            rhs = np.empty(k)
            for i in range(k):
                rhs[i] = bk.inner(dGs[i], g)
                for j in range(i, k):
                    Gm[i, j] = Gm[j, i] = bk.inner(dGs[i], dGs[j])
            scale = max(np.trace(Gm) / k, 1e-300)
            try:
                coef = bk.solve_small(Gm + ridge * scale * np.eye(k), rhs)
            except np.linalg.LinAlgError:
                dFs.clear()
                dGs.clear()
                X = F
                continue
            X = F
            for c, dF in zip(coef, dFs):
                X = X - float(c) * dF
        else:
            X = F
    return best[1], SolveStats(len(res), min(res) if res else float("nan"), res, "anderson", best[2]), False


def _solve(bk, f, X0, which, tol, max_iter, method, A, gt, memory):
    if method == "picard":
        X, st, ok = _picard(bk, f, X0, tol, max_iter)
    elif method == "anderson":
        X, st, ok = _anderson(bk, f, X0, tol, max_iter, memory)
    else:
        raise ValueError(f"unknown solver method '{method}' (use {', '.join(METHODS)})")
    if not ok:
        raise SolveError(which, st, _q(bk, gt, A), tol)
    return X, st


def solve_forward(A, Phi, gt, Z0=None, *, tol=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER, method="picard",
                  memory=5, bk=None):
    """Z* with rows z_i = sigma(gt A z_i + phi_i); returns (Z, stats). Z0: warm start (default 0)."""
    bk = bk or backend_of(A)
    Z0 = bk.zeros_like(Phi) if Z0 is None else Z0
    At = gt * A.T

    def f(Z):
        pre = Z @ At + Phi
        return bk.relu(pre), pre

    return _solve(bk, f, Z0, "forward (equilibrium)", tol, max_iter, method, A, gt, memory)


def solve_adjoint(A, D, u, gt, B0=None, *, tol=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER, method="picard",
                  memory=5, bk=None):
    """B with rows b_i = U_i^{-T} u, U_i = I - gt D_i A, i.e. b_i = u + gt A^T D_i b_i; returns (B, stats)."""
    bk = bk or backend_of(A)
    B0 = bk.broadcast_rows(u, D.shape[0]) if B0 is None else B0
    gA = gt * A
    return _solve(bk, lambda B: (u + (D * B) @ gA, None), B0, "adjoint", tol, max_iter, method, A, gt, memory)
