"""The paper's statements, one module each, with a symbolic audit of their proofs (issue 3).

Public API (used by `verifier audit` / `verifier check`):

    run_audit(setting=None) -> list[dict]        one record per statement (L2.2 ... T3.2)
    render_audit_text(results) -> str            a readable table plus findings
    explicit_constants(n, lambda0, c, norm_X, r0_norm, delta=None) -> list[dict]

Each record: {id, title, status in {"algebra verified", "finding", "cannot be checked symbolically"},
steps: [{description, kind, passed, detail}], findings: [{summary, evidence}], reason}. Everything is
JSON-serializable. `setting` may carry n, lambda0, c, norm_X, r0_norm (and m, delta) of a run: the findings
then quote numbers for that setting; otherwise they use the audit's own small instance.
"""
from __future__ import annotations

import importlib
import textwrap

from ._common import jsonable
from .constants import explicit_constants as _explicit_constants

__all__ = ["run_audit", "render_audit_text", "explicit_constants", "AUDIT_MODULES", "STATUSES"]

#: statement id -> module name, in the paper's order
AUDIT_MODULES = {"L2.2": "l2_2", "L2.3": "l2_3", "L3.1": "l3_1", "L3.2": "l3_2", "L3.3": "l3_3",
                 "L3.4": "l3_4", "L3.5": "l3_5", "T3.1": "t3_1", "L3.6": "l3_6", "T3.2": "t3_2"}
STATUSES = ("algebra verified", "finding", "cannot be checked symbolically")


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


def render_audit_text(results: list[dict], width: int = 100) -> str:
    """A plain-text table (id, status, steps passed, findings) followed by each finding and failed step."""
    lines = [f"{'id':<6} {'status':<32} {'steps ok':>9} {'findings':>9}  title", "-" * width]
    for r in results:
        ok = sum(1 for s in r["steps"] if s["passed"])
        lines.append(f"{r['id']:<6} {r['status']:<32} {ok:>4}/{len(r['steps']):<4} {len(r['findings']):>9}  "
                     + r["title"][:60])
    for r in results:
        bad = [s for s in r["steps"] if not s["passed"]]
        if not (r["findings"] or bad or r.get("reason")):
            continue
        lines.append("")
        lines.append(f"{r['id']}: {r['title']}")
        if r.get("reason"):
            lines.append(textwrap.fill("reason: " + r["reason"], width, initial_indent="  ", subsequent_indent="    "))
        for s in bad:
            lines.append(textwrap.fill(f"[step fails] {s['description']}: {s['detail']}", width,
                                       initial_indent="  ", subsequent_indent="    "))
        for i, f in enumerate(r["findings"], 1):
            lines.append(textwrap.fill(f"[finding {i}] {f['summary']}", width, initial_indent="  ",
                                       subsequent_indent="    "))
    return "\n".join(lines)
