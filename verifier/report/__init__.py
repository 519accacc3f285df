"""Reports of a run directory: report.md (+ figures/*.png) and a self-contained report.html.

Everything is rebuilt from DIR/summary.json and DIR/trajectory.npz alone, so `write_report(DIR)`
regenerates the report of any finished or interrupted run.
"""
from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined

from proofs_checks.theory_numbers import TheoryNumbers, envelopes

from .figures import make_figures

__all__ = ["write_report", "headline", "fmt"]


def fmt(x) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, str):
        return x
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.6g}"
    return f"{x:.4e}"


def _yesno(h):
    return "yes" if h is True else ("NO" if h is False else "undecided")


def _cls(h):
    return "yes" if h is True else ("no" if h is False else "und")


def headline(summary: dict) -> list[str]:
    """Counterexamples first, then the tally of verdicts and how the run ended."""
    claims = summary["claims"]
    cex = [c for c in claims if c["verdict"] == "counterexample"]
    lines = []
    for c in cex:
        p = next((p for p in c["conclusion"]["parts"] if p["holds"] is False), {})
        cond = c.get("conditional_on_hidden_constants")
        at = (" at the displayed hidden constants (" + ", ".join(f"{k} = {fmt(v)}" for k, v in cond.items())
              + "; the paper leaves them unnamed, so this refutes the statement only for these values)") if cond else ""
        lines.append(f"COUNTEREXAMPLE to {c['id']}{at}: hypotheses met but '{p.get('description', '')}' is "
                     f"violated first at step {p.get('first_violation_step', '?')} "
                     f"(worst relative slack {fmt(p.get('worst_relative_slack'))}).")
    for c in claims:
        if c["verdict"].startswith("failed in this draw"):
            lines.append(f"{c['id']} failed in this draw: hypotheses met, conclusion violated; the statement holds "
                         f"only with probability >= 1 - delta, so one run does not refute it.")
    if not cex:
        lines.append("No counterexample: no statement has its hypotheses met and its conclusion violated.")
    tally = {}
    for c in claims:
        tally.setdefault(c["verdict"], []).append(c["id"])
    for v, ids in tally.items():
        if v != "counterexample" and not v.startswith("failed in this draw"):
            lines.append(f"{v}: {', '.join(ids)}.")
    audit = summary.get("audit") or []
    if audit:
        from proofs_checks import audit_totals

        tot = audit_totals(audit)
        flagged = [a["id"] for a in audit if a["status"] == "finding"]
        lines.append(f"Proof audit: {tot['holds']} step(s) checked and hold, {tot['fails']} checked and fail, "
                     f"{tot['not checkable']} not checkable; {tot['findings']} finding(s) in the paper"
                     + (f", in {', '.join(flagged)}" if flagged else "") + " (see 'Proof audit').")
    if summary["run"].get("stopped_reason"):
        lines.append(f"The run stopped early at step {summary['run']['stopped_step']}: {summary['run']['stopped_reason']}")
    return lines


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


def write_report(run_dir) -> dict:
    """Write report.md, figures/*.png and report.html from summary.json and trajectory.npz in run_dir."""
    run_dir = Path(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    with np.load(run_dir / "trajectory.npz") as f:
        traj = {k: f[k] for k in f.files if k not in ("A0", "W0", "u0", "v0")}
    th = TheoryNumbers.from_dict(summary["theory"])
    env = envelopes(th, traj["step"], traj.get("time"))
    figs = make_figures(traj, th, env)
    figdir = run_dir / "figures"
    figdir.mkdir(exist_ok=True)
    for name, (_title, png) in figs.items():
        (figdir / f"{name}.png").write_bytes(png)
    jenv = Environment(loader=PackageLoader("verifier.report", "templates"), undefined=StrictUndefined,
                       autoescape=False, trim_blocks=False, lstrip_blocks=False)
    jenv.filters["md"] = lambda t: str(t).replace("|", "\\|")
    ctx = {
        "s": summary, "fmt": fmt, "yesno": _yesno, "cls": _cls,
        "headline": headline(summary),
        "counterexamples": any(c["verdict"] == "counterexample" for c in summary["claims"]),
        "theory_rows": _theory_rows(summary["theory"]),
        "explicit": summary.get("explicit_constants") or [],
        "figures": [(n, t) for n, (t, _p) in figs.items()],
        "figures_b64": [(n, t, base64.b64encode(p).decode("ascii")) for n, (t, p) in figs.items()],
    }
    (run_dir / "report.md").write_text(jenv.get_template("report.md.j2").render(**ctx))
    jenv.autoescape = True
    (run_dir / "report.html").write_text(jenv.get_template("report.html.j2").render(**ctx))
    return summary
