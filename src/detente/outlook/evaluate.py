"""Grouped cross-validation of the outside view against the no-covariate base rate.

The folds split *conflicts* (``group``), not episodes: every episode of a conflict is scored
by a model fitted without any episode of that conflict (DECISIONS OUT-8). Scores, on the
out-of-fold predictions pooled:

* cause-specific concordance (Harrell's C with the other causes censored; Wolbers et al.
  2009 discuss the cause-specific variant) of the predicted ``F_k(2 years)``, within each
  fold, averaged weighted by the fold's size;
* the Brier score of ``F_k(t)`` at 1 and 2 years with inverse-probability-of-censoring
  weights (Graf et al. 1999, eq. 6; the competing-risks form of Schoop et al. 2011, eq. 5):
  an episode ended (by any cause) by ``t`` weighs ``1 / G(T-)``, one still going at ``t``
  ``1 / G(t)``, one censored before ``t`` nothing; ``G`` is the Kaplan-Meier estimate of the
  censoring distribution on all episodes;
* a calibration table: the predicted ``F_k(2 years)`` in quintile bins against the
  Aalen-Johansen incidence of the bin's episodes;
* the shrinkage weight ``w`` of the linear pool ``w F_cox + (1 - w) F_aj`` that minimises the
  summed out-of-fold Brier score (all causes, 1 and 2 years), and the Brier score of that
  pool with ``w`` chosen on the other folds only (DECISIONS OUT-14).

References
----------
Graf, E., Schmoor, C., Sauerbrei, W. & Schumacher, M. (1999). Assessment and comparison of
prognostic classification schemes for survival data. *Statistics in Medicine* 18, 2529-2545.

Schoop, R., Beyersmann, J., Schumacher, M. & Binder, H. (2011). Quantifying the predictive
accuracy of time-to-event models in the presence of competing risks. *Biometrical Journal*
53(1), 88-112.

Wolbers, M., Koller, M. T., Witteman, J. C. M. & Steyerberg, E. W. (2009). Prognostic models
with competing risks. *Epidemiology* 20(4), 555-561.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.contract import rng_of
from detente.errors import DetenteError
from detente.outlook.data import CAUSES
from detente.outlook.fit import AalenJohansen, CauseSpecificCox
from detente.outlook.reference import get_reference

HORIZONS = (1.0, 2.0)
"""The Brier horizons, in years."""
C_HORIZON = 2.0
"""The horizon of the risk score the concordance ranks by."""
WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))
"""The grid of shrinkage weights (weight of the covariate model)."""


def grouped_folds(groups: pd.Series, k: int, seed: int | np.random.Generator) -> np.ndarray:
    """A fold number (0..k-1) per row; every row of a group in one fold, the groups dealt
    in a seeded random order to the fold with the fewest rows so far."""
    names = pd.unique(groups.astype(str))
    if k < 2 or k > len(names):
        raise DetenteError(
            f"{k} folds for {len(names)} conflicts; give 2 to {len(names)}", where="--folds"
        )
    order = rng_of(seed).permutation(len(names))
    sizes = groups.astype(str).value_counts()
    load = np.zeros(k)
    fold_of: dict[str, int] = {}
    for i in order:
        f = int(np.argmin(load))
        fold_of[str(names[i])] = f
        load[f] += sizes[str(names[i])]
    return groups.astype(str).map(fold_of).to_numpy(dtype=int)


def censoring_survival(years: np.ndarray, cause: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier of the censoring time (cause 0 is the event): its jump times and
    ``G(t)`` just after each."""
    times = np.unique(years[cause == 0])
    d = np.array([np.sum((years == t) & (cause == 0)) for t in times], dtype=float)
    n = np.array([np.sum(years >= t) for t in times], dtype=float)
    return times, np.cumprod(1.0 - d / n)


def _g(times: np.ndarray, g: np.ndarray, t: np.ndarray, *, left: bool) -> np.ndarray:
    idx = np.searchsorted(times, t, side="left" if left else "right") - 1
    out: np.ndarray = np.where(idx >= 0, g[np.maximum(idx, 0)], 1.0)
    return out


def brier(years: np.ndarray, cause: np.ndarray, k: int, predicted: np.ndarray, t: float) -> float:
    """The IPCW Brier score of ``predicted`` = F_k(t) per episode (Schoop et al. 2011)."""
    times, g = censoring_survival(years, cause)
    ended = (years <= t) & (cause > 0)
    going = years > t
    w = np.zeros(len(years))
    w[ended] = 1.0 / np.maximum(_g(times, g, years[ended], left=True), 1e-12)
    w[going] = 1.0 / max(float(_g(times, g, np.array([t]), left=False)[0]), 1e-12)
    outcome = (ended & (cause == k)).astype(float)
    return float(np.mean(w * (outcome - predicted) ** 2))


def concordance(years: np.ndarray, cause: np.ndarray, k: int, risk: np.ndarray) -> float:
    """Harrell's C for cause ``k`` (other causes censored): higher risk, sooner end; NaN
    where no pair can be ranked (no episode ended by ``k``)."""
    from lifelines.utils import concordance_index

    try:
        return float(concordance_index(years, -risk, (cause == k).astype(int)))
    except ZeroDivisionError:
        return float("nan")


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold predictions and their scores."""

    n: int
    folds: int
    predictions: pd.DataFrame
    """Per episode: years, cause, fold, and ``{model}_{cause}_{h}y`` for each horizon."""
    scores: dict[str, dict[str, dict[str, float]]]
    """model -> metric (``c_index``, ``brier_1y``, ``brier_2y``) -> cause -> value."""
    reference: str = "ucdp"
    shrinkage: dict[str, Any] | None = None
    """The shrinkage weight chosen on the out-of-fold predictions (:func:`shrinkage`)."""

    def to_dict(self) -> dict[str, Any]:
        """The evaluation contract: ``n``, ``c_index`` and ``brier_1y`` (per cause, the
        model's), then ``brier_2y`` and the baseline's scores."""
        model = self.scores["cox"]
        out: dict[str, Any] = {
            "n": self.n,
            "reference": self.reference,
            "folds": self.folds,
            "c_index": model["c_index"],
            "brier_1y": model["brier_1y"],
            "brier_2y": model["brier_2y"],
            "baseline": self.scores["aalen_johansen"],
        }
        if self.shrinkage is not None:
            out["shrinkage"] = self.shrinkage
        return out


def cross_validate(
    frame: pd.DataFrame,
    *,
    folds: int = 5,
    seed: int | np.random.Generator = 0,
    penalizer: float = 0.1,
    reference: str = "ucdp",
    covariates: list[str] | None = None,
) -> CrossValidation:
    """Grouped k-fold cross-validation of :class:`CauseSpecificCox` and the
    :class:`AalenJohansen` base rate (DECISIONS OUT-8) on a frame of the reference class
    ``reference`` (its covariates, or ``covariates``), with the shrinkage weight (OUT-14).

    Parameters
    ----------
    frame : pandas.DataFrame
        Episodes of the reference class (``years``, ``cause``, ``group``, covariates).
    folds : int, default 5
        Number of folds (episodes of one group stay together).
    seed : int or numpy.random.Generator, default 0
        Seed (or generator) of the assignment to folds.
    penalizer : float, default 0.1
        Ridge penalty of the Cox fits.
    reference : str, default "ucdp"
        The reference class's name (:func:`get_reference`).
    covariates : list of str or None, default None
        The covariates to fit; None for the reference class's.
    """
    ref = get_reference(reference)
    fold = grouped_folds(frame["group"], folds, seed)
    horizons = sorted({*HORIZONS, C_HORIZON})
    pred = frame[["years", "cause"]].copy()
    pred["fold"] = fold
    cov = list(ref.covariates) if covariates is None else covariates
    models = {
        "cox": CauseSpecificCox(covariates=cov, penalizer=penalizer, standardize=ref.standardize),
        "aalen_johansen": AalenJohansen(),
    }
    for f in range(folds):
        train, test = frame[fold != f], frame[fold == f]
        for label, model in models.items():
            fitted = model.clone().fit(train)
            cif = fitted.cif(test, horizons)  # (n, K, H)
            for k, cause in CAUSES.items():
                for j, h in enumerate(horizons):
                    pred.loc[test.index, f"{label}_{cause}_{h:g}y"] = cif[:, k - 1, j]
    years = pred["years"].to_numpy(dtype=float)
    cause_arr = pred["cause"].to_numpy(dtype=int)
    scores: dict[str, dict[str, dict[str, float]]] = {}
    for label in models:
        s: dict[str, dict[str, float]] = {"c_index": {}, "brier_1y": {}, "brier_2y": {}}
        for k, cause in CAUSES.items():
            risk = pred[f"{label}_{cause}_{C_HORIZON:g}y"].to_numpy()
            # within each fold, weighted by its size: pooling folds would rank episodes by
            # which fold's model scored them (the base rate would not score 0.5)
            per_fold = [
                (np.sum(fold == f), concordance(years[fold == f], cause_arr[fold == f], k,
                                                risk[fold == f]))
                for f in range(folds)
            ]  # fmt: skip
            known = [(n, v) for n, v in per_fold if not np.isnan(v)]
            c = sum(n * v for n, v in known) / sum(n for n, _ in known) if known else np.nan
            # no ranked pair in any fold (a cause that never happens in the class): null
            s["c_index"][cause] = round(float(c), 4) if known else None  # type: ignore[assignment]
            for h in HORIZONS:
                p = pred[f"{label}_{cause}_{h:g}y"].to_numpy()
                s[f"brier_{h:g}y"][cause] = round(brier(years, cause_arr, k, p, h), 4)
        scores[label] = s
    return CrossValidation(
        n=len(frame), folds=folds, predictions=pred, scores=scores, reference=ref.name,
        shrinkage=shrinkage(pred),
    )  # fmt: skip


def _pooled_brier(pred: pd.DataFrame, w: float) -> float:
    """The Brier score of ``w F_cox + (1 - w) F_aj`` summed over causes and horizons."""
    years = pred["years"].to_numpy(dtype=float)
    cause = pred["cause"].to_numpy(dtype=int)
    total = 0.0
    for k, name in CAUSES.items():
        for h in HORIZONS:
            p = (
                w * pred[f"cox_{name}_{h:g}y"].to_numpy()
                + (1 - w) * pred[f"aalen_johansen_{name}_{h:g}y"].to_numpy()
            )
            total += brier(years, cause, k, p, h)
    return total


def shrinkage(pred: pd.DataFrame) -> dict[str, Any]:
    """The weight of the covariate model in the linear pool with the base rate (DECISIONS
    OUT-14): the grid weight with the least summed out-of-fold Brier score, that sum per
    weight, and the honest score of the pool when each fold's weight is chosen on the other
    folds' out-of-fold predictions only."""
    by_weight = {w: _pooled_brier(pred, w) for w in WEIGHTS}
    best = min(by_weight, key=lambda w: (round(by_weight[w], 12), -w))
    fold = pred["fold"].to_numpy()
    nested = pred.copy()
    chosen = []
    for f in np.unique(fold):
        rest = pred[fold != f]
        w_f = min(WEIGHTS, key=lambda w: (round(_pooled_brier(rest, w), 12), -w))
        chosen.append(w_f)
        for name in CAUSES.values():
            for h in HORIZONS:
                col = f"cox_{name}_{h:g}y"
                nested.loc[fold == f, col] = (
                    w_f * pred.loc[fold == f, col]
                    + (1 - w_f) * (pred.loc[fold == f, f"aalen_johansen_{name}_{h:g}y"])
                )
    return {
        "weight": best,
        "brier_sum": {f"{w:g}": round(v, 5) for w, v in by_weight.items()},
        "nested_weights": chosen,
        "nested_brier_sum": round(_pooled_brier(nested, 1.0), 5),
    }


def calibration_table(cv: CrossValidation, bins: int = 5, horizon: float = 2.0) -> pd.DataFrame:
    """Per cause and bin of the model's out-of-fold ``F_k(horizon)``: the mean predicted,
    the Aalen-Johansen observed incidence of the bin's episodes, and the bin's size.

    Parameters
    ----------
    cv : CrossValidation
        A cross-validation (:func:`cross_validate`) with out-of-fold predictions.
    bins : int, default 5
        Number of quantile bins of the predicted incidence.
    horizon : float, default 2.0
        Years at which incidence is compared (one of the predicted horizons).
    """
    rows = []
    pred = cv.predictions
    for k, cause in CAUSES.items():
        p = pred[f"cox_{cause}_{horizon:g}y"]
        if not (pred["cause"] == k).any():
            continue  # a cause no episode of the class ended by (CoW: low activity)
        edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
        if len(edges) < 2:
            edges = np.array([edges[0], edges[0]])
        which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
        for b in range(len(edges) - 1):
            part = pred[which == b]
            if part.empty:
                continue
            observed = AalenJohansen().fit(part).cif(part.iloc[:1], [horizon])[0, k - 1, 0]
            rows.append(
                {"cause": cause, "bin": b, "n": len(part),
                 "predicted": float(p[which == b].mean()), "observed": float(observed)}
            )  # fmt: skip
    return pd.DataFrame(rows)


def plot_calibration(table: pd.DataFrame, path: Path, horizon: float = 2.0) -> Path:
    """The calibration table as one panel per cause (predicted against observed)."""
    from detente.plotting import new_figure, save_figure

    fig = new_figure(figsize=(9, 7), layout="constrained")
    axes = fig.subplots(2, 2)
    for ax, cause in zip(axes.flat, CAUSES.values(), strict=True):
        part = table[table["cause"] == cause]
        if part.empty:
            ax.set_title(f"{cause.replace('_', ' ')}: no episode ended so")
            ax.set_axis_off()
            continue
        top = max(0.05, float(part[["predicted", "observed"]].to_numpy().max()) * 1.15)
        ax.plot([0, top], [0, top], color="grey", lw=1, ls="--")
        ax.scatter(part["predicted"], part["observed"], s=part["n"] / 2, color="tab:blue")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_title(f"{cause.replace('_', ' ')}: P(ended by {horizon:g} y)")
        ax.set_xlabel("predicted (out of fold)")
        ax.set_ylabel("observed (Aalen-Johansen)")
    return save_figure(fig, path)
