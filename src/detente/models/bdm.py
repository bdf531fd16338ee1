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

The equations are those Scholz et al. (2011) assembled from Bueno de Mesquita (1994, 1997).
The labels (E1)-(E9) in the docstrings below are this module's own: the paper's equation
numbers could not be checked when this was written, so cite the paper by section, not by
these labels. The reconstruction's free choices (win-probability denominator, compromise
selection, the unreachable capitulation branch, the median tie rule) follow the open
re-implementation (jmckib/bdm-scholz-expected-utility-model) whose author reports that it
reproduces Scholz et al.'s results; they are listed in docs/DECISIONS.md as BDM-1 to BDM-11.

:func:`simulate` takes and returns arrays with leading batch axes (``(..., n)``), so Monte
Carlo draws are solved in one call. The round's functions work actor-first with the batch
axes last (``(n, ...)`` and ``(n, n, ...)``): numpy's inner loops then run over the draws,
contiguous, instead of over n actors. The third-party vote sums are prefix sums over the
voters in position order (:class:`VoterSplit`), so a round takes O(n^2) memory and
O(n^2 + n^3 / 8) time (the n^3 part is a one-byte comparison that counts voters).

References
----------
Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. In
Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*. Yale UP.
Bueno de Mesquita, B. (1997). A decision making model: its structure and form.
*International Interactions* 23(3-4), 235-266.
Scholz, J. B., Calbert, G. J., & Smith, G. A. (2011). Unravelling Bueno de Mesquita's group
decision model. *Journal of Theoretical Politics* 23(4), 510ff. (A conference version
appeared in the ICAART 2011 proceedings, SciTePress.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal, NamedTuple

import numpy as np

from detente.contract import Tags
from detente.models._weights import effective_weights
from detente.models.base import (
    Convergence,
    IssueDraws,
    IssueProblem,
    IssueSolution,
    OutcomeModel,
)
from detente.models.median import weighted_median

ProbabilityRule = Literal["scholz", "bdm"]
CompromiseChoice = Literal["scholz", "nearest"]
OutcomeRule = Literal["median", "mean"]

_PROBABILITY_RULES = ("scholz", "bdm")
_COMPROMISE_CHOICES = ("scholz", "nearest")
_OUTCOME_RULES = ("median", "mean")


_COUNT_BLOCK = 1 << 22
"""Largest boolean block (elements) when counting voters left of the midpoints."""
_CUMSUM_WIDTH = 256
"""Below this many (pair, draw) columns, prefix sums use one cumsum call (see support_matrix)."""
_SMALL_N = 32
"""Up to this many actors, a single run (no batch) takes :func:`_small_round` (BDM-13)."""
_SLAB_SCALE = np.array([1.0, -0.5, 0.5])[:, None, None]
_SLAB_SHIFT = np.array([0.0, 0.5, 0.5])[:, None, None]


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den != 0`` and 0 elsewhere, without warnings (``den`` broadcasts)."""
    out = np.zeros(np.shape(num))
    np.divide(num, den, out=out, where=den != 0)
    return out


def normalized_distance(position: np.ndarray, span: np.ndarray) -> np.ndarray:
    """``d_ij = |x_i - x_j| / R`` capped at 1, shape (n, n, ...).

    Parameters
    ----------
    position : (n, ...) positions.
    span : (...) the range ``R`` of the initial positions; a zero range gives ``d = 0``.
    """
    x = np.asarray(position, dtype=float)
    inverse = _safe_divide(np.ones(np.shape(span)), np.asarray(span, dtype=float))
    return _distance(x, inverse)


def _row_power(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """``base[i, j] ** exponent[i]`` for (n, n, ...) ``base >= 0`` and (n, ...) ``exponent``.

    Computed as ``exp(exponent * log(base))``: numpy vectorizes float64 exp and log but not
    power, so this takes ~20 % less time, and agrees with ``**`` to a few ulp (``0 ** r = 0``).
    """
    with np.errstate(divide="ignore"):  # log(0) = -inf, and exp(-inf) = 0
        out = np.log(base)
    out *= np.asarray(exponent)[:, None]
    return np.asarray(np.exp(out, out=out))


def _distance(x: np.ndarray, inverse_span: np.ndarray) -> np.ndarray:
    """:func:`normalized_distance` with ``1 / R`` precomputed (0 where ``R = 0``)."""
    d = np.abs(x[None, :] - x[:, None])
    d *= inverse_span
    return np.asarray(np.minimum(d, 1.0, out=d))


@dataclass(frozen=True)
class VoterSplit:
    """For every pair ``(i, j)``, which voters are closer to ``x_i`` than to ``x_j``.

    On a line, the voters who prefer ``x_i`` to ``x_j`` are those on ``x_i``'s side of the
    midpoint ``(x_i + x_j) / 2``: a prefix (when ``x_i < x_j``) or a suffix of the voters
    sorted by position. Any sum ``sum_k max(0, F_kj - F_ki)`` with ``F_k.`` increasing in the
    distance from ``x_k`` is then a difference of prefix sums (:func:`support_matrix`), with
    O(n^2) memory instead of the n^3 vote tensor. A voter on the midpoint is indifferent and
    contributes nothing either way. The split depends on the positions only, so one serves
    both of a round's vote counts.

    Attributes (``b`` the batch axes flattened)
    ----------
    sort_rows : (n, n, b) flat indices reordering the rows of an (n, n, b) array by position.
    below : (n, n, b) flat indices into the (n + 1, n, b) prefix sums: row
        ``#{k: x_k < (x_i + x_j) / 2}`` (the voters left of the midpoint), column ``j``.
    i_left : (n, n, b) ``x_i <= x_j``: the voters for ``i`` are the prefix, else the suffix.
    """

    sort_rows: np.ndarray
    below: np.ndarray
    i_left: np.ndarray

    @classmethod
    def of(cls, position: np.ndarray) -> VoterSplit:
        """The split for (n, ...) positions."""
        x = np.asarray(position, dtype=float)
        x = x.reshape(x.shape[0], -1)
        n, b = x.shape
        order = np.argsort(x, axis=0, kind="stable")
        draw = np.arange(b)
        doubled_sorted = 2.0 * x.reshape(-1).take(order * b + draw)
        twice_mid = x[:, None] + x[None, :]
        # voters left of each midpoint, counted over blocks of voters (bounded memory; each
        # block's count fits an int8, which halves the time of the count)
        count = np.zeros(twice_mid.shape, dtype=np.intp)
        per_block = min(127, max(1, _COUNT_BLOCK // twice_mid.size))
        for start in range(0, n, per_block):
            block = doubled_sorted[start : start + per_block, None, None]
            count += (block < twice_mid).sum(axis=0, dtype=np.int8)
        column = np.arange(n)[:, None] * b + draw  # flat index of (c, draw) in an (n, b) slab
        count *= n * b
        count += column[None]
        return cls(
            sort_rows=(order * (n * b))[:, None, :] + column[None],
            below=count,
            i_left=x[:, None] <= x[None, :],
        )


def support_matrix(
    split: VoterSplit, distance: np.ndarray, weight: np.ndarray, risk: np.ndarray | None = None
) -> np.ndarray:
    """Votes cast for ``x_i`` against ``x_j`` by the actors who prefer ``x_i``, (n, n, ...).

    Actor ``k``'s vote for ``x_i`` over ``x_j`` is (Scholz et al. 2011; Bueno de Mesquita
    1994)::

        v_k(i, j) = w_k [ d_kj^{r_k} - d_ki^{r_k} ]                                   (E1)

    and the returned matrix is ``N_ij = sum_k max(0, v_k(i, j))`` (the numerator of E2),
    computed with prefix sums over the voters in position order (:class:`VoterSplit`).

    Parameters
    ----------
    split : :meth:`VoterSplit.of` the positions.
    distance : (n, n, ...) normalized distances ``d``.
    weight : (n, ...) the voters' ``w_k = c_k s_k``.
    risk : (n, ...) the voters' risk exponents ``r_k``; None for ``r_k = 1``.
    """
    d = np.asarray(distance, dtype=float)
    n = d.shape[0]
    w = np.asarray(weight, dtype=float)[:, None]
    utility = w * (d if risk is None else _row_power(d, np.asarray(risk, dtype=float)))
    by_position = utility.reshape(-1).take(split.sort_rows).reshape(n, -1)
    # prefix[m] = sum of the first m sorted voters' rows. On wide rows (many draws), one
    # vectorized add per voter: numpy's cumsum along a leading axis does not vectorize and is
    # ~10x slower there; on narrow rows (one solve), cumsum saves the calls. Both add in the
    # same order, so the results are identical. (A triangular matmul would bring BLAS
    # threads into every solve, see BDM-11.)
    prefix = np.zeros((n + 1, by_position.shape[1]))
    if by_position.shape[1] < _CUMSUM_WIDTH:
        np.cumsum(by_position, axis=0, out=prefix[1:])
    else:
        for voter in range(n):
            np.add(prefix[voter], by_position[voter], out=prefix[voter + 1])
    # at_mid[i, j] = sum over the voters left of the midpoint of F_kj; the midpoint (and so the
    # set) is the same for (j, i), so the same sum of F_ki is at_mid[j, i]
    at_mid = prefix.reshape(-1).take(split.below)
    left = at_mid - at_mid.swapaxes(0, 1)
    total = prefix[n].reshape(n, -1)
    support = np.where(split.i_left, left, (total[None] - total[:, None]) - left)
    return np.asarray(support.reshape(d.shape))


def win_probability(
    split: VoterSplit,
    distance: np.ndarray,
    weight: np.ndarray,
    risk: np.ndarray | None = None,
    rule: ProbabilityRule = "scholz",
) -> np.ndarray:
    """Probability ``P_ij`` that ``i`` prevails over ``j`` in a contest, shape (n, n, ...).

    ::

        P_ij = sum_k max(0, v_k(i, j)) / Z                                           (E2)

    with ``Z = sum_k sum_a sum_b |v_k(a, b)|``, the sum of all votes over all pairs
    (``rule="scholz"``: the denominator of Scholz et al.'s computations, as reported by the
    re-implementation that reproduces them), or ``Z = sum_k |v_k(i, j)|``, so that
    ``P_ij + P_ji = 1`` (``rule="bdm"``: the pairwise normalization that re-implementation's
    author proposes as closer to Bueno de Mesquita's intent). The Scholz denominator makes
    every ``P_ij`` small; the two rules give very different dynamics. Since
    ``sum_{a,b} |v_k(a,b)| = sum_{a,b} (N_ab + N_ba)``, ``Z`` is twice the sum of ``N``
    (DECISIONS BDM-2).
    ``P_ii = 0``; when nobody's vote is nonzero (zero saliences or capabilities), ``P = 0``.
    """
    support = support_matrix(split, distance, weight, risk)
    if rule == "scholz":
        scale = _safe_divide(np.ones(support.shape[2:]), 2.0 * support.sum(axis=(0, 1)))
        return np.asarray(support * scale)
    if rule == "bdm":
        return _safe_divide(support, support + support.swapaxes(0, 1))
    raise ValueError(f"unknown probability rule {rule!r}; use one of {_PROBABILITY_RULES}")


def challenge_utilities(
    distance: np.ndarray,
    salience: np.ndarray,
    probability: np.ndarray,
    risk: np.ndarray,
    q: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected utilities of challenging, both from actor ``i``'s point of view, (n, n, ...).

    With ``i``'s risk exponent ``r = r_i`` for both sides (DECISIONS BDM-6; Scholz et al.
    2011; Bueno de Mesquita 1994, 1997)::

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
    r = np.asarray(risk, dtype=float)[:, None]
    s = np.asarray(salience, dtype=float)
    # With a = (0.5 - d/2)^r and b = (0.5 + d/2)^r, U_s = 2 - 4a and U_f = 2 - 4b, so
    # s [P U_s + (1 - P) U_f] + (1 - s) U_s - q U_sq = (U_s - q U_sq) - 4 s (1 - P) (b - a)
    # where U_s - q U_sq = 2 (1 - q) + 4 q 0.5^r - 4 a. In place: these arrays are the hot
    # loop's largest.
    half = 0.5 * distance
    a = _row_power(0.5 - half, risk)
    four_b_minus_a = _row_power(0.5 + half, risk)
    four_b_minus_a -= a
    four_b_minus_a *= 4.0
    sure_win = a  # U_s - q U_sq, the value of a challenge sure to succeed (a's memory)
    sure_win *= -4.0
    sure_win += 2.0 * (1.0 - q) + 4.0 * q * 0.5**r
    # what i expects the challenged side to keep, s_j (1 - P_ij); transposed, it is the same
    # for j challenging i, s_i (1 - P_ji)
    kept = 1.0 - probability
    kept *= s[None, :]
    own = kept * four_b_minus_a
    np.subtract(sure_win, own, out=own)
    other = kept.swapaxes(0, 1) * four_b_minus_a
    np.subtract(sure_win, other, out=other)
    return own, other


def risk_exponents(
    split: VoterSplit,
    distance: np.ndarray,
    salience: np.ndarray,
    weight: np.ndarray,
    rule: ProbabilityRule = "scholz",
) -> np.ndarray:
    """Each actor's risk exponent ``r_i`` from the security of its position, shape (n, ...).

    With every actor risk neutral (``r = 1``), actor ``i``'s exposure is the sum of what the
    others expect from challenging it, and its risk acceptance compares that exposure with the
    most and least exposed actors (Scholz et al. 2011; Bueno de Mesquita 1994, 1997)::

        D_i = sum_{j != i} EU_i(j->i) | r = 1
        R_i = (2 D_i - max_k D_k - min_k D_k) / (max_k D_k - min_k D_k)     in [-1, 1]  (E8)
        r_i = (1 - R_i / 3) / (1 + R_i / 3)                                 in [1/2, 2] (E9)

    At ``r = 1``, E3-E7 reduce to ``U_s = 2 d``, ``U_f = -2 d``, ``U_sq = 0`` and
    ``EU_i(j->i) = 2 d_ij [1 - 2 s_i (1 - P_ji)]``, which is what is computed (``q`` drops
    out). When every ``D_i`` is equal (one actor, identical positions), ``R_i = 0`` and
    ``r_i = 1`` (DECISIONS BDM-5).
    """
    prob = win_probability(split, distance, weight, None, rule)
    reach = distance.sum(axis=1)  # sum_j d_ij
    # sum_j d_ij (1 - P_ji) = reach - sum_j d_ij P_ji
    held = reach - (distance * prob.swapaxes(0, 1)).sum(axis=1)
    danger = 2.0 * reach - 4.0 * np.asarray(salience) * held
    hi = danger.max(axis=0)
    lo = danger.min(axis=0)
    # E8 substituted into E9: r_i = (2 hi - lo - D_i) / (hi - 2 lo + D_i); the denominator is
    # at least hi - lo, so it is positive unless every D_i is equal (then r_i = 1).
    risk = np.ones(danger.shape)
    np.divide(2.0 * hi - lo - danger, hi - 2.0 * lo + danger, out=risk, where=hi > lo)
    return risk


def best_offers(
    position: np.ndarray,
    own: np.ndarray,
    other: np.ndarray,
    compromise: CompromiseChoice = "scholz",
    capitulation: bool = False,
) -> np.ndarray:
    """The positions the actors move to this round, shape (n, ...).

    For every ordered pair with ``x_i != x_j``, from ``i``'s point of view with
    ``own = EU_i(i->j)`` and ``other = EU_i(j->i)`` (E6, E7, from
    :func:`challenge_utilities`; the offer rules of Scholz et al. 2011 and Bueno de Mesquita
    1994, 1997)::

        confrontation  other > own > 0                        i would move to x_j
        compromise     other > 0 > own  and  other > |own|    i would move to
                           x_i + (x_j - x_i) |own / other|
        capitulation   other > 0 > own  and  other < |own|    i would move to x_j
                           (only with ``capitulation=True``, see below)

    Each actor takes one offer: a confrontation if it has any (the one needing the smallest
    move), else a compromise, else a capitulation (smallest move). Among compromises,
    ``compromise="scholz"`` takes the offer with the smallest value of
    ``(|own| x_i + |other| x_j) / (|own| + |other|)``, the rule of Scholz et al.'s code as
    reported by the re-implementation; ``"nearest"`` takes the compromise needing the smallest
    move, which, per the re-implementation's author, is how the paper's text and Bueno de
    Mesquita describe the choice (DECISIONS BDM-3).
    Ties go to the lower-numbered proposer. With ``capitulation=False`` (the default) the
    capitulation branch is off, as in the re-implementation, where it can never fire; an actor
    in that region then receives no offer from ``j`` (DECISIONS BDM-4).
    """
    if compromise not in _COMPROMISE_CHOICES:
        raise ValueError(
            f"unknown compromise choice {compromise!r}; use one of {_COMPROMISE_CHOICES}"
        )
    x = np.asarray(position, dtype=float)
    n = x.shape[0]
    x_i = x.reshape(n, -1)  # (n, b), b the flattened batch
    b = x_i.shape[1]
    own, other = (np.asarray(u).reshape(n, n, b) for u in (own, other))
    step = x_i[None, :] - x_i[:, None]  # step[i, j] = x_j - x_i
    move = np.abs(step)
    # Pairs at the same position need no mask: there d = 0, so E6 and E7 give exactly
    # own == other, which satisfies neither condition below.
    is_confrontation = own > 0.0
    is_confrontation &= other > own
    is_compromise = own < 0.0
    is_compromise &= other + own > 0.0  # other > -own: other > 0 > own
    with np.errstate(divide="ignore", invalid="ignore"):  # read only where is_compromise
        fraction = own / other
        np.negative(fraction, out=fraction)  # |own / other|, the share of the way moved
        if compromise == "scholz":
            # (|own| x_i + other x_j) / (|own| + other) = x_i + step / (1 + |own / other|);
            # x_i is the same along the row, so the argmin only needs the second term
            compromise_key = fraction + 1.0
            np.divide(step, compromise_key, out=compromise_key)
        else:
            compromise_key = move * fraction
    # each actor takes the best kind of offer it has (confrontation, then compromise, then
    # capitulation), the smallest key within that kind, the lowest proposer index on ties
    fallback = is_compromise
    if capitulation:
        is_capitulation = own < 0.0
        is_capitulation &= other > 0.0
        is_capitulation &= other + own < 0.0
        fallback = is_compromise | (is_capitulation & _none_in_row(is_compromise))
    use = is_confrontation | (fallback & _none_in_row(is_confrontation))
    key = np.where(is_compromise, compromise_key, move)
    np.copyto(key, np.inf, where=~use)
    of_j = _first_minimum(key) * b + np.arange(b)  # flat index of x_j, j the chosen proposer
    of_pair = of_j + np.arange(n)[:, None] * (n * b)  # flat index of (i, j) in (n, n, b)
    target = np.where(
        is_compromise.reshape(-1).take(of_pair),
        x_i + step.reshape(-1).take(of_pair) * fraction.reshape(-1).take(of_pair),
        x_i.reshape(-1).take(of_j),  # x_j exactly
    )
    moves = use.reshape(-1).take(of_pair)  # the chosen pair is an offer iff the row has one
    return np.asarray(np.where(moves, target, x_i).reshape(x.shape))


def _none_in_row(pairs: np.ndarray) -> np.ndarray:
    """(n, 1, b) True where row ``i`` of the (n, n, b) ``pairs`` has no True."""
    return np.asarray(~pairs.any(axis=1, keepdims=True))


def _first_minimum(key: np.ndarray) -> np.ndarray:
    """``np.argmin(key, axis=1)`` for an (n, n, b) array: the first ``j`` at the row minimum.

    numpy's argmin along a middle axis copies the array and loops over short rows; a
    minimum and a comparison run over the draws and take half the time.
    """
    return np.asarray(np.argmax(key == key.min(axis=1, keepdims=True), axis=1))


@dataclass(frozen=True)
class BdmPath:
    """A run of the model. ``T`` is the number of rounds in which someone moved.

    Attributes
    ----------
    trajectory : (..., T + 1, n) positions, row 0 the initial positions.
    risk : (..., T, n) risk exponents ``r_i`` used in each round.
    converged : (...) True where a round moved nobody by more than ``tol`` before the limit.
    share : (..., n) the actors' shares of capability x salience (equal if all are zero).
    tol : the run's tolerance: positions closer than this count as the same.
    """

    trajectory: np.ndarray
    risk: np.ndarray
    converged: np.ndarray
    share: np.ndarray
    tol: float = 0.0

    @cached_property
    def period(self) -> np.ndarray:
        """(...) the period of the loop the last positions lie on: 1 where the run converged,
        the smallest ``p >= 2`` such that no position differs by more than ``tol`` from ``p``
        rounds earlier (a cycle: a round's positions fix the next round's, so the run would
        go round those ``p`` rounds for ever), else 0 (DECISIONS BDM-12)."""
        rounds = self.trajectory.shape[-2] - 1
        period = np.where(self.converged, 1, 0)
        if rounds < 2 or period.all():
            return period
        # earlier[..., m, :] is the row p = m + 2 rounds before the last
        earlier = self.trajectory[..., rounds - 2 :: -1, :]
        gap = np.abs(self.trajectory[..., -1:, :] - earlier)
        repeats = np.maximum.reduce(gap, axis=-1, initial=0.0) <= self.tol
        found = np.logical_or.reduce(repeats, axis=-1)
        smallest = np.where(found, repeats.argmax(axis=-1) + 2, 0)
        return np.where(period == 0, smallest, period)

    @cached_property
    def median(self) -> np.ndarray:
        """(..., T + 1) pairwise-vote (weighted) median after each round, the midpoint on
        exact ties (DECISIONS BDM-8)."""
        return self._median(self.trajectory)

    @cached_property
    def mean(self) -> np.ndarray:
        """(..., T + 1) capability x salience weighted mean after each round."""
        return self._mean(self.trajectory)

    def final(self, rule: OutcomeRule) -> np.ndarray:
        """(...) the outcome after the last round: the ``"median"`` or the ``"mean"``.

        Computed on the last round only (a Monte Carlo sweep needs no more).
        """
        if rule not in _OUTCOME_RULES:
            raise ValueError(f"unknown outcome rule {rule!r}; use one of {_OUTCOME_RULES}")
        last = self.trajectory[..., -1:, :]
        return (self._median(last) if rule == "median" else self._mean(last))[..., 0]

    def _median(self, rows: np.ndarray) -> np.ndarray:
        share = np.broadcast_to(self.share[..., None, :], rows.shape)
        return weighted_median(rows, share)

    def _mean(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray((self.share[..., None, :] * rows).sum(axis=-1))


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
    """Run the model for up to ``rounds`` rounds, all actors moving simultaneously, the range
    of the initial positions fixed for the run (DECISIONS BDM-7).

    Each round: risk exponents from the current positions (E8-E9), then offers under those
    exponents (E1-E7) and moves (:func:`best_offers`). The run stops after ``rounds`` rounds or
    at the first round in which no actor moves by more than ``tol``; that round is not
    recorded (its positions equal the last row up to ``tol``). With batch axes, rows converged
    earlier are held fixed while the others continue (DECISIONS BDM-10).

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
    if probability not in _PROBABILITY_RULES:
        raise ValueError(f"unknown probability rule {probability!r}; use {_PROBABILITY_RULES}")
    if compromise not in _COMPROMISE_CHOICES:
        raise ValueError(f"unknown compromise choice {compromise!r}; use {_COMPROMISE_CHOICES}")
    x = np.asarray(position, dtype=float)
    s = np.asarray(salience, dtype=float)
    c = np.asarray(capability, dtype=float)
    if not x.shape == s.shape == c.shape:  # e.g. Monte Carlo draws of capability only
        shape = np.broadcast_shapes(x.shape, s.shape, c.shape)
        x, s, c = (np.broadcast_to(v, shape) for v in (x, s, c))
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError("the model needs at least one actor")
    if x.size == x.shape[-1] <= _SMALL_N:  # one run of a few actors: DECISIONS BDM-13
        return _one_run(x, s, c, rounds, q, tol, (probability, compromise, capitulation))
    weight = c * s
    share = effective_weights(weight)
    share = share / share.sum(axis=-1, keepdims=True)
    # the rounds run actor-first with the batch flattened last: numpy's inner loops then run
    # over the draws, contiguous, instead of over n actors
    batch, n = x.shape[:-1], x.shape[-1]
    xt, st, wt = (np.ascontiguousarray(v.reshape(-1, n).T) for v in (x, s, weight))
    span = xt.max(axis=0) - xt.min(axis=0)
    inverse_span = _safe_divide(np.ones_like(span), span)
    path = [xt]
    risks: list[np.ndarray] = []
    active = np.ones(span.shape, dtype=bool)
    for _ in range(rounds):
        distance = _distance(xt, inverse_span)
        split = VoterSplit.of(xt)
        risk = risk_exponents(split, distance, st, wt, probability)
        prob = win_probability(split, distance, wt, risk, probability)
        own, other = challenge_utilities(distance, st, prob, risk, q)
        new = best_offers(xt, own, other, compromise, capitulation)
        active &= np.abs(new - xt).max(axis=0) > tol
        if not active.any():
            break
        xt = np.where(active, new, xt)
        path.append(xt)
        risks.append(risk)

    def batch_first(rows: list[np.ndarray]) -> np.ndarray:  # (T, n, b) -> (..., T, n)
        stacked = np.stack(rows) if rows else np.zeros((0, *xt.shape))
        return np.ascontiguousarray(stacked.transpose(2, 0, 1)).reshape(*batch, len(rows), n)

    return BdmPath(
        trajectory=batch_first(path),
        risk=batch_first(risks),
        converged=~active.reshape(batch),
        share=share,
        tol=tol,
    )


def _one_run(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    rounds: int,
    q: float,
    tol: float,
    rules: tuple[ProbabilityRule, CompromiseChoice, bool],
) -> BdmPath:
    """:func:`simulate` on one run of ``n <= _SMALL_N`` actors (arrays of shape (..., n) with
    a single row): the same set-up in scalars and 1-d arrays, the rounds of
    :func:`_small_run` (DECISIONS BDM-13)."""
    batch, n = x.shape[:-1], x.shape[-1]
    weight = c * s
    w = weight.reshape(n)
    total = float(np.add.reduce(w))  # effective_weights: equal weights if all are zero
    share = w / total if total > 0 else np.ones(n) / float(n)
    xs = x.reshape(n)
    span = float(np.maximum.reduce(xs)) - float(np.minimum.reduce(xs))
    path, risks, moving = _small_run(
        xs, s.reshape(n), w, 1.0 / span if span != 0 else 0.0, rounds, q, tol, rules
    )
    return BdmPath(
        trajectory=np.concatenate(path).reshape(*batch, len(path), n),
        risk=(np.concatenate(risks) if risks else np.zeros(0)).reshape(*batch, len(risks), n),
        converged=np.invert(np.full(batch, moving)),
        share=share.reshape(x.shape),
        tol=tol,
    )


# 0-d constants: numpy converts a Python float operand on every call, a 0-d array it does not
_ZERO, _HALF, _ONE, _TWO, _FOUR, _INF = (np.array(v) for v in (0.0, 0.5, 1.0, 2.0, 4.0, np.inf))
_MINUS_HALF = np.array(-0.5)


@lru_cache(maxsize=_SMALL_N)
def _small_indices(n: int) -> tuple[np.ndarray, ...]:
    """Flat indices that spread (n,) and (n, n) arrays to full (n, n) or (3, n, n) arrays by
    one ``take``, contiguous (a broadcast or a transposed operand costs numpy ~0.5 us more):
    row ``i`` of ``v.take(of_i)`` is ``v[i]``, column ``j`` of ``v.take(of_j)`` is ``v[j]``,
    ``m.take(transpose) = m.T``, ``v.take(of_i3)[t, i, j] = v[i]``; and ``rows``, the flat
    index of (i, 0)."""
    index = np.arange(n)
    of_i = np.repeat(index, n).reshape(n, n)
    of_j = np.tile(index, n).reshape(n, n)
    out = (of_i, of_j, of_j * n + of_i, np.tile(of_i, (3, 1, 1)), index * n)
    for a in out:
        a.flags.writeable = False
    return out


class _Workspace(NamedTuple):
    """What :func:`_small_round` needs besides the positions: the rules, what depends only on
    the saliences, weights, ``q`` and the range (once per run, as full (n, n) arrays or 0-d
    arrays), index arrays (:func:`_small_indices`), and buffers allocated once per run with
    views into them, so that no round indexes or allocates them again."""

    probability: ProbabilityRule
    compromise: CompromiseChoice
    capitulation: bool
    salience: np.ndarray  # (n, n) s_j in column j
    four_s: np.ndarray  # (n,) 4 s
    weight: np.ndarray  # (n, n) w_k = c_k s_k in row k
    inverse_span: np.ndarray  # 0-d 1 / R (0 where R = 0)
    sure_shift: np.ndarray | None  # 0-d 2 (1 - q) of U_s - q U_sq, None where it is 0
    sure_scale: np.ndarray  # 0-d 4 q of U_s - q U_sq
    of_i: np.ndarray  # see _small_indices
    of_j: np.ndarray
    transpose: np.ndarray
    of_i3: np.ndarray
    rows: np.ndarray
    scratch: np.ndarray  # (n, n) grid[0]: w d, then d P1^T
    distance: np.ndarray  # (n, n) grid[1]: d, then w d^r
    sums: np.ndarray  # (2, n, n) grid[0:2], summed over j in one call
    minus: np.ndarray  # (n, n) grid[2]: 0.5 - d/2, its power a, 4 a, then U_s - q U_sq
    plus: np.ndarray  # (n, n) grid[3]: 0.5 + d/2, its power b, 4 b, then 4 (b - a)
    halves: np.ndarray  # (2, n, n) grid[2:4]
    powers: np.ndarray  # (3, n, n) grid[1:4]: raised to r_i in one exp(r log(.))
    votes: np.ndarray  # (n, n, n) the vote tensor
    support: np.ndarray  # (n, n) its sum over the voters
    scratch_votes: tuple[np.ndarray, np.ndarray]  # scratch as (n, 1, n), (n, n, 1)
    distance_votes: tuple[np.ndarray, np.ndarray]  # the same of distance

    @classmethod
    def of(
        cls,
        s: np.ndarray,
        w: np.ndarray,
        inverse_span: float,
        q: float,
        rules: tuple[ProbabilityRule, CompromiseChoice, bool],
    ) -> _Workspace:
        """The workspace of one run: (n,) saliences ``s`` and weights ``w``, ``1 / R``."""
        probability, compromise, capitulation = rules
        if probability not in _PROBABILITY_RULES:
            raise ValueError(f"unknown probability rule {probability!r}; use {_PROBABILITY_RULES}")
        if compromise not in _COMPROMISE_CHOICES:
            raise ValueError(f"unknown compromise choice {compromise!r}; use {_COMPROMISE_CHOICES}")
        n = s.shape[0]
        of_i, of_j, transpose, of_i3, rows = _small_indices(n)
        shift = 2.0 * (1.0 - q)
        grid = np.empty((4, n, n))
        scratch, distance, minus, plus = grid
        return cls(
            probability, compromise, capitulation, s.take(of_j), 4.0 * s, w.take(of_i),
            np.array(inverse_span), np.array(shift) if shift != 0.0 else None,
            np.array(4.0 * q), of_i, of_j, transpose, of_i3, rows,
            scratch, distance, grid[0:2], minus, plus, grid[2:4], grid[1:4],
            np.empty((n, n, n)), np.empty((n, n)),
            (scratch[:, None, :], scratch[:, :, None]),
            (distance[:, None, :], distance[:, :, None]),
        )  # fmt: skip


def _small_run(
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    inverse_span: float,
    rounds: int,
    q: float,
    tol: float,
    rules: tuple[ProbabilityRule, CompromiseChoice, bool],
) -> tuple[list[np.ndarray], list[np.ndarray], bool]:
    """:func:`simulate`'s rounds for one run of (n,) arrays: the (n,) positions and risk
    exponents after each round that moved someone, and whether the last round still moved
    someone (not converged). Same equations, same results as the batched rounds up to
    rounding (DECISIONS BDM-13)."""
    space = _Workspace.of(s, w, inverse_span, q, rules)
    path, risks = [x], []
    moving = True
    # log(0) = -inf, and x / 0, 0 / 0, overflows in entries that are never read
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(rounds):
            new, risk = _small_round(x, space)
            gap = new - x
            if not float(np.maximum.reduce(np.abs(gap, out=gap))) > tol:
                moving = False
                break
            x = new
            path.append(x)
            risks.append(risk)
    return path, risks, moving


def _small_support(
    votes_of: tuple[np.ndarray, np.ndarray],
    votes: np.ndarray,
    support: np.ndarray,
    rule: ProbabilityRule,
) -> np.ndarray:
    """``P_ij`` (E2) from ``u[k, j] = w_k d_kj^{r_k}`` (``votes_of`` its (n, 1, n) and
    (n, n, 1) views) through the (n, n, n) vote tensor ``max(0, v_k(i, j))`` (E1), summed over
    the voters in index order; ``votes`` and ``support`` are buffers."""
    np.subtract(*votes_of, votes)  # votes[k, i, j] = F_kj - F_ki
    np.maximum(votes, _ZERO, out=votes)
    np.add.reduce(votes, 0, out=support)
    if rule == "bdm":
        return _safe_divide(support, support + support.T)
    total = 2.0 * float(np.add.reduce(support, None))  # "scholz"
    np.multiply(support, 1.0 / total if total != 0 else 0.0, support)
    return support


def _small_round(x: np.ndarray, space: _Workspace) -> tuple[np.ndarray, np.ndarray]:
    """One round (E1-E9 and the offers of :func:`best_offers`) on (n,) positions ``x``: the
    new positions and the round's risk exponents.

    The batched functions spend a single run's time in numpy's per-call overhead (~150 calls
    a round on 10 actors). Here the vote sums use the n^3 tensor (1,000 elements at n = 10)
    instead of prefix sums; the three powers ``d^r``, ``(0.5 -+ d/2)^r`` are one
    ``exp(r log(.))`` over a stacked array; what depends only on the saliences, weights,
    ``q`` and the range is computed once per run; operands are contiguous arrays of equal
    shape or 0-d arrays (numpy's fast path), spread by ``take`` where they would broadcast;
    and the (n, n) arrays that are not returned live in the run's buffers
    (:class:`_Workspace`); ``out`` is passed positionally (no keyword parsing). Every number
    comes from the same floating-point operations as before these changes (DECISIONS BDM-14).
    A voter exactly on a midpoint casts a zero vote, or a rounding error (~1e-17) that the
    prefix sums drop (BDM-11). Call under
    ``np.errstate(divide="ignore", invalid="ignore", over="ignore")``.
    """
    (
        probability, compromise, capitulation, salience, four_s, weight, inverse_span,
        sure_shift, sure_scale, of_i, of_j, transpose, of_i3, rows, scratch, d, sums, minus,
        plus, halves, powers, votes, support, scratch_votes, distance_votes,
    ) = space  # fmt: skip
    x_i = x.take(of_i)
    x_j = x.take(of_j)
    step = x_j - x_i  # step[i, j] = x_j - x_i
    move = np.abs(step)
    np.multiply(move, inverse_span, d)
    np.minimum(d, _ONE, out=d)
    # E8-E9 at r = 1 (see risk_exponents)
    np.multiply(d, weight, scratch)
    p1 = _small_support(scratch_votes, votes, support, probability)
    np.multiply(d, p1.take(transpose), scratch)
    row_sums = np.add.reduce(sums, 2)  # sum_j d_ij P_ji and sum_j d_ij
    reach = row_sums[1]
    danger = reach * _TWO
    danger -= four_s * (reach - row_sums[0])
    listed = danger.tolist()
    hi, lo = max(listed), min(listed)
    risk = (2.0 * hi - lo - danger) / (hi - 2.0 * lo + danger) if hi > lo else np.ones_like(x)
    # d^r, (0.5 - d/2)^r and (0.5 + d/2)^r, the rows raised to r_i, in one exp(r log(.))
    np.multiply(d, _MINUS_HALF, minus)
    np.multiply(d, _HALF, plus)
    np.add(halves, _HALF, halves)
    np.log(powers, powers)
    np.multiply(powers, risk.take(of_i3), powers)
    np.exp(powers, powers)
    np.multiply(d, weight, d)  # w_k d_kj^r_k
    p = _small_support(distance_votes, votes, support, probability)
    # E3-E7 as in challenge_utilities; 4 (b - a) = 4 b - 4 a and -4 a + c = c - 4 a exactly
    np.multiply(halves, _FOUR, halves)
    four_b_minus_a = np.subtract(plus, minus, plus)
    sure = 0.5**risk  # U_s - q U_sq = 2 (1 - q) + 4 q 0.5^r - 4 a
    sure *= sure_scale
    if sure_shift is not None:  # q = 1: adding 0 to a non-negative number changes nothing
        sure += sure_shift
    sure_win = np.subtract(sure.take(of_i), minus, minus)
    kept = np.subtract(_ONE, p, p)
    kept *= salience
    own = kept * four_b_minus_a
    np.subtract(sure_win, own, own)
    other = kept.take(transpose)
    other *= four_b_minus_a
    np.subtract(sure_win, other, other)
    # the offers, as in best_offers
    is_confrontation = own > _ZERO
    is_confrontation &= other > own
    is_compromise = own < _ZERO
    is_compromise &= other + own > _ZERO
    fallback = is_compromise
    if capitulation:
        is_capitulation = (own < 0.0) & (other > 0.0) & (other + own < 0.0)
        none = ~np.logical_or.reduce(is_compromise, 1, keepdims=True)
        fallback = is_compromise | (is_capitulation & none)
    # each row's confrontations if it has any, else its fallback: (fallback and no
    # confrontation in the row) is fallback > has_confrontation on booleans
    use = np.logical_or.reduce(is_confrontation, 1).take(of_i)
    np.greater(fallback, use, use)
    use |= is_confrontation
    fraction = np.negative(own, own)
    np.divide(fraction, other, fraction)  # |own / other|, where is_compromise
    if compromise == "scholz":
        compromise_key = fraction + _ONE
        np.divide(step, compromise_key, compromise_key)
    else:
        compromise_key = move * fraction
    np.copyto(move, compromise_key, where=is_compromise)
    proposer = np.where(use, move, _INF).argmin(axis=1)  # the first j at the minimum
    pair = proposer + rows  # the flat index of (i, j)
    target = step * fraction
    target += x_i
    target = np.where(is_compromise, target, x_j)  # x_i + step |own / other|, else x_j
    return np.where(use.take(pair), target.take(pair), x), risk


class ExpectedUtility(OutcomeModel):
    """Bueno de Mesquita's expected-utility model, Scholz, Calbert & Smith's reconstruction.

    Actors challenge, compromise with or give in to one another round by round according to
    their expected utilities (see :mod:`detente.models.bdm` for the equations). The forecast
    is the pairwise-vote (weighted) median after the last round (``outcome="median"``, Bueno
    de Mesquita 1994) or the weighted mean (``outcome="mean"``). With the defaults it
    reproduces the open re-implementation's run of the EC car-emissions example (whose author
    reports that it matches Scholz et al.'s own results; DECISIONS BDM-1).

    The run often does not settle. Each issue's forecast therefore says how it ended
    (:class:`~detente.models.base.Convergence`): converged, a cycle (the positions repeat
    those of ``p`` rounds earlier) with the outcome's range over the cycle, or not converged
    within ``rounds`` with the outcome's range over the run. The forecast stays the outcome
    after the last round (DECISIONS BDM-12).

    Parameters
    ----------
    rounds : maximum number of rounds (10, the length of the reference's runs: BDM-12).
    q : probability that the status quo holds if no challenge is made.
    tol : stop when no position moves by more than this in a round; positions within
        ``tol`` of those ``p`` rounds earlier make a cycle.
    outcome : ``"median"`` or ``"mean"``.
    probability : win-probability denominator, ``"scholz"`` (all votes on all pairs) or
        ``"bdm"`` (votes on the pair only).
    compromise : which compromise an actor takes, ``"scholz"`` or ``"nearest"``.
    capitulation : enable the capitulation branch (off in the reference re-implementation).

    References
    ----------
    Scholz, J. B., Calbert, G. J., & Smith, G. A. (2011). *J. Theoretical Politics* 23(4).
    Bueno de Mesquita, B. (1994, 1997); see :mod:`detente.models.bdm`.
    """

    name = "bdm"
    label = "Expected utility (Bueno de Mesquita; Scholz et al. reconstruction)"
    reference = "Bueno de Mesquita 1994, 1997; Scholz, Calbert & Smith 2011"
    tags = Tags(batchable=True, has_trajectory=True)

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
        """The full run on one issue.

        Parameters
        ----------
        problem : IssueProblem
            The issue's actors, positions, saliences and capabilities.
        """
        return self.run_arrays(problem.position, problem.salience, problem.capability)

    def run_arrays(
        self, position: np.ndarray, salience: np.ndarray, capability: np.ndarray
    ) -> BdmPath:
        """The run on (..., n) arrays, saliences on the scenario's 0-100 scale (rescaled to
        0-1 here, capabilities used raw: DECISIONS BDM-9); leading axes are batch axes, e.g.
        Monte Carlo draws.

        Parameters
        ----------
        position : numpy.ndarray
            Positions on the issue's scale, shape (..., n).
        salience : numpy.ndarray
            Saliences on 0-100, shape (..., n).
        capability : numpy.ndarray
            Capabilities (any non-negative unit), shape (..., n).
        """
        return simulate(
            position,
            np.asarray(salience, dtype=float) / 100.0,
            capability,
            rounds=self.rounds,
            q=self.q,
            tol=self.tol,
            probability=self.probability,
            compromise=self.compromise,
            capitulation=self.capitulation,
        )

    def solve_draws(self, draws: IssueDraws) -> np.ndarray:
        """The outcome of every draw at once: the draws are a batch axis of the run."""
        run = self.run_arrays(draws.position, draws.salience, draws.capability)
        return run.final(self.outcome)

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        if self.outcome not in _OUTCOME_RULES:
            raise ValueError(f"unknown outcome rule {self.outcome!r}; use one of {_OUTCOME_RULES}")
        path = self.simulate(problem)
        outcome_path = path.median if self.outcome == "median" else path.mean
        return IssueSolution(
            outcome=float(outcome_path[-1]),
            trajectory=path.trajectory,
            outcome_path=outcome_path,
            convergence=Convergence.of_run(outcome_path, int(path.period)),
        )
