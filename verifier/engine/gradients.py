"""Loss and gradients by the implicit function theorem (L2.3), never by unrolling."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Params, features
from .solvers import SolveStats, solve_adjoint, solve_forward

__all__ = ["Evaluation", "evaluate", "predict"]


@dataclass
class Evaluation:
    """Everything one forward + adjoint pass produces at parameters theta."""
    yhat: np.ndarray
    r: np.ndarray            # yhat - y
    loss: float              # 1/2 ||yhat - y||^2 (eq. 5)
    Phi: np.ndarray          # n x m
    Z: np.ndarray            # n x m equilibria
    B: np.ndarray | None     # n x m adjoint vectors U_i^{-T} u
    D: np.ndarray            # n x m, sigma'(gt A z_i + phi_i)
    E: np.ndarray            # n x m, sigma'(W x_i)
    grads: Params | None
    forward: SolveStats
    adjoint: SolveStats | None


def predict(p: Params, X: np.ndarray, gamma: float, Z0=None, **solve_kw):
    """yhat = Z u + Phi v (eq. 4) with the equilibrium Z; returns (yhat, Z, Phi, stats)."""
    gt = gamma / np.sqrt(p.m)
    Phi, _ = features(X, p.W)
    Z, st = solve_forward(p.A, Phi, gt, Z0, **solve_kw)
    return Z @ p.u + Phi @ p.v, Z, Phi, st


def evaluate(p: Params, X: np.ndarray, y: np.ndarray, gamma: float, *, Z0=None, B0=None,
             with_grads: bool = True, **solve_kw) -> Evaluation:
    """Loss, residual and (optionally) the four gradients of L2.3 at p.

    grad_u = Z^T r, grad_v = Phi^T r, grad_A = gt sum_i r_i (D_i b_i) z_i^T,
    grad_W = (1/sqrt(m)) sum_i r_i E_i (D_i b_i + v) x_i^T, with b_i = U_i^{-T} u from the adjoint solve.
    """
    m = p.m
    gt = gamma / np.sqrt(m)
    Phi, E = features(X, p.W)
    Z, fst = solve_forward(p.A, Phi, gt, Z0, **solve_kw)
    D = ((gt * (Z @ p.A.T) + Phi) > 0).astype(np.float64)
    yhat = Z @ p.u + Phi @ p.v
    r = yhat - y
    loss = 0.5 * float(r @ r)
    if not with_grads:
        return Evaluation(yhat, r, loss, Phi, Z, None, D, E, None, fst, None)
    B, ast = solve_adjoint(p.A, D, p.u, gt, B0, **solve_kw)
    DB = D * B
    gA = gt * ((r[:, None] * DB).T @ Z)
    gW = ((r[:, None] * E * (DB + p.v)).T @ X) / np.sqrt(m)
    gu = Z.T @ r
    gv = Phi.T @ r
    return Evaluation(yhat, r, loss, Phi, Z, B, D, E, Params(gA, gW, gu, gv), fst, ast)
