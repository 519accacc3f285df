"""Figures: the bounds drawn are the verdicts' numbers; labelled axes; distinguishable curves; no empty plots."""
import numpy as np
import pytest

from proofs_checks.theory_numbers import TheoryNumbers, envelopes
from tests.helpers import crafted_run
from verifier.report import write_report
from verifier.report.figures import make_figures

#: claim -> (figure, key of the curve drawn from the trajectory, key of the bound curve)
DRAWN = {
    "L3.6(i)": ("lambda_min", "lambda_min_G", "lambda_min_G"),
    "L3.6(ii)": ("uv", "u_norm", "u_norm"),
    "L3.6(iii)": ("uv", "v_norm", "v_norm"),
    "L3.6(iv)": ("norms", "W_norm_scaled", "A_norm_scaled"),   # one dashed line 2c serves (iv) and (v)
    "L3.6(v)": ("norms", "A_norm_scaled", "A_norm_scaled"),
    "L3.6(vi)": ("loss", "residual_sq", "residual_sq"),
    "T3.2": ("loss", "residual_sq", "residual_sq"),
}


@pytest.fixture(scope="module")
def figures(summary, trajectory):
    th = TheoryNumbers.from_dict(summary["theory"])
    env = envelopes(th, trajectory["step"], trajectory.get("time"))
    return make_figures(trajectory, th, env)


def test_drawn_bounds_are_the_numbers_the_verdicts_compare(summary, trajectory, figures):
    steps = list(np.asarray(trajectory["step"]))
    claims = {c["id"]: c for c in summary["claims"]}
    for cid, (name, obs_key, bound_key) in DRAWN.items():
        fig = figures[name]
        for part in claims[cid]["conclusion"]["parts"]:   # the very numbers of the verdict, at its worst step
            i = steps.index(part["worst_step"])
            assert fig.curve("bound", bound_key).y[i] == part["bound_at_worst"], cid
            assert fig.curve("observed", obs_key).y[i] == part["observed_at_worst"], cid
    # and along the whole run, the drawn bound is the envelope array itself
    th = TheoryNumbers.from_dict(summary["theory"])
    env = envelopes(th, trajectory["step"], trajectory.get("time"))
    for fig in figures.values():
        for c in fig.curves:
            if c.kind == "bound":
                np.testing.assert_array_equal(c.y, env[c.key])


def test_every_axis_labelled_and_captions_say_more_than_titles(figures):
    assert {"loss", "lambda_min", "norms", "uv", "contraction", "ntk"} <= set(figures)
    for f in figures.values():
        assert f.drawn and f.png.startswith(b"\x89PNG")
        assert f.xlabel.strip() and f.ylabel.strip(), f.name
        assert len(f.caption) > len(f.title) and f.title not in f.caption and f.caption[:20] != f.title[:20]


def test_overlapping_norms_are_drawn_distinguishably(figures):
    uv = figures["uv"]
    u, v = uv.curve("observed", "u_norm"), uv.curve("observed", "v_norm")
    np.testing.assert_allclose(u.y[0], v.y[0])          # both sqrt(m): the curves coincide at the start
    assert u.style["marker"] != v.style["marker"] and u.style["color"] != v.style["color"]
    assert u.style["linewidth"] > 2 * v.style["linewidth"]   # thin v drawn over thick u: both stay visible
    assert v.style["zorder"] > u.style["zorder"]
    norms = figures["norms"]
    a, c = norms.curve("observed", "A_norm_scaled"), norms.curve("reference", "c")
    assert a.style["zorder"] > c.style["zorder"] and a.style["marker"] not in ("None", "", None)


def test_a_single_record_gives_a_note_not_an_empty_plot(tmp_path):
    th, traj = crafted_run(K=0)
    env = envelopes(th, traj["step"], traj["time"])
    figs = make_figures(traj, th, env)
    assert not figs["loss"].drawn and "at least two" in figs["loss"].note
    for name in ("lambda_min", "norms", "uv", "contraction"):   # one point, drawn with a marker
        assert figs[name].drawn
        assert all(c.style["marker"] not in ("None", "", None) for c in figs[name].curves if c.kind == "observed")


def test_a_one_record_run_report_has_the_note_and_no_stale_loss_png(small_run, tmp_path):
    import json
    import shutil

    run = tmp_path / "one"
    shutil.copytree(small_run, run)
    assert (run / "figures" / "loss.png").exists()
    with np.load(run / "trajectory.npz") as f:
        arrays = {k: (f[k][:1] if f[k].ndim and len(f[k]) == len(f["step"]) else f[k]) for k in f.files}
    arrays["ntk_step"] = np.zeros(0, dtype=int)
    for k in [k for k in arrays if k.startswith("ntk_") and k != "ntk_step"]:
        arrays[k] = arrays[k][:0]
    np.savez(run / "trajectory.npz", **arrays)
    s = json.loads((run / "summary.json").read_text())
    write_report(run)
    assert not (run / "figures" / "loss.png").exists()
    md = (run / "report.md").read_text()
    assert "figures/loss.png" not in md and "at least two" in md
    assert s["setting"]["dataset"] in (run / "report.html").read_text()


def test_a_diverged_trajectory_gives_figures_without_warnings():
    import warnings

    K = 4
    nan = np.full(K + 1, np.nan)
    inf = np.array([1.0] + [np.inf] * K)
    th, traj = crafted_run(K=K, residual_sq=np.array([4.0] + [np.inf] * K), lambda_min_G=nan, contraction=inf,
                           A_norm_scaled=inf, W_norm_scaled=nan, u_norm=inf, v_norm=nan)
    env = envelopes(th, traj["step"], traj["time"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figs = make_figures(traj, th, env)
    assert not figs["loss"].drawn and "1 recorded point" in figs["loss"].note
    assert all(f.drawn for name, f in figs.items() if name != "loss")
