"""L2.2: its iterate bounds on random well-posed networks; on a run: contraction, probe, certificates."""
import math

import numpy as np
from hypothesis import given

from tests.helpers import crafted_run, judged
from verifier.strategies import well_posed_settings


def _cert(status, lower, upper):
    return {"status": status, "lower": lower, "upper": upper}


def test_contraction_series_and_probe():
    th, traj = crafted_run()
    probe = {"z_bound_ratio": 0.9, "iterate_bound_ratio": 0.95, "P": 30}
    assert judged(th, traj, probe=probe)["L2.2"]["verdict"] == "confirmed"
    probe["iterate_bound_ratio"] = 1.01
    assert judged(th, traj, probe=probe)["L2.2"]["conclusion"]["holds"] is False
    th, traj = crafted_run(contraction=np.array([0.2, 0.3, 0.6, 0.3, 0.2, 0.2]))
    c = judged(th, traj)["L2.2"]
    assert c["conclusion"]["parts"][0]["first_violation_step"] == 2


def test_certificates_are_part_of_the_check_not_patched_afterwards():
    th, traj = crafted_run()
    c = judged(th, traj, certificates={"contraction_init": _cert("proven", 0.19, 0.2)})["L2.2"]
    assert any("proven" in s for s in c["certified_inputs"])
    assert any(p.get("proven") and p["holds"] is True for p in c["conclusion"]["parts"])
    # a certificate that proves the margin exceeds 1/2 refutes the conclusion
    c = judged(th, traj, certificates={"contraction_final": _cert("refuted", 0.6, 0.61)})["L2.2"]
    assert c["conclusion"]["holds"] is False and not c["certified_inputs"]
    # an undecided certificate proves nothing either way: the observation stands
    c = judged(th, traj, certificates={"contraction_init": _cert("undecided", 0.4, 1.2)})["L2.2"]
    assert c["conclusion"]["holds"] is True and not c["certified_inputs"]


def test_check_mode_has_no_conclusion():
    th, traj = crafted_run(K=0)
    c = judged(th, traj, trained=False)["L2.2"]
    assert "conclusion" not in c and c["verdict"] == "undecided" and c["hypotheses_met"] is True


@given(well_posed_settings())
def test_l22_bounds_hold(s):
    """||z^p - z*|| <= g0^p ||phi||/(1 - g0) and ||z^p|| <= ||phi||/(1 - g0), g0 = gamma ||A||/sqrt m."""
    A, W, X = s["A"], s["W"], s["X"]
    m = A.shape[0]
    g0 = s["contraction"]
    gt = s["gamma"] / math.sqrt(m)
    for x in X[:3]:
        phi = np.maximum(W @ x, 0) / math.sqrt(m)
        z = np.zeros(m)
        for _ in range(5000):
            z_new = np.maximum(gt * A @ z + phi, 0)
            if np.linalg.norm(z_new - z) < 1e-15:
                break
            z = z_new
        zs = z_new
        z = np.zeros(m)
        for p in range(25):
            assert np.linalg.norm(z - zs) <= g0**p / (1 - g0) * np.linalg.norm(phi) + 1e-12
            assert np.linalg.norm(z) <= np.linalg.norm(phi) / (1 - g0) + 1e-12
            z = np.maximum(gt * A @ z + phi, 0)
