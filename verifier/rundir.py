"""The run directory: atomic writes, and the checkpoint that makes a run resumable bit for bit.

checkpoint.npz holds the loop state of verifier.engine.train (parameters, warm starts Z/B, the
Lanczos start vectors of the recorded norms, GF's step size and FSAL gradient); trajectory.npz holds
everything recorded so far. Both are replaced atomically, so a kill at any moment leaves a
consistent pair.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .engine.model import Params
from .engine.train import NTK_KEYS, TRAJECTORY_KEYS

__all__ = ["atomic_savez", "atomic_write", "save_checkpoint", "load_checkpoint"]


def atomic_savez(path: Path, **arrays) -> None:
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def save_checkpoint(out: Path, state: dict, traj) -> None:
    """trajectory.npz (everything recorded so far) and checkpoint.npz (the loop state), atomically."""
    traj.save_npz(out / "trajectory.tmp.npz")
    os.replace(out / "trajectory.tmp.npz", out / "trajectory.npz")
    p = state["params"]
    arrays = {"kind": np.array(state["kind"]), "k": np.array(state["k"]), "t": np.array(state["t"]),
              "seconds": np.array(state["seconds"]), "A": p.A, "W": p.W, "u": p.u, "v": p.v}
    for key in ("Z", "B"):
        if state.get(key) is not None:
            arrays[key] = state[key]
    for key, vec in state.get("norm_vecs", {}).items():
        arrays[f"normvec_{key}"] = vec
    if state.get("h") is not None:
        arrays["h"] = np.array(state["h"])
    if state.get("grads") is not None:
        for name, g in zip("AWuv", state["grads"]):
            arrays[f"grad_{name}"] = g
    atomic_savez(out / "checkpoint.npz", **arrays)


def load_checkpoint(out: Path) -> dict:
    with np.load(out / "checkpoint.npz") as f:
        c = {k: f[k] for k in f.files}
    with np.load(out / "trajectory.npz") as f:
        records = {k: list(f[k]) for k in f.files if k in TRAJECTORY_KEYS or k in NTK_KEYS}
    return {"kind": str(c["kind"]), "k": int(c["k"]), "t": float(c["t"]), "seconds": float(c["seconds"]),
            "params": Params(c["A"], c["W"], c["u"], c["v"]), "Z": c.get("Z"), "B": c.get("B"),
            "norm_vecs": {k[len("normvec_"):]: v for k, v in c.items() if k.startswith("normvec_")},
            "h": float(c["h"]) if "h" in c else None,
            "grads": [c[f"grad_{n}"] for n in "AWuv"] if "grad_A" in c else None,
            "records": records}
