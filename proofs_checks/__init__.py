"""The paper's statements, one module each, with a symbolic audit of their proofs.

Public API (used by `verifier audit` / `verifier check`):

    run_audit(setting=None) -> list[dict]        one record per statement (L2.2 ... T3.2)
    render_audit_text(results) -> str            a readable table (counts kept apart) plus findings
    audit_summary_line(record) -> str            one line per record
    explicit_constants(n, lambda0, c, norm_X, r0_norm, delta=None) -> list[dict]

Each record: {id, title, status, counts, steps, findings, reason}. A step is {description, kind, status,
detail, reason} with status "holds" (checked and holds), "fails" (checked and fails) or "not checkable" (the
reason says why); a finding is {summary, status, evidence} (its status: "false as stated", "typo", ...).
A statement's status derives from all its steps and findings: "finding" if a step fails or a finding is
recorded, "not checkable" if no step could be checked, else "verified"; counts = {holds, fails, not checkable}
keeps the three apart. Everything is JSON-serializable. `setting` may carry n, lambda0, c, norm_X, r0_norm
(and m, delta) of a run: the findings then quote numbers for that setting; otherwise they use the audit's
own small instance.
"""
from __future__ import annotations

import importlib
import textwrap

from ._common import FAILS, HOLDS, NOT_CHECKABLE, STATUSES, audit_summary_line, jsonable
from .constants import explicit_constants as _explicit_constants

__all__ = ["run_audit", "render_audit_text", "audit_totals", "audit_summary_line", "explicit_constants",
           "AUDIT_MODULES", "STATUSES"]

#: statement id -> module name, in the paper's order (the registry's order; proofs_checks.registry)
AUDIT_MODULES = {"L2.1": "l2_1", "L2.2": "l2_2", "L2.3": "l2_3", "L3.1": "l3_1", "L3.2": "l3_2", "L3.3": "l3_3",
                 "L3.4": "l3_4", "L3.5": "l3_5", "T3.1": "t3_1", "L3.6": "l3_6", "T3.2": "t3_2"}


def run_audit(setting: dict | None = None, ids=None) -> list[dict]:
    """Audit every statement (or those in `ids`); returns one JSON-ready dict per statement."""
    out = []
    for sid, mod in AUDIT_MODULES.items():
        if ids is not None and sid not in ids:
            continue
        module = importlib.import_module(f".{mod}", __name__)
        out.append(jsonable(module.audit(setting)))
    return out


def explicit_constants(n, lambda0, c, norm_X, r0_norm, delta=None, *, m=None) -> list[dict]:
    """Explicit constants pinned down by the proofs' own inequalities, as numbers for one setting.

    Entries {name, value, formula, source, statement}: at least width_L3.5 (A.7 radius conditions),
    width_L3.6 and step_size_L3.6 (A.8 radius conditions and (41)-(43)); with delta also width_L3.3 (explicit
    moment-form Bernstein bound), width_T3.1 and width_T3.2; with m the largest step size the (41)-(43) chain
    allows at that width. "repaired" entries use the audit's corrections (see the L3.4 / L3.5 findings).
    """
    if min(n, lambda0, c, norm_X, r0_norm) <= 0:
        raise ValueError("n, lambda0, c, norm_X and r0_norm must be positive")
    if delta is not None and not 0 < delta < 1:
        raise ValueError(f"delta must lie in (0, 1), got {delta}")
    return jsonable(_explicit_constants(n, lambda0, c, norm_X, r0_norm, delta, m_=m))


def audit_totals(results: list[dict]) -> dict:
    """Step counts over all records, kept apart, and the number of findings."""
    tot = {HOLDS: 0, FAILS: 0, NOT_CHECKABLE: 0}
    for r in results:
        for s in r["steps"]:
            tot[s["status"]] += 1
    tot["sampled"] = sum(1 for r in results for s in r["steps"]
                         if s["status"] == HOLDS and s["kind"].endswith("(sampled)"))
    tot["findings"] = sum(len(r["findings"]) for r in results)
    return tot


def render_audit_text(results: list[dict], width: int = 100) -> str:
    """A plain-text table (id, status, steps that hold / fail / are not checkable, findings), the totals, then
    each failing step, each not checkable step with its reason, and each finding."""
    head = f"{'id':<6} {'status':<14} {'holds':>6} {'fails':>6} {'not checkable':>14} {'findings':>9}  title"
    lines = [head, "-" * width]
    for r in results:
        k = r.get("counts") or {s_: sum(1 for s in r["steps"] if s["status"] == s_) for s_ in (HOLDS, FAILS, NOT_CHECKABLE)}
        lines.append(f"{r['id']:<6} {r['status']:<14} {k[HOLDS]:>6} {k[FAILS]:>6} {k[NOT_CHECKABLE]:>14} "
                     f"{len(r['findings']):>9}  " + r["title"][:max(10, width - len(head) + 5)])
    tot = audit_totals(results)
    lines.append("-" * width)
    lines.append(f"{'total':<6} {'':<14} {tot[HOLDS]:>6} {tot[FAILS]:>6} {tot[NOT_CHECKABLE]:>14} {tot['findings']:>9}"
                 + (f"  ({tot['sampled']} of the holds rest on sampled inequalities, not proofs)" if tot["sampled"] else ""))
    wrap = dict(width=width, initial_indent="  ", subsequent_indent="    ")
    for r in results:
        bad = [s for s in r["steps"] if s["status"] == FAILS]
        nc = [s for s in r["steps"] if s["status"] == NOT_CHECKABLE]
        if not (r["findings"] or bad or nc or r.get("reason")):
            continue
        lines.append("")
        lines.append(f"{r['id']}: {r['title']}")
        if r.get("reason"):
            lines.append(textwrap.fill("reason: " + r["reason"], **wrap))
        for s in bad:
            lines.append(textwrap.fill(f"[step fails] {s['description']}: {s['detail']}", **wrap))
        for s in nc:
            lines.append(textwrap.fill(f"[not checkable] {s['description']}: {s['reason']}", **wrap))
        for i, f in enumerate(r["findings"], 1):
            tag = f" ({f['status']})" if f.get("status") else ""
            lines.append(textwrap.fill(f"[finding {i}{tag}] {f['summary']}", **wrap))
    return "\n".join(lines)
