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

__all__ = ["gaussian_norm_tail", "c_of_delta", "c_empirical", "c_single", "gamma_max", "gamma_train",
           "c_of_delta_symbolic", "tail_monte_carlo", "c_summary", "TAIL_BOUND_CITATION"]

#: The explicit bound every c(delta) here rests on.
TAIL_BOUND_CITATION = (
    "P(||G|| >= sqrt(p) + sqrt(q) + t) <= exp(-t^2/2) for G in R^{p x q} with i.i.d. N(0,1) entries: "
    "E||G|| <= sqrt(p) + sqrt(q) (Gordon 1985 / Slepian; Davidson & Szarek 2001, Thm II.13) and Gaussian "
    "concentration with constant 1/2 for the 1-Lipschitz map G -> ||G|| (Tsirelson-Ibragimov-Sudakov 1976; "
    "Ledoux 2001, eq. 2.35); Vershynin 2018, Thm 7.3.1 for the expectation")


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


def c_single(rows: int, cols: int, delta: float, m: int | None = None) -> float:
    """Smallest c the tail bound certifies for ONE matrix: P(||G|| > c sqrt(m)) <= delta.

    c = (sqrt(rows) + sqrt(cols) + sqrt(2 log(1/delta))) / sqrt(m), with m = rows by default
    (A is m x m, W is m x d: c_A = c_single(m, m, delta), c_W = c_single(m, d, delta)).
    """
    if not 0.0 < delta < 1.0:
        raise ValueError(f"delta must lie in (0, 1), got {delta}")
    m = rows if m is None else m
    return (math.sqrt(rows) + math.sqrt(cols) + math.sqrt(2.0 * math.log(1.0 / delta))) / math.sqrt(m)


def gamma_max(c: float) -> float:
    """The theorems' condition 0 < gamma <= min{1/2, 1/(4c)} (L3.5, L3.6, T3.1, T3.2), as a function of c."""
    if c <= 0:
        raise ValueError(f"c must be positive, got {c}")
    return min(0.5, 1.0 / (4.0 * c))


def gamma_train(c: float, gamma0: float = 0.5) -> float:
    """gamma = min{gamma0, gamma0/(2c)}: keeps (gamma/sqrt(m)) ||A|| <= gamma0 while ||A|| <= 2c sqrt(m) (L2.2)."""
    if not 0.0 < gamma0 < 1.0:
        raise ValueError(f"gamma0 must lie in (0, 1), got {gamma0}")
    return min(gamma0, gamma0 / (2.0 * c))


def c_of_delta_symbolic():
    """(symbols, c_A, c_W) as sympy expressions in m, d, delta (union bound, delta/2 each)."""
    import sympy as sp
    m, d, delta = sp.symbols("m d delta", positive=True)
    t = sp.sqrt(2 * sp.log(2 / delta))
    c_A = (2 * sp.sqrt(m) + t) / sp.sqrt(m)
    c_W = (sp.sqrt(m) + sp.sqrt(d) + t) / sp.sqrt(m)
    return (m, d, delta), c_A, c_W


def tail_monte_carlo(rows: int, cols: int, delta: float, trials: int = 200, seed: int = 0,
                     m: int | None = None) -> dict:
    """Monte Carlo check that P(||G|| > c(delta) sqrt(m)) <= delta for Gaussian rows x cols matrices.

    Reports the exceedance count, the empirical rate, its exact (Clopper-Pearson) one-sided 99% upper
    confidence limit, and the empirical c (max over trials of ||G||/sqrt(m)) next to c(delta).
    """
    import numpy as np
    from scipy import stats

    m = rows if m is None else m
    c = c_single(rows, cols, delta, m)
    rng = np.random.default_rng(seed)
    norms = np.array([np.linalg.norm(rng.standard_normal((rows, cols)), 2) for _ in range(trials)])
    ratio = norms / math.sqrt(m)
    k = int(np.sum(ratio > c))
    upper = 1.0 if k == trials else float(stats.beta.ppf(0.99, k + 1, trials - k))
    return {"rows": rows, "cols": cols, "m": m, "delta": delta, "c_delta": c, "trials": trials,
            "exceedances": k, "rate": k / trials, "rate_upper_99": upper,
            "c_empirical_max": float(ratio.max()), "c_empirical_mean": float(ratio.mean()),
            "consistent": bool(k / trials <= delta or k == 0 or
                               float(stats.binom.sf(k - 1, trials, delta)) > 0.01),
            "bound": TAIL_BOUND_CITATION}


def c_summary(norm_A0: float, norm_W0: float, m: int, d: int, delta: float) -> dict:
    """The two honest c's side by side (SPEC section 3): measured on the initialization, and c(delta).

    c_emp = max(||A(0)||, ||W(0)||)/sqrt(m) is what this initialization satisfies; c(delta) holds with
    probability >= 1 - delta before seeing it. Both with their gamma_max = min(1/2, 1/(4c)).
    """
    ce = c_empirical(norm_A0, norm_W0, m)
    cd = c_of_delta(m, d, delta)
    return {"c_empirical": ce, "c_A_empirical": norm_A0 / math.sqrt(m), "c_W_empirical": norm_W0 / math.sqrt(m),
            "c_delta": cd["c"], "c_A_delta": cd["c_A"], "c_W_delta": cd["c_W"], "delta": delta,
            "gamma_max_empirical": gamma_max(ce), "gamma_max_delta": gamma_max(cd["c"]),
            "init_within_c_delta": bool(ce <= cd["c"]), "bound": TAIL_BOUND_CITATION}
