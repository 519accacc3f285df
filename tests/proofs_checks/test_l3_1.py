"""L3.1 on a run: lambda_min(H) >= lambda_min(G) at the records where the NTK was computed."""
import numpy as np

from tests.helpers import crafted_run, judged


def test_ntk_dominates_gram():
    th, traj = crafted_run(ntk_step=np.array([0, 5]), ntk_lambda_min_H=np.array([1.5, 1.2]))
    assert judged(th, traj)["L3.1"]["conclusion"]["holds"] is True
    th, traj = crafted_run(ntk_step=np.array([0, 5]), ntk_lambda_min_H=np.array([1.5, 0.9]))
    c = judged(th, traj)["L3.1"]
    assert c["conclusion"]["holds"] is False and c["conclusion"]["parts"][0]["first_violation_step"] == 5


def test_no_ntk_records_no_claim():
    th, traj = crafted_run()
    assert "L3.1" not in judged(th, traj)
