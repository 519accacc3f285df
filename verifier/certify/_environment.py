"""The arithmetic every proof in this package assumes, tested at run time instead of assumed.

The proofs use IEEE 754 binary64 with rounding to nearest, ties to even (IEEE 754-2008, Sec. 4.3.1)
and gradual underflow (subnormal results and operands, Sec. 3.4 and 7.5): the a-priori bounds
fl(x op y) = (x op y)(1 + delta) + eta, |delta| <= u = 2^-53 (Higham 2002, Sec. 2.2), the
error-free transformations TwoSum and TwoProduct (Ogita, Rump, Oishi 2005), the exact
power-of-two scalings, and Rump's Cholesky test (Rump 2006) hold only there. The environment is
per thread and any C code can change it: ``fesetround``, or the x86 MXCSR flags flush-to-zero (FTZ)
and denormals-are-zero (DAZ) that libraries built with -ffast-math set when they are loaded. Under
FTZ/DAZ a 1e-310 I matrix times gamma = 1e300 was "proven" to have norm 0; under upward rounding a
Gram entry's enclosure missed its value by 1e-23 with a radius of 1e-31.

``check_arithmetic`` evaluates a few operations whose correctly rounded results are IEEE 754 facts
(ties that only round-to-nearest-even resolves this way, a subnormal result, a subnormal operand),
in each layer the proofs use: Python floats (the exact-rational bookkeeping's float steps), numpy's
elementwise loops (SIMD), and numpy's BLAS (``dot``, and a product large enough that OpenBLAS splits
it among its threads, which keep the environment they were created in). scipy's own BLAS only
produces approximations (eigenvectors, Lanczos estimates) that the proofs then check, so it is not
tested. Cost: about 0.1 ms.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np

__all__ = ["ArithmeticReport", "FloatingPointEnvironmentError", "check_arithmetic", "CASES"]

_P = math.ldexp  # exact for every argument used here
_ONE_PLUS_ULP = 1.0 + _P(1.0, -52)

#: (operation, a, b, the correctly rounded binary64 result under round-to-nearest-even).
#: What another environment returns instead is given in the comment.
CASES = (
    ("add", 1.0, _P(1.0, -53), 1.0),  # tie, to even; upward: 1 + 2^-52
    ("add", 1.0, _P(3.0, -53), 1.0 + _P(1.0, -51)),  # tie, to even; downward/toward zero: 1 + 2^-52
    ("add", 1.0, -_P(1.0, -54), 1.0),  # tie, to even; downward/toward zero: 1 - 2^-53
    ("add", -1.0, -_P(1.0, -53), -1.0),  # tie, to even; downward: -1 - 2^-52
    ("add", 1.0, _P(3.0, -54), _ONE_PLUS_ULP),  # 0.75 ulp, to nearest; downward/toward zero: 1
    ("div", 1.0, 3.0, float.fromhex("0x1.5555555555555p-2")),  # upward: ...556p-2
    ("mul", _P(1.0, -1022), 0.5, _P(1.0, -1023)),  # a subnormal result; FTZ: 0
    ("mul", _P(1.0, -1074), _P(1.0, 52), _P(1.0, -1022)),  # a subnormal operand; DAZ: 0
    ("mul", _P(3.0, -1074), 0.5, _P(1.0, -1073)),  # gradual underflow ties to even; FTZ: 0
    ("mul", _P(1.0, -1074), 0.5, 0.0),  # the smallest tie; upward: 2^-1074
    ("sqrt", 2.0, None, float.fromhex("0x1.6a09e667f3bcdp+0")),  # downward/toward zero: ...bccp+0
)

_PY_OPS = {"add": operator.add, "mul": operator.mul, "div": operator.truediv}
_NP_OPS = {"add": np.add, "mul": np.multiply, "div": np.divide}

# BLAS: columns of the factor A and, for each output column, the two rows of B that select
# a sum of exactly two nonzero products; every other term is an exact zero, so any summation
# order, blocking or FMA gives the correctly rounded sum of the two.
_A_COLS = (1.0, _P(1.0, -53), _P(3.0, -53), -_P(1.0, -54), _P(1.0, -1022), _P(1.0, -1074), -1.0,
           -_P(1.0, -53))
_B_PATTERNS = (  # ((row, value), (row, value)), expected
    (((0, 1.0), (1, 1.0)), 1.0),
    (((0, 1.0), (2, 1.0)), 1.0 + _P(1.0, -51)),
    (((0, 1.0), (3, 1.0)), 1.0),
    (((4, 0.5), (6, 0.0)), _P(1.0, -1023)),
    (((5, _P(1.0, 52)), (6, 0.0)), _P(1.0, -1022)),
    (((6, 1.0), (7, 1.0)), -1.0),
)
#: A (_ROWS x 8) @ B (8 x _COLS): m n k = 524288 > 65536 * 4, above OpenBLAS's threshold for
#: using more than one thread in dgemm.
_ROWS, _COLS = 512, 128


def _blas_operands():
    A = np.tile(np.array(_A_COLS), (_ROWS, 1))
    B = np.zeros((len(_A_COLS), _COLS))
    want = np.empty(_COLS)
    for j in range(_COLS):
        pairs, expected = _B_PATTERNS[j % len(_B_PATTERNS)]
        for row, value in pairs:
            B[row, j] = value
        want[j] = expected
    return A, B, want


_BLAS = _blas_operands()


class FloatingPointEnvironmentError(FloatingPointError):
    """Raised where no "undecided" can be returned (an enclosure) and the environment is not IEEE
    round-to-nearest-even with gradual underflow."""


@dataclass(frozen=True)
class ArithmeticReport:
    """Result of ``check_arithmetic``: falsy when a result differed; failures name the layer first
    ("python: ...", "numpy: ...", "blas: ...")."""

    ok: bool
    failures: tuple

    def __bool__(self) -> bool:
        return self.ok

    @property
    def reason(self) -> str:
        if self.ok:
            return ""
        return ("the floating-point environment is not IEEE 754 binary64 with round-to-nearest-even "
                "and gradual underflow (directed rounding, or flush-to-zero/denormals-are-zero set?): "
                + "; ".join(self.failures[:4]) + (" ..." if len(self.failures) > 4 else ""))


def _name(op, a, b):
    return f"sqrt({a!r})" if op == "sqrt" else f"{op}({a!r}, {b!r})"


def _same(x, y) -> bool:
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def check_arithmetic() -> ArithmeticReport:
    """Evaluate ``CASES`` in Python floats, in numpy's elementwise loops, and through numpy's BLAS."""
    failures = []
    for op, a, b, want in CASES:  # operands come from a tuple at run time: nothing is constant-folded
        got = math.sqrt(a) if op == "sqrt" else _PY_OPS[op](a, b)
        if not _same(got, want):
            failures.append(f"python: {_name(op, a, b)} gave {got!r}, expected {want!r}")
    with np.errstate(all="ignore"):
        for op, a, b, want in CASES:
            va = np.full(19, a)  # long enough for the SIMD loop and its remainder
            got = np.sqrt(va) if op == "sqrt" else _NP_OPS[op](va, np.full(19, b))
            if not np.all(got == want):
                bad = got[got != want][0]
                failures.append(f"numpy: {_name(op, a, b)} gave {float(bad)!r}, expected {want!r}")
        for (x0, x1), want in ((((1.0, 1.0), (_P(1.0, -53), 1.0)), 1.0),
                               (((1.0, 1.0), (-_P(1.0, -54), 1.0)), 1.0),
                               (((_P(1.0, -1022), 0.5), (0.0, 0.0)), _P(1.0, -1023)),
                               (((_P(1.0, -1074), _P(1.0, 52)), (0.0, 0.0)), _P(1.0, -1022))):
            x, y = np.array([x0[0], x1[0]]), np.array([x0[1], x1[1]])
            got = float(np.dot(x, y))
            if not _same(got, want):
                failures.append(f"blas: dot({x.tolist()}, {y.tolist()}) gave {got!r}, expected {want!r}")
        A, B, want = _BLAS
        C = A @ B
        bad = np.nonzero(np.any(C != want[None, :], axis=0))[0]
        if bad.size:
            j = int(bad[0])
            got = C[:, j][C[:, j] != want[j]][0]
            failures.append(f"blas: a {_ROWS} x 8 x {_COLS} matrix product gave {float(got)!r} where "
                            f"{want[j]!r} is the correctly rounded value ({bad.size} columns differ)")
    return ArithmeticReport(ok=not failures, failures=tuple(failures))
