"""Statements as sympy: hidden constants named, theory_table numbers checked by hand; L2.2 and L3.4 properties."""
import json
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from verifier.strategies import a1_parameters, a2_datasets, well_posed_settings
from verifier.theory import statements as S
from verifier.theory.kernel import gram_finite

VALUES = {"n": 20, "d": 8, "m": 4000, "gamma": 0.1, "c": 2.2, "delta": 0.05, "lambda0": 0.03, "alpha": 1e-3,
          "norm_X": 3.1, "r0_norm": 6.5}
IDS = ["L2.2", "L2.3", "L3.1", "L3.3", "L3.4", "L3.5", "T3.1", "L3.6", "T3.2"]


def test_every_statement_present_with_hypotheses_and_conclusions():
    for sid in IDS:
        st_ = S.STATEMENTS[sid]
        assert st_.hypotheses and st_.conclusions
        for cond in st_.hypotheses + st_.conclusions:
            assert isinstance(cond.as_relational(), sp.Basic)


def test_no_silent_constant_every_hidden_symbol_is_named():
    hidden_syms = {h["symbol"] for h in S.HIDDEN_CONSTANTS.values()}
    for h in S.HIDDEN_CONSTANTS.values():
        assert isinstance(h["default"], float) and h["meaning"]
    for st_ in S.STATEMENTS.values():
        for _, expr, _ in st_.quantities:
            names = {str(s) for s in expr.free_symbols}
            assert all(s.name.startswith("C_") is False or s in hidden_syms for s in expr.free_symbols), names
    # the Omega/O statements use their named constants
    assert "C_m_L33" in S.STATEMENTS["L3.3"].hidden_constants()
    assert {"C_m_L36", "C_alpha"} <= set(S.STATEMENTS["L3.6"].hidden_constants())


def _row(rows, sid, q):
    return next(r for r in rows if r["id"] == sid and r["quantity"] == q)


def test_theory_table_numbers_by_hand():
    rows = S.theory_table(VALUES)
    json.dumps(rows)
    v = VALUES
    assert _row(rows, "L2.2", "gamma_max")["value"] == pytest.approx(min(0.5, 1 / (4 * v["c"])))
    R = math.sqrt(v["m"]) * v["lambda0"] / (16 * v["c"] * v["norm_X"] ** 2)
    assert _row(rows, "L3.4", "R")["value"] == pytest.approx(R, rel=1e-14)
    w33 = 156 * v["n"] ** 2 / v["lambda0"] ** 2 * math.log(v["n"] / v["delta"])
    r = _row(rows, "L3.3", "width_required")
    assert r["value"] == pytest.approx(w33, rel=1e-14) and r["hidden_constants_used"] == {"C_m_L33": 156.0}
    w35 = 2048 * v["c"] ** 2 * v["n"] * v["norm_X"] ** 2 * v["r0_norm"] ** 2 / v["lambda0"] ** 3
    assert _row(rows, "L3.5", "width_required")["value"] == pytest.approx(w35, rel=1e-14)
    printed = _row(rows, "T3.2", "width_as_printed")["value"]
    corrected = _row(rows, "T3.2", "width_corrected")["value"]
    assert printed / corrected == pytest.approx(v["lambda0"])
    assert _row(rows, "L3.6", "rate_per_step")["value"] == pytest.approx(1 - v["alpha"] * v["lambda0"] / 2)


def test_hidden_constant_override_and_unknown_name():
    base = _row(S.theory_table(VALUES), "L3.3", "width_required")["value"]
    over = _row(S.theory_table(VALUES, {"C_m_L33": 1.0}), "L3.3", "width_required")["value"]
    assert base / over == pytest.approx(156.0)
    with pytest.raises(ValueError):
        S.theory_table(VALUES, {"C_nonexistent": 1.0})


def test_missing_values_give_none():
    rows = S.theory_table({"c": 2.0})
    assert _row(rows, "L2.2", "gamma_max")["value"] == 0.125
    assert _row(rows, "L3.4", "R")["value"] is None


def test_precision_through_mpmath():
    rows = S.theory_table({"n": 3, "lambda0": 0.1, "delta": 0.01}, dps=50)
    r = _row(rows, "L3.3", "width_explicit_bernstein")
    with mpmath.workdps(60):
        ref = (48 * 9 / mpmath.mpf("0.1") ** 2 + 16 * 3 / mpmath.mpf("0.1")) * mpmath.log(12 / mpmath.mpf("0.01"))
        assert abs(mpmath.mpf(r["value_str"]) - ref) < ref * mpmath.mpf(10) ** -45


@given(well_posed_settings())
def test_l22_bounds_hold(s):
    """||z^p - z*|| <= g0^p ||phi||/(1 - g0) and ||z^p|| <= ||phi||/(1 - g0), g0 = gamma ||A||/sqrt m."""
    A, W, X = s["A"], s["W"], s["X"]
    m = A.shape[0]
    g0 = s["contraction"]
    gt = s["gamma"] / math.sqrt(m)
    for x in X[:3]:
        phi = np.maximum(W @ x, 0) / math.sqrt(m)
        z = np.zeros(m)
        for _ in range(5000):
            z_new = np.maximum(gt * A @ z + phi, 0)
            if np.linalg.norm(z_new - z) < 1e-15:
                break
            z = z_new
        zs = z_new
        z = np.zeros(m)
        for p in range(25):
            assert np.linalg.norm(z - zs) <= g0**p / (1 - g0) * np.linalg.norm(phi) + 1e-12
            assert np.linalg.norm(z) <= np.linalg.norm(phi) / (1 - g0) + 1e-12
            z = np.maximum(gt * A @ z + phi, 0)


@given(a2_datasets(n=st.integers(2, 6), d=st.integers(2, 6), min_angle=0.05),
       a1_parameters(m=st.integers(50, 300), d=6), st.floats(1e-4, 0.3))
def test_l34_inequality_random_perturbations(X, p, eps):
    """L3.4's ||G - G(0)|| <= (4c/sqrt m) ||X||^2 ||W - W(0)|| for random perturbation directions, with the honest
    c = max(||W(0)||, ||W||/2)/sqrt m (the proof needs ||W(0)|| <= c sqrt m and ||W|| <= 2c sqrt m); and the
    audit's corrected bound (3 c sqrt(n) ||X|| / sqrt m) ||W - W(0)||_F for every perturbation, scaling included."""
    d = X.shape[1]
    W0 = p["W"][:, :d]
    m = W0.shape[0]
    rng = np.random.default_rng(p["seed"])
    D = rng.standard_normal(W0.shape)
    for W in (W0 + eps * np.linalg.norm(W0, 2) * D / np.linalg.norm(D, 2), (1 + eps) * W0):
        c = max(np.linalg.norm(W0, 2), np.linalg.norm(W, 2) / 2) / math.sqrt(m)
        lhs = np.linalg.norm(gram_finite(X, W) - gram_finite(X, W0), 2)
        nX = np.linalg.norm(X, 2)
        assert lhs <= 3 * c * math.sqrt(X.shape[0]) * nX / math.sqrt(m) * np.linalg.norm(W - W0) + 1e-12
    W = W0 + eps * np.linalg.norm(W0, 2) * D / np.linalg.norm(D, 2)
    c = max(np.linalg.norm(W0, 2), np.linalg.norm(W, 2) / 2) / math.sqrt(m)
    lhs = np.linalg.norm(gram_finite(X, W) - gram_finite(X, W0), 2)
    assert lhs <= 4 * c / math.sqrt(m) * np.linalg.norm(X, 2) ** 2 * np.linalg.norm(W - W0, 2) + 1e-12
