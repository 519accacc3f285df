"""TheoryNumbers: every requirement from its statement's sympy expression, checked against hand formulas."""
import dataclasses
import json
import math

import numpy as np
import pytest

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


def test_numbers_by_hand_at_both_constant_choices():
    th = theory_numbers(IN)
    n, lam, c, nX, r0, m = IN.n, IN.lambda0, IN.c, IN.norm_X, IN.r0_norm, IN.m
    log = math.log(n / IN.delta)
    assert th.width_L3_3 == pytest.approx(n**2 / lam**2 * log, rel=1e-13)
    assert th.at_proof_constants.width_L3_3 == pytest.approx(156 * n**2 / lam**2 * log, rel=1e-13)
    assert th.width_L3_6 == pytest.approx(c**2 * n * nX**2 * r0**2 / lam**3, rel=1e-13)
    assert th.at_proof_constants.width_L3_6 == pytest.approx(8192 * c**2 * n * nX**2 * r0**2 / lam**3, rel=1e-13)
    assert th.radius_L3_4 == pytest.approx(math.sqrt(m) * lam / (16 * c * nX**2), rel=1e-13)
    assert th.gamma_max == pytest.approx(min(0.5, 1 / (4 * c)))
    assert th.width_T3_2_printed / th.width_T3_2 == pytest.approx(lam)
    assert th.rate_L3_6 == pytest.approx(1 - IN.step_size * lam / 2)
    assert th.u_bound_L3_6 == pytest.approx(32 * c * math.sqrt(n) * r0 / lam)
    assert th.v_bound_L3_5 == pytest.approx(8 * c * math.sqrt(n) * r0 / lam)
    assert th.hidden["C_width_L3.3"] == 1.0 and th.choice == "default"


def test_override_changes_only_its_quantity():
    base, over = theory_numbers(IN), theory_numbers(IN, {"C_width_L3.3": 3.0})
    assert over.width_L3_3 == pytest.approx(3 * base.width_L3_3)
    assert over.width_T3_1 == base.width_T3_1 and over.width_L3_6 == base.width_L3_6
    assert over.hidden["C_width_L3.3"] == 3.0


def test_frozen_typed_and_misspelt_field_is_an_error():
    th = theory_numbers(IN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        th.width_L3_3 = 1.0
    with pytest.raises(AttributeError):
        th.width_L33   # noqa: B018
    assert th.lambda0 == IN.lambda0          # inputs read through


def test_nonpositive_lambda0_makes_widths_infinite():
    th = theory_numbers(dataclasses.replace(IN, lambda0=-1e-9))
    assert th.width_L3_3 == math.inf and th.width_L3_6 == math.inf and th.step_L3_6 == 0.0


def test_json_round_trip():
    th = theory_numbers(IN, explicit={"width_L3.6": 1e20})
    back = TheoryNumbers.from_dict(json.loads(dumps(th.to_dict())))
    for name in DERIVED:
        assert getattr(back, name) == getattr(th, name)
        assert getattr(back.at_proof_constants, name) == getattr(th.at_proof_constants, name)
    assert back.explicit == th.explicit and back.hidden == th.hidden


def test_one_envelope_for_verdicts_and_figures_even_when_the_rate_is_negative():
    th = theory_numbers(dataclasses.replace(IN, step_size=3.0 / IN.lambda0))   # 1 - alpha lambda0/2 = -1/2
    k = np.arange(5)
    env = loss_envelope(th, k)
    np.testing.assert_allclose(env, IN.r0_norm**2 * (-0.5) ** k, rtol=1e-15)   # literal, as printed
    np.testing.assert_array_equal(envelopes(th, k)["residual_sq"], env)
    gf = theory_numbers(dataclasses.replace(IN, method="gf"))
    t = np.linspace(0, 3, 4)
    np.testing.assert_allclose(loss_envelope(gf, k[:4], t), IN.r0_norm**2 * np.exp(-IN.lambda0 * t), rtol=1e-15)
