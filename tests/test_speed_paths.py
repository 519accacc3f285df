"""The fast paths behind `verifier check` and `verifier run`: BLAS threads by problem size, explicit constants
from compiled formulas (against sympy at 30 digits), and a cache that holds data, never code."""
import json
import math

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import proofs_checks.constants as C
from verifier.engine.threads import blas_limits, blas_threads


def test_blas_threads_policy_and_override(monkeypatch):
    import verifier.engine.threads as T

    monkeypatch.delenv("VERIFIER_BLAS_THREADS", raising=False)
    assert blas_threads(360, 512) is None and blas_threads(2, 2) is None     # the measured policy: default
    monkeypatch.setattr(T, "SINGLE_THREAD_BELOW", 1e6)
    assert blas_threads(3, 512) == 1 and blas_threads(4, 512) is None     # 3 * 512^2 < 1e6 < 4 * 512^2
    monkeypatch.setenv("VERIFIER_BLAS_THREADS", "3")
    assert blas_threads(10, 10) == 3
    monkeypatch.setenv("VERIFIER_BLAS_THREADS", "0")
    assert blas_threads(10, 10) is None
    for bad in ("x", "-1", "1.5"):
        monkeypatch.setenv("VERIFIER_BLAS_THREADS", bad)
        with pytest.raises(ValueError, match="VERIFIER_BLAS_THREADS"):
            blas_threads(10, 10)


def test_blas_limits_really_limits(monkeypatch):
    monkeypatch.setenv("VERIFIER_BLAS_THREADS", "1")
    with blas_limits(10, 10) as k:
        assert k == 1
        assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
    monkeypatch.delenv("VERIFIER_BLAS_THREADS")
    with blas_limits(10**4, 10**4) as k:
        assert k is None


def test_a_run_records_its_blas_threads(monkeypatch):
    from verifier.pipeline import execute
    from verifier.setting import Setting

    s = Setting(dataset="synthetic:n=10,d=4,seed=1", width=16, steps=2, certify=False, audit=False)
    monkeypatch.setenv("VERIFIER_BLAS_THREADS", "1")
    assert execute(s).summary["run"]["blas_threads"] == 1
    monkeypatch.delenv("VERIFIER_BLAS_THREADS")
    assert execute(s).summary["run"]["blas_threads"] is None


VALUES = [(360, 1.3477e-4, 1.97665, 5.123, 31.4, 0.1, 512), (7, 0.2, 2.0, 2.0, 3.0, 0.05, 100),
          (1000, 3.3e-7, 1.02, 17.0, 44.7, 1e-3, 4000)]


@pytest.mark.parametrize("args", VALUES)
def test_compiled_explicit_constants_agree_with_sympy(args):
    n, lam0, c, nX, r0, delta, m = args
    fast = {r["name"]: r["value"] for r in C.explicit_constants(n, lam0, c, nX, r0, delta, m_=m)}
    exact = C.explicit_constants_exact(n, lam0, c, nX, r0, delta, m_=m)
    assert {"width_L3.5_W_radius", "width_L3.6_(42)_split", "width_L3.3", "alpha_max"} <= set(exact)
    for name, v in exact.items():
        if name == "alpha_max":
            assert fast["step_size_L3.6_at_m"] == pytest.approx(max(v, 0.0), rel=1e-12, abs=1e-300)
        elif name == "step_size_L3.6":
            assert fast[name] == pytest.approx(min(v, 1 / lam0), rel=1e-12)
        else:
            assert fast[name] == pytest.approx(v, rel=1e-12), name
    # the maxima are maxima of the parts
    assert fast["width_L3.5"] == max(fast["width_L3.5_W_radius"], fast["width_L3.5_A_radius"])
    assert fast["width_T3.2"] >= fast["width_L3.6"]


def test_overflowing_constants_fall_back_to_sympy():
    rows = {r["name"]: r["value"] for r in C.explicit_constants(360, 1e-120, 2.0, 5.0, 30.0, 0.1, m_=512)}
    assert math.isinf(rows["width_L3.5_W_radius"]) and math.isinf(rows["width_L3.6"])
    assert rows["c_min_L3.5"] == pytest.approx(math.sqrt(1e-120) / (4 * 5.0), rel=1e-12)


def test_repaired_width_is_the_positive_root_of_both_conditions():
    n, lam0, c, nX, r0 = 360, 1.3e-4, 1.97, 5.0, 20.0
    w, parts = C.repaired_gf_width(n, lam0, c, nX, r0)
    q = math.sqrt(parts["width_W"])
    A0, V0 = 8 * c * math.sqrt(n) * r0 / lam0, 4 * c * math.sqrt(n) * r0 / lam0
    # at q the W condition holds with equality: drift bound = corrected radius
    lhs = (2 / lam0) * math.sqrt(n) * r0 * (3 * q + 2 * A0 + V0) / q
    assert lhs == pytest.approx(q * lam0 / (12 * c * math.sqrt(n) * nX), rel=1e-12)
    qa = math.sqrt(parts["width_A"])
    assert (4 / lam0) * math.sqrt(n) * r0 * (qa + A0) / qa == pytest.approx(c * qa, rel=1e-12)
    assert w == max(parts["width_W"], parts["width_A"])


@pytest.mark.parametrize("code", ["__import__('os').getcwd()", "math.__dict__", "(lambda: 1)()", "n.real",
                                  "open('x')", "'a' * n", "[n][0]"])
def test_only_plain_arithmetic_is_accepted_from_the_cache(code):
    assert not C._is_arithmetic(code)
    assert C._is_arithmetic("(16*n/lambda0 + 48*n**2/lambda0**2)*math.log(n*(n + 1)/delta)")


def test_a_tampered_cache_entry_is_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFIER_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("VERIFIER_NO_CACHE", raising=False)
    from proofs_checks._cache import cache_path

    path = cache_path("explicit-constants")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"width_L3.3": ["x", "__import__('os').getcwd()"]}))
    C._compiled_rows.cache_clear()
    try:
        rows = C._compiled_rows()
        assert rows["width_L3.3"][0] != "x"
        assert rows["width_L3.3"][1](10, 0.1, 1.0, 1.0, 1.0, 100, 0.05) == pytest.approx(
            (48 * 100 / 0.01 + 16 * 10 / 0.1) * math.log(110 / 0.05), rel=1e-14)
        stored = json.loads(path.read_text())
        assert all(C._is_arithmetic(code) for _, code in stored.values()) and len(stored) > 1
    finally:
        C._compiled_rows.cache_clear()


def test_digits_loader_reads_the_same_rows_as_scikit_learn():
    from sklearn.datasets import load_digits

    from verifier.data import _load_digits

    X, y, _ = _load_digits()
    Xr, t = load_digits(n_class=2, return_X_y=True)
    assert np.array_equal(X, Xr) and np.array_equal(y, np.where(t == 1, 1.0, -1.0))


def _small_problem(seed=3, n=8, d=4, m=140):
    from verifier.engine import init_params

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    return X, np.sign(rng.standard_normal(n)), init_params(m, d, seed)


@pytest.mark.parametrize("method", ["gd", "gf"])
def test_a_head_start_from_prepare_changes_no_record(method):
    """train_gd/train_gf given theta(0)'s evaluation and the norms' start vectors record the same numbers as
    when they compute them (m = 140 >= 128, so the norms go through Lanczos and use the vectors)."""
    from verifier.engine import TrainConfig, evaluate, get_backend, train_gd, train_gf

    X, y, p0 = _small_problem()
    cfg = TrainConfig(gamma=0.2, step_size=0.05, steps=4, ntk_every=2, t_final=0.2 if method == "gf" else None)
    train = train_gd if method == "gd" else train_gf
    plain = train(p0, X, y, cfg).arrays()
    nb = get_backend("numpy")
    vecs = {"A": nb.spectral_norm(p0.A)[1], "W": nb.spectral_norm(p0.W)[1]}
    ev0 = evaluate(p0, X, y, cfg.gamma, tol=cfg.tol, method=cfg.solver)
    calls = []
    head = train(p0, X, y, cfg, first=ev0, norm_vecs=vecs, on_step=lambda k, ev: calls.append((k, ev))).arrays()
    assert calls[0][1] is ev0
    for key in plain:
        if key == "seconds":
            continue
        if key in ("contraction", "A_norm_scaled", "W_norm_scaled", "dist_A", "dist_W"):
            np.testing.assert_allclose(head[key], plain[key], rtol=1e-13, atol=0, err_msg=key)
        else:
            np.testing.assert_array_equal(head[key], plain[key], err_msg=key)


def test_check_uses_the_evaluation_of_prepare(monkeypatch):
    """`verifier check` solves theta(0)'s equilibrium once (prepare), not again for its zero-step record."""
    import verifier.engine.gradients as grads
    from verifier.pipeline import check
    from verifier.setting import Setting

    n_calls = []
    real = grads.evaluate

    def counting(*a, **k):
        n_calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(grads, "evaluate", counting)
    import verifier.engine.train as train_mod
    import verifier.pipeline as pipe

    monkeypatch.setattr(train_mod, "evaluate", counting)
    monkeypatch.setattr(pipe, "evaluate", counting)
    out = check(Setting(dataset="synthetic:n=10,d=4,seed=1", width=16))
    assert len(n_calls) == 1 and out["claims"]


def test_theory_number_functions_agree_with_sympy():
    """The compiled float functions behind TheoryNumbers against sympy's own evaluation of each expression."""
    import sympy as sp

    from proofs_checks import theory_numbers as T
    from proofs_checks.hidden_constants import HIDDEN_CONSTANTS
    from proofs_checks.statement import SYMBOLS

    vals = {"n": 37, "m": 1234, "d": 5, "gamma": 0.07, "c": 1.9, "delta": 0.02, "lambda0": 0.0123, "alpha": 2e-4,
            "norm_X": 4.4, "r0_norm": 7.25}
    consts = [3.0 + i / 7 for i in range(len(HIDDEN_CONSTANTS))]
    args = [float(vals[k]) for k in T._INPUT_NAMES] + consts
    syms = [SYMBOLS[k] for k in T._INPUT_NAMES] + [h.symbol for h in HIDDEN_CONSTANTS.values()]
    for name, f in T._compiled().items():
        ref = sp.sympify(T.DERIVED[name][1]).xreplace(dict(zip(syms, map(sp.Float, args)))).evalf(30)
        assert f(*args) == pytest.approx(float(ref), rel=1e-13), name


def test_the_audit_computed_beside_training_is_the_audit(tmp_path, monkeypatch):
    """A run starts its setting's audit in a second process (spawn) and collects it after training: the
    records equal an audit computed here without the cache, and the child filled the cache."""
    from proofs_checks import registry
    from proofs_checks._cache import cache_path
    from verifier.pipeline import _audit_setting, _AuditJob, prepare
    from verifier.setting import Setting

    monkeypatch.setenv("VERIFIER_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("VERIFIER_NO_CACHE", raising=False)
    pr = prepare(Setting(dataset="synthetic:n=6,d=3,seed=2", width=12))
    job = _AuditJob(pr)
    assert job.proc is not None              # cold cache: computed in the worker process
    assert job.proc.wait(timeout=600) == 0
    assert cache_path("audit", _audit_setting(pr)).is_file()
    got = job.result()
    assert job.proc is None
    fresh = registry.audit(_audit_setting(pr), cache=False)
    assert [r["id"] for r in got] == [r["id"] for r in fresh]
    for a, b in zip(got, fresh):
        assert a["status"] == b["status"] and a["counts"] == b["counts"], a["id"]
        assert [s["status"] for s in a["steps"]] == [s["status"] for s in b["steps"]], a["id"]
    again = _AuditJob(pr)                    # warm cache: no process
    assert again.proc is None and again.result() == got


def test_a_bad_blas_threads_variable_is_one_line_and_exit_2(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from verifier.cli import main

    monkeypatch.setenv("VERIFIER_BLAS_THREADS", "two")
    res = CliRunner().invoke(main, ["run", "--data", "synthetic:n=6,d=3", "--width", "8", "--steps", "1", "--no-audit",
                                    "--no-certify", "--out", str(tmp_path / "r"), "--quiet"])
    assert res.exit_code == 2 and "VERIFIER_BLAS_THREADS must be an integer >= 0" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("shape", [(300, 200), (200, 300), (256, 256)])
def test_a_cold_spectral_norm_is_lapacks_and_its_start_vector_serves_the_next_solve(shape, monkeypatch):
    """Without a warm start the numpy backend returns LAPACK's largest singular value itself (no scipy
    import, which `verifier check` would pay for) and a start vector of the length svds expects; the warm
    solve from it agrees with the cold value to a few ulps, and nothing imports scipy's sparse module."""
    import subprocess
    import sys

    from verifier.engine.backend import get_backend

    rng = np.random.default_rng(sum(shape))
    M = rng.standard_normal(shape)
    bk = get_backend("numpy")
    s, v = bk.spectral_norm(M)
    ref = np.linalg.svd(M, compute_uv=False)[0]
    assert s == float(np.linalg.norm(M, 2)) and abs(s - ref) <= 4e-16 * ref
    assert v.shape == (min(shape),) and abs(np.linalg.norm(v) - 1) < 1e-12
    s2, v2 = bk.spectral_norm(M, v)
    assert abs(s2 - ref) <= 8 * np.finfo(float).eps * ref and v2.shape == (min(shape),)
    code = ("import sys, numpy as np; from verifier.engine.backend import get_backend; "
            "get_backend('numpy').spectral_norm(np.ones((200, 150))); print('scipy.sparse.linalg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_cold_spectral_norm_above_the_lapack_limit_is_lanczos(monkeypatch):
    """Above COLD_LAPACK_MAX a cold norm is ARPACK's (a full SVD would cost seconds at paper scale); the value
    agrees with LAPACK's to a few ulps and comes with its singular vector."""
    import verifier.engine.backend as B

    monkeypatch.setattr(B, "COLD_LAPACK_MAX", 100)
    M = np.random.default_rng(1).standard_normal((160, 140))
    calls = []
    real = np.linalg.norm
    monkeypatch.setattr(np.linalg, "norm", lambda *a, **k: calls.append(a[1:] or k) or real(*a, **k))
    s, v = B.get_backend("numpy").spectral_norm(M)
    assert not any(c and (c[0] == 2 if isinstance(c, tuple) else c.get("ord") == 2) for c in calls)
    ref = np.linalg.svd(M, compute_uv=False)[0]
    assert abs(s - ref) <= 8 * np.finfo(float).eps * ref and v.shape == (140,)
