"""Statistics of a sweep: exact binomial intervals, critical widths, log-log fits with bootstrap intervals.

* Clopper-Pearson (1934): for k successes in N trials the two-sided interval at confidence 1 - a is
  [B(a/2; k, N-k+1), B(1-a/2; k+1, N-k)] with B the beta quantile (0 when k = 0, 1 when k = N); the
  one-sided lower bound at confidence 1 - a is B(a; k, N-k+1). Equivalently, the bounds solve
  P(Bin(N, p) >= k) = a/2 and P(Bin(N, p) <= k) = a/2 (the binomial-beta relation), which the tests use.
* Critical width m*: on a grid of widths w_1 < ... < w_J with success probability estimates p_j, the
  smallest w_j such that the criterion (p_j >= 1 - delta, or its one-sided lower confidence bound
  >= 1 - delta) holds at w_j and at every larger width of the grid (a dip at a larger width moves m* up).
  ``interpolated``: the width where the criterion's quantity crosses 1 - delta, linear in log w between the
  last failing width and m*.
* Exponents: least-squares slope of log m* against log x; the bootstrap resamples the seeds of every
  (point, width) cell group (for Bernoulli outcomes: k* ~ Binomial(N, k/N)) and refits.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["clopper_pearson", "CriticalWidth", "critical_width", "loglog_fit", "bootstrap_exponent"]


def clopper_pearson(k: int, n: int, confidence: float = 0.95, *, sided: str = "two") -> tuple[float, float]:
    """Exact binomial interval for the success probability (two-sided, or sided='lower': (lower, 1))."""
    from scipy.stats import beta

    if n <= 0:
        return math.nan, math.nan
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k = {k}, n = {n}")
    a = 1.0 - confidence
    if sided == "lower":
        return (0.0 if k == 0 else float(beta.ppf(a, k, n - k + 1))), 1.0
    if sided != "two":
        raise ValueError(f"sided must be 'two' or 'lower', got {sided!r}")
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


@dataclass(frozen=True)
class CriticalWidth:
    m_star: float | None            # smallest grid width from which the criterion holds (None: never on the grid)
    interpolated: float | None      # where the criterion's quantity crosses the target (log-linear in w)
    m_fail: float | None            # the largest grid width below m_star where it fails (None: m_star is the smallest)
    censored: str | None            # None, "below" (holds from the smallest width on), "above" (never holds)

    def to_dict(self) -> dict:
        return {"m_star": self.m_star, "m_star_interpolated": self.interpolated, "m_fail": self.m_fail,
                "censored": self.censored}


def _quantity(k, n, confidence, rule):
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    if rule == "point":
        return np.where(n > 0, k / np.maximum(n, 1), np.nan)
    if rule == "confidence":
        return np.array([clopper_pearson(int(a), int(b), confidence, sided="lower")[0] if b > 0 else np.nan
                         for a, b in zip(k, n)])
    raise ValueError(f"rule must be 'point' or 'confidence', got {rule!r}")


def critical_width(widths, k, n, target: float, *, confidence: float = 0.95, rule: str = "point") -> CriticalWidth:
    """m* on one grid of widths (see the module docstring); k, n: successes and trials per width."""
    w = np.asarray(widths, dtype=float)
    order = np.argsort(w)
    w = w[order]
    q = _quantity(np.asarray(k)[order], np.asarray(n)[order], confidence, rule)
    return _critical_from_q(w, q, target)


def _critical_from_q(w, q, target) -> CriticalWidth:
    ok = np.where(np.isfinite(q), q >= target - 1e-12, False)
    if not ok[-1]:
        return CriticalWidth(None, None, None, "above")
    j = len(ok) - 1
    while j > 0 and ok[j - 1]:
        j -= 1
    if j == 0:
        return CriticalWidth(float(w[0]), float(w[0]), None, "below")
    q0, q1 = q[j - 1], q[j]
    if np.isfinite(q0) and q1 > q0:
        f = (target - q0) / (q1 - q0)
        interp = float(np.exp(np.log(w[j - 1]) + f * (np.log(w[j]) - np.log(w[j - 1]))))
    else:
        interp = float(w[j])
    return CriticalWidth(float(w[j]), interp, float(w[j - 1]), None)


def loglog_fit(x, y) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line log y = intercept + slope log x (NaN with < 2 points)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if ok.sum() < 2 or np.ptp(np.log(x[ok])) == 0:
        return math.nan, math.nan
    slope, icpt = np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)
    return float(slope), float(icpt)


def bootstrap_exponent(points: list[dict], target: float, *, confidence: float = 0.95, reps: int = 1000,
                       seed: int = 0, rule: str = "point") -> dict:
    """Slope of log m*_interpolated against log x over `points`, with a percentile bootstrap interval.

    points: [{"x": x, "widths": [...], "k": [...], "n": [...]}] (one per n or lambda0). Each replicate draws
    k* ~ Binomial(n, k/n) for every width of every point (resampling that group's seeds), recomputes m*
    and refits; replicates with fewer than two uncensored points are dropped (their share is reported)."""
    def mstars(ks):
        out = []
        for p, kk in zip(points, ks):
            w = np.asarray(p["widths"], dtype=float)
            o = np.argsort(w)
            q = _quantity(np.asarray(kk)[o], np.asarray(p["n"])[o], confidence, rule)
            cw = _critical_from_q(w[o], q, target)
            out.append(cw.interpolated if cw.censored is None else math.nan)
        return np.array(out, dtype=float)

    xs = np.array([p["x"] for p in points], dtype=float)
    est = mstars([p["k"] for p in points])
    slope, icpt = loglog_fit(xs, est)
    res = {"slope": slope, "intercept": icpt, "points": int(np.sum(np.isfinite(est))), "ci": [math.nan, math.nan],
           "reps": reps, "valid_reps": 0, "confidence": confidence}
    if reps <= 0 or not math.isfinite(slope):
        return res
    if not any(0 < k < n for p in points for k, n in zip(p["k"], p["n"])):
        # every group's seeds all succeeded or all failed: resampling them reproduces the same m*, so a
        # percentile interval would have width 0 and suggest a certainty the few seeds do not give
        res["ci_note"] = "no interval: every (n, m) group succeeded on all seeds or on none, so resampling cannot move m*"
        return res
    rng = np.random.default_rng(seed)
    draws = [[rng.binomial(np.asarray(p["n"], dtype=int), np.asarray(p["k"], float) / np.maximum(np.asarray(p["n"]), 1),
                           size=(reps, len(p["n"]))) for p in points]]
    slopes = []
    for r in range(reps):
        s, _ = loglog_fit(xs, mstars([d[r] for d in draws[0]]))
        if math.isfinite(s):
            slopes.append(s)
    a = 1 - confidence
    if slopes:
        res["ci"] = [float(np.quantile(slopes, a / 2)), float(np.quantile(slopes, 1 - a / 2))]
    res["valid_reps"] = len(slopes)
    return res
