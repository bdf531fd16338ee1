"""Deterrence under incomplete information: perfect Bayesian and logit quantal-response equilibria.

The game (Fearon 1994, 1997; Morrow 1994, ch. 8): Nature draws the defender's type, resolute
with probability ``prior_resolve`` and irresolute otherwise, and tells only the defender. In the
*signalling* variant the defender then may send a costly signal (a show of force) whose cost
depends on its type. The challenger sees the signal but not the type, updates its belief that the
defender is resolute by Bayes' rule, and escalates or not. If it escalates, the defender resists
(war) or concedes. Every end (status quo, concession, war) has a payoff for each player that may
depend on the defender's type; the signal's cost is sunk and subtracted from the defender's
payoff wherever it was sent.

Two solution concepts, on the same :class:`DeterrenceGame`:

* :func:`solve_pbe` — a perfect Bayesian equilibrium by backward induction: the defender's last
  move is sequentially rational, the challenger best-responds to a belief that follows from the
  defender's signalling strategy by Bayes' rule wherever it can, and the signalling strategy is a
  best response to the challenger's reply. Beliefs after an unused signal are restricted by the
  D1 criterion (Cho & Kreps 1987; Banks & Sobel 1987); :func:`all_pbe` lists every candidate.
* :func:`solve_logit_qre` / :func:`trace_logit` — the agent logit quantal-response equilibrium
  (McKelvey & Palfrey 1998): every information set is an agent choosing action ``a`` with
  probability ``∝ exp(λ·U(a))`` against the others' noisy play, beliefs by Bayes' rule from that
  (always interior) play. The branch that starts at uniform play at ``λ = 0`` is followed by
  pseudo-arclength continuation as ``λ`` grows; its end at large ``λ`` is the equilibrium the
  logit tracing procedure selects, the same procedure as Gambit's ``logit`` solver (Turocy 2005).

What it is for: the one-shot question "does a threatened riposte deter escalation?" asked on
its own, with beliefs about the defender's resolve, for an analyst who wants the equilibrium
and its sensitivity to the prior (``docs/deterrence.md``). The war-termination model
(:mod:`detente.war`) does not call it: its riposte is a per-type probability that the
mediator's type sets, learnt by Bayes' rule over the weeks. The deterrence game is the
candidate for that sub-game once resolve is private between the belligerents (issue 14); until
then it stands alone and is checked against Gambit's logit QRE (``tests/test_deterrence.py``).

References
----------
Allgower, E. L. & Georg, K. (1990). *Numerical Continuation Methods*. Springer (ch. 2).

Fearon, J. D. (1994). Domestic political audiences and the escalation of international
disputes. *American Political Science Review* 88(3), 577-592.

Fearon, J. D. (1997). Signaling foreign policy interests: Tying hands versus sinking costs.
*Journal of Conflict Resolution* 41(1), 68-90.

Morrow, J. D. (1994). *Game Theory for Political Scientists*. Princeton University Press.

Selten, R. (1975). Reexamination of the perfectness concept for equilibrium points in extensive
games. *International Journal of Game Theory* 4(1), 25-55.

Cho, I.-K. & Kreps, D. M. (1987). Signaling games and stable equilibria. *Quarterly Journal of
Economics* 102(2), 179-221.

Banks, J. S. & Sobel, J. (1987). Equilibrium selection in signaling games. *Econometrica* 55(3),
647-661.

McKelvey, R. D., McLennan, A. M. & Turocy, T. L. Gambit: Software tools for game theory.
https://www.gambit-project.org (the independent check in ``tests/test_deterrence.py``;
pygambit is a test-only dependency, DECISIONS DET-13).

McKelvey, R. D. & Palfrey, T. R. (1998). Quantal response equilibria for extensive form games.
*Experimental Economics* 1(1), 9-41.

Turocy, T. L. (2005). A dynamic homotopy interpretation of the logistic quantal response
equilibrium correspondence. *Games and Economic Behavior* 51(2), 243-263.

Examples
--------
>>> game = DeterrenceGame(
...     prior_resolve=0.2,
...     resolute=TypePayoffs(Outcomes(0, 1, -2), Outcomes(0, -1, -0.5)),
...     irresolute=TypePayoffs(Outcomes(0, 1, -2), Outcomes(0, -1, -2)),
... )
>>> challenger_threshold(game)
0.3333333333333333
>>> float(solve_pbe(game).escalate[0])
1.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from detente.errors import DetenteError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

TYPES = ("resolute", "irresolute")
"""Defender types, in array index order."""

MESSAGES = ("none", "signal")
"""What the challenger can observe, in array index order (the plain game has only ``none``)."""

TIE_TOL = 1e-12
"""Payoff differences this small (relative to the game's payoff range) count as indifference,
resolved at 1/2 (DECISIONS DET-6)."""

LAMBDA_MAX = 1e7
"""Where :func:`trace_logit` stops: probabilities of the logit limit are within about 1/λ
(DECISIONS DET-11)."""

_SOURCE = "<deterrence game>"


@dataclass(frozen=True)
class Outcomes:
    """One player's payoff at each end of the game.

    Parameters
    ----------
    status_quo:
        The challenger did not escalate.
    concession:
        The challenger escalated and the defender conceded.
    war:
        The challenger escalated and the defender resisted.
    """

    status_quo: float
    concession: float
    war: float


@dataclass(frozen=True)
class TypePayoffs:
    """Payoffs when the defender is of one type.

    Parameters
    ----------
    challenger:
        The challenger's payoffs against this type.
    defender:
        This type's payoffs.
    signal_cost:
        What sending the signal costs this type (sunk, not hand-tying: DECISIONS DET-4; only
        used when the game is signalling). Default 0.
    """

    challenger: Outcomes
    defender: Outcomes
    signal_cost: float = 0.0


@dataclass(frozen=True)
class DeterrenceGame:
    """A deterrence game of one-sided incomplete information, validated on construction.

    Parameters
    ----------
    prior_resolve:
        Probability, in [0, 1], that Nature makes the defender resolute.
    resolute, irresolute:
        Payoffs (and signal cost) when the defender is of that type. The names are labels: the
        solvers do not require the resolute type to prefer war to concession (DECISIONS
        DET-2).
    signalling:
        If true the defender first chooses whether to send the costly signal. Default false.

    Raises
    ------
    DetenteError
        If the prior is outside [0, 1], a payoff or cost is not a finite number, or a signal cost
        is negative; the error names the field.
    """

    prior_resolve: float
    resolute: TypePayoffs
    irresolute: TypePayoffs
    signalling: bool = False

    def __post_init__(self) -> None:
        # DECISIONS DET-3: a frozen dataclass validated here, in one place, not pydantic
        _check_number(self.prior_resolve, "prior_resolve")
        if not 0.0 <= self.prior_resolve <= 1.0:
            raise DetenteError(
                f"is {self.prior_resolve}; a probability must lie in [0, 1]",
                source=_SOURCE,
                where="prior_resolve",
            )
        for name in TYPES:
            pay = getattr(self, name)
            if not isinstance(pay, TypePayoffs):
                raise DetenteError(
                    "must be a TypePayoffs(challenger, defender, signal_cost)",
                    source=_SOURCE,
                    where=name,
                )
            for player in ("challenger", "defender"):
                outcomes = getattr(pay, player)
                if not isinstance(outcomes, Outcomes):
                    raise DetenteError(
                        "must be an Outcomes(status_quo, concession, war)",
                        source=_SOURCE,
                        where=f"{name}.{player}",
                    )
                for field in fields(Outcomes):
                    _check_number(getattr(outcomes, field.name), f"{name}.{player}.{field.name}")
            _check_number(pay.signal_cost, f"{name}.signal_cost")
            if pay.signal_cost < 0:  # DECISIONS DET-5: a signal that pays is no costly signal
                raise DetenteError(
                    f"is {pay.signal_cost}; a cost must be zero or positive",
                    source=_SOURCE,
                    where=f"{name}.signal_cost",
                )
        if not isinstance(self.signalling, bool):
            raise DetenteError("must be true or false", source=_SOURCE, where="signalling")

    @property
    def messages(self) -> tuple[str, ...]:
        """What the challenger can observe: ``("none",)`` or ``("none", "signal")``."""
        return MESSAGES if self.signalling else MESSAGES[:1]


def _check_number(value: object, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DetenteError(f"is {value!r}; give a number", source=_SOURCE, where=where)
    if not math.isfinite(value):
        raise DetenteError(
            f"is {value}; give a finite number, not NaN or infinity", source=_SOURCE, where=where
        )


class _Arrays(NamedTuple):
    """The game as arrays indexed by type (``[resolute, irresolute]``)."""

    prior: FloatArray
    challenger: FloatArray  # (type, end) with ends (status quo, concession, war)
    defender: FloatArray  # (type, end)
    cost: FloatArray  # (type, message): the signal's cost where it is sent
    scale: float  # payoff range, for tie tolerances


def _arrays(game: DeterrenceGame) -> _Arrays:
    pays = (game.resolute, game.irresolute)

    def ends(o: Outcomes) -> list[float]:
        return [o.status_quo, o.concession, o.war]

    challenger = np.array([ends(p.challenger) for p in pays], dtype=float)
    defender = np.array([ends(p.defender) for p in pays], dtype=float)
    cost = np.zeros((2, len(game.messages)))
    if game.signalling:
        cost[:, 1] = [p.signal_cost for p in pays]
    spread = np.ptp(np.concatenate([challenger.ravel(), defender.ravel(), cost.ravel()]))
    prior = np.array([game.prior_resolve, 1.0 - game.prior_resolve])
    return _Arrays(prior, challenger, defender, cost, float(max(spread, 1.0)))


@dataclass(frozen=True)
class Equilibrium:
    """A behaviour-strategy profile with beliefs and expected payoffs.

    Attributes
    ----------
    concept:
        ``"pbe"`` or ``"logit_qre"``.
    lam:
        The logit precision λ of a quantal-response equilibrium; ``None`` for a PBE.
    signal:
        P(signal | type), shape (2,), or ``None`` in the game without a signal.
    escalate:
        P(escalate | message), shape (messages,).
    resist:
        P(resist | type, message), shape (2, messages).
    belief:
        The challenger's P(resolute | message), shape (messages,). In a PBE, at a message no type
        sends, the off-path belief that supports the equilibrium (see :func:`solve_pbe`).
    reached:
        Whether each message is sent with positive probability, shape (messages,).
    challenger_payoff:
        The challenger's expected payoff.
    defender_payoff:
        Each type's expected payoff, shape (2,).
    """

    concept: Literal["pbe", "logit_qre"]
    lam: float | None
    signal: FloatArray | None
    escalate: FloatArray
    resist: FloatArray
    belief: FloatArray
    reached: BoolArray
    challenger_payoff: float
    defender_payoff: FloatArray

    def behaviour(self) -> dict[str, float]:
        """The profile as ``{information set: probability of its first action}``.

        Keys are ``signal[type]``, ``escalate[message]`` and ``resist[type,message]``.
        """
        out: dict[str, float] = {}
        messages = MESSAGES[: self.escalate.size]
        if self.signal is not None:
            out |= {f"signal[{t}]": float(v) for t, v in zip(TYPES, self.signal, strict=True)}
        out |= {f"escalate[{m}]": float(v) for m, v in zip(messages, self.escalate, strict=True)}
        for i, t in enumerate(TYPES):
            out |= {
                f"resist[{t},{m}]": float(v) for m, v in zip(messages, self.resist[i], strict=True)
            }
        return out


def challenger_threshold(game: DeterrenceGame) -> float:
    """The belief in resolve above which the challenger prefers not to escalate.

    With the defender's sequentially rational last move, escalating against type ``t`` is worth
    ``D_t`` over the status quo; the challenger is indifferent at the belief
    ``p* = D_irresolute / (D_irresolute - D_resolute)``. When the resolute type fights and the
    irresolute one concedes, with gain ``g`` (concession over status quo) and cost ``c`` (status
    quo over war) this is ``p* = g / (g + c)``: escalation pays iff the probability of
    *irresolution* exceeds ``c / (c + g)`` (DECISIONS DET-1).

    Returns
    -------
    float
        ``p*``; ``nan`` if escalating is equally good against both types (no threshold), and a
        value outside [0, 1] if the challenger's choice does not depend on its belief.
    """
    arr = _arrays(game)
    gain = _escalation_gain(arr, _last_move(arr))
    if abs(gain[0] - gain[1]) <= TIE_TOL * arr.scale:
        return math.nan
    return float(gain[1] / (gain[1] - gain[0]))


def _last_move(arr: _Arrays) -> FloatArray:
    """P(resist | type) of a sequentially rational defender; 1/2 where it is indifferent."""
    diff = arr.defender[:, 2] - arr.defender[:, 1]
    return _step(diff, arr.scale)


def _step(diff: FloatArray, scale: float) -> FloatArray:
    """1 where ``diff > 0``, 0 where ``< 0``, 1/2 at a tie (the logit limit at indifference)."""
    tol = TIE_TOL * scale
    return np.where(diff > tol, 1.0, np.where(diff < -tol, 0.0, 0.5))


def _escalation_gain(arr: _Arrays, resist: FloatArray) -> FloatArray:
    """The challenger's gain from escalating over the status quo against each type, shape (2,)."""
    c = arr.challenger
    return np.asarray(resist * c[:, 2] + (1.0 - resist) * c[:, 1] - c[:, 0])


def expected_payoffs(
    game: DeterrenceGame,
    signal: FloatArray | None,
    escalate: FloatArray,
    resist: FloatArray,
) -> tuple[float, FloatArray]:
    """Expected payoffs of a behaviour profile.

    Parameters
    ----------
    game:
        The game.
    signal:
        P(signal | type), shape (2,); ``None`` in the game without a signal.
    escalate:
        P(escalate | message), shape (messages,).
    resist:
        P(resist | type, message), shape (2, messages).

    Returns
    -------
    tuple
        The challenger's expected payoff and each defender type's, shape (2,).
    """
    arr = _arrays(game)
    send = _message_probs(signal)
    c_end = _end_values(arr.challenger, escalate, resist)
    d_end = _end_values(arr.defender, escalate, resist) - arr.cost
    challenger = float(arr.prior @ (send * c_end).sum(axis=1))
    return challenger, np.asarray((send * d_end).sum(axis=1))


def _message_probs(signal: FloatArray | None) -> FloatArray:
    """P(message | type), shape (2, messages)."""
    if signal is None:
        return np.ones((2, 1))
    return np.stack([1.0 - signal, signal], axis=1)


def _end_values(pay: FloatArray, escalate: FloatArray, resist: FloatArray) -> FloatArray:
    """A player's expected payoff (before signal costs) after each (type, message)."""
    after = resist * pay[:, 2:3] + (1.0 - resist) * pay[:, 1:2]
    return np.asarray(escalate * after + (1.0 - escalate) * pay[:, 0:1])


def _bayes(prior: FloatArray, send: FloatArray) -> tuple[FloatArray, BoolArray]:
    """P(resolute | message) and whether the message is sent; the prior where it is not."""
    weight = prior[:, None] * send
    total = weight.sum(axis=0)
    reached = total > 0
    belief = np.where(reached, weight[0] / np.where(reached, total, 1.0), prior[0])
    return np.asarray(belief), np.asarray(reached)


def _equilibrium(
    game: DeterrenceGame,
    concept: Literal["pbe", "logit_qre"],
    lam: float | None,
    signal: FloatArray | None,
    escalate: FloatArray,
    resist: FloatArray,
    belief: FloatArray,
) -> Equilibrium:
    challenger, defender = expected_payoffs(game, signal, escalate, resist)
    _, reached = _bayes(_arrays(game).prior, _message_probs(signal))
    return Equilibrium(
        concept, lam, signal, escalate, resist, belief, reached, challenger, defender
    )


# --- perfect Bayesian equilibrium ------------------------------------------------------------


def all_pbe(game: DeterrenceGame) -> list[Equilibrium]:
    """Every perfect Bayesian equilibrium of the game's generic kinds.

    The defender's last move is sequentially rational (resist iff war beats concession for its
    type). In the game without a signal the challenger best-responds to the prior. In the
    signalling game the candidates are the two separating profiles, pooling on either message,
    and the semi-separating profiles in which one type mixes (which makes the challenger mix at
    the message both types send, with the belief at its threshold). Off-path beliefs are
    restricted by D1 (Cho & Kreps 1987, sec. IV): after an unused message the belief puts no
    weight on a type whose set of challenger replies that would make the deviation worth it is
    contained in the other type's set of replies that would make it strictly worth it
    (DECISIONS DET-7). Profiles in which both types mix need ``k_R / B_R = k_I / B_I`` exactly
    and are left out (DECISIONS DET-10).

    Returns
    -------
    list of Equilibrium
        In the order separating, pooling, semi-separating; one element without a signal.
    """
    arr = _arrays(game)
    resist_t = _last_move(arr)
    gain = _escalation_gain(arr, resist_t)
    resist = np.repeat(resist_t[:, None], len(game.messages), axis=1)

    def reply(belief: float) -> float:
        return float(_step(np.array(belief * gain[0] + (1 - belief) * gain[1]), arr.scale))

    if not game.signalling:
        belief = np.array([arr.prior[0]])
        escalate = np.array([reply(arr.prior[0])])
        return [_equilibrium(game, "pbe", None, None, escalate, resist, belief)]

    # Type t's payoff from message m when the challenger escalates with probability e there is
    # base[t, m] - deter[t] * e, with deter[t] the value to t of not being challenged.
    fight = resist_t * arr.defender[:, 2] + (1 - resist_t) * arr.defender[:, 1]
    deter = arr.defender[:, 0] - fight
    base = arr.defender[:, 0:1] - arr.cost
    tol = TIE_TOL * arr.scale
    found: list[Equilibrium] = []

    def accept(signal: FloatArray, escalate: FloatArray, belief: FloatArray) -> None:
        payoff = base - deter[:, None] * escalate
        send = _message_probs(signal)
        best = payoff.max(axis=1)
        used = send > 0
        if np.all(payoff[used] >= np.broadcast_to(best[:, None], payoff.shape)[used] - tol):
            found.append(_equilibrium(game, "pbe", None, signal, escalate, resist, belief))

    for signal in (np.array([1.0, 0.0]), np.array([0.0, 1.0])):
        belief, _ = _bayes(arr.prior, _message_probs(signal))
        accept(signal, np.array([reply(b) for b in belief]), belief)

    for used_m in (0, 1):
        off = 1 - used_m
        signal = np.full(2, float(used_m))
        e_on = reply(arr.prior[0])
        on_value = base[:, used_m] - deter * e_on
        allowed = _d1_beliefs(base[:, off], deter, on_value, tol)
        beliefs = _passive_first(arr.prior[0], allowed)
        for b in beliefs:
            escalate = np.empty(2)
            escalate[used_m], escalate[off] = e_on, reply(b)
            belief = np.empty(2)
            belief[used_m], belief[off] = arr.prior[0], b
            before = len(found)
            accept(signal, escalate, belief)
            if len(found) > before:
                break

    threshold = challenger_threshold(game)
    if 0.0 < threshold < 1.0:
        for mixer in (0, 1):
            for shared in (0, 1):
                candidate = _semi_separating(arr, mixer, shared, threshold, deter, reply)
                if candidate is not None:
                    accept(*candidate)
    return found


def solve_pbe(game: DeterrenceGame) -> Equilibrium:
    """A perfect Bayesian equilibrium, by backward induction with Bayes-consistent beliefs.

    The game without a signal has one: the defender resists iff war beats concession for its
    type, and the challenger escalates iff the prior of resolve is below
    :func:`challenger_threshold`. In the signalling game :func:`all_pbe` lists the candidates;
    when there are several (it happens when the prior already deters and both types can afford
    the signal), the one whose play on the equilibrium path is nearest the limit of the logit
    branch (:func:`trace_logit`) is returned, the selection Gambit's ``logit`` solver makes
    (DECISIONS DET-8).

    Parameters
    ----------
    game:
        The game.

    Returns
    -------
    Equilibrium
        With ``concept="pbe"``: exact probabilities (the mixed ones from indifference
        conditions), beliefs by Bayes' rule on the path and D1 beliefs off it.

    Raises
    ------
    DetenteError
        If no PBE of the generic kinds exists: the payoffs sit at a knife edge (e.g. a type's
        signal cost over its value of deterrence equals the other type's).
    """
    found = all_pbe(game)
    if not found:
        raise DetenteError(
            "has no equilibrium of the generic kinds (payoffs at a knife edge); perturb a payoff",
            source=_SOURCE,
        )
    if len(found) == 1:
        return found[0]
    limit = trace_logit(game)
    return min(found, key=lambda eq: on_path_distance(eq, limit))


def on_path_distance(a: Equilibrium, b: Equilibrium) -> float:
    """Largest difference in behaviour probabilities where both profiles reach the choice.

    The challenger's reply to a message counts only if both profiles send that message; the
    defender's choices are compared everywhere (its information sets are reached whenever the
    challenger escalates there, and a sequentially rational last move is the same off the path).
    Off-path replies depend on beliefs the PBE does not pin down (DECISIONS DET-9).
    """
    diffs = [np.abs(a.resist - b.resist).ravel()]
    if a.signal is not None and b.signal is not None:
        diffs.append(np.abs(a.signal - b.signal))
    both = a.reached & b.reached
    diffs.append(np.abs(a.escalate - b.escalate)[both])
    return float(np.concatenate(diffs).max())


def _d1_beliefs(
    off_base: FloatArray, deter: FloatArray, on_value: FloatArray, tol: float
) -> tuple[float, float]:
    """The interval of beliefs in resolve D1 allows after an unused message.

    Type t gains from the deviation at reply ``e`` iff ``a_t - deter_t·e > 0`` with
    ``a_t = off_base_t - on_value_t``. Type t is dropped if every reply in [0, 1] that makes
    its deviation weakly worth it makes the other type's strictly worth it.
    """
    a = off_base - on_value
    grid = np.array([0.0, 1.0])
    dropped = []
    for t, u in ((0, 1), (1, 0)):
        weak = a[t] - deter[t] * grid >= -tol
        if weak.all() or not weak.any():
            ends = grid[weak]
        else:  # the weak set is [0, x] or [x, 1] with x where the gain is zero
            cut = a[t] / deter[t]
            ends = np.array([0.0, cut] if weak[0] else [cut, 1.0])
        dropped.append(bool(np.all(a[u] - deter[u] * ends > tol)))
    if dropped[0] and not dropped[1]:
        return (0.0, 0.0)
    if dropped[1] and not dropped[0]:
        return (1.0, 1.0)
    return (0.0, 1.0)


def _passive_first(prior: float, allowed: tuple[float, float]) -> list[float]:
    """Off-path beliefs to try: the prior if allowed (passive conjectures), then the ends."""
    lo, hi = allowed
    start = min(max(prior, lo), hi)
    return [start, *(b for b in (lo, hi) if b != start)]


def _semi_separating(
    arr: _Arrays,
    mixer: int,
    shared: int,
    threshold: float,
    deter: FloatArray,
    reply: Callable[[float], float],
) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """The profile where type ``mixer`` mixes and the other type always sends ``shared``.

    The message only ``mixer`` sometimes sends reveals its type, so the challenger's reply there
    is pure; at ``shared`` the belief must sit at the threshold for the challenger to mix, and
    the mixer's indifference fixes that mix. ``None`` if a probability falls outside (0, 1).
    """
    other = 1 - shared
    k = arr.cost[mixer, 1]
    if abs(deter[mixer]) <= TIE_TOL * arr.scale:
        return None
    e_reveal = float(reply(1.0 if mixer == 0 else 0.0))
    # mixer indifferent: base[shared] - deter*e_shared == base[other] - deter*e_reveal
    cost_shared = k if shared == 1 else 0.0
    cost_other = k if other == 1 else 0.0
    e_shared = e_reveal + (cost_other - cost_shared) / deter[mixer]
    # Bayes at the shared message: the mixer sends it with probability q, the other type always.
    p = arr.prior[0]
    if not 0.0 < e_shared < 1.0 or not 0.0 < p < 1.0:
        return None
    if mixer == 0:  # threshold = p q / (p q + 1 - p)
        q = threshold * (1 - p) / (p * (1 - threshold))
    else:  # threshold = p / (p + (1 - p) q)
        q = p * (1 - threshold) / ((1 - p) * threshold)
    if not 0.0 < q < 1.0:
        return None
    signal = np.empty(2)
    signal[mixer] = q if shared == 1 else 1.0 - q
    signal[1 - mixer] = float(shared)
    escalate = np.empty(2)
    escalate[shared], escalate[other] = e_shared, e_reveal
    belief = np.empty(2)
    belief[shared], belief[other] = threshold, 1.0 if mixer == 0 else 0.0
    return signal, escalate, belief


# --- agent logit quantal-response equilibrium --------------------------------------------------


def _log_sigmoid(z: FloatArray) -> FloatArray:
    """``log(1 / (1 + exp(-z)))`` without overflow."""
    return np.asarray(-np.logaddexp(0.0, -z))


def _split(game: DeterrenceGame, z: FloatArray) -> tuple[FloatArray | None, FloatArray, FloatArray]:
    """Logits ``z`` (one per information set) → (signal, escalate, resist) log-odds."""
    n_m = len(game.messages)
    n_s = 2 if game.signalling else 0
    signal = z[:n_s] if game.signalling else None
    return signal, z[n_s : n_s + n_m], z[n_s + n_m :].reshape(2, n_m)


def _log_beliefs(arr: _Arrays, signal_z: FloatArray | None) -> FloatArray:
    """log P(type | message), shape (2, messages), from signalling log-odds (Bayes' rule)."""
    with np.errstate(divide="ignore"):
        log_prior = np.log(arr.prior)[:, None]
    if signal_z is None:
        log_send = np.zeros((2, 1))
    else:
        log_send = np.stack([_log_sigmoid(-signal_z), _log_sigmoid(signal_z)], axis=1)
    log_w = log_prior + log_send
    return np.asarray(log_w - np.logaddexp(log_w[0], log_w[1]))


def _action_gains(game: DeterrenceGame, arr: _Arrays, z: FloatArray) -> FloatArray:
    """Each agent's payoff gain of its first action over its second, given everyone's logits."""
    signal_z, escalate_z, resist_z = _split(game, z)
    escalate = np.exp(_log_sigmoid(escalate_z))
    resist = np.exp(_log_sigmoid(resist_z))
    gain_resist = np.broadcast_to((arr.defender[:, 2] - arr.defender[:, 1])[:, None], resist.shape)
    belief = np.exp(_log_beliefs(arr, signal_z))
    against = (
        resist * arr.challenger[:, 2:3]
        + (1.0 - resist) * arr.challenger[:, 1:2]
        - arr.challenger[:, 0:1]
    )
    gain_escalate = (belief * against).sum(axis=0)
    parts = [gain_escalate, gain_resist.ravel()]
    if signal_z is not None:
        value = _end_values(arr.defender, escalate, resist) - arr.cost
        parts.insert(0, value[:, 1] - value[:, 0])
    return np.concatenate(parts)


def _residual(game: DeterrenceGame, arr: _Arrays, y: FloatArray) -> FloatArray:
    """``H(z, λ) = z - λ·gain(z)``: zero exactly at an agent logit QRE (log-odds form)."""
    return np.asarray(y[:-1] - y[-1] * _action_gains(game, arr, y[:-1]))


def _jacobian(game: DeterrenceGame, arr: _Arrays, y: FloatArray) -> FloatArray:
    """dH/d(z, λ), shape (n, n + 1); the z part by central differences (DECISIONS DET-12)."""
    n = y.size - 1
    h = 1e-6
    steps = np.eye(n) * h
    d_gain = np.stack(
        [
            (_action_gains(game, arr, y[:-1] + s) - _action_gains(game, arr, y[:-1] - s)) / (2 * h)
            for s in steps
        ],
        axis=1,
    )
    return np.column_stack([np.eye(n) - y[-1] * d_gain, -_action_gains(game, arr, y[:-1])])


def _tangent(jac: FloatArray, previous: FloatArray) -> FloatArray:
    """The unit tangent of the branch, oriented along ``previous``."""
    aug = np.vstack([jac, previous])
    rhs = np.zeros(aug.shape[0])
    rhs[-1] = 1.0
    t = np.linalg.solve(aug, rhs)
    return np.asarray(t / np.linalg.norm(t))


def _correct(
    game: DeterrenceGame, arr: _Arrays, guess: FloatArray, normal: FloatArray, fixed_lam: bool
) -> FloatArray | None:
    """Newton's method back onto the branch: in the hyperplane through ``guess`` normal to
    ``normal`` (pseudo-arclength), or at fixed λ. ``None`` if it does not converge."""
    y: FloatArray = guess.copy()
    for _ in range(30):
        jac = _jacobian(game, arr, y)
        res = _residual(game, arr, y)
        if fixed_lam:
            step = np.append(np.linalg.solve(jac[:, :-1], -res), 0.0)
        else:
            aug = np.vstack([jac, normal])
            step = np.linalg.solve(aug, -np.append(res, normal @ (y - guess)))
        y = y + step
        if np.linalg.norm(step) <= 1e-10 * (1.0 + np.linalg.norm(y)):
            return y
    return None


def _trace(game: DeterrenceGame, lam: float) -> FloatArray:
    """Follow the principal logit branch from λ = 0 to ``lam``; the point ``(z, λ)`` there.

    Pseudo-arclength continuation (Allgower & Georg 1990, ch. 2): an Euler predictor along the
    tangent, a Newton corrector normal to it, and a step that grows by half after an easy
    correction and halves after a hard one or a sharp turn, so the trace follows the branch
    through any turning point in λ instead of jumping to another branch (DECISIONS DET-11).
    """
    arr = _arrays(game)
    n = 2 * len(game.messages) + len(game.messages) + (2 if game.signalling else 0)
    y = np.zeros(n + 1)
    if lam == 0.0:
        return y
    start = np.zeros(n + 1)
    start[-1] = 1.0
    t = _tangent(_jacobian(game, arr, y), start)
    h = 0.03
    while True:
        if h < 1e-12:
            raise DetenteError(
                f"the logit branch could not be followed past λ = {y[-1]:.4g}",
                source=_SOURCE,
            )
        guess = y + h * t
        new = _correct(game, arr, guess, t, fixed_lam=False)
        if new is None or np.linalg.norm(new - guess) > 0.5 * h:
            h /= 2
            continue
        new_t = _tangent(_jacobian(game, arr, new), t)
        if new_t @ t < 0.9:
            h /= 2
            continue
        if new[-1] >= lam:
            share = (lam - y[-1]) / (new[-1] - y[-1])
            guess = y + share * (new - y)
            guess[-1] = lam
            end = _correct(game, arr, guess, t, fixed_lam=True)
            if end is None:
                h /= 2
                continue
            return end
        y, t = new, new_t
        h *= 1.5


def solve_logit_qre(game: DeterrenceGame, lam: float) -> Equilibrium:
    """The agent logit QRE at precision ``lam`` on the branch that starts at uniform play.

    Every information set chooses its first action with probability
    ``1 / (1 + exp(-λ·(U(first) - U(second))))`` (McKelvey & Palfrey 1998, eq. 2 for the agent
    form), where ``U`` is the agent's expected payoff given everyone's quantal play and, at the
    challenger's information sets, beliefs by Bayes' rule from that play.

    Parameters
    ----------
    game:
        The game.
    lam:
        The precision λ ≥ 0; 0 is uniform play, large λ approaches an equilibrium.

    Returns
    -------
    Equilibrium
        With ``concept="logit_qre"`` and ``lam`` set.

    Raises
    ------
    DetenteError
        If ``lam`` is negative or not finite, or the branch cannot be followed.
    """
    _check_number(lam, "lam")
    if lam < 0:
        raise DetenteError(f"is {lam}; the precision must be zero or positive", where="lam")
    arr = _arrays(game)
    y = _trace(game, float(lam))
    signal_z, escalate_z, resist_z = _split(game, y[:-1])
    signal = None if signal_z is None else np.exp(_log_sigmoid(signal_z))
    belief = np.exp(_log_beliefs(arr, signal_z))[0]
    return _equilibrium(
        game,
        "logit_qre",
        float(lam),
        signal,
        np.exp(_log_sigmoid(escalate_z)),
        np.exp(_log_sigmoid(resist_z)),
        belief,
    )


def trace_logit(game: DeterrenceGame, lam_max: float = LAMBDA_MAX) -> Equilibrium:
    """The limit of the principal logit QRE branch: the equilibrium logit tracing selects.

    The branch from uniform play at λ = 0 is followed to ``lam_max``, where strategies are within
    about ``1/lam_max`` of the limit, a sequential equilibrium of the game (McKelvey & Palfrey
    1998, Theorem 3; Turocy 2005) — the one Gambit's ``logit`` solver returns.

    Parameters
    ----------
    game:
        The game.
    lam_max:
        Where to stop following the branch. Default :data:`LAMBDA_MAX`.

    Returns
    -------
    Equilibrium
        The QRE at ``lam_max``, with ``concept="logit_qre"``.
    """
    return solve_logit_qre(game, lam_max)
