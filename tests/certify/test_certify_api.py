"""The public surface of verifier.certify and the Certificate object."""
import inspect
import json
import math

import numpy as np
import pytest

import verifier.certify as certify
from verifier.certify import Certificate


def test_all_is_honest():
    public = {name for name, obj in vars(certify).items()
              if not name.startswith("_") and not inspect.ismodule(obj)}
    assert set(certify.__all__) == public
    assert {"certify_lambda0", "certify_gram_entries", "certify_pd", "certify_contraction",
            "Certificate"} <= set(certify.__all__)


def test_signatures():
    p = inspect.signature(certify.certify_lambda0).parameters
    assert list(p)[:2] == ["X", "rel_width"] and p["rel_width"].default == 1e-8
    assert p["method"].kind is inspect.Parameter.KEYWORD_ONLY and p["method"].default == "auto"
    p = inspect.signature(certify.certify_contraction).parameters
    assert list(p)[:2] == ["A", "gamma"]
    assert p["recheck"].kind is inspect.Parameter.KEYWORD_ONLY and p["recheck"].default is True
    assert list(inspect.signature(certify.certify_pd).parameters)[:3] == ["M_mid", "M_rad", "t"]


def test_certificate_roundtrip_and_fail_closed():
    c = Certificate(quantity="q", lower=-math.inf, upper=1.0, status="proven", method="m",
                    precision="p", seconds=0.1, statement="s", details={"x": np.float64(2.0),
                                                                         "y": [np.int64(1), math.nan]})
    d = c.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["lower"] is None and d["details"] == {"x": 2.0, "y": [1, None]}
    c2 = Certificate.from_dict(d)
    assert c2.upper == 1.0 and c2.contains(0.5) and not c2.contains(2.0)
    v = c2.verify()  # nothing to re-check with: falsy, with the reason, never an exception
    assert not v and "no data" in v.reason and c2.status == "proven"
    with pytest.raises(ValueError):
        Certificate(quantity="q", lower=0, upper=1, status="maybe", method="m", precision="p",
                    seconds=0, statement="s")


def test_undecided_never_verifies():
    rng = np.random.default_rng(0)
    cert = certify.certify_lambda0(rng.standard_normal((5, 3)))
    v = cert.verify()
    assert v and v.ok and v.completed and isinstance(v, certify.Verification)
    cert.status = "undecided"
    v = cert.verify()
    assert not v and "undecided" in v.reason


def test_status_and_reason_in_the_record():
    rng = np.random.default_rng(0)
    d = certify.certify_contraction(rng.standard_normal((4, 4)), 0.5).to_dict()
    assert d["status"] == "proven" and d["reason"] == ""
    assert d["details"]["verification"]["ok"] is True
