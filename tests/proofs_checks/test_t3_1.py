"""T3.1 on a gradient-flow run: its printed width, A1/A2, and the exp(-lambda0 t) envelope."""
import numpy as np

from tests.helpers import crafted_run, judged


def test_width_as_printed_and_a2():
    th, traj = crafted_run(method="gf", residual_sq=4.0 * np.exp(-0.5 * 1e-4 * np.arange(6)))
    c = judged(th, traj)["T3.1"]
    assert c["verdict"] == "confirmed"
    th, traj = crafted_run(method="gf", theory={"width_T3_1": 1e9})
    assert judged(th, traj)["T3.1"]["hypotheses_met"] is False
    c = judged(th, traj, a2={"holds": False, "min_angle": 0.0, "parallel_tol": 1e-6})["T3.1"]
    assert next(h for h in c["hypotheses"] if h["name"].startswith("A2"))["holds"] is False
