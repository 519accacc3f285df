"""The fixed-point solvers against independent re-implementations and at their edge cases.

* Anderson acceleration (type II, Walker & Ni 2011) is re-implemented here from its definition,
      X_{k+1} = F_k - dF gamma_k,  gamma_k = argmin ||g_k - dG gamma||  (least squares by LAPACK),
  with dF, dG the last `memory` differences of F = f(X) and g = F - X; the engine's residual trace must
  follow it while the residual is well above rounding, for several memories.
* With a backend whose small solve always fails, the engine's fallback (drop the history, take the plain
  step) makes Anderson the Picard iteration, trace for trace.
* Picard is checked against eq. 1 iterated by hand: the reported pre-activation is that of the last step.
* An exact fixed point meets any tolerance, tol = 0 included.
"""
import numpy as np
import pytest

from verifier.engine import SolveError, solve_adjoint, solve_forward
from verifier.engine.backend import NumpyBackend
from verifier.engine.model import Params
from verifier.engine.solvers import METHODS


def _linear_problem(seed=2, n=6, m=60, rate=0.9):
    """Positive A: every unit stays active, so the forward map is the affine Z -> gt Z A^T + Phi with
    contraction `rate` along the Perron vector (slow for Picard, where Anderson has work to do)."""
    rng = np.random.default_rng(seed)
    A = np.abs(rng.standard_normal((m, m)))
    Phi = np.abs(rng.standard_normal((n, m))) / np.sqrt(m)
    gt = rate / np.linalg.norm(A, 2)
    return A, Phi, gt


def _reference_anderson(f, X0, memory, iters):
    """Residual trace ||f(X) - X|| / ||f(X)|| of type-II Anderson, the least-squares problem solved by lstsq."""
    X, F_prev, g_prev = X0, None, None
    dFs, dGs, res = [], [], []
    for _ in range(iters):
        F = f(X)
        g = F - X
        res.append(np.linalg.norm(g) / np.linalg.norm(F))
        if F_prev is not None:
            dFs.append((F - F_prev).ravel())
            dGs.append((g - g_prev).ravel())
            dFs, dGs = dFs[-memory:], dGs[-memory:]
        F_prev, g_prev = F, g
        if dGs:
            gamma, *_ = np.linalg.lstsq(np.array(dGs).T, g.ravel(), rcond=None)
            X = F - (np.array(dFs).T @ gamma).reshape(F.shape)
        else:
            X = F
    return np.array(res)


@pytest.mark.parametrize("memory", [1, 2, 5])
def test_anderson_follows_the_textbook_recursion(memory):
    A, Phi, gt = _linear_problem()

    def f(Z):
        return np.maximum(Z @ (gt * A.T) + Phi, 0.0)

    _, st = solve_forward(A, Phi, gt, method="anderson", memory=memory, max_iter=2000)
    assert st.method == "anderson" and st.residual <= 1e-13
    ref = _reference_anderson(f, np.zeros_like(Phi), memory, st.iterations)
    got = np.array(st.residuals)
    assert len(got) == len(ref)
    # identical recursions: the traces agree while the residual is far above rounding (the engine
    # solves the normal equations with a 1e-12 relative ridge, the reference uses a QR least squares)
    live = ref > 1e-7
    assert live.sum() >= 8
    np.testing.assert_allclose(got[live], ref[live], rtol=1e-6)


def test_anderson_default_memory_is_five():
    """The documented default (solve_forward/solve_adjoint signature, memory=5) is what the engine uses when
    the caller (evaluate, the training loops) does not pass one."""
    A, Phi, gt = _linear_problem()
    _, st = solve_forward(A, Phi, gt, method="anderson", max_iter=2000)
    _, st5 = solve_forward(A, Phi, gt, method="anderson", memory=5, max_iter=2000)
    _, st4 = solve_forward(A, Phi, gt, method="anderson", memory=4, max_iter=2000)
    assert st.residuals == st5.residuals != st4.residuals
    D = np.ones_like(Phi)
    u = np.linspace(-1.0, 1.0, A.shape[0])
    _, sa = solve_adjoint(A, D, u, gt, method="anderson", max_iter=2000)
    _, sa5 = solve_adjoint(A, D, u, gt, method="anderson", memory=5, max_iter=2000)
    _, sa6 = solve_adjoint(A, D, u, gt, method="anderson", memory=6, max_iter=2000)
    assert sa.residuals == sa5.residuals != sa6.residuals


class _NoSmallSolve(NumpyBackend):
    def solve_small(self, G, b):
        raise np.linalg.LinAlgError("singular")


def test_anderson_without_a_usable_small_solve_is_picard():
    """Every least-squares step fails: the history is dropped and the plain step taken, i.e. Picard."""
    A, Phi, gt = _linear_problem(rate=0.6)
    bk = _NoSmallSolve()
    Zp, sp = solve_forward(A, Phi, gt)
    Za, sa = solve_forward(A, Phi, gt, method="anderson", bk=bk)
    assert sa.method == "anderson" and sa.iterations == sp.iterations > 10
    np.testing.assert_allclose(sa.residuals, sp.residuals, rtol=1e-12)
    np.testing.assert_allclose(Za, Zp, rtol=1e-14)
    D = np.ones_like(Phi)
    u = np.ones(A.shape[0])
    Bp, bp = solve_adjoint(A, D, u, gt)
    Ba, ba = solve_adjoint(A, D, u, gt, method="anderson", bk=bk)
    assert ba.iterations == bp.iterations
    np.testing.assert_allclose(Ba, Bp, rtol=1e-14)


def test_picard_reports_its_method_and_the_last_pre_activation():
    """Eq. 1 by hand: z^0 = 0, pre^k = gt z^{k-1} A^T + phi, z^k = sigma(pre^k). A failed solve after k steps
    reports pre^k; a solve with no step reports none."""
    A, Phi, gt = _linear_problem(rate=0.6)
    Z, st = solve_forward(A, Phi, gt)
    assert st.method == "picard" and st.to_dict()["method"] == "picard"
    assert np.array_equal(np.maximum(st.pre, 0.0), Z)
    for budget in (1, 6):
        with pytest.raises(SolveError) as ei:
            solve_forward(A, Phi, gt, max_iter=budget)
        Zk, pre = np.zeros_like(Phi), None
        for _ in range(budget):
            pre = Zk @ (gt * A.T) + Phi
            Zk = np.maximum(pre, 0.0)
        np.testing.assert_allclose(ei.value.stats.pre, pre, rtol=1e-14)
        assert ei.value.stats.method == "picard"
    for method in METHODS:
        with pytest.raises(SolveError) as ei:
            solve_forward(A, Phi, gt, method=method, max_iter=0)
        assert ei.value.stats.pre is None


@pytest.mark.parametrize("method", METHODS)
def test_an_exact_fixed_point_meets_tolerance_zero(method):
    """phi = 0 from z^0 = 0 (and B0 = the fixed point of the adjoint map with D = 0): residual exactly 0 <= tol = 0."""
    A, Phi, gt = _linear_problem()
    Z, st = solve_forward(A, np.zeros_like(Phi), gt, method=method, tol=0.0)
    assert st.iterations == 1 and st.residual == 0.0 and not Z.any()
    u = np.linspace(-1.0, 1.0, A.shape[0])
    B, sa = solve_adjoint(A, np.zeros_like(Phi), u, gt, method=method, tol=0.0)
    assert sa.iterations == 1 and sa.residual == 0.0 and np.array_equal(B, np.tile(u, (Phi.shape[0], 1)))


def test_anderson_on_the_paper_model_matches_picard():
    """A generic (sign-changing) instance: both methods reach the same equilibrium and adjoint."""
    rng = np.random.default_rng(4)
    n, d, m = 5, 3, 40
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    p = Params(rng.standard_normal((m, m)), rng.standard_normal((m, d)), rng.standard_normal(m),
               rng.standard_normal(m))
    gt = 0.5 / np.linalg.norm(p.A, 2)
    Phi = np.maximum(X @ p.W.T, 0.0) / np.sqrt(m)
    Zp, _ = solve_forward(p.A, Phi, gt)
    for memory in (1, 3):
        Za, _ = solve_forward(p.A, Phi, gt, method="anderson", memory=memory)
        np.testing.assert_allclose(Za, Zp, rtol=0, atol=1e-12 * np.abs(Zp).max())
