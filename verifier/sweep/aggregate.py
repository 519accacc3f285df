"""From the results table to the paper's family statements: probabilities, critical widths, exponents and
empirical hidden constants, side by side with what the theory prints.

Events (per cell: true, false, or undecided and then left out of the count):

* ``linear_convergence``   the definition in verifier.sweep.results (level epsilon = target_fraction)
* ``G0_close``             ||G(0) - G_inf|| <= lambda0/4 (L3.3's conclusion; also in `init` cells)
* ``lambda_min_G0_ok``     lambda_min(G(0)) >= 3 lambda0/4 (L3.3's consequence)
* ``all:L3.6`` / ``all:L3.5``  every conclusion (i)-(vi) of the deterministic lemma holds on the run
* ``holds:<id>``           the statement's conclusion holds on the run (run verdicts, proofs_checks)
* ``met:<id>``             the statement's hypotheses are met (at the cell's hidden constants)

Each width statement is paired with the event its conclusion speaks of: L3.3 with G0_close; T3.1 / T3.2
with their own conclusion (the rate exp(-lambda0 t), (1 - alpha lambda0/2)^k); L3.5 / L3.6 with all of
their conclusions; the audit's repaired L3.5 chain (proofs_checks.constants) with all of L3.5's.
"""
from __future__ import annotations

import functools
import math
from collections import defaultdict

import numpy as np
import sympy as sp

from .results import met_value
from .stats import bootstrap_exponent, clopper_pearson, critical_width, loglog_fit

__all__ = ["EVENTS", "GROUP_COLUMNS", "event_values", "probabilities", "critical_widths", "width_statements",
           "theory_exponents", "exponent_fits", "empirical_constants", "aggregate"]

#: columns that define a cell's group (everything that is not its seed); the report shows those that vary
GROUP_COLUMNS = ("mode", "dataset", "n", "data_seed", "width", "gamma", "step_size_spec", "steps", "method", "solver",
                 "backend", "dtype", "delta", "tol", "constants", "hidden", "on_parallel")
_FAMILY = tuple(c for c in GROUP_COLUMNS if c != "width")
_SERIES = tuple(c for c in _FAMILY if c not in ("n", "data_seed"))

EVENTS = {
    "linear_convergence": "linear convergence at level epsilon: ||r(t_j)||^2 <= epsilon^(t_j/T) ||r(0)||^2 for every "
                          "recorded j, all steps completed",
    "G0_close": "||G(0) - G_inf|| <= lambda0/4 (L3.3)",
    "lambda_min_G0_ok": "lambda_min(G(0)) >= 3 lambda0/4 (L3.3)",
}
_MAIN = ("linear_convergence", "G0_close", "all:L3.6", "all:L3.5", "holds:T3.2", "holds:T3.1")


def _claim_ids(rows) -> list[str]:
    ids = []
    for r in rows:
        for k in r:
            if k.startswith("holds:") and r[k] is not None and k[6:] not in ids:
                ids.append(k[6:])
    return ids


def event_values(rows: list[dict]) -> dict:
    """event -> list of True / False / None, aligned with rows (finished and stopped cells only count)."""
    ids = _claim_ids(rows)
    ev = {name: [] for name in EVENTS}
    for cid in ids:
        ev[f"holds:{cid}"] = []
        ev[f"met:{cid}"] = []
    for lemma in ("L3.6", "L3.5"):
        if any(c.startswith(lemma + "(") for c in ids):
            ev[f"all:{lemma}"] = []
    for r in rows:
        counted = r.get("status") in ("finished", "stopped")
        for name in ev:
            if not counted:
                v = None
            elif name.startswith("holds:"):
                v = r.get(name)
            elif name.startswith("met:"):
                v = met_value(r.get("hypotheses:" + name[4:]))
            elif name.startswith("all:"):
                parts = [r.get(k) for k in r if k.startswith("holds:" + name[4:] + "(")]
                v = None if not parts or any(p is None for p in parts) else all(parts)
            else:
                v = r.get(name)
            if name == "linear_convergence" and r.get("mode") != "train":
                v = None
            ev[name].append(None if v is None else bool(v))
    return ev


def _describe(name: str) -> str:
    if name in EVENTS:
        return EVENTS[name]
    kind, cid = name.split(":", 1)
    return {"holds": f"{cid}: conclusion holds on the run", "met": f"{cid}: hypotheses met",
            "all": f"{cid}: every conclusion (i)-(vi) holds on the run"}[kind]


def _key(row, cols):
    return tuple(row.get(c) for c in cols)


def _groups(rows, cols):
    g = defaultdict(list)
    for i, r in enumerate(rows):
        g[_key(r, cols)].append(i)
    return g


def probabilities(rows: list[dict], ev: dict, confidence: float) -> list[dict]:
    """One record per (group, event) with cells counted: k, N, p_hat and the Clopper-Pearson interval."""
    out = []
    for key, idx in sorted(_groups(rows, GROUP_COLUMNS).items(), key=lambda kv: _sort(kv[0])):
        base = dict(zip(GROUP_COLUMNS, key))
        base["cells"] = len(idx)
        for name, vals in ev.items():
            xs = [vals[i] for i in idx if vals[i] is not None]
            if not xs:
                continue
            k, n = int(sum(xs)), len(xs)
            lo, hi = clopper_pearson(k, n, confidence)
            out.append({**base, "event": name, "k": k, "N": n, "p": k / n, "ci_low": lo, "ci_high": hi,
                        "lower_one_sided": clopper_pearson(k, n, confidence, sided="lower")[0]})
    return out


def _probabilistic_ids() -> set:
    from proofs_checks import registry

    return {m.ID for m in registry.modules() if getattr(m.STATEMENT, "probabilistic", False)}


def refutations(probs: list[dict], confidence: float) -> list[dict]:
    """Statistical counterexamples to the statements that hold "with probability >= 1 - delta" (L3.3, T3.1,
    T3.2): groups in which every cell meets the hypotheses (at the hidden constants the cells used) and the
    two-sided Clopper-Pearson upper bound of P(conclusion holds) lies below 1 - delta."""
    ids = _probabilistic_ids()
    by_group = defaultdict(dict)
    for p in probs:
        by_group[tuple(p.get(c) for c in GROUP_COLUMNS)][p["event"]] = p
    out = []
    for key, evs in by_group.items():
        for sid in ids:
            holds, met = evs.get(f"holds:{sid}"), evs.get(f"met:{sid}")
            if not holds or not met or met["k"] != met["N"] or met["N"] != holds["N"]:
                continue
            delta = holds["delta"] if isinstance(holds.get("delta"), (int, float)) else 0.05
            if holds["ci_high"] < 1 - delta:
                out.append({**{c: holds.get(c) for c in GROUP_COLUMNS}, "statement": sid, "k": holds["k"],
                            "N": holds["N"], "p": holds["p"], "ci_high": holds["ci_high"], "target": 1 - delta,
                            "confidence": confidence})
    return sorted(out, key=lambda r: (r["statement"], _sort(tuple(r.get(c) for c in GROUP_COLUMNS))))


def _sort(key):
    return tuple((0, v) if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, str(v)) for v in key)


def critical_widths(rows: list[dict], ev: dict, confidence: float) -> list[dict]:
    """m* per (family = group without the width, event), by the point rule and the confidence rule."""
    out = []
    for key, idx in sorted(_groups(rows, _FAMILY).items(), key=lambda kv: _sort(kv[0])):
        fam = dict(zip(_FAMILY, key))
        delta = fam["delta"] if isinstance(fam.get("delta"), (int, float)) else 0.05
        by_w = defaultdict(list)
        for i in idx:
            by_w[rows[i]["width"]].append(i)
        widths = sorted(by_w)
        if len(widths) < 2:
            continue
        for name, vals in ev.items():
            if name.startswith("met:"):
                continue
            k = [sum(1 for i in by_w[w] if vals[i]) for w in widths]
            n = [sum(1 for i in by_w[w] if vals[i] is not None) for w in widths]
            if min(n) == 0:
                continue
            pt = critical_width(widths, k, n, 1 - delta, confidence=confidence, rule="point")
            cf = critical_width(widths, k, n, 1 - delta, confidence=confidence, rule="confidence")
            lam = [rows[i].get("lambda0") for i in idx if rows[i].get("lambda0") is not None]
            out.append({**fam, "event": name, "widths": widths, "k": k, "N": n, "target": 1 - delta,
                        "lambda0": float(np.median(lam)) if lam else None, **pt.to_dict(),
                        "confidence_rule": cf.to_dict()})
    return out


# --- the theory's widths and their exponents --------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def width_statements() -> list[dict]:
    """The width requirements the statements print (sympy, from proofs_checks), each with its hidden constant
    and the event its conclusion speaks of."""
    from proofs_checks import l3_3, l3_5, l3_6, t3_1, t3_2
    from proofs_checks.constants import repaired_gf_width_symbolic

    rep = repaired_gf_width_symbolic()
    return [
        {"id": "L3.3", "label": "L3.3: C n^2/lambda0^2 log(n/delta)", "expr": l3_3.WIDTH, "constant": "C_width_L3.3",
         "event": "G0_close", "method": None},
        {"id": "T3.1", "label": "T3.1: C n^2/lambda0^2 log(n/delta)", "expr": t3_1.WIDTH, "constant": "C_width_T3.1",
         "event": "holds:T3.1", "method": "gf"},
        {"id": "T3.2 printed", "label": "T3.2 as printed: C n^2/lambda0 log(n/delta)", "expr": t3_2.WIDTH_PRINTED,
         "constant": "C_width_T3.2", "event": "holds:T3.2", "method": "gd"},
        {"id": "T3.2", "label": "T3.2 as L3.3 needs: C n^2/lambda0^2 log(n/delta)", "expr": t3_2.WIDTH_CORRECTED,
         "constant": "C_width_T3.2", "event": "holds:T3.2", "method": "gd"},
        {"id": "T3.2 (linear convergence)", "label": "T3.2 as L3.3 needs, against linear convergence at level epsilon",
         "expr": t3_2.WIDTH_CORRECTED, "constant": "C_width_T3.2", "event": "linear_convergence", "method": "gd"},
        {"id": "T3.1 (linear convergence)", "label": "T3.1, against linear convergence at level epsilon",
         "expr": t3_1.WIDTH, "constant": "C_width_T3.1", "event": "linear_convergence", "method": "gf"},
        {"id": "L3.5", "label": "L3.5: C c^2 n ||X||^2 ||r0||^2/lambda0^3", "expr": l3_5.WIDTH,
         "constant": "C_width_L3.5", "event": "all:L3.5", "method": "gf"},
        {"id": "L3.6", "label": "L3.6: C c^2 n ||X||^2 ||r0||^2/lambda0^3", "expr": l3_6.WIDTH,
         "constant": "C_width_L3.6", "event": "all:L3.6", "method": "gd"},
        {"id": "L3.5 repaired", "label": "L3.5, the audit's repaired A.7 chain (W radius; no hidden constant)",
         "expr": rep["width_W"], "constant": None, "event": "all:L3.5", "method": "gf"},
        {"id": "L3.5 repaired (A)", "label": "L3.5, the audit's repaired A.7 chain (A radius; no hidden constant)",
         "expr": rep["width_A"], "constant": None, "event": "all:L3.5", "method": "gf"},
    ]


def _sym(expr, name):
    for s in sp.sympify(expr).free_symbols:
        if s.name == name:
            return s
    return sp.Symbol(name, positive=True)


def _shape(expr):
    """The width with its hidden constant set to 1."""
    from proofs_checks.hidden_constants import HIDDEN_CONSTANTS

    expr = sp.sympify(expr)
    return expr.subs({s: 1 for s in expr.free_symbols if s.name in HIDDEN_CONSTANTS})


def _exponent(expr, var: str, at: str):
    """lim x d log W/dx as x -> oo (var = n) or minus that as lambda0 -> 0: the power the width grows with."""
    W = _shape(expr)
    x = _sym(W, var)
    if x not in W.free_symbols:
        return 0
    g = x * sp.diff(sp.log(W), x)
    val = sp.limit(g, x, sp.oo) if at == "oo" else -sp.limit(g, x, 0, "+")
    return sp.nsimplify(val)


@functools.lru_cache(maxsize=1)
def theory_exponents() -> list[dict]:
    """Per width statement: the power of n (other symbols fixed), of n when ||X||^2 and ||r0||^2 grow like n
    (unit rows; O(1) residual entries), and of 1/lambda0, all derived from the statements' sympy expressions."""
    out = []
    for ws in width_statements():
        W = _shape(ws["expr"])
        nX, r0, n = _sym(W, "normX"), _sym(W, "r0"), _sym(W, "n")
        a, b = sp.symbols("a_X a_r", positive=True)
        scaled = W.subs({nX: sp.sqrt(n) * a, r0: sp.sqrt(n) * b})
        logs = any(isinstance(f, sp.log) and n in f.free_symbols for f in sp.preorder_traversal(W))
        out.append({"id": ws["id"], "label": ws["label"], "expression": sp.sstr(ws["expr"]),
                    "n": float(_exponent(W, "n", "oo")), "n_scaled": float(_exponent(scaled, "n", "oo")),
                    "inv_lambda0": float(_exponent(W, "lambda0", "0")), "log_factor": logs})
    return out


@functools.lru_cache(maxsize=16)
def _shape_fn(idx: int):
    ws = width_statements()[idx]
    W = _shape(ws["expr"])
    names = ("n", "lambda0", "c", "normX", "r0", "delta")
    return sp.lambdify([_sym(W, nm) for nm in names], W, "math")


def _shape_value(idx: int, v: dict) -> float:
    try:
        return float(_shape_fn(idx)(v["n"], v["lambda0"], v["c"], v["norm_X"], v["r0_norm"], v["delta"]))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return math.nan


def _median(rows, idx, col):
    vals = [rows[i].get(col) for i in idx if isinstance(rows[i].get(col), (int, float))]
    return float(np.median(vals)) if vals else math.nan


def _point_values(rows, idx, width) -> dict:
    """The inputs of the theory's widths at one point: c and ||r0|| are measured at the given width."""
    at = [i for i in idx if rows[i]["width"] == width] or idx
    return {"n": rows[idx[0]]["n"], "lambda0": _median(rows, idx, "lambda0"), "c": _median(rows, at, "c"),
            "norm_X": _median(rows, idx, "norm_X"), "r0_norm": _median(rows, at, "r0_norm"),
            "delta": rows[idx[0]].get("delta") or 0.05}


def _series_points(rows, ev, event, confidence):
    """series key -> list of points (one per (n, data_seed)) with the grid outcomes for `event`."""
    series = defaultdict(list)
    vals = ev.get(event)
    if vals is None:
        return series
    for fkey, idx in _groups(rows, _FAMILY).items():
        fam = dict(zip(_FAMILY, fkey))
        by_w = defaultdict(list)
        for i in idx:
            if vals[i] is not None:
                by_w[rows[i]["width"]].append(i)
        widths = sorted(by_w)
        if len(widths) < 2 or fam.get("n") is None:
            continue
        delta = fam["delta"] if isinstance(fam.get("delta"), (int, float)) else 0.05
        k = [sum(1 for i in by_w[w] if vals[i]) for w in widths]
        n = [len(by_w[w]) for w in widths]
        cw = critical_width(widths, k, n, 1 - delta, confidence=confidence)
        skey = tuple(fam[c] for c in _SERIES)
        series[skey].append({"fam": fam, "idx": idx, "widths": widths, "k": k, "n": n, "cw": cw, "delta": delta})
    return series


def exponent_fits(rows: list[dict], ev: dict, confidence: float, reps: int) -> list[dict]:
    """log-log fits of m* against n and against 1/lambda0, per series (same dataset and settings, n varying),
    for each width statement's event, beside the theory's exponents (printed, and on this data)."""
    theory = {t["id"]: t for t in theory_exponents()}
    out = []
    for si, ws in enumerate(width_statements()):
        for skey, pts in sorted(_series_points(rows, ev, ws["event"], confidence).items(), key=lambda kv: _sort(kv[0])):
            ser = dict(zip(_SERIES, skey))
            if ws["method"] and ser.get("method") != ws["method"]:
                continue
            if len({p["fam"]["n"] for p in pts}) < 2:
                continue
            vals = [_point_values(rows, p["idx"], p["cw"].m_star or max(p["widths"])) for p in pts]
            rec = {**ser, "event": ws["event"], "statement": ws["id"], "label": ws["label"],
                   "points": [{"n": p["fam"]["n"], "data_seed": p["fam"]["data_seed"], "lambda0": v["lambda0"],
                               **p["cw"].to_dict(), "theory_width_C1": _shape_value(si, v)} for p, v in zip(pts, vals)],
                   "theory": theory[ws["id"]]}
            for axis, xs in (("n", [p["fam"]["n"] for p in pts]), ("inv_lambda0", [1 / v["lambda0"] for v in vals])):
                fit = bootstrap_exponent([{"x": x, "widths": p["widths"], "k": p["k"], "n": p["n"]}
                                          for x, p in zip(xs, pts)], 1 - pts[0]["delta"], confidence=confidence,
                                         reps=reps, seed=0)
                on_data, _ = loglog_fit(xs, [pt["theory_width_C1"] for pt in rec["points"]])
                rec[axis] = {"empirical": fit, "theory_on_this_data": on_data}
            out.append(rec)
    return out


def empirical_constants(rows: list[dict], ev: dict, confidence: float) -> list[dict]:
    """For each width statement and point: the constant C at which the printed width equals the observed m*
    (C_emp = m*_interpolated / width at C = 1), bracketed by [m_fail, m*] / width; per statement the smallest C
    consistent with every point is the largest lower end, shown next to the proof-derived constant."""
    from proofs_checks.hidden_constants import HIDDEN_CONSTANTS

    out = []
    for si, ws in enumerate(width_statements()):
        pts_all = []
        for skey, pts in _series_points(rows, ev, ws["event"], confidence).items():
            ser = dict(zip(_SERIES, skey))
            if ws["method"] and ser.get("method") != ws["method"]:
                continue
            for p in pts:
                cw = p["cw"]
                v = _point_values(rows, p["idx"], cw.m_star or max(p["widths"]))
                shape = _shape_value(si, v)
                rec = {"dataset": ser.get("dataset"), "n": p["fam"]["n"], "data_seed": p["fam"]["data_seed"],
                       "lambda0": v["lambda0"], "width_at_C1": shape, **cw.to_dict()}
                if cw.censored == "above":
                    rec.update(C_emp=None, C_low=max(p["widths"]) / shape if shape > 0 else None, C_high=None)
                elif cw.censored == "below":
                    rec.update(C_emp=None, C_low=None, C_high=cw.m_star / shape if shape > 0 else None)
                else:
                    rec.update(C_emp=cw.interpolated / shape, C_low=cw.m_fail / shape, C_high=cw.m_star / shape)
                pts_all.append(rec)
        if not pts_all:
            continue
        lows = [p["C_low"] for p in pts_all if p["C_low"] is not None]
        h = HIDDEN_CONSTANTS.get(ws["constant"]) if ws["constant"] else None
        out.append({"statement": ws["id"], "label": ws["label"], "event": ws["event"], "constant": ws["constant"],
                    "smallest_consistent_C": max(lows) if lows else None,
                    "C_emp_median": float(np.median([p["C_emp"] for p in pts_all if p["C_emp"] is not None]))
                    if any(p["C_emp"] is not None for p in pts_all) else None,
                    "C_emp_range": [min(p["C_emp"] for p in pts_all if p["C_emp"] is not None),
                                    max(p["C_emp"] for p in pts_all if p["C_emp"] is not None)]
                    if any(p["C_emp"] is not None for p in pts_all) else None,
                    "default": h.default if h else None, "proof_derived": h.proof_value if h else None,
                    "proof_source": h.proof_source if h else "repaired chain, proofs_checks.constants",
                    "points": pts_all})
    return out


def varying(rows: list[dict], cols=GROUP_COLUMNS + ("seed",)) -> list[str]:
    """The grid axes that take more than one value in the table."""
    out = []
    for c in cols:
        vals = {repr(r.get(c)) for r in rows}
        if len(vals) > 1:
            out.append(c)
    return out


def aggregate(rows: list[dict], *, confidence: float = 0.95, bootstrap: int = 1000) -> dict:
    """Everything the sweep report shows, JSON-ready."""
    counted = list(rows)
    ev = event_values(counted)
    probs = probabilities(counted, ev, confidence)
    status = defaultdict(int)
    for r in rows:
        status[r.get("status")] += 1
    return {
        "cells": len(rows), "status": dict(status), "varying": varying(rows),
        "events": {name: _describe(name) for name in ev}, "main_events": [e for e in _MAIN if e in ev],
        "probabilities": probs,
        "refutations": refutations(probs, confidence),
        "critical_widths": critical_widths(counted, ev, confidence),
        "theory_exponents": theory_exponents(),
        "exponent_fits": exponent_fits(counted, ev, confidence, bootstrap),
        "empirical_constants": empirical_constants(counted, ev, confidence),
        "confidence": confidence,
    }
