"""T3.2 (gradient descent, with probability): L2.1 + L3.3 + L3.6; the printed lambda0 versus lambda0^2."""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from verifier.theory.kernel import gram_inf

from ._common import SYM, finding, identity_step, numeric_step, result
from ._instance import concrete_instance
from .constants import bernstein_l33, explicit_constants

ID = "T3.2"
TITLE = "Gradient descent: m = Omega(n^2/lambda0 log(n/delta)) (as printed) => (1 - alpha lambda0/2)^k rate w.p. >= 1 - delta"


def printed_width_monte_carlo(theta: float = 0.35, delta: float = 0.05, trials: int = 150, seed: int = 0) -> dict:
    """n = 2 unit vectors at angle theta (small lambda0). Width with the explicit L3.3 constant but lambda0 in place of
    lambda0^2 (the printed T3.2 shape); empirical P(||G(0) - G_inf|| > lambda0/4) and P(lambda_min(G(0)) < 3 lambda0/4)."""
    X = np.array([[1.0, 0.0], [math.cos(theta), math.sin(theta)]])
    G = gram_inf(X)
    lam = float(np.linalg.eigvalsh(G)[0])
    n_ = 2
    coeff_printed = 48 * n_**2 / lam + 16 * n_ / lam
    m_p = int(math.ceil(coeff_printed * math.log(n_ * (n_ + 1) / delta)))
    rng = np.random.default_rng(seed)
    fails_norm = fails_eig = 0
    for _ in range(trials):
        F = np.maximum(X @ rng.standard_normal((2, m_p)), 0.0)
        G0 = F @ F.T / m_p
        fails_norm += np.linalg.norm(G0 - G, 2) > lam / 4
        fails_eig += np.linalg.eigvalsh(G0)[0] < 0.75 * lam
    m_33 = int(math.ceil((48 * n_**2 / lam**2 + 16 * n_ / lam) * math.log(n_ * (n_ + 1) / delta)))
    return {"theta": theta, "lambda0": lam, "delta": delta, "m_printed_shape": m_p, "m_L3.3": m_33, "trials": trials,
            "rate_norm_event_fails": fails_norm / trials, "rate_lambda_min_event_fails": fails_eig / trials}


def audit(setting: dict | None = None) -> dict:
    n, lam0, delta = SYM["n"], SYM["lambda0"], SYM["delta"]
    C = sp.Symbol("C_m", positive=True)
    printed = C * n**2 / lam0 * sp.log(n / delta)
    needed = C * n**2 / lam0**2 * sp.log(n / delta)
    steps = [identity_step("union bound: delta/2 + delta/2 = delta", delta / 2 + delta / 2, delta),
             identity_step("printed width / L3.3 width = lambda0 (< 1/2): the printed form is smaller by 1/lambda0",
                           printed / needed, lam0)]
    mc = printed_width_monte_carlo()
    steps.append(numeric_step("at the printed-shape width (explicit L3.3 constant, lambda0 not lambda0^2) the L3.3 event "
                              "fails more often than delta", mc["rate_norm_event_fails"] > mc["delta"],
                              f"theta = {mc['theta']}, lambda0 = {mc['lambda0']:.4g}, m = {mc['m_printed_shape']}: "
                              f"P(||G(0)-G_inf|| > lambda0/4) ~ {mc['rate_norm_event_fails']:.2f}"))
    inst = concrete_instance(setting)
    dlt = float(setting.get("delta", 0.05)) if setting else 0.05
    rows = {r["name"]: r["value"] for r in explicit_constants(inst["n"], inst["lambda0"], inst["c"], inst["norm_X"],
                                                              inst["r0_norm"], delta_=dlt)}
    findings = [
        finding("T3.2 prints m = Omega(n^2/lambda0 log(n/delta)); the proof goes through L3.3, which needs n^2/lambda0^2 "
                "log(n/delta) (probable typo). With the same explicit constant the printed width is 1/lambda0 times too small, "
                "and at it the L3.3 event ||G(0) - G_inf|| <= lambda0/4 fails with probability far above delta (one lambda0 and one "
                "constant cannot refute an Omega statement by itself; the deviation scales like sqrt(m) ||G(0) - G_inf|| = O(1), "
                "so at the printed shape the failure rate tends to 1 as lambda0 -> 0 for any fixed constant). The weaker "
                "event lambda_min(G(0)) >= 3 lambda0/4 that the rest of the proof uses did NOT fail in these trials "
                f"(rate {mc['rate_lambda_min_event_fails']:.2f}): the evidence is against the printed width for L3.3's norm "
                "conclusion, not against T3.2's convergence claim.",
                {"monte_carlo": mc, "bernstein_width": bernstein_l33()["width_str"]}),
        finding("As for T3.1, the statement omits the width of the deterministic lemma it invokes (L3.6), which the chain "
                "needs too, and the step size alpha = O(lambda0/n^2) hides a c^4 (see L3.6).",
                {"instance": inst, "delta": dlt, "width_L3.3": rows["width_L3.3"], "width_L3.6": rows["width_L3.6"],
                 "width_T3.2": rows["width_T3.2"], "step_size_L3.6": rows["step_size_L3.6"]}),
    ]
    return result(ID, TITLE, steps, findings)
