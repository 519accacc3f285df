"""Independent routes to the same numbers, built by different modules, must agree."""
import json

import numpy as np
from click.testing import CliRunner

from verifier.certify import certify_lambda0
from verifier.cli import main
from verifier.data import load_dataset
from verifier.theory.kernel import lambda0, lambda0_highprec


def test_certified_interval_contains_40_digit_lambda0_on_digits_subset():
    X = load_dataset("digits").X[::6]  # 60 real samples
    cert = certify_lambda0(X)
    hp = lambda0_highprec(X, dps=40)
    assert cert.status == "proven"
    assert cert.lower <= float(hp["value"]) <= cert.upper
    # float64 eigvalsh is within a few ulps of the truth, but it is not a proof
    assert abs(lambda0(X) - float(hp["value"])) <= 1e-12 * abs(float(hp["value"]))


def test_check_certify_reports_proven_interval():
    res = CliRunner().invoke(main, ["check", "--data", "synthetic:n=15,d=4", "--width", "40", "--certify", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    cert = out["lambda0"]["certified"]
    assert cert["status"] == "proven" and cert["lower"] <= cert["upper"]
    assert abs(cert["lower"] - out["lambda0"]["value"]) <= 1e-10 * out["lambda0"]["value"]
    ci = out["certificates"]["contraction_init"]
    X = load_dataset("synthetic:n=15,d=4").X
    from verifier.engine import init_params
    A = init_params(40, X.shape[1], 0).A
    q = 0.1 / np.sqrt(40) * np.linalg.svd(A, compute_uv=False)[0]
    assert ci["lower"] <= q <= ci["upper"] and ci["upper"] < 1
