"""The asymmetric Nash bargaining solution with the status quo as the disagreement point."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from detente.models._weights import effective_weights
from detente.models.base import IssueProblem, IssueSolution, OutcomeModel
from detente.models.compromise import weighted_mean
from detente.models.median import weighted_median

UTILITIES = ("quadratic", "linear")
POWERS = ("capability_salience", "capability")
LOSERS = ("outvoted", "veto", "by_rule")

_EXPONENT = {"quadratic": 2.0, "linear": 1.0}


def nash_gains(
    x: float | np.ndarray, position: np.ndarray, status_quo: float, exponent: float
) -> np.ndarray:
    """Each actor's utility gain over the status quo at outcome(s) ``x``.

    ``U_i(x) - U_i(d) = |d - x_i|^p - |x - x_i|^p`` for the loss ``|x - x_i|^p`` (p = 2
    quadratic, p = 1 linear). A salience factor on the loss is left out: the Nash solution is
    invariant to rescaling each actor's utility, so it would cancel (Nash 1950, axiom 1):
    salience enters the exponents instead (DECISIONS NASH-2).
    ``x`` may be a scalar (result shape (n,)) or an array (result shape x.shape + (n,)).
    """
    x_arr = np.asarray(x, dtype=float)[..., None]
    return np.asarray(
        np.abs(status_quo - position) ** exponent - np.abs(x_arr - position) ** exponent
    )


def nash_objective(
    x: float | np.ndarray,
    position: np.ndarray,
    power: np.ndarray,
    status_quo: float,
    exponent: float,
) -> np.ndarray:
    """The log Nash product ``Σ_i w_i log(U_i(x) - U_i(d))``; -inf where some gain is ≤ 0."""
    gain = nash_gains(x, position, status_quo, exponent)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(gain > 0, np.log(np.where(gain > 0, gain, 1.0)), -np.inf)
    return np.asarray((power * logs).sum(axis=-1))


def nash_slope(
    x: float, position: np.ndarray, power: np.ndarray, status_quo: float, exponent: float
) -> float:
    """d/dx of the log Nash product: ``Σ_i w_i · (-p |x - x_i|^(p-1) sign(x - x_i)) / gain_i``.

    Only meaningful where every gain is positive. Computed from the gains directly, so it
    stays accurate when the status quo is far away and the log product is numerically flat.
    Where a gain rounds to 0 (an end of the interval) the slope is its limit, ±inf.
    """
    gain = nash_gains(x, position, status_quo, exponent)
    dev = x - position
    dloss = exponent * np.abs(dev) ** (exponent - 1.0) * np.sign(dev)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(power * -dloss / gain))


def bargaining_range(
    position: np.ndarray, power: np.ndarray, d: float, tol: float, veto: bool = False
) -> tuple[np.ndarray, float, float] | None:
    """Who bargains over the status quo ``d`` and on what interval (DECISIONS NASH-4): the
    mask of the actors who bargain and the interval ``[lo, hi]`` every one of them prefers
    to ``d``; None when the status quo stands (no side holds a majority of the power, a
    veto player sits at or across from ``d``, or the interval is empty).

    Parameters
    ----------
    position : numpy.ndarray
        The actors' positions.
    power : numpy.ndarray
        Their bargaining power; zero takes no part.
    d : float
        The status quo (finite).
    tol : float
        Distance below which a position counts as at the status quo.
    veto : bool, default False
        Every actor with power must gain (unanimity); otherwise the majority side bargains
        and the outvoted are ignored.
    """
    active = power > 0
    side = np.where(position > d + tol, 1, np.where(position < d - tol, -1, 0))
    if veto:
        if np.any(active & (side == 0)) or (
            np.any(active & (side > 0)) and np.any(active & (side < 0))
        ):
            return None
        members = active
    else:
        total = float(power[active].sum())
        if float(power[active & (side > 0)].sum()) > total / 2:
            members = active & (side > 0)
        elif float(power[active & (side < 0)].sum()) > total / 2:
            members = active & (side < 0)
        else:
            return None
    x = position[members]
    radius = np.abs(d - x)
    lo, hi = float(np.max(x - radius)), float(np.min(x + radius))
    return None if hi - lo <= tol else (members, lo, hi)


def _limit(position: np.ndarray, power: np.ndarray, utility: str) -> float:
    """The Nash solution as the disagreement point moves far away (Achen 2006).

    Quadratic losses give the power-weighted mean, linear losses the power-weighted median.
    The model's answer where the status quo is unknown (DECISIONS NASH-3).
    """
    if utility == "quadratic":
        return float(weighted_mean(position, power))
    return float(weighted_median(position, power))


class NashBargaining(OutcomeModel):
    """Asymmetric Nash bargaining solution, the status quo as disagreement point.

    The outcome maximises the asymmetric (generalised) Nash product over the points every
    bargaining actor weakly prefers to the status quo ``d``:

    .. math:: x^* = \\arg\\max_x \\sum_i w_i \\log\\big(U_i(x) - U_i(d)\\big),
              \\qquad U_i(x) = -|x - x_i|^p,

    with ``p = 2`` (quadratic loss, Achen 2006; the default, DECISIONS NASH-1) or ``p = 1``
    (linear loss). Bargaining power
    ``w_i`` is capability × salience (``power="capability_salience"``, the "effective power"
    of Achen 2006, eq. 3, and the salience-weighted NBS of Schneider, Finke & Bailer 2010) or
    capability alone (``power="capability"``). A salience factor inside ``U_i`` would have no
    effect: the Nash solution is invariant to rescaling any one actor's utility.

    As the disagreement point moves far from every position, the first-order condition
    ``Σ w_i (x - x_i) / ((d - x_i)^2 - (x - x_i)^2) = 0`` tends to ``Σ w_i (x - x_i) = 0``: the
    quadratic-loss solution tends to the power-weighted mean, i.e. the compromise model
    (Achen 2006), and the linear-loss solution to the power-weighted median. Where the
    status quo is unknown the model returns that limit. With a known status quo, actors far
    from it pull less than in the compromise model, so the outcome leans toward the status quo.

    Actors who cannot gain. The unrestricted NBS gives every actor a veto: if some actor sits
    at the status quo, or actors lie on both sides of it, the only point all weakly prefer is
    the status quo itself. ``losers`` chooses what happens then (DECISIONS NASH-4):

    - ``"veto"``: Nash's individual rationality for everyone; the outcome is the status quo.
    - ``"outvoted"`` (default): the actors on the side of the status quo that holds a strict
      majority of the total bargaining power (actors at the status quo counted in the total)
      bargain among themselves; the others are outvoted. Without such a majority the status
      quo stays.
    - ``"by_rule"``: ``"veto"`` where the issue's decision rule (``problem.rule``) is
      unanimity, ``"outvoted"`` otherwise.

    Declared veto players and qualified majorities are not part of the bargaining: like every
    model's, the answer is checked against the issue's decision rule by
    :meth:`~detente.models.base.OutcomeModel.predict`, which flags it and reports the nearest
    point that passes (docs/DECISIONS.md, SCN-9).

    Actors with zero power do not constrain the outcome. The solution is sought on the open
    interval where every bargaining actor gains; the objective is strictly concave there, so
    the root of its slope
    is found with :func:`scipy.optimize.brentq` (bounded :func:`~scipy.optimize.minimize_scalar`
    as a fallback).

    Parameters
    ----------
    utility : {"quadratic", "linear"}
    power : {"capability_salience", "capability"}
    losers : {"outvoted", "veto", "by_rule"}

    References
    ----------
    Nash, J. F. (1950). The bargaining problem. *Econometrica* 18(2), 155-162.
    Achen, C. H. (2006). Institutional realism and bargaining models. In Thomson, Stokman,
    Achen & König (eds.), *The European Union Decides*, ch. 4. Cambridge UP.
    Schneider, G., Finke, D., & Bailer, S. (2010). Bargaining power in the European Union: an
    evaluation of competing game-theoretic models. *Political Studies* 58(1), 85-103.
    """

    name = "nash"
    label = "Nash bargaining (status quo as disagreement point)"
    reference = "Nash 1950; Achen 2006; Schneider, Finke & Bailer 2010"
    choices: ClassVar[Mapping[str, Sequence[str]]] = {
        "utility": UTILITIES,
        "power": POWERS,
        "losers": LOSERS,
    }

    def __init__(
        self,
        utility: str = "quadratic",
        power: str = "capability_salience",
        losers: str = "outvoted",
    ) -> None:
        self.utility = utility
        self.power = power
        self.losers = losers

    def bargaining_power(self, problem: IssueProblem) -> np.ndarray:
        """The Nash exponents ``w_i`` (equal where they all are zero).

        Parameters
        ----------
        problem : IssueProblem
            The issue's capabilities and saliences.
        """
        raw = problem.weight if self.power == "capability_salience" else problem.capability
        return effective_weights(raw)

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        self.check_choices()
        position = np.asarray(problem.position, dtype=float)
        power = self.bargaining_power(problem)
        d = float(problem.status_quo)
        if not math.isfinite(d):
            return IssueSolution(outcome=_limit(position, power, self.utility))

        span = float(problem.scale[1] - problem.scale[0])
        veto = self.losers == "veto" or (
            self.losers == "by_rule" and problem.rule.kind == "unanimity"
        )
        found = bargaining_range(position, power, d, 1e-9 * max(span, 1.0), veto)
        if found is None:
            return IssueSolution(outcome=d)
        members, lo, hi = found
        x, w = position[members], power[members]
        p = _EXPONENT[self.utility]
        eps = 1e-12 * (hi - lo)
        a, b = lo + eps, hi - eps
        xtol = 1e-12 * max(span, 1.0)
        from scipy.optimize import brentq, minimize_scalar  # here: a faster CLI start

        if nash_slope(a, x, w, d, p) > 0 > nash_slope(b, x, w, d, p):
            # The log Nash product is strictly concave on (lo, hi): its slope falls from
            # +inf to -inf and crosses zero once, at the maximum (DECISIONS NASH-5).
            best = float(brentq(nash_slope, a, b, args=(x, w, d, p), xtol=xtol, rtol=1e-15))
        else:  # numerically flat ends; fall back on the bounded minimiser

            def negative_log_product(z: float) -> float:
                return -float(nash_objective(z, x, w, d, p))

            result = minimize_scalar(
                negative_log_product, bounds=(a, b), method="bounded", options={"xatol": xtol}
            )
            best = float(result.x)
        outcome = float(np.clip(best, problem.scale[0], problem.scale[1]))
        return IssueSolution(outcome=outcome)
