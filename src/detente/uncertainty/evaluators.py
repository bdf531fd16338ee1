"""What a sweep computes on each draw: the outcome models, solved across draws at once.

An *evaluator* is any picklable callable ``ScenarioDraws -> dict[(series, output), (n,)
array]``. :class:`OutcomeModels` is the evaluator of the registered outcome models: series
= model name, output = issue name. The war-termination model will plug in the same way (its
series the model name, its outputs e.g. the end week), reading its parameters from
``ScenarioDraws.values``.

Vectorisation: the compromise model and the weighted median take the draws as one more array
axis; BDM runs :func:`detente.models.bdm.simulate` with batch axis (draws, actors). Any other
model (Nash bargaining, which solves a one-dimensional optimisation per problem) is solved
draw by draw through its ``solve_issue``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from detente.models.base import IssueProblem, OutcomeModel, issue_problems
from detente.models.bdm import ExpectedUtility, simulate
from detente.models.compromise import Compromise, weighted_mean
from detente.models.median import WeightedMedian, weighted_median
from detente.scenario.schema import Scenario
from detente.uncertainty.sampling import ScenarioDraws

Outputs = dict[tuple[str, str], np.ndarray]
"""An evaluator's result: (series, output) -> (n draws,) values."""

Evaluator = Callable[[ScenarioDraws], Outputs]


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
        if model.outcome not in ("median", "mean"):
            raise ValueError(f"unknown outcome rule {model.outcome!r}; use 'median' or 'mean'")
        path = simulate(
            position,
            salience / 100.0,
            capability,
            rounds=model.rounds,
            q=model.q,
            tol=model.tol,
            probability=model.probability,
            compromise=model.compromise,
            capitulation=model.capitulation,
        )
        result = path.median if model.outcome == "median" else path.mean
        return np.asarray(result[..., -1], dtype=float)
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
