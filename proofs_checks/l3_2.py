"""L3.2 / A.4 (Hermite expansion of G_inf): coefficients, series = arc-cosine closed form, Lemma A.9."""
from __future__ import annotations

import numpy as np

from verifier.theory import hermite
from verifier.theory.kernel import lambda0 as lambda0_closed

from ._common import numeric_step, result, step

ID = "L3.2"
TITLE = "lambda0 = lambda_min(G_inf) > 0 under A2 (Hermite expansion, Lemmas A.7-A.9)"


def audit(setting: dict | None = None) -> dict:
    steps = [step(s["description"], s["kind"], s["passed"], s["detail"])
             for s in hermite.relu_hermite_coefficients_derivation(kmax=8)]
    steps += [step(s["description"], "derivation" if s["kind"] == "argument" else s["kind"], s["passed"], s["detail"])
              for s in hermite.symbolic_series_equals_closed_form()]
    grid = hermite.series_vs_closed_form_grid(np.linspace(0.3, np.pi - 0.3, 25), dps=50)
    steps.append(numeric_step("series (rigorous enclosure, 50 digits) contains the closed form on 25 angles in [0.3, pi-0.3]",
                              grid["all_contained"],
                              f"max |series midpoint - closed| = {grid['max_distance_to_closed']:.2e}, "
                              f"max enclosure half-width {max(p['error_bound'] for p in grid['points']):.2e}"))
    # Lemma A.9: lambda_min((X^{*k})(X^{*k})^T) >= 1 - n delta^k
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 4))
    X /= np.linalg.norm(X, axis=1)[:, None]
    C = X @ X.T
    dl = np.max(np.abs(C - np.eye(6)))
    ok = True
    worst = np.inf
    for k in range(1, 30):
        lm = np.linalg.eigvalsh(C**k)[0]
        worst = min(worst, lm - (1 - 6 * dl**k))
        ok = ok and lm >= 1 - 6 * dl**k - 1e-12
    steps.append(numeric_step("Lemma A.9: lambda_min(X^{*k} X^{*k T}) = lambda_min((X X^T)^{o k}) >= 1 - n delta^k",
                              ok, f"n = 6, delta = {dl:.3f}, k = 1..29, smallest slack {worst:.3g}"))
    lam = lambda0_closed(X)
    steps.append(numeric_step("lambda0 > 0 for non-parallel unit rows (closed form, eigvalsh, not clipped)", lam > 0,
                              f"lambda0 = {lam:.6g} on the same instance"))
    return result(ID, TITLE, steps, [])
