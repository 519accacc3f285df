"""L2.1 (random-matrix norm bound): ||A|| <= C K (sqrt(m) + sqrt(n) + t) with probability >= 1 - 2 exp(-t^2).

The paper cites the sub-Gaussian bound with an unnamed absolute constant C and K = max ||entry||_psi2. For
standard Gaussian entries an explicit form is known: P(||G|| >= sqrt(p) + sqrt(q) + t) <= exp(-t^2/2)
(Davidson and Szarek 2001, Thm II.13), i.e. C K = 1 with the tail exp(-t^2/2). The toolkit's c(delta)
(`verifier.theory.randmat.c_of_delta`) is that bound with a union over A and W.
"""
from __future__ import annotations

import math

import sympy as sp

from verifier.theory.randmat import c_of_delta, tail_monte_carlo

from . import statement as _S
from ._common import compare_step, identity_step, result
from .hidden_constants import symbol as _hc
from .verdict import claim as _claim
from .verdict import first as _first
from .verdict import hypothesis as _hyp
from .verdict import merge as _merge
from .verdict import series as _series

ID = "L2.1"
TITLE = "||A|| <= C K (sqrt(m) + sqrt(n) + t) w.p. >= 1 - 2 exp(-t^2) (sub-Gaussian matrices)"

_tt = sp.Symbol("t", positive=True)
BOUND = _hc("C_L2.1") * (sp.sqrt(_S.m) + sp.sqrt(_S.n) + _tt)
STATEMENT = _S.Statement(
    ID, "Operator norm of a random matrix", "Lemma 2.1 (Sec. 2), cited from the random-matrix literature",
    (_S.Condition(sp.Symbol("entries_iid_subgaussian"), "==", 1, "i.i.d. centred sub-Gaussian entries (A1: N(0,1))"),),
    (_S.Condition(_S.nA, "<=", BOUND, "||A|| <= C K (sqrt(m) + sqrt(n) + t) w.p. >= 1 - 2 exp(-t^2)"),),
    (("norm_bound", BOUND, "C K (sqrt(m) + sqrt(n) + t)"),),
    probabilistic=True)


def check(ctx) -> list:
    """At initialization: ||A(0)||/sqrt(m) <= c_A(delta) and ||W(0)||/sqrt(m) <= c_W(delta), the explicit
    Gaussian form of L2.1 with probability >= 1 - delta jointly (one draw)."""
    th, traj, rtol = ctx.th, ctx.traj, ctx.rtol
    hyps = [_hyp("entries of A(0), W(0) i.i.d. N(0, 1) (A1)", None, "==", None, holds=True,
                 detail="by construction (verifier.engine.init_params)")]
    concl = _merge([
        _series(f"||A(0)||/sqrt(m) <= c_A(delta) = 2 + sqrt(2 log(2/delta))/sqrt(m), delta = {th.delta:g}",
                traj["A_norm_scaled"][:1], th.c_delta_A, [0], rtol=rtol),
        _series(f"||W(0)||/sqrt(m) <= c_W(delta) = 1 + sqrt(d/m) + sqrt(2 log(2/delta))/sqrt(m), delta = {th.delta:g}",
                traj["W_norm_scaled"][:1], th.c_delta_W, [0], rtol=rtol)])
    gap = {"c_emp_over_c_delta": _first(traj, "A_norm_scaled") / th.c_delta_A if th.c_delta_A > 0 else None}
    return [_claim(ID, STATEMENT.title, hyps, concl, {"C_L2.1": th.hidden["C_L2.1"], "delta": th.delta,
                                                      "constants_choice": th.choice},
                   {k: v for k, v in gap.items() if v is not None}, probabilistic=True, reference=STATEMENT.reference)]


def audit(setting: dict | None = None):
    """The explicit form behind c(delta): t solves exp(-t^2/2) = delta/2 (union over A and W), the code's c(delta)
    is that formula, and a Monte Carlo tail frequency at a small size stays below the bound."""
    dl = sp.Symbol("delta", positive=True)
    t_sol = sp.sqrt(2 * sp.log(2 / dl))
    m_, d_, delta_ = 64, 8, 0.05
    cd = c_of_delta(m_, d_, delta_)
    ref_t = math.sqrt(2 * math.log(2 / delta_))
    mc = tail_monte_carlo(m_, m_, 0.2, trials=200, seed=0)
    steps = [
        identity_step("t = sqrt(2 log(2/delta)) solves exp(-t^2/2) = delta/2 (each of A, W fails w.p. <= delta/2)",
                      sp.exp(-t_sol**2 / 2), dl / 2),
        compare_step(f"c_A(delta) = (2 sqrt(m) + t)/sqrt(m) at m = {m_}, delta = {delta_} (|code - formula|)",
                     abs(cd["c_A"] - (2 * math.sqrt(m_) + ref_t) / math.sqrt(m_)), "<=", 1e-12),
        compare_step(f"c_W(delta) = (sqrt(m) + sqrt(d) + t)/sqrt(m) at m = {m_}, d = {d_} (|code - formula|)",
                     abs(cd["c_W"] - (math.sqrt(m_) + math.sqrt(d_) + ref_t) / math.sqrt(m_)), "<=", 1e-12),
        compare_step("Monte Carlo frequency of ||G|| > sqrt(p) + sqrt(q) + t at tail bound 0.2 (200 draws of 64 x 64) "
                     "<= 0.2 + 3 binomial standard errors", float(mc["rate"]), "<=",
                     0.2 + 3 * math.sqrt(0.2 * 0.8 / 200), kind="numeric (Monte Carlo)"),
    ]
    return result(ID, TITLE, steps, [])
