"""`python -m proofs_checks._audit_worker SETTING_JSON`: compute the proof audit of a setting into the on-disk
cache (proofs_checks._cache) and exit. A run starts it beside its training (verifier.pipeline) as a plain
subprocess, so nothing of the caller's program is re-imported or re-run in it."""
from __future__ import annotations

import json
import sys


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m proofs_checks._audit_worker SETTING_JSON", file=sys.stderr)
        return 2
    from .registry import audit

    audit(json.loads(args[0]))   # writes the cache entry
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
