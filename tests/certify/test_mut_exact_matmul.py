"""The accurate matrix product (verifier/certify/_exact_matmul.py) against exact rationals.

The slicing is compared with a reference written here from its docstring: a row (column) whose
largest magnitude mu lies in [2^(e-1), 2^e) is cut at sigma = 2^(e + beta) by q = fl(fl(m + sigma)
- sigma), where fl is Python's correctly rounded float(Fraction); rows below 2^-450 are not cut.
The product's bound is compared with the a-priori bound of the docstring, evaluated exactly, and
inputs are built so that the slice products of a too-narrow slice width are not exact in binary64,
and so that the remainder term of the bound is attained.
"""
from fractions import Fraction

import numpy as np
import pytest

from verifier.certify import _exact_matmul as em

F = Fraction
U = F(1, 2**53)


def frexp_exponent(mu: Fraction) -> int:
    """e with 2^(e-1) <= mu < 2^e for mu > 0."""
    e = mu.numerator.bit_length() - mu.denominator.bit_length()
    while F(2) ** e <= mu:
        e += 1
    while F(2) ** (e - 1) > mu:
        e -= 1
    return e


def documented_beta(n: int) -> int:
    """beta = ceil((54 + ceil(log2 n)) / 2), with n counted as at least 2."""
    L = 0
    while 2**L < max(n, 2):
        L += 1
    return -((-(54 + L)) // 2)


def ref_split(M, beta, nslices, axis):
    """Slices and remainder of M as lists of Fraction rows (columns when axis=0), exactly."""
    M = np.asarray(M)
    lines = M if axis == 1 else M.T
    R = [[F(float(v)) for v in line] for line in lines]
    slices = []
    for _ in range(nslices):
        Q = []
        for line in R:
            mu = max((abs(v) for v in line), default=F(0))
            if mu < F(1, 2**450):  # includes mu == 0
                Q.append([F(0)] * len(line))
                continue
            sigma = F(2) ** (frexp_exponent(mu) + beta)
            Q.append([F(float(v + sigma)) - sigma for v in line])
        R = [[v - q for v, q in zip(line, qline)] for line, qline in zip(R, Q)]
        slices.append(Q)
    return slices, R


def as_lines(X, axis):
    X = np.asarray(X)
    lines = X if axis == 1 else X.T
    return [[F(float(v)) for v in line] for line in lines]


def check_split_against_reference(M, beta, nslices, axis):
    out, R = em._split(M, beta, nslices, axis)
    ref_slices, ref_R = ref_split(M, beta, nslices, axis)
    assert len(out) == nslices
    for Q, ref_Q in zip(out, ref_slices):
        assert as_lines(Q, axis) == ref_Q
    assert as_lines(R, axis) == ref_R
    # what the slices miss is exactly the remainder
    total = [[sum((Q[k][j] for Q in ref_slices), F(0)) + ref_R[k][j] for j in range(len(ref_R[k]))]
             for k in range(len(ref_R))]
    assert total == as_lines(M, axis)


def exact(X):
    X = np.asarray(X)
    return [[F(float(v)) for v in row] for row in X]


def exact_matmul(A, B):
    n = len(B)
    return [[sum((A[i][k] * B[k][j] for k in range(n)), F(0)) for j in range(len(B[0]))]
            for i in range(len(A))]


def check_encloses(A, B, P):
    E = exact_matmul(exact(A), exact(np.asarray(B).reshape(len(B), -1)))
    hi, lo, err = (np.asarray(x).reshape(len(E), -1) for x in (P.hi, P.lo, P.err))
    for i in range(len(E)):
        for j in range(len(E[0])):
            assert abs(F(float(hi[i, j])) + F(float(lo[i, j])) - E[i][j]) <= F(float(err[i, j])), (i, j)


# --- _split ---------------------------------------------------------------------------------------

def _split_inputs():
    rng = np.random.default_rng(11)
    M = rng.standard_normal((7, 6)) * np.ldexp(1.0, rng.integers(-20, 20, (7, 6)))
    M[1] = np.nextafter(1.0, 0.0) * np.array([1, -1, 1, -1, 0.5, -0.25])  # full mantissas below 2^0
    M[2] = [1.0, -1.0, 0.5, 2.0**-30, -(2.0**-60), 0.0]  # row maximum a power of two
    M[3] = 0.0
    M[4] = [1.0, 2.0**-500, -(2.0**-700), 3 * 2.0**-520, 0.0, 1.0 + 2.0**-52]  # tiny rest below 2^-450
    M[5] = -(1.0 - rng.uniform(0, 2.0**-10, 6))  # negative: m + sigma falls below sigma
    M[6] = [2.0**-300, -(2.0**-301), 0.0, 2.0**-330, 2.0**-460, 1.5 * 2.0**-300]
    return M


@pytest.mark.parametrize("beta", [28, 29, 31])
@pytest.mark.parametrize("axis", [0, 1])
def test_split_is_the_documented_rounding_to_the_grid(beta, axis):
    M = _split_inputs()
    M = M if axis == 1 else M.T.copy()
    for s in (1, 2, 4):
        check_split_against_reference(M, beta, s, axis)


def test_split_leaves_rows_below_2_to_the_minus_450_in_the_remainder():
    t = 2.0**-450
    M = np.array([[t, -t / 3], [np.nextafter(t, 0.0), 0.0], [t / 2, t / 5], [2.0**-600, 0.0],
                  [3 * 2.0**-900, 0.0], [-2 * t, t / 7], [0.0, 0.0]])
    out, R = em._split(M, 28, 2, axis=1)
    for i in (0, 5):  # maxima 2^-450 and 2^-449: cut
        assert np.any(out[0][i] != 0)
    for i in (1, 2, 3, 4, 6):  # maxima below 2^-450: nothing cut, all in the remainder
        assert not np.any(out[0][i]) and not np.any(out[1][i]) and np.array_equal(R[i], M[i])
    check_split_against_reference(M, 28, 2, axis=1)
    check_split_against_reference(M.T.copy(), 28, 2, axis=0)
    # a row cut once may fall below the floor for the next slice
    M = np.array([[1.0, 2.0**-500, -(2.0**-520)]])
    out, R = em._split(M, 28, 3, axis=1)
    assert out[0][0, 0] == 1.0 and not np.any(out[1]) and not np.any(out[2])
    assert list(R[0]) == [0.0, 2.0**-500, -(2.0**-520)]


def test_split_converts_any_real_input_and_leaves_it_alone():
    M = np.array([[-(2**63), 5, -3], [7, 0, 2**40 + 1]], dtype=np.int64)  # np.abs(-2^63) wraps in int64
    keep = M.copy()
    out, R = em._split(M, 28, 3, axis=1)
    assert np.array_equal(M, keep)
    assert R.dtype == np.float64 and all(Q.dtype == np.float64 for Q in out)
    ref_slices, ref_R = ref_split(M.astype(np.float64), 28, 3, axis=1)
    assert [as_lines(Q, 1) for Q in out] == ref_slices and as_lines(R, 1) == ref_R
    assert out[0][0, 0] == -(2.0**63)
    Mf = np.array([[1.0, -3.0], [0.25, 1.0 + 2.0**-52]])
    keep = Mf.copy()
    em._split(Mf, 28, 2, axis=0)
    assert np.array_equal(Mf, keep)
    check_split_against_reference(np.array([[0.1, -0.7], [3.0, 1e-9]], dtype=np.float32), 28, 2, axis=0)


# --- accurate_matmul --------------------------------------------------------------------------------

def test_accurate_matmul_integer_inputs_are_converted_exactly():
    """Integer arrays are converted to binary64 first: np.abs of the most negative int8 / int64 wraps
    around, and a remainder bound built from it would be wrong. One slice leaves remainders."""
    third = 1.0 / 3.0
    Ai = np.array([[-128, 1], [3, -128]], dtype=np.int8)
    Bf = np.array([[third, 2 * third], [0.1, -0.7]])
    Af = np.array([[third, 0.1], [-0.7, 0.2]])
    Bi = np.array([[-128, 5], [1, -128]], dtype=np.int8)
    A64 = np.array([[-(2**63), 3, 0], [1, -1, 2**53 - 1]], dtype=np.int64)
    B64 = np.array([[third, 1], [-0.1, 7], [1, 0.3]])
    for A, B in ((Ai, Bf), (Af, Bi), (Ai, Bi), (A64, B64), (B64.T.copy(), A64.T.copy())):
        for s in (1, 4):
            P = em.accurate_matmul(A, B, nslices=s)
            assert P.hi.dtype == P.lo.dtype == P.err.dtype == np.float64
            check_encloses(A.astype(np.float64), B.astype(np.float64), P)
        Pv = em.accurate_matmul(A, B[:, 0], nslices=1)
        check_encloses(A.astype(np.float64), B[:, 0].astype(np.float64), Pv)


@pytest.mark.parametrize("n", [3, 4, 9, 11])
def test_accurate_matmul_slice_products_at_the_exactness_limit(n):
    """Negative entries: m + sigma falls below sigma, where the grid is the finer 2^(e + beta - 53), so
    slice entries reach 2^(53 - beta) as odd integers. The entries here are odd multiples of
    2^-(54 - beta), whole first slices for a beta one below the documented one: with it, the sums of
    slice products are odd integers past 2^53 (in units of the common scale) and round."""
    beta = documented_beta(n)
    k = 54 - beta  # the narrower slice's integers: up to 2^k, odd
    x = -(1.0 - 2.0**-k)
    rng = np.random.default_rng(n)
    A = np.full((3, n), x)
    A[1] = -(2.0**k - 2 * rng.integers(0, 2**8, n) - 1) * 2.0**-k  # odd integers near 2^k
    A[2, ::2] = -0.75
    B = np.full((n, 2), x)
    B[:, 1] = -(2.0**k - 2 * rng.integers(0, 2**8, n) - 1) * 2.0**-k
    P = em.accurate_matmul(A, B)
    check_encloses(A, B, P)
    assert np.all(P.err <= 2.0**-90)  # no remainders: only the TwoSum term
    Pv = em.accurate_matmul(A, B[:, 0])
    check_encloses(A, B[:, 0], Pv)


def test_accurate_matmul_remainder_bound_is_attained():
    """One slice, n = 1: a = b = 1 - 2^-40 are cut to 1, remainders -2^-40. The error ab - 1 equals
    -(|a_rem| |b| + |a - a_rem| |b_rem|) exactly, and |a - a_rem| = |a| + |a_rem| here."""
    for a, b in ((1.0 - 2.0**-40, 1.0 - 2.0**-40), (-(1.0 - 2.0**-41), 1.0 - 2.0**-38)):
        P = em.accurate_matmul(np.array([[a]]), np.array([[b]]), nslices=1)
        check_encloses(np.array([[a]]), np.array([[b]]), P)
        err = F(a) * F(b) - F(float(P.hi[0, 0])) - F(float(P.lo[0, 0]))
        assert err != 0 and F(float(P.err[0, 0])) <= abs(err) * (1 + 256 * U)
    # the same with n terms of one sign: each product contributes its full remainder bound
    rng = np.random.default_rng(3)
    for n in (2, 5, 16):
        a = 1.0 - 2.0**-rng.integers(35, 45, (2, n))
        b = 1.0 - 2.0**-rng.integers(35, 45, (n, 3))
        a[1] *= -1
        for s in (1, 2):
            check_encloses(a, b, em.accurate_matmul(a, b, nslices=s))


def _bound_terms(A, B, nslices):
    """The docstring's a-priori bound, exactly: sum |A_rem| |B| + (|A| + |A_rem|) |B_rem| over the
    slicing with the documented beta, and S = |A| |B| (an upper bound of the TwoSum errors' scale)."""
    n = A.shape[1]
    beta = documented_beta(n)
    _, Ar = ref_split(A, beta, nslices, axis=1)  # rows of A
    _, Brc = ref_split(B, beta, nslices, axis=0)  # columns of B
    Ae, Be = exact(A), exact(B)
    m, p = len(Ae), len(Be[0])
    bound = [[sum((abs(Ar[i][k]) * abs(Be[k][j]) + (abs(Ae[i][k]) + abs(Ar[i][k])) * abs(Brc[j][k])
                   for k in range(n)), F(0)) for j in range(p)] for i in range(m)]
    S = [[sum((abs(Ae[i][k]) * abs(Be[k][j]) for k in range(n)), F(0)) for j in range(p)] for i in range(m)]
    return bound, S


@pytest.mark.parametrize("n", [3, 4, 12, 16])
def test_accurate_matmul_error_bound_is_the_documented_one(n):
    """err is the remainder bound of the documented slicing (beta = ceil((54 + ceil(log2 n)) / 2)) up
    to the inflation of its floating-point evaluation, plus the TwoSum term (<= N^2 u^2 |A| |B|, far
    below it for few slices). A beta one larger (narrower slices) would leave remainders about
    2^nslices times larger."""
    rng = np.random.default_rng(100 + n)
    A = rng.standard_normal((3, n)) * np.ldexp(1.0, rng.integers(-30, 30, (3, n)))
    B = rng.standard_normal((n, 2)) * np.ldexp(1.0, rng.integers(-30, 30, (n, 2)))
    A[0, ::2] = np.abs(A[0, ::2])
    for s in (1, 2, 3):
        P = em.accurate_matmul(A, B, nslices=s)
        check_encloses(A, B, P)
        bound, S = _bound_terms(A, B, s)
        N = s * s
        for i in range(3):
            for j in range(2):
                assert bound[i][j] > 0
                limit = bound[i][j] * F(5, 4) + 2 * N * N * U * U * S[i][j] + F(1, 2**800)
                assert F(float(P.err[i, j])) <= limit, (s, i, j)
                assert F(float(P.err[i, j])) >= bound[i][j]  # and it covers the bound itself


def test_accurate_matmul_refusal_messages():
    with pytest.raises(ValueError, match=r"^accurate_matmul: non-finite input$"):
        em.accurate_matmul(np.array([[1.0, np.inf]]), np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"^accurate_matmul: non-finite input$"):
        em.accurate_matmul(np.ones((1, 2)), np.array([[np.nan], [1.0]]))
    msg = r"^accurate_matmul: inputs must be scaled to \[2\^-300, 2\^300\]$"
    with pytest.raises(ValueError, match=msg):
        em.accurate_matmul(np.array([[2.0**301]]), np.ones((1, 1)))
    with pytest.raises(ValueError, match=msg):
        em.accurate_matmul(np.ones((1, 2)), np.array([[2.0**-301], [0.0]]))
    with pytest.raises(ValueError, match=r"^accurate_matmul: shapes \(2, 3\) and \(2, 3\) do not match$"):
        em.accurate_matmul(np.ones((2, 3)), np.ones((2, 3)))


def test_accurate_matmul_twosum_term_is_gamma_n_times_the_errors():
    """No remainders and exactly two nonzero slice products T, T': the one TwoSum error is
    e = T + T' - fl(T + T') whatever the order, and err is the documented gamma_N |e| (N = nslices^2
    slice products), up to the inflation of its evaluation."""
    rng = np.random.default_rng(8)
    for n, s in ((2, 4), (3, 4), (5, 2), (7, 3)):
        beta = documented_beta(n)
        N = s * s
        gamma_N = N * U / (1 - N * U)
        for _ in range(4):
            # B: one slice per column (few bits); A: two slices per row (a second part far below)
            B = (1.0 + rng.integers(1, 2**12, (n, 2)) * 2.0**-20) * rng.choice([-1.0, 1.0], (n, 2))
            A = 1.0 + rng.integers(1, 2**12, (2, n)) * 2.0**-20
            A = A + rng.integers(1, 2**10, (2, n)) * 2.0**-48 * rng.choice([-1.0, 1.0], (2, n))
            As, Ar = ref_split(A, beta, s, axis=1)
            Bs, Br = ref_split(B, beta, s, axis=0)
            assert all(v == 0 for line in Ar + Br for v in line)
            P = em.accurate_matmul(A, B, nslices=s)
            check_encloses(A, B, P)
            for i in range(2):
                for j in range(2):
                    T = [sum((As[p][i][k] * Bs[q][j][k] for k in range(n)), F(0)) for p in range(s) for q in range(s)]
                    T = [t for t in T if t != 0]
                    assert len(T) == 2
                    e = abs(T[0] + T[1] - F(float(T[0] + T[1])))
                    assert e > 0  # the sum needs more than 53 bits
                    got = F(float(P.err[i, j]))
                    assert gamma_N * e <= got <= F(3, 2) * gamma_N * e + F(1, 2**800), (n, s, i, j)
