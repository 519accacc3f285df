"""The one JSON encoder of the project, and the summary schema version.

Every JSON file the toolkit writes (summary.json, setting.json, `verifier check --json`, `verifier audit
--json`, certificates) goes through `to_json`, so non-finite numbers have one convention everywhere:
the strings "inf", "-inf" and "nan" (JSON has no literal for them, and `null` would hide which one).

    >>> to_json({"w": float("inf"), "k": np.int64(3)})
    {'w': 'inf', 'k': 3}
"""
from __future__ import annotations

import dataclasses
import enum
import json
import math

import numpy as np

__all__ = ["SCHEMA", "to_json", "dumps", "json_float"]

SCHEMA = "verifier.summary/2"


def json_float(x) -> float | str:
    """A float for JSON: finite values as they are, inf/-inf/nan as the strings "inf"/"-inf"/"nan"."""
    x = float(x)
    if math.isfinite(x):
        return x
    return "inf" if x > 0 else ("-inf" if x < 0 else "nan")


def to_json(x):
    """Recursively convert to JSON-ready builtins: dicts (str keys), lists, str, bool, int, float, None.

    numpy scalars and arrays, sympy and mpmath numbers, enums (their value) and dataclasses (their
    fields, or their own ``to_dict()``) are converted; anything else becomes its ``str``.
    """
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, enum.Enum):
        return to_json(x.value)
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return json_float(x)
    if isinstance(x, dict):
        return {str(k): to_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)):
        return [to_json(v) for v in x]
    if isinstance(x, np.ndarray):
        return to_json(x.tolist())
    if hasattr(x, "to_dict") and callable(x.to_dict):
        return to_json(x.to_dict())
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return to_json({f.name: getattr(x, f.name) for f in dataclasses.fields(x)})
    try:  # sympy / mpmath numbers; symbolic expressions fall through to str
        return json_float(x)
    except (TypeError, ValueError):
        return str(x)


def dumps(x, **kwargs) -> str:
    """json.dumps of to_json(x); refuses NaN/inf literals (they never reach it)."""
    kwargs.setdefault("indent", 2)
    return json.dumps(to_json(x), allow_nan=False, **kwargs)
