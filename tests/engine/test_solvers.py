import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import unit_rows
from verifier.engine import SolveError, init_params, solve_adjoint, solve_forward
from verifier.engine.model import features


@given(seed=st.integers(0, 10_000), gamma=st.floats(0.05, 0.45))
def test_equilibrium_is_fixed_point_and_start_independent(seed, gamma):
    rng = np.random.default_rng(seed)
    n, d, m = 5, 3, 40
    X = unit_rows(rng, n, d)
    p = init_params(m, d, seed)
    gt = gamma / np.sqrt(m)
    Phi, _ = features(X, p.W)
    Z, st_ = solve_forward(p.A, Phi, gt, tol=1e-14)
    # fixed point: z = sigma(gt A z + phi), checked directly (not through the stopping rule)
    resid = np.linalg.norm(Z - np.maximum(Z @ (gt * p.A.T) + Phi, 0.0)) / np.linalg.norm(Z)
    assert resid < 1e-12
    # any start converges to the same equilibrium (uniqueness, L2.2)
    for scale in (10.0, -3.0):
        Z2, _ = solve_forward(p.A, Phi, gt, scale * rng.standard_normal(Phi.shape), tol=1e-14)
        assert np.max(np.abs(Z2 - Z)) <= 1e-11 * max(1.0, np.max(np.abs(Z)))


def test_adjoint_solves_the_linear_system():
    rng = np.random.default_rng(7)
    n, d, m, gamma = 4, 3, 30, 0.3
    X = unit_rows(rng, n, d)
    p = init_params(m, d, 3)
    gt = gamma / np.sqrt(m)
    Phi, _ = features(X, p.W)
    Z, _ = solve_forward(p.A, Phi, gt)
    D = ((Z @ (gt * p.A.T) + Phi) > 0).astype(float)
    B, _ = solve_adjoint(p.A, D, p.u, gt, tol=1e-15)
    for i in range(n):
        U = np.eye(m) - gt * np.diag(D[i]) @ p.A
        b_ref = np.linalg.solve(U.T, p.u)  # U_i^{-T} u by a direct solve
        assert np.allclose(B[i], b_ref, rtol=1e-12, atol=1e-12)


def test_nonconvergence_raises_with_numbers():
    rng = np.random.default_rng(0)
    m, d = 50, 3
    p = init_params(m, d, 0)
    X = unit_rows(rng, 4, d)
    Phi, _ = features(X, p.W)
    gt = 0.9 / np.sqrt(m)  # (gt)||A|| ~ 1.8: not a contraction
    with pytest.raises(SolveError) as ei:
        solve_forward(p.A, Phi, gt, max_iter=25)
    e = ei.value
    assert e.stats.iterations == 25 and e.q > 1.0
    msg = str(e)
    assert "residual" in msg and "25 iterations" in msg and f"{e.q:.6g}" in msg


def test_contraction_estimate_matches_observed_rate():
    rng = np.random.default_rng(3)
    m, d = 60, 4
    p = init_params(m, d, 5)
    X = unit_rows(rng, 5, d)
    Phi, _ = features(X, p.W)
    gamma = 0.2
    gt = gamma / np.sqrt(m)
    _, st_ = solve_forward(p.A, Phi, gt, tol=1e-14)
    # the iteration contracts at most by q = gt ||A|| (L2.2)
    q = gt * np.linalg.norm(p.A, 2)
    assert st_.contraction_estimate <= q * 1.05


@pytest.mark.parametrize("shape", [(300, 300), (200, 300), (300, 200)])
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_warm_started_lanczos_norm_matches_lapack(shape, backend):
    from verifier.engine.backend import get_backend

    if backend == "torch":
        pytest.importorskip("torch", reason="torch extra not installed")
    bk = get_backend(backend, device="cpu" if backend == "torch" else None)
    rng = np.random.default_rng(8)
    A = rng.standard_normal(shape)
    s, v = bk.spectral_norm(bk.asarray(A))
    assert abs(s - np.linalg.svd(A, compute_uv=False)[0]) <= 1e-13 * s
    A2 = A + 1e-3 * rng.standard_normal(A.shape)
    s2, _ = bk.spectral_norm(bk.asarray(A2), v)  # warm start from the previous vector
    assert abs(s2 - np.linalg.svd(A2, compute_uv=False)[0]) <= 1e-13 * s2
