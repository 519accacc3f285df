"""Positive-definiteness certificates (verifier/certify/pd.py) pinned down against independent
computations: exact rational Gram and quadratic forms (Fractions), exact LDL^T, 50-digit mpmath
eigenvalues, LAPACK. Each check is soundness (the bound holds for the exact matrix) plus, where the
method promises it, sharpness (the bound is within a stated factor of the exact quantity)."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import verifier.certify.pd as pd_mod
from tests.certify.certify_refs import exact_is_pd, exact_sym, lambda_min_mp
from verifier.certify import certify_pd
from verifier.certify._inputs import CertifyInputError
from verifier.certify.pd import EigPrecond, rayleigh_upper, rump_pd, spectral_radius_upper


def spd(rng, lam):
    n = len(lam)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return exact_sym((Q * np.asarray(lam)) @ Q.T)


def F(x):
    return Fraction(float(x))


def exact_lambda_min(M):
    """[lo, hi] around lambda_min of the float matrix M (50-digit inertia bisection), as Fractions."""
    guess = float(np.linalg.eigvalsh(M)[0])
    lo, hi = lambda_min_mp(mpmath.matrix(M.tolist()), guess)
    with mpmath.workdps(50):
        return Fraction(str(mpmath.nstr(lo, 45))), Fraction(str(mpmath.nstr(hi, 45)))


# --- spectral radius of a nonnegative matrix --------------------------------------------------------------

def test_spectral_radius_upper_of_zero_and_empty():
    assert spectral_radius_upper(np.zeros((3, 3))) == 0.0
    assert spectral_radius_upper(np.zeros((0, 0))) == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spectral_radius_upper_bounds_and_is_sharp(seed):
    rng = np.random.default_rng(seed)
    n = 7
    A = rng.uniform(0.0, 1.0, (n, n)) * 1e-9
    R = exact_sym(A + A.T)
    with mpmath.workdps(50):
        ev = mpmath.eigsy(mpmath.matrix(R.tolist()))[0]
        rho = max(abs(ev[i]) for i in range(n))
    b = spectral_radius_upper(R)
    assert mpmath.mpf(b) >= rho
    assert mpmath.mpf(b) <= rho * (1 + mpmath.mpf(1e-4))  # a positive matrix: power steps converge fast


def test_spectral_radius_upper_of_a_one_by_one_matrix():
    assert spectral_radius_upper(np.array([[3e-3]])) >= 3e-3
    assert spectral_radius_upper(np.array([[3e-3]])) <= 3e-3 * (1 + 1e-14)


def test_spectral_radius_upper_without_power_steps_is_the_max_row_sum():
    """iters = 0: the Collatz-Wielandt bound at x = (1, ..., 1), the largest row sum."""
    R = np.array([[1.0, 2.0, 0.0], [2.0, 0.5, 0.25], [0.0, 0.25, 3.0]])
    rowmax = max(sum(F(v) for v in row) for row in R)
    b = spectral_radius_upper(R, iters=0)
    assert rowmax <= F(b) <= rowmax * (1 + Fraction(1, 10**14))
    # with power steps it is sharper, and still an upper bound
    with mpmath.workdps(50):
        ev = mpmath.eigsy(mpmath.matrix(R.tolist()))[0]
        rho = max(abs(ev[i]) for i in range(3))
    b8 = spectral_radius_upper(R)
    assert rho <= mpmath.mpf(b8) < mpmath.mpf(b)


def test_spectral_radius_upper_of_a_diagonal_matrix():
    R = np.diag([1e-3, 4e-3, 2e-3])
    b = spectral_radius_upper(R)
    assert 4e-3 <= b <= 4e-3 * (1 + 1e-9)


# --- Rump's shifted Cholesky ---------------------------------------------------------------------------------

def test_rump_lower_bound_accounts_for_the_radius_and_the_trace():
    rng = np.random.default_rng(3)
    n = 6
    M = spd(rng, np.linspace(0.2, 1.0, n))
    lo, hi = exact_lambda_min(M)
    for rad in (0.0, 1e-3, 0.05):
        for margin in (1e-2, 1e-6, 1e-10, 1e-12, 1e-13):
            t = float(lo) - rad - margin
            ok, lower = rump_pd(M, t, rad)
            if ok:
                assert lower > Fraction(t)
                # every member within rad in norm has lambda_min >= lower: the member M - rad I
                assert lower + Fraction(rad) <= lo
                assert exact_is_pd(M, lower + F(rad) - Fraction(1, 10**40))
            # the slack is ~ n u tr(M) + rad: a 1e-12 margin is far above it
            if margin >= 1e-12:
                assert ok, (rad, margin)
        # just above lambda_min - rad: never
        ok, _ = rump_pd(M, float(hi) - rad + 1e-14, rad)
        assert not ok


def test_rump_slack_is_a_few_n_u_trace():
    """The shift is gamma_{n+3}/(1 - gamma_{n+3}) tr((M - tI)+) + rad: a margin of 3 (n + 3) u
    tr((M - tI)+) above it is proven; a shift above lambda_min - rad never is."""
    rng = np.random.default_rng(4)
    n = 8
    M = spd(rng, np.linspace(1.0, 2.0, n))
    lo, hi = exact_lambda_min(M)
    u = 2.0**-53
    for rad in (0.0, 0.5):
        t = float(lo) - rad
        trp = float(np.trace(M)) - n * t
        margin = 3 * (n + 3) * u * trp
        ok, lower = rump_pd(M, t - margin, rad)
        assert ok and t - margin < lower <= lo - Fraction(rad)
        assert not rump_pd(M, float(hi) - rad + 4 * u, rad)[0]


def test_rump_default_radius_is_zero():
    ok, lower = rump_pd(np.eye(3), 0.5)
    assert ok and Fraction(1, 2) < lower <= 1


def test_rump_refuses_non_finite_and_non_pd():
    M = np.eye(3)
    assert rump_pd(M, float("nan"), 0.0) == (False, None)
    assert rump_pd(M, float("inf"), 0.0) == (False, None)
    assert rump_pd(M, 0.0, float("inf")) == (False, None)
    bad = M.copy()
    bad[0, 0] = np.inf
    assert rump_pd(bad, 0.0, 0.0) == (False, None)
    assert rump_pd(M, 1.0, 0.0) == (False, None)  # the shifted diagonal is <= 0
    # diagonal positive after the shift, but indefinite: Cholesky fails
    A = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert rump_pd(A, 0.0, 0.0) == (False, None)


def test_rump_with_a_rational_shift_outside_the_float_range():
    M = np.eye(4)
    t = Fraction(-(10**400))
    ok, lower = rump_pd(M, t, 0.0)
    assert ok and t < lower <= 1  # no float(t) anywhere: sigma is -MAX, lower a rational below it
    ok, lower = rump_pd(M, Fraction(1, 3), 0.0)
    assert ok and Fraction(1, 3) < lower <= 1


def test_rump_tiny_matrix_underflow_term():
    """Entries near the underflow threshold: the proof must not rely on relative error bounds alone."""
    M = np.diag([2.0**-1060, 2.0**-1060])
    ok, lower = rump_pd(M, 0.0, 0.0)
    if ok:
        assert 0 < lower <= Fraction(2) ** -1060


# --- interval Cholesky ---------------------------------------------------------------------------------------

def test_interval_cholesky_respects_radius_and_shift():
    rng = np.random.default_rng(5)
    n = 5
    M = spd(rng, [1e-3, 0.3, 0.5, 0.7, 1.0])
    lo, hi = exact_lambda_min(M)
    assert pd_mod.interval_cholesky_pd(M, 0.0, float(lo) - 1e-9)
    assert not pd_mod.interval_cholesky_pd(M, 0.0, float(hi) + 1e-12)
    R = np.full((n, n), 0.0)
    R[0, 0] = 2e-3  # a member has M_00 - 2e-3: lambda_min below 1e-3 - ... may go negative
    member = M.copy()
    member[0, 0] -= 2e-3
    if not exact_is_pd(member):
        assert not pd_mod.interval_cholesky_pd(M, R, 0.0)
    assert pd_mod.interval_cholesky_pd(np.array([[4.0]]), np.array([[1.0]]), 2.9)
    assert not pd_mod.interval_cholesky_pd(np.array([[4.0]]), np.array([[1.0]]), 3.0)
    # integer input is accepted as float64
    assert pd_mod.interval_cholesky_pd([[2, 1], [1, 2]], 0, 0.9)


def test_interval_cholesky_off_diagonal_radius_against_a_negative_midpoint():
    """mid_01 = -1e-5 with radius 0.5e-5: the member with M_01 = -1.5e-5 has det 2e-10 - 2.25e-10 < 0."""
    M = np.array([[1.0, -1e-5], [-1e-5, 2e-10]])
    R = np.array([[0.0, 0.5e-5], [0.5e-5, 0.0]])
    member = M.copy()
    member[0, 1] = member[1, 0] = -1.5e-5
    assert not exact_is_pd(member)
    assert not pd_mod.interval_cholesky_pd(M, R, 0.0)
    assert certify_pd(M, R, 0.0, method="interval-cholesky") == "undecided"
    R2 = np.array([[0.0, 0.2e-5], [0.2e-5, 0.0]])  # every member: det >= 2e-10 - 1.44e-10 > 0
    assert pd_mod.interval_cholesky_pd(M, R2, 0.0)


def test_interval_cholesky_restores_precision():
    from mpmath import iv

    old = iv.prec
    pd_mod.interval_cholesky_pd(np.eye(2), 0.0, 0.5, prec=60)
    assert iv.prec == old
    pd_mod.interval_cholesky_pd(np.eye(2), 0.0, 2.0, prec=60)  # early return
    assert iv.prec == old


# --- quadratic forms and Rayleigh quotients -------------------------------------------------------------------

def exact_rayleigh_sup(hi, lo, err, v):
    """max over M in hi + lo +- err of v^T M v / v^T v, exactly."""
    n = len(v)
    vq = [F(x) for x in v]
    num = sum(vq[i] * (F(hi[i, j]) + F(lo[i, j])) * vq[j] for i in range(n) for j in range(n))
    num += sum(abs(vq[i]) * F(err[i, j]) * abs(vq[j]) for i in range(n) for j in range(n))
    return num / sum(x * x for x in vq)


@pytest.mark.parametrize("shift", [0.0, 5.0])
def test_rayleigh_upper_is_the_exact_sup_up_to_rounding(shift):
    rng = np.random.default_rng(6)
    n = 6
    hi = spd(rng, np.linspace(-1.0, 1.0, n)) - shift * np.eye(n)
    lo = exact_sym(rng.standard_normal((n, n)) * 1e-9)  # any float part: hi + lo is summed exactly
    err = exact_sym(rng.uniform(0, 1e-12, (n, n)))
    v = rng.standard_normal(n)
    r = rayleigh_upper(hi, lo, err, v)
    ref = exact_rayleigh_sup(hi, lo, err, v)
    # sound, and sharp: the slack is rounding of ~n u times the terms (<= 1e-24 here), far below
    # the 1e-9 low part and the 1e-12 radius
    assert ref <= r <= ref + Fraction(1, 10**20)
    # defaults: lo = 0, err = 0
    r0 = rayleigh_upper(hi, None, None, v)
    ref0 = exact_rayleigh_sup(hi, np.zeros((n, n)), np.zeros((n, n)), v)
    assert ref0 <= r0 <= ref0 + Fraction(1, 10**24)
    # a scalar radius broadcasts
    r1 = rayleigh_upper(hi, None, 1e-12, v)
    ref1 = exact_rayleigh_sup(hi, np.zeros((n, n)), np.full((n, n), 1e-12), v)
    assert ref1 <= r1 <= ref1 + Fraction(1, 10**20)


def test_rayleigh_upper_of_integer_data():
    assert rayleigh_upper([[2, 1], [1, 2]], None, None, [1, 1]) - 3 < Fraction(1, 10**25)
    assert rayleigh_upper([[2, 1], [1, 2]], [[0, 0], [0, 0]], [[0, 0], [0, 0]], [1, -1]) >= 1


def test_rayleigh_upper_of_a_zero_vector_raises():
    with pytest.raises(FloatingPointError, match=r"^Rayleigh quotient: v\^T v not bounded away from 0$"):
        rayleigh_upper(np.eye(3), None, None, np.zeros(3))


# --- the eigen-preconditioned tests ----------------------------------------------------------------------------

def _frac_mat(A):
    return [[F(x) for x in row] for row in np.asarray(A)]


def _exact_congruence(M, V, t):
    """Z = V^T (M - t I) V exactly (Fractions)."""
    n = M.shape[0]
    Mq = _frac_mat(M)
    Vq = _frac_mat(V)
    t = Fraction(t)
    for i in range(n):
        Mq[i][i] -= t
    MV = [[sum(Mq[i][k] * Vq[k][j] for k in range(n)) for j in range(n)] for i in range(n)]
    return [[sum(Vq[k][i] * MV[k][j] for k in range(n)) for j in range(n)] for i in range(n)]


def _gershgorin(Z, rows):
    return min(Z[i][i] - sum(abs(Z[i][j]) for j in rows if j != i) for i in rows)


@pytest.fixture(scope="module")
def eig_case():
    rng = np.random.default_rng(7)
    M = spd(rng, [1e-4, 1.3e-4, 0.2, 0.4, 0.6, 0.8, 1.0])
    pre = EigPrecond(M)
    return M, pre


def test_eig_blocks_against_exact_congruence(eig_case):
    M, pre = eig_case
    n = M.shape[0]
    t = Fraction(5, 10**5)
    Z = _exact_congruence(M, pre.V, t)
    for k in (1, 2, 3):
        ok, info = pre.schur_test(t, k)
        a_exact = _gershgorin(Z, range(k))
        c_exact = _gershgorin(Z, range(k, n))
        B = [Z[i][j] for i in range(k) for j in range(k, n)]
        beta_exact_sq = sum(b * b for b in B)  # Frobenius >= 2-norm
        # sound: below the exact Gershgorin bounds, above the exact Frobenius norm
        assert info["a"] <= a_exact and info["c"] <= c_exact
        assert info["beta"] ** 2 >= beta_exact_sq
        # sharp: within rounding (n u scale) of them
        assert a_exact - info["a"] < Fraction(1, 10**12)
        assert c_exact - info["c"] < Fraction(1, 10**12)
        assert info["beta"] < Fraction(1, 10**12)  # B is ~u: V is an eigenbasis of M
        if a_exact > Fraction(1, 10**10) and c_exact > 0:  # far from every rounding slack
            assert ok
        if ok:
            assert exact_is_pd(M, t)
    # the whole matrix as the leading block: no C block
    ok, info = pre.schur_test(t, n)
    assert info["c"] is None and ok == (info["a"] > 0)
    assert pre.gershgorin_C(t, n) is None


def test_eig_schur_decides_near_the_smallest_eigenvalue(eig_case):
    M, pre = eig_case
    lo, hi = exact_lambda_min(M)
    for k in (1, 2):
        assert pre.schur_test(lo - Fraction(1, 10**12), k)[0]
        assert not pre.schur_test(hi + Fraction(1, 10**12), k)[0]
        assert pre.cholesky_test(lo - Fraction(1, 10**12), k)
        assert not pre.cholesky_test(hi + Fraction(1, 10**12), k)
    assert pre.schur_test(-1, 1)[0] and pre.cholesky_test(-1, 1)
    assert pre.schur_test(Fraction(-1, 2), 3)[0]


def test_eig_rayleigh_upper_is_min_over_the_block(eig_case):
    M, pre = eig_case
    n = M.shape[0]
    Z0 = np.zeros((n, n))
    assert pre.rayleigh_upper() == pre.rayleigh_upper(1)
    for k in (1, 3):
        r = pre.rayleigh_upper(k)
        refs = [exact_rayleigh_sup(M, Z0, Z0, pre.V[:, i]) for i in range(k)]
        ref = min(refs)
        assert ref <= r <= ref + Fraction(1, 10**18)
    lo, hi = exact_lambda_min(M)
    assert pre.rayleigh_upper(1) >= lo


def test_eig_blocks_are_cached(eig_case):
    _, pre = eig_case
    assert pre.block(2) is pre.block(2)
    assert pre.block(2)["k"] == 2


def test_eig_with_radius_and_low_part():
    """M in hi + lo +- err: the certificate covers every member, checked at the worst members."""
    rng = np.random.default_rng(8)
    n = 6
    hi = spd(rng, [1e-6, 0.2, 0.4, 0.6, 0.8, 1.0])
    lo = np.zeros((n, n))
    lo[0, 0] = 2.0**-60
    r = 4e-7
    err = np.full((n, n), 0.0)
    np.fill_diagonal(err, r)
    pre = EigPrecond(hi, lo, err)
    member_lo, _ = exact_lambda_min(hi)
    # the worst member is hi + lo - r I: lambda_min ~ 1e-6 - 4e-7
    t_ok = member_lo - Fraction(r) - Fraction(1, 10**9)
    t_bad = member_lo - Fraction(r) + Fraction(1, 10**9) + Fraction(2.0**-60)
    k = pre.choose_k(float(t_ok))
    assert pre.schur_test(t_ok, k)[0]  # (cholesky_test bounds the radius by a norm: coarser)
    assert not pre.schur_test(t_bad, k)[0] and not pre.cholesky_test(t_bad, k)
    # Rayleigh upper bound over the members: at least the exact sup at the top member
    v = pre.V[:, 0]
    ref = exact_rayleigh_sup(hi, lo, err, v)
    assert ref <= pre.rayleigh_upper(1) <= ref + Fraction(1, 10**18)


@pytest.mark.parametrize("driver", ["numpy", "evd", "evr"])
def test_eig_drivers(driver):
    rng = np.random.default_rng(9)
    M = spd(rng, [1e-5, 0.5, 1.0, 1.5])
    pre = EigPrecond(M, driver=driver)
    assert pre.driver == driver
    lo, hi = exact_lambda_min(M)
    assert pre.schur_test(lo - Fraction(1, 10**12), 1)[0]
    assert not pre.schur_test(hi + Fraction(1, 10**12), 1)[0]


def test_choose_k_counts_the_eigenvalues_near_t():
    rng = np.random.default_rng(10)
    lam = [1e-3, 1.1e-3, 1.2e-3, 0.5, 0.6, 0.7, 0.8, 0.9]
    M = spd(rng, lam)
    pre = EigPrecond(M)
    assert pre.choose_k(0.0) == 1  # all well above: one vector
    assert pre.choose_k(1.15e-3) == 2  # two eigenvalues at or below t
    assert pre.choose_k(0.55) == 4
    assert pre.choose_k(0.55, kmax=3) == 3
    assert pre.choose_k(5.0) == 8
    assert pre.choose_k(5.0, kmax=100) == 8
    # within the (tiny) rounding slop above t counts as near
    assert pre.choose_k(1e-3 - 1e-20) == 1


# --- the public function -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["auto", "cholesky", "eig", "eig-cholesky", "interval-cholesky"])
@pytest.mark.parametrize("scale", [1.0, 2.0**-600, 2.0**600, 3e-5])
def test_certify_pd_at_scales(method, scale):
    rng = np.random.default_rng(11)
    M0 = spd(rng, [1e-3, 0.3, 0.6, 1.0])
    M = M0 * scale  # exact for powers of two; rounded otherwise (the exact matrix is M)
    lo, hi = exact_lambda_min(M / scale) if scale in (1.0, 2.0**-600, 2.0**600) else exact_lambda_min(M)
    s = Fraction(scale) if scale in (1.0, 2.0**-600, 2.0**600) else Fraction(1)
    lo, hi = lo * s, hi * s
    t_ok = float(lo * (1 - Fraction(1, 10**6)))
    t_bad = float(hi * (1 + Fraction(1, 10**6)))
    if method != "interval-cholesky" or scale >= 1e-100:
        assert certify_pd(M, 0.0, t_ok, method=method) == "proven", method
    assert certify_pd(M, 0.0, t_bad, method=method) == "undecided"


def test_certify_pd_zero_matrix():
    for method in ("auto", "eig", "eig-cholesky"):
        assert certify_pd(np.zeros((3, 3)), 0.0, -1e-300, method=method) == "proven"
        assert certify_pd(np.zeros((3, 3)), 0.0, 0.0, method=method) == "undecided"
        assert certify_pd(np.zeros((3, 3)), 1e-3, -1e-3, method=method) == "undecided"


def test_certify_pd_unscalable_matrix_is_undecided():
    M = np.diag([1e300, 5e-324])  # no power of two brings both to O(1) exactly
    for method in ("eig", "eig-cholesky"):
        assert certify_pd(M, 0.0, -1.0, method=method) == "undecided"


def test_certify_pd_runs_the_method_it_is_asked_for():
    """Each method decides the cases it can: an unscalable diagonal (a subnormal that the power-of-two scaling would lose) is
    proven by the Cholesky tests and refused by the eigen-preconditioned ones (which scale exactly); lambda_min ~ 1e-14 at
    n = 30 is below Rump's a-priori slack (~n u tr M) and within the eigen tests' reach; an
    entrywise off-diagonal radius is only resolved by the entrywise methods."""
    M = np.diag([1.0, 5e-324])  # scaled by 1/2, 5e-324 would round to 0
    assert exact_is_pd(M, -1)
    want = {"auto": "proven", "cholesky": "proven", "interval-cholesky": "proven",
            "eig": "undecided", "eig-cholesky": "undecided"}
    for method, verdict in want.items():
        assert certify_pd(M, 0.0, -1.0, method=method) == verdict, method
    rng = np.random.default_rng(14)
    S = spd(rng, np.concatenate([[1e-14], np.linspace(0.5, 1.0, 29)]))
    lo, _ = exact_lambda_min(S)
    assert lo > 0
    want = {"auto": "proven", "cholesky": "undecided", "eig": "proven", "eig-cholesky": "proven"}
    for method, verdict in want.items():
        assert certify_pd(S, 0.0, 0.0, method=method) == verdict, method
    D = np.diag([1.0, 1e-10])
    R3 = np.array([[0.0, 9e-6], [9e-6, 0.0]])  # det >= 1e-10 - 8.1e-11 > 0 for every member
    want = {"auto": "proven", "cholesky": "undecided", "eig": "proven", "eig-cholesky": "undecided",
            "interval-cholesky": "proven"}  # ||R3||_2 = 9e-6 > 1e-10: the norm-bounded tests cannot
    for method, verdict in want.items():
        assert certify_pd(D, R3, 0.0, method=method) == verdict, method


def test_certify_pd_radius_uses_the_larger_of_the_two_triangles():
    """|M_ij - mid_ij| <= R_ij with R not symmetric: only the upper triangle's radius admits a
    singular member; the certificate must take it into account."""
    M = np.diag([1.0, 1e-10])
    R = np.array([[0.0, 1e-5], [0.0, 0.0]])
    for method in ("auto", "cholesky", "eig", "eig-cholesky", "interval-cholesky"):
        assert certify_pd(M, R, 0.0, method=method) == "undecided", method
        assert certify_pd(M, R.T, 0.0, method=method) == "undecided", method


def test_certify_pd_radius_scaled_with_the_matrix():
    M = np.diag([2.0**700, 2.0**690])
    R = np.diag([0.0, 2.0**689])  # the member diag(2^700, 2^689) - t I with t < 2^689
    assert certify_pd(M, R, 2.0**688, method="eig") == "proven"
    assert certify_pd(M, R, 2.0**689 * 1.01, method="eig") == "undecided"
    assert certify_pd(M, R, 2.0**688, method="eig-cholesky") == "proven"
    assert certify_pd(M, R, 2.0**689 * 1.01, method="eig-cholesky") == "undecided"


def test_certify_pd_input_messages():
    with pytest.raises(CertifyInputError, match=r"^M_mid must be a non-empty square matrix, got shape \(2, 3\)$"):
        certify_pd(np.ones((2, 3)), 0.0, 0.0)
    with pytest.raises(CertifyInputError, match=r"^M_mid must be a non-empty square matrix, got shape \(0, 0\)$"):
        certify_pd(np.ones((0, 0)), 0.0, 0.0)
    with pytest.raises(CertifyInputError, match=r"^M_mid must be a 2-D array"):
        certify_pd(np.ones(3), 0.0, 0.0)
    with pytest.raises(CertifyInputError, match=r"^M_rad of shape \(3,\) does not broadcast to M_mid's \(2, 2\)$"):
        certify_pd(np.eye(2), np.zeros(3), 0.0)
    with pytest.raises(CertifyInputError, match=r"^M_mid must be exactly symmetric$"):
        certify_pd(np.array([[1.0, 0.5], [0.25, 1.0]]), 0.0, 0.0)
    with pytest.raises(CertifyInputError, match=r"^M_rad must be nonnegative$"):
        certify_pd(np.eye(2), np.array([[0.0, -1e-300], [-1e-300, 0.0]]), 0.0)
    with pytest.raises(ValueError, match=r"^unknown method 'magic' \(known: auto, cholesky, eig, "
                                         r"eig-cholesky, interval-cholesky\)$"):
        certify_pd(np.eye(2), 0.0, 0.0, method="magic")
    with pytest.raises(CertifyInputError, match="^M_mid"):
        certify_pd(np.eye(2).astype(complex), 0.0, 0.0)
    with pytest.raises(CertifyInputError, match="^M_rad"):
        certify_pd(np.eye(2), 1j, 0.0)
    with pytest.raises(CertifyInputError, match="^t"):
        certify_pd(np.eye(2), 0.0, Fraction(1, 3))
    # broadcastable radius shapes are fine
    assert certify_pd(np.eye(2), np.zeros((1, 2)), 0.5) == "proven"
    assert certify_pd(np.eye(2), 0.1, 0.5) == "proven"


# ("M", nan) was refused as "not exactly symmetric" (NaN != NaN) against the documented "undecided"
@pytest.mark.parametrize("bad", [("M", np.inf), ("M", np.nan), ("R", np.inf), ("R", np.nan), ("t", np.inf),
                                 ("t", -np.inf), ("t", np.nan)])
def test_certify_pd_non_finite_is_undecided(bad):
    M, R, t = np.eye(2), np.zeros((2, 2)), 0.0
    where, v = bad
    if where == "M":
        M = M.copy()
        M[0, 0] = v
    elif where == "R":
        R = R.copy()
        R[1, 1] = v
    else:
        t = v
    assert certify_pd(M, R, t) == "undecided"


class _Report:
    def __init__(self, ok):
        self.ok = ok

    def __bool__(self):
        return self.ok


@pytest.mark.parametrize("fail_at", [0, 1])
def test_certify_pd_checks_the_environment_before_and_after(monkeypatch, fail_at):
    calls = []

    def fake():
        calls.append(1)
        return _Report(len(calls) - 1 != fail_at)

    monkeypatch.setattr(pd_mod, "check_arithmetic", fake)
    assert certify_pd(np.eye(2), 0.0, 0.5) == "undecided"
    assert len(calls) == fail_at + 1


@pytest.mark.parametrize("exc", [ArithmeticError, FloatingPointError, ValueError, np.linalg.LinAlgError,
                                 ZeroDivisionError])
def test_certify_pd_arithmetic_failures_are_undecided(monkeypatch, exc):
    def boom(*a, **k):
        raise exc("boom")

    monkeypatch.setattr(pd_mod, "_certify_pd", boom)
    assert certify_pd(np.eye(2), 0.0, 0.5) == "undecided"


def test_certify_pd_runs_without_floating_point_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        M = np.diag([1e-300, 1.0])
        for method in ("auto", "eig", "eig-cholesky"):
            certify_pd(M, 1e-310, 0.0, method=method)


def test_frobenius_upper_against_exact():
    rng = np.random.default_rng(12)
    mid = rng.standard_normal((4, 3))
    rad = rng.uniform(0, 1e-3, (4, 3))
    b = pd_mod._frobenius_upper(mid, rad)
    exact = sum((abs(F(m)) + F(r)) ** 2 for m, r in zip(mid.ravel(), rad.ravel()))
    assert Fraction(b) ** 2 >= exact
    assert Fraction(b) ** 2 <= exact * (1 + Fraction(1, 10**13))
    assert pd_mod._frobenius_upper(np.zeros((0, 2)), np.zeros((0, 2))) == 0.0


def test_t_parts_of_a_rational():
    t = Fraction(1, 3)
    tf, dt, at = pd_mod._t_parts(t)
    assert tf == 1 / 3
    assert abs(t - F(tf)) <= F(dt) <= abs(t - F(tf)) * (1 + Fraction(1, 10**15))
    assert F(at) >= abs(t) and F(at) <= abs(t) * (1 + Fraction(1, 10**14))
    tf, dt, at = pd_mod._t_parts(Fraction(-0.75))
    assert (tf, dt) == (-0.75, 0.0) and F(at) >= Fraction(3, 4)
