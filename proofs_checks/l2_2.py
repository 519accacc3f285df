"""L2.2 (well-posedness, A.1): contraction, existence/uniqueness, a-priori bounds on z."""
from __future__ import annotations

import numpy as np
import sympy as sp

from ._common import SYM, identity_step, inequality_step, numeric_step, result
from .forward import equilibrium

ID = "L2.2"
TITLE = "Well-posedness: gamma = min{gamma0, gamma0/c} makes z -> sigma(gt A z + phi) a gamma0-contraction"

c, gamma0, m, n = SYM["c"], SYM["gamma0"], SYM["m"], SYM["n"]


_g = sp.Symbol("gamma0", positive=True)
_l, _p, _q = sp.symbols("l p q", integer=True, nonnegative=True)


def _geometric():
    s = sp.summation(_g**_l, (_l, _p, _q - 1))
    return s.args[1][0] if isinstance(s, sp.Piecewise) else s   # the gamma0 != 1 branch


def _numeric(seeds=range(5), m_=40, p_max=40):
    worst_bound, worst_norm = np.inf, np.inf
    for seed in seeds:
        rng = np.random.default_rng(seed)
        A = rng.standard_normal((m_, m_))
        cc = np.linalg.norm(A, 2) / np.sqrt(m_)
        for g0 in (0.5, 0.9):
            gam = min(g0, g0 / cc)
            gt = gam / np.sqrt(m_)
            phi = np.maximum(rng.standard_normal(m_), 0) / np.sqrt(m_) * 3
            zs, _, _ = equilibrium(A, phi, gt, tol=1e-15)
            z = np.zeros(m_)
            for p in range(p_max):
                bound = g0**p / (1 - g0) * np.linalg.norm(phi)
                worst_bound = min(worst_bound, bound - np.linalg.norm(z - zs))
                worst_norm = min(worst_norm, np.linalg.norm(phi) / (1 - g0) - np.linalg.norm(z))
                z = np.maximum(gt * A @ z + phi, 0)
    return worst_bound, worst_norm


def audit(setting: dict | None = None) -> dict:
    steps = [
        identity_step("c >= 1: gamma = gamma0/c gives gamma c = gamma0, so gt ||A|| <= (gamma/sqrt m) c sqrt m = gamma0",
                      (gamma0 / c) * c, gamma0),
        inequality_step("c < 1: gamma = gamma0 gives gamma c = gamma0 c <= gamma0", gamma0 * sp.Min(c, 1), gamma0),
        identity_step("a-priori bound: sum_{l=p}^{q-1} gamma0^l = (gamma0^p - gamma0^q)/(1 - gamma0) <= gamma0^p/(1 - gamma0) "
                      "(gamma0 != 1)", _geometric(), (_g**_p - _g**_q) / (1 - _g)),
        identity_step("gamma0 = 1/2: 1/(1 - gamma0) = 2, so ||z_i|| <= 2 ||phi_i|| <= 4c when ||phi_i|| <= 2c",
                      2 * (2 * c), 4 * c),
        identity_step("||phi_i|| <= ||W|| ||x_i|| / sqrt(m) <= 2c sqrt(m)/sqrt(m) = 2c", 2 * c * sp.sqrt(m) / sp.sqrt(m), 2 * c),
        identity_step("||Phi|| <= ||Phi||_F <= sqrt(n * (2c)^2) = 2c sqrt(n); ||Z|| <= 4c sqrt(n)",
                      sp.sqrt(n * (2 * c) ** 2), 2 * c * sp.sqrt(n)),
        inequality_step("training: gamma <= min{1/2, 1/(4c)} and ||A|| <= 2c sqrt(m) give gt ||A|| <= 2c gamma <= 1/2",
                        2 * c * sp.Min(sp.Rational(1, 2), 1 / (4 * c)), sp.Rational(1, 2)),
    ]
    wb, wn = _numeric()
    steps.append(numeric_step("||z^p - z*|| <= gamma0^p ||phi|| / (1 - gamma0) and ||z^p|| <= ||phi||/(1 - gamma0) "
                              "on random instances (m = 40, gamma0 in {0.5, 0.9}, p < 40)",
                              wb >= -1e-13 and wn >= -1e-13, f"smallest slacks {wb:.3g}, {wn:.3g}"))
    return result(ID, TITLE, steps, [])
