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

Uno, H., Cai, T., Pencina, M. J., D'Agostino, R. B. & Wei, L. J. (2011). On the C-statistics
for evaluating overall adequacy of risk prediction procedures with censored survival data.
*Statistics in Medicine* 30(10), 1105-1117.

Graf, E., Schmoor, C., Sauerbrei, W. & Schumacher, M. (1999). Assessment and comparison of
prognostic classification schemes for survival data. *Statistics in Medicine* 18(17-18),
2529-2545.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from detente.durability.fit import DURATION, EVENT, SurvivalModel, conflict_groups
from detente.durability.folds import group_folds, kaplan_meier
from detente.errors import DetenteError
from detente.spec.display import Display, fmt

HORIZONS: tuple[float, ...] = (1.0, 3.0, 5.0)
TAU = 5.0
"""Uno's C and the integrated Brier score look at the first 5 years (DECISIONS DUR-14)."""
IBS_START = 1.0 / 12.0
IBS_POINTS = 60


def _censoring_survival(
    train_years: np.ndarray, train_failed: np.ndarray, times: np.ndarray
) -> np.ndarray:
    """G(t) = P(not yet censored at t), the Kaplan–Meier estimate of the censoring times of
    the training data (failures count as censored), right-continuous at ``times``."""
    years = np.asarray(train_years, dtype=float)
    censored = 1 - np.asarray(train_failed, dtype=int)
    return kaplan_meier(years, censored, [float(t) for t in np.asarray(times).ravel()])


def uno_concordance(
    train_years: np.ndarray,
    train_failed: np.ndarray,
    years: np.ndarray,
    failed: np.ndarray,
    risk: np.ndarray,
    tau: float = TAU,
) -> float:
    """Uno's C truncated at ``tau`` (Uno et al. 2011, eq. 6): the share of pairs (i, j) with
    i failed, T_i < T_j and T_i < tau in which i has the higher risk, each pair weighted by
    1 / G(T_i)^2, G the censoring survival of the training data; ties in risk count 1/2.
    Unlike Harrell's C it does not depend on the test data's censoring."""
    years = np.asarray(years, dtype=float)
    failed = np.asarray(failed, dtype=bool)
    risk = np.asarray(risk, dtype=float)
    cases = np.flatnonzero(failed & (years < tau))
    g = _censoring_survival(train_years, train_failed, years[cases])
    if len(cases) == 0 or np.any(g <= 0):
        raise DetenteError(
            "has no failure before the horizon that the training data can weight; Uno's C "
            "needs one",
            where="test data",
        )
    w = 1.0 / g**2
    later = years[None, :] > years[cases][:, None]  # (cases, rows)
    diff = risk[cases][:, None] - risk[None, :]
    score = np.where(np.abs(diff) <= 1e-8, 0.5, (diff > 0).astype(float))
    num = float(np.sum(w[:, None] * later * score))
    den = float(np.sum(w[:, None] * later))
    if den == 0:
        raise DetenteError("has no comparable pair for Uno's C", where="test data")
    return num / den


def brier_scores(
    train_years: np.ndarray,
    train_failed: np.ndarray,
    years: np.ndarray,
    failed: np.ndarray,
    survival: np.ndarray,
    times: np.ndarray,
) -> np.ndarray:
    """The inverse-probability-of-censoring weighted Brier score at each of ``times``
    (Graf et al. 1999, eq. 6): the mean over rows of S(t|x)^2 / G(T) for agreements that failed
    by t and (1 - S(t|x))^2 / G(t) for those still in force at t; ``survival`` has shape
    (rows, times)."""
    years = np.asarray(years, dtype=float)
    failed = np.asarray(failed, dtype=bool)
    times = np.asarray(times, dtype=float)
    g_t = _censoring_survival(train_years, train_failed, times)
    g_y = _censoring_survival(train_years, train_failed, years)
    with np.errstate(divide="ignore"):
        inv_y = np.where(g_y > 0, 1.0 / np.maximum(g_y, 1e-300), 0.0)
        inv_t = np.where(g_t > 0, 1.0 / np.maximum(g_t, 1e-300), 0.0)
    died = (years[:, None] <= times[None, :]) & failed[:, None]
    alive = years[:, None] > times[None, :]
    terms = survival**2 * died * inv_y[:, None] + (1 - survival) ** 2 * alive * inv_t[None, :]
    return np.asarray(terms.mean(axis=0), dtype=float)


def ibs_grid(tau: float = TAU) -> np.ndarray:
    """The times (years) the integrated Brier score averages over: one month to ``tau``."""
    return np.linspace(IBS_START, tau, IBS_POINTS)


def integrated_brier(
    train_years: np.ndarray,
    train_failed: np.ndarray,
    years: np.ndarray,
    failed: np.ndarray,
    survival: np.ndarray,
    times: np.ndarray,
) -> float:
    """The Brier score of :func:`brier_scores` averaged over ``times`` by the trapezoid rule
    (Graf et al. 1999, eq. 7): 0 is perfect, 0.25 is a coin flip."""
    bs = brier_scores(train_years, train_failed, years, failed, survival, times)
    from scipy.integrate import trapezoid

    return float(trapezoid(bs, times) / (times[-1] - times[0]))


def holdout_scores(
    model: SurvivalModel, train: pd.DataFrame, test: pd.DataFrame, tau: float = TAU
) -> dict[str, float]:
    """Fit on ``train`` and score ``test``: Harrell's C (``c_index``), Uno's C at ``tau``
    (``c_index_uno``), the integrated Brier score over one month to ``tau`` (``ibs``) and the
    rows (``n_test``)."""
    if int(test[EVENT].sum()) == 0:
        raise DetenteError(
            "has no failed agreement; concordance needs at least one failure to compare",
            where="test data",
        )
    fitted = model.clone().fit(train)
    return _scores(fitted, train, test, tau) | {"n_test": len(test)}


def _scores(
    fitted: SurvivalModel, train: pd.DataFrame, test: pd.DataFrame, tau: float
) -> dict[str, float]:
    ty, tf = train[DURATION].to_numpy(float), train[EVENT].to_numpy(int)
    y, f = test[DURATION].to_numpy(float), test[EVENT].to_numpy(int)
    grid = ibs_grid(tau)
    return {
        "c_index": fitted.concordance(test),
        "c_index_uno": uno_concordance(ty, tf, y, f, fitted.risk(test), tau),
        "ibs": integrated_brier(ty, tf, y, f, fitted.survival(test, list(grid)), grid),
    }


@dataclass(frozen=True, repr=False)
class CrossValidation(Display):
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
    c_index_uno: np.ndarray | None = None
    ibs: np.ndarray | None = None

    def interval(self, score: str = "c_index", level: float = 0.95) -> tuple[float, float, float]:
        """(mean, lower, upper) of a per-fold score: mean ± t quantile · sd / sqrt(folds)
        (DECISIONS DUR-14; fold scores are not independent, so the interval is optimistic:
        Bengio & Grandvalet 2004).

        Parameters
        ----------
        score : str, default "c_index"
            The per-fold score: ``c_index``, ``c_index_uno`` or ``ibs``.
        level : float, default 0.95
            Coverage of the interval.
        """
        from scipy.stats import t as student

        values = getattr(self, score)
        if values is None:
            raise DetenteError(f"no {score} in this cross-validation", where="score")
        v = np.asarray(values, dtype=float)
        m = float(np.mean(v))
        if len(v) < 2:
            return m, m, m
        half = float(student.ppf(0.5 + level / 2, len(v) - 1) * np.std(v, ddof=1) / np.sqrt(len(v)))
        return m, m - half, m + half

    @property
    def mean(self) -> float:
        return float(np.mean(self.c_index))

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        facts: list[tuple[str, object]] = [
            ("folds", len(self.folds)),
            ("rows", int(sum(len(f) for f in self.folds))),
        ]
        for score in ("c_index", "c_index_uno", "ibs"):
            if getattr(self, score) is not None:
                m = float(np.mean(getattr(self, score)))
                facts.append((score, f"{fmt(m)} (sd over folds {fmt(self._sd(score))})"))
        facts.append(("horizons (years)", ", ".join(fmt(h) for h in self.horizons)))
        return "CrossValidation", facts

    def _sd(self, score: str) -> float:
        v = np.asarray(getattr(self, score), dtype=float)
        return float(np.std(v, ddof=1)) if len(v) > 1 else 0.0

    def to_frame(self) -> pd.DataFrame:
        """One row per fold: columns ``fold, n_test, c_index, c_index_uno, ibs`` (NaN for a
        score not computed; DECISIONS DESK-2)."""
        n = len(self.folds)
        nan = np.full(n, np.nan)
        return pd.DataFrame(
            {
                "fold": np.arange(n),
                "n_test": [len(f) for f in self.folds],
                "c_index": np.asarray(self.c_index, dtype=float),
                "c_index_uno": nan if self.c_index_uno is None else self.c_index_uno,
                "ibs": nan if self.ibs is None else self.ibs,
            }
        )

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
    scores_all: bool = False,
    tau: float = TAU,
) -> CrossValidation:
    """K-fold cross-validation grouped by conflict (``group`` column).

    Each fold's model is a fresh :meth:`~detente.contract.Params.clone` fitted on the other
    folds only, then scored on the fold: Harrell's C, and with ``scores_all`` also Uno's C
    and the integrated Brier score up to ``tau`` (censoring weights from the training folds).

    Parameters
    ----------
    model : SurvivalModel
        The (unfitted) model; each fold fits a clone.
    frame : pandas.DataFrame
        A survival frame (``years``, ``failed``, ``group`` and the covariates).
    k : int, default 5
        Number of folds.
    seed : int, default 0
        Seed of the assignment of conflicts to folds.
    horizons : Sequence of float, default HORIZONS
        Years at which the predicted P(failed) is kept (for :func:`calibration_table`).
    scores_all : bool, default False
        Also score Uno's C and the integrated Brier score.
    tau : float, default TAU
        Years up to which Uno's C and the integrated Brier score are taken.
    """
    groups = conflict_groups(frame)
    folds = group_folds(groups, k, seed)
    scores = np.empty(k)
    uno = np.full(k, np.nan)
    ibs = np.full(k, np.nan)
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
        if scores_all:
            s = _scores(fitted, frame.iloc[train], held_out, tau)
            scores[f], uno[f], ibs[f] = s["c_index"], s["c_index_uno"], s["ibs"]
        else:
            scores[f] = fitted.concordance(held_out)
        predicted[test] = 1.0 - fitted.survival(held_out, horizons)
    return CrossValidation(
        c_index=scores,
        predicted_failure=predicted,
        horizons=tuple(horizons),
        folds=folds,
        c_index_uno=uno if scores_all else None,
        ibs=ibs if scores_all else None,
    )


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

    Parameters
    ----------
    frame : pandas.DataFrame
        The survival frame the predictions are for (``years``, ``failed``).
    predicted_failure : numpy.ndarray
        Predicted P(failed by each horizon), shape (rows of ``frame``, horizons).
    horizons : Sequence of float, default HORIZONS
        The horizons (years) of the columns of ``predicted_failure``.
    n_groups : int, default 3
        Number of risk groups.

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
    """Fit on ``train``, score Harrell's C on ``test``; returns (C, rows of ``test``).

    Parameters
    ----------
    model : SurvivalModel
        The (unfitted) model; a clone is fitted.
    train : pandas.DataFrame
        The survival frame to fit on.
    test : pandas.DataFrame
        The survival frame to score on (at least one failure).
    """
    fitted = model.clone().fit(train)
    if int(test[EVENT].sum()) == 0:
        raise DetenteError(
            "has no failed agreement; concordance needs at least one failure to compare",
            where="test data",
        )
    return fitted.concordance(test), len(test)


# -- grouped bootstrap intervals (DECISIONS DUR-16) -----------------------------------------


@dataclass(frozen=True)
class FoldPrediction:
    """What one fitted model said about the agreements it was not fitted on.

    Attributes
    ----------
    test:
        Row positions of the scored frame.
    risk:
        :meth:`~detente.durability.fit.SurvivalModel.risk` of those rows.
    survival_grid:
        P(holds) on :func:`ibs_grid`, shape (rows, grid points).
    survival_horizons:
        P(holds) at the horizons, shape (rows, horizons).
    g_years, g_grid:
        The training data's censoring survival G at the rows' times and on the grid.
    """

    test: np.ndarray
    risk: np.ndarray
    survival_grid: np.ndarray
    survival_horizons: np.ndarray
    g_years: np.ndarray
    g_grid: np.ndarray


def predict_fold(
    fitted: SurvivalModel,
    train: pd.DataFrame,
    test: pd.DataFrame,
    rows: np.ndarray,
    horizons: Sequence[float] = HORIZONS,
    tau: float = TAU,
) -> FoldPrediction:
    """The held-out predictions of ``fitted`` (fitted on ``train``) for ``test``, whose rows
    are ``rows`` of the scored frame."""
    ty, tf = train[DURATION].to_numpy(float), train[EVENT].to_numpy(int)
    grid = ibs_grid(tau)
    return FoldPrediction(
        test=np.asarray(rows),
        risk=fitted.risk(test),
        survival_grid=fitted.survival(test, list(grid)),
        survival_horizons=fitted.survival(test, list(horizons)),
        g_years=_censoring_survival(ty, tf, test[DURATION].to_numpy(float)),
        g_grid=_censoring_survival(ty, tf, grid),
    )


def _fold_scores(
    years: np.ndarray, failed: np.ndarray, p: FoldPrediction, pick: np.ndarray, tau: float
) -> tuple[float, float, float]:
    """Harrell's C, Uno's C and the IBS of one fold on its rows ``pick`` (positions within
    the fold, repeats allowed); NaN where a score is undefined on the sample."""
    from lifelines.utils import concordance_index
    from scipy.integrate import trapezoid

    y, f, r = years[pick], failed[pick].astype(bool), p.risk[pick]
    try:
        harrell = float(concordance_index(y, -r, f))
    except ZeroDivisionError:
        harrell = float("nan")
    cases = np.flatnonzero(f & (y < tau))
    g = p.g_years[pick]
    uno = float("nan")
    if len(cases) and np.all(g[cases] > 0):
        w = 1.0 / g[cases] ** 2
        later = y[None, :] > y[cases][:, None]
        diff = r[cases][:, None] - r[None, :]
        score = np.where(np.abs(diff) <= 1e-8, 0.5, (diff > 0).astype(float))
        den = float(np.sum(w[:, None] * later))
        if den > 0:
            uno = float(np.sum(w[:, None] * later * score)) / den
    grid = ibs_grid(tau)
    with np.errstate(divide="ignore"):
        inv_y = np.where(g > 0, 1.0 / np.maximum(g, 1e-300), 0.0)
        inv_t = np.where(p.g_grid > 0, 1.0 / np.maximum(p.g_grid, 1e-300), 0.0)
    s = p.survival_grid[pick]
    died = (y[:, None] <= grid[None, :]) & f[:, None]
    alive = y[:, None] > grid[None, :]
    bs = (s**2 * died * inv_y[:, None] + (1 - s) ** 2 * alive * inv_t[None, :]).mean(axis=0)
    ibs = float(trapezoid(bs, grid) / (grid[-1] - grid[0]))
    return harrell, uno, ibs


@dataclass(frozen=True)
class Evaluation:
    """Out-of-sample scores with grouped bootstrap intervals.

    Attributes
    ----------
    scores:
        ``c_index``, ``c_index_uno``, ``ibs``: the mean over folds of each fold's score
        (one fold for a held-out file).
    intervals:
        (lower, upper) of each score: percentiles of ``boot`` resamples of whole conflicts.
    calibration:
        :func:`calibration_table` of the pooled held-out predictions, with percentile
        intervals ``predicted_lower``/``predicted_upper``, ``observed_lower``/
        ``observed_upper`` and of ``observed - predicted`` (``gap_lower``/``gap_upper``).
    n_test, level, boot, seed:
        The rows scored, the interval level, the resamples and their seed.
    """

    scores: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    calibration: pd.DataFrame
    n_test: int
    level: float
    boot: int
    seed: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the scores at the top level (``c_index``, ``n_test``, ``c_index_uno``,
        ``ibs``), then the intervals and the calibration rows; ``null`` where undefined (no
        resamples: no interval)."""

        def num(v: float) -> float | None:
            return round(float(v), 4) if np.isfinite(v) else None  # NaN is not JSON

        cal = [
            {k: (num(v) if isinstance(v, float) else v) for k, v in row.items()}
            for row in self.calibration.to_dict(orient="records")
        ]
        return {
            **{k: num(v) for k, v in self.scores.items()},
            "n_test": self.n_test,
            "level": self.level,
            "boot": self.boot,
            "seed": self.seed,
            "intervals": {k: [num(lo), num(hi)] for k, (lo, hi) in self.intervals.items()},
            "calibration": cal,
        }


SCORES = ("c_index", "c_index_uno", "ibs")


def bootstrap_evaluation(
    frame: pd.DataFrame,
    folds: Sequence[FoldPrediction],
    *,
    boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    n_groups: int = 3,
    horizons: Sequence[float] = HORIZONS,
    tau: float = TAU,
) -> Evaluation:
    """Scores of held-out predictions and their grouped bootstrap intervals.

    Each of ``boot`` resamples draws whole conflicts (``group``) of ``frame`` with
    replacement (Efron & Tibshirani 1993, ch. 6; Field & Welsh 2007 for cluster resampling)
    and recomputes every score on the drawn rows, the fitted models held fixed: each fold's
    Harrell's C, Uno's C and IBS (averaged over folds) and the calibration table (risk groups
    re-cut in the resample). Intervals are the (1 - level)/2 and (1 + level)/2 percentiles.
    They reflect which agreements were scored, not a refit on other training data.
    """
    if boot < 0:
        raise DetenteError(f"{boot} resamples; use 0 or more", where="--boot")
    if not 0 < level < 1:
        raise DetenteError(f"level {level}; use a number between 0 and 1", where="--level")
    years = frame[DURATION].to_numpy(float)
    failed = frame[EVENT].to_numpy(int)
    fold_of = np.full(len(frame), -1)
    pos_of = np.zeros(len(frame), dtype=int)
    for k, p in enumerate(folds):
        fold_of[p.test] = k
        pos_of[p.test] = np.arange(len(p.test))
    scored = np.flatnonzero(fold_of >= 0)
    predicted = np.full((len(frame), len(horizons)), np.nan)
    for p in folds:
        predicted[p.test] = 1.0 - p.survival_horizons

    def evaluate(rows: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
        per_fold = []
        for k, p in enumerate(folds):
            pick = pos_of[rows[fold_of[rows] == k]]
            if len(pick):
                per_fold.append(_fold_scores(years[p.test], failed[p.test], p, pick, tau))
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            values = np.nanmean(np.array(per_fold, dtype=float), axis=0)
        sub = frame.iloc[rows]
        return values, calibration_table(sub, predicted[rows], horizons, n_groups)

    point, cal = evaluate(scored)
    groups = conflict_groups(frame)
    groups = groups[scored]
    unique = np.unique(groups)
    members = [scored[groups == g] for g in unique]
    rng = np.random.default_rng(seed)
    draws = np.full((boot, len(SCORES)), np.nan)
    cal_pred = np.full((boot, len(cal)), np.nan)
    cal_obs = np.full((boot, len(cal)), np.nan)
    for b in range(boot):
        pick = rng.integers(0, len(unique), size=len(unique))
        rows = np.concatenate([members[i] for i in pick])
        draws[b], c = evaluate(rows)
        cal_pred[b], cal_obs[b] = c["predicted"].to_numpy(), c["observed"].to_numpy()
    q = (100 * (1 - level) / 2, 100 * (1 + level) / 2)

    def interval(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if boot == 0:
            return np.full(values.shape[1:], np.nan), np.full(values.shape[1:], np.nan)
        lo, hi = np.nanpercentile(values, q, axis=0)
        return lo, hi

    lo, hi = interval(draws)
    cal = cal.copy()
    cal["predicted_lower"], cal["predicted_upper"] = interval(cal_pred)
    cal["observed_lower"], cal["observed_upper"] = interval(cal_obs)
    cal["gap"] = cal["observed"] - cal["predicted"]
    cal["gap_lower"], cal["gap_upper"] = interval(cal_obs - cal_pred)
    return Evaluation(
        scores={s: float(v) for s, v in zip(SCORES, point, strict=True)},
        intervals={s: (float(a), float(z)) for s, a, z in zip(SCORES, lo, hi, strict=True)},
        calibration=cal,
        n_test=len(scored),
        level=level,
        boot=boot,
        seed=seed,
    )


def evaluate_cv(
    model: SurvivalModel,
    frame: pd.DataFrame,
    *,
    k: int = 5,
    seed: int = 0,
    boot: int = 1000,
    level: float = 0.95,
    n_groups: int = 3,
    horizons: Sequence[float] = HORIZONS,
    tau: float = TAU,
) -> Evaluation:
    """K-fold cross-validation grouped by conflict (folds as :func:`cross_validate`, same
    ``seed``) scored with grouped bootstrap intervals (:func:`bootstrap_evaluation`, seeded
    by ``seed``)."""
    groups = conflict_groups(frame)
    preds = []
    for test in group_folds(groups, k, seed):
        train = frame.iloc[np.setdiff1d(np.arange(len(frame)), test)].reset_index(drop=True)
        fitted = model.clone().fit(train)
        held_out = frame.iloc[test].reset_index(drop=True)
        preds.append(predict_fold(fitted, train, held_out, test, horizons, tau))
    return bootstrap_evaluation(
        frame, preds, boot=boot, seed=seed, level=level, n_groups=n_groups,
        horizons=horizons, tau=tau,
    )  # fmt: skip


def evaluate_holdout(
    model: SurvivalModel,
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    seed: int = 0,
    boot: int = 1000,
    level: float = 0.95,
    n_groups: int = 3,
    horizons: Sequence[float] = HORIZONS,
    tau: float = TAU,
) -> Evaluation:
    """Fit on ``train``, score ``test`` with grouped bootstrap intervals over the test
    conflicts (:func:`bootstrap_evaluation`)."""
    if int(test[EVENT].sum()) == 0:
        raise DetenteError(
            "has no failed agreement; concordance needs at least one failure to compare",
            where="test data",
        )
    fitted = model.clone().fit(train)
    test = test.reset_index(drop=True)
    pred = predict_fold(fitted, train, test, np.arange(len(test)), horizons, tau)
    return bootstrap_evaluation(
        test, [pred], boot=boot, seed=seed, level=level, n_groups=n_groups,
        horizons=horizons, tau=tau,
    )  # fmt: skip
