"""Direct checks of L2.2's iterate bounds at given parameters (run at theta(0) by `verifier run`)."""
from __future__ import annotations

import numpy as np

from .model import Params, features
from .solvers import solve_forward

__all__ = ["l22_probe"]


def l22_probe(p: Params, X: np.ndarray, gamma: float, gamma0: float = 0.5, P: int = 30) -> dict:
    """Iterate z^{l} = sigma(gt A z^{l-1} + phi) from z^0 = 0 and compare with L2.2's bounds.

    Returns max_i ||z_i*|| (1 - gamma0)/||phi_i|| ('z_bound_ratio', <= 1 claimed) and
    max_{i, p <= P} ||z_i^p - z_i*|| / (gamma0^p/(1 - gamma0) ||phi_i||) ('iterate_bound_ratio', <= 1 claimed),
    with z* from a converged solve. Rows with phi_i = 0 have z_i = 0 exactly and are skipped.
    """
    gt = gamma / np.sqrt(p.m)
    Phi, _ = features(X, p.W)
    Zs, _ = solve_forward(p.A, Phi, gt)
    nphi = np.linalg.norm(Phi, axis=1)
    keep = nphi > 0
    z_ratio = float(np.max(np.linalg.norm(Zs[keep], axis=1) * (1 - gamma0) / nphi[keep])) if keep.any() else 0.0
    Z = np.zeros_like(Phi)
    worst = 0.0
    At = gt * p.A.T
    for l in range(1, P + 1):
        Z = np.maximum(Z @ At + Phi, 0.0)
        err = np.linalg.norm(Z - Zs, axis=1)[keep]
        bound = gamma0**l / (1 - gamma0) * nphi[keep]
        worst = max(worst, float(np.max(err / bound)))
    return {"gamma0": gamma0, "P": P, "z_bound_ratio": z_ratio, "iterate_bound_ratio": worst}
