"""The weighted median: the position of the pivotal actor when actors are lined up."""

from __future__ import annotations

import numpy as np

from detente.contract import Tags
from detente.models._weights import effective_weights
from detente.models.base import IssueDraws, IssueProblem, IssueSolution, OutcomeModel


def weighted_median(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The weighted median of ``position`` along the last axis (any leading batch axes).

    The median interval runs from the first position at which the cumulative weight reaches
    half the total to the first at which it exceeds half; its midpoint is returned. The two
    coincide unless the weight splits exactly in half (docs/DECISIONS.md, SCN-4).
    """
    position = np.asarray(position, dtype=float)
    n = position.shape[-1]
    x = position.reshape(-1, n)  # the batch axes flattened: flat ``take``s are cheaper
    w = np.broadcast_to(effective_weights(weight), position.shape).reshape(-1, n)
    start = np.arange(0, x.size, n)
    order = x.argsort(axis=-1, kind="stable")
    order += start[:, None]
    x = x.take(order)
    cum = w.take(order)
    cum.cumsum(axis=-1, out=cum)
    full = cum[:, -1]
    half = full / 2.0
    eps = 1e-12 * np.maximum(full, 1e-300)
    lower = x.take((cum >= (half - eps)[:, None]).argmax(axis=-1) + start)
    upper = x.take((cum > (half + eps)[:, None]).argmax(axis=-1) + start)
    return np.asarray(((lower + upper) / 2.0).reshape(position.shape[:-1]))


class WeightedMedian(OutcomeModel):
    """Outcome = the capability × salience weighted median position.

    With single-peaked preferences on one dimension, the position of the actor at the weighted
    median defeats every other in pairwise majority votes weighted by power (Black 1948); the
    "power-weighted median" is the standard first cut in BDM-style analysis (Bueno de Mesquita
    1994, p. 74).

    References
    ----------
    Black, D. (1948). On the rationale of group decision-making. *J. Political Economy* 56(1).
    Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. In
    Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*. Yale UP.
    """

    name = "median"
    label = "Weighted median"
    reference = "Black 1948; Bueno de Mesquita 1994"
    tags = Tags(batchable=True)

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        return IssueSolution(outcome=float(weighted_median(problem.position, problem.weight)))

    def solve_draws(self, draws: IssueDraws) -> np.ndarray:
        """Every draw at once: the draws are a leading axis of the weighted median."""
        w = draws.capability * draws.salience
        return np.asarray(weighted_median(draws.position, w), dtype=float)
