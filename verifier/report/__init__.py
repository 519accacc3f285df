"""Reports of a run directory: report.md (+ figures/*.png) and a self-contained report.html.

Everything is rebuilt from DIR/summary.json and DIR/trajectory.npz alone, so `write_report(DIR)`
regenerates the report of any finished or interrupted run. The report opens with the distance of the run from
the theory (tables.distance_rows), then the headline; its figures draw the bounds of
`proofs_checks.theory_numbers.envelopes`, the numbers the verdicts compare with.
"""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined

from proofs_checks.theory_numbers import TheoryNumbers, envelopes

from ..rundir import atomic_write
from ._format import anchor, fmt, fmt3, md_cell, verdict_class
from .tables import distance_rows, statement_groups

__all__ = ["write_report", "headline", "headline_tone", "fmt"]


def _yesno(h):
    return "yes" if h is True else ("NO" if h is False else "undecided")


def _cls(h):
    return "yes" if h is True else ("no" if h is False else "und")


def _is_counterexample(verdict) -> bool:
    return verdict_class(verdict) == "no"


def _is_failed_draw(verdict) -> bool:
    return str(verdict).replace("_", " ").lower().startswith("failed")


def _stopped(summary: dict) -> str | None:
    """Why the run stopped before its last step, or None when it ran to the end."""
    run = summary.get("run") or {}
    if run.get("stopped_reason"):
        return f"The run stopped early at step {run.get('stopped_step')}: {run['stopped_reason']}"
    status = run.get("status")
    if status and str(status).lower() not in ("completed", "complete", "finished", "ok", "done"):
        return f"The run did not complete (status: {status})."
    if run.get("interrupted"):
        return f"The run was interrupted after {run.get('steps_recorded', '?')} record(s)."
    return None


def headline(summary: dict) -> list[str]:
    """How the run ended (when early) first, then counterexamples, then the tally of verdicts and the audit."""
    claims = summary["claims"]
    cex = [c for c in claims if _is_counterexample(c["verdict"])]
    lines = []
    stopped = _stopped(summary)
    if stopped:
        lines.append(stopped)
    for c in cex:
        p = next((p for p in c["conclusion"]["parts"] if p["holds"] is False), {})
        cond = c.get("conditional_on_hidden_constants")
        at = (" at the displayed hidden constants (" + ", ".join(f"{k} = {fmt(v)}" for k, v in cond.items())
              + "; the paper leaves them unnamed, so this refutes the statement only for these values)") if cond else ""
        lines.append(f"COUNTEREXAMPLE to {c['id']}{at}: hypotheses met but '{p.get('description', '')}' is "
                     f"violated first at step {p.get('first_violation_step', '?')} "
                     f"(worst relative slack {fmt(p.get('worst_relative_slack'))}).")
    for c in claims:
        if _is_failed_draw(c["verdict"]):
            lines.append(f"{c['id']} failed in this draw: hypotheses met, conclusion violated; the statement holds "
                         f"only with probability >= 1 - delta, so one run does not refute it.")
    if not cex:
        lines.append("No counterexample: no statement has its hypotheses met and its conclusion violated.")
    tally = {}
    for c in claims:
        tally.setdefault(str(c.get("verdict_label") or c["verdict"]), []).append(c["id"])
    for v, ids in tally.items():
        if not _is_counterexample(v) and not _is_failed_draw(v):
            lines.append(f"{v}: {', '.join(ids)}.")
    audit = summary.get("audit") or []
    if audit:
        from proofs_checks import audit_totals

        tot = audit_totals(audit)
        flagged = [a["id"] for a in audit if a["status"] == "finding"]
        lines.append(f"Proof audit: {tot['holds']} step(s) checked and hold, {tot['fails']} checked and fail, "
                     f"{tot['not checkable']} not checkable; {tot['findings']} finding(s) in the paper"
                     + (f", in {', '.join(flagged)}" if flagged else "") + " (see 'Proof audit').")
    return lines


def headline_tone(summary: dict) -> str:
    """'bad' (a counterexample), 'warn' (stopped early, a failed draw, a warning) or 'good'."""
    claims = summary["claims"]
    if summary.get("has_counterexample") or any(_is_counterexample(c["verdict"]) for c in claims):
        return "bad"
    if _stopped(summary) or summary.get("warnings") or any(_is_failed_draw(c["verdict"]) for c in claims):
        return "warn"
    return "good"


_THEORY_ROWS = [
    ("lambda0", "lambda_min(G_inf), closed form + symmetric eigensolver"),
    ("norm_X", "||X||_2"),
    ("c", "max(||A(0)||, ||W(0)||)/sqrt(m): the c every verdict uses"),
    ("c_delta", "explicit c with probability >= 1 - delta (L2.1, Gaussian tail exp(-t^2/2), union over A and W)"),
    ("gamma_max", "min{1/2, 1/(4c)}"),
    ("gamma_max_delta", "min{1/2, 1/(4 c_delta)}"),
    ("r0_norm", "||yhat(0) - y||"),
    ("width_L3_3", "C n^2/lambda0^2 log(n/delta) (L3.3)"),
    ("width_T3_2_printed", "C n^2/lambda0 log(n/delta) (T3.2 as printed)"),
    ("width_T3_2", "C n^2/lambda0^2 log(n/delta) (T3.2 as L3.3 needs)"),
    ("width_L3_5", "C c^2 n ||X||^2 ||r0||^2/lambda0^3 (L3.5)"),
    ("width_L3_6", "C c^2 n ||X||^2 ||r0||^2/lambda0^3 (L3.6)"),
    ("step_L3_6", "C lambda0/n^2 (L3.6)"),
    ("decay_L3_6", "alpha lambda0/2: the guaranteed factor per step of ||yhat - y||^2 is 1 minus this"),
    ("radius_L3_4", "R = sqrt(m) lambda0/(16 c ||X||^2) (L3.4)"),
    ("u_bound_L3_6", "32 c sqrt(n)/lambda0 ||r0|| (L3.6 (ii))"),
    ("v_bound_L3_6", "16 c sqrt(n)/lambda0 ||r0|| (L3.6 (iii))"),
]


def _theory_rows(th: dict) -> list[tuple]:
    """(quantity, value at the run's constants, value at the proof-derived constants, meaning)."""
    alt = th.get("at_proof_constants") or {}
    rows = []
    for k, meaning in _THEORY_ROWS:
        if k not in th:
            continue
        rows.append((k, fmt(th[k]), fmt(alt[k]) if k in alt and alt[k] != th[k] else "", meaning))
    return rows


def _setting_line(s: dict) -> str:
    st = s["setting"]
    method = {"gd": "gradient descent", "gf": "gradient flow"}.get(st.get("method"), st.get("method", ""))
    return (f"{st.get('dataset')}: n = {st.get('n')}, d = {st.get('d')}, width m = {st.get('width')}, "
            f"gamma = {fmt(st.get('gamma'))}, step alpha = {fmt(st.get('step_size'))}, {st.get('steps')} steps of "
            f"{method}, seed {st.get('seed')}, {st.get('backend')}/{st.get('dtype')}, hidden constants: "
            f"{(s.get('theory') or {}).get('choice', st.get('constants'))}")


def _toc(summary: dict, groups, figs) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(anchor, title, [(anchor, title) of subsections]) of every section, in page order."""
    toc = [("distance", "Distance to the theory", []), ("verdicts", "Verdicts", []), ("setting", "Setting", []),
           ("data", "Data and assumption A2", []), ("theory", "Theory numbers", []),
           ("statements", "Statements", [(g.anchor, g.heading.split(":")[0]) for g in groups]),
           ("figures", "Figures", [("fig-" + f.name, f.title) for f in figs]), ("solver", "Solver diagnostics", [])]
    if summary.get("audit"):
        toc.append(("audit", "Proof audit", []))
    if summary.get("certificates"):
        toc.append(("certificates", "Certificates", []))
    toc.append(("reproduce", "Reproduce", []))
    return toc


def report_context(summary: dict, traj: dict) -> dict:
    """Everything the templates show, from a summary and its trajectory (figures included, as Figure records)."""
    th = TheoryNumbers.from_dict(summary["theory"])
    env = envelopes(th, traj["step"], traj.get("time"))
    from .figures import make_figures  # matplotlib: only when figures are drawn (check stays fast)

    figs = list(make_figures(traj, th, env).values())
    groups = statement_groups(summary, traj, env)
    return {
        "s": summary, "fmt": fmt, "fmt3": fmt3, "yesno": _yesno, "cls": _cls, "vcls": verdict_class,
        "setting_line": _setting_line(summary),
        "headline": headline(summary), "tone": headline_tone(summary),
        "distance": distance_rows(summary), "columns": ("width", "step", "decay", "other"),
        "headers": {"width": "width: required / used", "step": "step: used / allowed",
                    "decay": "decay: observed / guaranteed", "other": "other"},
        "groups": groups, "toc": _toc(summary, groups, figs),
        "any_after_definition": any(r.after_definition for g in groups for r in g.rows),
        "theory_rows": _theory_rows(summary["theory"]),
        "explicit": summary.get("explicit_constants") or [],
        "warnings": summary.get("warnings") or [],
        "figures": figs,
        "b64": lambda png: base64.b64encode(png).decode("ascii"),
    }


def write_report(run_dir) -> dict:
    """Write report.md, figures/*.png and report.html from summary.json and trajectory.npz in run_dir."""
    run_dir = Path(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    with np.load(run_dir / "trajectory.npz") as f:
        traj = {k: f[k] for k in f.files if k not in ("A0", "W0", "u0", "v0")}
    ctx = report_context(summary, traj)
    figdir = run_dir / "figures"
    figdir.mkdir(exist_ok=True)
    for old in figdir.glob("*.png"):       # a figure not drawn this time must not survive from an earlier render
        if old.stem not in {f.name for f in ctx["figures"] if f.drawn}:
            old.unlink()
    for f in ctx["figures"]:
        if f.drawn:
            tmp = figdir / f"{f.name}.png.tmp"
            tmp.write_bytes(f.png)
            os.replace(tmp, figdir / f"{f.name}.png")
    jenv = Environment(loader=PackageLoader("verifier.report", "templates"), undefined=StrictUndefined,
                       autoescape=False, trim_blocks=False, lstrip_blocks=False)
    jenv.filters["md"] = md_cell
    jenv.filters["anchor"] = anchor
    atomic_write(run_dir / "report.md", jenv.get_template("report.md.j2").render(**ctx))
    jenv.autoescape = True
    atomic_write(run_dir / "report.html", jenv.get_template("report.html.j2").render(**ctx))
    return summary
