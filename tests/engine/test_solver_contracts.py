"""Contracts of the equilibrium (eq. 3) and adjoint (L2.3) solves: warm starts and the relative stopping rule.

* A re-solve started from a returned solution is already within tolerance: the returned Z is f(Z') with
  ||Z - Z'|| <= tol ||Z||, and f is a q-contraction (L2.2), so ||f(Z) - Z|| <= q tol ||Z||.
* The stopping rule ||f(X) - X||_F / ||f(X)||_F <= tol is scale-free: sigma is positively homogeneous,
  so Z*(s Phi) = s Z*(Phi) and B(s u) = s B(u); with s a power of two every iterate scales exactly, hence
  the iteration count and the rescaled result do not depend on s.
"""
import numpy as np
import pytest

from verifier.engine import init_params, solve_adjoint, solve_forward
from verifier.engine.gradients import predict
from verifier.engine.model import Params, features
from verifier.engine.solvers import METHODS


def _problem(seed=3, n=5, d=4, m=40, gamma=0.3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    p = init_params(m, d, seed)
    gt = gamma / np.sqrt(m)
    Phi, _ = features(X, p.W)
    return X, p, gt, Phi, gamma


def _D(p, Z, Phi, gt):
    return ((Z @ (gt * p.A.T) + Phi) > 0).astype(float)


@pytest.mark.parametrize("method", METHODS)
def test_forward_warm_start_from_the_equilibrium_takes_at_most_two_iterations(method):
    _X, p, gt, Phi, _g = _problem()
    Z, cold = solve_forward(p.A, Phi, gt, method=method)
    assert cold.iterations > 5          # the cold start (from 0) has real work to do
    Z2, warm = solve_forward(p.A, Phi, gt, Z, method=method)
    assert warm.iterations <= 2
    assert np.max(np.abs(Z2 - Z)) <= 1e-12 * np.max(np.abs(Z))


@pytest.mark.parametrize("method", METHODS)
def test_adjoint_warm_start_from_the_solution_takes_at_most_two_iterations(method):
    _X, p, gt, Phi, _g = _problem()
    Z, _ = solve_forward(p.A, Phi, gt)
    D = _D(p, Z, Phi, gt)
    B, cold = solve_adjoint(p.A, D, p.u, gt, method=method)
    assert cold.iterations > 5
    B2, warm = solve_adjoint(p.A, D, p.u, gt, B, method=method)
    assert warm.iterations <= 2
    assert np.max(np.abs(B2 - B)) <= 1e-12 * np.max(np.abs(B))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("s", [2.0**20, 2.0**-20])
def test_forward_stopping_rule_is_relative(method, s):
    """Scaling the injected term Phi by s = 2^{+-20}: same iterations, same residuals, Z scaled by s."""
    _X, p, gt, Phi, _g = _problem()
    Z, st1 = solve_forward(p.A, Phi, gt, method=method)
    Zs, sts = solve_forward(p.A, s * Phi, gt, method=method)
    assert sts.iterations == st1.iterations
    np.testing.assert_allclose(sts.residuals, st1.residuals, rtol=1e-12)
    np.testing.assert_allclose(Zs / s, Z, rtol=1e-14, atol=0)


@pytest.mark.parametrize("s", [2.0**20, 2.0**-20])
def test_forward_stopping_rule_is_relative_through_the_data_scale(s):
    """The same through the features: phi(s x) = s phi(x) (eq. 2), so yhat(s X) = s yhat(X) at equal cost."""
    X, p, _gt, _Phi, gamma = _problem(seed=8)
    y1, Z1, _, st1 = predict(p, X, gamma)
    ys, Zs, _, sts = predict(p, s * X, gamma)
    assert sts.iterations == st1.iterations
    np.testing.assert_allclose(ys / s, y1, rtol=1e-13)
    np.testing.assert_allclose(Zs / s, Z1, rtol=1e-14, atol=0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("s", [2.0**20, 2.0**-20])
def test_adjoint_stopping_rule_is_relative(method, s):
    """b_i = U_i^{-T} u is linear in u: scaling u by s leaves the iterations unchanged and scales B."""
    _X, p, gt, Phi, _g = _problem()
    Z, _ = solve_forward(p.A, Phi, gt)
    D = _D(p, Z, Phi, gt)
    B, st1 = solve_adjoint(p.A, D, p.u, gt, method=method)
    Bs, sts = solve_adjoint(p.A, D, s * p.u, gt, method=method)
    assert sts.iterations == st1.iterations
    np.testing.assert_allclose(Bs / s, B, rtol=1e-14, atol=0)


def test_stats_to_dict_reports_the_solve():
    _X, p, gt, Phi, _g = _problem()
    _Z, st = solve_forward(p.A, Phi, gt, method="anderson")
    d = st.to_dict()
    assert set(d) == {"method", "iterations", "residual", "contraction_estimate", "residuals"}
    assert (d["method"], d["iterations"], d["residual"]) == ("anderson", st.iterations, st.residual)
    assert d["residuals"] == st.residuals and len(d["residuals"]) == st.iterations
    assert d["residuals"][-1] == d["residual"] <= 1e-13
    assert d["contraction_estimate"] == st.contraction_estimate


@pytest.mark.parametrize("q", [0.5, 1.0, 1.5])
def test_nonconvergence_message_flags_a_non_contraction_exactly_when_q_reaches_1(q):
    """A = (q/gt) I has gt ||A|| = q exactly; the message adds the L2.2 warning iff q >= 1."""
    from verifier.engine import SolveError

    m, gt = 6, 0.25
    A = (q / gt) * np.eye(m)
    Phi = np.abs(np.random.default_rng(0).standard_normal((3, m)))
    with pytest.raises(SolveError) as ei:
        solve_forward(A, Phi, gt, max_iter=3)
    assert ei.value.q == q
    warning = "(>= 1: the map need not be a contraction, L2.2)"
    assert (warning in str(ei.value)) == (q >= 1)
    assert str(ei.value).endswith(f"= {q:.6g}" + (" " + warning if q >= 1 else ""))


def test_predict_is_the_read_out_of_eq_4_and_honours_warm_start_and_options():
    X, p, gt, Phi, gamma = _problem(seed=5)
    yhat, Z, Phi2, st = predict(p, X, gamma, method="anderson", tol=1e-10)
    assert st.method == "anderson" and st.residual <= 1e-10
    # eq. 4 by an independent route: plain iteration of eq. 1 from z^0 = 0, 200 steps (contraction ~0.6)
    Zi = np.zeros_like(Phi)
    for _ in range(200):
        Zi = np.maximum(Zi @ (gt * p.A.T) + Phi, 0.0)
    np.testing.assert_allclose(Phi2, Phi, rtol=0, atol=0)
    np.testing.assert_allclose(yhat, Zi @ p.u + Phi @ p.v, rtol=1e-8)
    _y, _Z, _P, warm = predict(p, X, gamma, Z, method="anderson", tol=1e-10)
    assert warm.iterations <= 2


def test_predict_on_the_torch_backend():
    pytest.importorskip("torch", reason="torch extra not installed")
    from verifier.engine import get_backend

    X, p, _gt, _Phi, gamma = _problem(seed=6)
    bk = get_backend("torch", device="cpu")
    y_np, _, _, st_np = predict(p, X, gamma)
    y_t, Z_t, _, st_t = predict(p.to(bk), bk.asarray(X), gamma)
    assert type(Z_t).__module__.startswith("torch")
    np.testing.assert_allclose(bk.to_numpy(y_t), y_np, rtol=1e-12)
    assert st_t.iterations == st_np.iterations


def test_contraction_estimate_is_the_recent_geometric_rate():
    from verifier.engine import SolveStats

    def est(res):
        return SolveStats(len(res), res[-1], list(res)).contraction_estimate

    assert est([0.5**k for k in range(8)]) == pytest.approx(0.5, rel=1e-14)
    # a slow phase followed by five steps at rate 0.5: the estimate reports the recent rate
    res = [0.9**k for k in range(10)]
    res += [res[-1] * 0.5**k for k in range(1, 6)]
    assert est(res) == pytest.approx(0.5, rel=1e-14)
    # zeros and non-finite entries carry no rate; fewer than two usable entries give nan
    assert est([1.0, 0.5, 0.0, float("inf"), float("nan"), 0.25]) == pytest.approx(0.5, rel=1e-14)
    assert np.isnan(est([1.0])) and np.isnan(est([0.0, 1.0, float("inf")]))


def test_default_starts_are_zero_and_u():
    """Z0 = 0 (eq. 1's z^0) and B0 = u (the adjoint map's image of 0): same traces as explicit starts."""
    _X, p, gt, Phi, _g = _problem()
    _, st = solve_forward(p.A, Phi, gt)
    _, st0 = solve_forward(p.A, Phi, gt, np.zeros_like(Phi))
    assert st.residuals == st0.residuals
    Z, _ = solve_forward(p.A, Phi, gt)
    D = _D(p, Z, Phi, gt)
    _, sa = solve_adjoint(p.A, D, p.u, gt)
    _, sa0 = solve_adjoint(p.A, D, p.u, gt, np.tile(p.u, (D.shape[0], 1)))
    assert sa.residuals == sa0.residuals


def test_zero_injection_and_non_finite_input():
    _X, p, gt, Phi, _g = _problem()
    for method in METHODS:
        Z, st = solve_forward(p.A, np.zeros_like(Phi), gt, method=method)   # phi = 0: z* = 0 at once
        assert st.iterations == 1 and st.residual == 0.0 and not Z.any()
    from verifier.engine import SolveError

    bad = Phi.copy()
    bad[0, 0] = np.inf
    for method in METHODS:
        with pytest.raises(SolveError) as ei:
            solve_forward(p.A, bad, gt, method=method)
        assert ei.value.stats.iterations == 1 and ei.value.stats.residual == float("inf")
        assert ei.value.which == "forward (equilibrium)" and ei.value.tol == 1e-13


def test_anderson_accelerates_a_slow_contraction_and_reports_its_best_iterate():
    from verifier.engine import SolveError

    rng = np.random.default_rng(2)
    n, m = 6, 60
    A = np.abs(rng.standard_normal((m, m)))     # positive: every unit stays active, the map is linear
    Phi = np.abs(rng.standard_normal((n, m))) / np.sqrt(m)
    gt = 0.9 / np.linalg.norm(A, 2)             # contraction 0.9 along the Perron vector: slow for Picard
    p = Params(A, np.zeros((m, 1)), np.sign(rng.standard_normal(m)), np.zeros(m))
    Zp, sp = solve_forward(p.A, Phi, gt, max_iter=2000)
    Za, sa = solve_forward(p.A, Phi, gt, method="anderson", max_iter=2000)
    assert sa.iterations * 3 < sp.iterations
    np.testing.assert_allclose(Za, Zp, rtol=0, atol=1e-11 * np.abs(Zp).max())
    D = _D(p, Zp, Phi, gt)
    Bp, bp = solve_adjoint(p.A, D, p.u, gt, max_iter=2000)
    Ba, ba = solve_adjoint(p.A, D, p.u, gt, method="anderson", max_iter=2000)
    assert ba.iterations * 3 < bp.iterations
    np.testing.assert_allclose(Ba, Bp, rtol=0, atol=1e-11 * np.abs(Bp).max())
    with pytest.raises(SolveError) as ei:
        solve_forward(p.A, Phi, gt, method="anderson", max_iter=sa.iterations - 3)
    st = ei.value.stats
    assert st.method == "anderson" and st.residual == min(st.residuals) > 1e-13
    assert st.pre is not None and st.pre.shape == Phi.shape       # the best iterate's pre-activation


def test_unknown_method_and_adjoint_failure():
    from verifier.engine import SolveError

    _X, p, gt, Phi, _g = _problem()
    with pytest.raises(ValueError, match="unknown solver method 'newton' \\(use picard, anderson\\)"):
        solve_forward(p.A, Phi, gt, method="newton")
    D = np.ones_like(Phi)
    with pytest.raises(SolveError) as ei:
        solve_adjoint(p.A, D, p.u, 1.5 / np.linalg.norm(p.A, 2), max_iter=20)
    assert ei.value.which == "adjoint" and ei.value.q == pytest.approx(1.5, rel=1e-12)
    assert ei.value.stats.iterations == 20


@pytest.mark.parametrize("method", METHODS)
def test_solver_pre_activation_and_iteration_budget(method):
    """stats.pre is the pre-activation whose relu is the returned Z (what D of L2.3 is read from);
    a solve that fails uses exactly max_iter iterations; max_iter = 0 fails at once."""
    from verifier.engine import SolveError

    _X, p, gt, Phi, _g = _problem()
    Z, st = solve_forward(p.A, Phi, gt, method=method)
    assert np.array_equal(np.maximum(st.pre, 0.0), Z)
    for budget in (0, 7):
        with pytest.raises(SolveError) as ei:
            solve_forward(p.A, Phi, 1.5 / np.linalg.norm(p.A, 2), method=method, max_iter=budget)
        assert ei.value.stats.iterations == budget == len(ei.value.stats.residuals)
        assert ei.value.stats.method == method
    with pytest.raises(SolveError) as ei:
        solve_forward(p.A, Phi, gt, method=method, max_iter=0)
    assert np.isnan(ei.value.stats.residual) and "after 0 iterations" in str(ei.value)
