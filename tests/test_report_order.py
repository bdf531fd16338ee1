"""The report gives the answer first and the source notes after the results (issue 18)."""

from __future__ import annotations

from detente.report.catalog import registered_sections
from detente.report.core_sections import source_notes
from detente.report.html import build_report
from detente.scenario import load_scenario
from detente.scenario.io import parse_yaml
from tests.conftest import TWO_ISSUES


def test_summary_first_and_notes_after_every_result() -> None:
    names = [s.name for s in registered_sections()]
    assert names[0] == "summary"
    results = ("forecasts", "stakeholders", "comparison", "rounds", "montecarlo", "campaign")
    assert all(names.index("notes") > names.index(r) for r in results)


def test_the_summary_carries_each_issue_and_the_compromise_forecast() -> None:
    from detente.models import get_model

    toy = parse_yaml(TWO_ISSUES, source="toy.yaml")
    html = build_report(toy, options={"draws": 50, "sobol_n": 8})
    summary = html[html.index('id="summary"') : html.index('id="scenario"')]
    forecast = get_model("compromise").predict(toy)
    for issue in toy.issue_names:
        assert f"<td>{issue}</td>" in summary
        assert f"{forecast.outcome(issue):.1f}" in summary
    # every note is still in the report, after the forecasts
    notes = html.index('id="notes"')
    assert notes > html.index('id="forecasts"')
    for _, _, note in source_notes(toy):
        assert note in html[notes:]


def test_the_builtin_case_answers_within_the_first_screens() -> None:
    """The forecasts used to start ~7,300 px down, after 76 notes; now the summary is the
    first section and the notes table sits after the campaign."""
    sc = load_scenario("ukraine-2024")
    names = [s.name for s in registered_sections()]
    assert names.index("summary") < names.index("scenario") < names.index("notes")
    assert len(source_notes(sc)) > 30
