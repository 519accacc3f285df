"""Accurate matrix products from ordinary BLAS calls, with a rigorous error bound.

Error-free splitting in the manner of Ozaki, Ogita, Oishi, Rump, "Error-free transformations of
matrix multiplication by using fast routines of matrix multiplication and its applications",
Numer. Algorithms 59 (2012): the rows of A and the columns of B are cut into slices whose entries
are small integers times a per-row (per-column) power of two, so small that every product of two
slices is computed *exactly* by any BLAS, in any summation order, with or without FMA (all partial
sums are integers times a common power of two below 2^53). The exact slice products are then
summed with TwoSum into a double-double hi + lo; what the slices miss is bounded a priori.

Assumption (documented, not checkable): the BLAS evaluates each entry of a product as a sum of the
n elementwise products in some order with IEEE binary64 operations (no Strassen-type algorithm).
OpenBLAS and MKL dgemm do.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._rounding import U, inflate, two_sum

__all__ = ["Product", "accurate_matmul"]


@dataclass
class Product:
    """Exact A @ B lies in hi + lo +- err entrywise (hi + lo summed exactly)."""

    hi: np.ndarray
    lo: np.ndarray
    err: np.ndarray


def _ceil_log2(n: int) -> int:
    return max(int(n) - 1, 0).bit_length()


def _split(M: np.ndarray, beta: int, nslices: int, axis: int):
    """Cut M into nslices exact slices along rows (axis=1 maxima) or columns (axis=0) + remainder.

    For a row with max |m| < 2^e, sigma = 2^(e + beta): q = fl(fl(m + sigma) - sigma) is an integer
    multiple of 2^(e + beta - 53) with |q| <= 2^e + 2^(e + beta - 53), and m - q (the rounding error
    of m + sigma) is exact (Dekker's FastTwoSum, |sigma| >= |m|).
    """
    R = np.array(M, dtype=np.float64, copy=True)
    out = []
    for _ in range(nslices):
        mu = np.max(np.abs(R), axis=axis, keepdims=True)
        _, e = np.frexp(mu)  # mu < 2^e
        live = mu >= 2.0**-450  # below, slice products could underflow; leave it in the remainder
        sigma = np.where(live, np.ldexp(1.0, e + beta), 0.0)
        Q = np.where(live, (R + sigma) - sigma, 0.0)
        R = R - Q
        out.append(Q)
    return out, R


def accurate_matmul(A, B, *, nslices: int = 4) -> Product:
    """Enclosure of the exact product A @ B (inner dimension n) as hi + lo +- err.

    Exactness of each slice product: slice entries are integers of magnitude <= 2^(53-beta) + 1
    times a row (column) scale, so a dot product of two slices is an integer times a common scale
    of magnitude <= n (2^(53-beta) + 1)^2 <= 2 n 2^(106 - 2 beta) <= 2^53 for
    beta = ceil((54 + ceil(log2 n)) / 2): every partial sum is exactly representable.
    Remainders: |A_rem B| <= |A_rem| |B| and |(A - A_rem) B_rem| <= (|A| + |A_rem|) |B_rem|,
    evaluated in floating point and inflated (nonnegative data, n roundings per term).
    The sum of the N exact slice products: hi by TwoSum, lo collects the TwoSum errors e_k in
    floating point, with error <= gamma_N sum |e_k|.
    Inputs must be moderately scaled (row maxima of A and column maxima of B in [2^-300, 2^300]
    or zero; callers scale by powers of two); slices below 2^-450 are left in the remainder, so
    every slice product has a scale >= 2^-1004 and cannot underflow.
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    vec = B.ndim == 1
    if vec:
        B = B[:, None]
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(f"accurate_matmul: shapes {A.shape} and {B.shape} do not match")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ValueError("accurate_matmul: non-finite input")
    for M, ax in ((A, 1), (B, 0)):
        mu = np.max(np.abs(M), axis=ax) if M.size else np.zeros(0)
        if np.any((mu > 2.0**300) | ((mu < 2.0**-300) & (mu != 0))):
            raise ValueError("accurate_matmul: inputs must be scaled to [2^-300, 2^300]")
    n = A.shape[1]
    beta = (54 + _ceil_log2(max(n, 2)) + 1) // 2
    As, Ar = _split(A, beta, nslices, axis=1)
    Bs, Br = _split(B, beta, nslices, axis=0)
    terms = [(p + q, As[p] @ Bs[q]) for p in range(nslices) for q in range(nslices)]
    terms.sort(key=lambda t: t[0])
    hi = terms[0][1]
    lo = np.zeros_like(hi)
    abs_e = np.zeros_like(hi)
    for _, T in terms[1:]:
        hi, e = two_sum(hi, T)
        lo = lo + e
        abs_e = abs_e + np.abs(e)
    N = len(terms)
    absA, absAr = np.abs(A), np.abs(Ar)
    rem = np.abs(Ar) @ np.abs(B) + (absA + absAr) @ np.abs(Br)
    err = inflate(rem, n + 4) + inflate(abs_e * (N * U * 1.01), N + 4)
    err = inflate(err, 2)
    if vec:
        return Product(hi[:, 0], lo[:, 0], err[:, 0])
    return Product(hi, lo, err)
