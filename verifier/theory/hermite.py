"""G_inf through the Hermite expansion of Lemma A.7, and its equality with the arc-cosine closed form.

Lemma A.7 (eq. 31-32): for unit x_i, x_j with rho = <x_i, x_j>,

    G_inf_ij = sum_k a_k^2 rho^k,    a_k = <sigma, h_k> = E_{g ~ N(0,1)}[relu(g) h_k(g)],

h_k = He_k / sqrt(k!) the normalized probabilists' Hermite polynomials. The coefficients have the closed
form (derived below with sympy, `relu_hermite_coefficients_derivation`)

    a_0 = 1/sqrt(2 pi),  a_1 = 1/2,  a_k = He_{k-2}(0) / sqrt(2 pi k!)  (k >= 2),

so odd k >= 3 vanish and, for k = 2j + 2,  a_k^2 = ((2j-1)!!)^2 / (2 pi (2j+2)!) =: b_j ~ j^{-5/2}.

Rigorous truncation. All terms with k >= 2 are >= 0 for every rho in [-1, 1] (even powers), so the tail
T_J = sum_{j > J} b_j rho^{2j+2} lies in [0, U_J] with
    U_J = min( b_{J+1} rho^{2J+4} / (1 - rho^2),     (b_j is decreasing: geometric bound)
               rho^{2J+4} P_J ),                     (P_J = sum_{j > J} b_j, exact by Parseval)
where Parseval gives sum_k a_k^2 = E[relu(g)^2] = 1/2, hence P_J = 1/2 - 1/(2 pi) - 1/4 - sum_{j<=J} b_j,
a fact independent of the arc-cosine formula. At rho = +-1 the tail is exactly P_J.
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

__all__ = [
    "relu_hermite_coefficient",
    "relu_hermite_coefficient_formula",
    "relu_hermite_coefficients_derivation",
    "hermite_series_kernel",
    "symbolic_series_equals_closed_form",
    "closed_form_kernel_mp",
    "series_vs_closed_form_grid",
]

_k = sp.Symbol("k", integer=True, nonnegative=True)
_x = sp.Symbol("x", real=True)


def relu_hermite_coefficient_formula():
    """(k, a_k) as a sympy expression valid for k >= 2: He_{k-2}(0) / sqrt(2 pi k!).

    He_{2j}(0) = (-1)^j (2j-1)!!, so for even k: a_k = (-1)^(k/2-1) (k-3)!! / sqrt(2 pi k!); odd k: 0.
    """
    expr = sp.Piecewise(
        (sp.Integer(-1) ** (_k / 2 - 1) * sp.factorial2(_k - 3) / sp.sqrt(2 * sp.pi * sp.factorial(_k)),
         sp.Eq(sp.Mod(_k, 2), 0)),
        (0, True))
    return _k, expr


def relu_hermite_coefficient(k: int):
    """Exact a_k = <relu, h_k> as a sympy number (closed form)."""
    if k < 0:
        raise ValueError("k must be >= 0")
    if k == 0:
        return 1 / sp.sqrt(2 * sp.pi)
    if k == 1:
        return sp.Rational(1, 2)
    if k % 2:
        return sp.Integer(0)
    return sp.Integer(-1) ** (k // 2 - 1) * sp.factorial2(k - 3) / sp.sqrt(2 * sp.pi * sp.factorial(k))


def _coefficient_by_integration(k: int):
    """a_k by direct symbolic integration of relu(x) He_k(x) / sqrt(k!) against the Gaussian density."""
    he = sp.hermite_prob(k, _x)
    dens = sp.exp(-_x**2 / 2) / sp.sqrt(2 * sp.pi)
    return sp.simplify(sp.integrate(_x * he * dens, (_x, 0, sp.oo)) / sp.sqrt(sp.factorial(k)))


def relu_hermite_coefficients_derivation(kmax: int = 12) -> list[dict]:
    """Derive the closed form of a_k in k with sympy, step by step; each step is checked.

    Steps: (1) Rodrigues: He_k(x) phi(x) = (-1)^k phi^(k)(x) (checked for k <= kmax);
    (2) integration by parts for a generic smooth f: d/dx[x f'(x) - f(x)] = x f''(x), so with f = phi^(k-2)
        and Gaussian decay, int_0^oo x phi^(k)(x) dx = phi^(k-2)(0) = (-1)^k He_{k-2}(0) phi(0);
    (3) generating function exp(-t^2/2) = sum_k He_k(0) t^k / k!  gives He_{2j}(0) = (-1)^j (2j-1)!!;
    (4) cross-check: the closed form equals direct symbolic integration for k = 0..kmax;
    (5) Parseval: sum a_k^2 = E[relu(g)^2] = 1/2 (exact symbolic integral).
    """
    steps = []
    phi = sp.exp(-_x**2 / 2) / sp.sqrt(2 * sp.pi)
    ok = all(sp.simplify(sp.hermite_prob(k, _x) * phi - (-1) ** k * sp.diff(phi, _x, k)) == 0
             for k in range(kmax + 1))
    steps.append({"description": "Rodrigues: He_k(x) phi(x) = (-1)^k d^k/dx^k phi(x)", "kind": "identity",
                  "passed": bool(ok), "detail": f"checked symbolically for k = 0..{kmax}"})
    f = sp.Function("f")
    lhs = sp.diff(_x * sp.diff(f(_x), _x) - f(_x), _x)
    ok = sp.simplify(lhs - _x * sp.diff(f(_x), _x, 2)) == 0
    steps.append({"description": "integration by parts: d/dx[x f'(x) - f(x)] = x f''(x) for any smooth f, "
                  "so int_0^oo x phi^(k)(x) dx = phi^(k-2)(0) (boundary terms vanish at oo)",
                  "kind": "identity", "passed": bool(ok), "detail": "generic f, exact"})
    t = sp.Symbol("t")
    ser = sp.series(sp.exp(-t**2 / 2), t, 0, 2 * kmax + 2).removeO()
    ok = True
    for kk in range(0, 2 * kmax + 1):
        coeff = ser.coeff(t, kk) * sp.factorial(kk)
        expect = sp.hermite_prob(kk, 0)
        closed = 0 if kk % 2 else (-1) ** (kk // 2) * sp.factorial2(kk - 1)
        ok = ok and sp.simplify(coeff - expect) == 0 and sp.simplify(coeff - closed) == 0
    steps.append({"description": "He_{2j}(0) = (-1)^j (2j-1)!!, He_{odd}(0) = 0 (generating function at x = 0)",
                  "kind": "identity", "passed": bool(ok), "detail": f"coefficients of t^k, k <= {2 * kmax}"})
    bad = [kk for kk in range(kmax + 1)
           if sp.simplify(_coefficient_by_integration(kk) - relu_hermite_coefficient(kk)) != 0]
    steps.append({"description": "closed form a_k = He_{k-2}(0)/sqrt(2 pi k!) equals direct integration",
                  "kind": "identity", "passed": not bad,
                  "detail": f"k = 0..{kmax}" + (f"; mismatches at {bad}" if bad else "")})
    e_relu2 = sp.integrate(_x**2 * phi, (_x, 0, sp.oo))
    steps.append({"description": "Parseval: sum_k a_k^2 = E[relu(g)^2]", "kind": "identity",
                  "passed": sp.simplify(e_relu2 - sp.Rational(1, 2)) == 0, "detail": f"E[relu(g)^2] = {e_relu2}"})
    return steps


def closed_form_kernel_mp(rho, dps: int = 50):
    """Arc-cosine kernel at correlation rho, in mpmath: (sqrt(1-rho^2) + (pi - acos rho) rho) / (2 pi)."""
    with mpmath.workdps(dps + 10):
        r = mpmath.mpf(rho)
        val = (mpmath.sqrt(1 - r * r) + (mpmath.pi - mpmath.acos(r)) * r) / (2 * mpmath.pi)
    return val   # an mpf keeps its precision; no unary plus outside the working-precision block


def hermite_series_kernel(rho, dps: int = 50, tol=None, max_terms: int = 2_000_000) -> dict:
    """Sum the Lemma A.7 series sum_k a_k^2 rho^k in mpmath with a rigorous truncation enclosure.

    rho in [-1, 1] (a float, str or mpf; taken exactly). Terms are added until the tail bound U_J (module
    docstring) is <= tol (default 10^-dps) or max_terms are used. Returns a dict with mpf entries
    lower, upper (the enclosure, rounding included), value (midpoint), error (half-width), terms (J+1),
    and reached_tol. At |rho| = 1 the Parseval tail is exact and the enclosure collapses.
    """
    with mpmath.workdps(dps + 15):
        r = mpmath.mpf(rho)
        if abs(r) > 1:
            raise ValueError(f"rho must lie in [-1, 1], got {rho}")
        tol_ = mpmath.mpf(10) ** (-dps) if tol is None else mpmath.mpf(tol)
        r2 = r * r
        two_pi = 2 * mpmath.pi
        head = 1 / two_pi + r / 4            # a_0^2 + a_1^2 rho
        p_total = mpmath.mpf(1) / 2 - 1 / two_pi - mpmath.mpf(1) / 4   # sum_{j >= 0} b_j (Parseval)
        b = 1 / (2 * two_pi)                 # b_0 = a_2^2 = 1/(4 pi)
        pw = r2                              # rho^{2j+2}
        s = mpmath.mpf(0)
        bsum = mpmath.mpf(0)
        j = 0
        exact_tail = abs(r) == 1
        while True:
            s += b * pw
            bsum += b
            b_next = b * (2 * j + 1) ** 2 / ((2 * j + 3) * (2 * j + 4))
            pw_next = pw * r2
            p_rest = p_total - bsum          # P_J, exact up to rounding
            if exact_tail:
                ub = mpmath.mpf(0)
                s_tail = p_rest
            else:
                geo = b_next * pw_next / (1 - r2) if r2 < 1 else mpmath.inf
                ub = min(geo, pw_next * p_rest)
                s_tail = mpmath.mpf(0)
            j += 1
            if ub <= tol_ or j >= max_terms or exact_tail and j >= 1:
                break
            b, pw = b_next, pw_next
        rnd = mpmath.mpf(2) ** (-mpmath.mp.prec + 4) * (j + 10)   # accumulated rounding, generous
        lower = head + s + s_tail - rnd
        upper = head + s + s_tail + ub + rnd
        out = {"lower": lower, "upper": upper, "value": (lower + upper) / 2, "error": (upper - lower) / 2,
               "terms": j, "reached_tol": bool(ub <= tol_)}
    return out


def symbolic_series_equals_closed_form() -> list[dict]:
    """Prove with sympy that sum_k a_k^2 rho^k equals the arc-cosine closed form on [-1, 1].

    Argument (each algebraic step checked): S(rho) = a_0^2 + a_1^2 rho + sum_j b_j rho^{2j+2} and
    kappa(rho) = (sqrt(1-rho^2) + (pi - acos rho) rho)/(2 pi) satisfy the same ODE y'' = 1/(2 pi sqrt(1-rho^2))
    on (-1, 1) with the same y(0), y'(0); hence S = kappa there, and at rho = +-1 by Abel's theorem
    (the series converges absolutely at |rho| = 1 by Parseval). Settles SPEC's open point on the form.
    """
    rho = sp.Symbol("rho", real=True)
    th = sp.Symbol("theta", real=True)
    j = sp.Symbol("j", integer=True, nonnegative=True)
    steps = []
    kappa = (sp.sqrt(1 - rho**2) + (sp.pi - sp.acos(rho)) * rho) / (2 * sp.pi)
    sub = kappa.subs(rho, sp.cos(th)).subs(sp.acos(sp.cos(th)), th).subs(sp.sqrt(1 - sp.cos(th)**2), sp.sin(th))
    res = sp.simplify(sub - (sp.sin(th) + (sp.pi - th) * sp.cos(th)) / (2 * sp.pi))
    steps.append({"description": "closed form in the angle: kappa(cos theta) = (sin theta + (pi - theta) cos theta)/(2 pi)",
                  "kind": "identity", "passed": res == 0,
                  "detail": f"residual {res}, using acos(cos theta) = theta and sqrt(1 - cos^2) = sin theta on [0, pi]"})
    k2 = sp.simplify(sp.diff(kappa, rho, 2) - 1 / (2 * sp.pi * sp.sqrt(1 - rho**2)))
    steps.append({"description": "kappa'' = 1/(2 pi sqrt(1 - rho^2))", "kind": "identity",
                  "passed": k2 == 0, "detail": f"residual {k2}"})
    k0 = sp.simplify(kappa.subs(rho, 0) - relu_hermite_coefficient(0) ** 2)
    k1 = sp.simplify(sp.diff(kappa, rho).subs(rho, 0) - relu_hermite_coefficient(1) ** 2)
    steps.append({"description": "kappa(0) = a_0^2 = 1/(2 pi) and kappa'(0) = a_1^2 = 1/4", "kind": "identity",
                  "passed": k0 == 0 and k1 == 0, "detail": f"residuals {k0}, {k1}"})
    b_j = sp.factorial2(2 * j - 1) ** 2 / (2 * sp.pi * sp.factorial(2 * j + 2))
    # S'' = sum_j b_j (2j+2)(2j+1) rho^{2j}; its coefficients must be binomial(2j, j)/4^j / (2 pi),
    # the coefficients of (1 - rho^2)^{-1/2} / (2 pi). Rewrite (2j-1)!! = (2j)!/(2^j j!) (valid j >= 0).
    b_j_g = (sp.factorial(2 * j) / (2**j * sp.factorial(j))) ** 2 / (2 * sp.pi * sp.factorial(2 * j + 2))
    df_ok = all(sp.simplify(b_j.subs(j, jj) - b_j_g.subs(j, jj)) == 0 for jj in range(0, 30))
    steps.append({"description": "(2j-1)!! = (2j)!/(2^j j!) (so b_j has a gamma form)", "kind": "identity",
                  "passed": df_ok, "detail": "checked for j = 0..29 (standard identity)"})
    coef = sp.simplify(sp.powsimp(sp.combsimp(b_j_g * (2 * j + 2) * (2 * j + 1) * 2 * sp.pi
                                              - sp.binomial(2 * j, j) / 4**j), force=True))
    steps.append({"description": "coefficients of S'': b_j (2j+2)(2j+1) = binomial(2j, j) / (4^j 2 pi)",
                  "kind": "identity", "passed": coef == 0, "detail": f"general-j residual {coef}"})
    # Generalized binomial theorem: [x^j](1 - x)^(-1/2) = (1/2)_j / j!  (rising factorial).
    bin_res = sp.simplify(sp.gammasimp(sp.combsimp((sp.rf(sp.S.Half, j) / sp.factorial(j)
                                                    - sp.binomial(2 * j, j) / 4**j).rewrite(sp.gamma))))
    ser_ok = sp.simplify(sp.series((1 - rho**2) ** sp.Rational(-1, 2), rho, 0, 40).removeO()
                         - sum(sp.binomial(2 * jj, jj) / 4**jj * rho**(2 * jj) for jj in range(20))) == 0
    steps.append({"description": "(1 - rho^2)^(-1/2) = sum_j (1/2)_j/j! rho^{2j} = sum_j binomial(2j, j)/4^j rho^{2j}",
                  "kind": "identity", "passed": bool(bin_res == 0 and ser_ok),
                  "detail": f"general-j residual {bin_res}; first 20 series coefficients match: {ser_ok}"})
    steps.append({"description": "S(0) = a_0^2, S'(0) = a_1^2 (the k >= 2 part is O(rho^2))", "kind": "identity",
                  "passed": True, "detail": "by construction of the series"})
    steps.append({"description": "uniqueness for y'' = f, y(0), y'(0) given => S = kappa on (-1, 1); "
                  "Abel + absolute convergence (Parseval) => also at rho = +-1",
                  "kind": "argument", "passed": all(s["passed"] for s in steps), "detail": "follows from the steps above"})
    return steps


def series_vs_closed_form_grid(thetas=None, dps: int = 50, tol=None, max_terms: int = 200_000) -> dict:
    """Compare the Hermite series (rigorous enclosure) with the closed form at `dps` digits on angles.

    Returns {dps, points: [{theta, closed, lower, upper, contains, error_bound, terms}], all_contained,
    max_distance_to_closed}. `contains` says the closed form lies in the rigorous series enclosure.
    """
    if thetas is None:
        thetas = np.linspace(0.25, np.pi - 0.25, 41)
    pts = []
    worst = mpmath.mpf(0)
    allc = True
    for th in thetas:
        with mpmath.workdps(dps + 15):
            thm = mpmath.mpf(th)
            rho = mpmath.cos(thm)
            closed = (mpmath.sin(thm) + (mpmath.pi - thm) * mpmath.cos(thm)) / (2 * mpmath.pi)
            res = hermite_series_kernel(rho, dps=dps, tol=tol, max_terms=max_terms)
            contains = bool(res["lower"] <= closed <= res["upper"])
            dist = abs(res["value"] - closed)
        worst = max(worst, dist)
        allc = allc and contains
        pts.append({"theta": float(th), "closed": mpmath.nstr(closed, dps), "lower": mpmath.nstr(res["lower"], dps),
                    "upper": mpmath.nstr(res["upper"], dps), "contains": contains,
                    "error_bound": float(res["error"]), "terms": res["terms"], "reached_tol": res["reached_tol"]})
    return {"dps": dps, "points": pts, "all_contained": allc, "max_distance_to_closed": float(worst)}
