"""A statement of the paper as printed: hypotheses and conclusions as sympy, with the paper reference.

Each statement module (`proofs_checks/l3_6.py`, ...) defines one `Statement`; its expressions use the
symbols below and the hidden-constant symbols of `proofs_checks.hidden_constants`.

    >>> from proofs_checks import l3_4
    >>> str(l3_4.STATEMENT.hypotheses[2])
    'normdW <= sqrt(m)*lambda0/(16*c*normX**2)'
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from .hidden_constants import HIDDEN_CONSTANTS, resolve

__all__ = ["SYMBOLS", "Condition", "Statement", "evaluate", "quantity_rows"]

# --- the paper's symbols ----------------------------------------------------------------------------------
n, m, d = sp.symbols("n m d", positive=True, integer=True)
gamma, gamma0, c, delta, lambda0, alpha = sp.symbols("gamma gamma0 c delta lambda0 alpha", positive=True)
norm_X, r0 = sp.symbols("normX r0", positive=True)          # ||X||, ||yhat(0) - y||
k, t = sp.symbols("k t", nonnegative=True)
# norms that hypotheses and conclusions speak about
nA0, nW0, nA, nW, nu0, nv0, nu, nv, dW, dA, dG, lmin_G0, lmin_G, loss_t, loss_k, contraction, sigma_min_U = sp.symbols(
    "normA0 normW0 normA normW normu0 normv0 normu normv normdW normdA normdG lambdamin_G0 lambdamin_G "
    "resid2_t resid2_k contraction sigmamin_U", positive=True)

#: Inputs a run provides, by name.
SYMBOLS = {"n": n, "m": m, "d": d, "gamma": gamma, "gamma0": gamma0, "c": c, "delta": delta, "lambda0": lambda0,
           "alpha": alpha, "norm_X": norm_X, "r0_norm": r0, "k": k, "t": t}
sqm = sp.sqrt(m)
gamma_max = sp.Min(sp.Rational(1, 2), 1 / (4 * c), evaluate=False)  # nothing to simplify; evaluating costs 0.1 s


@dataclass(frozen=True)
class Condition:
    """lhs <relation> rhs, with a one-line description in the paper's words."""
    lhs: sp.Expr
    relation: str
    rhs: sp.Expr
    description: str

    def __post_init__(self):
        object.__setattr__(self, "lhs", sp.sympify(self.lhs))
        object.__setattr__(self, "rhs", sp.sympify(self.rhs))

    def as_relational(self):
        return {"<=": sp.Le, ">=": sp.Ge, "<": sp.Lt, ">": sp.Gt, "==": sp.Eq}[self.relation](self.lhs, self.rhs,
                                                                                            evaluate=False)

    def __str__(self):
        return f"{sp.sstr(self.lhs)} {self.relation} {sp.sstr(self.rhs)}"


@dataclass(frozen=True)
class Statement:
    id: str
    title: str
    reference: str                         # where the paper states and proves it
    hypotheses: tuple
    conclusions: tuple
    quantities: tuple = field(default_factory=tuple)   # (name, expression, description)
    probabilistic: bool = False            # holds with probability >= 1 - delta over the initialization

    def hidden_constants(self) -> list[str]:
        """Names of the hidden constants its printed form contains (registry order)."""
        syms = set()
        for cond in self.hypotheses + self.conclusions:
            syms |= cond.lhs.free_symbols | cond.rhs.free_symbols
        for _, e, _ in self.quantities:
            syms |= sp.sympify(e).free_symbols
        return [name for name, h in HIDDEN_CONSTANTS.items() if h.symbol in syms]

    def quantity(self, name: str) -> sp.Expr:
        for q, e, _ in self.quantities:
            if q == name:
                return e
        raise KeyError(f"{self.id} has no quantity '{name}'")

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "reference": self.reference, "probabilistic": self.probabilistic,
                "hypotheses": [{"condition": str(h), "description": h.description} for h in self.hypotheses],
                "conclusions": [{"condition": str(h), "description": h.description} for h in self.conclusions],
                "hidden_constants": self.hidden_constants()}


def evaluate(expr, values: dict, constants: dict, dps: int = 30):
    """expr at `values` (keys of SYMBOLS) and hidden constants (name -> value), via mpmath at dps digits.
    A float value stands for its shortest repr (0.1 is the decimal 0.1), as the user typed it.
    Returns an mpf, or None when a needed value is missing."""
    syms, f = _mp_function(sp.sympify(expr))
    by_symbol = {}
    for name, sym in SYMBOLS.items():
        if values.get(name) is not None:
            by_symbol[sym] = values[name]
    for name, v in constants.items():
        by_symbol[HIDDEN_CONSTANTS[name].symbol] = float(v)
    if any(sym not in by_symbol for sym in syms):
        return None
    with mpmath.workdps(dps + 10):
        args = [mpmath.mpf(repr(float(v))) if isinstance(v, float) else mpmath.mpf(v) for v in
                (by_symbol[sym] for sym in syms)]
    with mpmath.workdps(dps):
        return +mpmath.mpf(f(*args))


@functools.cache
def _mp_function(expr: sp.Expr):
    """(free symbols in a fixed order, an mpmath function of them) for expr; compiled once per expression
    (sympy's mpmath printer, as lambdify uses it, without lambdify's per-call cost)."""
    from sympy.printing.pycode import MpmathPrinter

    syms = tuple(sorted(expr.free_symbols, key=str))
    args = [sp.Symbol(f"_x{i}") for i in range(len(syms))]
    code = MpmathPrinter({"fully_qualified_modules": True}).doprint(expr.xreplace(dict(zip(syms, args))))
    return syms, eval(f"lambda {', '.join(map(str, args))}: {code}", {"mpmath": mpmath})  # noqa: S307 - our own expr


def quantity_rows(statements, values: dict, overrides: dict | None = None, dps: int = 30) -> list[dict]:
    """Each statement's quantities at `values`, once per constant choice that changes them.

    Rows {id, quantity, expression, description, choice, value, value_str, hidden_constants_used}: a quantity
    with hidden constants gets a "default" row (every Omega/O constant 1, or the user's override) and a
    "proof" row (the proof-derived values), so every width is shown once per constant choice, labelled.
    """
    rows = []
    for st in statements:
        for name, expr, desc in st.quantities:
            used = [h for h, spec in HIDDEN_CONSTANTS.items() if spec.symbol in sp.sympify(expr).free_symbols]
            choices = ("default", "proof") if used else ("default",)
            for choice in choices:
                consts = resolve(overrides if choice == "default" else None, choice)
                val = evaluate(expr, values, consts, dps)
                rows.append({"id": st.id, "quantity": name, "expression": sp.sstr(expr), "description": desc,
                             "choice": choice if used else "none",
                             "value": None if val is None else float(val),
                             "value_str": None if val is None else mpmath.nstr(val, dps),
                             "hidden_constants_used": {h: consts[h] for h in used}})
    return rows
