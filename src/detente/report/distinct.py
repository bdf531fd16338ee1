"""The report's Sobol' evaluator: each issue's distinct draws solved once (DECISIONS REP-2).

In Saltelli's design (Saltelli et al. 2010, eq. 1-4, calc_second_order False), row
:math:`A_B^{(i)}` of base sample ``j`` is row :math:`A_j` with column ``i`` taken from
:math:`B_j`. An issue's forecast reads only the numbers of that issue (positions, saliences,
its status quo) and the actors' capabilities, so for every other column ``i`` the issue's
inputs on :math:`A_B^{(i)}` repeat those of :math:`A_j` exactly. On ukraine-2024 (166 numbers,
N = 64) each issue has about 2,240 distinct rows among 10,752, so solving the distinct rows once
and copying the answers back does a fifth of the work. The copies are bit-identical: the
models solve each draw on its own row (a batch's rows never mix), which
``tests/test_report.py`` checks against :class:`~detente.uncertainty.evaluators.OutcomeModels`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from detente.models.base import IssueDraws, OutcomeModel, issue_draws
from detente.spec.scenario import Scenario
from detente.uncertainty.evaluators import OutcomeModels, Outputs
from detente.uncertainty.sampling import ScenarioDraws, with_default_spread


def distinct_rows(draws: IssueDraws) -> tuple[IssueDraws, np.ndarray]:
    """The distinct draws of one issue (bit for bit, in first-seen order) and, per draw, the
    index of its distinct row: ``solve(distinct)[index]`` is ``solve(draws)``."""
    table = np.ascontiguousarray(
        np.column_stack([draws.position, draws.salience, draws.capability, draws.status_quo]),
        dtype=float,
    )
    rows = table.view(np.dtype((np.void, table.dtype.itemsize * table.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    keep = np.sort(first)
    index = np.searchsorted(keep, first)[inverse.ravel()]
    distinct = replace(
        draws,
        position=_rows(draws.position, keep),
        salience=_rows(draws.salience, keep),
        capability=_rows(draws.capability, keep),
        status_quo=_rows(draws.status_quo, keep),
    )
    return distinct, index


def _rows(array: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``array[keep]`` laid out in memory as ``array`` is: a sum along a strided axis adds in
    another order than along a contiguous one, so the layout is part of bit-identity."""
    out = np.empty_like(array, shape=(len(keep), *array.shape[1:]))
    np.take(array, keep, axis=0, out=out)
    return out


class DistinctOutcomeModels(OutcomeModels):
    """:class:`~detente.uncertainty.evaluators.OutcomeModels` that solves each issue's
    distinct draws once. The same outputs, in the same order; models that read several issues
    at once (they override ``evaluate``, e.g. the exchange model) are evaluated as before."""

    def with_default_band(self, scenario: Scenario) -> tuple[Scenario, DistinctOutcomeModels]:
        spread = with_default_spread(scenario)
        return spread, DistinctOutcomeModels(spread, self.models)

    def __call__(self, draws: ScenarioDraws) -> Outputs:
        per_issue: list[tuple[str, IssueDraws, np.ndarray]] | None = None
        out: Outputs = {}
        for model in self.models:
            if type(model).evaluate is not OutcomeModel.evaluate:
                values = model.evaluate(self.scenario, draws)
                out.update({(model.name, issue): v for issue, v in values.items()})
                continue
            if per_issue is None:
                per_issue = [
                    (issue, *distinct_rows(d)) for issue, d in issue_draws(self.scenario, draws)
                ]
            for issue, distinct, index in per_issue:
                out[(model.name, issue)] = model.solve_draws(distinct)[index]
        return out
