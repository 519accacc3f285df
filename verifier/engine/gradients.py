"""Loss and gradients by the implicit function theorem (L2.3), never by unrolling."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backend import backend_of
from .model import Params, features, features_with_preactivation
from .solvers import SolveStats, solve_adjoint, solve_forward

__all__ = ["Evaluation", "evaluate", "predict", "preactivation_margins", "PHI_KINK_ULPS"]

#: Half-width, in units of eps * ||x_i|| ||w_r||, of the band around 0 in which the sign of the feature
#: pre-activation <w_r, x_i> is taken as unresolved (a few ulps of the entry's Cauchy-Schwarz scale).
PHI_KINK_ULPS = 4


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
    Z_pre: object = None     # n x m, gt Z' A^T + Phi, the solver's last pre-activation: Z = sigma(Z_pre), D = sigma'(.)
    Phi_pre: object = None   # n x m, X W^T: the features' pre-activation; E = sigma'(Phi_pre)


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
    Phi, E, Phi_pre = features_with_preactivation(X, p.W, bk)
    Z, fst = solve_forward(p.A, Phi, gt, Z0, bk=bk, **solve_kw)
    with bk.quiet():
        # D = sigma'(gt A z* + phi), from the last iteration's pre-activation (within tol of the one at Z)
        Z_pre = fst.pre if fst.pre is not None else gt * (Z @ p.A.T) + Phi
        D = bk.step(Z_pre)
        yhat = Z @ p.u + Phi @ p.v
        r = yhat - y
        nr = bk.norm(r)
        loss = 0.5 * nr * nr     # a float product overflows to inf; float ** 2 would raise OverflowError
    if not with_grads:
        return Evaluation(yhat, r, loss, Phi, Z, None, D, E, None, fst, None, Z_pre, Phi_pre)
    B, ast = solve_adjoint(p.A, D, p.u, gt, B0, bk=bk, **solve_kw)
    with bk.quiet():
        DB = D * B
        rc = r[:, None]
        gA = gt * ((rc * DB).T @ Z)
        gW = ((rc * E * (DB + p.v)).T @ X) / sq
        gu = Z.T @ r
        gv = Phi.T @ r
    return Evaluation(yhat, r, loss, Phi, Z, B, D, E, Params(gA, gW, gu, gv), fst, ast, Z_pre, Phi_pre)


def preactivation_margins(ev: Evaluation, X, W, tol: float, *, bk=None) -> dict:
    """How close the pre-activations behind D_i and E_i (L2.3) sit to the ReLU kink at 0.

    L2.3 and the gradient chains of A.3/A.7 differentiate sigma at gt A z_i + phi_i and at W x_i; that
    needs every such entry away from 0. Returns (all O(n m) elementwise):
      preact_min_abs_z     min_{i,r} |(gt A z_i + phi_i)_r|, on the pre-activation the solver formed (ev.Z_pre)
      preact_near_zero_z   #{(i,r): |(gt A z_i + phi_i)_r| <= tol ||Z||_F}: ||Z||_F is the denominator of
                           the solve's relative residual, so tol ||Z||_F is the band the stopping rule
                           leaves undecided (the sign of such an entry may differ at the exact z*)
      preact_min_abs_phi   min_{i,r} |<w_r, x_i>| / sqrt(m), phi's pre-activation in phi's units (eq. 2)
      preact_near_zero_phi #{(i,r): |<w_r, x_i>| <= PHI_KINK_ULPS eps ||w_r|| ||x_i||}: a few ulps of the
                           entry's Cauchy-Schwarz scale (eps of the backend's dtype)
    An exact zero is always counted.
    """
    bk = bk or backend_of(ev.Z)
    m = ev.Z.shape[1]
    with bk.quiet():
        az = abs(ev.Z_pre)
        ap = abs(ev.Phi_pre)
        thr_z = tol * bk.norm(ev.Z)
        eps = float(np.finfo(bk.dtype_name).eps)
        thr_phi = (PHI_KINK_ULPS * eps) * (bk.row_norms(X)[:, None] * bk.row_norms(W)[None, :])
        return {"preact_min_abs_z": float(az.min()),
                "preact_near_zero_z": int((az <= thr_z).sum()),
                "preact_min_abs_phi": float(ap.min()) / float(np.sqrt(m)),
                "preact_near_zero_phi": int((ap <= thr_phi).sum())}
