"""L3.5 on a gradient-flow run: conclusions (i)-(vi) with shared hypotheses; nothing on a GD run."""
import numpy as np
import pytest

import proofs_checks as pc
from tests.helpers import crafted_run, judged


def test_gf_run_gets_l35_and_t31_and_gd_run_does_not():
    th, traj = crafted_run(method="gf", residual_sq=4.0 * np.exp(-0.5 * 1e-4 * np.arange(6)))
    by = judged(th, traj)
    assert [i for i in by if i.startswith("L3.5")] == [f"L3.5({t})" for t in ("i", "ii", "iii", "iv", "v", "vi")]
    assert "T3.1" in by and "L3.6(i)" not in by and "T3.2" not in by
    assert by["L3.5(vi)"]["verdict"] == "confirmed"
    th, traj = crafted_run(method="gd")
    assert not any(i.startswith(("L3.5", "T3.1")) for i in judged(th, traj))


def test_gf_rate_violation():
    th, traj = crafted_run(method="gf", residual_sq=np.full(6, 4.0) * np.array([1, 1, 1, 1.01, 1, 1]))
    c = judged(th, traj)["L3.5(vi)"]
    assert c["conclusion"]["holds"] is False and c["conclusion"]["parts"][0]["first_violation_step"] == 1


def test_l35_conclusion_iii_conflicts_with_width():
    rows = {r["name"]: r["value"] for r in pc.explicit_constants(10, 0.05, 2.0, 2.5, 4.0)}
    assert rows["width_L3.5"] / rows["width_max_for_L3.5(iii)_at_t0"] == pytest.approx(32 * 2.5**2 / 0.05)
