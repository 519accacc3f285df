"""L3.3 (A.5): concentration of G(0) around G_inf; the proof's sub-Gaussian chain and an explicit width."""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from verifier.theory.kernel import gram_inf

from . import statement as _S
from ._common import SYM, compare_step, finding, identity_step, inequality_step, result
from .constants import bernstein_l33
from .hidden_constants import symbol as _hc
from .verdict import claim as _claim
from .verdict import hypothesis as _hyp
from .verdict import merge as _merge
from .verdict import ratio as _ratio
from .verdict import series as _series

ID = "L3.3"
TITLE = "m = Omega(n^2/lambda0^2 log(n/delta)) => ||G(0) - G_inf|| <= lambda0/4 w.p. >= 1 - delta"


def monte_carlo_check(X, width_m: int, delta: float, trials: int = 60, seed: int = 0) -> dict:
    """Empirical P(||G(0) - G_inf|| > lambda0/4) at width m (exact G_inf by the closed form)."""
    G = gram_inf(X)
    lam = float(np.linalg.eigvalsh(G)[0])
    rng = np.random.default_rng(seed)
    devs = []
    for _ in range(trials):
        F = np.maximum(X @ rng.standard_normal((X.shape[1], width_m)), 0.0)
        devs.append(float(np.linalg.norm(F @ F.T / width_m - G, 2)))
    devs = np.array(devs)
    return {"m": int(width_m), "trials": trials, "lambda0": lam, "failures": int(np.sum(devs > lam / 4)),
            "max_deviation_over_lambda0_quarter": float(devs.max() / (lam / 4)), "delta": delta}


def audit(setting: dict | None = None):
    lam, x, tt = sp.symbols("lambda x t", positive=True)
    g = sp.Symbol("g", real=True)
    a = sp.Symbol("a", positive=True)   # a = 1 - 2 lambda^2 > 0
    mgf = sp.simplify(sp.integrate(sp.exp(-a * g**2 / 2) / sp.sqrt(2 * sp.pi), (g, -sp.oo, sp.oo)))
    steps = [identity_step("E exp(lambda^2 Z^2) = int exp(-(1 - 2 lambda^2) g^2/2)/sqrt(2 pi) = 1/sqrt(1 - 2 lambda^2) "
                           "(a = 1 - 2 lambda^2 > 0)", mgf, 1 / sp.sqrt(a))]
    xstar = float(sp.nsolve(1 / (1 - x) - sp.exp(2 * x), x, 0.8))
    steps.append(inequality_step(f"1/(1 - x) <= e^(2x) for x in [0, x*], x* = {xstar:.6f} the root of 1/(1-x) = e^(2x)",
                                 1 / (1 - x), sp.exp(2 * x), domain={x: (0, xstar - 1e-9)}))
    lam_used = sp.sqrt(sp.log(sp.sqrt(2)))
    steps.append(identity_step("choose lambda^2 = log sqrt 2: e^{2 lambda^2} = 2, so E exp(X^2 lambda^2) <= 2",
                               sp.exp(2 * lam_used**2), 2))
    steps.append(inequality_step("the chosen 2 lambda^2 = log 2 lies in [0, x*] (where the previous bound is valid)",
                                 sp.log(2), sp.Float(xstar)))
    steps.append(inequality_step("Markov: P(|X| >= t) <= 2 exp(-t^2 log sqrt2) <= 2 exp(-t^2/4)  (log sqrt 2 >= 1/4)",
                                 sp.Rational(1, 4), sp.log(sp.sqrt(2))))
    steps.append(identity_step("||X_i X_j||_psi1 <= ||X_i||_psi2 ||X_j||_psi2 <= 2 * 2 = 4", 2 * 2, 4))
    n, lam0 = SYM["n"], SYM["lambda0"]
    steps.append(identity_step("Frobenius + union: n^2 (lambda0/(4n))^2 = (lambda0/4)^2", n**2 * (lam0 / (4 * n)) ** 2,
                               (lam0 / 4) ** 2))
    b = bernstein_l33()   # the explicit width that replaces the unnamed Bernstein constant, step by step
    steps += b["steps"]
    # Monte Carlo at the explicit width, orthonormal data (lambda0 = 1/2 - 1/(2 pi))
    X = np.eye(4)
    delta = 0.1
    w = int(math.ceil(float(b["width"].subs({n: 4, lam0: float(np.linalg.eigvalsh(gram_inf(X))[0]), SYM["delta"]: delta}))))
    mc = monte_carlo_check(X, w, delta, trials=40)
    steps.append(compare_step(f"Monte Carlo at the explicit width (X = I_4, delta = {delta}, m = {w}, {mc['trials']} draws): "
                              f"empirical P(||G(0) - G_inf|| > lambda0/4) <= delta (max ||G(0)-G_inf||/(lambda0/4) = "
                              f"{mc['max_deviation_over_lambda0_quarter']:.3f}: the bound is loose)",
                              mc["failures"] / mc["trials"], "<=", delta))
    findings = [finding(
        "A.5 states E exp(X^2 lambda^2) <= 1/sqrt(1 - 2 lambda^2) <= e^{2 lambda^2} 'for any |lambda| <= 1/sqrt 2'; the "
        "second inequality fails for 2 lambda^2 > x* (and the middle term is infinite at 1/sqrt 2). The proof only uses "
        "lambda^2 = log sqrt 2 (2 lambda^2 = log 2 < x*), where it holds: the chain survives with the range corrected.",
        {"x_star": xstar, "example_lambda_sq": 0.45, "lhs": 1 / math.sqrt(1 - 0.9), "rhs": math.exp(0.9)},
        "misstated range, chain unaffected"),
        finding("The constant in Bernstein's inequality is unnamed; an explicit moment-form Bernstein bound gives m >= "
                + b["width_str"] + ".", {"paper_shape_constant_upper": str(b["paper_shape_constant"]),
                                         "monte_carlo": mc}, "unnamed constant made explicit"),
    ]
    return result(ID, TITLE, steps, findings)


# --- the statement as printed, and its check on a run ------------------------------------------------------
WIDTH = _hc("C_width_L3.3") * _S.n**2 / _S.lambda0**2 * sp.log(_S.n / _S.delta)
STATEMENT = _S.Statement(
    ID, "G(0) concentrates around G_inf", "Lemma 3.3 (Sec. 3.1); proof in A.5",
    (_S.Condition(_S.m, ">=", WIDTH, "m = Omega(n^2/lambda0^2 log(n/delta))"),),
    (_S.Condition(_S.dG, "<=", _S.lambda0 / 4, "||G(0) - G_inf|| <= lambda0/4 w.p. >= 1 - delta"),
     _S.Condition(_S.lmin_G0, ">=", sp.Rational(3, 4) * _S.lambda0, "lambda_min(G(0)) >= 3 lambda0/4")),
    (("width_required", WIDTH, "C n^2/lambda0^2 log(n/delta)"),
     ("width_explicit_bernstein", (48 * _S.n**2 / _S.lambda0**2 + 16 * _S.n / _S.lambda0)
      * sp.log(_S.n * (_S.n + 1) / _S.delta), "explicit moment-form Bernstein width (no hidden constant)"),
     ("deviation_allowed", _S.lambda0 / 4, "lambda0/4")),
    probabilistic=True)


def check(ctx) -> list:
    """At initialization: ||G(0) - G_inf|| <= lambda0/4 and lambda_min(G(0)) >= 3 lambda0/4 (one draw)."""
    th, traj, rtol = ctx.th, ctx.traj, ctx.rtol
    hyps = [_hyp(f"m >= C n^2/lambda0^2 log(n/delta)  (C = {th.hidden['C_width_L3.3']:g}, delta = {th.delta:g})",
                 th.m, ">=", th.width_L3_3, rtol=rtol)]
    concl = None
    if ctx.g0_dev is not None:
        concl = _merge([_series("||G(0) - G_inf|| <= lambda0/4", [ctx.g0_dev], th.lambda0 / 4, [0], rtol=rtol),
                        _series("lambda_min(G(0)) >= 3 lambda0/4", traj["lambda_min_G"][:1], 0.75 * th.lambda0, [0],
                                ">=", rtol=rtol)])
    gap = {"required_width_over_used": _ratio(th.width_L3_3, th.m),
           "required_width_over_used_at_proof_constants": _ratio(th.at_proof_constants.width_L3_3, th.m)
           if th.at_proof_constants else None,
           "explicit_width_from_proof_over_used": _ratio(th.explicit_value("width_L3.3"), th.m)}
    return [_claim(ID, STATEMENT.title, hyps, concl, dict(th.constants("C_width_L3.3"), delta=th.delta),
                   {k: v for k, v in gap.items() if v is not None}, probabilistic=True, reference=STATEMENT.reference)]
