"""G_inf (eq. 17), G(0) and lambda0 at their edges, each against an independent computation.

* gram_finite: G = (1/m) sum_r sigma(X w_r) sigma(X w_r)^T summed neuron by neuron in plain Python.
* defaults (m, seed, chunk, dps, max_iter): the ones each signature declares, and tight where they matter.
* lambda0_highprec: against mpmath.eigsy at more digits; its residual bound against the realized error, its
  smallest-eigenvalue claim on exactly multiple eigenvalues (orthonormal rows: lambda0 = 1/2 - 1/(2 pi)), its
  Newton budget, and its equivariance under power-of-two scaling of the data.
* gram_inf_mp: zero data, wider-than-float64 input.
* gram_inf_hermite: the truncation bound against the closed form at 40 digits (sharpness when few terms are
  allowed), the interval's lower end against the mpmath series (theory/hermite.py) cut at the same number of
  terms, orthogonal rows (tail exactly zero) and |rho| rounding above 1.
"""
import inspect

import mpmath
import numpy as np
import pytest

from tests.helpers import unit_rows
from verifier.theory import kernel


def _loop_gram(X, W):
    """(1/m) sum_r sigma(X w_r) sigma(X w_r)^T, one neuron at a time (no matrix products of the code under test)."""
    n, m = X.shape[0], W.shape[0]
    G = np.zeros((n, n))
    for r in range(m):
        a = [max(0.0, float(sum(X[i, k] * W[r, k] for k in range(X.shape[1])))) for i in range(n)]
        for i in range(n):
            for j in range(n):
                G[i, j] += a[i] * a[j] / m
    return G


@pytest.mark.parametrize("n,d,m", [(4, 3, 7), (3, 5, 2), (5, 2, 1)])
def test_gram_finite_is_the_average_over_neurons(n, d, m):
    rng = np.random.default_rng(n * 100 + m)
    X = rng.standard_normal((n, d))                       # rows of any norm: G is quadratic in X
    W = rng.standard_normal((m, d))
    G = kernel.gram_finite(X, W)
    assert G.shape == (n, n)
    assert np.allclose(G, _loop_gram(X, W), rtol=1e-13, atol=1e-15)


def test_gram_finite_matches_the_monte_carlo_estimator_on_the_same_draws():
    """gram_monte_carlo draws W^T in one chunk of shape (d, m): same numbers, same G(0)."""
    X = unit_rows(np.random.default_rng(3), 5, 4)
    m, seed = 9, 11
    W = np.random.default_rng(seed).standard_normal((4, m)).T
    mean, _ = kernel.gram_monte_carlo(X, m, seed=seed, chunk=4096)
    assert np.allclose(kernel.gram_finite(X, W), mean, rtol=1e-13, atol=1e-15)


def test_three_ways_defaults_are_the_declared_ones_and_tight():
    sig = inspect.signature(kernel.g_inf_three_ways).parameters
    m0, seed0 = sig["m"].default, sig["seed"].default
    X = unit_rows(np.random.default_rng(8), 4, 3)
    s = kernel.g_inf_three_ways(X)
    assert (s["m"], s["seed"]) == (m0, seed0)
    Gm, se = kernel.gram_monte_carlo(X, m0, seed=seed0)
    assert s["lambda_min_monte_carlo_G0"] == np.linalg.eigvalsh(Gm)[0]
    assert s["monte_carlo_max_stderr"] == se.max()
    # the default Hermite tolerance gives a float64-tight series: rows of a random 4 x 3 set are well separated
    assert s["hermite_error_bound_max"] <= 1e-12
    assert s["max_abs_closed_minus_hermite"] <= 1e-12


# --- lambda0_highprec: defaults, iteration budget, the residual bound ------------------------------------

def _reference_lambda_min(X, dps):
    """lambda_min of G_inf at dps digits by mpmath's Jacobi eigensolver (independent of the Newton refinement)."""
    G = kernel.gram_inf_mp(X, dps=dps)
    with mpmath.workdps(dps):
        return sorted(mpmath.eigsy(G, eigvals_only=True))[0]


def test_lambda0_highprec_defaults_are_the_declared_ones():
    sig = inspect.signature(kernel.lambda0_highprec).parameters
    X = unit_rows(np.random.default_rng(9), 4, 3)
    res = kernel.lambda0_highprec(X)
    dps0 = sig["dps"].default
    assert res["dps"] == dps0
    assert len(res["value_str"].lstrip("-0.").replace(".", "")) >= dps0 - 2
    with mpmath.workdps(dps0 + 20):
        assert abs(res["value"] - _reference_lambda_min(X, dps0 + 20)) < mpmath.mpf(10) ** -(dps0 + 3)


def test_lambda0_highprec_honours_the_default_budget_when_the_target_needs_more_steps():
    """Each float64-solved Newton step gains ~15 digits from a ~16-digit start: 200 digits need about 13 steps,
    so the default budget binds and is reported; the Rayleigh quotient is still accurate to every digit."""
    X = unit_rows(np.random.default_rng(9), 4, 3)
    budget = inspect.signature(kernel.lambda0_highprec).parameters["max_iter"].default
    assert budget < 200 // 15
    res = kernel.lambda0_highprec(X, dps=200)
    assert res["iterations"] == budget
    with mpmath.workdps(240):
        assert abs(res["value"] - _reference_lambda_min(X, 240)) < mpmath.mpf(10) ** -200


def test_lambda0_highprec_takes_no_extra_steps_for_a_float_level_target():
    """At <= 25 digits one step from the float64 start already reaches the target; the second confirms it."""
    X = unit_rows(np.random.default_rng(9), 4, 3)
    for dps in (10, 20):
        res = kernel.lambda0_highprec(X, dps=dps)
        assert res["iterations"] <= 2
        with mpmath.workdps(dps + 20):
            assert abs(res["value"] - _reference_lambda_min(X, dps + 20)) < mpmath.mpf(10) ** -(dps + 3)


@pytest.mark.parametrize("seed", [3, 9])
def test_lambda0_highprec_residual_bound_contains_the_error(seed):
    """Above the working precision (dps + 15 digits) the reported bound (Kato-Temple, well separated spectrum)
    must contain the true error of the Rayleigh quotient, measured against mpmath.eigsy at 140 digits."""
    X = unit_rows(np.random.default_rng(seed), 5, 3)
    ref = _reference_lambda_min(X, 140)
    for budget in (0, 1, 2):                    # errors ~1e-31, 1e-62, 1e-93, all above 1e-115
        r = kernel.lambda0_highprec(X, dps=100, max_iter=budget)
        with mpmath.workdps(140):
            err = abs(r["value"] - ref)
        assert 0 < err <= r["residual_bound"]
        assert r["residual_bound"] < 1e-20                   # and it is a Kato-Temple (squared) bound, not the residual


def test_lambda0_highprec_on_an_exactly_double_smallest_eigenvalue():
    """Orthonormal rows: G_inf = (1/2 - 1/(2 pi)) I + J / (2 pi) (theta = pi/2 everywhere), so lambda0 = 1/2 - 1/(2 pi)
    with multiplicity n - 1. For n = 5 float64 eigh returns an exactly zero gap: no Kato-Temple bound applies, the
    reported bound is the plain residual (>= 0, containing the error), and smallest-ness is not claimed."""
    X = np.eye(5)
    with mpmath.workdps(60):
        exact = mpmath.mpf(1) / 2 - 1 / (2 * mpmath.pi)
    for budget in (0, 10):
        r = kernel.lambda0_highprec(X, dps=30, max_iter=budget)
        assert r["gap_float64"] == 0.0
        assert r["is_smallest"] is False
        with mpmath.workdps(60):
            err = abs(r["value"] - exact)
        assert err < 1e-30
        assert r["residual_bound"] >= 0 and (budget > 0 or err <= r["residual_bound"])


def test_lambda0_highprec_claims_smallest_exactly_when_the_bound_is_below_half_the_gap():
    """The documented criterion, checked where it is tight: orthonormal rows scaled by s have an exactly
    multiple smallest eigenvalue, which float64 eigh splits by rounding noise, so the float64 gap and the
    residual of its eigenvector are of the same size (ratios between 1 and 3.5 occur in this family).
    Whatever the split, is_smallest must agree with residual_bound < gap_float64 / 2, and the bound must contain
    the error to the exact value s^2 (1/2 - 1/(2 pi))."""
    ratios = []
    for n in (3, 4, 6, 7, 8):
        for s in (0.7, 0.75, 1.0, 1.5, 2.0):
            r = kernel.lambda0_highprec(s * np.eye(n), dps=20, max_iter=0)
            assert r["is_smallest"] == (r["residual_bound"] < r["gap_float64"] / 2), (n, s, r)
            with mpmath.workdps(50):
                err = abs(r["value"] - mpmath.mpf(s) ** 2 * (mpmath.mpf(1) / 2 - 1 / (2 * mpmath.pi)))
            assert err <= r["residual_bound"] + mpmath.mpf(10) ** -35
            if r["gap_float64"] > 0:
                ratios.append(r["gap_float64"] / r["residual_bound"])
    assert min(ratios) < 2 < max(ratios)           # both sides of the criterion were exercised


# --- gram_inf_mp: exact float64 data -----------------------------------------------------------------------

def test_gram_inf_mp_default_precision_is_the_declared_one():
    X = unit_rows(np.random.default_rng(2), 3, 3)
    dps0 = inspect.signature(kernel.gram_inf_mp).parameters["dps"].default
    assert kernel.gram_inf_mp(X).tolist() == kernel.gram_inf_mp(X, dps=dps0).tolist()


def test_gram_inf_mp_of_zero_data_is_zero():
    """sigma(w.0) = 0 for every w, so E[sigma(w.x_i) sigma(w.x_j)] = 0: also when no entry is nonzero at all."""
    G = kernel.gram_inf_mp(np.zeros((3, 2)), dps=20)
    assert all(v == 0 for row in G.tolist() for v in row)


def test_gram_inf_mp_rounds_wider_floats_to_float64_first():
    """Like gram_inf, the data are the float64 values: a long double entry 1 + 5 * 2^-55 rounds (to nearest) to
    1 + 2^-52 before the exact integer arithmetic, so the result equals that of the float64 array."""
    if np.finfo(np.longdouble).nmant <= 52:
        pytest.skip("long double is float64 here")
    one = np.longdouble(1) + np.longdouble(5) * np.longdouble(2) ** -55
    X = np.array([[one, 0.5, 0.0], [0.25, 1.0, 0.5], [0.0, -0.5, 1.0]], dtype=np.longdouble)
    X64 = X.astype(np.float64)
    assert X64[0, 0] == 1 + 2.0**-52
    assert kernel.gram_inf_mp(X, dps=30).tolist() == kernel.gram_inf_mp(X64, dps=30).tolist()
    assert kernel.gram_inf_mp(X, dps=30).tolist() != kernel.gram_inf_mp(np.where(X64 == X64[0, 0], 1.0, X64), dps=30).tolist()


def test_long_double_input_is_computed_from_its_float64_rounding():
    """Every routine works on the float64 values of the data (as gram_inf_mp documents): wider input gives
    bit-for-bit the result of the rounded array, not an extended-precision variant."""
    if np.finfo(np.longdouble).nmant <= 52:
        pytest.skip("long double is float64 here")
    rng = np.random.default_rng(6)
    X = unit_rows(rng, 5, 3).astype(np.longdouble) * (1 + np.longdouble(2) ** -60)
    X64 = X.astype(np.float64)
    assert np.any(X != X64)
    for a, b in zip(kernel.gram_monte_carlo(X, 30, seed=1), kernel.gram_monte_carlo(X64, 30, seed=1)):
        assert a.dtype == np.float64 and np.array_equal(a, b)
    assert np.array_equal(kernel.gram_inf(X), kernel.gram_inf(X64))
    for a, b in zip(kernel.gram_inf_hermite(X), kernel.gram_inf_hermite(X64)):
        assert np.array_equal(a, b)
    th = np.linspace(0, np.pi, 9).astype(np.longdouble) * (1 + np.longdouble(2) ** -60)
    assert np.array_equal(kernel.arccos_kernel(th), kernel.arccos_kernel(th.astype(np.float64)))


def test_monte_carlo_default_chunk_is_the_declared_one():
    """Chunks only group the draws; past one chunk the grouping decides which normals form which w_r."""
    chunk0 = inspect.signature(kernel.gram_monte_carlo).parameters["chunk"].default
    X = unit_rows(np.random.default_rng(1), 3, 2)
    m = chunk0 + 7
    for a, b in zip(kernel.gram_monte_carlo(X, m, seed=4), kernel.gram_monte_carlo(X, m, seed=4, chunk=chunk0)):
        assert np.array_equal(a, b)
    other = kernel.gram_monte_carlo(X, m, seed=4, chunk=chunk0 + 1)[0]
    assert not np.array_equal(other, kernel.gram_monte_carlo(X, m, seed=4)[0])


# --- gram_inf_hermite: the truncation bound when the term budget binds ------------------------------------

def _closed_form_mp(rho):
    """The arc-cosine kernel at rho, at 40 digits (mpmath acos route, independent of both float64 routines)."""
    with mpmath.workdps(40):
        th = mpmath.acos(mpmath.mpf(rho))
        return float((mpmath.sin(th) + (mpmath.pi - th) * mpmath.cos(th)) / (2 * mpmath.pi))


@pytest.mark.parametrize("angle,terms", [(0.8, 6), (0.8, 10), (0.8, 20), (1.2, 3), (1.2, 6)])
def test_hermite_bound_is_sharp_when_few_terms_are_allowed(angle, terms):
    """Rows at a moderate angle, series cut after a few terms: the tail sum_{k > J} b_k rho^{2k} decays
    geometrically in rho^2, so a sound bound is within a small factor of the realized error (measured against
    the closed form at 40 digits), not the crude 'rest of Parseval' bound rho^{2J} P_J."""
    X = np.array([[1.0, 0.0], [np.cos(angle), np.sin(angle)]])
    G, E = kernel.gram_inf_hermite(X, max_terms=terms)
    err = abs(G[0, 1] - _closed_form_mp(float(X[0] @ X[1])))
    assert err <= E[0, 1] <= 2.5 * err
    assert E[0, 1] == E[1, 0] and G[0, 1] == G[1, 0]


@pytest.mark.parametrize("terms", [5, 20])
def test_hermite_interval_starts_at_the_partial_sum_of_exactly_max_terms_terms(terms):
    """The tail is >= 0, so the reported interval [G - E, G + E] starts at the partial sum of the first max_terms
    terms (up to the float64 rounding allowance): checked against the mpmath series (theory/hermite.py) cut at the
    same number of terms. One term more would move it by b_J rho^{2J} ~ 1e-5..1e-4 for these nearly parallel rows."""
    from verifier.theory import hermite

    def unit(v):
        return np.asarray(v, dtype=float) / np.linalg.norm(v)
    X = np.vstack([unit([1.0, 0, 0]), unit([1.0, 0.05, 0]), unit([-1.0, 0.1, 0.02])])
    G, E = kernel.gram_inf_hermite(X, max_terms=terms)
    for i, j in ((0, 1), (0, 2), (1, 2)):
        mp = hermite.hermite_series_kernel(float(X[i] @ X[j]), dps=25, max_terms=terms)
        assert mp["terms"] == terms
        assert abs((G[i, j] - E[i, j]) - float(mp["lower"])) < 1e-12


def test_hermite_series_of_orthogonal_rows_terminates_at_once():
    """rho = 0: every term but the constant vanishes, so G_ij = 1/(2 pi) and the tail is exactly zero; even tol = 0
    is met after the first term, leaving only the small nonnegative rounding allowance as error bar."""
    X = np.eye(3)
    G, E = kernel.gram_inf_hermite(X, tol=0.0, max_terms=1000)
    off = ~np.eye(3, dtype=bool)
    assert np.all(np.abs(G[off] - 1 / (2 * np.pi)) <= E[off])
    assert np.all(E[off] >= 0) and np.all(E[off] < 1e-14)
    G2, E2 = kernel.gram_inf_hermite(X)
    assert np.all(E2[off] >= 0) and np.all(E2[off] < 1e-14) and np.array_equal(G, G2)


def test_hermite_series_of_exactly_parallel_rows_depends_on_rho_one_only():
    """x has float64 norm exactly 1 but x.x rounds to 1 + 2^-52: the series must treat (x, x) and (x, -x) as
    rho = +-1 exactly, i.e. give bit for bit what the basis pair (e1, e1), (e1, -e1) gives (|rho| <= 1 always)."""
    x = np.array([float.fromhex(h) for h in ("-0x1.ef7ac0e10d573p-1", "-0x1.9a9e92e05c42dp-3", "-0x1.38908a7974f5fp-3")])
    assert np.linalg.norm(x) == 1.0 and float(np.einsum("i,i->", x, x)) > 1.0
    e1 = np.array([1.0, 0.0, 0.0])
    Gx, Ex = kernel.gram_inf_hermite(np.vstack([x, x, -x]), max_terms=50)
    Ge, Ee = kernel.gram_inf_hermite(np.vstack([e1, e1, -e1]), max_terms=50)
    assert np.array_equal(Gx, Ge) and np.array_equal(Ex, Ee)


@pytest.mark.parametrize("dps", [40, 60])
def test_lambda0_highprec_is_equivariant_under_power_of_two_scaling(dps):
    """X -> 2^k X scales G_inf by 4^k exactly (exact integer Gram, exact power-of-two scaling in binary arithmetic),
    so lambda0 scales by 4^k to every digit, and once lambda0 >= 1 the relative stopping rule takes the same
    number of Newton steps whatever the scale."""
    X = unit_rows(np.random.default_rng(9), 5, 3)
    base = kernel.lambda0_highprec(16.0 * X, dps=dps)
    assert base["float"] > 1.0
    for k in (8, 20):
        r = kernel.lambda0_highprec(2.0**k * X, dps=dps)
        with mpmath.workdps(dps + 20):
            assert abs(r["value"] / (base["value"] * mpmath.mpf(4) ** (k - 4)) - 1) < mpmath.mpf(10) ** -(dps + 10)
        assert r["iterations"] == base["iterations"]


@pytest.mark.parametrize("s,n", [(0.5, 9), (0.7, 9), (2.0, 11)])
def test_lambda0_highprec_survives_a_singular_newton_system(s, n):
    """Orthogonal rows of equal norm: lambda0 = s^2 (1/2 - 1/(2 pi)) with multiplicity n - 1, where the float64
    Newton system can be exactly singular (it raised LinAlgError); the value is still right and bounded."""
    r = kernel.lambda0_highprec(s * np.eye(n), dps=30)
    with mpmath.workdps(60):
        err = abs(r["value"] - mpmath.mpf(s) ** 2 * (mpmath.mpf(1) / 2 - 1 / (2 * mpmath.pi)))
    assert err <= r["residual_bound"] < 1e-30
