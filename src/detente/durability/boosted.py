"""A gradient-boosted Cox model of agreement failure (xgboost's ``survival:cox``).

Boosted trees replace the Cox model's linear predictor x'b by a sum of small regression
trees f(x), fitted by gradient boosting on the negative log partial likelihood (Ridgeway
1999; Chen & Guestrin 2016). xgboost returns the risk score f(x) only; P(holds) comes from
Breslow's baseline on the training data, as for the linear Cox model. Registered in
:data:`detente.durability.fit.MODELS` as ``xgb`` when this module is imported (the package
imports it; DECISIONS DUR-15).

References
----------
Breslow, N. E. (1974). Covariance analysis of censored survival data. *Biometrics* 30(1),
89-99.

Chen, T. & Guestrin, C. (2016). XGBoost: a scalable tree boosting system. *KDD '16*,
785-794.

Ridgeway, G. (1999). The state of boosting. *Computing Science and Statistics* 31, 172-181.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from detente.durability.data import EXTENDED
from detente.durability.fit import (
    DURATION,
    EVENT,
    GROUP,
    MODELS,
    PROTECTIVE,
    SurvivalModel,
)
from detente.errors import DetenteError

__all__ = ["BoostedCoxModel", "breslow_cumulative_hazard", "xgboost_module"]


def xgboost_module() -> Any:
    """xgboost, or a one-line error naming the ``survival`` extra that installs it (PKG-2)."""
    try:
        import xgboost
    except ImportError:
        raise DetenteError(
            "the xgb durability model needs xgboost; install it with "
            "pip install 'detente[survival]'",
            where="--model xgb",
        ) from None
    return xgboost


def breslow_cumulative_hazard(
    years: np.ndarray, failed: np.ndarray, risk: np.ndarray, times: Sequence[float]
) -> np.ndarray:
    """Breslow's baseline cumulative hazard at ``times`` (Breslow 1974, eq. 12):
    H0(t) = sum over failure times u <= t of d(u) / sum over {j: T_j >= u} of exp(risk_j)."""
    years = np.asarray(years, dtype=float)
    failed = np.asarray(failed, dtype=bool)
    weight = np.exp(np.asarray(risk, dtype=float))
    event_times, deaths = np.unique(years[failed], return_counts=True)
    at_risk = (years[None, :] >= event_times[:, None]) @ weight
    steps = np.cumsum(deaths / at_risk)
    idx = np.searchsorted(event_times, np.asarray(times, dtype=float), side="right")
    return np.where(idx > 0, steps[np.maximum(idx - 1, 0)], 0.0)


class BoostedCoxModel(SurvivalModel):
    """Gradient-boosted Cox: h(t | x) = h0(t) exp(f(x)), f a sum of ``n_estimators`` trees of
    depth at most ``max_depth`` (xgboost ``survival:cox``; Chen & Guestrin 2016, eq. 2 with
    the Cox partial likelihood as loss), h0 by Breslow on the training data; S(t | x) =
    exp(-H0(t) exp(f(x))).

    Theory-signed like ``cox_cv`` (DECISIONS DUR-13): f may only fall when a ``protective``
    provision is present (xgboost's monotone constraints). One thread and a fixed ``seed``:
    the same data give bit-identical predictions. Intervals on predictions (``survival_draws``):
    refits on seeded bootstrap samples of whole conflicts (Efron & Tibshirani 1993, ch. 6).
    Hyper-parameters: chosen by grouped CV on the development split (DECISIONS DUR-15).

    Parameters
    ----------
    covariates:
        Default: :data:`detente.durability.data.EXTENDED`.
    penalizer:
        L2 penalty on the leaf weights (xgboost ``lambda``); default 1.
    alpha:
        Unused by the fit (no coefficient intervals); kept for the common signature.
    n_estimators, max_depth, learning_rate, min_child_weight, subsample:
        The boosting rounds, tree depth, shrinkage, the least Hessian weight of a leaf and
        the share of rows each tree sees; the defaults won a grouped-CV grid search on the
        development split (DECISIONS DUR-15).
    colsample_bynode:
        The share of covariates each split may choose from.
    protective:
        Covariates whose effect on the hazard is constrained to be non-increasing; default
        :data:`detente.durability.fit.PROTECTIVE`; ``()`` for none.
    seed:
        The seed of xgboost's row and column sampling.
    """

    name = "xgb"
    label = "gradient-boosted Cox (xgboost survival:cox), theory-signed"
    reference = "Chen & Guestrin 2016; Ridgeway 1999; Breslow 1974"
    default_covariates = tuple(EXTENDED)
    default_penalizer = 1.0

    def __init__(
        self,
        covariates: Sequence[str] | None = None,
        penalizer: float | None = None,
        alpha: float = 0.05,
        n_estimators: int = 300,
        max_depth: int = 2,
        learning_rate: float = 0.1,
        min_child_weight: float = 2.0,
        subsample: float = 0.8,
        colsample_bynode: float = 1.0,
        protective: Sequence[str] | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(covariates=covariates, penalizer=penalizer, alpha=alpha)
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bynode = colsample_bynode
        self.protective = protective
        self.seed = seed

    def _params(self, covariates: list[str], seed: int) -> dict[str, Any]:
        protective = set(PROTECTIVE if self.protective is None else self.protective)
        signs = ",".join("-1" if c in protective else "0" for c in covariates)
        return {
            "objective": "survival:cox",
            "eta": float(self.learning_rate),
            "max_depth": int(self.max_depth),
            "min_child_weight": float(self.min_child_weight),
            "subsample": float(self.subsample),
            "colsample_bynode": float(self.colsample_bynode),
            "lambda": self.penalizer_value,
            "monotone_constraints": f"({signs})",
            "tree_method": "hist",
            "nthread": 1,
            "seed": int(seed),
            "verbosity": 0,
        }

    def _booster(self, frame: pd.DataFrame, covariates: list[str], seed: int) -> Any:
        xgb = xgboost_module()

        years = frame[DURATION].to_numpy(dtype=float)
        failed = frame[EVENT].to_numpy(dtype=bool)
        # survival:cox labels: the time for a failure, minus the time for a censored row
        label = np.where(failed, years, -years)
        matrix = xgb.DMatrix(
            frame[covariates].to_numpy(dtype=float), label=label, feature_names=covariates
        )
        return xgb.train(
            self._params(covariates, seed), matrix, num_boost_round=int(self.n_estimators)
        )

    def _margin(self, booster: Any, design: pd.DataFrame) -> np.ndarray:
        xgb = xgboost_module()

        matrix = xgb.DMatrix(design.to_numpy(dtype=float), feature_names=list(design.columns))
        return np.asarray(booster.predict(matrix, output_margin=True), dtype=float)

    def _fit(self, frame: pd.DataFrame, covariates: list[str]) -> None:
        self.booster_ = self._booster(frame, covariates, self.seed)
        keep = [c for c in (DURATION, EVENT, GROUP) if c in frame.columns]
        self.train_ = frame[[*keep, *covariates]].reset_index(drop=True)
        self.train_risk_ = self._margin(self.booster_, frame[covariates].astype(float))

    def _survival_of(
        self,
        booster: Any,
        train: pd.DataFrame,
        train_risk: np.ndarray,
        design: pd.DataFrame,
        times: Sequence[float],
    ) -> np.ndarray:
        h0 = breslow_cumulative_hazard(
            train[DURATION].to_numpy(), train[EVENT].to_numpy(), train_risk, times
        )
        risk = self._margin(booster, design)
        return np.asarray(np.exp(-np.exp(risk)[:, None] * h0[None, :]), dtype=float)

    def survival(self, x: pd.DataFrame, times: Sequence[float]) -> np.ndarray:
        """P(holds at each time): Breslow's baseline raised to ``exp(f(x))``.

        Parameters
        ----------
        x : pandas.DataFrame
            One row per agreement, with the covariates the model was fitted on.
        times : Sequence of float
            Years since the agreement.
        """
        design = self._design(x)
        return self._survival_of(self.booster_, self.train_, self.train_risk_, design, times)

    def risk(self, x: pd.DataFrame) -> np.ndarray:
        """The boosted risk score ``f(x)`` (higher fails sooner).

        Parameters
        ----------
        x : pandas.DataFrame
            One row per agreement, with the covariates the model was fitted on.
        """
        return self._margin(self.booster_, self._design(x))

    def survival_draws(
        self, x: pd.DataFrame, times: Sequence[float], n_draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Draws of :meth:`survival`, each from a booster refitted on a bootstrap of the
        training groups.

        Parameters
        ----------
        x : pandas.DataFrame
            One row per agreement, with the covariates the model was fitted on.
        times : Sequence of float
            Years since the agreement.
        n_draws : int
            How many bootstrap draws.
        rng : numpy.random.Generator
            The source of randomness (resampling and the boosters' seeds).
        """
        design = self._design(x)
        train = self.train_
        groups = train[GROUP].to_numpy() if GROUP in train.columns else np.arange(len(train))
        unique = np.unique(groups)
        rows = {g: np.flatnonzero(groups == g) for g in unique}
        draws = np.empty((n_draws, len(design), len(times)))
        for b in range(n_draws):
            pick = rng.choice(unique, size=len(unique), replace=True)
            sample = train.iloc[np.concatenate([rows[g] for g in pick])].reset_index(drop=True)
            seed = int(rng.integers(2**31 - 1))
            booster = self._booster(sample, self.used_, seed)
            risk = self._margin(booster, sample[self.used_].astype(float))
            draws[b] = self._survival_of(booster, sample, risk, design, times)
        return draws

    def coefficients(self) -> pd.DataFrame:
        """No coefficients (trees); an empty table with the common columns."""
        self._check_fitted()
        return pd.DataFrame(
            columns=["coef", "lower", "upper", "p", "hazard_ratio", "hr_lower", "hr_upper",
                     "direction"],
            index=pd.Index([], name="covariate"),
        )  # fmt: skip


MODELS[BoostedCoxModel.name] = BoostedCoxModel
