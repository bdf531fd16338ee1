"""The compromise model: the capability × salience weighted mean of positions."""

from __future__ import annotations

import numpy as np

from detente.contract import Tags
from detente.models._weights import effective_weights
from detente.models.base import IssueDraws, IssueProblem, IssueSolution, OutcomeModel


def weighted_mean(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Σ w_i x_i / Σ w_i along the last axis (any leading batch axes)."""
    w = effective_weights(weight)
    return np.asarray((w * position).sum(axis=-1) / w.sum(axis=-1))


class Compromise(OutcomeModel):
    """Outcome = Σ c_i s_i x_i / Σ c_i s_i.

    The weighted mean is what actors with quadratic losses reach when each one's pull is its
    capability times salience (Achen 2006, eq. 3; van den Bos 1991). It is the benchmark the
    DEU studies could not beat.

    References
    ----------
    Achen, C. H. (2006). Institutional realism and bargaining models. In Thomson, Stokman,
    Achen & König (eds.), *The European Union Decides*, ch. 4. Cambridge UP.
    Thomson, R., Stokman, F. N., Achen, C. H., & König, T. (2006), ibid.
    """

    name = "compromise"
    label = "Compromise (weighted mean)"
    reference = "Achen 2006; Thomson et al. 2006"
    tags = Tags(batchable=True)

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        return IssueSolution(outcome=float(weighted_mean(problem.position, problem.weight)))

    def solve_draws(self, draws: IssueDraws) -> np.ndarray:
        """Every draw at once: the draws are a leading axis of the weighted mean."""
        w = draws.capability * draws.salience
        return np.asarray(weighted_mean(draws.position, w), dtype=float)
