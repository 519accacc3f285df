"""Formal bound verification toolkit for Gao et al. (ICLR 2022), deep ReLU implicit networks.

The public surface is exactly ``__all__``; everything else is internal and may change. Names are imported
on first use (PEP 562), so ``import verifier`` and ``verifier --help`` stay fast.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS = {
    "DataError": ".errors", "SettingError": ".errors",
    "Dataset": ".data", "check_a2": ".data", "load_dataset": ".data",
    "Params": ".engine", "SolveError": ".engine", "TrainConfig": ".engine", "Trajectory": ".engine",
    "evaluate": ".engine", "init_params": ".engine", "solve_adjoint": ".engine", "solve_forward": ".engine",
    "train_gd": ".engine", "ntk_terms": ".engine.ntk",
    "Setting": ".setting",
    "check": ".api", "run": ".api", "RunResult": ".api", "CheckResult": ".api", "ClaimSummary": ".api",
    "arccos_kernel": ".theory.kernel", "gram_inf": ".theory.kernel", "gram_monte_carlo": ".theory.kernel",
    "lambda0": ".theory.kernel",
    "c_empirical": ".theory.randmat", "c_of_delta": ".theory.randmat",
    "Certificate": ".certify", "certify_contraction": ".certify", "certify_lambda0": ".certify",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'verifier' has no attribute '{name}'")
    value = getattr(importlib.import_module(mod, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
