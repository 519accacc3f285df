"""The Certificate record (JSON-safe copy, round trip, self-check messages, containment) and the
exact-input checks of the scalar parameters, on values whose expected outcome is fixed by the types."""
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from verifier.certify import Certificate, certify_contraction, certify_lambda0
from verifier.certify.certificate import _clean


def make(**kw):
    base = dict(quantity="q", lower=0.5, upper=2.0, status="proven", method="m", precision="p",
                seconds=0.25, statement="s")
    base.update(kw)
    return Certificate(**base)


def test_clean_makes_json_safe_values():
    d = {"arr": np.array([1.5, np.inf]), "f32": np.float32(0.5), "frac": Fraction(1, 4), "none": None,
         "s": "text", "c": complex(1, 2), "t": (1, np.int64(2)), "b": np.bool_(True), 3: -math.inf}
    out = _clean(d)
    assert out == {"arr": [1.5, None], "f32": 0.5, "frac": 0.25, "none": None, "s": "text", "c": "(1+2j)",
                   "t": [1, 2], "b": True, "3": None}
    assert type(out["f32"]) is float and type(out["t"][1]) is int and out["b"] is True


def test_to_dict_and_from_dict_round_trip():
    c = make(details={"k": 1.0}, reason="")
    d = c.to_dict()
    assert d["lower"] == 0.5 and d["upper"] == 2.0 and d["seconds"] == 0.25
    r = Certificate.from_dict(d)
    for f in ("quantity", "lower", "upper", "status", "method", "precision", "seconds", "statement",
              "details", "reason"):
        assert getattr(r, f) == getattr(c, f), f
    u = make(status="undecided", reason="why")
    r = Certificate.from_dict(u.to_dict())
    assert r.status == "undecided" and r.reason == "why"
    minimal = {k: v for k, v in d.items() if k not in ("details", "reason")}  # optional keys
    r = Certificate.from_dict(minimal)
    assert r.details == {} and r.reason == "" and r.status == "proven"


def test_self_check_messages_name_the_side():
    c = make(upper=math.nan)
    assert c.status == "undecided" and "the upper bound is NaN" in c.reason
    c = make(lower=math.nan)
    assert c.status == "undecided" and "the lower bound is NaN" in c.reason
    for bad in ("1.0", True, np.bool_(False), 1 + 0j):
        c = make(lower=bad)
        assert c.status == "undecided" and "the lower bound is not a real number" in c.reason, bad
        c = make(upper=bad)
        assert c.status == "undecided" and "the upper bound is not a real number" in c.reason, bad
    for ok in (0, np.int64(1), np.float32(0.75), 1.0):
        assert make(lower=ok).status == "proven"


def test_contains_is_closed_and_open_ended():
    c = make()
    assert c.contains(0.5) and c.contains(2.0) and c.contains(1.0)
    assert not c.contains(0.4999) and not c.contains(2.0001)
    c = make(lower=None)
    assert c.contains(-1e308) and c.contains(2.0) and not c.contains(2.5)
    c = make(upper=None)
    assert c.contains(1e308) and not c.contains(0.0)
    assert make(lower=None, upper=None).contains(0.0)


# --- scalar parameters --------------------------------------------------------------------------

@pytest.mark.parametrize("g, why", [
    (np.longdouble("nan"), "finite"),
    (Decimal("Infinity"), "finite"),
    (Decimal("NaN"), "finite"),
    (Fraction(10**400), "float64"),
    (Decimal("1e400"), "float64"),
    ([0.5], "must be a scalar, got list"),
    ((0.5,), "must be a scalar, got tuple"),
], ids=["ld-nan", "dec-inf", "dec-nan", "frac-huge", "dec-huge", "list", "tuple"])
def test_gamma_refusals(g, why):
    with pytest.raises(ValueError, match=rf"\bgamma\b.*{why}"):
        certify_contraction(np.eye(2), g)


def test_rel_width_refusals():
    X = np.eye(3)
    with pytest.raises(ValueError, match=r"rel_width must be a real number, got complex \(1j\)"):
        certify_lambda0(X, rel_width=1j)
    with pytest.raises(ValueError, match="rel_width must be finite"):
        certify_lambda0(X, rel_width=math.inf)
    with pytest.raises(ValueError, match=r"rel_width must lie in \(0, 1\)"):
        certify_lambda0(X, rel_width=1.0)


def test_status_must_be_known():
    with pytest.raises(ValueError, match="status must be one of .*got 'maybe'"):
        make(status="maybe")


def test_self_check_covers_upper_when_lower_is_absent():
    c = make(lower=None, upper=math.nan)
    assert c.status == "undecided" and "the upper bound is NaN" in c.reason


def test_verify_self_check_before_the_recheck():
    calls = []
    for side in ("lower", "upper"):
        c = make(_check=lambda cert: calls.append(1) or {"ok": True})
        setattr(c, side, math.nan)  # tampered after construction
        v = c.verify()
        assert not v and v.completed is True
        assert v.reason == c.reason == f"self-check failed: the {side} bound is NaN"
        assert c.status == "undecided"
    assert not calls  # the re-check itself never ran


def test_verify_reasons_for_what_cannot_be_rechecked():
    v = make().verify()
    assert not v and "no re-check possible" in v.reason and "rebuilt from a dict" in v.reason
    v = make(status="undecided", reason="why", _check=lambda c: {"ok": True}).verify()
    assert not v and v.reason == "nothing to re-check: the status is 'undecided' (why)"
    v = make(status="undecided", reason="", _check=lambda c: {"ok": True}).verify()
    assert not v and v.reason == "nothing to re-check: the status is 'undecided'"
    assert v.completed is False


def test_verify_records_a_minimal_check_result():
    c = make(_check=lambda cert: {"ok": True})  # no reason, no report, no backend
    v = c.verify()
    assert v and v.reason == "" and v.completed is True and v.backend is None and v.independent is None
    assert c.details["verification"] == {"ok": True, "reason": "", "backend": None, "independent": None}
    c = make(_check=lambda cert: {"ok": False, "reason": "r", "backend": "b", "independent": True,
                                  "certificate_backend": "n", "report": {"x": 1}})
    v = c.verify()
    assert not v and v.reason == "r" and v.backend == "b" and v.certificate_backend == "n" and v.independent
    assert c.details["verification"] == {"x": 1, "ok": False, "reason": "r", "backend": "b", "independent": True}
    assert c.status == "undecided" and c.reason == "the independent re-check did not confirm the bounds: r"


def test_verify_silences_floating_point_warnings():
    import warnings

    def noisy(cert):
        x = np.float64(1e308) * np.float64(10.0)  # overflow: numpy would warn outside verify
        return {"ok": bool(np.isinf(x))}

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = make(_check=noisy)
        assert c.verify() and c.status == "proven"


# --- arrays -----------------------------------------------------------------------------------------

def test_array_refusals_say_why():
    with pytest.raises(ValueError, match=r"\bA\b is complex .*imaginary part is never dropped"):
        certify_contraction(np.eye(2, dtype=complex), 0.5)
    with pytest.raises(ValueError, match=r"\bA\b has dtype bool; pass a real"):
        certify_contraction(np.eye(2, dtype=bool), 0.5)
    nested = np.empty((2, 2), dtype=object)
    nested[:] = 1.0
    nested[1, 0] = [1.0, 2.0]
    with pytest.raises(ValueError, match=r"\bA\b is ragged or nested \(entry \[1, 0\] is a sequence\)"):
        certify_contraction(nested, 0.5)


@pytest.mark.skipif(np.finfo(np.longdouble).nmant <= 52, reason="long double is binary64 here")
def test_long_double_arrays_of_float64_values_are_accepted():
    A = np.array([[1.5, -0.25], [0.0, 3.0]])
    ref = certify_contraction(A, 0.5)
    for B in (A.astype(np.longdouble), np.array([[1.5, np.nan], [0.0, 3.0]], dtype=np.longdouble)):
        if np.isnan(B).any():  # NaN passes the exactness check; the certificate then refuses it
            with pytest.raises(ValueError, match="NaN or inf"):
                certify_contraction(B, 0.5)
        else:
            c = certify_contraction(B, 0.5)
            assert (c.lower, c.upper, c.statement) == (ref.lower, ref.upper, ref.statement)
