"""Every certify_* entry point accepts only what its proof covers: real arrays whose values are
exactly binary64 numbers, and a gamma that is exactly a binary64 number. Everything else is refused
with an error that names the parameter (a ValueError; exit code 2 from the CLI)."""
from decimal import Decimal
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import verifier.certify as certify
from tests.certify.certify_refs import gram_inf_mp, lambda_min_mp
from verifier.certify import certify_contraction, certify_gram_entries, certify_lambda0, certify_pd

ENTRY_X = [certify_lambda0, certify_gram_entries]


def gram_inf_exact_rows(rows):
    """50-digit G_inf of integer rows given as Python ints (never rounded to float)."""
    with mpmath.workdps(50):
        units = []
        for r in rows:
            v = [mpmath.mpf(int(x)) for x in r]
            nr = mpmath.sqrt(mpmath.fsum(x * x for x in v))
            units.append([x / nr for x in v])
        n = len(units)
        G = mpmath.matrix(n, n)
        for i in range(n):
            G[i, i] = mpmath.mpf(1) / 2
            for j in range(i + 1, n):
                a, b = units[i], units[j]
                p = mpmath.sqrt(mpmath.fsum((x - y) ** 2 for x, y in zip(a, b)))
                q = mpmath.sqrt(mpmath.fsum((x + y) ** 2 for x, y in zip(a, b)))
                t = 2 * mpmath.atan2(p, q)
                G[i, j] = G[j, i] = (mpmath.sin(t) + (mpmath.pi - t) * mpmath.cos(t)) / (2 * mpmath.pi)
        return G


def test_integers_above_2_53_are_refused():
    """int64 rows in [2^60, 2^61) used to pass a check made after conversion to float, and the
    certificate then enclosed lambda0 of the rounded data, not of the integers given."""
    rng = np.random.default_rng(2)
    X = rng.integers(2**60, 2**61, size=(5, 3), dtype=np.int64)
    X[0, 0] |= 1  # odd above 2^53: certainly not a float64
    with pytest.raises(ValueError, match=r"\bX\b.*float64"):
        certify_lambda0(X)
    with pytest.raises(ValueError, match=r"\bX\b"):
        certify_gram_entries(X)
    # the rounding matters: lambda0 of the integers is not lambda0 of the rounded floats
    G = gram_inf_exact_rows(X.tolist())
    guess = float(np.linalg.eigvalsh(np.array(G.tolist(), dtype=float))[0])
    lo_int, hi_int = lambda_min_mp(G, guess)
    lo_flt, hi_flt = lambda_min_mp(gram_inf_mp(X.astype(np.float64)), guess)
    assert hi_int < lo_flt or hi_flt < lo_int


@pytest.mark.parametrize("bad, dtype", [
    (2**63 - 1, np.int64),  # rounds to 2^63
    (2**53 + 1, np.int64),
    (-(2**53) - 1, np.int64),
    (2**64 - 1, np.uint64),
    (2**53 + 1, object),
    (2**1024, object),  # beyond the float64 range
])
def test_inexact_integers_are_refused_everywhere(bad, dtype):
    X = np.array([[1, 2], [3, bad]], dtype=dtype)
    for fn in ENTRY_X:
        with pytest.raises(ValueError, match=r"\bX\b"):
            fn(X)
    A = np.array([[1, 0], [0, bad]], dtype=dtype)
    with pytest.raises(ValueError, match=r"\bA\b"):
        certify_contraction(A, 0.5)
    with pytest.raises(ValueError, match="M_mid"):
        certify_pd(np.array([[bad, 0], [0, bad]], dtype=dtype), 0.0, 0.0)


@pytest.mark.parametrize("X", [
    np.array([[2**62, 3], [1, -(2**63)]], dtype=np.int64),  # exact powers of two, int64 extremes
    np.array([[2**63, 1], [5, 2**60]], dtype=np.uint64),
    np.array([[2**70, 1], [5, -7]], dtype=object),  # Python ints
    np.array([[1.5, 2.0], [-0.25, 3.0]], dtype=np.float32),
    np.array([[1, 2], [3, 5]], dtype=np.uint8),
], ids=["int64", "uint64", "object-int", "float32", "uint8"])
def test_exact_values_of_other_dtypes_are_accepted(X):
    Xf = np.array([[float(v) for v in row] for row in X.tolist()])
    a, b = certify_lambda0(X), certify_lambda0(Xf)
    assert a.status == b.status == "proven"
    assert (a.lower, a.upper) == (b.lower, b.upper) and a.statement == b.statement
    c, d = certify_contraction(X, 0.5), certify_contraction(Xf, 0.5)
    assert (c.lower, c.upper) == (d.lower, d.upper)


def test_complex_input_is_refused():
    """certify_contraction(2j I, 1) used to drop the imaginary part and prove [0, 0]; the true
    value is 2/sqrt(2) = 1.414..."""
    with pytest.raises(ValueError, match=r"\bA\b.*complex"):
        certify_contraction(2j * np.eye(2), 1.0)
    with pytest.raises(ValueError, match=r"\bA\b.*complex"):
        certify_contraction(np.eye(2, dtype=complex), 1.0)  # zero imaginary part: still refused
    with pytest.raises(ValueError, match=r"\bX\b.*complex"):
        certify_lambda0(np.eye(3) * (1 + 1j))
    with pytest.raises(ValueError, match=r"\bX\b.*complex"):
        certify_gram_entries(np.eye(3, dtype=np.complex64))
    with pytest.raises(ValueError, match="M_mid.*complex"):
        certify_pd(np.eye(2) + 0j, 0.0, 0.0)
    with pytest.raises(ValueError, match="M_rad.*complex"):
        certify_pd(np.eye(2), 0j, 0.0)
    with pytest.raises(ValueError, match=r"\bt\b.*complex"):
        certify_pd(np.eye(2), 0.0, 0.5 + 0j)
    for g in (1 + 0j, np.complex128(1.0), 1j):
        with pytest.raises(ValueError, match="gamma.*complex"):
            certify_contraction(np.eye(2), g)


GAMMA_REFUSED = [
    (Fraction(1, 3), "float64"),
    (Decimal("0.1"), "float64"),
    (2**53 + 1, "float64"),
    (10**400, "float64"),
    (True, "bool"),
    (np.bool_(True), "bool"),
    ("0.5", "str"),
    (None, "NoneType"),
    (float("nan"), "finite"),
    (float("inf"), "finite"),
    (-0.5, "nonnegative"),
    (np.array([0.5, 0.5]), "scalar"),
]


@pytest.mark.parametrize("g, why", GAMMA_REFUSED, ids=[repr(g)[:20] for g, _ in GAMMA_REFUSED])
def test_gamma_must_be_exactly_a_float64(g, why):
    with pytest.raises(ValueError, match=f"gamma.*{why}"):
        certify_contraction(np.eye(2), g)


def test_gamma_in_other_exact_types_is_accepted():
    ref = certify_contraction(np.eye(4), 0.5)
    for g in (Fraction(1, 2), Decimal("0.5"), np.float32(0.5), np.float16(0.5), np.longdouble(0.5),
              np.array(0.5), np.int8(3) / 6):
        c = certify_contraction(np.eye(4), g)
        assert (c.lower, c.upper) == (ref.lower, ref.upper), g
    assert certify_contraction(np.eye(4), 3).details["gamma"] == 3.0
    # float32(0.1) is exactly a float64 (not 0.1): the certificate speaks about that number
    c = certify_contraction(np.eye(4), np.float32(0.1))
    assert c.details["gamma"] == float(np.float32(0.1)) != 0.1


@pytest.mark.skipif(np.finfo(np.longdouble).nmant <= 52, reason="long double is binary64 here")
def test_long_double_that_is_not_a_float64_is_refused():
    with pytest.raises(ValueError, match="gamma"):
        certify_contraction(np.eye(2), np.longdouble(1) / 3)
    X = np.array([[1, 2], [3, 4]], dtype=np.longdouble) / 3
    with pytest.raises(ValueError, match=r"\bX\b"):
        certify_lambda0(X)
    with pytest.raises(ValueError, match="M_rad"):  # a radius rounded down would be unsound
        certify_pd(np.eye(2), np.full((2, 2), np.longdouble(1) / 3), 0.0)
    with pytest.raises(ValueError, match=r"\bA\b"):
        certify_contraction(np.array([[np.finfo(np.longdouble).max]]), 0.5)  # beyond float64


@pytest.mark.parametrize("bad", [
    np.array([[True, False], [False, True]]),
    np.array([["1", "2"], ["3", "4"]]),
    np.array([[1.0, None], [2.0, 3.0]], dtype=object),
    np.array([[1.0, "x"], [2.0, 3.0]], dtype=object),
    np.array([[1.0, 2.0], [3.0, 1j]], dtype=object),
    np.array([[1.0, Fraction(1, 3)], [3.0, 4.0]], dtype=object),
    np.ma.masked_array([[1.0, 2.0], [3.0, 4.0]], mask=[[0, 1], [0, 0]]),
    np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]").reshape(1, 2),
    [[1.0, 2.0], [3.0]],  # ragged
    np.array([[1.0, np.inf], [1.0, 2.0]]),
    np.array([[1.0, np.nan], [1.0, 2.0]]),
], ids=["bool", "str", "None", "object-str", "object-complex", "object-1/3", "masked", "datetime",
        "ragged", "inf", "nan"])
def test_what_no_proof_covers_is_refused(bad):
    for fn in ENTRY_X:
        with pytest.raises(ValueError, match=r"\bX\b"):
            fn(bad)
    with pytest.raises(ValueError, match=r"\bA\b"):
        certify_contraction(bad, 0.5)


def test_other_parameters():
    X = np.eye(3)
    for bad in (1j, "1e-8", True, None):
        with pytest.raises(ValueError, match="rel_width"):
            certify_lambda0(X, rel_width=bad)
    with pytest.raises(ValueError, match=r"\bt\b"):
        certify_pd(np.eye(2), 0.0, Fraction(1, 3))
    with pytest.raises(ValueError, match=r"\bt\b"):
        certify_pd(np.eye(2), 0.0, "0")
    # NaN/inf in certify_pd mean "nothing can be decided", not bad input (documented)
    assert certify_pd(np.eye(2), np.inf, 0.0) == "undecided"


def test_refusal_is_a_value_error_and_exit_code_2(monkeypatch):
    from click.testing import CliRunner

    import verifier.pipeline
    from verifier.cli import main

    assert issubclass(certify.CertifyInputError, ValueError)
    assert "CertifyInputError" in certify.__all__

    def refuse(*a, **k):
        certify_contraction(2j * np.eye(2), 1.0)

    monkeypatch.setattr(verifier.pipeline, "check", refuse)
    res = CliRunner().invoke(main, ["check", "--certify"], catch_exceptions=False)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "complex" in lines[0]
