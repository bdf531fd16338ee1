"""The Kalai–Smorodinsky bargaining solution, the status quo as the disagreement point."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from detente.models._weights import effective_weights
from detente.models.base import IssueProblem, IssueSolution, OutcomeModel
from detente.models.nash import _limit, bargaining_range, nash_gains

UTILITIES = ("quadratic", "linear")
POWERS = ("capability_salience", "capability", "equal")
_EXPONENT = {"quadratic": 2.0, "linear": 1.0}


def _crossings(x: np.ndarray, radius: np.ndarray, k: np.ndarray, exponent: float) -> np.ndarray:
    """Every point where two actors' scaled gains ``g_i(z) / k_i`` are equal.

    ``g_i(z) = r_i^p - |z - x_i|^p``. Quadratic: ``(k_i - k_j) z² + 2(k_j x_i - k_i x_j) z +
    k_j (r_i² - x_i²) - k_i (r_j² - x_j²) = 0``; linear: on each pair of linear pieces
    (slopes ``-s_i``, ``-s_j``), ``z (k_i s_j - k_j s_i) = k_i (r_j + s_j x_j) - k_j (r_i +
    s_i x_i)``. The maximum of the smallest scaled gain lies at one of these or at a peak.
    """
    i, j = np.triu_indices(len(x), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if exponent == 2.0:
            a = k[i] - k[j]
            b = 2.0 * (k[j] * x[i] - k[i] * x[j])
            c = k[j] * (radius[i] ** 2 - x[i] ** 2) - k[i] * (radius[j] ** 2 - x[j] ** 2)
            root = np.sqrt(np.clip(b * b - 4.0 * a * c, 0.0, None))
            flat = np.abs(a) <= 1e-14 * (np.abs(k[i]) + np.abs(k[j]))
            z = np.concatenate(
                [
                    np.where(flat, -c / b, (-b + root) / (2.0 * a)),
                    np.where(flat, -c / b, (-b - root) / (2.0 * a)),
                ]
            )
        else:
            parts = []
            for si in (-1.0, 1.0):
                for sj in (-1.0, 1.0):
                    num = k[i] * (radius[j] + sj * x[j]) - k[j] * (radius[i] + si * x[i])
                    parts.append(num / (k[i] * sj - k[j] * si))
            z = np.concatenate(parts)
    return np.asarray(z[np.isfinite(z)])


class KalaiSmorodinsky(OutcomeModel):
    """Kalai–Smorodinsky bargaining solution, the status quo ``d`` as disagreement point.

    Each bargaining actor's gain over the status quo at outcome ``x`` is
    ``g_i(x) = |d - x_i|^p - |x - x_i|^p`` (``p = 2`` quadratic, default; ``p = 1`` linear), on
    the interval ``[lo, hi]`` where every bargaining actor gains. Its ideal gain is
    ``a_i = max_{x ∈ [lo, hi]} g_i(x)``. Kalai & Smorodinsky (1975, two players) choose the
    Pareto point where every actor gets the same share of its ideal gain, ``g_i / a_i``; on
    one issue with ``n > 2`` actors no outcome usually equalises all the shares, so the
    n-actor solution here maximises the smallest share (its standard extension; with two
    actors on one issue the two coincide):

    .. math:: x^* = \\arg\\max_{x ∈ [lo, hi]} \\min_i \\frac{g_i(x)}{\\omega_i a_i},

    with ``ω_i`` the bargaining power (capability × salience by default, scaled to a maximum
    of 1; ``power="equal"`` is the symmetric solution), so a stronger actor is due a larger
    share (DECISIONS KS-1, KS-2). Every ``g_i / (ω_i a_i)`` is concave, so the maximum is
    where two of them cross or at one's peak: the model evaluates all those points, exact to
    rounding. Who bargains (the side of the status quo with a strict majority of the power,
    as :class:`~detente.models.nash.NashBargaining`'s ``losers="outvoted"``) and the answer
    where the status quo is unknown (the power-weighted mean or median) follow the Nash model
    (DECISIONS KS-3). On DEU it is Nash in all but name (DECISIONS KS-4).

    Parameters
    ----------
    utility : {"quadratic", "linear"}
    power : {"capability_salience", "capability", "equal"}

    References
    ----------
    Kalai, E. & Smorodinsky, M. (1975). Other solutions to Nash's bargaining problem.
    *Econometrica* 43(3), 513-518.
    Thomson, W. (1994). Cooperative models of bargaining. In Aumann & Hart (eds.), *Handbook
    of Game Theory* 2, ch. 35 (the n-person and weighted extensions).
    """

    name = "kalai"
    label = "Kalai–Smorodinsky bargaining (status quo as disagreement point)"
    reference = "Kalai & Smorodinsky 1975"
    choices: ClassVar[Mapping[str, Sequence[str]]] = {
        "utility": UTILITIES,
        "power": POWERS,
    }

    def __init__(self, utility: str = "quadratic", power: str = "capability_salience") -> None:
        self.utility = utility
        self.power = power

    def bargaining_power(self, problem: IssueProblem) -> np.ndarray:
        """``ω_i`` before scaling (equal where they all are zero).

        Parameters
        ----------
        problem : IssueProblem
            The issue: the actors' weights and capabilities.
        """
        if self.power == "equal":
            return np.ones(len(problem.position))
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
        found = bargaining_range(position, power, d, 1e-9 * max(span, 1.0))
        if found is None:
            return IssueSolution(outcome=d)
        members, lo, hi = found
        x, w = position[members], power[members]
        radius = np.abs(d - x)
        p = _EXPONENT[self.utility]
        peaks = np.clip(x, lo, hi)
        ideal = np.diagonal(nash_gains(peaks, x, d, p))  # a_i = g_i(its own best point)
        k = ideal * (w / w.max())
        candidates = np.concatenate([peaks, [lo, hi], _crossings(x, radius, k, p)])
        candidates = np.unique(candidates[(candidates >= lo) & (candidates <= hi)])
        share = (nash_gains(candidates, x, d, p) / k).min(axis=1)
        best = float(candidates[int(np.argmax(share))])
        return IssueSolution(outcome=float(np.clip(best, problem.scale[0], problem.scale[1])))
