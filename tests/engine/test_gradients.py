"""IFT gradients (L2.3) against central finite differences and against unrolled differentiation."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import unit_rows
from verifier.engine import evaluate, init_params


def _fd(p, X, y, gamma, name, h=1e-6):
    P = getattr(p, name)
    out = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        vals = []
        for s in (+1, -1):
            q = p.copy()
            getattr(q, name)[idx] += s * h
            vals.append(evaluate(q, X, y, gamma, with_grads=False, tol=1e-15).loss)
        out[idx] = (vals[0] - vals[1]) / (2 * h)
    return out


@given(seed=st.integers(0, 5000), gamma=st.floats(0.05, 0.45))
def test_ift_gradients_match_central_differences(seed, gamma):
    rng = np.random.default_rng(seed)
    n, d, m = 4, 3, 6
    X = unit_rows(rng, n, d)
    y = rng.standard_normal(n)
    p = init_params(m, d, seed)
    g = evaluate(p, X, y, gamma, tol=1e-15).grads
    for name in ("A", "W", "u", "v"):
        fd = _fd(p, X, y, gamma, name)
        an = getattr(g, name)
        scale = max(np.max(np.abs(an)), 1e-3)
        # FD error ~ h^2 |L'''| + eps/h; ReLU kinks within h of a pre-activation are measure-zero events
        assert np.max(np.abs(fd - an)) <= 1e-5 * scale, name


def test_ift_matches_unrolled_backprop():
    """Backprop through 200 unrolled iterations (hand-written reverse mode) converges to the IFT gradient."""
    rng = np.random.default_rng(11)
    n, d, m, gamma = 3, 4, 8, 0.3
    X = unit_rows(rng, n, d)
    y = rng.standard_normal(n)
    p = init_params(m, d, 2)
    gt = gamma / np.sqrt(m)
    L = 200
    gA = np.zeros_like(p.A)
    for i in range(n):
        phi = np.maximum(p.W @ X[i], 0) / np.sqrt(m)
        zs, masks = [np.zeros(m)], []
        for _ in range(L):
            pre = gt * p.A @ zs[-1] + phi
            masks.append((pre > 0).astype(float))
            zs.append(np.maximum(pre, 0))
        r = p.u @ zs[-1] + p.v @ phi - y[i]
        bar = r * p.u  # dL/dz^L
        for l in range(L, 0, -1):
            t = bar * masks[l - 1]
            gA += gt * np.outer(t, zs[l - 1])
            bar = gt * p.A.T @ t
    ift = evaluate(p, X, y, gamma, tol=1e-15).grads.A
    assert np.allclose(gA, ift, rtol=1e-9, atol=1e-12)
