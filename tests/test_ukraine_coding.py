"""The built-in ukraine-2024 coding (issue 16, item 5): every number sourced, the rules as
documented, the campaign independent of the issue names, and the alternative-codings table
of docs/scenarios/ukraine-2024.md what benchmarks/ukraine_codings.py prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detente.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scenarios" / "ukraine-2024.md"


@pytest.fixture(scope="module")
def ukraine() -> Scenario:
    return load_scenario("ukraine-2024")


def test_every_number_and_rule_carries_a_note(ukraine: Scenario) -> None:
    for issue in ukraine.issues:
        assert issue.status_quo is not None and issue.status_quo.note, issue.name
        assert issue.decision is not None and issue.decision.note, issue.name
    for actor in ukraine.actors:
        assert actor.capability.note, actor.name
        for name, stance in actor.stances.items():
            for field in ("position", "stated", "salience", "clout"):
                number = getattr(stance, field)
                assert number is None or number.note, (actor.name, name, field)


def test_issue_clout_on_the_line_recognition_and_guarantees(ukraine: Scenario) -> None:
    for actor in ukraine.actors:
        for issue in ("territory", "recognition", "guarantees"):
            assert actor.stances[issue].clout is not None, (actor.name, issue)
    # China's 2007 CINC no longer outweighs the belligerents (the issue's complaint)
    arr = ukraine.arrays()
    weight = np.where(np.isnan(arr.position), 0.0, arr.capability * arr.salience)
    share = weight / weight.sum(axis=0)
    a = {name: i for i, name in enumerate(arr.actors)}
    i = {name: k for k, name in enumerate(arr.issues)}
    line, guarantees = i["territory"], i["guarantees"]
    assert share[a["Ukraine"], line] > 5 * share[a["China"], line]
    assert share[a["Ukraine"], guarantees] > share[a["China"], guarantees]
    # the knife edge the doc reports: Russia alone holds just over half of the line's weight
    assert 0.5 < share[a["Russia"], line] < 0.6


def test_the_campaign_does_not_depend_on_the_issue_names(ukraine: Scenario) -> None:
    data: dict[str, Any] = ukraine.model_dump(mode="python")
    rename = {name: f"issue_{k}" for k, name in enumerate(ukraine.issue_names)}
    for issue in data["issues"]:
        issue["name"] = rename[issue["name"]]
    for actor in data["actors"]:
        actor["stances"] = {rename[k]: v for k, v in actor["stances"].items()}
    data["levers"] = [lv for lv in data["levers"] if ".stances." not in str(lv["target"])]
    renamed = Scenario.model_validate(data)
    assert renamed.campaign == ukraine.campaign


def _tables(text: str) -> list[str]:
    """The markdown table rows of the alternative-codings section, in order."""
    section = text.split("## How much the forecast depends on the coding", 1)[1]
    section = section.split("**Reading the table.**", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def test_the_doc_table_is_what_the_script_prints() -> None:
    from benchmarks.ukraine_codings import markdown

    printed = [line for line in markdown().splitlines() if line.startswith("|")]
    assert _tables(DOC.read_text(encoding="utf-8")) == printed, (
        "docs/scenarios/ukraine-2024.md is out of date: paste the output of "
        "`python benchmarks/ukraine_codings.py` into its alternative-codings section"
    )
