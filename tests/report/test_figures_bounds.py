"""Every bound a figure draws or quotes is the number its verdict compares with (GD and gradient flow).

The verdicts (`proofs_checks` statement modules, through `tests.helpers.judged`) and the figures
(`verifier.report.figures.make_figures`, given `envelopes`) are computed separately; here the drawn lines, the
reference line lambda0/2 of the NTK figure and the numbers quoted in the captions are compared with the
`bound_at_worst` of the claims' conclusion parts. A figure that computed its own, different bound fails.
"""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from proofs_checks.theory_numbers import envelopes
from tests.helpers import crafted_run, judged
from verifier.report import figures as figures_module
from verifier.report.figures import make_figures

K = 5


def _run(method: str):
    ntk_step = np.array([0, 2, 5])
    th, traj = crafted_run(
        K=K, method=method,
        # distinct u/v bounds for GD (L3.6) and GF (L3.5), so drawing the other statement's bound shows
        theory={"u_bound_L3_5": 700.0, "v_bound_L3_5": 350.0, "u_bound_L3_6": 900.0, "v_bound_L3_6": 450.0},
        lambda_min_G=np.array([1.0, 0.9, 0.3, 0.8, 0.7, 0.6]), A_norm_scaled=np.array([2.0, 2.1, 2.4, 2.2, 2.0, 1.9]),
        W_norm_scaled=np.array([1.5, 1.6, 1.7, 2.6, 1.8, 1.7]), u_norm=np.array([10.0, 10.5, 11.0, 12.0, 11.5, 11.0]),
        v_norm=np.array([10.0, 10.2, 10.4, 10.6, 10.8, 11.5]), contraction=np.array([0.2, 0.22, 0.25, 0.21, 0.2, 0.2]),
        ntk_step=ntk_step, ntk_lambda_min_H=np.array([1.4, 0.6, 0.9]), ntk_lambda_min_uv_term=np.array([0.2, 0.1, 0.1]),
        ntk_lambda_min_W_term=np.array([0.1, 0.1, 0.1]), ntk_lambda_min_A_term=np.array([0.05, 0.05, 0.05]))
    claims = judged(th, traj)
    with pytest.MonkeyPatch.context() as mp:   # the drawn arrays and captions are checked, not the pixels: no PNG
        mp.setattr(figures_module, "_png", lambda fig: (plt.close(fig), b"")[1])
        figs = make_figures(traj, th, envelopes(th, traj["step"], traj["time"]))
    return th, traj, claims, figs


@pytest.fixture(scope="module", params=["gd", "gf"])
def run(request):
    return request.param, *_run(request.param)


def _part(claims, cid, startswith=""):
    parts = [p for p in claims[cid]["conclusion"]["parts"] if p["description"].startswith(startswith)]
    assert len(parts) == 1, (cid, startswith)
    return parts[0]


def test_drawn_bound_lines_are_the_verdicts_bounds(run):
    method, th, traj, claims, figs = run
    lem, thm = ("L3.5", "T3.1") if method == "gf" else ("L3.6", "T3.2")
    steps = list(traj["step"])
    drawn = {f"{lem}(i)": ("lambda_min", "lambda_min_G"), f"{lem}(ii)": ("uv", "u_norm"),
             f"{lem}(iii)": ("uv", "v_norm"), f"{lem}(iv)": ("norms", "A_norm_scaled"),
             f"{lem}(v)": ("norms", "A_norm_scaled"), f"{lem}(vi)": ("loss", "residual_sq"),
             thm: ("loss", "residual_sq")}
    for cid, (name, key) in drawn.items():
        part = _part(claims, cid)
        y = figs[name].curve("bound", key).y
        assert y[steps.index(part["worst_step"])] == part["bound_at_worst"], cid
        if name != "loss":   # a constant bound: the whole dashed line is the verdict's number
            assert np.all(y == part["bound_at_worst"]), cid
    # the contraction limit of L2.2's verdict
    part = _part(claims, "L2.2", "(gamma/sqrt(m))||A(k)|| <= gamma0")
    assert np.all(figs["contraction"].curve("bound", "contraction").y == part["bound_at_worst"])
    # the right statement's u, v bounds were drawn (L3.5 for GF, L3.6 for GD): checked above through the verdict,
    # and the two differ here, so a swapped choice could not pass
    assert _part(claims, f"{lem}(ii)")["bound_at_worst"] == (700.0 if method == "gf" else 900.0)


def test_the_ntk_figures_lambda0_half_is_the_lambda_min_verdicts_bound(run):
    method, th, traj, claims, figs = run
    lem = "L3.5" if method == "gf" else "L3.6"
    bound = _part(claims, f"{lem}(i)")["bound_at_worst"]        # lambda0/2 as the verdict compares it
    line = figs["ntk"].curve("reference", "lambda0_half")
    assert len(line.y) == 3 and np.all(line.y == bound)
    # the L3.4 verdict states the same lambda0/2
    assert _part(claims, "L3.4")["bound_at_worst"] == bound


def test_caption_numbers_are_relative_to_the_verdicts_bounds(run):
    method, th, traj, claims, figs = run
    lem = "L3.5" if method == "gf" else "L3.6"
    p_i = _part(claims, f"{lem}(i)")
    # lambda_min(G) >= lambda0/2: the worst record of the verdict is the smallest eigenvalue
    lo = p_i["observed_at_worst"]
    assert lo == traj["lambda_min_G"].min()
    assert f"Its smallest value, {lo:.3g}, is {lo / p_i['bound_at_worst']:.3g} times lambda0/2" \
        in figs["lambda_min"].caption
    # ||A||, ||W|| <= 2c: the larger of the two worst records, over the verdicts' 2c
    p_iv, p_v = _part(claims, f"{lem}(iv)"), _part(claims, f"{lem}(v)")
    hi = max(p_iv["observed_at_worst"], p_v["observed_at_worst"])
    assert p_iv["bound_at_worst"] == p_v["bound_at_worst"]
    assert f"is {hi:.3g}, {hi / p_iv['bound_at_worst']:.3g} of 2c" in figs["norms"].caption
    # ||u||, ||v||: the smaller margin of the two verdicts
    p_ii, p_iii = _part(claims, f"{lem}(ii)"), _part(claims, f"{lem}(iii)")
    margin = min(p_ii["bound_at_worst"] / p_ii["observed_at_worst"], p_iii["bound_at_worst"] / p_iii["observed_at_worst"])
    assert f"The bounds are at least {margin:.3g} times the norms." in figs["uv"].caption
    # NTK: smallest lambda_min(H) over the lambda_min verdict's lambda0/2
    hmin = traj["ntk_lambda_min_H"].min()
    assert f"is {hmin:.3g}, {hmin / p_i['bound_at_worst']:.3g} times lambda0/2" in figs["ntk"].caption
