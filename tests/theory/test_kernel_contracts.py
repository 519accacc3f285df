"""G_inf (eq. 17) and lambda0: the Monte Carlo estimator's statistics, the three-ways summary, and the
high-precision eigenvalue, each against an independent computation.

* gram_monte_carlo: G(0) at width m is a sum of m rank-one terms (so rank m < n); its standard error
  squared is unbiased for the variance of the mean, checked against the spread over independent seeds.
* g_inf_three_ways: every reported number against the function it summarizes.
* lambda0_highprec: against mpmath's Jacobi eigensolver (mpmath.eigsy) at more digits.
"""
import mpmath
import numpy as np
import pytest

from tests.helpers import unit_rows
from verifier.theory import kernel


def _unit_rows(seed, n, d):
    return unit_rows(np.random.default_rng(seed), n, d)


@pytest.mark.parametrize("m,chunk", [(1, 4096), (3, 2), (5, 2), (4, 4)])
def test_monte_carlo_gram_is_a_sum_of_m_rank_one_terms(m, chunk):
    X = _unit_rows(0, 8, 6)
    G, _ = kernel.gram_monte_carlo(X, m, seed=3, chunk=chunk)
    s = np.linalg.svd(G, compute_uv=False)
    assert np.sum(s > 1e-12 * s[0]) == m
    assert np.linalg.eigvalsh(G)[0] > -1e-14


@pytest.mark.parametrize("m", [2, 4])
def test_monte_carlo_standard_error_matches_the_spread_over_seeds(m):
    """E[se^2] = Var(mean): averaged over 3000 seeds, within 15% on every entry."""
    X = _unit_rows(0, 5, 3)
    means, se2 = [], []
    for seed in range(3000):
        mu, se = kernel.gram_monte_carlo(X, m, seed=seed)
        means.append(mu)
        se2.append(se**2)
    ratio = np.mean(se2, axis=0) / np.var(means, axis=0, ddof=1)
    assert np.all((ratio > 0.85) & (ratio < 1.15)), ratio


def test_monte_carlo_is_reproducible_and_seeded():
    X = _unit_rows(1, 4, 3)
    a, sa = kernel.gram_monte_carlo(X, 50)
    b, sb = kernel.gram_monte_carlo(X, 50)
    c, _ = kernel.gram_monte_carlo(X, 50, seed=1)
    assert np.array_equal(a, b) and np.array_equal(sa, sb) and not np.array_equal(a, c)


def test_three_ways_reports_what_it_summarizes():
    X = _unit_rows(2, 6, 3)                     # n != d
    m, seed, htol = 3000, 5, 1e-6
    s = kernel.g_inf_three_ways(X, m=m, seed=seed, hermite_tol=htol)
    assert set(s) == {"n", "m", "seed", "lambda0_closed_form", "lambda0_hermite", "hermite_error_bound_max",
                      "hermite_error_bound_frobenius", "max_abs_closed_minus_hermite",
                      "closed_within_hermite_bound", "lambda_min_monte_carlo_G0", "monte_carlo_max_z",
                      "monte_carlo_mean_abs_z", "monte_carlo_max_stderr", "lambda0_never_clipped"}
    assert (s["n"], s["m"], s["seed"]) == (6, m, seed)
    Gc = kernel.gram_inf(X)
    Gh, Eh = kernel.gram_inf_hermite(X, tol=htol)
    Gm, se = kernel.gram_monte_carlo(X, m, seed=seed)
    assert s["lambda0_closed_form"] == kernel.lambda0(X)
    assert s["lambda0_hermite"] == np.linalg.eigvalsh(Gh)[0]
    assert s["hermite_error_bound_max"] == Eh.max() > 1e-12        # the loose tolerance was used
    assert s["hermite_error_bound_frobenius"] == pytest.approx(np.linalg.norm(Eh), rel=1e-15)
    assert s["max_abs_closed_minus_hermite"] == np.max(np.abs(Gc - Gh)) <= s["hermite_error_bound_max"]
    assert s["closed_within_hermite_bound"] is True
    assert s["lambda_min_monte_carlo_G0"] == np.linalg.eigvalsh(Gm)[0]
    z = np.abs(Gc - Gm) / se
    assert s["monte_carlo_max_z"] == pytest.approx(z.max(), rel=1e-14) and s["monte_carlo_max_z"] > 0
    assert s["monte_carlo_mean_abs_z"] == pytest.approx(z.mean(), rel=1e-14)
    assert s["monte_carlo_max_stderr"] == se.max()
    assert s["lambda0_never_clipped"] is True


def _reference_eigenvalues(X, dps):
    G = kernel.gram_inf_mp(X, dps=dps + 40)
    with mpmath.workdps(dps + 40):
        return sorted(mpmath.eigsy(G, eigvals_only=True))


def test_lambda0_highprec_at_more_digits_than_float():
    X = _unit_rows(7, 6, 3)
    dps = 60
    res = kernel.lambda0_highprec(X, dps=dps)
    ev = _reference_eigenvalues(X, dps)
    with mpmath.workdps(dps + 20):
        assert abs(res["value"] - ev[0]) < mpmath.mpf(10) ** -(dps + 5)
        assert abs(mpmath.mpf(res["value_str"]) - ev[0]) <= mpmath.mpf(10) ** -(dps - 2) * abs(ev[0])
    assert len(res["value_str"].lstrip("-0.").replace(".", "")) >= dps - 2   # dps significant digits shown
    assert res["float"] == float(res["value"])
    assert res["dps"] == dps and 2 <= res["iterations"] < 10                  # converged before max_iter
    assert res["gap_float64"] == pytest.approx(float(ev[1] - ev[0]), rel=1e-10)
    assert res["is_smallest"] is True
    # the bound contains the true error (here ~1e-76, against 80 more digits) and sits at the rounding floor of
    # the dps + 15 digit residual: a Kato-Temple square below that floor (it gave 7.5e-152 here) is no bound
    ref = _reference_eigenvalues(X, dps + 80)[0]
    with mpmath.workdps(dps + 80):
        err = abs(res["value"] - ref)
    assert err <= res["residual_bound"] < 10.0 ** -(dps + 10)


def test_lambda0_highprec_one_and_two_samples():
    one = kernel.lambda0_highprec(np.array([[0.6, 0.8]]), dps=30)
    assert one["gap_float64"] == float("inf") and one["is_smallest"] is True
    with mpmath.workdps(40):   # G_inf = [[||x||^2 / 2]] of the exact float entries (not exactly 1/2)
        assert abs(one["value"] - (mpmath.mpf(0.6) ** 2 + mpmath.mpf(0.8) ** 2) / 2) < mpmath.mpf(10) ** -35
    X = _unit_rows(3, 2, 3)
    two = kernel.lambda0_highprec(X, dps=30)
    ev = _reference_eigenvalues(X, 30)
    assert two["gap_float64"] == pytest.approx(float(ev[1] - ev[0]), rel=1e-10)
    with mpmath.workdps(50):
        assert abs(two["value"] - ev[0]) < mpmath.mpf(10) ** -32


def _g_inf_reference(X):
    """G_inf at 40 digits from the exact float entries, rounded to float64."""
    return np.array(kernel.gram_inf_mp(X, dps=40).tolist(), dtype=np.float64)


def test_hermite_series_meets_its_tolerance_on_separated_rows():
    """Rows at least 0.3 rad apart: geometric convergence, so the bound is within the requested tol."""
    X = _unit_rows(0, 6, 3)
    assert np.min(kernel.pairwise_angles(X) + 10 * np.eye(6)) > 0.3
    ref = _g_inf_reference(X)
    for tol in (1e-13, 1e-8):
        G, E = kernel.gram_inf_hermite(X, tol=tol)
        off = ~np.eye(6, dtype=bool)
        assert np.all(np.abs(G - ref)[off] <= E[off])
        assert np.allclose(np.diag(G), np.diag(ref), rtol=4e-16, atol=0)
        assert E.max() <= tol


def test_hermite_bound_is_tight_for_nearly_parallel_rows():
    """|rho| near 1: terms decay like k^{-5/2} and the series stops at max_terms. The reported bound
    must still contain the exact value and be of the size of the realized error, not a crude cap."""
    def unit(v):
        return np.asarray(v, dtype=float) / np.linalg.norm(v)
    X = np.vstack([unit([1.0, 0, 0]), unit([1.0, 1e-3, 0]), unit([-1.0, 2e-3, 1e-3]), [0, 0, 1.0]])
    G, E = kernel.gram_inf_hermite(X, max_terms=2000)
    err = np.abs(G - _g_inf_reference(X))
    off = ~np.eye(4, dtype=bool)
    assert np.all(err[off] <= E[off])
    slow = off & (E > 1e-10)
    assert slow.sum() == 6                       # the three nearly (anti)parallel pairs, both triangles
    assert np.all(E[slow] <= 1.5 * err[slow])


def test_hermite_series_at_exactly_parallel_and_antiparallel_rows():
    """rho = +-1 exactly: G_inf_ij = ||x||^2/2 (parallel) and 0 (antiparallel), inside the reported bound."""
    x = np.array([0.36, 0.48, 0.8])
    X = np.vstack([x, x, -x, [0.0, 1.0, 0.0]])
    G, E = kernel.gram_inf_hermite(X, max_terms=3000)
    ref = _g_inf_reference(X)
    assert np.all(np.abs(G - ref) <= E + 4e-16)
    assert abs(ref[0, 2]) < 1e-50 and abs(G[0, 2]) <= E[0, 2]


def test_hermite_bound_matches_the_mpmath_series_with_the_same_number_of_terms():
    """For the slowly converging (nearly parallel) pairs, both run max_terms terms: the float64 error bar
    must be as tight as the mpmath implementation's enclosure (theory/hermite.py) plus rounding."""
    from verifier.theory import hermite

    def unit(v):
        return np.asarray(v, dtype=float) / np.linalg.norm(v)
    X = np.vstack([unit([1.0, 0, 0]), unit([1.0, 1e-3, 0]), unit([-1.0, 2e-3, 1e-3])])
    J = 2000
    G, E = kernel.gram_inf_hermite(X, max_terms=J)
    for i, j in ((0, 1), (0, 2), (1, 2)):
        rho = float(X[i] @ X[j])
        mp = hermite.hermite_series_kernel(rho, dps=20, max_terms=J)
        assert mp["terms"] == J
        assert E[i, j] <= 1.01 * float(mp["error"]) + 4e-16 * (J + 4)
        assert float(mp["lower"]) - E[i, j] <= G[i, j] <= float(mp["upper"]) + E[i, j]


def test_float32_input_is_computed_in_float64():
    X = _unit_rows(4, 5, 3).astype(np.float32)
    X64 = X.astype(np.float64)
    assert np.array_equal(kernel.gram_inf(X), kernel.gram_inf(X64))
    th = np.linspace(0, np.pi, 7).astype(np.float32)
    assert np.array_equal(kernel.arccos_kernel(th), kernel.arccos_kernel(th.astype(np.float64)))
    for a, b in zip(kernel.gram_inf_hermite(X), kernel.gram_inf_hermite(X64)):
        assert np.array_equal(a, b)
    for a, b in zip(kernel.gram_monte_carlo(X, 40), kernel.gram_monte_carlo(X64, 40)):
        assert np.array_equal(a, b)


def test_three_ways_at_width_one_has_no_standard_error():
    """m = 1: one sample, so the Monte Carlo standard error is 0 everywhere and no z-score exists."""
    s = kernel.g_inf_three_ways(_unit_rows(5, 4, 3), m=1)
    assert s["monte_carlo_max_stderr"] == 0.0
    assert s["monte_carlo_max_z"] == 0.0 and s["monte_carlo_mean_abs_z"] == 0.0


def test_lambda0_highprec_newton_budget_and_100_digits():
    """Newton steps gain digits until the target (here 100 digits, beyond any float check); with a binding
    budget the reported iteration count is the budget and the error shrinks with every extra step."""
    X = _unit_rows(9, 5, 3)
    dps = 100
    ev = _reference_eigenvalues(X, dps)
    full = kernel.lambda0_highprec(X, dps=dps)
    errs = []
    with mpmath.workdps(dps + 30):
        assert abs(full["value"] - ev[0]) < mpmath.mpf(10) ** -(dps + 3)
        for budget in (0, 1, 2, 3):
            r = kernel.lambda0_highprec(X, dps=dps, max_iter=budget)
            assert r["iterations"] == budget
            errs.append(abs(r["value"] - ev[0]))
    assert errs[0] < 1e-25                                      # the Rayleigh quotient of the float64 vector
    assert all(b < a * 1e-8 for a, b in zip(errs, errs[1:]))   # each step gains digits
