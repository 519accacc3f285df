"""Explicit Gaussian operator-norm tails -> the constant c(delta) of L2.1 / L2.2.

For G in R^{p x q} with i.i.d. N(0,1) entries (Davidson & Szarek 2001, Thm II.13; Vershynin 2018,
Cor. 7.3.3 with Gaussian concentration of the 1-Lipschitz map G -> ||G||):
    P(||G|| >= sqrt(p) + sqrt(q) + t) <= exp(-t^2 / 2),   t >= 0.
Splitting delta between A (m x m) and W (m x d) by a union bound gives, with probability >= 1 - delta,
    ||A|| <= c_A sqrt(m),  c_A = 2 + sqrt(2 log(2/delta)) / sqrt(m),
    ||W|| <= c_W sqrt(m),  c_W = 1 + sqrt(d/m) + sqrt(2 log(2/delta)) / sqrt(m),
and c(delta) = max(c_A, c_W) serves both hypotheses of the paper at once.
"""
from __future__ import annotations

import math

__all__ = ["gaussian_norm_tail", "c_of_delta", "c_empirical"]


def gaussian_norm_tail(rows: int, cols: int, t: float) -> float:
    """Upper bound on P(||G|| >= sqrt(rows) + sqrt(cols) + t) for a standard Gaussian matrix."""
    if t < 0:
        return 1.0
    return math.exp(-t * t / 2.0)


def c_of_delta(m: int, d: int, delta: float) -> dict:
    """c_A(delta), c_W(delta) and c = max of both, valid jointly with probability >= 1 - delta."""
    if not 0.0 < delta < 1.0:
        raise ValueError(f"delta must lie in (0, 1), got {delta}")
    t = math.sqrt(2.0 * math.log(2.0 / delta))
    c_A = 2.0 + t / math.sqrt(m)
    c_W = 1.0 + math.sqrt(d / m) + t / math.sqrt(m)
    return {"c_A": c_A, "c_W": c_W, "c": max(c_A, c_W), "delta": delta,
            "bound": "P(||G|| >= sqrt(p)+sqrt(q)+t) <= exp(-t^2/2), union bound over A and W"}


def c_empirical(norm_A0: float, norm_W0: float, m: int) -> float:
    """c_emp = max(||A(0)||, ||W(0)||) / sqrt(m): the smallest c the initialization satisfies."""
    return max(norm_A0, norm_W0) / math.sqrt(m)
