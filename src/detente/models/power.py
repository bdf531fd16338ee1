"""Voting power in a weighted voting game: Shapley–Shubik and Banzhaf indices, exact.

A weighted voting game ``[q; w_1, ..., w_n]`` (integer weights, integer quota ``q``): a
coalition wins when its total weight is at least ``q``. Player ``i`` is *pivotal* (swing) for
a coalition ``S`` without ``i`` when ``w(S) < q <= w(S) + w_i``. Both indices count such
coalitions with generating functions (Brams & Affuso 1976; Bilbao, Fernández, Jiménez &
López 2000): the number of coalitions of ``n - 1`` players (all but ``i``) with ``s``
members and weight ``k`` is the coefficient of ``x^k y^s`` in ``Π_{j≠i} (1 + x^{w_j} y)``
(DECISIONS POW-1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from detente.errors import DetenteError

INDICES = ("shapley", "banzhaf")


def _game(weights: Sequence[float], quota: float) -> tuple[tuple[int, ...], int]:
    """Integer weights and quota, or a one-line error."""
    if len(weights) == 0:
        raise DetenteError("a weighted voting game needs at least one player", where="weights")
    ints = []
    for w in weights:
        if not math.isfinite(float(w)) or float(w) < 0 or float(w) != int(w):
            raise DetenteError(
                f"vote weight {w!r} is not a non-negative integer; power indices need "
                "integer weights (scale them first)",
                where="weights",
            )
        ints.append(int(w))
    q = float(quota)
    if not math.isfinite(q) or q != int(q) or not 0 < q <= sum(ints):
        raise DetenteError(
            f"quota {quota!r} must be an integer in 1..{sum(ints)} (the total weight)",
            where="quota",
        )
    return tuple(ints), int(q)


def _counts_without(weights: tuple[int, ...], i: int, top: int) -> np.ndarray:
    """``N[s, k]``: coalitions of the players other than ``i`` with ``s`` members and weight
    ``k < top`` (heavier ones are never needed). Exact: int64 while a count fits (it is at
    most ``2^(n-1)``), Python integers beyond 62 players."""
    n = len(weights)
    counts = np.zeros((n, top), dtype=np.int64 if n <= 62 else object)
    counts[0, 0] = 1
    for j, w in enumerate(weights):
        if j != i and w < top:  # multiply by (1 + x^w y): one more member, w more weight
            counts[1:, w:] = counts[1:, w:] + counts[:-1, : top - w]
    return counts


@lru_cache(maxsize=64)
def _swing_counts(weights: tuple[int, ...], quota: int) -> tuple[np.ndarray, ...]:
    """For each player, the number of swing coalitions by size (length n)."""
    out = []
    for i, wi in enumerate(weights):
        counts = _counts_without(weights, i, quota)
        lo = max(quota - wi, 0)
        swings = counts[:, lo:quota].sum(axis=1) if wi > 0 else np.zeros(len(weights), int)
        out.append(swings)
    return tuple(out)


def shapley_shubik(weights: Sequence[float], quota: float) -> np.ndarray:
    """Shapley–Shubik index: ``φ_i = Σ_S s! (n - s - 1)! / n!`` over the coalitions ``S`` (size
    ``s``) for which ``i`` is pivotal (Shapley & Shubik 1954, eq. 1). Sums to 1.

    Parameters
    ----------
    weights : Sequence of float
        The players' vote weights, non-negative integers.
    quota : float
        The weight a coalition needs to win, an integer in 1..sum(weights).
    """
    w, q = _game(weights, quota)
    n = len(w)
    coef = [math.factorial(s) * math.factorial(n - s - 1) for s in range(n)]
    total = math.factorial(n)
    phi = [
        sum(int(c) * coef[s] for s, c in enumerate(swings)) / total
        for swings in _swing_counts(w, q)
    ]
    return np.array(phi, dtype=float)


def banzhaf(weights: Sequence[float], quota: float, *, normalized: bool = True) -> np.ndarray:
    """Banzhaf index: ``η_i`` = the number of coalitions for which ``i`` is a swing (Banzhaf
    1965). Normalized (default): ``η_i / Σ_j η_j``, sums to 1; else the absolute index
    ``η_i / 2^(n-1)`` (Penrose 1946).

    Parameters
    ----------
    weights : Sequence of float
        The players' vote weights, non-negative integers.
    quota : float
        The weight a coalition needs to win, an integer in 1..sum(weights).
    normalized : bool, default True
        Divide by the total number of swings (else by ``2^(n-1)``).
    """
    w, q = _game(weights, quota)
    eta = [int(sum(int(c) for c in swings)) for swings in _swing_counts(w, q)]
    if normalized:
        total = sum(eta)
        return np.array([e / total for e in eta], dtype=float)
    return np.array([e / 2 ** (len(w) - 1) for e in eta], dtype=float)


def power_index(kind: str, weights: Sequence[float], quota: float) -> np.ndarray:
    """``"shapley"`` (:func:`shapley_shubik`) or ``"banzhaf"`` (normalized :func:`banzhaf`);
    remembered per game, since a backtest asks for the same Council game many times.

    Parameters
    ----------
    kind : str
        The index: ``"shapley"`` or ``"banzhaf"``.
    weights : Sequence of float
        The players' vote weights, non-negative integers.
    quota : float
        The weight a coalition needs to win, an integer in 1..sum(weights).
    """
    if kind not in INDICES:
        raise DetenteError(
            f"unknown power index {kind!r}; use one of: {', '.join(INDICES)}", where="index"
        )
    return np.array(_cached_index(kind, tuple(float(w) for w in weights), float(quota)))


@lru_cache(maxsize=64)
def _cached_index(kind: str, weights: tuple[float, ...], quota: float) -> tuple[float, ...]:
    index = shapley_shubik if kind == "shapley" else banzhaf
    return tuple(float(x) for x in index(weights, quota))
