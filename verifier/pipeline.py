"""One pass of `verifier run` / `verifier check`: data -> setting -> theory -> engine -> claims -> report."""
from __future__ import annotations

import math
import os
import platform
import shlex
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
from .engine.train import NTK_KEYS
from .rundir import atomic_savez, atomic_write, load_checkpoint, save_checkpoint
from .summary import SCHEMA, dumps, to_json
from .theory.kernel import gram_finite, gram_inf
from .theory.randmat import c_empirical, c_of_delta, gamma_max

__all__ = ["Setting", "SettingError", "run", "check", "resume", "SCHEMA"]


class SettingError(ValueError):
    """An invalid option value; one-line message, exit code 2 at the CLI."""


#: 4 units in the last place of float64: no fixed-point iteration certifies a smaller relative residual
TOL_FLOOR_FLOAT64 = 4 * float(np.finfo(np.float64).eps)


def _available_memory() -> int | None:
    """Bytes the kernel says are available (MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_estimate(n: int, d: int, m: int, itemsize: int = 8) -> int:
    """Bytes a run holds at its peak, by the arrays it keeps: A, A(0), its gradient, the next A and the
    spectral-norm workspace (6 m^2); equilibria, adjoints, features and their masks (12 n m); W and friends
    (4 m d); the Gram matrices and the NTK (6 n^2); plus ~300 MB for the interpreter and libraries."""
    return itemsize * (6 * m * m + 12 * n * m + 4 * m * d + 6 * n * n) + 300 * 2**20


def check_memory(n: int, d: int, m: int, itemsize: int = 8) -> None:
    """Refuse, before allocating, a width whose run would not fit in the available memory."""
    avail = _available_memory()
    need = memory_estimate(n, d, m, itemsize)
    if avail is None or need <= avail:
        return
    budget = (avail - 300 * 2**20) / itemsize
    b = 12 * n + 4 * d                      # solve 6 m^2 + b m + 6 n^2 = budget for m
    fit = int((-b + math.sqrt(max(b * b + 24 * (budget - 6 * n * n), 0.0))) / 12) if budget > 6 * n * n else 0
    raise SettingError(f"--width {m} needs about {need / 2**30:.1f} GiB (A is m x m) but {avail / 2**30:.1f} GiB "
                       f"is available; the largest width that fits is about {fit}")


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
    constants: str = "default"    # hidden constants: "default" (every Omega/O constant 1) or "proof" (proof-derived)
    labels: str | None = None     # None (y must be -1/+1), a mapping "0,1->-1,+1", or "as-is" (real targets)
    method: str = "gd"            # gd | gf
    solver: str = "picard"        # picard | anderson
    ntk_every: int = 10           # NTK of L3.1 every k records (0: never)
    device: str = "auto"          # torch: auto | cpu | cuda[:i]
    dtype: str = "float64"
    t_final: float | None = None  # gf: integration time (default steps * step size)
    gf_rtol: float = 1e-6
    checkpoint_every: int = 10
    audit: bool = True            # include the symbolic proof audit (proofs_checks) in the report
    certify: bool = True          # rigorous lambda0 interval and contraction certificates (verifier.certify)

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
        if self.dtype == "float64" and self.tol < TOL_FLOOR_FLOAT64:
            raise SettingError(f"--tol {self.tol:g} is below what float64 iterations can reach (a relative residual "
                               f"of a few units in the last place, {TOL_FLOOR_FLOAT64:.1e}); use --tol 1e-15 or larger")
        if self.backend not in ("numpy", "torch"):
            raise SettingError(f"--backend must be 'numpy' or 'torch', got '{self.backend}'")
        if self.method not in ("gd", "gf"):
            raise SettingError(f"--method must be 'gd' or 'gf', got '{self.method}'")
        if self.solver not in ("picard", "anderson"):
            raise SettingError(f"--solver must be 'picard' or 'anderson', got '{self.solver}'")
        if not isinstance(self.ntk_every, int) or self.ntk_every < 0:
            raise SettingError(f"--ntk-every must be an integer >= 0, got {self.ntk_every}")
        if not isinstance(self.checkpoint_every, int) or self.checkpoint_every < 0:
            raise SettingError(f"--checkpoint-every must be an integer >= 0, got {self.checkpoint_every}")
        if self.dtype not in ("float64", "float32"):
            raise SettingError(f"--dtype must be float64 or float32, got '{self.dtype}'")
        if self.t_final is not None and not (math.isfinite(self.t_final) and self.t_final > 0):
            raise SettingError(f"--time must be a positive number, got {self.t_final}")
        if self.dtype == "float32" and self.tol < 1e-6:
            raise SettingError(f"--dtype float32 cannot reach --tol {self.tol:g}; use --tol 1e-6 or larger")
        if self.dtype == "float32" and self.backend != "torch":
            raise SettingError("--dtype float32 needs --backend torch (the numpy engine is float64)")
        if not 0 < self.gf_rtol < 1:
            raise SettingError(f"--gf-rtol must lie in (0, 1), got {self.gf_rtol}")
        from proofs_checks.hidden_constants import CHOICES, canonical_name

        if self.constants not in CHOICES:
            raise SettingError(f"--constants must be one of {', '.join(CHOICES)}, got '{self.constants}'")
        hidden = {}
        for k, v in self.hidden.items():
            try:
                name = canonical_name(k)
            except ValueError as exc:
                raise SettingError(str(exc)) from None
            if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise SettingError(f"hidden constant {k} must be a positive number, got {v}")
            hidden[name] = float(v)
        self.hidden = hidden   # one name per constant (aliases such as C_width_L3_3 resolved)

    def command(self) -> str:
        parts = ["verifier", "run", "--data", self.dataset, "--width", str(self.width), "--gamma", repr(self.gamma),
                 "--step-size", str(self.step_size), "--steps", str(self.steps), "--seed", str(self.seed),
                 "--backend", self.backend, "--delta", repr(self.delta), "--tol", repr(self.tol),
                 "--on-parallel", self.on_parallel, "--method", self.method, "--solver", self.solver,
                 "--ntk-every", str(self.ntk_every)]
        if self.constants != "default":
            parts += ["--constants", self.constants]
        if self.labels:
            parts += ["--labels", self.labels]
        if self.backend == "torch":
            parts += ["--device", self.device, "--dtype", self.dtype]
        if self.method == "gf":
            parts += ["--gf-rtol", repr(self.gf_rtol)] + (["--time", repr(self.t_final)] if self.t_final else [])
        for k, v in sorted(self.hidden.items()):
            parts += ["--constant", f"{k}={v!r}"]
        return " ".join(shlex.quote(p) for p in parts)


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


def prepare(s: Setting) -> Prepared:
    """Load data, initialize per A1, evaluate theta(0) and the theory numbers (no training)."""
    s.validate()
    try:
        bk = get_backend(s.backend, device=None if s.backend == "numpy" else s.device, dtype=s.dtype)
    except BackendError as exc:
        raise SettingError(str(exc)) from None
    ds = load_dataset(s.dataset, on_parallel=s.on_parallel, seed=s.seed, labels=s.labels)
    check_memory(ds.n, ds.d, s.width, 4 if s.dtype == "float32" else 8)
    p0 = init_params(s.width, ds.d, s.seed)
    nb = get_backend("numpy")
    norm_A0, norm_W0 = nb.spectral_norm(p0.A)[0], nb.spectral_norm(p0.W)[0]  # Lanczos to machine precision
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
    return Prepared(s, ds, p0, th, G, alpha, rule, lam_max_H0, bk, _warnings(ds, th))


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
           "solver": s.solver, "ntk_every": s.ntk_every, "delta": s.delta, "tol": s.tol,
           "on_parallel": s.on_parallel, "hidden_constants": dict(s.hidden), "constants": s.constants}
    if s.method == "gf":
        out.update(t_final=pr.theory.t_final, gf_rtol=s.gf_rtol)
    return out


def _theory_values(pr: Prepared) -> dict:
    th = pr.theory
    return {"n": pr.data.n, "d": pr.data.d, "m": pr.setting.width, "gamma": pr.setting.gamma, "c": th.c,
            "delta": pr.setting.delta, "lambda0": th.lambda0, "alpha": pr.step_size, "norm_X": th.norm_X,
            "r0_norm": th.r0_norm}


def _extras(pr: Prepared, *, audit: bool) -> dict:
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

        records = registry.audit({k: vals[k] for k in ("n", "lambda0", "c", "norm_X", "r0_norm", "m", "delta")})
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
           complete: bool = True) -> list[dict]:
    """Every statement of the registry judged on this run (claims as JSON-ready dicts)."""
    from proofs_checks.registry import RunContext, judge

    ctx = RunContext(pr.theory, arr, trained=trained, a2=pr.data.a2, g0_dev=g0_dev, probe=probe, certificates=certs,
                     complete=complete)
    return [c.to_dict() for c in judge(ctx)]


def _with_certificates(summary: dict, certs: dict | None) -> None:
    if not certs:
        return
    summary["certificates"] = certs
    lam = certs["lambda0"]
    summary["lambda0"]["certified"] = {k: lam.get(k) for k in ("lower", "upper", "status", "method", "seconds")}


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
        "versions": {"verifier": __version__, "numpy": np.__version__, "python": platform.python_version()},
    }


def check(s: Setting, *, certify: bool = False) -> dict:
    """Hypotheses and theory numbers for a setting, without training (`verifier check [--certify]`)."""
    pr = prepare(s)
    traj = train_gd(pr.params, pr.data.X, pr.data.y, TrainConfig(s.gamma, pr.step_size, 0, tol=s.tol,
                                                                   solver=s.solver))
    g0_dev = float(np.linalg.norm(gram_finite(pr.data.X, pr.params.W) - pr.G_inf, 2))
    certs = _certificates(pr, None) if certify else None
    out = _base_summary(pr)
    out["claims"] = _judge(pr, traj.arrays(), trained=False, g0_dev=g0_dev, certs=certs)
    out.update(_extras(pr, audit=False))
    _with_certificates(out, certs)
    return to_json(out)


def _setting_from_json(d: dict) -> Setting:
    fields = set(Setting.__dataclass_fields__)
    return Setting(**{k: v for k, v in d.items() if k in fields})


#: files and folders a run writes; a folder holding anything else is not a run directory
RUN_FILES = ("setting.json", "summary.json", "report.md", "report.html", "data.npz", "trajectory.npz",
             "checkpoint.npz", "figures")
#: paths that are never a place for a run directory
_SPECIAL_ROOTS = ("/proc", "/sys", "/dev")


def setting_key(s: Setting) -> str:
    """A short hash of everything in the setting (method, backend, dtype, gamma, step size, steps, constants,
    ...): two runs share a default folder only if they are the same run."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(to_json(asdict(s)), sort_keys=True).encode()).hexdigest()[:8]


def default_run_dir(s: Setting) -> Path:
    """reports/<dataset>-m<width>-s<seed>-<method>-<hash of the setting>."""
    name = (Path(s.dataset).stem if s.dataset.endswith((".npz", ".csv"))
            else s.dataset.replace(":", "_").replace(",", "_").replace("=", ""))
    return Path("reports") / f"{name}-m{s.width}-s{s.seed}-{s.method}-{setting_key(s)}"


def check_run_dir(out_dir, s: Setting, *, force: bool = False) -> None:
    """Refuse (SettingError, before any work) a folder that cannot be written, that is special, or that holds
    something other than a run of this very setting; `force` replaces such a folder whole."""
    import json
    import shutil

    out = Path(out_dir).absolute()
    if any(str(out) == r or str(out).startswith(r + "/") for r in _SPECIAL_ROOTS):
        raise SettingError(f"--out {out_dir}: a special system folder cannot hold a run directory")
    if out.exists() and not out.is_dir():
        raise SettingError(f"--out {out_dir}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        same = False
        if (out / "setting.json").is_file():
            try:
                same = json.loads((out / "setting.json").read_text()) == to_json(asdict(s))
            except (OSError, ValueError):
                same = False
        if not same:
            if not force:
                what = "another setting's run" if (out / "setting.json").is_file() else "files that are not a run"
                raise SettingError(f"--out {out_dir}: the folder holds {what}; choose another --out, or --force to "
                                   "replace it whole")
            shutil.rmtree(out)
    parent = out if out.exists() else next(p for p in out.parents if p.exists())
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SettingError(f"--out {out_dir}: {parent} is not writable")


def run(s: Setting, out_dir, *, on_step=None, on_prepared=None, resume_state: dict | None = None,
        force: bool = False) -> dict:
    """Train, judge and report; writes summary.json, report.md, report.html, data.npz, trajectory.npz.

    The trajectory and a checkpoint are written every `checkpoint_every` records, so an interrupted or
    crashed run keeps what it recorded; `resume(DIR)` continues it bit for bit.
    """
    from .report import write_report

    s.validate()
    if resume_state is None:
        check_run_dir(out_dir, s, force=force)
    pr = prepare(s)
    out = Path(out_dir)
    if resume_state is not None:
        with np.load(out / "data.npz") as f:
            if not (np.array_equal(f["X"], pr.data.X) and np.array_equal(f["y"], pr.data.y)):
                raise SettingError(f"{out}: data.npz differs from the data the setting loads now; cannot resume")
        with np.load(out / "trajectory.npz") as f:
            if not all(np.array_equal(f[k], getattr(pr.params, k[0])) for k in ("A0", "W0", "u0", "v0")):
                raise SettingError(f"{out}: the initial parameters differ from the setting's seed; cannot resume")
    if on_prepared is not None:
        on_prepared(pr)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "setting.json", dumps(asdict(s)))
    if resume_state is None:
        atomic_savez(out / "data.npz", X=pr.data.X, y=pr.data.y)
    cfg = TrainConfig(s.gamma, pr.step_size, s.steps, tol=s.tol, solver=s.solver, ntk_every=s.ntk_every,
                      t_final=pr.theory.t_final, rtol=s.gf_rtol, checkpoint_every=s.checkpoint_every)
    trainer = train_gf if s.method == "gf" else train_gd
    t0 = time.perf_counter()
    traj = trainer(pr.params, pr.data.X, pr.data.y, cfg, bk=pr.backend, on_step=on_step,
                   on_checkpoint=lambda st, tr: save_checkpoint(out, st, tr), resume=resume_state)
    wall = time.perf_counter() - t0
    arr = traj.arrays()
    g0_dev = float(np.linalg.norm(gram_finite(pr.data.X, pr.params.W) - pr.G_inf, 2))
    probe = l22_probe(pr.params, pr.data.X, s.gamma)
    certs = _certificates(pr, traj.final.A if traj.final is not None else None) if s.certify else None
    status = "completed" if traj.stopped_reason is None else ("interrupted" if traj.interrupted else "stopped early")
    summary = _base_summary(pr)
    summary["claims"] = _judge(pr, arr, trained=True, g0_dev=g0_dev, probe=probe, certs=certs,
                               complete=status == "completed")
    n_rec = len(traj)
    summary["run"] = {"status": status, "stopped_reason": traj.stopped_reason, "stopped_step": traj.stopped_step,
                      "interrupted": traj.interrupted, "resumed": resume_state is not None,
                      "steps_recorded": n_rec,
                      "train_seconds": float(arr["seconds"][-1]) if n_rec else 0.0,
                      "segment_seconds": wall,
                      "final_loss": float(arr["loss"][-1]) if n_rec else None,
                      "initial_loss": float(arr["loss"][0]) if n_rec else None,
                      "final_time": float(arr["time"][-1]) if n_rec else None,
                      "G0_minus_Ginf_norm": g0_dev, "l22_probe": probe}
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
    }
    if len(arr["ntk_step"]):
        summary["ntk"] = {k: arr[k].tolist() for k in NTK_KEYS}
    summary.update(_extras(pr, audit=s.audit))
    _with_certificates(summary, certs)
    summary = to_json(summary)
    atomic_write(out / "summary.json", dumps(summary))
    write_report(out)
    return summary


def resume(out_dir, *, steps: int | None = None, on_step=None, on_prepared=None) -> dict:
    """Continue an interrupted (or finished, with more `steps`) run from DIR/checkpoint.npz."""
    out = Path(out_dir)
    for f in ("setting.json", "checkpoint.npz", "trajectory.npz", "data.npz"):
        if not (out / f).is_file():
            raise SettingError(f"{out_dir}: cannot resume, missing {f}")
    import json

    s = _setting_from_json(json.loads((out / "setting.json").read_text()))
    state = load_checkpoint(out)
    steps_rec = state.get("records", {}).get("step") or []
    recorded = int(max(steps_rec)) if len(steps_rec) else 0
    if steps is not None:
        if steps < recorded:
            raise SettingError(f"--steps {steps} is fewer than the {recorded} step(s) already recorded in {out_dir}: "
                               "--steps is the total number of steps; a run is never truncated")
        s.steps = steps
    if state["kind"] != s.method:
        raise SettingError(f"{out_dir}: checkpoint is for method {state['kind']}, setting says {s.method}")
    return run(s, out, on_step=on_step, on_prepared=on_prepared, resume_state=state)
