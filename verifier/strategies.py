"""Public hypothesis strategies: A2 datasets, A1 parameters, well-posed settings.

Import in tests:

    from hypothesis import given
    from verifier.strategies import a2_datasets, a1_parameters, well_posed_settings

    @given(a2_datasets(n=st.integers(2, 8), d=st.integers(2, 5), min_angle=0.05))
    def test_unit_rows(X):
        assert np.allclose(np.linalg.norm(X, axis=1), 1.0)

Arrays are built from a drawn seed with numpy's Generator (reproducible, shrinks through the seed),
not element by element, so examples stay fast for widths in the hundreds.
"""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from .numerics import pairwise_angles

__all__ = ["seeds", "a2_datasets", "a1_parameters", "well_posed_settings", "min_pairwise_angle"]

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _as_strategy(x):
    return x if isinstance(x, st.SearchStrategy) else st.just(x)


def min_pairwise_angle(X: np.ndarray) -> float:
    """min over i < j of min(theta_ij, pi - theta_ij): distance to being parallel (A2), half-angle form."""
    th = pairwise_angles(X)
    iu = np.triu_indices(X.shape[0], k=1)
    t = th[iu]
    return float(np.min(np.minimum(t, np.pi - t))) if t.size else float(np.pi / 2)


def _draw_dataset(seed: int, n: int, d: int, min_angle: float, tries: int = 50):
    rng = np.random.default_rng(seed)
    for _ in range(tries):
        X = rng.standard_normal((n, d))
        X /= np.linalg.norm(X, axis=1)[:, None]
        if min_pairwise_angle(X) >= min_angle:
            return X
    return None


@st.composite
def a2_datasets(draw, n=st.integers(2, 12), d=st.integers(2, 8), min_angle: float = 1e-3):
    """Data X (n x d) satisfying A2: unit rows and every pair at least `min_angle` from parallel.

    n, d: ints or strategies. min_angle (radians, < pi/2): controls the minimum pairwise angle, i.e. how far
    from parallel (x_i != +-x_j) the rows stay; small values let lambda0 get small.

    >>> from hypothesis import find
    >>> X = find(a2_datasets(n=3, d=2, min_angle=0.1), lambda X: True)
    >>> X.shape
    (3, 2)
    """
    n_, d_ = draw(_as_strategy(n)), draw(_as_strategy(d))
    d_ = max(d_, 2)    # in R^1 every pair of unit vectors is parallel: A2 needs d >= 2
    X = _draw_dataset(draw(seeds), n_, d_, min_angle)
    assume(X is not None)
    return X


@st.composite
def a1_parameters(draw, m=st.integers(4, 64), d=st.integers(2, 8), seed=None):
    """Parameters per A1 from a seed: A (m x m), W (m x d) standard Gaussian; u, v Rademacher.

    Returns dict(A, W, u, v, seed). m, d: ints or strategies; seed: an int to pin it (default: drawn).

    >>> from hypothesis import find
    >>> p = find(a1_parameters(m=5, d=3), lambda p: True)
    >>> p["A"].shape, p["W"].shape, bool(np.all(np.abs(p["u"]) == 1))
    ((5, 5), (5, 3), True)
    """
    m_, d_ = draw(_as_strategy(m)), draw(_as_strategy(d))
    s = draw(seeds) if seed is None else seed
    rng = np.random.default_rng(s)
    return {"A": rng.standard_normal((m_, m_)), "W": rng.standard_normal((m_, d_)),
            "u": rng.choice([-1.0, 1.0], size=m_), "v": rng.choice([-1.0, 1.0], size=m_), "seed": s}


@st.composite
def well_posed_settings(draw, n=st.integers(2, 8), d=st.integers(2, 6), m=st.integers(4, 48),
                        min_angle: float = 1e-2, margin: float = 0.05):
    """A complete setting: A2 data, A1 parameters and gamma with (gamma/sqrt m) ||A|| <= 1 - margin < 1.

    gamma is drawn in (0, (1 - margin) sqrt(m)/||A||], so the equilibrium map is a contraction (L2.2).
    Returns dict(X, y, A, W, u, v, gamma, c, contraction, seed) with c = ||A||/sqrt(m) and
    contraction = gamma ||A|| / sqrt(m).

    >>> from hypothesis import find
    >>> s = find(well_posed_settings(), lambda s: True)
    >>> s["contraction"] < 1
    True
    """
    X = draw(a2_datasets(n=n, d=d, min_angle=min_angle))
    p = draw(a1_parameters(m=m, d=X.shape[1]))
    m_ = p["A"].shape[0]
    c = float(np.linalg.norm(p["A"], 2) / np.sqrt(m_))
    frac = draw(st.floats(min_value=0.01, max_value=1.0))
    gamma = frac * (1.0 - margin) / c
    rng = np.random.default_rng(p["seed"] + 1)
    y = rng.choice([-1.0, 1.0], size=X.shape[0])
    return {"X": X, "y": y, **p, "gamma": gamma, "c": c, "contraction": gamma * c}
