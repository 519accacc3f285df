"""Sweep specs: the grid they describe, and every way a spec is refused (one line, exit 2, before any cell)."""
import json
import socket

import pytest
from click.testing import CliRunner

from verifier.cli import main
from verifier.data import DataError
from verifier.sweep.cells import cell_memory_bytes, expand
from verifier.sweep.presets import PRESETS, preset_spec, preset_text
from verifier.sweep.spec import SpecError, load_spec, parse_spec

SPEC = """
data = "synthetic:n=30,d=5"
n = [10, 20]
width = [8, 16, 32]
seed = {range = [0, 3]}
steps = 5
hidden = {C_width_L3_3 = 2.0}

[sweep]
confidence = 0.9
"""


def _write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_grid_is_the_product(tmp_path):
    spec = load_spec(_write(tmp_path, SPEC))
    assert spec.cell_count() == 2 * 3 * 3
    cells, datas = expand(spec, tmp_path / "data")
    assert len(cells) == 18 and len(datas) == 2 and len({c.key for c in cells}) == 18
    assert {c.setting["hidden"]["C_width_L3_3"] for c in cells} == {2.0}
    assert all(c.setting["audit"] is False and c.setting["certify"] is False for c in cells)
    # the key is a hash of the setting: the same spec elsewhere gives the same keys; another seed another key
    again, _ = expand(spec, tmp_path / "data2")
    assert sorted(c.key for c in again) == sorted(c.key for c in cells)
    json_spec = load_spec(_write(tmp_path, json.dumps({"data": "synthetic:n=30,d=5", "n": [10, 20], "width": [8, 16, 32],
                                                        "seed": [0, 1, 2], "steps": 5,
                                                        "hidden": {"C_width_L3_3": 2.0},
                                                        "sweep": {"confidence": 0.9}}), "s.json"))
    assert json_spec.fingerprint() == spec.fingerprint()


def test_grids_union_and_init_cells_ignore_training_keys(tmp_path):
    spec = parse_spec({"data": "synthetic:n=12,d=4", "seed": [0, 1],
                       "grid": [{"mode": "train", "width": [4, 8], "steps": [3, 5]},
                                {"mode": "init", "width": [8, 64], "steps": [3, 5]}]})
    cells, _ = expand(spec, tmp_path / "d")
    assert sum(c.mode == "train" for c in cells) == 8
    assert sum(c.mode == "init" for c in cells) == 4          # steps do not change an initialization


@pytest.mark.parametrize("raw,msg", [
    ({"widht": [8]}, "unknown key 'widht' (did you mean 'width'?)"),
    ({"width": []}, "'width' is an empty list"),
    ({"seed": {"range": [3, 3]}}, "range [3, 3] is empty"),
    ({"seed": {"rnage": [0, 3]}}, "did you mean 'range'?"),
    ({"n": [1]}, "'n' must be integers >= 2"),
    ({"mode": "trian"}, "did you mean 'train'?"),
    ({"width": [8, 8]}, "lists a value twice"),
    ({"sweep": {"confidance": 0.9}}, "unknown [sweep] option 'confidance' (did you mean 'confidence'?)"),
    ({"sweep": {"target_fraction": 2}}, "target_fraction must lie in (0, 1)"),
    ({"data": "mnist"}, "--data-dir"),
    ({"grid": []}, "'grid' is an empty list"),
])
def test_bad_specs(raw, msg):
    with pytest.raises(SpecError) as e:
        parse_spec(raw, "spec")
    assert msg in str(e.value)
    assert "\n" not in str(e.value)


def test_bad_cells_refused_before_running(tmp_path):
    with pytest.raises(SpecError, match=r"cell \(gamma=1.5\).*gamma"):
        expand(parse_spec({"data": "synthetic:n=12,d=4", "gamma": [0.1, 1.5], "width": 4}), tmp_path)
    with pytest.raises(DataError, match="unknown dataset 'mnsit'"):
        expand(parse_spec({"data": "mnsit"}), tmp_path)
    with pytest.raises(SpecError, match="n = 500 exceeds the 360 samples"):
        expand(parse_spec({"data": "digits", "n": 500}), tmp_path)


def test_memory_estimate_grows_like_m_squared():
    a, b = cell_memory_bytes(100, 10, 1000), cell_memory_bytes(100, 10, 2000)
    assert b - a == pytest.approx(8 * 8 * (2000**2 - 1000**2) + 8 * (16 * 100 + 6 * 10) * 1000, rel=1e-12)
    assert cell_memory_bytes(100, 10, 4000, "init") < cell_memory_bytes(100, 10, 4000, "train")


def _cli(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def _one_error_line(res):
    lines = [ln for ln in res.output.strip().splitlines() if ln.strip()]
    assert res.exit_code == 2, res.output
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in res.output, res.output
    return lines[0]


def test_cli_refuses_with_one_line(tmp_path):
    out = tmp_path / "out"
    line = _one_error_line(_cli(["sweep", str(_write(tmp_path, 'widht = [8]\n')), "--out", str(out)]))
    assert "did you mean 'width'" in line
    line = _one_error_line(_cli(["sweep", str(_write(tmp_path, 'data = "synthetic:n=12,d=4"\nwidth = 400000\n')),
                                 "--out", str(out), "--workers", "2"]))
    assert "would not fit in a worker's memory" in line
    assert not (out / "cells").exists() or not any((out / "cells").iterdir())
    line = _one_error_line(_cli(["sweep", "--preset", "nope"]))
    assert "unknown preset 'nope'" in line
    line = _one_error_line(_cli(["sweep-report", str(tmp_path)]))
    assert "not a sweep directory" in line


def test_cli_unreachable_scheduler(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                                   # a port nobody listens on
    spec = _write(tmp_path, 'data = "synthetic:n=12,d=4"\nwidth = 4\nsteps = 1\n')
    line = _one_error_line(_cli(["sweep", str(spec), "--out", str(tmp_path / "o"), "--scheduler",
                                 f"tcp://127.0.0.1:{port}"]))
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in line
    assert not (tmp_path / "o" / "cells").exists()


def test_presets_parse_and_print():
    for name in PRESETS:
        assert preset_text(name).strip()
    assert preset_spec("fig1-digits").cell_count() == 4
    assert preset_spec("tightness").cell_count() == 980
    res = _cli(["sweep", "--preset", "tightness", "--print-spec"])
    assert res.exit_code == 0 and "[[grid]]" in res.output


def test_public_names_resolve():
    import verifier.sweep as sw

    for name in sw.__all__:
        assert getattr(sw, name) is not None, name
    with pytest.raises(AttributeError):
        sw.no_such_name  # noqa: B018


def test_hidden_constants_and_choices_as_grid_axes(tmp_path):
    spec = parse_spec({"data": "synthetic:n=12,d=4", "width": 8, "constants": ["default", "proof"],
                       "hidden": [{}, {"C_width_L3_3": 156.0}]})
    cells, _ = expand(spec, tmp_path)
    assert len(cells) == 4 and len({c.key for c in cells}) == 4
    assert sorted(json.dumps(c.setting["hidden"]) for c in cells) == ['{"C_width_L3_3": 156.0}'] * 2 + ["{}"] * 2


def test_labels_mapped_once_when_the_subsample_is_written(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    np.savez(tmp_path / "d.npz", X=X, y=np.repeat([0.0, 1.0, 2.0], 10))
    cells, datas = expand(parse_spec({"data": str(tmp_path / "d.npz"), "n": 12, "width": 8,
                                      "labels": "0,1,2->-1,+1,+1"}), tmp_path / "out")
    (ref,) = datas.values()
    with np.load(ref.path) as f:
        assert sorted(f["y"]) == [-1.0] * 6 + [1.0] * 6          # equal allocation over the mapped labels
    assert cells[0].setting["labels"] is None                     # the cell reads the mapped file as it is
    np.savez(tmp_path / "r.npz", X=X, y=rng.standard_normal(30))
    cells, _ = expand(parse_spec({"data": str(tmp_path / "r.npz"), "n": 12, "width": 8, "labels": "as-is"}),
                      tmp_path / "out2")
    assert cells[0].setting["labels"] == "as-is"
    with pytest.raises(DataError, match="labels must be -1/\\+1"):
        expand(parse_spec({"data": str(tmp_path / "r.npz"), "n": 12, "width": 8}), tmp_path / "out3")
