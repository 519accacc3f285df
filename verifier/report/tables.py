"""The report's tables, built from a run's summary (and its trajectory and envelopes for the slack):

    distance_rows(summary)               "distance to the theory": per statement, the claims' `gap` numbers
                                         (required / used width, used / allowed step, observed / guaranteed decay)
    statement_groups(summary, traj, env) the statements, numbered conclusions of one statement (L3.5 and L3.6
                                         (i)-(vi)) under one hypothesis table, one row per conclusion part

Worst slack. A verdict's worst relative slack (proofs_checks.verdict.series) is taken over every recorded step,
but the loss envelope of L3.5 (vi), L3.6 (vi), T3.1 and T3.2 is ||r0||^2 = ||yhat(0) - y||^2 at the first record
by construction, so its slack there is 0 whatever the theory says. The report recomputes that slack over the
later records with the same `series` function and marks it; the verdict (holds or not) is the summary's.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from proofs_checks.verdict import series

from ._format import anchor, fmt, fmt3, met_text

__all__ = ["GapEntry", "DistanceRow", "ConclusionRow", "StatementGroup", "DEFINED_AT_START", "distance_rows",
           "statement_groups", "slack_after_definition"]

#: Envelopes that equal the observation at the first record by construction: the loss envelope starts at
#: ||r0||^2 = ||yhat(0) - y||^2 (L3.5 (vi), L3.6 (vi), T3.1, T3.2).
DEFINED_AT_START = ("residual_sq",)

#: gap key -> words. A key not listed is shown under "other" with its own name.
GAP_LABELS = {
    "required_width_over_used": "required / used",
    "required_width_over_used_at_proof_constants": "at the proof-derived constants",
    "required_width_over_used_as_L3.3_needs": "with the n^2/lambda0^2 L3.3 needs",
    "explicit_width_from_proof_over_used": "explicit, from the proof chain",
    "used_step_over_allowed": "used / allowed",
    "used_step_over_explicit_from_proof": "explicit, from the proof chain",
    "observed_over_guaranteed_decay": "observed / guaranteed",
    "observed_decay_per_step": "observed per step",
    "guaranteed_decay_per_step": "guaranteed per step",
    "observed_decay_per_unit_time": "observed per unit time",
    "guaranteed_decay_per_unit_time": "guaranteed per unit time",
    "c_emp_over_c_delta": "c (empirical) / c(delta) of L2.1",
    "contraction_margin_used": "largest (gamma/sqrt(m))||A(k)|| / gamma0",
    "largest_drift_over_R": "largest ||W(k) - W(0)|| / R",
}

#: The first gap key of each column is its headline number; the others follow in this order.
COLUMNS = {
    "width": ("required_width_over_used", "required_width_over_used_at_proof_constants",
              "required_width_over_used_as_L3.3_needs", "explicit_width_from_proof_over_used"),
    "step": ("used_step_over_allowed", "used_step_over_explicit_from_proof"),
    "decay": ("observed_over_guaranteed_decay", "observed_decay_per_step", "guaranteed_decay_per_step",
              "observed_decay_per_unit_time", "guaranteed_decay_per_unit_time"),
}


def _column(key: str) -> str:
    for col, keys in COLUMNS.items():
        if key in keys:
            return col
    if "decay" in key:
        return "decay"
    if "width" in key:
        return "width"
    if "step" in key:
        return "step"
    return "other"


@dataclass(frozen=True)
class GapEntry:
    """One number of a claim's `gap`, under its key, with words."""
    key: str
    label: str
    value: float | str

    @property
    def text(self) -> str:
        return fmt3(self.value)


@dataclass(frozen=True)
class DistanceRow:
    """One statement in the "distance to the theory" table."""
    statement: str                         # "L3.6 (i)-(vi)"
    anchor: str                            # its section in the report
    ids: tuple[str, ...]
    verdicts: tuple[tuple[str, str], ...]  # (which conclusions, verdict)
    hypotheses: str                        # "hypotheses met", "hypotheses not met: 3 of 9 fail"
    columns: dict                          # "width" | "step" | "decay" | "other" -> tuple[GapEntry, ...]
    context: dict                          # "width" | "step" -> "needs m >= ..., uses ..." (from the hypotheses)
    constants: str                         # the choice and values of the constants used

    def entries(self) -> list[GapEntry]:
        return [e for col in ("width", "step", "decay", "other") for e in self.columns.get(col, ())]

    def cell(self, col: str) -> tuple[str, str, tuple[str, ...]]:
        """(headline number, its words, further numbers as "label: value") of one column; empty when none."""
        es = self.columns.get(col, ())
        if not es:
            return "", "", ()
        primary = col in COLUMNS and es[0].key == COLUMNS[col][0]
        words = self.context.get(col, "") if primary else es[0].label
        return es[0].text, words, tuple(f"{e.label}: {e.text}" for e in es[1:])

    def outside(self, col: str) -> bool | None:
        """Is the headline number on the wrong side of 1 (width or step beyond the hypothesis, decay slower than
        guaranteed)? None when there is no such number."""
        es = self.columns.get(col, ())
        if col not in COLUMNS or not es or es[0].key != COLUMNS[col][0]:
            return None
        try:
            v = float(es[0].value)
        except (TypeError, ValueError):
            return None
        if math.isnan(v):
            return None
        return v < 1 if col == "decay" else v > 1


@dataclass(frozen=True)
class ConclusionRow:
    """One part of one numbered conclusion."""
    claim_id: str
    label: str                  # "(ii)" inside a group, the id otherwise
    verdict: str
    first: bool                 # the first row of its claim (carries the label and verdict)
    nparts: int                 # rows of its claim
    description: str
    holds: bool | None
    slack: float | str | None
    step: object
    observed: float | str | None
    bound: float | str | None
    after_definition: bool      # slack recomputed without the record where bound = observation by definition
    first_violation_step: object = None


@dataclass(frozen=True)
class StatementGroup:
    """A statement, or the numbered conclusions of one statement that share its hypotheses."""
    base_id: str
    heading: str
    anchor: str
    reference: str
    claims: tuple
    hypotheses: tuple
    hypotheses_met: str
    constants: str
    certified_inputs: tuple
    rows: tuple[ConclusionRow, ...]
    gap: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def shared(self) -> bool:
        return len(self.claims) > 1


def base_id(claim_id: str) -> str:
    """"L3.6(ii)" -> "L3.6"."""
    return claim_id.split("(")[0]


def _suffix(claim_id: str) -> str:
    return claim_id[len(base_id(claim_id)):]


def _key(c: dict) -> tuple:
    return (base_id(c["id"]), json.dumps(c.get("hypotheses"), sort_keys=True, default=str),
            json.dumps(c.get("constants_used"), sort_keys=True, default=str))


def _groups(claims: list[dict]) -> list[list[dict]]:
    """Consecutive claims of one statement with the same hypotheses and constants, in the summary's order."""
    out: list[list[dict]] = []
    for c in claims:
        if out and _key(out[-1][0]) == _key(c):
            out[-1].append(c)
        else:
            out.append([c])
    return out


def _label(group: list[dict]) -> str:
    b = base_id(group[0]["id"])
    if len(group) == 1:
        return group[0]["id"]
    return f"{b} {_suffix(group[0]['id'])}-{_suffix(group[-1]['id'])}"


def _title(group: list[dict]) -> str:
    titles = [c.get("title", "") for c in group]
    if len(group) == 1:
        return titles[0]
    heads = {t.split(": ")[0] for t in titles}
    return heads.pop() if len(heads) == 1 else (group[0].get("reference") or "")


def constants_text(constants: dict, choice: str | None = None) -> str:
    """"default: C_width_L3.6 = 1, C_c = 1; c = 1.97665 (empirical); gamma0 = 0.5"."""
    constants = dict(constants or {})
    choice = constants.pop("constants_choice", None) or choice
    source = constants.pop("c_source", None)
    hidden = [f"{k} = {fmt(v)}" for k, v in constants.items() if k.startswith("C_")]
    rest = []
    for k, v in constants.items():
        if k.startswith("C_"):
            continue
        s = f"{k} = {fmt(v)}"
        if k == "c" and source:
            s += f" ({str(source).split(':')[0]})"
        rest.append(s)
    head = (f"{choice}: " if choice and hidden else "") + ", ".join(hidden)
    return "; ".join(x for x in [head] + rest if x) or "none"


def _merged_gap(group: list[dict]) -> dict | None:
    """The union of the claims' gaps; None when two claims give one key different values."""
    out: dict = {}
    for c in group:
        for k, v in (c.get("gap") or {}).items():
            if k in out and out[k] != v:
                return None
            out[k] = v
    return out


def _hypothesis_context(claim: dict, gap: dict) -> dict:
    """'needs m >= R, uses m' (and the same for the step) from the hypothesis whose required/value is the gap's
    number, so the words always belong to the ratio beside them."""
    out = {}
    for col, key, prefix, words in (("width", "required_width_over_used", "m >=", "needs m >= {req}, uses {val}"),
                                    ("step", "used_step_over_allowed", "alpha <=", "uses {val}, allows <= {req}")):
        g = gap.get(key)
        if not isinstance(g, (int, float)) or not math.isfinite(g) or g <= 0:
            continue
        for h in claim.get("hypotheses", []):
            val, req = h.get("value"), h.get("required")
            if not (str(h.get("name", "")).startswith(prefix) and isinstance(val, (int, float))
                    and isinstance(req, (int, float)) and val > 0 and req > 0):
                continue
            r = req / val if col == "width" else val / req
            if abs(r - g) <= 1e-9 * abs(g):
                out[col] = words.format(req=fmt3(req), val=fmt3(val) if col == "step" else fmt(val))
                break
    return out


def _hyp_summary(claim: dict) -> str:
    """"hypotheses met", or how many fail / are undecided ("hypotheses not met: 3 of 9 fail")."""
    hs = [h.get("holds") for h in claim.get("hypotheses", [])]
    fails, und = sum(h is False for h in hs), sum(h is None for h in hs)
    met = met_text(claim.get("hypotheses_met"))
    if not fails and not und:
        return f"hypotheses {met}"
    words = [f"{fails} of {len(hs)} fail"] if fails else []
    if und:
        words.append(f"{und} of {len(hs)} undecided")
    return f"hypotheses {met}: " + ", ".join(words)


def _verdicts(group: list[dict]) -> tuple[tuple[str, str], ...]:
    if len(group) == 1:
        return (("", str(group[0].get("verdict_label") or group[0]["verdict"])),)
    by: dict[str, list[int]] = {}
    for i, c in enumerate(group):
        by.setdefault(str(c.get("verdict_label") or c["verdict"]), []).append(i)
    return tuple((_ranges([_suffix(c["id"]) for c in group], idx), v) for v, idx in by.items())


def _ranges(labels: list[str], idx: list[int]) -> str:
    """Positions [1, 2, 3, 5] of labels (i)..(vi) as "(ii)-(iv), (vi)"."""
    runs: list[list[int]] = []
    for i in idx:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ", ".join(labels[r[0]] if len(r) == 1 else f"{labels[r[0]]}-{labels[r[-1]]}" for r in runs)


def distance_rows(summary: dict) -> list[DistanceRow]:
    """One row per statement (numbered conclusions sharing hypotheses together), in the summary's order; every
    number is one of the claims' `gap` values, unchanged."""
    choice = (summary.get("theory") or {}).get("choice")
    rows = []
    for group in _groups(summary["claims"]):
        merged = _merged_gap(group)
        parts = [group] if merged is not None else [[c] for c in group]
        for sub in parts:
            gap = merged if merged is not None else (sub[0].get("gap") or {})
            cols: dict[str, list[GapEntry]] = {}
            order = [k for keys in COLUMNS.values() for k in keys]
            for k in sorted(gap, key=lambda k: (order.index(k) if k in order else len(order), k)):
                cols.setdefault(_column(k), []).append(GapEntry(k, GAP_LABELS.get(k, k.replace("_", " ")), gap[k]))
            label = _label(sub)
            rows.append(DistanceRow(statement=label, anchor="st-" + anchor(_label(group)),
                                    ids=tuple(c["id"] for c in sub), verdicts=_verdicts(sub),
                                    hypotheses=_hyp_summary(sub[0]),
                                    columns={k: tuple(v) for k, v in cols.items()},
                                    context=_hypothesis_context(sub[0], gap),
                                    constants=constants_text(sub[0].get("constants_used"), choice)))
    return rows


def slack_after_definition(part: dict, traj: dict, env: dict, rtol: float = 1e-12) -> dict | None:
    """The part's worst slack over the records after the first, when its worst record is the first and there
    the bound is the observation by construction (DEFINED_AT_START); None otherwise. Same `series` as the verdict."""
    n = part.get("steps_checked")
    steps = np.asarray(traj.get("step", []))
    if not isinstance(n, int) or n < 2 or len(steps) < n or part.get("worst_step") != int(steps[0]):
        return None
    obs, bnd = part.get("observed_at_worst"), part.get("bound_at_worst")
    if not (isinstance(obs, (int, float)) and isinstance(bnd, (int, float))):
        return None
    for key in DEFINED_AT_START:
        if key not in traj or key not in env:
            continue
        o0, b0 = float(np.asarray(traj[key])[0]), float(np.asarray(env[key])[0])
        if obs == o0 and bnd == b0 and abs(o0 - b0) <= 1e-9 * max(abs(o0), abs(b0)):
            return series(part.get("description", ""), np.asarray(traj[key])[1:n], np.asarray(env[key])[1:n],
                          steps[1:n], rtol=rtol)
    return None


def statement_groups(summary: dict, traj: dict | None = None, env: dict | None = None) -> list[StatementGroup]:
    """The statements section: groups of claims sharing hypotheses, with the worst slack recomputed where the
    first record is a point of definition (needs traj and env; without them the summary's slack is shown)."""
    choice = (summary.get("theory") or {}).get("choice")
    rtol = float((summary.get("theory") or {}).get("comparison_rtol") or 1e-12)
    out = []
    for group in _groups(summary["claims"]):
        rows = []
        for c in group:
            parts = (c.get("conclusion") or {}).get("parts") or []
            label = _suffix(c["id"]) if len(group) > 1 else c["id"]
            if not parts:
                rows.append(ConclusionRow(c["id"], label, str(c.get("verdict_label") or c["verdict"]), True, 1,
                                          c.get("evidence") or "not checked on this run", None, None, "", None, None,
                                          False))
            for i, p in enumerate(parts):
                adj = slack_after_definition(p, traj, env, rtol) if traj is not None and env is not None else None
                src = adj if adj is not None and "worst_relative_slack" in adj else p
                desc = p.get("description", "")
                if p.get("detail") and p.get("holds") is None:
                    desc += f" ({p['detail']})"
                rows.append(ConclusionRow(
                    c["id"], label, str(c.get("verdict_label") or c["verdict"]), i == 0, len(parts), desc, p.get("holds"),
                    src.get("worst_relative_slack"), src.get("worst_step", ""), src.get("observed_at_worst"),
                    src.get("bound_at_worst"), src is adj, p.get("first_violation_step")))
        first = group[0]
        notes = tuple(c["evidence"] for c in group[:1] if c.get("evidence"))
        merged = _merged_gap(group)
        out.append(StatementGroup(
            base_id=base_id(first["id"]), heading=f"{_label(group)}: {_title(group)}",
            anchor="st-" + anchor(_label(group)), reference=first.get("reference", ""), claims=tuple(group),
            hypotheses=tuple(first.get("hypotheses", [])), hypotheses_met=met_text(first.get("hypotheses_met")),
            constants=constants_text(first.get("constants_used"), choice),
            certified_inputs=tuple(x for c in group for x in c.get("certified_inputs") or []),
            rows=tuple(rows), gap=merged if merged is not None else {}, notes=notes))
    return out
