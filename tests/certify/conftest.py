"""tests/certify: make the reference helpers (certify_refs.py) importable under --import-mode=importlib."""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)
