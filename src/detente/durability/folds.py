"""Folds grouped by conflict and the Kaplan–Meier estimate: the pieces both the models
(:mod:`detente.durability.fit`, which chooses a penalty by grouped CV) and the scores
(:mod:`detente.durability.evaluate`) use.

References
----------
Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete observations.
*Journal of the American Statistical Association* 53(282), 457-481.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detente.errors import DetenteError

__all__ = ["group_folds", "kaplan_meier"]


def group_folds(groups: Sequence[str] | np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """Row indices of ``k`` test folds; every group lies wholly in one fold.

    Groups are shuffled with ``seed`` and dealt largest first to the fold with the fewest rows,
    so folds have about equal sizes.
    """
    groups = np.asarray(groups)
    unique, counts = np.unique(groups, return_counts=True)
    if k < 2 or k > len(unique):
        raise DetenteError(
            f"{k} folds for {len(unique)} conflicts; use between 2 and {len(unique)} folds",
            where="--folds",
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(unique))
    order = order[np.argsort(-counts[order], kind="stable")]
    sizes = np.zeros(k, dtype=int)
    fold_of: dict[object, int] = {}
    for g in order:
        f = int(np.argmin(sizes))
        fold_of[unique[g]] = f
        sizes[f] += counts[g]
    assigned = np.array([fold_of[g] for g in groups])
    return [np.flatnonzero(assigned == f) for f in range(k)]


def kaplan_meier(years: np.ndarray, failed: np.ndarray, times: Sequence[float]) -> np.ndarray:
    """The Kaplan–Meier estimate of P(still in force) at each of ``times`` (Kaplan & Meier
    1958): the product over failure times u <= t of 1 - d(u) / n(u)."""
    years = np.asarray(years, dtype=float)
    failed = np.asarray(failed, dtype=bool)
    event_times = np.unique(years[failed])
    at_risk = np.array([(years >= u).sum() for u in event_times])
    deaths = np.array([(years[failed] == u).sum() for u in event_times])
    factors = 1.0 - deaths / np.maximum(at_risk, 1)
    out = []
    for t in times:
        out.append(float(np.prod(factors[event_times <= t])))
    return np.array(out)
