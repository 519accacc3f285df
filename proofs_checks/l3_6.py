"""L3.6 (A.8, gradient descent): the chain (33)-(43) with its absorbed constants made explicit."""
from __future__ import annotations

import numpy as np
import sympy as sp

from verifier.theory.kernel import lambda0 as lambda0_closed

from . import statement as _S
from ._common import SYM, compare_step, finding, identity_step, inequality_step, result
from ._instance import concrete_instance
from .constants import explicit_constants, gd_chain_a8
from .hidden_constants import symbol as _hc
from .l3_5 import check_training as _check_training
from .l3_5 import training_hypotheses as _training_hypotheses
from .reference_model import forward, ift_gradients

ID = "L3.6"
TITLE = "Gradient descent (deterministic): (1 - alpha lambda0/2)^k rate for alpha = O(lambda0/n^2)"


def measured_first_order_term(ms=(32, 128, 512), n=8, d=4, seed=0, alpha=1e-4) -> list[dict]:
    """One GD step of our own model: <(Z(k+1)-Z(k)) u(k+1) + (Phi(k+1)-Phi(k)) v(k+1), r(k)> / (alpha ||r||^2),
    the quantity (42) bounds by alpha K42 r0^2 beta^2k with K42 ~ 1/m, at several widths."""
    out = []
    for m_ in ms:
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, d))
        X /= np.linalg.norm(X, axis=1)[:, None]
        y = np.where(X[:, 0] >= 0, 1.0, -1.0)
        rng = np.random.default_rng([seed, m_])
        A, W = rng.standard_normal((m_, m_)), rng.standard_normal((m_, d))
        u, v = rng.choice([-1.0, 1.0], m_), rng.choice([-1.0, 1.0], m_)
        c = max(np.linalg.norm(A, 2), np.linalg.norm(W, 2)) / np.sqrt(m_)
        gam = min(0.5, 1 / (4 * c))
        g = ift_gradients(A, W, u, v, X, y, gam)
        f0 = g["forward"]
        r = f0["yhat"] - y
        A1, W1, u1, v1 = A - alpha * g["A"], W - alpha * g["W"], u - alpha * g["u"], v - alpha * g["v"]
        f1 = forward(A1, W1, u1, v1, X, gam)
        inner = float(((f1["Z"] - f0["Z"]) @ u1 + (f1["Phi"] - f0["Phi"]) @ v1) @ r)
        lam = lambda0_closed(X)
        r0n = float(np.linalg.norm(r))
        k42 = 18432 * c**2 * n**2 * r0n**2 / (lam**2 * m_)
        out.append({"m": m_, "c": float(c), "lambda0": lam, "r0_norm": r0n,
                    "term_over_alpha_r2": inner / (alpha * float(r @ r)),
                    "printed_K42_bound_over_r2": k42 * r0n**2 / float(r @ r),
                    "norm_u": float(np.linalg.norm(u1)), "sqrt_m": float(np.sqrt(m_))})
    return out


def audit(setting: dict | None = None):
    from .l3_5 import initial_norm_steps

    n, m, c, lam0, nX, r0, alpha = (SYM[k] for k in ("n", "m", "c", "lambda0", "norm_X", "r0_norm", "alpha"))
    p_ = sp.Symbol("p", positive=True)
    a = gd_chain_a8()
    beta = a["beta"]
    lhs, rhs, sub = a["geom_identity"]
    steps = [
        identity_step("alpha/(1 - beta) = 2(1 + beta)/lambda0 with beta^2 = 1 - alpha lambda0/2", lhs.subs(sub), rhs),
        inequality_step("2(1 + beta)/lambda0 <= 4/lambda0 for beta <= 1 (beta = 1/(1 + p), p > 0)", 2 * (1 + beta) / lam0,
                        4 / lam0, subs={beta: 1 / (1 + p_)}),
        identity_step("v drift (4/lambda0) 2c sqrt(n) r0 = 8 c sqrt(n) r0/lambda0", a["v_drift"], 8 * c * sp.sqrt(n) * r0 / lam0),
        identity_step("u drift (4/lambda0) 4c sqrt(n) r0 = 16 c sqrt(n) r0/lambda0", a["u_drift"],
                      16 * c * sp.sqrt(n) * r0 / lam0),
        inequality_step("||grad_W L|| coefficient (2*32 + 16) = 80 <= printed 128", a["gradW_needed"], a["gradW_printed"]),
        identity_step("W drift = 512 c n r0^2/(lambda0^2 sqrt m)", a["W_drift"], 512 * c * n * r0**2 / (lam0**2 * sp.sqrt(m))),
        identity_step("||grad_A L|| coefficient with gamma = 1/(4c) = printed 64", a["gradA_needed"], a["gradA_printed"]),
        identity_step("A drift = 256 c n r0^2/(lambda0^2 sqrt m)", a["A_drift"], 256 * c * n * r0**2 / (lam0**2 * sp.sqrt(m))),
        identity_step("radius condition solved: m = 8192 c^2 n ||X||^2 r0^2/lambda0^3", a["width_W"],
                      8192 * c**2 * n * nX**2 * r0**2 / lam0**3),
        identity_step("equilibrium step, A part: gt alpha ||grad_A L|| 4c = 64 alpha c n r0^2 beta^k/(lambda0 m)",
                      a["z_step_A"], 64 * c * n * r0**2 / (lam0 * m)),
        identity_step("equilibrium step, phi part: (alpha/sqrt m) ||grad_W L|| = 128 alpha c n r0^2 beta^k/(lambda0 m)",
                      a["z_step_phi"], 128 * c * n * r0**2 / (lam0 * m)),
        inequality_step("64 + 128 = 192 <= 256 (printed), then the 1/2-contraction doubles it: 512",
                        a["z_step_A"] + a["z_step_phi"], 256 * c * n * r0**2 / (lam0 * m)),
    ]
    # (43) and the expansion, as matrix identities
    nn = 3
    Z, P = sp.MatrixSymbol("Z", nn, 4), sp.MatrixSymbol("P", nn, 2)
    uu, vv, rr = sp.MatrixSymbol("u", 4, 1), sp.MatrixSymbol("v", 2, 1), sp.MatrixSymbol("r", nn, 1)
    g_minus = (Z * (uu - alpha * Z.T * rr) + P * (vv - alpha * P.T * rr)) - (Z * uu + P * vv)
    steps.append(identity_step("(43): g - yhat(k) = -alpha (Z Z^T + Phi Phi^T) r (with grad_u = Z^T r, grad_v = Phi^T r)",
                               sp.Matrix(g_minus.as_explicit()), sp.Matrix((-alpha * (Z * Z.T + P * P.T) * rr).as_explicit())))
    K41, K42 = sp.symbols("K41 K42", positive=True)
    bracket = 1 - alpha * lam0 + 2 * alpha * K42 + alpha**2 * K41**2
    steps.append(identity_step("combining (41)-(43) (with 1 - alpha lambda0 >= 0): ||r(k+1)||^2 <= (1 - alpha lambda0 + "
                               "2 alpha K42 + alpha^2 K41^2) beta^2k r0^2, and that bracket minus 1 - alpha lambda0/2 is "
                               "alpha (2 K42 + alpha K41^2 - lambda0/2): the rate needs 2 K42 + alpha K41^2 <= lambda0/2",
                               bracket - (1 - alpha * lam0 / 2), alpha * (2 * K42 + alpha * K41**2 - lam0 / 2)))
    steps.append(identity_step("the chain's K41 = 20 c^2 n + K42 (||Z|| ||grad_u|| + ||Phi|| ||grad_v|| = 16 c^2 n + 4 c^2 n)",
                               a["K41"] - a["K42"], 20 * c**2 * n))
    steps.append(identity_step("K42 < lambda0/4 solved for m: m > 73728 c^2 n^2 r0^2/lambda0^3", a["width_42_strict"],
                               73728 * c**2 * n**2 * r0**2 / lam0**3))
    inst = concrete_instance(setting)
    rows = {r["name"]: r["value"] for r in explicit_constants(inst["n"], inst["lambda0"], inst["c"], inst["norm_X"],
                                                              inst["r0_norm"], m_=inst.get("m"))}
    meas = measured_first_order_term()
    terms = [abs(r["term_over_alpha_r2"]) for r in meas]
    steps.append(compare_step("measured (42) term / (alpha ||r||^2) does not shrink like 1/m (own model, one GD step): "
                              "|term| at m = 512 > 1/4 of |term| at m = 32 (1/m would give 1/16; "
                              + "; ".join(f"m={r['m']}: {r['term_over_alpha_r2']:.3g}" for r in meas) + ")",
                              terms[-1], ">", 0.25 * terms[0]))
    steps += initial_norm_steps(a["u_bound"], a["v_bound"], 8192 * c**2 * n * nX**2 * r0**2 / lam0**3, "L3.6")
    findings = [
        finding("(41)-(43) absorb 2<yhat(k+1) - g, yhat(k) - y> <= 2 alpha C0 c^2 n beta^2k r0^2 with 'a large constant C0', "
                "but the rate 1 - alpha lambda0/2 needs the bracket 1 - alpha(lambda0 - C0 c^2 n - alpha C0^2 c^4 n^2) <= "
                "1 - alpha lambda0/2, i.e. C0 c^2 n <= lambda0/2: C0 must be SMALL. Tracing the chain: K42 = 18432 c^2 n^2 r0^2/"
                "(lambda0^2 m) must be < lambda0/4, a width condition m > 73728 c^2 n^2 r0^2/lambda0^3 (n^2, not n ||X||^2 as in "
                "m = Omega(c^2 n ||X||^2 r0^2/lambda0^3); ||X||^2 <= n), and the step size must satisfy alpha <= (lambda0/2 - "
                "2 K42)/K41^2 with K41 = 20 c^2 n + K42, i.e. alpha = O(lambda0/(c^4 n^2)): 'alpha = O(lambda0/n^2)' hides c^4.",
                {"instance": inst, "width_L3.6_W_radius": rows["width_L3.6_W_radius"],
                 "width_L3.6_(42)_strict": rows["width_L3.6_(42)_strict"], "width_L3.6": rows["width_L3.6"],
                 "step_size_L3.6": rows["step_size_L3.6"],
                 "step_size_at_instance_m": rows.get("step_size_L3.6_at_m")}, "proof gap (absorbed constant must be small)"),
        finding("Conclusions (ii) ||u(k)|| <= 32 c sqrt(n) r0/lambda0 and (iii) ||v(k)|| <= 16 c sqrt(n) r0/lambda0 are false as "
                "stated, for every m that L3.6's width hypothesis admits with the constant its proof needs (A.8's radius "
                "condition, m >= 8192 c^2 n ||X||^2 r0^2/lambda0^3; as well for any hidden constant C > 128 for (iii), "
                "C > 512 for (ii)): at k = 0, ||v(0)|| = ||u(0)|| = sqrt(m) (A1), so (iii) requires m <= 256 c^2 n "
                "r0^2/lambda0^2 and (ii) m <= 1024 c^2 n r0^2/lambda0^2, while the radius condition needs 32 ||X||^2/lambda0 "
                "times the first and 8 ||X||^2/lambda0 times the second, at least 64 and 16 (lambda0 <= 1/2, ||X||^2 >= 1; "
                "see L3.5). They feed (41)-(42): with the honest ||u(k)|| <= sqrt(m) + "
                "16 c sqrt(n) r0/lambda0 the term <(Z(k+1) - Z(k)) u(k+1), r(k)> is first order in alpha with a "
                "coefficient that does "
                "not vanish as m grows (it is the A- and W-part of -alpha r^T H r, sign-definite to first order), so the chain "
                "cannot be closed by absorption at any width; a repair has to keep that term's sign (H's PSD parts) and bound "
                "only second-order remainders. No repaired GD width is claimed here.",
                {"measured_vs_printed_bound_per_width": meas,
                 "note": "term_over_alpha_r2 is measured at k = 0 (beta^0 = 1); the chain bounds it by K42 r0^2/||r||^2, "
                         "which decays like 1/m, while the measured value does not"}, "false as stated"),
    ]
    return result(ID, TITLE, steps, findings)


# --- the statement as printed, and its check on a run ------------------------------------------------------
WIDTH = _hc("C_width_L3.6") * _S.c**2 * _S.n * _S.norm_X**2 * _S.r0**2 / _S.lambda0**3
STEP = _hc("C_step_L3.6") * _S.lambda0 / _S.n**2
U_BOUND = 32 * _S.c * sp.sqrt(_S.n) * _S.r0 / _S.lambda0
V_BOUND = 16 * _S.c * sp.sqrt(_S.n) * _S.r0 / _S.lambda0
W_DRIFT = 512 * _S.c * _S.n * _S.r0**2 / (_S.lambda0**2 * _S.sqm)
A_DRIFT = 256 * _S.c * _S.n * _S.r0**2 / (_S.lambda0**2 * _S.sqm)
RATE = 1 - _S.alpha * _S.lambda0 / 2
STATEMENT = _S.Statement(
    ID, "Gradient descent, deterministic", "Lemma 3.6 (Sec. 3.2); proof in A.8",
    _training_hypotheses() + (_S.Condition(_S.m, ">=", WIDTH, "m = Omega(c^2 n ||X||^2 r0^2/lambda0^3)"),
                              _S.Condition(_S.alpha, "<=", STEP, "alpha = O(lambda0/n^2)")),
    (_S.Condition(_S.lmin_G, ">=", _S.lambda0 / 2, "(i) lambda_min(G(k)) >= lambda0/2"),
     _S.Condition(_S.nu, "<=", U_BOUND, "(ii) ||u(k)|| <= 32 c sqrt(n) r0/lambda0"),
     _S.Condition(_S.nv, "<=", V_BOUND, "(iii) ||v(k)|| <= 16 c sqrt(n) r0/lambda0"),
     _S.Condition(_S.nW, "<=", 2 * _S.c * _S.sqm, "(iv) ||W(k)|| <= 2c sqrt(m)"),
     _S.Condition(_S.nA, "<=", 2 * _S.c * _S.sqm, "(v) ||A(k)|| <= 2c sqrt(m)"),
     _S.Condition(_S.loss_k, "<=", RATE**_S.k * _S.r0**2, "(vi) ||yhat(k) - y||^2 <= (1 - alpha lambda0/2)^k r0^2")),
    (("width_required", WIDTH, "C c^2 n ||X||^2 r0^2/lambda0^3"),
     ("width_(41)-(43)", 147456 * _S.c**2 * _S.n**2 * _S.r0**2 / _S.lambda0**3,
      "explicit: A.8 (41)-(43) with K42 <= lambda0/8 (no hidden constant)"),
     ("step_size_paper_shape", STEP, "C lambda0/n^2"),
     ("step_size_explicit", 16 * _S.lambda0 / (160 * _S.c**2 * _S.n + _S.lambda0) ** 2,
      "explicit: A.8 (41)-(43) at width_(41)-(43)"),
     ("rate_per_step", RATE, "(1 - alpha lambda0/2)"), ("W_drift_bound", W_DRIFT, "A.8: ||W(k) - W(0)||"),
     ("A_drift_bound", A_DRIFT, "A.8: ||A(k) - A(0)||")))


def loss_envelope(th, steps, times=None):
    """(vi) as printed for gradient descent: (1 - alpha lambda0/2)^k ||r0||^2, evaluated literally (a factor
    below 0 gives the printed alternating bound, not a clipped one)."""
    import numpy as np

    with np.errstate(under="ignore", over="ignore"):
        return th.r0_norm ** 2 * np.power(th.rate_L3_6, np.asarray(steps, dtype=np.float64))


def check(ctx) -> list:
    th = ctx.th
    if th.method == "gf":
        return []
    p = th.at_proof_constants
    return _check_training(ctx, STATEMENT, loss_envelope, width=th.width_L3_6, width_proof=p.width_L3_6 if p else None,
                           width_explicit=th.explicit_value("width_L3.6"), u_bound=th.u_bound_L3_6,
                           v_bound=th.v_bound_L3_6, width_constant="C_width_L3.6",
                           step=(th.step_L3_6, th.explicit_value("step_size_L3.6"), "C_step_L3.6"))
