"""Edge cases of the positive-definiteness certificates (verifier/certify/pd.py) where a radius term,
an underflow term or an input convention decides the answer. Every expected value comes from an
independent computation: exact rationals (Fractions, rational LDL^T), 60-digit mpmath eigenvalues,
or a property the certificate promises (a lower bound is below the exact eigenvalue, an upper
bound above the exact quotient, "proven" only when the exact matrix is positive definite)."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.linalg

import verifier.certify.pd as pd_mod
from tests.certify.certify_refs import exact_is_pd
from verifier.certify import certify_pd
from verifier.certify.pd import EigPrecond, rayleigh_upper, rump_pd

TINY_UNIT = Fraction(2) ** -1074  # the smallest positive subnormal, exactly


def fr(x):
    return Fraction(float(x))


def fmat(A):
    A = np.asarray(A, dtype=np.float64)
    return [[fr(x) for x in row] for row in A]


def mat_mul(A, B):
    return [[sum((A[i][k] * B[k][j] for k in range(len(B))), Fraction(0)) for j in range(len(B[0]))]
            for i in range(len(A))]


def transpose(A):
    return [list(r) for r in zip(*A)]


def lam_min_exact(A):
    """lambda_min of a symmetric rational matrix: exact for 1 x 1, else to 60 digits (far below
    every margin used here)."""
    if len(A) == 1:
        return A[0][0]
    with mpmath.workdps(60):
        m = mpmath.matrix([[mpmath.mpf(x.numerator) / x.denominator for x in row] for row in A])
        ev = mpmath.eigsy(m, eigvals_only=True)
        return min(ev[i] for i in range(len(A)))


def mpq(x):
    return mpmath.mpf(x.numerator) / x.denominator


def le(x, y):
    """x <= y for a Fraction x and an exact Fraction or a 60-digit mpf y (then up to 1e-45 relative)."""
    if isinstance(y, Fraction):
        return Fraction(x) <= y
    with mpmath.workdps(60):
        return mpq(Fraction(x)) <= y + (1 + abs(y)) * mpmath.mpf(10) ** -45


def lam_max_exact(A):
    with mpmath.workdps(60):
        m = mpmath.matrix([[mpmath.mpf(x.numerator) / x.denominator for x in row] for row in A])
        ev = mpmath.eigsy(m, eigvals_only=True)
        return max(ev[i] for i in range(len(A)))


def congruence(V, M, t):
    """Exact Z = V^T (M - t I) V for float V, M and rational t, as Fractions."""
    n = len(M)
    Mt = [[M[i][j] - (t if i == j else 0) for j in range(n)] for i in range(n)]
    return mat_mul(transpose(V), mat_mul(Mt, V))


def with_basis(monkeypatch, V):
    """Make EigPrecond use the (nonsingular, not orthogonal) float basis V instead of LAPACK's:
    the congruence Z = V^T (M - tI) V is a certificate for any nonsingular V, so every bound must
    stay rigorous for a poor basis too."""
    V = np.asarray(V, dtype=np.float64)

    def fake_eigh(a, *args, **kwargs):
        a = np.asarray(a, dtype=np.float64)
        lam = np.array([float(V[:, i] @ a @ V[:, i] / max(V[:, i] @ V[:, i], 1.0)) for i in range(V.shape[1])])
        return lam, V.copy()

    monkeypatch.setattr(np.linalg, "eigh", fake_eigh)


# --- rump_pd: input conventions and the underflow term -----------------------------------------------------

def test_rump_pd_integer_matrix_is_read_as_float():
    M = np.array([[2, 1], [1, 2]])  # exact lambda_min = 1
    ok, lower = rump_pd(M, 0.5)
    assert ok and Fraction(1, 2) < lower <= 1
    ok3, _ = rump_pd(np.array([[3, 1, 0], [1, 3, 1], [0, 1, 3]]), 1.5)  # 3 - sqrt 2 > 1.5
    assert ok3


def test_rump_pd_tiny_scale_matrix_is_proven_and_lower_is_a_lower_bound():
    # a 1 x 1 matrix [d]: lambda_min = d exactly, for d far below 1 but still normal
    for d in (2.0**-1000, 2.0**-1020, 3 * 2.0**-1022):
        ok, lower = rump_pd(np.array([[d]]), 0.0)
        assert ok and 0 < lower <= fr(d)
    # subnormal diagonals: the verdict may be either, but a returned bound must hold
    for m in range(1, 6000, 37):
        d = m * 2.0**-1074
        ok, lower = rump_pd(np.array([[d]]), 0.0)
        if ok:
            assert 0 < lower <= fr(d)
        elif lower is not None:
            assert lower <= fr(d)
    for m in (500, 2000, 5000, 20000):  # 2 x 2 diagonal, subnormal
        d = m * 2.0**-1074
        ok, lower = rump_pd(np.diag([d, 2 * d]), 0.0)
        if ok:
            assert lower <= fr(d)


def test_rump_pd_lower_never_exceeds_lambda_min_near_the_edge():
    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 4):
        for _ in range(6):
            X = rng.standard_normal((n, n))
            M = X @ X.T + 0.1 * np.eye(n)
            M = (M + M.T) / 2
            lam = float(np.linalg.eigvalsh(M)[0])
            lm = lam_min_exact(fmat(M))
            for t in (lam * (1 - 1e-9), lam * (1 - 1e-12), lam - 1e-14, float(lm) * (1 - 4e-16)):
                ok, lower = rump_pd(M, t)
                if ok:
                    assert exact_is_pd(M, t)
                    assert le(lower, lm)


def _cholesky_accepts_indefinite(rng):
    """A 3 x 3 float matrix M and float t with M - tI (exactly) not positive definite although
    floating-point Cholesky of M - t' I runs through for the next float t' above t."""
    for _ in range(4000):
        X = rng.standard_normal((3, 2))
        M = X @ X.T  # rank 2: lambda_min ~ 1e-16 after rounding, either sign
        M = (M + M.T) / 2
        for t in (0.0, 1e-17, 5e-17, 1e-16, 2e-16, 4e-16):
            if exact_is_pd(M, t):
                continue
            A = M.copy()
            np.fill_diagonal(A, np.nextafter(np.diag(M) - np.nextafter(t, 1.0), -np.inf))
            try:
                np.linalg.cholesky(A)
            except np.linalg.LinAlgError:
                continue
            return M, t
    return None


def test_rump_pd_never_proves_an_indefinite_matrix_that_fl_cholesky_accepts():
    found = _cholesky_accepts_indefinite(np.random.default_rng(11))
    assert found is not None
    M, t = found
    assert not rump_pd(M, t)[0]
    assert certify_pd(M, 0.0, t, method="cholesky") == "undecided"


# --- rayleigh_upper -----------------------------------------------------------------------------------------

def exact_quotient(M, v):
    Mf, vf = fmat(M), [fr(x) for x in v]
    n = len(vf)
    num = sum((vf[i] * Mf[i][j] * vf[j] for i in range(n) for j in range(n)), Fraction(0))
    return num / sum((x * x for x in vf), Fraction(0))


def test_rayleigh_upper_of_zero_vector_raises():
    with pytest.raises(FloatingPointError):
        rayleigh_upper(np.eye(2), None, None, np.zeros(2))


def test_rayleigh_upper_with_a_split_matrix_is_an_upper_bound():
    rng = np.random.default_rng(3)
    cases = []
    cases.append((np.array([[2.0]]), np.array([[0.75]]), np.array([1.0])))
    cases.append((np.array([[3.0]]), np.array([[-1e-3]]), np.array([0.6])))
    cases.append((np.diag([2.0, 3.0]), np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([1.0, 1.0])))
    cases.append((np.diag([2.0, 3.0, 5.0]), np.zeros((3, 3)), np.array([1.0, 0.0, 0.0])))
    cases.append((np.diag([-2.0, 3.0]), None, np.array([1.0, 0.0])))
    for n in (3, 5, 7):
        X = rng.standard_normal((n, n))
        hi = (X + X.T) / 2
        lo = None if n == 5 else 1e-17 * (X @ X.T)
        cases.append((hi, lo, rng.standard_normal(n)))
    for hi, lo, v in cases:
        r = rayleigh_upper(hi, lo, None, v)
        if lo is None:
            q = exact_quotient(hi, v)
        else:
            Hf, Lf, vf = fmat(hi), fmat(lo), [fr(x) for x in v]
            n = len(vf)
            num = sum((vf[i] * (Hf[i][j] + Lf[i][j]) * vf[j] for i in range(n) for j in range(n)), Fraction(0))
            q = num / sum((x * x for x in vf), Fraction(0))
        assert r >= q, (hi, lo, v)


# --- EigPrecond --------------------------------------------------------------------------------------------

def test_eigprecond_honours_the_lapack_driver():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 40))
    hi = (X + X.T) / 2
    for driver in ("ev", "evd"):
        pre = EigPrecond(hi, driver=driver)
        lam, V = scipy.linalg.eigh(hi, driver=driver)
        assert np.array_equal(pre.V, V) and np.array_equal(pre.lam, lam)
    assert not np.array_equal(EigPrecond(hi, driver="ev").V, EigPrecond(hi, driver="evr").V)


def test_rayleigh_with_a_degenerate_basis_raises(monkeypatch):
    with_basis(monkeypatch, np.array([[0.0, 0.0], [0.0, 1.0]]))
    pre = EigPrecond(np.diag([1.0, 2.0]))
    with pytest.raises(FloatingPointError, match=r"^Rayleigh quotient: v\^T v not bounded away from 0$"):
        pre.rayleigh_upper(1)


def test_lo_part_coupling_the_c_block_is_not_ignored():
    # M = hi + lo has lambda_min 0.5 (from the lo coupling inside the C block), hi alone 1
    hi = np.diag([1.0, 10.0, 10.0])
    lo = np.zeros((3, 3))
    lo[1, 2] = lo[2, 1] = 9.5
    pre = EigPrecond(hi, lo)
    for t in (0.75, 0.6, 0.9):
        ok, info = pre.schur_test(t, 1)
        assert not ok and info["c"] <= 0.5 - Fraction(t)
        assert not pre.cholesky_test(t, 1)
    assert pre.schur_test(0.25, 1)[0]


def test_lo_part_coupling_blocks_keeps_radii_nonnegative():
    hi = np.diag([1.0, 2.0, 3.0])
    lo = np.zeros((3, 3))
    lo[0, 1] = lo[1, 0] = 0.5
    pre = EigPrecond(hi, lo)
    M = fmat(hi + lo)
    lm = lam_min_exact(M)
    for t in (Fraction(1, 4), Fraction(1, 2), fr(lm) - Fraction(1, 100)):
        ok, _ = pre.schur_test(t, 1)
        if ok:
            assert exact_is_pd(hi + lo, t)
        assert pre.cholesky_test(t, 1) in (True, False)
    assert np.all(pre.block(1)["BGr"] >= 0)


def test_gershgorin_c_is_below_the_exact_c_block_eigenvalue():
    cases = [(np.diag([1.0, 2.0]), None, (0.5, 1.5, 1.9, 1.999999)),
             (np.diag([1.0, 2.0, 3.0]), None, (1.0, 1.99999999, 0.0, -4.0)),
             (np.diag([1.0, 2.0, 3.0]), 10.0, (0.0, 1.0)),
             (np.diag([1e-3, 5.0, 7.0]), 0.25, (0.0,))]
    for hi, err, ts in cases:
        pre = EigPrecond(hi, None, err)
        n = hi.shape[0]
        for t in ts:
            c = pre.gershgorin_C(Fraction(t), 1)
            C = [[fr(hi[i, j]) - (Fraction(t) if i == j else 0) for j in range(1, n)] for i in range(1, n)]
            lm = lam_min_exact(C) - (n - 1) * (err or 0.0)  # every member of the enclosure
            assert le(c, lm), (hi, err, t)
            ok, info = pre.schur_test(t, 1)
            assert info["c"] == c
            if ok:
                assert exact_is_pd(hi, t) and (err or 0.0) == 0.0


def test_schur_zero_lower_bound_is_not_a_proof():
    pre = EigPrecond(np.array([[2.0]]))
    b = pre.block(1)
    P, Pr, Q, Qr = b["P"][0][0], b["Pr"][0][0], b["Q"][0][0], b["Qr"][0][0]
    t = (P - Pr) / (Q + Qr)  # a(t) = P - tQ - Pr - |t| Qr = 0 exactly
    ok, info = pre.schur_test(t, 1)
    assert info["a"] == 0 and not ok
    ok2, info2 = pre.schur_test(t - Fraction(1, 10**30), 1)
    assert info2["a"] > 0 and ok2


def test_cholesky_test_on_exact_diagonal_bases():
    for hi in (np.diag([1.0, 2.0]), np.diag([1.0, 2.0, 3.0]), np.diag([0.5, 4.0, 4.0, 9.0])):
        pre = EigPrecond(hi)
        lam = float(hi[0, 0])
        for t, truth in ((0.0, True), (lam / 2, True), (lam * (1 - 1e-6), True),
                         (1000.0, False), (-1000.0, True), (float(hi[1, 1]) + 1, False)):
            assert pre.cholesky_test(t, 1) == truth, (hi, t)
            ok, _ = pre.schur_test(t, 1)
            assert ok == truth or (truth and not ok)
            if ok:
                assert truth


def test_tiny_rational_shift_behaves_like_zero():
    hi = np.diag([1.0, 2.0, 3.0])
    pre = EigPrecond(hi)
    for t in (Fraction(1, 2**1100), -Fraction(1, 2**1100), Fraction(1, 3 * 2**1080)):
        assert pre.schur_test(t, 1)[0]
        assert pre.cholesky_test(t, 1)
        c = pre.gershgorin_C(t, 1)
        assert c <= 2 - t


# --- certify_pd: non-finite data and the caller's numpy error state ------------------------------------------

def test_non_finite_data_is_undecided_for_every_method():
    for method in pd_mod.PD_METHODS:
        assert certify_pd(np.array([[np.inf]]), 0.0, 0.0, method=method) == "undecided"
        assert certify_pd(np.eye(2), 0.0, -np.inf, method=method) == "undecided"
        assert certify_pd(np.eye(2), np.inf, 0.0, method=method) == "undecided"
        assert certify_pd(np.array([[1.0, np.nan], [np.nan, 1.0]]), 0.0, 0.0, method=method) == "undecided"


def test_verdict_does_not_depend_on_the_callers_error_state():
    M = np.array([[1.0, 2.0**-600], [2.0**-600, 1.0]])
    with np.errstate(all="raise"):
        for method in ("auto", "cholesky", "eig", "eig-cholesky"):
            assert certify_pd(M, 2.0**-1060, 0.5, method=method) == "proven"
            assert certify_pd(np.eye(3), 2.0**-1070, 0.25, method=method) == "proven"


# --- a poor (non-orthogonal) basis: every bound must stay rigorous -------------------------------------------

BASES = [
    np.array([[1.0, 0.5], [0.0, 1.0]]),
    np.array([[1.0, 0.25, -0.5], [0.0, 1.0, 0.75], [0.0, 0.0, 1.0]]),
    np.array([[1.0, 0.5, 0.5], [0.5, 1.0, 0.5], [0.0, 0.5, 1.0]]),
    np.array([[1.0, 0.0], [0.0, 4.0]]),  # orthogonal columns of different lengths
    np.array([[0.75, -2.0, 0.0], [1.0, 1.5, 0.0], [0.0, 0.0, 0.25]]),
]


def _poor_basis_cases():
    out = []
    for V in BASES:
        n = V.shape[0]
        rng = np.random.default_rng(n)
        for scale in (1.0, 64.0):
            X = rng.standard_normal((n, n))
            hi = np.round(scale * (X @ X.T + 0.5 * np.eye(n)), 3)
            hi = (hi + hi.T) / 2
            out.append((V, hi))
    return out


@pytest.mark.parametrize("idx", range(10))
def test_poor_basis_bounds_are_rigorous(monkeypatch, idx):
    V, hi = _poor_basis_cases()[idx]
    with_basis(monkeypatch, V)
    n = hi.shape[0]
    pre = EigPrecond(hi)
    Mf, Vf = fmat(hi), fmat(V)
    lm = lam_min_exact(Mf)
    ts = [Fraction(0), fr(lm) * Fraction(1, 2), fr(lm) * (1 - Fraction(1, 10**6)),
          fr(lm) * (1 + Fraction(1, 10**6)), -fr(lm) * 100, fr(lm) * 3,
          fr(lm) - Fraction(1, 3 * 10**9), fr(lm) + Fraction(1, 7 * 10**9)]
    ts += [fr(lm) * Fraction(j, 8) for j in (9, 10, 12, 14, 16, 20, 24, 32)]
    for k in range(1, n + 1):
        G = mat_mul(transpose(Vf), Vf)
        P = congruence(Vf, Mf, 0)
        # the Rayleigh bound: above the smallest exact quotient of the first k columns
        assert pre.rayleigh_upper(k) >= min(P[j][j] / G[j][j] for j in range(k))
        for t in ts:
            Z = congruence(Vf, Mf, t)
            A = [row[:k] for row in Z[:k]]
            ok, info = pre.schur_test(t, k)
            assert le(info["a"], lam_min_exact(A)), (idx, k, t)
            if k < n:
                C = [row[k:] for row in Z[k:]]
                B = [row[k:] for row in Z[:k]]
                assert le(info["c"], lam_min_exact(C)), (idx, k, t)
                BtB = mat_mul(transpose(B), B)
                assert info["beta"] ** 2 >= fr(float(lam_max_exact(BtB))) * (1 - Fraction(1, 10**12)), (idx, k, t)
            truth = exact_is_pd(hi, t)
            if ok:
                assert truth, (idx, k, t)
            if pre.cholesky_test(t, k):
                assert truth, (idx, k, t)
            if k == 1:
                assert 1 <= pre.choose_k(float(t)) <= n


def test_cluster_near_t_goes_into_the_accurate_block():
    # every member of [I +- 0.15] has lambda_min >= 1 - 3 * 0.15 = 0.55 > 0.5 (Weyl, ||E||_2 <= n r)
    assert certify_pd(np.eye(3), 0.15, 0.5, method="eig") == "proven"
    pre = EigPrecond(np.eye(3), None, 0.15)
    assert pre.choose_k(0.5) == 3 and pre.schur_test(0.5, 3)[0]


def test_cholesky_test_scales_the_radius_with_the_entries():
    # hi = diag(1/64, 1), radius r = 1/128 entrywise, t = 1/64 - r: the member with M_00 = 1/64 - r
    # has M - tI singular, so nothing may be proven; just below t every member is PD
    r = 2.0**-7
    hi = np.diag([2.0**-6, 1.0])
    pre = EigPrecond(hi, None, r)
    t = Fraction(2) ** -6 - Fraction(r)
    assert not pre.cholesky_test(t, 1)
    assert not pre.schur_test(t, 1)[0]
    assert certify_pd(hi, r, float(t), method="eig-cholesky") == "undecided"
    for scale in (2.0**-20, 2.0**10):
        pre = EigPrecond(hi * scale, None, r * scale)
        assert not pre.cholesky_test(t * Fraction(scale), 1)
    pre = EigPrecond(hi, None, r)
    assert pre.cholesky_test(t / 2, 1)


def test_rump_pd_underflow_in_the_cholesky_pivots_is_covered():
    # B: p pivots 100 units, a last row of 12 units, last diagonal p + 1 units (1 unit = 2^-1074).
    # Each l_{n,i}^2 = 1.44 units underflows to 1 unit, so fl-Cholesky of B runs through although
    # its last Schur complement is p + 1 - 1.44 p < 0. M = B + 2 units I is still not PD.
    unit = 2.0**-1074
    p = 20
    B = np.zeros((p + 1, p + 1))
    B[np.arange(p), np.arange(p)] = 100 * unit
    B[p, :p] = B[:p, p] = 12 * unit
    B[p, p] = (p + 1) * unit
    assert not exact_is_pd(B, 0)
    np.linalg.cholesky(B)  # accepted: the rounding errors here are underflows, not relative ones
    M = B + 2 * unit * np.eye(p + 1)
    assert not exact_is_pd(M, 0)
    assert not rump_pd(M, 0.0)[0]
    assert certify_pd(M, 0.0, 0.0, method="cholesky") == "undecided"
    assert not rump_pd(M, -unit)[0]


def test_rayleigh_upper_of_a_huge_negative_quotient():
    # v^T v carries an enclosure radius too; for a negative quotient it must be rounded up, which
    # matters when |v^T M v| is huge and the radius of v^T M v is tiny
    for hi, v in ((np.array([[-2.0**250]]), np.array([1.0])), (np.array([[-2.0**250]]), np.array([0.3])),
                  (np.diag([-2.0**200, 1.0]), np.array([0.75, 0.0]))):
        assert rayleigh_upper(hi, None, None, v) >= exact_quotient(hi, v)
        assert rayleigh_upper(-hi, None, None, v) >= exact_quotient(-hi, v)


def test_schur_a_bound_with_a_huge_shift_on_an_exact_diagonal_block():
    hi = np.diag([1.0, 2.0, 3.0])
    pre = EigPrecond(hi)
    for t in (-Fraction(2) ** 250, -Fraction(2) ** 200, Fraction(-7, 3) * 2**180):
        ok, info = pre.schur_test(t, 3)
        assert ok and info["a"] <= 1 - t  # A = diag(d) - t I exactly: lambda_min(A) = 1 - t
        ok2, info2 = pre.schur_test(t, 2)
        assert ok2 and info2["a"] <= 1 - t and info2["c"] <= 3 - t


def test_cluster_at_a_large_offset_goes_into_the_accurate_block():
    # eigenvalues 2^50 + (0, 1, 2): with t = 2^50 - 1 every member has lambda_min - t = 1, but the
    # float Gershgorin errors are ~ u 2^50 ~ 0.1 and the |t| u terms are of the same size
    for off in (2.0**50, 2.0**48, -(2.0**50)):
        hi = off * np.eye(3) + np.diag([0.0, 1.0, 2.0])
        pre = EigPrecond(hi)
        t = off - 1.0
        assert exact_is_pd(hi, t)
        k = pre.choose_k(t)
        assert pre.schur_test(t, k)[0], (off, k)


def test_single_precision_input_is_the_same_exact_matrix():
    # float32 data are exact float64 numbers: the certificate must not change (nor be computed
    # in single precision, whose rounding errors none of the radii cover)
    rng = np.random.default_rng(21)
    X = rng.standard_normal((6, 6)).astype(np.float32)
    hi32 = (X @ X.T + np.eye(6, dtype=np.float32)).astype(np.float32)
    hi32 = np.triu(hi32) + np.triu(hi32, 1).T
    hi64 = hi32.astype(np.float64)
    pre32, pre64 = EigPrecond(hi32), EigPrecond(hi64)
    assert pre32.V.dtype == np.float64 and np.array_equal(pre32.V, pre64.V)
    lm = float(np.linalg.eigvalsh(hi64)[0])
    for t in (0.5 * lm, 0.999 * lm, lm * (1 - 1e-9)):
        k = pre64.choose_k(t)
        assert pre32.choose_k(t) == k
        assert pre32.schur_test(t, k) == pre64.schur_test(t, k)
        assert pre32.gershgorin_C(Fraction(t), 1) == pre64.gershgorin_C(Fraction(t), 1)
    ok, lower = rump_pd(hi32, 0.5 * lm)
    assert (ok, lower) == rump_pd(hi64, 0.5 * lm)


def test_cholesky_test_scales_off_diagonal_radii():
    # hi = (1/2 + 1/64) I, radius r = 1/128 entrywise, t = 1/2: the member
    # [[1/2 + r, r], [r, 1/2 + r]] minus t I is [[r, r], [r, r]], singular: nothing may be proven
    r = 2.0**-7
    a = 0.5 + 2.0**-6
    for n in (2, 3):
        hi = a * np.eye(n)
        pre = EigPrecond(hi, None, r)
        for k in range(1, n + 1):
            assert not pre.cholesky_test(Fraction(1, 2), k)
            assert not pre.schur_test(Fraction(1, 2), k)[0]
        assert certify_pd(hi, r, 0.5, method="eig-cholesky") == "undecided"
        assert certify_pd(hi, r, 0.5, method="eig") == "undecided"
        # at t = 1/2 - n r every member is PD (||E||_2 <= n r); the preconditioned Rump test sees it
        assert pre.cholesky_test(Fraction(1, 2) - Fraction(2 * n * r), 1)


def test_poor_basis_coupling_block_carries_the_shift(monkeypatch):
    # with a non-orthogonal basis V1^T V2 != 0, so the coupling block of Z is B = V1^T M V2 - t V1^T V2
    cases = [(np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([[1.0, 0.5], [0.0, 1.0]])),
             (np.array([[3.0, 0.5], [0.5, -2.0]]), np.array([[1.0, -1.0], [0.0, 1.0]])),
             (np.array([[3.0, 2.0], [2.0, -1.0]]), np.array([[1.0, -0.75], [0.0, 1.0]]))]
    for hi, V in cases:
        with_basis(monkeypatch, V)
        pre = EigPrecond(hi)
        lm = lam_min_exact(fmat(hi))
        for j in range(1, 40):
            t = fr(lm) + Fraction(j, 20)
            assert not exact_is_pd(hi, t)
            assert not pre.cholesky_test(t, 1), (hi, t)
            assert not pre.schur_test(t, 1)[0]
        assert pre.cholesky_test(fr(lm) - Fraction(1, 4), 1)


def test_documented_defaults():
    # signature defaults: 8 power steps in spectral_radius_upper, a leading block of at most 64
    rng = np.random.default_rng(1)
    R = np.abs(rng.standard_normal((6, 6)))
    R = R + R.T
    assert pd_mod.spectral_radius_upper(R) == pd_mod.spectral_radius_upper(R, iters=8)
    assert pd_mod.spectral_radius_upper(R) >= float(np.linalg.eigvalsh(R)[-1])
    pre = EigPrecond(np.eye(70))
    assert pre.choose_k(1.0) == 64 and pre.choose_k(1.0, kmax=70) == 70


def _as_fractions(A):
    A = np.asarray(A, dtype=np.float64)
    return np.array([Fraction(float(x)) for x in A.ravel()], dtype=object).reshape(A.shape)


def test_exact_rational_inputs_give_the_same_certificate():
    # arrays of Fractions holding the same float values describe the same exact data: every bound
    # must be the one computed from the float64 arrays (no object-dtype arithmetic on the side)
    rng = np.random.default_rng(4)
    n = 40
    X = rng.standard_normal((n, n))
    hi = (X + X.T) / 2
    lo = rng.standard_normal((n, n)) * 1e-17
    lo = (lo + lo.T) / 2
    err = np.abs(rng.standard_normal((n, n))) * 1e-10
    err = (err + err.T) / 2
    v = rng.standard_normal(n)
    r = rayleigh_upper(hi, lo, err, v)
    assert rayleigh_upper(hi, lo, err, _as_fractions(v)) == r
    assert rayleigh_upper(_as_fractions(hi), _as_fractions(lo), _as_fractions(err), v) == r
    R = np.abs(X)
    assert pd_mod.spectral_radius_upper(_as_fractions(R)) == pd_mod.spectral_radius_upper(R)
    pre = EigPrecond(hi, lo, err)
    t = fr(pre.lam[0]) - Fraction(1, 10)
    for args in ((hi, _as_fractions(lo), err), (hi, lo, _as_fractions(err))):
        q = EigPrecond(*args)
        assert q.gershgorin_C(t, 2) == pre.gershgorin_C(t, 2)
        assert q.schur_test(t, 2) == pre.schur_test(t, 2)
        assert q.cholesky_test(t, 2) == pre.cholesky_test(t, 2)
        assert q.rayleigh_upper(2) == pre.rayleigh_upper(2)
    lo3 = rng.standard_normal((n, n)) * 1e-3  # a split part that is not negligible
    lo3 = (lo3 + lo3.T) / 2
    r3 = rayleigh_upper(hi, lo3, err, v)
    assert rayleigh_upper(hi, _as_fractions(lo3), err, v) == r3
