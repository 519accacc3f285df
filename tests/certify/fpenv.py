"""Switch the floating-point environment of the calling thread, for tests only.

Rounding direction: the C library's ``fesetround`` through ctypes (x86-64 glibc constants
FE_TONEAREST 0, FE_DOWNWARD 0x400, FE_UPWARD 0x800, FE_TOWARDZERO 0xc00; glibc sets both the x87
control word and the SSE control register MXCSR, and CPython and numpy compute binary64 with SSE on
x86-64). Flush-to-zero (MXCSR bit 15) and denormals-are-zero (bit 6) have no C library call: a
three-line shared library around ``_mm_getcsr`` / ``_mm_setcsr`` is compiled with the system C
compiler into a temporary directory. Everything here is skipped, with the reason, where the
platform is not x86-64 Linux with glibc or no C compiler is found.
"""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile

FE = {"tonearest": 0x000, "downward": 0x400, "upward": 0x800, "towardzero": 0xC00}
MXCSR_FTZ = 0x8000
MXCSR_DAZ = 0x0040

_CSR_SOURCE = """
#include <xmmintrin.h>
unsigned int csr_get(void) { return _mm_getcsr(); }
void csr_set(unsigned int v) { _mm_setcsr(v); }
"""

_cache: dict = {}


def platform_problem() -> str | None:
    """Why the modes cannot be switched here (None when they can)."""
    if not sys.platform.startswith("linux"):
        return f"switching the floating-point environment is only wired for Linux (this is {sys.platform})"
    if platform.machine() not in ("x86_64", "AMD64"):
        return f"the fesetround constants and MXCSR bits are those of x86-64 (this is {platform.machine()})"
    if platform.libc_ver()[0] != "glibc":
        return "fesetround constants are those of glibc"
    return None


def libm():
    """The C math library with fesetround/fegetround, or a reason string."""
    if "libm" not in _cache:
        problem = platform_problem()
        if problem:
            _cache["libm"] = problem
        else:
            lib = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
            lib.fesetround.argtypes = [ctypes.c_int]
            lib.fesetround.restype = ctypes.c_int
            lib.fegetround.argtypes = []
            lib.fegetround.restype = ctypes.c_int
            _cache["libm"] = lib
    return _cache["libm"]


def mxcsr():
    """(get, set) for the SSE control register, or a reason string."""
    if "csr" not in _cache:
        problem = platform_problem()
        cc = shutil.which("gcc") or shutil.which("cc")
        if problem:
            _cache["csr"] = problem
        elif cc is None:
            _cache["csr"] = "no C compiler (gcc/cc) to build the MXCSR helper; numpy has no API for FTZ/DAZ"
        else:
            d = tempfile.mkdtemp(prefix="mxcsr-")
            atexit.register(shutil.rmtree, d, True)
            src, so = os.path.join(d, "csr.c"), os.path.join(d, "libcsr.so")
            with open(src, "w") as fh:
                fh.write(_CSR_SOURCE)
            proc = subprocess.run([cc, "-O1", "-shared", "-fPIC", "-o", so, src], capture_output=True,
                                  text=True, timeout=60)
            if proc.returncode != 0:
                _cache["csr"] = f"could not compile the MXCSR helper: {proc.stderr.strip()[:200]}"
            else:
                lib = ctypes.CDLL(so)
                lib.csr_get.argtypes = []
                lib.csr_get.restype = ctypes.c_uint
                lib.csr_set.argtypes = [ctypes.c_uint]
                lib.csr_set.restype = None
                _cache["csr"] = (lib.csr_get, lib.csr_set)
    return _cache["csr"]


@contextlib.contextmanager
def fp_mode(rounding: str | None = None, *, ftz: bool = False, daz: bool = False):
    """Run the body in the given rounding direction and with FTZ/DAZ set; always restored."""
    lib = libm()
    csr = mxcsr() if (ftz or daz) else None
    if isinstance(lib, str):
        raise RuntimeError(lib)
    if isinstance(csr, str):
        raise RuntimeError(csr)
    old_round = lib.fegetround()
    old_csr = csr[0]() if csr else None
    try:
        if rounding is not None and lib.fesetround(FE[rounding]) != 0:
            raise RuntimeError(f"fesetround({rounding}) failed")
        if csr:
            csr[1](csr[0]() | (MXCSR_FTZ if ftz else 0) | (MXCSR_DAZ if daz else 0))
        yield
    finally:
        lib.fesetround(old_round)
        if csr:
            csr[1](old_csr)
