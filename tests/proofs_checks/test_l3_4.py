"""L3.4: its Lipschitz inequality on random perturbations; on a run: lambda_min(G(k)) >= lambda0/2 inside the ball."""
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from proofs_checks import l3_4
from tests.helpers import crafted_run, judged
from verifier.strategies import a1_parameters, a2_datasets
from verifier.theory.kernel import gram_finite


def test_inside_the_ball_a_low_eigenvalue_is_a_counterexample():
    th, traj = crafted_run(lambda_min_G=np.array([1.0, 0.9, 0.2, 0.9, 0.9, 0.9]))   # lambda0/2 = 0.25
    c = judged(th, traj)["L3.4"]
    assert c["hypotheses_met"] is True and c["verdict"] == "counterexample"


def test_records_outside_the_ball_are_not_judged():
    R = None
    th, traj = crafted_run()
    R = th.radius_L3_4
    dist = np.array([0, 0.5 * R, 2 * R, 2 * R, 2 * R, 2 * R])
    th, traj = crafted_run(lambda_min_G=np.array([1.0, 0.9, 0.2, 0.2, 0.2, 0.2]), dist_W=dist)
    c = judged(th, traj)["L3.4"]
    assert c["conclusion"]["holds"] is True and c["conclusion"]["parts"][0]["steps_checked"] == 2
    assert c["gap"]["largest_drift_over_R"] == 2.0


@given(a2_datasets(n=st.integers(2, 6), d=st.integers(2, 6), min_angle=0.05),
       a1_parameters(m=st.integers(50, 300), d=6), st.floats(1e-4, 0.3))
def test_l34_inequality_random_perturbations(X, p, eps):
    """L3.4's ||G - G(0)|| <= (4c/sqrt m) ||X||^2 ||W - W(0)|| for random perturbation directions, with the honest
    c = max(||W(0)||, ||W||/2)/sqrt m (the proof needs ||W(0)|| <= c sqrt m and ||W|| <= 2c sqrt m); and the
    audit's corrected bound (3 c sqrt(n) ||X|| / sqrt m) ||W - W(0)||_F for every perturbation, scaling included."""
    d = X.shape[1]
    W0 = p["W"][:, :d]
    m = W0.shape[0]
    rng = np.random.default_rng(p["seed"])
    D = rng.standard_normal(W0.shape)
    for W in (W0 + eps * np.linalg.norm(W0, 2) * D / np.linalg.norm(D, 2), (1 + eps) * W0):
        c = max(np.linalg.norm(W0, 2), np.linalg.norm(W, 2) / 2) / math.sqrt(m)
        lhs = np.linalg.norm(gram_finite(X, W) - gram_finite(X, W0), 2)
        nX = np.linalg.norm(X, 2)
        assert lhs <= 3 * c * math.sqrt(X.shape[0]) * nX / math.sqrt(m) * np.linalg.norm(W - W0) + 1e-12
    W = W0 + eps * np.linalg.norm(W0, 2) * D / np.linalg.norm(D, 2)
    c = max(np.linalg.norm(W0, 2), np.linalg.norm(W, 2) / 2) / math.sqrt(m)
    lhs = np.linalg.norm(gram_finite(X, W) - gram_finite(X, W0), 2)
    assert lhs <= 4 * c / math.sqrt(m) * np.linalg.norm(X, 2) ** 2 * np.linalg.norm(W - W0, 2) + 1e-12


def test_l34_counterexample_meets_hypotheses_and_breaks_conclusion():
    ce = l3_4.counterexample(n=24, m=1500, seed=1)
    assert ce["lambda_min_G0"] >= ce["three_quarter_lambda0"]
    assert ce["norm_W_minus_W0"] <= ce["R"] * (1 + 1e-12)
    assert ce["norm_W_over_2c_sqrt_m"] <= 1
    assert ce["norm_G_minus_G0"] > ce["lambda0_over_4"]
    assert ce["norm_G_minus_G0"] > ce["printed_bound"]
    assert ce["norm_G_minus_G0"] <= ce["corrected_bound"]
