"""L2.1 on a run: ||A(0)||/sqrt(m), ||W(0)||/sqrt(m) against the explicit c(delta) (one draw)."""
import numpy as np

from tests.helpers import crafted_run, judged


def test_norms_below_c_delta_hold_and_above_fail_in_this_draw_only():
    th, traj = crafted_run()
    assert judged(th, traj)["L2.1"]["verdict"] == "confirmed"
    th, traj = crafted_run(A_norm_scaled=np.full(6, 2.5))       # above c_delta_A = 2.1
    c = judged(th, traj)["L2.1"]
    assert c["conclusion"]["holds"] is False
    assert c["verdict"] == "failed_in_this_draw"
