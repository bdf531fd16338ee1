"""Why a durability model ranks agreements no better than it does: the learning curve and
the permutation importance, both out of fold and grouped by conflict (DECISIONS DUR-17).

References
----------
Breiman, L. (2001). Random forests. *Machine Learning* 45(1), 5-32. (Permutation importance,
sec. 10.)

Perlich, C., Provost, F. & Simonoff, J. S. (2003). Tree induction vs. logistic regression: a
learning-curve analysis. *Journal of Machine Learning Research* 4, 211-255.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from detente.durability.fit import EVENT, SurvivalModel, conflict_groups
from detente.durability.folds import group_folds
from detente.errors import DetenteError

__all__ = ["learning_curve", "permutation_importance"]


def learning_curve(
    model: SurvivalModel,
    frame: pd.DataFrame,
    shares: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
    *,
    k: int = 5,
    repeats: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """Grouped-CV Harrell's C when the model sees only a share of the training conflicts.

    For each of ``k`` folds grouped by conflict, the model is fitted on a random ``share``
    of the other folds' conflicts (``repeats`` draws, seeded; one at share 1) and scored on
    the whole held-out fold, so the test rows stay the same and only the training size
    changes (Perlich et al. 2003, sec. 3).

    Returns
    -------
    pandas.DataFrame
        One row per share: ``share``, ``conflicts`` and ``agreements`` (mean training size),
        ``c_index`` (mean over folds and repeats), ``sd`` (of the repeat means) and
        ``failed_fits`` (fits that raised, e.g. did not converge, left out of the mean).
    """
    if any(not 0 < s <= 1 for s in shares):
        raise DetenteError(f"shares {list(shares)}; each must be in (0, 1]", where="shares")
    groups = conflict_groups(frame)
    folds = group_folds(groups, k, seed)
    rng = np.random.default_rng(seed)
    rows = []
    for share in shares:
        runs = 1 if share >= 1 else repeats
        means, conflicts, agreements = [], [], []
        failed = 0
        for _ in range(runs):
            scores = []
            for test in folds:
                train = np.setdiff1d(np.arange(len(frame)), test)
                pool = np.unique(groups[train])
                n_keep = max(2, round(share * len(pool)))
                keep = rng.choice(pool, size=min(n_keep, len(pool)), replace=False)
                sub = train[np.isin(groups[train], keep)]
                held = frame.iloc[test].reset_index(drop=True)
                if held[EVENT].sum() == 0:
                    continue
                try:
                    fitted = model.clone().fit(frame.iloc[sub].reset_index(drop=True))
                except DetenteError:
                    failed += 1  # e.g. no convergence on a small share: counted, not hidden
                    continue
                scores.append(fitted.concordance(held))
                conflicts.append(len(keep))
                agreements.append(len(sub))
            if scores:
                means.append(float(np.mean(scores)))
        rows.append(
            {
                "share": float(share),
                "conflicts": float(np.mean(conflicts)),
                "agreements": float(np.mean(agreements)),
                "c_index": float(np.mean(means)) if means else float("nan"),
                "sd": float(np.std(means, ddof=1)) if len(means) > 1 else 0.0,
                "failed_fits": failed,
            }
        )
    return pd.DataFrame(rows)


def permutation_importance(
    model: SurvivalModel,
    frame: pd.DataFrame,
    columns: Mapping[str, Sequence[str]] | Sequence[str],
    *,
    k: int = 5,
    repeats: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """The drop in held-out Harrell's C when a covariate (or a group of covariates, jointly)
    is permuted among the held-out agreements (Breiman 2001, sec. 10), over ``k`` folds
    grouped by conflict, ``repeats`` seeded permutations each. The model is never refitted:
    a drop near 0 means the fitted model does not use the covariate in a way that carries to
    new conflicts.

    Returns
    -------
    pandas.DataFrame
        One row per covariate (group), largest drop first: ``feature``, ``drop`` (mean over
        folds and permutations), ``sd`` (over folds of the per-fold means) and ``se``
        (``sd`` / sqrt(folds)).
    """
    named = dict(columns) if isinstance(columns, Mapping) else {c: [c] for c in columns}
    missing = sorted({c for cols in named.values() for c in cols} - set(frame.columns))
    if missing:
        raise DetenteError(f"no column(s) {', '.join(missing)}", where="permutation importance")
    folds = group_folds(conflict_groups(frame), k, seed)
    rng = np.random.default_rng(seed)
    per_fold: dict[str, list[float]] = {name: [] for name in named}
    for test in folds:
        held = frame.iloc[test].reset_index(drop=True)
        if held[EVENT].sum() == 0:
            continue
        train = np.setdiff1d(np.arange(len(frame)), test)
        fitted = model.clone().fit(frame.iloc[train].reset_index(drop=True))
        base = fitted.concordance(held)
        for name, cols in named.items():
            drops = []
            for _ in range(repeats):
                shuffled = held.copy()
                shuffled[list(cols)] = held[list(cols)].to_numpy()[rng.permutation(len(held))]
                drops.append(base - fitted.concordance(shuffled))
            per_fold[name].append(float(np.mean(drops)))
    out = pd.DataFrame(
        {
            "feature": list(per_fold),
            "drop": [float(np.mean(v)) for v in per_fold.values()],
            "sd": [float(np.std(v, ddof=1)) if len(v) > 1 else 0.0 for v in per_fold.values()],
        }
    )
    out["se"] = out["sd"] / np.sqrt(max(1, len(folds)))
    return out.sort_values("drop", ascending=False, kind="stable").reset_index(drop=True)
