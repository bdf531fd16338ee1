"""The one rule by which every outcome model respects an issue's decision rule.

An outcome model forecasts where bargaining leads; the issue's decision rule
(:class:`~detente.spec.rules.DecisionRule`) says who can block a change of the status quo.
With symmetric single-peaked utilities on the issue line, actor ``i`` at ``x_i`` weakly
prefers ``y`` to the status quo ``d`` iff ``|y - x_i| <= |d - x_i|``. The points every veto
player and a qualified majority (all voters under unanimity) weakly prefer to ``d`` form an
interval that contains ``d``: the winset of the status quo and ``d`` itself (Tsebelis 2002,
ch. 1; Steunenberg & Selck 2006). A forecast outside it is *flagged*: someone who can block
it prefers the status quo. The model's *constrained* answer is the point of the interval
nearest its forecast. :meth:`detente.models.base.OutcomeModel.predict` applies
:func:`check_rule` to every model's every issue, and the DEU backtest applies it to every
prediction (DECISIONS SCN-9).

References
----------
Tsebelis, G. (2002). *Veto Players: How Political Institutions Work*. Princeton UP.
Steunenberg, B. & Selck, T. J. (2006). Testing procedural models of EU legislative
decision-making. In Thomson, Stokman, Achen & König (eds.), *The European Union Decides*,
ch. 3. Cambridge UP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from detente.spec.rules import RuleKind


@dataclass(frozen=True, eq=False)
class IssueRule:
    """An issue's decision rule over the actors of its problem (arrays in their order).

    ``kind`` as in :class:`~detente.spec.rules.DecisionRule`; ``veto`` (bool (n,), or None
    for nobody) the actors whose consent a change needs; ``votes`` ((n,) voting weights, 0
    for non-voters; None: every actor votes with weight 1) and ``threshold`` (the share of the
    voters' weight a change needs) for unanimity and qualified majority.
    """

    kind: RuleKind = "collective"
    veto: np.ndarray | None = None
    votes: np.ndarray | None = None
    threshold: float = 1.0

    @property
    def binding(self) -> bool:
        """Whether anyone can block a change."""
        return self.kind in ("unanimity", "qualified_majority") or (
            self.veto is not None and bool(np.any(self.veto))
        )


COLLECTIVE = IssueRule()


@dataclass(frozen=True)
class RuleCheck:
    """A forecast checked against its issue's decision rule.

    ``winset`` is ``(low, high)``, the points that can pass (the status quo among them);
    ``flagged`` says the forecast lies outside; ``constrained`` is the point of the winset
    nearest the forecast (the forecast itself when not flagged).
    """

    outcome: float
    constrained: float
    flagged: bool
    winset: tuple[float, float]


def acceptance_reach(position: np.ndarray, status_quo: float) -> tuple[np.ndarray, np.ndarray]:
    """How far right and left of the status quo each actor accepts a change.

    Actor ``i`` weakly prefers ``x`` to ``d`` iff ``|x - x_i| <= |d - x_i|``, so it accepts
    moves right of ``d`` up to ``max(2 x_i - d, d)`` and left down to ``min(2 x_i - d, d)``.
    """
    mirror = 2.0 * np.asarray(position, dtype=float) - status_quo
    return np.maximum(mirror, status_quo), np.minimum(mirror, status_quo)


def _quota_bound(reach: np.ndarray, votes: np.ndarray, quota: float, descending: bool) -> float:
    """The farthest reach still accepted by voters holding at least ``quota`` of the votes."""
    order = np.argsort(-reach if descending else reach, kind="stable")
    cum = np.cumsum(votes[order])
    need = quota * cum[-1]
    k = int(np.argmax(cum >= need - 1e-9 * max(cum[-1], 1.0)))
    return float(reach[order][k])


def winset(
    position: np.ndarray, status_quo: float, scale: tuple[float, float], rule: IssueRule
) -> tuple[float, float]:
    """The interval ``(low, high)`` of points that can beat (or tie) the status quo.

    Every veto player, and voters holding a share ``rule.threshold`` of the votes of the
    voters (all of them under unanimity), must weakly prefer the point to the status quo;
    indifference counts as consent. Under a collective rule, or where the status quo is
    unknown, the whole scale (DECISIONS SCN-9).
    """
    lo, hi = float(scale[0]), float(scale[1])
    d = float(status_quo)
    if not math.isfinite(d) or not rule.binding:
        return lo, hi
    right, left = acceptance_reach(position, d)
    high, low = hi, lo
    if rule.veto is not None and np.any(rule.veto):
        veto = np.asarray(rule.veto, dtype=bool)
        high, low = min(high, float(right[veto].min())), max(low, float(left[veto].max()))
    if rule.kind in ("unanimity", "qualified_majority"):
        n = len(right)
        votes = np.ones(n) if rule.votes is None else np.asarray(rule.votes, dtype=float)
        voters = votes > 0
        if voters.any():
            quota = 1.0 if rule.kind == "unanimity" else float(rule.threshold)
            r, w = right[voters], votes[voters]
            high = min(high, _quota_bound(r, w, quota, descending=True))
            low = max(low, _quota_bound(left[voters], w, quota, descending=False))
    return max(low, lo), min(high, hi)


def check_rule(
    outcome: float,
    position: np.ndarray,
    status_quo: float,
    scale: tuple[float, float],
    rule: IssueRule,
) -> RuleCheck:
    """``outcome`` checked against ``rule``: flagged where it lies outside the
    :func:`winset`, and the nearest point of the winset (DECISIONS SCN-9)."""
    low, high = winset(position, status_quo, scale, rule)
    tol = 1e-9 * max(float(scale[1] - scale[0]), 1.0)
    x = float(outcome)
    flagged = math.isfinite(x) and (x < low - tol or x > high + tol)
    constrained = float(np.clip(x, low, high)) if flagged else x
    return RuleCheck(outcome=x, constrained=constrained, flagged=flagged, winset=(low, high))


__all__ = ["COLLECTIVE", "IssueRule", "RuleCheck", "acceptance_reach", "check_rule", "winset"]
