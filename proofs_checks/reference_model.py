"""The independent reference model of the implicit network, for the proof audit and the tests.

Independent of verifier/engine on purpose (the audit cross-checks formulas against it, the tests replay runs
with it):

    phi_i = relu(W x_i) / sqrt(m),   z_i = relu(gt A z_i + phi_i) (gt = gamma/sqrt(m)),   yhat_i = u.z_i + v.phi_i

solved by fixed-point iteration to 1e-14 (L2.2), with the IFT gradients of L2.3, the printed and corrected
H of L3.1, and a central finite-difference Jacobian of yhat with respect to (A, W, u, v).
"""
from __future__ import annotations

import numpy as np

__all__ = ["random_instance", "equilibrium", "forward", "ift_gradients", "h_formula", "jacobian_fd",
           "gd_losses", "EquilibriumError"]


class EquilibriumError(RuntimeError):
    """The fixed-point iteration did not reach its tolerance (message carries the numbers)."""


def random_instance(n: int = 4, d: int = 3, m: int = 6, gamma0: float = 0.5, seed: int = 0) -> dict:
    """Unit-row data, A1 parameters, gamma = min(gamma0, gamma0/c) with c = ||A||/sqrt(m) (L2.2), labels +-1."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    A = rng.standard_normal((m, m))
    W = rng.standard_normal((m, d))
    u = rng.choice([-1.0, 1.0], size=m)
    v = rng.choice([-1.0, 1.0], size=m)
    y = rng.choice([-1.0, 1.0], size=n)
    c = np.linalg.norm(A, 2) / np.sqrt(m)
    gamma = min(gamma0, gamma0 / c)
    return {"X": X, "y": y, "A": A, "W": W, "u": u, "v": v, "gamma": gamma, "gamma0": gamma0, "c": c}


def equilibrium(A, phi, gt, tol=1e-14, max_iter=10_000):
    """z* = relu(gt A z* + phi) by fixed-point iteration from z^0 = 0; returns (z, iterations, residual)."""
    z = np.zeros_like(phi)
    for it in range(1, max_iter + 1):
        z_new = np.maximum(gt * (A @ z) + phi, 0.0)
        step = np.linalg.norm(z_new - z)
        z = z_new
        if step <= tol * max(1.0, np.linalg.norm(z)):
            return z, it, step
    raise EquilibriumError(f"fixed point not reached: step {step:.3e} after {max_iter} iterations "
                           f"(gt*||A|| = {gt * np.linalg.norm(A, 2):.4f})")


def forward(A, W, u, v, X, gamma):
    """Phi, Z (rows per sample), yhat, pre-activations and the diagonal patterns D_i, E_i (as 0/1 vectors)."""
    m = A.shape[0]
    gt = gamma / np.sqrt(m)
    pre_w = X @ W.T
    Phi = np.maximum(pre_w, 0.0) / np.sqrt(m)
    Z = np.empty_like(Phi)
    for i in range(X.shape[0]):
        Z[i], _, _ = equilibrium(A, Phi[i], gt)
    pre_z = gt * Z @ A.T + Phi
    yhat = Z @ u + Phi @ v
    return {"Phi": Phi, "Z": Z, "yhat": yhat, "D": (pre_z > 0).astype(float), "E": (pre_w > 0).astype(float),
            "pre_z": pre_z, "pre_w": pre_w, "gt": gt}


def _uinv_t_u(A, Di, gt, u):
    """U_i^{-T} u with U_i = I - gt D_i A (L2.3)."""
    m = A.shape[0]
    U = np.eye(m) - gt * Di[:, None] * A
    return np.linalg.solve(U.T, u), U


def ift_gradients(A, W, u, v, X, y, gamma):
    """grad_A, grad_W, grad_u, grad_v of L = 1/2 ||yhat - y||^2 by the formulas of L2.3 (eqs. 10-12)."""
    f = forward(A, W, u, v, X, gamma)
    m = A.shape[0]
    gt = f["gt"]
    r = f["yhat"] - y
    gA = np.zeros_like(A)
    gW = np.zeros_like(W)
    for i in range(X.shape[0]):
        w, _ = _uinv_t_u(A, f["D"][i], gt, u)
        a = f["D"][i] * w
        gA += gt * r[i] * np.outer(a, f["Z"][i])
        gW += r[i] / np.sqrt(m) * np.outer(f["E"][i] * (a + v), X[i])
    return {"A": gA, "W": gW, "u": f["Z"].T @ r, "v": f["Phi"].T @ r, "forward": f}


def h_formula(A, W, u, v, X, gamma, q_variant: str = "corrected", zz_weight: str = "ones"):
    """H of L3.1: (gamma^2 M + J) o Z Z^T + Q o X X^T + Phi Phi^T.

    q_variant: "corrected" uses D_i U_i^{-T} u in both factors of Q; "printed" uses D_i U_i^{-1} u in the
    first factor, as eq. (16) is printed. zz_weight: "ones" (J = 1 1^T, what the u-gradient gives) or
    "identity" (J = I_n, as eq. (14) is printed).
    """
    f = forward(A, W, u, v, X, gamma)
    m = A.shape[0]
    n = X.shape[0]
    gt = f["gt"]
    a_t = np.empty((n, m))     # D_i U_i^{-T} u
    a_n = np.empty((n, m))     # D_i U_i^{-1} u (printed first factor)
    for i in range(n):
        w, U = _uinv_t_u(A, f["D"][i], gt, u)
        a_t[i] = f["D"][i] * w
        a_n[i] = f["D"][i] * np.linalg.solve(U, u)
    M = a_t @ a_t.T / m
    first = a_t if q_variant == "corrected" else a_n
    Q = ((first + v) * f["E"]) @ ((a_t + v) * f["E"]).T / m
    Jw = np.ones((n, n)) if zz_weight == "ones" else np.eye(n)
    H = (gamma**2 * M + Jw) * (f["Z"] @ f["Z"].T) + Q * (X @ X.T) + f["Phi"] @ f["Phi"].T
    return H, {"M": M, "Q": Q, "forward": f}


def jacobian_fd(A, W, u, v, X, gamma, h=1e-6):
    """Jacobian of yhat (n) w.r.t. (vec A, vec W, u, v) by central differences; also the smallest
    |pre-activation| met, since a kink within h of a perturbation would spoil the difference."""
    params = [A, W, u, v]
    cols = []
    kink = np.inf
    for p_idx, P in enumerate(params):
        flat = P.reshape(-1)
        for k in range(flat.size):
            vals = []
            for s in (+1.0, -1.0):
                Ps = [q.copy() for q in params]
                Ps[p_idx].reshape(-1)[k] += s * h
                f = forward(*Ps, X, gamma)
                kink = min(kink, float(np.min(np.abs(f["pre_z"]))), float(np.min(np.abs(f["pre_w"]))))
                vals.append(f["yhat"])
            cols.append((vals[0] - vals[1]) / (2 * h))
    return np.array(cols).T, kink


def gd_losses(X, y, A, W, u, v, gamma, alpha, steps) -> np.ndarray:
    """L(k) = 1/2 ||yhat(k) - y||^2 for k = 0..steps of plain gradient descent with the L2.3 gradients of this
    model (per-sample equilibria from z = 0, dense adjoint solves, no warm starts): a replay of a run that
    shares no code with verifier.engine."""
    A, W, u, v = (np.array(p, dtype=np.float64, copy=True) for p in (A, W, u, v))
    losses = []
    for _ in range(steps + 1):
        g = ift_gradients(A, W, u, v, X, y, gamma)
        r = g["forward"]["yhat"] - y
        losses.append(0.5 * float(r @ r))
        A, W, u, v = A - alpha * g["A"], W - alpha * g["W"], u - alpha * g["u"], v - alpha * g["v"]
    return np.array(losses)
