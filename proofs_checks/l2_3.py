"""L2.3 (IFT gradients, A.2): invertibility of U_i = I - gt D_i A and the gradient formulas (10)-(12)."""
from __future__ import annotations

import numpy as np
import sympy as sp

from . import statement as _S
from ._common import FAILS, HOLDS, SYM, Outcome, Step, compare_step, finding, identity_step, result
from .reference_model import forward, ift_gradients, jacobian_fd, random_instance
from .verdict import claim as _claim
from .verdict import hypothesis as _hyp
from .verdict import largest as _largest
from .verdict import merge as _merge
from .verdict import series as _series

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


def kink_one_sided_derivatives(h: float = 1e-7) -> dict:
    """yhat at a zero feature pre-activation: n = 1, x = e1, W = [[0, 1], [1, 0]] (so (W x)_1 = 0), and the
    one-sided difference quotients of yhat in W_11. E_1 = diag(sigma'(W x)) needs sigma'(0), which does not exist."""
    X = np.array([[1.0, 0.0]])
    W = np.array([[0.0, 1.0], [1.0, 0.0]])
    A = np.array([[0.3, -0.2], [0.1, 0.4]])
    u, v, gam = np.array([1.0, -0.5]), np.array([1.0, 1.0]), 0.25
    E = np.zeros_like(W)
    E[0, 0] = 1.0
    y0 = forward(A, W, u, v, X, gam)["yhat"][0]
    right = (forward(A, W + h * E, u, v, X, gam)["yhat"][0] - y0) / h
    left = (y0 - forward(A, W - h * E, u, v, X, gam)["yhat"][0]) / h
    return {"pre_activation": float((X @ W.T)[0, 0]), "right_derivative": float(right), "left_derivative": float(left),
            "h": h}


def _one_sided_agree(right, left, tol) -> Outcome:
    gap = abs(right - left)
    return Outcome(HOLDS if gap <= tol * (1 + abs(right)) else FAILS,
                   f"right {right:.6g}, left {left:.6g}: |difference| {gap:.3g} vs tolerance {tol:g} (1 + |right|)")


def audit(setting: dict | None = None):
    gamma0, c, m = SYM["gamma0"], SYM["c"], SYM["m"]
    steps = [identity_step("reverse triangle: ||U u|| >= (1 - gt ||D|| ||A||) ||u||, and gt c sqrt(m) = gamma0 at "
                           "gamma = gamma0/c",
                           1 - (gamma0 / c / sp.sqrt(m)) * c * sp.sqrt(m), 1 - gamma0),
             identity_step("||U_i^{-1}|| <= 1/(1 - gamma0) = 2 at gamma0 = 1/2", 1 / (1 - sp.Rational(1, 2)), 2)]
    worst, ncomplex, trials = _sigma_min_scan()
    steps.append(compare_step(f"sigma_min(U) >= 1 - gamma0 with ||A|| at the limit gamma c = gamma0, random D: smallest "
                              f"sigma_min - (1 - gamma0) over {trials} draws >= -1e-12 (rounding)", worst, ">=", -1e-12))
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
    steps.append(compare_step("eqs. (10)-(12) (with U_i^{-T} u) equal central finite differences of our forward model: "
                              "max relative error on 2 instances (n=4, d=3, m=5) < 1e-6", max(errs), "<", 1e-6))
    kink = kink_one_sided_derivatives()
    steps.append(Step("(10)-(12) need yhat differentiable in W, i.e. E_i = diag(sigma'(W x_i)) defined: at a zero "
                      "pre-activation (W x)_1 = 0 the one-sided derivatives of yhat in W_11 agree", "numeric",
                      _one_sided_agree, (kink["right_derivative"], kink["left_derivative"], 1e-5)))
    # the equality case: A = c sqrt(m) e1 e1^T, D = I  ->  U = I - gamma0 e1 e1^T, sigma_min = 1 - gamma0 exactly
    m_ = 4
    A = np.zeros((m_, m_))
    A[0, 0] = 1.0
    U = np.eye(m_) - 0.5 * A
    smin = float(np.linalg.svd(U, compute_uv=False)[-1])
    findings = [
        finding(
        "(ii)/(9) is stated as lambda_min{I - gt diag(sigma'(v)) A} > 1 - gamma0, but the matrix is not symmetric "
        "(eigenvalues can be complex) and the proof shows the singular-value bound sigma_min >= 1 - gamma0, with "
        "equality attainable; the strict '>' is false in the equality case (harmless for invertibility).",
        {"complex_eigenvalue_draws": ncomplex, "draws": trials,
         "equality_case": "A = c sqrt(m) e1 e1^T, D = I, gamma0 = 1/2", "sigma_min": smin, "one_minus_gamma0": 0.5},
            "misstated, harmless"),
        finding(
        "ReLU kinks: L2.3 (A.2) and the chains of A.3 (L3.1) and A.7 (L3.5) use D_i = diag(sigma'(gt A z_i + phi_i)) "
        "and E_i = diag(sigma'(W x_i)) as if they were always defined; sigma'(0) is not, and the proofs do not treat "
        "pre-activations at 0. At a zero pre-activation yhat is not differentiable (the one-sided derivatives in the "
        "step above differ), so the gradients (10)-(12), H of L3.1 and the gradient-flow equation are not given by "
        "the printed formulas there. Under A1 the features W(0) x_i are nonzero with probability 1; whether a "
        "trajectory meets a zero pre-activation is a property of the run, judged on the recorded trajectory.",
            kink, "case not treated"),
    ]
    return result(ID, TITLE, steps, findings)


# --- the statement as printed, and its check on a run ------------------------------------------------------
#: Trajectory keys of the ReLU-kink counters (recorded by the engine when available).
KINK_KEYS = ("preact_near_zero_z", "preact_near_zero_phi")
STATEMENT = _S.Statement(
    ID, "Gradients by the implicit function theorem", "Lemma 2.3 (Sec. 2); proof in A.2",
    (_S.Condition(_S.nA, "<=", _S.c * _S.sqm, "||A|| <= c sqrt(m)"),
     _S.Condition(_S.gamma, "==", sp.Min(_S.gamma0, _S.gamma0 / _S.c), "gamma = min{gamma0, gamma0/c}")),
    (_S.Condition(_S.sigma_min_U, ">=", 1 - _S.gamma0, "sigma_min(I - gt D_i A) >= 1 - gamma0 (printed: lambda_min, >)"),),
    (("U_inverse_norm_bound", 1 / (1 - 2 * _S.c * _S.gamma), "||U_i^-1|| <= 1/(1 - 2 c gamma) while ||A|| <= 2c sqrt m"),))


def check(ctx) -> list:
    """The gradient formula's hypotheses along the run: a contraction at every record (so U_i is invertible),
    and no pre-activation at the ReLU kink (D_i, E_i well defined: an assumption the proofs make silently);
    conclusion: sigma_min(U_i) >= 1 - (gamma/sqrt m)||A|| >= 1/2 at every record."""
    traj, rtol = ctx.traj, ctx.rtol
    hyps = [_hyp("(gamma/sqrt(m))||A(k)|| <= gamma0 = 1/2 at every recorded k (||A|| <= c sqrt(m) with "
                 "gamma = gamma0/c, as printed)", _largest(traj, "contraction"), "<=", 0.5, rtol=rtol)]
    for key, what in zip(KINK_KEYS, ("equilibrium z", "features phi")):
        if key in traj and len(traj[key]):
            hyps.append(_hyp(f"no pre-activation of the {what} within the solve tolerance of the ReLU kink "
                             "(D_i, E_i well defined; entries counted, max over records)", _largest(traj, key), "<=", 0,
                             rtol=0.0))
        else:
            hyps.append(_hyp(f"no pre-activation of the {what} at the ReLU kink", None, "<=", 0,
                             detail="not recorded by this run"))
    concl = None
    if ctx.trained:
        lower = 1.0 - traj["contraction"]  # sigma_min(I - gt D A) >= 1 - gt ||D A|| >= 1 - gt ||A||
        parts = [_series("sigma_min(I - (gamma/sqrt m) D_i A) >= 1 - (gamma/sqrt m)||A(k)|| >= 1 - gamma0 = 1/2",
                         lower, 0.5, traj["step"], ">=", rtol=rtol, min_points=2)]
        if "adj_residual" in traj and "fwd_residual" in traj:
            # the observable side of invertibility: every adjoint system U_i^T b = u was solved to the tolerance
            res = np.asarray(traj["adj_residual"], dtype=float)
            solved = np.isfinite(res)        # records without a gradient (the last one) solve no adjoint
            parts.append(_series("adjoint solves U_i^T b_i = u converged at every recorded k (relative residual <= tol)",
                                 res[solved], ctx.tol, traj["step"][solved], rtol=0.0, min_points=1))
        concl = _merge(parts)
    return [_claim(ID, STATEMENT.title, hyps, concl, {"gamma0": 0.5}, {}, reference=STATEMENT.reference,
                   trajectory=True)]
