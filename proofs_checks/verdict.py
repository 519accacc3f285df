"""The verdict core shared by every statement module: met / holds / verdict / gap.

Two questions, answered separately for every statement and run:
  1. hypotheses: met / not met / undecided, each with its numbers and the hidden constants used;
  2. conclusion: holds at every recorded step / violated at step k, with the tightest slack.

Verdicts (fixed strings, `Verdict`):
  counterexample             hypotheses met, conclusion violated (conditional on displayed hidden constants)
  failed in this draw (...)  the same for a statement that holds only with probability >= 1 - delta
  confirmed                  hypotheses met, conclusion holds
  holds beyond hypotheses    hypotheses not met, conclusion holds: the gap measures how conservative it is
  violated, hypotheses not met
  undecided                  some input missing / not comparable

This module holds no statement-specific knowledge; the statement modules build their results with it.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np

from verifier.summary import json_float

__all__ = ["Verdict", "REL_TOL", "hypothesis", "series", "single", "merge", "claim", "width_gap", "ratio"]

#: Comparisons of floating-point observations with bounds allow this relative rounding slack (float64).
REL_TOL = 1e-12


class Verdict(str, enum.Enum):
    """The fixed verdict strings of summary.json (snake_case); `label` is the phrase reports print."""
    COUNTEREXAMPLE = "counterexample"
    FAILED_IN_DRAW = "failed_in_this_draw"
    CONFIRMED = "confirmed"
    HOLDS_BEYOND = "holds_beyond_hypotheses"
    VIOLATED_NOT_MET = "violated_hypotheses_not_met"
    UNDECIDED = "undecided"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {Verdict.COUNTEREXAMPLE: "counterexample",
           Verdict.FAILED_IN_DRAW: "failed in this draw (probabilistic statement)",
           Verdict.CONFIRMED: "confirmed", Verdict.HOLDS_BEYOND: "holds beyond hypotheses",
           Verdict.VIOLATED_NOT_MET: "violated, hypotheses not met", Verdict.UNDECIDED: "undecided"}
#: hypotheses_met in summary.json: true / false / null (undecided)
MET_JSON = {"met": True, "not met": False, "undecided": None}


def _isnan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def hypothesis(name: str, value, relation: str, required, *, detail: str = "", holds: bool | None = None,
               rtol: float = REL_TOL, constants: dict | None = None) -> dict:
    """One hypothesis `value relation required` (relation in <=, >=, ==, <, >), decided with relative slack
    rtol unless `holds` is given. Missing or NaN inputs leave it undecided (None)."""
    value = None if value is None else float(value)
    required = None if required is None else float(required)
    if holds is None and not (_isnan(value) or _isnan(required)):
        if not math.isfinite(required):  # e.g. an infinite width because lambda0 <= 0
            holds = (relation in ("<=", "<")) == (required > 0)
        else:
            tol = rtol * max(abs(value), abs(required))
            holds = {"<=": value <= required + tol, "<": value < required + tol,
                     ">=": value >= required - tol, ">": value > required - tol,
                     "==": abs(value - required) <= tol}[relation]
    out = {"name": name, "value": None if value is None else json_float(value), "relation": relation,
           "required": None if required is None else json_float(required),
           "holds": None if holds is None else bool(holds), "detail": detail}
    if constants:
        out["constants"] = dict(constants)
    return out


def series(description: str, observed, bound, steps, relation: str = "<=", *, rtol: float = REL_TOL,
           min_points: int = 1) -> dict:
    """observed[k] (relation) bound[k] at every recorded k; slack relative to max(|bound|, |observed|).

    Fewer than `min_points` finite records leave the part undecided: a conclusion about a trajectory needs
    at least two recorded points, a statement about one instant (t = 0) one.
    """
    observed = np.asarray(observed, dtype=np.float64).ravel()
    bound = np.broadcast_to(np.asarray(bound, dtype=np.float64), observed.shape)
    steps = np.asarray(steps).ravel()
    if observed.size < min_points:
        return {"description": description, "holds": None,
                "detail": f"{observed.size} recorded point(s); at least {min_points} needed"}
    if not (np.all(np.isfinite(observed)) and np.all(np.isfinite(bound) | np.isinf(bound))):
        bad = int(np.argmax(~np.isfinite(observed) | np.isnan(bound)))
        return {"description": description, "holds": None,
                "detail": f"non-finite value at step {int(steps[bad])}", "steps_checked": int(observed.size)}
    sign = 1.0 if relation in ("<=", "<") else -1.0
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.abs(bound), np.abs(observed))
        slack = np.where(np.isinf(bound), np.where(sign * bound > 0, 1.0, -1.0),
                         sign * (bound - observed) / np.where(scale > 0, scale, 1.0))
    ok = slack >= -rtol
    worst = int(np.argmin(slack))
    out = {"description": description, "holds": bool(np.all(ok)), "worst_relative_slack": json_float(slack[worst]),
           "worst_step": int(steps[worst]), "observed_at_worst": json_float(observed[worst]),
           "bound_at_worst": json_float(bound[worst]), "steps_checked": int(observed.size)}
    if not out["holds"]:
        out["first_violation_step"] = int(steps[int(np.argmax(~ok))])
        out["violations"] = int(np.sum(~ok))
    return out


def single(description: str, holds: bool | None, *, observed=None, bound=None, step=0, **extra) -> dict:
    """A conclusion part decided elsewhere (e.g. by a certificate), in the same record shape."""
    out = {"description": description, "holds": holds, "worst_step": step}
    if observed is not None:
        out["observed_at_worst"] = json_float(observed)
    if bound is not None:
        out["bound_at_worst"] = json_float(bound)
    out.update(extra)
    return out


def merge(parts: list[dict]) -> dict:
    """A conclusion from its parts: violated if any part is, holds if all do, else undecided."""
    holds = [p["holds"] for p in parts]
    if any(h is False for h in holds):
        h = False
    elif holds and all(h is True for h in holds):
        h = True
    else:
        h = None
    return {"holds": h, "parts": parts}


def met(hypotheses: list[dict]) -> str:
    hs = [h["holds"] for h in hypotheses]
    if hs and all(h is True for h in hs):
        return "met"
    if any(h is False for h in hs):
        return "not met"
    return "undecided"


def verdict(met_: str, holds: bool | None, *, probabilistic: bool = False) -> Verdict:
    if holds is None or met_ == "undecided":
        return Verdict.UNDECIDED
    if met_ == "met":
        if holds:
            return Verdict.CONFIRMED
        return Verdict.FAILED_IN_DRAW if probabilistic else Verdict.COUNTEREXAMPLE
    return Verdict.HOLDS_BEYOND if holds else Verdict.VIOLATED_NOT_MET


@dataclass(frozen=True)
class ClaimResult:
    """One statement (or one numbered conclusion of it) judged on one run."""
    id: str
    title: str
    hypotheses: list
    conclusion: dict | None
    constants_used: dict
    gap: dict = field(default_factory=dict)
    probabilistic: bool = False
    certified_inputs: tuple = ()
    reference: str = ""
    trajectory: bool = False       # the conclusion is about the whole run (every recorded step)
    complete: bool = True          # the run reached its last step (False: stopped early or interrupted)

    @property
    def hypotheses_met(self) -> str:
        return met(self.hypotheses)

    @property
    def verdict(self) -> Verdict:
        if self.conclusion is None:
            return Verdict.UNDECIDED
        holds = self.conclusion["holds"]
        if holds and self.trajectory and not self.complete:
            holds = None   # holds on what was recorded; the steps after the early stop are no evidence
        return verdict(self.hypotheses_met, holds, probabilistic=self.probabilistic)

    def to_dict(self) -> dict:
        out = {"id": self.id, "title": self.title, "reference": self.reference, "hypotheses": self.hypotheses,
               "hypotheses_met": MET_JSON[self.hypotheses_met], "verdict": self.verdict.value,
               "verdict_label": self.verdict.label,
               "constants_used": self.constants_used, "gap": self.gap, "certified_inputs": list(self.certified_inputs)}
        if self.conclusion is not None:
            out["conclusion"] = self.conclusion
            if self.trajectory and not self.complete:
                out["evidence"] = "the run stopped before its last step: a conclusion that held on the recorded " \
                                  "steps is undecided for the steps not recorded"
        hidden = {k: v for k, v in self.constants_used.items() if k.startswith("C_")}
        if self.verdict is Verdict.COUNTEREXAMPLE and hidden:
            out["conditional_on_hidden_constants"] = hidden
        return out


def claim(id_: str, title: str, hypotheses: list, conclusion: dict | None, constants: dict, gap: dict | None = None,
          *, probabilistic: bool = False, certified: tuple = (), reference: str = "",
          trajectory: bool = False) -> ClaimResult:
    return ClaimResult(id_, title, list(hypotheses), conclusion, dict(constants), dict(gap or {}), probabilistic,
                       tuple(certified), reference, trajectory)


def ratio(a, b):
    """a/b for a gap (required/used, observed/guaranteed); inf when b <= 0 < a, None when undefined."""
    if a is None or b is None:
        return None
    a, b = float(a), float(b)
    if b > 0:
        return json_float(a / b)
    return json_float(math.inf) if a > 0 else None


def width_gap(required, used):
    """required width / used width."""
    return ratio(required, used)


def first(traj: dict, key: str) -> float:
    """The first recorded value of `key` (NaN when nothing was recorded)."""
    a = traj.get(key)
    return float(a[0]) if a is not None and len(a) else math.nan


def largest(traj: dict, key: str) -> float:
    """The largest recorded value of `key` (NaN when nothing was recorded)."""
    a = traj.get(key)
    return float(np.max(a)) if a is not None and len(a) else math.nan


def smallest(traj: dict, key: str) -> float:
    a = traj.get(key)
    return float(np.min(a)) if a is not None and len(a) else math.nan
