"""L3.2 / A.4 (Hermite expansion of G_inf): coefficients, series = arc-cosine closed form, Lemma A.9."""
from __future__ import annotations

import numpy as np
import sympy as _sp
import sympy as sp

from verifier.theory import hermite
from verifier.theory.kernel import lambda0 as lambda0_closed

from . import statement as _S
from ._common import FAILS, HOLDS, Outcome, Step, compare_step, identity_step, result
from .verdict import claim as _claim
from .verdict import hypothesis as _hyp
from .verdict import merge as _merge
from .verdict import single as _single

ID = "L3.2"
TITLE = "lambda0 = lambda_min(G_inf) > 0 under A2 (Hermite expansion, Lemmas A.7-A.9)"

_x = sp.Symbol("x", real=True)
_rho = sp.Symbol("rho", real=True)
_j = sp.Symbol("j", integer=True, nonnegative=True)


def _he0_closed(k: int):
    """He_k(0) = (-1)^(k/2) (k-1)!! for even k, 0 for odd k."""
    return 0 if k % 2 else (-1) ** (k // 2) * sp.factorial2(k - 1)


def _coefficient_steps(kmax: int = 8) -> list:
    """A.4: the Hermite coefficients a_k = <relu, h_k> of verifier.theory.hermite, derived and cross-checked."""
    x = _x
    phi = sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi)
    ks = range(kmax + 1)
    f = sp.Function("f")
    t = sp.Symbol("t")
    ser = sp.series(sp.exp(-t**2 / 2), t, 0, 2 * kmax + 2).removeO()
    K = range(2 * kmax + 1)
    moment = {p: sp.integrate(x**p * phi, (x, 0, sp.oo)) for p in range(kmax + 2)}   # int_0^oo x^p phi, by sympy
    derivs = [phi]
    for _ in ks[1:]:
        derivs.append(sp.diff(derivs[-1], x))
    direct = [sum(cf * moment[e[0]] for e, cf in sp.Poly(x * sp.hermite_prob(k, x), x).terms()) / sp.sqrt(sp.factorial(k))
              for k in ks]
    return [
        identity_step(f"Rodrigues: He_k(x) phi(x) = (-1)^k phi^(k)(x), k = 0..{kmax}",
                      sp.Matrix([sp.hermite_prob(k, x) * phi for k in ks]),
                      sp.Matrix([(-1) ** k * derivs[k] for k in ks])),
        identity_step("integration by parts: d/dx[x f'(x) - f(x)] = x f''(x) for any smooth f, so with f = phi^(k-2) "
                      "int_0^oo x phi^(k)(x) dx = phi^(k-2)(0) (Gaussian decay at oo)",
                      sp.diff(x * sp.diff(f(x), x) - f(x), x), x * sp.diff(f(x), x, 2)),
        identity_step(f"He_{{2j}}(0) = (-1)^j (2j-1)!!, He_odd(0) = 0: k! [t^k] exp(-t^2/2) and He_k(0) both equal it, "
                      f"k <= {2 * kmax}", sp.Matrix([ser.coeff(t, k) * sp.factorial(k) for k in K]
                                                    + [sp.hermite_prob(k, 0) for k in K]),
                      sp.Matrix([_he0_closed(k) for k in K] * 2)),
        identity_step(f"closed form a_k = He_(k-2)(0)/sqrt(2 pi k!) (verifier.theory.hermite) equals direct integration "
                      f"int_0^oo x He_k(x) phi(x) dx/sqrt(k!) (monomial by monomial), k = 0..{kmax}",
                      sp.Matrix(direct), sp.Matrix([hermite.relu_hermite_coefficient(k) for k in ks])),
        identity_step("E relu(g)^2 = int_0^oo x^2 phi = 1/2, the value of sum_k a_k^2 (Parseval, h_k orthonormal)",
                      sp.integrate(x**2 * phi, (x, 0, sp.oo)), sp.Rational(1, 2)),
    ]


def _series_steps(jmax: int = 10) -> list:
    """A.4 / Lemma A.7: sum_k a_k^2 rho^k equals the arc-cosine closed form kappa on [-1, 1] (an ODE argument)."""
    rho, j = _rho, _j
    th = sp.Symbol("theta", real=True)
    a = hermite.relu_hermite_coefficient
    kappa = (sp.sqrt(1 - rho**2) + (sp.pi - sp.acos(rho)) * rho) / (2 * sp.pi)
    in_angle = kappa.subs(rho, sp.cos(th)).subs(sp.acos(sp.cos(th)), th).subs(sp.sqrt(1 - sp.cos(th) ** 2), sp.sin(th))
    b_j = sp.factorial2(2 * j - 1) ** 2 / (2 * sp.pi * sp.factorial(2 * j + 2))
    b_j_g = (sp.factorial(2 * j) / (2**j * sp.factorial(j))) ** 2 / (2 * sp.pi * sp.factorial(2 * j + 2))
    S = a(0) ** 2 + a(1) ** 2 * rho + sum(b_j.subs(j, jj) * rho ** (2 * jj + 2) for jj in range(jmax))
    u, v = sp.symbols("u v", real=True)
    inner = sp.integrate(1 / (2 * sp.pi * sp.sqrt(1 - u**2)), (u, 0, v))
    ode = a(0) ** 2 + a(1) ** 2 * rho + sp.integrate(inner, (v, 0, rho))   # y(0) + y'(0) rho + int_0^rho int_0^v y
    return [
        identity_step("closed form in the angle: kappa(cos theta) = (sin theta + (pi - theta) cos theta)/(2 pi) "
                      "(acos(cos theta) = theta, sqrt(1 - cos^2) = sin theta on [0, pi])",
                      in_angle, (sp.sin(th) + (sp.pi - th) * sp.cos(th)) / (2 * sp.pi)),
        identity_step(f"series coefficients: a_(2j+2)^2 = b_j = ((2j-1)!!)^2/(2 pi (2j+2)!), j < {jmax}",
                      sp.Matrix([a(2 * jj + 2) ** 2 for jj in range(jmax)]), sp.Matrix([b_j.subs(j, jj) for jj in range(jmax)])),
        identity_step("kappa'' = 1/(2 pi sqrt(1 - rho^2))", sp.diff(kappa, rho, 2), 1 / (2 * sp.pi * sp.sqrt(1 - rho**2))),
        identity_step("kappa(0) = a_0^2 = 1/(2 pi) and kappa'(0) = a_1^2 = 1/4",
                      sp.Matrix([kappa.subs(rho, 0), sp.diff(kappa, rho).subs(rho, 0)]), sp.Matrix([a(0) ** 2, a(1) ** 2])),
        identity_step("S(0) = a_0^2 and S'(0) = a_1^2: the k >= 2 part of the series is O(rho^2)",
                      sp.Matrix([S.subs(rho, 0), sp.diff(S, rho).subs(rho, 0)]), sp.Matrix([a(0) ** 2, a(1) ** 2])),
        identity_step("(2j-1)!! = (2j)!/(2^j j!), j = 0..29 (so b_j has a gamma form)",
                      sp.Matrix([b_j.subs(j, jj) for jj in range(30)]), sp.Matrix([b_j_g.subs(j, jj) for jj in range(30)])),
        identity_step("coefficients of S'': b_j (2j+2)(2j+1) = binomial(2j, j)/(4^j 2 pi), all j",
                      sp.combsimp(b_j_g * (2 * j + 2) * (2 * j + 1) * 2 * sp.pi), sp.binomial(2 * j, j) / 4**j),
        identity_step("(1 - rho^2)^(-1/2) = sum_j (1/2)_j/j! rho^(2j) and (1/2)_j/j! = binomial(2j, j)/4^j, all j",
                      (sp.rf(sp.S.Half, j) / sp.factorial(j)).rewrite(sp.gamma),
                      (sp.binomial(2 * j, j) / 4**j).rewrite(sp.gamma)),
        identity_step("... and its first 20 Taylor coefficients",
                      sp.series((1 - rho**2) ** sp.Rational(-1, 2), rho, 0, 40).removeO(),
                      sum(sp.binomial(2 * jj, jj) / 4**jj * rho ** (2 * jj) for jj in range(20))),
        identity_step("uniqueness: y'' = 1/(2 pi sqrt(1 - rho^2)), y(0) = a_0^2, y'(0) = a_1^2 has the one solution "
                      "y = a_0^2 + a_1^2 rho + int_0^rho int_0^v y'' (integrated by sympy), and it is kappa; S satisfies "
                      "the same (steps above), so S = kappa on (-1, 1)", ode, kappa.rewrite(sp.asin)),
    ]


def _contained(lower, upper, closed) -> Outcome:
    """Each closed-form value lies in its rigorous series enclosure [lower, upper] (mpmath, 50 digits)."""
    bad = [i for i, (lo, up, cl) in enumerate(zip(lower, upper, closed)) if not lo <= cl <= up]
    return Outcome(FAILS if bad else HOLDS, f"{len(closed) - len(bad)}/{len(closed)} contained"
                   + (f"; not at indices {bad[:5]}" if bad else ""))


def _lemma_a9(C, n_, delta_, kmax) -> Outcome:
    slack = min(float(np.linalg.eigvalsh(C**k)[0]) - (1 - n_ * delta_**k) for k in range(1, kmax + 1))
    return Outcome(HOLDS if slack >= -1e-12 else FAILS,
                   f"n = {n_}, delta = {delta_:.4g}, k = 1..{kmax}: smallest slack {slack:.3g} (>= -1e-12)")


def audit(setting: dict | None = None):
    steps = _coefficient_steps() + _series_steps()
    ends = [hermite.hermite_series_kernel(r, dps=50) for r in (-1, 1)]
    steps.append(Step("Abel at rho = -1, +1: the series (exact Parseval tail, 50 digits) equals kappa there",
                      "numeric", _contained, (tuple(e["lower"] for e in ends), tuple(e["upper"] for e in ends),
                                              tuple(hermite.closed_form_kernel_mp(r, dps=50) for r in (-1, 1)))))
    grid = hermite.series_vs_closed_form_grid(np.linspace(0.3, np.pi - 0.3, 25), dps=50)
    pts = grid["points"]
    steps.append(Step("series (rigorous enclosure, 50 digits) contains the closed form on 25 angles in [0.3, pi-0.3]",
                      "numeric", _contained, (tuple(p["lower"] for p in pts), tuple(p["upper"] for p in pts),
                                              tuple(p["closed"] for p in pts))))
    # Lemma A.9: lambda_min((X^{*k})(X^{*k})^T) = lambda_min((X X^T)^{o k}) >= 1 - n delta^k, delta = max |<x_i, x_j>|
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 4))
    X /= np.linalg.norm(X, axis=1)[:, None]
    C = X @ X.T
    dl = float(np.max(np.abs(C - np.eye(6))))
    steps.append(Step("Lemma A.9: lambda_min(X^{*k} X^{*k T}) = lambda_min((X X^T)^{o k}) >= 1 - n delta^k",
                      "numeric", _lemma_a9, (C, 6, dl, 29)))
    steps.append(compare_step("lambda0 > 0 for non-parallel unit rows (closed form, eigvalsh, not clipped), same instance",
                              lambda0_closed(X), ">", 0.0))
    return result(ID, TITLE, steps, [])


# --- the statement as printed, and its check on a run ------------------------------------------------------
STATEMENT = _S.Statement(
    ID, "lambda0 > 0 under A2", "Lemma 3.2 (Sec. 3.1); proof in A.4",
    (_S.Condition(_sp.Symbol("min_angle"), ">", 0, "no two samples parallel (A2)"),),
    (_S.Condition(_S.lambda0, ">", 0, "lambda0 = lambda_min(G_inf) > 0"),),
    (("lambda0", _S.lambda0, "given value"),))


def check(ctx) -> list:
    """lambda0 > 0 for the data: proven by the certified interval when computed, else the float eigenvalue."""
    a2 = ctx.a2 or {}
    hyps = [_hyp("A2: unit rows, no parallel pair", a2.get("min_angle"), ">=", a2.get("parallel_tol"),
                 holds=a2.get("holds"), detail=f"min angle {a2.get('min_angle', float('nan')):.3g} rad")]
    cert = (ctx.certificates or {}).get("lambda0")
    certified = ()
    if cert is not None and cert["status"] == "proven" and cert.get("lower") is not None:
        lo = float(cert["lower"])
        part = _single(f"lambda0 >= {lo:.17g} > 0 (certified interval, {cert.get('method', '')})", lo > 0,
                       observed=lo, bound=0.0, proven=True)
        certified = (f"lambda0 in [{lo:.17g}, {float(cert['upper']):.17g}] (proven)",)
    else:
        lam = ctx.th.lambda0
        part = _single("lambda0 > 0 (floating-point eigenvalue of the closed-form G_inf)", bool(lam > 0),
                       observed=lam, bound=0.0)
    return [_claim(ID, STATEMENT.title, hyps, _merge([part]), {}, {}, certified=certified,
                   reference=STATEMENT.reference)]
