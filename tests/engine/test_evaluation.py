"""What one forward + adjoint pass (L2.3) hands back: the same forward quantities with and without the
gradients, D read from the solver's own pre-activation, and backend inference from the arrays."""
import numpy as np
import pytest

from verifier.engine import evaluate, init_params
from verifier.engine.gradients import preactivation_margins


def _problem(seed=0, n=6, d=4, m=30):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    return X, rng.standard_normal(n), init_params(m, d, seed)


def test_forward_fields_do_not_depend_on_with_grads():
    X, y, p = _problem()
    full = evaluate(p, X, y, 0.3)
    fwd = evaluate(p, X, y, 0.3, with_grads=False)
    for name in ("yhat", "r", "Phi", "Z", "D", "E", "Z_pre", "Phi_pre"):
        assert np.array_equal(getattr(full, name), getattr(fwd, name)), name
    assert fwd.loss == full.loss and fwd.forward.iterations == full.forward.iterations
    assert fwd.B is None and fwd.grads is None and fwd.adjoint is None
    assert full.B is not None and full.adjoint is not None
    # the fields are what they name: r = yhat - y, yhat = Z u + Phi v (eq. 4), Phi = sigma(X W^T)/sqrt(m) (eq. 2)
    np.testing.assert_allclose(fwd.r, fwd.yhat - y, rtol=0, atol=0)
    np.testing.assert_allclose(fwd.yhat, fwd.Z @ p.u + fwd.Phi @ p.v, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(fwd.Phi, np.maximum(X @ p.W.T, 0) / np.sqrt(p.m), rtol=1e-15, atol=0)
    assert fwd.loss == pytest.approx(0.5 * np.sum(fwd.r**2), rel=1e-14)


def test_D_and_E_come_from_the_pre_activations_the_solver_formed():
    X, y, p = _problem(seed=1)
    ev = evaluate(p, X, y, 0.3)
    assert ev.Z_pre is ev.forward.pre                      # not a recomputation at the returned Z
    assert np.array_equal(ev.D, (ev.forward.pre > 0).astype(float))
    assert np.array_equal(ev.Z, np.maximum(ev.Z_pre, 0.0))
    assert np.array_equal(ev.Phi_pre, X @ p.W.T) and np.array_equal(ev.E, (ev.Phi_pre > 0).astype(float))


def test_backend_is_inferred_from_torch_arrays():
    pytest.importorskip("torch", reason="torch extra not installed")
    from verifier.engine import get_backend

    X, y, p = _problem(seed=2)
    bk = get_backend("torch", device="cpu")
    ev_t = evaluate(p.to(bk), bk.asarray(X), bk.asarray(y), 0.3)          # no bk argument
    ev_n = evaluate(p, X, y, 0.3)
    assert type(ev_t.Z).__module__.startswith("torch") and type(ev_t.grads.A).__module__.startswith("torch")
    assert ev_t.loss == pytest.approx(ev_n.loss, rel=1e-12)
    np.testing.assert_allclose(bk.to_numpy(ev_t.grads.W), ev_n.grads.W, rtol=1e-10, atol=1e-13)
    m_t = preactivation_margins(ev_t, bk.asarray(X), bk.asarray(p.W), 1e-13)   # no bk argument
    m_n = preactivation_margins(ev_n, X, p.W, 1e-13)
    assert m_t["preact_near_zero_z"] == m_n["preact_near_zero_z"]
    assert m_t["preact_min_abs_phi"] == pytest.approx(m_n["preact_min_abs_phi"], rel=1e-12)
