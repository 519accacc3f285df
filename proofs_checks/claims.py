"""Run verdicts: each statement's hypotheses on the setting and its conclusion on the trajectory.

Two questions, answered separately (ARCHITECTURE.md, "Verdicts"):
  1. hypotheses: met / not met / undecided, each with its numbers and the constants used;
  2. conclusion: holds at every recorded step / violated at step k, with the tightest slack.
Verdicts: "counterexample" (met, violated), "confirmed" (met, holds), "holds beyond hypotheses"
(not met, holds; the gap measures how conservative the theory is), "violated, hypotheses not met",
"undecided". This module reads theory numbers and recorded arrays; it never trains.
"""
from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["evaluate_claims", "rate_envelope", "VERDICTS", "PROBABILISTIC", "REL_TOL"]

VERDICTS = ("counterexample", "failed in this draw (probabilistic statement)", "confirmed",
            "holds beyond hypotheses", "violated, hypotheses not met", "undecided")
#: Statements that hold with probability >= 1 - delta: one violated run cannot refute them.
PROBABILISTIC = ("L3.3", "T3.1", "T3.2")
#: Comparisons of floating-point observations with bounds allow this relative rounding slack.
REL_TOL = 1e-12


def _f(x):
    """JSON-friendly float (inf/nan kept as strings)."""
    x = float(x)
    if math.isfinite(x):
        return x
    return "inf" if x > 0 else ("-inf" if x < 0 else "nan")


def _hyp(name, value, relation, required, *, detail="", holds=None, rtol=REL_TOL):
    if holds is None:
        if value is None or required is None or np.isnan(value) or np.isnan(required):
            holds = None
        elif not np.isfinite(required):  # e.g. a width that is infinite because lambda0 <= 0
            holds = bool((relation == "<=") == (required > 0))
        else:
            tol = rtol * max(abs(value), abs(required))
            if relation == "==":
                holds = bool(abs(value - required) <= tol)
            else:
                holds = bool(value <= required + tol) if relation == "<=" else bool(value >= required - tol)
    return {"name": name, "value": None if value is None else _f(value), "relation": relation,
            "required": None if required is None else _f(required), "holds": holds, "detail": detail}


def _series_conclusion(description, observed, bound, steps, relation="<=", rtol=REL_TOL):
    """Check observed[k] (relation) bound[k] at every recorded k; slack relative to |bound|."""
    observed = np.asarray(observed, dtype=np.float64)
    bound = np.broadcast_to(np.asarray(bound, dtype=np.float64), observed.shape)
    steps = np.asarray(steps)
    if observed.size == 0:
        return {"description": description, "holds": None, "detail": "no recorded steps"}
    sign = 1.0 if relation == "<=" else -1.0
    scale = np.maximum(np.abs(bound), np.abs(observed))
    slack = sign * (bound - observed) / np.where(scale > 0, scale, 1.0)
    ok = slack >= -rtol
    worst = int(np.argmin(slack))
    out = {
        "description": description,
        "holds": bool(np.all(ok)),
        "worst_relative_slack": _f(slack[worst]),
        "worst_step": int(steps[worst]),
        "observed_at_worst": _f(observed[worst]),
        "bound_at_worst": _f(bound[worst]),
        "steps_checked": int(observed.size),
    }
    if not out["holds"]:
        out["first_violation_step"] = int(steps[int(np.argmax(~ok))])
        out["violations"] = int(np.sum(~ok))
    return out


def _merge(parts):
    holds = [p["holds"] for p in parts]
    if any(h is False for h in holds):
        h = False
    elif all(h is True for h in holds):
        h = True
    else:
        h = None
    return {"holds": h, "parts": parts}


def _verdict(hyps, concl):
    hs = [h["holds"] for h in hyps]
    met = "met" if all(h is True for h in hs) else ("not met" if any(h is False for h in hs) else "undecided")
    c = concl["holds"]
    if c is None:
        v = "undecided"
    elif met == "met":
        v = "confirmed" if c else "counterexample"
    elif met == "not met":
        v = "holds beyond hypotheses" if c else "violated, hypotheses not met"
    else:
        v = "undecided"
    return met, v


def _claim(cid, title, hyps, concl, constants, gap=None, *, hidden=None):
    """hidden: the hidden Omega/O constants some hypotheses were evaluated at (a counterexample is then
    conditional on them); probabilistic statements (PROBABILISTIC) are never refuted by one run."""
    met, verdict = _verdict(hyps, concl)
    out = {"id": cid, "title": title, "hypotheses": hyps, "hypotheses_met": met, "conclusion": concl,
           "verdict": verdict, "constants_used": constants, "gap": gap or {}}
    if verdict == "counterexample" and cid.split("(")[0] in PROBABILISTIC:
        out["verdict"] = "failed in this draw (probabilistic statement)"
    elif verdict == "counterexample" and hidden:
        out["conditional_on_hidden_constants"] = dict(hidden)
    return out


def _width_gap(required, used):
    return _f(required / used) if used > 0 else "inf"


def evaluate_claims(th: dict, traj: dict, *, a2: dict, g0_dev: float | None = None,
                    probe: dict | None = None) -> list[dict]:
    """Claims L2.2, L3.3, then L3.6 (i)-(vi) and T3.2 for GD (th['method'] != 'gf') or L3.5 (i)-(vi)
    and T3.1 for gradient flow, for one run.

    th: verifier.theory.numbers.run_theory_numbers output; traj: recorded arrays (TRAJECTORY_KEYS);
    a2: the dataset's A2 report; g0_dev: ||G(0) - G_inf||_2; probe: L2.2 iterate checks at theta(0).
    """
    rtol = float(th.get("comparison_rtol", REL_TOL))
    _h = functools.partial(_hyp, rtol=rtol)
    _s = functools.partial(_series_conclusion, rtol=rtol)

    def first(key):
        return float(traj[key][0]) if len(traj[key]) else float("nan")

    def largest(key):
        return float(np.max(traj[key])) if len(traj[key]) else float("nan")

    k = np.asarray(traj["step"])
    m, gamma, alpha = th["m"], th["gamma"], th["step_size"]
    c = th["c_emp"]
    lam0 = th["lambda0"]
    hc = th["hidden_constants"]
    sqm = math.sqrt(m)
    gmax = th["gamma_max_emp"]
    const_c = {"c": c, "c_source": "empirical: max(||A(0)||, ||W(0)||)/sqrt(m)", "gamma0": 0.5}
    claims = []

    # ---- L2.2: well-posedness along the trajectory (training form: gamma0 = 1/2, ||A|| <= 2c sqrt(m))
    h22 = [
        _h("||A(k)|| <= 2c sqrt(m) at every recorded k  (max ||A(k)||/sqrt(m) vs 2c)",
             largest("A_norm_scaled"), "<=", 2 * c),
        _h("gamma <= min{1/2, 1/(4c)}", gamma, "<=", gmax),
    ]
    parts = [_s("(gamma/sqrt(m))||A(k)|| <= gamma0 = 1/2 (contraction, unique equilibrium)",
                                traj["contraction"], 0.5, k)]
    if probe:
        parts.append({"description": "||z_i|| <= ||phi_i||/(1 - gamma0) at theta(0), all i "
                                     "(max of ||z_i||(1-gamma0)/||phi_i||)",
                      "holds": bool(probe["z_bound_ratio"] <= 1 + REL_TOL),
                      "worst_relative_slack": _f(1 - probe["z_bound_ratio"]), "worst_step": 0})
        parts.append({"description": "||z^p - z*|| <= gamma0^p/(1-gamma0) ||phi|| for p = 1..P from z^0 = 0 "
                                     f"at theta(0) (P = {probe['P']}; max ratio observed/bound)",
                      "holds": bool(probe["iterate_bound_ratio"] <= 1 + REL_TOL),
                      "worst_relative_slack": _f(1 - probe["iterate_bound_ratio"]), "worst_step": 0})
    claims.append(_claim("L2.2", "Well-posedness of the equilibrium", h22, _merge(parts), const_c,
                         {"contraction_margin_used": _f(largest("contraction") / 0.5)}))

    # ---- L3.3: random initialization is close to G_inf
    if g0_dev is not None:
        h33 = [_h(f"m >= C n^2/lambda0^2 log(n/delta)  (C = {hc['C_width_L3.3']:g}, delta = {th['delta']:g})",
                    m, ">=", th["width_L3.3"]), ]
        concl = _merge([
            _s("||G(0) - G_inf|| <= lambda0/4", [g0_dev], lam0 / 4, [0]),
            _s("lambda_min(G(0)) >= 3 lambda0/4", traj["lambda_min_G"][:1], 0.75 * lam0, [0], ">="),
        ])
        claims.append(_claim("L3.3", "G(0) concentrates around G_inf", h33, concl,
                             {"C_width_L3.3": hc["C_width_L3.3"], "delta": th["delta"]},
                             {"required_width_over_used": _width_gap(th["width_L3.3"], m)}))

    gf = th.get("method") == "gf"
    lem, thm = ("L3.5", "T3.1") if gf else ("L3.6", "T3.2")
    flow = "Gradient flow" if gf else "Gradient descent"
    idx = "t" if gf else "k"
    h36 = [
        _h("||u(0)|| = sqrt(m)", first("u_norm"), "==", sqm),
        _h("||v(0)|| = sqrt(m)", first("v_norm"), "==", sqm),
        _h("||A(0)||/sqrt(m) <= c", first("A_norm_scaled"), "<=", c),
        _h("||W(0)||/sqrt(m) <= c", first("W_norm_scaled"), "<=", c),
        _h("lambda_min(G(0)) >= 3 lambda0/4", first("lambda_min_G"), ">=", 0.75 * lam0),
        _h(f"m >= C c^2 n ||X||^2 ||r0||^2/lambda0^3  (C = {hc['C_width_L3.6']:g})", m, ">=", th["width_L3.6"]),
        _h("gamma <= min{1/2, 1/(4c)}", gamma, "<=", gmax),
    ]
    if not gf:
        h36.append(_h(f"alpha <= C lambda0/n^2  (C = {hc['C_step_L3.6']:g})", alpha, "<=", th["step_size_L3.6"]))
    const36 = dict(const_c, C_width_L3_6=hc["C_width_L3.6"])
    if not gf:
        const36["C_step_L3_6"] = hc["C_step_L3.6"]
    gap36 = {"required_width_over_used": _width_gap(th["width_L3.6"], m)}
    if not gf:
        gap36["used_step_over_allowed"] = _f(alpha / th["step_size_L3.6"]) if th["step_size_L3.6"] > 0 else "inf"
    hidden36 = {k_: v_ for k_, v_ in hc.items() if k_ in ("C_width_L3.6", "C_step_L3.6") and not (gf and "step" in k_)}
    ku, kv = ("bound_u_L3.5", "bound_v_L3.5") if gf else ("bound_u_L3.6", "bound_v_L3.6")
    cu, cv = (16, 8) if gf else (32, 16)
    items = [
        ("i", f"lambda_min(G({idx})) >= lambda0/2", traj["lambda_min_G"], lam0 / 2, ">="),
        ("ii", f"||u({idx})|| <= {cu} c sqrt(n)/lambda0 ||r0||", traj["u_norm"], th[ku], "<="),
        ("iii", f"||v({idx})|| <= {cv} c sqrt(n)/lambda0 ||r0||", traj["v_norm"], th[kv], "<="),
        ("iv", f"||W({idx})|| <= 2c sqrt(m)", traj["W_norm_scaled"], 2 * c, "<="),
        ("v", f"||A({idx})|| <= 2c sqrt(m)", traj["A_norm_scaled"], 2 * c, "<="),
    ]
    for tag, desc, obs, bound, rel in items:
        concl = _merge([_s(desc, obs, bound, k, rel)])
        claims.append(_claim(f"{lem}({tag})", f"{flow}: {desc}", h36, concl, const36, gap36, hidden=hidden36))
    rate_env = rate_envelope(th, traj)
    desc_vi = ("||yhat(t) - y||^2 <= exp(-lambda0 t) ||r0||^2" if gf
               else "||yhat(k) - y||^2 <= (1 - alpha lambda0/2)^k ||r0||^2")
    concl_vi = _merge([_s(desc_vi, traj["residual_sq"], rate_env, k)])
    rate_gap = _rate_gap(traj, th)
    claims.append(_claim(f"{lem}(vi)", f"{flow}: linear convergence", h36, concl_vi, const36,
                         dict(gap36, **rate_gap), hidden=hidden36))

    # ---- T3.1 / T3.2: with high probability over A1
    cd = th["c_delta"]
    hT = [
        _h("A1: initialization drawn per A1", None, "==", None, holds=True,
             detail="by construction (verifier.engine.init_params)"),
        _h("A2: unit rows, no parallel pair", a2.get("min_angle"), ">=", a2.get("parallel_tol"),
             holds=bool(a2.get("holds")),
             detail=f"min angle {a2.get('min_angle', float('nan')):.3g} rad; action: {a2.get('action', 'none')}"),
    ]
    if not gf:
        hT.append(_h(f"m >= C n^2/lambda0 log(n/delta) as printed (C = {hc['C_width_L3.3']:g})", m, ">=",
                       th["width_T3.2_printed"]))
    hT += [
        _h(f"m >= C n^2/lambda0^2 log(n/delta){' as L3.3 needs' if not gf else ''} (C = {hc['C_width_L3.3']:g})",
             m, ">=", th["width_L3.3"]),
        _h("gamma <= min{1/2, 1/(4c)}", gamma, "<=", gmax),
    ]
    if not gf:
        hT.append(_h(f"alpha <= C lambda0/n^2  (C = {hc['C_step_L3.6']:g})", alpha, "<=", th["step_size_L3.6"]))
    constT = dict(const_c, C_width_L3_3=hc["C_width_L3.3"], delta=th["delta"], c_delta=cd["c"])
    if not gf:
        constT["C_step_L3_6"] = hc["C_step_L3.6"]
    claims.append(_claim(thm, f"{flow} converges linearly (w.p. >= 1 - delta)", hT, concl_vi, constT,
                         dict(rate_gap, required_width_over_used=_width_gap(th["width_L3.3"], m))))
    return claims


def rate_envelope(th, traj):
    """T3.2 / L3.6(vi): (1 - alpha lambda0/2)^k ||r0||^2;  T3.1 / L3.5(vi): exp(-lambda0 t) ||r0||^2."""
    r0sq = th["r0_norm"] ** 2
    with np.errstate(under="ignore"):
        if th.get("method") == "gf":
            return r0sq * np.exp(-th["lambda0"] * np.asarray(traj["time"], dtype=np.float64))
        return r0sq * np.power(max(th["rate_L3.6"], 0.0), np.asarray(traj["step"], dtype=np.float64))


def _rate_gap(traj, th):
    """Observed average decay exponent vs the guaranteed one (per GD step, or per unit time for GF)."""
    res = np.asarray(traj["residual_sq"])
    if len(res) < 2 or res[0] <= 0 or res[-1] <= 0:
        return {}
    if th.get("method") == "gf":
        T = float(traj["time"][-1])
        guar = th["lambda0"]
        unit = "per_unit_time"
    else:
        T = float(traj["step"][-1])
        rate = th["rate_L3.6"]
        if not 0 < rate < 1:
            return {}
        guar = -math.log(rate)
        unit = "per_step"
    if T <= 0 or guar <= 0:
        return {}
    obs = -math.log(res[-1] / res[0]) / T
    return {f"observed_decay_{unit}": _f(obs), f"guaranteed_decay_{unit}": _f(guar),
            "observed_over_guaranteed_decay": _f(obs / guar)}
