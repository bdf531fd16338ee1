"""The fitted durability model as a resumption hazard for the war-termination model.

:class:`FittedResumptionHazard` has the one method the war model needs,
``p_holds(terms, years) -> float``, and the richer :meth:`~FittedResumptionHazard.forecast`
that ``detente durability predict`` prints. Both go through the same mapping and the same
fitted model, so the war model and the command give the same P(holds) for the same deal.

References
----------
Fortna, V. P. (2004). *Peace Time: Cease-Fire Agreements and the Durability of Peace*.
Princeton University Press.

Pettersson, T., Högbladh, S. & Öberg, M. (2019). Organized violence, 1989-2018 and peace
agreements. *Journal of Peace Research* 56(4), 589-603.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from detente.durability.data import read_agreements
from detente.durability.evaluate import HORIZONS
from detente.durability.fit import SurvivalModel, get_model
from detente.durability.mapping import DealMapping, load_mapping
from detente.errors import DetenteError


@dataclass(frozen=True)
class BestTerm:
    """The single change of one term that raises P(holds at the last horizon) most."""

    term: str
    value: float
    current: float | None
    p_holds: float
    gain: float


@dataclass(frozen=True)
class DurabilityForecast:
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

    def __init__(self, model: SurvivalModel, mapping: DealMapping | None = None) -> None:
        self.model = model
        self.mapping = mapping if mapping is not None else load_mapping()

    @classmethod
    def from_data(
        cls,
        data: str | Path | None = None,
        *,
        model: str = "cox",
        mapping: str | Path | DealMapping | None = None,
    ) -> FittedResumptionHazard:
        """Fit ``model`` on a UCDP peace-agreement file (default: the shared development
        split) and pair it with a mapping (a file, a loaded mapping, or the built-in one)."""
        frame = read_agreements(data).frame
        fitted = get_model(model).fit(frame)
        loaded = mapping if isinstance(mapping, DealMapping) else load_mapping(mapping)
        return cls(fitted, loaded)

    def _rows(self, deals: Sequence[Mapping[str, float]]) -> pd.DataFrame:
        return pd.DataFrame([self.mapping.covariates(d) for d in deals])

    def p_holds(self, terms: Mapping[str, float], years: float) -> float:
        """P(the deal with these terms still holds after ``years`` years)."""
        if not np.isfinite(years) or years < 0:
            raise DetenteError(f"years is {years!r}; give a number >= 0", where="years")
        if years == 0:
            return 1.0
        return float(self.model.survival(self._rows([terms]), [float(years)])[0, 0])

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
        setting raises P(holds at the last horizon) most."""
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
        ``years``) most; ``None`` when no change raises it."""
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
