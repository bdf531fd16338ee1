"""The outcome models' side of the model contract (:mod:`detente.contract`).

A model is a small class whose constructor only stores its parameters (as in scikit-learn)
and whose :meth:`OutcomeModel.predict` (= :meth:`~OutcomeModel.run`) maps a
:class:`~detente.spec.scenario.Scenario` to a :class:`Forecast`. The outcome models of the
field treat issues one at a time, so each model implements :meth:`OutcomeModel.solve_issue`
on an :class:`IssueProblem` (plain arrays) and the base class loops over the scenario's
issues (:meth:`OutcomeModel.solve_issues`, which the DEU backtest calls once per proposal; a
model that links issues, like the exchange model, overrides it). A model that can solve many
draws of an issue at once overrides :meth:`OutcomeModel.solve_draws` and sets ``tags.batchable``.
:meth:`OutcomeModel.predict` checks every model's answer against the issue's decision rule
(:func:`detente.models.rules.check_rule`, DECISIONS SCN-9).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from detente.contract import Draws, Output, Params, Tags
from detente.models.rules import COLLECTIVE, IssueRule, RuleCheck, check_rule
from detente.spec.display import Display, fmt, listed
from detente.spec.scenario import Scenario
from detente.wording import plural

if TYPE_CHECKING:  # pandas is imported where a frame is built, so the CLI starts faster
    import pandas as pd

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
    capability: (n,) each actor's clout on the issue, else its general capability, any
        non-negative unit (only ratios matter: DECISIONS SCN-5, SCN-7).
    status_quo: the reference point, or NaN where unknown.
    scale: (low, high) of the issue's scale.
    context: descriptive facts (DEU: ``"procedure"``, ``"voting_rule"``, ``"council_votes"``).
    rule: the issue's decision rule (DECISIONS SCN-8); collective by default.
    """

    actors: tuple[str, ...]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    status_quo: float = float("nan")
    scale: tuple[float, float] = (0.0, 100.0)
    context: dict[str, Any] = field(default_factory=dict)
    rule: IssueRule = COLLECTIVE

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
        """Draw ``d`` as a problem of its own.

        Parameters
        ----------
        d : int
            The draw's index, ``0 <= d < n``.
        """
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
    models that proceed in rounds; ``outcome_path`` is the predicted outcome after each round;
    ``convergence`` how the rounds ended (:class:`Convergence`).
    """

    outcome: float
    trajectory: np.ndarray | None = None
    outcome_path: np.ndarray | None = None
    convergence: Convergence | None = None


ConvergenceStatus = Literal["converged", "cycle", "not_converged"]


@dataclass(frozen=True)
class Convergence:
    """How a model that proceeds in rounds ended (DECISIONS BDM-12).

    Attributes
    ----------
    status: ``"converged"`` (a round moved nobody), ``"cycle"`` (the last positions repeat
        those ``period`` rounds earlier, so more rounds would go round the same loop) or
        ``"not_converged"`` (the round limit stopped a run that had done neither).
    rounds: the rounds run.
    period: the loop's length in rounds: 1 when converged, None when not converged.
    low, high: the range of the outcome over the loop (its last ``period`` rounds), or over
        rounds 1 to ``rounds`` when not converged (round 0 alone if no round was run).
    """

    status: ConvergenceStatus
    rounds: int
    period: int | None
    low: float
    high: float

    @property
    def converged(self) -> bool:
        return self.status == "converged"

    @classmethod
    def of_run(cls, outcome_path: np.ndarray, period: int) -> Convergence:
        """From the outcome after each round and the period of the last positions.

        Parameters
        ----------
        outcome_path : numpy.ndarray
            The outcome after each round, shape (rounds + 1,); row 0 is the start.
        period : int
            1 a fixed point, ``p >= 2`` a loop of ``p`` rounds, 0 neither (DECISIONS BDM-12).
        """
        path = np.asarray(outcome_path, dtype=float)
        rounds = len(path) - 1
        if period >= 1:
            status: ConvergenceStatus = "converged" if period == 1 else "cycle"
            seen, length = path[-period:], period
        else:
            status, seen, length = "not_converged", path[1:] if rounds else path, None
        return cls(status, rounds, length, float(seen.min()), float(seen.max()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "converged": self.converged,
            "rounds": self.rounds,
            "period": self.period,
            "low": self.low,
            "high": self.high,
        }


@dataclass(frozen=True, repr=False)
class IssueForecast(Display):
    """The forecast on one issue of a scenario.

    ``outcome`` is the model's answer; ``flagged`` says the issue's decision rule would block
    it (someone who can block prefers the status quo), and ``constrained`` is then the
    nearest point that passes, within ``winset`` (DECISIONS SCN-9). ``rule`` names the rule.
    """

    issue: str
    outcome: float
    actors: tuple[str, ...]
    trajectory: np.ndarray | None = None
    outcome_path: np.ndarray | None = None
    rule: str = "collective"
    flagged: bool = False
    constrained: float = float("nan")
    winset: tuple[float, float] | None = None
    convergence: Convergence | None = None
    """How the rounds ended, for models that proceed in rounds (DECISIONS BDM-12)."""

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        facts: list[tuple[str, object]] = [("outcome", self.outcome), ("rule", self.rule)]
        if self.flagged:
            facts += [("flagged", True), ("constrained", self.constrained)]
        facts += [(plural(len(self.actors), "actor"), listed(self.actors))]
        if self.trajectory is not None:
            facts += [("rounds", int(self.trajectory.shape[0] - 1))]
        if self.convergence is not None:
            facts += [("convergence", self.convergence.status)]
        return f"IssueForecast {self.issue!r}", facts

    def trajectory_frame(self) -> pd.DataFrame | None:
        """Positions by round (rows) and actor (columns), or None for one-shot models."""
        if self.trajectory is None:
            return None
        import pandas as pd

        frame = pd.DataFrame(self.trajectory, columns=list(self.actors))
        frame.index.name = "round"
        return frame

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"issue": self.issue, "outcome": float(self.outcome)}
        out |= {
            "rule": self.rule,
            "flagged": bool(self.flagged),
            "constrained": _json_float(self.constrained),
            "winset": None if self.winset is None else [float(x) for x in self.winset],
        }
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
        if self.convergence is not None:
            out["convergence"] = self.convergence.to_dict()
        return out


@dataclass(frozen=True, repr=False)
class Forecast(Display):
    """A model's forecast for a whole scenario: one :class:`IssueForecast` per issue.

    Prints as the outcome per issue (:class:`~detente.spec.display.Display`);
    :meth:`to_frame` gives the table, :meth:`to_dict` everything.
    """

    model: str
    scenario: str
    issues: tuple[IssueForecast, ...]
    params: dict[str, Any] = field(default_factory=dict)

    def outcome(self, issue: str) -> float:
        """The predicted outcome on one issue.

        Parameters
        ----------
        issue : str
            The issue's name.
        """
        return self[issue].outcome

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        facts: list[tuple[str, object]] = [("scenario", self.scenario)]
        for f in self.issues[:12]:
            flag = f" (flagged; passes: {fmt(f.constrained)})" if f.flagged else ""
            facts.append((f.issue, fmt(f.outcome) + flag))
        if len(self.issues) > 12:
            facts.append(("more issues", len(self.issues) - 12))
        return f"Forecast by {self.model!r}", facts

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
        """One row per issue: model, issue, outcome, flagged (the decision rule blocks the
        outcome) and constrained (the nearest outcome it lets pass; DECISIONS SCN-9)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "model": self.model,
                "issue": [f.issue for f in self.issues],
                "outcome": [f.outcome for f in self.issues],
                "flagged": [bool(f.flagged) for f in self.issues],
                "constrained": [f.constrained for f in self.issues],
            }
        )


def _json_float(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def issue_problems(scenario: Scenario) -> list[tuple[str, IssueProblem]]:
    """Split a scenario into one :class:`IssueProblem` per issue (actors with a stance only).

    An actor without a stance on an issue takes no part in it: it is left out of that
    issue's problem, not given salience 0 (DECISIONS SCN-2). Each problem carries its issue's
    decision rule (:meth:`~detente.spec.scenario.Scenario.decision_rule`).
    """
    arr = scenario.arrays()
    problems = []
    for i, issue in enumerate(scenario.issues):
        present = ~np.isnan(arr.position[:, i])
        actors = tuple(np.asarray(arr.actors)[present].tolist())
        problems.append(
            (
                issue.name,
                IssueProblem(
                    actors=actors,
                    position=arr.position[present, i],
                    salience=arr.salience[present, i],
                    capability=arr.capability[present, i],
                    status_quo=float(arr.status_quo[i]),
                    scale=(float(arr.scale[i, 0]), float(arr.scale[i, 1])),
                    rule=issue_rule(scenario, issue.name, actors),
                ),
            )
        )
    return problems


def issue_draws(scenario: Scenario, draws: Draws) -> list[tuple[str, IssueDraws]]:
    """``draws`` of ``scenario`` split into one :class:`IssueDraws` per issue, over the
    actors with a stance on it (as :func:`issue_problems`)."""
    index = {name: k for k, name in enumerate(scenario.actor_names)}
    out = []
    for i, (issue, problem) in enumerate(issue_problems(scenario)):
        idx = np.array([index[a] for a in problem.actors], dtype=int)
        out.append(
            (
                issue,
                IssueDraws(
                    problem,
                    draws.position[:, idx, i],
                    draws.salience[:, idx, i],
                    draws.capability[:, idx, i],
                    draws.status_quo[:, i],
                ),
            )
        )
    return out


def issue_rule(scenario: Scenario, issue: str, actors: tuple[str, ...]) -> IssueRule:
    """The issue's decision rule as arrays over ``actors`` (those with a stance on it): the
    voters not among them are not counted (DECISIONS SCN-8)."""
    rule = scenario.decision_rule(issue)
    veto = np.isin(actors, rule.veto_players) if rule.veto_players else None
    votes = None
    if rule.weights is not None:
        votes = np.array([float(rule.weights.get(a, 0.0)) for a in actors])
    return IssueRule(kind=rule.rule, veto=veto, votes=votes, threshold=rule.threshold or 1.0)


def respect_rule(problem: IssueProblem, outcome: float) -> RuleCheck:
    """``outcome`` of ``problem`` checked against its decision rule: the one place every
    model's answer meets the rule (DECISIONS SCN-9)."""
    return check_rule(outcome, problem.position, problem.status_quo, problem.scale, problem.rule)


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
        """One outcome per issue, on the issue's scale.

        Parameters
        ----------
        inputs : Scenario
            The scenario whose issues the model forecasts.
        """
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
        """:meth:`predict`, behind the model contract (:mod:`detente.contract`).

        Parameters
        ----------
        inputs : Scenario
            The scenario to forecast.
        seed : int or numpy.random.Generator
            Unused: outcome models draw no random numbers.
        """
        return self.predict(inputs)

    def evaluate(
        self, inputs: Scenario, draws: Draws, seed: int | np.random.Generator = 0
    ) -> dict[str, np.ndarray]:
        """The outcome of every issue on each of ``draws.n`` draws of ``inputs``.

        Parameters
        ----------
        inputs : Scenario
            The scenario at its central values.
        draws : Draws
            The drawn inputs (:mod:`detente.uncertainty.sampling`).
        seed : int or numpy.random.Generator
            Unused: outcome models draw no random numbers.

        Returns
        -------
        dict of str to numpy.ndarray
            Per issue, the outcome on each draw, shape (n,).
        """
        return {issue: self.solve_draws(d) for issue, d in issue_draws(inputs, draws)}

    def solve_draws(self, draws: IssueDraws) -> np.ndarray:
        """The outcome on each of ``draws.n`` versions of the issue, shape (n,). This
        default solves draw by draw; batchable models override it (DECISIONS UNC-5).

        Parameters
        ----------
        draws : IssueDraws
            One issue's problem and its drawn positions, saliences and capabilities.
        """
        return np.array([self.solve_issue(draws.version(d)).outcome for d in range(draws.n)])

    def predict(self, scenario: Scenario) -> Forecast:
        """Forecast the outcome of every issue of ``scenario``, each checked against the
        issue's decision rule (:func:`respect_rule`, DECISIONS SCN-9).

        Parameters
        ----------
        scenario : Scenario
            The validated scenario (:func:`detente.scenario.load_scenario`).

        Returns
        -------
        Forecast
            Per issue the outcome, the decision rule's verdict and, for models with rounds,
            the trajectory.
        """
        issues = []
        named = issue_problems(scenario)
        solutions = self.solve_issues([problem for _, problem in named])
        for (issue_name, problem), solution in zip(named, solutions, strict=True):
            checked = respect_rule(problem, float(solution.outcome))
            issues.append(
                IssueForecast(
                    issue=issue_name,
                    outcome=float(solution.outcome),
                    actors=problem.actors,
                    trajectory=solution.trajectory,
                    outcome_path=solution.outcome_path,
                    rule=scenario.decision_rule(issue_name).describe(),
                    flagged=checked.flagged,
                    constrained=checked.constrained,
                    winset=checked.winset,
                    convergence=solution.convergence,
                )
            )
        return Forecast(
            model=self.name, scenario=scenario.name, issues=tuple(issues), params=self.get_params()
        )

    @abstractmethod
    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        """The predicted outcome on one issue. A model documents the contract's parameters
        here once; its own ``solve_issue`` need not repeat them (DECISIONS DOC-2).

        Parameters
        ----------
        problem : IssueProblem
            The issue's actors, positions, saliences, capabilities, status quo and scale.
        """

    def solve_issues(self, problems: Sequence[IssueProblem]) -> list[IssueSolution]:
        """The predicted outcome on each of several issues decided together (one scenario,
        one DEU proposal). The models of the field treat issues one at a time, so this
        default solves them one by one; a model that links issues (the exchange model)
        overrides it, and :meth:`predict` and the DEU backtest call it.

        Parameters
        ----------
        problems : sequence of IssueProblem
            The issues, in scenario order.
        """
        return [self.solve_issue(problem) for problem in problems]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"
