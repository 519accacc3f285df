"""What a certificate may be asked about: real numbers that are exactly binary64 numbers.

Every certificate speaks about "the float64 array as given (exact binary values)". A value that is
not exactly a binary64 number (an integer above 2^53 that is not a multiple of the spacing there, a
long double, 1/3 as a Fraction) would be rounded on the way in, and the certificate would then be
about a different matrix than the caller's; a complex array would lose its imaginary part. So
values are checked exactly, element by element, before any conversion, and anything else is
refused with a ``CertifyInputError`` that names the parameter.
"""
from __future__ import annotations

import math
import numbers
from decimal import Decimal
from fractions import Fraction

import numpy as np

__all__ = ["CertifyInputError", "exact_float64_array", "exact_float64", "real_number"]

_EXACT_BELOW = 2.0**53  # every integer of magnitude <= 2^53 is a binary64 number


from ..errors import CertifyInputError  # noqa: E402  (defined where the CLI can catch it cheaply)


def _kind_name(x) -> str:
    return type(x).__name__


def _scalar_value(x, name: str):
    """The binary64 number equal to the scalar x, or raise. NaN and inf pass (callers decide)."""
    if isinstance(x, (bool, np.bool_)):
        raise CertifyInputError(f"{name} must be a real number, got a bool ({x!r})")
    if isinstance(x, (complex, np.complexfloating)):
        raise CertifyInputError(f"{name} must be real, got a complex number ({x!r})")
    if isinstance(x, np.floating) and np.finfo(x.dtype).nmant > 52:  # long double
        f = float(x)
        if not (np.longdouble(f) == x or (math.isnan(f) and np.isnan(x))):
            raise CertifyInputError(f"{name} = {x!r} ({x.dtype}) is not exactly representable in float64")
        return f
    if isinstance(x, (float, np.floating)):
        return float(x)
    if isinstance(x, (int, np.integer)):
        v = int(x)
        if abs(v) > _EXACT_BELOW:
            try:
                f = float(v)  # int -> float is correctly rounded in integer arithmetic
            except OverflowError:
                f = math.inf
            if not math.isfinite(f) or int(f) != v:
                raise CertifyInputError(f"{name} = {v} is an integer that is not exactly representable "
                                        f"in float64 (the nearest float64 differs)")
            return f
        return float(v)
    if isinstance(x, (Fraction, Decimal)):
        if isinstance(x, Decimal) and not x.is_finite():
            return float(x)
        q = Fraction(x)
        try:
            f = float(q)
        except OverflowError:
            f = math.inf
        if not math.isfinite(f) or Fraction(f) != q:
            raise CertifyInputError(f"{name} = {x!r} is not exactly representable in float64; pass the "
                                    f"float64 number you mean (e.g. float({x!r}) if rounding is intended)")
        return f
    raise CertifyInputError(f"{name} must be a real number exactly representable in float64 (int, float, "
                            f"numpy integer/floating, Fraction or Decimal), got {_kind_name(x)}")


def exact_float64(x, name: str, *, finite: bool = True) -> float:
    """x as a Python float, when x is a real number exactly equal to a binary64 number."""
    if isinstance(x, np.ndarray):
        if x.ndim != 0:
            raise CertifyInputError(f"{name} must be a scalar, got an array of shape {x.shape}")
        x = x[()]
    if isinstance(x, (list, tuple, dict, set)):
        raise CertifyInputError(f"{name} must be a scalar, got {_kind_name(x)}")
    f = _scalar_value(x, name)
    if finite and not math.isfinite(f):
        raise CertifyInputError(f"{name} must be finite, got {x!r}")
    return f


def _first_bad(mask: np.ndarray) -> tuple:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def exact_float64_array(x, name: str, *, ndim: int | None = None) -> np.ndarray:
    """x as a native float64 ndarray, when it is a real array whose every value is a binary64 number.

    Accepted: float16/32/64 (always exact), long double (checked), signed and unsigned integers
    (checked exactly: |v| <= 2^53, or int(float(v)) == v in Python integers), object arrays of
    Python/numpy numbers (each checked like a scalar). Refused: complex, bool, strings, dates,
    masked arrays (the mask would be dropped), ragged nesting. NaN and inf pass (callers decide).
    Only dtype metadata and exact comparisons are used: no rounding mode is involved.
    """
    if isinstance(x, np.ma.MaskedArray):
        raise CertifyInputError(f"{name} is a masked array; its mask would be ignored. Pass "
                                f"np.ma.getdata({name}) or a filled array")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise CertifyInputError(f"{name} cannot be read as a numeric array: {exc}") from None
    if ndim is not None and arr.ndim != ndim:
        raise CertifyInputError(f"{name} must be a {ndim}-D array, got shape {arr.shape}")
    kind = arr.dtype.kind
    if kind == "c":
        raise CertifyInputError(f"{name} is complex ({arr.dtype}); the certificates are about real "
                                f"matrices (an imaginary part is never dropped silently)")
    if kind == "b":
        raise CertifyInputError(f"{name} has dtype bool; pass a real (float or integer) array")
    if kind == "f":
        if arr.dtype.itemsize <= 8:
            return np.asarray(arr, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            f = arr.astype(np.float64)
            same = (f.astype(arr.dtype) == arr) | (np.isnan(arr) & np.isnan(f))
        if not np.all(same):
            idx = _first_bad(~same)
            raise CertifyInputError(f"{name}{list(idx)} = {arr[idx]!r} ({arr.dtype}) is not exactly "
                                    f"representable in float64")
        return f
    if kind in "iu":
        f = arr.astype(np.float64)  # exact below 2^53; elsewhere each candidate is checked exactly
        for idx in np.argwhere(np.abs(f) >= _EXACT_BELOW):
            idx = tuple(int(i) for i in idx)
            v = int(arr[idx])
            if not math.isfinite(f[idx]) or int(f[idx]) != v:
                raise CertifyInputError(f"{name}{list(idx)} = {v} is an integer that is not exactly "
                                        f"representable in float64 (the nearest float64 differs)")
        return f
    if kind == "O":
        out = np.empty(arr.shape, dtype=np.float64)
        for idx in np.ndindex(arr.shape):
            v = arr[idx]
            if isinstance(v, (np.ndarray, list, tuple)):
                raise CertifyInputError(f"{name} is ragged or nested (entry {list(idx)} is a sequence)")
            out[idx] = _scalar_value(v, f"{name}{list(idx)}")
        return out
    raise CertifyInputError(f"{name} must be a real numeric array, got dtype {arr.dtype}")


def real_number(x, name: str) -> float:
    """A real parameter that is not part of the proven statement (a tolerance): any finite real."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise CertifyInputError(f"{name} must be a real number, got {_kind_name(x)} ({x!r})")
    f = float(x)
    if not math.isfinite(f):
        raise CertifyInputError(f"{name} must be finite, got {x!r}")
    return f
