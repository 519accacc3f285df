"""The concrete instance the audit's findings quote numbers from (or the caller's setting)."""
from __future__ import annotations

import functools

import numpy as np

from verifier.theory.kernel import lambda0 as lambda0_closed
from verifier.theory.randmat import gamma_max

from .reference_model import forward

__all__ = ["concrete_instance"]


@functools.lru_cache(maxsize=8)
def _own(n: int, d: int, m: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    y = np.where(X @ rng.standard_normal(d) >= 0, 1.0, -1.0)
    A = rng.standard_normal((m, m))
    W = rng.standard_normal((m, d))
    u = rng.choice([-1.0, 1.0], size=m)
    v = rng.choice([-1.0, 1.0], size=m)
    c = max(np.linalg.norm(A, 2), np.linalg.norm(W, 2)) / np.sqrt(m)
    gamma = gamma_max(c)
    f = forward(A, W, u, v, X, gamma)
    return {"n": n, "d": d, "m": m, "seed": seed, "gamma": gamma, "c": float(c),
            "lambda0": lambda0_closed(X), "norm_X": float(np.linalg.norm(X, 2)),
            "r0_norm": float(np.linalg.norm(f["yhat"] - y)),
            "source": f"audit's own instance: synthetic unit rows n={n}, d={d}, A1 init at m={m}, seed={seed}, "
                      f"c = c_emp, gamma = min(1/2, 1/(4c))"}


def concrete_instance(setting: dict | None = None) -> dict:
    """Numbers (n, lambda0, c, norm_X, r0_norm, m, ...) from `setting` when it has them all, else our own."""
    keys = ("n", "lambda0", "c", "norm_X", "r0_norm")
    if setting and all(setting.get(k) is not None for k in keys):
        out = {k: float(setting[k]) for k in keys}
        out["n"] = int(setting["n"])
        out["m"] = int(setting["m"]) if setting.get("m") else None
        out["source"] = "caller's setting"
        return out
    return dict(_own(16, 8, 256, 0))
