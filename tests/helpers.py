"""Helpers shared by the tests (importable as `tests.helpers`; pytest puts the repository root on sys.path).

    unit_rows(rng, n, d)     n unit-norm rows in R^d (assumption A2 almost surely)
    crafted_run(...)         TheoryNumbers + recorded arrays of a made-up run whose numbers a test controls
    judged(th, traj, ...)    the registry's verdicts on it, as summary dicts keyed by claim id
"""
from __future__ import annotations

import dataclasses

import numpy as np

from proofs_checks.registry import RunContext, judge
from proofs_checks.theory_numbers import TheoryInputs, theory_numbers

A2_OK = {"holds": True, "min_angle": 0.5, "parallel_tol": 1e-6}


def unit_rows(rng, n: int, d: int) -> np.ndarray:
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1)[:, None]


def crafted_run(K: int = 5, method: str = "gd", theory: dict | None = None, **traj_over):
    """A run in which every hypothesis of L3.6/T3.2 (or L3.5/T3.1) is met and every conclusion holds:
    m = 100, ||u(0)|| = ||v(0)|| = sqrt(m) = 10, c = 2, lambda0 = 1/2. Pass arrays to change the trajectory and
    `theory` (field -> value) to change requirements."""
    k = np.arange(K + 1)
    traj = {"step": k, "time": 1e-4 * k, "loss": 2.0 * 0.5**k, "residual_sq": 4.0 * 0.5**k,
            "lambda_min_G": np.full(K + 1, 1.0), "contraction": np.full(K + 1, 0.2),
            "A_norm_scaled": np.full(K + 1, 2.0), "W_norm_scaled": np.full(K + 1, 1.5),
            "u_norm": np.full(K + 1, 10.0), "v_norm": np.full(K + 1, 10.0), "dist_W": np.zeros(K + 1),
            "adj_residual": np.full(K + 1, 1e-14)}
    traj.update(traj_over)
    inputs = TheoryInputs(n=4, d=3, m=100, gamma=0.1, step_size=1e-4, delta=0.05, lambda0=0.5, norm_X=1.5, c=2.0,
                          r0_norm=2.0, method=method, c_delta=2.1, c_delta_A=2.1, c_delta_W=2.1)
    th = theory_numbers(inputs)
    fields = dict(width_L3_3=10.0, width_T3_1=10.0, width_T3_2_printed=5.0, width_L3_5=50.0, width_L3_6=50.0,
                  step_L3_6=0.5 / 16, step_T3_2=0.5 / 16, u_bound_L3_5=1e3, v_bound_L3_5=1e3, u_bound_L3_6=1e3,
                  v_bound_L3_6=1e3, c_min=0.1)
    fields.update(theory or {})
    return dataclasses.replace(th, **fields), traj


def judged(th, traj, *, g0_dev=0.01, a2=None, trained=True, certificates=None, probe=None) -> dict:
    ctx = RunContext(th, traj, trained=trained, a2=A2_OK if a2 is None else a2, g0_dev=g0_dev, probe=probe,
                     certificates=certificates)
    return {c.id: c.to_dict() for c in judge(ctx)}
