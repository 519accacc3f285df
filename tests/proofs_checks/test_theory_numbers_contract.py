"""TheoryNumbers and the envelopes the figures draw, field by field (written against mutation testing).

Expected values are the paper's printed formulas (the statements' docstrings and the paper), written
out here by hand with `math`, at the hidden constants the registry lists (a constant is an input, not a
result). Nothing is read back from the code under test except the object being checked.
"""
import dataclasses
import json
import math

import numpy as np
import pytest

from proofs_checks.hidden_constants import HIDDEN_CONSTANTS
from proofs_checks.theory_numbers import (
    DERIVED,
    TheoryInputs,
    TheoryNumbers,
    envelopes,
    loss_envelope,
    theory_numbers,
)
from verifier.summary import dumps

IN = TheoryInputs(n=20, d=8, m=4000, gamma=0.1, step_size=1e-3, delta=0.05, lambda0=0.03, norm_X=3.1, c=2.2,
                  r0_norm=6.5)


def _by_hand(inp: TheoryInputs, C: dict) -> dict:
    """Every DERIVED number from the printed statements (L2.2, L3.3-L3.6, T3.1, T3.2, A.7, A.8)."""
    n, m, lam, c, nX, r0, a, dl = inp.n, inp.m, inp.lambda0, inp.c, inp.norm_X, inp.r0_norm, inp.step_size, inp.delta
    log, sq = math.log(n / dl), math.sqrt(m)
    return {
        "gamma_max": min(0.5, 1 / (4 * c)),
        "width_L3_3": C["C_width_L3.3"] * n**2 / lam**2 * log,
        "radius_L3_4": sq * lam / (16 * c * nX**2),
        "width_L3_5": C["C_width_L3.5"] * c**2 * n * nX**2 * r0**2 / lam**3,
        "u_bound_L3_5": 16 * c * math.sqrt(n) * r0 / lam,
        "v_bound_L3_5": 8 * c * math.sqrt(n) * r0 / lam,
        "W_drift_L3_5": 128 * c * n * r0**2 / (lam**2 * sq),
        "A_drift_L3_5": 64 * c * n * r0**2 / (lam**2 * sq),
        "c_min": C["C_c"] * math.sqrt(lam) / nX,
        "width_L3_6": C["C_width_L3.6"] * c**2 * n * nX**2 * r0**2 / lam**3,
        "step_L3_6": C["C_step_L3.6"] * lam / n**2,
        "u_bound_L3_6": 32 * c * math.sqrt(n) * r0 / lam,
        "v_bound_L3_6": 16 * c * math.sqrt(n) * r0 / lam,
        "W_drift_L3_6": 512 * c * n * r0**2 / (lam**2 * sq),
        "A_drift_L3_6": 256 * c * n * r0**2 / (lam**2 * sq),
        "rate_L3_6": 1 - a * lam / 2,
        "width_T3_1": C["C_width_T3.1"] * n**2 / lam**2 * log,
        "width_T3_2_printed": C["C_width_T3.2"] * n**2 / lam * log,
        "width_T3_2": C["C_width_T3.2"] * n**2 / lam**2 * log,
        "step_T3_2": C["C_step_T3.2"] * lam / n**2,
    }


def _proof_constants() -> dict:
    return {name: (h.proof_value if h.proof_value is not None else h.default) for name, h in HIDDEN_CONSTANTS.items()}


def test_every_number_by_hand_at_default_and_proof_constants():
    th = theory_numbers(IN)
    ones = {name: 1.0 for name in HIDDEN_CONSTANTS}
    assert set(_by_hand(IN, ones)) == set(DERIVED)
    for name, want in _by_hand(IN, ones).items():
        assert getattr(th, name) == pytest.approx(want, rel=1e-13), name
    for name, want in _by_hand(IN, _proof_constants()).items():
        assert getattr(th.at_proof_constants, name) == pytest.approx(want, rel=1e-13), name
    assert th.at_proof_constants.choice == "proof" and th.at_proof_constants.at_proof_constants is None
    assert th.at_proof_constants.inputs == IN and th.at_proof_constants.lambda0 == IN.lambda0
    assert th.at_proof_constants.hidden == _proof_constants() and th.hidden == ones


def test_other_inputs_reach_their_numbers():
    # a second input point with every input changed, so a swapped or dropped input shows
    inp = TheoryInputs(n=7, d=3, m=900, gamma=0.2, step_size=0.25, delta=0.3, lambda0=0.4, norm_X=1.7, c=0.1,
                       r0_norm=2.5)
    over = {"C_width_L3.3": 3.0, "C_step_L3.6": 0.5, "C_c": 2.0}
    th = theory_numbers(inp, over)
    C = {name: 1.0 for name in HIDDEN_CONSTANTS} | over
    for name, want in _by_hand(inp, C).items():
        assert getattr(th, name) == pytest.approx(want, rel=1e-13), name
    assert th.gamma_max == 0.5                      # 1/(4c) = 2.5 > 1/2
    assert th.hidden == C


def test_proof_choice_has_no_second_copy():
    th = theory_numbers(IN, choice="proof", explicit={"width_L3.6": 5.0}, gamma_max_delta=0.125)
    assert th.choice == "proof" and th.at_proof_constants is None
    assert th.hidden == _proof_constants()
    assert th.width_L3_6 == pytest.approx(_by_hand(IN, _proof_constants())["width_L3_6"], rel=1e-13)
    assert th.explicit == {"width_L3.6": 5.0} and th.gamma_max_delta == 0.125


def test_explicit_and_gamma_max_delta_reach_both_copies():
    th = theory_numbers(IN, explicit={"width_L3.6": 5.0}, gamma_max_delta=0.125)
    for t in (th, th.at_proof_constants):
        assert t.explicit == {"width_L3.6": 5.0} and t.gamma_max_delta == 0.125
    assert th.explicit_value("width_L3.6") == 5.0 and th.explicit_value("missing") is None
    plain = theory_numbers(IN)
    assert plain.explicit == {} and plain.at_proof_constants.explicit == {}
    assert math.isnan(plain.gamma_max_delta) and math.isnan(plain.at_proof_constants.gamma_max_delta)


def test_explicit_value_reads_json_strings():
    th = theory_numbers(IN, explicit={"a": "inf", "b": 3})
    assert th.explicit_value("a") == math.inf
    assert th.explicit_value("b") == 3.0 and isinstance(th.explicit_value("b"), float)


def test_constants_and_decay():
    th = theory_numbers(IN, {"C_c": 0.5})
    assert th.constants("C_c", "C_width_L3.6") == {"C_c": 0.5, "C_width_L3.6": 1.0, "constants_choice": "default"}
    assert th.at_proof_constants.constants("C_c") == {"C_c": 0.25, "constants_choice": "proof"}
    assert th.decay_L3_6 == pytest.approx(IN.step_size * IN.lambda0 / 2, rel=1e-15)


def test_missing_attribute_names_itself():
    th = theory_numbers(IN)
    with pytest.raises(AttributeError, match=r"^TheoryNumbers has no field 'width_L33'$"):
        th.width_L33   # noqa: B018
    assert (th.n, th.m, th.d, th.c, th.method) == (20, 4000, 8, 2.2, "gd")
    assert not hasattr(th, "nonsense")


@pytest.mark.parametrize("lam", [0.0, -0.25])
def test_nonpositive_lambda0_every_number(lam):
    th = theory_numbers(dataclasses.replace(IN, lambda0=lam))
    for t in (th, th.at_proof_constants):
        for name in DERIVED:
            v = getattr(t, name)
            if name.startswith("width"):
                assert v == math.inf, name
            elif name.startswith("step"):
                assert v == 0.0, name
            elif name == "gamma_max":            # the only number without lambda0
                assert v == pytest.approx(min(0.5, 1 / (4 * IN.c)))
            else:
                assert math.isnan(v), name


def test_undefined_arithmetic_gives_nan_not_an_error():
    th = theory_numbers(dataclasses.replace(IN, c=0.0))          # 1/(4c), 1/(16 c ||X||^2): division by zero
    assert math.isnan(th.gamma_max) and math.isnan(th.radius_L3_4)
    assert th.u_bound_L3_6 == 0.0 and th.width_L3_6 == 0.0
    th = theory_numbers(dataclasses.replace(IN, delta=-1.0))     # log(n/delta) of a negative number
    assert math.isnan(th.width_L3_3) and math.isnan(th.width_T3_1) and math.isnan(th.width_T3_2)
    assert th.step_L3_6 == pytest.approx(IN.lambda0 / IN.n**2)
    th = theory_numbers(dataclasses.replace(IN, c=1e200))        # c^2 overflows
    assert math.isnan(th.width_L3_6) and th.u_bound_L3_6 == pytest.approx(32e200 * math.sqrt(20) * 6.5 / 0.03)


def test_to_dict_keys_and_nested_proof_copy():
    th = theory_numbers(IN, explicit={"w": 1.0}, gamma_max_delta=0.25)
    d = th.to_dict()
    inputs = {f.name for f in dataclasses.fields(TheoryInputs)}
    assert set(d) == inputs | set(DERIVED) | {"choice", "hidden", "gamma_max_delta", "explicit", "decay_L3_6",
                                              "at_proof_constants"}
    assert d["decay_L3_6"] == pytest.approx(IN.step_size * IN.lambda0 / 2, rel=1e-15)
    assert d["choice"] == "default" and d["gamma_max_delta"] == 0.25 and d["explicit"] == {"w": 1.0}
    assert d["n"] == 20 and d["lambda0"] == 0.03 and d["method"] == "gd"
    assert set(d["at_proof_constants"]) == {"hidden"} | set(DERIVED)
    assert d["at_proof_constants"]["hidden"] == _proof_constants()
    assert d["at_proof_constants"]["width_L3_6"] == pytest.approx(_by_hand(IN, _proof_constants())["width_L3_6"])
    assert "at_proof_constants" not in theory_numbers(IN, choice="proof").to_dict()


def test_from_dict_round_trip_through_json():
    # no NaN (== compares the inputs); c_A = inf travels through JSON as the string "inf"
    inp = dataclasses.replace(IN, method="gf", lambda0=-1.0, t_final=2.5, lambda_max_G_inf=1.5, c_A=math.inf, c_W=2.0,
                              c_delta=2.5, c_delta_A=2.5, c_delta_W=2.4, contraction_0=0.25)
    th = theory_numbers(inp, {"C_c": 3.0}, explicit={"width_L3.5": math.inf}, gamma_max_delta=0.125)
    back = TheoryNumbers.from_dict(json.loads(dumps(th.to_dict())))
    assert back.inputs == th.inputs and back.method == "gf" and back.t_final == 2.5 and back.c_A == math.inf
    assert isinstance(back.n, int) and isinstance(back.m, int) and isinstance(back.d, int)
    assert back.width_L3_5 == math.inf and math.isnan(back.u_bound_L3_5) and back.step_L3_6 == 0.0
    assert back.choice == "default" and back.hidden == th.hidden and back.gamma_max_delta == 0.125
    assert back.explicit_value("width_L3.5") == math.inf
    p = back.at_proof_constants
    assert p.choice == "proof" and p.hidden == _proof_constants() and p.at_proof_constants is None
    assert p.explicit_value("width_L3.5") == math.inf and p.inputs == th.inputs
    for name in DERIVED:
        for a, b in ((back, th), (p, th.at_proof_constants)):
            va, vb = getattr(a, name), getattr(b, name)
            assert va == vb or (math.isnan(va) and math.isnan(vb)), name


def test_from_dict_of_an_older_summary():
    d = json.loads(dumps(theory_numbers(IN, choice="proof").to_dict()))
    del d["gamma_max_delta"], d["explicit"]
    back = TheoryNumbers.from_dict(d)
    assert back.at_proof_constants is None and back.choice == "proof" and back.explicit == {}
    assert math.isnan(back.gamma_max_delta)
    assert back.width_L3_3 == pytest.approx(_by_hand(IN, _proof_constants())["width_L3_3"], rel=1e-13)


# ---------------------------------------------------------------------------------------------- envelopes


@pytest.mark.parametrize("method", ["gd", "gf"])
def test_envelopes_every_curve_by_hand(method):
    inp = dataclasses.replace(IN, method=method, lambda0=0.5, step_size=0.5, c=1.5, r0_norm=2.0)
    th = theory_numbers(inp)
    steps, times = np.array([0, 1, 2, 5]), np.array([0.0, 0.5, 1.0, 4.0])
    env = envelopes(th, steps, times)
    assert set(env) == {"lambda_min_G", "u_norm", "v_norm", "W_norm_scaled", "A_norm_scaled", "contraction",
                        "residual_sq"}
    cu, cv = (16, 8) if method == "gf" else (32, 16)   # L3.5 (ii), (iii) for GF; L3.6 (ii), (iii) for GD
    want = {"lambda_min_G": 0.25, "u_norm": cu * 1.5 * math.sqrt(20) * 2.0 / 0.5,
            "v_norm": cv * 1.5 * math.sqrt(20) * 2.0 / 0.5, "W_norm_scaled": 3.0, "A_norm_scaled": 3.0,
            "contraction": 0.5}
    for key, value in want.items():
        assert env[key].shape == (4,) and env[key].dtype == np.float64, key
        np.testing.assert_allclose(env[key], value, rtol=1e-15, err_msg=key)
    if method == "gf":   # exp(-lambda0 t) ||r0||^2
        np.testing.assert_allclose(env["residual_sq"], 4.0 * np.exp(-0.5 * times), rtol=1e-15)
    else:                # (1 - alpha lambda0/2)^k ||r0||^2 = 4 (7/8)^k
        np.testing.assert_allclose(env["residual_sq"], 4.0 * 0.875 ** steps, rtol=1e-15)
    np.testing.assert_array_equal(loss_envelope(th, steps, times), env["residual_sq"])
