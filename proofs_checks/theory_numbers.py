"""A run's theory numbers: one typed, frozen object, computed from the statements' sympy expressions.

Every requirement (widths, step sizes, radii, bounds) is the statement module's own expression
(`l3_6.WIDTH`, `l3_4.RADIUS`, ...) compiled once with sympy.lambdify and evaluated at the run's inputs and
at one choice of hidden constants (`proofs_checks.hidden_constants`); `at_proof_constants` holds the same
numbers at the proof-derived constants, so every table can show both, labelled.

    th = theory_numbers(TheoryInputs(n=100, d=64, m=512, ...), overrides={"C_width_L3.3": 2.0})
    th.width_L3_3, th.hidden["C_width_L3.3"], th.at_proof_constants.width_L3_3
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from . import l2_2, l3_3, l3_4, l3_5, l3_6, t3_1, t3_2
from .hidden_constants import HIDDEN_CONSTANTS, resolve
from .statement import SYMBOLS

__all__ = ["TheoryInputs", "TheoryNumbers", "theory_numbers", "envelopes", "loss_envelope", "DERIVED"]


@dataclass(frozen=True)
class TheoryInputs:
    """What a run measures before training: sizes, the setting, lambda0, ||X||, c, ||yhat(0) - y||."""
    n: int
    d: int
    m: int
    gamma: float
    step_size: float
    delta: float
    lambda0: float
    norm_X: float
    c: float                       # empirical c = max(||A(0)||, ||W(0)||)/sqrt(m): the c every verdict uses
    r0_norm: float
    method: str = "gd"             # gd | gf
    lambda_max_G_inf: float = math.nan
    c_A: float = math.nan
    c_W: float = math.nan
    c_delta: float = math.nan      # explicit c with probability >= 1 - delta (L2.1): max(c_delta_A, c_delta_W)
    c_delta_A: float = math.nan
    c_delta_W: float = math.nan
    contraction_0: float = math.nan
    t_final: float | None = None
    comparison_rtol: float = 1e-12


#: field of TheoryNumbers -> (statement module, expression, meaning). One formula, one home.
DERIVED = {
    "gamma_max": (l2_2, l2_2.GAMMA_MAX, "min{1/2, 1/(4c)}: the largest gamma the theorems allow"),
    "width_L3_3": (l3_3, l3_3.WIDTH, "L3.3: C n^2/lambda0^2 log(n/delta)"),
    "radius_L3_4": (l3_4, l3_4.RADIUS, "L3.4: R = sqrt(m) lambda0/(16 c ||X||^2)"),
    "width_L3_5": (l3_5, l3_5.WIDTH, "L3.5: C c^2 n ||X||^2 ||r0||^2/lambda0^3"),
    "u_bound_L3_5": (l3_5, l3_5.U_BOUND, "L3.5 (ii): 16 c sqrt(n) ||r0||/lambda0"),
    "v_bound_L3_5": (l3_5, l3_5.V_BOUND, "L3.5 (iii): 8 c sqrt(n) ||r0||/lambda0"),
    "W_drift_L3_5": (l3_5, l3_5.W_DRIFT, "A.7: ||W(t) - W(0)|| <= 128 c n ||r0||^2/(lambda0^2 sqrt m)"),
    "A_drift_L3_5": (l3_5, l3_5.A_DRIFT, "A.7: ||A(t) - A(0)|| <= 64 c n ||r0||^2/(lambda0^2 sqrt m)"),
    "c_min": (l3_5, l3_5.C_MIN, "A.7/A.8: c >= C sqrt(lambda0)/||X||"),
    "width_L3_6": (l3_6, l3_6.WIDTH, "L3.6: C c^2 n ||X||^2 ||r0||^2/lambda0^3"),
    "step_L3_6": (l3_6, l3_6.STEP, "L3.6: alpha <= C lambda0/n^2"),
    "u_bound_L3_6": (l3_6, l3_6.U_BOUND, "L3.6 (ii): 32 c sqrt(n) ||r0||/lambda0"),
    "v_bound_L3_6": (l3_6, l3_6.V_BOUND, "L3.6 (iii): 16 c sqrt(n) ||r0||/lambda0"),
    "W_drift_L3_6": (l3_6, l3_6.W_DRIFT, "A.8: ||W(k) - W(0)|| <= 512 c n ||r0||^2/(lambda0^2 sqrt m)"),
    "A_drift_L3_6": (l3_6, l3_6.A_DRIFT, "A.8: ||A(k) - A(0)|| <= 256 c n ||r0||^2/(lambda0^2 sqrt m)"),
    "rate_L3_6": (l3_6, l3_6.RATE, "L3.6 (vi): per-step factor 1 - alpha lambda0/2 of ||yhat - y||^2"),
    "width_T3_1": (t3_1, t3_1.WIDTH, "T3.1: C n^2/lambda0^2 log(n/delta)"),
    "width_T3_2_printed": (t3_2, t3_2.WIDTH_PRINTED, "T3.2 as printed: C n^2/lambda0 log(n/delta)"),
    "width_T3_2": (t3_2, t3_2.WIDTH_CORRECTED, "T3.2 as L3.3 needs: C n^2/lambda0^2 log(n/delta)"),
    "step_T3_2": (t3_2, t3_2.STEP, "T3.2: alpha <= C lambda0/n^2"),
}
_INPUT_NAMES = ("n", "m", "d", "gamma", "c", "delta", "lambda0", "alpha", "norm_X", "r0_norm")


@functools.lru_cache(maxsize=1)
def _compiled():
    args = [SYMBOLS[k] for k in _INPUT_NAMES] + [h.symbol for h in HIDDEN_CONSTANTS.values()]
    out = {}
    for name, (_mod, expr, _meaning) in DERIVED.items():
        free = sp.sympify(expr).free_symbols - set(args)
        if free:
            raise AssertionError(f"{name}: expression has symbols no run provides: {free}")
        out[name] = _math_function(args, expr)
    return out


def _math_function(args, expr):
    """A float function of `args` for expr: sympy's Python printer (what lambdify(..., "math") generates),
    compiled directly; lambdify's own preprocessing costs ~10 ms per expression, and this runs in every
    `verifier check`. Symbols are renamed first (hidden constants have names like C_width_L3.3)."""
    names = [sp.Symbol(f"_x{i}") for i in range(len(args))]
    code = sp.pycode(sp.sympify(expr).xreplace(dict(zip(args, names))))
    return eval(f"lambda {', '.join(map(str, names))}: {code}", {"math": math})  # noqa: S307 - our own expression


@dataclass(frozen=True)
class TheoryNumbers:
    inputs: TheoryInputs
    choice: str                              # "default" (Omega/O constants 1 unless overridden) or "proof"
    hidden: dict                             # every hidden constant's value used
    gamma_max: float
    width_L3_3: float
    radius_L3_4: float
    width_L3_5: float
    u_bound_L3_5: float
    v_bound_L3_5: float
    W_drift_L3_5: float
    A_drift_L3_5: float
    c_min: float
    width_L3_6: float
    step_L3_6: float
    u_bound_L3_6: float
    v_bound_L3_6: float
    W_drift_L3_6: float
    A_drift_L3_6: float
    rate_L3_6: float
    width_T3_1: float
    width_T3_2_printed: float
    width_T3_2: float
    step_T3_2: float
    gamma_max_delta: float = math.nan
    explicit: dict = field(default_factory=dict)   # the proofs' explicit requirements (proofs_checks.constants)
    at_proof_constants: TheoryNumbers | None = None

    def __getattr__(self, name):  # the inputs read as attributes: th.lambda0, th.m, ...
        inputs = object.__getattribute__(self, "inputs")
        try:
            return getattr(inputs, name)
        except AttributeError:
            raise AttributeError(f"TheoryNumbers has no field '{name}'") from None

    @property
    def decay_L3_6(self) -> float:
        return self.inputs.step_size * self.inputs.lambda0 / 2.0

    def explicit_value(self, name: str) -> float | None:
        v = self.explicit.get(name)
        return None if v is None else float(v)

    def constants(self, *names: str) -> dict:
        """{name: value} of the named hidden constants, plus which choice they come from."""
        out = {nm: self.hidden[nm] for nm in names}
        out["constants_choice"] = self.choice
        return out

    @classmethod
    def from_dict(cls, d: dict) -> TheoryNumbers:
        """Rebuild from `to_dict()` output (summary.json's "theory"), e.g. to redraw a report."""
        def num(v):
            return float(v) if isinstance(v, str) else v
        names = {f.name for f in dataclasses.fields(TheoryInputs)}
        inputs = TheoryInputs(**{k: num(v) if k not in ("method", "n", "d", "m") else v
                                 for k, v in d.items() if k in names})
        alt = d.get("at_proof_constants")
        alt_th = None
        if alt:
            alt_th = cls(inputs, "proof", dict(alt["hidden"]), **{k: num(alt[k]) for k in DERIVED},
                         explicit=dict(d.get("explicit") or {}))
        return cls(inputs, d["choice"], dict(d["hidden"]), **{k: num(d[k]) for k in DERIVED},
                   gamma_max_delta=num(d.get("gamma_max_delta", math.nan)), explicit=dict(d.get("explicit") or {}),
                   at_proof_constants=alt_th)

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self.inputs)
        out.update({f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                    if f.name not in ("inputs", "at_proof_constants")})
        out["decay_L3_6"] = self.decay_L3_6
        if self.at_proof_constants is not None:
            p = self.at_proof_constants
            out["at_proof_constants"] = {"hidden": p.hidden, **{k: getattr(p, k) for k in DERIVED}}
        return out


def theory_numbers(inputs: TheoryInputs, overrides: dict | None = None, choice: str = "default", *,
                   explicit: dict | None = None, gamma_max_delta: float = math.nan) -> TheoryNumbers:
    """Every statement's requirement at `inputs` and one choice of hidden constants (+ overrides), with the
    same numbers at the proof-derived constants in `at_proof_constants`. lambda0 <= 0: widths are infinite,
    step sizes 0 and bounds NaN (no width suffices; the statements need lambda0 > 0)."""
    hidden = resolve(overrides, choice)
    vals = _evaluate(inputs, hidden)
    alt = None
    if choice != "proof":
        alt = TheoryNumbers(inputs, "proof", resolve(None, "proof"), **_evaluate(inputs, resolve(None, "proof")),
                            explicit=dict(explicit or {}), gamma_max_delta=gamma_max_delta)
    return TheoryNumbers(inputs, choice, hidden, **vals, explicit=dict(explicit or {}),
                         gamma_max_delta=gamma_max_delta, at_proof_constants=alt)


def _evaluate(inputs: TheoryInputs, hidden: dict) -> dict:
    x = {"n": inputs.n, "m": inputs.m, "d": inputs.d, "gamma": inputs.gamma, "c": inputs.c, "delta": inputs.delta,
         "lambda0": inputs.lambda0, "alpha": inputs.step_size, "norm_X": inputs.norm_X, "r0_norm": inputs.r0_norm}
    args = [float(x[k]) for k in _INPUT_NAMES] + [float(hidden[h]) for h in HIDDEN_CONSTANTS]
    out = {}
    for name, f in _compiled().items():
        expr = DERIVED[name][1]
        if inputs.lambda0 <= 0 and SYMBOLS["lambda0"] in sp.sympify(expr).free_symbols:
            out[name] = math.inf if name.startswith("width") else (0.0 if name.startswith("step") else math.nan)
            continue
        try:
            out[name] = float(f(*args))
        except (ZeroDivisionError, OverflowError, ValueError):
            out[name] = math.nan
    return out


def loss_envelope(th: TheoryNumbers, steps, times=None) -> np.ndarray:
    """The guaranteed ||yhat - y||^2 per record, as printed: the statement modules' own envelopes,
    (1 - alpha lambda0/2)^k ||r0||^2 (L3.6 (vi), T3.2) for GD, exp(-lambda0 t) ||r0||^2 (L3.5 (vi), T3.1) for
    gradient flow. The verdicts call the same functions."""
    return (l3_5.loss_envelope if th.method == "gf" else l3_6.loss_envelope)(th, steps, times)


def envelopes(th: TheoryNumbers, steps, times=None) -> dict:
    """Per-record bounds the figures draw, the same numbers the verdicts use (L3.5 for GF, L3.6 for GD)."""
    k = np.asarray(steps, dtype=np.float64)
    gf = th.method == "gf"
    return {
        "lambda_min_G": np.full_like(k, th.lambda0 / 2.0),
        "u_norm": np.full_like(k, th.u_bound_L3_5 if gf else th.u_bound_L3_6),
        "v_norm": np.full_like(k, th.v_bound_L3_5 if gf else th.v_bound_L3_6),
        "W_norm_scaled": np.full_like(k, 2 * th.c),
        "A_norm_scaled": np.full_like(k, 2 * th.c),
        "contraction": np.full_like(k, 0.5),
        "residual_sq": loss_envelope(th, steps, times),
    }
