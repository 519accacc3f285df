"""Sweep specifications: the paper's statements as families of runs ("for m large enough, with probability
at least 1 - delta over the initialization", L3.3, T3.1, T3.2).

A spec (TOML or JSON) has the keys of a run's ``--config`` file (``data``, ``width``, ``gamma``, ``step_size``,
``steps``, ``seed``, ``method``, ..., ``hidden``), any of which may be a list: the grid is their product.
Three more grid keys: ``n`` (subsample sizes, stratified by label), ``data_seed`` (the seed of that subsample;
default 0) and ``mode`` (``train``: a full run; ``init``: the initialization only). A ``[sweep]`` table holds
options of the sweep itself (confidence, the linear-convergence level, the test set); a list of ``[[grid]]``
tables makes the cells the union of several grids, each inheriting the top-level keys.

    data = ["digits", "synthetic:n=200,d=16"]
    n = [20, 40]
    width = [16, 64, 256]
    seed = {range = [0, 20]}     # 0, 1, ..., 19
    steps = 200

    [sweep]
    confidence = 0.95

Integer keys also take ``{range = [start, stop]}`` or ``{range = [start, stop, step]}``.
"""
from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..pipeline import Setting, SettingError

__all__ = ["SpecError", "SweepOptions", "SweepSpec", "load_spec", "parse_spec", "RUN_KEYS", "AXIS_KEYS",
           "OPTION_KEYS", "STANDARD_DATASETS", "MODES"]


class SpecError(SettingError):
    """A sweep spec that cannot run (bad key, empty list, unknown dataset, a cell too large for a worker,
    an unreachable scheduler): one line, exit code 2, before any cell runs."""


#: Setting fields a spec may set (``data`` is the run config's name for ``dataset``).
RUN_KEYS = tuple(k for k in Setting.__dataclass_fields__ if k != "dataset") + ("data",)
#: Grid keys beyond a run's: subsample size, subsample seed, initialization-only or full run.
AXIS_KEYS = ("n", "data_seed", "mode")
MODES = ("train", "init")
#: Datasets read from their standard files in ``[sweep] data_dir`` (verifier.sweep.loaders).
STANDARD_DATASETS = ("mnist", "fashion-mnist", "cifar10", "svhn")
_STANDARD_ALIASES = {"mnist": "mnist", "fashion-mnist": "fashion-mnist", "fashion_mnist": "fashion-mnist",
                     "fashionmnist": "fashion-mnist", "cifar10": "cifar10", "cifar-10": "cifar10", "svhn": "svhn"}


@dataclass(frozen=True)
class SweepOptions:
    """The ``[sweep]`` table: how cells are built and how the report judges them.

    confidence       level of the Clopper-Pearson intervals and of the confidence-based critical width
    target_fraction  epsilon of "linear convergence" (verifier.sweep.results.linear_convergence) and of
                     "steps to reach a loss fraction": the loss must fall to epsilon times its initial value
    test_n           0: no test set; an integer: that many test samples (standard datasets: from the test
                     split; others: from the samples the training subsample left out); "rest": all of those
    test_every       record the test loss and accuracy every k GD steps
    classes          the two classes of a standard dataset (first -> y = -1, second -> y = +1)
    stratify         "equal" (the paper's 500 per class) or "proportional" allocation of n over the labels
    data_dir         folder of the standard datasets' files
    bootstrap        resamples for the intervals of the fitted exponents
    """
    confidence: float = 0.95
    target_fraction: float = 1e-2
    test_n: int | str = 0
    test_every: int = 10
    classes: tuple = (0, 1)
    stratify: str = "equal"
    data_dir: str | None = None
    bootstrap: int = 1000
    name: str = "sweep"

    def to_dict(self) -> dict:
        return {"confidence": self.confidence, "target_fraction": self.target_fraction, "test_n": self.test_n,
                "test_every": self.test_every, "classes": list(self.classes), "stratify": self.stratify,
                "data_dir": self.data_dir, "bootstrap": self.bootstrap, "name": self.name}


OPTION_KEYS = tuple(SweepOptions.__dataclass_fields__)


@dataclass(frozen=True)
class SweepSpec:
    """grids: one dict per grid, key -> list of values (every key of the cell present); options: [sweep]."""
    grids: tuple
    options: SweepOptions = field(default_factory=SweepOptions)
    source: str = ""

    def to_dict(self) -> dict:
        return {"grids": [dict(g) for g in self.grids], "options": self.options.to_dict()}

    def fingerprint(self) -> str:
        """Canonical JSON of the spec (what the sweep directory remembers)."""
        return json.dumps(self.to_dict(), sort_keys=True, default=str)

    def cell_count(self) -> int:
        return sum(math.prod(len(v) for v in g.values()) for g in self.grids)


def _suggest(key: str, known) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _values(key: str, raw, where: str) -> list:
    """A spec value as the list of its grid values: a scalar, a list, or {range = [start, stop(, step)]}."""
    if isinstance(raw, dict) and key != "hidden":
        if set(raw) != {"range"}:
            extra = sorted(set(raw) - {"range"})
            hint = _suggest(extra[0], ["range"]) if extra else ""
            raise SpecError(f"{where}: '{key}' is a table with key(s) {', '.join(extra) or '(none)'}; only "
                            f"{{range = [start, stop]}} or {{range = [start, stop, step]}} is understood{hint}")
        r = raw["range"]
        if not (isinstance(r, list) and 2 <= len(r) <= 3 and all(isinstance(x, int) and not isinstance(x, bool)
                                                                  for x in r)):
            raise SpecError(f"{where}: '{key}' range must be [start, stop] or [start, stop, step] of integers, got {r}")
        if len(r) == 3 and r[2] == 0:
            raise SpecError(f"{where}: '{key}' range step must not be 0")
        vals = list(range(*r))
        if not vals:
            raise SpecError(f"{where}: '{key}' range {r} is empty: a sweep needs at least one value")
        return vals
    if key == "hidden":
        items = raw if isinstance(raw, list) else [raw]
        for h in items:
            if not isinstance(h, dict):
                raise SpecError(f"{where}: 'hidden' must be a table NAME = VALUE (or a list of such tables), got {h!r}")
        if not items:
            raise SpecError(f"{where}: 'hidden' is an empty list: a sweep needs at least one value")
        return [dict(h) for h in items]
    vals = raw if isinstance(raw, list) else [raw]
    if not vals:
        raise SpecError(f"{where}: '{key}' is an empty list: a sweep needs at least one value")
    for v in vals:
        if isinstance(v, (list, dict)):
            raise SpecError(f"{where}: '{key}' must be a value or a list of values, got the nested {v!r}")
    if len({json.dumps(v, sort_keys=True) for v in vals}) != len(vals):
        raise SpecError(f"{where}: '{key}' lists a value twice: {vals}")
    return list(vals)


def _axis(key: str, vals: list, where: str) -> list:
    """Check the sweep's own grid keys (the run keys are checked by Setting.validate, cell by cell)."""
    if key == "n":
        out = []
        for v in vals:
            if v in ("all", None):
                out.append(None)
            elif isinstance(v, int) and not isinstance(v, bool) and v >= 2:
                out.append(v)
            else:
                raise SpecError(f"{where}: 'n' must be integers >= 2 (subsample sizes) or \"all\", got {v!r}")
        return out
    if key == "data_seed":
        for v in vals:
            if not (isinstance(v, int) and not isinstance(v, bool) and v >= 0):
                raise SpecError(f"{where}: 'data_seed' must be integers >= 0, got {v!r}")
        return vals
    if key == "mode":
        for v in vals:
            if v not in MODES:
                raise SpecError(f"{where}: 'mode' must be 'train' or 'init', got {v!r}" + _suggest(str(v), MODES))
        return vals
    if key == "data":
        out = []
        for v in vals:
            if not isinstance(v, str) or not v:
                raise SpecError(f"{where}: 'data' must be dataset names or paths, got {v!r}")
            out.append(_STANDARD_ALIASES.get(v.lower(), v))
        return out
    return vals


def _options(raw: dict, where: str) -> SweepOptions:
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: 'sweep' must be a table of options ({', '.join(OPTION_KEYS)})")
    for k in raw:
        if k not in OPTION_KEYS:
            raise SpecError(f"{where}: unknown [sweep] option '{k}'" + _suggest(k, OPTION_KEYS)
                            + f"; known: {', '.join(OPTION_KEYS)}")
    o = dict(raw)
    conf = o.get("confidence", 0.95)
    if not (isinstance(conf, (int, float)) and 0.5 <= conf < 1):
        raise SpecError(f"{where}: [sweep] confidence must lie in [0.5, 1), got {conf!r}")
    eps = o.get("target_fraction", 1e-2)
    if not (isinstance(eps, (int, float)) and 0 < eps < 1):
        raise SpecError(f"{where}: [sweep] target_fraction must lie in (0, 1), got {eps!r}")
    tn = o.get("test_n", 0)
    if not (tn == "rest" or (isinstance(tn, int) and not isinstance(tn, bool) and tn >= 0)):
        raise SpecError(f"{where}: [sweep] test_n must be an integer >= 0 or \"rest\", got {tn!r}")
    te = o.get("test_every", 10)
    if not (isinstance(te, int) and not isinstance(te, bool) and te >= 1):
        raise SpecError(f"{where}: [sweep] test_every must be an integer >= 1, got {te!r}")
    cl = o.get("classes", [0, 1])
    if not (isinstance(cl, (list, tuple)) and len(cl) == 2 and cl[0] != cl[1]
            and all(isinstance(c, int) and not isinstance(c, bool) for c in cl)):
        raise SpecError(f"{where}: [sweep] classes must be two different integer labels, got {cl!r} "
                        "(the paper's model has one output: first class -> y = -1, second -> y = +1)")
    st = o.get("stratify", "equal")
    if st not in ("equal", "proportional"):
        raise SpecError(f"{where}: [sweep] stratify must be 'equal' or 'proportional', got {st!r}")
    bs = o.get("bootstrap", 1000)
    if not (isinstance(bs, int) and not isinstance(bs, bool) and bs >= 0):
        raise SpecError(f"{where}: [sweep] bootstrap must be an integer >= 0, got {bs!r}")
    dd = o.get("data_dir")
    if dd is not None and not isinstance(dd, str):
        raise SpecError(f"{where}: [sweep] data_dir must be a path, got {dd!r}")
    return SweepOptions(confidence=float(conf), target_fraction=float(eps), test_n=tn, test_every=te,
                        classes=tuple(cl), stratify=st, data_dir=dd, bootstrap=bs,
                        name=str(o.get("name", "sweep")))


_KNOWN_TOP = RUN_KEYS + ("dataset",) + AXIS_KEYS + ("sweep", "grid")


def _grid(raw: dict, where: str) -> dict:
    g = {}
    for k, v in raw.items():
        if k not in _KNOWN_TOP or k in ("sweep", "grid"):
            raise SpecError(f"{where}: unknown key '{k}'" + _suggest(k, _KNOWN_TOP)
                            + " (keys of a run's --config file, plus n, data_seed, mode, [sweep] and [[grid]])")
        key = "data" if k == "dataset" else k
        if key in g:
            raise SpecError(f"{where}: both 'data' and 'dataset' given")
        g[key] = _axis(key, _values(key, v, where), where)
    return g


def parse_spec(raw: dict, source: str = "spec", *, data_dir: str | None = None) -> SweepSpec:
    """A SweepSpec from a parsed TOML/JSON object; SpecError (one line) on anything a sweep cannot run."""
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: a spec is a table/object of keys, got {type(raw).__name__}")
    for k in raw:
        if k not in _KNOWN_TOP:
            raise SpecError(f"{source}: unknown key '{k}'" + _suggest(k, _KNOWN_TOP)
                            + " (keys of a run's --config file, plus n, data_seed, mode, [sweep] and [[grid]])")
    opts_raw = dict(raw.get("sweep") or {})
    if data_dir is not None:
        opts_raw["data_dir"] = str(data_dir)
    options = _options(opts_raw, source)
    base = _grid({k: v for k, v in raw.items() if k not in ("sweep", "grid")}, source)
    subs = raw.get("grid")
    if subs is None:
        subs = [{}]
    if not isinstance(subs, list) or not all(isinstance(s, dict) for s in subs):
        raise SpecError(f"{source}: 'grid' must be a list of tables ([[grid]] in TOML)")
    if not subs:
        raise SpecError(f"{source}: 'grid' is an empty list: a sweep needs at least one grid")
    grids = []
    for i, s in enumerate(subs):
        g = dict(base)
        g.update(_grid(s, f"{source} [[grid]] #{i + 1}"))
        g.setdefault("data", ["digits"])
        g.setdefault("n", [None])
        g.setdefault("data_seed", [0])
        g.setdefault("mode", ["train"])
        grids.append(g)
    spec = SweepSpec(tuple(grids), options, source)
    for g in grids:
        if any(d in STANDARD_DATASETS for d in g["data"]) and not options.data_dir:
            std = [d for d in g["data"] if d in STANDARD_DATASETS]
            raise SpecError(f"{source}: dataset(s) {', '.join(std)} are read from their standard files: "
                            "give the folder with --data-dir DIR (or [sweep] data_dir)")
        if options.test_n and any(m == "train" for m in g["mode"]) and "gf" in g.get("method", ["gd"]):
            raise SpecError(f"{source}: a test set (test_n) is recorded for gradient descent only (method = 'gd')")
    return spec


def load_spec(path, *, data_dir: str | None = None) -> SweepSpec:
    """Read a TOML (.toml) or JSON spec file."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the spec ({exc.strerror})") from None
    try:
        if p.suffix.lower() == ".toml":
            import tomllib

            raw = tomllib.loads(text)
        else:
            raw = json.loads(text)
    except Exception as exc:
        raise SpecError(f"{path}: cannot parse the spec ({type(exc).__name__}: {exc})") from None
    return parse_spec(raw, str(path), data_dir=data_dir)
