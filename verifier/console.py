"""Console renderers of the `verifier` command (rich tables); the command itself lives in cli.py."""
from __future__ import annotations

__all__ = ["print_run_summary", "print_check"]


def print_run_summary(summary: dict, out) -> None:
    """The console summary of `verifier run`: setting, how the run ended, one row per claim, the headline."""
    from rich.console import Console
    from rich.table import Table

    from .report import fmt, headline

    con = Console()
    st = summary["setting"]
    con.print(f"[bold]verifier run[/] {st['dataset']}: n={st['n']} d={st['d']} m={st['width']} gamma={st['gamma']} "
              f"alpha={fmt(st['step_size'])} steps={st['steps']} seed={st['seed']}")
    r = summary["run"]
    if r.get("status") not in (None, "completed"):
        con.print(f"[bold red]run {r['status']}[/] at step {r.get('stopped_step')}: {r.get('stopped_reason')}; "
                  "conclusions that held on the recorded steps are undecided beyond them")
    con.print(f"loss {fmt(r['initial_loss'])} -> {fmt(r['final_loss'])} in {r['steps_recorded'] - 1} steps "
              f"({fmt(r['train_seconds'])} s); lambda0 = {fmt(summary['lambda0']['value'])}; "
              f"c_emp = {fmt(summary['c']['empirical'])}; gamma_max = {fmt(summary['theory']['gamma_max'])}")
    t = Table(show_lines=False)
    for col in ("statement", "hypotheses", "conclusion", "verdict"):
        t.add_column(col)
    for c in summary["claims"]:
        h = c["conclusion"]["holds"]
        color = {"counterexample": "red", "confirmed": "green", "holds_beyond_hypotheses": "green"}.get(c["verdict"],
                                                                                                        "yellow")
        t.add_row(c["id"], {True: "met", False: "not met", None: "undecided"}[c["hypotheses_met"]],
                  {True: "holds", False: "violated", None: "undecided"}[h],
                  f"[{color}]{c.get('verdict_label', c['verdict'])}[/]")
    con.print(t)
    for line in headline(summary)[:1]:
        con.print(line)
    con.print(f"report: {out}/report.html  (also report.md, summary.json, trajectory.npz, data.npz)")


def print_check(out: dict) -> None:
    """The console tables of `verifier check`: theory numbers, statements, constants, certificates, hypotheses."""
    from rich.console import Console
    from rich.table import Table

    from .report import _theory_rows, fmt

    con = Console()
    st = out["setting"]
    con.print(f"[bold]verifier check[/] {st['dataset']}: n={st['n']} d={st['d']} m={st['width']} "
              f"gamma={st['gamma']} alpha={fmt(st['step_size'])} ({st['step_size_rule']})")
    t = Table(title="theory numbers")
    for col in ("quantity", f"value (constants: {out['theory']['choice']})", "at proof-derived constants", "meaning"):
        t.add_column(col)
    for row in _theory_rows(out["theory"]):
        t.add_row(*row)
    con.print(t)
    t = Table(title="the statements as sympy, evaluated for this setting, once per choice of hidden constants "
                    "(default: each Omega/O constant 1; proof: the proof-derived value; `verifier constants`)")
    for col in ("statement", "quantity", "expression", "constants", "value", "hidden constants"):
        t.add_column(col)
    for row in out.get("statements_table", []):
        hc = ", ".join(f"{k}={fmt(v)}" for k, v in row["hidden_constants_used"].items())
        t.add_row(row["id"], row["quantity"], row["expression"], row["choice"], fmt(row["value"]), hc)
    con.print(t)
    if out.get("explicit_constants"):
        t = Table(title="conditions the printed proofs need (proofs_checks; their chains rest on steps the audit "
                          "finds false, so these are not valid sufficient conditions)")
        for col in ("name", "value", "formula", "source"):
            t.add_column(col)
        for e in out["explicit_constants"]:
            t.add_row(e["name"], fmt(e["value"]), e["formula"], e["source"])
        con.print(t)
    if out.get("certificates"):
        t = Table(title="certificates (rigorous; 'proven' means a proof in floating-point-aware arithmetic)")
        for col in ("quantity", "lower", "upper", "status", "method", "seconds"):
            t.add_column(col)
        for cert in out["certificates"].values():
            t.add_row(cert["quantity"], f"{cert['lower']:.17g}" if cert["lower"] is not None else "-",
                      f"{cert['upper']:.17g}" if cert["upper"] is not None else "-", cert["status"],
                      cert["method"], fmt(cert["seconds"]))
        con.print(t)
    t = Table(title="hypotheses of the run verdicts (hidden constants as shown)")
    for col in ("statement", "hypothesis", "value", "", "required", "holds"):
        t.add_column(col)
    seen = set()
    for c in out["claims"]:
        cid = c["id"].split("(")[0]   # numbered conclusions of one statement share its hypotheses
        if cid in seen:
            continue
        seen.add(cid)
        for h in c["hypotheses"]:
            mark = {True: "[green]yes[/]", False: "[red]NO[/]", None: "[yellow]undecided[/]"}[h["holds"]]
            t.add_row(cid, h["name"], fmt(h["value"]), h["relation"], fmt(h["required"]), mark)
    con.print(t)
