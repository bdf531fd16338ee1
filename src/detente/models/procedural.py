"""Procedural variants of the compromise model: the legal rules bound the bargained outcome."""

from __future__ import annotations

import math

import numpy as np

from detente.models.base import IssueProblem, IssueSolution, OutcomeModel
from detente.models.compromise import weighted_mean


def _is_unanimity(problem: IssueProblem) -> bool:
    return str(problem.context.get("voting_rule", "")).lower().startswith("unan")


def acceptance_reach(position: np.ndarray, status_quo: float) -> tuple[np.ndarray, np.ndarray]:
    """How far right and left of the status quo each actor accepts a change.

    With symmetric single-peaked utilities, actor ``i`` weakly prefers ``x`` to ``d`` iff
    ``|x - x_i| <= |d - x_i|``. So it accepts moves right of ``d`` up to
    ``max(2 x_i - d, d)`` and moves left down to ``min(2 x_i - d, d)``.
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


def winset(problem: IssueProblem) -> tuple[float, float]:
    """The interval ``[low, high]`` of points that can beat the status quo under the rules.

    The Council: member states (``context["council_votes"] > 0``) holding a share
    ``context["qmv_threshold"]`` of the votes of the member states with a position must
    weakly prefer the point to the status quo; under unanimity (``context["voting_rule"]``
    starting with ``"unan"``) all of them. Under codecision (``context["procedure"] ==
    "COD"``) the European Parliament (actor ``"ep"``) must also weakly prefer it. This is the
    one-dimensional winset of Tsebelis (2002) with the Council's QMV pivots (Steunenberg &
    Selck 2006). The status quo is always inside. Without a known status quo or Council votes
    in ``context``, the whole scale. The semantics are DECISIONS DEU-6.
    """
    d = float(problem.status_quo)
    votes = problem.context.get("council_votes")
    lo, hi = float(problem.scale[0]), float(problem.scale[1])
    if not math.isfinite(d) or votes is None:
        return lo, hi
    votes = np.asarray(votes, dtype=float)
    council = votes > 0
    if not council.any():
        return lo, hi
    quota = 1.0 if _is_unanimity(problem) else float(problem.context.get("qmv_threshold", 0.5))
    right, left = acceptance_reach(problem.position[council], d)
    high = _quota_bound(right, votes[council], quota, descending=True)
    low = _quota_bound(left, votes[council], quota, descending=False)
    if str(problem.context.get("procedure", "")).upper() == "COD" and "ep" in problem.actors:
        ep_right, ep_left = acceptance_reach(problem.position[problem.actors.index("ep")][None], d)
        high, low = min(high, float(ep_right[0])), max(low, float(ep_left[0]))
    return low, high


class ProceduralCompromise(OutcomeModel):
    """Outcome = the compromise (weighted mean), moved into the winset of the status quo.

    Achen's (2006) two stages: actors bargain to the capability × salience weighted mean,
    then the deal must pass the formal vote. A deal outside the set of points that a Council
    qualified majority (all member states under unanimity) and, under codecision, the EP
    prefer to the status quo is cut back to the nearest point that passes. Under unanimity the
    most status-quo-leaning member state bounds the outcome; under QMV the pivot of a
    qualified majority does. See :func:`winset` for the context it reads; without a known
    status quo or Council votes it is the compromise model.

    References
    ----------
    Achen, C. H. (2006). Institutional realism and bargaining models. In Thomson et al.
    (eds.), *The European Union Decides*, ch. 4. Cambridge UP.
    Steunenberg, B. & Selck, T. J. (2006). Testing procedural models of EU legislative
    decision-making. Ibid., ch. 3.
    Tsebelis, G. (2002). *Veto Players*. Princeton UP.
    """

    name = "procedural"
    label = "Compromise within the winset of the status quo"
    reference = "Achen 2006; Steunenberg & Selck 2006; Tsebelis 2002"

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        mean = float(weighted_mean(problem.position, problem.weight))
        low, high = winset(problem)
        return IssueSolution(outcome=float(np.clip(mean, low, high)))
