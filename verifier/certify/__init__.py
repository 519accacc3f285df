"""Certified numbers: rigorous enclosures of lambda0 (eq. 17) and of the well-posedness margin (L2.2).

Public API (everything else in this package is private):

* ``certify_gram_entries(X, backend="auto") -> GramEnclosure``: entrywise enclosure of G_inf for
  the exactly row-normalized float64 data (midpoint + radius, and a double-double refinement).
* ``certify_pd(M_mid, M_rad, t, method="auto") -> "proven" | "undecided"``: M - t I positive
  definite for every symmetric M in the interval matrix.
* ``certify_lambda0(X, rel_width=1e-8, method="auto") -> Certificate``: lambda0 = lambda_min(G_inf).
* ``certify_contraction(A, gamma) -> Certificate``: upper bound of (gamma/sqrt(m)) ||A||_2 (L2.2).
* ``Certificate``: quantity, lower, upper, status, method, precision, seconds, statement, details,
  reason, ``verify()`` (a ``Verification``: truthy iff confirmed, with the reason and the backend
  it re-checked with; never raises), ``to_dict()``.
* ``CertifyInputError`` (a ValueError): an argument no proof covers (complex, bool, NaN, a value
  that is not exactly a float64 number, such as an int64 above 2^53 or gamma = Fraction(1, 3)).

Rigour: binary64 round-to-nearest with a-priori bounds (u = 2^-53, gamma_k), error-free
transformations, and exact rationals; no libm function is trusted. The floating-point environment
(round to nearest even, gradual underflow) is tested before every certificate, not assumed.
Certificates fail closed: "undecided" with the reason when the environment, the magnitudes or the
arithmetic do not allow a proof, when the bounds contradict each other, or when the re-check
(``verify()``, run before a certificate is returned) does not confirm them.
python-flint (the "rigorous" extra) adds arb-ball enclosures used by ``verify()`` when installed.
"""
from ._inputs import CertifyInputError
from .certificate import Certificate, Verification
from .contraction import certify_contraction
from .entries import GramEnclosure, certify_gram_entries
from .lambda0 import certify_lambda0
from .pd import certify_pd

__all__ = [
    "Certificate",
    "CertifyInputError",
    "GramEnclosure",
    "certify_contraction",
    "certify_gram_entries",
    "certify_lambda0",
    "certify_pd",
    "Verification",
]
