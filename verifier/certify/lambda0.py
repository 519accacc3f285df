"""Certified lambda0 = lambda_min(G_inf) (eq. 17; L3.2 says it is > 0 under A2).

Default method "eig-schur" (see ``pd``): with a float eigenbasis V of the enclosure's midpoint,
  upper: lambda0 <= v^T G v / v^T v for the float eigenvector v (Courant-Fischer), evaluated with
         error-free products, so the bound holds for the exact G;
  lower: lambda0 > t as soon as V^T (G - tI) V is proven positive definite by the 2 x 2 Schur
         inequality a c > beta^2; t is pushed up to the upper bound by bisection.
The two bounds meet up to the enclosure radius of v^T G v (~1e-16 absolute) and beta^2 / gap, so
relative widths far below 1e-8 are reached at lambda0 ~ 1e-4 and n = 1000.

Why not Rump's floating-point Cholesky test alone (method "cholesky", kept as a fast
alternative): its a-priori shift gamma_{n+3}/(1 - gamma_{n+3}) tr(G) ~ (n+3) u n/2 is 7.3e-12 for
the digits data (n = 360, tr = 180), five times the absolute width 1.35e-12 that relative width
1e-8 allows at lambda0 = 1.35e-4 (it reaches ~6e-8), and 5.6e-11 at n = 1000. The congruence
with a float eigenbasis turns G - tI into a nearly diagonal matrix whose only small entry,
v^T G v - t v^T v, is evaluated error-free; the a-priori bounds then only touch entries that are
compared with the spectral gap, not with the width.
"""
from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from ._environment import check_arithmetic
from ._inputs import CertifyInputError, real_number
from ._rounding import f_down, f_up, frac
from .certificate import Certificate
from .entries import (
    BACKENDS,
    GramEnclosure,
    _check_data,
    certify_gram_entries,
    data_fingerprint,
    flint_available,
    statement_for,
)
from .pd import EigPrecond, interval_cholesky_pd, rayleigh_upper, rump_pd, spectral_radius_upper

__all__ = ["certify_lambda0", "LAMBDA0_METHODS"]

LAMBDA0_METHODS = ("auto", "eig-schur", "cholesky", "interval-cholesky")


def _flt(q):
    return None if q is None else float(q)


def _target(ub: Fraction, rel_width: float) -> Fraction:
    return max(abs(ub) * Fraction(rel_width), Fraction(2) ** -1000)


def _push_lower(test, ub: Fraction, target: Fraction, max_tests: int = 400):
    """Largest t (up to bisection) with test(t) True, searching below ub. Returns (t, n_tests)."""
    step = target / 2
    t_fail = ub
    t_pass = None
    tests = 0
    while tests < max_tests:
        t = frac(f_down(ub - step))
        tests += 1
        if test(t):
            t_pass = t
            break
        t_fail = t
        step *= 4
    if t_pass is None:
        return None, tests
    while tests < max_tests and t_fail - t_pass > max((ub - t_pass) / 64, Fraction(2) ** -1070):
        mid = frac(f_down((t_pass + t_fail) / 2))
        if mid <= t_pass or mid >= t_fail:
            break
        tests += 1
        if test(mid):
            t_pass = mid
        else:
            t_fail = mid
    return t_pass, tests


def _eig_schur(enc: GramEnclosure, rel_width: float, driver: str = "numpy"):
    pre = EigPrecond(enc.mid, enc.lo, enc.lo_rad, driver=driver)
    n = pre.n
    k0 = pre.choose_k(float(pre.lam[0]))
    best = None
    k = k0
    while True:
        ub = pre.rayleigh_upper(k)
        target = _target(ub, rel_width)
        lower, tests = _push_lower(lambda t: pre.schur_test(t, k)[0], ub, target)
        if lower is not None:
            # keep a margin below the largest proven t when the target allows it, so that an
            # independent re-check (verify) is not decided by the last ulp
            slack = lower - (ub - lower)
            if ub - slack <= target and pre.schur_test(slack, k)[0]:
                lower = slack
            ok, info = pre.schur_test(lower, k)
            assert ok
            cand = {"lower": lower, "upper": ub, "k": k, "tests": tests, "info": info}
            if best is None or ub - lower < best["upper"] - best["lower"]:
                best = cand
            if ub - lower <= target:
                break
        if k >= min(n, 64):
            break
        k = min(2 * k, n, 64)
    if best is None:
        ub = pre.rayleigh_upper(k0)
        best = {"lower": None, "upper": ub, "k": k0, "tests": 0, "info": {}}
    info = best.pop("info")
    best["details"] = {
        "cluster_size": best["k"], "pd_tests": best["tests"], "float_lambda_min": float(pre.lam[0]),
        "float_lambda_next": float(pre.lam[best["k"]]) if best["k"] < n else None,
        # the Schur inequality a c > beta^2 at the returned lower bound (floats, for the record)
        "schur_a": _flt(info.get("a")), "schur_c": _flt(info.get("c")), "schur_beta": _flt(info.get("beta")),
        "eigensolver": driver,
    }
    best["witness"] = pre.V[:, 0].copy()
    return best


def _plain_cholesky(enc: GramEnclosure, rel_width: float):
    pre = EigPrecond(enc.mid, enc.lo, enc.lo_rad)
    ub = pre.rayleigh_upper(1)
    rad_norm = spectral_radius_upper(enc.rad)
    n = pre.n
    lam = frac(pre.lam[0])
    step = (frac(rad_norm) + Fraction(n + 3) * Fraction(2) ** -53 * sum(frac(x) for x in np.diag(enc.mid))
            + _target(ub, rel_width))
    lower, tests = None, 0
    for j in range(60):
        t = lam - step * 2**j
        tests += 1
        ok, low = rump_pd(enc.mid, t, rad_norm)
        if ok:
            lower = low
            break
    return {"lower": lower, "upper": ub, "k": 1, "tests": tests, "witness": pre.V[:, 0].copy(),
            "details": {"pd_tests": tests, "rad_norm": rad_norm, "float_lambda_min": float(pre.lam[0])}}


def _interval(enc: GramEnclosure, rel_width: float):
    pre = EigPrecond(enc.mid, enc.lo, enc.lo_rad)
    ub = pre.rayleigh_upper(1)
    lower, tests = _push_lower(lambda t: interval_cholesky_pd(enc.mid, enc.rad, float(t)), ub,
                               _target(ub, rel_width), max_tests=60)
    return {"lower": lower, "upper": ub, "k": 1, "tests": tests, "witness": pre.V[:, 0].copy(),
            "details": {"pd_tests": tests, "float_lambda_min": float(pre.lam[0]), "iv_prec_bits": 80}}


_PRECISION = {
    "eig-schur": "binary64 with error-free products (double-double, ~106 bits) for v^T G v; "
                 "a-priori bounds (u = 2^-53, gamma_k) elsewhere; exact rationals for the final inequalities",
    "cholesky": "binary64 floating-point Cholesky with a-priori shift gamma_{n+3}/(1-gamma_{n+3}) tr",
    "interval-cholesky": "mpmath interval arithmetic at 80 bits",
}


#: The largest n whose mpmath re-check (n^2/2 entries at 192 bits, ~0.2 ms each) is run.
MPMATH_RECHECK_MAX_N = 120


def _verify_backend(main: str, n: int) -> str:
    """The first of flint (when installed), mpmath (n <= 120), numpy that differs from the
    certificate's backend; the certificate's own backend when none does."""
    candidates = (["flint"] if flint_available() else []) + (["mpmath"] if n <= MPMATH_RECHECK_MAX_N else [])
    for b in candidates + ["numpy"]:
        if b != main:
            return b
    return main


def _make_check(X: np.ndarray, main_backend: str, witness: np.ndarray):
    def check(cert: Certificate) -> dict:
        """Independent re-check: another enclosure backend, scipy's MRRR eigensolver instead of
        numpy's divide-and-conquer, and the preconditioned Rump Cholesky test instead of the
        Schur inequality for the lower bound; the stored witness vector's Rayleigh quotient,
        re-evaluated on the new enclosure, for the upper bound."""
        backend = _verify_backend(main_backend, X.shape[0])
        out = {"backend": backend, "certificate_backend": main_backend, "independent": backend != main_backend}
        if data_fingerprint(X) != cert.details.get("fingerprint"):
            return {**out, "ok": False, "reason": "the certificate's data was changed"}
        enc = certify_gram_entries(X, backend=backend)
        report = {"entries_backend": backend, "same_backend": backend == main_backend}
        ok_upper = True
        if cert.upper is not None and np.isfinite(cert.upper):
            r = rayleigh_upper(enc.mid, enc.lo, enc.lo_rad, witness)
            ok_upper = r <= frac(cert.upper)
        ok_lower = True
        if cert.lower is not None and np.isfinite(cert.lower):
            t = frac(cert.lower)
            pre = EigPrecond(enc.mid, enc.lo, enc.lo_rad, driver="evr")
            k = pre.choose_k(float(t))
            ok_lower = pre.cholesky_test(t, k)
            report["lower_test"] = "eig-cholesky (scipy evr basis)"
            if not ok_lower:
                ok_lower = pre.schur_test(t, k)[0]
                report["lower_test"] = "eig-schur (scipy evr basis), eig-cholesky undecided"
        report.update(upper_ok=bool(ok_upper), lower_ok=bool(ok_lower))
        ok = bool(ok_upper and ok_lower)
        if not ok:
            reason = "not confirmed: " + ", ".join(
                w for w, bad in (("the upper bound", not ok_upper), ("the lower bound", not ok_lower)) if bad)
        elif backend != main_backend:
            reason = (f"confirmed with the {backend} entries (certificate: {main_backend}), "
                      f"another eigensolver and another PD test")
        else:
            why = ("python-flint is not installed and n > "
                   f"{MPMATH_RECHECK_MAX_N} makes the mpmath re-check too slow") if main_backend == "numpy" else \
                "no other entries backend is available"
            reason = (f"confirmed, but with the same entries backend ({backend}) as the certificate: {why}; "
                      f"only the eigensolver and the PD test differ")
        return {**out, "ok": ok, "reason": reason, "report": report}

    return check


def _undecided(X, name, rel_width, reason, t0, details=None) -> Certificate:
    d = {"n": int(X.shape[0]), "d": int(X.shape[1]), "fingerprint": data_fingerprint(X),
         "rel_width_requested": rel_width, "rel_width_achieved": None, "target_met": False,
         "lambda0_positive": "undecided", **(details or {})}
    return Certificate(quantity="lambda0", lower=None, upper=None, status="undecided", method=name,
                       precision=_PRECISION[name], seconds=time.perf_counter() - t0,
                       statement=f"lambda_min(K) lies in [lower, upper], where {statement_for(X)}",
                       details=d, reason=reason)


def certify_lambda0(X, rel_width: float = 1e-8, *, method: str = "auto",
                    entries: str = "auto", recheck: bool = True) -> Certificate:
    """Certified enclosure [lower, upper] of lambda0 = lambda_min(G_inf) for the rows of X.

    X: n x d real array whose entries are exactly float64 numbers (not necessarily unit rows; the
    certificate speaks about G_inf of the exactly row-normalized data, see ``certify_gram_entries``);
    complex, bool, NaN/inf, zero rows and inexact values are refused (``CertifyInputError``).
    rel_width: requested (upper - lower)/upper; the achieved width is in details (target_met).
    method: "auto" = "eig-schur", "cholesky" (Rump's floating-point test, fast, coarser),
    "interval-cholesky" (mpmath, slow; small n). entries: enclosure backend ("auto" = "numpy",
    "flint", "mpmath"). recheck: run ``verify()`` before returning (a certificate it does not confirm
    is "undecided"). Within the requested width the bounds are widened by up to their own width on
    each side, so that a re-check with slightly wider entry radii still confirms them.
    The status is "undecided", with the reason, when the floating-point environment is not the
    one the proofs assume or the arithmetic cannot decide; never an exception for valid input.
    Example: ``c = certify_lambda0(X); c.lower <= lambda0(X) <= c.upper``.
    """
    if method not in LAMBDA0_METHODS:
        raise ValueError(f"unknown method '{method}' (known: {', '.join(LAMBDA0_METHODS)})")
    if entries != "auto" and entries not in BACKENDS:
        raise ValueError(f"unknown backend '{entries}' (known: auto, {', '.join(BACKENDS)})")
    rel_width = real_number(rel_width, "rel_width")
    if not (0 < rel_width < 1):
        raise CertifyInputError(f"rel_width must lie in (0, 1), got {rel_width!r}")
    t0 = time.perf_counter()
    X = _check_data(X)
    name = "eig-schur" if method == "auto" else method
    env = check_arithmetic()
    if not env:
        return _undecided(X, name, rel_width, env.reason, t0)
    try:  # X is validated: what fails below is the arithmetic, not the input
        enc = certify_gram_entries(X, backend=entries)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as exc:
        return _undecided(X, name, rel_width, f"the entry enclosures could not be computed: "
                                              f"{type(exc).__name__}: {exc}", t0)
    try:
        with np.errstate(all="ignore"):
            res = {"eig-schur": _eig_schur, "cholesky": _plain_cholesky,
                   "interval-cholesky": _interval}[name](enc, rel_width)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as exc:
        res = {"lower": None, "upper": None, "k": 0, "tests": 0, "witness": None,
               "details": {"failure": f"{type(exc).__name__}: {exc}"}}
    lower_q, upper_q = res["lower"], res["upper"]
    if lower_q is not None and upper_q is not None:
        w = upper_q - lower_q
        if w >= 0 and 2 * w <= _target(upper_q, rel_width):
            upper_q = upper_q + w  # any number above a proven upper bound is one
    lower = None if lower_q is None else f_down(lower_q)
    upper = None if upper_q is None else f_up(upper_q)
    reason = ""
    if lower is None or upper is None:
        reason = "the arithmetic could not decide: " + res["details"].get(
            "failure", "no shift t was proven below lambda0")
    env = check_arithmetic()
    if not env:
        lower = upper = None
        reason = env.reason
    status = "proven" if not reason else "undecided"
    width = None if status != "proven" else upper - lower
    rel = None if width is None or upper == 0 else width / abs(upper)
    details = dict(res["details"])
    details.update({
        "n": int(X.shape[0]), "d": int(X.shape[1]), "fingerprint": data_fingerprint(X),
        "entries_backend": enc.backend, "entries_seconds": enc.seconds,
        "max_entry_radius": float(enc.lo_rad.max()), "rel_width_requested": rel_width,
        "rel_width_achieved": rel, "target_met": bool(rel is not None and rel <= rel_width),
    })
    statement = f"lambda_min(K) lies in [lower, upper], where {enc.statement}"
    check = _make_check(X, enc.backend, res["witness"]) if res.get("witness") is not None else None
    cert = Certificate(quantity="lambda0", lower=lower, upper=upper, status=status,
                       method=name, precision=_PRECISION[name], seconds=0.0, statement=statement,
                       details=details, reason=reason, _check=check)
    if recheck and cert.status == "proven":
        t1 = time.perf_counter()
        cert.verify()
        details["recheck_seconds"] = time.perf_counter() - t1
    proven = cert.status == "proven"
    details["lambda0_positive"] = "proven" if (proven and lower > 0) else "undecided"
    details["target_met"] = bool(proven and details["target_met"])
    cert.seconds = details["seconds_total"] = time.perf_counter() - t0
    return cert
