"""Numerical hazards, each handled in one documented place."""
from __future__ import annotations

import numpy as np

__all__ = ["pairwise_angles", "angle", "relu", "relu_grad", "spectral_norm"]


def pairwise_angles(X: np.ndarray) -> np.ndarray:
    """Angles between the rows of X (unit rows assumed), by the half-angle form.

    theta_ij = 2*atan2(||x_i - x_j||, ||x_i + x_j||) keeps ~1e-10 absolute accuracy for nearly
    parallel rows, where arccos(clip(<x_i, x_j>)) loses every digit below ~1e-8.
    """
    X = np.asarray(X, dtype=np.float64)
    sq = np.einsum("ij,ij->i", X, X)
    gram = X @ X.T
    diff2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * gram, 0.0)
    summ2 = np.maximum(sq[:, None] + sq[None, :] + 2.0 * gram, 0.0)
    # The expanded squares cancel for nearly parallel rows; recompute those pairs directly.
    tiny = diff2 < 1e-6 * (sq[:, None] + sq[None, :])
    if np.any(tiny):
        ii, jj = np.nonzero(tiny)
        diff2[ii, jj] = np.sum((X[ii] - X[jj]) ** 2, axis=1)
    tiny = summ2 < 1e-6 * (sq[:, None] + sq[None, :])
    if np.any(tiny):
        ii, jj = np.nonzero(tiny)
        summ2[ii, jj] = np.sum((X[ii] + X[jj]) ** 2, axis=1)
    theta = 2.0 * np.arctan2(np.sqrt(diff2), np.sqrt(summ2))
    np.fill_diagonal(theta, 0.0)
    return theta


def angle(a: np.ndarray, b: np.ndarray) -> float:
    """Angle between two vectors by the half-angle form (see pairwise_angles)."""
    a = np.asarray(a, dtype=np.float64) / np.linalg.norm(a)
    b = np.asarray(b, dtype=np.float64) / np.linalg.norm(b)
    return float(2.0 * np.arctan2(np.linalg.norm(a - b), np.linalg.norm(a + b)))


def relu(x):
    return np.maximum(x, 0.0)


def relu_grad(x):
    """sigma'(x) with the convention sigma'(0) = 0 (the indicator 1{x > 0})."""
    return (x > 0).astype(np.float64)


def spectral_norm(M: np.ndarray) -> float:
    """Exact ||M||_2 (largest singular value) by LAPACK; O(min(r,c)^2 max(r,c))."""
    return float(np.linalg.norm(M, 2))
