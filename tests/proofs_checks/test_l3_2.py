"""L3.2 on a run: lambda0 > 0, proven by the certified interval when there is one."""
import dataclasses

from tests.helpers import crafted_run, judged


def test_certified_interval_proves_positivity():
    th, traj = crafted_run()
    c = judged(th, traj, certificates={"lambda0": {"status": "proven", "lower": 0.49, "upper": 0.51,
                                                   "method": "test"}})["L3.2"]
    assert c["verdict"] == "confirmed" and c["certified_inputs"]
    c = judged(th, traj)["L3.2"]
    assert c["verdict"] == "confirmed" and not c["certified_inputs"]


def test_a2_violated_and_nonpositive_lambda0():
    th, traj = crafted_run()
    a2 = {"holds": False, "min_angle": 0.0, "parallel_tol": 1e-6}
    th0 = dataclasses.replace(th, inputs=dataclasses.replace(th.inputs, lambda0=0.0))
    c = judged(th0, traj, a2=a2)["L3.2"]
    assert c["hypotheses_met"] is False and c["conclusion"]["holds"] is False
    assert c["verdict"] == "violated_hypotheses_not_met"
