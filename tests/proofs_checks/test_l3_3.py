"""L3.3 on a run: one draw of G(0) against G_inf (probabilistic: never refuted by one run)."""
import math

import numpy as np

from proofs_checks import l3_3
from tests.helpers import crafted_run, judged
from verifier.theory.kernel import gram_inf


def test_probabilistic_and_gaps_at_both_constant_choices():
    th, traj = crafted_run()
    c = judged(th, traj, g0_dev=10.0)["L3.3"]                 # ||G(0) - G_inf|| > lambda0/4
    assert c["hypotheses_met"] is True and c["verdict"] == "failed_in_this_draw"
    c = judged(th, traj, g0_dev=0.01)["L3.3"]
    assert c["verdict"] == "confirmed"
    assert c["gap"]["required_width_over_used"] == 10.0 / 100
    assert c["constants_used"]["constants_choice"] == "default" and c["constants_used"]["C_width_L3.3"] == 1.0
    assert c["gap"]["required_width_over_used_at_proof_constants"] > c["gap"]["required_width_over_used"]


def test_l33_monte_carlo_at_explicit_width_small():
    X = np.eye(3)
    lam = float(np.linalg.eigvalsh(gram_inf(X))[0])
    eps = lam / 12
    m = int(math.ceil((3 + 4 * eps) / eps**2 * math.log(12 / 0.2)))
    res = l3_3.monte_carlo_check(X, m, 0.2, trials=25, seed=5)
    assert res["failures"] / res["trials"] <= 0.2
