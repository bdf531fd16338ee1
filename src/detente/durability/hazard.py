"""The fitted durability model as a resumption hazard for the war-termination model.

:class:`FittedResumptionHazard` gives ``p_holds(terms, years) -> float`` for one deal,
:meth:`~FittedResumptionHazard.p_holds_batch` for many deals at once (what the war model
calls, through :class:`detente.war.hazard.DurabilityResumption`), and the richer
:meth:`~FittedResumptionHazard.forecast` that ``detente durability predict`` prints. All go
through the same mapping and the same fitted model, so the war model and the command give
the same P(holds) for the same deal.

:class:`CoxParameters` is a fitted Cox model as plain numbers (coefficients, centring and the
Breslow baseline), so that the war model needs neither lifelines' fit nor the UCDP file at
run time: ``ucdp_cox.yaml`` next to this module holds the fit on the development split,
written by ``scripts/fit_ucdp_cox.py`` (:meth:`FittedResumptionHazard.packaged` reads it).

References
----------
Fortna, V. P. (2004). *Peace Time: Cease-Fire Agreements and the Durability of Peace*.
Princeton University Press.

Pettersson, T., Högbladh, S. & Öberg, M. (2019). Organized violence, 1989-2018 and peace
agreements. *Journal of Peace Research* 56(4), 589-603.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from detente.durability.data import ALL_COVARIATES, COVARIATES, read_agreements
from detente.durability.evaluate import HORIZONS
from detente.durability.fit import CoxModel, PenalizedCoxModel, SurvivalModel, get_model
from detente.durability.mapping import DealMapping, load_mapping, packaged_document
from detente.errors import DetenteError
from detente.spec.display import Display, fmt

PACKAGED_COX = "ucdp_cox.yaml"
"""The packaged Cox fit (UCDP development split), next to this module."""


def default_model() -> PenalizedCoxModel:
    """The model of ``ucdp_cox.yaml``, of :meth:`FittedResumptionHazard.from_data` and of
    ``detente durability predict``: Cox on the ten covariates the mapping sets, the ridge
    penalty chosen by grouped CV, protective provisions signed by theory (DECISIONS DUR-13)."""
    return PenalizedCoxModel(covariates=list(COVARIATES))


@dataclass(frozen=True)
class CoxParameters:
    """A fitted Cox proportional-hazards model as plain numbers.

    ``S(t | x) = exp(-H0(t) exp((x - centre) · coef))``, with ``H0`` the Breslow baseline
    cumulative hazard at the covariate means, linearly interpolated between ``times`` (as
    lifelines' ``predict_survival_function`` does), so that :meth:`survival` reproduces the
    fitted :class:`~detente.durability.fit.CoxModel` to rounding (Cox 1972, eq. 9; Breslow
    1974).

    Parameters
    ----------
    covariates:
        The covariates of the fit, in the order of ``coef`` and ``centre``.
    coef:
        Log hazard ratios.
    centre:
        The covariate means of the training data (lifelines centres before fitting).
    times:
        Increasing times (years) of the baseline: every duration in the training data.
    cumulative_hazard:
        ``H0`` at ``times``.
    source:
        What it was fitted on.
    n_agreements, n_failed:
        Size of the training data.
    penalizer:
        The ridge penalty of the fit.
    """

    covariates: tuple[str, ...]
    coef: tuple[float, ...]
    centre: tuple[float, ...]
    times: tuple[float, ...]
    cumulative_hazard: tuple[float, ...]
    source: str
    n_agreements: int
    n_failed: int
    penalizer: float
    name: str = "cox"

    @classmethod
    def from_model(cls, model: CoxModel, *, source: str) -> CoxParameters:
        """The numbers of a fitted :class:`~detente.durability.fit.CoxModel`."""
        fitter = model.fitter_
        base = fitter.baseline_cumulative_hazard_.iloc[:, 0]
        train = model.train_
        return cls(
            covariates=tuple(model.used_),
            coef=tuple(float(v) for v in fitter.params_.loc[model.used_]),
            centre=tuple(float(v) for v in fitter._norm_mean.loc[model.used_]),
            times=tuple(float(v) for v in base.index),
            cumulative_hazard=tuple(float(v) for v in base.to_numpy()),
            source=source,
            n_agreements=len(train),
            n_failed=int(train["failed"].sum()),
            penalizer=model.penalizer_value,
            name=model.name,
        )

    def survival(self, x: pd.DataFrame, times: Sequence[float]) -> np.ndarray:
        """P(the agreement still holds at each time), shape (rows of ``x``, ``len(times)``)."""
        missing = [c for c in self.covariates if c not in x.columns]
        if missing:
            raise DetenteError(
                f"missing covariate column(s) {', '.join(missing)}; give every covariate "
                "the model was fitted on",
                where="covariates",
            )
        design = x[list(self.covariates)].to_numpy(dtype=float)
        risk = np.exp((design - np.asarray(self.centre)) @ np.asarray(self.coef))
        base = np.interp(np.asarray(times, dtype=float), self.times, self.cumulative_hazard)
        return np.asarray(np.exp(-risk[:, None] * base[None, :]), dtype=float)

    def survival_draws(
        self, x: pd.DataFrame, times: Sequence[float], n_draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Not available: the packaged numbers carry no covariance; fit on the data."""
        raise DetenteError(
            "the packaged Cox model has no parameter draws; fit it on the data "
            "(FittedResumptionHazard.from_data) for intervals",
            where="model",
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers and strings (YAML/JSON-ready)."""
        return {
            "model": self.name,
            "source": self.source,
            "n_agreements": self.n_agreements,
            "n_failed": self.n_failed,
            "penalizer": self.penalizer,
            "covariates": list(self.covariates),
            "coef": list(self.coef),
            "centre": list(self.centre),
            "baseline": {
                "times": list(self.times),
                "cumulative_hazard": list(self.cumulative_hazard),
            },
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], *, source: str = PACKAGED_COX) -> CoxParameters:
        """Read :meth:`to_dict` output back; a malformed document names the field."""
        try:
            params = cls(
                covariates=tuple(str(c) for c in doc["covariates"]),
                coef=tuple(float(v) for v in doc["coef"]),
                centre=tuple(float(v) for v in doc["centre"]),
                times=tuple(float(v) for v in doc["baseline"]["times"]),
                cumulative_hazard=tuple(float(v) for v in doc["baseline"]["cumulative_hazard"]),
                source=str(doc["source"]),
                n_agreements=int(doc["n_agreements"]),
                n_failed=int(doc["n_failed"]),
                penalizer=float(doc["penalizer"]),
                name=str(doc.get("model", "cox")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DetenteError(
                f"not a Cox parameter file ({type(exc).__name__}: {exc}); write it with "
                "scripts/fit_ucdp_cox.py",
                source=source,
            ) from None
        n = len(params.covariates)
        if len(params.coef) != n or len(params.centre) != n:
            raise DetenteError("coef and centre need one entry per covariate", source=source)
        if len(params.times) != len(params.cumulative_hazard) or np.any(np.diff(params.times) <= 0):
            raise DetenteError(
                "baseline times must increase, one cumulative hazard each", source=source
            )
        return params

    @classmethod
    def packaged(cls) -> CoxParameters:
        """The fit shipped with detente (``ucdp_cox.yaml``): no data and no lifelines fit at
        run time (DECISIONS WAR-17)."""
        return cls.from_dict(packaged_document(PACKAGED_COX))


@dataclass(frozen=True)
class BestTerm:
    """The single change of one term that raises P(holds at the last horizon) most."""

    term: str
    value: float
    current: float | None
    p_holds: float
    gain: float


@dataclass(frozen=True, repr=False)
class DurabilityForecast(Display):
    """P(the deal holds) at each horizon with an interval, and the best single change."""

    deal: dict[str, float]
    covariates: dict[str, float]
    model: str
    horizons: tuple[float, ...]
    p_holds: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    n_draws: int
    seed: int
    best: BestTerm | None
    no_counterpart: list[str] = field(default_factory=list)

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        facts: list[tuple[str, object]] = [
            ("deal", ", ".join(f"{k}={fmt(v)}" for k, v in self.deal.items()) or "-")
        ]
        facts += [
            (f"P(holds {fmt(t)} y)", f"{fmt(p)} ({fmt(lo)} to {fmt(hi)})")
            for t, p, lo, hi in zip(self.horizons, self.p_holds, self.lower, self.upper,
                                    strict=True)
        ]  # fmt: skip
        if self.best is not None:
            facts.append(("best change", f"{self.best.term} -> {fmt(self.best.value)} "
                          f"(+{fmt(self.best.gain)})"))  # fmt: skip
        return f"DurabilityForecast by {self.model!r}", facts

    def to_frame(self) -> pd.DataFrame:
        """One row per horizon: columns ``model, years, p_holds, lower, upper, level``
        (DECISIONS DESK-2)."""
        return pd.DataFrame(
            {
                "model": self.model,
                "years": list(self.horizons),
                "p_holds": np.asarray(self.p_holds, dtype=float),
                "lower": np.asarray(self.lower, dtype=float),
                "upper": np.asarray(self.upper, dtype=float),
                "level": self.level,
            }
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "deal": self.deal,
            "covariates": self.covariates,
            "horizons": [
                {
                    "years": t,
                    "p_holds": round(float(p), 4),
                    "lower": round(float(lo), 4),
                    "upper": round(float(hi), 4),
                }
                for t, p, lo, hi in zip(
                    self.horizons, self.p_holds, self.lower, self.upper, strict=True
                )
            ],
            "interval": {"level": self.level, "draws": self.n_draws, "seed": self.seed},
            "best_term": None
            if self.best is None
            else {
                "term": self.best.term,
                "value": self.best.value,
                "current": self.best.current,
                "p_holds": round(self.best.p_holds, 4),
                "gain": round(self.best.gain, 4),
                "years": self.horizons[-1],
            },
            "no_counterpart": self.no_counterpart,
        }


class FittedResumptionHazard:
    """P(a deal still holds after ``years``) from a fitted survival model and a mapping.

    Parameters
    ----------
    model:
        A fitted :class:`~detente.durability.fit.SurvivalModel`.
    mapping:
        Deal terms → covariates; default: the mapping shipped with detente.

    Examples
    --------
    >>> hazard = FittedResumptionHazard.from_data()  # doctest: +SKIP
    >>> hazard.p_holds({"peacekeepers": 1, "guarantees": 60}, 5.0)  # doctest: +SKIP
    0.7...
    """

    def __init__(
        self, model: SurvivalModel | CoxParameters, mapping: DealMapping | None = None
    ) -> None:
        self.model = model
        self.mapping = mapping if mapping is not None else load_mapping()

    @classmethod
    def packaged(cls, mapping: str | Path | DealMapping | None = None) -> FittedResumptionHazard:
        """The Cox fit shipped with detente (no data needed) and a mapping (a file, a loaded
        mapping, or the built-in one). Gives the same P(holds) as ``from_data()`` with the
        default data; :meth:`forecast` needs ``from_data`` (its interval draws need the
        training data).

        Parameters
        ----------
        mapping : str or Path or DealMapping or None, default None
            The deal-to-covariate mapping: a YAML file, a loaded mapping, or None for the
            built-in one.
        """
        loaded = mapping if isinstance(mapping, DealMapping) else load_mapping(mapping)
        return cls(CoxParameters.packaged(), loaded)

    @classmethod
    def from_data(
        cls,
        data: str | Path | None = None,
        *,
        model: str | None = None,
        mapping: str | Path | DealMapping | None = None,
    ) -> FittedResumptionHazard:
        """Fit ``model`` (default: :func:`default_model`, the packaged one) on a UCDP
        peace-agreement file (default: the shared development split) and pair it with a
        mapping (a file, a loaded mapping, or the built-in one).

        Parameters
        ----------
        data : str or Path or None, default None
            A UCDP peace-agreement file; None for the shared development split.
        model : str or None, default None
            A durability model's registry name; None for :func:`default_model`.
        mapping : str or Path or DealMapping or None, default None
            The deal-to-covariate mapping: a YAML file, a loaded mapping, or None for the
            built-in one.
        """
        frame = read_agreements(data).frame
        estimator = default_model() if model is None else get_model(model)
        fitted = estimator.fit(frame)
        loaded = mapping if isinstance(mapping, DealMapping) else load_mapping(mapping)
        return cls(fitted, loaded)

    def _rows(self, deals: Sequence[Mapping[str, float]]) -> pd.DataFrame:
        return pd.DataFrame([self.mapping.covariates(d) for d in deals])

    def p_holds(self, terms: Mapping[str, float], years: float) -> float:
        """P(the deal with these terms still holds after ``years`` years).

        Parameters
        ----------
        terms : Mapping of str to float
            The deal's terms and their values (see the mapping).
        years : float
            Years since the deal, >= 0.
        """
        if not np.isfinite(years) or years < 0:
            raise DetenteError(f"years is {years!r}; give a number >= 0", where="years")
        if years == 0:
            return 1.0
        return float(self.model.survival(self._rows([terms]), [float(years)])[0, 0])

    def p_holds_batch(
        self, terms: Mapping[str, npt.ArrayLike], years: float
    ) -> npt.NDArray[np.float64]:
        """P(holds after ``years``) for a batch of deals given as ``{term: values}`` (one
        value per deal, every array the same length); the same rule as the mapping's
        :meth:`~detente.durability.mapping.DealMapping.covariates`, vectorised over deals.

        Parameters
        ----------
        terms : Mapping of str to array_like
            Each term's values, one per deal.
        years : float
            Years since the deal, >= 0.

        Raises
        ------
        DetenteError
            An unknown term, arrays of different lengths, or a value off a term's scale.
        """
        if not math.isfinite(years) or years < 0:
            raise DetenteError(f"years is {years!r}; give a number >= 0", where="years")
        values = {name: np.atleast_1d(np.asarray(v, dtype=float)) for name, v in terms.items()}
        sizes = {v.size for v in values.values()}
        if len(sizes) != 1:
            raise DetenteError(
                "give every term one value per deal (arrays of one length)", where="terms"
            )
        n = sizes.pop()
        if years == 0:
            return np.ones(n)
        return np.asarray(self.model.survival(self._batch_rows(values, n), [years])[:, 0])

    def _batch_rows(self, values: Mapping[str, np.ndarray], n: int) -> pd.DataFrame:
        rows = {c: np.full(n, 0.0) for c in ALL_COVARIATES} | {
            c: np.full(n, v) for c, v in self.mapping.context.items()
        }
        set_by_terms: dict[str, np.ndarray] = {}
        for name, v in values.items():
            term = self.mapping.term(name)
            lo, hi = term.scale
            bad = ~np.isfinite(v) | (v < lo) | (v > hi)
            if bad.any():
                raise DetenteError(
                    f"term {name!r} is {v[bad][0]!r}; give a number on its scale [{lo:g}, {hi:g}]",
                    source=self.mapping.source,
                    where=f"terms.{name}",
                )
            for cov, pts in term.points.items():
                x = np.interp(v, [p[0] for p in pts], [p[1] for p in pts])
                set_by_terms[cov] = np.maximum(set_by_terms[cov], x) if cov in set_by_terms else x
        rows.update(set_by_terms)
        return pd.DataFrame(rows)

    def forecast(
        self,
        terms: Mapping[str, float],
        horizons: Sequence[float] = HORIZONS,
        *,
        level: float = 0.9,
        n_draws: int = 1000,
        seed: int = 0,
    ) -> DurabilityForecast:
        """P(holds) at each horizon, a ``level`` interval from ``n_draws`` seeded draws of
        the model (see each model's ``survival_draws``), and the term whose best single
        setting raises P(holds at the last horizon) most.

        Parameters
        ----------
        terms : Mapping of str to float
            The deal's terms and their values (see the mapping).
        horizons : Sequence of float, default HORIZONS
            Years since the deal at which P(holds) is given.
        level : float, default 0.9
            Coverage of the interval, in (0, 1).
        n_draws : int, default 1000
            Draws of the model behind the interval (at least 2).
        seed : int, default 0
            Seed of the draws.
        """
        if not 0 < level < 1:
            raise DetenteError(f"level is {level}; give a number between 0 and 1", where="--level")
        if n_draws < 2:
            raise DetenteError(f"{n_draws} draws; give at least 2", where="--draws")
        deal = {k: float(v) for k, v in terms.items()}
        row = self._rows([deal])
        times = [float(t) for t in horizons]
        point = self.model.survival(row, times)[0]
        draws = self.model.survival_draws(row, times, n_draws, np.random.default_rng(seed))[:, 0]
        tail = (1 - level) / 2
        lower, upper = np.quantile(draws, [tail, 1 - tail], axis=0)
        return DurabilityForecast(
            deal=deal,
            covariates=self.mapping.covariates(deal),
            model=self.model.name,
            horizons=tuple(times),
            p_holds=point,
            lower=np.minimum(lower, point),
            upper=np.maximum(upper, point),
            level=level,
            n_draws=n_draws,
            seed=seed,
            best=self.best_term(deal, times[-1]),
            no_counterpart=[n for n in deal if not self.mapping.term(n).points],
        )

    def best_term(self, terms: Mapping[str, float], years: float) -> BestTerm | None:
        """The one term (in the deal or not yet) whose best value raises P(holds at
        ``years``) most; ``None`` when no change raises it.

        Parameters
        ----------
        terms : Mapping of str to float
            The deal's terms and their values.
        years : float
            Years since the deal at which P(holds) is compared.
        """
        base = self.p_holds(terms, years)
        candidates: list[tuple[str, float]] = []
        deals: list[dict[str, float]] = []
        for name in self.mapping.mapped_terms():
            for value in self.mapping.terms[name].candidates():
                if terms.get(name) == value:
                    continue
                candidates.append((name, value))
                deals.append(dict(terms) | {name: value})
        if not deals:
            return None
        p = self.model.survival(self._rows(deals), [years])[:, 0]
        i = int(np.argmax(p))
        if p[i] <= base + 1e-9:
            return None
        name, value = candidates[i]
        return BestTerm(
            term=name,
            value=value,
            current=terms.get(name),
            p_holds=float(p[i]),
            gain=float(p[i] - base),
        )
