"""The report's tables: distance to the theory, shared hypothesis tables, worst slack without definitional points."""
import numpy as np
import pytest

from proofs_checks.theory_numbers import TheoryNumbers, envelopes
from verifier.report import headline, headline_tone
from verifier.report._format import fmt3, verdict_class
from verifier.report.tables import base_id, distance_rows, slack_after_definition, statement_groups


def _claims(summary, ids):
    return [c for c in summary["claims"] if c["id"] in ids]


def test_distance_numbers_are_the_claims_gap_values(summary):
    rows = distance_rows(summary)
    covered = set()
    for row in rows:
        entries = {e.key: e.value for e in row.entries()}
        for c in _claims(summary, row.ids):
            for k, v in (c.get("gap") or {}).items():
                assert entries[k] == v, (row.statement, k)   # unchanged, not recomputed
            covered.add(c["id"])
        assert len(entries) == len(row.entries())            # no key shown twice
    assert covered == {c["id"] for c in summary["claims"]}   # every statement has its row
    l36 = next(r for r in rows if r.statement.startswith("L3.6"))
    assert l36.ids == tuple(f"L3.6({t})" for t in ("i", "ii", "iii", "iv", "v", "vi"))
    width, step, decay = (l36.cell(col)[0] for col in ("width", "step", "decay"))
    gap_vi = _claims(summary, {"L3.6(vi)"})[0]["gap"]
    assert width == fmt3(gap_vi["required_width_over_used"])
    assert step == fmt3(gap_vi["used_step_over_allowed"])
    assert decay == fmt3(gap_vi["observed_over_guaranteed_decay"])
    # the words beside the ratio come from the hypothesis whose required/value is that ratio
    m = summary["setting"]["width"]
    assert l36.context["width"].endswith(f"uses {m}")
    assert l36.outside("width") is (gap_vi["required_width_over_used"] > 1)


def test_distance_table_in_both_reports_shows_those_numbers(small_run, summary):
    md = (small_run / "report.md").read_text()
    html = (small_run / "report.html").read_text()
    top_md = md.split('<a id="verdicts">')[0]
    top_html = html.split('id="verdicts"')[0]
    for row in distance_rows(summary):
        line = next(ln for ln in top_md.splitlines() if ln.startswith(f"| [{row.statement}]"))
        for e in row.entries():
            assert e.text in line, (row.statement, e.key)
            assert e.text in top_html
    # the distance table comes before the headline, the headline before the contents
    assert md.index("## Distance to the theory") < md.index("## Verdicts") < md.index("## Setting")
    assert html.index('id="distance"') < html.index('id="verdicts"') < html.index('class="toc"')


def test_numbered_conclusions_share_one_hypothesis_table(small_run, summary):
    groups = statement_groups(summary)
    l36 = [g for g in groups if g.base_id == "L3.6"]
    assert len(l36) == 1 and l36[0].shared
    assert [r.label for r in l36[0].rows] == ["(i)", "(ii)", "(iii)", "(iv)", "(v)", "(vi)"]
    assert list(l36[0].hypotheses) == _claims(summary, {"L3.6(i)"})[0]["hypotheses"]
    md = (small_run / "report.md").read_text()
    assert md.count("| hypothesis | value |") == len(groups) == len({base_id(c["id"]) for c in summary["claims"]})
    html = (small_run / "report.html").read_text()
    assert html.count("<th>hypothesis</th>") == len(groups)


def test_worst_slack_skips_the_point_where_the_envelope_is_the_observation(summary, trajectory):
    th = TheoryNumbers.from_dict(summary["theory"])
    env = envelopes(th, trajectory["step"], trajectory.get("time"))
    part = _claims(summary, {"L3.6(vi)"})[0]["conclusion"]["parts"][0]
    # the verdict's own slack: 0 at k = 0, where the envelope is ||r0||^2 by construction
    assert part["worst_step"] == 0 and part["worst_relative_slack"] == 0.0
    obs, bnd = np.asarray(trajectory["residual_sq"]), np.asarray(env["residual_sq"])
    assert obs[0] == bnd[0]
    slack = (bnd[1:] - obs[1:]) / np.maximum(np.abs(bnd[1:]), np.abs(obs[1:]))
    adj = slack_after_definition(part, trajectory, env)
    assert adj["worst_relative_slack"] == pytest.approx(slack.min(), rel=1e-12)
    assert adj["worst_step"] == int(trajectory["step"][1 + np.argmin(slack)]) > 0
    assert adj["bound_at_worst"] == bnd[1 + np.argmin(slack)]

    rows = {r.claim_id: r for g in statement_groups(summary, trajectory, env) for r in g.rows}
    for cid in ("L3.6(vi)", "T3.2"):
        assert rows[cid].after_definition and rows[cid].slack == adj["worst_relative_slack"]
        assert rows[cid].holds is True                     # the verdict itself is unchanged
    # nothing else is adjusted: other parts' worst points are not points of definition
    others = [r for r in rows.values() if r.claim_id not in ("L3.6(vi)", "T3.2")]
    assert others and not any(r.after_definition for r in others)


def test_slack_is_left_alone_when_the_worst_point_is_not_definitional(trajectory):
    th_env = {"residual_sq": np.asarray(trajectory["residual_sq"]) * 2}   # bound never equals the observation
    part = {"description": "x", "holds": True, "worst_relative_slack": 0.5, "worst_step": 0,
            "observed_at_worst": float(trajectory["residual_sq"][0]), "bound_at_worst": float(th_env["residual_sq"][0]),
            "steps_checked": len(trajectory["step"])}
    assert slack_after_definition(part, trajectory, th_env) is None
    assert slack_after_definition(dict(part, worst_step=3), trajectory, th_env) is None
    assert slack_after_definition(dict(part, steps_checked=1), trajectory, th_env) is None


def test_headline_says_first_that_the_run_stopped(summary):
    stopped = dict(summary, run=dict(summary["run"], stopped_reason="loss not finite", stopped_step=3))
    lines = headline(stopped)
    assert lines[0].startswith("The run stopped early at step 3")
    assert headline_tone(stopped) == "warn" and headline_tone(summary) in ("good", "warn")


@pytest.mark.parametrize("verdict,cls", [("counterexample", "no"), ("COUNTEREXAMPLE", "no"), ("confirmed", "yes"),
                                         ("holds_beyond_hypotheses", "yes"), ("holds_beyond_hypotheses", "yes"),
                                         ("violated_hypotheses_not_met", "warn"), ("undecided", "und"),
                                         ("failed_in_this_draw", "warn")])
def test_verdict_classes_accept_phrases_and_enum_names(verdict, cls):
    assert verdict_class(verdict) == cls
