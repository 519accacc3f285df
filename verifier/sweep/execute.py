"""Running a sweep on Dask (dask.distributed): the embedded LocalCluster, or an existing cluster by address.

* Without a scheduler address: ``LocalCluster(n_workers=N, threads_per_worker=1, processes=True)``, one
  single-threaded worker process per core; every cell limits BLAS to one thread (threadpoolctl), so N
  cells share N cores without oversubscription.
* With ``tcp://HOST:PORT``: the same cells on an existing cluster (``dask scheduler`` + ``dask worker``, or
  dask-jobqueue on SLURM/PBS). Workers need this package installed and the sweep directory on a
  filesystem they share (checked before any cell runs).
* ``"synchronous"``: dask's synchronous scheduler in this process, one cell after another (debugging).

A cell is *finished* when its ``summary.json`` exists (written atomically by the run) and does not record
an interruption; a cell runs in an attempt folder renamed into place when complete, so ``cells/<key>``
appears whole or not at all. ``--resume`` submits only the cells that are not finished (an unfinished cell
restarts from scratch), so no finished cell ever runs twice. A cell that raises is
recorded with its error (status ``refused`` for a setting the run rejects, ``error`` otherwise) and the
sweep goes on. ``results.parquet`` is rewritten atomically as cells finish; ``events.jsonl`` logs every
submission and completion.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..rundir import atomic_write
from ..summary import dumps, to_json
from .cells import Cell, DataRef, cell_memory_bytes, expand
from .results import extract_row, failed_row, read_table, write_table
from .spec import SpecError, SweepSpec

__all__ = ["run_sweep", "run_cell", "certify_data", "SweepOutcome", "cell_state", "default_workers"]

INIT_SCHEMA = "verifier.sweep.init/1"
_WRITE_EVERY_S = 1.0


# --- in a worker ------------------------------------------------------------------------------------------

class _TestCurve:
    """Test loss and accuracy every `every` GD steps (the paper's Figure 1, second column).

    The run reports theta(k) only through its evaluation at theta(k); the iterate is replayed here with the
    update the GD loop applies, theta(k+1) = theta(k) - alpha grad L(theta(k)) (L3.6), from the same
    arrays in the same order, so it is theta(k) exactly."""

    def __init__(self, cell_dir: Path, test_path: str, every: int, steps: int):
        with np.load(test_path) as f:
            self.Xt, self.yt = f["X"], f["y"]
        self.dir, self.every, self.steps = cell_dir, every, steps
        self.rec = {"step": [], "test_loss": [], "test_accuracy": [], "train_loss": [], "train_accuracy": []}
        self.Z = None

    def prepared(self, pr) -> None:
        self.bk, self.alpha, self.gamma = pr.backend, pr.step_size, pr.setting.gamma
        self.kw = {"tol": pr.setting.tol, "method": pr.setting.solver}
        self.p = pr.params.to(self.bk)
        self.Xb, self.yb = self.bk.asarray(self.Xt), self.bk.asarray(self.yt)
        self.y_train = np.asarray(pr.data.y)

    def step(self, k: int, ev) -> None:
        from ..engine.gradients import predict
        from ..engine.model import Params

        if k % self.every == 0 or k == self.steps:
            yhat, self.Z, _, _ = predict(self.p, self.Xb, self.gamma, self.Z, bk=self.bk, **self.kw)
            yhat = self.bk.to_numpy(yhat)
            ytr = self.bk.to_numpy(ev.yhat)
            self.rec["step"].append(k)
            self.rec["test_loss"].append(0.5 * float(np.sum((yhat - self.yt) ** 2)))
            self.rec["test_accuracy"].append(_accuracy(yhat, self.yt))
            self.rec["train_loss"].append(float(ev.loss))
            self.rec["train_accuracy"].append(_accuracy(ytr, self.y_train))
            self._save()
        if k < self.steps:
            g, p, a = ev.grads, self.p, self.alpha
            with self.bk.quiet():
                self.p = Params(p.A - a * g.A, p.W - a * g.W, p.u - a * g.u, p.v - a * g.v)

    def _save(self) -> None:
        tmp = self.dir / "test_curve.tmp.npz"
        np.savez(tmp, n_test=np.array(len(self.yt)), **{k: np.asarray(v) for k, v in self.rec.items()})
        os.replace(tmp, self.dir / "test_curve.npz")


def _accuracy(yhat, y) -> float:
    """Fraction of samples whose output has the label's sign (labels -1/+1); NaN for real targets."""
    if not np.all(np.isin(y, (-1.0, 1.0))):
        return float("nan")
    return float(np.mean(np.sign(yhat) == y))


def _run_train(cell: Cell, cell_dir: Path) -> None:
    from ..pipeline import run

    s = cell.make_setting()
    curve = _TestCurve(cell_dir, cell.test_path, cell.test_every, s.steps) if cell.test_path else None
    summary = run(s, cell_dir, on_step=curve.step if curve else None, on_prepared=curve.prepared if curve else None)
    if summary["run"].get("interrupted"):
        raise KeyboardInterrupt   # the run kept what it recorded; the sweep stops and treats the cell as unfinished


def _run_init(cell: Cell, cell_dir: Path) -> None:
    """The initialization only (L3.3 at theta(0)): lambda0, c, G(0) against G_inf, the contraction margin,
    and every statement's hypotheses, as `verifier check` evaluates them, without training."""
    from proofs_checks.registry import RunContext, judge

    from ..engine import TrainConfig, train_gd
    from ..pipeline import prepare
    from ..theory.kernel import gram_finite

    s = cell.make_setting()
    t0 = time.perf_counter()
    pr = prepare(s)
    X, y = pr.data.X, pr.data.y
    traj = train_gd(pr.params, X, y, TrainConfig(s.gamma, pr.step_size, 0, tol=s.tol, solver=s.solver))
    arr = traj.arrays()
    dev = float(np.linalg.norm(gram_finite(X, pr.params.W) - pr.G_inf, 2))
    ctx = RunContext(pr.theory, arr, trained=False, a2=pr.data.a2, g0_dev=dev, tol=s.tol)   # as `verifier check`
    claims = [c.to_dict() for c in judge(ctx)]
    th = pr.theory
    summary = {
        "schema": INIT_SCHEMA, "kind": "init",
        "setting": {"dataset": s.dataset, "n": pr.data.n, "d": pr.data.d, "width": s.width, "gamma": s.gamma,
                    "step_size": pr.step_size, "step_size_rule": pr.step_rule, "steps": 0, "seed": s.seed,
                    "backend": s.backend, "method": s.method, "solver": s.solver, "delta": s.delta, "tol": s.tol,
                    "on_parallel": s.on_parallel, "hidden_constants": dict(s.hidden), "constants": s.constants},
        "lambda0": {"value": th.lambda0, "method": "closed-form G_inf (half-angle angles), numpy eigvalsh",
                    "certified": None},
        "c": {"empirical": th.c, "empirical_A": th.c_A, "empirical_W": th.c_W,
              "probabilistic": {"c": th.c_delta, "c_A": th.c_delta_A, "c_W": th.c_delta_W, "delta": th.delta}},
        "init": {"lambda_min_G0": float(arr["lambda_min_G"][0]), "G0_minus_Ginf_norm": dev,
                 "contraction_0": th.contraction_0, "lambda_max_H0": pr.lambda_max_H0,
                 "seconds": time.perf_counter() - t0},
        "theory": th.to_dict(),
        "claims": claims,
        "has_counterexample": any(c["verdict"] == "counterexample" for c in claims),
        "reproduce": s.command().replace("verifier run", "verifier check", 1),
    }
    cell_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(cell_dir / "setting.json", dumps(to_json(s.__dict__)))
    atomic_write(cell_dir / "summary.json", dumps(to_json(summary)))


def _reproduce(cell: Cell, cell_dir: Path, row: dict) -> None:
    if cell.mode == "train" and row.get("reproduce"):
        s = cell.setting
        extra = ("" if s.get("audit", True) else " --no-audit") + ("" if s.get("certify", True) else " --no-certify")
        if s.get("checkpoint_every", 10) != 10:
            extra += f" --checkpoint-every {s['checkpoint_every']}"
        row["reproduce"] = row["reproduce"] + extra


def run_cell(payload: dict, cell_dir: str, epsilon: float) -> dict:
    """Run one cell in this process (a Dask task) and return its results row; never raises for a bad cell.

    The run writes into a fresh attempt folder (``cells/.attempts/<key>-<pid>-<ns>``) that is renamed to
    ``cells/<key>`` once complete (summary, report, row.json): the cell directory appears whole or not at all,
    and an abandoned attempt (a worker killed, or still running on a remote cluster after the driver stopped)
    can never mix its files into a later attempt's."""
    from threadpoolctl import threadpool_limits

    from ..certify import CertifyInputError
    from ..data import DataError
    from ..pipeline import SettingError

    cell = Cell.from_dict(payload)
    final = Path(cell_dir)
    attempt = final.parent / ".attempts" / f"{cell.key}-{os.getpid()}-{time.time_ns()}"
    attempt.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with threadpool_limits(limits=1):   # one BLAS thread per worker: N workers share N cores
        try:
            (_run_init if cell.mode == "init" else _run_train)(cell, attempt)
            row = extract_row(cell, attempt, epsilon=epsilon, wall=time.perf_counter() - t0)
            _reproduce(cell, attempt, row)
            atomic_write(attempt / "row.json", dumps(row))
        except (SettingError, DataError, CertifyInputError) as exc:
            row = failed_row(cell, final, "refused", f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
        except Exception as exc:
            row = failed_row(cell, final, "error", f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
            try:
                attempt.mkdir(parents=True, exist_ok=True)
                (attempt / "error.txt").write_text(traceback.format_exc())
            except OSError:
                pass
    return _settle(attempt, final, row)


def _settle(attempt: Path, final: Path, row: dict) -> dict:
    """Move a completed attempt into place (a failed one too, for its error.txt), unless the cell finished
    meanwhile in another attempt: then that one stands and its row is returned."""
    if cell_state(final) == "finished":
        shutil.rmtree(attempt, ignore_errors=True)
        try:
            return json.loads((final / "row.json").read_text())
        except (OSError, ValueError):
            return row
    if final.exists():
        shutil.rmtree(final, ignore_errors=True)
    if attempt.exists():
        try:
            os.rename(attempt, final)
        except OSError:   # another attempt took the place first
            shutil.rmtree(attempt, ignore_errors=True)
    return row


def certify_data(path: str) -> dict:
    """Rigorous enclosure of lambda0 for one dataset of the sweep (once per dataset, shared by its cells)."""
    from threadpoolctl import threadpool_limits

    from ..certify import certify_lambda0
    from ..data import load_dataset

    with threadpool_limits(limits=1):
        X = load_dataset(path, labels="as-is").X   # exactly the rows every cell's run uses (y plays no part)
        return to_json(certify_lambda0(X).to_dict())


def _probe(paths: list) -> dict:
    """Run on every worker before the sweep: can it read the sweep's data, and with which package?"""
    from .. import __version__

    return {"missing": [p for p in paths if not os.path.isfile(p)], "version": __version__}


# --- in the driver ----------------------------------------------------------------------------------------

@dataclass
class SweepOutcome:
    out: Path
    total: int
    finished_before: int = 0      # finished cells found on --resume (not run again)
    finished: int = 0             # cells that finished in this invocation
    failed: int = 0
    interrupted: bool = False
    wall_seconds: float = 0.0
    rows: list = field(default_factory=list)
    scheduler: str = ""
    report_error: str | None = None

    @property
    def done(self) -> int:
        return self.finished_before + self.finished


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cell_state(cell_dir: Path) -> str:
    """'finished' (summary.json without an interruption), 'partial' (anything else on disk) or 'absent'."""
    s = cell_dir / "summary.json"
    if s.is_file():
        try:
            summary = json.loads(s.read_text())
        except (OSError, ValueError):
            return "partial"
        run = summary.get("run") or {}
        if run.get("interrupted") or run.get("status") in ("interrupted", "running"):
            return "partial"
        return "finished"
    return "partial" if cell_dir.exists() else "absent"


class _Log:
    def __init__(self, path: Path):
        self.fh = open(path, "a", buffering=1)

    def __call__(self, event: str, **kw) -> None:
        self.fh.write(json.dumps({"t": round(time.time(), 3), "event": event, **kw}) + "\n")

    def close(self) -> None:
        self.fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _check_memory(cells: list[Cell], limit: float, where: str) -> None:
    if not limit or limit <= 0:
        return
    worst = max(cells, key=lambda c: cell_memory_bytes(c.n, c.d, c.setting.get("width", 512), c.mode))
    need = cell_memory_bytes(worst.n, worst.d, worst.setting.get("width", 512), worst.mode)
    if need > limit:
        raise SpecError(f"a cell would not fit in a worker's memory: m = {worst.setting.get('width')}, n = {worst.n}, "
                        f"mode {worst.mode} needs about {need / 2**30:.3g} GiB, {where} has {limit / 2**30:.3g} GiB "
                        "per worker (use fewer workers, a smaller width, or a cluster with more memory per worker)")


def _cost(cell: Cell) -> float:
    m, n = cell.setting.get("width", 512), cell.n
    return m * m * (n + 64) * (1 + (cell.setting.get("steps", 200) if cell.mode == "train" else 0))


def _data_json(out: Path, ref: DataRef) -> Path:
    return out / "data" / f"{ref.sha[:12]}.json"


def _load_rows(out: Path, cells: list[Cell], epsilon: float) -> dict:
    """Rows of the finished cells (row.json, or re-extracted from the cell directory)."""
    rows = {}
    for c in cells:
        d = out / "cells" / c.key
        if cell_state(d) != "finished":
            continue
        row = None
        if (d / "row.json").is_file():
            try:
                row = json.loads((d / "row.json").read_text())
            except ValueError:
                row = None
        if row is None or row.get("cell") != c.key or row.get("target_fraction") not in (None, epsilon):
            row = extract_row(c, d, epsilon=epsilon, wall=(row or {}).get("wall_seconds"))
            _reproduce(c, d, row)
            atomic_write(d / "row.json", dumps(row))
        if c.mode == "train" and not (d / "report.html").is_file():
            from ..report import write_report  # the run was stopped between its summary and its report

            write_report(d)
        rows[c.key] = row
    return rows


def _with_certificates(rows: list[dict], certs: dict) -> list[dict]:
    out = []
    for r in rows:
        c = certs.get(r.get("data_sha")) or {}
        out.append({**r, "lambda0_certified_lower": c.get("lower"), "lambda0_certified_upper": c.get("upper")})
    return out


def _reachable(scheduler: str, timeout: float) -> None:
    """Fail fast on a refused or unresolvable tcp/tls address (the Dask client would retry until its timeout)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(scheduler if "://" in scheduler else "tcp://" + scheduler)
    if parts.scheme not in ("tcp", "tls"):
        return
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise SpecError(f"--scheduler {scheduler}: expected tcp://HOST:PORT (e.g. tcp://127.0.0.1:8786)")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise SpecError(f"cannot reach the Dask scheduler at {scheduler}: {exc.strerror or exc}") from None


def _connect(scheduler: str, timeout: float = 10.0):
    from distributed import Client

    _reachable(scheduler, timeout)
    try:
        client = Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SpecError(f"cannot reach the Dask scheduler at {scheduler}: {type(exc).__name__}: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=30)
    except (TimeoutError, OSError):
        client.close()
        raise SpecError(f"the Dask scheduler at {scheduler} has no worker (waited 30 s); start some with "
                        f"`dask worker {scheduler} --nthreads 1`") from None
    return client


def run_sweep(spec: SweepSpec, out, *, scheduler: str | None = None, workers: int | None = None,
              resume: bool = False, progress: bool = True, report: bool = True) -> SweepOutcome:
    """Run every cell of `spec` into `out` (see the module docstring). Bad input raises SpecError (or
    DataError / SettingError) before any cell runs; KeyboardInterrupt (Ctrl-C, or SIGTERM mapped to it by
    the CLI) stops the sweep, keeps every finished cell and returns with ``interrupted=True``."""
    t_start = time.perf_counter()
    out = Path(out)
    spec_file = out / "spec.json"
    if spec_file.is_file():
        try:
            stored = json.loads(spec_file.read_text())
        except ValueError:
            stored = {}
        if not resume:
            raise SpecError(f"{out} already holds a sweep: pass --resume to run its missing cells, or choose another --out")
        if stored.get("spec") != json.loads(spec.fingerprint()):
            raise SpecError(f"{out} was started with a different spec; use another --out (cells are content-addressed: "
                            "copy its cells/ and data/ folders to reuse finished cells)")
    if workers is not None and workers < 1:
        raise SpecError(f"--workers must be >= 1, got {workers}")
    if scheduler and workers is not None and scheduler != "synchronous":
        raise SpecError("--workers sets the size of the embedded cluster; an existing cluster (--scheduler) has its own")
    cells, datas = expand(spec, out / "data")
    n_workers = workers or default_workers()
    if not scheduler:
        from distributed.system import MEMORY_LIMIT

        _check_memory(cells, MEMORY_LIMIT / n_workers, f"this machine ({n_workers} worker(s))")
    eps = spec.options.target_fraction
    rows = _load_rows(out, cells, eps)
    outcome = SweepOutcome(out, len(cells), finished_before=len(rows))
    pending = [c for c in cells if c.key not in rows]
    certs = {}
    for ref in datas.values():
        p = _data_json(out, ref)
        info = json.loads(p.read_text()) if p.is_file() else {"data": ref.to_dict()}
        if "lambda0_certificate" in info:
            certs[ref.sha] = info["lambda0_certificate"]
        else:
            atomic_write(p, dumps(info))
    to_certify = [ref for ref in datas.values() if ref.sha not in certs]

    client = cluster = None
    if pending or to_certify:
        if scheduler and scheduler != "synchronous":
            client = _connect(scheduler)
            info = client.scheduler_info(n_workers=-1)["workers"]
            limits = [w.get("memory_limit") or 0 for w in info.values()]
            _check_memory(cells, min(limits) if limits and all(limits) else 0, f"the cluster at {scheduler}")
            probe = client.run(_probe, [r.path for r in datas.values()])
            for addr, res in probe.items():
                if res["missing"]:
                    client.close()
                    raise SpecError(f"worker {addr} cannot read {res['missing'][0]}: the sweep directory must be on "
                                    "a filesystem every worker shares")
            outcome.scheduler = scheduler
        elif scheduler == "synchronous":
            outcome.scheduler = "synchronous"
    (out / "cells").mkdir(parents=True, exist_ok=True)
    _clear_attempts(out / "cells")
    atomic_write(spec_file, dumps({"spec": json.loads(spec.fingerprint()), "source": spec.source,
                                   "cells": len(cells)}))
    atomic_write(out / "cells.json", dumps([c.to_dict() for c in cells]))
    log = _Log(out / "events.jsonl")
    log("start", cells=len(cells), finished_before=len(rows), pending=len(pending), resume=resume,
        scheduler=scheduler or "local")
    bar = _Progress(len(cells), len(rows), enabled=progress)
    last_write = [0.0]

    def save(force=False):
        if force or time.monotonic() - last_write[0] >= _WRITE_EVERY_S:
            write_table(_with_certificates(list(rows.values()), certs), out / "results.parquet")
            last_write[0] = time.monotonic()

    def finish(key, row):
        rows[key] = row
        ok = row.get("status") in ("finished", "stopped")
        outcome.finished += ok
        outcome.failed += not ok
        log("finish" if ok else "fail", cell=key, status=row.get("status"), error=row.get("error"),
            wall=row.get("wall_seconds"))
        bar.advance(ok)
        save()

    def certified(ref, cert):
        certs[ref.sha] = cert
        atomic_write(_data_json(out, ref), dumps({"data": ref.to_dict(), "lambda0_certificate": cert}))

    try:
        if pending or to_certify:
            if scheduler is None and client is None:
                cluster, client = _local_cluster(n_workers)
                outcome.scheduler = f"LocalCluster({n_workers} worker processes x 1 thread)"
            bar.start()
            if client is None:   # dask's synchronous scheduler, in this process
                import dask

                for ref in to_certify:
                    certified(ref, dask.delayed(certify_data)(ref.path).compute(scheduler="synchronous"))
                for c in sorted(pending, key=_cost, reverse=True):
                    log("submit", cell=c.key)
                    finish(c.key, dask.delayed(run_cell)(c.to_dict(), str(out / "cells" / c.key), eps)
                           .compute(scheduler="synchronous"))
            else:
                _drive(client, out, pending, to_certify, eps, log, finish, certified, rows)
    except KeyboardInterrupt:
        outcome.interrupted = True
        log("interrupt", finished=len(rows))
    finally:
        bar.stop()
        try:
            save(force=True)
        finally:
            log.close()
            _close(client, cluster, quiet=outcome.interrupted)
    outcome.rows = _with_certificates(list(rows.values()), certs)
    outcome.wall_seconds = time.perf_counter() - t_start
    if report and not outcome.interrupted and rows:
        try:
            from .report import write_sweep_report

            write_sweep_report(out)
        except Exception as exc:   # the cells and the table stand; `verifier sweep-report DIR` retries the report
            outcome.report_error = f"{type(exc).__name__}: {exc}"
            with _Log(out / "events.jsonl") as log2:
                log2("report_error", error=traceback.format_exc())
    return outcome


def _clear_attempts(cells_dir: Path) -> None:
    """Unfinished cells restart from scratch: remove what interrupted attempts left."""
    shutil.rmtree(cells_dir / ".attempts", ignore_errors=True)


def _drive(client, out, pending, to_certify, eps, log, finish, certified, rows):
    from distributed import as_completed

    futures = {}
    for ref in to_certify:
        f = client.submit(certify_data, ref.path, key=f"lambda0-{ref.sha[:16]}", pure=False, priority=1e30)
        futures[f] = ("cert", ref)
    for c in sorted(pending, key=_cost, reverse=True):
        f = client.submit(run_cell, c.to_dict(), str((out / "cells" / c.key).resolve()), eps,
                          key=f"cell-{c.key}", pure=False, priority=_cost(c))
        futures[f] = ("cell", c)
        log("submit", cell=c.key)
    try:
        for fut in as_completed(list(futures), loop=client.loop):
            kind, obj = futures.pop(fut)
            try:
                res = fut.result()
            except Exception as exc:   # the worker died (e.g. killed for memory): the cell failed, the sweep goes on
                res = None
                err = f"{type(exc).__name__}: {exc}"
            if kind == "cert":
                certified(obj, res if res is not None else {"status": "error", "reason": err})
                continue
            if res is None:
                res = failed_row(obj, out / "cells" / obj.key, "error", err, None)
            finish(obj.key, res)
    finally:
        if futures:
            client.cancel(list(futures), force=True)


def _local_cluster(n_workers: int):
    """One single-threaded worker process per core; the scheduler's HTTP server on a free port (":0"), so two
    sweeps on one machine do not collide on dask's default 8787."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return cluster, Client(cluster, set_as_default=False)


def _close(client, cluster, *, quiet: bool) -> None:
    if quiet:   # workers killed mid-task say so loudly; the interruption is already reported
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
    try:
        if client is not None:
            client.close(timeout=10)
    finally:
        if cluster is not None:
            cluster.close(timeout=10)


class _Progress:
    """A rich progress bar on stderr: finished / total cells, failures, elapsed and remaining time."""

    def __init__(self, total: int, done: int, enabled: bool):
        self.enabled = enabled
        self.failed = 0
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.p = Progress(TextColumn("[bold]sweep[/]"), BarColumn(), TextColumn("{task.completed}/{task.total} cells"),
                          TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(), TimeRemainingColumn(),
                          console=Console(stderr=True), transient=False)
        self.task = self.p.add_task("sweep", total=total, completed=done, failed=0)

    def start(self):
        if self.enabled:
            self.p.start()

    def advance(self, ok: bool):
        self.failed += not ok
        if self.enabled:
            self.p.update(self.task, advance=1, failed=self.failed)

    def stop(self):
        if self.enabled:
            self.p.stop()


def read_results(out) -> list[dict]:
    return read_table(Path(out) / "results.parquet")
