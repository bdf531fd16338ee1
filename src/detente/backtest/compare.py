"""Proposal-grouped cross-validated comparison of the outcome models on DEU, with a paired
bootstrap interval of each model's MAE difference to the compromise model (DECISIONS STK-3).

:func:`compare_models` runs every given model on every issue (the issues of a proposal
together), adds the stacked ensemble (:mod:`detente.backtest.ensemble`) scored on held-out
proposals, and reduces the per-issue errors to one row per model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from detente.backtest.deu import DeuCase, backtest, group_kfold
from detente.backtest.ensemble import cross_validated_stack
from detente.contract import rng_of
from detente.errors import DetenteError
from detente.models.base import OutcomeModel

COMPARE_COLUMNS = [
    "model", "n", "cv_mae", "diff", "diff_low", "diff_high", "wins", "losses",
    "excludes_zero",
]  # fmt: skip
STACKED = "stacked"


def paired_bootstrap(
    errors: np.ndarray,
    reference: np.ndarray,
    groups: Sequence[str],
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
) -> tuple[float, float, float]:
    """MAE(errors) - MAE(reference) and its percentile bootstrap interval, resampling groups.

    Each replicate draws as many groups (proposals) as there are, with replacement, and
    takes every issue of each drawn group for both predictors (paired): the interval allows
    for errors that are correlated within a proposal (DECISIONS STK-3).

    Parameters
    ----------
    errors, reference:
        (cases,) absolute errors of the model and of the reference, on the same cases.
    groups:
        (cases,) the group (proposal) of each case.
    n_boot:
        Bootstrap replicates (default 2000).
    level:
        Coverage of the interval (default 0.95).
    seed:
        Seed or generator for the resampling.

    Returns
    -------
    (difference, low, high)
    """
    e = np.asarray(errors, dtype=float)
    r = np.asarray(reference, dtype=float)
    if e.shape != r.shape or e.shape != (len(groups),) or not e.size:
        raise DetenteError("errors, reference and groups must be non-empty and of one length")
    if n_boot < 1 or not 0 < level < 1:
        raise DetenteError(f"need n_boot >= 1 and 0 < level < 1; got {n_boot}, {level}")
    _, group = np.unique(np.asarray(groups), return_inverse=True)
    n_groups = int(group.max()) + 1
    diff_sum = np.bincount(group, weights=e - r, minlength=n_groups)
    size = np.bincount(group, minlength=n_groups).astype(float)
    draws = rng_of(seed).integers(0, n_groups, size=(n_boot, n_groups))
    counts = np.stack([np.bincount(row, minlength=n_groups) for row in draws])
    reps = (counts @ diff_sum) / (counts @ size)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(reps, [tail, 1.0 - tail])
    return float(np.mean(e - r)), float(low), float(high)


def compare_models(
    cases: Sequence[DeuCase],
    models: Mapping[str, OutcomeModel],
    *,
    reference: str = "compromise",
    n_splits: int = 5,
    n_boot: int = 2000,
    seed: int = 0,
    stacked: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every model's held-out MAE on DEU and its paired difference to ``reference``.

    The registered models have no parameter fitted to DEU, so their held-out predictions are
    their predictions; the stacked ensemble (members: all ``models``) is fitted on the
    training proposals of each of ``n_splits`` proposal-grouped folds
    (:func:`~detente.backtest.deu.group_kfold`) and predicts the held-out proposals. Scored
    on the issues with an outcome; every issue of a proposal (scored or not) is passed to the
    models, which solve a proposal's issues together.

    Returns
    -------
    (table, weights)
        ``table``: one row per model (:data:`COMPARE_COLUMNS`): ``n`` issues, ``cv_mae``,
        ``diff`` = MAE(model) - MAE(reference) with its paired 95% bootstrap interval
        (``diff_low``, ``diff_high``; proposals resampled, ``seed``), ``wins`` / ``losses``
        (issues where the model's absolute error is strictly smaller / larger than the
        reference's) and ``excludes_zero`` (the interval lies wholly below or above 0),
        sorted by ``cv_mae``. ``weights``: the ensemble's weights per fold (rows) and member
        (columns); empty without ``stacked``.
    """
    if reference not in models:
        raise DetenteError(
            f"the reference model {reference!r} is not among the models compared",
            where="models",
        )
    frame = backtest(cases, models)
    frame = frame[np.isfinite(frame["outcome"].to_numpy(dtype=float))]
    wide = frame.pivot(index="issue_id", columns="model", values="prediction")
    meta = frame.drop_duplicates("issue_id").set_index("issue_id")
    issue_ids = [c.issue_id for c in cases if c.issue_id in wide.index]
    wide = wide.loc[issue_ids, list(models)]
    outcome = meta.loc[issue_ids, "outcome"].to_numpy(dtype=float)
    groups = meta.loc[issue_ids, "proposal_id"].astype(str).to_numpy()
    preds = {name: wide[name].to_numpy(dtype=float) for name in models}
    weights = pd.DataFrame()
    if stacked:
        members = [name for name in models if np.isfinite(preds[name]).all()]
        folds = group_kfold(list(groups), n_splits)
        matrix = np.column_stack([preds[name] for name in members])
        preds[STACKED], w = cross_validated_stack(matrix, outcome, folds, members)
        weights = pd.DataFrame(w, columns=members)
        weights.index.name = "fold"
    ref = np.abs(preds[reference] - outcome)
    rows = []
    for k, (name, pred) in enumerate(preds.items()):
        ok = np.isfinite(pred)
        err = np.abs(pred[ok] - outcome[ok])
        diff, low, high = paired_bootstrap(
            err, ref[ok], list(groups[ok]), n_boot=n_boot, seed=np.random.default_rng([seed, k])
        )
        rows.append(
            (
                name,
                int(ok.sum()),
                float(err.mean()),
                diff,
                low,
                high,
                int(np.sum(err < ref[ok])),
                int(np.sum(err > ref[ok])),
                bool(low > 0 or high < 0),
            )
        )
    table = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    return table.sort_values("cv_mae", kind="stable").reset_index(drop=True), weights
