"""The Probabilistic Condorcet Election (PCE) of KTAB: how likely each position is to win."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from detente.contract import Tags
from detente.models._weights import effective_weights
from detente.models.base import IssueDraws, IssueProblem, IssueSolution, OutcomeModel
from detente.models.nash import c_rows, packed_rows

VOTING_RULES = ("proportional", "binary", "propbin", "propcbc", "cubic", "asymprosp")
VICTORY_MODELS = ("linear", "square", "quartic", "octic")
PCE_MODELS = ("conditional", "markov_uniform", "markov_incentive")
FORECASTS = ("mean", "mode")

COALITION_FLOOR = 1e-8
"""Every coalition starts from this strength (KTAB's ``minC``), so ``P[i>j]`` is defined
when nobody prefers either option; with weights summing to 1 (DECISIONS PCE-3)."""
BINARY_TOLERANCE = 1e-8
"""Utility difference at which a binary vote reaches ±1 (KTAB's ``sTol``)."""
INCENTIVE_FLOOR = 1e-10
"""Incentive of an option to challenge itself (KTAB's ``epsSupport``)."""
_VICTORY_POWER = {"linear": 1, "square": 2, "quartic": 4, "octic": 8}
_CHUNK = 2_000_000
"""Vote-tensor elements computed at once (16 MB)."""
_SQUARINGS = 64
"""Squarings of the lazy Markov chain: its 2**64-th power is the limit of KTAB's iteration."""


def votes(utility_gap: np.ndarray, weight: np.ndarray, rule: str) -> np.ndarray:
    """Each voter's vote ``v_k(i:j)`` for option ``i`` over ``j`` (KTAB's voting rules).

    ``utility_gap`` is ``u_k(i) - u_k(j)``, shape (..., voters, options, options), and
    ``weight`` (..., voters) the voting weight ``w_k``. With ``Δ = u_k(i) - u_k(j)``:
    proportional ``w Δ``; binary ``w clip(Δ / 1e-8, -1, 1)``; propbin ``w (0.8 Δ + 0.2 bin)``;
    cubic ``w Δ³``; propcbc ``w (Δ + Δ³) / 2``; asymprosp ``w Δ`` for a loss, ``2/3 w Δ`` for a
    gain (Wise et al., KTAB technical documentation, "VotingRule").

    Parameters
    ----------
    utility_gap : numpy.ndarray
        ``u_k(i) - u_k(j)``, shape (..., voters, options, options).
    weight : numpy.ndarray
        The voting weights ``w_k``, shape (..., voters).
    rule : str
        The voting rule, one of :data:`VOTING_RULES`.
    """
    d = np.asarray(utility_gap, dtype=float)
    w = np.asarray(weight, dtype=float)[..., :, None, None]
    if rule == "proportional":
        r = d
    elif rule == "binary":
        r = np.clip(d / BINARY_TOLERANCE, -1.0, 1.0)
    elif rule == "propbin":
        r = 0.8 * d + 0.2 * np.clip(d / BINARY_TOLERANCE, -1.0, 1.0)
    elif rule == "cubic":
        r = d**3
    elif rule == "propcbc":
        r = 0.5 * d + 0.5 * d**3
    else:  # asymprosp
        r = np.where(d > 0, 2.0 * d / 3.0, d)
    return np.asarray(w * r)


def coalitions(
    option: np.ndarray, ideal: np.ndarray, weight: np.ndarray, span: float, rule: str
) -> np.ndarray:
    """``C[i, j]``: the strength of the coalition for option ``i`` against ``j``.

    ``C_ij = floor + Σ_k max(0, v_k(i:j))`` with ``u_k(x) = 1 - |x - x_k| / span``, the
    risk-neutral utility of KTAB's spatial model (``(1 - d)(1 + d R)`` at ``R = 0``), and
    ``C_ii = floor`` (DECISIONS PCE-2, PCE-3).

    Parameters
    ----------
    option : numpy.ndarray
        The candidate positions, shape (options,).
    ideal : numpy.ndarray
        The voters' ideal positions ``x_k``, shape (voters,).
    weight : numpy.ndarray
        The voting weights ``w_k``, shape (voters,).
    span : float
        The width of the issue scale (utility falls to 0 across it).
    rule : str
        The voting rule, one of :data:`VOTING_RULES`.
    """
    utility = 1.0 - np.abs(option[None, :] - ideal[:, None]) / span  # (voters, options)
    m = len(option)
    c = np.full((m, m), COALITION_FLOOR)
    step = max(1, _CHUNK // max(m * m, 1))  # voters per block: memory O(options²), not ³
    for start in range(0, len(ideal), step):
        u = utility[start : start + step]
        gap = u[:, :, None] - u[:, None, :]  # (voters, i, j)
        c += np.clip(votes(gap, weight[start : start + step], rule), 0.0, None).sum(axis=0)
    np.fill_diagonal(c, COALITION_FLOOR)
    return np.asarray(c)


def victory_probabilities(c: np.ndarray, model: str = "linear") -> np.ndarray:
    """``P[i > j] = C_ij^a / (C_ij^a + C_ji^a)``, ``a`` = 1, 2, 4, 8 for linear, square,
    quartic, octic (KTAB "VictoryProbModel"); ``P[i > i] = 1/2``.

    Parameters
    ----------
    c : numpy.ndarray
        The coalition strengths ``C_ij`` (:func:`coalitions`), shape (options, options).
    model : str, default "linear"
        The victory model, one of :data:`VICTORY_MODELS`.
    """
    a = _VICTORY_POWER[model]
    scaled = c / c.max()  # the ratio is scale-free; this keeps c**8 from overflowing
    x = scaled**a
    p = x / (x + x.T)
    np.fill_diagonal(p, 0.5)
    return np.asarray(p)


def conditional_pce(pv: np.ndarray) -> np.ndarray:
    """``P_i = Π_j P[i > j] / Σ_m Π_j P[m > j]``: the probability that ``i`` is the option
    that beats all others, given that one does (KTAB "Conditional" PCE). The factor
    ``P[i > i] = 1/2`` is common to all options and cancels.

    Parameters
    ----------
    pv : numpy.ndarray
        The victory probabilities ``P[i > j]`` (:func:`victory_probabilities`).
    """
    prod = np.prod(pv, axis=1)
    return np.asarray(prod / prod.sum())


def _lazy_limits(m: np.ndarray) -> np.ndarray:
    """:func:`_lazy_limit` of each matrix of a (draws, n, n) stack, bit-identical to it: the
    stacked products are BLAS's products of each matrix, and a matrix whose squares have
    stopped changing is left as :func:`_lazy_limit` leaves it."""
    n = m.shape[1]
    step = 0.5 * (np.eye(n) + m)
    going = np.arange(len(m))
    for _ in range(_SQUARINGS):
        last = step[going]
        now = last @ last
        now /= now.sum(axis=1, keepdims=True)
        step[going] = now
        going = going[~(np.abs(now - last).max(axis=(1, 2)) < 1e-15)]
        if not len(going):
            break
    p = step @ np.full(n, 1.0 / n)
    return np.asarray(p / p.sum(axis=1, keepdims=True))


def _lazy_limit(m: np.ndarray) -> np.ndarray:
    """The limit of ``p ← (p + M p) / 2`` from the uniform distribution, for a
    column-stochastic ``M``: KTAB's damped iteration, run to its end by repeated squaring."""
    n = m.shape[0]
    step = 0.5 * (np.eye(n) + m)
    for _ in range(_SQUARINGS):
        last, step = step, step @ step
        step /= step.sum(axis=0, keepdims=True)  # stay column-stochastic despite rounding
        if np.max(np.abs(step - last)) < 1e-15:  # the limit is reached
            break
    p = step @ np.full(n, 1.0 / n)
    return np.asarray(p / p.sum())


def markov_uniform_pce(pv: np.ndarray) -> np.ndarray:
    """KTAB "MarkovUniform" PCE: the current favourite ``i`` meets a challenger drawn
    uniformly; ``q_i = (1/n) Σ_j P[i > j] (p_i + p_j)``, i.e. ``q = M p`` with
    ``M = (diag(Σ_j P[i>j]) + P) / n`` (column sums 1); the answer is the limit from the
    uniform start.

    Parameters
    ----------
    pv : numpy.ndarray
        The victory probabilities ``P[i > j]`` (:func:`victory_probabilities`).
    """
    n = pv.shape[0]
    m = (np.diag(pv.sum(axis=1)) + pv) / n
    return _lazy_limit(m)


def markov_incentive_pce(c: np.ndarray, pv: np.ndarray) -> np.ndarray:
    """KTAB "MarkovIncentive" PCE: option ``i`` challenges the favourite ``j`` with
    probability ``h_ij = n_ij / Σ_k n_kj``, incentive ``n_ij = C_ij P[i > j]`` (plus 1e-10 on
    the diagonal); ``q_i = Σ_j P[i > j] (p_i h_ji + p_j h_ij)``, i.e. ``q = M p`` with
    ``M = diag(Σ_j P[i>j] h_ji) + P ∘ h`` (column sums 1); the limit from the uniform start.

    Parameters
    ----------
    c : numpy.ndarray
        The coalition strengths ``C_ij`` (:func:`coalitions`).
    pv : numpy.ndarray
        The victory probabilities ``P[i > j]`` (:func:`victory_probabilities`).
    """
    incentive = c * pv + np.eye(c.shape[0]) * INCENTIVE_FLOOR
    h = incentive / incentive.sum(axis=0, keepdims=True)
    m = np.diag((pv * h.T).sum(axis=1)) + pv * h
    return _lazy_limit(m)


class ProbabilisticCondorcet(OutcomeModel):
    """Probabilistic Condorcet Election (PCE), KTAB's formulation, on one issue.

    The candidate outcomes are the distinct positions the actors hold. Actor ``k`` (ideal
    ``x_k``, voting weight ``w_k`` = capability × salience, normalised to sum 1) values
    option ``x_i`` at ``u_k(i) = 1 - |x_i - x_k| / span`` and votes ``v_k(i:j) = w_k f(u_k(i) -
    u_k(j))`` in the pairwise contest of ``i`` and ``j`` (``f`` the voting rule; default
    proportional, ``f(Δ) = Δ``). The coalition for ``i`` against ``j`` is
    ``C_ij = ε + Σ_k max(0, v_k(i:j))`` (``ε = 1e-8``), the probability that ``i`` beats
    ``j`` is ``P[i>j] = C_ij / (C_ij + C_ji)`` (linear victory model), and the probability
    that ``i`` wins the whole election (conditional PCE, the KTAB default)

    .. math:: P_i = \\frac{\\prod_j P[i > j]}{\\sum_m \\prod_j P[m > j]}.

    The Markov variants instead take the stationary distribution of a chain in which the
    current favourite meets a challenger (uniformly chosen, or by incentive ``C_ij P[i>j]``).
    The forecast is the expected position ``Σ_i P_i x_i`` (``forecast="mean"``, DECISIONS
    PCE-1) or the most probable one (``"mode"``). Under proportional voting ``C_ij - C_ji`` is
    the weighted utility gain of ``i`` over ``j``, so the weighted median (the Condorcet winner
    of linear losses) is the most probable option; the mean spreads probability over its rivals.
    The status quo plays no part (DECISIONS PCE-4). On DEU the default is slightly worse
    than the compromise model (DECISIONS PCE-5).

    Parameters
    ----------
    voting_rule : {"proportional", "binary", "propbin", "propcbc", "cubic", "asymprosp"}
    victory : {"linear", "square", "quartic", "octic"}
    pce : {"conditional", "markov_uniform", "markov_incentive"}
    forecast : {"mean", "mode"}

    References
    ----------
    Wise, B. (2015). *Technical overview of KTAB*, and KTAB's model documentation (KAPSARC),
    sections "VotingRule", "VictoryProbModel", "ProbCondorcetElection".
    Wise, B., Lester, L. & Efird, B. (2015). *Markov voting with incentives in KTAB*. KAPSARC.
    Abdollahian, M., Baranick, M., Efird, B. & Kugler, J. (2006). *Senturion: a predictive
    political simulation model*. NDU Center for Technology and National Security Policy.
    Efird, B., Lester, L. & Wise, B. (2016). China's private sector in upstream oil and gas.
    *Journal of East Asian Studies* 16, 117-145.
    """

    name = "pce"
    label = "Probabilistic Condorcet election (KTAB)"
    reference = "Wise 2015 (KTAB); Abdollahian et al. 2006"
    tags = Tags(batchable=True)
    choices: ClassVar[Mapping[str, Sequence[str]]] = {
        "voting_rule": VOTING_RULES,
        "victory": VICTORY_MODELS,
        "pce": PCE_MODELS,
        "forecast": FORECASTS,
    }

    def __init__(
        self,
        voting_rule: str = "proportional",
        victory: str = "linear",
        pce: str = "conditional",
        forecast: str = "mean",
    ) -> None:
        self.voting_rule = voting_rule
        self.victory = victory
        self.pce = pce
        self.forecast = forecast

    def probabilities(self, problem: IssueProblem) -> tuple[np.ndarray, np.ndarray]:
        """The distinct positions (ascending) and each one's probability of winning.

        Parameters
        ----------
        problem : IssueProblem
            The issue: positions, weights and scale.
        """
        self.check_choices()
        position = np.asarray(problem.position, dtype=float)
        w = effective_weights(problem.weight)
        w = w / w.sum()
        options = np.unique(position)
        span = float(problem.scale[1] - problem.scale[0])
        span = span if span > 0 else max(float(np.ptp(position)), 1.0)
        if len(options) == 1:
            return options, np.ones(1)
        c = coalitions(options, position, w, span, self.voting_rule)
        pv = victory_probabilities(c, self.victory)
        if self.pce == "conditional":
            p = conditional_pce(pv)
        elif self.pce == "markov_uniform":
            p = markov_uniform_pce(pv)
        else:
            p = markov_incentive_pce(c, pv)
        return options, p

    def solve_draws(self, draws: IssueDraws) -> np.ndarray:
        """Every draw at once, bit-identical to :meth:`solve_issue` draw by draw: the draws
        are grouped by their number of distinct positions and each group's coalitions,
        victory probabilities and PCE computed as stacked arrays (DECISIONS PCE-6)."""
        self.check_choices()
        position = c_rows(draws.position)
        w = effective_weights(c_rows(draws.capability) * c_rows(draws.salience))
        w = w / w.sum(axis=1, keepdims=True)
        span = float(draws.problem.scale[1] - draws.problem.scale[0])
        spans = np.full(draws.n, span) if span > 0 else np.maximum(np.ptp(position, axis=1), 1.0)
        ordered = np.sort(position, axis=1)
        distinct = np.ones(ordered.shape, dtype=bool)
        distinct[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        out = np.empty(draws.n)
        voters = position.shape[1]
        for rows, cols in packed_rows(distinct):
            options = np.take_along_axis(ordered[rows], cols, axis=1)
            m = options.shape[1]
            if m == 1:
                out[rows] = options[:, 0]
                continue
            block = max(1, _CHUNK // (voters * m * m))
            for start in range(0, len(rows), block):
                at = rows[start : start + block]
                out[at] = self._outcomes(
                    options[start : start + block], position[at], w[at], spans[at]
                )
        return out

    def _outcomes(
        self, options: np.ndarray, ideal: np.ndarray, w: np.ndarray, span: np.ndarray
    ) -> np.ndarray:
        """:meth:`solve_issue`'s answer for each row of (rows, options) and (rows, voters)
        arrays: :func:`coalitions` to the forecast with a leading draw axis."""
        m = options.shape[1]
        utility = 1.0 - np.abs(options[:, None, :] - ideal[:, :, None]) / span[:, None, None]
        c = np.full((len(options), m, m), COALITION_FLOOR)
        step = max(1, _CHUNK // max(m * m, 1))  # the voters' blocks of :func:`coalitions`
        for start in range(0, ideal.shape[1], step):
            u = utility[:, start : start + step]
            gap = u[:, :, :, None] - u[:, :, None, :]  # (rows, voters, i, j)
            vote = votes(gap, w[:, start : start + step], self.voting_rule)
            c += np.clip(vote, 0.0, None).sum(axis=1)
        diagonal = np.arange(m)
        c[:, diagonal, diagonal] = COALITION_FLOOR
        a = _VICTORY_POWER[self.victory]
        x = (c / c.max(axis=(1, 2), keepdims=True)) ** a
        pv = x / (x + x.transpose(0, 2, 1))
        pv[:, diagonal, diagonal] = 0.5
        if self.pce == "conditional":
            prod = np.prod(pv, axis=2)
            p = prod / prod.sum(axis=1, keepdims=True)
        elif self.pce == "markov_uniform":
            chain = pv.copy()
            chain[:, diagonal, diagonal] += pv.sum(axis=2)
            p = _lazy_limits(chain / m)
        else:
            incentive = c * pv
            incentive[:, diagonal, diagonal] += INCENTIVE_FLOOR
            h = incentive / incentive.sum(axis=1, keepdims=True)
            chain = pv * h
            chain[:, diagonal, diagonal] += (pv * h.transpose(0, 2, 1)).sum(axis=2)
            p = _lazy_limits(chain)
        if self.forecast == "mode":
            return np.asarray(np.take_along_axis(options, p.argmax(axis=1)[:, None], axis=1)[:, 0])
        return np.array([float(np.dot(p[r], options[r])) for r in range(len(options))])

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        options, p = self.probabilities(problem)
        if self.forecast == "mode":
            return IssueSolution(outcome=float(options[int(np.argmax(p))]))
        return IssueSolution(outcome=float(np.dot(p, options)))
