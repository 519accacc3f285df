"""L3.5 (A.7, gradient flow): the induction's drift integrals, the radius conditions solved for m, conclusions
(ii)-(iii) against ||u(0)|| = ||v(0)|| = sqrt(m), and the continuous induction."""
from __future__ import annotations

import numpy as _np
import numpy as np
import sympy as sp

from verifier.theory.kernel import gram_inf

from . import statement as _S
from ._common import FAILS, HOLDS, SYM, Outcome, Step, finding, identity_step, inequality_step, result, solve_step
from ._instance import concrete_instance
from .constants import explicit_constants, gf_chain_a7, l34_radius
from .hidden_constants import symbol as _hc
from .verdict import claim as _claim
from .verdict import first as _first
from .verdict import hypothesis as _hyp
from .verdict import merge as _merge
from .verdict import ratio as _ratio
from .verdict import series as _series

ID = "L3.5"
TITLE = "Gradient flow (deterministic): lambda_min(G(t)) >= lambda0/2, bounded parameters, exp(-lambda0 t) rate"

_p, _q = sp.symbols("p q", nonnegative=True)   # ||X|| = 1 + p, lambda0 = 1/(2 (1 + q)): the admissible data
_s = sp.Symbol("s", positive=True)


def _unit_row_data() -> tuple:
    """A few unit-row data sets: random, orthonormal, and with two nearly parallel rows."""
    rng = np.random.default_rng(7)
    X1 = rng.standard_normal((6, 4))
    X2 = np.eye(5)
    X3 = np.array([[1.0, 0.0, 0.0], [np.cos(0.05), np.sin(0.05), 0.0], [0.0, 0.6, 0.8], [0.0, 0.0, 1.0]])
    return tuple(X / np.linalg.norm(X, axis=1)[:, None] for X in (X1, X2, X3))


def _data_facts(Xs) -> Outcome:
    """For each X: diag(G_inf) = 1/2, lambda0 <= 1/2 (Rayleigh quotient at e_i), 1 <= ||X||^2 <= n."""
    rows = []
    ok = True
    for X in Xs:
        G = gram_inf(X)
        lam, diag, nx2 = float(np.linalg.eigvalsh(G)[0]), np.diag(G), float(np.linalg.norm(X, 2) ** 2)
        ok &= bool(np.all(np.abs(diag - 0.5) <= 1e-12) and lam <= 0.5 + 1e-12 and 1 - 1e-12 <= nx2 <= X.shape[0] + 1e-12)
        rows.append(f"n = {X.shape[0]}: diag in [{diag.min():.15g}, {diag.max():.15g}], lambda0 = {lam:.4g}, ||X||^2 = {nx2:.4g}")
    return Outcome(HOLDS if ok else FAILS, "; ".join(rows))


def data_fact_steps() -> list:
    """The facts that make the ratios below exceed 1 for all admissible data (A2: unit rows)."""
    g = sp.Symbol("g", real=True)
    return [
        identity_step("G_inf has diagonal 1/2: G_inf,ii = E relu(w^T x_i)^2 = E relu(g)^2 = int_0^oo g^2 phi(g) dg "
                      "(w^T x_i ~ N(0, 1) for ||x_i|| = 1)",
                      sp.integrate(g**2 * sp.exp(-g**2 / 2) / sp.sqrt(2 * sp.pi), (g, 0, sp.oo)), sp.Rational(1, 2)),
        Step("hence lambda0 = lambda_min(G_inf) <= G_inf,ii = 1/2 (Rayleigh quotient at e_i); and ||X||^2 >= "
             "||X^T e_1||^2 = ||x_1||^2 = 1, ||X||^2 <= ||X||_F^2 = n (unit rows): on three unit-row data sets",
             "numeric", _data_facts, (_unit_row_data(),)),
    ]


def initial_norm_steps(u_bound, v_bound, width, lemma: str) -> list:
    """(ii)/(iii) at t = 0 (k = 0) against ||u(0)|| = ||v(0)|| = sqrt(m) (A1), and the proof's width."""
    n, m, c, lam0, nX, r0 = (SYM[k] for k in ("n", "m", "c", "lambda0", "norm_X", "r0_norm"))
    K = c**2 * n * r0**2 / lam0**2
    cv, cu = sp.simplify(v_bound**2 / K), sp.simplify(u_bound**2 / K)      # 64, 256 (L3.5); 256, 1024 (L3.6)
    cw = sp.simplify(width / (K * nX**2 / lam0))                          # 2048 (L3.5); 8192 (L3.6)
    adm = {nX: 1 + _p, lam0: 1 / (2 * (1 + _q))}
    Cw = sp.Symbol("C", positive=True)
    out = [
        solve_step(f"{lemma} (iii) at 0: ||v(0)|| = sqrt(m) <= {sp.sstr(v_bound)} iff m <= its square; sympy.solve "
                   f"gives m = {sp.sstr(cv)} c^2 n r0^2/lambda0^2", sp.sqrt(m), v_bound, m, cv * K),
        solve_step(f"{lemma} (ii) at 0: ||u(0)|| = sqrt(m) <= {sp.sstr(u_bound)} iff m <= {sp.sstr(cu)} c^2 n r0^2/lambda0^2",
                   sp.sqrt(m), u_bound, m, cu * K),
        identity_step(f"the proof's width / largest m with (iii) at 0 = {sp.sstr(cw / cv)} ||X||^2/lambda0",
                      width / (cv * K), cw / cv * nX**2 / lam0),
        identity_step(f"the proof's width / largest m with (ii) at 0 = {sp.sstr(cw / cu)} ||X||^2/lambda0",
                      width / (cu * K), cw / cu * nX**2 / lam0),
        inequality_step(f"{sp.sstr(cw / cv)} ||X||^2/lambda0 >= {sp.sstr(2 * cw / cv)} > 1 for all admissible data "
                        "(||X|| = 1 + p, lambda0 = 1/(2(1 + q)), p, q >= 0)", 2 * cw / cv, cw / cv * nX**2 / lam0, subs=adm),
        inequality_step(f"{sp.sstr(cw / cu)} ||X||^2/lambda0 >= {sp.sstr(2 * cw / cu)} > 1 for all admissible data",
                        2 * cw / cu, cw / cu * nX**2 / lam0, subs=adm),
        inequality_step(f"any hidden constant C > {sp.sstr(cv / 2)} in m >= C c^2 n ||X||^2 r0^2/lambda0^3 admits only m "
                        f"with ||v(0)|| > the (iii) bound (C = {sp.sstr(cv / 2)} + s, s > 0)", cv * K,
                        Cw * K * nX**2 / lam0, subs={Cw: cv / 2 + _s, **adm}, strict=True),
        inequality_step(f"... and C > {sp.sstr(cu / 2)} only m with ||u(0)|| > the (ii) bound", cu * K,
                        Cw * K * nX**2 / lam0, subs={Cw: cu / 2 + _s, **adm}, strict=True),
    ]
    return out


def audit(setting: dict | None = None):
    n, m, c, lam0, nX, r0, t = (SYM[k] for k in ("n", "m", "c", "lambda0", "norm_X", "r0_norm", "t"))
    a = gf_chain_a7()
    R = l34_radius()["R"]
    width = 2048 * c**2 * n * nX**2 * r0**2 / lam0**3
    s_ = sp.Symbol("s", positive=True)
    steps = [
        identity_step("int_0^oo 2c sqrt(n) r0 e^{-lambda0 s/2} ds = 4 c sqrt(n) r0/lambda0 (v drift)", a["v_drift"],
                      4 * c * sp.sqrt(n) * r0 / lam0),
        identity_step("int_0^oo 4c sqrt(n) r0 e^{-lambda0 s/2} ds = 8 c sqrt(n) r0/lambda0 (u drift)", a["u_drift"],
                      8 * c * sp.sqrt(n) * r0 / lam0),
        inequality_step("||grad_W L|| coefficient: (||U^-1|| 16 + 8) c sqrt(n) r0/(lambda0 sqrt m) = 40 ... <= printed 64 ...",
                        a["gradW_needed"], a["gradW_printed"]),
        identity_step("int_0^oo (64 c n r0^2/(lambda0 sqrt m)) e^{-lambda0 s/2} ds = 128 c n r0^2/(lambda0^2 sqrt m)",
                      a["W_drift"], 128 * c * n * r0**2 / (lam0**2 * sp.sqrt(m))),
        identity_step("||grad_A L|| coefficient: (gamma/sqrt m) 2 ||u|| 4c with gamma = 1/(4c) = printed "
                      "32 c sqrt(n) r0/(lambda0 sqrt m)",
                      a["gradA_needed"], a["gradA_printed"]),
        identity_step("int_0^oo (32 c n r0^2/(lambda0 sqrt m)) e^{-lambda0 s/2} ds = 64 c n r0^2/(lambda0^2 sqrt m)",
                      a["A_drift"], 64 * c * n * r0**2 / (lam0**2 * sp.sqrt(m))),
        solve_step("radius condition 128 c n r0^2/(lambda0^2 sqrt m) = R = sqrt(m) lambda0/(16 c ||X||^2), solved for m "
                   "by sympy, is m = 2048 c^2 n ||X||^2 r0^2/lambda0^3", a["W_drift"], R, m, width),
        identity_step("above that width the W drift is strictly inside R: drift/R at m = 2048 (...) (1 + p) is 1/(1 + p)",
                      (a["W_drift"] / R).subs(m, width * (1 + _p)), 1 / (1 + _p)),
        solve_step("||A(t) - A(0)|| <= c sqrt m: 64 c n r0^2/(lambda0^2 sqrt m) = c sqrt m solved for m is 64 n r0^2/lambda0^2",
                   a["A_drift"], c * sp.sqrt(m), m, 64 * n * r0**2 / lam0**2),
        solve_step("||W(t)|| <= R + c sqrt m <= 2c sqrt m iff R <= c sqrt m, i.e. c >= sqrt(lambda0)/(4||X||) (the proof's "
                   "'c >~ sqrt(lambda0)/||X||')", R, c * sp.sqrt(m), c, a["c_condition"]),
        identity_step("d/dt ||r||^2 = -2 r^T H r <= -2 (lambda0/2) ||r||^2 = -lambda0 ||r||^2 (H >= G >= lambda0/2)",
                      -2 * lam0 / 2, -lam0),
    ]
    steps += data_fact_steps()
    steps += initial_norm_steps(a["u_bound"], a["v_bound"], width, "L3.5")
    # A.7's continuous induction: the derived bounds are strict at every finite t (first-exit argument)
    finite = sp.integrate(2 * c * sp.sqrt(n) * r0 * sp.exp(-lam0 * s_ / 2), (s_, 0, t))
    steps += [
        identity_step("finite-time drift: int_0^t 2c sqrt(n) r0 e^{-lambda0 s/2} ds = "
                      "(4 c sqrt(n) r0/lambda0)(1 - e^{-lambda0 t/2})",
                      finite, 4 * c * sp.sqrt(n) * r0 / lam0 * (1 - sp.exp(-lam0 * t / 2))),
        inequality_step("... < 4 c sqrt(n) r0/lambda0 for every finite t: each drift bound of A.7 is strict at finite t "
                        "(so are ||W(t) - W(0)|| < R, ||A(t) - A(0)|| < c sqrt m, hence (i), (iv), (v) strictly)",
                        4 * c * sp.sqrt(n) * r0 / lam0 * (1 - sp.exp(-lam0 * t / 2)), 4 * c * sp.sqrt(n) * r0 / lam0,
                        strict=True),
    ]
    inst = concrete_instance(setting)
    nums = {r["name"]: r["value"] for r in explicit_constants(inst["n"], inst["lambda0"], inst["c"], inst["norm_X"],
                                                               inst["r0_norm"])}
    findings = [
        finding("Conclusions (ii) ||u(t)|| <= 16 c sqrt(n) r0/lambda0 and (iii) ||v(t)|| <= 8 c sqrt(n) r0/lambda0 are "
                "false as stated, for every m that L3.5's width hypothesis admits with the constant its proof needs (A.7's "
                "radius condition, m >= 2048 c^2 n ||X||^2 r0^2/lambda0^3; as well for any hidden constant C > 32 for "
                "(iii), C > 128 for (ii)): at t = 0, ||v(0)|| = ||u(0)|| = sqrt(m) (A1), so (iii) requires m <= 64 c^2 n "
                "r0^2/lambda0^2 and (ii) m <= 256 c^2 n r0^2/lambda0^2, while the radius condition needs 32 ||X||^2/lambda0 "
                "times the first and 8 ||X||^2/lambda0 times the second; G_inf has diagonal 1/2, so lambda0 <= 1/2, and "
                "||X||^2 >= 1 for unit rows, so these factors are at least 64 and 16. A.7's step ||v(t)|| <= ||v(t) - "
                "v(0)|| + sqrt(m) <= 8 c sqrt(n) r0/lambda0 'due to m = Omega(...)' would need an upper bound on m. "
                "The statement is false whatever its hidden constant: Omega admits every larger m and every smaller "
                "||r0|| (the labels are free), and (iii) at t = 0 demands ||r0|| >= lambda0 sqrt(m)/(8 c sqrt(n)) (an "
                "independent check with its own exact arithmetic confirmed this and the factors above). What "
                "the drift integrals give is ||u(t)|| <= sqrt(m) + 8 c sqrt(n) r0/lambda0 and ||v(t)|| <= sqrt(m) + "
                "4 c sqrt(n) r0/lambda0; with these and the corrected L3.4 the chain closes for gradient flow at a larger "
                "width (width_L3.5_repaired; its growth in n: see T3.1).",
                {"instance": inst, "width_L3.5 (proof, as printed)": nums["width_L3.5"],
                 "largest m with (iii) at t=0": nums["width_max_for_L3.5(iii)_at_t0"],
                 "width_L3.5_repaired": nums["width_L3.5_repaired"]}, "false as stated"),
        finding("The chain uses L3.4 (radius R) for lambda_min(G(t)) >= lambda0/2; L3.4's operator-norm step is invalid "
                "(see L3.4). With the corrected radius R' = sqrt(m) lambda0/(12 c sqrt(n) ||X||) in Frobenius norm the width "
                "scales as n^2 ||X||^2 r0^2/lambda0^4 to leading order (honest norms) instead of n ||X||^2 r0^2/lambda0^3.",
                {"width_L3.5_repaired": nums["width_L3.5_repaired"], "width_L3.5_as_printed": nums["width_L3.5"]},
                "proof gap (rests on L3.4, false as stated)"),
        finding("A.7's continuous induction assumes (i)-(vi) on [0, t] and derives them at t with the same non-strict "
                "bounds, which by itself does not extend them past t. A first-exit-time argument is needed: the set of t "
                "where (i), (iv), (v) hold on [0, t] is closed (continuity) and open because at every finite t the derived "
                "bounds are strict (int_0^t < int_0^oo, steps above), so ||W(t) - W(0)|| < R, ||A(t) - A(0)|| < c sqrt m "
                "and lambda_min(G(t)) > lambda0/2; (vi) then follows from (i) on [0, t]. Proof step incomplete, conclusion "
                "unaffected (the other findings on L3.5 stand).",
                {"finite_time_drift": "(4 c sqrt(n) r0/lambda0)(1 - exp(-lambda0 t/2)) < 4 c sqrt(n) r0/lambda0"},
                "proof step incomplete, conclusion unaffected"),
    ]
    return result(ID, TITLE, steps, findings)


# --- the statement as printed, and its check on a run ------------------------------------------------------
WIDTH = _hc("C_width_L3.5") * _S.c**2 * _S.n * _S.norm_X**2 * _S.r0**2 / _S.lambda0**3
U_BOUND = 16 * _S.c * sp.sqrt(_S.n) * _S.r0 / _S.lambda0
V_BOUND = 8 * _S.c * sp.sqrt(_S.n) * _S.r0 / _S.lambda0
W_DRIFT = 128 * _S.c * _S.n * _S.r0**2 / (_S.lambda0**2 * _S.sqm)
A_DRIFT = 64 * _S.c * _S.n * _S.r0**2 / (_S.lambda0**2 * _S.sqm)
C_MIN = _hc("C_c") * sp.sqrt(_S.lambda0) / _S.norm_X


def training_hypotheses() -> tuple:
    """The hypotheses L3.5 and L3.6 share (A.7, A.8): initialization norms, lambda_min(G(0)), gamma, c."""
    C = _S.Condition
    return (C(_S.nu0, "==", _S.sqm, "||u(0)|| = sqrt(m)"), C(_S.nv0, "==", _S.sqm, "||v(0)|| = sqrt(m)"),
            C(_S.nA0, "<=", _S.c * _S.sqm, "||A(0)|| <= c sqrt(m)"), C(_S.nW0, "<=", _S.c * _S.sqm, "||W(0)|| <= c sqrt(m)"),
            C(_S.lmin_G0, ">=", sp.Rational(3, 4) * _S.lambda0, "lambda_min(G(0)) >= 3 lambda0/4"),
            C(_S.gamma, "<=", _S.gamma_max, "0 < gamma <= min{1/2, 1/(4c)}"),
            C(_S.c, ">=", C_MIN, "c >~ sqrt(lambda0)/||X|| (A.7/A.8)"))


STATEMENT = _S.Statement(
    ID, "Gradient flow, deterministic", "Lemma 3.5 (Sec. 3.1); proof in A.7",
    training_hypotheses() + (_S.Condition(_S.m, ">=", WIDTH, "m = Omega(c^2 n ||X||^2 r0^2/lambda0^3)"),),
    (_S.Condition(_S.lmin_G, ">=", _S.lambda0 / 2, "(i) lambda_min(G(t)) >= lambda0/2"),
     _S.Condition(_S.nu, "<=", U_BOUND, "(ii) ||u(t)|| <= 16 c sqrt(n) r0/lambda0"),
     _S.Condition(_S.nv, "<=", V_BOUND, "(iii) ||v(t)|| <= 8 c sqrt(n) r0/lambda0"),
     _S.Condition(_S.nW, "<=", 2 * _S.c * _S.sqm, "(iv) ||W(t)|| <= 2c sqrt(m)"),
     _S.Condition(_S.nA, "<=", 2 * _S.c * _S.sqm, "(v) ||A(t)|| <= 2c sqrt(m)"),
     _S.Condition(_S.loss_t, "<=", sp.exp(-_S.lambda0 * _S.t) * _S.r0**2, "(vi) ||yhat(t) - y||^2 <= exp(-lambda0 t) r0^2")),
    (("width_required", WIDTH, "C c^2 n ||X||^2 r0^2/lambda0^3"), ("u_norm_bound", U_BOUND, "(ii)"),
     ("v_norm_bound", V_BOUND, "(iii)"), ("W_drift_bound", W_DRIFT, "A.7: ||W(t) - W(0)||"),
     ("A_drift_bound", A_DRIFT, "A.7: ||A(t) - A(0)||"), ("c_min", C_MIN, "c >= C_c sqrt(lambda0)/||X||")))


def loss_envelope(th, steps, times=None):
    """(vi) as printed for gradient flow: exp(-lambda0 t) ||r0||^2 at the recorded times."""
    with _np.errstate(under="ignore"):
        return th.r0_norm ** 2 * _np.exp(-th.lambda0 * _np.asarray(times, dtype=_np.float64))


def check_training(ctx, statement, envelope, *, width: float, width_proof: float | None, width_explicit: float | None,
                   u_bound: float, v_bound: float, width_constant: str, step: tuple | None) -> list:
    """(i)-(vi) of L3.5 (gradient flow) or L3.6 (gradient descent) on the recorded trajectory: one claim per
    numbered conclusion, all sharing the hypotheses. `envelope(th, steps, times)`: the printed (vi) bound;
    `step`: (allowed, explicit, constant name) for GD."""
    th, traj, rtol = ctx.th, ctx.traj, ctx.rtol
    gf = th.method == "gf"
    idx = "t" if gf else "k"
    hyps = [
        _hyp("||u(0)|| = sqrt(m)", _first(traj, "u_norm"), "==", _np.sqrt(th.m), rtol=rtol),
        _hyp("||v(0)|| = sqrt(m)", _first(traj, "v_norm"), "==", _np.sqrt(th.m), rtol=rtol),
        _hyp("||A(0)||/sqrt(m) <= c", _first(traj, "A_norm_scaled"), "<=", th.c, rtol=rtol),
        _hyp("||W(0)||/sqrt(m) <= c", _first(traj, "W_norm_scaled"), "<=", th.c, rtol=rtol),
        _hyp("lambda_min(G(0)) >= 3 lambda0/4", _first(traj, "lambda_min_G"), ">=", 0.75 * th.lambda0, rtol=rtol),
        _hyp(f"m >= C c^2 n ||X||^2 ||r0||^2/lambda0^3  (C = {th.hidden[width_constant]:g})", th.m, ">=", width,
             rtol=rtol),
        _hyp("gamma <= min{1/2, 1/(4c)}", th.gamma, "<=", th.gamma_max, rtol=rtol),
        _hyp(f"c >= C sqrt(lambda0)/||X||  (C = {th.hidden['C_c']:g})", th.c, ">=", th.c_min, rtol=rtol),
    ]
    names = [width_constant, "C_c"]
    gap = {"required_width_over_used": _ratio(width, th.m)}
    if width_proof is not None:
        gap["required_width_over_used_at_proof_constants"] = _ratio(width_proof, th.m)
    if width_explicit is not None:
        gap["explicit_width_from_proof_over_used"] = _ratio(width_explicit, th.m)
    if step is not None:
        allowed, explicit, step_constant = step
        hyps.append(_hyp(f"alpha <= C lambda0/n^2  (C = {th.hidden[step_constant]:g})", th.step_size, "<=", allowed,
                         rtol=rtol))
        names.append(step_constant)
        gap["used_step_over_allowed"] = _ratio(th.step_size, allowed)
        if explicit is not None:
            gap["used_step_over_explicit_from_proof"] = _ratio(th.step_size, explicit)
    constants = dict(th.constants(*names), c=th.c, c_source=ctx.c_source, gamma0=0.5)
    flow = "Gradient flow" if gf else "Gradient descent"
    cu, cv = (16, 8) if gf else (32, 16)
    items = [
        ("i", f"lambda_min(G({idx})) >= lambda0/2", "lambda_min_G", th.lambda0 / 2, ">="),
        ("ii", f"||u({idx})|| <= {cu} c sqrt(n)/lambda0 ||r0||", "u_norm", u_bound, "<="),
        ("iii", f"||v({idx})|| <= {cv} c sqrt(n)/lambda0 ||r0||", "v_norm", v_bound, "<="),
        ("iv", f"||W({idx})|| <= 2c sqrt(m)", "W_norm_scaled", 2 * th.c, "<="),
        ("v", f"||A({idx})|| <= 2c sqrt(m)", "A_norm_scaled", 2 * th.c, "<="),
    ]
    out = []
    for tag, desc, key, bound, rel in items:
        concl = _merge([_series(desc, traj[key], bound, traj["step"], rel, rtol=rtol, min_points=2)]) \
            if ctx.trained else None
        out.append(_claim(f"{statement.id}({tag})", f"{flow}: {desc}", hyps, concl, constants, gap,
                          reference=statement.reference, trajectory=True))
    desc_vi = ("||yhat(t) - y||^2 <= exp(-lambda0 t) ||r0||^2" if gf
               else "||yhat(k) - y||^2 <= (1 - alpha lambda0/2)^k ||r0||^2")
    concl_vi = None
    rate = {}
    if ctx.trained:
        env = envelope(th, traj["step"], traj.get("time"))
        concl_vi = _merge([_series(desc_vi, traj["residual_sq"], env, traj["step"], rtol=rtol, min_points=2)])
        rate = rate_gap(th, traj)
    out.append(_claim(f"{statement.id}(vi)", f"{flow}: linear convergence", hyps, concl_vi, constants,
                      dict(gap, **rate), reference=statement.reference, trajectory=True))
    return out


def rate_gap(th, traj) -> dict:
    """Observed average decay exponent of ||yhat - y||^2 against the guaranteed one (per GD step, or per unit
    time for gradient flow): -log(r(K)/r(0))/K over -log(1 - alpha lambda0/2), or over lambda0."""
    import math

    res = _np.asarray(traj["residual_sq"])
    if len(res) < 2 or not (res[0] > 0 and res[-1] > 0):
        return {}
    if th.method == "gf":
        T, guar, unit = float(traj["time"][-1]), th.lambda0, "per_unit_time"
    else:
        T, unit = float(traj["step"][-1]), "per_step"
        if not 0 < th.rate_L3_6 < 1:
            return {}
        guar = -math.log(th.rate_L3_6)
    if T <= 0 or guar <= 0:
        return {}
    obs = -math.log(res[-1] / res[0]) / T
    return {f"observed_decay_{unit}": obs, f"guaranteed_decay_{unit}": guar, "observed_over_guaranteed_decay": obs / guar}


def check(ctx) -> list:
    th = ctx.th
    if th.method != "gf":
        return []
    p = th.at_proof_constants
    return check_training(ctx, STATEMENT, loss_envelope, width=th.width_L3_5, width_proof=p.width_L3_5 if p else None,
                          width_explicit=th.explicit_value("width_L3.5"), u_bound=th.u_bound_L3_5,
                          v_bound=th.v_bound_L3_5, width_constant="C_width_L3.5", step=None)
