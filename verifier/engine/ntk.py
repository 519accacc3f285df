"""The neural tangent kernel H of L3.1, built structurally from the adjoint vectors (no Jacobian).

H = (gamma^2 M + 1 1^T) o Z Z^T + Q o X X^T + Phi Phi^T with
    M_ij = (1/m) (D_i b_i)^T (D_j b_j),          b_i = U_i^{-T} u  (adjoint solve)
    Q_ij = (1/m) (E_i (D_i b_i + v))^T (E_j (D_j b_j + v)).
(The paper prints U_i^{-1} in Q's first factor; the gradient formula of L2.3 gives U_i^{-T} in both.)
The three terms are the Gram matrices of the Jacobian blocks for A, W and (u, v):
    d yhat_i/dA = gt (D_i b_i) z_i^T, d yhat_i/dW = (1/sqrt m) E_i (D_i b_i + v) x_i^T,
    d yhat_i/du = z_i, d yhat_i/dv = phi_i; summing their Gram matrices gives H = J J^T.
"""
from __future__ import annotations

import numpy as np

__all__ = ["ntk_terms"]


def ntk_terms(ev, X: np.ndarray, gamma: float, v: np.ndarray) -> dict:
    """{'A_term', 'W_term', 'uv_term', 'H'} (n x n each) at an Evaluation ev with adjoint vectors.

    A_term = gamma^2 M o Z Z^T, W_term = Q o X X^T, uv_term = Z Z^T + Phi Phi^T.
    """
    if ev.B is None:
        raise ValueError("ntk_terms needs an evaluation with the adjoint solve (with_grads=True)")
    m = ev.Z.shape[1]
    DB = ev.D * ev.B
    ZZ = ev.Z @ ev.Z.T
    M = DB @ DB.T / m
    P = ev.E * (DB + v) / np.sqrt(m)
    A_term = gamma**2 * M * ZZ
    W_term = (P @ P.T) * (X @ X.T)
    uv_term = ZZ + ev.Phi @ ev.Phi.T
    H = A_term + W_term + uv_term
    return {"A_term": A_term, "W_term": W_term, "uv_term": uv_term, "H": 0.5 * (H + H.T)}
