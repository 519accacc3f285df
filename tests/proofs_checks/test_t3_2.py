"""T3.2 on a gradient-descent run: the printed n^2/lambda0 width is the hypothesis; L3.3's is a gap."""
import pytest

from proofs_checks import t3_2
from tests.helpers import crafted_run, judged


def test_printed_width_is_the_hypothesis_and_the_l33_form_a_gap():
    th, traj = crafted_run(theory={"width_T3_2_printed": 50.0, "width_T3_2": 1e4})
    c = judged(th, traj)["T3.2"]
    assert c["hypotheses_met"] is True and c["verdict"] == "confirmed"
    assert c["gap"]["required_width_over_used_as_L3.3_needs"] == pytest.approx(100.0)
    th, traj = crafted_run(theory={"width_T3_2_printed": 1e3})
    assert judged(th, traj)["T3.2"]["hypotheses_met"] is False


def test_t32_printed_width_fails_l33_event_often():
    res = t3_2.printed_width_monte_carlo(theta=0.35, trials=60, seed=2)
    assert res["rate_norm_event_fails"] > 3 * res["delta"]
    assert res["m_L3.3"] > 20 * res["m_printed_shape"]
