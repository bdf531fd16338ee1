"""Beliefs about the mediator's type: Bayes' rule, cheap talk, and a grid on the simplex.

A belief is a probability vector over the mediator's ``n`` types. The belligerents share a
common prior and see the same public actions, so one belief serves both. Costly actions move
it by Bayes' rule, :func:`bayes_update`; cheap talk only part of the way,
:func:`cheap_talk_update`. The solver needs values on a finite set of beliefs:
:class:`BeliefGrid` is the regular grid of resolution ``m`` on the simplex (all beliefs whose
coordinates are multiples of ``1/m``) with the Freudenthal triangulation, which writes any
belief as a convex combination of at most ``n`` grid points (Lovejoy 1991). Interpolating a
value function with those weights is exact at grid points and linear in between
(DECISIONS WAR-10).

References
----------
Lovejoy, W. S. (1991). Computationally feasible bounds for partially observed Markov
decision processes. *Operations Research* 39(1), 162-175.

Crawford, V. P. & Sobel, J. (1982). Strategic information transmission. *Econometrica*
50(6), 1431-1451 (why costless talk need not move a rational listener).

Grünwald, P. & van Ommen, T. (2017). Inconsistency of Bayesian inference for misspecified
linear models, and a proposal for repairing it. *Bayesian Analysis* 12(4), 1069-1103.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def bayes_update(belief: FloatArray, likelihood: FloatArray) -> FloatArray:
    """Posterior over types after an observation, by Bayes' rule.

    ``posterior_θ = belief_θ · L_θ / Σ_θ' belief_θ' · L_θ'``, along the last axis; both
    arrays broadcast. Where the observation has probability zero under the belief the belief
    is returned unchanged (such a branch carries no weight).

    Parameters
    ----------
    belief:
        (..., n) probabilities over types.
    likelihood:
        (..., n) probability of the observation under each type.

    Examples
    --------
    >>> bayes_update(np.array([0.5, 0.5]), np.array([0.8, 0.2])).round(2).tolist()
    [0.8, 0.2]
    """
    joint = belief * likelihood
    total = joint.sum(axis=-1, keepdims=True)
    safe = np.where(total > 0.0, total, 1.0)
    out: FloatArray = np.where(total > 0.0, joint / safe, np.broadcast_to(belief, joint.shape))
    return out


def cheap_talk_update(belief: FloatArray, likelihood: FloatArray, weight: float) -> FloatArray:
    """Belief after a costless statement, Bayes' rule on the tempered likelihood ``L^w``:
    ``b'_θ ∝ b_θ L_θ^w`` (posterior odds = prior odds × LR^w).

    Any type can say anything at no cost, so in a babbling equilibrium talk moves no one
    (Crawford & Sobel 1982); ``weight`` = 0 is that benchmark, 1 treats the statement as if
    it were a costly signal with the given likelihoods; in between the likelihood is
    discounted as in a tempered ("safe") Bayesian update (Grünwald & van Ommen 2017), the
    reading of :func:`detente.profiles.mapping.tempered_update` that a profile's
    ``cheap_talk_weight`` feeds (DECISIONS WAR-18).

    Examples
    --------
    >>> cheap_talk_update(np.array([0.5, 0.5]), np.array([0.9, 0.1]), 0.5).round(2).tolist()
    [0.75, 0.25]
    """
    return bayes_update(belief, np.power(likelihood, weight))


@dataclass(frozen=True)
class BeliefGrid:
    """The beliefs on the simplex whose coordinates are multiples of ``1/resolution``.

    ``points`` is (G, n) with ``G = C(resolution + n - 1, n - 1)``.
    """

    n_types: int
    resolution: int
    points: FloatArray = field(init=False, repr=False)
    _lookup: IntArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n, m = self.n_types, self.resolution
        counts = [c for c in itertools.product(range(m + 1), repeat=n - 1) if sum(c) <= m]
        full = np.array([[*c, m - sum(c)] for c in counts], dtype=np.int64).reshape(-1, n)
        lookup = np.full((m + 1) ** (n - 1), -1, dtype=np.int64)
        lookup[self._code(full)] = np.arange(full.shape[0])
        object.__setattr__(self, "points", full / m)
        object.__setattr__(self, "_lookup", lookup)

    def _code(self, counts: IntArray) -> IntArray:
        radix = (self.resolution + 1) ** np.arange(self.n_types - 1, dtype=np.int64)
        code: IntArray = counts[..., : self.n_types - 1] @ radix
        return code

    @property
    def size(self) -> int:
        return int(self.points.shape[0])

    def locate(self, beliefs: FloatArray) -> tuple[IntArray, FloatArray]:
        """Vertices and barycentric weights of the Freudenthal simplex holding each belief.

        Returns ``(index, weight)``, both (..., n): ``Σ_v weight_v · points[index_v]``
        equals the belief (Lovejoy 1991, section 3).
        """
        n, m = self.n_types, self.resolution
        b = np.clip(np.asarray(beliefs, dtype=np.float64), 0.0, None)
        b = b / b.sum(axis=-1, keepdims=True)
        lead = b.shape[:-1]
        # The type axis first, (n, P): each step below is then one pass over the P beliefs
        # (not P passes over n numbers); the arithmetic is the same, element by element.
        bt = b.reshape(-1, n).T
        n_p = bt.shape[1]
        # Cumulative coordinates from the right: x_j = m Σ_{k≥j} b_k, x_0 = m.
        x = m * np.cumsum(bt[::-1], axis=0)[::-1]
        base = np.floor(x + 1e-9)
        frac = np.clip(x - base, 0.0, 1.0)
        frac[0] = 0.0
        base[0] = m
        order = _descending_order(frac[1:]) + 1  # (n-1, P): np.argsort(-frac, stable)
        d_sorted = np.take_along_axis(frac, order, axis=0)
        weights = np.empty((n, n_p))
        weights[0] = 1.0 - (d_sorted[0] if n > 1 else 0.0)
        if n > 1:
            weights[1:-1] = d_sorted[:-1] - d_sorted[1:]
            weights[-1] = d_sorted[-1]
        vertices = np.empty((n, n, n_p), dtype=np.int64)  # (vertex, coordinate, P)
        u = base.astype(np.int64)
        vertices[0] = u
        steps = np.zeros_like(u)
        columns = np.arange(n_p)
        for k in range(n - 1):  # n ≤ MAX_TYPES: a loop over simplex dimensions, not actors
            steps[order[k], columns] = 1
            vertices[k + 1] = u + steps
        code = np.zeros((n, n_p), dtype=np.int64)  # :meth:`_code` of each vertex's counts
        for c in range(n - 1):
            count = np.clip(vertices[:, c] - vertices[:, c + 1], 0, m)
            code += count * (m + 1) ** c
        index: IntArray = np.ascontiguousarray(self._lookup[code].T).reshape(*lead, n)
        out: FloatArray = np.ascontiguousarray(weights.T).reshape(*lead, n)
        return index, out

    def nearest(self, beliefs: FloatArray) -> IntArray:
        """The grid point with the largest interpolation weight for each belief."""
        index, weights = self.locate(beliefs)
        pick = np.argmax(weights, axis=-1)[..., None]
        out: IntArray = np.take_along_axis(index, pick, axis=-1)[..., 0]
        return out


def _descending_order(values: FloatArray) -> IntArray:
    """``np.argsort(-values, axis=0, kind="stable")`` of an (n, P) array without NaN, by
    counting: element ``i`` goes after the earlier ones at least as large and the later ones
    larger (n ≤ MAX_TYPES - 1 rows; one pass over P per pair instead of P small sorts)."""
    if np.isnan(values).any():  # (a belief of all zeros: ranks would not be a permutation)
        sorted_: IntArray = np.argsort(-values, axis=0, kind="stable")
        return sorted_
    n = values.shape[0]
    order = np.empty(values.shape, dtype=np.int64)
    columns = np.arange(values.shape[1])
    for i in range(n):
        rank = np.zeros(values.shape[1], dtype=np.int64)
        for j in range(n):
            if j < i:
                rank += values[j] >= values[i]
            elif j > i:
                rank += values[j] > values[i]
        order[rank, columns] = i
    return order
