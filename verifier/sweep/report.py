"""The sweep report: sweep_report.json, report.md (+ figures/*.png) and a self-contained report.html, rebuilt
from ``DIR/results.parquet`` (and the cells' directories for the Figure 1 curves) by
``verifier sweep-report DIR``, and written at the end of every sweep."""
from __future__ import annotations

import base64
import html
import json
import math
import time
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..report import fmt
from ..rundir import atomic_write
from ..summary import dumps, to_json
from .aggregate import GROUP_COLUMNS, aggregate
from .results import __doc__ as _RESULTS_DOC
from .results import met_value, read_table
from .spec import SpecError

__all__ = ["write_sweep_report", "REPORT_SCHEMA", "DEFINITIONS"]

REPORT_SCHEMA = "verifier.sweep.report/1"

DEFINITIONS = {
    "linear_convergence": (
        "A run converges linearly at level epsilon (the sweep's target_fraction) when it completed every step with "
        "finite values and ||yhat(t_j) - y||^2 <= epsilon^(t_j/T) ||yhat(0) - y||^2 at every recorded point "
        "(GD: t_j/T = j/K): the squared residual stays below the geometric sequence from its initial value to "
        "epsilon times it, the form of T3.1 / T3.2's conclusions with the rate set by what the run reached."),
    "success_probability": (
        "Over the seeds of the A1 initialization at fixed data and setting: k successes in N cells, p = k/N, with "
        "the two-sided Clopper-Pearson interval at the report's confidence (cells whose event is undecided are "
        "not counted)."),
    "critical_width": (
        "m* = the smallest width of the grid from which the success probability is >= 1 - delta at that width and "
        "at every larger width of the grid ('point' rule: p >= 1 - delta; 'confidence' rule: the one-sided "
        "Clopper-Pearson lower bound >= 1 - delta). Interpolated: where p crosses 1 - delta, linear in log m "
        "between the last failing width and m*. Censored 'below': the event holds already at the smallest width; "
        "'above': not yet at the largest."),
    "exponents": (
        "Least-squares slope of log m*(interpolated) against log n (and against log 1/lambda0) over the n of one "
        "series; the interval is a percentile bootstrap over the seeds of every (n, m) group. Theory: the power "
        "of n and of 1/lambda0 in each printed width (sympy limits of x d log W/dx), with the other symbols fixed, "
        "with ||X||^2 and ||r0||^2 growing like n (unit rows, O(1) residual entries), and 'on this data': the "
        "slope of the printed width evaluated at each point's measured lambda0, c, ||X||, ||r0||."),
    "empirical_constant": (
        "For a width statement m >= C f(n, lambda0, ...): C_emp = m* / f at each point (f at C = 1, with c and "
        "||r0|| measured at m*). The statement is consistent with what was observed only if C f exceeds every "
        "width at which the event failed, so the smallest consistent C is max over points of m_fail / f."),
}


def _md(x) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def _p(rec) -> str:
    return f"{rec['p']:.3g} [{rec['ci_low']:.3g}, {rec['ci_high']:.3g}] ({rec['k']}/{rec['N']})"


def _cols(agg) -> list[str]:
    return [c for c in agg["varying"] if c in GROUP_COLUMNS]


def _prob_table(agg, events) -> dict | None:
    cols = _cols(agg)
    groups = {}
    for p in agg["probabilities"]:
        if p["event"] not in events:
            continue
        key = tuple(p.get(c) for c in GROUP_COLUMNS)
        groups.setdefault(key, {"axes": [fmt(p.get(c)) for c in cols], "cells": p["cells"]})[p["event"]] = _p(p)
    if not groups:
        return None
    present = [e for e in events if any(e in g for g in groups.values())]
    rows = [g["axes"] + [str(g["cells"])] + [g.get(e, "-") for e in present] for g in groups.values()]
    return {"header": cols + ["cells"] + present, "rows": rows}


def _critical_table(agg) -> dict | None:
    recs = [c for c in agg["critical_widths"] if c["event"] in agg["main_events"]]
    if not recs:
        return None
    cols = [c for c in _cols(agg) if c != "width"]
    rows = []
    for c in recs:
        cf = c["confidence_rule"]
        rows.append([fmt(c.get(k)) for k in cols] + [c["event"], fmt(c["lambda0"]), " ".join(str(w) for w in c["widths"]),
                     " ".join(f"{k}/{n}" for k, n in zip(c["k"], c["N"])), fmt(c["target"]),
                     _m(c), fmt(c["m_star_interpolated"]) if c["censored"] is None else "-", _m(cf)])
    return {"header": cols + ["event", "lambda0", "widths", "successes", "target 1-delta", "m* (point rule)",
                              "m* interpolated", "m* (confidence rule)"], "rows": rows}


def _m(c) -> str:
    if c["censored"] == "above":
        return "> largest width"
    if c["censored"] == "below":
        return f"<= {fmt(c['m_star'])}"
    return f"{fmt(c['m_star'])} (fails at {fmt(c['m_fail'])})"


def _fit(f) -> str:
    e = f["empirical"]
    if not math.isfinite(e["slope"]):
        return "-"
    ci = e["ci"]
    if all(map(math.isfinite, ci)):
        ci_s = f" [{ci[0]:.2f}, {ci[1]:.2f}]"
    else:
        ci_s = " [no interval: all-or-none successes]" if e.get("ci_note") else " [no interval]"
    return f"{e['slope'] + 0.0:.2f}{ci_s} ({e['points']} points)"


def _exponent_table(agg) -> dict | None:
    if not agg["exponent_fits"]:
        return None
    cols = [c for c in _cols(agg) if c not in ("n", "data_seed", "width")]
    rows = []
    for f in agg["exponent_fits"]:
        t = f["theory"]
        log = " x log" if t["log_factor"] else ""
        rows.append([fmt(f.get(c)) for c in cols] + [f["label"], f["event"], _fit(f["n"]),
                     f"{t['n']:g}{log} / {t['n_scaled']:g}{log} / {f['n']['theory_on_this_data']:.2f}",
                     _fit(f["inv_lambda0"]), f"{t['inv_lambda0']:g} / {f['inv_lambda0']['theory_on_this_data']:.2f}"])
    return {"header": cols + ["width statement", "event", "fitted power of n [CI]",
                              "theory: n (printed / with ||X||^2, ||r0||^2 ~ n / on this data)",
                              "fitted power of 1/lambda0 [CI]", "theory: 1/lambda0 (printed / on this data)"],
            "rows": rows}


def _constants_table(agg) -> tuple[dict | None, dict | None]:
    if not agg["empirical_constants"]:
        return None, None
    rows, detail = [], []
    for c in agg["empirical_constants"]:
        rows.append([c["label"], c["event"], c["constant"] or "(none: explicit width)", fmt(c["smallest_consistent_C"]),
                     fmt(c["C_emp_median"]), fmt(c["default"]), fmt(c["proof_derived"]), c["proof_source"]])
        for p in c["points"]:
            detail.append([c["statement"], fmt(p["dataset"]), fmt(p["n"]), fmt(p["lambda0"]), fmt(p["width_at_C1"]),
                           _m(p), fmt(p["C_low"]), fmt(p["C_emp"]), fmt(p["C_high"])])
    return ({"header": ["width statement", "event", "hidden constant", "smallest C consistent with every point",
                        "median C_emp", "default", "proof-derived", "source of the proof-derived value"], "rows": rows},
            {"header": ["statement", "dataset", "n", "lambda0", "width at C = 1", "observed m*", "C low (m_fail / f)",
                        "C_emp (m* interpolated / f)", "C high (m* / f)"], "rows": detail})


def _statements_table(agg) -> dict | None:
    events = [e for e in agg["events"] if e.startswith(("holds:", "met:"))]
    return _prob_table(agg, events)


def _headline(rows, agg, meta) -> list[str]:
    st = agg["status"]
    lines = [f"{agg['cells']} cells: {st.get('finished', 0)} finished, {st.get('stopped', 0)} stopped early (an outcome: "
             f"the run says where and why), {st.get('refused', 0) + st.get('error', 0)} failed "
             f"({st.get('refused', 0)} refused by the run, {st.get('error', 0)} errors)."]
    cex = [(r["cell"], k.split(":", 1)[1]) for r in rows for k, v in r.items()
           if k.startswith("verdict:") and v == "counterexample"]
    draws = [(r["cell"], k.split(":", 1)[1]) for r in rows for k, v in r.items()
             if k.startswith("verdict:") and isinstance(v, str) and v.startswith("failed")]   # failed_in_this_draw
    if cex:
        ids = sorted({c for _, c in cex})
        lines.insert(0, f"COUNTEREXAMPLE: {len(cex)} (cell, statement) pairs have every hypothesis met and the "
                        f"conclusion violated ({', '.join(ids)}; e.g. cell {cex[0][0]}), at the hidden constants "
                        "the cells used.")
    else:
        lines.append("No single run is a counterexample: in no cell does a statement have its hypotheses met and its "
                     "conclusion violated (for L3.3, T3.1, T3.2, which hold with probability >= 1 - delta, see below).")
    for sid in dict.fromkeys(r["statement"] for r in agg["refutations"]):
        refs = [r for r in agg["refutations"] if r["statement"] == sid]
        r = max(refs, key=lambda r: r["width"])
        where = ", ".join(f"{c}={r.get(c)}" for c in ("dataset", "n", "width", "mode"))
        lines.insert(0, f"COUNTEREXAMPLE (statistical) to {sid} at the hidden constants the cells used: in {len(refs)} "
                        f"group(s) every cell meets the hypotheses, yet P(conclusion) is below 1 - delta with "
                        f"{agg['confidence']:.0%} confidence; e.g. {where}: {r['k']}/{r['N']} held, Clopper-Pearson "
                        f"upper bound {r['ci_high']:.3g} < {r['target']:.3g}. The paper's Omega hides a constant: this "
                        "refutes the statement for that value of it only (see 'Empirical hidden constants').")
    if draws:
        lines.append(f"{len(draws)} (cell, probabilistic statement) pairs failed in their draw with hypotheses met; "
                     "the statements hold with probability >= 1 - delta, see their success probabilities.")
    met = [v for r in rows for k, v in r.items() if k.startswith("hypotheses:")]
    if met:
        lines.append(f"Hypotheses met in {sum(met_value(v) is True for v in met)} of {len(met)} (cell, statement) pairs: the "
                     "widths the statements ask for are far above what a computer trains, so most conclusions are "
                     "tested beyond their hypotheses; the critical widths below say how far.")
    for f in agg["exponent_fits"]:
        e = f["n"]["empirical"]
        if f["statement"] in ("L3.3", "T3.2 (linear convergence)", "T3.1 (linear convergence)", "L3.6", "L3.5") \
                and math.isfinite(e["slope"]):
            t = f["theory"]
            lines.append(f"m* for '{f['event']}' on {f.get('dataset')} grows like n^{e['slope'] + 0.0:.2f} ({_fit(f['n'])}); "
                         f"{f['statement'].split(' ')[0]} prints n^{t['n']:g}" + (" log n" if t["log_factor"] else "")
                         + f" (n^{t['n_scaled']:g} with ||X||^2, ||r0||^2 ~ n; n^{f['n']['theory_on_this_data']:.2f} "
                         "on this data, lambda0 included).")
    for c in agg["empirical_constants"]:
        if c["smallest_consistent_C"] is None or not c["constant"]:
            continue
        proof = f"the proof derives {fmt(c['proof_derived'])}, the default is {fmt(c['default'])}"
        if c["C_emp_median"] is not None:
            lo, hi = c["C_emp_range"]
            lines.append(f"{c['statement']} ({c['event']}): the observed critical widths correspond to C from "
                         f"{fmt(lo)} to {fmt(hi)} over the points (median {fmt(c['C_emp_median'])}); a constant that "
                         f"covers every point must be >= {fmt(c['smallest_consistent_C'])}; {proof}.")
        else:
            lines.append(f"{c['statement']} ({c['event']}): the event never reached probability 1 - delta on the grid, "
                         f"so only C >= {fmt(c['smallest_consistent_C'])} is consistent with what was observed; {proof}.")
    lines += _figure1_lines(rows)
    return lines


def _figure1_rows(rows) -> list[dict]:
    """Train cells with a test set (the Figure 1 protocol), smallest seed per (dataset, n, width)."""
    best = {}
    for r in sorted(rows, key=lambda r: r["seed"]):
        if r.get("mode") == "train" and r.get("n_test") and r.get("status") in ("finished", "stopped"):
            best.setdefault((r["dataset"], r["n"], r["width"]), r)
    return [best[k] for k in sorted(best, key=lambda k: (str(k[0]), k[1], k[2]))]


def _trend(v) -> str:
    return "decreasing in m" if all(a > b for a, b in zip(v, v[1:])) else "not monotone in m"


def _figure1_lines(rows) -> list[str]:
    """What Figure 1 shows, as observed here: Section 4 reports that a larger m converges faster and reaches a
    lower test loss, and that (gamma/sqrt(m))||A(k)|| stays about at its initial value."""
    lines = []
    groups = {}
    for r in _figure1_rows(rows):
        groups.setdefault((r["dataset"], r["n"]), []).append(r)
    for (ds, n), rs in groups.items():
        if len(rs) < 2:
            continue
        tr = [r["final_loss"] / n for r in rs]
        te = [r["test_loss_final"] / r["n_test"] for r in rs]
        drift = max(abs(r["max_contraction"] - r["contraction_0"]) for r in rs)
        ws = "/".join(str(r["width"]) for r in rs)
        lines.append(f"Figure 1 protocol on {ds} (n = {n}), widths {ws}: final training loss per sample "
                     + "/".join(f"{v:.3g}" for v in tr) + f" ({_trend(tr)}); test loss per sample "
                     + "/".join(f"{v:.3g}" for v in te) + f" ({_trend(te)}); test accuracy "
                     + "/".join(f"{r['test_accuracy_final']:.3f}" for r in rs)
                     + f"; (gamma/sqrt(m))||A(k)|| moved at most {drift:.2g} from its initial value.")
    return lines


def _figure1_table(rows) -> dict | None:
    rs = _figure1_rows(rows)
    if not rs:
        return None
    return {"header": ["dataset", "n", "n test", "width", "seed", "step size", "initial loss / n", "final loss / n",
                       "test loss / n test", "train accuracy", "test accuracy", "(gamma/sqrt(m))||A(0)||",
                       "max_k (gamma/sqrt(m))||A(k)||", "linear convergence", "wall s"],
            "rows": [[r["dataset"], fmt(r["n"]), fmt(r["n_test"]), fmt(r["width"]), fmt(r["seed"]), fmt(r["step_size"]),
                      fmt(r["initial_loss"] / r["n"]), fmt(r["final_loss"] / r["n"]),
                      fmt(r["test_loss_final"] / r["n_test"]), fmt(r["train_accuracy_final"]),
                      fmt(r["test_accuracy_final"]), fmt(r["contraction_0"]), fmt(r["max_contraction"]),
                      fmt(r["linear_convergence"]), fmt(r["wall_seconds"])] for r in rs]}


def _sections(rows, agg, meta, figs=()) -> list[dict]:
    secs = []
    opts = meta.get("options", {})
    setup = [f"Spec: {meta.get('source') or 'n/a'}; grid axes that vary: {', '.join(agg['varying']) or 'none'}; "
             f"confidence {agg['confidence']}; linear-convergence level epsilon = {opts.get('target_fraction', 'n/a')}.",
             f"Wall time of the cells: total {fmt(meta['wall_total'])} s, longest {fmt(meta['wall_max'])} s "
             f"(cell-seconds; the sweep's elapsed time is in events.jsonl).",
             "Every cell is an ordinary run directory (cells/<key>/, key = a hash of its setting); its row's "
             "'reproduce' column is the `verifier run` command that replays it."]
    secs.append({"id": "sweep", "title": "Sweep", "paragraphs": setup, "tables": []})
    t = _figure1_table(rows)
    if t:
        secs.append({"id": "figure1", "title": "Figure 1 protocol (Sec. 4)",
                     "paragraphs": ["The paper's Figure 1 plots, per dataset and width, the training loss, the test "
                                    "loss and (gamma/sqrt(m))||A(k)|| against the epoch; here with the test accuracy "
                                    "as a fourth panel. Losses are 1/2 ||yhat - y||^2 divided by the number of samples "
                                    "(the paper does not say how it normalizes them)."],
                     "tables": [t], "figures": [f for f in figs if f.startswith("figure1_")]})
    secs.append({"id": "definitions", "title": "Definitions", "paragraphs": [f"{k.replace('_', ' ')}: {v}"
                                                                               for k, v in DEFINITIONS.items()],
                 "tables": []})
    t = _prob_table(agg, agg["main_events"] + ["lambda_min_G0_ok"])
    secs.append({"id": "probabilities", "title": "Success probabilities",
                 "paragraphs": ["p [Clopper-Pearson interval] (successes/cells) per group of seeds. Events: "
                                + "; ".join(f"{e}: {agg['events'][e]}" for e in agg["main_events"] + ["lambda_min_G0_ok"]
                                            if e in agg["events"]) + "."],
                 "tables": [t] if t else []})
    t = _critical_table(agg)
    secs.append({"id": "critical", "title": "Empirical critical widths m*",
                 "paragraphs": ["Per family (every setting but the width and the seed). Target 1 - delta."],
                 "tables": [t] if t else []})
    t = _exponent_table(agg)
    secs.append({"id": "exponents", "title": "Scaling exponents: observed against printed",
                 "paragraphs": ["Needs at least two values of n with an uncensored m* in a series." if not t else
                                "Theory columns come from the statements' sympy expressions (proofs_checks)."],
                 "tables": [t] if t else []})
    t1, t2 = _constants_table(agg)
    secs.append({"id": "constants", "title": "Empirical hidden constants",
                 "paragraphs": ["Each width statement's Omega hides a constant the paper never gives; here is the "
                                "constant the observations call for, beside the one the proof derives "
                                "(proofs_checks.hidden_constants)."],
                 "tables": [t for t in (t1, t2) if t]})
    t = _statements_table(agg)
    secs.append({"id": "statements", "title": "Every statement: conclusion holds / hypotheses met",
                 "paragraphs": ["Per group of seeds, for each statement of the registry (paper order)."],
                 "tables": [t] if t else []})
    failed = [r for r in rows if r.get("status") in ("refused", "error")]
    if failed:
        secs.append({"id": "failed", "title": "Cells that failed",
                     "paragraphs": ["Recorded and skipped; `verifier sweep SPEC --out DIR --resume` runs them again."],
                     "tables": [{"header": ["cell", "status", "width", "n", "seed", "error"],
                                 "rows": [[r["cell"], r["status"], fmt(r.get("width")), fmt(r.get("n")),
                                           fmt(r.get("seed")), str(r.get("error"))[:300]] for r in failed]}]})
    return secs


def write_sweep_report(out) -> dict:
    """Write sweep_report.json, report.md, figures/*.png and report.html into the sweep directory `out`."""
    from .figures import make_sweep_figures

    out = Path(out)
    table = out / "results.parquet"
    if not table.is_file():
        raise SpecError(f"{out}: not a sweep directory (no results.parquet)")
    rows = read_table(table)
    meta = {}
    if (out / "spec.json").is_file():
        s = json.loads((out / "spec.json").read_text())
        meta = {"source": s.get("source"), "options": s.get("spec", {}).get("options", {})}
    opts = meta.get("options", {})
    agg = aggregate(rows, confidence=opts.get("confidence", 0.95), bootstrap=opts.get("bootstrap", 1000))
    walls = [r["wall_seconds"] for r in rows if isinstance(r.get("wall_seconds"), (int, float))]
    meta.update(wall_total=sum(walls), wall_max=max(walls) if walls else None)
    figs = make_sweep_figures(rows, agg, out)
    figdir = out / "figures"
    figdir.mkdir(exist_ok=True)
    for name, (_t, png) in figs.items():
        (figdir / f"{name}.png").write_bytes(png)
    headline = _headline(rows, agg, meta)
    sections = _sections(rows, agg, meta, list(figs))
    for sec in sections:
        sec.setdefault("figures", [])
    shown = {f for sec in sections for f in sec["figures"]}
    doc = {"schema": REPORT_SCHEMA, "generated": time.strftime("%Y-%m-%d %H:%M:%S"), "directory": str(out),
           "spec": meta, "headline": headline, "definitions": DEFINITIONS, "linear_convergence_definition": _RESULTS_DOC,
           "figures": {n: f"figures/{n}.png" for n in figs}, **agg}
    atomic_write(out / "sweep_report.json", dumps(to_json(doc)))
    env = Environment(loader=PackageLoader("verifier.sweep", "templates"), undefined=StrictUndefined, autoescape=False)
    env.filters["md"] = _md
    title = f"Sweep report: {opts.get('name', out.name)}"
    ctx = {"title": title, "headline": headline, "sections": sections,
           "counterexample": any(line.startswith("COUNTEREXAMPLE") for line in headline),
           "figures": [(n, t) for n, (t, _p) in figs.items() if n not in shown],
           "figures_b64": [(n, t, base64.b64encode(p).decode("ascii")) for n, (t, p) in figs.items() if n not in shown],
           "section_figures": {n: (t, base64.b64encode(p).decode("ascii")) for n, (t, p) in figs.items() if n in shown},
           "esc": html.escape}
    atomic_write(out / "report.md", env.get_template("sweep_report.md.j2").render(**ctx))
    env.autoescape = True
    atomic_write(out / "report.html", env.get_template("sweep_report.html.j2").render(**ctx))
    return doc
