"""L3.3 on a run: one draw of G(0) against G_inf (probabilistic: never refuted by one run)."""
from tests.helpers import crafted_run, judged


def test_probabilistic_and_gaps_at_both_constant_choices():
    th, traj = crafted_run()
    c = judged(th, traj, g0_dev=10.0)["L3.3"]                 # ||G(0) - G_inf|| > lambda0/4
    assert c["hypotheses_met"] == "met" and c["verdict"] == "failed in this draw (probabilistic statement)"
    c = judged(th, traj, g0_dev=0.01)["L3.3"]
    assert c["verdict"] == "confirmed"
    assert c["gap"]["required_width_over_used"] == 10.0 / 100
    assert c["constants_used"]["constants_choice"] == "default" and c["constants_used"]["C_width_L3.3"] == 1.0
    assert c["gap"]["required_width_over_used_at_proof_constants"] > c["gap"]["required_width_over_used"]
