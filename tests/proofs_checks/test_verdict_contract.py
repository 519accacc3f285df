"""The verdict core's contract, case by case (written against mutation testing, tests/MUTATION.md).

Every expected value is worked out by hand from the rule in the docstrings of `proofs_checks.verdict`:
a hypothesis `value relation required` holds with the inclusive slack tol = rtol * max(|value|, |required|);
a series holds where its relative slack (bound - observed)/max(|bound|, |observed|) (sign flipped for >=)
is >= -rtol; verdict = table of (hypotheses met?, conclusion holds?). Exact binary fractions (rtol = 1/2,
1/4) make the ties exact, so the boundary cases are decided by the rule, not by rounding.
"""
import dataclasses
import math

import numpy as np
import pytest

from proofs_checks.verdict import (
    REL_TOL,
    ClaimResult,
    Verdict,
    claim,
    first,
    hypothesis,
    largest,
    merge,
    met,
    ratio,
    series,
    single,
    smallest,
    verdict,
    width_gap,
)

# ---------------------------------------------------------------------------------------------- hypothesis


def test_hypothesis_record_shape_and_values():
    h = hypothesis("m >= width", 3, ">=", 2, detail="why")
    assert h == {"name": "m >= width", "value": 3.0, "relation": ">=", "required": 2.0, "holds": True,
                 "detail": "why"}
    assert isinstance(h["value"], float) and isinstance(h["required"], float)
    assert "constants" not in h
    h = hypothesis("x", 1.0, "<=", 2.0, constants={"C_a": 2.0})
    assert h["constants"] == {"C_a": 2.0} and h["detail"] == ""
    # missing inputs are recorded as missing, not as a number
    h = hypothesis("x", None, "<=", None)
    assert h["value"] is None and h["required"] is None and h["holds"] is None
    assert hypothesis("x", 1.0, "<=", None)["holds"] is None
    assert hypothesis("x", 1.0, "<=", math.nan)["holds"] is None
    assert hypothesis("x", math.inf, ">=", 1.0)["value"] == "inf"


def test_hypothesis_given_holds_overrides_the_comparison():
    assert hypothesis("x", 1.0, "<=", 2.0, holds=False)["holds"] is False
    assert hypothesis("x", 3.0, "<=", 2.0, holds=True)["holds"] is True
    assert hypothesis("x", None, "<=", 2.0, holds=1)["holds"] is True       # stored as a bool
    assert hypothesis("x", None, "<=", 2.0, holds=0)["holds"] is False


@pytest.mark.parametrize("relation,required,expected", [
    ("<=", math.inf, True), ("<", math.inf, True), (">=", math.inf, False), (">", math.inf, False),
    ("<=", -math.inf, False), ("<", -math.inf, False), (">=", -math.inf, True), (">", -math.inf, True),
    ("==", math.inf, False)])
def test_hypothesis_against_an_infinite_requirement(relation, required, expected):
    # a finite value is below +inf and above -inf, whatever the slack
    assert hypothesis("x", 5.0, relation, required)["holds"] is expected


@pytest.mark.parametrize("relation,value,required,expected", [
    # rtol = 1/2: tol = max(|value|, |required|)/2, exact in binary
    ("<=", 2.0, 1.0, True),     # 2 <= 1 + 1: tie, inclusive
    ("<", 2.0, 1.0, False),     # 2 < 1 + 1: tie, strict
    ("<=", 1.75, 1.0, True),    # 1.75 <= 1 + 0.875 (with min(|v|, |r|) the slack would be 0.5: False)
    ("<", 1.75, 1.0, True),
    ("<=", 2.25, 1.0, False),   # 2.25 > 1 + 1.125
    (">=", 1.0, 2.0, True),     # 1 >= 2 - 1: tie, inclusive
    (">", 1.0, 2.0, False),     # 1 > 2 - 1: tie, strict
    (">=", 1.0, 1.75, True),    # 1 >= 1.75 - 0.875
    (">", 1.0, 1.75, True),
    (">=", 1.0, 2.25, False),
    ("==", 2.0, 1.0, True),     # |2 - 1| <= 1: tie, inclusive
    ("==", 1.0, 2.0, True),
    ("==", 2.25, 1.0, False),
    ("==", -1.75, -1.0, True),  # slack from absolute values: 0.75 <= 0.875
    ("<=", -1.0, -1.75, True),  # -1 <= -1.75 + 0.875
    ("==", 1.0, -1.0, False),   # |1 - (-1)| = 2 > 0.5
])
def test_hypothesis_slack_is_rtol_times_the_larger_magnitude(relation, value, required, expected):
    assert hypothesis("x", value, relation, required, rtol=0.5)["holds"] is expected


def test_hypothesis_default_slack_is_rel_tol():
    assert REL_TOL == 1e-12
    assert hypothesis("x", 1.0 + 0.5e-12, "<", 1.0)["holds"] is True
    assert hypothesis("x", 1.0 - 0.5e-12, ">", 1.0)["holds"] is True
    assert hypothesis("x", 1.0 - 0.5e-12, ">=", 1.0)["holds"] is True
    assert hypothesis("x", 1.0 - 2e-12, ">=", 1.0)["holds"] is False
    assert hypothesis("x", 1.0 + 0.5e-12, "==", 1.0)["holds"] is True
    assert hypothesis("x", 0.0, "==", 0.0)["holds"] is True                  # no slack at zero, none needed
    assert hypothesis("x", 1e-300, "<=", 0.0)["holds"] is False


# ---------------------------------------------------------------------------------------------- series


def test_series_record_when_it_holds():
    s = series("desc", [1.0, 3.0, 2.0], [2.0, 4.0, 4.0], [10, 20, 30])
    # slacks (b - o)/max(|b|, |o|): 1/2, 1/4, 1/2 -> worst at index 1 (step 20)
    assert s == {"description": "desc", "holds": True, "worst_relative_slack": 0.25, "worst_step": 20,
                 "observed_at_worst": 3.0, "bound_at_worst": 4.0, "steps_checked": 3}


def test_series_record_when_it_is_violated():
    s = series("desc", [1.0, 5.0, 3.0, 8.0], [2.0, 4.0, 4.0, 4.0], [0, 5, 10, 15])
    # slacks: 1/2, -1/5, 1/4, -1/2 -> worst at step 15, first violation at step 5, two violations
    assert s["holds"] is False and s["worst_step"] == 15 and s["worst_relative_slack"] == -0.5
    assert s["observed_at_worst"] == 8.0 and s["bound_at_worst"] == 4.0
    assert s["first_violation_step"] == 5 and s["violations"] == 2 and s["steps_checked"] == 4


def test_series_lower_bounds_flip_the_sign():
    s = series("d", [3.0, 1.0, 2.0], [2.0, 2.0, 1.0], [0, 1, 2], ">=")
    # slacks -(b - o)/max: 1/3, -1/2, 1/2
    assert s["holds"] is False and s["first_violation_step"] == 1 and s["worst_relative_slack"] == -0.5
    s = series("d", [3.0, 4.0], 2.0, [0, 1], ">")
    assert s["holds"] is True and s["worst_relative_slack"] == pytest.approx(1 / 3, rel=1e-15)
    s = series("d", [1.0, 3.0], 2.0, [0, 1], "<")
    assert s["holds"] is False and s["first_violation_step"] == 1


def test_series_equality_and_the_rounding_slack():
    assert series("d", [1.0, 2.0], [1.0, 2.0], [0, 1])["holds"] is True          # on the bound: holds
    assert series("d", [1.0 + 0.5e-12], 1.0, [0])["holds"] is True               # within REL_TOL
    assert series("d", [1.0 + 2e-12], 1.0, [0])["holds"] is False
    assert series("d", [1.0 - 0.5e-12], 1.0, [0], ">=")["holds"] is True
    # the tie at slack = -rtol exactly is inclusive, as for hypotheses: (1 - 2)/2 = -1/2
    assert series("d", [2.0, 1.0], [1.0, 1.0], [0, 1], rtol=0.5)["holds"] is True
    assert series("d", [2.25, 1.0], [1.0, 1.0], [0, 1], rtol=0.5)["holds"] is False
    assert hypothesis("x", 2.0, "<=", 1.0, rtol=0.5)["holds"] is True


def test_series_zero_observed_and_zero_bound():
    s = series("d", [0.0, 0.0], [0.0, 0.0], [0, 1])
    assert s["holds"] is True and s["worst_relative_slack"] == 0.0
    s = series("d", [0.0, 1.0], [0.0, 0.0], [0, 1])
    assert s["holds"] is False and s["worst_step"] == 1 and s["worst_relative_slack"] == -1.0


def test_series_infinite_bounds():
    s = series("d", [1.0, 2.0], [math.inf, math.inf], [0, 1])
    assert s["holds"] is True and s["worst_relative_slack"] == 1.0 and s["bound_at_worst"] == "inf"
    s = series("d", [1.0, 2.0], [math.inf, -math.inf], [0, 1])
    assert s["holds"] is False and s["worst_step"] == 1 and s["worst_relative_slack"] == -1.0
    assert s["first_violation_step"] == 1 and s["violations"] == 1
    s = series("d", [1.0, 2.0], -math.inf, [0, 1], ">=")
    assert s["holds"] is True and s["worst_relative_slack"] == 1.0


def test_series_point_count():
    s = series("d", [1.0], 2.0, [0])                      # one point suffices by default
    assert s["holds"] is True and s["steps_checked"] == 1
    s = series("d", [1.0, 1.5], 2.0, [0, 1], min_points=2)   # exactly min_points: decided
    assert s["holds"] is True and s["steps_checked"] == 2
    s = series("d", [1.0], 2.0, [0], min_points=2)
    assert s == {"description": "d", "holds": None, "detail": "1 recorded point(s); at least 2 needed"}
    s = series("d", [[1.0, 2.0], [3.0, 4.0]], 5.0, [0, 1, 2, 3])  # raveled
    assert s["steps_checked"] == 4 and s["holds"] is True


def test_series_missing_records_are_non_finite():
    # None (a value not recorded) reads as NaN, in the observations and in the bounds
    s = series("d", [1.0, None, 0.5], 2.0, [10, 20, 30])
    assert s["holds"] is None and s["detail"] == "non-finite value at step 20"
    s = series("d", [1.0, 0.5, 0.25], [2.0, 2.0, None], [10, 20, 30])
    assert s["holds"] is None and s["detail"] == "non-finite value at step 30"


def test_series_non_finite_records_name_their_step():
    s = series("d", [1.0, math.nan, 0.5], 2.0, [10, 20, 30])
    assert s == {"description": "d", "holds": None, "detail": "non-finite value at step 20", "steps_checked": 3}
    s = series("d", [1.0, 0.5, math.inf], 2.0, [10, 20, 30])
    assert s["holds"] is None and s["detail"] == "non-finite value at step 30"
    s = series("d", [1.0, 0.5, 0.25], [2.0, 2.0, math.nan], [10, 20, 30])
    assert s["holds"] is None and s["detail"] == "non-finite value at step 30"
    s = series("d", [1.0, 0.5, 0.25], [2.0, math.nan, 2.0], [10, 20, 30])
    assert s["detail"] == "non-finite value at step 20"


# ---------------------------------------------------------------------------------------------- single, merge, met


def test_single_record():
    assert single("d", True) == {"description": "d", "holds": True, "worst_step": 0}
    s = single("d", False, observed=2, bound=math.inf, step=7, proven=True)
    assert s == {"description": "d", "holds": False, "worst_step": 7, "observed_at_worst": 2.0,
                 "bound_at_worst": "inf", "proven": True}
    assert single("d", None, observed=0.0, bound=0.0)["observed_at_worst"] == 0.0


def test_merge_keeps_its_parts():
    parts = [{"holds": True, "x": 1}, {"holds": True, "x": 2}]
    assert merge(parts) == {"holds": True, "parts": parts}
    assert merge([{"holds": False}, {"holds": None}])["holds"] is False
    assert merge([{"holds": None}, {"holds": True}])["holds"] is None


def test_met_with_every_combination():
    T, F, U = {"holds": True}, {"holds": False}, {"holds": None}
    assert met([T]) == "met"
    assert met([F]) == "not met" and met([F, T]) == "not met" and met([U, F]) == "not met"
    assert met([U]) == "undecided" and met([U, T]) == "undecided"


# ---------------------------------------------------------------------------------------------- verdicts


def test_verdict_is_deterministic_by_default():
    assert verdict("met", False) is Verdict.COUNTEREXAMPLE
    assert verdict("not met", None) is Verdict.UNDECIDED
    assert verdict("undecided", True) is Verdict.UNDECIDED
    assert verdict("not met", False, probabilistic=True) is Verdict.VIOLATED_NOT_MET
    assert verdict("met", True, probabilistic=True) is Verdict.CONFIRMED


def test_verdict_labels_are_the_documented_phrases():
    # the phrases of the module docstring (proofs_checks/verdict.py), which reports print
    assert {v: v.label for v in Verdict} == {
        Verdict.COUNTEREXAMPLE: "counterexample",
        Verdict.FAILED_IN_DRAW: "failed in this draw (probabilistic statement)",
        Verdict.CONFIRMED: "confirmed", Verdict.HOLDS_BEYOND: "holds beyond hypotheses",
        Verdict.VIOLATED_NOT_MET: "violated, hypotheses not met", Verdict.UNDECIDED: "undecided"}


def _claim(hyps, holds, **kw):
    return claim("L9.9(ii)", "title", hyps, None if holds == "absent" else {"holds": holds, "parts": []},
                 {"C_width_L3.6": 4.0, "C_c": 1.0, "c": 2.0}, **kw)


def test_claim_fields_are_passed_through():
    c = claim("L9.9", "t", ({"holds": True},), {"holds": True, "parts": []}, {"c": 2.0}, {"w": 3.0},
              probabilistic=True, certified=["a", "b"], reference="Lemma 9.9", trajectory=True)
    assert (c.id, c.title, c.hypotheses, c.conclusion, c.constants_used, c.gap) == (
        "L9.9", "t", [{"holds": True}], {"holds": True, "parts": []}, {"c": 2.0}, {"w": 3.0})
    assert c.probabilistic is True and c.certified_inputs == ("a", "b") and c.reference == "Lemma 9.9"
    assert c.trajectory is True and c.complete is True
    d = claim("L9.9", "t", [], None, {})
    assert d.gap == {} and d.probabilistic is False and d.certified_inputs == () and d.reference == ""
    assert d.trajectory is False


def test_claim_to_dict_confirmed():
    hyps = [{"holds": True}]
    d = _claim(hyps, True, gap={"required_width_over_used": 0.5}, certified=("cert",), reference="Lemma 9.9",
               probabilistic=True).to_dict()
    assert d == {"id": "L9.9(ii)", "title": "title", "reference": "Lemma 9.9", "hypotheses": hyps,
                 "hypotheses_met": True, "verdict": "confirmed", "verdict_label": "confirmed",
                 "constants_used": {"C_width_L3.6": 4.0, "C_c": 1.0, "c": 2.0},
                 "gap": {"required_width_over_used": 0.5}, "certified_inputs": ["cert"],
                 "conclusion": {"holds": True, "parts": []}}


@pytest.mark.parametrize("hyp,holds,prob,verdict_value,met_json", [
    (True, False, True, "failed_in_this_draw", True),
    (False, True, False, "holds_beyond_hypotheses", False),
    (False, False, False, "violated_hypotheses_not_met", False),
    (None, True, False, "undecided", None),
    (True, None, False, "undecided", True)])
def test_claim_to_dict_verdicts(hyp, holds, prob, verdict_value, met_json):
    d = _claim([{"holds": True}, {"holds": hyp}], holds, probabilistic=prob).to_dict()
    assert d["verdict"] == verdict_value and d["hypotheses_met"] is met_json
    assert d["verdict_label"] == Verdict(verdict_value).label
    assert "conditional_on_hidden_constants" not in d and "evidence" not in d


def test_counterexample_lists_exactly_the_hidden_constants():
    d = _claim([{"holds": True}], False).to_dict()
    assert d["verdict"] == "counterexample" and d["verdict_label"] == "counterexample"
    assert d["conditional_on_hidden_constants"] == {"C_width_L3.6": 4.0, "C_c": 1.0}
    d = claim("X", "t", [{"holds": True}], {"holds": False}, {"c": 2.0, "gamma0": 0.5}).to_dict()
    assert d["verdict"] == "counterexample" and "conditional_on_hidden_constants" not in d


def test_a_run_stopped_early_decides_no_trajectory_conclusion_that_held():
    base = _claim([{"holds": True}], True, trajectory=True)
    assert base.verdict is Verdict.CONFIRMED and "evidence" not in base.to_dict()
    early = dataclasses.replace(base, complete=False)
    assert early.verdict is Verdict.UNDECIDED
    d = early.to_dict()
    # the note the report prints verbatim: one clean sentence
    assert d["verdict"] == "undecided" and d["evidence"].startswith("the run stopped before its last step")
    assert d["evidence"].endswith("is undecided for the steps not recorded")
    assert d["conclusion"] == {"holds": True, "parts": []}
    # a violation on the recorded steps stays a violation
    bad = dataclasses.replace(_claim([{"holds": True}], False, trajectory=True), complete=False)
    assert bad.verdict is Verdict.COUNTEREXAMPLE and "evidence" in bad.to_dict()
    assert dataclasses.replace(_claim([{"holds": False}], False, trajectory=True), complete=False).verdict \
        is Verdict.VIOLATED_NOT_MET
    # a statement about one instant is not affected by an early stop
    instant = dataclasses.replace(_claim([{"holds": True}], True), complete=False)
    assert instant.verdict is Verdict.CONFIRMED and "evidence" not in instant.to_dict()


def test_no_conclusion_is_undecided_whatever_the_hypotheses():
    c = ClaimResult("X", "t", [{"holds": True}], None, {})
    assert c.verdict is Verdict.UNDECIDED and c.hypotheses_met == "met"
    assert ClaimResult("X", "t", [{"holds": False}], None, {}).to_dict()["hypotheses_met"] is False


# ---------------------------------------------------------------------------------------------- gaps and extracts


def test_ratio_and_width_gap():
    assert ratio(3, 4) == 0.75 and isinstance(ratio(3, 4), float)
    assert ratio(0.25, 0.5) == 0.5 and ratio(1.0, 1.0) == 1.0 and ratio(3.0, 1e-300) == 3e300
    assert ratio(-3.0, 4.0) == -0.75
    assert ratio(2.0, -1.0) == "inf"          # b <= 0 < a
    assert ratio(-2.0, -1.0) is None and ratio(0.0, -1.0) is None
    assert ratio(1.0, None) is None
    assert ratio(math.inf, 2.0) == "inf"
    assert width_gap(300.0, 100.0) == 3.0
    assert width_gap(1.0, 0.0) == "inf" and width_gap(None, 1.0) is None


def test_first_largest_smallest():
    traj = {"a": np.array([3.0, 1.0, 5.0, 2.0]), "e": np.zeros(0)}
    assert first(traj, "a") == 3.0 and largest(traj, "a") == 5.0 and smallest(traj, "a") == 1.0
    for f in (first, largest, smallest):
        assert math.isnan(f(traj, "e")) and math.isnan(f(traj, "missing"))
        assert isinstance(f(traj, "a"), float)
    assert first({"a": [7]}, "a") == 7.0
