"""L3.4 (A.6): the searched counterexample, its rigorous verification, export, and the two repaired radii."""
import json
import math

import numpy as np
import pytest

from proofs_checks.l3_4_search import (
    SMALL,
    audit_findings,
    check_repairs,
    export_instance,
    frobenius_repair_proof,
    load_instance,
    operator_repair_proof,
    orthonormal_data,
    rayleigh_gradient,
    relu_lipschitz_check,
    search_counterexample,
    verify_instance,
)

pytest.importorskip("flint")

# lambda_min(G_inf) for orthonormal data: G_inf = (1/2 - 1/(2 pi)) I + (1/(2 pi)) 1 1^T (eq. 17 at theta = pi/2)
LAM0_ORTHONORMAL = 0.5 - 1.0 / (2.0 * math.pi)
STATUSES = {"holds", "fails", "not checkable"}


def gram_by_loop(X, W):
    """G = (1/m) sum_r sigma(X w_r) sigma(X w_r)^T, summed row by row (independent of gram_finite)."""
    n, m = X.shape[0], W.shape[0]
    G = np.zeros((n, n))
    for r in range(m):
        f = np.maximum(X @ W[r], 0.0)
        G += np.outer(f, f)
    return G / m


@pytest.fixture(scope="module")
def small():
    return search_counterexample(SMALL["n"], SMALL["m"], SMALL["seed"])


@pytest.fixture(scope="module")
def small_verified(small):
    return verify_instance(small)


def test_search_finds_a_violation_meeting_every_hypothesis(small):
    X, W0, W, m, n = small.X, small.W0, small.W, small.m, small.n
    assert np.allclose(X @ X.T, np.eye(n), atol=1e-13)           # A2: unit, pairwise orthogonal rows
    c_min = np.linalg.norm(W0, 2) / math.sqrt(m)
    assert c_min <= small.c <= c_min * (1 + 1e-8)                 # the smallest admissible c (R decreases in c)
    R = math.sqrt(m) * LAM0_ORTHONORMAL / (16 * small.c * np.linalg.norm(X, 2) ** 2)   # L3.4 as printed
    G0, G = gram_by_loop(X, W0), gram_by_loop(X, W)
    assert np.linalg.eigvalsh(G0)[0] >= 0.75 * LAM0_ORTHONORMAL
    assert np.linalg.norm(W - W0, 2) <= R
    assert np.linalg.norm(W, 2) <= 2 * small.c * math.sqrt(m)
    lam_min = np.linalg.eigvalsh(G)[0]
    assert lam_min < LAM0_ORTHONORMAL / 2
    # the instance's own numbers agree with these independent ones
    assert small.lambda_min_G == pytest.approx(lam_min, abs=1e-10)
    assert small.lambda0 == pytest.approx(LAM0_ORTHONORMAL, abs=1e-12)
    assert small.R == pytest.approx(R, rel=1e-12)
    assert small.violates and small.hypotheses_hold


def test_search_is_reproducible_and_uses_the_documented_data(small):
    X, rng = orthonormal_data(SMALL["n"], SMALL["seed"])
    assert np.array_equal(X, small.X)
    assert np.array_equal(rng.standard_normal((SMALL["m"], SMALL["n"])), small.W0)


def test_rayleigh_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    X, _ = orthonormal_data(5, 3)
    W = rng.standard_normal((40, 5))
    q = rng.standard_normal(5)
    f, g = rayleigh_gradient(X, W, q)
    Phi = np.maximum(X @ W.T, 0.0) / math.sqrt(40)
    assert f == pytest.approx(q @ (Phi @ Phi.T) @ q, rel=1e-12)
    h = 1e-6
    for _ in range(6):
        r, j = int(rng.integers(40)), int(rng.integers(5))
        E = np.zeros_like(W)
        E[r, j] = h
        fd = (rayleigh_gradient(X, W + E, q)[0] - rayleigh_gradient(X, W - E, q)[0]) / (2 * h)
        assert g[r, j] == pytest.approx(fd, rel=1e-5, abs=1e-9)


def test_verify_instance_confirms_every_hypothesis_and_the_violation(small, small_verified):
    v = small_verified
    json.dumps(v)
    assert v["all_hypotheses_hold"] and v["conclusion_violated"] and v["margins_exceed_radii"] and v["counterexample"]
    assert len(v["hypotheses"]) == 5 and all(h["holds"] for h in v["hypotheses"])
    concl = {h["name"]: h for h in v["conclusions"]}
    assert concl["lambda_min(G) >= lambda0/2"]["refuted"]
    assert concl["||G - G(0)||_2 <= (4c/sqrt m) ||X||^2 ||W - W(0)||_2"]["refuted"]
    # every enclosure contains the float64 value computed here, independently
    X, W0, W = small.X, small.W0, small.W
    assert v["lambda_min_G"][0] - 1e-9 <= np.linalg.eigvalsh(gram_by_loop(X, W))[0] <= v["lambda_min_G"][1] + 1e-9
    assert v["lambda_min_G0"][0] - 1e-9 <= np.linalg.eigvalsh(gram_by_loop(X, W0))[0] <= v["lambda_min_G0"][1] + 1e-9
    dW = np.linalg.norm(W - W0, 2)
    assert v["norm_W_minus_W0"][0] * (1 - 1e-12) <= dW <= v["norm_W_minus_W0"][1] * (1 + 1e-12)
    assert v["frobenius_W_minus_W0"] == pytest.approx(np.linalg.norm(W - W0), rel=1e-12)
    # lambda0: both enclosures (certified, and Weyl around the orthonormal value) contain 1/2 - 1/(2 pi)
    # up to the data's rounding (rows orthonormal to ~1e-16)
    for enc in (v["lambda0"], v["lambda0"]["independent"]):
        assert enc["lower"] - 1e-12 <= LAM0_ORTHONORMAL <= enc["upper"] + 1e-12
    assert v["lambda0"]["agree"]


def _tiny_unperturbed():
    """A small orthonormal instance with W = W(0) (n = 12, m = 1200: lambda_min(G(0)) >= 3 lambda0/4)."""
    X, rng = orthonormal_data(12, 5)
    return search_counterexample(X=X, W0=rng.standard_normal((1200, 12)), iters=0)


def test_verify_instance_is_not_fooled():
    """W = W(0): hypotheses hold, no violation. W outside the radius: that hypothesis is refuted."""
    from dataclasses import replace

    base = _tiny_unperturbed()
    assert np.array_equal(base.W, base.W0)
    v = verify_instance(base)
    assert v["all_hypotheses_hold"] and not v["conclusion_violated"] and not v["counterexample"]
    u = np.zeros(base.m)
    u[0] = 1.0
    e = np.zeros(base.n)
    e[0] = 1.0
    far = replace(base, W=base.W0 + 2 * base.R * np.outer(u, e))    # ||W - W(0)||_2 = 2R exactly
    v2 = verify_instance(far)
    rad = next(h for h in v2["hypotheses"] if h["name"].startswith("||W - W(0)||_2 <= R"))
    assert rad["refuted"] and not v2["all_hypotheses_hold"] and not v2["counterexample"]


def test_export_load_round_trip(small, tmp_path):
    p = tmp_path / "l34.npz"
    export_instance(small, p)
    back = load_instance(p)
    for k in ("X", "W0", "W"):
        assert np.array_equal(getattr(back, k), getattr(small, k))
    assert back.numbers() == small.numbers()
    with np.load(p) as z:
        assert math.isnan(float(z["gamma"]))          # L3.4 involves no gamma
        assert float(z["c"]) == small.c and int(z["m"]) == small.m


@pytest.mark.parametrize("ball", ["frobenius", "operator"])
def test_repaired_balls_hold_no_counterexample(small, ball):
    X, W0, c, m, n = small.X, small.W0, small.c, small.m, small.n
    nX = np.linalg.norm(X, 2)
    radius = (math.sqrt(m) * LAM0_ORTHONORMAL / (12 * c * math.sqrt(n) * nX) if ball == "frobenius"
              else math.sqrt(m) * LAM0_ORTHONORMAL / (12 * c * n))
    found = search_counterexample(X=X, W0=W0, c=c, ball=ball, radius=radius, iters=10)
    D = found.W - W0
    assert (np.linalg.norm(D) if ball == "frobenius" else np.linalg.norm(D, 2)) <= radius
    G0, G = gram_by_loop(X, W0), gram_by_loop(X, found.W)
    assert np.linalg.eigvalsh(G)[0] >= LAM0_ORTHONORMAL / 2
    assert np.linalg.norm(G - G0, 2) <= LAM0_ORTHONORMAL / 4
    # the search did move W (the check is not vacuous) and the counterexample lies outside this ball
    assert found.lambda_min_G < small.lambda_min_G0
    D_ce = small.W - W0
    assert (np.linalg.norm(D_ce) if ball == "frobenius" else np.linalg.norm(D_ce, 2)) > radius


def test_check_repairs_on_the_instance(small):
    rep = check_repairs(small, samples=2, search_iters=4)
    assert rep["outside_R_F"] and rep["outside_R_op"] and rep["all_trials_ok"] and all(rep["facts"].values())


@pytest.mark.parametrize("proof", [frobenius_repair_proof, operator_repair_proof])
def test_repair_proofs_hold(proof):
    steps = proof()
    assert all(set(s) >= {"description", "kind", "status", "detail"} for s in steps)
    assert all(s["status"] == "holds" for s in steps), [s for s in steps if s["status"] != "holds"]


@pytest.mark.parametrize("proof", [frobenius_repair_proof, operator_repair_proof])
@pytest.mark.parametrize("broken", [{"coefficient": 2}, {"radius_denominator": 8}])
def test_a_wrong_constant_makes_a_step_fail(proof, broken):
    statuses = [s["status"] for s in proof(**broken)]
    assert "fails" in statuses


def test_relu_lipschitz_check_depends_on_the_activation():
    import sympy as sp

    assert relu_lipschitz_check()[0] == "holds"
    assert relu_lipschitz_check(lambda t: 2 * sp.Max(t, 0))[0] == "fails"
    assert relu_lipschitz_check(lambda t: sp.Abs(t))[0] == "holds"     # |.| is 1-Lipschitz too


def test_audit_findings(small, small_verified):
    steps, findings = audit_findings(instance=small, verification=small_verified)
    json.dumps([steps, findings])
    assert all(s["status"] in STATUSES for s in steps)
    summaries = [f["summary"] for f in findings]
    assert sum("false as stated" in s for s in summaries) == 2
    assert "lambda_min(G) >= lambda0/2" in summaries[0]
    ev = findings[0]["evidence"]
    # the quoted instance is the SMALL one and its numbers match an independent recomputation
    assert ev["instance"]["n"] == SMALL["n"] and ev["instance"]["m"] == SMALL["m"]
    assert ev["instance"]["lambda_min_G"] == pytest.approx(np.linalg.eigvalsh(gram_by_loop(small.X, small.W))[0],
                                                           abs=1e-10)
    assert ev["verification"]["counterexample"]
    failing = [s["description"] for s in steps if s["status"] == "fails"]
    assert any("lambda_min(G) >= lambda0/2" in d for d in failing)
    assert any("A.6" in d for d in failing)
    assert not any(d.startswith("repair") for d in failing)


def test_audit_findings_default_float64_is_the_small_instance():
    steps, findings = audit_findings(rigorous=False)
    ev = findings[0]["evidence"]
    assert ev["verification"] is None and ev["instance"]["n"] == SMALL["n"]
    assert "false as stated" in findings[0]["summary"] and "float64" in findings[0]["summary"]


@pytest.mark.slow
def test_large_instance_n200_m12000():
    inst = search_counterexample(200, 12000, 0)
    assert inst.violates and inst.seconds < 120
    v = verify_instance(inst)
    assert v["counterexample"] and v["margins_exceed_radii"]
    assert v["lambda_min_G"][1] < v["lambda0"]["lower"] / 2
