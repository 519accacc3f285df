"""The audit API, its findings, and the derived constants checked against the inequalities they come from."""
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import proofs_checks as pc
from proofs_checks._common import STEP_STATUSES

IDS = ["L2.2", "L2.3", "L3.1", "L3.3", "L3.4", "L3.5", "T3.1", "L3.6", "T3.2"]


@pytest.fixture(scope="module")
def audit():
    return pc.run_audit()


def test_run_audit_contract(audit):
    json.dumps(audit)
    ids = [r["id"] for r in audit]
    assert set(IDS) <= set(ids)
    for r in audit:
        assert set(r) >= {"id", "title", "status", "counts", "steps", "findings", "reason"}
        assert r["status"] in pc.STATUSES
        assert r["counts"] == {k: sum(1 for s in r["steps"] if s["status"] == k) for k in STEP_STATUSES}
        for s in r["steps"]:
            assert set(s) >= {"description", "kind", "status", "detail", "reason"}
            assert s["status"] in STEP_STATUSES
            assert bool(s["reason"]) == (s["status"] == "not checkable")
        for f in r["findings"]:
            assert set(f) >= {"summary", "status", "evidence"} and f["status"]
    text = pc.render_audit_text(audit)
    assert all(i in text for i in IDS)
    tot = pc.audit_totals(audit)
    assert tot["holds"] + tot["fails"] + tot["not checkable"] == sum(len(r["steps"]) for r in audit)
    assert f"{tot['holds']:>6} {tot['fails']:>6} {tot['not checkable']:>14}" in text
    for r in audit:
        line = pc.audit_summary_line(r)
        assert line.startswith(r["status"] + ":") and f"{r['counts']['fails']} fail" in line


def _finding(audit, sid, status):
    rec = next(r for r in audit if r["id"] == sid)
    return next(f for f in rec["findings"] if f["status"] == status)


def test_expected_statuses(audit):
    st_ = {r["id"]: r["status"] for r in audit}
    assert st_["L2.2"] == "verified" and st_["L3.2"] == "verified"
    for sid in ("L2.3", "L3.1", "L3.3", "L3.4", "L3.5", "T3.1", "L3.6", "T3.2"):
        assert st_[sid] == "finding"
    l31 = next(r for r in audit if r["id"] == "L3.1")
    ev = l31["findings"][0]["evidence"]
    assert max(ev["relative_error_corrected_Q"]) < 1e-6 < min(ev["relative_error_printed_Q"])


def test_findings_say_what_the_evidence_shows(audit):
    for sid, k in (("L3.5", "2048"), ("L3.6", "8192")):
        f = _finding(audit, sid, "false as stated")
        assert "false as stated" in f["summary"] and k in f["summary"] and "proof gap" not in f["summary"]
    t32 = _finding(audit, "T3.2", "inconsistent, probable typo")["summary"]
    assert "inconsistent, probable typo" in t32 and "does not show the printed width too small" in t32
    head = _finding(audit, "T3.1", "headline not supported by the proof")
    assert "Omega~(n^2)" in head["summary"] and "Sec. 3.1" in head["summary"] and "Sec. 6" in head["summary"]
    assert head["evidence"]["exponent_of_n"] == {"L3.3": 2, "L3.5 as printed, ||X||^2 = 1": 2,
                                                 "L3.5 as printed, ||X||^2 = n": 3, "repaired chain, ||X||^2 = 1": 3,
                                                 "repaired chain, ||X||^2 = n": 4}
    kink = _finding(audit, "L2.3", "case not treated")
    assert "pre-activations at 0" in kink["summary"] and kink["evidence"]["pre_activation"] == 0.0
    assert kink["evidence"]["right_derivative"] != kink["evidence"]["left_derivative"]
    exit_ = _finding(audit, "L3.5", "proof step incomplete, conclusion unaffected")
    assert "first-exit" in exit_["summary"]
    # the T3.1 steps derive the exponents; the cross-check with constants.py holds
    t31 = next(r for r in audit if r["id"] == "T3.1")
    assert all(s["status"] == "holds" for s in t31["steps"] if s["kind"] in ("limit", "numeric"))



positive = st.floats(min_value=1e-2, max_value=1e2)


@given(n=st.integers(2, 500), lam0=st.floats(1e-4, 0.5), c=st.floats(1.0, 5.0), nX=st.floats(1.0, 20.0),
       r0=positive, delta=st.floats(1e-4, 0.5))
def test_derived_constants_satisfy_their_inequalities(n, lam0, c, nX, r0, delta):
    nX = min(nX, math.sqrt(n))                  # ||X||^2 <= ||X||_F^2 = n for unit rows
    rows = {r["name"]: r["value"] for r in pc.explicit_constants(n, lam0, c, nX, r0, delta)}
    # A.7 (the paper's printed chain): W drift <= R and A drift <= c sqrt(m) at the width
    m = rows["width_L3.5"] * (1 + 1e-12)
    R = math.sqrt(m) * lam0 / (16 * c * nX**2)
    assert 128 * c * n * r0**2 / (lam0**2 * math.sqrt(m)) <= R * (1 + 1e-9)
    assert 64 * c * n * r0**2 / (lam0**2 * math.sqrt(m)) <= c * math.sqrt(m) * (1 + 1e-9)
    # and it is the smallest such m (the W condition is tight)
    m_lo = rows["width_L3.5_W_radius"] * 0.99
    assert 128 * c * n * r0**2 / (lam0**2 * math.sqrt(m_lo)) > math.sqrt(m_lo) * lam0 / (16 * c * nX**2)
    # A.8 at the width: radius conditions, and (41)-(43) with the step size
    m = rows["width_L3.6"] * (1 + 1e-12)
    assert 512 * c * n * r0**2 / (lam0**2 * math.sqrt(m)) <= math.sqrt(m) * lam0 / (16 * c * nX**2) * (1 + 1e-9)
    assert 256 * c * n * r0**2 / (lam0**2 * math.sqrt(m)) <= c * math.sqrt(m) * (1 + 1e-9)
    dZ = math.sqrt(n) * 512 * c * n * r0**2 / (lam0 * m)          # (39) per alpha beta^k
    dP = math.sqrt(n) * 128 * c * n * r0**2 / (lam0 * m)          # (40)
    ub, vb = 32 * c * math.sqrt(n) * r0 / lam0, 16 * c * math.sqrt(n) * r0 / lam0
    k42 = (dZ * ub + dP * vb) / r0
    k41 = 4 * c * math.sqrt(n) * 4 * c * math.sqrt(n) + 2 * c * math.sqrt(n) * 2 * c * math.sqrt(n) + k42
    alpha = rows["step_size_L3.6"]
    assert 2 * k42 + alpha * k41**2 <= lam0 / 2 * (1 + 1e-9)
    assert alpha * lam0 <= 1
    # L3.3: the union/Bernstein tail at the explicit width is <= delta
    m33 = rows["width_L3.3"]
    eps = lam0 / (4 * n)
    assert n * (n + 1) * math.exp(-m33 * eps**2 / (3 + 4 * eps)) <= delta * (1 + 1e-9)
    assert rows["width_T3.1"] >= max(rows["width_L3.3"], rows["width_L3.5"])


@given(n=st.integers(2, 200), lam0=st.floats(1e-3, 0.5), c=st.floats(1.0, 4.0), nX=st.floats(1.0, 14.0), r0=positive)
def test_repaired_gf_width_closes_the_honest_chain(n, lam0, c, nX, r0):
    nX = min(nX, math.sqrt(n))
    rows = {r["name"]: r["value"] for r in pc.explicit_constants(n, lam0, c, nX, r0)}
    m = rows["width_L3.5_repaired"] * (1 + 1e-9)
    q = math.sqrt(m)
    U = q + 8 * c * math.sqrt(n) * r0 / lam0
    V = q + 4 * c * math.sqrt(n) * r0 / lam0
    w_drift = (2 / lam0) * math.sqrt(n) * r0 * (2 * U + V) / q
    a_drift = (4 / lam0) * math.sqrt(n) * r0 * U / q
    assert w_drift <= q * lam0 / (12 * c * math.sqrt(n) * nX) * (1 + 1e-7)
    assert a_drift <= c * q * (1 + 1e-7)
    # the W condition's positive root is at least b/a, i.e. m >= 5184 c^2 n^2 ||X||^2 r0^2/lambda0^4, which exceeds
    # the printed chain's 2048 c^2 n ||X||^2 r0^2/lambda0^3 by 2.53 n/lambda0 >= 5
    lead = 5184 * c**2 * n**2 * nX**2 * r0**2 / lam0**4
    assert rows["width_L3.5_repaired"] >= lead * (1 - 1e-9)
    assert rows["width_L3.5_repaired"] > 5 * rows["width_L3.5_W_radius"]


def test_explicit_constants_validates_input():
    with pytest.raises(ValueError):
        pc.explicit_constants(10, -0.1, 2.0, 2.0, 1.0)
    with pytest.raises(ValueError):
        pc.explicit_constants(10, 0.1, 2.0, 2.0, 1.0, delta=1.5)
    rows = pc.explicit_constants(10, 0.1, 2.0, 2.0, 1.0, delta=0.1, m=10**6)
    json.dumps(rows)
    names = {r["name"] for r in rows}
    assert {"width_L3.5", "width_L3.6", "step_size_L3.6", "width_L3.3", "step_size_L3.6_at_m"} <= names
    for r in rows:
        assert set(r) >= {"name", "value", "formula", "source", "statement"}


@pytest.mark.slow
def test_full_audit_with_a_caller_setting():
    res = pc.run_audit({"n": 50, "lambda0": 0.02, "c": 2.1, "norm_X": 5.0, "r0_norm": 7.0, "m": 1000, "delta": 0.01})
    assert len(res) == len(pc.AUDIT_MODULES)
