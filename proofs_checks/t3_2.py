"""T3.2 (gradient descent, with probability): L2.1 + L3.3 + L3.6; the printed lambda0 versus lambda0^2."""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from verifier.theory.kernel import gram_inf

from . import statement as _S
from ._common import SYM, compare_step, finding, identity_step, result
from ._instance import concrete_instance
from .constants import bernstein_l33, explicit_constants
from .hidden_constants import symbol as _hc
from .t3_1 import assumption_hypotheses as _assumptions
from .t3_1 import loss_conclusion as _loss_conclusion
from .verdict import claim as _claim
from .verdict import hypothesis as _hyp
from .verdict import ratio as _ratio

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


def audit(setting: dict | None = None):
    n, lam0, delta = SYM["n"], SYM["lambda0"], SYM["delta"]
    C = sp.Symbol("C_m", positive=True)
    printed = C * n**2 / lam0 * sp.log(n / delta)
    needed = C * n**2 / lam0**2 * sp.log(n / delta)
    steps = [identity_step("union bound: delta/2 + delta/2 = delta", delta / 2 + delta / 2, delta),
             identity_step("printed width / L3.3 width = lambda0 (< 1/2): with one constant the printed form is smaller "
                           "by the factor 1/lambda0", printed / needed, lam0)]
    mc = printed_width_monte_carlo()
    at = (f"n = 2 at angle {mc['theta']}, lambda0 = {mc['lambda0']:.4g}, m = {mc['m_printed_shape']} (L3.3's explicit "
          f"constant with lambda0 for lambda0^2; L3.3's own width would be {mc['m_L3.3']}), {mc['trials']} draws")
    steps.append(compare_step(f"L3.3's event at the printed shape ({at}): empirical P(||G(0) - G_inf|| > lambda0/4) <= delta",
                              mc["rate_norm_event_fails"], "<=", mc["delta"]))
    steps.append(compare_step("the event the proof uses afterwards at the same width: empirical P(lambda_min(G(0)) < "
                              "3 lambda0/4) <= delta", mc["rate_lambda_min_event_fails"], "<=", mc["delta"]))
    inst = concrete_instance(setting)
    dlt = float(setting.get("delta", 0.05)) if setting else 0.05
    rows = {r["name"]: r["value"] for r in explicit_constants(inst["n"], inst["lambda0"], inst["c"], inst["norm_X"],
                                                              inst["r0_norm"], delta_=dlt)}
    findings = [
        finding("T3.2 prints m = Omega(n^2/lambda0 log(n/delta)); its proof cites L2.1 and L3.6 only, but L3.6 assumes "
                "lambda_min(G(0)) >= 3 lambda0/4, whose only source under A1 is L3.3, which needs m = Omega(n^2/lambda0^2 "
                "log(n/delta)): inconsistent, probable typo (lambda0 for lambda0^2). The Monte Carlo evidence does not show "
                "the printed width too small: at the printed shape with L3.3's explicit constant (" + at + ") the norm event "
                f"||G(0) - G_inf|| <= lambda0/4 failed with frequency {mc['rate_norm_event_fails']:.2f} > delta = "
                f"{mc['delta']}, but that is one constant where the Omega hides an unnamed one, and the event the rest of "
                f"the proof uses, lambda_min(G(0)) >= 3 lambda0/4, failed with frequency "
                f"{mc['rate_lambda_min_event_fails']:.2f}.",
                {"monte_carlo": mc, "bernstein_width": bernstein_l33()["width_str"]}, "inconsistent, probable typo"),
        finding("As for T3.1, the statement omits the width of the deterministic lemma it invokes (L3.6), which the chain "
                "needs too, and the step size alpha = O(lambda0/n^2) hides a c^4 (see L3.6).",
                {"instance": inst, "delta": dlt, "width_L3.3": rows["width_L3.3"], "width_L3.6": rows["width_L3.6"],
                 "width_T3.2": rows["width_T3.2"], "step_size_L3.6": rows["step_size_L3.6"]},
                "proof gap (statement omits a width its proof needs)"),
    ]
    return result(ID, TITLE, steps, findings)


# --- the statement as printed, and its check on a run ------------------------------------------------------
WIDTH_PRINTED = _hc("C_width_T3.2") * _S.n**2 / _S.lambda0 * sp.log(_S.n / _S.delta)
WIDTH_CORRECTED = _hc("C_width_T3.2") * _S.n**2 / _S.lambda0**2 * sp.log(_S.n / _S.delta)
STEP = _hc("C_step_T3.2") * _S.lambda0 / _S.n**2
STATEMENT = _S.Statement(
    ID, "Gradient descent, with probability 1 - delta", "Theorem 3.2 (Sec. 3.2); proof: L2.1 + L3.3 + L3.6",
    (_S.Condition(_S.m, ">=", WIDTH_PRINTED, "m = Omega(n^2/lambda0 log(n/delta)) as printed"),
     _S.Condition(_S.gamma, "<=", _S.gamma_max, "0 < gamma <= min{1/2, 1/(4c)}"),
     _S.Condition(_S.alpha, "<=", STEP, "alpha = O(lambda0/n^2)")),
    (_S.Condition(_S.loss_k, "<=", (1 - _S.alpha * _S.lambda0 / 2) ** _S.k * _S.r0**2,
                  "||yhat(k) - y||^2 <= (1 - alpha lambda0/2)^k r0^2"),),
    (("width_as_printed", WIDTH_PRINTED, "printed: n^2/lambda0"),
     ("width_corrected", WIDTH_CORRECTED, "L3.3 needs n^2/lambda0^2 (inconsistent, probable typo)"),
     ("step_size_paper_shape", STEP, "C lambda0/n^2")),
    probabilistic=True)


def check(ctx) -> list:
    th = ctx.th
    if th.method == "gf":
        return []
    from .l3_5 import rate_gap
    from .l3_6 import loss_envelope

    rtol = ctx.rtol
    hyps = _assumptions(ctx) + [
        _hyp(f"m >= C n^2/lambda0 log(n/delta) as printed  (C = {th.hidden['C_width_T3.2']:g})", th.m, ">=",
             th.width_T3_2_printed, rtol=rtol),
        _hyp("gamma <= min{1/2, 1/(4c)}", th.gamma, "<=", th.gamma_max, rtol=rtol),
        _hyp(f"alpha <= C lambda0/n^2  (C = {th.hidden['C_step_T3.2']:g})", th.step_size, "<=", th.step_T3_2,
             rtol=rtol)]
    gap = {"required_width_over_used": _ratio(th.width_T3_2_printed, th.m),
           "required_width_over_used_as_L3.3_needs": _ratio(th.width_T3_2, th.m),
           "explicit_width_from_proof_over_used": _ratio(th.explicit_value("width_T3.2"), th.m),
           "used_step_over_allowed": _ratio(th.step_size, th.step_T3_2),
           "used_step_over_explicit_from_proof": _ratio(th.step_size, th.explicit_value("step_size_L3.6"))}
    if th.at_proof_constants:
        gap["required_width_over_used_at_proof_constants"] = _ratio(th.at_proof_constants.width_T3_2_printed, th.m)
    if ctx.trained:
        gap.update(rate_gap(th, ctx.traj))
    concl = _loss_conclusion(ctx, "||yhat(k) - y||^2 <= (1 - alpha lambda0/2)^k ||r0||^2", loss_envelope)
    constants = dict(th.constants("C_width_T3.2", "C_step_T3.2"), c=th.c, c_source=ctx.c_source, delta=th.delta,
                     c_delta=th.c_delta)
    return [_claim(ID, "Gradient descent converges linearly (w.p. >= 1 - delta)", hyps, concl, constants,
                   {k: v for k, v in gap.items() if v is not None}, probabilistic=True, reference=STATEMENT.reference,
                   trajectory=True)]
