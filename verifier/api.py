"""The Python API for notebooks and scripts: run or check a setting on a dataset name or on in-memory arrays,
with or without writing files, and get typed results.

    import verifier
    res = verifier.run(X=X, y=y, width=256, steps=50)          # nothing written
    res.claim("L3.6(vi)").verdict                              # Verdict.HOLDS_BEYOND
    res.theory.width_L3_6, res.trajectory["loss"]
    res = verifier.run(dataset="digits", out="reports/mine")  # also writes the run directory
    verifier.check(width=4096).hypotheses("L3.3")

Errors name parameters (`width must be ...`), never command-line flags. The `verifier` command is a thin
layer over these functions.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import Dataset, from_arrays
from .setting import Setting, SettingError

__all__ = ["run", "check", "RunResult", "CheckResult", "ClaimSummary"]

#: files a written run directory holds
_FILES = ("summary.json", "report.md", "report.html", "data.npz", "trajectory.npz", "setting.json")


@dataclass(frozen=True)
class ClaimSummary:
    """One statement (or numbered conclusion) judged on a run: the verdict as an enum, hypotheses met as a bool
    (None: undecided), the conclusion as a bool (None: undecided or not judged), the gap, the full record."""
    id: str
    verdict: object                 # proofs_checks.verdict.Verdict
    hypotheses_met: bool | None
    conclusion_holds: bool | None
    gap: dict
    record: dict

    @classmethod
    def from_record(cls, rec: dict) -> ClaimSummary:
        from proofs_checks.verdict import Verdict

        met = rec["hypotheses_met"]
        concl = rec.get("conclusion")
        return cls(rec["id"], Verdict(rec["verdict"]), met, None if concl is None else concl["holds"],
                   dict(rec.get("gap", {})), rec)


@dataclass(frozen=True)
class CheckResult:
    """What `check` finds without training: the setting, the theory numbers and every hypothesis."""
    setting: Setting
    theory: object                  # proofs_checks.theory_numbers.TheoryNumbers
    claims: tuple
    summary: dict

    def claim(self, id_: str) -> ClaimSummary:
        for c in self.claims:
            if c.id == id_:
                return c
        raise KeyError(f"no claim '{id_}' (have: {', '.join(c.id for c in self.claims)})")

    def hypotheses(self, id_: str) -> list[dict]:
        return list(self.claim(id_).record["hypotheses"])


@dataclass(frozen=True)
class RunResult(CheckResult):
    """What `run` produced: also the recorded trajectory (arrays), how the run ended and, when written, the
    paths of its files."""
    trajectory: dict = dataclasses.field(default_factory=dict)
    status: str = "completed"
    paths: dict | None = None

    @property
    def counterexamples(self) -> list[ClaimSummary]:
        from proofs_checks.verdict import Verdict

        return [c for c in self.claims if c.verdict is Verdict.COUNTEREXAMPLE]


def _setting(setting: Setting | None, fields: dict, X) -> Setting:
    if setting is not None and fields:
        setting = dataclasses.replace(setting, **fields)
    elif setting is None:
        try:
            setting = Setting(**fields)
        except TypeError as exc:
            known = ", ".join(f.name for f in dataclasses.fields(Setting))
            raise SettingError(f"unknown parameter: {exc}; known: {known}") from None
    if X is not None and setting.dataset == "digits":
        setting = dataclasses.replace(setting, dataset="arrays")
    setting.validate()
    return setting


def _data(setting: Setting, X, y) -> Dataset | None:
    if X is None and y is None:
        return None
    if X is None or y is None:
        raise SettingError("X and y must be given together", param="X")
    return from_arrays(np.asarray(X), np.asarray(y), name=setting.dataset, on_parallel=setting.on_parallel,
                       seed=setting.seed, labels=setting.labels)


def run(setting: Setting | None = None, out: str | Path | None = None, *, X=None, y=None, force: bool = False,
        on_step=None, **fields) -> RunResult:
    """Train and judge one setting. `setting` (or keyword fields of Setting, e.g. width=256) says what to run;
    X, y give in-memory data instead of a dataset name; `out` writes the run directory (None: nothing is
    written, no checkpoints, no report); `force` replaces an `out` folder holding another run."""
    from .pipeline import execute

    s = _setting(setting, fields, X)
    res = execute(s, out, data=_data(s, X, y), on_step=on_step, force=force)
    th = res.prepared.theory
    paths = None if res.out is None else {f: res.out / f for f in _FILES}
    return RunResult(s, th, tuple(ClaimSummary.from_record(c) for c in res.summary["claims"]), res.summary,
                     trajectory=dict(res.trajectory), status=res.summary["run"]["status"], paths=paths)


def check(setting: Setting | None = None, *, X=None, y=None, certify: bool = False, **fields) -> CheckResult:
    """Hypotheses and theory numbers of a setting, without training (nothing is written)."""
    from proofs_checks.theory_numbers import TheoryNumbers

    from .pipeline import check as check_pipeline

    s = _setting(setting, fields, X)
    summary = check_pipeline(s, certify=certify, data=_data(s, X, y))
    return CheckResult(s, TheoryNumbers.from_dict(summary["theory"]),
                       tuple(ClaimSummary.from_record(c) for c in summary["claims"]), summary)
