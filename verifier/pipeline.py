"""One pass of `verifier run` / `verifier check`: data -> setting -> theory -> engine -> claims -> report."""
from __future__ import annotations

import contextlib
import math
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .data import Dataset, load_dataset
from .engine import TrainConfig, evaluate, init_params, train_gd, train_gf
from .engine.backend import BackendError, get_backend
from .engine.model import Params
from .engine.ntk import ntk_terms
from .engine.probes import l22_probe
from .engine.threads import blas_limits, blas_threads
from .engine.train import NTK_KEYS
from .rundir import atomic_savez, atomic_write, load_checkpoint, save_checkpoint
from .setting import (
    RUN_FILES,
    TOL_FLOOR_FLOAT64,
    Setting,
    SettingError,
    check_memory,
    check_run_dir,
    default_run_dir,
    memory_estimate,
    setting_from_dict,
    setting_key,
)
from .summary import SCHEMA, dumps, to_json
from .theory.kernel import gram_finite, gram_inf
from .theory.randmat import c_empirical, c_of_delta, gamma_max

__all__ = ["Setting", "SettingError", "run", "check", "resume", "prepare", "SCHEMA", "default_run_dir", "check_run_dir",
           "setting_key", "memory_estimate", "check_memory", "TOL_FLOOR_FLOAT64", "RUN_FILES", "setting_from_dict"]


@dataclass
class Prepared:
    setting: Setting
    data: Dataset
    params: Params
    theory: object            # proofs_checks.theory_numbers.TheoryNumbers
    G_inf: np.ndarray
    step_size: float
    step_rule: str
    lambda_max_H0: float
    backend: object
    warnings: list = field(default_factory=list)
    #: theta(0)'s evaluation (numpy, float64): the trainer's first record reuses it instead of solving again
    first: object = None


def prepare(s: Setting, data: Dataset | None = None) -> Prepared:
    """Load data, initialize per A1, evaluate theta(0) and the theory numbers (no training)."""
    s.validate()
    try:
        bk = get_backend(s.backend, device=None if s.backend == "numpy" else s.device, dtype=s.dtype)
    except BackendError as exc:
        raise SettingError(str(exc)) from None
    ds = data if data is not None else load_dataset(s.dataset, on_parallel=s.on_parallel, seed=s.seed, labels=s.labels)
    check_memory(ds.n, ds.d, s.width, 4 if s.dtype == "float32" else 8)
    p0 = init_params(s.width, ds.d, s.seed)
    nb = get_backend("numpy")   # no warm start: LAPACK up to COLD_LAPACK_MAX (no scipy import for `check`)
    norm_A0, norm_W0 = nb.spectral_norm(p0.A)[0], nb.spectral_norm(p0.W)[0]
    q0 = s.gamma * norm_A0 / math.sqrt(s.width)
    c0 = c_empirical(norm_A0, norm_W0, s.width)
    if q0 >= 1.0:
        raise SettingError(f"gamma = {s.gamma} makes the equilibrium map no contraction at initialization: "
                           f"(gamma/sqrt(m))||A(0)|| = {q0:.6g} >= 1 (L2.2); the theorems need "
                           f"gamma <= gamma_max = min(1/2, 1/(4c)) = {min(0.5, 1 / (4 * c0)):.6g} with c_emp = {c0:.6g}")
    ev0 = evaluate(p0, ds.X, ds.y, s.gamma, tol=s.tol, method=s.solver)
    H0 = ntk_terms(ev0, ds.X, s.gamma, p0.v)["H"]
    lam_max_H0 = float(np.linalg.eigvalsh(H0)[-1])
    if s.step_size == "auto":
        alpha, rule = 1.0 / lam_max_H0, "auto: 1/lambda_max(H(0)), H the NTK of L3.1"
    else:
        alpha, rule = float(s.step_size), "given"
    G = gram_inf(ds.X)
    th = _theory(s, ds, G, norm_A0=norm_A0, norm_W0=norm_W0, alpha=alpha, r0_norm=float(np.linalg.norm(ev0.r)),
                 contraction_0=q0)
    return Prepared(s, ds, p0, th, G, alpha, rule, lam_max_H0, bk, _warnings(ds, th), first=ev0)


def _start_kw(pr: Prepared) -> dict:
    """The trainer's head start from prepare (theta(0)'s evaluation): numpy float64 only, where it is the
    same computation the trainer would do."""
    if pr.backend.name != "numpy" or pr.setting.dtype != "float64":
        return {}
    return {"first": pr.first}


#: lambda0 below this, with a small smallest angle, usually means unscaled or nearly collinear features
TINY_LAMBDA0 = 1e-6


def _warnings(ds: Dataset, th) -> list[str]:
    """What a user should know before trusting the numbers (shown on the console and in the report)."""
    out = []
    rows = ds.a2.get("perturbed_rows") or []
    if rows:
        out.append(f"A2: {len(rows)} row(s) parallel to another were perturbed by N(0, {ds.a2.get('perturb_scale')}^2) "
                   "noise and re-normalized (rows " + ", ".join(str(r) for r in rows[:8])
                   + (", ..." if len(rows) > 8 else "") + "); use --on-parallel refuse to reject such data instead")
    if 0 < th.lambda0 < TINY_LAMBDA0:
        out.append(f"lambda0 = {th.lambda0:.3g} is tiny: the smallest angle between two samples is "
                   f"{ds.a2.get('min_angle', float('nan')):.3g} rad, so some rows are nearly parallel (features "
                   "with a large common offset, e.g. unscaled or uncentred columns, do this; centre/scale them first); "
                   "every width the theory asks for grows like 1/lambda0^2 or faster")
    return out


def _theory(s: Setting, ds: Dataset, G: np.ndarray, *, norm_A0, norm_W0, alpha, r0_norm, contraction_0):
    """The run's TheoryNumbers (every statement's requirement, from its sympy expression)."""
    import proofs_checks
    from proofs_checks.theory_numbers import TheoryInputs, theory_numbers

    eig = np.linalg.eigvalsh(G)
    lam0 = float(eig[0])
    sq = math.sqrt(s.width)
    cd = c_of_delta(s.width, ds.d, s.delta)
    c0 = c_empirical(norm_A0, norm_W0, s.width)
    inputs = TheoryInputs(
        n=ds.n, d=ds.d, m=s.width, gamma=s.gamma, step_size=alpha, delta=s.delta, lambda0=lam0,
        norm_X=float(np.linalg.norm(ds.X, 2)), c=c0, r0_norm=r0_norm, method=s.method,
        lambda_max_G_inf=float(eig[-1]), c_A=norm_A0 / sq, c_W=norm_W0 / sq, c_delta=cd["c"], c_delta_A=cd["c_A"],
        c_delta_W=cd["c_W"], contraction_0=contraction_0, t_final=_t_final(s, alpha),
        # relative slack when comparing recorded floats with bounds: a few hundred ulps of the dtype
        comparison_rtol=1e-12 if s.dtype == "float64" else 1e-5)
    explicit = {}
    if lam0 > 0:
        rows = proofs_checks.explicit_constants(ds.n, lam0, c0, inputs.norm_X, r0_norm, s.delta, m=s.width)
        explicit = {r["name"]: r["value"] for r in rows if isinstance(r.get("value"), (int, float))}
    return theory_numbers(inputs, s.hidden, s.constants, explicit=explicit, gamma_max_delta=gamma_max(cd["c"]))


def _t_final(s: Setting, alpha: float) -> float | None:
    if s.method != "gf":
        return None
    return float(s.t_final) if s.t_final else s.steps * alpha


def _setting_dict(pr: Prepared) -> dict:
    s = pr.setting
    out = {"dataset": s.dataset, "n": pr.data.n, "d": pr.data.d, "width": s.width, "gamma": s.gamma,
           "step_size": pr.step_size, "step_size_rule": pr.step_rule, "steps": s.steps, "seed": s.seed,
           "backend": s.backend, "device": pr.backend.device, "dtype": s.dtype, "method": s.method,
           "solver": s.solver, "precision": s.solve_precision(), "ntk_every": s.ntk_every, "delta": s.delta,
           "tol": s.tol,
           "on_parallel": s.on_parallel, "hidden_constants": dict(s.hidden), "constants": s.constants}
    if s.method == "gf":
        out.update(t_final=pr.theory.t_final, gf_rtol=s.gf_rtol)
    return out


def _theory_values(pr: Prepared) -> dict:
    th = pr.theory
    return {"n": pr.data.n, "d": pr.data.d, "m": pr.setting.width, "gamma": pr.setting.gamma, "c": th.c,
            "delta": pr.setting.delta, "lambda0": th.lambda0, "alpha": pr.step_size, "norm_X": th.norm_X,
            "r0_norm": th.r0_norm}


def _audit_setting(pr: Prepared) -> dict:
    vals = _theory_values(pr)
    return {k: vals[k] for k in ("n", "lambda0", "c", "norm_X", "r0_norm", "m", "delta")}


class _AuditJob:
    """The proof audit of a run's setting, computed in a second process while the run trains.

    The audit is symbolic (pure Python, one core) and runs once per setting (then it is cached), so beside
    the training it costs little wall time. The second process is a plain
    `python -m proofs_checks._audit_worker` that fills the on-disk cache (nothing of the caller's program
    runs in it); the result is read from the cache after training. A cached audit is read at once; no cache,
    a process that cannot start or that fails means computing the audit here."""

    def __init__(self, pr: Prepared):
        import json
        import os
        import subprocess
        import sys

        import proofs_checks
        from proofs_checks._cache import cache_path
        from verifier.summary import to_json

        self.setting = _audit_setting(pr)
        self.proc = None
        self.path = cache_path("audit", self.setting)
        if self.path is None or self.path.is_file():
            return
        root = str(Path(proofs_checks.__file__).resolve().parent.parent)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "proofs_checks._audit_worker",
                                          json.dumps(to_json(self.setting))], env=env,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            self.proc = None

    def result(self) -> list:
        from proofs_checks import registry

        if self.proc is not None:
            try:
                self.proc.wait()
            finally:
                self.close()
        return registry.audit(self.setting)   # from the cache the worker wrote, else computed here

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def _extras(pr: Prepared, *, audit: bool, audit_job: _AuditJob | None = None) -> dict:
    """The statements as sympy (one row per quantity and constant choice), the proofs' explicit requirements,
    the hidden-constant registry, and the proof audit."""
    import proofs_checks
    from proofs_checks import registry
    from proofs_checks.hidden_constants import HIDDEN_CONSTANTS
    from proofs_checks.statement import quantity_rows

    vals = _theory_values(pr)
    th = pr.theory
    out = {"statements_table": quantity_rows(registry.statements(), vals, pr.setting.hidden or None),
           "hidden_constants": [h.to_dict() for h in HIDDEN_CONSTANTS.values()]}
    if th.lambda0 > 0:
        out["explicit_constants"] = proofs_checks.explicit_constants(
            pr.data.n, th.lambda0, th.c, th.norm_X, th.r0_norm, pr.setting.delta, m=pr.setting.width)
    if audit:
        from proofs_checks._common import audit_summary_line

        records = audit_job.result() if audit_job is not None else registry.audit(_audit_setting(pr))
        for r in records:
            r["summary"] = audit_summary_line(r)
        out["audit"] = records
    return out


def _certificates(pr: Prepared, final_A: np.ndarray | None) -> dict:
    """Certified lambda0 interval and well-posedness margins (theta(0), and theta(K) when given)."""
    from .certify import certify_contraction, certify_lambda0

    certs = {"lambda0": certify_lambda0(pr.data.X).to_dict(),
             "contraction_init": certify_contraction(pr.params.A, pr.setting.gamma).to_dict()}
    if final_A is not None:
        certs["contraction_final"] = certify_contraction(final_A, pr.setting.gamma).to_dict()
    return to_json(certs)


def _judge(pr: Prepared, arr: dict, *, trained: bool, g0_dev=None, probe=None, certs=None,
           complete: bool = True, typed: bool = False) -> list:
    """Every statement of the registry judged on this run (claims as JSON-ready dicts)."""
    from proofs_checks.registry import RunContext, judge

    ctx = RunContext(pr.theory, arr, trained=trained, a2=pr.data.a2, g0_dev=g0_dev, probe=probe, certificates=certs,
                     complete=complete, tol=pr.setting.tol)
    out = judge(ctx)
    return out if typed else [c.to_dict() for c in out]


def _with_certificates(summary: dict, certs: dict | None) -> None:
    if not certs:
        return
    summary["certificates"] = certs
    lam = certs["lambda0"]
    summary["lambda0"]["certified"] = {k: lam.get(k) for k in ("lower", "upper", "status", "method", "seconds")}


def _versions(backend: str) -> dict:
    """Versions of everything that computed a number in the summary (torch when it was the backend or is
    installed, python-flint when the certificates could use it)."""
    import importlib.metadata as md

    out = {"verifier": __version__, "python": platform.python_version(), "numpy": np.__version__}
    for name in ("scipy", "sympy", "mpmath", "matplotlib", "python-flint", "torch"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def _base_summary(pr: Prepared) -> dict:
    th = pr.theory
    return {
        "schema": SCHEMA,
        "setting": _setting_dict(pr),
        "data": {"label_encoding": pr.data.label_encoding, "a2": pr.data.a2},
        "lambda0": {"value": th.lambda0, "method": "closed-form G_inf (half-angle angles), numpy eigvalsh",
                    "certified": None},
        "c": {"empirical": th.c, "empirical_A": th.c_A, "empirical_W": th.c_W,
              "probabilistic": {"c": th.c_delta, "c_A": th.c_delta_A, "c_W": th.c_delta_W, "delta": th.delta},
              "used_by_verdicts": "empirical"},
        "lambda_max_H0": pr.lambda_max_H0,
        "theory": th.to_dict(),
        "reproduce": pr.setting.command(),
        "warnings": list(pr.warnings),
        "versions": _versions(pr.setting.backend),
    }


def check(s: Setting, *, certify: bool = False, data: Dataset | None = None) -> dict:
    """Hypotheses and theory numbers for a setting, without training (`verifier check [--certify]`)."""
    s.validate()
    pr = prepare(s, data)
    traj = train_gd(pr.params, pr.data.X, pr.data.y, TrainConfig(s.gamma, pr.step_size, 0, tol=s.tol,
                                                                   solver=s.solver), **_start_kw(pr))
    g0_dev = float(np.linalg.norm(gram_finite(pr.data.X, pr.params.W) - pr.G_inf, 2))
    certs = _certificates(pr, None) if certify else None
    out = _base_summary(pr)
    out["claims"] = _judge(pr, traj.arrays(), trained=False, g0_dev=g0_dev, certs=certs)
    out["has_counterexample"] = any(c["verdict"] == "counterexample" for c in out["claims"])
    out.update(_extras(pr, audit=False))
    _with_certificates(out, certs)
    return to_json(out)


@dataclass
class Outcome:
    """Everything one pass produced: the summary (JSON-ready), the recorded arrays, the prepared setting and the
    statements' verdicts as typed records (proofs_checks.verdict.ClaimResult)."""
    summary: dict
    trajectory: dict
    prepared: Prepared
    claims: list
    out: Path | None


def run(s: Setting, out_dir, *, on_step=None, on_prepared=None, resume_state: dict | None = None,
        force: bool = False) -> dict:
    """Train, judge and report into out_dir; returns summary.json's content (see `execute`)."""
    return execute(s, out_dir, on_step=on_step, on_prepared=on_prepared, resume_state=resume_state,
                   force=force).summary


def execute(s: Setting, out_dir=None, *, data: Dataset | None = None, on_step=None, on_prepared=None,
            resume_state: dict | None = None, force: bool = False) -> Outcome:
    """Train, judge and report; writes summary.json, report.md, report.html, data.npz, trajectory.npz.

    The trajectory and a checkpoint are written every `checkpoint_every` records, so an interrupted or
    crashed run keeps what it recorded; `resume(DIR)` continues it bit for bit.
    """
    from .report import write_report

    s.validate()
    if resume_state is None and out_dir is not None:
        check_run_dir(out_dir, s, force=force)
    pr = prepare(s, data)
    out = None if out_dir is None else Path(out_dir)
    if resume_state is not None:
        with np.load(out / "data.npz") as f:
            if not (np.array_equal(f["X"], pr.data.X) and np.array_equal(f["y"], pr.data.y)):
                raise SettingError(f"{out}: data.npz differs from the data the setting loads now; cannot resume")
        with np.load(out / "trajectory.npz") as f:
            if not all(np.array_equal(f[k], getattr(pr.params, k[0])) for k in ("A0", "W0", "u0", "v0")):
                raise SettingError(f"{out}: the initial parameters differ from the setting's seed; cannot resume")
    if on_prepared is not None:
        on_prepared(pr)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "setting.json", dumps(asdict(s)))
        if resume_state is None:
            atomic_savez(out / "data.npz", X=pr.data.X, y=pr.data.y)
    cfg = TrainConfig(s.gamma, pr.step_size, s.steps, tol=s.tol, solver=s.solver, ntk_every=s.ntk_every,
                      t_final=pr.theory.t_final, rtol=s.gf_rtol, checkpoint_every=s.checkpoint_every,
                      precision=s.solve_precision())
    trainer = train_gf if s.method == "gf" else train_gd
    # numpy: BLAS threads by problem size (engine.threads); torch manages its own threads and devices
    try:
        blas_threads(pr.data.n, s.width)          # a bad VERIFIER_BLAS_THREADS is a user error: one line, exit 2
    except ValueError as exc:
        raise SettingError(str(exc)) from None
    limits = blas_limits(pr.data.n, s.width) if s.backend == "numpy" else contextlib.nullcontext()
    audit_job = _AuditJob(pr) if s.audit else None
    t0 = time.perf_counter()
    try:
        with limits as n_threads:
            traj = trainer(pr.params, pr.data.X, pr.data.y, cfg, bk=pr.backend, on_step=on_step,
                           on_checkpoint=None if out is None else (lambda st, tr: save_checkpoint(out, st, tr)),
                           resume=resume_state, **({} if resume_state is not None else _start_kw(pr)))
    except BaseException:
        if audit_job is not None:
            audit_job.close()
        raise
    wall = time.perf_counter() - t0
    arr = traj.arrays()
    g0_dev = float(np.linalg.norm(gram_finite(pr.data.X, pr.params.W) - pr.G_inf, 2))
    probe = l22_probe(pr.params, pr.data.X, s.gamma)
    certs = _certificates(pr, traj.final.A if traj.final is not None else None) if s.certify else None
    status = "completed" if traj.stopped_reason is None else ("interrupted" if traj.interrupted else "stopped early")
    summary = _base_summary(pr)
    claims = _judge(pr, arr, trained=True, g0_dev=g0_dev, probe=probe, certs=certs,
                    complete=status == "completed", typed=True)
    summary["claims"] = [c.to_dict() for c in claims]
    summary["has_counterexample"] = any(c["verdict"] == "counterexample" for c in summary["claims"])
    n_rec = len(traj)
    summary["run"] = {"status": status, "stopped_reason": traj.stopped_reason, "stopped_step": traj.stopped_step,
                      "interrupted": traj.interrupted, "resumed": resume_state is not None,
                      "steps_recorded": n_rec,
                      "train_seconds": float(arr["seconds"][-1]) if n_rec else 0.0,
                      "segment_seconds": wall,
                      "final_loss": float(arr["loss"][-1]) if n_rec else None,
                      "initial_loss": float(arr["loss"][0]) if n_rec else None,
                      "final_time": float(arr["time"][-1]) if n_rec else None,
                      "G0_minus_Ginf_norm": g0_dev, "l22_probe": probe,
                      # BLAS threads during training (engine.threads); None: the libraries' default
                      "blas_threads": n_threads}
    summary["solver"] = {
        "method": s.solver, "tol": s.tol,
        "fwd_iters_min": int(arr["fwd_iters"].min()) if n_rec else 0,
        "fwd_iters_max": int(arr["fwd_iters"].max()) if n_rec else 0,
        "fwd_residual_max": float(arr["fwd_residual"].max()) if n_rec else None,
        "adj_iters_min": int(arr["adj_iters"].min()) if n_rec else 0,
        "adj_iters_max": int(arr["adj_iters"].max()) if n_rec else 0,
        "adj_residual_max": float(np.nanmax(arr["adj_residual"])) if n_rec else None,
        "fwd_rate_max": float(np.nanmax(arr["fwd_rate"])) if n_rec and np.any(np.isfinite(arr["fwd_rate"])) else None,
        "adj_rate_max": float(np.nanmax(arr["adj_rate"])) if n_rec and np.any(np.isfinite(arr["adj_rate"])) else None,
        # mixed precision: the float32 iterations spent before the float64 solves (all records)
        "precision": s.solve_precision(),
        "fwd_iters_f32_total": int(np.maximum(arr["fwd_iters_f32"], 0).sum()) if n_rec else 0,
        "adj_iters_f32_total": int(np.maximum(arr["adj_iters_f32"], 0).sum()) if n_rec else 0,
    }
    if len(arr["ntk_step"]):
        summary["ntk"] = {k: arr[k].tolist() for k in NTK_KEYS}
    summary.update(_extras(pr, audit=s.audit, audit_job=audit_job))
    _with_certificates(summary, certs)
    summary = to_json(summary)
    if out is not None:
        atomic_write(out / "summary.json", dumps(summary))
        write_report(out)
    return Outcome(summary, arr, pr, claims, out)


def resume(out_dir, *, steps: int | None = None, on_step=None, on_prepared=None) -> dict:
    """Continue an interrupted (or finished, with more `steps`) run from DIR/checkpoint.npz."""
    out = Path(out_dir)
    for f in ("setting.json", "checkpoint.npz", "trajectory.npz", "data.npz"):
        if not (out / f).is_file():
            raise SettingError(f"{out_dir}: cannot resume, missing {f}")
    import json

    s = setting_from_dict(json.loads((out / "setting.json").read_text()))
    state = load_checkpoint(out)
    steps_rec = state.get("records", {}).get("step") or []
    recorded = int(max(steps_rec)) if len(steps_rec) else 0
    if steps is not None:
        if steps < recorded:
            raise SettingError(f"steps {steps} is fewer than the {recorded} step(s) already recorded in {out_dir}: "
                               "steps is the total number of steps; a run is never truncated", param="steps")
        s.steps = steps
    if state["kind"] != s.method:
        raise SettingError(f"{out_dir}: checkpoint is for method {state['kind']}, setting says {s.method}")
    return run(s, out, on_step=on_step, on_prepared=on_prepared, resume_state=state)
