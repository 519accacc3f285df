"""L2.2 (well-posedness, A.1): contraction, existence/uniqueness, a-priori bounds on z."""
from __future__ import annotations

import numpy as np
import sympy as sp

from . import statement as _S
from ._common import SYM, compare_step, identity_step, inequality_step, result
from .reference_model import equilibrium
from .verdict import claim as _claim
from .verdict import hypothesis as _hyp
from .verdict import largest as _largest
from .verdict import merge as _merge
from .verdict import series as _series
from .verdict import single as _single

ID = "L2.2"
TITLE = "Well-posedness: gamma = min{gamma0, gamma0/c} makes z -> sigma(gt A z + phi) a gamma0-contraction"

c, gamma0, m, n = SYM["c"], SYM["gamma0"], SYM["m"], SYM["n"]


_g = sp.Symbol("gamma0", positive=True)
_l, _p, _q = sp.symbols("l p q", integer=True, nonnegative=True)
_p_c = sp.Symbol("p", positive=True)
_gamma = SYM["gamma"]


def _geometric():
    s = sp.summation(_g**_l, (_l, _p, _q - 1))
    return s.args[1][0] if isinstance(s, sp.Piecewise) else s   # the gamma0 != 1 branch


def _numeric(seeds=range(5), m_=40, p_max=40):
    worst_bound, worst_norm = np.inf, np.inf
    for seed in seeds:
        rng = np.random.default_rng(seed)
        A = rng.standard_normal((m_, m_))
        cc = np.linalg.norm(A, 2) / np.sqrt(m_)
        for g0 in (0.5, 0.9):
            gam = min(g0, g0 / cc)
            gt = gam / np.sqrt(m_)
            phi = np.maximum(rng.standard_normal(m_), 0) / np.sqrt(m_) * 3
            zs, _, _ = equilibrium(A, phi, gt, tol=1e-15)
            z = np.zeros(m_)
            for p in range(p_max):
                bound = g0**p / (1 - g0) * np.linalg.norm(phi)
                worst_bound = min(worst_bound, bound - np.linalg.norm(z - zs))
                worst_norm = min(worst_norm, np.linalg.norm(phi) / (1 - g0) - np.linalg.norm(z))
                z = np.maximum(gt * A @ z + phi, 0)
    return worst_bound, worst_norm


def audit(setting: dict | None = None):
    steps = [
        identity_step("c >= 1: gamma = gamma0/c gives gamma c = gamma0, so gt ||A|| <= (gamma/sqrt m) c sqrt m = gamma0",
                      _gamma * c, gamma0, subs={_gamma: gamma0 / c}),
        inequality_step("c < 1: gamma = gamma0 gives gamma c = gamma0 c <= gamma0 (c = 1/(1 + p), p > 0)",
                        gamma0 * c, gamma0, subs={c: 1 / (1 + _p_c)}),
        identity_step("a-priori bound: sum_{l=p}^{q-1} gamma0^l = (gamma0^p - gamma0^q)/(1 - gamma0) <= gamma0^p/(1 - gamma0) "
                      "(gamma0 != 1)", _geometric(), (_g**_p - _g**_q) / (1 - _g)),
        identity_step("gamma0 = 1/2: 1/(1 - gamma0) = 2, so ||z_i|| <= 2 ||phi_i|| <= 4c when ||phi_i|| <= 2c",
                      2 * c / (1 - gamma0), 4 * c, subs={gamma0: sp.Rational(1, 2)}),
        identity_step("||phi_i|| <= ||W|| ||x_i|| / sqrt(m) <= 2c sqrt(m)/sqrt(m) = 2c", 2 * c * sp.sqrt(m) / sp.sqrt(m), 2 * c),
        identity_step("||Phi|| <= ||Phi||_F <= sqrt(n * (2c)^2) = 2c sqrt(n); ||Z|| <= 4c sqrt(n)",
                      sp.sqrt(n * (2 * c) ** 2), 2 * c * sp.sqrt(n)),
        inequality_step("training: gamma <= min{1/2, 1/(4c)} and ||A|| <= 2c sqrt(m) give gt ||A|| <= 2c gamma <= 1/2",
                        2 * c * sp.Min(sp.Rational(1, 2), 1 / (4 * c)), sp.Rational(1, 2)),
    ]
    wb, wn = _numeric()
    steps.append(compare_step("||z^p - z*|| <= gamma0^p ||phi|| / (1 - gamma0) and ||z^p|| <= ||phi||/(1 - gamma0) "
                              "on random instances (m = 40, gamma0 in {0.5, 0.9}, p < 40): smallest slack of the two "
                              "bounds >= -1e-13 (rounding)", min(wb, wn), ">=", -1e-13))
    return result(ID, TITLE, steps, [])


# --- the statement as printed, and its check on a run ------------------------------------------------------
GAMMA_MAX = _S.gamma_max
STATEMENT = _S.Statement(
    ID, "Well-posedness of the equilibrium", "Lemma 2.2 (Sec. 2); proof in A.1",
    (_S.Condition(_S.nA, "<=", _S.c * _S.sqm, "||A|| <= c sqrt(m)"),
     _S.Condition(_S.gamma, "==", sp.Min(_S.gamma0, _S.gamma0 / _S.c), "gamma = min{gamma0, gamma0/c}"),
     _S.Condition(_S.gamma0, "<", 1, "gamma0 in (0, 1)")),
    (_S.Condition(_S.contraction, "<=", _S.gamma0, "(gamma/sqrt m) ||A|| <= gamma0: a gamma0-contraction"),
     _S.Condition(sp.Symbol("normz_l"), "<=", sp.Symbol("normphi") / (1 - _S.gamma0), "||z^l|| <= ||phi||/(1 - gamma0)"),
     _S.Condition(sp.Symbol("normz_p_minus_zstar"), "<=", _S.gamma0**_S.k / (1 - _S.gamma0) * sp.Symbol("normphi"),
                  "||z^k - z*|| <= gamma0^k ||phi||/(1 - gamma0)")),
    (("gamma_max", GAMMA_MAX, "largest gamma the theorems allow, min{1/2, 1/(4c)}"),
     ("contraction_at_gamma", _S.gamma * _S.c, "(gamma/sqrt m) c sqrt m: contraction factor at initialization"),
     ("contraction_training", 2 * _S.c * _S.gamma, "factor while ||A|| <= 2c sqrt m (must be <= 1/2)"),
     ("phi_norm_bound", 2 * _S.c, "||phi_i|| <= 2c (||W|| <= 2c sqrt m)"),
     ("z_norm_bound", 4 * _S.c, "||z_i|| <= 4c (gamma0 = 1/2)")))


def check(ctx) -> list:
    """Training form (gamma0 = 1/2, ||A(k)|| <= 2c sqrt(m)) along the recorded trajectory, the iterate bounds at
    theta(0) (probe), and the rigorous contraction certificates at theta(0) and theta(K) when computed."""
    th, traj, rtol = ctx.th, ctx.traj, ctx.rtol
    hyps = [_hyp("||A(k)|| <= 2c sqrt(m) at every recorded k  (max ||A(k)||/sqrt(m) vs 2c)",
                 _largest(traj, "A_norm_scaled"), "<=", 2 * th.c, rtol=rtol),
            _hyp("gamma <= min{1/2, 1/(4c)}", th.gamma, "<=", th.gamma_max, rtol=rtol)]
    parts, certified = [], []
    if ctx.trained:
        parts.append(_series("(gamma/sqrt(m))||A(k)|| <= gamma0 = 1/2 (contraction, unique equilibrium)",
                             traj["contraction"], 0.5, traj["step"], rtol=rtol, min_points=2))
        probe = ctx.probe
        if probe:
            parts.append(_single("||z_i|| <= ||phi_i||/(1 - gamma0) at theta(0), all i (max of ||z_i||(1-gamma0)/||phi_i||)",
                                 bool(probe["z_bound_ratio"] <= 1 + rtol), observed=probe["z_bound_ratio"], bound=1.0,
                                 worst_relative_slack=1 - probe["z_bound_ratio"]))
            parts.append(_single(f"||z^p - z*|| <= gamma0^p/(1-gamma0) ||phi|| for p = 1..{probe['P']} from z^0 = 0 at "
                                 "theta(0) (max ratio observed/bound)", bool(probe["iterate_bound_ratio"] <= 1 + rtol),
                                 observed=probe["iterate_bound_ratio"], bound=1.0,
                                 worst_relative_slack=1 - probe["iterate_bound_ratio"]))
    for key, label in (("contraction_init", "theta(0)"), ("contraction_final", "theta(K)")):
        cert = (ctx.certificates or {}).get(key)
        if cert is None:
            continue
        proven = cert["status"] == "proven" and cert.get("upper") is not None and float(cert["upper"]) <= 0.5
        if proven:
            certified.append(f"(gamma/sqrt(m))||A|| at {label} <= {float(cert['upper']):.12g} (proven)")
        lower = cert.get("lower")
        refuted = cert["status"] != "undecided" and lower is not None and float(lower) > 0.5
        if not (proven or refuted):  # an undecided certificate proves nothing either way: the observation stands
            continue
        parts.append(_single(f"certified: (gamma/sqrt(m))||A|| at {label} in [{lower}, {cert.get('upper')}] "
                             f"(status {cert['status']}), so {'<=' if proven else '>'} gamma0 = 1/2", proven,
                             observed=cert.get("upper") if proven else lower, bound=0.5,
                             step=0 if label == "theta(0)" else "K", proven=True))
    concl = _merge(parts) if ctx.trained else None
    gap = {"contraction_margin_used": _largest(traj, "contraction") / 0.5}
    return [_claim(ID, STATEMENT.title, hyps, concl, {"c": th.c, "c_source": ctx.c_source, "gamma0": 0.5}, gap,
                   certified=tuple(certified), reference=STATEMENT.reference,
                   trajectory=True)]
