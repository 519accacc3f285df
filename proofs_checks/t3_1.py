"""T3.1 (gradient flow, with probability): union of L2.1, L3.3 and L3.5; the width the proof needs, in n."""
from __future__ import annotations

import sympy as sp

from . import statement as _S
from ._common import FAILS, HOLDS, SYM, Outcome, Step, exponent_step, finding, identity_step, not_checkable, result
from ._instance import concrete_instance
from .constants import bernstein_l33, explicit_constants, repaired_gf_width_symbolic
from .hidden_constants import symbol as _hc
from .verdict import claim as _claim
from .verdict import hypothesis as _hyp
from .verdict import merge as _merge
from .verdict import ratio as _ratio
from .verdict import series as _series

ID = "T3.1"
TITLE = "Gradient flow: m = Omega(n^2/lambda0^2 log(n/delta)) => exp(-lambda0 t) rate w.p. >= 1 - delta"

#: where the paper states the width of Theorem 3.1 as Omega~(n^2)
HEADLINE = ("Sec. 3.1, p. 7, after Theorem 3.1: 'In particular, Theorem 3.1 requires m = Omega~(n^2)'; Sec. 6, p. 9: "
            "'... converges to a global minimum of the loss function at a linear rate if the width m = Omega~(n^2)'")


def _leading(expr, scale, var, claimed) -> Outcome:
    got = sp.limit(expr / scale, var, sp.oo)
    return Outcome(HOLDS if sp.simplify(got - claimed) == 0 else FAILS,
                   f"lim {var} -> oo of width/({sp.sstr(scale)}) = {got}; claimed {claimed}")


def _agrees(expr, at, value, rtol) -> Outcome:
    sym = float(sp.N(expr.subs(at), 30))
    rel = abs(sym - value) / abs(value)
    return Outcome(HOLDS if rel <= rtol else FAILS, f"sympy {sym:.15g} vs constants.repaired_gf_width {value:.15g}: "
                   f"relative difference {rel:.2g} (<= {rtol:g})")


def headline_steps(inst: dict) -> tuple[list, dict]:
    """Growth in n of the widths T3.1's proof needs, with ||r0||^2 = n, c and lambda0 fixed, ||X||^2 = 1 or n."""
    n, lam0, c, nX, r0 = (SYM[k] for k in ("n", "lambda0", "c", "norm_X", "r0_norm"))
    printed_W = 2048 * c**2 * n * nX**2 * r0**2 / lam0**3          # A.7 radius condition (L3.5 audit)
    printed_A = 64 * n * r0**2 / lam0**2
    rep = repaired_gf_width_symbolic()
    w33 = bernstein_l33()["width"]
    orth = {r0: sp.sqrt(n), nX: 1}                                   # ||r0||^2 = n, ||X||^2 = 1 (orthonormal-like rows)
    worst = {r0: sp.sqrt(n), nX: sp.sqrt(n)}                         # ||r0||^2 = n, ||X||^2 = n (largest for unit rows)
    steps = [
        exponent_step("L3.3 width (48 n^2/lambda0^2 + 16 n/lambda0) log(n(n+1)/delta) grows like n^2 (up to the log)",
                      w33, n, 2),
        exponent_step("L3.5 width as printed, 2048 c^2 n ||X||^2 r0^2/lambda0^3, with r0^2 = n, ||X||^2 = 1: n^2",
                      printed_W.subs(orth), n, 2),
        exponent_step("... with r0^2 = n, ||X||^2 = n: n^3", printed_W.subs(worst), n, 3),
        exponent_step("L3.5's A condition 64 n r0^2/lambda0^2 with r0^2 = n: n^2", printed_A.subs(orth), n, 2),
        Step("repaired chain: leading term of the W radius width is 5184 c^2 n^2 ||X||^2 r0^2/lambda0^4 (r0, ||X|| fixed)",
             "limit", _leading, (rep["width_W"], c**2 * n**2 * nX**2 * r0**2 / lam0**4, n, 5184)),
        exponent_step("repaired chain, W radius width with r0^2 = n, ||X||^2 = 1: n^3", rep["width_W"].subs(orth), n, 3),
        exponent_step("... with r0^2 = n, ||X||^2 = n: n^4", rep["width_W"].subs(worst), n, 4),
        exponent_step("repaired chain, A condition width with r0^2 = n: n^2", rep["width_A"].subs(orth), n, 2),
    ]
    at = {n: inst["n"], lam0: inst["lambda0"], c: inst["c"], nX: inst["norm_X"], r0: inst["r0_norm"]}
    value = {r["name"]: r["value"] for r in explicit_constants(inst["n"], inst["lambda0"], inst["c"], inst["norm_X"],
                                                                inst["r0_norm"])}["width_L3.5_repaired"]
    steps.append(Step("cross-check: the sympy repaired width max(width_W, width_A) equals constants.py's "
                      "width_L3.5_repaired (numeric roots) at the audit's instance", "numeric", _agrees,
                      (sp.Max(rep["width_W"], rep["width_A"]), at, value, 1e-9)))
    evidence = {"headline": HEADLINE, "assumption": "||r0||^2 = ||yhat(0) - y||^2 = Theta(n); c, lambda0 fixed",
                "r0_sq_over_n_at_instance": inst["r0_norm"] ** 2 / inst["n"],
                "exponent_of_n": {"L3.3": 2, "L3.5 as printed, ||X||^2 = 1": 2, "L3.5 as printed, ||X||^2 = n": 3,
                                  "repaired chain, ||X||^2 = 1": 3, "repaired chain, ||X||^2 = n": 4},
                "repaired_width_W": sp.sstr(rep["width_W"]), "repaired_width_A": sp.sstr(rep["width_A"]),
                "width_L3.5_repaired_at_instance": value, "instance": inst}
    return steps, evidence


def audit(setting: dict | None = None):
    delta, c, gamma0 = (SYM[k] for k in ("delta", "c", "gamma0"))
    steps = [identity_step("union bound: delta/2 (L2.1, gives c) + delta/2 (L3.3) = delta", delta / 2 + delta / 2, delta),
             identity_step("T3.1's 0 < gamma <= min{1/2, 1/(4c)} is L2.2's training condition min{gamma0, gamma0/(2c)} "
                           "at gamma0 = 1/2 (the one L3.5 uses)", sp.Min(sp.Rational(1, 2), 1 / (4 * c)),
                           sp.Min(gamma0, gamma0 / (2 * c)), subs={gamma0: sp.Rational(1, 2)}),
             not_checkable("||yhat(0) - y|| enters L3.5's width, so T3.1 needs a high-probability bound on it", "derivation",
                           "the paper states no tail bound on ||yhat(0) - y|| (nor on ||yhat(0)||), so there is no "
                           "inequality to check")]
    inst = concrete_instance(setting)
    hs, hev = headline_steps(inst)
    steps += hs
    dlt = float(setting.get("delta", 0.05)) if setting else 0.05
    rows = {r["name"]: r["value"] for r in explicit_constants(inst["n"], inst["lambda0"], inst["c"], inst["norm_X"],
                                                              inst["r0_norm"], delta_=dlt)}
    findings = [
        finding(
            "T3.1 states only L3.3's width m = Omega(n^2/lambda0^2 log(n/delta)), but its proof also invokes L3.5, whose "
            "width c^2 n ||X||^2 ||yhat(0) - y||^2/lambda0^3 is not implied by it (||yhat(0) - y||^2 = Theta(n) typically, "
            "||X||^2 up to n), and whose hypothesis involves the random ||yhat(0) - y|| with no stated tail bound. The width "
            "needed by the proof is the max of both (and larger after the L3.4 / L3.5 repairs).",
            {"instance": inst, "delta": dlt, "width_L3.3 (explicit Bernstein)": rows["width_L3.3"],
             "width_L3.5 (A.7 as printed)": rows["width_L3.5"], "width_T3.1": rows["width_T3.1"],
             "width_L3.5_repaired": rows["width_L3.5_repaired"]},
            "proof gap (statement omits a width its proof needs)"),
        finding(
            "The headline 'Theorem 3.1 requires m = Omega~(n^2)' (" + HEADLINE + ") is not what the proof gives. T3.1's "
            "proof invokes L3.5, whose width c^2 n ||X||^2 ||r0||^2/lambda0^3 (constant 2048 from A.7's radius condition) "
            "is, with ||r0||^2 = Theta(n) and c, lambda0 fixed, about n^2 ||X||^2/lambda0^3: n^2 when ||X||^2 = O(1) "
            "(orthonormal-like rows) up to n^3 when ||X||^2 = n (the largest value for unit rows). The repaired chain "
            "(L3.4 with the Frobenius radius R_F = sqrt(m) lambda0/(12 c sqrt(n) ||X||), honest ||u||, ||v|| <= sqrt(m) + "
            "drift) needs about 5184 c^2 n^2 ||X||^2 ||r0||^2/lambda0^4, i.e. n^3 to n^4. Only L3.3's width is "
            "Omega~(n^2). This is about what the printed proof establishes; it does not show that a smaller width fails.",
            hev, "headline not supported by the proof"),
    ]
    return result(ID, TITLE, steps, findings)


# --- the statement as printed, and its check on a run ------------------------------------------------------
WIDTH = _hc("C_width_T3.1") * _S.n**2 / _S.lambda0**2 * sp.log(_S.n / _S.delta)
STATEMENT = _S.Statement(
    ID, "Gradient flow, with probability 1 - delta", "Theorem 3.1 (Sec. 3.1); proof: L2.1 + L3.3 + L3.5",
    (_S.Condition(_S.m, ">=", WIDTH, "m = Omega(n^2/lambda0^2 log(n/delta))"),
     _S.Condition(_S.gamma, "<=", _S.gamma_max, "0 < gamma <= min{1/2, 1/(4c)}")),
    (_S.Condition(_S.loss_t, "<=", sp.exp(-_S.lambda0 * _S.t) * _S.r0**2,
                  "||yhat(t) - y||^2 <= exp(-lambda0 t) r0^2 for all t"),),
    (("width_required_as_stated", WIDTH, "statement's width (L3.3's shape only)"),
     ("width_L3.5_also_needed", sp.Symbol("C_width_L3.5", positive=True) * _S.c**2 * _S.n * _S.norm_X**2 * _S.r0**2
      / _S.lambda0**3, "L3.5 width the proof also uses (audit finding)")),
    probabilistic=True)


def assumption_hypotheses(ctx) -> list:
    """A1 (by construction) and A2 (checked on the data), hypotheses of T3.1 and T3.2."""
    a2 = ctx.a2 or {}
    return [_hyp("A1: initialization drawn per A1", None, "==", None, holds=True,
                 detail="by construction (verifier.engine.init_params)"),
            _hyp("A2: unit rows, no parallel pair", a2.get("min_angle"), ">=", a2.get("parallel_tol"),
                 holds=a2.get("holds"),
                 detail=f"min angle {a2.get('min_angle', float('nan')):.3g} rad; action: {a2.get('action', 'none')}")]


def loss_conclusion(ctx, description: str, envelope):
    """||yhat - y||^2 under the printed envelope at every recorded step (None without a trajectory)."""
    if not ctx.trained:
        return None
    th, traj = ctx.th, ctx.traj
    env = envelope(th, traj["step"], traj.get("time"))
    return _merge([_series(description, traj["residual_sq"], env, traj["step"], rtol=ctx.rtol, min_points=2)])


def check(ctx) -> list:
    th = ctx.th
    if th.method != "gf":
        return []
    from .l3_5 import loss_envelope, rate_gap

    hyps = assumption_hypotheses(ctx) + [
        _hyp(f"m >= C n^2/lambda0^2 log(n/delta)  (C = {th.hidden['C_width_T3.1']:g})", th.m, ">=", th.width_T3_1,
             rtol=ctx.rtol),
        _hyp("gamma <= min{1/2, 1/(4c)}", th.gamma, "<=", th.gamma_max, rtol=ctx.rtol)]
    gap = {"required_width_over_used": _ratio(th.width_T3_1, th.m),
           "explicit_width_from_proof_over_used": _ratio(th.explicit_value("width_T3.1"), th.m)}
    if th.at_proof_constants:
        gap["required_width_over_used_at_proof_constants"] = _ratio(th.at_proof_constants.width_T3_1, th.m)
    if ctx.trained:
        gap.update(rate_gap(th, ctx.traj))
    concl = loss_conclusion(ctx, "||yhat(t) - y||^2 <= exp(-lambda0 t) ||r0||^2", loss_envelope)
    constants = dict(th.constants("C_width_T3.1"), c=th.c, c_source=ctx.c_source, delta=th.delta, c_delta=th.c_delta)
    return [_claim(ID, "Gradient flow converges linearly (w.p. >= 1 - delta)", hyps, concl, constants,
                   {k: v for k, v in gap.items() if v is not None}, probabilistic=True, reference=STATEMENT.reference,
                   trajectory=True)]
