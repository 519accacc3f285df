"""The verdict core: hypotheses, conclusion series, merging, verdicts (independent of any statement)."""
import math

import numpy as np
import pytest

from proofs_checks.verdict import (
    Verdict,
    claim,
    hypothesis,
    merge,
    met,
    ratio,
    series,
    verdict,
)


@pytest.mark.parametrize("rel,value,required,expected", [
    ("<=", 1.0, 2.0, True), ("<=", 2.0, 1.0, False), (">=", 2.0, 1.0, True), (">=", 1.0, 2.0, False),
    ("==", 3.0, 3.0, True), ("==", 3.0, 3.0 * (1 + 1e-9), False), ("<", 1.0, 1.0, True), (">", 0.5, 1.0, False)])
def test_hypothesis_relations(rel, value, required, expected):
    assert hypothesis("h", value, rel, required)["holds"] is expected


def test_hypothesis_rounding_slack_is_relative_and_bounded():
    assert hypothesis("h", 1.0 + 1e-13, "<=", 1.0)["holds"] is True
    assert hypothesis("h", 1.0 + 1e-11, "<=", 1.0)["holds"] is False
    assert hypothesis("h", 1.0 + 1e-11, "<=", 1.0, rtol=1e-10)["holds"] is True


def test_hypothesis_missing_nan_and_infinite_requirements():
    assert hypothesis("h", None, "<=", 1.0)["holds"] is None
    assert hypothesis("h", math.nan, "<=", 1.0)["holds"] is None
    assert hypothesis("h", 5.0, ">=", math.inf)["holds"] is False        # no finite width meets an infinite one
    assert hypothesis("h", 5.0, "<=", math.inf)["holds"] is True
    rec = hypothesis("h", 5.0, ">=", math.inf)
    assert rec["required"] == "inf"                                        # the one JSON convention


def test_series_reports_first_violation_and_worst_slack():
    k = np.arange(6)
    obs = np.array([1.0, 0.5, 0.25, 0.3, 0.1, 0.05])
    bound = np.array([1.0, 0.6, 0.3, 0.2, 0.15, 0.1])
    s = series("d", obs, bound, k)
    assert s["holds"] is False and s["first_violation_step"] == 3 and s["violations"] == 1
    assert s["worst_step"] == 3
    assert s["worst_relative_slack"] == pytest.approx((0.2 - 0.3) / 0.3)
    assert series("d", obs, 2 * bound + 1, k)["holds"] is True
    assert series("d", obs, 0.0, k, ">=")["holds"] is True


def test_series_needs_enough_finite_points():
    assert series("d", [1.0], 2.0, [0], min_points=2)["holds"] is None
    assert series("d", [], 2.0, [])["holds"] is None
    s = series("d", [1.0, np.nan, 0.5], 2.0, [0, 1, 2], min_points=2)
    assert s["holds"] is None and "non-finite" in s["detail"]


def test_merge_and_met():
    T, F, U = {"holds": True}, {"holds": False}, {"holds": None}
    assert merge([T, T])["holds"] is True
    assert merge([T, U])["holds"] is None
    assert merge([U, F])["holds"] is False
    assert merge([])["holds"] is None
    assert met([T, T]) == "met" and met([T, F, U]) == "not met" and met([T, U]) == "undecided" and met([]) == "undecided"


@pytest.mark.parametrize("met_,holds,prob,expected", [
    ("met", True, False, Verdict.CONFIRMED), ("met", False, False, Verdict.COUNTEREXAMPLE),
    ("met", False, True, Verdict.FAILED_IN_DRAW), ("not met", True, False, Verdict.HOLDS_BEYOND),
    ("not met", False, False, Verdict.VIOLATED_NOT_MET), ("undecided", False, False, Verdict.UNDECIDED),
    ("met", None, False, Verdict.UNDECIDED)])
def test_verdict_table(met_, holds, prob, expected):
    assert verdict(met_, holds, probabilistic=prob) is expected


def test_claim_counterexample_names_its_hidden_constants():
    c = claim("X", "t", [{"holds": True}], {"holds": False, "parts": []}, {"C_width_L3.6": 1.0, "c": 2.0})
    d = c.to_dict()
    assert d["verdict"] == "counterexample" and d["conditional_on_hidden_constants"] == {"C_width_L3.6": 1.0}
    d = claim("X", "t", [{"holds": True}], None, {}).to_dict()
    assert d["verdict"] == "undecided" and "conclusion" not in d


def test_ratio():
    assert ratio(6.0, 3.0) == 2.0
    assert ratio(1.0, 0.0) == "inf"
    assert ratio(0.0, 0.0) is None and ratio(None, 1.0) is None
