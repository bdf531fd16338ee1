"""The outcome models on the KTAB China 2014 cases with coded outcomes (DECISIONS DEU-8)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from detente.backtest.spatial import load_spatial_cases, score_spatial
from detente.errors import DetenteError
from detente.models import get_model
from detente.registry import outcome_models

FILE = "validation/spatial_cases/ktab_china_2014_with_outcomes_hamzagul07.json"


@pytest.fixture(scope="module")
def cases(shared_data: Path) -> list:  # type: ignore[type-arg]
    return load_spatial_cases(shared_data / FILE)


def test_the_two_cases_load_as_the_paper_prints_them(cases: list) -> None:  # type: ignore[type-arg]
    by_id = {c.case_id: c for c in cases}
    policy, cnpc = by_id["KTAB-CHINA-2014-POLICY"], by_id["KTAB-CHINA-2014-CNPC"]
    assert len(policy.problem.actors) == 26 and len(cnpc.problem.actors) == 34  # Tables 2, 3
    assert policy.problem.status_quo == 15.0  # the marker "approx. status quo 2014"
    assert cnpc.problem.status_quo == 0.0  # the 0 anchor "Status quo, no change"
    assert policy.outcomes["near_term_by_2017"][0] == 25.0
    assert cnpc.outcomes["long_run_by_2020"] == (60.0, (50.0, 65.0))


def test_every_model_is_scored_against_every_reading(cases: list) -> None:  # type: ignore[type-arg]
    models = {n: cls() for n, cls in outcome_models().items()}
    scores = score_spatial(cases, models)
    assert len(scores) == len(cases) * len(models) * 2
    assert np.allclose(scores.abs_error, (scores.predicted - scores.coded).abs())
    assert (scores.in_range == scores.predicted.between(scores.low, scores.high)).all()
    # the compromise is the capability x salience weighted mean (Achen 2006)
    problem = cases[0].problem
    mean = np.average(problem.position, weights=problem.capability * problem.salience)
    row = scores[(scores.model == "compromise") & (scores.case == cases[0].case_id)]
    assert row.predicted.iloc[0] == pytest.approx(mean)
    assert get_model("compromise").solve_issue(problem).outcome == pytest.approx(mean)


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ("not json", "is not JSON"),
        ({"cases": []}, "has no 'cases' list"),
        (
            {"cases": [{"case_id": "x", "actors": [{"id": "a"}], "outcomes": {}}]},
            "lacks 'position'",
        ),
        (
            {
                "cases": [
                    {
                        "case_id": "x",
                        "outcomes": {},
                        "actors": [{"id": "a", "position": "high", "capability": 1, "salience": 1}],
                    }
                ]
            },
            "cases[0].actors[0].position",
        ),
    ],
)
def test_a_malformed_file_is_one_line_naming_the_field(
    tmp_path: Path, doc: object, words: str
) -> None:
    path = tmp_path / "cases.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(DetenteError) as err:
        load_spatial_cases(path)
    assert words in str(err.value) and "\n" not in str(err.value)
    assert str(path) in str(err.value)
