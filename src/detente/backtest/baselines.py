"""Naive predictors the outcome models must beat on DEU (not registered as models)."""

from __future__ import annotations

import numpy as np

from detente.models.base import IssueProblem, IssueSolution, OutcomeModel


class ReferencePoint(OutcomeModel):
    """Outcome = the reference point (status quo); NaN where it is unknown.

    Scored only on the issues with a known reference point.
    """

    name = "baseline_reference_point"
    label = "Reference point (status quo)"
    reference = "Thomson et al. 2006 (DEU reference point)"

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        return IssueSolution(outcome=float(problem.status_quo))


class ActorPosition(OutcomeModel):
    """Outcome = one actor's position (default the Commission, DEU code ``com``).

    NaN where the actor takes no position on the issue.
    """

    name = "baseline_commission"
    label = "Commission position"
    reference = "Thomson et al. 2006"

    def __init__(self, actor: str = "com") -> None:
        self.actor = actor

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        if self.actor not in problem.actors:
            return IssueSolution(outcome=float("nan"))
        return IssueSolution(outcome=float(problem.position[problem.actors.index(self.actor)]))


class UnweightedMedian(OutcomeModel):
    """Outcome = the plain median of the positions (mean of the middle two for even n)."""

    name = "baseline_median"
    label = "Unweighted median"
    reference = "Black 1948"

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        return IssueSolution(outcome=float(np.median(problem.position)))


BASELINES: dict[str, OutcomeModel] = {
    m.name: m for m in (ReferencePoint(), ActorPosition(), UnweightedMedian())
}
