"""The `verifier` command: run, check, report.

Exit codes: 0 ran to the end (whatever the verdicts), 3 ran but stopped early, 2 bad input (one line, before
heavy work), 1 internal error, 130 interrupted (everything recorded is kept).
"""
from __future__ import annotations

import json
import math
import sys
import traceback
from pathlib import Path

import click

from .console import print_check, print_run_summary
from .errors import CertifyInputError, DataError, SettingError

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
#: the run started but stopped before its last step (divergence, a failed solve, a non-finite value)
EXIT_STOPPED = 3


class _StepSize(click.ParamType):
    name = "ALPHA|auto"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)) or value == "auto":
            return value
        try:
            x = float(value)
        except ValueError:
            self.fail(f"'{value}' is neither a number nor 'auto'", param, ctx)
        if not math.isfinite(x) or x <= 0:
            self.fail(f"step size must be a positive number, got {value}", param, ctx)
        return x


def _constant(ctx, param, values):
    out = {}
    for item in values:
        if "=" not in item:
            raise click.BadParameter(f"expected NAME=VALUE, got '{item}'")
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = float(v)
        except ValueError:
            raise click.BadParameter(f"value of {k} must be a number, got '{v}'") from None
    return out


def _load_config(path):
    if path is None:
        return {}
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise SettingError(f"--config {path}: cannot read ({exc.strerror})") from None
    try:
        if p.suffix == ".toml":
            import tomllib
            cfg = tomllib.loads(text)
        else:
            cfg = json.loads(text)
    except Exception as exc:
        raise SettingError(f"--config {path}: cannot parse ({type(exc).__name__}: {exc})") from None
    if not isinstance(cfg, dict):
        raise SettingError(f"--config {path}: expected a table/object of options")
    from .setting import Setting

    known = set(Setting.__dataclass_fields__) | {"data", "step_size"}
    unknown = sorted(set(cfg) - known)
    if unknown:
        import difflib

        hints = []
        for k in unknown:
            close = difflib.get_close_matches(k.replace("-", "_"), sorted(known), n=1, cutoff=0.6)
            hints.append(f"{k} (did you mean {close[0]}?)" if close else k)
        raise SettingError(f"--config {path}: unknown option(s) {', '.join(hints)}")
    if "data" in cfg:
        cfg["dataset"] = cfg.pop("data")
    return cfg


def _setting_options(f):
    opts = [
        click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
                     help="JSON or TOML file of options (keys as the long flags, '_' for '-'); flags override it."),
        click.option("--data", "dataset", default=None,
                     help="'digits' (default; real, sklearn's digits 0/1), 'synthetic[:n=..,d=..,seed=..]', "
                          "or a .npz/.csv file."),
        click.option("--width", type=int, default=None, help="Width m (default 512)."),
        click.option("--gamma", type=float, default=None, help="gamma in (0, 1) (default 0.1)."),
        click.option("--step-size", "step_size", type=_StepSize(), default=None,
                     help="GD step size alpha, or 'auto' = 1/lambda_max(H(0)) (default auto)."),
        click.option("--steps", type=int, default=None, help="Number of GD steps K (default 200)."),
        click.option("--seed", type=int, default=None, help="Seed of the A1 initialization (default 0)."),
        click.option("--backend", type=str, default=None, help="numpy (default) or torch."),
        click.option("--delta", type=float, default=None, help="Failure probability for c(delta) and widths (default 0.05)."),
        click.option("--tol", type=float, default=None, help="Relative-residual tolerance of the solves (default 1e-13)."),
        click.option("--labels", "labels", default=None,
                     help="Labels must be -1/+1; map others explicitly, e.g. '0,1->-1,+1', or 'as-is' for real targets."),
        click.option("--on-parallel", "on_parallel", type=click.Choice(["perturb", "refuse"]), default=None,
                     help="A2: perturb parallel samples with N(0, 1e-3^2) noise (default) or refuse the data."),
        click.option("--method", type=str, default=None, help="gd (gradient descent, default) or gf (gradient flow)."),
        click.option("--solver", type=str, default=None, help="Fixed-point solver: picard (default) or anderson."),
        click.option("--precision", type=str, default=None,
                     help="Solves: auto (default, = float64), float64, or mixed (float32 iterations, then float64 "
                          "to the full tolerance: faster, equal to ~1e-15 but not bit for bit across thread counts)."),
        click.option("--ntk-every", "ntk_every", type=int, default=None,
                     help="Record the NTK of L3.1 (H and its three terms) every k records; 0 = never (default 10)."),
        click.option("--device", type=str, default=None, help="torch backend: auto (GPU when present, default), cpu, cuda."),
        click.option("--dtype", type=str, default=None, help="float64 (default) or float32 (torch backend)."),
        click.option("--time", "t_final", type=float, default=None,
                     help="gf: integration time T (default steps x step size)."),
        click.option("--gf-rtol", "gf_rtol", type=float, default=None, help="gf: relative error per step (default 1e-6)."),
        click.option("--checkpoint-every", "checkpoint_every", type=int, default=None,
                     help="Write trajectory + checkpoint every k records (default 10; 0 = only at the end)."),
        click.option("--constants", "constants", type=click.Choice(["default", "proof"]), default=None,
                     help="Hidden Omega/O constants of the verdicts: 'default' (each 1, default) or 'proof' (the values "
                          "the proofs' own inequalities pin down, where they do). `verifier constants` lists them."),
        click.option("--constant", "hidden", multiple=True, callback=_constant,
                     help="Set one hidden constant, NAME=VALUE (repeatable; overrides --constants), e.g. "
                          "C_width_L3.3=2 (or C_width_L3_3=2). `verifier constants` lists every name."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _make_setting(config, **flags):
    from .setting import Setting

    cfg = _load_config(config)
    hidden = dict(cfg.pop("hidden", {}) or {})
    hidden.update(flags.pop("hidden") or {})
    for k, v in flags.items():
        if v is not None:
            cfg[k] = v
    try:
        s = Setting(**cfg, hidden={k: float(v) for k, v in hidden.items()})
    except TypeError as exc:
        raise SettingError(f"bad option: {exc}") from None
    s.validate()
    return s


def _guard(fn):
    """Map user errors to one line + exit 2, and anything else to exit 1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*a, **k):
        try:
            return fn(*a, **k)
        except SettingError as exc:
            click.echo(f"error: {exc.for_cli()}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except (DataError, CertifyInputError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # a bug, not a user mistake: keep the traceback for the report
            traceback.print_exc()
            click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
            sys.exit(EXIT_INTERNAL)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="implicit-verifier")
def main():
    """Verify the theorems of Gao et al. (ICLR 2022) on a concrete dataset and network."""


@main.command()
@_setting_options
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Run directory (default reports/<dataset>-m<width>-s<seed>-<method>-<hash of the setting>).")
@click.option("--force", is_flag=True,
              help="Replace the --out folder whole when it holds another setting's run (never merged).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False), default=None,
              help="Continue the interrupted run in this directory (other options are taken from it; --steps may extend it).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--no-audit", "no_audit", is_flag=True,
              help="Leave the symbolic proof audit out of the report (cached after its first run).")
@click.option("--no-certify", "no_certify", is_flag=True,
              help="Skip the rigorous certificates (lambda0 interval, contraction at theta(0) and theta(K)).")
@_guard
def run(config, out, force, resume_dir, quiet, no_audit, no_certify, **flags):
    """Train (GD or GF) and write the verification report."""
    import signal

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from .pipeline import resume as resume_pipeline
    from .pipeline import run as run_pipeline

    def _term(signum, frame):  # out-of-time kills (SIGTERM) stop like Ctrl-C: everything recorded is kept
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    console = Console(stderr=True)
    progress = Progress(TextColumn("[bold]train[/]"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                        TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=console, disable=quiet, transient=False)
    task = progress.add_task("train", total=None, loss="-")

    def started(pr):  # the bar starts once data and setting are accepted: a bad input prints one line only
        for w in pr.warnings:
            console.print(f"[yellow]warning:[/] {w}", highlight=False)
        progress.update(task, total=pr.setting.steps + 1)
        progress.start()

    def stepped(k, ev):
        progress.update(task, completed=k + 1, loss=f"{ev.loss:.4e}")

    try:
        if resume_dir is not None:
            given = [k for k, v in flags.items() if v not in (None, (), {}) and k != "steps"]
            if config or out or given or no_audit or no_certify or force:
                raise SettingError("--resume takes its setting from the run directory; only --steps may be given")
            out = resume_dir
            summary = resume_pipeline(resume_dir, steps=flags.get("steps"), on_prepared=started, on_step=stepped)
        else:
            s = _make_setting(config, **flags)
            s.audit = not no_audit
            s.certify = not no_certify
            if out is None:
                from .setting import default_run_dir

                out = str(default_run_dir(s))
            summary = run_pipeline(s, out, on_prepared=started, on_step=stepped, force=force)
    finally:
        progress.stop()
    print_run_summary(summary, out)
    if summary["run"].get("interrupted"):
        click.echo(f"interrupted: everything recorded so far is in {out}; continue with "
                   f"`verifier run --resume {out}`", err=True)
        sys.exit(130)
    if summary["run"].get("status") == "stopped early":
        click.echo(f"stopped early at step {summary['run']['stopped_step']}: {summary['run']['stopped_reason']} "
                   f"(the report in {out} says what was recorded)", err=True)
        sys.exit(EXIT_STOPPED)


@main.command()
@_setting_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--certify", is_flag=True,
              help="Also prove an enclosure of lambda0 and a bound on (gamma/sqrt(m))||A(0)|| (verifier.certify).")
@_guard
def check(config, as_json, certify, **flags):
    """Evaluate hypotheses and theory numbers for a setting, without training."""
    from .pipeline import check as check_pipeline

    s = _make_setting(config, **flags)
    out = check_pipeline(s, certify=certify)
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    print_check(out)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--only", "only", multiple=True, help="Audit only these statements (e.g. --only L3.4).")
@click.option("--export", "export_dir", type=click.Path(file_okay=False), default=None,
              help="Also write every counterexample the audit found as .npz files into this folder.")
@_guard
def audit(as_json, only, export_dir):
    """Audit the proofs: every statement with its status (verified / finding / not checkable) and its steps
    counted apart: holds (checked and holds), fails (checked and fails), not checkable (with the reason)."""
    import proofs_checks
    from proofs_checks import registry

    from .summary import dumps

    known = registry.statement_ids()
    unknown = [i for i in only if i not in known]
    if unknown:
        raise SettingError(f"unknown statement id(s) {', '.join(unknown)} (known: {', '.join(known)})")
    exported = []
    if export_dir is not None:
        target = Path(export_dir)
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingError(f"--export {export_dir}: cannot create the folder ({exc.strerror})") from None
        for mod in registry.modules():
            if hasattr(mod, "export_counterexamples") and (not only or mod.ID in only):
                exported += [str(p) for p in mod.export_counterexamples(target)]
    res = registry.audit(ids=set(only) if only else None)
    if as_json:
        click.echo(dumps({"totals": proofs_checks.audit_totals(res), "statements": res, "exported": exported},
                         indent=2))
    else:
        click.echo(proofs_checks.render_audit_text(res))
        for p in exported:
            click.echo(f"exported: {p}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_guard
def constants(as_json):
    """List the hidden Omega/O constants: name, where the paper hides it, default and proof-derived value."""
    from proofs_checks.hidden_constants import HIDDEN_CONSTANTS

    if as_json:
        click.echo(json.dumps([h.to_dict() for h in HIDDEN_CONSTANTS.values()], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title="hidden constants (the paper names none; the verdicts use 'default' unless --constants proof)")
    for col in ("name", "statements", "where the paper hides it", "default", "proof-derived", "source"):
        t.add_column(col)
    for h in HIDDEN_CONSTANTS.values():
        t.add_row(h.name, ", ".join(h.statements), h.where, f"{h.default:g}",
                  "-" if h.proof_value is None else f"{h.proof_value:.6g}", h.proof_source)
    Console().print(t)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@_guard
def report(run_dir):
    """Rebuild report.md / report.html of a run directory from its summary.json and trajectory.npz."""
    from .report import write_report

    p = Path(run_dir)
    for f in ("summary.json", "trajectory.npz"):
        if not (p / f).is_file():
            raise SettingError(f"{run_dir}: not a run directory (missing {f})")
    write_report(p)
    click.echo(f"wrote {p}/report.md and {p}/report.html")


EXIT_CELLS_FAILED = 3


@main.command(name="sweep")
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--preset", default=None,
              help="A ready-made sweep instead of SPEC: fig1 (the paper's Figure 1; needs --data-dir), fig1-digits "
                   "(Figure 1's protocol on the embedded digits, minutes on 2 cores), tightness (critical widths).")
@click.option("--data-dir", "data_dir", type=click.Path(file_okay=False), default=None,
              help="Folder with the standard files of MNIST, FashionMNIST, CIFAR-10, SVHN (nothing is downloaded).")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Sweep directory (default reports/sweeps/<spec name or preset>).")
@click.option("--scheduler", default=None,
              help="Address of an existing Dask scheduler (tcp://HOST:PORT); default: an embedded LocalCluster. "
                   "'synchronous' runs the cells one after another in this process.")
@click.option("--workers", type=int, default=None,
              help="Worker processes of the embedded cluster (default: one per core; one BLAS thread each).")
@click.option("--resume", is_flag=True, help="Continue the sweep in --out: run only the cells not finished yet.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--print-spec", "print_spec", is_flag=True, help="Print the preset's spec (TOML) and exit.")
@_guard
def sweep(spec, preset, data_dir, out, scheduler, workers, resume, quiet, print_spec):
    """Run a sweep: a grid of runs (SPEC: TOML or JSON with a run config's keys, any of them a list, plus n,
    data_seed, mode) on Dask; writes DIR/results.parquet (one row per cell) and the sweep report."""
    import signal

    from .sweep.presets import preset_spec, preset_text
    from .sweep.spec import SpecError, load_spec

    if (spec is None) == (preset is None):
        raise SpecError("give either a SPEC file or --preset NAME (fig1, fig1-digits, tightness)")
    if print_spec:
        if preset is None:
            raise SpecError("--print-spec prints a preset's spec: give --preset NAME")
        click.echo(preset_text(preset), nl=False)
        return
    sp = preset_spec(preset, data_dir=data_dir) if preset else load_spec(spec, data_dir=data_dir)
    name = preset or Path(spec).stem
    out = out or f"reports/sweeps/{name}"

    def _term(signum, frame):  # SIGTERM stops the sweep like Ctrl-C: every finished cell is kept
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    from .sweep.execute import run_sweep

    res = run_sweep(sp, out, scheduler=scheduler, workers=workers, resume=resume, progress=not quiet)
    click.echo(f"sweep {name}: {res.total} cells; {res.finished_before} finished before, {res.finished} now, "
               f"{res.failed} failed; {res.wall_seconds:.1f} s on {res.scheduler or 'nothing (all cells were finished)'}")
    click.echo(f"results: {out}/results.parquet" + ("" if res.interrupted else f"; report: {out}/report.html"))
    if res.report_error:
        click.echo(f"warning: the sweep report failed ({res.report_error}); `verifier sweep-report {out}` retries it",
                   err=True)
    if res.interrupted:
        click.echo(f"interrupted: every finished cell is kept in {out}; continue with "
                   f"`verifier sweep {spec or '--preset ' + preset} --out {out} --resume`", err=True)
        sys.exit(130)
    if res.failed:
        click.echo(f"{res.failed} cell(s) failed (recorded with their error in results.parquet; --resume retries them)",
                   err=True)
        sys.exit(EXIT_CELLS_FAILED)


@main.command(name="sweep-report")
@click.argument("sweep_dir", type=click.Path(file_okay=False))
@_guard
def sweep_report(sweep_dir):
    """Rebuild report.md / report.html / sweep_report.json of a sweep directory from its results.parquet."""
    from .sweep.report import write_sweep_report

    doc = write_sweep_report(sweep_dir)
    for line in doc["headline"][:4]:
        click.echo(line)
    click.echo(f"wrote {sweep_dir}/report.html, report.md, sweep_report.json")


if __name__ == "__main__":  # pragma: no cover
    main()
