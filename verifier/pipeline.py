"""One pass of `verifier run` / `verifier check`: data -> setting -> theory -> engine -> claims -> report."""
from __future__ import annotations

import json
import math
import platform
import shlex
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .data import Dataset, load_dataset
from .engine import TrainConfig, evaluate, init_params, train_gd
from .engine.ntk import ntk_terms
from .engine.probes import l22_probe
from .theory.kernel import gram_finite, gram_inf
from .theory.numbers import HIDDEN_DEFAULTS, run_theory_numbers
from .theory.randmat import c_empirical
from proofs_checks.claims import evaluate_claims

__all__ = ["Setting", "SettingError", "run", "check", "SCHEMA"]

SCHEMA = "verifier.summary/1"


class SettingError(ValueError):
    """An invalid option value; one-line message, exit code 2 at the CLI."""


@dataclass
class Setting:
    dataset: str = "digits"
    width: int = 512
    gamma: float = 0.1
    step_size: float | str = "auto"
    steps: int = 200
    seed: int = 0
    backend: str = "numpy"
    delta: float = 0.05
    tol: float = 1e-13
    on_parallel: str = "perturb"
    hidden: dict = field(default_factory=dict)

    def validate(self) -> None:
        if not isinstance(self.width, int) or self.width < 1:
            raise SettingError(f"--width must be an integer >= 1, got {self.width}")
        if not (isinstance(self.gamma, (int, float)) and 0.0 < self.gamma < 1.0):
            raise SettingError(f"--gamma must lie in the open interval (0, 1), got {self.gamma}")
        if self.step_size != "auto":
            if not isinstance(self.step_size, (int, float)) or not math.isfinite(self.step_size) or self.step_size <= 0:
                raise SettingError(f"--step-size must be a positive number or 'auto', got {self.step_size}")
        if not isinstance(self.steps, int) or self.steps < 0:
            raise SettingError(f"--steps must be an integer >= 0, got {self.steps}")
        if not 0.0 < self.delta < 1.0:
            raise SettingError(f"--delta must lie in (0, 1), got {self.delta}")
        if not 0.0 < self.tol < 1e-2:
            raise SettingError(f"--tol must lie in (0, 1e-2), got {self.tol}")
        if self.backend not in ("numpy", "torch"):
            raise SettingError(f"--backend must be 'numpy' or 'torch', got '{self.backend}'")
        if self.backend == "torch":
            raise SettingError("--backend torch is not available in this version; use --backend numpy")
        for k, v in self.hidden.items():
            if k not in HIDDEN_DEFAULTS:
                raise SettingError(f"unknown hidden constant '{k}' (known: {', '.join(HIDDEN_DEFAULTS)})")
            if not (isinstance(v, float) and math.isfinite(v) and v > 0):
                raise SettingError(f"hidden constant {k} must be a positive number, got {v}")

    def command(self) -> str:
        parts = ["verifier", "run", "--data", self.dataset, "--width", str(self.width), "--gamma", repr(self.gamma),
                 "--step-size", str(self.step_size), "--steps", str(self.steps), "--seed", str(self.seed),
                 "--backend", self.backend, "--delta", repr(self.delta), "--tol", repr(self.tol),
                 "--on-parallel", self.on_parallel]
        for k, v in sorted(self.hidden.items()):
            parts += ["--constant", f"{k}={v!r}"]
        return " ".join(shlex.quote(p) for p in parts)


def _to_json(x):
    if isinstance(x, dict):
        return {str(k): _to_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_to_json(v) for v in x]
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else ("inf" if x > 0 else "-inf" if x < 0 else "nan")
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return _to_json(x.tolist())
    return x


@dataclass
class Prepared:
    setting: Setting
    data: Dataset
    params: object
    theory: dict
    G_inf: np.ndarray
    step_size: float
    step_rule: str
    lambda_max_H0: float


def prepare(s: Setting) -> Prepared:
    """Load data, initialize per A1, evaluate theta(0) and the theory numbers (no training)."""
    s.validate()
    ds = load_dataset(s.dataset, on_parallel=s.on_parallel, seed=s.seed)
    p0 = init_params(s.width, ds.d, s.seed)
    q0 = s.gamma * float(np.linalg.norm(p0.A, 2)) / math.sqrt(s.width)
    if q0 >= 1.0:
        c0 = c_empirical(np.linalg.norm(p0.A, 2), np.linalg.norm(p0.W, 2), s.width)
        raise SettingError(f"gamma = {s.gamma} makes the equilibrium map no contraction at initialization: "
                           f"(gamma/sqrt(m))||A(0)|| = {q0:.6g} >= 1 (L2.2); the theorems need "
                           f"gamma <= gamma_max = min(1/2, 1/(4c)) = {min(0.5, 1 / (4 * c0)):.6g} with c_emp = {c0:.6g}")
    ev0 = evaluate(p0, ds.X, ds.y, s.gamma, tol=s.tol)
    H0 = ntk_terms(ev0, ds.X, s.gamma, p0.v)["H"]
    lam_max_H0 = float(np.linalg.eigvalsh(H0)[-1])
    if s.step_size == "auto":
        alpha, rule = 1.0 / lam_max_H0, "auto: 1/lambda_max(H(0)), H the NTK of L3.1"
    else:
        alpha, rule = float(s.step_size), "given"
    sq = math.sqrt(s.width)
    c_emp = c_empirical(np.linalg.norm(p0.A, 2), np.linalg.norm(p0.W, 2), s.width)
    G = gram_inf(ds.X)
    th = run_theory_numbers(ds.X, m=s.width, gamma=s.gamma, step_size=alpha, c_emp=c_emp,
                            r0_norm=float(np.linalg.norm(ev0.r)), delta=s.delta, hidden=s.hidden, G_inf=G)
    th["c_emp_A"] = float(np.linalg.norm(p0.A, 2)) / sq
    th["c_emp_W"] = float(np.linalg.norm(p0.W, 2)) / sq
    th["contraction_0"] = s.gamma * th["c_emp_A"]
    return Prepared(s, ds, p0, th, G, alpha, rule, lam_max_H0)


def _setting_dict(pr: Prepared) -> dict:
    s = pr.setting
    return {"dataset": s.dataset, "n": pr.data.n, "d": pr.data.d, "width": s.width, "gamma": s.gamma,
            "step_size": pr.step_size, "step_size_rule": pr.step_rule, "steps": s.steps, "seed": s.seed,
            "backend": s.backend, "delta": s.delta, "tol": s.tol, "on_parallel": s.on_parallel,
            "hidden_constants": dict(s.hidden)}


def _extras():
    """Audit and explicit constants from proofs_checks, when that package provides them."""
    out = {}
    try:
        import proofs_checks as pc
    except ImportError:  # pragma: no cover
        return out
    return out if pc is None else out


def _base_summary(pr: Prepared) -> dict:
    th = pr.theory
    return {
        "schema": SCHEMA,
        "setting": _setting_dict(pr),
        "data": {"label_encoding": pr.data.label_encoding, "a2": pr.data.a2},
        "lambda0": {"value": th["lambda0"], "method": "closed-form G_inf (half-angle angles), numpy eigvalsh",
                    "certified": None},
        "c": {"empirical": th["c_emp"], "empirical_A": th["c_emp_A"], "empirical_W": th["c_emp_W"],
              "probabilistic": th["c_delta"], "used_by_verdicts": "empirical"},
        "lambda_max_H0": pr.lambda_max_H0,
        "theory": th,
        "reproduce": pr.setting.command(),
        "versions": {"verifier": __version__, "numpy": np.__version__, "python": platform.python_version()},
    }


def check(s: Setting) -> dict:
    """Hypotheses and theory numbers for a setting, without training (`verifier check`)."""
    pr = prepare(s)
    traj = train_gd(pr.params, pr.data.X, pr.data.y, TrainConfig(s.gamma, pr.step_size, 0, tol=s.tol))
    arr = traj.arrays()
    g0_dev = float(np.linalg.norm(gram_finite(pr.data.X, pr.params.W) - pr.G_inf, 2))
    claims = evaluate_claims(pr.theory, arr, a2=pr.data.a2, g0_dev=g0_dev)
    out = _base_summary(pr)
    out["claims"] = [{"id": c["id"], "title": c["title"], "hypotheses": c["hypotheses"],
                      "hypotheses_met": c["hypotheses_met"], "constants_used": c["constants_used"],
                      "gap": {k: v for k, v in c["gap"].items() if "width" in k or "step" in k}}
                     for c in claims]
    out.update(_extras())
    return _to_json(out)


def run(s: Setting, out_dir, *, on_step=None, on_prepared=None) -> dict:
    """Train, judge and report; writes summary.json, report.md, report.html, data.npz, trajectory.npz."""
    from .report import write_report

    pr = prepare(s)
    if on_prepared is not None:
        on_prepared(pr)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "data.npz", X=pr.data.X, y=pr.data.y)
    t0 = time.perf_counter()
    traj = train_gd(pr.params, pr.data.X, pr.data.y, TrainConfig(s.gamma, pr.step_size, s.steps, tol=s.tol),
                    on_step=on_step)
    train_seconds = time.perf_counter() - t0
    traj.save_npz(out / "trajectory.npz")
    arr = traj.arrays()
    g0_dev = float(np.linalg.norm(gram_finite(pr.data.X, pr.params.W) - pr.G_inf, 2))
    probe = l22_probe(pr.params, pr.data.X, s.gamma)
    summary = _base_summary(pr)
    summary["claims"] = evaluate_claims(pr.theory, arr, a2=pr.data.a2, g0_dev=g0_dev, probe=probe)
    summary["run"] = {"stopped_reason": traj.stopped_reason, "stopped_step": traj.stopped_step,
                      "steps_recorded": len(traj), "train_seconds": train_seconds,
                      "final_loss": float(arr["loss"][-1]) if len(traj) else None,
                      "initial_loss": float(arr["loss"][0]) if len(traj) else None,
                      "G0_minus_Ginf_norm": g0_dev, "l22_probe": probe}
    summary["solver"] = {
        "tol": s.tol,
        "fwd_iters_min": int(arr["fwd_iters"].min()) if len(traj) else 0,
        "fwd_iters_max": int(arr["fwd_iters"].max()) if len(traj) else 0,
        "fwd_residual_max": float(arr["fwd_residual"].max()) if len(traj) else None,
        "adj_iters_min": int(arr["adj_iters"].min()) if len(traj) else 0,
        "adj_iters_max": int(arr["adj_iters"].max()) if len(traj) else 0,
        "adj_residual_max": float(np.nanmax(arr["adj_residual"])) if len(traj) else None,
    }
    summary.update(_extras())
    summary = _to_json(summary)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    write_report(out)
    return summary
