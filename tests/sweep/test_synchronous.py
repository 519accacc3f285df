"""Dask's synchronous scheduler (cells one after another in this process): the same rows, no cluster."""
import json

from verifier.sweep import parse_spec, read_table, run_sweep


def test_synchronous_sweep(tmp_path):
    spec = parse_spec({"data": "synthetic:n=10,d=3", "seed": [0, 1], "steps": 2, "ntk_every": 0,
                       "sweep": {"bootstrap": 0},
                       "mode": "init", "width": [16, 32]})
    out = tmp_path / "out"
    res = run_sweep(spec, out, scheduler="synchronous", progress=False, report=False)
    assert (res.total, res.finished, res.failed, res.scheduler) == (4, 4, 0, "synchronous")
    rows = read_table(out / "results.parquet")
    assert [r["mode"] for r in rows] == ["init"] * 4
    for r in rows:
        assert (out / r["dir"] / "summary.json").is_file() and (out / r["dir"] / "row.json").is_file()
        assert json.loads((out / r["dir"] / "row.json").read_text())["cell"] == r["cell"]
    assert not any((out / "cells" / ".attempts").iterdir())
    assert [r["lambda0"] for r in rows if r["mode"] == "init"] == [rows[0]["lambda0"]] * 4   # one dataset
