import types

import verifier


def test_all_matches_public_names():
    for name in verifier.__all__:
        assert hasattr(verifier, name), name          # every lazy export resolves
    public = {n for n, v in vars(verifier).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType) and n != "annotations"}
    assert set(verifier.__all__) - {"__version__"} == public
    assert set(dir(verifier)) >= set(verifier.__all__)


def test_run_on_in_memory_arrays_without_writing_files(tmp_path, monkeypatch):
    """The API takes arrays, writes nothing unless asked, returns typed verdicts, and names parameters."""
    import numpy as np
    import pytest

    from proofs_checks.reference_model import gd_losses
    from proofs_checks.verdict import Verdict

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((10, 4))
    y = np.where(X[:, 0] >= 0, 1.0, -1.0)
    res = verifier.run(X=X, y=y, width=30, steps=6, gamma=0.2, audit=False, certify=False)
    assert res.paths is None and not any(tmp_path.iterdir())
    assert res.status == "completed" and res.setting.dataset == "arrays"
    assert all(isinstance(c.verdict, Verdict) for c in res.claims)
    assert res.claim("L3.6(vi)").hypotheses_met in (True, False, None)
    assert res.theory.m == 30 and len(res.trajectory["loss"]) == 7
    # the recorded losses are those of an independent replay on the same (normalized) data and initialization
    from verifier.data import from_arrays
    from verifier.engine import init_params

    ds = from_arrays(X, y)
    p0 = init_params(30, 4, 0)
    ref = gd_losses(ds.X, ds.y, p0.A, p0.W, p0.u, p0.v, 0.2, res.summary["setting"]["step_size"], 6)
    np.testing.assert_allclose(res.trajectory["loss"], ref, rtol=1e-8)
    written = verifier.run(X=X, y=y, width=30, steps=2, gamma=0.2, audit=False, certify=False, out=tmp_path / "r")
    assert written.paths["summary.json"].is_file()
    with pytest.raises(verifier.SettingError, match=r"^width must be"):
        verifier.run(X=X, y=y, width=0)
    with pytest.raises(verifier.SettingError, match="X and y must be given together"):
        verifier.check(X=X)
    chk = verifier.check(X=X, y=y, width=30)
    assert chk.claim("L3.3").hypotheses_met is False and "conclusion" in chk.claim("L3.3").record  # at init
    assert "conclusion" not in chk.claim("L3.6(i)").record                                  # needs training
