"""Formal bound verification toolkit for Gao et al. (ICLR 2022), deep ReLU implicit networks.

The public surface is exactly ``__all__``; everything else is internal and may change.
"""
__version__ = "0.1.0"

from .certify import Certificate, certify_contraction, certify_lambda0
from .data import DataError, Dataset, check_a2, load_dataset
from .engine import Params, SolveError, TrainConfig, Trajectory, evaluate, init_params, solve_adjoint, solve_forward, train_gd
from .engine.ntk import ntk_terms
from .api import CheckResult, ClaimSummary, RunResult, check, run
from .setting import Setting, SettingError
from .theory.kernel import arccos_kernel, gram_inf, gram_monte_carlo, lambda0
from .theory.randmat import c_empirical, c_of_delta

__all__ = [
    "__version__",
    "DataError", "Dataset", "check_a2", "load_dataset",
    "Params", "SolveError", "TrainConfig", "Trajectory", "evaluate", "init_params", "solve_adjoint",
    "solve_forward", "train_gd", "ntk_terms",
    "Setting", "SettingError", "check", "run", "RunResult", "CheckResult", "ClaimSummary",
    "arccos_kernel", "gram_inf", "gram_monte_carlo", "lambda0",
    "c_empirical", "c_of_delta",
    "Certificate", "certify_contraction", "certify_lambda0",
]
