"""Parameters of the implicit network (the paper's eqs. 1-4) and the A1 initialization."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..numerics import relu

__all__ = ["Params", "init_params", "features", "features_with_preactivation"]


@dataclass
class Params:
    """A in R^{m x m}, W in R^{m x d}, u, v in R^m (all four are trained)."""
    A: np.ndarray
    W: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @property
    def m(self) -> int:
        return int(self.A.shape[0])

    def copy(self) -> Params:
        return Params(*(x.clone() if hasattr(x, "clone") else x.copy() for x in (self.A, self.W, self.u, self.v)))

    def to(self, bk) -> Params:
        """The same parameters as arrays of backend bk."""
        return Params(*(bk.asarray(x) for x in (self.A, self.W, self.u, self.v)))

    def numpy(self, bk) -> Params:
        return Params(*(bk.to_numpy(x) for x in (self.A, self.W, self.u, self.v)))


def init_params(m: int, d: int, seed: int) -> Params:
    """A1: A_ij, W_ij ~ N(0, 1); u_i, v_i ~ uniform{-1, +1}.

    Drawn from numpy's default_rng(seed) in the order A (m x m), W (m x d), u, v, each row-major;
    the signs as 2*integers(0, 2) - 1. This order is part of the reproducibility contract.
    """
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, m))
    W = rng.standard_normal((m, d))
    u = 2.0 * rng.integers(0, 2, size=m) - 1.0
    v = 2.0 * rng.integers(0, 2, size=m) - 1.0
    return Params(A, W, u, v)


def features_with_preactivation(X, W, bk=None):
    """(Phi, E, P) with P = X W^T, the features' pre-activation: Phi = sigma(P)/sqrt(m) (eq. 2), E = sigma'(P).

    sigma is positively homogeneous, so P/sqrt(m) is the pre-activation in phi's own units and has
    P's signs; E_i = diag(E[i]) is the matrix of L2.3 (sigma'(0) = 0).
    """
    pre = X @ W.T
    if bk is None:
        return relu(pre) / np.sqrt(W.shape[0]), (pre > 0).astype(pre.dtype), pre
    return bk.relu(pre) / float(np.sqrt(W.shape[0])), bk.step(pre), pre


def features(X, W, bk=None):
    """Phi = sigma(X W^T)/sqrt(m) (eq. 2, rows = samples) and E = sigma'(X W^T) as 0/1."""
    Phi, E, _ = features_with_preactivation(X, W, bk)
    return Phi, E
