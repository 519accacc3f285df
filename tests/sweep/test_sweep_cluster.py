"""A sweep on a Dask cluster reached by address (a LocalCluster of 2 worker processes stands in for one started
by hand), cross-checked cell by cell against independent computations: `verifier run` of the row's own
command, G(0) and G_inf recomputed from the seed, the test loss from the final parameters, and the report's
probabilities counted again from results.parquet."""
import json
import logging
import shlex

import numpy as np
import pytest
from click.testing import CliRunner

from verifier.cli import main
from verifier.engine import init_params
from verifier.engine.gradients import predict
from verifier.engine.model import Params
from verifier.sweep import load_spec, read_table, run_sweep
from verifier.theory.kernel import gram_finite, gram_inf

SPEC = """
data = "synthetic:n=24,d=6"
n = [8, 12]
steps = 6
ntk_every = 3
checkpoint_every = 3

[[grid]]
mode = "train"
width = [8, 16]
seed = [0, 1]

[[grid]]
mode = "init"
width = [16, 64]
seed = [0, 1, 2]

[[grid]]                     # (gamma/sqrt(m))||A(0)|| ~ 1.9 >= 1: the run refuses it, the sweep goes on
mode = "train"
n = 8
seed = 0
width = 8
gamma = 0.95

[sweep]
test_n = 6
test_every = 2
bootstrap = 20
"""


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                     silence_logs=logging.ERROR)
    yield c.scheduler_address
    c.close()


@pytest.fixture(scope="module")
def swept(cluster, tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    (d / "s.toml").write_text(SPEC)
    out = d / "out"
    outcome = run_sweep(load_spec(d / "s.toml"), out, scheduler=cluster, progress=False)
    return d, out, outcome


def test_every_cell_has_a_row(swept):
    d, out, outcome = swept
    rows = read_table(out / "results.parquet")
    cells = json.loads((out / "cells.json").read_text())
    assert len(rows) == len(cells) == outcome.total == 2 * 2 * 2 + 2 * 2 * 3 + 1
    assert {r["cell"] for r in rows} == {c["key"] for c in cells}
    bad = [r for r in rows if r["status"] not in ("finished", "stopped")]
    assert len(bad) == 1 and bad[0]["status"] == "refused" and bad[0]["gamma"] == 0.95
    assert "no contraction" in bad[0]["error"]
    assert outcome.failed == 1 and not outcome.interrupted
    assert all(r["lambda0_certified_lower"] <= r["lambda0"] * (1 + 1e-12) and
               r["lambda0"] <= r["lambda0_certified_upper"] * (1 + 1e-12) for r in rows if r["lambda0"] is not None)
    assert (out / "report.html").is_file() and (out / "sweep_report.json").is_file()


def test_row_matches_verifier_run_of_its_command(swept, tmp_path):
    """Replay one trained cell with the exact command its row records; everything must agree bit for bit."""
    _, out, _ = swept
    row = next(r for r in read_table(out / "results.parquet") if r["mode"] == "train" and r["status"] == "finished"
               and r["width"] == 16 and r["n"] == 12 and r["seed"] == 1)
    args = shlex.split(row["reproduce"])[1:] + ["--out", str(tmp_path / "replay"), "--quiet"]
    res = CliRunner().invoke(main, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    replay = json.loads((tmp_path / "replay" / "summary.json").read_text())
    cell = json.loads((out / row["dir"] / "summary.json").read_text())
    assert replay["run"]["final_loss"] == cell["run"]["final_loss"] == row["final_loss"]
    assert replay["lambda0"]["value"] == row["lambda0"]
    assert [(c["id"], c["verdict"]) for c in replay["claims"]] == [(c["id"], c["verdict"]) for c in cell["claims"]]
    assert {c["id"]: c["verdict"] for c in replay["claims"]} == {k[8:]: v for k, v in row.items()
                                                                  if k.startswith("verdict:") and v is not None}
    with np.load(tmp_path / "replay" / "trajectory.npz") as a, np.load(out / row["dir"] / "trajectory.npz") as b:
        assert np.array_equal(a["loss"], b["loss"]) and np.array_equal(a["lambda_min_G"], b["lambda_min_G"])
        assert row["min_lambda_G_ratio"] == float(np.min(a["lambda_min_G"]) / row["lambda0"])
        assert row["max_dist_W"] == float(np.max(a["dist_W"]))


def test_init_row_recomputed_from_the_seed(swept):
    """||G(0) - G_inf|| and lambda_min(G(0)) of an init cell, from W(0) of the A1 draw and the closed form."""
    _, out, _ = swept
    for row in (r for r in read_table(out / "results.parquet") if r["mode"] == "init"):
        with np.load(json.loads((out / row["dir"] / "summary.json").read_text())["setting"]["dataset"]) as f:
            X = f["X"] / np.linalg.norm(f["X"], axis=1)[:, None]
        W = init_params(row["width"], row["d"], row["seed"]).W
        G0, Ginf = gram_finite(X, W), gram_inf(X)
        assert row["G0_minus_Ginf_norm"] == pytest.approx(np.linalg.norm(G0 - Ginf, 2), rel=1e-10)
        assert row["lambda_min_G0"] == pytest.approx(np.linalg.eigvalsh(G0)[0], rel=1e-8, abs=1e-14)
        assert row["lambda0"] == pytest.approx(np.linalg.eigvalsh(Ginf)[0], rel=1e-10)
        assert row["G0_close"] == (row["G0_minus_Ginf_norm"] <= row["lambda0"] / 4)
        assert row["linear_convergence"] is None and row["steps"] == 0


def test_test_curve_from_the_final_parameters(swept):
    """The sweep replays theta(k) to evaluate the test set; its last point must equal a prediction with the
    final parameters the run itself saved (checkpoint.npz)."""
    _, out, _ = swept
    row = next(r for r in read_table(out / "results.parquet") if r["mode"] == "train" and r["status"] == "finished")
    cell_dir = out / row["dir"]
    setting = json.loads((cell_dir / "setting.json").read_text())
    test_path = setting["dataset"].replace(".npz", "-test.npz")
    with np.load(cell_dir / "checkpoint.npz") as c, np.load(test_path) as t, np.load(cell_dir / "test_curve.npz") as tc:
        assert int(c["k"]) == row["steps"] == int(tc["step"][-1])
        p = Params(c["A"], c["W"], c["u"], c["v"])
        yhat = predict(p, t["X"], row["gamma"], tol=1e-13)[0]
        assert tc["test_loss"][-1] == pytest.approx(0.5 * np.sum((yhat - t["y"]) ** 2), rel=1e-10)
        assert tc["test_accuracy"][-1] == np.mean(np.sign(yhat) == t["y"])
        assert list(tc["step"]) == [0, 2, 4, 6]


def test_report_counts_match_the_table(swept):
    _, out, _ = swept
    rows = read_table(out / "results.parquet")
    rep = json.loads((out / "sweep_report.json").read_text())
    for p in rep["probabilities"]:
        if p["event"] != "linear_convergence":
            continue
        group = [r for r in rows if r["mode"] == "train" and r["n"] == p["n"] and r["width"] == p["width"]
                 and r["gamma"] == p["gamma"] and r["status"] in ("finished", "stopped")]
        assert p["N"] == len(group) and p["k"] == sum(bool(r["linear_convergence"]) for r in group)
    assert any(c["event"] == "G0_close" for c in rep["critical_widths"])
    html = (out / "report.html").read_text()
    assert "Success probabilities" in html and "Clopper-Pearson" in html and "data:image/png;base64" in html
    res = CliRunner().invoke(main, ["sweep-report", str(out)], catch_exceptions=False)
    assert res.exit_code == 0 and "wrote" in res.output


def test_resume_of_a_finished_sweep_runs_nothing(swept, cluster):
    d, out, _ = swept
    before = {p: p.stat().st_mtime_ns for p in (out / "cells").glob("*/summary.json")}
    again = run_sweep(load_spec(d / "s.toml"), out, scheduler=cluster, resume=True, progress=False, report=False)
    assert again.finished_before == again.total - 1 and again.finished == 0 and again.failed == 1  # the refused one
    assert {p: p.stat().st_mtime_ns for p in (out / "cells").glob("*/summary.json")} == before
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    last = max(i for i, e in enumerate(events) if e["event"] == "start")
    assert [e["event"] for e in events[last + 1:]].count("submit") == 1
