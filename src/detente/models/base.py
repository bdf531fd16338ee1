"""The outcome models' side of the model contract (:mod:`detente.contract`).

A model is a small class whose constructor only stores its parameters (as in scikit-learn)
and whose :meth:`OutcomeModel.predict` (= :meth:`~OutcomeModel.run`) maps a
:class:`~detente.spec.scenario.Scenario` to a :class:`Forecast`. The outcome models of the
field treat issues one at a time, so each model implements :meth:`OutcomeModel.solve_issue`
on an :class:`IssueProblem` (plain arrays) and the base class loops over the scenario's
issues; the DEU backtest calls ``solve_issue`` directly. A model that can solve many draws of
an issue at once overrides :meth:`OutcomeModel.solve_draws` and sets ``tags.batchable``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from detente.contract import Draws, Output, Params, Tags
from detente.spec.scenario import Scenario

OUTCOME_TOLERANCE = 1e-9
"""Outcome models are deterministic: two runs agree to rounding."""


@dataclass(frozen=True)
class IssueProblem:
    """One issue as arrays over the actors that take a stance on it.

    Attributes
    ----------
    actors: names, length n.
    position: (n,) positions on the issue's scale.
    salience: (n,) saliences on 0-100.
    capability: (n,) capabilities, any non-negative unit (only ratios matter: DECISIONS
        SCN-5).
    status_quo: the reference point, or NaN where unknown.
    scale: (low, high) of the issue's scale.
    context: procedural facts some models use: ``"veto"`` (bool (n,), actors whose consent
        a deal needs), ``"voting_rule"`` (e.g. ``"QMV"``), ``"procedure"``, ``"council_votes"``.
    """

    actors: tuple[str, ...]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    status_quo: float = float("nan")
    scale: tuple[float, float] = (0.0, 100.0)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def weight(self) -> np.ndarray:
        """Capability × salience: the "effective power" of the compromise model."""
        return np.asarray(self.capability * self.salience, dtype=float)


@dataclass(frozen=True)
class IssueDraws:
    """``n`` versions of one issue's problem (Monte Carlo draws, lever settings):
    ``position``, ``salience``, ``capability`` (n, actors) and ``status_quo`` (n,); the
    other facts (actors, scale, context) are ``problem``'s."""

    problem: IssueProblem
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    status_quo: np.ndarray

    @property
    def n(self) -> int:
        return int(self.position.shape[0])

    def version(self, d: int) -> IssueProblem:
        """Draw ``d`` as a problem of its own."""
        return replace(
            self.problem,
            position=self.position[d],
            salience=self.salience[d],
            capability=self.capability[d],
            status_quo=float(self.status_quo[d]),
        )


@dataclass(frozen=True)
class IssueSolution:
    """A model's answer on one issue.

    ``trajectory`` is (rounds + 1, n actors) positions, row 0 the initial positions, for
    models that proceed in rounds; ``outcome_path`` is the predicted outcome after each round.
    """

    outcome: float
    trajectory: np.ndarray | None = None
    outcome_path: np.ndarray | None = None


@dataclass(frozen=True)
class IssueForecast:
    """The forecast on one issue of a scenario."""

    issue: str
    outcome: float
    actors: tuple[str, ...]
    trajectory: np.ndarray | None = None
    outcome_path: np.ndarray | None = None

    def trajectory_frame(self) -> pd.DataFrame | None:
        """Positions by round (rows) and actor (columns), or None for one-shot models."""
        if self.trajectory is None:
            return None
        frame = pd.DataFrame(self.trajectory, columns=list(self.actors))
        frame.index.name = "round"
        return frame

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"issue": self.issue, "outcome": float(self.outcome)}
        if self.trajectory is not None:
            out["trajectory"] = {
                "rounds": int(self.trajectory.shape[0] - 1),
                "outcome": None
                if self.outcome_path is None
                else [float(x) for x in self.outcome_path],
                "positions": {
                    actor: [float(x) for x in self.trajectory[:, k]]
                    for k, actor in enumerate(self.actors)
                },
            }
        return out


@dataclass(frozen=True)
class Forecast:
    """A model's forecast for a whole scenario: one :class:`IssueForecast` per issue."""

    model: str
    scenario: str
    issues: tuple[IssueForecast, ...]
    params: dict[str, Any] = field(default_factory=dict)

    def outcome(self, issue: str) -> float:
        return self[issue].outcome

    def values(self) -> dict[str, float]:
        """The outcome of every issue, by issue name (the model's declared outputs)."""
        return {f.issue: float(f.outcome) for f in self.issues}

    def __getitem__(self, issue: str) -> IssueForecast:
        for f in self.issues:
            if f.issue == issue:
                return f
        raise KeyError(issue)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "scenario": self.scenario,
            "params": self.params,
            "issues": [f.to_dict() for f in self.issues],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per issue: model, issue, outcome."""
        return pd.DataFrame(
            {
                "model": self.model,
                "issue": [f.issue for f in self.issues],
                "outcome": [f.outcome for f in self.issues],
            }
        )


def issue_problems(scenario: Scenario) -> list[tuple[str, IssueProblem]]:
    """Split a scenario into one :class:`IssueProblem` per issue (actors with a stance only).

    An actor without a stance on an issue takes no part in it: it is left out of that
    issue's problem, not given salience 0 (DECISIONS SCN-2).
    """
    arr = scenario.arrays()
    problems = []
    vetoes = np.isin(arr.actors, scenario.veto_players)
    for i, issue in enumerate(scenario.issues):
        present = ~np.isnan(arr.position[:, i])
        context = {"veto": vetoes[present]} if vetoes.any() else {}
        problems.append(
            (
                issue.name,
                IssueProblem(
                    actors=tuple(np.asarray(arr.actors)[present].tolist()),
                    position=arr.position[present, i],
                    salience=arr.salience[present, i],
                    capability=arr.capability[present, i],
                    status_quo=float(arr.status_quo[i]),
                    scale=(float(arr.scale[i, 0]), float(arr.scale[i, 1])),
                    context=context,
                ),
            )
        )
    return problems


class OutcomeModel(Params, ABC):
    """Base class of the outcome models.

    Subclasses set ``name`` (the registry key and CLI name), ``label`` and ``reference`` (the
    paper), store their constructor arguments unchanged as attributes of the same name, and
    implement :meth:`solve_issue`; batchable ones also :meth:`solve_draws`.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    reference: ClassVar[str]
    tags: ClassVar[Tags] = Tags()
    varies: ClassVar[tuple[str, ...]] = ("actors.", "issues.")
    """Positions, saliences, capabilities and status quo: the numbers a sweep may vary."""

    def outputs(self, inputs: Scenario) -> list[Output]:
        """One outcome per issue, on the issue's scale."""
        return [
            Output(
                name=issue.name,
                unit=f"point on [{issue.scale[0]:g}, {issue.scale[1]:g}]",
                tolerance=OUTCOME_TOLERANCE,
                description=f"predicted outcome of {issue.name}",
            )
            for issue in inputs.issues
        ]

    def run(self, inputs: Scenario, seed: int | np.random.Generator = 0) -> Forecast:
        """:meth:`predict` (outcome models draw no random numbers; ``seed`` is unused)."""
        return self.predict(inputs)

    def evaluate(
        self, inputs: Scenario, draws: Draws, seed: int | np.random.Generator = 0
    ) -> dict[str, np.ndarray]:
        """The outcome of every issue on each of ``draws.n`` draws of ``inputs``."""
        index = {name: k for k, name in enumerate(inputs.actor_names)}
        out: dict[str, np.ndarray] = {}
        for i, (issue, problem) in enumerate(issue_problems(inputs)):
            idx = np.array([index[a] for a in problem.actors], dtype=int)
            out[issue] = self.solve_draws(
                IssueDraws(
                    problem,
                    draws.position[:, idx, i],
                    draws.salience[:, idx, i],
                    draws.capability[:, idx, i],
                    draws.status_quo[:, i],
                )
            )
        return out

    def solve_draws(self, draws: IssueDraws) -> np.ndarray:
        """The outcome on each of ``draws.n`` versions of the issue, shape (n,). This
        default solves draw by draw; batchable models override it (DECISIONS UNC-5)."""
        return np.array([self.solve_issue(draws.version(d)).outcome for d in range(draws.n)])

    def predict(self, scenario: Scenario) -> Forecast:
        """Forecast the outcome of every issue of ``scenario``."""
        issues = []
        for issue_name, problem in issue_problems(scenario):
            solution = self.solve_issue(problem)
            issues.append(
                IssueForecast(
                    issue=issue_name,
                    outcome=float(solution.outcome),
                    actors=problem.actors,
                    trajectory=solution.trajectory,
                    outcome_path=solution.outcome_path,
                )
            )
        return Forecast(
            model=self.name, scenario=scenario.name, issues=tuple(issues), params=self.get_params()
        )

    @abstractmethod
    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        """The predicted outcome on one issue."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"
