"""T3.1 (gradient flow, with probability): union of L2.1, L3.3 and L3.5."""
from __future__ import annotations

import sympy as sp

from ._common import SYM, finding, identity_step, inequality_step, result, step
from ._instance import concrete_instance
from .constants import explicit_constants

ID = "T3.1"
TITLE = "Gradient flow: m = Omega(n^2/lambda0^2 log(n/delta)) => exp(-lambda0 t) rate w.p. >= 1 - delta"


def audit(setting: dict | None = None) -> dict:
    delta, n, lam0, c, nX, r0 = (SYM[k] for k in ("delta", "n", "lambda0", "c", "norm_X", "r0_norm"))
    steps = [identity_step("union bound: delta/2 (L2.1, gives c) + delta/2 (L3.3) = delta", delta / 2 + delta / 2, delta),
             inequality_step("gamma <= min{1/2, 1/(4c)} is L3.5's condition (same symbols)", sp.Min(sp.Rational(1, 2), 1 / (4 * c)),
                             sp.Min(sp.Rational(1, 2), 1 / (4 * c))),
             step("||yhat(0) - y|| enters L3.5's width but T3.1 states no high-probability bound on it", "derivation", True,
                  "cannot be checked symbolically: needs a tail bound on ||yhat(0)|| the paper does not give")]
    inst = concrete_instance(setting)
    dlt = float(setting.get("delta", 0.05)) if setting else 0.05
    rows = {r["name"]: r["value"] for r in explicit_constants(inst["n"], inst["lambda0"], inst["c"], inst["norm_X"],
                                                              inst["r0_norm"], delta_=dlt)}
    findings = [finding(
        "T3.1 states only L3.3's width m = Omega(n^2/lambda0^2 log(n/delta)), but its proof also invokes L3.5, whose width "
        "c^2 n ||X||^2 ||yhat(0) - y||^2/lambda0^3 is not implied by it (||yhat(0) - y||^2 = Theta(n) typically, ||X||^2 up to n), "
        "and whose hypothesis involves the random ||yhat(0) - y|| with no stated tail bound. The width needed by the proof is "
        "the max of both (and larger after the L3.4 / L3.5 repairs).",
        {"instance": inst, "delta": dlt, "width_L3.3 (explicit Bernstein)": rows["width_L3.3"],
         "width_L3.5 (A.7 as printed)": rows["width_L3.5"], "width_T3.1": rows["width_T3.1"],
         "width_L3.5_repaired": rows["width_L3.5_repaired"]})]
    return result(ID, TITLE, steps, findings)
