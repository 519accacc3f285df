"""Theory numbers for one concrete run: lambda0, c, gamma_max, required widths and step size, envelopes.

Every constant the paper hides in an Omega(.) or O(.) is a named entry of HIDDEN_DEFAULTS; the value a
verdict used is carried in the output (``hidden_constants``), never silently set.
"""
from __future__ import annotations

import math

import numpy as np

from .kernel import gram_inf
from .randmat import c_of_delta, gamma_max

__all__ = ["HIDDEN_DEFAULTS", "gamma_max", "run_theory_numbers", "envelopes"]

#: name -> (default, meaning). The paper never gives these values; 1 is a *displayed* choice.
HIDDEN_DEFAULTS = {
    "C_width_L3.3": (1.0, "m >= C n^2/lambda0^2 log(n/delta) in L3.3 / T3.1 / T3.2 (Omega constant)"),
    "C_width_L3.6": (1.0, "m >= C c^2 n ||X||^2 ||r0||^2 / lambda0^3 in L3.5 / L3.6 (Omega constant)"),
    "C_step_L3.6": (1.0, "alpha <= C lambda0 / n^2 in L3.6 / T3.2 (O constant)"),
}


def run_theory_numbers(X: np.ndarray, *, m: int, gamma: float, step_size: float, c_emp: float,
                       r0_norm: float, delta: float, hidden: dict | None = None,
                       G_inf: np.ndarray | None = None) -> dict:
    """All numbers the statements need for this setting (hypotheses and envelopes), with c = c_emp.

    r0_norm = ||yhat(0) - y|| of the actual initialization. Returned keys are documented in README.
    """
    hc = {k: v[0] for k, v in HIDDEN_DEFAULTS.items()}
    for k, v in (hidden or {}).items():
        if k not in hc:
            raise ValueError(f"unknown hidden constant '{k}' (known: {', '.join(hc)})")
        hc[k] = float(v)
    n, d = X.shape
    G = gram_inf(X) if G_inf is None else G_inf
    eig = np.linalg.eigvalsh(G)
    lam0 = float(eig[0])
    norm_X = float(np.linalg.norm(X, 2))
    cd = c_of_delta(m, d, delta)
    log_term = math.log(n / delta)
    c = c_emp
    pos = lam0 > 0
    inf = float("inf")
    out = {
        "lambda0": lam0,
        "lambda_max_G_inf": float(eig[-1]),
        "norm_X": norm_X,
        "c_emp": c_emp,
        "c_delta": cd,
        "gamma_max_emp": gamma_max(c_emp),
        "gamma_max_delta": gamma_max(cd["c"]),
        "r0_norm": r0_norm,
        "hidden_constants": hc,
        "width_L3.3": hc["C_width_L3.3"] * n**2 / lam0**2 * log_term if pos else inf,
        "width_T3.2_printed": hc["C_width_L3.3"] * n**2 / lam0 * log_term if pos else inf,
        "width_L3.6": hc["C_width_L3.6"] * c**2 * n * norm_X**2 * r0_norm**2 / lam0**3 if pos else inf,
        "step_size_L3.6": hc["C_step_L3.6"] * lam0 / n**2,
        "bound_u_L3.6": 32 * c * math.sqrt(n) / lam0 * r0_norm if pos else inf,
        "bound_v_L3.6": 16 * c * math.sqrt(n) / lam0 * r0_norm if pos else inf,
        "bound_u_L3.5": 16 * c * math.sqrt(n) / lam0 * r0_norm if pos else inf,
        "bound_v_L3.5": 8 * c * math.sqrt(n) / lam0 * r0_norm if pos else inf,
        "bound_norm_scaled": 2 * c,
        "rate_L3.6": 1.0 - step_size * lam0 / 2.0,
        "decay_L3.6": step_size * lam0 / 2.0,
        "radius_R_L3.4": math.sqrt(m) * lam0 / (16 * c * norm_X**2),
        "bound_dist_W_A.8": 512 * c * n / (lam0**2 * math.sqrt(m)) * r0_norm**2 if pos else inf,
        "bound_dist_A_A.8": 256 * c * n / (lam0**2 * math.sqrt(m)) * r0_norm**2 if pos else inf,
        "n": n, "d": d, "m": m, "gamma": gamma, "step_size": step_size, "delta": delta,
    }
    return out


def envelopes(th: dict, steps: np.ndarray, times: np.ndarray | None = None) -> dict:
    """Per-record envelopes: L3.6 (i)-(vi) / T3.2 over steps k (GD), or L3.5 / T3.1 over times t (GF)."""
    k = np.asarray(steps, dtype=np.float64)
    gf = th.get("method") == "gf"
    r0sq = th["r0_norm"] ** 2
    with np.errstate(under="ignore"):
        if gf:
            res = r0sq * np.exp(-th["lambda0"] * np.asarray(times, dtype=np.float64))
        else:
            rate = th["rate_L3.6"]
            res = r0sq * np.power(rate, k) if rate >= 0 else np.full_like(k, np.nan)
    ku, kv = ("bound_u_L3.5", "bound_v_L3.5") if gf else ("bound_u_L3.6", "bound_v_L3.6")
    return {
        "lambda_min_G": np.full_like(k, th["lambda0"] / 2.0),
        "u_norm": np.full_like(k, th[ku]),
        "v_norm": np.full_like(k, th[kv]),
        "W_norm_scaled": np.full_like(k, th["bound_norm_scaled"]),
        "A_norm_scaled": np.full_like(k, th["bound_norm_scaled"]),
        "residual_sq": res,
    }
