"""L3.1 on a run: lambda_min(H) >= lambda_min(G) at the records where the NTK was computed."""
import numpy as np  # noqa: F811

from proofs_checks.reference_model import (
    forward,
    h_formula,
    ift_gradients,
    random_instance,
)
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


def test_h_formula_predicts_a_gradient_step_independently():
    """d yhat/dt = -H r: one tiny gradient step, with the gradient of L from finite differences of L itself
    (not from the Jacobian code), matches -tau H r with the corrected H, not with the printed one."""
    I = random_instance(n=3, d=3, m=5, seed=4)
    A, W, u, v, X, y, g = I["A"], I["W"], I["u"], I["v"], I["X"], I["y"], I["gamma"]
    params = [A, W, u, v]

    def loss(ps):
        r = forward(*ps, X, g)["yhat"] - y
        return 0.5 * float(r @ r)

    grads = []
    h = 1e-6
    for i, P in enumerate(params):
        G = np.zeros_like(P)
        for k in range(P.size):
            up = [q.copy() for q in params]
            dn = [q.copy() for q in params]
            up[i].reshape(-1)[k] += h
            dn[i].reshape(-1)[k] -= h
            G.reshape(-1)[k] = (loss(up) - loss(dn)) / (2 * h)
        grads.append(G)
    tau = 1e-5
    stepped = [P - tau * G for P, G in zip(params, grads)]
    r = forward(*params, X, g)["yhat"] - y
    dy = (forward(*stepped, X, g)["yhat"] - forward(*params, X, g)["yhat"]) / tau
    H_ok, _ = h_formula(*params, X, g)
    H_pr, _ = h_formula(*params, X, g, q_variant="printed", zz_weight="identity")
    assert np.allclose(dy, -H_ok @ r, rtol=1e-3, atol=1e-4 * np.abs(dy).max())
    assert not np.allclose(dy, -H_pr @ r, rtol=1e-3, atol=1e-4 * np.abs(dy).max())
    # and the IFT gradient agrees with the loss differences
    gi = ift_gradients(*params, X, y, g)
    assert np.allclose(gi["A"], grads[0], atol=1e-7) and np.allclose(gi["W"], grads[1], atol=1e-7)
