"""The Kalai–Smorodinsky bargaining solution, the status quo as the disagreement point."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from detente.contract import Tags
from detente.models._weights import effective_weights
from detente.models.base import IssueDraws, IssueProblem, IssueSolution, OutcomeModel
from detente.models.nash import (
    _limit,
    bargaining_range,
    bargaining_ranges,
    draw_rows,
    nash_gains,
    packed_rows,
)

UTILITIES = ("quadratic", "linear")
POWERS = ("capability_salience", "capability", "equal")
_EXPONENT = {"quadratic": 2.0, "linear": 1.0}
_BLOCK = 1_000_000
"""Candidate × actor gains computed at once by :meth:`KalaiSmorodinsky.solve_draws` (8 MB)."""


def _crossings(x: np.ndarray, radius: np.ndarray, k: np.ndarray, exponent: float) -> np.ndarray:
    """Every point where two actors' scaled gains ``g_i(z) / k_i`` are equal.

    ``g_i(z) = r_i^p - |z - x_i|^p``. Quadratic: ``(k_i - k_j) z² + 2(k_j x_i - k_i x_j) z +
    k_j (r_i² - x_i²) - k_i (r_j² - x_j²) = 0``; linear: on each pair of linear pieces
    (slopes ``-s_i``, ``-s_j``), ``z (k_i s_j - k_j s_i) = k_i (r_j + s_j x_j) - k_j (r_i +
    s_i x_i)``. The maximum of the smallest scaled gain lies at one of these or at a peak.
    """
    z = _crossing_points(x, radius, k, exponent)
    return np.asarray(z[np.isfinite(z)])


def _crossing_points(
    x: np.ndarray, radius: np.ndarray, k: np.ndarray, exponent: float
) -> np.ndarray:
    """:func:`_crossings` along the last axis (any leading batch axes), the non-finite
    points (parallel pieces) kept: shape (..., pairs × 2) quadratic, (..., pairs × 4) linear."""
    i, j = np.triu_indices(x.shape[-1], 1)
    xi, xj, ri, rj, ki, kj = (
        x[..., i],
        x[..., j],
        radius[..., i],
        radius[..., j],
        k[..., i],
        k[..., j],
    )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if exponent == 2.0:
            a = ki - kj
            b = 2.0 * (kj * xi - ki * xj)
            c = kj * (ri**2 - xi**2) - ki * (rj**2 - xj**2)
            root = np.sqrt(np.clip(b * b - 4.0 * a * c, 0.0, None))
            flat = np.abs(a) <= 1e-14 * (np.abs(ki) + np.abs(kj))
            z = np.concatenate(
                [
                    np.where(flat, -c / b, (-b + root) / (2.0 * a)),
                    np.where(flat, -c / b, (-b - root) / (2.0 * a)),
                ],
                axis=-1,
            )
        else:
            parts = []
            for si in (-1.0, 1.0):
                for sj in (-1.0, 1.0):
                    num = ki * (rj + sj * xj) - kj * (ri + si * xi)
                    parts.append(num / (ki * sj - kj * si))
            z = np.concatenate(parts, axis=-1)
    return np.asarray(z)


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
    tags = Tags(batchable=True)
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

    def solve_draws(self, draws: IssueDraws) -> np.ndarray:
        """Every draw at once, bit-identical to :meth:`solve_issue` draw by draw: the
        bargaining ranges as arrays, then, per number of bargaining actors, the same
        candidates and shares as (draws, candidates, actors) arrays (DECISIONS KS-5)."""
        self.check_choices()
        problem = draws.problem
        position, power, d, out, known = draw_rows(draws, self.power, self.utility)
        if not len(known):
            return out
        span = float(problem.scale[1] - problem.scale[0])
        found, members, lo, hi = bargaining_ranges(
            position[known], power[known], d[known], 1e-9 * max(span, 1.0)
        )
        alone: list[int] = []
        for rows, cols in packed_rows(members):
            rows, cols = rows[found[rows]], cols[found[rows]]
            if not len(rows) or not cols.shape[1]:  # no members: as the one-draw solve
                alone.extend(known[rows].tolist())
                continue
            per_row = (cols.shape[1] + 2 + 4 * cols.shape[1] ** 2) * cols.shape[1]
            step = max(1, _BLOCK // per_row)
            for start in range(0, len(rows), step):
                block, at = rows[start : start + step], known[rows[start : start + step]]
                x = np.take_along_axis(position[at], cols[start : start + step], axis=1)
                w = np.take_along_axis(power[at], cols[start : start + step], axis=1)
                best = self._best(x, w, d[at], lo[block], hi[block])
                bad = np.isnan(best)
                alone.extend(at[bad].tolist())
                out[at[~bad]] = np.clip(best[~bad], problem.scale[0], problem.scale[1])
        for i in alone:
            out[i] = self.solve_issue(draws.version(i)).outcome
        return out

    def _best(
        self, x: np.ndarray, w: np.ndarray, d: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        """The maximin point of each row of (rows, members) arrays, as :meth:`solve_issue`
        finds it: the smallest candidate with the largest smallest share (``np.unique`` sorts,
        ``argmax`` takes the first). NaN where a share is NaN: that row is solved alone."""
        dd, low, high = d[:, None], lo[:, None], hi[:, None]
        radius = np.abs(dd - x)
        p = _EXPONENT[self.utility]
        peaks = np.clip(x, low, high)
        ideal = np.abs(dd - x) ** p - np.abs(peaks - x) ** p  # nash_gains' diagonal
        k = ideal * (w / w.max(axis=1, keepdims=True))
        candidates = np.concatenate([peaks, low, high, _crossing_points(x, radius, k, p)], axis=1)
        inside = (candidates >= low) & (candidates <= high)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            gains = (
                np.abs(dd - x)[:, None, :] ** p
                - np.abs(candidates[:, :, None] - x[:, None, :]) ** p
            )
            share = (gains / k[:, None, :]).min(axis=2)
        unsure = (inside & np.isnan(share)).any(axis=1)
        share = np.where(inside, share, -np.inf)
        top = share == share.max(axis=1, keepdims=True)
        best = np.where(top & inside, candidates, np.inf).min(axis=1)
        best[unsure] = np.nan
        return np.asarray(best)

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
