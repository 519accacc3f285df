"""The statements as printed (sympy), evaluated once per constant choice; checked against hand formulas."""
import json
import math

import mpmath
import pytest
import sympy as sp

from proofs_checks import registry
from proofs_checks.statement import quantity_rows

VALUES = {"n": 20, "d": 8, "m": 4000, "gamma": 0.1, "c": 2.2, "delta": 0.05, "lambda0": 0.03, "alpha": 1e-3,
          "norm_X": 3.1, "r0_norm": 6.5}


def _row(rows, sid, q, choice):
    return next(r for r in rows if r["id"] == sid and r["quantity"] == q and r["choice"] == choice)


def test_every_statement_has_relational_hypotheses_and_conclusions():
    for st in registry.statements():
        for cond in st.hypotheses + st.conclusions:
            assert isinstance(cond.as_relational(), sp.Basic), st.id


def test_one_width_per_statement_per_constant_choice():
    rows = quantity_rows(registry.statements(), VALUES)
    json.dumps(rows)
    v = VALUES
    w = v["n"] ** 2 / v["lambda0"] ** 2 * math.log(v["n"] / v["delta"])
    assert _row(rows, "L3.3", "width_required", "default")["value"] == pytest.approx(w, rel=1e-14)
    assert _row(rows, "L3.3", "width_required", "proof")["value"] == pytest.approx(156 * w, rel=1e-14)
    assert _row(rows, "L3.3", "width_required", "proof")["hidden_constants_used"] == {"C_width_L3.3": 156.0}
    counts = {}
    for r in rows:
        counts[(r["id"], r["quantity"], r["choice"])] = counts.get((r["id"], r["quantity"], r["choice"]), 0) + 1
    assert set(counts.values()) == {1}
    w35 = 2048 * v["c"] ** 2 * v["n"] * v["norm_X"] ** 2 * v["r0_norm"] ** 2 / v["lambda0"] ** 3
    assert _row(rows, "L3.5", "width_required", "proof")["value"] == pytest.approx(w35, rel=1e-14)
    R = math.sqrt(v["m"]) * v["lambda0"] / (16 * v["c"] * v["norm_X"] ** 2)
    assert _row(rows, "L3.4", "R", "none")["value"] == pytest.approx(R, rel=1e-14)
    printed = _row(rows, "T3.2", "width_as_printed", "default")["value"]
    corrected = _row(rows, "T3.2", "width_corrected", "default")["value"]
    assert printed / corrected == pytest.approx(v["lambda0"])


def test_override_and_missing_values():
    base = _row(quantity_rows(registry.statements(), VALUES), "L3.3", "width_required", "default")["value"]
    over = _row(quantity_rows(registry.statements(), VALUES, {"C_width_L3.3": 4.0}), "L3.3", "width_required",
                "default")["value"]
    assert over / base == pytest.approx(4.0)
    rows = quantity_rows(registry.statements(), {"c": 2.0})
    assert _row(rows, "L2.2", "gamma_max", "none")["value"] == 0.125
    assert _row(rows, "L3.4", "R", "none")["value"] is None


def test_precision_through_mpmath():
    rows = quantity_rows(registry.statements(), {"n": 3, "lambda0": 0.1, "delta": 0.01}, dps=50)
    r = _row(rows, "L3.3", "width_explicit_bernstein", "none")
    with mpmath.workdps(60):
        ref = (48 * 9 / mpmath.mpf("0.1") ** 2 + 16 * 3 / mpmath.mpf("0.1")) * mpmath.log(12 / mpmath.mpf("0.01"))
        assert abs(mpmath.mpf(r["value_str"]) - ref) < ref * mpmath.mpf(10) ** -45


def test_compiled_evaluation_agrees_with_sympy_evalf():
    """statement.evaluate compiles each expression once; sympy's own evalf at 50 digits on the same exact
    inputs is the reference (every quantity of every statement, default and proof constants)."""
    from proofs_checks.hidden_constants import HIDDEN_CONSTANTS, resolve
    from proofs_checks.statement import SYMBOLS, evaluate

    vals = {"n": 37, "d": 5, "m": 1234, "gamma": 0.07, "c": 1.9, "delta": 0.02, "lambda0": 0.0123, "alpha": 2e-4,
            "norm_X": 4.4, "r0_norm": 7.25, "t": 0.5, "k": 3, "gamma0": 0.05}
    exact = {SYMBOLS[k]: sp.Rational(repr(v)) if isinstance(v, float) else sp.Integer(v)
             for k, v in vals.items() if k in SYMBOLS}
    n_checked = 0
    for st in registry.statements():
        for _, expr, _ in st.quantities:
            for choice in ("default", "proof"):
                consts = resolve(None, choice)
                subs = exact | {HIDDEN_CONSTANTS[h].symbol: sp.Rational(repr(float(v))) for h, v in consts.items()}
                got = evaluate(expr, vals, consts, dps=30)
                ref = sp.sympify(expr).xreplace(subs).evalf(50)
                if got is None:   # a free parameter no run supplies (L2.1's tail t): then sympy has no number either
                    assert not ref.is_number
                    continue
                assert abs(mpmath.mpf(got) - mpmath.mpf(sp.Float(ref, 50))) <= abs(mpmath.mpf(sp.Float(ref, 50))) * 1e-28
                n_checked += 1
    assert n_checked >= 40
