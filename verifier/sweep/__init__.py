"""Sweeps: the paper's statements as families of runs, executed on Dask.

The statements speak of families ("for m large enough, with probability at least 1 - delta over the
initialization": L3.3, T3.1, T3.2). A sweep is a grid of ordinary runs (the code path of `verifier run`),
one cell per setting, run by dask.distributed; ``results.parquet`` holds one row per cell, and the sweep
report turns it into success probabilities with Clopper-Pearson intervals, empirical critical widths m*(n)
with fitted exponents beside the printed ones, and empirical hidden constants beside the proof-derived ones.

    from verifier.sweep import load_spec, run_sweep
    outcome = run_sweep(load_spec("sweep.toml"), "reports/sweeps/mine")

Names are loaded on first use, so `import verifier.sweep` stays light (the CLI imports it at start-up).
"""
import importlib

_WHERE = {
    "SpecError": "spec", "SweepOptions": "spec", "SweepSpec": "spec", "load_spec": "spec", "parse_spec": "spec",
    "Cell": "cells", "DataRef": "cells", "cell_memory_bytes": "cells", "expand": "cells",
    "SweepOutcome": "execute", "cell_state": "execute", "run_cell": "execute", "run_sweep": "execute",
    "PRESETS": "presets", "preset_spec": "presets", "preset_text": "presets",
    "write_sweep_report": "report",
    "linear_convergence": "results", "read_table": "results",
    "clopper_pearson": "stats", "critical_width": "stats",
}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'verifier.sweep' has no attribute '{name}'")


def __dir__():
    return __all__
