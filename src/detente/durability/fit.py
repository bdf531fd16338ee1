"""Survival models of peace-agreement failure behind one small interface.

Every model is a :class:`SurvivalModel`: the constructor only stores its arguments,
:meth:`~SurvivalModel.fit` learns from a survival frame (see :mod:`detente.durability.data`)
and sets attributes ending in ``_``, :meth:`~SurvivalModel.survival` gives P(still in force at
*t* years) for rows of covariates, :meth:`~SurvivalModel.concordance` scores a frame, and
:meth:`~SurvivalModel.survival_draws` gives seeded draws for an interval. :data:`MODELS` is
the registry the CLI and the report read.

References
----------
Cox, D. R. (1972). Regression models and life-tables. *Journal of the Royal Statistical
Society B* 34(2), 187-220.

Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L. & Rosati, R. A. (1982). Evaluating the
yield of medical tests. *JAMA* 247(18), 2543-2546. (The concordance index.)

Davidson-Pilon, C. (2019). lifelines: survival analysis in Python. *Journal of Open Source
Software* 4(40), 1317.

Fortna, V. P. (2003). Scraps of paper? Agreements and the durability of peace. *International
Organization* 57(2), 337-372.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from detente.contract import Output, Params, Tags
from detente.durability.data import COVARIATES, EXTENDED
from detente.durability.folds import group_folds, kaplan_meier
from detente.errors import DetenteError
from detente.spec.display import Display
from detente.wording import plural

DURATION = "years"
EVENT = "failed"
GROUP = "group"


def conflict_groups(frame: pd.DataFrame) -> np.ndarray:
    """Each row's conflict (the ``group`` column), or one group per row without it: what
    grouped cross-validation and the grouped bootstrap resample."""
    return frame[GROUP].to_numpy() if GROUP in frame.columns else np.arange(len(frame))


HOLD_YEARS = (1, 3, 5)
"""The horizons of the P(holds) outputs, in years."""

PROTECTIVE: tuple[str, ...] = (
    "third_party",  # third-party guarantees: Walter 2002; Fortna 2003 (table 3)
    "pko",  # peacekeeping: Fortna 2004 (ch. 5), Fortna 2008
    "withd",  # withdrawal of forces / demilitarisation: Fortna 2003 (table 3)
    "ddr",  # disarmament, demobilisation: Fortna 2003; Mattes & Savun 2009 (cost-increasing)
    "intarmy",  # military power sharing: Hartzell & Hoddie 2003 (table 2)
    "shagov",  # political power sharing: Hartzell & Hoddie 2003; Mattes & Savun 2009
    "intgov",  # rebels in government (political power sharing): Hartzell & Hoddie 2003
    "aut",  # territorial power sharing (autonomy): Hartzell & Hoddie 2003
    "fed",  # territorial power sharing (federalism): Hartzell & Hoddie 2003
    "mil_prov",  # the aggregates of the packaged ten: military power sharing and
    "pol_prov",  # demilitarisation, political and territorial power sharing
    "terr_prov",  # (Hartzell & Hoddie 2003, table 2)
)
"""Provisions whose hazard ratio is constrained to at most 1 by the theory-constrained Cox
model (:class:`PenalizedCoxModel`): cost-increasing provisions, peacekeeping and power
sharing, where the published effects are (DECISIONS DUR-13)."""

PENALIZERS: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0)
"""The ridge penalties :class:`PenalizedCoxModel` chooses from by grouped CV."""


class SurvivalModel(Params, ABC):
    """A survival model of agreement failure, behind the model contract
    (:mod:`detente.contract`): :meth:`run` fits a copy on a survival frame.

    Parameters
    ----------
    covariates:
        Columns of the survival frame to use; default: every covariate of
        :data:`detente.durability.data.COVARIATES`.
    penalizer:
        Ridge (L2) penalty on the coefficients; default (``None``) the model's
        ``default_penalizer`` (Cox 0.01, AFT models 0.001, whose lifelines penalty is on a
        per-row likelihood). It keeps the fit finite when a cross-validation fold has a rare
        covariate (e.g. ``interstate``) with no failures, and moves the full-data
        coefficients by less than 0.1 (DECISIONS DUR-5).
    alpha:
        1 - the level of the confidence intervals, default 0.05.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    reference: ClassVar[str]
    tags: ClassVar[Tags] = Tags(input="agreements")
    varies: ClassVar[tuple[str, ...]] = ()
    default_penalizer: ClassVar[float] = 0.01
    needs_covariates: ClassVar[bool] = True
    default_covariates: ClassVar[tuple[str, ...]] = tuple(COVARIATES)
    """The covariates used when ``covariates`` is None."""
    """Whether fitting needs a covariate that varies (not the Kaplan–Meier baseline)."""

    def __init__(
        self,
        covariates: Sequence[str] | None = None,
        penalizer: float | None = None,
        alpha: float = 0.05,
    ) -> None:
        self.covariates = covariates
        self.penalizer = penalizer
        self.alpha = alpha

    def outputs(self, inputs: pd.DataFrame | None = None) -> list[Output]:
        """Harrell's C on the training frame and the mean P(holds) of its agreements."""
        return [
            Output("concordance", "C-index", 1e-9, "Harrell's C on the training frame"),
            *(
                Output(f"p_holds_{y}y", "probability", 1e-9,
                       f"mean P(an agreement of the frame holds {plural(y, 'year')})")
                for y in HOLD_YEARS
            ),
        ]  # fmt: skip

    def run(self, inputs: pd.DataFrame, seed: int | np.random.Generator = 0) -> SurvivalFit:
        """An unfitted copy fitted on ``inputs`` (fitting draws no random numbers)."""
        return SurvivalFit(self.clone().fit(inputs), inputs)

    @property
    def penalizer_value(self) -> float:
        return self.default_penalizer if self.penalizer is None else self.penalizer

    @property
    def covariates_in(self) -> list[str]:
        return list(self.covariates if self.covariates is not None else self.default_covariates)

    def fit(self, frame: pd.DataFrame) -> Self:
        """Fit on a survival frame (``years``, ``failed``, ``group`` and the covariates).

        A covariate that does not vary in ``frame`` is left out of the fit and gets a zero
        coefficient (``dropped_``).

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per agreement (:func:`~detente.durability.read_agreements`).
        """
        _check_frame(frame, self.covariates_in)
        if int(frame[EVENT].sum()) < 2:
            raise DetenteError(
                f"only {int(frame[EVENT].sum())} failed agreement(s); a survival model needs "
                "at least 2 failures to fit",
                where="training data",
            )
        varying = [c for c in self.covariates_in if frame[c].nunique() > 1]
        if self.needs_covariates and not varying:
            raise DetenteError(
                "no covariate varies in the training data; give agreements that differ in "
                "their provisions",
                where="training data",
            )
        self.used_ = varying
        self.dropped_ = [c for c in self.covariates_in if c not in varying]
        # lifelines (and scipy.stats) load when a model is fitted, not when the registry
        # lists the models: the CLI starts faster (docs/benchmarks.md)
        from lifelines.exceptions import ConvergenceError

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self._fit(frame, varying)
            except ConvergenceError as exc:
                raise DetenteError(
                    f"the {self.name} model did not converge ({str(exc).splitlines()[0]}); "
                    "use fewer covariates or a larger --penalizer",
                    where="training data",
                ) from None
        return self

    @abstractmethod
    def _fit(self, frame: pd.DataFrame, covariates: list[str]) -> None: ...

    @abstractmethod
    def survival(self, x: pd.DataFrame, times: Sequence[float]) -> np.ndarray:
        """P(the agreement still holds at each time), shape (rows of ``x``, ``len(times)``).

        Parameters
        ----------
        x : pandas.DataFrame
            One row per agreement, with the covariates the model was fitted on.
        times : Sequence of float
            Years since the agreement.
        """

    @abstractmethod
    def risk(self, x: pd.DataFrame) -> np.ndarray:
        """A score that is higher for agreements that fail sooner, shape (rows of ``x``,).

        Parameters
        ----------
        x : pandas.DataFrame
            One row per agreement, with the covariates the model was fitted on.
        """

    @abstractmethod
    def survival_draws(
        self, x: pd.DataFrame, times: Sequence[float], n_draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Draws of :meth:`survival` reflecting estimation uncertainty, shape
        (``n_draws``, rows of ``x``, ``len(times)``).

        Parameters
        ----------
        x : pandas.DataFrame
            One row per agreement, with the covariates the model was fitted on.
        times : Sequence of float
            Years since the agreement.
        n_draws : int
            How many draws.
        rng : numpy.random.Generator
            The source of randomness (seeded by the caller).
        """

    @abstractmethod
    def coefficients(self) -> pd.DataFrame:
        """One row per covariate: ``coef``, its CI ``lower``/``upper``, ``p``; the hazard
        ratio (``hazard_ratio``, ``hr_lower``, ``hr_upper``; < 1 = lasts longer) for
        proportional-hazards models, the time ratio (``time_ratio``, ``tr_lower``,
        ``tr_upper``; > 1 = lasts longer) for AFT models; and ``direction``: +1 when the
        covariate makes the agreement last longer, -1 when it shortens it."""

    def concordance(self, frame: pd.DataFrame) -> float:
        """Harrell's C on ``frame``: the share of comparable pairs the model orders right
        (0.5 = chance, 1 = perfect), with right-censoring handled as in Harrell et al. 1982.

        Parameters
        ----------
        frame : pandas.DataFrame
            A survival frame (``years``, ``failed`` and the covariates).
        """
        from lifelines.utils import concordance_index

        _check_frame(frame, self.covariates_in)
        return float(
            concordance_index(
                frame[DURATION].to_numpy(), -self.risk(frame), frame[EVENT].to_numpy()
            )
        )

    def _design(self, x: pd.DataFrame) -> pd.DataFrame:
        self._check_fitted()
        missing = [c for c in self.used_ if c not in x.columns]
        if missing:
            raise DetenteError(
                f"missing covariate column(s) {', '.join(missing)}; give every covariate "
                "the model was fitted on",
                where="covariates",
            )
        return x[self.used_].astype(float)

    def _check_fitted(self) -> None:
        if not hasattr(self, "used_"):
            raise DetenteError(f"the {self.name} model is not fitted; call fit first")


class CoxModel(SurvivalModel):
    """Cox proportional hazards: h(t | x) = h0(t) exp(x'b), h0 left free (Cox 1972, eq. 9),
    Breslow's baseline, Efron ties; standard errors clustered by conflict (agreements of one
    conflict are not independent; Lin & Wei 1989; DECISIONS DUR-4). Intervals on predictions:
    seeded draws of b from N(b-hat, the clustered covariance), each with its own Breslow
    baseline H0(t) = sum over failure times u <= t of d(u) / sum over the risk set of
    exp(x'b) (DECISIONS DUR-7)."""

    name = "cox"
    label = "Cox proportional hazards"
    reference = "Cox 1972"

    def _fit(self, frame: pd.DataFrame, covariates: list[str]) -> None:
        from lifelines import CoxPHFitter

        cols = [DURATION, EVENT, *covariates]
        cluster = GROUP in frame.columns
        data = frame[[*cols, GROUP]] if cluster else frame[cols]
        self.fitter_ = CoxPHFitter(penalizer=self.penalizer_value, alpha=self.alpha).fit(
            data, DURATION, EVENT, cluster_col=GROUP if cluster else None
        )
        self.train_ = frame[[c for c in (*cols, GROUP) if c in frame.columns]].copy()

    def survival(self, x: pd.DataFrame, times: Sequence[float]) -> np.ndarray:
        design = self._design(x)
        out = self.fitter_.predict_survival_function(design, times=list(times))
        return np.asarray(out.to_numpy().T, dtype=float)

    def risk(self, x: pd.DataFrame) -> np.ndarray:
        design = self._design(x)
        beta = self.fitter_.params_.loc[self.used_].to_numpy()
        return np.asarray(design.to_numpy() @ beta, dtype=float)

    def survival_draws(
        self, x: pd.DataFrame, times: Sequence[float], n_draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        design = self._design(x).to_numpy()
        train = self.train_
        x_train = train[self.used_].to_numpy(dtype=float)
        years = train[DURATION].to_numpy(dtype=float)
        failed = train[EVENT].to_numpy(dtype=bool)
        event_times, deaths = np.unique(years[failed], return_counts=True)
        at_risk = years[None, :] >= event_times[:, None]  # (event times, rows)
        mean = self.fitter_.params_.loc[self.used_].to_numpy()
        cov = self.fitter_.variance_matrix_.loc[self.used_, self.used_].to_numpy()
        betas = rng.multivariate_normal(mean, cov, size=n_draws, method="eigh")
        t = np.asarray(times, dtype=float)
        draws = np.empty((n_draws, len(design), len(t)))
        for b, beta in enumerate(betas):
            denominator = at_risk @ np.exp(x_train @ beta)
            steps = np.cumsum(deaths / denominator)
            idx = np.searchsorted(event_times, t, side="right")
            cum_hazard = np.where(idx > 0, steps[np.maximum(idx - 1, 0)], 0.0)
            draws[b] = np.exp(-np.exp(design @ beta)[:, None] * cum_hazard[None, :])
        return draws

    def coefficients(self) -> pd.DataFrame:
        self._check_fitted()
        s = self.fitter_.summary
        lo, hi = (
            s.columns[s.columns.str.startswith("coef lower")][0],
            s.columns[s.columns.str.startswith("coef upper")][0],
        )
        table = pd.DataFrame(
            {"coef": s["coef"], "lower": s[lo], "upper": s[hi], "p": s["p"]},
            index=pd.Index(s.index, name="covariate"),
        )
        table["hazard_ratio"] = np.exp(table["coef"])
        table["hr_lower"] = np.exp(table["lower"])
        table["hr_upper"] = np.exp(table["upper"])
        table["direction"] = -np.sign(table["coef"]).astype(int)
        return table


class PenalizedCoxModel(CoxModel):
    """Ridge-penalised Cox on the extended covariates (DECISIONS DUR-12), the penalty chosen
    by grouped cross-validation, and theory-signed protective provisions (DECISIONS DUR-13).

    The penalised partial likelihood is l(b) - penalizer * ||b||^2 / 2 (Verweij & van
    Houwelingen 1994, eq. 2; lifelines' ``penalizer``), on centred covariates. ``penalizer``
    ``None`` chooses it from ``penalizers`` by the mean Harrell's C of a ``folds``-fold
    cross-validation grouped by conflict on the training data only (seeded by ``seed``), the
    larger penalty winning ties. A covariate in ``protective`` may lower the hazard but not
    raise it: b_j <= 0. The constrained maximum is found by an active set: while a protective
    coefficient is positive, the largest is fixed at 0 and the model refitted (Lawson & Hanson
    1974, ch. 23, for the same scheme in least squares); fixed covariates are ``pinned_`` and
    reported with coefficient 0.

    Parameters
    ----------
    covariates:
        Default: :data:`detente.durability.data.EXTENDED`.
    penalizer:
        A fixed ridge penalty; default ``None``: chosen by grouped CV (``penalty_``).
    protective:
        Covariates constrained to hazard ratio <= 1; default :data:`PROTECTIVE`.
    penalizers, folds, seed:
        The grid, the number of folds and the seed of the choice.
    """

    name = "cox_cv"
    label = "Cox, ridge penalty by grouped CV, theory-signed provisions"
    reference = "Verweij & van Houwelingen 1994; Fortna 2003; Hartzell & Hoddie 2003"
    default_covariates = tuple(EXTENDED)

    def __init__(
        self,
        covariates: Sequence[str] | None = None,
        penalizer: float | None = None,
        alpha: float = 0.05,
        protective: Sequence[str] | None = None,
        penalizers: Sequence[float] = PENALIZERS,
        folds: int = 5,
        seed: int = 0,
    ) -> None:
        super().__init__(covariates=covariates, penalizer=penalizer, alpha=alpha)
        self.protective = protective
        self.penalizers = penalizers
        self.folds = folds
        self.seed = seed

    @property
    def penalizer_value(self) -> float:
        return getattr(self, "penalty_", self.penalizer if self.penalizer is not None else 0.1)

    def _fit(self, frame: pd.DataFrame, covariates: list[str]) -> None:
        if self.penalizer is None:
            self.penalty_ = self._choose_penalty(frame, covariates)
            self.cv_scores_ = dict(self._scores)
        else:
            self.penalty_ = float(self.penalizer)
        protective = set(PROTECTIVE if self.protective is None else self.protective)
        free = list(covariates)
        self.pinned_: list[str] = []
        while True:
            super()._fit(frame, free)
            params = self.fitter_.params_
            wrong = {c: float(params[c]) for c in free if c in protective and params[c] > 0}
            if not wrong:
                break
            worst = max(wrong, key=lambda c: wrong[c])
            if len(free) == 1:
                raise DetenteError(
                    f"every covariate is a protective provision with a positive coefficient "
                    f"({worst}); give a covariate that is not protective",
                    where="training data",
                )
            free.remove(worst)
            self.pinned_.append(worst)
        self.used_ = free

    def _choose_penalty(self, frame: pd.DataFrame, covariates: list[str]) -> float:
        groups = conflict_groups(frame)
        k = min(self.folds, len(np.unique(groups)))
        folds = group_folds(groups, k, self.seed)
        self._scores: dict[float, float] = {}
        for pen in sorted(self.penalizers):
            model = self.clone(covariates=covariates, penalizer=float(pen))
            scores = []
            for test in folds:
                train = np.setdiff1d(np.arange(len(frame)), test)
                fitted = model.clone().fit(frame.iloc[train].reset_index(drop=True))
                held_out = frame.iloc[test].reset_index(drop=True)
                if held_out[EVENT].sum() > 0:
                    scores.append(fitted.concordance(held_out))
            self._scores[float(pen)] = float(np.mean(scores)) if scores else 0.5
        best = max(self._scores.values())
        return max(p for p, c in self._scores.items() if c >= best - 1e-12)

    def coefficients(self) -> pd.DataFrame:
        table = super().coefficients()
        pinned = getattr(self, "pinned_", [])
        if pinned:
            zero = pd.DataFrame(
                {"coef": 0.0, "lower": 0.0, "upper": 0.0, "p": np.nan, "hazard_ratio": 1.0,
                 "hr_lower": 1.0, "hr_upper": 1.0, "direction": 0},
                index=pd.Index(pinned, name="covariate"),
            )  # fmt: skip
            table = pd.concat([table, zero])
        return table


class KaplanMeierModel(SurvivalModel):
    """No covariates: every agreement gets the Kaplan–Meier curve of the training data
    (Kaplan & Meier 1958), the baseline a model must beat. Its risk is constant (C = 0.5);
    intervals: seeded bootstrap of conflicts (whole groups), Efron & Tibshirani 1993, ch. 6."""

    name = "km"
    label = "Kaplan–Meier (no covariates)"
    reference = "Kaplan & Meier 1958"
    needs_covariates = False

    @property
    def covariates_in(self) -> list[str]:
        return []

    def _fit(self, frame: pd.DataFrame, covariates: list[str]) -> None:
        self.train_ = frame[[c for c in (DURATION, EVENT, GROUP) if c in frame.columns]].copy()

    def _curve(self, train: pd.DataFrame, times: Sequence[float]) -> np.ndarray:
        return kaplan_meier(
            train[DURATION].to_numpy(dtype=float), train[EVENT].to_numpy(dtype=int), times
        )

    def survival(self, x: pd.DataFrame, times: Sequence[float]) -> np.ndarray:
        self._check_fitted()
        return np.tile(self._curve(self.train_, times), (len(x), 1))

    def risk(self, x: pd.DataFrame) -> np.ndarray:
        self._check_fitted()
        return np.zeros(len(x))

    def survival_draws(
        self, x: pd.DataFrame, times: Sequence[float], n_draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        self._check_fitted()
        train = self.train_
        groups = train[GROUP].to_numpy() if GROUP in train.columns else np.arange(len(train))
        unique = np.unique(groups)
        rows = {g: np.flatnonzero(groups == g) for g in unique}
        draws = np.empty((n_draws, len(x), len(times)))
        for b in range(n_draws):
            pick = rng.choice(unique, size=len(unique), replace=True)
            sample = train.iloc[np.concatenate([rows[g] for g in pick])]
            draws[b] = self._curve(sample, times)[None, :]
        return draws

    def coefficients(self) -> pd.DataFrame:
        self._check_fitted()
        return pd.DataFrame(
            columns=["coef", "lower", "upper", "p", "hazard_ratio", "hr_lower", "hr_upper",
                     "direction"],
            index=pd.Index([], name="covariate"),
        )  # fmt: skip


class _AFTModel(SurvivalModel):
    """An accelerated failure time model, log T = b0 + x'b + sigma W: a coefficient b
    multiplies the time in force by exp(b) (the time ratio). Robust (sandwich) standard
    errors (``robust=False``: model-based, about 4 times faster). Intervals on predictions:
    seeded draws of every parameter (b0, b and the shape) from their asymptotic normal
    distribution, so the baseline's uncertainty is included."""

    location: ClassVar[str]
    shape: ClassVar[str]
    default_penalizer = 0.001

    def __init__(
        self,
        covariates: Sequence[str] | None = None,
        penalizer: float | None = None,
        alpha: float = 0.05,
        robust: bool = True,
    ) -> None:
        super().__init__(covariates=covariates, penalizer=penalizer, alpha=alpha)
        self.robust = robust

    @abstractmethod
    def _make_fitter(self) -> Any:
        """A fresh lifelines AFT fitter (Weibull or log-normal)."""

    def _fit(self, frame: pd.DataFrame, covariates: list[str]) -> None:
        data = frame[[DURATION, EVENT, *covariates]]
        self.fitter_ = self._make_fitter().fit(data, DURATION, EVENT, robust=self.robust)

    def _location(self, design: pd.DataFrame, params: np.ndarray) -> np.ndarray:
        index = self.fitter_.params_.index
        loc = np.full(len(design), float(params[index.get_loc((self.location, "Intercept"))]))
        for c in self.used_:
            loc += design[c].to_numpy(dtype=float) * float(
                params[index.get_loc((self.location, c))]
            )
        return loc

    def _shape(self, params: np.ndarray) -> float:
        index = self.fitter_.params_.index
        return float(np.exp(params[index.get_loc((self.shape, "Intercept"))]))

    @abstractmethod
    def _survival_from(
        self, design: pd.DataFrame, times: Sequence[float], params: np.ndarray
    ) -> np.ndarray: ...

    def survival(self, x: pd.DataFrame, times: Sequence[float]) -> np.ndarray:
        return self._survival_from(self._design(x), times, self.fitter_.params_.to_numpy())

    def risk(self, x: pd.DataFrame) -> np.ndarray:
        return -self._location(self._design(x), self.fitter_.params_.to_numpy())

    def survival_draws(
        self, x: pd.DataFrame, times: Sequence[float], n_draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        design = self._design(x)
        mean = self.fitter_.params_.to_numpy()
        cov = self.fitter_.variance_matrix_.to_numpy()
        params = rng.multivariate_normal(mean, cov, size=n_draws, method="eigh")
        return np.stack([self._survival_from(design, times, p) for p in params]).astype(float)

    def coefficients(self) -> pd.DataFrame:
        self._check_fitted()
        s = self.fitter_.summary.loc[self.location]
        s = s.loc[[c for c in s.index if c != "Intercept"]]
        lo = s.columns[s.columns.str.startswith("coef lower")][0]
        hi = s.columns[s.columns.str.startswith("coef upper")][0]
        table = pd.DataFrame(
            {"coef": s["coef"], "lower": s[lo], "upper": s[hi], "p": s["p"]},
            index=pd.Index(s.index, name="covariate"),
        )
        table["time_ratio"] = np.exp(table["coef"])
        table["tr_lower"] = np.exp(table["lower"])
        table["tr_upper"] = np.exp(table["upper"])
        table["direction"] = np.sign(table["coef"]).astype(int)
        return table


class WeibullModel(_AFTModel):
    """Weibull AFT: S(t | x) = exp(-(t / lambda(x))^rho), lambda(x) = exp(b0 + x'b). It is
    also a proportional-hazards model, with hazard ratio exp(-rho b) (Kalbfleisch & Prentice
    2002, sec. 2.3)."""

    name = "weibull"
    label = "Weibull accelerated failure time"
    reference = "Kalbfleisch & Prentice 2002, sec. 2.3"
    location = "lambda_"
    shape = "rho_"

    def _make_fitter(self) -> Any:
        from lifelines import WeibullAFTFitter

        return WeibullAFTFitter(penalizer=self.penalizer_value, alpha=self.alpha)

    @property
    def rho_(self) -> float:
        return self._shape(self.fitter_.params_.to_numpy())

    def _survival_from(
        self, design: pd.DataFrame, times: Sequence[float], params: np.ndarray
    ) -> np.ndarray:
        rho = self._shape(params)
        lam = np.exp(self._location(design, params))
        t = np.asarray(times, dtype=float)
        return np.asarray(np.exp(-((t[None, :] / lam[:, None]) ** rho)), dtype=float)

    def coefficients(self) -> pd.DataFrame:
        table = super().coefficients()
        rho = self.rho_
        table["hazard_ratio"] = np.exp(-rho * table["coef"])
        table["hr_lower"] = np.exp(-rho * table["upper"])
        table["hr_upper"] = np.exp(-rho * table["lower"])
        return table


class LogNormalModel(_AFTModel):
    """Log-normal AFT: log T ~ Normal(b0 + x'b, sigma), S(t | x) = 1 - Phi((log t - mu(x)) /
    sigma). Its hazard rises then falls, which suits agreements that fail early or not at all
    (not a proportional-hazards model: no hazard ratio)."""

    name = "lognormal"
    label = "log-normal accelerated failure time"
    reference = "Kalbfleisch & Prentice 2002, sec. 2.2.4"
    location = "mu_"
    shape = "sigma_"

    def _make_fitter(self) -> Any:
        from lifelines import LogNormalAFTFitter

        return LogNormalAFTFitter(penalizer=self.penalizer_value, alpha=self.alpha)

    def _survival_from(
        self, design: pd.DataFrame, times: Sequence[float], params: np.ndarray
    ) -> np.ndarray:
        sigma = self._shape(params)
        mu = self._location(design, params)
        t = np.asarray(times, dtype=float)
        z = (np.log(t)[None, :] - mu[:, None]) / sigma
        from scipy.stats import norm

        return np.asarray(norm.sf(z), dtype=float)


MODELS: dict[str, type[SurvivalModel]] = {
    m.name: m for m in (CoxModel, PenalizedCoxModel, WeibullModel, LogNormalModel, KaplanMeierModel)
}


def get_model(name: str, **params: Any) -> SurvivalModel:
    """An unfitted model by registry name.

    Parameters
    ----------
    name : str
        One of :data:`MODELS`.
    **params : Any
        The model's constructor arguments.
    """
    if name not in MODELS:
        raise DetenteError(
            f"unknown durability model {name!r}; use one of: {', '.join(MODELS)}",
            where="--model",
        )
    return MODELS[name](**params)


@dataclass(frozen=True, repr=False)
class SurvivalFit(Display):
    """A fitted survival model and the frame it was fitted on: the result of
    :meth:`SurvivalModel.run`."""

    model: SurvivalModel
    frame: pd.DataFrame

    def values(self) -> dict[str, float]:
        survival = self.model.survival(self.frame, HOLD_YEARS).mean(axis=0)
        return {"concordance": self.model.concordance(self.frame)} | {
            f"p_holds_{y}y": float(p) for y, p in zip(HOLD_YEARS, survival, strict=True)
        }

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        return f"SurvivalFit {self.model.name!r}", [("agreements", len(self.frame))] + [
            (k, v) for k, v in self.values().items()
        ]

    def to_frame(self) -> pd.DataFrame:
        """The fitted coefficients, one row per covariate (the model's own columns, e.g.
        ``coef``, ``lower``, ``upper``, ``p``; DECISIONS DESK-2)."""
        frame = self.model.coefficients().copy()
        frame.index.name = "covariate"
        return frame.reset_index()

    def to_dict(self) -> dict[str, Any]:
        coefficients = self.model.coefficients()
        return {
            "model": self.model.name,
            "params": {k: v if not isinstance(v, tuple) else list(v)
                       for k, v in self.model.get_params().items()},
            "n": len(self.frame),
            **self.values(),
            "coefficients": {
                str(name): {str(k): float(v) for k, v in row.items()}
                for name, row in coefficients.iterrows()
            },
        }  # fmt: skip


def _check_frame(frame: pd.DataFrame, covariates: list[str]) -> None:
    missing = [c for c in (DURATION, EVENT, *covariates) if c not in frame.columns]
    if missing:
        raise DetenteError(
            f"missing column(s) {', '.join(missing)}; read the file with "
            "detente.durability.read_agreements",
            where="survival frame",
        )
    if len(frame) == 0:
        raise DetenteError("has no rows; give at least one agreement", where="survival frame")
    years = frame[DURATION].to_numpy(dtype=float)
    if not np.all(np.isfinite(years)) or np.any(years <= 0):
        raise DetenteError(
            "has a time in force that is missing, zero or negative; every time must be > 0",
            where="survival frame, column years",
        )
    values = frame[list(covariates)].to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise DetenteError(
            "has a missing (NaN) covariate; fill it or drop the row",
            where="survival frame",
        )
