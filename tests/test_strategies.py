"""The public hypothesis strategies keep their promises."""
import math

import numpy as np
from hypothesis import find, given
from hypothesis import strategies as st

import verifier.strategies as vs
from verifier.strategies import a1_parameters, a2_datasets, min_pairwise_angle, well_posed_settings


def test_all_is_exactly_the_public_names():
    public = {k for k, v in vars(vs).items() if not k.startswith("_") and getattr(v, "__module__", None) == vs.__name__}
    public |= {"seeds"}
    assert set(vs.__all__) == public


@given(a2_datasets(n=st.integers(2, 10), d=st.integers(1, 6), min_angle=0.1))
def test_a2_datasets(X):
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-14)
    G = np.clip(X @ X.T, -1, 1)
    iu = np.triu_indices(X.shape[0], 1)
    ang = np.arccos(G[iu])                       # independent of the half-angle helper
    assert np.all(np.minimum(ang, np.pi - ang) >= 0.1 - 1e-7)
    assert abs(min_pairwise_angle(X) - np.min(np.minimum(ang, np.pi - ang))) < 1e-6


@given(a1_parameters(m=st.integers(3, 20), d=st.integers(1, 5)))
def test_a1_parameters(p):
    m, d = p["W"].shape
    assert p["A"].shape == (m, m)
    assert set(np.unique(p["u"])) <= {-1.0, 1.0} and set(np.unique(p["v"])) <= {-1.0, 1.0}
    assert math.isclose(np.linalg.norm(p["u"]), math.sqrt(m))
    rng = np.random.default_rng(p["seed"])        # reproducible from the seed alone
    assert np.array_equal(rng.standard_normal((m, m)), p["A"])


@given(well_posed_settings())
def test_well_posed_settings(s):
    m = s["A"].shape[0]
    assert s["gamma"] * np.linalg.norm(s["A"], 2) / math.sqrt(m) < 1
    assert math.isclose(s["contraction"], s["gamma"] * np.linalg.norm(s["A"], 2) / math.sqrt(m), rel_tol=1e-12)
    assert s["X"].shape[1] == s["W"].shape[1] and s["y"].shape == (s["X"].shape[0],)


def test_gaussian_moments_of_a1_draws():
    p = find(a1_parameters(m=400, d=50), lambda q: True)
    assert abs(p["A"].mean()) < 0.02 and abs(p["A"].std() - 1) < 0.02
