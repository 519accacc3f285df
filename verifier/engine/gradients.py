"""Loss and gradients by the implicit function theorem (L2.3), never by unrolling."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backend import backend_of
from .model import Params, features
from .solvers import SolveStats, solve_adjoint, solve_forward

__all__ = ["Evaluation", "evaluate", "predict"]


@dataclass
class Evaluation:
    """Everything one forward + adjoint pass produces at parameters theta (arrays of the backend)."""
    yhat: object
    r: object                # yhat - y
    loss: float              # 1/2 ||yhat - y||^2 (eq. 5)
    Phi: object              # n x m
    Z: object                # n x m equilibria
    B: object | None         # n x m adjoint vectors U_i^{-T} u
    D: object                # n x m, sigma'(gt A z_i + phi_i)
    E: object                # n x m, sigma'(W x_i)
    grads: Params | None
    forward: SolveStats
    adjoint: SolveStats | None


def predict(p: Params, X, gamma: float, Z0=None, *, bk=None, **solve_kw):
    """yhat = Z u + Phi v (eq. 4) with the equilibrium Z; returns (yhat, Z, Phi, stats)."""
    bk = bk or backend_of(p.A)
    gt = gamma / np.sqrt(p.m)
    Phi, _ = features(X, p.W, bk)
    Z, st = solve_forward(p.A, Phi, gt, Z0, bk=bk, **solve_kw)
    return Z @ p.u + Phi @ p.v, Z, Phi, st


def evaluate(p: Params, X, y, gamma: float, *, Z0=None, B0=None, with_grads: bool = True, bk=None,
             **solve_kw) -> Evaluation:
    """Loss, residual and (optionally) the four gradients of L2.3 at p.

    grad_u = Z^T r, grad_v = Phi^T r, grad_A = gt sum_i r_i (D_i b_i) z_i^T,
    grad_W = (1/sqrt(m)) sum_i r_i E_i (D_i b_i + v) x_i^T, with b_i = U_i^{-T} u from the adjoint solve.
    X, y and the parameters must be arrays of the same backend (numpy by default).
    """
    bk = bk or backend_of(p.A)
    m = p.m
    sq = float(np.sqrt(m))
    gt = gamma / sq
    Phi, E = features(X, p.W, bk)
    Z, fst = solve_forward(p.A, Phi, gt, Z0, bk=bk, **solve_kw)
    with bk.quiet():
        # D = sigma'(gt A z* + phi), from the last iteration's pre-activation (within tol of the one at Z)
        D = bk.step(fst.pre) if fst.pre is not None else bk.step(gt * (Z @ p.A.T) + Phi)
        yhat = Z @ p.u + Phi @ p.v
        r = yhat - y
        loss = 0.5 * bk.norm(r) ** 2
    if not with_grads:
        return Evaluation(yhat, r, loss, Phi, Z, None, D, E, None, fst, None)
    B, ast = solve_adjoint(p.A, D, p.u, gt, B0, bk=bk, **solve_kw)
    with bk.quiet():
        DB = D * B
        rc = r[:, None]
        gA = gt * ((rc * DB).T @ Z)
        gW = ((rc * E * (DB + p.v)).T @ X) / sq
        gu = Z.T @ r
        gv = Phi.T @ r
    return Evaluation(yhat, r, loss, Phi, Z, B, D, E, Params(gA, gW, gu, gv), fst, ast)
