"""Cells of a sweep: one ordinary run setting each, its data written once, its directory named by a hash.

The data of a cell is a stratified, seeded subsample of a dataset, written once per (dataset, n, data_seed)
to ``DIR/data/*.npz`` (arrays X, y as `verifier run --data FILE` reads them), so every cell replays
exactly with the ``verifier run`` command recorded in its row. Subsamples are nested: for one data_seed,
each label's samples are taken from one fixed permutation, so the sample of size n is contained in the
sample of any larger n, and lambda0 moves with n only through the added samples (L3.2, eq. 17).

The cell directory is ``DIR/cells/<key>``, key = the first 16 hex digits of the SHA-256 of the cell's
setting (every Setting field, the data's SHA-256 instead of its path, the mode and the test set).
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..data import DataError, load_dataset
from ..pipeline import Setting, SettingError
from .loaders import features, load_standard
from .spec import RUN_KEYS, STANDARD_DATASETS, SpecError, SweepOptions, SweepSpec

__all__ = ["DataRef", "Cell", "expand", "materialize", "stratified_order", "cell_memory_bytes", "CELL_VERSION",
           "SWEEP_DEFAULTS"]

CELL_VERSION = 1
#: Run options whose sweep default differs from `verifier run`'s: the proof audit is the same for every cell
#: (`verifier audit` shows it once), and lambda0 is certified once per dataset by the sweep itself.
SWEEP_DEFAULTS = {"audit": False, "certify": False}
_MAX_DISTINCT_LABELS = 20   # more distinct y values: regression targets, sampled without strata


@dataclass(frozen=True)
class DataRef:
    """One materialized dataset of a sweep (train, and test when asked for)."""
    source: str
    n: int
    d: int
    data_seed: int
    on_parallel: str
    path: str
    sha: str
    label_encoding: str
    test_path: str | None = None
    n_test: int = 0
    a2: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Cell:
    """One run of the sweep: mode, the Setting's fields (dataset = the data file), and where it came from."""
    key: str
    mode: str
    setting: dict
    source: str
    n: int
    d: int
    data_seed: int
    data_sha: str
    test_path: str | None = None
    test_every: int = 10

    def make_setting(self) -> Setting:
        s = Setting(**self.setting)
        s.validate()
        return s

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Cell:
        return cls(**d)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", Path(text).stem if text.endswith((".npz", ".csv")) else text).strip("-")


def stratified_order(labels: np.ndarray, seed: int) -> dict:
    """label -> a seeded permutation of that label's indices (one stratum for regression targets)."""
    rng = np.random.default_rng([seed, 0x5EED])
    values = np.unique(labels)
    if len(values) > _MAX_DISTINCT_LABELS:
        return {None: rng.permutation(len(labels))}
    return {v: rng.permutation(np.flatnonzero(labels == v)) for v in values}


def _allocation(order: dict, n: int, how: str, what: str) -> dict:
    sizes = {k: len(v) for k, v in order.items()}
    keys = sorted(sizes, key=lambda k: (k is None, k))
    if how == "equal" or None in sizes:
        base, extra = divmod(n, len(keys))
        alloc = {k: base + (1 if i < extra else 0) for i, k in enumerate(keys)}
    else:
        total = sum(sizes.values())
        exact = {k: n * sizes[k] / total for k in keys}
        alloc = {k: int(np.floor(exact[k])) for k in keys}
        for k in sorted(keys, key=lambda k: -(exact[k] - alloc[k]))[: n - sum(alloc.values())]:
            alloc[k] += 1
    for k in keys:
        if alloc[k] > sizes[k]:
            lab = "samples" if k is None else f"samples of label {k:g}"
            raise SpecError(f"{what}: asks {alloc[k]} {lab} ({how} allocation of {n}), the data has {sizes[k]}")
    return alloc


def _encode(labels: np.ndarray, classes) -> np.ndarray:
    return np.where(labels == classes[1], 1.0, -1.0)


def _atomic_savez(path: Path, **arrays) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp.npz")
    os.close(fd)
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=2)
def _standard(name: str, data_dir: str):
    return load_standard(name, data_dir)


def materialize(source: str, n, data_seed: int, on_parallel: str, options: SweepOptions, out_dir,
                labels: str | None = None) -> DataRef:
    """Subsample, normalize (A2) and write one dataset of the sweep; DataError/SpecError on bad input.

    labels: the run option (a mapping onto -1/+1 such as "0,1->-1,+1", or "as-is" for real targets), applied
    here once: the written file holds the mapped y, so the cells read it without a mapping."""
    what = f"data '{source}'" + (f" with n = {n}" if n else "")
    test_n = options.test_n
    if source in STANDARD_DATASETS:
        if n is None:
            raise SpecError(f"{what}: give n (the paper uses n = 1000, 500 samples per class)")
        train, test = _standard(source, options.data_dir)
        cl = options.classes
        tr_idx = np.flatnonzero(np.isin(train.labels, cl))
        te_idx = np.flatnonzero(np.isin(test.labels, cl))
        if len(tr_idx) == 0:
            raise DataError(f"{source}: no training sample has a label in {list(cl)}")
        tr_lab = train.labels[tr_idx]
        order = stratified_order(tr_lab, data_seed)
        alloc = _allocation(order, n, options.stratify, what)
        pick = np.sort(np.concatenate([order[k][: alloc[k]] for k in order]))
        X_raw, y = features(source, train.images[tr_idx[pick]]), _encode(tr_lab[pick], cl)
        encoding = f"class {cl[0]} -> -1, class {cl[1]} -> +1"
        Xt_raw = yt = None
        if test_n:
            te_lab = test.labels[te_idx]
            t_order = stratified_order(te_lab, data_seed + 1)
            if test_n == "rest":
                t_pick = np.arange(len(te_idx))
            else:
                t_alloc = _allocation(t_order, test_n, options.stratify, what + " (test set)")
                t_pick = np.sort(np.concatenate([t_order[k][: t_alloc[k]] for k in t_order]))
            Xt_raw, yt = features(source, test.images[te_idx[t_pick]]), _encode(te_lab[t_pick], cl)
    else:
        ds = load_dataset(source, on_parallel=on_parallel, seed=data_seed, **_labels_kw(labels))
        encoding = ds.label_encoding
        order = stratified_order(ds.y, data_seed)
        if n is None:
            pick = np.arange(ds.n)
            alloc = {k: len(v) for k, v in order.items()}
        else:
            if n > ds.n:
                raise SpecError(f"{what}: n = {n} exceeds the {ds.n} samples of the dataset")
            alloc = _allocation(order, n, options.stratify, what)
            pick = np.sort(np.concatenate([order[k][: alloc[k]] for k in order]))
        X_raw, y = ds.X[pick], ds.y[pick]
        Xt_raw = yt = None
        if test_n:
            if test_n == "rest":
                t_pick = np.setdiff1d(np.arange(ds.n), pick)
            else:   # from the far end of each permutation: the same test set for every n
                left = {k: len(order[k]) - alloc[k] for k in order}
                t_alloc = _allocation({k: order[k][alloc[k]:] for k in order}, test_n, options.stratify,
                                      what + " (test set, from the samples the subsample leaves out)")
                t_pick = np.sort(np.concatenate([order[k][len(order[k]) - t_alloc[k]:] for k in order
                                                 if t_alloc[k] <= left[k]]))
            if len(t_pick) == 0:
                raise SpecError(f"{what}: no sample is left for a test set")
            Xt_raw, yt = ds.X[t_pick], ds.y[t_pick]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # normalization and A2 (perturbing one sample of each parallel pair, seeded by data_seed) exactly as a run does
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        raw = Path(tmp) / "raw.npz"
        np.savez(raw, X=X_raw, y=y)
        ds = load_dataset(str(raw), on_parallel=on_parallel, seed=data_seed, **_labels_kw(_cell_labels(labels)))
    X, y = ds.X, ds.y
    if Xt_raw is not None:
        norms = np.linalg.norm(Xt_raw, axis=1)
        if np.any(norms == 0):
            raise DataError(f"{what}: a test sample is all zeros and cannot be normalized")
        Xt = Xt_raw / norms[:, None]
        sha = _digest(X, y, Xt, yt)
    else:
        Xt = None
        sha = _digest(X, y)
    stem = f"{_slug(source)}-n{len(y)}-s{data_seed}-{sha[:12]}"
    path = out / f"{stem}.npz"
    if not path.is_file():
        _atomic_savez(path, X=X, y=y)
    test_path = None
    if Xt is not None:
        test_path = out / f"{stem}-test.npz"
        if not test_path.is_file():
            _atomic_savez(test_path, X=Xt, y=yt)
    a2 = {k: ds.a2.get(k) for k in ("min_angle", "max_angle", "action", "perturbed_rows")}
    return DataRef(source, len(y), X.shape[1], data_seed, on_parallel, str(path.resolve()), sha, encoding,
                   None if test_path is None else str(test_path.resolve()), 0 if Xt is None else len(yt), a2)


def _labels_kw(labels) -> dict:
    return {"labels": labels} if labels else {}


def _cell_labels(labels):
    """What a cell's run is told about the labels of its (already mapped) data file."""
    return "as-is" if labels == "as-is" else None


def cell_memory_bytes(n: int, d: int, m: int, mode: str = "train", n_test: int = 0) -> int:
    """Peak memory of one cell, an upper estimate: the m x m matrices (A, its copy at theta(0), the next
    iterate, grad A, the drift A - A(0) and the checkpoint's copy in the run; A, its norm's workspace in
    `init`), the n x m equilibria, adjoints and masks, the n x n Gram matrices, and the interpreter."""
    base = 400 * 2**20
    if mode == "init":
        words = 3 * m * m + 12 * n * m + 2 * m * d + 8 * n * n
    else:
        words = 8 * m * m + 16 * n * m + 6 * m * d + 8 * n * n + 6 * n_test * m
    return int(base + 8 * words)


def _hash(ident: dict) -> str:
    return hashlib.sha256(json.dumps(ident, sort_keys=True, default=repr).encode()).hexdigest()[:16]


def _setting_fields(values: dict, data: DataRef, mode: str) -> dict:
    fields = dict(SWEEP_DEFAULTS)
    for k, v in values.items():
        if k in RUN_KEYS and k != "data":
            fields[k] = v
    fields["dataset"] = data.path
    if "labels" in fields:
        fields["labels"] = _cell_labels(fields["labels"])
    if isinstance(fields.get("hidden"), dict):
        fields["hidden"] = dict(fields["hidden"])
    if mode == "init":   # nothing is trained: steps and the NTK schedule do not change the cell
        fields.update(steps=0, ntk_every=0, checkpoint_every=0)
    return fields


def expand(spec: SweepSpec, data_dir_out, *, on_data=None) -> tuple[list[Cell], dict]:
    """Every cell of the spec (duplicates across [[grid]] tables merged), and the data they use.

    Data are materialized and every cell's Setting validated here, before anything runs: a bad dataset or
    option raises SpecError / DataError / SettingError (one line)."""
    datas: dict = {}
    cells: dict = {}
    for g in spec.grids:
        keys = list(g)
        for combo in itertools.product(*(g[k] for k in keys)):
            values = dict(zip(keys, combo))
            on_parallel = values.get("on_parallel", "perturb")
            dkey = (values["data"], values["n"], values["data_seed"], on_parallel, values.get("labels"))
            if dkey not in datas:
                datas[dkey] = materialize(values["data"], values["n"], values["data_seed"], on_parallel,
                                          spec.options, data_dir_out, labels=values.get("labels"))
                if on_data is not None:
                    on_data(datas[dkey])
            data = datas[dkey]
            mode = values["mode"]
            fields = _setting_fields(values, data, mode)
            try:
                Setting(**fields).validate()
            except SettingError as exc:
                desc = ", ".join(f"{k}={values[k]}" for k in keys if len(g[k]) > 1) or "every cell"
                raise SpecError(f"{spec.source}: cell ({desc}): {exc}") from None
            except TypeError as exc:
                raise SpecError(f"{spec.source}: {exc}") from None
            test = data.test_path if mode == "train" else None
            ident = {"v": CELL_VERSION, "mode": mode, "data": data.sha,
                     "setting": {k: v for k, v in fields.items() if k != "dataset"},
                     "test_every": spec.options.test_every if test else None}
            key = _hash(ident)
            cells.setdefault(key, Cell(key, mode, fields, data.source, data.n, data.d, data.data_seed, data.sha,
                                       test, spec.options.test_every))
    return list(cells.values()), {v.sha: v for v in datas.values()}
