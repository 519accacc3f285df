"""The registry of the paper's statements, in paper order; everything that walks statements walks this.

Each statement module (`l2_1` ... `t3_2`) provides:
    ID, TITLE             the paper's numbering and a one-line title
    STATEMENT             the statement as printed (`proofs_checks.statement.Statement`)
    check(ctx)            its verdicts on one run (a list of `ClaimResult`, empty when it does not apply,
                          e.g. L3.5 on a gradient-descent run)
    audit(setting)        its proof audit (steps with a status, findings)

`verifier run`, `verifier check`, `verifier audit`, the report and the summary iterate `MODULES`; none of
them names a statement.
"""
from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

__all__ = ["MODULE_NAMES", "modules", "statement_ids", "statements", "RunContext", "judge", "audit"]

#: statement modules in the paper's order (Sec. 2, then Sec. 3: L3.5 and T3.1 precede L3.6 and T3.2)
MODULE_NAMES = ("l2_1", "l2_2", "l2_3", "l3_1", "l3_2", "l3_3", "l3_4", "l3_5", "t3_1", "l3_6", "t3_2")


def modules() -> list[ModuleType]:
    return [importlib.import_module(f"proofs_checks.{name}") for name in MODULE_NAMES]


def statement_ids() -> list[str]:
    return [m.ID for m in modules()]


def statements() -> list:
    """The statements as printed (`Statement` objects), in paper order."""
    return [m.STATEMENT for m in modules()]


@dataclass(frozen=True)
class RunContext:
    """What one run provides to the statements' checks.

    th: the run's TheoryNumbers; traj: recorded arrays (TRAJECTORY_KEYS; one record for `verifier check`);
    trained: whether conclusions are judged (False for `verifier check`); a2: the dataset's A2 report;
    g0_dev: ||G(0) - G_inf||_2; probe: L2.2 iterate checks at theta(0); certificates: rigorous results
    (`verifier.certify`, as dicts) or None.
    """
    th: object
    traj: dict
    trained: bool = True
    a2: dict = field(default_factory=dict)
    g0_dev: float | None = None
    probe: dict | None = None
    certificates: dict | None = None
    c_source: str = "empirical: max(||A(0)||, ||W(0)||)/sqrt(m)"
    complete: bool = True          # False when the run stopped early or was interrupted
    tol: float = 1e-13             # the solves' relative-residual tolerance

    @property
    def rtol(self) -> float:
        return float(self.th.comparison_rtol)

    def __post_init__(self):
        object.__setattr__(self, "traj", {k: np.asarray(v) for k, v in self.traj.items()})


def judge(ctx: RunContext, ids=None) -> list:
    """Every statement's verdicts on one run, in paper order (ClaimResult objects)."""
    out = []
    for mod in modules():
        if ids is None or mod.ID in ids:
            out.extend(dataclasses.replace(c, complete=ctx.complete) for c in mod.check(ctx))
    return out


def audit(setting: dict | None = None, ids=None, *, cache: bool = True) -> list[dict]:
    """Every statement's proof audit record (or those in `ids`), in paper order.

    The records depend only on the code and on `setting`, so they are kept on disk (keyed by the package
    version, a hash of the sources of proofs_checks and verifier.theory, and the setting) and reused:
    `verifier audit` answers from the cache after its first run. VERIFIER_CACHE_DIR moves the cache
    (default ~/.cache/implicit-verifier), VERIFIER_NO_CACHE=1 (or cache=False) recomputes."""
    from verifier.summary import to_json

    from ._cache import cache_path, read_json, write_json

    wanted = [mod for mod in modules() if ids is None or mod.ID in ids]
    path = cache_path("audit", setting) if cache else None
    try:
        cached = {r["id"]: r for r in read_json(path) or []}
        if all(mod.ID in cached for mod in wanted):
            return [cached[mod.ID] for mod in wanted]
    except (KeyError, TypeError):
        pass
    out = []
    for mod in wanted:
        rec = mod.audit(setting)
        out.append(to_json(rec.record() if hasattr(rec, "record") else rec))
    if ids is None:
        write_json(path, out)
    return out
