"""A small on-disk cache for results that depend only on the code (and a setting), never on a run's data.

Keyed by the package version and a hash of the sources of proofs_checks and verifier.theory, so any code
change starts afresh. Values are JSON (data, never code). VERIFIER_CACHE_DIR moves the cache (default
~/.cache/implicit-verifier); VERIFIER_NO_CACHE=1 turns it off. Writes go through a temporary file and a
rename, so concurrent runs never read a partial entry; an unwritable home only means recomputing.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

__all__ = ["cache_path", "read_json", "write_json"]


@functools.cache
def _source_digest() -> str:
    import verifier

    h = hashlib.sha256()
    for root in (Path(__file__).parent, Path(verifier.__file__).parent / "theory"):
        for f in sorted(root.glob("*.py")):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def cache_path(kind: str, setting: dict | None = None) -> Path | None:
    """Where `kind` computed for `setting` is kept, or None when caching is off."""
    if os.environ.get("VERIFIER_NO_CACHE"):
        return None
    import verifier
    from verifier.summary import to_json

    h = hashlib.sha256(_source_digest().encode())
    h.update(json.dumps(to_json(setting or {}), sort_keys=True).encode())
    base = Path(os.environ.get("VERIFIER_CACHE_DIR") or Path.home() / ".cache" / "implicit-verifier")
    return base / f"{kind}-{verifier.__version__}-{h.hexdigest()[:20]}.json"


def read_json(path: Path | None):
    """The cached value, or None when there is none or it cannot be read."""
    if path is None or not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_json(path: Path | None, value) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(value))
        os.replace(tmp, path)
    except OSError:
        pass
