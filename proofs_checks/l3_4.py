"""L3.4 (A.6): ||G - G(0)|| <= (4c/sqrt m) ||X||^2 ||W - W(0)||; the operator-norm Lipschitz step and a counterexample."""
from __future__ import annotations

import numpy as np
import sympy as sp

from verifier.theory.kernel import gram_finite, gram_inf

from ._common import SYM, finding, identity_step, inequality_step, numeric_step, result
from .constants import l34_radius

ID = "L3.4"
TITLE = "W near W(0) keeps G near G(0): ||G - G(0)|| <= lambda0/4 and lambda_min(G) >= lambda0/2"


def counterexample(n: int = 30, m: int = 2000, seed: int = 0) -> dict:
    """X = I_n (orthonormal, satisfies A2), W = (1 + eps) W(0) with ||W - W(0)|| = R: the hypotheses hold,
    the first conclusion fails. c = ||W(0)||/sqrt(m) (so ||W(0)|| <= c sqrt m and ||W|| <= 2c sqrt m)."""
    X = np.eye(n)
    rng = np.random.default_rng(seed)
    W0 = rng.standard_normal((m, n))
    c = np.linalg.norm(W0, 2) / np.sqrt(m)
    G_inf = gram_inf(X)
    lam0 = float(np.linalg.eigvalsh(G_inf)[0])
    R = np.sqrt(m) * lam0 / (16 * c * np.linalg.norm(X, 2) ** 2)
    eps = (1 - 1e-9) * R / np.linalg.norm(W0, 2)  # strictly inside the radius, rounding included
    W = (1 + eps) * W0
    G0, G = gram_finite(X, W0), gram_finite(X, W)
    dW = np.linalg.norm(W - W0, 2)
    lhs = float(np.linalg.norm(G - G0, 2))
    return {"n": n, "m": m, "seed": seed, "c": float(c), "lambda0": lam0, "R": float(R), "norm_W_minus_W0": float(dW),
            "lambda_min_G0": float(np.linalg.eigvalsh(G0)[0]), "three_quarter_lambda0": 0.75 * lam0,
            "norm_W_over_2c_sqrt_m": float(np.linalg.norm(W, 2) / (2 * c * np.sqrt(m))),
            "norm_G_minus_G0": lhs, "printed_bound": float(4 * c / np.sqrt(m) * dW),
            "lambda0_over_4": lam0 / 4,
            "corrected_bound": float(3 * c * np.sqrt(n) * 1.0 / np.sqrt(m) * np.linalg.norm(W - W0)),
            "lambda_min_G": float(np.linalg.eigvalsh(G)[0])}


def audit(setting: dict | None = None) -> dict:
    m, c, lam0, nX, n = SYM["m"], SYM["c"], SYM["lambda0"], SYM["norm_X"], SYM["n"]
    R = l34_radius()["R"]
    steps = [
        identity_step("substituting R = sqrt(m) lambda0/(16 c ||X||^2): (4c/sqrt m) ||X||^2 R = lambda0/4",
                      4 * c / sp.sqrt(m) * nX**2 * R, lam0 / 4),
        inequality_step("(||W|| + ||W(0)||)/m <= (2c sqrt m + c sqrt m)/m = 3c/sqrt m <= 4c/sqrt m (4 is loose; 3 suffices)",
                        (2 * c * sp.sqrt(m) + c * sp.sqrt(m)) / m, 4 * c / sp.sqrt(m)),
        identity_step("Weyl: lambda_min(G) >= lambda_min(G(0)) - ||G - G(0)|| >= 3 lambda0/4 - lambda0/4 = lambda0/2",
                      sp.Rational(3, 4) * lam0 - lam0 / 4, lam0 / 2),
        identity_step("corrected radius R' = sqrt(m) lambda0/(12 c sqrt(n) ||X||): (3 c sqrt(n) ||X||/sqrt m) R' = lambda0/4",
                      3 * c * sp.sqrt(n) * nX / sp.sqrt(m) * l34_radius()["R_corrected"], lam0 / 4),
    ]
    # the invalid step: ||sigma(M)||_2 <= ||M||_2 fails for operator norms
    M = np.array([[1.0, 1.0], [1.0, -1.0]])
    s_relu, s_M = float(np.linalg.norm(np.maximum(M, 0), 2)), float(np.linalg.norm(M, 2))
    steps.append(numeric_step("A.6 uses ||sigma(X W^T)|| <= ||X|| ||W|| ('1-Lipschitz'): false in operator norm",
                              False, f"X = I_2, W^T = [[1,1],[1,-1]]: ||sigma(XW^T)|| = {s_relu:.4f} > ||X|| ||W|| = {s_M:.4f}"))
    ce = counterexample()
    steps.append(numeric_step("counterexample: every hypothesis of L3.4 holds (||W - W(0)|| <= R, "
                              "||W|| <= 2c sqrt m, lambda_min(G(0)) >= 3 lambda0/4; ||W(0)|| = c sqrt m by the choice of c)",
                              ce["norm_W_minus_W0"] <= ce["R"] and ce["norm_W_over_2c_sqrt_m"] <= 1
                              and ce["lambda_min_G0"] >= ce["three_quarter_lambda0"],
                              f"||W-W(0)|| = {ce['norm_W_minus_W0']:.6g} <= R = {ce['R']:.6g}; ||W||/(2c sqrt m) = "
                              f"{ce['norm_W_over_2c_sqrt_m']:.4f}; lambda_min(G(0)) = {ce['lambda_min_G0']:.4f} >= "
                              f"{ce['three_quarter_lambda0']:.4f}"))
    steps.append(numeric_step("counterexample to the conclusion ||G - G(0)|| <= lambda0/4 under the hypotheses",
                              ce["norm_G_minus_G0"] <= ce["lambda0_over_4"],
                              f"X = I_30, m = 2000, W = (1+eps) W(0), ||W-W(0)|| = R: ||G-G(0)|| = {ce['norm_G_minus_G0']:.4f} "
                              f"> lambda0/4 = {ce['lambda0_over_4']:.4f}"))
    steps.append(numeric_step("the corrected bound ||G - G(0)|| <= (3 c sqrt(n) ||X|| / sqrt m) ||W - W(0)||_F holds there",
                              ce["norm_G_minus_G0"] <= ce["corrected_bound"],
                              f"{ce['norm_G_minus_G0']:.4f} <= {ce['corrected_bound']:.4f}"))
    findings = [finding(
        "A.6 bounds ||sigma(XW^T)|| by ||X|| ||W|| and ||sigma(XW^T) - sigma(XW(0)^T)|| by ||X|| ||W - W(0)|| "
        "('1-Lipschitz'), which holds for Frobenius norms but not for operator norms. L3.4's first conclusion is false: "
        "on orthonormal data (X = I_30, A2 holds) with W = (1 + eps) W(0) and ||W - W(0)|| = R every hypothesis holds and "
        "||G - G(0)|| exceeds both (4c/sqrt m)||X||^2 ||W - W(0)|| and lambda0/4. (lambda_min(G) >= lambda0/2 still "
        "holds in this example.) A valid replacement: ||sigma(XW^T)||_2 <= ||X||_F ||W|| = sqrt(n) ||W|| and "
        "||sigma(XW^T) - sigma(XW(0)^T)||_F <= ||X|| ||W - W(0)||_F give ||G - G(0)|| <= (3c sqrt(n) ||X||/sqrt m) "
        "||W - W(0)||_F, i.e. radius R' = sqrt(m) lambda0 / (12 c sqrt(n) ||X||) in Frobenius norm (the proofs' drift "
        "bounds control ||W(t) - W(0)||_F too, since each gradient is a sum of rank-one terms).",
        {"operator_norm_step": {"||sigma(M)||": s_relu, "||M||": s_M}, "counterexample": ce})]
    return result(ID, TITLE, steps, findings)
