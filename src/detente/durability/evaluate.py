"""Out-of-sample scores of a durability model: grouped cross-validation, concordance on a
held-out file, and calibration of P(failed by t).

Folds are grouped by conflict: all agreements of one conflict fall in the same fold, since
agreements of one peace process often end on the same day (8 agreements of the development
split end on 1980-09-17). Splitting them across folds would let a model learn a conflict's
fate in training and score it again in testing.

References
----------
Harrell, F. E., Lee, K. L. & Mark, D. B. (1996). Multivariable prognostic models: issues in
developing models, evaluating assumptions and adequacy, and measuring and reducing errors.
*Statistics in Medicine* 15(4), 361-387. (Concordance and calibration of survival models.)

Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete observations.
*Journal of the American Statistical Association* 53(282), 457-481.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from detente.durability.fit import DURATION, EVENT, GROUP, SurvivalModel
from detente.errors import DetenteError

HORIZONS: tuple[float, ...] = (1.0, 3.0, 5.0)


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


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold results.

    Attributes
    ----------
    c_index:
        Harrell's C per fold, each on agreements the model was not fitted on.
    predicted_failure:
        Out-of-fold P(failed by t), shape (rows, horizons), in the frame's row order.
    horizons:
        The horizons in years.
    folds:
        The test rows of each fold.
    """

    c_index: np.ndarray
    predicted_failure: np.ndarray
    horizons: tuple[float, ...]
    folds: list[np.ndarray]

    @property
    def mean(self) -> float:
        return float(np.mean(self.c_index))

    @property
    def sd(self) -> float:
        return float(np.std(self.c_index, ddof=1)) if len(self.c_index) > 1 else 0.0


def cross_validate(
    model: SurvivalModel,
    frame: pd.DataFrame,
    *,
    k: int = 5,
    seed: int = 0,
    horizons: Sequence[float] = HORIZONS,
) -> CrossValidation:
    """K-fold cross-validation grouped by conflict (``group`` column).

    Each fold's model is a fresh :meth:`~detente.contract.Params.clone` fitted on the other
    folds only, then scored on the fold.
    """
    groups = frame[GROUP].to_numpy() if GROUP in frame.columns else np.arange(len(frame))
    folds = group_folds(groups, k, seed)
    scores = np.empty(k)
    predicted = np.full((len(frame), len(horizons)), np.nan)
    for f, test in enumerate(folds):
        train = np.setdiff1d(np.arange(len(frame)), test)
        fold_model = model.clone()
        if hasattr(fold_model, "robust"):
            # Scoring uses point estimates only, which robust errors do not change; skipping
            # the sandwich makes an AFT fold about 4 times faster.
            fold_model.robust = False
        fitted = fold_model.fit(frame.iloc[train].reset_index(drop=True))
        held_out = frame.iloc[test].reset_index(drop=True)
        scores[f] = fitted.concordance(held_out)
        predicted[test] = 1.0 - fitted.survival(held_out, horizons)
    return CrossValidation(
        c_index=scores, predicted_failure=predicted, horizons=tuple(horizons), folds=folds
    )


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


def calibration_table(
    frame: pd.DataFrame,
    predicted_failure: np.ndarray,
    horizons: Sequence[float] = HORIZONS,
    n_groups: int = 3,
) -> pd.DataFrame:
    """Predicted vs observed share failed by each horizon, overall and by risk group.

    Rows are grouped into ``n_groups`` equal-sized groups by predicted P(failed by 5 years)
    (the last horizon); the observed share is 1 - Kaplan–Meier in the group, so censored
    agreements count for as long as they were seen.

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` ("all", "low", ..., "high"), ``horizon``, ``n``, ``predicted``,
        ``observed``.
    """
    years = frame[DURATION].to_numpy(dtype=float)
    failed = frame[EVENT].to_numpy(dtype=int)
    score = predicted_failure[:, -1]
    ranks = np.argsort(np.argsort(score, kind="stable"), kind="stable")
    bins = (ranks * n_groups) // len(score)
    names = _group_names(n_groups)
    rows = []
    for label, mask in [("all", np.ones(len(score), dtype=bool))] + [
        (names[g], bins == g) for g in range(n_groups)
    ]:
        observed = 1.0 - kaplan_meier(years[mask], failed[mask], horizons)
        for h, t in enumerate(horizons):
            rows.append(
                {
                    "group": label,
                    "horizon": t,
                    "n": int(mask.sum()),
                    "predicted": float(predicted_failure[mask, h].mean()),
                    "observed": float(observed[h]),
                }
            )
    return pd.DataFrame(rows)


def _group_names(n: int) -> list[str]:
    if n == 3:
        return ["low", "middle", "high"]
    return [f"q{g + 1}" for g in range(n)]


def holdout_concordance(
    model: SurvivalModel, train: pd.DataFrame, test: pd.DataFrame
) -> tuple[float, int]:
    """Fit on ``train``, score Harrell's C on ``test``; returns (C, rows of ``test``)."""
    fitted = model.clone().fit(train)
    if int(test[EVENT].sum()) == 0:
        raise DetenteError(
            "has no failed agreement; concordance needs at least one failure to compare",
            where="test data",
        )
    return fitted.concordance(test), len(test)
