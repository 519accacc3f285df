"""L2.3 on a run: the gradient formula's hypotheses include 'no pre-activation at the ReLU kink'."""
import numpy as np

from tests.helpers import crafted_run, judged


def test_kinks_recorded_decide_the_hypothesis():
    th, traj = crafted_run(preact_near_zero_z=np.zeros(6), preact_near_zero_phi=np.zeros(6))
    c = judged(th, traj)["L2.3"]
    assert c["hypotheses_met"] is True and c["verdict"] == "confirmed"
    th, traj = crafted_run(preact_near_zero_z=np.array([0, 0, 2, 0, 0, 0.0]), preact_near_zero_phi=np.zeros(6))
    c = judged(th, traj)["L2.3"]
    assert c["hypotheses_met"] is False


def test_kinks_not_recorded_leave_it_undecided():
    th, traj = crafted_run()
    assert judged(th, traj)["L2.3"]["hypotheses_met"] is None


def test_sigma_min_lower_bound_follows_the_contraction():
    th, traj = crafted_run(contraction=np.array([0.2, 0.2, 0.7, 0.2, 0.2, 0.2]), preact_near_zero_z=np.zeros(6),
                           preact_near_zero_phi=np.zeros(6))
    assert judged(th, traj)["L2.3"]["conclusion"]["holds"] is False
