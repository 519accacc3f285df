"""Shared fixtures and hypothesis profiles.

Profiles: 'ci' (default; fast) and 'thorough' (HYPOTHESIS_PROFILE=thorough, many more examples).
Slow checks carry @pytest.mark.slow and run with `pytest -m slow`.
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from tests.helpers import unit_rows

settings.register_profile("ci", max_examples=15, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def small_problem():
    rng = np.random.default_rng(1234)
    X = unit_rows(rng, 6, 4)
    y = rng.standard_normal(6)
    return X, y
