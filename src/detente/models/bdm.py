"""Bueno de Mesquita's expected-utility model, as reconstructed by Scholz, Calbert & Smith.

Each round every actor (1) works out how secure its current position is and from that its
risk exponent, (2) evaluates, from its own point of view, what it and every other actor would
expect to gain by challenging the other, (3) accepts the most attractive offer it receives, if
any, and moves. All actors move at once. The forecast is the position that wins every pairwise
vote among the actors' positions (the power-weighted median) after the last round.

Notation (one issue, actors ``i, j, k = 1..n``):

* ``x_i`` position, ``c_i`` capability, ``s_i`` salience on 0-1 (the scenario's 0-100 / 100);
  ``w_i = c_i s_i``.
* ``R = max_i x_i - min_i x_i`` the range of the *initial* positions, fixed for the run;
  ``d_ij = |x_i - x_j| / R`` in [0, 1].
* ``r_i`` actor ``i``'s risk exponent (0.5 risk acceptant ... 2 risk averse).

The equations, labelled (E1)-(E9) in the docstrings below, are those of Scholz et al. (2011,
section 2), who assembled them from Bueno de Mesquita (1994, pp. 74-88; 1997, pp. 235-266).
The reconstruction's free choices (win-probability denominator, compromise selection, the
unreachable capitulation branch, the median tie rule) follow the open re-implementation that
reproduces Scholz et al.'s results and are listed in the model's decision log.

Every function accepts leading batch axes (``(..., n)`` inputs), so Monte Carlo draws can be
solved in one call. Work per round is O(n^3) memory and time (the third-party vote tensor).

References
----------
Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. In
Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*, 71-104. Yale UP.
Bueno de Mesquita, B. (1997). A decision making model: its structure and form.
*International Interactions* 23(3-4), 235-266.
Scholz, J. B., Calbert, G. J., & Smith, G. A. (2011). Unravelling Bueno de Mesquita's group
decision model. *Journal of Theoretical Politics* 23(4), 510-531.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from detente.models._weights import effective_weights
from detente.models.base import IssueProblem, IssueSolution, OutcomeModel
from detente.models.compromise import weighted_mean

ProbabilityRule = Literal["scholz", "bdm"]
CompromiseChoice = Literal["scholz", "nearest"]
OutcomeRule = Literal["median", "mean"]

_PROBABILITY_RULES = ("scholz", "bdm")
_COMPROMISE_CHOICES = ("scholz", "nearest")
_OUTCOME_RULES = ("median", "mean")


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den != 0`` and 0 elsewhere, without warnings."""
    ok = den != 0
    return np.where(ok, num / np.where(ok, den, 1.0), 0.0)


def normalized_distance(position: np.ndarray, span: np.ndarray) -> np.ndarray:
    """``d_ij = |x_i - x_j| / R`` clipped to [0, 1], shape (..., n, n).

    Parameters
    ----------
    position : (..., n) positions.
    span : (...,) the range ``R`` of the initial positions; a zero range gives ``d = 0``.
    """
    x = np.asarray(position, dtype=float)
    span = np.asarray(span, dtype=float)[..., None, None]
    gap = np.abs(x[..., :, None] - x[..., None, :])
    return np.clip(_safe_divide(gap, span), 0.0, 1.0)


def support_matrix(distance: np.ndarray, weight: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """Votes cast for ``x_i`` against ``x_j`` by the actors who prefer ``x_i``, (..., n, n).

    Actor ``k``'s vote for ``x_i`` over ``x_j`` is (Scholz et al. 2011, E1; Bueno de Mesquita
    1994, p. 79)::

        v_k(i, j) = w_k [ d_kj^{r_k} - d_ki^{r_k} ]                                   (E1)

    and the returned matrix is ``N_ij = sum_k max(0, v_k(i, j))`` (the numerator of E2). The
    sum over third parties ``k`` is taken over an (..., n, n, n) tensor.

    Parameters
    ----------
    distance : (..., n, n) normalized distances ``d``.
    weight : (..., n) the voters' ``w_k = c_k s_k``.
    risk : (..., n) the voters' risk exponents ``r_k``.
    """
    dr = distance ** np.asarray(risk, dtype=float)[..., :, None]  # dr[k, a] = d_ka^{r_k}
    votes = dr[..., :, None, :] - dr[..., :, :, None]  # votes[k, i, j] = d_kj^r - d_ki^r
    votes = np.maximum(votes, 0.0) * np.asarray(weight, dtype=float)[..., :, None, None]
    return np.asarray(votes.sum(axis=-3))


def win_probability(
    distance: np.ndarray,
    weight: np.ndarray,
    risk: np.ndarray,
    rule: ProbabilityRule = "scholz",
) -> np.ndarray:
    """Probability ``P_ij`` that ``i`` prevails over ``j`` in a contest, shape (..., n, n).

    ::

        P_ij = sum_k max(0, v_k(i, j)) / Z                                           (E2)

    with ``Z = sum_k sum_a sum_b |v_k(a, b)|`` (the sum of all votes over all pairs), as in
    Scholz et al.'s (2011) computations (``rule="scholz"``), or ``Z = sum_k |v_k(i, j)|`` so
    that ``P_ij + P_ji = 1`` (``rule="bdm"``; Bueno de Mesquita 1994, p. 79). Since
    ``sum_{a,b} |v_k(a,b)| = sum_{a,b} (N_ab + N_ba)``, ``Z`` is twice the sum of ``N``.
    ``P_ii = 0``; when nobody's vote is nonzero (zero saliences or capabilities), ``P = 0``.
    """
    support = support_matrix(distance, weight, risk)
    if rule == "scholz":
        den = 2.0 * support.sum(axis=(-2, -1), keepdims=True)
        den = np.broadcast_to(den, support.shape)
    elif rule == "bdm":
        den = support + np.swapaxes(support, -1, -2)
    else:
        raise ValueError(f"unknown probability rule {rule!r}; use one of {_PROBABILITY_RULES}")
    return _safe_divide(support, den)


def challenge_utilities(
    distance: np.ndarray,
    salience: np.ndarray,
    probability: np.ndarray,
    risk: np.ndarray,
    q: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected utilities of challenging, both from actor ``i``'s point of view, (..., n, n).

    With ``i``'s risk exponent ``r = r_i`` (Scholz et al. 2011, E3-E5; Bueno de Mesquita 1994,
    pp. 80-83; 1997, eqs. 1-6)::

        U_s(ij)  = 2 - 4 (0.5 - 0.5 d_ij)^r      utility of a successful challenge    (E3)
        U_f(ij)  = 2 - 4 (0.5 + 0.5 d_ij)^r      utility of a failed challenge        (E4)
        U_sq     = 2 - 4 (0.5)^r                 utility of the status quo            (E5)

        EU_i(i->j) = s_j [P_ij U_s + (1 - P_ij) U_f] + (1 - s_j) U_s - q U_sq          (E6)
        EU_i(j->i) = s_i [P_ji U_s + (1 - P_ji) U_f] + (1 - s_i) U_s - q U_sq          (E7)

    The challenged actor resists with probability equal to its salience; ``q`` is the
    probability that the status quo holds if no challenge is made.

    Returns
    -------
    own : ``own[i, j] = EU_i(i->j)``, what ``i`` expects from challenging ``j``.
    other : ``other[i, j] = EU_i(j->i)``, what ``i`` thinks ``j`` expects from challenging ``i``.
    """
    r = np.asarray(risk, dtype=float)[..., :, None]
    s = np.asarray(salience, dtype=float)
    u_success = 2.0 - 4.0 * (0.5 - 0.5 * distance) ** r
    u_failure = 2.0 - 4.0 * (0.5 + 0.5 * distance) ** r
    u_status_quo = 2.0 - 4.0 * 0.5**r
    p_ij = probability
    p_ji = np.swapaxes(probability, -1, -2)
    gamble_ij = p_ij * u_success + (1.0 - p_ij) * u_failure
    gamble_ji = p_ji * u_success + (1.0 - p_ji) * u_failure
    s_j = s[..., None, :]
    s_i = s[..., :, None]
    own = s_j * gamble_ij + (1.0 - s_j) * u_success - q * u_status_quo
    other = s_i * gamble_ji + (1.0 - s_i) * u_success - q * u_status_quo
    return own, other


def risk_exponents(
    distance: np.ndarray,
    salience: np.ndarray,
    weight: np.ndarray,
    q: float,
    rule: ProbabilityRule = "scholz",
) -> np.ndarray:
    """Each actor's risk exponent ``r_i`` from the security of its position, shape (..., n).

    With every actor risk neutral (``r = 1``), actor ``i``'s exposure is the sum of what the
    others expect from challenging it, and its risk acceptance compares that exposure with the
    most and least exposed actors (Scholz et al. 2011, E8-E9; Bueno de Mesquita 1994, p. 82;
    1997, p. 254)::

        D_i = sum_{j != i} EU_i(j->i) | r = 1
        R_i = (2 D_i - max_k D_k - min_k D_k) / (max_k D_k - min_k D_k)     in [-1, 1]  (E8)
        r_i = (1 - R_i / 3) / (1 + R_i / 3)                                 in [1/2, 2] (E9)

    When every ``D_i`` is equal (e.g. one actor, or identical positions), ``R_i = 0`` and
    ``r_i = 1``.
    """
    neutral = np.ones(np.shape(weight))
    prob = win_probability(distance, weight, neutral, rule)
    _, other = challenge_utilities(distance, salience, prob, neutral, q)
    n = other.shape[-1]
    danger = np.where(np.eye(n, dtype=bool), 0.0, other).sum(axis=-1)
    hi = danger.max(axis=-1, keepdims=True)
    lo = danger.min(axis=-1, keepdims=True)
    acceptance = _safe_divide(2.0 * danger - hi - lo, hi - lo)
    return np.asarray((1.0 - acceptance / 3.0) / (1.0 + acceptance / 3.0))


def _first_min(key: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise index of the smallest ``key`` among ``mask`` (first on ties) and any(mask)."""
    masked = np.where(mask, key, np.inf)
    return np.argmin(masked, axis=-1)[..., None], mask.any(axis=-1)


def _pick(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    return np.take_along_axis(values, index, axis=-1)[..., 0]


def best_offers(
    position: np.ndarray,
    salience: np.ndarray,
    weight: np.ndarray,
    span: np.ndarray,
    risk: np.ndarray,
    q: float,
    rule: ProbabilityRule = "scholz",
    compromise: CompromiseChoice = "scholz",
    capitulation: bool = False,
) -> np.ndarray:
    """The positions the actors move to this round, shape (..., n).

    For every ordered pair with ``x_i != x_j``, from ``i``'s point of view with ``own = EU_i(i->j)``
    and ``other = EU_i(j->i)`` (E6, E7; Scholz et al. 2011, Fig. 1 and the offer rules; Bueno
    de Mesquita 1994, pp. 83-86)::

        confrontation  other > own > 0                        i would move to x_j
        compromise     other > 0 > own  and  other > |own|    i would move to
                           x_i + (x_j - x_i) |own / other|
        capitulation   other > 0 > own  and  other < |own|    i would move to x_j
                           (only with ``capitulation=True``, see below)

    Each actor takes one offer: a confrontation if it has any (the one needing the smallest
    move), else a compromise, else a capitulation (smallest move). Among compromises,
    ``compromise="scholz"`` takes the offer with the smallest value of
    ``(|own| x_i + |other| x_j) / (|own| + |other|)``, as Scholz et al.'s computations do;
    ``"nearest"`` takes the smallest move, as the paper's text states. Ties go to the
    lower-numbered proposer. ``capitulation=False`` reproduces Scholz et al.'s results, in
    which that branch never fires; an actor in that region then receives no offer from ``j``.
    """
    x = np.asarray(position, dtype=float)
    distance = normalized_distance(x, span)
    prob = win_probability(distance, weight, risk, rule)
    own, other = challenge_utilities(distance, salience, prob, risk, q)

    x_i = x[..., :, None]
    x_j = x[..., None, :]
    distinct = x_i != x_j
    move = np.abs(x_j - x_i)
    loses = distinct & (other > 0.0) & (own < 0.0)
    is_confrontation = distinct & (other > own) & (own > 0.0)
    is_compromise = loses & (other > np.abs(own))
    is_capitulation = loses & (other < np.abs(own)) & capitulation

    ratio = np.abs(_safe_divide(own, other))
    compromise_position = x_i + (x_j - x_i) * ratio
    if compromise == "scholz":
        a_own, a_other = np.abs(own), np.abs(other)
        compromise_key = _safe_divide(a_own * x_i + a_other * x_j, a_own + a_other)
    elif compromise == "nearest":
        compromise_key = np.abs(compromise_position - x_i)
    else:
        raise ValueError(
            f"unknown compromise choice {compromise!r}; use one of {_COMPROMISE_CHOICES}"
        )

    x_row = np.broadcast_to(x_j, move.shape)
    j_conf, has_conf = _first_min(move, is_confrontation)
    j_comp, has_comp = _first_min(compromise_key, is_compromise)
    j_cap, has_cap = _first_min(move, is_capitulation)
    new = np.where(has_cap, _pick(x_row, j_cap), x)
    new = np.where(has_comp, _pick(compromise_position, j_comp), new)
    return np.asarray(np.where(has_conf, _pick(x_row, j_conf), new))


def pairwise_median(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The position that no other actor's position beats in a pairwise vote, shape (...).

    Each actor votes with weight ``w_k`` and risk-neutral (linear) utility, so ``x_a`` beats
    ``x_b`` when ``sum_k w_k (|x_k - x_b| - |x_k - x_a|) > 0`` (Scholz et al. 2011, the median
    voter position; Bueno de Mesquita 1994, p. 79; Black 1948). The winner minimizes
    ``sum_k w_k |x_k - x_a|`` over the actors' positions, i.e. it is the weighted median. When
    two adjacent positions tie (the cumulative weight is exactly one half), every point between
    them ties too and the midpoint is returned, as in
    :func:`detente.models.median.weighted_median`. All-zero weights count as equal weights.
    """
    x = np.asarray(position, dtype=float)
    w = effective_weights(weight)
    loss = (w[..., :, None] * np.abs(x[..., :, None] - x[..., None, :])).sum(axis=-2)
    best = loss.min(axis=-1, keepdims=True)
    scale = (w.sum(axis=-1) * (x.max(axis=-1) - x.min(axis=-1)))[..., None]
    tied = loss <= best + 1e-12 * scale
    lo = np.where(tied, x, np.inf).min(axis=-1)
    hi = np.where(tied, x, -np.inf).max(axis=-1)
    return np.asarray((lo + hi) / 2.0)


@dataclass(frozen=True)
class BdmPath:
    """A run of the model. ``T`` is the number of rounds in which someone moved.

    Attributes
    ----------
    trajectory : (..., T + 1, n) positions, row 0 the initial positions.
    median : (..., T + 1) pairwise-vote (weighted) median after each round.
    mean : (..., T + 1) capability x salience weighted mean after each round.
    risk : (..., T, n) risk exponents ``r_i`` used in each round.
    converged : (...) True where a round moved nobody by more than ``tol`` before the limit.
    """

    trajectory: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    risk: np.ndarray
    converged: np.ndarray


def simulate(
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    *,
    rounds: int = 10,
    q: float = 1.0,
    tol: float = 1e-9,
    probability: ProbabilityRule = "scholz",
    compromise: CompromiseChoice = "scholz",
    capitulation: bool = False,
) -> BdmPath:
    """Run the model for up to ``rounds`` rounds, all actors moving simultaneously.

    Each round: risk exponents from the current positions (E8-E9), then offers under those
    exponents (E1-E7) and moves (:func:`best_offers`). The run stops after ``rounds`` rounds or
    at the first round in which no actor moves by more than ``tol``; that round is not
    recorded (its positions equal the last row up to ``tol``). With batch axes, rows converged
    earlier are held fixed while the others continue.

    Parameters
    ----------
    position : (..., n) initial positions.
    salience : (..., n) saliences on the 0-1 scale (the probability of resisting a challenge).
    capability : (..., n) capabilities, any non-negative unit.
    rounds : maximum number of rounds (>= 0).
    q : probability that the status quo holds if no challenge is made (E6, E7).
    tol : convergence tolerance on the largest move in a round.
    probability, compromise, capitulation : see :func:`win_probability` and :func:`best_offers`.
    """
    if rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {rounds}")
    x = np.array(position, dtype=float)
    if x.shape[-1] == 0:
        raise ValueError("the model needs at least one actor")
    s = np.broadcast_to(np.asarray(salience, dtype=float), x.shape)
    c = np.broadcast_to(np.asarray(capability, dtype=float), x.shape)
    weight = c * s
    span = x.max(axis=-1) - x.min(axis=-1)
    distance0 = normalized_distance(x, span)

    path = [x]
    medians = [pairwise_median(x, weight)]
    means = [weighted_mean(x, weight)]
    risks: list[np.ndarray] = []
    active = np.ones(x.shape[:-1], dtype=bool)
    distance = distance0
    for _ in range(rounds):
        risk = risk_exponents(distance, s, weight, q, probability)
        new = best_offers(x, s, weight, span, risk, q, probability, compromise, capitulation)
        moved = np.abs(new - x).max(axis=-1) > tol
        active = active & moved
        if not active.any():
            break
        x = np.where(active[..., None], new, x)
        distance = normalized_distance(x, span)
        path.append(x)
        risks.append(risk)
        medians.append(pairwise_median(x, weight))
        means.append(weighted_mean(x, weight))
    risk_arr = np.stack(risks, axis=-2) if risks else np.zeros((*x.shape[:-1], 0, x.shape[-1]))
    return BdmPath(
        trajectory=np.stack(path, axis=-2),
        median=np.stack(medians, axis=-1),
        mean=np.stack(means, axis=-1),
        risk=risk_arr,
        converged=~active,
    )


class ExpectedUtility(OutcomeModel):
    """Bueno de Mesquita's expected-utility model, Scholz, Calbert & Smith's reconstruction.

    Actors challenge, compromise with or give in to one another round by round according to
    their expected utilities (see :mod:`detente.models.bdm` for the equations). The forecast
    is the pairwise-vote (weighted) median after the last round (``outcome="median"``, Bueno
    de Mesquita 1994, p. 79) or the weighted mean (``outcome="mean"``). With the defaults it
    reproduces Scholz et al.'s run of the EC car-emissions example.

    Parameters
    ----------
    rounds : maximum number of rounds.
    q : probability that the status quo holds if no challenge is made.
    tol : stop when no position moves by more than this in a round.
    outcome : ``"median"`` or ``"mean"``.
    probability : win-probability denominator, ``"scholz"`` (all votes on all pairs) or
        ``"bdm"`` (votes on the pair only).
    compromise : which compromise an actor takes, ``"scholz"`` or ``"nearest"``.
    capitulation : enable the capitulation branch (never fires in Scholz et al.).

    References
    ----------
    Scholz, J. B., Calbert, G. J., & Smith, G. A. (2011). *J. Theoretical Politics* 23(4).
    Bueno de Mesquita, B. (1994, 1997); see :mod:`detente.models.bdm`.
    """

    name = "bdm"
    label = "Expected utility (Bueno de Mesquita; Scholz et al. reconstruction)"
    reference = "Bueno de Mesquita 1994, 1997; Scholz, Calbert & Smith 2011"

    def __init__(
        self,
        rounds: int = 10,
        q: float = 1.0,
        tol: float = 1e-9,
        outcome: OutcomeRule = "median",
        probability: ProbabilityRule = "scholz",
        compromise: CompromiseChoice = "scholz",
        capitulation: bool = False,
    ) -> None:
        self.rounds = rounds
        self.q = q
        self.tol = tol
        self.outcome = outcome
        self.probability = probability
        self.compromise = compromise
        self.capitulation = capitulation

    def simulate(self, problem: IssueProblem) -> BdmPath:
        """The full run on one issue (salience rescaled from 0-100 to 0-1)."""
        return simulate(
            problem.position,
            np.asarray(problem.salience, dtype=float) / 100.0,
            problem.capability,
            rounds=self.rounds,
            q=self.q,
            tol=self.tol,
            probability=self.probability,
            compromise=self.compromise,
            capitulation=self.capitulation,
        )

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        if self.outcome not in _OUTCOME_RULES:
            raise ValueError(f"unknown outcome rule {self.outcome!r}; use one of {_OUTCOME_RULES}")
        path = self.simulate(problem)
        outcome_path = path.median if self.outcome == "median" else path.mean
        return IssueSolution(
            outcome=float(outcome_path[-1]),
            trajectory=path.trajectory,
            outcome_path=outcome_path,
        )
