"""Independent reference computations for the certify tests (never import the code under test).

* G_inf at 50 digits from the exact float64 data, acos-free (half-angle atan2 form).
* lambda_min at 50 digits by bisection on Sylvester's inertia (LDL^T pivot signs).
* exact positive-definiteness of a float matrix by LDL^T in rational arithmetic.
"""
from fractions import Fraction

import mpmath
import numpy as np

DPS = 50


def gram_inf_mp(X, dps=DPS):
    """G_inf of the exactly row-normalized rows of X at dps digits (mpmath matrix).

    Its absolute error is ~10^-dps (about 1e-52 at 50 digits for nearly parallel rows); the
    enclosures of the flint and mpmath backends are tight to ~1e-56 beyond their true error, so
    checks of those need dps >= 70.
    """
    with mpmath.workdps(dps):
        rows = [[mpmath.mpf(float(v)) for v in r] for r in np.asarray(X)]
        units = []
        for r in rows:
            nr = mpmath.sqrt(mpmath.fsum(v * v for v in r))
            units.append([v / nr for v in r])
        n = len(rows)
        G = mpmath.matrix(n, n)
        for i in range(n):
            G[i, i] = mpmath.mpf(1) / 2
            for j in range(i + 1, n):
                a, b = units[i], units[j]
                p = mpmath.sqrt(mpmath.fsum((x - y) ** 2 for x, y in zip(a, b)))
                q = mpmath.sqrt(mpmath.fsum((x + y) ** 2 for x, y in zip(a, b)))
                t = 2 * mpmath.atan2(p, q)
                G[i, j] = G[j, i] = (mpmath.sin(t) + (mpmath.pi - t) * mpmath.cos(t)) / (2 * mpmath.pi)
        return G


def negative_count(G, sigma):
    """Number of negative eigenvalues of G - sigma I (Sylvester: signs of the LDL^T pivots)."""
    with mpmath.workdps(DPS):
        n = G.rows
        A = [[G[i, j] - (sigma if i == j else 0) for j in range(n)] for i in range(n)]
        neg = 0
        for k in range(n):
            piv = A[k][k]
            if piv == 0:
                piv = mpmath.mpf(10) ** (-DPS + 5)  # measure-zero event; perturb like LAPACK dsytrf would pivot
            if piv < 0:
                neg += 1
            for i in range(k + 1, n):
                f = A[i][k] / piv
                for j in range(k + 1, i + 1):
                    A[i][j] -= f * A[j][k]
                for j in range(k + 1, i + 1):
                    A[j][i] = A[i][j]
        return neg


def lambda_min_mp(G, guess, halfwidth=1e-6, steps=90):
    """Bracket [lo, hi] of lambda_min(G) at ~1e-30 by inertia bisection around a float guess."""
    with mpmath.workdps(DPS):
        scale = max(abs(mpmath.mpf(guess)), mpmath.mpf(1e-12))
        lo = mpmath.mpf(guess) - halfwidth * scale
        hi = mpmath.mpf(guess) + halfwidth * scale
        while negative_count(G, lo) != 0:
            lo -= 10 * (hi - lo)
        while negative_count(G, hi) == 0:
            hi += 10 * (hi - lo)
        for _ in range(steps):
            mid = (lo + hi) / 2
            if negative_count(G, mid) == 0:
                lo = mid
            else:
                hi = mid
        return lo, hi


def exact_is_pd(M, t=0):
    """Exact: is the float matrix M (symmetric) minus t I positive definite? (rational LDL^T)."""
    M = np.asarray(M)
    n = M.shape[0]
    t = Fraction(t)
    A = [[Fraction(float(M[i, j])) - (t if i == j else 0) for j in range(n)] for i in range(n)]
    for k in range(n):
        piv = A[k][k]
        if piv <= 0:
            return False
        for i in range(k + 1, n):
            f = A[i][k] / piv
            for j in range(k + 1, i + 1):
                A[i][j] -= f * A[j][k]
            for j in range(k + 1, i + 1):
                A[j][i] = A[i][j]
    return True


def exact_sym(M):
    """Mirror the lower triangle: an exactly symmetric float matrix."""
    M = np.array(M, dtype=np.float64)
    il = np.tril_indices(M.shape[0], -1)
    M[il[1], il[0]] = M[il]
    return M
