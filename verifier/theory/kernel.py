"""The limiting Gram matrix G_inf (eq. 17) and lambda0 = lambda_min(G_inf).

G_inf_ij = E_{w ~ N(0, I_d)}[sigma(w.x_i) sigma(w.x_j)]. For unit vectors at angle theta this is the
degree-1 arc-cosine kernel (Cho & Saul 2009)  k(theta) = (sin theta + (pi - theta) cos theta) / (2 pi),
with k(0) = 1/2 on the diagonal.
"""
from __future__ import annotations

import numpy as np

from ..numerics import pairwise_angles, relu

__all__ = ["arccos_kernel", "gram_inf", "lambda0", "gram_monte_carlo", "gram_finite"]


def arccos_kernel(theta):
    """k(theta) = (sin theta + (pi - theta) cos theta) / (2 pi), theta in [0, pi]."""
    theta = np.asarray(theta, dtype=np.float64)
    return (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2.0 * np.pi)


def gram_inf(X: np.ndarray) -> np.ndarray:
    """G_inf for data X with rows x_i (eq. 17), closed form; rows need not be unit (scaled by norms)."""
    X = np.asarray(X, dtype=np.float64)
    norms = np.linalg.norm(X, axis=1)
    Xu = X / norms[:, None]
    G = arccos_kernel(pairwise_angles(Xu)) * np.outer(norms, norms)
    return 0.5 * (G + G.T)


def lambda0(X: np.ndarray) -> float:
    """lambda0 = lambda_min(G_inf) by a symmetric eigensolver; never clipped (may print negative)."""
    return float(np.linalg.eigvalsh(gram_inf(X))[0])


def gram_finite(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """G = Phi Phi^T with Phi = sigma(X W^T)/sqrt(m) for W in R^{m x d} (G(0) when W = W(0))."""
    m = W.shape[0]
    Phi = relu(X @ W.T) / np.sqrt(m)
    return Phi @ Phi.T


def gram_monte_carlo(X: np.ndarray, m: int, seed: int = 0, chunk: int = 4096):
    """Monte Carlo G(0) at width m with its entrywise standard error.

    Returns (mean, stderr): mean = (1/m) sum_r sigma(X w_r) sigma(X w_r)^T, stderr the sample
    standard deviation of the summands divided by sqrt(m).
    """
    X = np.asarray(X, dtype=np.float64)
    rng = np.random.default_rng(seed)
    n, d = X.shape
    s1 = np.zeros((n, n))
    s2 = np.zeros((n, n))
    done = 0
    while done < m:
        b = min(chunk, m - done)
        F = relu(X @ rng.standard_normal((d, b)))  # n x b
        s1 += F @ F.T
        s2 += (F**2) @ (F**2).T
        done += b
    mean = s1 / m
    var = np.maximum(s2 / m - mean**2, 0.0) * m / max(m - 1, 1)
    return mean, np.sqrt(var / m)
