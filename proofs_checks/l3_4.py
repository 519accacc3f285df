"""L3.4 (A.6): ||G - G(0)|| <= (4c/sqrt m) ||X||^2 ||W - W(0)||; the operator-norm Lipschitz step and a counterexample."""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from verifier.theory.kernel import gram_finite, gram_inf

from . import statement as _S
from ._common import FAILS, HOLDS, SYM, Outcome, Step, finding, identity_step, inequality_step, result
from .constants import l34_radius
from .verdict import claim as _claim
from .verdict import first as _first
from .verdict import hypothesis as _hyp
from .verdict import merge as _merge
from .verdict import series as _series

ID = "L3.4"
TITLE = "W near W(0) keeps G near G(0): ||G - G(0)|| <= lambda0/4 and lambda_min(G) >= lambda0/2"


def counterexample_instance(n: int = 30, m: int = 2000, seed: int = 0) -> tuple:
    """(X, W0, W, c): X = I_n (orthonormal, satisfies A2), W = (1 + eps) W(0) with ||W - W(0)|| just inside R,
    c = ||W(0)||/sqrt(m) rounded up by 1e-12 (so ||W(0)|| <= c sqrt(m) and ||W|| <= 2c sqrt(m))."""
    X = np.eye(n)
    rng = np.random.default_rng(seed)
    W0 = rng.standard_normal((m, n))
    c = float(np.linalg.norm(W0, 2) / np.sqrt(m)) * (1 + 1e-12)
    lam0 = float(np.linalg.eigvalsh(gram_inf(X))[0])
    R = np.sqrt(m) * lam0 / (16 * c * np.linalg.norm(X, 2) ** 2)
    eps = (1 - 1e-9) * R / np.linalg.norm(W0, 2)  # strictly inside the radius, rounding included
    return X, W0, (1 + eps) * W0, c


_NUMBERS: dict = {}


def _numbers(X, W0, W, c) -> dict:
    """Every quantity L3.4 speaks about, computed from the instance (memoized on the arrays' identity: the
    steps below re-read one instance several times)."""
    key = (id(X), id(W0), id(W), c)
    hit = _NUMBERS.get(key)
    if hit is not None and hit[0] is X and hit[1] is W0 and hit[2] is W:
        return hit[3]
    out = _numbers_uncached(X, W0, W, c)
    if len(_NUMBERS) > 16:
        _NUMBERS.clear()
    _NUMBERS[key] = (X, W0, W, out)
    return out


def _numbers_uncached(X, W0, W, c) -> dict:
    m_ = W0.shape[0]
    lam0 = float(np.linalg.eigvalsh(gram_inf(X))[0])
    nX = float(np.linalg.norm(X, 2))
    G0, G = gram_finite(X, W0), gram_finite(X, W)
    dW = float(np.linalg.norm(W - W0, 2))
    return {"n": X.shape[0], "m": m_, "c": c, "lambda0": lam0, "R": float(np.sqrt(m_) * lam0 / (16 * c * nX**2)),
            "norm_W0_over_c_sqrt_m": float(np.linalg.norm(W0, 2) / (c * np.sqrt(m_))), "norm_W_minus_W0": dW,
            "lambda_min_G0": float(np.linalg.eigvalsh(G0)[0]), "three_quarter_lambda0": 0.75 * lam0,
            "norm_W_over_2c_sqrt_m": float(np.linalg.norm(W, 2) / (2 * c * np.sqrt(m_))),
            "norm_G_minus_G0": float(np.linalg.norm(G - G0, 2)), "printed_bound": float(4 * c / np.sqrt(m_) * nX**2 * dW),
            "lambda0_over_4": lam0 / 4,
            "corrected_bound": float(3 * c * np.sqrt(X.shape[0]) * nX / np.sqrt(m_) * np.linalg.norm(W - W0)),
            "lambda_min_G": float(np.linalg.eigvalsh(G)[0])}


def counterexample(n: int = 30, m: int = 2000, seed: int = 0) -> dict:
    """The numbers of `counterexample_instance`: the hypotheses of L3.4 hold, ||G - G(0)|| <= lambda0/4 fails."""
    return {"seed": seed, **_numbers(*counterexample_instance(n, m, seed))}


def _hypotheses_hold(X, W0, W, c) -> Outcome:
    k = _numbers(X, W0, W, c)
    ok = (k["norm_W0_over_c_sqrt_m"] <= 1 and k["norm_W_minus_W0"] <= k["R"] and k["norm_W_over_2c_sqrt_m"] <= 1
          and k["lambda_min_G0"] >= k["three_quarter_lambda0"])
    return Outcome(HOLDS if ok else FAILS,
                   f"||W(0)||/(c sqrt m) = {k['norm_W0_over_c_sqrt_m']:.12g}; ||W-W(0)|| = {k['norm_W_minus_W0']:.6g} vs "
                   f"R = {k['R']:.6g}; ||W||/(2c sqrt m) = {k['norm_W_over_2c_sqrt_m']:.4f}; lambda_min(G(0)) = "
                   f"{k['lambda_min_G0']:.4f} vs 3 lambda0/4 = {k['three_quarter_lambda0']:.4f}")


def _bound_holds(X, W0, W, c, which: str) -> Outcome:
    k = _numbers(X, W0, W, c)
    bound = k[which]
    return Outcome(HOLDS if k["norm_G_minus_G0"] <= bound else FAILS,
                   f"||G - G(0)|| = {k['norm_G_minus_G0']:.6g} vs {which} = {bound:.6g}")


def _relu_operator_norm(M) -> Outcome:
    s_relu, s_M = float(np.linalg.norm(np.maximum(M, 0), 2)), float(np.linalg.norm(M, 2))
    return Outcome(HOLDS if s_relu <= s_M else FAILS, f"||sigma(M)|| = {s_relu:.4f} vs ||M|| = {s_M:.4f}")


def audit(setting: dict | None = None):
    m, c, lam0, nX, n = SYM["m"], SYM["c"], SYM["lambda0"], SYM["norm_X"], SYM["n"]
    R = l34_radius()["R"]
    steps = [
        identity_step("substituting R = sqrt(m) lambda0/(16 c ||X||^2): (4c/sqrt m) ||X||^2 R = lambda0/4",
                      4 * c / sp.sqrt(m) * nX**2 * R, lam0 / 4),
        inequality_step("(||W|| + ||W(0)||)/m <= (2c sqrt m + c sqrt m)/m = 3c/sqrt m <= 4c/sqrt m (4 is loose; 3 suffices)",
                        (2 * c * sp.sqrt(m) + c * sp.sqrt(m)) / m, 4 * c / sp.sqrt(m)),
        identity_step("Weyl: lambda_min(G) >= lambda_min(G(0)) - ||G - G(0)|| >= 3 lambda0/4 - lambda0/4 = lambda0/2",
                      sp.Rational(3, 4) * lam0 - lam0 / 4, lam0 / 2),
        identity_step("corrected radius R' = sqrt(m) lambda0/(12 c sqrt(n) ||X||): (3 c sqrt(n) ||X||/sqrt m) R' = lambda0/4",
                      3 * c * sp.sqrt(n) * nX / sp.sqrt(m) * l34_radius()["R_corrected"], lam0 / 4),
    ]
    # the invalid step: ||sigma(M)||_2 <= ||M||_2 fails for operator norms (X = I_2, W^T = M)
    M = np.array([[1.0, 1.0], [1.0, -1.0]])
    steps.append(Step("A.6 uses ||sigma(X W^T)|| <= ||X|| ||W|| ('1-Lipschitz'); with X = I_2, W^T = [[1,1],[1,-1]]: "
                      "||sigma(M)|| <= ||M|| in operator norm", "numeric", _relu_operator_norm, (M,)))
    inst = counterexample_instance()
    ce = {"seed": 0, **_numbers(*inst)}
    where = f"X = I_{ce['n']}, m = {ce['m']}, W = (1 + eps) W(0), ||W - W(0)|| just inside R"
    steps.append(Step(f"instance ({where}): every hypothesis of L3.4 holds (||W(0)|| <= c sqrt m, ||W - W(0)|| <= R, "
                      "||W|| <= 2c sqrt m, lambda_min(G(0)) >= 3 lambda0/4)", "numeric", _hypotheses_hold, inst))
    steps.append(Step("conclusion ||G - G(0)|| <= (4c/sqrt m) ||X||^2 ||W - W(0)|| on that instance", "numeric",
                      functools.partial(_bound_holds, which="printed_bound"), inst))
    steps.append(Step("conclusion ||G - G(0)|| <= lambda0/4 on that instance", "numeric",
                      functools.partial(_bound_holds, which="lambda0_over_4"), inst))
    steps.append(Step("the corrected bound ||G - G(0)|| <= (3 c sqrt(n) ||X|| / sqrt m) ||W - W(0)||_F on that instance",
                      "numeric", functools.partial(_bound_holds, which="corrected_bound"), inst))
    s_relu, s_M = float(np.linalg.norm(np.maximum(M, 0), 2)), float(np.linalg.norm(M, 2))
    findings = [finding(
        "A.6 bounds ||sigma(XW^T)|| by ||X|| ||W|| and ||sigma(XW^T) - sigma(XW(0)^T)|| by ||X|| ||W - W(0)|| "
        "('1-Lipschitz'), which holds for Frobenius norms but not for operator norms. L3.4's first conclusion is false as "
        f"stated: on orthonormal data (X = I_{ce['n']}, A2 holds) with W = (1 + eps) W(0) and ||W - W(0)|| just inside R "
        "every hypothesis holds and ||G - G(0)|| exceeds both (4c/sqrt m)||X||^2 ||W - W(0)|| and lambda0/4. "
        "(lambda_min(G) >= lambda0/2 still holds in this example.) A valid replacement: ||sigma(XW^T)||_2 <= ||X||_F ||W|| "
        "= sqrt(n) ||W|| and ||sigma(XW^T) - sigma(XW(0)^T)||_F <= ||X|| ||W - W(0)||_F give ||G - G(0)|| <= "
        "(3c sqrt(n) ||X||/sqrt m) ||W - W(0)||_F, i.e. radius R' = sqrt(m) lambda0 / (12 c sqrt(n) ||X||) in Frobenius "
        "norm (the proofs' drift bounds control ||W(t) - W(0)||_F too, since each gradient is a sum of rank-one terms).",
        {"operator_norm_step": {"||sigma(M)||": s_relu, "||M||": s_M}, "counterexample": ce}, "false as stated")]
    # the searched instance: lambda_min(G) >= lambda0/2 fails too (rigorous enclosures), and the two repairs
    from .l3_4_search import audit_steps as _searched

    more_steps, more_findings = _searched(setting if setting and "large" in setting else None)
    return result(ID, TITLE, steps + list(more_steps), findings + list(more_findings))


# --- the statement as printed, and its check on a run ------------------------------------------------------
RADIUS = _S.sqm * _S.lambda0 / (16 * _S.c * _S.norm_X**2)
STATEMENT = _S.Statement(
    ID, "W near W(0) keeps G near G(0)", "Lemma 3.4 (Sec. 3.1); proof in A.6",
    (_S.Condition(_S.nW0, "<=", _S.c * _S.sqm, "||W(0)|| <= c sqrt(m)"),
     _S.Condition(_S.lmin_G0, ">=", sp.Rational(3, 4) * _S.lambda0, "lambda_min(G(0)) >= 3 lambda0/4"),
     _S.Condition(_S.dW, "<=", RADIUS, "||W - W(0)|| <= R = sqrt(m) lambda0/(16 c ||X||^2)"),
     _S.Condition(_S.nW, "<=", 2 * _S.c * _S.sqm, "||W|| <= 2c sqrt(m)")),
    (_S.Condition(_S.dG, "<=", 4 * _S.c / _S.sqm * _S.norm_X**2 * _S.dW,
                  "||G - G(0)|| <= (4c/sqrt m) ||X||^2 ||W - W(0)|| (false as stated: audit)"),
     _S.Condition(_S.dG, "<=", _S.lambda0 / 4, "||G - G(0)|| <= lambda0/4"),
     _S.Condition(_S.lmin_G, ">=", _S.lambda0 / 2, "lambda_min(G) >= lambda0/2")),
    (("R", RADIUS, "radius sqrt(m) lambda0/(16 c ||X||^2)"),
     ("lipschitz_coefficient", 4 * _S.c * _S.norm_X**2 / _S.sqm, "(4c/sqrt m) ||X||^2")))


def check(ctx) -> list:
    """L3.4 at every recorded W(k) that meets its hypotheses: lambda_min(G(k)) >= lambda0/2 there (the
    recorded trajectory has no ||G(k) - G(0)||, so the first two conclusions are the audit's business)."""
    th, traj, rtol = ctx.th, ctx.traj, ctx.rtol
    if not ctx.trained:
        return []
    import numpy as np

    dist, wn = np.asarray(traj["dist_W"]), np.asarray(traj["W_norm_scaled"])
    inside = (dist <= th.radius_L3_4 * (1 + rtol)) & (wn <= 2 * th.c * (1 + rtol))
    hyps = [_hyp("||W(0)||/sqrt(m) <= c", _first(traj, "W_norm_scaled"), "<=", th.c, rtol=rtol),
            _hyp("lambda_min(G(0)) >= 3 lambda0/4", _first(traj, "lambda_min_G"), ">=", 0.75 * th.lambda0, rtol=rtol),
            _hyp("||W(k) - W(0)|| <= R and ||W(k)|| <= 2c sqrt(m) at the records judged (count of such records)",
                 int(inside.sum()), ">=", 1, detail=f"{int(inside.sum())} of {len(dist)} records inside the ball; "
                 f"R = {th.radius_L3_4:.6g}, largest drift {float(dist.max()):.6g}", rtol=0.0)]
    concl = _merge([_series("lambda_min(G(k)) >= lambda0/2 at the records inside the ball", traj["lambda_min_G"][inside],
                            th.lambda0 / 2, traj["step"][inside], ">=", rtol=rtol, min_points=1)])
    gap = {"largest_drift_over_R": float(dist.max()) / th.radius_L3_4 if th.radius_L3_4 > 0 else None}
    return [_claim(ID, STATEMENT.title, hyps, concl, {"c": th.c, "c_source": ctx.c_source},
                   {k: v for k, v in gap.items() if v is not None}, reference=STATEMENT.reference, trajectory=True)]


def export_counterexamples(directory) -> list:
    """Write the searched L3.4 instances (n = 120, m = 7200 and n = 200, m = 12000) as .npz files that anyone can
    re-check: X, W0, W, c, m and the numbers (`proofs_checks.l3_4_search.load_instance` reads them back)."""
    from .l3_4_search import export_counterexamples as _export

    return _export(directory, large=True)
