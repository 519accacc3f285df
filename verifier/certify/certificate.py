"""The Certificate: a proven enclosure of one named quantity, with the means to re-check it."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Optional

import numpy as np

__all__ = ["Certificate", "STATUSES"]

STATUSES = ("proven", "undecided")


def _clean(x):
    """JSON-safe copy: numpy scalars to Python, non-finite floats to None, Fractions to float."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, Fraction):
        x = float(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    if x is None or isinstance(x, str):
        return x
    return str(x)


@dataclass
class Certificate:
    """A rigorous statement ``lower <= quantity <= upper`` about a precisely named object.

    quantity:  what is enclosed, e.g. "lambda0" or "(gamma/sqrt(m))||A||_2".
    lower, upper: floats, proven bounds (None, or -inf / inf, when that side is not proven).
    status:    "proven" (the bounds hold, by the inequalities named in ``method``) or "undecided"
               (the arithmetic could not decide; the bounds then carry no claim beyond None/inf).
    method, precision: how it was proven and in which arithmetic.
    seconds:   wall time taken.
    statement: the exact mathematical object spoken about (which matrix, which data).
    details:   method-specific numbers (JSON-serializable through ``to_dict``).
    ``verify()`` re-checks the claimed bounds independently (different enclosure backend,
    different eigensolver, a different positive-definiteness inequality) and returns a bool.
    """

    quantity: str
    lower: Optional[float]
    upper: Optional[float]
    status: str
    method: str
    precision: str
    seconds: float
    statement: str
    details: dict = field(default_factory=dict)
    _check: Optional[Callable[["Certificate"], bool]] = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got '{self.status}'")

    @property
    def width(self) -> float:
        if self.lower is None or self.upper is None:
            return math.inf
        return self.upper - self.lower

    def contains(self, value: float) -> bool:
        lo = -math.inf if self.lower is None else self.lower
        hi = math.inf if self.upper is None else self.upper
        return lo <= value <= hi

    def verify(self) -> bool:
        """Re-check the current lower/upper from scratch by an independent route; True iff both
        hold. What was done is recorded in ``details["verification"]``. "undecided" -> False."""
        if self._check is None:
            raise RuntimeError("this certificate carries no data to re-check (rebuilt from a dict?)")
        if self.status != "proven":
            return False
        return bool(self._check(self))

    def to_dict(self) -> dict:
        return {
            "quantity": self.quantity,
            "lower": _clean(self.lower),
            "upper": _clean(self.upper),
            "status": self.status,
            "method": self.method,
            "precision": self.precision,
            "seconds": _clean(self.seconds),
            "statement": self.statement,
            "details": _clean(self.details),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Certificate":
        """Rebuild (without the data needed by ``verify``)."""
        return cls(quantity=d["quantity"], lower=d["lower"], upper=d["upper"], status=d["status"],
                   method=d["method"], precision=d["precision"], seconds=d["seconds"],
                   statement=d["statement"], details=dict(d.get("details", {})))
