"""Stokman's exchange model: actors trade positions across the issues of one proposal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detente.contract import Draws
from detente.models.base import (
    IssueDraws,
    IssueProblem,
    IssueSolution,
    OutcomeModel,
    issue_draws,
)
from detente.models.compromise import weighted_mean
from detente.spec.scenario import Scenario

_BLOCK = 500_000
"""(draws × actors² × issues²) numbers per block of :func:`exchange_outcomes` (4 MB an array)."""
GAIN_TOLERANCE = 1e-9
"""An exchange whose gain (salience x outcome shift, 0-100 x 0-100 units) is not above this
is not made: it guards against rounding when saliences are proportional (DECISIONS EXC-3, EXC-4)."""


@dataclass(frozen=True)
class Trade:
    """One exchange of positions, a trade (Stokman & Van Oosten 1994).

    ``demander`` cares relatively more about ``demand_issue``: ``supplier`` moves its
    position there towards the demander's by ``supplier_shift``, and in return the demander
    moves on ``supply_issue`` towards the supplier's by ``demander_shift``. ``gain`` is what
    each of the two gains (equal gain, DECISIONS EXC-2); ``outcome_shift`` the moves of the
    two issues' expected outcomes (δ_p, δ_q).
    """

    demander: str
    supplier: str
    demand_issue: int
    supply_issue: int
    supplier_shift: float
    demander_shift: float
    outcome_shift: tuple[float, float]
    gain: float


@dataclass(frozen=True)
class ExchangeRun:
    """The trades made on a set of issues, in order, and where they left everyone.

    ``actors`` are sorted by name; ``position`` and ``initial`` are (actors, issues), NaN
    where an actor takes no stance; ``outcome`` is the weighted mean of each issue after the
    exchanges, ``initial_outcome`` before them (the compromise model).
    """

    actors: tuple[str, ...]
    initial: np.ndarray
    position: np.ndarray
    initial_outcome: np.ndarray
    outcome: np.ndarray
    trades: tuple[Trade, ...]


def _outcomes(position: np.ndarray, weight: np.ndarray, present: np.ndarray) -> np.ndarray:
    """The capability x salience weighted mean of each issue (columns), over those present."""
    out = np.empty(position.shape[1])
    for p in range(position.shape[1]):
        on = present[:, p]
        out[p] = float(weighted_mean(position[on, p], weight[on, p]))
    return out


def run_exchanges(problems: Sequence[IssueProblem]) -> ExchangeRun:
    """Make the exchanges of Stokman & Van Oosten (1994) on issues decided together.

    Each issue's expected outcome is the compromise ``O_p = Σ_k c_k s_kp x_kp / W_p`` with
    ``W_p = Σ_k c_k s_kp`` (eq. 1). Actors ``i`` and ``j`` can exchange on issues ``p`` and
    ``q`` when both take a stance on both, they lie on opposite sides of the expected outcome
    on each (``(x_ip - O_p)(x_jp - O_p) < 0``, the same on q), and their relative saliences
    differ: ``s_ip / s_iq > s_jp / s_jq`` makes p the demand issue of ``i`` and the supply
    issue of ``j``. Then ``j`` moves on p towards ``x_ip`` and ``i`` moves on q towards
    ``x_jq``. A move of ``Δx_jp`` shifts the outcome by ``δ_p = c_j s_jp |Δx_jp| / W_p``;
    with losses linear in the distance to the outcome, weighted by salience, the gains are
    ``G_i = s_ip δ_p - s_iq δ_q`` and ``G_j = s_jq δ_q - s_jp δ_p``. The equal-gain exchange
    rate sets ``G_i = G_j``: ``δ_q = δ_p (s_ip + s_jp) / (s_iq + s_jq)``, so
    ``G = δ_p (s_ip s_jq - s_iq s_jp) / (s_iq + s_jq) > 0`` exactly when the relative
    saliences differ. The supplier moves all the way to the demander's position unless the
    demander would then have to pass the supplier's position on q; the demander then moves
    all the way and the supplier proportionally less (DECISIONS EXC-2).

    Exchanges are made one at a time, the largest gain first, each recomputed on the
    positions the earlier ones left; an actor moves at most once on each issue (DECISIONS
    EXC-3). An issue on which every weight is zero takes no part.

    Parameters
    ----------
    problems:
        The issues, each with its own actors; actors are matched by name.

    Returns
    -------
    ExchangeRun
        The exchanges made and the positions and outcomes after them.
    """
    actors = tuple(sorted({a for problem in problems for a in problem.actors}))
    index = {a: k for k, a in enumerate(actors)}
    n, m = len(actors), len(problems)
    position = np.full((n, m), np.nan)
    salience = np.zeros((n, m))
    weight = np.zeros((n, m))
    for p, problem in enumerate(problems):
        rows = np.array([index[a] for a in problem.actors], dtype=int)
        position[rows, p] = problem.position
        salience[rows, p] = problem.salience
        weight[rows, p] = problem.capability * problem.salience
    present = ~np.isnan(position)
    initial = position.copy()
    total = weight.sum(axis=0)
    initial_outcome = _outcomes(position, weight, present)
    done: list[Trade] = []
    if m < 2:
        return ExchangeRun(actors, initial, position, initial_outcome, initial_outcome, ())

    # Fixed over the run: who may trade on which pair of issues at all (i, j, p, q).
    both = present[:, None, :, None] & present[:, None, None, :]
    both = both & present[None, :, :, None] & present[None, :, None, :]
    live = (total > 0)[:, None] & (total > 0)[None, :] & ~np.eye(m, dtype=bool)
    s_ip = salience[:, None, :, None]
    s_iq = salience[:, None, None, :]
    s_jp = salience[None, :, :, None]
    s_jq = salience[None, :, None, :]
    relative = s_ip * s_jq > s_iq * s_jp
    w_jp = weight[None, :, :, None]
    w_iq = weight[:, None, None, :]
    able = both & live[None, None] & relative & (w_jp > 0) & (w_iq > 0)
    safe_total = np.where(total > 0, total, 1.0)
    rate = (s_ip + s_jp) / np.where(s_iq + s_jq > 0, s_iq + s_jq, 1.0)
    moved = np.zeros((n, m), dtype=bool)

    outcome = initial_outcome
    while True:
        side = np.nan_to_num(position - outcome)  # 0 where absent: never opposite
        opposite = side[:, None, :] * side[None, :, :] < 0  # (i, j, p)
        ok = able & opposite[:, :, :, None] & opposite[:, :, None, :]
        ok &= ~moved[None, :, :, None] & ~moved[:, None, None, :]
        if not ok.any():
            break
        x = np.nan_to_num(position)
        gap_p = np.abs(x[:, None, :, None] - x[None, :, :, None])  # |x_ip - x_jp|
        gap_q = np.abs(x[:, None, None, :] - x[None, :, None, :])  # |x_iq - x_jq|
        d_p = gap_p * w_jp / safe_total[None, None, :, None]
        d_q_max = gap_q * w_iq / safe_total[None, None, None, :]
        d_q = np.minimum(rate * d_p, d_q_max)
        d_p = np.where(rate > 0, d_q / np.where(rate > 0, rate, 1.0), 0.0)
        gain = np.where(ok, s_ip * d_p - s_iq * d_q, -np.inf)
        best = int(np.argmax(gain))
        if not gain.flat[best] > GAIN_TOLERANCE:
            break
        i, j, p, q = (int(k) for k in np.unravel_index(best, gain.shape))
        dp, dq = float(d_p[i, j, p, q]), float(d_q[i, j, p, q])
        shift_j = min(dp * total[p] / weight[j, p], abs(x[i, p] - x[j, p]))
        shift_i = min(dq * total[q] / weight[i, q], abs(x[j, q] - x[i, q]))
        position[j, p] += np.sign(x[i, p] - x[j, p]) * shift_j
        position[i, q] += np.sign(x[j, q] - x[i, q]) * shift_i
        moved[j, p] = moved[i, q] = True
        done.append(
            Trade(
                demander=actors[i],
                supplier=actors[j],
                demand_issue=p,
                supply_issue=q,
                supplier_shift=shift_j,
                demander_shift=shift_i,
                outcome_shift=(dp, dq),
                gain=float(gain.flat[best]),
            )
        )
        outcome = _outcomes(position, weight, present)
    return ExchangeRun(actors, initial, position, initial_outcome, outcome, tuple(done))


def exchange_outcomes(issues: Sequence[IssueDraws]) -> np.ndarray:
    """:func:`run_exchanges`' outcomes on every draw of issues decided together, shape
    (draws, issues): the draws in blocks, each block's exchanges one round at a time for all
    its draws still trading (DECISIONS EXC-7).

    Every number is computed by the same operations in the same order as
    :func:`run_exchanges` on that draw alone (each issue's weighted mean over its actors in
    name order, the first largest gain, ``min`` as Python's), so the outcomes are
    bit-identical to it; a block with a drawn position missing is solved draw by draw.

    Parameters
    ----------
    issues : sequence of IssueDraws
        The same draws of each issue, in scenario order.
    """
    n_draws = issues[0].n if issues else 0
    problems = [issue.problem for issue in issues]
    actors = sorted({a for problem in problems for a in problem.actors})
    per_draw = max(1, len(actors) ** 2 * len(issues) ** 2)
    step = max(1, _BLOCK // per_draw)
    out = np.empty((n_draws, len(issues)))
    for start in range(0, n_draws, step):
        block = slice(start, min(start + step, n_draws))
        out[block] = _exchange_block(issues, actors, block)
    return out


def _exchange_block(issues: Sequence[IssueDraws], actors: list[str], block: slice) -> np.ndarray:
    """:func:`exchange_outcomes` on the draws ``block``."""
    index = {a: k for k, a in enumerate(actors)}
    n, m = len(actors), len(issues)
    b = len(range(*block.indices(issues[0].n)))
    position = np.full((b, n, m), np.nan)
    salience = np.zeros((b, n, m))
    weight = np.zeros((b, n, m))
    stance = []  # each issue's actors, in name order (as run_exchanges' rows)
    for p, issue in enumerate(issues):
        rows = np.array([index[a] for a in issue.problem.actors], dtype=int)
        stance.append(np.sort(rows))
        position[:, rows, p] = issue.position[block]
        salience[:, rows, p] = issue.salience[block]
        weight[:, rows, p] = issue.capability[block] * issue.salience[block]
    if any(np.isnan(position[:, rows, p]).any() for p, rows in enumerate(stance)):
        first = block.start or 0
        return np.array(
            [
                run_exchanges([issue.version(first + d) for issue in issues]).outcome
                for d in range(b)
            ]
        )

    def outcomes(where: np.ndarray) -> np.ndarray:
        got = np.empty((len(where), m))
        for p, rows in enumerate(stance):
            x = np.ascontiguousarray(position[where][:, rows, p])
            w = np.ascontiguousarray(weight[where][:, rows, p])
            got[:, p] = weighted_mean(x, w)
        return got

    going = np.arange(b)
    outcome = outcomes(going)
    if m < 2:
        return outcome
    present = ~np.isnan(position)
    total = weight.sum(axis=1)
    both = present[:, :, None, :, None] & present[:, :, None, None, :]
    both = both & present[:, None, :, :, None] & present[:, None, :, None, :]
    live = (total > 0)[:, :, None] & (total > 0)[:, None, :] & ~np.eye(m, dtype=bool)
    s_ip = salience[:, :, None, :, None]
    s_iq = salience[:, :, None, None, :]
    s_jp = salience[:, None, :, :, None]
    s_jq = salience[:, None, :, None, :]
    w_jp = weight[:, None, :, :, None]
    w_iq = weight[:, :, None, None, :]
    able = both & live[:, None, None] & (s_ip * s_jq > s_iq * s_jp) & (w_jp > 0) & (w_iq > 0)
    safe_total = np.where(total > 0, total, 1.0)
    rate = (s_ip + s_jp) / np.where(s_iq + s_jq > 0, s_iq + s_jq, 1.0)
    moved = np.zeros((b, n, m), dtype=bool)
    final = np.empty((b, m))
    while len(going):
        side = np.nan_to_num(position[going] - outcome[:, None, :])  # 0 where absent
        opposite = side[:, :, None, :] * side[:, None, :, :] < 0  # (draw, i, j, p)
        still = ~moved[going]
        ok = able[going] & opposite[:, :, :, :, None] & opposite[:, :, :, None, :]
        ok &= still[:, None, :, :, None] & still[:, :, None, None, :]
        x = np.nan_to_num(position[going])
        gap_p = np.abs(x[:, :, None, :, None] - x[:, None, :, :, None])
        gap_q = np.abs(x[:, :, None, None, :] - x[:, None, :, None, :])
        r = rate[going]
        d_p = gap_p * w_jp[going] / safe_total[going][:, None, None, :, None]
        d_q_max = gap_q * w_iq[going] / safe_total[going][:, None, None, None, :]
        d_q = np.minimum(r * d_p, d_q_max)
        d_p = np.where(r > 0, d_q / np.where(r > 0, r, 1.0), 0.0)
        gain = np.where(ok, s_ip[going] * d_p - s_iq[going] * d_q, -np.inf)
        gain = gain.reshape(len(going), -1)
        best = gain.argmax(axis=1)
        trade = gain[np.arange(len(going)), best] > GAIN_TOLERANCE
        final[going[~trade]] = outcome[~trade]
        k = np.flatnonzero(trade)
        chosen = best[k]
        i, j, p, q = np.unravel_index(chosen, (n, n, m, m))
        dp = d_p.reshape(len(going), -1)[k, chosen]
        dq = d_q.reshape(len(going), -1)[k, chosen]
        going, x = going[k], x[k]
        rows = np.arange(len(k))
        tot, w = total[going], weight[going]
        far_j, far_i = np.abs(x[rows, i, p] - x[rows, j, p]), np.abs(x[rows, j, q] - x[rows, i, q])
        shift_j, shift_i = dp * tot[rows, p] / w[rows, j, p], dq * tot[rows, q] / w[rows, i, q]
        shift_j = np.where(far_j < shift_j, far_j, shift_j)  # Python's min(shift, far)
        shift_i = np.where(far_i < shift_i, far_i, shift_i)
        position[going, j, p] += np.sign(x[rows, i, p] - x[rows, j, p]) * shift_j
        position[going, i, q] += np.sign(x[rows, j, q] - x[rows, i, q]) * shift_i
        moved[going, j, p] = True
        moved[going, i, q] = True
        outcome = outcomes(going)
    return final


class ExchangeModel(OutcomeModel):
    """Outcome = the compromise (weighted mean) after the exchanges of positions.

    Actors who care relatively more about one issue of a proposal concede on another issue
    of it to an actor who cares relatively more about that one (Stokman & Van Oosten 1994;
    the model Arregui, Stokman & Thomson 2006 test on DEU): each trade moves both actors'
    positions, and the outcome of each issue is the capability x salience weighted mean of
    the positions after all trades (eq. 1). Expected outcome, conditions, equal-gain
    exchange rate and order of trades: :func:`run_exchanges` (DECISIONS EXC-1..EXC-5).

    It links the issues of a scenario (a DEU proposal), so it overrides
    :meth:`~detente.models.base.OutcomeModel.solve_issues`; on one issue alone nothing can be
    traded and it is the compromise model. On the DEU development split it loses to the
    compromise model (DECISIONS EXC-6).

    References
    ----------
    Stokman, F. N. & Van Oosten, R. (1994). The exchange of voting positions: an
    object-oriented model of policy networks. In Bueno de Mesquita & Stokman (eds.),
    *European Community Decision Making*, 105-127. Yale UP.
    Arregui, J., Stokman, F. N. & Thomson, R. (2006). Compromise and exchange models. In
    Thomson, Stokman, Achen & König (eds.), *The European Union Decides*, ch. 5.
    Cambridge UP.
    """

    name = "exchange"
    label = "Exchange (Stokman)"
    reference = "Stokman & Van Oosten 1994; Arregui, Stokman & Thomson 2006"

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        return self.solve_issues([problem])[0]

    def solve_issues(self, problems: Sequence[IssueProblem]) -> list[IssueSolution]:
        run = run_exchanges(problems)
        return [IssueSolution(outcome=float(o)) for o in run.outcome]

    def evaluate(
        self, inputs: Scenario, draws: Draws, seed: int | np.random.Generator = 0
    ) -> dict[str, np.ndarray]:
        """The outcome of every issue on each draw, the issues of a draw solved together:
        all draws at once (:func:`exchange_outcomes`), bit-identical to :meth:`solve_issues`
        draw by draw."""
        per_issue = issue_draws(inputs, draws)
        out = exchange_outcomes([issue for _, issue in per_issue])
        return {name: out[:, k] for k, (name, _) in enumerate(per_issue)}
