"""Explicit constants pinned down by the proofs' own inequality chains (sympy), and their numbers.

Each derivation returns sympy expressions in the paper's symbols (see _common.SYM), computed once per process
(functools.cache; callers must not mutate the returned dicts). Notation:
r0 = ||yhat(0) - y||, nX = ||X|| (operator norm), lam0 = lambda0. "As printed" follows the chain of the
appendix literally (its constants 64, 128, 512, ...); "repaired" replaces steps that the audit found
invalid (the L3.4 operator-norm step and the norm bounds (ii)-(iii) of L3.5) by valid ones.
"""
from __future__ import annotations

import functools
import math

import sympy as sp

from ._common import FAILS, HOLDS, SYM, Outcome, Step, identity_step, inequality_step

__all__ = ["bernstein_l33", "gf_chain_a7", "gd_chain_a8", "l34_radius", "repaired_gf_width", "repaired_gf_width_symbolic",
           "explicit_constants", "explicit_constants_exact"]

n, m, c, lam0, nX, r0, alpha, delta, t = (SYM[s] for s in
                                          ("n", "m", "c", "lambda0", "norm_X", "r0_norm", "alpha", "delta", "t"))
s_ = sp.Symbol("s", positive=True)
SYM_BY_NAME = {str(v): v for v in SYM.values()}   # "normX" -> norm_X's symbol, ...


@functools.cache
def l34_radius():
    """R of L3.4 and the corrected R' (Frobenius), with the bound each gives for ||G - G(0)||."""
    R = sp.sqrt(m) * lam0 / (16 * c * nX**2)
    R_corr = sp.sqrt(m) * lam0 / (12 * c * sp.sqrt(n) * nX)
    return {"R": R, "R_corrected": R_corr,
            "printed_bound_coeff": 4 * c * nX**2 / sp.sqrt(m),          # ||G - G0|| <= coeff ||W - W0||_2
            "corrected_bound_coeff": 3 * c * sp.sqrt(n) * nX / sp.sqrt(m)}  # ||G - G0|| <= coeff ||W - W0||_F


@functools.cache
def bernstein_l33():
    """Explicit L3.3 width from Bernstein's inequality in moment form (Boucheron-Lugosi-Massart 2013,
    Thm 2.10 / Cor 2.11: if sum E X_r^2 <= v and sum E (X_r)_+^q <= q! v b^{q-2} / 2 for q >= 3, then
    P(sum X_r >= s) <= exp(-s^2 / (2 (v + b s)))).

    Summands Y_r = relu(g_i) relu(g_j) (g = X w_r, unit rows): Var Y <= E relu^4 = 3/2 (Cauchy-Schwarz);
    E Y^q <= E relu(g)^{2q} = (2q-1)!!/2, and (2q-1)!!/2 <= q! (3/2) 2^{q-2} / 2 for q >= 3, so
    sigma^2 = 3/2, b = 2 (lower tail: (mu - Y)_+ <= 1/2, trivially within). Entry deviation
    eps = lam0/(4n) (then ||G(0) - G_inf||_2 <= ||.||_F < lam0/4, the paper's Frobenius step), union over
    n(n+1)/2 distinct entries, two tails: n(n+1) exp(-m eps^2 / (3 + 4 eps)) <= delta.
    """
    q = sp.Symbol("q", integer=True, positive=True)
    eps = lam0 / (4 * n)
    sigma2, b = sp.Rational(3, 2), 2
    exponent = sp.simplify(eps**2 / (2 * (sigma2 + b * eps)))   # the tail is n(n+1) exp(-m * exponent)
    coeff = sp.expand(1 / exponent)                              # 48 n^2/lam0^2 + 16 n/lam0
    width = sp.Mul(coeff, sp.log(n * (n + 1) / delta), evaluate=False)
    qs = range(3, 41)
    ratio = sp.gammasimp(sp.combsimp((sp.factorial2(2 * q + 1) / sp.factorial2(2 * q - 1)) /
                                     ((sp.factorial(q + 1) * b ** (q - 1)) / (sp.factorial(q) * b ** (q - 2)))))
    g = sp.Symbol("g", real=True)
    phi = sp.exp(-g**2 / 2) / sp.sqrt(2 * sp.pi)
    paper_shape_C = sp.simplify(3 * (48 + 16 * lam0 / n))
    p_, dl_ = sp.Symbol("p", nonnegative=True), sp.Symbol("d", positive=True)
    steps = [
        identity_step("E relu(g)^4 = 3/2 (the variance proxy sigma^2)", sp.integrate(g**4 * phi, (g, 0, sp.oo)), sigma2),
        _elementwise_le_step("moment condition (2q-1)!!/2 <= q! sigma^2 b^(q-2)/2 with sigma^2 = 3/2, b = 2, q = 3..40 "
                             "(exact rationals)", [sp.factorial2(2 * qq - 1) / 2 for qq in qs],
                             [sp.factorial(qq) * sigma2 * b ** (qq - 2) / 2 for qq in qs]),
        identity_step("left/right growth ratio of the moment condition from q to q + 1 is (2q+1)/(2(q+1))",
                      sp.expand_func(ratio), (2 * q + 1) / (2 * q + 2)),
        inequality_step("(2q+1)/(2(q+1)) < 1, so the moment condition holds for every q >= 3",
                        (2 * q + 1) / (2 * q + 2), 1, strict=True),
        identity_step("Bernstein exponent m eps^2/(2 (sigma^2 + b eps)) at eps = lambda0/(4n) is "
                      "m lambda0^2/(48 n^2 + 16 n lambda0)", exponent, lam0**2 / (48 * n**2 + 16 * n * lam0)),
        identity_step("union over n(n+1)/2 entries, two tails: n(n+1) exp(-m exponent) = delta at "
                      "m = (48 n^2/lambda0^2 + 16 n/lambda0) log(n(n+1)/delta)",
                      n * (n + 1) * sp.exp(-width * exponent), delta),
        inequality_step("log(n(n+1)) <= 3 log n for n >= 2, i.e. n + 1 <= n^2", n + 1, n**2, domain={n: (2, sp.oo)}),
        inequality_step("hence width <= 3 (48 + 16 lambda0/n) n^2/lambda0^2 log(n/delta) for n >= 2, delta < 1 "
                        "(n = 2 + p, delta = 1/(1 + d))", width, paper_shape_C * n**2 / lam0**2 * sp.log(n / delta),
                        subs={n: 2 + p_, delta: 1 / (1 + dl_)}, domain={p_: (0, 1e4), dl_: (1e-6, 1e6), lam0: (1e-6, 0.5)}),
    ]
    return {"width": width, "coefficient": coeff, "width_str": "(48 n^2/lambda0^2 + 16 n/lambda0) log(n(n+1)/delta)",
            "steps": steps, "paper_shape_constant": paper_shape_C,
            "bound": "Bernstein, moment form (Boucheron, Lugosi, Massart 2013, Thm 2.10 and Cor. 2.11)"}


def _elementwise_le(lhs, rhs) -> Outcome:
    bad = [i for i, (a, b_) in enumerate(zip(lhs, rhs)) if not a <= b_]
    return Outcome(FAILS if bad else HOLDS, f"{len(lhs) - len(bad)}/{len(lhs)} hold" + (f"; fails at {bad[:5]}" if bad else ""))


def _elementwise_le_step(description, lhs, rhs) -> Step:
    """lhs[i] <= rhs[i] for every i (exact numbers)."""
    return Step(description, "inequality", _elementwise_le, (sp.Matrix(lhs), sp.Matrix(rhs)))


@functools.cache
def gf_chain_a7():
    """A.7 (gradient flow, L3.5) as printed: drift integrals, radius conditions, and the widths they give."""
    decay = sp.exp(-lam0 * s_ / 2)
    out = {}
    out["v_drift"] = sp.integrate(2 * c * sp.sqrt(n) * r0 * decay, (s_, 0, sp.oo))            # 4 c sqrt(n) r0/lam0
    out["u_drift"] = sp.integrate(4 * c * sp.sqrt(n) * r0 * decay, (s_, 0, sp.oo))            # 8 c sqrt(n) r0/lam0
    out["u_bound"] = 16 * c * sp.sqrt(n) * r0 / lam0                                        # conclusion (ii)
    out["v_bound"] = 8 * c * sp.sqrt(n) * r0 / lam0                                         # conclusion (iii)
    # ||grad_W L(s)|| <= (1/sqrt m) sum |r_i| (||U^-1|| ||u|| + ||v||), ||U^-1|| <= 2
    out["gradW_needed"] = (2 * out["u_bound"] + out["v_bound"]) / sp.sqrt(m)                 # 40 c sqrt(n) r0 /(lam0 sqrt m)
    out["gradW_printed"] = 64 * c * sp.sqrt(n) * r0 / (lam0 * sp.sqrt(m))
    out["W_drift"] = sp.integrate(out["gradW_printed"] * sp.sqrt(n) * r0 * decay, (s_, 0, sp.oo))  # 128 c n r0^2/(lam0^2 sqrt m)
    # ||grad_A L(s)|| <= sum (gamma/sqrt m) |r_i| ||U^-1|| ||u|| ||z_i||, gamma <= 1/(4c), ||z_i|| <= 4c
    out["gradA_needed"] = sp.simplify(1 / (4 * c) / sp.sqrt(m) * 2 * out["u_bound"] * 4 * c)
    out["gradA_printed"] = 32 * c * sp.sqrt(n) * r0 / (lam0 * sp.sqrt(m))
    out["A_drift"] = sp.integrate(out["gradA_printed"] * sp.sqrt(n) * r0 * decay, (s_, 0, sp.oo))
    R = l34_radius()["R"]
    out["width_W"] = sp.solve(sp.Eq(out["W_drift"], R), m)[0]                               # 2048 c^2 n nX^2 r0^2/lam0^3
    out["width_A"] = sp.solve(sp.Eq(out["A_drift"], c * sp.sqrt(m)), m)[0]                  # 64 n r0^2/lam0^2
    out["c_condition"] = sp.sqrt(lam0) / (4 * nX)        # R <= c sqrt(m)  <=>  c >= sqrt(lam0)/(4 ||X||)
    # conclusions (ii)/(iii) at t = 0: sqrt(m) = ||v(0)|| <= v_bound
    out["width_max_for_iii"] = sp.simplify(out["v_bound"] ** 2)                            # 64 c^2 n r0^2 / lam0^2
    out["width_max_for_ii"] = sp.simplify(out["u_bound"] ** 2)
    return out


@functools.cache
def gd_chain_a8():
    """A.8 (gradient descent, L3.6) as printed, with beta = sqrt(1 - alpha lam0/2)."""
    beta = sp.Symbol("beta", positive=True)
    out = {"beta": beta}
    # alpha * sum_{s>=0} beta^s = alpha/(1 - beta) = 2(1 + beta)/lam0 <= 4/lam0
    out["geom_identity"] = (alpha / (1 - beta), 2 * (1 + beta) / lam0, {alpha: 2 * (1 - beta**2) / lam0})
    S = 4 / lam0                                                                          # alpha sum beta^s <= S
    out["v_drift"] = S * 2 * c * sp.sqrt(n) * r0
    out["u_drift"] = S * 4 * c * sp.sqrt(n) * r0
    out["u_bound"] = 32 * c * sp.sqrt(n) * r0 / lam0
    out["v_bound"] = 16 * c * sp.sqrt(n) * r0 / lam0
    out["gradW_needed"] = (2 * out["u_bound"] + out["v_bound"]) / sp.sqrt(m)
    out["gradW_printed"] = 128 * c * sp.sqrt(n) * r0 / (lam0 * sp.sqrt(m))
    out["W_drift"] = S * out["gradW_printed"] * sp.sqrt(n) * r0                               # 512 c n r0^2/(lam0^2 sqrt m)
    out["gradA_needed"] = sp.simplify(1 / (4 * c) / sp.sqrt(m) * 2 * out["u_bound"] * 4 * c)
    out["gradA_printed"] = 64 * c * sp.sqrt(n) * r0 / (lam0 * sp.sqrt(m))
    out["A_drift"] = S * out["gradA_printed"] * sp.sqrt(n) * r0                               # 256 c n r0^2/(lam0^2 sqrt m)
    R = l34_radius()["R"]
    out["width_W"] = sp.solve(sp.Eq(out["W_drift"], R), m)[0]                               # 8192 c^2 n nX^2 r0^2/lam0^3
    out["width_A"] = sp.solve(sp.Eq(out["A_drift"], c * sp.sqrt(m)), m)[0]                  # 256 n r0^2/lam0^2
    out["c_condition"] = sp.sqrt(lam0) / (4 * nX)
    # one GD step of the equilibrium (per unit alpha beta^k):
    # 64 c n r0^2/(lam0 m) and 128 c n r0^2/(lam0 m)
    out["z_step_A"] = sp.simplify(1 / (4 * c * sp.sqrt(m)) * out["gradA_printed"] * sp.sqrt(n) * r0 * 4 * c)
    out["z_step_phi"] = sp.simplify(out["gradW_printed"] * sp.sqrt(n) * r0 / sp.sqrt(m))
    out["z_step"] = 2 * 256 * c * n * r0**2 / (lam0 * m)   # geometric sum with ratio 1/2 of the printed 256
    dZ = sp.sqrt(n) * out["z_step"]                         # (39)
    dP = sp.sqrt(n) * out["z_step_phi"]                     # (40)
    out["dZ"], out["dP"] = dZ, dP
    Zb, Pb = 4 * c * sp.sqrt(n), 2 * c * sp.sqrt(n)
    gu, gv = 4 * c * sp.sqrt(n), 2 * c * sp.sqrt(n)
    # (41): ||yhat(k+1) - yhat(k)|| <= alpha K41 r0 beta^k ; (42): <yhat(k+1) - g, r(k)> <= alpha K42 r0^2 beta^2k
    out["K42"] = sp.simplify((dZ * out["u_bound"] + dP * out["v_bound"]) / r0)
    out["K41"] = sp.simplify(Zb * gu + Pb * gv + out["K42"])
    # combining (41)-(43): ||r(k+1)||^2 <= (1 - alpha lam0 + 2 alpha K42 + alpha^2 K41^2) beta^2k r0^2
    # and the rate needs 2 K42 + alpha K41^2 <= lam0/2 (and alpha lam0 <= 1)
    out["rate_condition"] = 2 * out["K42"] + alpha * out["K41"] ** 2 - lam0 / 2
    out["width_42_strict"] = sp.solve(sp.Eq(out["K42"], lam0 / 4), m)[0]                   # K42 < lam0/4
    out["width_42_split"] = sp.solve(sp.Eq(out["K42"], lam0 / 8), m)[0]                    # K42 <= lam0/8
    out["alpha_max"] = (lam0 / 2 - 2 * out["K42"]) / out["K41"] ** 2
    out["alpha_at_split"] = sp.simplify(out["alpha_max"].subs(m, out["width_42_split"]))
    return out


@functools.cache
def repaired_gf_width_symbolic() -> dict:
    """The repaired A.7 chain (honest ||u(t)|| <= sqrt(m) + 8 c sqrt(n) r0/lam0, ||v(t)|| <= sqrt(m) + 4 c sqrt(n) r0/lam0,
    corrected L3.4 with the Frobenius radius R' = sqrt(m) lam0/(12 c sqrt(n) nX)) as sympy: each radius condition is a
    quadratic in q = sqrt(m); its positive root squared is the width. Returns {width_W, width_A, conditions}."""
    q = sp.Symbol("q", positive=True)
    A0 = 8 * c * sp.sqrt(n) * r0 / lam0
    V0 = 4 * c * sp.sqrt(n) * r0 / lam0
    w_drift = (2 / lam0) * sp.sqrt(n) * r0 * (3 * q + 2 * A0 + V0) / q     # ||W(t) - W(0)||_F bound
    a_drift = (4 / lam0) * sp.sqrt(n) * r0 * (q + A0) / q                # ||A(t) - A(0)|| bound
    r_corr = q * lam0 / (12 * c * sp.sqrt(n) * nX)
    at = {n: 7, lam0: sp.Rational(1, 5), c: 2, nX: 2, r0: 3}             # picks the positive root (the other is < 0)

    def positive_root(lhs, rhs):
        roots = sp.solve(sp.Eq(sp.expand(lhs * q), sp.expand(rhs * q)), q)
        return next(r for r in roots if r.subs(at).evalf() > 0)

    qw, qa = positive_root(w_drift, r_corr), positive_root(a_drift, c * q)
    return {"width_W": sp.simplify(qw**2), "width_A": sp.simplify(qa**2), "q": q,
            "conditions": {"W": (w_drift, r_corr), "A": (a_drift, c * q)}}


def repaired_gf_width(n_, lam0_, c_, nX_, r0_):
    """Sufficient width for L3.5 with the audit's repairs (numbers): honest norm bounds
    ||u(t)|| <= sqrt(m) + 8 c sqrt(n) r0/lam0, ||v(t)|| <= sqrt(m) + 4 c sqrt(n) r0/lam0, and the corrected
    L3.4 (||G - G(0)|| <= 3 c sqrt(n) ||X|| ||W - W(0)||_F / sqrt(m), radius R'). Returns (m, parts).

    Each radius condition is a quadratic a q^2 - b q - e = 0 in q = sqrt(m) with a, b, e > 0 (the conditions of
    repaired_gf_width_symbolic, multiplied by q); its positive root (b + sqrt(b^2 + 4 a e)) / (2 a) has no
    cancellation. The T3.1 audit compares these numbers with the symbolic roots."""
    A0 = 8 * c_ * math.sqrt(n_) * r0_ / lam0_
    V0 = 4 * c_ * math.sqrt(n_) * r0_ / lam0_
    # ||W(t) - W(0)||_F <= K (3 q + 2 A0 + V0)/q  vs  R' = q lam0/(12 c sqrt(n) nX) = L q
    K = (2 / lam0_) * math.sqrt(n_) * r0_
    L = lam0_ / (12 * c_ * math.sqrt(n_) * nX_)
    # ||A(t) - A(0)|| <= J (q + A0)/q  vs  c q  (gamma <= 1/(4c), ||U^-1|| <= 2, ||z|| <= 4c)
    J = (4 / lam0_) * math.sqrt(n_) * r0_
    qw = _positive_root(L, 3 * K, K * (2 * A0 + V0))
    qa = _positive_root(c_, J, J * A0)
    # R' <= c sqrt(m) keeps ||W|| <= 2 c sqrt(m): a condition on c, not on m
    ww, wa = qw * qw, qa * qa   # a float product overflows to inf (** would raise OverflowError)
    return max(ww, wa), {"width_W": ww, "width_A": wa, "c_condition": lam0_ / (12 * math.sqrt(n_) * nX_)}


def _positive_root(a, b, e):
    """The positive root of a q^2 - b q - e = 0 for a, b, e > 0."""
    return (b + math.sqrt(b * b + 4 * a * e)) / (2 * a)


def _num(expr, vals):
    return float(sp.N(expr.subs(vals), 30))


# The arguments of the compiled row formulas, in order (the names of the symbols in _common.SYM).
_ARGS = ("n", "lambda0", "c", "normX", "r0", "m", "delta")
_SAFE_CALLS = {"sqrt", "log", "exp"}


def _row_expressions() -> dict:
    """name -> sympy expression of every explicit-constant formula (data-independent)."""
    a7, a8, b = gf_chain_a7(), gd_chain_a8(), bernstein_l33()
    return {"width_L3.5_W_radius": a7["width_W"], "width_L3.5_A_radius": a7["width_A"],
            "c_min_L3.5": a7["c_condition"], "width_max_for_L3.5(iii)_at_t0": a7["width_max_for_iii"],
            "width_L3.6_W_radius": a8["width_W"], "width_L3.6_A_radius": a8["width_A"],
            "width_L3.6_(42)_strict": a8["width_42_strict"], "width_L3.6_(42)_split": a8["width_42_split"],
            "c_min_L3.6": a8["c_condition"], "step_size_L3.6": a8["alpha_at_split"], "alpha_max": a8["alpha_max"],
            "width_L3.3": b["width"]}


def _is_arithmetic(code: str) -> bool:
    """True when `code` is a Python expression made only of numbers, the _ARGS names, + - * / **, and
    math.sqrt/log/exp calls (what sympy's Python printer gives for these formulas)."""
    import ast

    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "math"
                    and f.attr in _SAFE_CALLS) or node.keywords:
                return False
        elif isinstance(node, ast.Attribute):
            if not (isinstance(node.value, ast.Name) and node.value.id == "math" and node.attr in _SAFE_CALLS):
                return False
        elif isinstance(node, ast.Name):
            if node.id not in _ARGS and node.id != "math":
                return False
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float)):
                return False
        elif not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Load, ast.operator, ast.unaryop)):
            return False
    return True


@functools.cache
def _compiled_rows() -> dict:
    """name -> (formula as sympy prints it, float function of _ARGS). The sympy derivations take about a second,
    so their printed forms are kept in the on-disk cache (proofs_checks._cache); a cached entry is used only if
    it is plain arithmetic (_is_arithmetic), else everything is derived again."""
    from ._cache import cache_path, read_json, write_json

    path = cache_path("explicit-constants")
    table = read_json(path)
    ok = (isinstance(table, dict) and all(isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)
                                          and _is_arithmetic(v[1]) for v in table.values()))
    if not ok:
        table = {name: [sp.sstr(e), sp.pycode(e)] for name, e in _row_expressions().items()}
        if not all(_is_arithmetic(code) for _, code in table.values()):  # pragma: no cover - a printer change
            raise RuntimeError("explicit constants: sympy printed a formula that is not plain arithmetic")
        write_json(path, table)
    return {name: (formula, eval(f"lambda {', '.join(_ARGS)}: {code}", {"math": math}))  # noqa: S307 - checked above
            for name, (formula, code) in table.items()}


def explicit_constants(n_, lambda0_, c_, norm_X, r0_norm, delta_=None, m_=None) -> list[dict]:
    """Numbers for the explicit constants; see proofs_checks.explicit_constants for the contract.

    Each formula is evaluated in float64 from its compiled form (_compiled_rows); where that overflows or
    divides by zero, from the sympy expression at 30 digits (which gives inf or the exact value)."""
    rows_f = _compiled_rows()
    args = {"n": n_, "lambda0": lambda0_, "c": c_, "normX": norm_X, "r0": r0_norm, "m": m_, "delta": delta_}

    def val(name, **at):
        a = args | at
        try:
            return float(rows_f[name][1](*(a[k] for k in _ARGS)))
        except (OverflowError, ZeroDivisionError, TypeError, ValueError):
            subs = {SYM_BY_NAME[k]: v for k, v in a.items() if v is not None}
            return _num(_row_expressions()[name], subs)

    rows = []

    def add(name, source, statement, formula=None, value=None):
        rows.append({"name": name, "value": val(name) if value is None else float(value),
                     "formula": formula or rows_f[name][0], "source": source, "statement": statement})

    add("width_L3.5_W_radius", "A.7 radius condition ||W(t)-W(0)|| <= R", "L3.5")
    add("width_L3.5_A_radius", "A.7 condition ||A(t)-A(0)|| <= c sqrt(m)", "L3.5")
    w35 = max(val("width_L3.5_W_radius"), val("width_L3.5_A_radius"))
    add("width_L3.5", "A.7 radius conditions (max of W and A)", "L3.5",
        formula="max(2048*c**2*n*normX**2*r0**2/lambda0**3, 64*n*r0**2/lambda0**2)", value=w35)
    add("c_min_L3.5", "A.7: R <= c sqrt(m) keeps ||W(t)|| <= 2c sqrt(m) ('c >~ sqrt(lambda0)/||X||')", "L3.5")
    add("width_max_for_L3.5(iii)_at_t0",
        "L3.5 (iii) at t = 0 with ||v(0)|| = sqrt(m): an UPPER bound on m (conflicts with width_L3.5)", "L3.5")
    wr, parts = repaired_gf_width(n_, lambda0_, c_, norm_X, r0_norm)
    rows.append({"name": "width_L3.5_repaired", "value": wr,
                 "formula": "max root of (2/lambda0) sqrt(n) r0 (3 sqrt(m) + 20 c sqrt(n) r0/lambda0)/sqrt(m) = "
                            "sqrt(m) lambda0/(12 c sqrt(n) normX) and "
                            "(4/lambda0) sqrt(n) r0 (1 + 8 c sqrt(n) r0/(lambda0 sqrt(m))) "
                            "= c sqrt(m), squared",
                 "source": "A.7 chain with honest ||u||, ||v|| bounds and corrected L3.4", "statement": "L3.5"})
    add("width_L3.6_W_radius", "A.8 radius condition ||W(k)-W(0)|| <= R", "L3.6")
    add("width_L3.6_A_radius", "A.8 condition ||A(k)-A(0)|| <= c sqrt(m)", "L3.6")
    add("width_L3.6_(42)_strict", "A.8 (41)-(43): the absorbed term 2*alpha*K42 needs K42 < lambda0/4", "L3.6")
    add("width_L3.6_(42)_split", "A.8 (41)-(43) with K42 <= lambda0/8", "L3.6")
    w36 = max(val("width_L3.6_W_radius"), val("width_L3.6_A_radius"), val("width_L3.6_(42)_split"))
    add("width_L3.6", "A.8 radius conditions and (41)-(43) (max)", "L3.6",
        formula="max(8192*c**2*n*normX**2*r0**2/lambda0**3, 256*n*r0**2/lambda0**2, 147456*c**2*n**2*r0**2/lambda0**3)",
        value=w36)
    add("c_min_L3.6", "A.8: R <= c sqrt(m)", "L3.6")
    add("step_size_L3.6", "A.8 (41)-(43): alpha <= (lambda0/2 - 2 K42)/K41^2 at width_L3.6", "L3.6",
        value=min(val("step_size_L3.6"), 1.0 / lambda0_))
    if m_ is not None:
        am = val("alpha_max")
        rows.append({"name": "step_size_L3.6_at_m", "value": am if am > 0 else 0.0,
                     "formula": rows_f["alpha_max"][0] + f" at m = {m_}",
                     "source": "A.8 (41)-(43) at the given width (0: no step size works at this m)", "statement": "L3.6"})
    if delta_ is not None:
        rows.append({"name": "width_L3.3", "value": val("width_L3.3"),
                     "formula": "(48 n^2/lambda0^2 + 16 n/lambda0) log(n(n+1)/delta)",
                     "source": "A.5 with explicit Bernstein (moment form, BLM 2013 Thm 2.10), sigma^2 = 3/2, b = 2",
                     "statement": "L3.3"})
        w33h = val("width_L3.3", delta=delta_ / 2)
        rows.append({"name": "width_T3.1", "value": max(w33h, w35),
                     "formula": "max(width_L3.3(delta/2), width_L3.5)",
                     "source": "T3.1 = L2.1 (delta/2, gives c) + L3.3 (delta/2) + L3.5", "statement": "T3.1"})
        rows.append({"name": "width_T3.2", "value": max(w33h, w36),
                     "formula": "max(width_L3.3(delta/2), width_L3.6)",
                     "source": "T3.2 = L2.1 (delta/2) + L3.3 (delta/2) + L3.6 (lambda0^2 in L3.3, see finding)",
                     "statement": "T3.2"})
    return rows


def explicit_constants_exact(n_, lambda0_, c_, norm_X, r0_norm, delta_=None, m_=None) -> dict:
    """name -> value of every compiled formula from its sympy expression at 30 digits (the reference the tests
    compare explicit_constants with)."""
    vals = {n: n_, lam0: lambda0_, c: c_, nX: norm_X, r0: r0_norm}
    if m_ is not None:
        vals[m] = m_
    if delta_ is not None:
        vals[delta] = delta_
    out = {}
    for name, e in _row_expressions().items():
        if e.free_symbols <= set(vals):
            out[name] = _num(e, vals)
    return out
