"""L3.5 (A.7, gradient flow): the induction's drift integrals, the radius conditions solved for m, and the
gap between conclusions (ii)-(iii) and ||u(0)|| = ||v(0)|| = sqrt(m)."""
from __future__ import annotations

import sympy as sp

from ._common import SYM, finding, identity_step, inequality_step, result, step
from ._instance import concrete_instance
from .constants import explicit_constants, gf_chain_a7, l34_radius

ID = "L3.5"
TITLE = "Gradient flow (deterministic): lambda_min(G(t)) >= lambda0/2, bounded parameters, exp(-lambda0 t) rate"


def audit(setting: dict | None = None) -> dict:
    n, m, c, lam0, nX, r0 = (SYM[k] for k in ("n", "m", "c", "lambda0", "norm_X", "r0_norm"))
    a = gf_chain_a7()
    R = l34_radius()["R"]
    steps = [
        identity_step("int_0^oo 2c sqrt(n) r0 e^{-lambda0 s/2} ds = 4 c sqrt(n) r0/lambda0 (v drift)", a["v_drift"],
                      4 * c * sp.sqrt(n) * r0 / lam0),
        identity_step("int_0^oo 4c sqrt(n) r0 e^{-lambda0 s/2} ds = 8 c sqrt(n) r0/lambda0 (u drift)", a["u_drift"],
                      8 * c * sp.sqrt(n) * r0 / lam0),
        inequality_step("||grad_W L|| coefficient: (||U^-1|| 16 + 8) c sqrt(n) r0/(lambda0 sqrt m) = 40 ... <= printed 64 ...",
                        a["gradW_needed"], a["gradW_printed"]),
        identity_step("int_0^oo (64 c n r0^2/(lambda0 sqrt m)) e^{-lambda0 s/2} ds = 128 c n r0^2/(lambda0^2 sqrt m)",
                      a["W_drift"], 128 * c * n * r0**2 / (lam0**2 * sp.sqrt(m))),
        identity_step("||grad_A L|| coefficient: (gamma/sqrt m) 2 ||u|| 4c with gamma = 1/(4c) = printed 32 c sqrt(n) r0/(lambda0 sqrt m)",
                      a["gradA_needed"], a["gradA_printed"]),
        identity_step("int_0^oo (32 c n r0^2/(lambda0 sqrt m)) e^{-lambda0 s/2} ds = 64 c n r0^2/(lambda0^2 sqrt m)",
                      a["A_drift"], 64 * c * n * r0**2 / (lam0**2 * sp.sqrt(m))),
        identity_step("radius condition 128 c n r0^2/(lambda0^2 sqrt m) = R solved for m: m = 2048 c^2 n ||X||^2 r0^2/lambda0^3",
                      a["W_drift"].subs(m, a["width_W"]), R.subs(m, a["width_W"])),
        identity_step("||A(t) - A(0)|| <= c sqrt m solved for m: m = 64 n r0^2/lambda0^2", a["width_A"], 64 * n * r0**2 / lam0**2),
        identity_step("||W(t)|| <= R + c sqrt m <= 2c sqrt m iff c >= sqrt(lambda0)/(4||X||) (the proof's 'c >~ sqrt(lambda0)/||X||')",
                      R.subs(c, a["c_condition"]), a["c_condition"] * sp.sqrt(m)),
        identity_step("d/dt ||r||^2 = -2 r^T H r <= -2 (lambda0/2) ||r||^2 = -lambda0 ||r||^2 (H >= G >= lambda0/2)",
                      -2 * lam0 / 2, -lam0),
    ]
    ratio = sp.simplify(a["width_W"] / a["width_max_for_iii"])
    steps.append(step("width needed by the proof / largest m with (iii) true at t = 0 = 32 ||X||^2/lambda0 > 1 "
                      "(lambda0 <= 1/2 <= 32 ||X||^2 since G_inf has diagonal 1/2 and ||X|| >= 1)", "identity",
                      sp.simplify(ratio - 32 * nX**2 / lam0) == 0, f"ratio = {ratio}"))
    inst = concrete_instance(setting)
    nums = {r["name"]: r["value"] for r in explicit_constants(inst["n"], inst["lambda0"], inst["c"], inst["norm_X"],
                                                               inst["r0_norm"])}
    findings = [
        finding("Conclusions (ii) ||u(t)|| <= 16 c sqrt(n) r0/lambda0 and (iii) ||v(t)|| <= 8 c sqrt(n) r0/lambda0 contradict "
                "||u(0)|| = ||v(0)|| = sqrt(m) once m is large: A.7 writes ||v(t)|| <= ||v(t)-v(0)|| + sqrt(m) <= 8 c sqrt(n) r0/lambda0 "
                "'due to m = Omega(...)', but that needs sqrt(m) <= 4 c sqrt(n) r0/lambda0, an UPPER bound on m. (iii) at t = 0 "
                "already needs m <= 64 c^2 n r0^2/lambda0^2, while the proof's radius condition needs m >= 2048 c^2 n ||X||^2 "
                "r0^2/lambda0^3 = (32 ||X||^2/lambda0) x that, > 64x. The honest bounds are ||u(t)|| <= sqrt(m) + 8 c sqrt(n) r0/lambda0, "
                "||v(t)|| <= sqrt(m) + 4 c sqrt(n) r0/lambda0; with them (and the corrected L3.4) the chain still closes for GF, "
                "at a larger width (width_L3.5_repaired).",
                {"instance": inst, "width_L3.5 (proof, as printed)": nums["width_L3.5"],
                 "largest m with (iii) at t=0": nums["width_max_for_L3.5(iii)_at_t0"],
                 "width_L3.5_repaired": nums["width_L3.5_repaired"]}),
        finding("The chain uses L3.4 (radius R) for lambda_min(G(t)) >= lambda0/2; L3.4's operator-norm step is invalid "
                "(see L3.4). With the corrected radius R' = sqrt(m) lambda0/(12 c sqrt(n) ||X||) in Frobenius norm the width "
                "scales as n^2 ||X||^2 r0^2/lambda0^4 to leading order (honest norms) instead of n ||X||^2 r0^2/lambda0^3.",
                {"width_L3.5_repaired": nums["width_L3.5_repaired"], "width_L3.5_as_printed": nums["width_L3.5"]}),
    ]
    return result(ID, TITLE, steps, findings)
