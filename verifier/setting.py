"""A run's setting: the dataclass, its validation (errors name the parameter), memory and tolerance limits,
and the run directory (default name by a hash of the setting; a folder holding another run is refused).

    s = Setting(width=1024, steps=100); s.validate()
"""
from __future__ import annotations

import math
import os
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .errors import SettingError
from .summary import to_json

__all__ = ["Setting", "SettingError", "setting_from_dict", "setting_key", "default_run_dir", "check_run_dir",
           "memory_estimate", "check_memory", "TOL_FLOOR_FLOAT64", "RUN_FILES"]


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
    raise SettingError(f"width {m} needs about {need / 2**30:.1f} GiB (A is m x m) but {avail / 2**30:.1f} GiB "
                       f"is available; the largest width that fits is about {fit}", param="width")


#: how the fixed-point solves run: see Setting.solve_precision
PRECISIONS = ("auto", "float64", "mixed")


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
    precision: str = "auto"       # solves: auto (= float64) | float64 | mixed (engine.mixed; opt-in)
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
            raise SettingError(f"width must be an integer >= 1, got {self.width}", param="width")
        if not (isinstance(self.gamma, (int, float)) and 0.0 < self.gamma < 1.0):
            raise SettingError(f"gamma must lie in the open interval (0, 1), got {self.gamma}", param="gamma")
        if self.step_size != "auto":
            if not isinstance(self.step_size, (int, float)) or not math.isfinite(self.step_size) or self.step_size <= 0:
                raise SettingError(f"step_size must be a positive number or 'auto', got {self.step_size}",
                                   param="step_size")
        if not isinstance(self.steps, int) or self.steps < 0:
            raise SettingError(f"steps must be an integer >= 0, got {self.steps}", param="steps")
        if not 0.0 < self.delta < 1.0:
            raise SettingError(f"delta must lie in (0, 1), got {self.delta}", param="delta")
        if not 0.0 < self.tol < 1e-2:
            raise SettingError(f"tol must lie in (0, 1e-2), got {self.tol}", param="tol")
        if self.dtype == "float64" and self.tol < TOL_FLOOR_FLOAT64:
            raise SettingError(f"tol {self.tol:g} is below what float64 iterations can reach (a relative residual "
                               f"of a few units in the last place, {TOL_FLOOR_FLOAT64:.1e}); use tol 1e-15 or larger",
                               param="tol")
        if self.backend not in ("numpy", "torch"):
            raise SettingError(f"backend must be 'numpy' or 'torch', got '{self.backend}'", param="backend")
        if self.method not in ("gd", "gf"):
            raise SettingError(f"method must be 'gd' or 'gf', got '{self.method}'", param="method")
        if self.solver not in ("picard", "anderson"):
            raise SettingError(f"solver must be 'picard' or 'anderson', got '{self.solver}'", param="solver")
        if self.precision not in PRECISIONS:
            raise SettingError(f"precision must be one of {', '.join(PRECISIONS)}, got '{self.precision}'",
                               param="precision")
        if self.precision == "mixed" and self.dtype != "float64":
            raise SettingError("precision 'mixed' refines float32 iterations in float64: it needs dtype float64",
                               param="precision")
        if not isinstance(self.ntk_every, int) or self.ntk_every < 0:
            raise SettingError(f"ntk_every must be an integer >= 0, got {self.ntk_every}", param="ntk_every")
        if not isinstance(self.checkpoint_every, int) or self.checkpoint_every < 0:
            raise SettingError(f"checkpoint_every must be an integer >= 0, got {self.checkpoint_every}",
                               param="checkpoint_every")
        if self.dtype not in ("float64", "float32"):
            raise SettingError(f"dtype must be float64 or float32, got '{self.dtype}'", param="dtype")
        if self.t_final is not None and not (math.isfinite(self.t_final) and self.t_final > 0):
            raise SettingError(f"t_final must be a positive number, got {self.t_final}", param="t_final")
        if self.dtype == "float32" and self.tol < 1e-6:
            raise SettingError(f"dtype float32 cannot reach tol {self.tol:g}; use tol 1e-6 or larger", param="dtype")
        if self.dtype == "float32" and self.backend != "torch":
            raise SettingError("dtype float32 needs backend 'torch' (the numpy engine is float64)", param="dtype")
        if not 0 < self.gf_rtol < 1:
            raise SettingError(f"gf_rtol must lie in (0, 1), got {self.gf_rtol}", param="gf_rtol")
        from proofs_checks.hidden_constants import CHOICES, canonical_name

        if self.constants not in CHOICES:
            raise SettingError(f"constants must be one of {', '.join(CHOICES)}, got '{self.constants}'",
                               param="constants")
        hidden = {}
        for k, v in self.hidden.items():
            try:
                name = canonical_name(k)
            except ValueError as exc:
                raise SettingError(str(exc), param="hidden") from None
            if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise SettingError(f"hidden constant {k} must be a positive number, got {v}", param="hidden")
            hidden[name] = float(v)
        self.hidden = hidden   # one name per constant (aliases such as C_width_L3_3 resolved)

    def solve_precision(self) -> str:
        """"mixed" or "float64". auto means float64: mixed precision is faster (0.84x per GD step at n = 200,
        m = 1000) at equal accuracy, but its float32 phase rounds differently with another BLAS thread count,
        so its results agree only to ~1e-15 across machines and thread counts, not bit for bit (replays,
        resumes and sweep cells rely on bit-for-bit); it is opt-in."""
        return "float64" if self.precision == "auto" else self.precision

    def command(self) -> str:
        parts = ["verifier", "run", "--data", self.dataset, "--width", str(self.width), "--gamma", repr(self.gamma),
                 "--step-size", str(self.step_size), "--steps", str(self.steps), "--seed", str(self.seed),
                 "--backend", self.backend, "--delta", repr(self.delta), "--tol", repr(self.tol),
                 "--on-parallel", self.on_parallel, "--method", self.method, "--solver", self.solver,
                 "--ntk-every", str(self.ntk_every)]
        if self.precision != "auto":
            parts += ["--precision", self.precision]
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


def setting_from_dict(d: dict) -> Setting:
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
        raise SettingError(f"out {out_dir}: a special system folder cannot hold a run directory", param="out")
    if out.exists() and not out.is_dir():
        raise SettingError(f"out {out_dir}: exists and is not a folder", param="out")
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
                raise SettingError(f"out {out_dir}: the folder holds {what}; choose another out folder, or force "
                                   "to replace it whole", param="out")
            shutil.rmtree(out)
    parent = out if out.exists() else next(p for p in out.parents if p.exists())
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SettingError(f"out {out_dir}: {parent} is not writable", param="out")
