"""L3.1 (prediction dynamics, A.3): H from eqs. (14)-(16) against J J^T from a finite-difference Jacobian."""
from __future__ import annotations

import numpy as np
import sympy as sp

from . import statement as _S
from ._common import SYM, compare_step, finding, identity_step, inequality_step, result
from .reference_model import h_formula, jacobian_fd, random_instance
from .verdict import claim as _claim
from .verdict import hypothesis as _hyp
from .verdict import merge as _merge
from .verdict import series as _series

ID = "L3.1"
TITLE = "Prediction dynamics d yhat/dt = -H (yhat - y); H PSD; loss decays when lambda_min(H) >= lam"


def _compare(seeds=(0, 1, 2), n=4, d=3, m=6):
    rows = []
    for seed in seeds:
        I = random_instance(n=n, d=d, m=m, seed=seed)
        args = (I["A"], I["W"], I["u"], I["v"], I["X"], I["gamma"])
        J, kink = jacobian_fd(*args)
        JJ = J @ J.T
        scale = np.max(np.abs(JJ))
        row = {"seed": seed, "min_abs_preactivation": kink}
        for qv in ("corrected", "printed"):
            for zz in ("ones", "identity"):
                H, _ = h_formula(*args, q_variant=qv, zz_weight=zz)
                row[f"{qv}_Q/{zz}"] = float(np.max(np.abs(H - JJ)) / scale)
        row["lambda_min_JJt"] = float(np.linalg.eigvalsh(JJ)[0])
        rows.append(row)
    return rows


def audit(setting: dict | None = None):
    lam, t, L0 = sp.symbols("lam t L0", positive=True)
    gamma, m = SYM["gamma"], SYM["m"]
    steps = [identity_step("<d yhat_i/dA, d yhat_j/dA> = gt^2 (u^T U_i^-1 D_i D_j U_j^-T u)(z_i^T z_j) = gamma^2 M_ij z_i^T z_j "
                           "(M carries the 1/m)", (gamma / sp.sqrt(m)) ** 2, gamma**2 / m)]
    f = sp.Function("L")
    sol = sp.dsolve(sp.Eq(f(t).diff(t), -2 * lam * f(t)), f(t), ics={f(0): L0}).rhs
    steps.append(identity_step("dL/dt = -r^T H r <= -lam ||r||^2 = -2 lam L  =>  L(t) <= exp(-2 lam t) L(0)",
                               sol, L0 * sp.exp(-2 * lam * t)))
    q = sp.Symbol("q", positive=True)   # q = exp(-lam t) in (0, 1]
    steps.append(inequality_step("exp(-2 lam t) = q^2 <= q = exp(-lam t) for q in (0, 1]: the printed "
                                 "L(t) <= exp(-lam t) L(0) is implied (weaker)", q**2, q, domain={q: (0, 1)}))
    rows = _compare()
    ok = max(r["corrected_Q/ones"] for r in rows)
    steps.append(compare_step("H with U_i^{-T} in both factors of Q and 1 1^T o Z Z^T equals J J^T (central differences, "
                              f"own forward model, fixed point to 1e-14): max relative entry error on {len(rows)} instances "
                              "(n=4, d=3, m=6) < 1e-6", ok, "<", 1e-6))
    steps.append(compare_step("H is PSD (it equals J J^T): smallest eigenvalue of J J^T >= -1e-10 (rounding)",
                              min(r["lambda_min_JJt"] for r in rows), ">=", -1e-10))
    findings = [
        finding("Q (eq. 16 and A.3) is printed with U_i^{-1} u in its first factor; the gradient formula (12) and the "
                "Jacobian give U_i^{-T} u in both factors (typo). With the printed Q, H != J J^T.",
                {"relative_error_printed_Q": [r["printed_Q/ones"] for r in rows],
                 "relative_error_corrected_Q": [r["corrected_Q/ones"] for r in rows]}, "typo"),
        finding("The first term of H is printed (gamma^2 M + I_n) o Z Z^T; the u-gradient contributes z_i^T z_j for "
                "every pair (A.3 itself sums (yhat_j - y_j) z_i^T z_j over all j), so the weight is the all-ones "
                "matrix 1 1^T, not I_n: H = gamma^2 M o Z Z^T + Z Z^T + Q o X X^T + Phi Phi^T. PSD-ness and the "
                "lower bound H >= Phi Phi^T used later are unaffected.",
                {"relative_error_with_I_n": [r["corrected_Q/identity"] for r in rows],
                 "relative_error_with_ones": [r["corrected_Q/ones"] for r in rows]}, "typo, conclusion unaffected"),
    ]
    return result(ID, TITLE, steps, findings)


# --- the statement as printed, and its check on a run ------------------------------------------------------
STATEMENT = _S.Statement(
    ID, "Prediction dynamics under gradient flow", "Lemma 3.1 (Sec. 3.1); proof in A.3",
    (_S.Condition(_S.nA, "<=", _S.c * _S.sqm, "||A(s)|| <= c sqrt(m) for s <= t"),),
    (_S.Condition(sp.Symbol("lambdamin_H"), ">=", sp.Symbol("lambdamin_G"), "H >= Phi Phi^T = G (H PSD)"),
     _S.Condition(_S.loss_t, "<=", sp.exp(-sp.Symbol("lam") * _S.t) * sp.Symbol("L0"),
                  "L(t) <= exp(-lam t) L(0) if lambda_min(H) >= lam")),
    (("loss_exponent_if_lambda_min_H_ge_lambda0_over_2", _S.lambda0, "||r(t)||^2 <= exp(-lambda0 t) ||r(0)||^2"),))


def check(ctx) -> list:
    """lambda_min(H(k)) >= lambda_min(G(k)) at the records where the NTK was computed (H = G + PSD terms)."""
    traj = ctx.traj
    idx = traj.get("ntk_step")
    if not ctx.trained or idx is None or not len(idx):
        return []
    idx = idx.astype(int)
    hyps = [_hyp("||A(k)||/sqrt(m) <= c at the NTK records", float(traj["A_norm_scaled"][idx].max()), "<=", ctx.th.c,
                 rtol=ctx.rtol)]
    concl = _merge([_series("lambda_min(H) >= lambda_min(G) at the NTK records", traj["ntk_lambda_min_H"],
                            traj["lambda_min_G"][idx], traj["step"][idx], ">=", rtol=1e-9)])
    return [_claim(ID, STATEMENT.title, hyps, concl, {"c": ctx.th.c, "c_source": ctx.c_source}, {},
                   reference=STATEMENT.reference, trajectory=True)]
