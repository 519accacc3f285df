"""The one registry of hidden constants: every constant the paper hides in an Omega(.) or O(.).

The paper never gives these values. Each constant has one name, the place the paper hides it, the value
used by default (1 for an Omega/O, shown as such in every table and verdict), and the value the proof's
own inequality chain pins down where it does (derived in `proofs_checks.constants` and checked by the
audit). A verdict is made at one *choice* of constants: "default" (every constant 1, overridable one by
one) or "proof" (the proof-derived values where they exist). Every table says which choice it used.

    >>> resolve({"C_width_L3.3": 2.0})["C_width_L3.3"]
    2.0
    >>> resolve(choice="proof")["C_width_L3.6"]
    8192.0
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["HiddenConstant", "HIDDEN_CONSTANTS", "CHOICES", "resolve", "canonical_name", "symbol"]

CHOICES = ("default", "proof")


@dataclass(frozen=True)
class HiddenConstant:
    name: str
    statements: tuple          # statements whose printed form contains it
    where: str                 # the printed expression that hides it
    meaning: str
    default: float = 1.0       # an Omega/O constant shown as 1
    proof_value: float | None = None
    proof_source: str = ""

    @property
    def symbol(self) -> sp.Symbol:
        return symbol(self.name)

    def value(self, choice: str = "default") -> float:
        if choice == "proof" and self.proof_value is not None:
            return self.proof_value
        return self.default

    def to_dict(self) -> dict:
        return {"name": self.name, "statements": list(self.statements), "where": self.where, "meaning": self.meaning,
                "default": self.default, "proof_value": self.proof_value, "proof_source": self.proof_source}


def symbol(name: str) -> sp.Symbol:
    """The sympy symbol of a hidden constant (positive)."""
    return sp.Symbol(name, positive=True)


_LIST = (
    HiddenConstant(
        "C_L2.1", ("L2.1",), "||A|| <= C K (sqrt(m) + sqrt(n) + t) w.p. >= 1 - 2 exp(-t^2)",
        "C K of L2.1 for standard Gaussian entries", 1.0, 1.0,
        "Davidson-Szarek (2001, Thm II.13): P(||G|| >= sqrt(p) + sqrt(q) + t) <= exp(-t^2/2), i.e. C K = 1 with "
        "tail exp(-t^2/2) (verifier.theory.randmat)"),
    HiddenConstant(
        "C_width_L3.3", ("L3.3",), "m = Omega(n^2/lambda0^2 log(n/delta))",
        "width constant of L3.3", 1.0, 156.0,
        "A.5 with an explicit moment-form Bernstein bound: (48 n^2/lambda0^2 + 16 n/lambda0) log(n(n+1)/delta) "
        "<= 156 n^2/lambda0^2 log(n/delta) for n >= 2, delta <= 1/2 (proofs_checks.l3_3)"),
    HiddenConstant(
        "C_width_L3.5", ("L3.5",), "m = Omega(c^2 n ||X||^2 ||yhat(0) - y||^2/lambda0^3)",
        "width constant of L3.5 (gradient flow)", 1.0, 2048.0,
        "A.7 radius condition 128 c n r0^2/(lambda0^2 sqrt m) <= R = sqrt(m) lambda0/(16 c ||X||^2) "
        "(proofs_checks.l3_5); the chain rests on steps the audit finds false"),
    HiddenConstant(
        "C_width_L3.6", ("L3.6",), "m = Omega(c^2 n ||X||^2 ||yhat(0) - y||^2/lambda0^3)",
        "width constant of L3.6 (gradient descent)", 1.0, 8192.0,
        "A.8 radius condition 512 c n r0^2/(lambda0^2 sqrt m) <= R (proofs_checks.l3_6); (41)-(43) need "
        "more, a width of another shape (explicit constants table)"),
    HiddenConstant(
        "C_step_L3.6", ("L3.6",), "alpha = O(lambda0/n^2)",
        "step-size constant of L3.6", 1.0, 1.0 / 25600.0,
        "A.8 (41)-(43): 16 lambda0/(160 c^2 n + lambda0)^2 at c = 1, lambda0/n -> 0, i.e. 16/160^2 "
        "(proofs_checks.l3_6); the proof's bound scales as 1/c^4"),
    HiddenConstant(
        "C_c", ("L3.5", "L3.6"), "'choose c >~ sqrt(lambda0)/||X||' (A.7, A.8)",
        "c >= C sqrt(lambda0)/||X||", 1.0, 0.25,
        "R <= c sqrt(m), i.e. ||W(t)|| <= 2c sqrt(m), holds iff c >= sqrt(lambda0)/(4 ||X||) (A.7, A.8)"),
    HiddenConstant(
        "C_width_T3.1", ("T3.1",), "m = Omega(n^2/lambda0^2 log(n/delta))",
        "width constant of T3.1 (its proof also needs L3.5's width: audit)", 1.0, 156.0,
        "L3.3's explicit constant (the union bound splits delta; proofs_checks.t3_1)"),
    HiddenConstant(
        "C_width_T3.2", ("T3.2",), "m = Omega(n^2/lambda0 log(n/delta)) as printed",
        "width constant of T3.2, applied to the printed n^2/lambda0 and to L3.3's n^2/lambda0^2", 1.0, 156.0,
        "L3.3's explicit constant, for the n^2/lambda0^2 form its proof needs (proofs_checks.t3_2)"),
    HiddenConstant(
        "C_step_T3.2", ("T3.2",), "alpha = O(lambda0/n^2)",
        "step-size constant of T3.2", 1.0, 1.0 / 25600.0, "as C_step_L3.6 (T3.2 invokes L3.6)"),
)

HIDDEN_CONSTANTS: dict[str, HiddenConstant] = {h.name: h for h in _LIST}

#: Names that TOML and shells take without quoting ("C_width_L3_3") and names of earlier releases.
_ALIASES = {h.name.replace(".", "_"): h.name for h in _LIST}
_ALIASES.update({"C_m_L33": "C_width_L3.3", "C_m_L35": "C_width_L3.5", "C_m_L36": "C_width_L3.6",
                 "C_alpha": "C_step_L3.6", "C_m_T31": "C_width_T3.1", "C_m_T32": "C_width_T3.2", "C_L21": "C_L2.1"})


def canonical_name(name: str) -> str:
    """The registry name of a hidden constant (accepting the underscore alias); ValueError if unknown."""
    if name in HIDDEN_CONSTANTS:
        return name
    if name in _ALIASES:
        return _ALIASES[name]
    raise ValueError(f"unknown hidden constant '{name}' (known: {', '.join(HIDDEN_CONSTANTS)})")


def resolve(overrides: dict | None = None, choice: str = "default") -> dict[str, float]:
    """name -> value for every hidden constant: the choice's values, then `overrides` (by name or alias)."""
    if choice not in CHOICES:
        raise ValueError(f"constant choice must be one of {CHOICES}, got '{choice}'")
    out = {name: h.value(choice) for name, h in HIDDEN_CONSTANTS.items()}
    for k, v in (overrides or {}).items():
        v = float(v)
        if not v > 0 or v == float("inf"):
            raise ValueError(f"hidden constant {k} must be a positive finite number, got {v}")
        out[canonical_name(k)] = v
    return out
