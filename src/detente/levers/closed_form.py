"""The cheapest lever setting under the compromise model, in closed form.

The compromise model predicts ``y = (S + w x) / (W + w)`` on an issue, where ``x`` and
``w = m u`` are the actor's position and weight (capability × salience; ``u`` is the lever,
salience or capability, and ``m`` the other factor), ``S = Σ_{i≠k} w_i x_i`` and
``W = Σ_{i≠k} w_i`` the others' weighted sum and weight (Achen 2006, eq. 3). For a goal
``y <= t`` (a goal ``y >= t`` is the same after negating every position) the cheapest change
minimises ``a |x - x0| + b |u - u0|`` over the box of the two levers.

Derivation. If the scenario misses the goal, the cheapest setting lies on ``y = t``: on the
segment from any setting that meets the goal back to the baseline, cost falls monotonically
and ``y`` is continuous, so it crosses ``t`` at a cheaper point. On ``y = t``, for ``w > 0``::

    x(w) = t + K / w,     K = W t - S = W (t - ȳ_others)

and the cost along the curve, with ``β = b / m`` the cost of a unit of weight, is::

    f(w) = a · max(0, x0 - x(w)) + β |w - w0|      (x = min(x0, x(w)) ≥ x_low)

``f`` is smooth between the kinks ``w = w0`` and ``x(w) ∈ {x0, x_low, x_high}``, i.e.
``w = K / (x_v - t)``; on each piece it is ``±a K / w ± β w`` + const, whose only stationary
point is ``w* = sqrt(a |K| / β)``. The minimum is therefore at one of the candidates
``{w_low, w_high, w0, K / (x_v - t), w*}`` (or at ``w = 0``, where ``y`` is the others' mean),
each checked against the box and the goal; with one lever only, the box of the other is a
point and the formula reduces to ``Δx = (t - y0) (W + w0) / w0`` (position) or
``w = K / (x0 - t)`` (weight). Where this applies is DECISIONS LEV-6.

References
----------
Achen, C. H. (2006). Institutional realism and bargaining models. In Thomson, Stokman,
Achen & König (eds.), *The European Union Decides*, ch. 4. Cambridge UP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from detente.models.compromise import weighted_mean


@dataclass(frozen=True)
class Box:
    """One lever's range: its baseline, bounds and cost per unit (a fixed quantity when
    ``low == high == base``)."""

    base: float
    low: float
    high: float
    cost: float

    @classmethod
    def fixed(cls, value: float) -> Box:
        return cls(value, value, value, 0.0)


@dataclass(frozen=True)
class Change:
    """The cheapest setting found: the actor's position, its weight lever and the cost."""

    position: float
    lever: float
    cost: float


def cheapest_change(
    others_position: np.ndarray,
    others_weight: np.ndarray,
    position: Box,
    lever: Box,
    multiplier: float,
    target: float,
    upper: bool,
    tolerance: float = 1e-9,
) -> Change | None:
    """The cheapest ``(position, lever)`` with compromise outcome ``<= target`` (``upper``)
    or ``>= target``; ``None`` when no setting in the box reaches it.

    Parameters
    ----------
    others_position, others_weight
        The other actors' positions and weights (capability × salience) on the issue.
    position
        The actor's position lever (``Box.fixed`` when it has none).
    lever
        The actor's weight lever, salience or capability (``Box.fixed`` when none).
    multiplier
        The other factor of the actor's weight: its capability for a salience lever, its
        salience for a capability lever (weight = multiplier × lever).
    target, upper
        The goal: outcome ``<= target`` when ``upper``, else ``>= target``.
    tolerance
        Slack allowed when checking a candidate against the goal (rounding).
    """
    sign = 1.0 if upper else -1.0
    xs = sign * np.asarray(others_position, dtype=float)
    ws = np.asarray(others_weight, dtype=float)
    t = sign * target
    x0 = sign * position.base
    x_low, x_high = sorted((sign * position.low, sign * position.high))
    m = float(multiplier)
    w_low, w_high, w0 = m * lever.low, m * lever.high, m * lever.base
    s_sum, w_sum = float((ws * xs).sum()), float(ws.sum())
    k = w_sum * t - s_sum
    a = position.cost
    beta = lever.cost / m if m > 0 else math.inf

    candidates = {w_low, w_high, w0}
    for xv in (x0, x_low, x_high):
        if xv != t:
            candidates.add(k / (xv - t))
    if a > 0 and 0 < beta < math.inf:
        candidates.add(math.sqrt(a * abs(k) / beta))

    best: Change | None = None
    for w in sorted(candidates):
        if not w_low - 1e-12 <= w <= w_high + 1e-12:
            continue
        w = min(max(w, w_low), w_high)
        x = x0 if w <= 0 else min(x0, t + k / w)
        if x < x_low - 1e-12:
            continue
        x = max(x, x_low)
        y = float(weighted_mean(np.append(xs, x), np.append(ws, w)))
        if y > t + tolerance:
            continue
        u = w / m if m > 0 else lever.base
        cost = a * abs(x - x0) + lever.cost * abs(u - lever.base)
        if best is None or cost < best.cost - 1e-12:
            best = Change(position=sign * x, lever=u, cost=cost)
    return best
