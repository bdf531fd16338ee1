"""What a sweep computes on each draw: the outcome models, solved across draws at once, and
the war-termination model, solved draw by draw.

An *evaluator* (:class:`Evaluator`) is a picklable callable ``ScenarioDraws -> dict[(series,
output), (n,) array]`` with the list of uncertain numbers it draws (``numbers``).
:class:`OutcomeModels` is the evaluator of the registered outcome models: series = model
name, output = issue name, numbers = the scenario's distributions. :class:`CampaignModel` is
the war-termination model's: series ``"war"``, outputs :data:`CAMPAIGN_OUTPUTS`, numbers =
campaign parameters by dotted path, read from ``ScenarioDraws.values``.

Vectorisation: the compromise model and the weighted median take the draws as one more array
axis; BDM runs :func:`detente.models.bdm.simulate` with batch axis (draws, actors). Any other
model (Nash bargaining, which solves a one-dimensional optimisation per problem) is solved
draw by draw through its ``solve_issue`` (DECISIONS UNC-5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Literal, Protocol

import numpy as np

from detente.errors import DetenteError
from detente.models.base import IssueProblem, OutcomeModel, issue_problems
from detente.models.bdm import ExpectedUtility
from detente.models.compromise import Compromise, weighted_mean
from detente.models.median import WeightedMedian, weighted_median
from detente.scenario.overrides import with_overrides
from detente.spec.campaign import ESCALATION, Campaign, CampaignArrays
from detente.spec.scenario import Scenario
from detente.uncertainty.sampling import (
    CAMPAIGN_PREFIX,
    ScenarioDraws,
    UncertainNumber,
    uncertain_numbers,
)
from detente.war.simulate import Paths
from detente.war.simulate import simulate as simulate_paths
from detente.war.solver import Solution, solve

Outputs = dict[tuple[str, str], np.ndarray]
"""An evaluator's result: (series, output) -> (n draws,) values."""


class Evaluator(Protocol):
    """What a sweep computes on each draw: the numbers it draws, and the computation
    (the evaluator owns its list of numbers: DECISIONS UNC-16)."""

    numbers: list[UncertainNumber]
    """The uncertain numbers, in column order of the draws' uniforms."""

    def __call__(self, draws: ScenarioDraws) -> Outputs: ...


class OutcomeModels:
    """Evaluate outcome models on draws of one scenario, issue by issue.

    Parameters
    ----------
    scenario : the scenario the draws come from (for who takes part in which issue, and
        procedural context such as veto players).
    models : the models, in output order.
    """

    def __init__(self, scenario: Scenario, models: Sequence[OutcomeModel]) -> None:
        self.models = tuple(models)
        self.numbers = uncertain_numbers(scenario)
        self.problems = issue_problems(scenario)
        index = {name: k for k, name in enumerate(scenario.actor_names)}
        self.present = [
            np.array([index[a] for a in problem.actors], dtype=int) for _, problem in self.problems
        ]

    def outputs(self) -> list[tuple[str, str]]:
        """The (model, issue) keys, in the order of the results."""
        return [(m.name, issue) for m in self.models for issue, _ in self.problems]

    def __call__(self, draws: ScenarioDraws) -> Outputs:
        out: Outputs = {}
        for model in self.models:
            for i, (issue, problem) in enumerate(self.problems):
                idx = self.present[i]
                position = draws.position[:, idx, i]
                salience = draws.salience[:, idx, i]
                capability = draws.capability[:, idx, i]
                out[(model.name, issue)] = solve_batch(
                    model, problem, position, salience, capability, draws.status_quo[:, i]
                )
        return out


def solve_batch(
    model: OutcomeModel,
    problem: IssueProblem,
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    status_quo: np.ndarray,
) -> np.ndarray:
    """The model's outcome on each of ``len(position)`` versions of ``problem``, shape (n,).

    ``position``, ``salience``, ``capability``: (n, actors); ``status_quo``: (n,).
    """
    kind = type(model)
    if kind is Compromise:
        return np.asarray(weighted_mean(position, capability * salience), dtype=float)
    if kind is WeightedMedian:
        return np.asarray(weighted_median(position, capability * salience), dtype=float)
    if kind is ExpectedUtility:
        assert isinstance(model, ExpectedUtility)
        return model.run(position, salience, capability).final(model.outcome)
    # any other model: one solve per draw
    out = np.empty(position.shape[0])
    for d in range(position.shape[0]):
        version = replace(
            problem,
            position=position[d],
            salience=salience[d],
            capability=capability[d],
            status_quo=float(status_quo[d]),
        )
        out[d] = model.solve_issue(version).outcome
    return out


WAR = "war"
"""The series name of the war-termination model in sweeps, Sobol' analyses and the store."""

CAMPAIGN_OUTPUTS = (
    "p_deal",
    "p_deal_by",
    "p_escalation",
    "p_escalation_after_deadline",
    "territory_end_km2",
    "gain_km2_per_day_before",
    "gain_km2_per_day_after",
)
"""The war model's outputs per draw, each over the draw's simulated paths: P(deal within the
horizon), P(deal by the ``deal_by`` date), P(a surge on the path), P(a surge from the deadline
on), the mean area held at the horizon (km²), and the mean daily gain over path-weeks still at
war before and from the deadline (km²/day; NaN where there are none). The definitions are
those of ``detente simulate --format json`` (docs/war_model.md). Path averages per draw
(DECISIONS UNC-19)."""

Policy = Literal["solve", "fixed"]
POLICIES: tuple[str, ...] = ("solve", "fixed")
DEFAULT_PATHS = 200
DEAL_BY_WEEKS = 26
"""The default ``deal_by`` date: this many weeks after the deadline (the regime change),
capped at the end of the horizon."""


def default_deal_by(campaign: Campaign) -> date:
    """Half a year after the deadline, or the end of the horizon if sooner (DECISIONS UNC-20)."""
    end = campaign.start + timedelta(weeks=campaign.horizon_weeks)
    return min(campaign.regime_change + timedelta(weeks=DEAL_BY_WEEKS), end)


def campaign_outcomes(paths: Paths, arrays: CampaignArrays, weeks_by: int) -> dict[str, float]:
    """The :data:`CAMPAIGN_OUTPUTS` of one set of paths; ``weeks_by`` whole weeks from the
    start is the ``deal_by`` date (a deal counts if struck in an earlier week)."""
    horizon = arrays.horizon
    done = paths.deal_week >= 0
    surge = paths.intensity == ESCALATION
    weeks = np.arange(horizon)
    fighting = (paths.intensity >= 0) & (weeks[None, :] != paths.deal_week[:, None])
    weekly_gain = np.diff(paths.territory, axis=1)
    before = weeks < arrays.t_regime

    def per_day(mask: np.ndarray) -> float:
        cells = fighting & mask[None, :]
        return float(weekly_gain[cells].mean() / 7.0) if cells.any() else math.nan

    return {
        "p_deal": float(done.mean()),
        "p_deal_by": float((done & (paths.deal_week < weeks_by)).mean()),
        "p_escalation": float(surge.any(axis=1).mean()),
        "p_escalation_after_deadline": float(surge[:, ~before].any(axis=1).mean()),
        "territory_end_km2": float(paths.territory[:, -1].mean()),
        "gain_km2_per_day_before": per_day(before),
        "gain_km2_per_day_after": per_day(~before),
    }


class CampaignModel:
    """Evaluate the war-termination model on draws of campaign parameters.

    Per draw: the campaign with the draw's numbers (:func:`~detente.spec.campaign.
    with_overrides`, validated again), its policies solved by backward induction
    (:func:`~detente.war.solver.solve`), then ``paths`` Monte Carlo paths
    (:func:`~detente.war.simulate.simulate`) summarised as :data:`CAMPAIGN_OUTPUTS`. The
    paths of every draw come from the same generator seed ``path_seed`` (common random
    numbers: two draws differ only through their parameters, which keeps Monte Carlo noise
    out of the Sobol' indices; DECISIONS UNC-18), so a draw's outputs depend on its
    parameters only, on any backend.

    Solving is the expensive part: about 2 s per draw on ukraine-2024 (151 territory bins ×
    66 belief points × 78 weeks), milliseconds on a small campaign. With ``policy="fixed"``
    the central campaign is solved once and every draw only simulates under that policy: the
    drawn numbers then change what happens (offers, ripostes, levers, gains, the prior of the
    mediator's type) but not what the belligerents choose, so values, costs and the discount
    have no effect and the grid cannot be varied (DECISIONS UNC-17).

    Parameters
    ----------
    campaign : the scenario's campaign.
    numbers : the campaign numbers to draw (:func:`~detente.uncertainty.sampling.
        campaign_numbers`).
    paths : simulated paths per draw (default 200).
    path_seed : the seed of every draw's paths (>= 0; default 0).
    deal_by : the date of ``p_deal_by`` (default :func:`default_deal_by`).
    policy : ``"solve"`` (default: solve every draw) or ``"fixed"``.
    """

    def __init__(
        self,
        campaign: Campaign,
        numbers: Sequence[UncertainNumber],
        *,
        paths: int = DEFAULT_PATHS,
        path_seed: int = 0,
        deal_by: date | None = None,
        policy: Policy = "solve",
    ) -> None:
        if policy not in POLICIES:
            raise DetenteError(f"unknown policy {policy!r}; use one of: {', '.join(POLICIES)}",
                               where="--policy")  # fmt: skip
        if paths < 1:
            raise DetenteError(f"--paths is {paths}; give at least 1", where="--paths")
        if path_seed < 0:
            raise DetenteError(f"--seed is {path_seed}; give a seed >= 0", where="--seed")
        self.campaign = campaign
        self.numbers = list(numbers)
        self.paths = paths
        self.path_seed = path_seed
        self.policy = policy
        self.deal_by = default_deal_by(campaign) if deal_by is None else deal_by
        self.weeks_by = min(max((self.deal_by - campaign.start).days // 7, 0),
                            campaign.horizon_weeks)  # fmt: skip
        self._fixed: Solution | None = None
        if policy == "fixed":
            moved = [u.name for u in self.numbers if _changes_grid(u.name)]
            if moved:
                raise DetenteError(
                    f"{moved[0]} sets the solver's grid, which a fixed policy cannot change; "
                    "use --policy solve",
                    where="--vary",
                )
            self._fixed = solve(self._campaign(self.central_values()).arrays())

    def outputs(self) -> list[tuple[str, str]]:
        """The (series, output) keys, in the order of the results."""
        return [(WAR, name) for name in CAMPAIGN_OUTPUTS]

    def get_params(self) -> dict[str, Any]:
        """What the outputs depend on besides the draws (recorded with a run)."""
        return {
            "paths": self.paths,
            "path_seed": self.path_seed,
            "deal_by": self.deal_by.isoformat(),
            "policy": self.policy,
        }

    def central_values(self) -> dict[str, float]:
        """Every drawn number at its distribution's central value."""
        return {u.name: u.value for u in self.numbers}

    def evaluate(self, values: dict[str, float]) -> dict[str, float]:
        """The outputs of one set of numbers (name -> value)."""
        arrays = self._campaign(values).arrays()
        solution = solve(arrays) if self._fixed is None else replace(self._fixed, arrays=arrays)
        paths = simulate_paths(solution, self.paths, np.random.default_rng(self.path_seed))
        return campaign_outcomes(paths, arrays, self.weeks_by)

    def __call__(self, draws: ScenarioDraws) -> Outputs:
        out: Outputs = {key: np.empty(draws.n) for key in self.outputs()}
        for d in range(draws.n):
            row = self.evaluate({u.name: float(draws.values[u.name][d]) for u in self.numbers})
            for name, value in row.items():
                out[(WAR, name)][d] = value
        return out

    def _campaign(self, values: dict[str, float]) -> Campaign:
        overrides = [
            f"{name.removeprefix(CAMPAIGN_PREFIX)}={value!r}" for name, value in values.items()
        ]
        return with_overrides(self.campaign, overrides) if overrides else self.campaign


def _changes_grid(name: str) -> bool:
    path = name.removeprefix(CAMPAIGN_PREFIX)
    return path.startswith("grid.") or path == "start_territory_km2"
