"""L2.3 (IFT gradients, A.2): invertibility of U_i = I - gt D_i A and the gradient formulas (10)-(12)."""
from __future__ import annotations

import numpy as np
import sympy as sp

from ._common import SYM, finding, identity_step, numeric_step, result
from .forward import ift_gradients, jacobian_fd, random_instance

ID = "L2.3"
TITLE = "Gradients by the implicit function theorem; sigma_min(I - gt D A) >= 1 - gamma0"


def _sigma_min_scan(trials=200, m_=12, seed=0):
    rng = np.random.default_rng(seed)
    worst = np.inf
    complex_eigs = 0
    for _ in range(trials):
        A = rng.standard_normal((m_, m_))
        A *= 1.0 / np.linalg.norm(A, 2)          # ||A|| = c sqrt(m) with gamma c = gamma0 exactly (worst case)
        g0 = rng.uniform(0.1, 0.95)
        D = (rng.random(m_) < 0.5).astype(float)
        U = np.eye(m_) - g0 * D[:, None] * A
        worst = min(worst, np.linalg.svd(U, compute_uv=False)[-1] - (1 - g0))
        complex_eigs += int(np.any(np.abs(np.linalg.eigvals(U).imag) > 1e-12))
    return worst, complex_eigs, trials


def audit(setting: dict | None = None) -> dict:
    gamma0, c, m = SYM["gamma0"], SYM["c"], SYM["m"]
    steps = [identity_step("reverse triangle: ||U u|| >= (1 - gt ||D|| ||A||) ||u||, and gt c sqrt(m) = gamma0 at gamma = gamma0/c",
                           1 - (gamma0 / c / sp.sqrt(m)) * c * sp.sqrt(m), 1 - gamma0),
             identity_step("||U_i^{-1}|| <= 1/(1 - gamma0) = 2 at gamma0 = 1/2", 1 / (1 - sp.Rational(1, 2)), 2)]
    worst, ncomplex, trials = _sigma_min_scan()
    steps.append(numeric_step("sigma_min(U) >= 1 - gamma0 with ||A|| at the limit gamma c = gamma0, random D",
                              worst >= -1e-12, f"smallest sigma_min - (1 - gamma0) over {trials} draws: {worst:.3g}"))
    errs = []
    for seed in range(2):
        I = random_instance(n=4, d=3, m=5, seed=seed)
        args = (I["A"], I["W"], I["u"], I["v"], I["X"], I["gamma"])
        J, kink = jacobian_fd(*args)
        g = ift_gradients(*args[:5], I["y"], I["gamma"])
        r = g["forward"]["yhat"] - I["y"]
        fd = J.T @ r
        ana = np.concatenate([g["A"].ravel(), g["W"].ravel(), g["u"], g["v"]])
        errs.append(float(np.max(np.abs(fd - ana)) / np.max(np.abs(ana))))
    steps.append(numeric_step("eqs. (10)-(12) (with U_i^{-T} u) equal central finite differences of our forward model",
                              max(errs) < 1e-6, f"max relative error {max(errs):.2e} on 2 instances (n=4, d=3, m=5)"))
    # the equality case: A = c sqrt(m) e1 e1^T, D = I  ->  U = I - gamma0 e1 e1^T, sigma_min = 1 - gamma0 exactly
    m_ = 4
    A = np.zeros((m_, m_))
    A[0, 0] = 1.0
    U = np.eye(m_) - 0.5 * A
    smin = float(np.linalg.svd(U, compute_uv=False)[-1])
    findings = [finding(
        "(ii)/(9) is stated as lambda_min{I - gt diag(sigma'(v)) A} > 1 - gamma0, but the matrix is not symmetric "
        "(eigenvalues can be complex) and the proof shows the singular-value bound sigma_min >= 1 - gamma0, with "
        "equality attainable; the strict '>' is false in the equality case (harmless for invertibility).",
        {"complex_eigenvalue_draws": ncomplex, "draws": trials,
         "equality_case": "A = c sqrt(m) e1 e1^T, D = I, gamma0 = 1/2", "sigma_min": smin, "one_minus_gamma0": 0.5})]
    return result(ID, TITLE, steps, findings)
