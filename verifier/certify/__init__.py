"""Certified numbers: rigorous enclosures of lambda0 and of the well-posedness margin (issue 5).

Public API (everything else in this package is private):

* ``certify_gram_entries(X, backend="auto") -> GramEnclosure``: entrywise enclosure of G_inf for
  the exactly row-normalized float64 data (midpoint + radius, and a double-double refinement).
* ``certify_pd(M_mid, M_rad, t, method="auto") -> "proven" | "undecided"``: M - t I positive
  definite for every symmetric M in the interval matrix.
* ``certify_lambda0(X, rel_width=1e-8, method="auto") -> Certificate``: lambda0 = lambda_min(G_inf).
* ``certify_contraction(A, gamma) -> Certificate``: upper bound of (gamma/sqrt(m)) ||A||_2 (L2.2).
* ``Certificate``: quantity, lower, upper, status, method, precision, seconds, statement, details,
  ``verify()``, ``to_dict()``.

Rigour: binary64 round-to-nearest with a-priori bounds (u = 2^-53, gamma_k), error-free
transformations, and exact rationals; no libm function is trusted. Certificates fail closed.
python-flint (the "rigorous" extra) adds arb-ball enclosures used by ``verify()`` when installed.
"""
from .certificate import Certificate
from .contraction import certify_contraction
from .entries import GramEnclosure, certify_gram_entries
from .lambda0 import certify_lambda0
from .pd import certify_pd

__all__ = [
    "Certificate",
    "GramEnclosure",
    "certify_contraction",
    "certify_gram_entries",
    "certify_lambda0",
    "certify_pd",
]
