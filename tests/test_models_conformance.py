"""The conformance suite every registered model must pass (cf. scikit-learn's check_estimator).

Every model of :data:`detente.registry.REGISTRY` (outcome, war, durability, calibration)
passes :func:`detente.testing.check_model`; the outcome models of :data:`detente.models.MODELS`
pass the outcome-specific checks below as well. Registering a model enrols it here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

import numpy as np
import pytest

from detente.backtest.baselines import ActorPosition, ReferencePoint, UnweightedMedian
from detente.calibration.territory import read_territory_series
from detente.durability.data import read_agreements
from detente.models import MODELS, Forecast, IssueDraws, IssueProblem, IssueSolution, OutcomeModel
from detente.models.procedural import ProceduralCompromise
from detente.registry import REGISTRY
from detente.scenario import Scenario, from_frame, load_scenario, to_frame
from detente.testing import check_model, constructor_params

MODEL_NAMES = sorted(MODELS)
SPREAD = ("test_every_registered_model_passes_check_model",)
"""Each registered model's check a work unit of the test workers (tests/conftest.py)."""


def _random_problem(seed: int, n: int = 7, with_sq: bool = True) -> IssueProblem:
    rng = np.random.default_rng(seed)
    return IssueProblem(
        actors=tuple(f"a{k}" for k in range(n)),
        position=rng.uniform(0, 100, n).round(1),
        salience=rng.uniform(10, 100, n).round(1),
        capability=rng.uniform(1, 10, n).round(2),
        status_quo=float(rng.uniform(0, 100)) if with_sq else float("nan"),
    )


def _solve(model: OutcomeModel, problem: IssueProblem) -> float:
    return float(model.solve_issue(problem).outcome)


@pytest.fixture(params=MODEL_NAMES)
def model(request: pytest.FixtureRequest) -> OutcomeModel:
    return MODELS[request.param]()


def test_registry_metadata(model: OutcomeModel) -> None:
    assert model.name in MODELS and MODELS[model.name] is type(model)
    assert model.label and model.reference


def _other_values(cls: type[OutcomeModel]) -> dict[str, Any]:
    """Another valid value for each constructor parameter whose annotation says what is valid:
    a bool flipped, an int plus one, a float halved, another member of a Literal."""
    hints = get_type_hints(cls.__init__)
    other: dict[str, Any] = {}
    for name, p in constructor_params(cls).items():
        hint, default = hints.get(name), p.default
        if get_origin(hint) is Literal:
            choices = [c for c in get_args(hint) if c != default]
            if choices:
                other[name] = choices[0]
        elif isinstance(default, bool):
            other[name] = not default
        elif isinstance(default, int):
            other[name] = default + 1
        elif isinstance(default, float) and default != 0:
            other[name] = default / 2
    return other


def test_get_params_returns_the_constructor_arguments(model: OutcomeModel) -> None:
    cls = type(model)
    params = constructor_params(cls)
    assert model.get_params() == {name: p.default for name, p in params.items()}
    # every argument comes back as the very object passed, under its own name
    passed = {name: object() for name in params}
    got = cls(**passed).get_params()
    assert got.keys() == passed.keys()
    for name, value in passed.items():
        assert got[name] is value, name


def test_a_clone_keeps_changed_params_and_their_behaviour(
    model: OutcomeModel, toy: Scenario
) -> None:
    cls = type(model)
    changed = cls(**_other_values(cls))
    clone = cls(**changed.get_params())
    assert clone.get_params() == changed.get_params() and repr(clone) == repr(changed)
    problems = [_random_problem(seed) for seed in range(4)]
    assert clone.predict(toy).to_dict() == changed.predict(toy).to_dict()
    assert [_solve(clone, p) for p in problems] == [_solve(changed, p) for p in problems]
    if _other_values(cls):
        # the changes show in the answers, so a clone that lost one would be caught above
        default = cls()
        assert changed.predict(toy).to_dict() != default.predict(toy).to_dict() or any(
            _solve(changed, p) != _solve(default, p) for p in problems
        )


def test_predict_covers_every_issue(model: OutcomeModel, toy: Scenario) -> None:
    forecast = model.predict(toy)
    assert isinstance(forecast, Forecast)
    assert forecast.model == model.name and forecast.scenario == toy.name
    assert [f.issue for f in forecast.issues] == toy.issue_names
    assert forecast["b"].actors == ("X", "Y")  # Z takes no stance on b
    for f in forecast.issues:
        assert np.isfinite(f.outcome)
        if f.trajectory is not None:
            assert f.trajectory.shape[1] == len(f.actors)
            arr = toy.arrays()
            first = arr.position[:, toy.issue_names.index(f.issue)]
            np.testing.assert_allclose(f.trajectory[0], first[~np.isnan(first)])
            assert f.outcome_path is not None and len(f.outcome_path) == len(f.trajectory)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("with_sq", [True, False])
def test_outcome_within_positions_and_status_quo(
    model: OutcomeModel, seed: int, with_sq: bool
) -> None:
    problem = _random_problem(seed, with_sq=with_sq)
    outcome = _solve(model, problem)
    points = np.append(problem.position, problem.status_quo if with_sq else [])
    assert points.min() - 1e-6 <= outcome <= points.max() + 1e-6


def test_unanimity(model: OutcomeModel) -> None:
    problem = _random_problem(1)
    same = replace(problem, position=np.full(len(problem.actors), 37.0), status_quo=np.nan)
    assert _solve(model, same) == pytest.approx(37.0, abs=1e-6)


def test_single_actor(model: OutcomeModel) -> None:
    one = IssueProblem(
        actors=("solo",),
        position=np.array([62.0]),
        salience=np.array([50.0]),
        capability=np.array([1.0]),
    )
    assert _solve(model, one) == pytest.approx(62.0, abs=1e-6)


def test_zero_salience_everywhere_is_defined(model: OutcomeModel) -> None:
    problem = _random_problem(2)
    flat = replace(problem, salience=np.zeros_like(problem.salience))
    assert np.isfinite(_solve(model, flat))


@pytest.mark.parametrize("seed", range(3))
def test_actor_order_does_not_matter(model: OutcomeModel, seed: int) -> None:
    problem = _random_problem(seed)
    order = np.random.default_rng(99).permutation(len(problem.actors))
    shuffled = IssueProblem(
        actors=tuple(np.asarray(problem.actors)[order]),
        position=problem.position[order],
        salience=problem.salience[order],
        capability=problem.capability[order],
        status_quo=problem.status_quo,
    )
    assert _solve(model, shuffled) == pytest.approx(_solve(model, problem), abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_capability_units_do_not_matter(model: OutcomeModel, seed: int) -> None:
    problem = _random_problem(seed)
    rescaled = replace(problem, capability=problem.capability * 1000.0)
    assert _solve(model, rescaled) == pytest.approx(_solve(model, problem), abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_mirrored_scale_mirrors_the_outcome(model: OutcomeModel, seed: int) -> None:
    problem = _random_problem(seed)
    mirrored = replace(
        problem, position=100.0 - problem.position, status_quo=100.0 - problem.status_quo
    )
    assert _solve(model, mirrored) == pytest.approx(100.0 - _solve(model, problem), abs=1e-6)


def test_deterministic(model: OutcomeModel, toy: Scenario) -> None:
    assert model.predict(toy).to_dict() == model.predict(toy).to_dict()


def test_frame_round_trip_gives_same_forecast(model: OutcomeModel, toy: Scenario) -> None:
    issues = {i.name: i.model_dump(exclude={"name"}) for i in toy.issues}
    again = from_frame(to_frame(toy), name=toy.name, issues=issues)
    for a, b in zip(model.predict(toy).issues, model.predict(again).issues, strict=True):
        assert a.outcome == pytest.approx(b.outcome, abs=1e-9)


# -- the model contract over the whole registry (detente.testing.check_model) -------------

CHEAP: dict[str, dict[str, Any]] = {
    "war": {"paths": 100},
    "territory": {"bootstrap": 5},
    # two penalties by 3-fold grouped CV: the choice still runs (tests/test_durability.py
    # checks the packaged grid's choice); 5 x 5 folds took 30 s of the suite (PERF-5)
    "cox_cv": {"penalizers": (0.03, 0.3), "folds": 3},
}
"""Settings that keep a model's run short in the suite (the checks do not depend on them)."""


def _inputs(cls: type[Any], toy: Scenario, shared: Callable[[], Path]) -> Any:
    """What the model's ``tags.input`` says it takes: the toy scenario, ukraine-2024 (a
    campaign), the UCDP development split or the DeepState series."""
    if cls.tags.input == "scenario":
        return load_scenario("ukraine-2024") if cls.tags.needs_campaign else toy
    if cls.tags.input == "agreements":
        folder = shared() / "validation" / "conflict"
        return read_agreements(folder / "ucdp_peace_agreements_v22.1.csv").frame
    return read_territory_series(shared() / "ukraine_occupied_area_deepstate.csv")


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_registered_model_passes_check_model(
    name: str, toy: Scenario, request: pytest.FixtureRequest
) -> None:
    cls = REGISTRY[name]
    inputs = _inputs(cls, toy, lambda: request.getfixturevalue("shared_data"))
    check_model(cls, inputs, **CHEAP.get(name, {}))


class _StoresTooMuch(OutcomeModel):
    name = "stores_too_much"
    label = "a model whose constructor derives state"
    reference = "none"

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight
        self.cache_: dict[str, float] = {}  # state beyond the arguments: forbidden

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        return IssueSolution(outcome=float(np.mean(problem.position)))


class _BatchDisagrees(OutcomeModel):
    name = "batch_disagrees"
    label = "a model whose batch path is not its single path"
    reference = "none"

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        return IssueSolution(outcome=float(np.mean(problem.position)))

    def solve_draws(self, draws: IssueDraws) -> np.ndarray:
        return np.asarray(draws.position.mean(axis=-1) + 1.0)


class _IgnoresTheRule(OutcomeModel):
    name = "ignores_the_rule"
    label = "a model whose forecast drops the decision rule's flag"
    reference = "none"

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        return IssueSolution(outcome=float(np.mean(problem.position)))

    def predict(self, scenario: Scenario) -> Forecast:
        forecast = super().predict(scenario)
        unflagged = tuple(replace(f, flagged=False) for f in forecast.issues)
        return replace(forecast, issues=unflagged)


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (_StoresTooMuch, "sets \\[.cache_.\\]"),
        (_BatchDisagrees, "evaluate\\(\\) gives"),
        (_IgnoresTheRule, "veto player 'low', outcome 53.3333: flagged=False"),
    ],
)
def test_check_model_catches_a_broken_model(cls: type[Any], message: str, toy: Scenario) -> None:
    with pytest.raises(AssertionError, match=message):
        check_model(cls, toy)


@pytest.mark.parametrize(
    "cls", [ProceduralCompromise, ReferencePoint, ActorPosition, UnweightedMedian],
    ids=lambda c: c.name,
)  # fmt: skip
def test_the_procedural_model_and_the_baselines_pass_check_model(
    cls: type[OutcomeModel], toy: Scenario
) -> None:
    """Not registered (the DEU backtest uses them), but behind the same contract."""
    check_model(cls, toy)
