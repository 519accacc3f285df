"""L3.6 on a gradient-descent run: (i)-(vi), counterexamples first, gaps as numbers."""
import numpy as np
import pytest

from tests.helpers import crafted_run, judged
from verifier.report import headline


def test_confirmed_then_counterexample_named_first():
    th, traj = crafted_run()
    by = judged(th, traj)
    assert by["L3.6(vi)"]["verdict"] == "confirmed" and by["L3.6(vi)"]["hypotheses_met"] is True
    th, traj = crafted_run(A_norm_scaled=np.array([2.0, 2.0, 2.0, 4.5, 2.0, 2.0]))
    by = judged(th, traj)
    assert by["L3.6(v)"]["verdict"] == "counterexample"
    assert by["L3.6(v)"]["conclusion"]["parts"][0]["first_violation_step"] == 3
    assert by["L3.6(v)"]["conditional_on_hidden_constants"] == {"C_width_L3.6": 1.0, "C_c": 1.0, "C_step_L3.6": 1.0}
    lines = headline({"claims": list(by.values()), "run": {}})
    assert lines[0].startswith("COUNTEREXAMPLE to L3.6(v)") and "at the displayed hidden constants" in lines[0]


def test_gap_when_hypotheses_fail_but_conclusion_holds():
    th, traj = crafted_run(theory={"width_L3_6": 1e4})
    c = judged(th, traj)["L3.6(vi)"]
    assert c["verdict"] == "holds_beyond_hypotheses"
    assert c["gap"]["required_width_over_used"] == pytest.approx(100.0)
    assert c["gap"]["observed_over_guaranteed_decay"] > 1


def test_one_record_is_no_evidence():
    th, traj = crafted_run(K=0)
    by = judged(th, traj)
    assert all(by[f"L3.6({t})"]["verdict"] == "undecided" for t in ("i", "ii", "iii", "iv", "v", "vi"))
