"""Small helpers shared by the per-statement audit modules: steps, findings, symbolic checks."""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

__all__ = ["SYM", "step", "finding", "identity_step", "inequality_step", "numeric_step", "result", "jsonable"]

# The paper's symbols, all positive (norms, sizes, rates).
n, m, d, c, lam0, nX, r0, alpha, gamma, gamma0, delta, t, k = sp.symbols(
    "n m d c lambda0 normX r0 alpha gamma gamma0 delta t k", positive=True)
SYM = {"n": n, "m": m, "d": d, "c": c, "lambda0": lam0, "norm_X": nX, "r0_norm": r0, "alpha": alpha,
       "gamma": gamma, "gamma0": gamma0, "delta": delta, "t": t, "k": k}


def jsonable(x):
    """float / str / None for sympy, mpmath and numpy numbers; recursive on lists and dicts."""
    if isinstance(x, dict):
        return {str(k_): jsonable(v) for k_, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x)
    if isinstance(x, str) or x is None:
        return x
    if isinstance(x, sp.Basic):
        try:
            return float(x)
        except TypeError:
            return str(x)
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


def step(description: str, kind: str, passed: bool, detail: str = "") -> dict:
    return {"description": description, "kind": kind, "passed": bool(passed), "detail": detail}


def finding(summary: str, evidence) -> dict:
    return {"summary": summary, "evidence": jsonable(evidence)}


def identity_step(description: str, lhs, rhs, subs: dict | None = None) -> dict:
    """Exact identity lhs == rhs, decided by sympy.simplify (optionally after substitutions)."""
    diff = sp.simplify((sp.sympify(lhs) - sp.sympify(rhs)).subs(subs or {}))
    if isinstance(diff, sp.MatrixBase):
        ok = all(sp.expand(e) == 0 for e in diff)
        return step(description, "identity", ok, f"{diff.shape[0]}x{diff.shape[1]} matrix identity, entrywise "
                    + ("zero" if ok else f"nonzero: {diff}"))
    return step(description, "identity", diff == 0, f"{sp.sstr(lhs)} - ({sp.sstr(rhs)}) simplifies to {diff}")


def inequality_step(description: str, lhs, rhs, domain: dict | None = None, samples: int = 400,
                    seed: int = 0) -> dict:
    """lhs <= rhs for all positive symbols (within `domain`: symbol -> (low, high)).

    First asks sympy whether rhs - lhs is provably nonnegative (positive symbols); if sympy cannot decide,
    samples the domain log-uniformly and says so in `kind` ("inequality (sampled)").
    """
    expr = sp.simplify(sp.sympify(rhs) - sp.sympify(lhs))
    ok = expr.is_nonnegative
    if ok is True:
        return step(description, "inequality", True, f"{sp.sstr(rhs)} - ({sp.sstr(lhs)}) = {expr} >= 0 (sympy)")
    free = sorted(expr.free_symbols, key=str)
    if not free:
        val = float(expr)
        return step(description, "inequality", val >= 0, f"rhs - lhs = {val:.6g}")
    rng = np.random.default_rng(seed)
    f = sp.lambdify(free, expr, "numpy")
    worst = math.inf
    skipped = 0
    for _ in range(samples):
        vals = []
        for s in free:
            lo, hi = (domain or {}).get(s, (1e-3, 1e3))
            vals.append(math.exp(rng.uniform(math.log(lo), math.log(hi))))
        with np.errstate(all="ignore"):
            val = float(f(*vals))
        if not math.isfinite(val):
            skipped += 1
            continue
        worst = min(worst, val)
    return step(description, "inequality (sampled)", worst >= -1e-12 and skipped < samples,
                f"rhs - lhs = {expr}; min over {samples - skipped} log-uniform samples of {[str(s) for s in free]}: "
                f"{worst:.4g}" + (f" ({skipped} non-finite samples skipped)" if skipped else ""))


def numeric_step(description: str, passed: bool, detail: str) -> dict:
    return step(description, "numeric", passed, detail)


def result(id_: str, title: str, steps: list, findings: list, reason: str = "") -> dict:
    """One statement's audit record; status derives from the steps and findings."""
    algebra = [s for s in steps if s["kind"].startswith(("identity", "inequality", "derivation"))]
    if findings or any(not s["passed"] for s in steps):
        status = "finding"
    elif algebra:
        status = "algebra verified"
    else:
        status = "cannot be checked symbolically"
    return {"id": id_, "title": title, "status": status, "steps": jsonable(steps),
            "findings": jsonable(findings), "reason": reason}
