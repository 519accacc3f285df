"""summary.json of real runs and checks validates against the JSON Schema kept in the repository, and the
schema rejects what it must (a verdict outside the fixed list, hypotheses_met as a phrase)."""
import copy
import json
from importlib import resources

import jsonschema
import pytest
from click.testing import CliRunner

from proofs_checks.verdict import Verdict
from verifier.cli import main


@pytest.fixture(scope="module")
def schema():
    return json.loads(resources.files("verifier").joinpath("schemas/summary.schema.json").read_text())


@pytest.fixture(scope="module")
def summaries(tmp_path_factory):
    out = []
    base = tmp_path_factory.mktemp("s")
    for i, extra in enumerate((["--steps", "4"], ["--method", "gf", "--steps", "4"],
                               ["--steps", "3", "--step-size", "1e6"])):
        d = base / f"r{i}"
        res = CliRunner().invoke(main, ["run", "--data", "synthetic:n=10,d=4", "--width", "30", "--quiet",
                                        "--no-audit", "--no-certify", "--out", str(d), *extra])
        assert res.exit_code in (0, 3), res.output
        out.append(json.loads((d / "summary.json").read_text()))
    res = CliRunner().invoke(main, ["check", "--data", "synthetic:n=10,d=4", "--width", "30", "--json", "--certify"])
    assert res.exit_code == 0, res.output
    out.append(json.loads(res.output))
    return out


def test_real_summaries_validate(schema, summaries):
    for s in summaries:
        jsonschema.validate(s, schema)
        assert s["schema"] == "verifier.summary/2"
        assert isinstance(s["has_counterexample"], bool)
        assert s["has_counterexample"] == any(c["verdict"] == "counterexample" for c in s["claims"])
    statuses = {s["run"]["status"] for s in summaries if "run" in s}
    assert statuses == {"completed", "stopped early"}


def test_schema_lists_exactly_the_verdicts(schema):
    enum = schema["properties"]["claims"]["items"]["properties"]["verdict"]["enum"]
    assert sorted(enum) == sorted(v.value for v in Verdict)


def test_schema_rejects_phrases_and_unknown_verdicts(schema, summaries):
    bad = copy.deepcopy(summaries[0])
    bad["claims"][0]["verdict"] = "holds beyond hypotheses"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = copy.deepcopy(summaries[0])
    bad["claims"][0]["hypotheses_met"] = "met"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = copy.deepcopy(summaries[0])
    del bad["versions"]["torch"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
