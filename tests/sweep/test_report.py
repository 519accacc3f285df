"""The sweep report on a crafted results table whose truth is known: P(success at m) = 1 - exp(-(m/m0(n))^3)
with m0 = 3 n^1.5 (G0_close) and m0 = 2 n (linear convergence)."""
import json
import math

import numpy as np
import pytest

from verifier.sweep.aggregate import width_statements
from verifier.sweep.report import write_sweep_report
from verifier.sweep.results import write_table

NS = (8, 16, 32, 64)
WIDTHS = [int(w) for w in np.geomspace(4, 8192, 23)]
LAM0 = {n: 0.5 / n for n in NS}


def _rows(seeds=40):
    rng = np.random.default_rng(0)
    rows = []
    for n in NS:
        for w in WIDTHS:
            for s in range(seeds):
                g0 = rng.random() < 1 - math.exp(-(w / (3 * n ** 1.5)) ** 3)
                lin = rng.random() < 1 - math.exp(-(w / (2 * n)) ** 3)
                rows.append({"cell": f"{n}-{w}-{s}", "mode": "train", "status": "finished", "dataset": "crafted",
                             "n": n, "d": 10, "data_seed": 0, "width": w, "seed": s, "gamma": 0.1,
                             "step_size_spec": "auto", "steps": 100, "method": "gd", "solver": "picard",
                             "backend": "numpy", "dtype": "float64", "delta": 0.05, "tol": 1e-13,
                             "constants": "default", "hidden": "{}", "on_parallel": "perturb", "lambda0": LAM0[n],
                             "c": 2.0, "norm_X": math.sqrt(n), "r0_norm": math.sqrt(n), "G0_close": g0,
                             "linear_convergence": lin, "wall_seconds": 1.0, "dir": f"cells/{n}-{w}-{s}"})
    return rows


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("crafted")
    write_table(_rows(), d / "results.parquet")
    (d / "spec.json").write_text(json.dumps({"source": "crafted", "spec": {"options": {"bootstrap": 100}}}))
    return d, write_sweep_report(d)


def test_exponents_recovered_with_intervals(report):
    _, doc = report
    fits = {(f["statement"], f["event"]): f for f in doc["exponent_fits"]}
    g0 = fits[("L3.3", "G0_close")]["n"]["empirical"]
    lin = fits[("T3.2 (linear convergence)", "linear_convergence")]["n"]["empirical"]
    assert g0["slope"] == pytest.approx(1.5, abs=0.15) and g0["ci"][0] - 0.05 <= 1.5 <= g0["ci"][1] + 0.05
    assert lin["slope"] == pytest.approx(1.0, abs=0.15) and lin["ci"][0] - 0.05 <= 1.0 <= lin["ci"][1] + 0.05
    # lambda0 = 0.5/n here, so the fit against 1/lambda0 has the same slope
    assert fits[("L3.3", "G0_close")]["inv_lambda0"]["empirical"]["slope"] == pytest.approx(g0["slope"], rel=1e-9)
    th = fits[("L3.3", "G0_close")]["theory"]
    assert (th["n"], th["inv_lambda0"]) == (2.0, 2.0)
    # on this data (lambda0 ~ 1/n) the printed L3.3 width n^2/lambda0^2 log(n/delta) grows like n^4 x log
    assert 4.0 < fits[("L3.3", "G0_close")]["n"]["theory_on_this_data"] < 4.4


def test_empirical_constant_is_mstar_over_the_printed_width(report):
    _, doc = report
    c = next(c for c in doc["empirical_constants"] if c["statement"] == "L3.3")
    crit = {p["n"]: p for p in doc["critical_widths"] if p["event"] == "G0_close"}
    i = next(i for i, w in enumerate(width_statements()) if w["id"] == "L3.3")
    assert i >= 0
    for p in c["points"]:
        shape = p["n"] ** 2 / LAM0[p["n"]] ** 2 * math.log(p["n"] / 0.05)      # L3.3 at C = 1, by hand
        assert p["width_at_C1"] == pytest.approx(shape, rel=1e-12)
        assert p["C_emp"] == pytest.approx(crit[p["n"]]["m_star_interpolated"] / shape, rel=1e-12)
        assert p["C_low"] == pytest.approx(crit[p["n"]]["m_fail"] / shape, rel=1e-12)
    assert c["smallest_consistent_C"] == max(p["C_low"] for p in c["points"])
    assert c["proof_derived"] == 156.0


def test_report_files(report):
    d, doc = report
    assert set(doc["figures"]) >= {"phase_linear-convergence", "phase_G0-close", "mstar_vs_n"}
    for name in doc["figures"]:
        assert (d / "figures" / f"{name}.png").stat().st_size > 1000
    md = (d / "report.md").read_text()
    assert "## Scaling exponents" in md and "![" in md
    html = (d / "report.html").read_text()
    assert html.count("data:image/png;base64") == len(doc["figures"])
    assert json.loads((d / "sweep_report.json").read_text())["schema"] == "verifier.sweep.report/1"


def test_statistical_counterexample_to_a_probabilistic_statement(tmp_path):
    """L3.3 holds with probability >= 1 - delta: 12 of 20 successes with every hypothesis met refutes it (at the
    cells' hidden constants) with 95% confidence, since the Clopper-Pearson upper bound is 0.81 < 0.95; 19 of 20
    does not (upper bound 0.9987)."""
    rows = []
    for w, k in ((64, 12), (128, 19)):
        for s in range(20):
            rows.append({"cell": f"{w}-{s}", "mode": "init", "status": "finished", "dataset": "crafted", "n": 4,
                         "data_seed": 0, "width": w, "seed": s, "delta": 0.05, "lambda0": 0.1,
                         "hypotheses:L3.3": True, "holds:L3.3": s < k, "verdict:L3.3": "confirmed" if s < k
                         else "failed_in_this_draw", "G0_close": s < k, "dir": "cells/x"})
    write_table(rows, tmp_path / "results.parquet")
    doc = write_sweep_report(tmp_path)
    assert [(r["statement"], r["width"], r["k"]) for r in doc["refutations"]] == [("L3.3", 64, 12)]
    assert doc["refutations"][0]["ci_high"] == pytest.approx(0.8088, abs=1e-3)
    assert doc["headline"][0].startswith("COUNTEREXAMPLE (statistical) to L3.3")
    assert 'class="headline bad"' in (tmp_path / "report.html").read_text()
