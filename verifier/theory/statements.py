"""The paper's statements (SPEC section 2) as sympy objects: hypotheses, conclusions, and the numbers they imply.

Every Omega(.) / O(.) hides a constant; here each is a named symbol (HIDDEN_CONSTANTS) with a documented
default, never a silent 1. Defaults come from the proofs' own inequality chains where the audit
(proofs_checks) pins them down. Numbers come out through mpmath at a chosen precision.

    STATEMENTS["L3.4"].hypotheses[2]   -> Condition(||W - W(0)|| <= sqrt(m) lambda0/(16 c ||X||^2))
    theory_table({"n": 100, "m": 4000, "c": 2.1, "lambda0": 0.01, ...})  -> rows for `verifier check`
"""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import sympy as sp

__all__ = ["SYMBOLS", "HIDDEN_CONSTANTS", "Condition", "Statement", "STATEMENTS", "theory_table", "evaluate"]

# --- the paper's symbols ----------------------------------------------------------------------------------
n, m, d = sp.symbols("n m d", positive=True, integer=True)
gamma, gamma0, c, delta, lambda0, alpha = sp.symbols("gamma gamma0 c delta lambda0 alpha", positive=True)
norm_X, r0 = sp.symbols("normX r0", positive=True)          # ||X||, ||yhat(0) - y||
k, t = sp.symbols("k t", nonnegative=True)
# norms that hypotheses and conclusions speak about
nA0, nW0, nA, nW, nu0, nv0, nu, nv, dW, dA, dG, lmin_G0, lmin_G, loss_t, loss_k, contraction, sigma_min_U = sp.symbols(
    "normA0 normW0 normA normW normu0 normv0 normu normv normdW normdA normdG lambdamin_G0 lambdamin_G "
    "resid2_t resid2_k contraction sigmamin_U", positive=True)

SYMBOLS = {"n": n, "m": m, "d": d, "gamma": gamma, "gamma0": gamma0, "c": c, "delta": delta, "lambda0": lambda0,
           "alpha": alpha, "norm_X": norm_X, "r0_norm": r0, "k": k, "t": t}

# --- hidden constants -------------------------------------------------------------------------------------
C_L21, C_m33, C_m35, C_m36, C_alpha, C_c, C_m31, C_m32 = sp.symbols(
    "C_L21 C_m_L33 C_m_L35 C_m_L36 C_alpha C_c C_m_T31 C_m_T32", positive=True)

HIDDEN_CONSTANTS = {
    "C_L21": {"default": 1.0, "symbol": C_L21,
              "meaning": "C K in L2.1 (||A|| <= C K (sqrt m + sqrt n + t)). For Gaussian entries the explicit bound "
                         "P(||G|| >= sqrt p + sqrt q + t) <= exp(-t^2/2) (Davidson-Szarek 2001, Thm II.13) gives C K = 1 "
                         "with tail exp(-t^2/2) instead of 2 exp(-t^2); see verifier.theory.randmat."},
    "C_m_L33": {"default": 156.0, "symbol": C_m33,
                "meaning": "L3.3 width constant in m >= C n^2/lambda0^2 log(n/delta). 156 = 3 (48 + 4) bounds the explicit "
                           "moment-form Bernstein width (48 n^2/lambda0^2 + 16 n/lambda0) log(n(n+1)/delta) for n >= 2 "
                           "(proofs_checks.l3_3); the paper's own Bernstein constant is unnamed."},
    "C_m_L35": {"default": 2048.0, "symbol": C_m35,
                "meaning": "L3.5 width constant in m >= C c^2 n ||X||^2 r0^2/lambda0^3; 2048 solves A.7's radius condition "
                           "128 c n r0^2/(lambda0^2 sqrt m) <= R (proofs_checks.l3_5). It does not repair the gaps the audit "
                           "found (L3.4 operator-norm step; ||u(0)|| = sqrt m)."},
    "C_m_L36": {"default": 8192.0, "symbol": C_m36,
                "meaning": "L3.6 width constant in m >= C c^2 n ||X||^2 r0^2/lambda0^3; 8192 solves A.8's radius condition "
                           "512 c n r0^2/(lambda0^2 sqrt m) <= R. The chain (41)-(43) needs more: m > 73728 c^2 n^2 "
                           "r0^2/lambda0^3 (reported as its own row)."},
    "C_alpha": {"default": 1.0 / 25600.0, "symbol": C_alpha,
                "meaning": "step size constant in alpha <= C lambda0/n^2 (L3.6, T3.2). 1/25600 = 16/160^2 is the value of "
                           "A.8's explicit bound 16 lambda0/(160 c^2 n + lambda0)^2 at c = 1, lambda0/n -> 0; the proof's "
                           "bound scales as 1/c^4, so the explicit step size is reported as its own row."},
    "C_c": {"default": 0.25, "symbol": C_c,
            "meaning": "A.7/A.8 'choose c >~ sqrt(lambda0)/||X||': c >= C sqrt(lambda0)/||X||; 1/4 makes R <= c sqrt m, "
                       "i.e. ||W(t)|| <= 2 c sqrt m."},
    "C_m_T31": {"default": 156.0, "symbol": C_m31,
                "meaning": "T3.1 width constant in m >= C n^2/lambda0^2 log(n/delta) (L3.3's; the statement omits L3.5's width)."},
    "C_m_T32": {"default": 156.0, "symbol": C_m32,
                "meaning": "T3.2 width constant, used with the printed n^2/lambda0 and with the corrected n^2/lambda0^2."},
}


@dataclass(frozen=True)
class Condition:
    """lhs <relation> rhs, with a one-line description."""
    lhs: sp.Expr
    relation: str
    rhs: sp.Expr
    description: str

    def as_relational(self):
        return {"<=": sp.Le, ">=": sp.Ge, "<": sp.Lt, ">": sp.Gt, "==": sp.Eq}[self.relation](self.lhs, self.rhs,
                                                                                            evaluate=False)

    def __str__(self):
        return f"{sp.sstr(self.lhs)} {self.relation} {sp.sstr(self.rhs)}"


@dataclass(frozen=True)
class Statement:
    id: str
    title: str
    hypotheses: tuple
    conclusions: tuple
    quantities: tuple = field(default_factory=tuple)   # (name, expression, description)
    source: str = ""

    def hidden_constants(self) -> list[str]:
        syms = set()
        for cond in self.hypotheses + self.conclusions:
            syms |= cond.lhs.free_symbols | cond.rhs.free_symbols
        for _, e, _ in self.quantities:
            syms |= e.free_symbols
        return sorted(name for name, h in HIDDEN_CONSTANTS.items() if h["symbol"] in syms)


C_ = Condition
sqm = sp.sqrt(m)
g_max = sp.Min(sp.Rational(1, 2), 1 / (4 * c))
w33 = C_m33 * n**2 / lambda0**2 * sp.log(n / delta)
w35 = C_m35 * c**2 * n * norm_X**2 * r0**2 / lambda0**3
w36 = C_m36 * c**2 * n * norm_X**2 * r0**2 / lambda0**3
R34 = sqm * lambda0 / (16 * c * norm_X**2)
common_gd = (C_(nu0, "==", sqm, "||u(0)|| = sqrt(m)"), C_(nv0, "==", sqm, "||v(0)|| = sqrt(m)"),
             C_(nA0, "<=", c * sqm, "||A(0)|| <= c sqrt(m)"), C_(nW0, "<=", c * sqm, "||W(0)|| <= c sqrt(m)"),
             C_(lmin_G0, ">=", sp.Rational(3, 4) * lambda0, "lambda_min(G(0)) >= 3 lambda0/4"),
             C_(gamma, "<=", g_max, "0 < gamma <= min{1/2, 1/(4c)}"),
             C_(c, ">=", C_c * sp.sqrt(lambda0) / norm_X, "c >~ sqrt(lambda0)/||X|| (A.7/A.8)"))

STATEMENTS = {
    "L2.2": Statement(
        "L2.2", "Well-posedness of the equilibrium",
        (C_(nA, "<=", c * sqm, "||A|| <= c sqrt(m)"), C_(gamma, "==", sp.Min(gamma0, gamma0 / c), "gamma = min{gamma0, gamma0/c}"),
         C_(gamma0, "<", 1, "gamma0 in (0, 1)")),
        (C_(contraction, "<=", gamma0, "(gamma/sqrt m) ||A|| <= gamma0: a gamma0-contraction"),
         C_(sp.Symbol("normz_l"), "<=", sp.Symbol("normphi") / (1 - gamma0), "||z^l|| <= ||phi||/(1 - gamma0)"),
         C_(sp.Symbol("normz_p_minus_zstar"), "<=", gamma0**k / (1 - gamma0) * sp.Symbol("normphi"),
            "||z^k - z*|| <= gamma0^k ||phi||/(1 - gamma0)")),
        (("gamma_max", g_max, "largest gamma the theorems allow, min{1/2, 1/(4c)}"),
         ("contraction_at_gamma", gamma * c, "(gamma/sqrt m) c sqrt m: contraction factor certified at init"),
         ("contraction_training", 2 * c * gamma, "factor while ||A|| <= 2c sqrt m (must be <= 1/2)"),
         ("phi_norm_bound", 2 * c, "||phi_i|| <= 2c (||W|| <= 2c sqrt m)"),
         ("z_norm_bound", 4 * c, "||z_i|| <= 4c (gamma0 = 1/2)")), "A.1"),
    "L2.3": Statement(
        "L2.3", "Gradients by the implicit function theorem",
        (C_(nA, "<=", c * sqm, "||A|| <= c sqrt(m)"), C_(gamma, "==", sp.Min(gamma0, gamma0 / c), "gamma = min{gamma0, gamma0/c}")),
        (C_(sigma_min_U, ">=", 1 - gamma0, "sigma_min(I - gt D_i A) >= 1 - gamma0 (printed: lambda_min, >)"),),
        (("U_inverse_norm_bound", 1 / (1 - 2 * c * gamma), "||U_i^-1|| <= 1/(1 - 2 c gamma) while ||A|| <= 2c sqrt m"),),
        "A.2"),
    "L3.1": Statement(
        "L3.1", "Prediction dynamics under gradient flow",
        (C_(nA, "<=", c * sqm, "||A(s)|| <= c sqrt(m) for s <= t"),),
        (C_(sp.Symbol("lambdamin_H"), ">=", sp.Symbol("lambdamin_G"), "H >= Phi Phi^T = G (H PSD)"),
         C_(loss_t, "<=", sp.exp(-sp.Symbol("lam") * t) * sp.Symbol("L0"), "L(t) <= exp(-lam t) L(0) if lambda_min(H) >= lam")),
        (("loss_exponent_if_lambda_min_H_ge_lambda0_over_2", lambda0, "||r(t)||^2 <= exp(-lambda0 t) ||r(0)||^2"),),
        "A.3"),
    "L3.2": Statement(
        "L3.2", "lambda0 > 0 under A2",
        (C_(sp.Symbol("min_angle"), ">", 0, "no two samples parallel"),),
        (C_(lambda0, ">", 0, "lambda0 = lambda_min(G_inf) > 0"),),
        (("lambda0", lambda0, "given value"),), "A.4"),
    "L3.3": Statement(
        "L3.3", "G(0) concentrates around G_inf",
        (C_(m, ">=", w33, "m = Omega(n^2/lambda0^2 log(n/delta))"),),
        (C_(dG, "<=", lambda0 / 4, "||G(0) - G_inf|| <= lambda0/4 w.p. >= 1 - delta"),
         C_(lmin_G0, ">=", sp.Rational(3, 4) * lambda0, "lambda_min(G(0)) >= 3 lambda0/4")),
        (("width_required", w33, "C n^2/lambda0^2 log(n/delta)"),
         ("width_explicit_bernstein", (48 * n**2 / lambda0**2 + 16 * n / lambda0) * sp.log(n * (n + 1) / delta),
          "explicit moment-form Bernstein width (no hidden constant)"),
         ("deviation_allowed", lambda0 / 4, "lambda0/4")), "A.5"),
    "L3.4": Statement(
        "L3.4", "W near W(0) keeps G near G(0)",
        (C_(nW0, "<=", c * sqm, "||W(0)|| <= c sqrt(m)"), C_(lmin_G0, ">=", sp.Rational(3, 4) * lambda0, "lambda_min(G(0)) >= 3 lambda0/4"),
         C_(dW, "<=", R34, "||W - W(0)|| <= R = sqrt(m) lambda0/(16 c ||X||^2)"), C_(nW, "<=", 2 * c * sqm, "||W|| <= 2c sqrt(m)")),
        (C_(dG, "<=", 4 * c / sqm * norm_X**2 * dW, "||G - G(0)|| <= (4c/sqrt m) ||X||^2 ||W - W(0)|| (false in general: audit)"),
         C_(dG, "<=", lambda0 / 4, "||G - G(0)|| <= lambda0/4"), C_(lmin_G, ">=", lambda0 / 2, "lambda_min(G) >= lambda0/2")),
        (("R", R34, "radius sqrt(m) lambda0/(16 c ||X||^2)"),
         ("R_corrected_frobenius", sqm * lambda0 / (12 * c * sp.sqrt(n) * norm_X), "audit's corrected radius (Frobenius)"),
         ("lipschitz_coefficient", 4 * c * norm_X**2 / sqm, "(4c/sqrt m) ||X||^2")), "A.6"),
    "L3.5": Statement(
        "L3.5", "Gradient flow, deterministic",
        common_gd + (C_(m, ">=", w35, "m = Omega(c^2 n ||X||^2 r0^2/lambda0^3)"),),
        (C_(lmin_G, ">=", lambda0 / 2, "(i) lambda_min(G(t)) >= lambda0/2"),
         C_(nu, "<=", 16 * c * sp.sqrt(n) * r0 / lambda0, "(ii) ||u(t)|| <= 16 c sqrt(n) r0/lambda0"),
         C_(nv, "<=", 8 * c * sp.sqrt(n) * r0 / lambda0, "(iii) ||v(t)|| <= 8 c sqrt(n) r0/lambda0"),
         C_(nW, "<=", 2 * c * sqm, "(iv) ||W(t)|| <= 2c sqrt(m)"), C_(nA, "<=", 2 * c * sqm, "(v) ||A(t)|| <= 2c sqrt(m)"),
         C_(loss_t, "<=", sp.exp(-lambda0 * t) * r0**2, "(vi) ||yhat(t) - y||^2 <= exp(-lambda0 t) r0^2")),
        (("width_required", w35, "C c^2 n ||X||^2 r0^2/lambda0^3"),
         ("u_norm_bound", 16 * c * sp.sqrt(n) * r0 / lambda0, "(ii)"), ("v_norm_bound", 8 * c * sp.sqrt(n) * r0 / lambda0, "(iii)"),
         ("W_drift_bound", 128 * c * n * r0**2 / (lambda0**2 * sqm), "A.7: ||W(t) - W(0)||"),
         ("A_drift_bound", 64 * c * n * r0**2 / (lambda0**2 * sqm), "A.7: ||A(t) - A(0)||"),
         ("R", R34, "L3.4 radius the W drift must stay within"),
         ("c_min", C_c * sp.sqrt(lambda0) / norm_X, "c >= C_c sqrt(lambda0)/||X||")), "A.7"),
    "T3.1": Statement(
        "T3.1", "Gradient flow, with probability 1 - delta",
        (C_(m, ">=", C_m31 * n**2 / lambda0**2 * sp.log(n / delta), "m = Omega(n^2/lambda0^2 log(n/delta))"),
         C_(gamma, "<=", g_max, "0 < gamma <= min{1/2, 1/(4c)}")),
        (C_(loss_t, "<=", sp.exp(-lambda0 * t) * r0**2, "||yhat(t) - y||^2 <= exp(-lambda0 t) r0^2 for all t"),),
        (("width_required_as_stated", C_m31 * n**2 / lambda0**2 * sp.log(n / delta), "statement's width (L3.3 only)"),
         ("width_L3.5_also_needed", w35, "L3.5 width the proof also uses (audit finding)")), "L2.1 + L3.3 + L3.5"),
    "L3.6": Statement(
        "L3.6", "Gradient descent, deterministic",
        common_gd + (C_(m, ">=", w36, "m = Omega(c^2 n ||X||^2 r0^2/lambda0^3)"),
                     C_(alpha, "<=", C_alpha * lambda0 / n**2, "alpha = O(lambda0/n^2)")),
        (C_(lmin_G, ">=", lambda0 / 2, "(i) lambda_min(G(k)) >= lambda0/2"),
         C_(nu, "<=", 32 * c * sp.sqrt(n) * r0 / lambda0, "(ii) ||u(k)|| <= 32 c sqrt(n) r0/lambda0"),
         C_(nv, "<=", 16 * c * sp.sqrt(n) * r0 / lambda0, "(iii) ||v(k)|| <= 16 c sqrt(n) r0/lambda0"),
         C_(nW, "<=", 2 * c * sqm, "(iv) ||W(k)|| <= 2c sqrt(m)"), C_(nA, "<=", 2 * c * sqm, "(v) ||A(k)|| <= 2c sqrt(m)"),
         C_(loss_k, "<=", (1 - alpha * lambda0 / 2) ** k * r0**2, "(vi) ||yhat(k) - y||^2 <= (1 - alpha lambda0/2)^k r0^2")),
        (("width_required", w36, "C c^2 n ||X||^2 r0^2/lambda0^3"),
         ("width_(41)-(43)", 147456 * c**2 * n**2 * r0**2 / lambda0**3, "explicit: A.8 (42) absorbed with K42 <= lambda0/8"),
         ("step_size_paper_shape", C_alpha * lambda0 / n**2, "C_alpha lambda0/n^2"),
         ("step_size_explicit", 16 * lambda0 / (160 * c**2 * n + lambda0) ** 2, "explicit: A.8 (41)-(43) at width_(41)-(43)"),
         ("rate_per_step", 1 - alpha * lambda0 / 2, "(1 - alpha lambda0/2)"),
         ("W_drift_bound", 512 * c * n * r0**2 / (lambda0**2 * sqm), "A.8: ||W(k) - W(0)||"),
         ("A_drift_bound", 256 * c * n * r0**2 / (lambda0**2 * sqm), "A.8: ||A(k) - A(0)||")), "A.8"),
    "T3.2": Statement(
        "T3.2", "Gradient descent, with probability 1 - delta",
        (C_(m, ">=", C_m32 * n**2 / lambda0 * sp.log(n / delta), "m = Omega(n^2/lambda0 log(n/delta)) as printed"),
         C_(gamma, "<=", g_max, "0 < gamma <= min{1/2, 1/(4c)}"), C_(alpha, "<=", C_alpha * lambda0 / n**2, "alpha = O(lambda0/n^2)")),
        (C_(loss_k, "<=", (1 - alpha * lambda0 / 2) ** k * r0**2, "||yhat(k) - y||^2 <= (1 - alpha lambda0/2)^k r0^2"),),
        (("width_as_printed", C_m32 * n**2 / lambda0 * sp.log(n / delta), "printed: n^2/lambda0"),
         ("width_corrected", C_m32 * n**2 / lambda0**2 * sp.log(n / delta), "L3.3 needs n^2/lambda0^2 (probable typo)"),
         ("step_size_paper_shape", C_alpha * lambda0 / n**2, "C_alpha lambda0/n^2")), "L2.1 + L3.3 + L3.6"),
}


def evaluate(expr, values: dict, hidden_constants: dict | None = None, dps: int = 30):
    """expr at `values` (keys of SYMBOLS) and hidden constants (defaults overridden), via mpmath at dps digits.
    Returns an mpf, or None when a needed value is missing."""
    subs = {}
    for name, sym in SYMBOLS.items():
        if values.get(name) is not None:
            subs[sym] = sp.Float(str(values[name]), dps + 10) if isinstance(values[name], float) else sp.sympify(values[name])
    for name, h in HIDDEN_CONSTANTS.items():
        v = (hidden_constants or {}).get(name, h["default"])
        subs[h["symbol"]] = sp.Float(str(v), dps + 10) if isinstance(v, float) else sp.sympify(v)
    e = sp.sympify(expr).subs(subs)
    if e.free_symbols:
        return None
    with mpmath.workdps(dps):
        val = sp.lambdify([], e, "mpmath")()
        return +mpmath.mpf(val)


def theory_table(values: dict, hidden_constants: dict | None = None, dps: int = 30) -> list[dict]:
    """Rows {id, quantity, expression, value, value_str, description, hidden_constants_used} for `verifier check`.

    values keys: n, d, m, gamma, c, delta, lambda0, alpha, norm_X, r0_norm (missing ones give value None).
    hidden_constants: overrides of HIDDEN_CONSTANTS defaults by name. JSON-serializable.
    """
    unknown = set(hidden_constants or {}) - set(HIDDEN_CONSTANTS)
    if unknown:
        raise ValueError(f"unknown hidden constant(s): {sorted(unknown)}; known: {sorted(HIDDEN_CONSTANTS)}")
    rows = []
    for sid, st in STATEMENTS.items():
        for name, expr, desc in st.quantities:
            val = evaluate(expr, values, hidden_constants, dps)
            used = sorted(h for h, spec in HIDDEN_CONSTANTS.items() if spec["symbol"] in sp.sympify(expr).free_symbols)
            rows.append({"id": sid, "quantity": name, "expression": sp.sstr(expr), "description": desc,
                         "value": None if val is None else float(val),
                         "value_str": None if val is None else mpmath.nstr(val, dps),
                         "hidden_constants_used": {h: float((hidden_constants or {}).get(h, HIDDEN_CONSTANTS[h]["default"]))
                                                   for h in used}})
    return rows
