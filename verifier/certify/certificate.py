"""The Certificate: a proven enclosure of one named quantity, with the means to re-check it.

Fail closed: a certificate is "proven" only while nothing contradicts it. Its own bounds must be
consistent (no NaN, lower <= upper), checked when it is built; a re-check (``verify``) that runs and
does not confirm the bounds turns it "undecided". ``verify`` itself never raises: whatever goes
wrong comes back as a falsy ``Verification`` with the reason.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ._environment import check_arithmetic

__all__ = ["Certificate", "Verification", "STATUSES"]

STATUSES = ("proven", "undecided")
#: Conclusions the certify_* functions draw from proven bounds, with their undecided values.
CONCLUSIONS = {"contraction_proven": False, "bound_below_one": "undecided", "lambda0_positive": "undecided",
               "target_met": False}


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


@dataclass(frozen=True)
class Verification:
    """The outcome of ``Certificate.verify()``; truthy exactly when the bounds were confirmed.

    reason:   why it failed, or what was done (one line).
    backend:  what the re-check computed with; certificate_backend: what the certificate used.
    independent: True when the re-check used a different backend than the certificate (False when it
              could only repeat the computation in the same arithmetic, e.g. without python-flint for
              large n), None when no re-check ran.
    completed: the re-check ran to its end (False: no data, environment, or an error stopped it).
    """

    ok: bool
    reason: str
    backend: str | None = None
    certificate_backend: str | None = None
    independent: bool | None = None
    completed: bool = False

    def __bool__(self) -> bool:
        return self.ok


def _is_real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def bounds_problem(lower, upper) -> str | None:
    """Why [lower, upper] cannot be a proven enclosure (None when it can)."""
    for name, v in (("lower", lower), ("upper", upper)):
        if v is None:
            continue
        if not _is_real(v):
            return f"the {name} bound is not a real number ({v!r})"
        if math.isnan(v):
            return f"the {name} bound is NaN"
    if lower is not None and upper is not None and lower > upper:
        return f"the lower bound {lower!r} exceeds the upper bound {upper!r}"
    return None


@dataclass
class Certificate:
    """A rigorous statement ``lower <= quantity <= upper`` about a precisely named object.

    quantity:  what is enclosed, e.g. "lambda0" or "(gamma/sqrt(m))||A||_2".
    lower, upper: floats, proven bounds (None, or -inf / inf, when that side is not proven).
    status:    "proven" (the bounds hold, by the inequalities named in ``method``) or "undecided"
               (no claim: bounds still present are diagnostics only; ``reason`` says why).
    method, precision: how it was proven and in which arithmetic.
    seconds:   wall time taken.
    statement: the exact mathematical object spoken about (which matrix, which data).
    details:   method-specific numbers (JSON-serializable through ``to_dict``).
    reason:    why the status is "undecided" ("" when proven).
    ``verify()`` re-checks the claimed bounds by an independent route and returns a ``Verification``
    (truthy iff confirmed). A "proven" certificate whose bounds are inconsistent, or that its
    re-check does not confirm, becomes "undecided" (fail closed).
    """

    quantity: str
    lower: float | None
    upper: float | None
    status: str
    method: str
    precision: str
    seconds: float
    statement: str
    details: dict = field(default_factory=dict)
    reason: str = ""
    _check: Callable[[Certificate], dict] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got '{self.status}'")
        if self.status == "proven":
            problem = bounds_problem(self.lower, self.upper)
            if problem:
                self.fail_closed(f"self-check failed: {problem}")

    def fail_closed(self, reason: str) -> None:
        """Withdraw the claim: status "undecided", with the reason recorded, and every conclusion
        drawn from the bounds in ``details`` (``CONCLUSIONS``) reset to its undecided value."""
        self.status = "undecided"
        self.reason = reason
        for key, undecided in CONCLUSIONS.items():
            if key in self.details:
                self.details[key] = undecided

    @property
    def width(self) -> float:
        if self.lower is None or self.upper is None:
            return math.inf
        return self.upper - self.lower

    def contains(self, value: float) -> bool:
        lo = -math.inf if self.lower is None else self.lower
        hi = math.inf if self.upper is None else self.upper
        return lo <= value <= hi

    def verify(self) -> Verification:
        """Re-check the current lower/upper from scratch by another route; never raises.

        What was done is recorded in ``details["verification"]``. "undecided" -> falsy. When the
        re-check runs and does not confirm a "proven" certificate (or its bounds are inconsistent),
        the certificate becomes "undecided". A re-check that cannot run (no data after
        ``from_dict``, a floating-point environment the proofs do not cover) leaves it as it is.
        """
        if self._check is None:
            return Verification(False, "no re-check possible: this certificate carries no data "
                                       "(rebuilt from a dict?)")
        if self.status != "proven":
            return Verification(False, f"nothing to re-check: the status is '{self.status}'"
                                       + (f" ({self.reason})" if self.reason else ""))
        problem = bounds_problem(self.lower, self.upper)
        if problem:
            self.fail_closed(f"self-check failed: {problem}")
            return Verification(False, self.reason, completed=True)
        env = check_arithmetic()
        if not env:
            return Verification(False, f"re-check not run: {env.reason}")
        try:
            with np.errstate(all="ignore"):
                out = self._check(self)
        except Exception as exc:  # noqa: BLE001 -- verify reports, it never raises
            reason = f"the re-check stopped: {type(exc).__name__}: {exc}"
            self.fail_closed(reason)
            return Verification(False, reason)
        v = Verification(ok=bool(out["ok"]), reason=str(out.get("reason", "")),
                         backend=out.get("backend"), certificate_backend=out.get("certificate_backend"),
                         independent=out.get("independent"), completed=True)
        self.details["verification"] = {**out.get("report", {}), "ok": v.ok, "reason": v.reason,
                                        "backend": v.backend, "independent": v.independent}
        if not v.ok:
            self.fail_closed(f"the independent re-check did not confirm the bounds: {v.reason}")
        return v

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
            "reason": self.reason,
            "details": _clean(self.details),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Certificate:
        """Rebuild (without the data needed by ``verify``)."""
        return cls(quantity=d["quantity"], lower=d["lower"], upper=d["upper"], status=d["status"],
                   method=d["method"], precision=d["precision"], seconds=d["seconds"],
                   statement=d["statement"], details=dict(d.get("details", {})),
                   reason=d.get("reason", ""))
