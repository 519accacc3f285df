"""Every audit step is a real check: re-run on perturbed inputs, its status must be able to change.

A step records a claim of a proof, the check that decides it and the inputs the check reads
(`proofs_checks._common.Step`). A check that ignores its inputs (a hard-coded True, an expression
compared with itself) passes whatever the paper says; these tests walk every step of every statement
and reject such checks. Not checkable steps must say why. A statement's status derives from all of
its steps and findings.
"""
import importlib
import json

import mpmath
import numpy as np
import pytest
import sympy as sp

import proofs_checks
from proofs_checks._common import (
    FAILS,
    HOLDS,
    NOT_CHECKABLE,
    STEP_STATUSES,
    Outcome,
    StatementAudit,
    Step,
    compare_step,
    finding,
    identity_step,
    jsonable,
    not_checkable,
    statement_status,
)


def _statement_modules() -> list:
    """The registry's statement modules when it exists, else the modules named in AUDIT_MODULES."""
    try:
        registry = importlib.import_module("proofs_checks.registry")
    except ModuleNotFoundError:
        return [importlib.import_module(f"proofs_checks.{m}") for m in proofs_checks.AUDIT_MODULES.values()]
    return list(registry.modules())


MODULES = {m.ID: m for m in _statement_modules()}


@pytest.fixture(scope="module")
def audits() -> dict:
    return {sid: mod.audit(None) for sid, mod in MODULES.items()}


def _is_value(x) -> bool:
    """Inputs worth perturbing: numbers, sympy expressions and matrices, arrays, and containers of them."""
    if isinstance(x, (str, dict, type(None), bool, np.bool_)) or callable(x) and not isinstance(x, sp.Basic):
        return False
    return True


_OPS = (lambda v: 2 * v, lambda v: v / 2, lambda v: v + 1, lambda v: v - 1, lambda v: -v, lambda v: 0 * v)


def _variants(x):
    """Perturbed copies of one input (each may raise; the caller skips those)."""
    if isinstance(x, (bool, np.bool_)):
        yield not x
        return
    if not _is_value(x):
        return
    for op in _OPS:
        if isinstance(x, (list, tuple)):
            yield lambda op=op: type(x)(op(e) for e in x)
        else:
            yield lambda op=op: op(x)


def _compatible(x, y) -> bool:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.shape == y.shape
    if isinstance(x, (list, tuple)) or isinstance(y, (list, tuple)):
        return isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)) and len(x) == len(y)
    return _is_value(x) and _is_value(y)


def _perturbations(inputs: tuple):
    """Each input replaced by another input of the step of the same kind (W by W(0), a lhs by its rhs), then
    each input scaled, shifted, negated or zeroed."""
    for i, x in enumerate(inputs):
        for j, y in enumerate(inputs):
            if i != j and _compatible(x, y):
                yield i, (lambda y=y: y)
    for i, x in enumerate(inputs):
        for v in _variants(x):
            yield i, v


def _status_changes(step: Step) -> bool:
    base = step.run().status
    for i, make in _perturbations(step.inputs):
        try:
            new = make() if callable(make) else make
            args = step.inputs[:i] + (new,) + step.inputs[i + 1:]
            if step.run(args).status != base:
                return True
        except Exception:   # a perturbation the check cannot take (a shape, a domain) says nothing
            continue
    return False


@pytest.mark.parametrize("sid", list(MODULES))
def test_every_step_is_a_rerunnable_check_or_says_why_not(audits, sid):
    rec = audits[sid].record()
    json.dumps(jsonable(rec))
    assert rec["steps"], f"{sid} has no steps"
    for step in audits[sid].steps:
        assert isinstance(step, Step)
        r = step.record()
        assert r["status"] in STEP_STATUSES
        if step.check is None:
            assert r["status"] == NOT_CHECKABLE and step.reason.strip(), step.description
            continue
        assert step.inputs, f"{sid}: {step.description!r} has a check but no inputs"
        assert step.run().status == step.status, f"{sid}: {step.description!r} is not deterministic"
        if r["status"] == NOT_CHECKABLE:
            assert r["reason"].strip(), step.description


@pytest.mark.parametrize("sid", list(MODULES))
def test_every_check_depends_on_its_inputs(audits, sid):
    """Scale, shift, negate or zero an input (or replace it by another input of the step): some perturbation
    must change the status of every checked step."""
    dead = [s.description for s in audits[sid].steps if s.check is not None and not _status_changes(s)]
    assert not dead, f"{sid}: steps whose status no perturbation of their inputs changes: {dead}"


def test_the_perturbation_test_catches_a_check_that_ignores_its_inputs():
    fake = Step("always true", "numeric", lambda a, b: Outcome(HOLDS, "hard-coded"), (1.0, 2.0))
    assert not _status_changes(fake)
    same = Step("compares an expression with itself", "identity",
                lambda e: identity_step("", e, e).outcome, (sp.Symbol("x") + 1,))
    assert not _status_changes(same)
    real = compare_step("1 <= 2", 1.0, "<=", 2.0)
    assert _status_changes(real)
    assert _status_changes(identity_step("2 * 2 = 4", 2 * 2, 4))
    assert _status_changes(Step("mp", "numeric", lambda a: Outcome(HOLDS if a > 0 else FAILS, ""),
                                (mpmath.mpf(1),)))


def _holding(i: int = 0) -> Step:
    return compare_step(f"holds {i}", 1.0, "<=", 2.0)


def _failing() -> Step:
    return compare_step("fails", 3.0, "<=", 2.0)


def test_statement_status_comes_from_every_step_and_finding():
    nc = not_checkable("no tail bound", "derivation", "the paper states none")
    cases = [
        ((_failing(), _holding(1), _holding(2)), (), "finding"),      # a failing FIRST step counts
        ((_holding(1), _holding(2), _failing()), (), "finding"),      # and a failing last one
        ((_holding(1), _failing(), _holding(2)), (), "finding"),
        ((_holding(1), _holding(2)), (), "verified"),
        ((_holding(1), nc), (), "verified"),                          # not checkable counted apart
        ((nc,), (), "not checkable"),
        ((_holding(1),), (finding("typo", {}, "typo"),), "finding"),  # a finding alone makes it 'finding'
    ]
    for steps, findings, want in cases:
        a = StatementAudit("X", "t", steps, findings)
        assert a.status == want, [s.description for s in steps]
        rec = a.record()
        assert rec["status"] == want
        assert rec["counts"] == {HOLDS: sum(s.status == HOLDS for s in steps), FAILS: sum(s.status == FAILS for s in steps),
                                 NOT_CHECKABLE: sum(s.status == NOT_CHECKABLE for s in steps)}
    with pytest.raises(ValueError):
        Step("no check, no reason", "derivation")


def test_real_statements_turn_to_finding_when_their_first_step_fails(audits):
    for sid, a in audits.items():
        rec = a.record()
        assert rec["status"] == statement_status([s["status"] for s in rec["steps"]], len(rec["findings"]))
        broken = StatementAudit(a.id, a.title, (_failing(),) + tuple(a.steps[1:]), ())
        assert broken.status == "finding", sid
        if not a.findings and FAILS not in [s.status for s in a.steps]:
            assert a.status in ("verified", "not checkable"), sid
