"""Datasets: the embedded real default, synthetic data on the sphere, user files; assumption A2.

Every dataset leaves here with unit-norm rows (A2, first half) and its A2 report (second half:
no two samples parallel, x_i != +-x_j). Bad input raises DataError with a one-line message.

Label encoding of the default ``digits``: scikit-learn's bundled 8x8 handwritten digits, classes
0 and 1 only (the paper uses MNIST classes 0 and 1); digit 0 -> y = -1, digit 1 -> y = +1.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .numerics import pairwise_angles

__all__ = ["DataError", "Dataset", "load_dataset", "check_a2", "PARALLEL_TOL", "PERTURB_SCALE"]

#: Two unit samples whose angle is below this (or above pi minus this), in radians, count as parallel.
PARALLEL_TOL = 1e-6
#: Std of the Gaussian noise added (before re-normalizing) to one sample of each parallel pair.
PERTURB_SCALE = 1e-3


from .errors import DataError  # noqa: E402  (defined where the CLI can catch it without numpy)


@dataclass
class Dataset:
    name: str
    X: np.ndarray
    y: np.ndarray
    label_encoding: str
    a2: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])


def _validate(X, y, where: str):
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise DataError(f"{where}: X must be a 2-D array (n x d), got shape {X.shape}")
    if y.ndim != 1:
        y = y.reshape(-1) if y.size == y.shape[0] else y
        if y.ndim != 1:
            raise DataError(f"{where}: y must be a 1-D array, got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise DataError(f"{where}: X has {X.shape[0]} rows but y has {y.shape[0]} entries")
    for name, arr in (("X", X), ("y", y)):
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise DataError(f"{where}: {name} is not numeric (dtype {arr.dtype})")
    X = X.astype(np.float64)
    y = y.astype(np.float64)
    if X.shape[0] < 2:
        raise DataError(f"{where}: need at least n = 2 samples, got {X.shape[0]}")
    if X.shape[1] < 1:
        raise DataError(f"{where}: X has no columns")
    for name, arr in (("X", X), ("y", y)):
        bad = ~np.isfinite(arr)
        if bad.any():
            idx = np.argwhere(bad)[0]
            raise DataError(f"{where}: {name} has a NaN or inf value at index {tuple(int(i) for i in idx)}")
    norms = np.linalg.norm(X, axis=1)
    zero = np.nonzero(norms == 0)[0]
    if zero.size:
        raise DataError(f"{where}: row {int(zero[0])} of X is zero and cannot be normalized to unit norm (A2)")
    return X, y


def _normalize(X: np.ndarray) -> np.ndarray:
    return X / np.linalg.norm(X, axis=1)[:, None]


def parallel_pairs(X: np.ndarray, tol: float = PARALLEL_TOL):
    """Pairs (i < j) whose angle is within tol of 0 (duplicates) or pi (antipodal), half-angle form."""
    theta = pairwise_angles(X)
    iu = np.triu_indices(X.shape[0], k=1)
    t = theta[iu]
    bad = (t < tol) | (t > np.pi - tol)
    return [(int(i), int(j), float(a)) for i, j, a in zip(iu[0][bad], iu[1][bad], t[bad])], theta


def check_a2(X: np.ndarray, tol: float = PARALLEL_TOL) -> dict:
    """A2 report: unit norms, parallel pairs, min / max pairwise angle (radians)."""
    pairs, theta = parallel_pairs(X, tol)
    n = X.shape[0]
    iu = np.triu_indices(n, k=1)
    t = theta[iu]
    return {
        "unit_norm_max_error": float(np.max(np.abs(np.linalg.norm(X, axis=1) - 1.0))),
        "parallel_tol": tol,
        "parallel_pairs": [[i, j, a] for i, j, a in pairs],
        "min_angle": float(t.min()),
        "max_angle": float(t.max()),
        "holds": not pairs,
    }


def _enforce_a2(X: np.ndarray, on_parallel: str, seed: int, where: str):
    pairs, _ = parallel_pairs(X)
    report = {"found_parallel_pairs": [[i, j, a] for i, j, a in pairs], "perturbed_rows": [],
              "perturb_scale": PERTURB_SCALE, "action": "none"}
    if not pairs:
        return X, report
    if on_parallel == "refuse":
        i, j, a = pairs[0]
        raise DataError(f"{where}: A2 fails: {len(pairs)} parallel pair(s), e.g. rows {i} and {j} "
                        f"(angle {a:.3g} rad); use --on-parallel perturb to perturb them")
    rng = np.random.default_rng([seed, 0xA2])
    X = X.copy()
    touched = set()
    for _ in range(10):
        for i, j, _a in pairs:
            if j in touched:
                continue
            X[j] = X[j] + PERTURB_SCALE * rng.standard_normal(X.shape[1])
            X[j] /= np.linalg.norm(X[j])
            touched.add(j)
        pairs, _ = parallel_pairs(X)
        if not pairs:
            break
        touched.clear()
    if pairs:
        raise DataError(f"{where}: could not separate parallel pairs by perturbation (d = {X.shape[1]})")
    report["perturbed_rows"] = sorted(int(j) for j in {p[1] for p in report["found_parallel_pairs"]})
    report["action"] = "perturbed"
    return X, report


def _load_digits():
    """Digits 0 and 1 of the UCI optical-digits set that scikit-learn ships (the rows load_digits(n_class=2)
    returns). The file is read directly: importing sklearn.datasets alone takes about 0.7 s."""
    import importlib.util

    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz") if spec else None
    if path is not None and path.is_file():
        D = np.loadtxt(path, delimiter=",")
        X, t = D[:, :-1], D[:, -1].astype(int)
        keep = t < 2
        X, t = X[keep], t[keep]
    else:  # pragma: no cover - a scikit-learn without the file: its public loader
        try:
            from sklearn.datasets import load_digits
        except ImportError as exc:  # scikit-learn is a core dependency
            raise DataError("the default dataset needs scikit-learn (pip install scikit-learn)") from exc
        X, t = load_digits(n_class=2, return_X_y=True)
    return X.astype(np.float64), np.where(t == 1, 1.0, -1.0), "digit 0 -> -1, digit 1 -> +1"


def _parse_synthetic(spec: str):
    opts = {"n": 64, "d": 16, "seed": 0}
    rest = spec.split(":", 1)[1] if ":" in spec else ""
    for part in filter(None, rest.split(",")):
        if "=" not in part:
            raise DataError(f"synthetic data spec '{spec}': expected key=value items, e.g. synthetic:n=100,d=10")
        k, v = part.split("=", 1)
        k = k.strip()
        if k not in opts:
            raise DataError(f"synthetic data spec '{spec}': unknown key '{k}' (known: n, d, seed)")
        try:
            opts[k] = int(v)
        except ValueError:
            raise DataError(f"synthetic data spec '{spec}': {k} must be an integer, got '{v}'") from None
    if opts["n"] < 2 or opts["d"] < 1:
        raise DataError(f"synthetic data spec '{spec}': need n >= 2 and d >= 1")
    rng = np.random.default_rng(opts["seed"])
    X = rng.standard_normal((opts["n"], opts["d"]))
    teacher = rng.standard_normal(opts["d"])
    y = np.where(X @ teacher >= 0, 1.0, -1.0)
    return X, y, "sign of a random linear teacher: +1 / -1", opts


def _read_csv(path: str):
    with open(path, newline="") as fh:
        rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    if not rows:
        raise DataError(f"{path}: the CSV file is empty")

    def numeric(row):
        try:
            [float(c) for c in row]
            return True
        except ValueError:
            return False

    start = 0 if numeric(rows[0]) else 1  # a non-numeric first row is a header
    body = rows[start:]
    if not body:
        raise DataError(f"{path}: the CSV file has a header but no data rows")
    width = len(body[0])
    if width < 2:
        raise DataError(f"{path}: need at least 2 columns (features..., label); got {width}")
    data = np.empty((len(body), width))
    for r, row in enumerate(body):
        if len(row) != width:
            raise DataError(f"{path}: line {r + start + 1} has {len(row)} cells, expected {width}")
        for c, cell in enumerate(row):
            try:
                data[r, c] = float(cell)
            except ValueError:
                raise DataError(f"{path}: non-numeric cell '{cell.strip()}' at line {r + start + 1}, "
                                f"column {c + 1}") from None
    return data[:, :-1], data[:, -1]


def _read_npz(path: str):
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in ("X", "y") if k not in f.files]
            if missing:
                raise DataError(f"{path}: missing array(s) {', '.join(missing)}; found {', '.join(f.files) or 'none'}")
            return f["X"], f["y"]
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"{path}: cannot read as .npz ({type(exc).__name__}: {exc})") from None


def parse_label_map(text: str) -> dict:
    """'0,1->-1,+1' -> {0.0: -1.0, 1.0: 1.0}; every target must be -1 or +1."""
    try:
        left, right = text.split("->")
        src = [float(v) for v in left.split(",")]
        dst = [float(v) for v in right.split(",")]
    except ValueError:
        raise DataError(f"labels mapping '{text}': expected e.g. '0,1->-1,+1' (values -> targets)") from None
    if len(src) != len(dst) or len(set(src)) != len(src):
        raise DataError(f"labels mapping '{text}': need as many distinct values as targets")
    if any(v not in (-1.0, 1.0) for v in dst):
        raise DataError(f"labels mapping '{text}': targets must be -1 or +1")
    return dict(zip(src, dst))


def _apply_labels(y: np.ndarray, labels: str | None, where: str) -> tuple[np.ndarray, str | None]:
    """The paper's experiments are binary with y in {-1, +1}; other labels are refused unless mapped
    (labels='0,1->-1,+1') or kept on purpose (labels='as-is': real targets; the theorems allow any y)."""
    if labels == "as-is":
        return y, "as given (real targets)"
    if labels:
        mapping = parse_label_map(labels)
        missing = sorted(set(np.unique(y).tolist()) - set(mapping))
        if missing:
            raise DataError(f"{where}: labels {missing[:5]} are not covered by the mapping '{labels}'")
        return np.array([mapping[v] for v in y.tolist()]), f"mapped {labels}"
    values = np.unique(y)
    if not set(values.tolist()) <= {-1.0, 1.0}:
        shown = ", ".join(f"{v:g}" for v in values[:6]) + (", ..." if values.size > 6 else "")
        hint = (f"--labels {values[0]:g},{values[1]:g}->-1,+1" if values.size == 2
                else "--labels with a mapping onto -1/+1 (e.g. '0,1,2->-1,+1,+1'), or --labels as-is for real targets")
        raise DataError(f"{where}: labels must be -1/+1 (binary, as in the paper), found {values.size} distinct "
                        f"value(s) {{{shown}}}; use {hint}")
    return y, None


def load_dataset(spec: str = "digits", *, on_parallel: str = "perturb", seed: int = 0,
                 labels: str | None = None) -> Dataset:
    """Load a dataset by name or path and return it with unit rows and A2 enforced.

    spec: "digits" (default, real), "synthetic[:n=..,d=..,seed=..]", or a path to .npz (arrays X, y)
    or .csv (numeric; last column is y; an optional header row). on_parallel: "perturb" or "refuse".
    labels: None (y must be -1/+1), a mapping such as "0,1->-1,+1", or "as-is" (real targets).
    """
    if on_parallel not in ("perturb", "refuse"):
        raise DataError(f"on_parallel must be 'perturb' or 'refuse', got '{on_parallel}'")
    extra = {}
    if spec == "digits":
        X, y, enc = _load_digits()
        name = "digits"
    elif spec == "synthetic" or spec.startswith("synthetic:"):
        X, y, enc, extra = _parse_synthetic(spec)
        name = spec
    else:
        lower = spec.lower()
        if not (lower.endswith(".npz") or lower.endswith(".csv")):
            if not os.path.exists(spec):
                raise DataError(f"unknown dataset '{spec}': use 'digits', 'synthetic[:n=..,d=..]', or a .npz/.csv file")
            raise DataError(f"{spec}: unsupported file type (use .npz with arrays X, y, or .csv)")
        if not os.path.isfile(spec):
            raise DataError(f"{spec}: no such file")
        X, y = _read_npz(spec) if lower.endswith(".npz") else _read_csv(spec)
        enc = "as given in the file"
        name = spec
    return _finish(X, y, name, enc, on_parallel, seed, labels, extra)


def from_arrays(X, y, *, name: str = "arrays", on_parallel: str = "perturb", seed: int = 0,
                labels: str | None = None) -> Dataset:
    """A Dataset from in-memory arrays (X: n x d, y: n), validated, normalized and A2-checked exactly as files are."""
    if on_parallel not in ("perturb", "refuse"):
        raise DataError(f"on_parallel must be 'perturb' or 'refuse', got '{on_parallel}'")
    return _finish(X, y, name, "as given", on_parallel, seed, labels, {})


def _finish(X, y, name, enc, on_parallel, seed, labels, extra) -> Dataset:
    X, y = _validate(X, y, name)
    y, mapped = _apply_labels(y, labels, name)
    if mapped:
        enc = mapped
    X = _normalize(X)
    X, action = _enforce_a2(X, on_parallel, seed, name)
    a2 = check_a2(X)
    a2.update(action)
    a2.update(extra)
    return Dataset(name=name, X=X, y=y, label_encoding=enc, a2=a2)
