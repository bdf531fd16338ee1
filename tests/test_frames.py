"""Tables (DECISIONS DESK-2, DESK-3, DESK-5): ``from_frame(to_frame(s))`` gives back the
scenario, every result's ``to_frame`` has its documented columns, and ``detente.compare``
gives one row per model and issue."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import detente
from detente.errors import DetenteError
from detente.models import Compromise, get_model
from detente.scenario import Scenario, from_frame, load_scenario, to_frame
from detente.scenario.validation import validate_scenario
from detente.uncertainty.compare import COMPARE_COLUMNS
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import with_default_spread
from detente.uncertainty.sensitivity import sensitivity
from detente.uncertainty.sweep import sweep


@pytest.fixture(scope="module")
def ukraine() -> Scenario:
    return load_scenario("ukraine-2024")


def test_ukraine_round_trips_exactly(ukraine: Scenario) -> None:
    assert from_frame(to_frame(ukraine)) == ukraine


def test_ukraine_round_trips_through_parquet(ukraine: Scenario, tmp_path: Any) -> None:
    path = tmp_path / "u.parquet"
    to_frame(ukraine).to_parquet(path)
    assert from_frame(pd.read_parquet(path)) == ukraine


def test_without_attrs_the_columns_keep_labels_and_status_quo(ukraine: Scenario) -> None:
    frame = to_frame(ukraine)
    frame.attrs.clear()
    again = from_frame(frame, name="u")
    assert again.name == "u"
    assert [i.low_label for i in again.issues] == [i.low_label for i in ukraine.issues]
    assert [i.status_quo and i.status_quo.value for i in again.issues] == [
        i.status_quo and i.status_quo.value for i in ukraine.issues
    ]
    np.testing.assert_array_equal(again.arrays().capability, ukraine.arrays().capability)
    np.testing.assert_array_equal(again.arrays().position, ukraine.arrays().position)


def test_an_edited_row_changes_only_that_number(ukraine: Scenario) -> None:
    frame = to_frame(ukraine)
    frame.loc[0, "position"] = 55.0
    again = from_frame(frame)
    actor, issue = frame.loc[0, "actor"], frame.loc[0, "issue"]
    assert again.actors[0].name == actor
    assert again.actors[0].stances[issue].position.value == 55.0
    assert again.actors[1] == ukraine.actors[1]
    assert again.campaign == ukraine.campaign


def test_conflicting_issue_columns_are_refused(ukraine: Scenario) -> None:
    frame = to_frame(ukraine)
    frame.loc[0, "status_quo"] = 12.0
    with pytest.raises(DetenteError, match="different status_quo values"):
        from_frame(frame)


NAMES = st.text(alphabet="abcdefgh éx", min_size=1, max_size=6).map(str.strip).filter(bool)
NOTES = st.none() | st.text(alphabet="abc ,.", min_size=1, max_size=8)


@st.composite
def small_scenarios(draw: st.DrawFn) -> Scenario:
    """A valid scenario of 1-3 issues and 1-4 actors, with labels, scales, status quo,
    notes, clouts and stated positions at random."""
    issues = []
    for name in draw(st.lists(NAMES, min_size=1, max_size=3, unique=True)):
        lo = draw(st.sampled_from([0.0, -10.0, 1.0]))
        hi = lo + draw(st.sampled_from([1.0, 100.0, 7.5]))
        sq = draw(st.none() | st.floats(lo, hi))
        issues.append({"name": name, "scale": [lo, hi], "low_label": draw(st.text(max_size=5)),
                       "high_label": draw(st.text(max_size=5)),
                       **({} if sq is None else {"status_quo": sq})})  # fmt: skip
    actors = []
    for k in range(draw(st.integers(1, 4))):
        stances: dict[str, Any] = {}
        for item in issues:
            if k and not draw(st.booleans()):
                continue
            lo, hi = item["scale"]
            stance: dict[str, Any] = {
                "position": {"value": draw(st.floats(lo, hi)), "note": draw(NOTES)},
                "salience": draw(st.floats(0, 100)),
            }
            if draw(st.booleans()):
                stance["clout"] = draw(st.floats(0, 1e6))
            if draw(st.booleans()):
                stance["stated"] = draw(st.floats(lo, hi))
            stances[item["name"]] = stance
        actors.append({"name": f"actor {k}", "capability": {"value": draw(st.floats(0, 1e6)),
                       "note": draw(NOTES)}, "stances": stances})  # fmt: skip
    data = {"name": draw(NAMES), "title": draw(st.text(max_size=10)), "issues": issues,
            "actors": actors}  # fmt: skip
    return validate_scenario(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_any_small_scenario_round_trips_exactly(scenario: Scenario) -> None:
    assert from_frame(to_frame(scenario)) == scenario


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios().filter(lambda s: all(a.stances for a in s.actors)))
def test_without_attrs_the_numbers_still_round_trip(scenario: Scenario) -> None:
    """Without the kept scenario (e.g. after a CSV), the columns still carry every number
    the models use (an actor without any stance has no row, so the strategy has none)."""
    frame = to_frame(scenario)
    frame.attrs.clear()
    again = from_frame(frame)
    a, b = again.arrays(), scenario.arrays()
    present = ~np.isnan(b.position)
    for field in ("status_quo", "scale", "position"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    for field in ("salience", "capability"):
        np.testing.assert_array_equal(getattr(a, field)[present], getattr(b, field)[present])
    assert [i.high_label for i in again.issues] == [i.high_label for i in scenario.issues]


def test_compare_has_one_row_per_model_and_issue(ukraine: Scenario) -> None:
    frame = detente.compare(ukraine, ["compromise", "median"])
    assert list(frame.columns) == list(COMPARE_COLUMNS)
    assert len(frame) == 2 * len(ukraine.issues)
    assert frame["p05"].isna().all()
    median = frame[(frame["model"] == "median") & (frame["issue"] == "territory")]
    assert median["outcome"].item() == get_model("median").predict(ukraine).outcome("territory")
    assert median["status_quo"].item() == ukraine.issue("territory").status_quo.value  # type: ignore[union-attr]


def test_compare_with_bands_brackets_nothing_it_should_not(ukraine: Scenario) -> None:
    frame = detente.compare("ukraine-2024", [Compromise()], bands=True, draws=40, seed=3)
    assert (frame["p05"] <= frame["p95"]).all()
    assert frame["fragile"].map(lambda v: isinstance(v, bool)).all()
    with pytest.raises(DetenteError, match="no model"):
        detente.compare(ukraine, [])


def test_sweep_frames(ukraine: Scenario) -> None:
    spread = with_default_spread(ukraine)
    result = sweep(spread, OutcomeModels(spread, [Compromise()]), 30, seed=1, progress=False)
    summary = result.to_frame()
    assert list(summary.columns) == [
        "model", "output", "n_draws", "mean", "sd", "p05", "p25", "p50", "p75", "p95",
    ]  # fmt: skip
    assert (summary["n_draws"] == 30).all() and len(summary) == len(ukraine.issues)
    assert (summary["p05"] <= summary["p95"]).all()
    draws = result.to_frame(draws=True)
    assert list(draws.columns) == ["model", "output", "draw", "value"]
    assert len(draws) == 30 * len(ukraine.issues)
    territory = draws[draws["output"] == "territory"]["value"].to_numpy()
    np.testing.assert_array_equal(territory, result.outcomes[("compromise", "territory")])


def test_sensitivity_frame_and_unpacking(ukraine: Scenario) -> None:
    result = sensitivity(ukraine, OutcomeModels(ukraine, [Compromise()]), n=8, progress=False)
    design, outputs, indices = result  # still a 3-tuple
    frame = result.to_frame()
    assert list(frame.columns) == [
        "model", "output", "parameter", "rank", "s1", "s1_conf", "st", "st_conf",
    ]  # fmt: skip
    assert frame.equals(indices) and frame is not indices
    assert set(frame["output"]) == set(ukraine.issue_names)
    assert len(outputs) == len(ukraine.issues) and design.n == 8


def test_war_run_frames(ukraine: Scenario) -> None:
    from detente.war.model import OUTPUTS, PATH_OUTPUTS, WarModel

    run = WarModel(paths=50).run(ukraine, seed=2, progress=False)
    frame = run.to_frame()
    assert list(frame.columns) == ["model", "output", "value", "unit", "description"]
    assert list(frame["output"]) == [o.name for o in OUTPUTS]
    p_deal = frame.set_index("output").loc["p_deal", "value"]
    assert p_deal == pytest.approx(float((run.paths.deal_week >= 0).mean()))
    paths = run.to_frame(per_path=True)
    assert list(paths.columns) == ["path", *(o.name for o in PATH_OUTPUTS)]
    assert len(paths) == 50


def test_durability_forecast_frame() -> None:
    from detente.durability.hazard import DurabilityForecast

    forecast = DurabilityForecast(
        deal={"guarantees": 1.0}, covariates={}, model="cox", horizons=(1.0, 5.0),
        p_holds=np.array([0.9, 0.7]), lower=np.array([0.8, 0.5]), upper=np.array([0.95, 0.8]),
        level=0.9, n_draws=100, seed=0, best=None,
    )  # fmt: skip
    frame = forecast.to_frame()
    assert list(frame.columns) == ["model", "years", "p_holds", "lower", "upper", "level"]
    assert frame["p_holds"].tolist() == [0.9, 0.7]


def test_cross_validation_frame() -> None:
    from detente.durability.evaluate import CrossValidation

    cv = CrossValidation(
        c_index=np.array([0.6, 0.7]), predicted_failure=np.zeros((5, 1)), horizons=(1.0,),
        folds=[np.array([0, 1]), np.array([2, 3, 4])], ibs=np.array([0.1, 0.2]),
    )  # fmt: skip
    frame = cv.to_frame()
    assert list(frame.columns) == ["fold", "n_test", "c_index", "c_index_uno", "ibs"]
    assert frame["n_test"].tolist() == [2, 3]
    assert frame["c_index_uno"].isna().all() and not math.isnan(frame["ibs"].iloc[1])


def test_ledger_frame() -> None:
    from detente.ledger.grade import graded_frame
    from detente.ledger.store import Ledger

    with Ledger(":memory:") as ledger:
        ledger.append([("grade", "q1", {"question_id": "q1", "outcome": 1, "scores": []})])
        frame = ledger.to_frame()
        assert list(frame.columns) == [
            "seq", "type", "question_id", "sealed_at", "forecaster", "hash",
        ]  # fmt: skip
        assert frame["seq"].tolist() == [1] and frame["type"].tolist() == ["grade"]
        assert list(graded_frame(ledger).columns) == [
            "question_id", "kind", "forecaster", "p", "outcome", "brier", "log", "crps",
        ]  # fmt: skip
