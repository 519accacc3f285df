"""The results table of a sweep: one row per cell (``results.parquet``), and what a row measures.

**Linear convergence** (the event the sweep report counts). Let l_j = ||yhat(t_j) - y||^2 at the recorded
points, t_0 = 0 < t_1 < ... < t_J = T (GD: t_j = j alpha, so t_j/T = j/K; gradient flow: the integration
time), and epsilon = ``[sweep] target_fraction`` (default 1e-2). A run *converges linearly at level
epsilon* when it completed every step with finite values and

    l_j <= epsilon^(t_j / T) l_0    for every recorded j,

i.e. the squared residual stays below the geometric sequence from l_0 to epsilon l_0 over the run: the form
of the conclusions of T3.1 / L3.5 (vi) (exp(-lambda0 t)) and T3.2 / L3.6 (vi) ((1 - alpha lambda0/2)^k),
with the rate set by what the run reached instead of by lambda0, and a constant 1 in front. Equivalently
``rate_envelope <= epsilon^(1/K)`` for GD, where rate_envelope = max_j (l_j/l_0)^(1/j) is the smallest rho
with l_j <= rho^j l_0 for all j. A plateau followed by a late drop is not linear convergence; a run that
does not reach epsilon l_0 is not either. Recorded floats are compared with a relative slack of 1e-12.

Other per-cell numbers: ``rate_fit`` = exp(slope) of the least-squares line through (j, ln l_j) (GD, per
step), ``decay_fit`` = minus the slope of ln l against t, ``steps_to_target`` = the first step with
l_j <= epsilon l_0.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["linear_convergence", "loss_metrics", "extract_row", "failed_row", "write_table", "read_table", "met_value",
           "ROW_ORDER", "claim_columns"]

_RTOL = 1e-12

#: the leading columns of results.parquet, in order (claim columns follow in paper order)
ROW_ORDER = (
    "cell", "mode", "status", "error", "stopped_reason", "wall_seconds", "dir", "reproduce",
    "dataset", "n", "d", "data_seed", "data_sha", "n_test", "width", "gamma", "step_size_spec", "step_size", "step_size_rule",
    "steps", "seed", "method", "solver", "backend", "dtype", "delta", "tol", "constants", "hidden", "on_parallel",
    "ntk_every", "lambda0", "lambda0_certified_lower", "lambda0_certified_upper", "lambda_max_G_inf", "norm_X",
    "c", "c_A", "c_W", "c_delta", "contraction_0", "lambda_min_G0", "G0_minus_Ginf_norm", "G0_close",
    "lambda_min_G0_ok", "r0_norm", "initial_loss", "final_loss", "steps_recorded", "final_time", "target_fraction",
    "linear_convergence", "rate_envelope", "rate_fit", "decay_fit", "rate_guaranteed", "steps_to_target",
    "time_to_target", "min_lambda_G_ratio", "final_lambda_G_ratio", "max_dist_A", "max_dist_W", "max_dist_u",
    "max_dist_v", "max_contraction", "train_accuracy_final", "test_loss_final", "test_accuracy_final",
    "width_L3_3", "width_L3_5", "width_L3_6", "width_T3_1", "width_T3_2_printed", "width_T3_2", "step_L3_6",
)


def claim_columns(claim_id: str) -> tuple[str, str, str]:
    return f"hypotheses:{claim_id}", f"holds:{claim_id}", f"verdict:{claim_id}"


def _num(x):
    if x is None:
        return None
    if isinstance(x, str):
        try:
            return float(x)   # the summary's "inf" / "nan"
        except ValueError:
            return None
    return float(x)


def linear_convergence(loss, time, epsilon: float, completed: bool = True):
    """(converged linearly at level epsilon: True / False / None when undecided, rate_envelope per unit of
    `time`). See the module docstring for the definition."""
    loss = np.asarray(loss, dtype=np.float64)
    t = np.asarray(time, dtype=np.float64)
    if len(loss) < 2 or not math.isfinite(loss[0]) or loss[0] <= 0 or not t[-1] > 0:
        return None, None
    if not np.all(np.isfinite(loss)):
        return False, None
    with np.errstate(divide="ignore"):
        lr = np.log(np.maximum(loss[1:], 0.0) / loss[0])
    s = t[1:] / t[-1]
    holds = bool(np.all(lr <= s * math.log(epsilon) + _RTOL)) and completed
    env = float(np.exp(np.max(lr / t[1:])))
    return holds, env


def loss_metrics(traj: dict, epsilon: float, completed: bool, method: str) -> dict:
    loss = np.asarray(traj["loss"], dtype=np.float64)
    t = np.asarray(traj["time"], dtype=np.float64)
    k = np.asarray(traj["step"], dtype=np.float64)
    out = {"linear_convergence": None, "rate_envelope": None, "rate_fit": None, "decay_fit": None,
           "steps_to_target": None, "time_to_target": None}
    if len(loss) < 2:
        return out
    lin, env_t = linear_convergence(loss, t, epsilon, completed)
    out["linear_convergence"] = lin
    ok = np.isfinite(loss) & (loss > 0)
    if method == "gd":
        lin_k, env_k = linear_convergence(loss, k, epsilon, completed)
        out["rate_envelope"] = env_k
        if ok.sum() >= 2:
            out["rate_fit"] = float(np.exp(np.polyfit(k[ok], np.log(loss[ok]), 1)[0]))
    else:
        out["rate_envelope"] = env_t
    if ok.sum() >= 2 and np.ptp(t[ok]) > 0:
        out["decay_fit"] = float(-np.polyfit(t[ok], np.log(loss[ok]), 1)[0])
    hit = np.flatnonzero(loss <= epsilon * loss[0])
    if len(hit):
        out["steps_to_target"] = int(k[hit[0]])
        out["time_to_target"] = float(t[hit[0]])
    return out


def met_value(v) -> bool | None:
    """hypotheses_met as true / false / null, from summary.json's boolean or an older summary's words."""
    if isinstance(v, bool) or v is None:
        return v
    return {"met": True, "not met": False}.get(str(v))


def _claims(row: dict, claims: list) -> None:
    for c in claims:
        h, o, v = claim_columns(c["id"])
        row[h] = met_value(c.get("hypotheses_met"))
        row[o] = (c.get("conclusion") or {}).get("holds")
        row[v] = c["verdict"]


def _base(cell, cell_dir: Path) -> dict:
    s = cell.setting
    return {"cell": cell.key, "mode": cell.mode, "dir": f"cells/{cell.key}", "dataset": cell.source, "n": cell.n,
            "data_sha": cell.data_sha,
            "d": cell.d, "data_seed": cell.data_seed, "width": s.get("width", 512), "gamma": s.get("gamma", 0.1),
            "step_size_spec": str(s.get("step_size", "auto")), "steps": s.get("steps", 200), "seed": s.get("seed", 0),
            "method": s.get("method", "gd"), "solver": s.get("solver", "picard"),
            "backend": s.get("backend", "numpy"), "dtype": s.get("dtype", "float64"), "delta": s.get("delta", 0.05),
            "tol": s.get("tol", 1e-13), "constants": s.get("constants", "default"),
            "hidden": json.dumps(s.get("hidden") or {}, sort_keys=True), "on_parallel": s.get("on_parallel", "perturb"),
            "ntk_every": s.get("ntk_every", 10), "n_test": 0}


def failed_row(cell, cell_dir, status: str, error: str, wall: float) -> dict:
    row = _base(cell, Path(cell_dir))
    row.update(status=status, error=error, wall_seconds=wall)
    return row


def _theory_columns(row: dict, th: dict) -> None:
    for k in ("width_L3_3", "width_L3_5", "width_L3_6", "width_T3_1", "width_T3_2_printed", "width_T3_2", "step_L3_6",
              "norm_X", "r0_norm", "lambda_max_G_inf", "c_A", "c_W", "contraction_0"):
        row[k] = _num(th.get(k))


def extract_row(cell, cell_dir, *, epsilon: float, wall: float | None = None) -> dict:
    """The results row of a finished cell, from its directory alone (summary.json, trajectory.npz and,
    when a test set was recorded, test_curve.npz)."""
    cell_dir = Path(cell_dir)
    summary = json.loads((cell_dir / "summary.json").read_text())
    row = _base(cell, cell_dir)
    st = summary["setting"]
    th = summary["theory"]
    lam0 = _num(summary["lambda0"]["value"])
    row.update(step_size=_num(st.get("step_size")), step_size_rule=st.get("step_size_rule"), lambda0=lam0,
               c=_num(summary["c"]["empirical"]), c_delta=_num(summary["c"]["probabilistic"]["c"]),
               wall_seconds=wall, error=None, target_fraction=epsilon,
               reproduce=summary.get("reproduce"))
    _theory_columns(row, th)
    _claims(row, summary.get("claims", []))
    if cell.mode == "init":
        init = summary["init"]
        row.update(status="finished", lambda_min_G0=_num(init["lambda_min_G0"]),
                   G0_minus_Ginf_norm=_num(init["G0_minus_Ginf_norm"]))
    else:
        run = summary["run"]
        with np.load(cell_dir / "trajectory.npz") as f:
            traj = {k: f[k] for k in f.files if k not in ("A0", "W0", "u0", "v0")}
        completed = run.get("stopped_reason") is None and not run.get("interrupted")
        row.update(status="finished" if completed else "stopped", stopped_reason=run.get("stopped_reason"),
                   initial_loss=_num(run.get("initial_loss")), final_loss=_num(run.get("final_loss")),
                   steps_recorded=int(run.get("steps_recorded") or 0), final_time=_num(run.get("final_time")),
                   G0_minus_Ginf_norm=_num(run.get("G0_minus_Ginf_norm")))
        n_rec = len(traj["loss"])
        if n_rec:
            row["lambda_min_G0"] = float(traj["lambda_min_G"][0])
            if lam0 and lam0 > 0:
                ratio = traj["lambda_min_G"] / lam0
                row["min_lambda_G_ratio"] = float(np.nanmin(ratio))
                row["final_lambda_G_ratio"] = float(ratio[-1])
            for q in "AWuv":
                row[f"max_dist_{q}"] = float(np.nanmax(traj[f"dist_{q}"]))
            row["max_contraction"] = float(np.nanmax(traj["contraction"]))
        row.update(loss_metrics(traj, epsilon, completed, row["method"]))
        if row["method"] == "gd" and row["step_size"] and lam0:
            row["rate_guaranteed"] = 1.0 - row["step_size"] * lam0 / 2.0
        elif lam0:
            row["rate_guaranteed"] = math.exp(-lam0)   # per unit time (L3.5 (vi), T3.1)
        curve = cell_dir / "test_curve.npz"
        if curve.is_file():
            with np.load(curve) as f:
                row.update(n_test=int(f["n_test"]), test_loss_final=float(f["test_loss"][-1]),
                           test_accuracy_final=float(f["test_accuracy"][-1]),
                           train_accuracy_final=float(f["train_accuracy"][-1]))
    if lam0 is not None and row.get("G0_minus_Ginf_norm") is not None:
        row["G0_close"] = bool(row["G0_minus_Ginf_norm"] <= lam0 / 4 * (1 + _RTOL))
    if lam0 is not None and row.get("lambda_min_G0") is not None:
        row["lambda_min_G0_ok"] = bool(row["lambda_min_G0"] >= 0.75 * lam0 * (1 - _RTOL))
    return row


def _columns(rows: list[dict]) -> list[str]:
    seen = dict.fromkeys(ROW_ORDER)
    extra = []
    for r in rows:
        for k in r:
            if k not in seen and k not in extra:
                extra.append(k)
    return list(ROW_ORDER) + extra   # claim columns in the order the registry judged them (paper order)


def _arrow_column(values: list):
    import pyarrow as pa

    kinds = {type(v) for v in values if v is not None}
    if kinds <= {bool}:
        return pa.array(values, type=pa.bool_())
    if kinds <= {int}:
        return pa.array(values, type=pa.int64())
    if kinds <= {int, float}:
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def write_table(rows: list[dict], path) -> None:
    """results.parquet, written atomically (a reader never sees a half-written table)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    rows = sorted(rows, key=lambda r: (str(r.get("dataset")), r.get("n") or 0, r.get("data_seed") or 0,
                                       str(r.get("mode")), r.get("width") or 0, r.get("seed") or 0, r["cell"]))
    cols = _columns(rows)
    table = pa.table({c: _arrow_column([r.get(c) for r in rows]) for c in cols})
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def read_table(path) -> list[dict]:
    """results.parquet as a list of rows (dicts)."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()
