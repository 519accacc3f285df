"""Small helpers shared by the per-statement audit modules: steps (re-runnable checks), findings, statuses."""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

__all__ = ["SYM", "HOLDS", "FAILS", "NOT_CHECKABLE", "STEP_STATUSES", "VERIFIED", "FINDING", "STATUSES", "Outcome",
           "Step", "Finding", "StatementAudit", "statement_status", "step_counts", "audit_summary_line", "result",
           "finding", "not_checkable", "identity_step", "inequality_step", "solve_step", "exponent_step",
           "compare_step", "jsonable"]

# The paper's symbols, all positive (norms, sizes, rates).
n, m, d, c, lam0, nX, r0, alpha, gamma, gamma0, delta, t, k = sp.symbols(
    "n m d c lambda0 normX r0 alpha gamma gamma0 delta t k", positive=True)
SYM = {"n": n, "m": m, "d": d, "c": c, "lambda0": lam0, "norm_X": nX, "r0_norm": r0, "alpha": alpha,
       "gamma": gamma, "gamma0": gamma0, "delta": delta, "t": t, "k": k}


def jsonable(x):
    """float / str / None for sympy, mpmath and numpy numbers; recursive on lists and dicts; `.record()` of
    audit objects (Step, Finding, StatementAudit)."""
    if hasattr(x, "record") and callable(x.record):
        return jsonable(x.record())
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


# --- steps: a claim of a proof, the check that decides it, and the inputs the check reads -------------------

HOLDS, FAILS, NOT_CHECKABLE = "holds", "fails", "not checkable"
#: the status of one step: checked and holds / checked and fails / not checkable (with a reason)
STEP_STATUSES = (HOLDS, FAILS, NOT_CHECKABLE)
VERIFIED, FINDING = "verified", "finding"
#: the status of one statement, derived from all of its steps and findings (see `statement_status`)
STATUSES = (VERIFIED, FINDING, NOT_CHECKABLE)


class Outcome(NamedTuple):
    """What a step's check returns. `sampled`: 'holds' rests on samples of the domain, not on a proof."""
    status: str
    detail: str
    sampled: bool = False


@dataclass(frozen=True, eq=False)
class Step:
    """One step of a proof: `check(*inputs) -> Outcome` decides it (or says, with the reason in its detail, that
    it cannot).

    The check reads only its inputs, so it can be re-run on other ones (a doubled right-hand side, another
    constant) and must then be able to change its answer; tests/proofs_checks/test_audit_steps.py does that
    for every step of every statement. A step nothing can decide has no check and says why in `reason`.

        >>> identity_step("2 * 2 = 4", 2 * 2, 4).status
        'holds'
        >>> identity_step("2 * 2 = 4", 2 * 2, 4).run((2 * 2, 5, {})).status
        'fails'
    """
    description: str
    kind: str                                   # identity, inequality, solve, limit, numeric, derivation, ...
    check: Callable[..., Outcome] | None = None
    inputs: tuple = ()
    reason: str = ""                            # why the step is not checkable (check is None)

    def __post_init__(self):
        if self.check is None and not self.reason:
            raise ValueError(f"step {self.description!r}: a step without a check must say why (reason)")

    def run(self, inputs: tuple | None = None) -> Outcome:
        """Run the check on `inputs` (default: the step's own)."""
        if self.check is None:
            return Outcome(NOT_CHECKABLE, self.reason)
        out = self.check(*(self.inputs if inputs is None else inputs))
        if not isinstance(out, Outcome) or out.status not in STEP_STATUSES:
            raise TypeError(f"step {self.description!r}: check returned {out!r}, not an Outcome")
        return out

    @functools.cached_property
    def outcome(self) -> Outcome:
        return self.run()

    @property
    def status(self) -> str:
        return self.outcome.status

    def record(self) -> dict:
        o = self.outcome
        reason = (self.reason or o.detail) if o.status == NOT_CHECKABLE else ""
        return {"description": self.description, "kind": self.kind + (" (sampled)" if o.sampled else ""),
                "status": o.status, "detail": o.detail, "reason": reason}


@dataclass(frozen=True, eq=False)
class Finding:
    """Something the audit found in the paper; `status` says what it is in a few words
    ("false as stated", "typo", "inconsistent, probable typo", "proof gap", ...)."""
    summary: str
    evidence: Any
    status: str

    def record(self) -> dict:
        return {"summary": self.summary, "status": self.status, "evidence": jsonable(self.evidence)}


def statement_status(step_statuses, n_findings: int) -> str:
    """'finding' if any step fails or any finding is recorded; 'not checkable' if no step was checked;
    otherwise 'verified' (every checked step holds; not checkable steps are counted apart)."""
    step_statuses = list(step_statuses)
    if n_findings or FAILS in step_statuses:
        return FINDING
    if HOLDS not in step_statuses:
        return NOT_CHECKABLE
    return VERIFIED


def step_counts(step_statuses) -> dict:
    step_statuses = list(step_statuses)
    return {s: step_statuses.count(s) for s in STEP_STATUSES}


@dataclass(frozen=True, eq=False)
class StatementAudit:
    """One statement's audit: its steps and findings; `record()` is the JSON form."""
    id: str
    title: str
    steps: tuple
    findings: tuple
    reason: str = ""

    @property
    def counts(self) -> dict:
        return step_counts(s.status for s in self.steps)

    @property
    def status(self) -> str:
        return statement_status((s.status for s in self.steps), len(self.findings))

    def record(self) -> dict:
        return {"id": self.id, "title": self.title, "status": self.status, "counts": self.counts,
                "steps": [s.record() for s in self.steps], "findings": [f.record() for f in self.findings],
                "reason": self.reason}


def result(id_: str, title: str, steps, findings, reason: str = "") -> StatementAudit:
    """One statement's audit; its status derives from every step and finding (`statement_status`)."""
    return StatementAudit(id_, title, tuple(steps), tuple(findings), reason)


def finding(summary: str, evidence, status: str) -> Finding:
    return Finding(summary, evidence, status)


def audit_summary_line(record: dict) -> str:
    """One line for one statement's audit record, the counts kept apart:

        'finding: 9 hold (1 sampled), 1 fails, 1 not checkable; 2 findings (false as stated; typo)'
    """
    steps = record.get("steps", [])
    counts = record.get("counts") or step_counts(s["status"] for s in steps)
    sampled = sum(1 for s in steps if s["status"] == HOLDS and s["kind"].endswith("(sampled)"))
    fs = record.get("findings", [])
    kinds = list(dict.fromkeys(f.get("status", "") for f in fs if f.get("status")))
    line = (f"{record['status']}: {counts[HOLDS]} hold" + (f" ({sampled} sampled)" if sampled else "")
            + f", {counts[FAILS]} fail{'s' if counts[FAILS] == 1 else ''}, {counts[NOT_CHECKABLE]} not checkable; "
            + f"{len(fs)} finding{'' if len(fs) == 1 else 's'}")
    return line + (f" ({'; '.join(kinds)})" if kinds else "")


def not_checkable(description: str, kind: str, reason: str) -> Step:
    return Step(description, kind, None, (), reason)


# --- checks ------------------------------------------------------------------------------------------------

def _zero(e) -> bool:
    """e == 0 exactly: cheap expansion first, sympy.simplify only when that does not settle it."""
    return e == 0 or sp.expand(e) == 0 or sp.simplify(e) == 0


def _identity(lhs, rhs, subs) -> Outcome:
    diff = (sp.sympify(lhs) - sp.sympify(rhs)).subs(subs or {})
    if isinstance(diff, sp.MatrixBase):
        bad = [e for e in diff if not _zero(e)]
        return Outcome(FAILS if bad else HOLDS, f"{diff.shape[0]}x{diff.shape[1]} identity, entrywise "
                       + (f"nonzero: {bad[:3]}" if bad else "zero"))
    at = f" at {', '.join(f'{k_} = {sp.sstr(v)}' for k_, v in subs.items())}" if subs else ""
    if _zero(diff):
        return Outcome(HOLDS, f"{sp.sstr(lhs)} - ({sp.sstr(rhs)}){at} simplifies to 0")
    return Outcome(FAILS, f"{sp.sstr(lhs)} - ({sp.sstr(rhs)}){at} simplifies to {sp.simplify(diff)}")


def identity_step(description: str, lhs, rhs, subs: dict | None = None) -> Step:
    """Exact identity lhs == rhs (scalars or matrices), decided by sympy.simplify after `subs`."""
    return Step(description, "identity", _identity, (lhs, rhs, subs or {}))


def _interval(s, domain):
    lo, hi = (domain or {}).get(s, (None, None))
    if lo is not None:
        return sp.Interval(lo, hi)
    return sp.Interval(0, sp.oo) if s.is_positive is not True else sp.Interval.open(0, sp.oo)


def _inequality(lhs, rhs, domain, subs, strict, samples=400, seed=0) -> Outcome:
    """rhs - lhs >= 0 (> 0 if strict) on the domain: by sympy's sign rules, by solveset (one variable),
    else on log-uniform samples (then 'holds' is marked sampled; a negative sample is a counterexample)."""
    raw = (sp.sympify(rhs) - sp.sympify(lhs)).subs(subs or {})
    expr = sp.simplify(raw)
    rel = "<" if strict else "<="
    head = f"{sp.sstr(lhs)} {rel} {sp.sstr(rhs)}: rhs - lhs = {sp.sstr(expr)}"
    sign = expr.is_positive if strict else expr.is_nonnegative
    if sign is None:   # a sum of nonnegative monomials is often only recognized once expanded
        ex = sp.expand(expr)
        sign = ex.is_positive if strict else ex.is_nonnegative
    free = sorted(expr.free_symbols, key=str)
    if sign is not None:   # sympy's sign rules decide for all positive values, hence on any domain too
        return Outcome(HOLDS if sign else FAILS, head + (" > 0" if strict else " >= 0") * bool(sign) + " (sympy)")
    if not free:
        val = float(expr)
        return Outcome(HOLDS if (val > 0 if strict else val >= 0) else FAILS, head + f" = {val:.6g}")
    if len(free) == 1 and not expr.has(sp.exp, sp.log):   # solveset rarely settles transcendental ones, slowly
        s = free[0]
        dom = _interval(s, domain)
        try:
            bad = sp.solveset(expr <= 0 if strict else expr < 0, s, dom)
        except (NotImplementedError, TypeError, ValueError):
            bad = None
        if bad is not None and not isinstance(bad, sp.ConditionSet):
            if bad is sp.S.EmptySet:
                return Outcome(HOLDS, head + f"; no violation on {dom} (sympy solveset)")
            return Outcome(FAILS, head + f"; violated on {bad} (sympy solveset)")
    rng = np.random.default_rng(seed)
    free = sorted(raw.free_symbols, key=str)
    f = sp.lambdify(free, raw, "numpy")   # the unsimplified form: simplify may fold logs into overflowing powers
    cols = []
    for s in free:
        lo, hi = (domain or {}).get(s, (1e-3, 1e3))
        lo, hi = float(lo), float(hi)
        hi = min(hi, max(lo, 1.0) * 1e6)   # an unbounded side is sampled up to a large finite value
        cols.append(np.exp(rng.uniform(math.log(lo), math.log(hi), samples)) if lo > 0 else rng.uniform(lo, hi, samples))
    try:
        with np.errstate(all="ignore"):
            vals = np.broadcast_to(np.asarray(f(*cols), dtype=float), (samples,))
    except (OverflowError, ZeroDivisionError, TypeError, ValueError):   # not vectorizable: one sample at a time
        vals = np.empty(samples)
        for i in range(samples):
            try:
                with np.errstate(all="ignore"):
                    vals[i] = float(f(*(col[i] for col in cols)))
            except (OverflowError, ZeroDivisionError):
                vals[i] = math.nan
    finite = np.isfinite(vals)
    skipped = int(samples - finite.sum())
    worst, at = math.inf, None
    if finite.any():
        i = int(np.argmin(np.where(finite, vals, np.inf)))
        worst, at = float(vals[i]), [float(col[i]) for col in cols]
    where = f"{samples - skipped} samples of {[str(s) for s in free]}"
    if at is None:
        return Outcome(NOT_CHECKABLE, head + f"; sympy cannot decide and no sample is finite ({samples} tried)")
    if worst < 0 or (strict and worst == 0):
        return Outcome(FAILS, head + f"; counterexample {dict(zip(map(str, free), at))}: {worst:.4g}")
    return Outcome(HOLDS, head + f"; min over {where}: {worst:.4g}"
                   + (f" ({skipped} non-finite skipped)" if skipped else ""), sampled=True)


def inequality_step(description: str, lhs, rhs, domain: dict | None = None, subs: dict | None = None,
                    strict: bool = False) -> Step:
    """lhs <= rhs (lhs < rhs if strict) for all positive values of the free symbols, or on `domain`
    (symbol -> (low, high)). `subs` reparametrizes first, e.g. {lambda0: 1/(2(1+q))} with q >= 0 for
    lambda0 in (0, 1/2], so that sympy's sign rules can decide."""
    return Step(description, "inequality", _inequality, (lhs, rhs, domain or {}, subs or {}, strict))


def _solve(lhs, rhs, symbol, printed) -> Outcome:
    sols = [s for s in sp.solve(sp.Eq(lhs, rhs), symbol) if s.is_positive is not False]
    ok = len(sols) == 1 and sp.simplify(sols[0] - printed) == 0
    return Outcome(HOLDS if ok else FAILS, f"solve({sp.sstr(lhs)} = {sp.sstr(rhs)}, {symbol}) = "
                   f"{[sp.sstr(s) for s in sols]}; printed {sp.sstr(printed)}")


def solve_step(description: str, lhs, rhs, symbol, printed) -> Step:
    """sympy.solve(lhs = rhs, symbol) has exactly one admissible root and it equals the printed value."""
    return Step(description, "solve", _solve, (lhs, rhs, symbol, printed))


def _exponent(expr, var, exponent) -> Outcome:
    lead = sp.limit(expr / var**exponent, var, sp.oo)
    if lead.is_finite and lead.is_positive:
        return Outcome(HOLDS, f"{sp.sstr(expr)} ~ {sp.sstr(lead)} {var}^{exponent} as {var} -> oo")
    got = sp.limit(sp.log(expr) / sp.log(var), var, sp.oo)      # growth up to logarithmic factors
    ok = sp.simplify(got - exponent) == 0
    return Outcome(HOLDS if ok else FAILS, f"{sp.sstr(expr)} / {var}^{exponent} -> {lead}; lim log(.)/log({var}) = "
                   f"{got}" + (" (a logarithmic factor)" if ok else f"; claimed {exponent}"))


def exponent_step(description: str, expr, var, exponent) -> Step:
    """expr grows like var**exponent as var -> oo (other symbols fixed): expr/var**exponent has a finite
    positive limit, or failing that lim log(expr)/log(var) = exponent (growth up to logarithmic factors)."""
    return Step(description, "limit", _exponent, (expr, var, exponent))


_RELATIONS = {"<=": lambda a, b: a <= b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b,
              ">": lambda a, b: a > b}


def _compare(lhs, relation, rhs) -> Outcome:
    ok = bool(_RELATIONS[relation](lhs, rhs))
    return Outcome(HOLDS if ok else FAILS, f"{_fmt(lhs)} {relation} {_fmt(rhs)}" + ("" if ok else " is false"))


def _fmt(x) -> str:
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return str(x)


def compare_step(description: str, lhs, relation: str, rhs, kind: str = "numeric") -> Step:
    """A computed number against a bound: lhs <relation> rhs (numbers, mpmath or sympy numbers)."""
    if relation not in _RELATIONS:
        raise ValueError(f"unknown relation {relation!r}")
    return Step(description, kind, _compare, (lhs, relation, rhs))
