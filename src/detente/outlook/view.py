"""The outside view of a described war: P(it ends by settlement, ceasefire, victory or
petering out by each date), from the reference class of UCDP war episodes, next to the base
rate, with the reference cases nearest to it.

:func:`outside_view` is the one entry point (the ``detente outlook`` command and
``simulate`` call it); :class:`WarDescription` describes a war on the covariates of
:data:`detente.outlook.data.COVARIATES`; :data:`PRESETS` holds described wars (DECISIONS
OUT-6 for Russia-Ukraine).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from detente.contract import rng_of
from detente.errors import DetenteError
from detente.outlook.data import CAUSES, COVARIATES, DAYS_PER_YEAR, REGIONS
from detente.outlook.fit import (
    AalenJohansen,
    CauseSpecificCox,
    aalen_johansen_bootstrap,
    group_resamples,
)
from detente.outlook.reference import REFERENCES, ReferenceClass, get_reference

REGION_NAMES = ("europe", "middle_east", "asia", "africa", "americas")


@dataclass(frozen=True)
class WarDescription:
    """A war as the reference class sees it: each field known when the analyst looks.

    Parameters
    ----------
    name:
        A label.
    started:
        When the episode began (its ``years`` so far are counted from here).
    kind:
        ``interstate``, ``internationalized`` (intrastate with foreign troops),
        ``intrastate`` or ``extrasystemic`` (UCDP ``type_of_conflict`` 2, 4, 3, 1).
    territory:
        The incompatibility is over territory (else government).
    region:
        One of :data:`REGION_NAMES`.
    high_intensity:
        1,000 or more battle deaths in its first year.
    capability_share:
        The stronger side's share of the two sides' CINC (the CoW class, DECISIONS OUT-9).
    deaths_per_year:
        Battle deaths per year of war so far (the CoW class, OUT-11).
    note:
        Where each choice comes from.
    """

    name: str
    started: date
    kind: str = "interstate"
    territory: bool = True
    region: str = "europe"
    high_intensity: bool = True
    capability_share: float | None = None
    deaths_per_year: float | None = None
    note: str = ""

    def covariates(self, reference: str = "ucdp") -> pd.DataFrame:
        """The one-row covariate frame of the model of ``reference``.

        Parameters
        ----------
        reference : str, default "ucdp"
            The reference class: ``ucdp`` or ``cow``.
        """
        if reference == "cow":
            return self._cow_covariates()
        kinds = ("interstate", "internationalized", "intrastate", "extrasystemic")
        if self.kind not in kinds:
            raise DetenteError(
                f"war type {self.kind!r} is not one of {', '.join(kinds)}", where="--type"
            )
        if self.region not in REGION_NAMES:
            raise DetenteError(
                f"region {self.region!r} is not one of {', '.join(REGION_NAMES)}",
                where="--region",
            )
        row = {c: 0 for c in COVARIATES}
        if self.kind != "intrastate":
            row[self.kind] = 1
        row["territory"] = int(self.territory)
        row["high_intensity"] = int(self.high_intensity)
        if self.region in REGIONS.values():
            row[self.region] = 1
        return pd.DataFrame([row])

    def _cow_covariates(self) -> pd.DataFrame:
        if self.kind != "interstate":
            raise DetenteError(
                f"the CoW reference class holds inter-state wars only, not a {self.kind} war; "
                "use --reference ucdp",
                where="--type",
            )
        if self.region not in REGION_NAMES:
            raise DetenteError(
                f"region {self.region!r} is not one of {', '.join(REGION_NAMES)}",
                where="--region",
            )
        share, rate = self.capability_share, self.deaths_per_year
        if share is None or not 0.5 <= share <= 1:
            raise DetenteError(
                f"capability share {share} is not given or not in [0.5, 1] (the stronger "
                "side's share of both sides' CINC)",
                where="--capability-share",
            )
        if rate is None or not rate > 0:
            raise DetenteError(
                f"battle deaths per year {rate} is not given or not positive",
                where="--deaths-per-year",
            )
        row: dict[str, float] = {
            "capability_share": float(share),
            "log_deaths_per_year": math.log10(rate),
        }
        for name in ("europe", "middle_east", "africa", "americas"):
            row[name] = float(self.region == name)
        return pd.DataFrame([row])


RUSSIA_UKRAINE_SHARE_2007 = 0.7684
"""Russia's share of Russia + Ukraine CINC in 2007, NMC v4.0's last year (DECISIONS OUT-12;
``detente.outlook.cow.russia_ukraine_share``)."""

PRESETS: dict[str, WarDescription] = {
    "russia-ukraine-2022": WarDescription(
        name="Russia-Ukraine, full-scale invasion",
        started=date(2022, 2, 24),
        capability_share=RUSSIA_UKRAINE_SHARE_2007,
        deaths_per_year=100_000.0,
        note="DECISIONS OUT-6: inter-state (two governments), territory (Crimea, Donbas, "
        "the occupied south), Europe, high intensity (far above 1,000 battle deaths in "
        "2022); the episode counted from the invasion of 24 February 2022. CoW class "
        "(OUT-12): Russia's CINC share 0.768 (NMC v4.0, 2007, its last year), about "
        "100,000 battle deaths a year",
    ),
    "russia-ukraine-2014": WarDescription(
        name="Russia-Ukraine, counted from Crimea",
        started=date(2014, 2, 27),
        capability_share=RUSSIA_UKRAINE_SHARE_2007,
        deaths_per_year=25_000.0,
        note="DECISIONS OUT-6: as russia-ukraine-2022, but counted from the seizure of "
        "Crimea's parliament on 27 February 2014 (more than 1,000 battle deaths in 2014); "
        "CoW class (OUT-12): the same deaths spread over 10.7 years, about 25,000 a year",
    ),
}
"""Described wars by name."""


def get_preset(name: str) -> WarDescription:
    """A described war by name, with a one-line error listing the names.

    Parameters
    ----------
    name : str
        One of :data:`PRESETS`.
    """
    if name not in PRESETS:
        raise DetenteError(
            f"unknown war {name!r}; choose one of: {', '.join(PRESETS)}", where="--war"
        )
    return PRESETS[name]


@lru_cache(maxsize=8)
def fitted(
    penalizer: float = 0.1, reference: str = "ucdp"
) -> tuple[CauseSpecificCox, AalenJohansen, pd.DataFrame]:
    """The two models fitted on a packaged reference class (about a second; cached)."""
    ref = get_reference(reference)
    frame = ref.load()
    cox = CauseSpecificCox(
        covariates=list(ref.covariates), penalizer=penalizer, standardize=ref.standardize
    )
    return cox.fit(frame), AalenJohansen().fit(frame), frame


@dataclass(frozen=True)
class OutsideView:
    """P(the war has ended by each cause by each date), model and base rate.

    ``p``, ``lower``, ``upper``, ``base``, ``base_lower`` and ``base_upper`` have shape
    (causes, dates); the intervals are ``level`` percentile intervals of the ``interval``
    method's replicates (DECISIONS OUT-13). ``nearest`` lists the reference cases nearest the
    described war among those that lasted as long.
    """

    war: WarDescription
    as_of: date
    years_so_far: float
    dates: tuple[date, ...]
    p: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    base: np.ndarray
    level: float
    nearest: pd.DataFrame
    n_reference: int
    n_lasted: int
    causes: tuple[str, ...] = field(default=tuple(CAUSES.values()))
    reference: str = "ucdp"
    interval: str = "bootstrap"
    shrink: float = 1.0
    base_lower: np.ndarray | None = None
    base_upper: np.ndarray | None = None

    def table(self) -> pd.DataFrame:
        """One row per date and cause: p, lower, upper, base (the no-covariate rate)."""
        rows = []
        for j, d in enumerate(self.dates):
            for k, cause in enumerate(self.causes):
                rows.append(
                    {"date": d.isoformat(), "cause": cause, "p": float(self.p[k, j]),
                     "lower": float(self.lower[k, j]), "upper": float(self.upper[k, j]),
                     "base": float(self.base[k, j])}
                )  # fmt: skip
                if self.base_lower is not None and self.base_upper is not None:
                    rows[-1]["base_lower"] = float(self.base_lower[k, j])
                    rows[-1]["base_upper"] = float(self.base_upper[k, j])
        return pd.DataFrame(rows)

    def p_ended(self) -> np.ndarray:
        """P(ended by any cause by each date), model (dates,)."""
        out: np.ndarray = self.p.sum(axis=0)
        return out

    def to_dict(self) -> dict[str, Any]:
        def r(a: np.ndarray) -> list[list[float]]:
            return [[round(float(v), 4) for v in row] for row in a]

        extra: dict[str, Any] = {}
        if self.base_lower is not None and self.base_upper is not None:
            extra = {"base_lower": r(self.base_lower), "base_upper": r(self.base_upper)}
        return {
            "war": self.war.name,
            "reference": self.reference,
            "started": self.war.started.isoformat(),
            "as_of": self.as_of.isoformat(),
            "years_so_far": round(self.years_so_far, 3),
            "covariates": {
                k: round(float(v), 4) if self.reference == "cow" else int(v)
                for k, v in self.war.covariates(self.reference).iloc[0].items()
            },
            "dates": [d.isoformat() for d in self.dates],
            "causes": list(self.causes),
            "p": r(self.p),
            "lower": r(self.lower),
            "upper": r(self.upper),
            "base_rate": r(self.base),
            **extra,
            "level": self.level,
            "interval": self.interval,
            "shrink_weight": self.shrink,
            "n_reference": self.n_reference,
            "n_lasted_as_long": self.n_lasted,
            "nearest": self.nearest.to_dict(orient="records"),
        }


def outside_view(
    war: WarDescription | str,
    dates: Sequence[date],
    *,
    as_of: date | None = None,
    level: float = 0.9,
    n_draws: int = 200,
    n_nearest: int = 5,
    seed: int | np.random.Generator = 0,
    penalizer: float = 0.1,
    reference: str = "ucdp",
    interval: str = "bootstrap",
    shrink: float | None = None,
) -> OutsideView:
    """The outside view of ``war`` at each date, conditional on it lasting until ``as_of``.

    Parameters
    ----------
    war:
        A :class:`WarDescription` or a :data:`PRESETS` name.
    dates:
        The dates to give P(ended by each cause by then) for; each on or after ``as_of``.
    as_of:
        The analyst's date; default the first of ``dates``.
    level:
        The interval's level.
    n_draws:
        Replicates for the interval.
    n_nearest:
        How many nearest reference cases to list (:func:`nearest_cases`).
    seed:
        Seed (or generator) of the replicates.
    penalizer:
        Ridge penalty of the cause-specific Cox fits (DECISIONS OUT-4).
    reference:
        The reference class, :data:`detente.outlook.reference.REFERENCES`.
    interval:
        ``bootstrap`` (conflicts resampled, the baselines re-estimated, the coefficients
        drawn: DECISIONS OUT-13) or ``draws`` (coefficient draws only, OUT-5).
    shrink:
        Weight of the covariate model in the linear pool with the base rate, ``p = w F_cox +
        (1 - w) F_aj``; default the reference class's weight chosen by grouped
        cross-validation (DECISIONS OUT-14: 1 for ucdp, 0 for cow).

    Returns
    -------
    OutsideView
    """
    w = get_preset(war) if isinstance(war, str) else war
    if not dates:
        raise DetenteError("give at least one date", where="--dates")
    when = as_of if as_of is not None else min(dates)
    if when < w.started:
        raise DetenteError(
            f"the analyst's date {when} is before the war started ({w.started})",
            where="--as-of",
        )
    late = [d for d in dates if d < when]
    if late:
        raise DetenteError(f"date {late[0]} is before the analyst's date {when}", where="--dates")
    if not 0 < level < 1:
        raise DetenteError(f"level {level} is not between 0 and 1", where="--level")
    if interval not in ("bootstrap", "draws"):
        raise DetenteError(
            f"interval {interval!r} is not one of bootstrap, draws", where="--interval"
        )
    if n_draws < 2:
        raise DetenteError(f"{n_draws} replicates; give 2 or more", where="--draws")
    ref = get_reference(reference)
    weight = ref.shrink if shrink is None else shrink
    if not 0 <= weight <= 1:
        raise DetenteError(f"shrinkage weight {weight} is not in [0, 1]", where="--shrink")
    x = w.covariates(ref.name)
    cox, base, frame = fitted(penalizer, ref.name)
    since = (when - w.started).days / DAYS_PER_YEAR
    at = [(d - when).days / DAYS_PER_YEAR for d in dates]
    base_p = base.cif(x, at, since)[0]
    p = weight * cox.cif(x, at, since)[0] + (1 - weight) * base_p
    rng = rng_of(seed)
    tail = (1 - level) / 2
    if interval == "draws":
        draws = weight * cox.cif_draws(x, at, since, n_draws, rng)[:, 0] + (1 - weight) * base_p
        base_lower = base_upper = None
    else:
        rows = group_resamples(frame["group"].astype(str).tolist(), n_draws, rng)
        base_draws = aalen_johansen_bootstrap(frame, at, since, rows)
        cox_draws = cox.cif_bootstrap(x, at, since, rows, rng)[:, 0]
        draws = weight * cox_draws + (1 - weight) * base_draws
        base_lower, base_upper = np.quantile(base_draws, [tail, 1 - tail], axis=0)
    lower, upper = np.quantile(draws, [tail, 1 - tail], axis=0)
    lasted = frame[frame["years"] >= since]
    return OutsideView(
        war=w,
        as_of=when,
        years_so_far=since,
        dates=tuple(dates),
        p=p,
        lower=lower,
        upper=upper,
        base=base_p,
        level=level,
        nearest=nearest_cases(x, lasted, n_nearest, ref),
        n_reference=len(frame),
        n_lasted=len(lasted),
        reference=ref.name,
        interval=interval,
        shrink=weight,
        base_lower=base_lower,
        base_upper=base_upper,
    )


def nearest_cases(
    x: pd.DataFrame, frame: pd.DataFrame, n: int, reference: ReferenceClass | None = None
) -> pd.DataFrame:
    """The ``n`` episodes of ``frame`` nearest the one-row ``x``: fewest covariates that
    differ (each of the reference class's one-hot groups counted once, a continuous
    covariate by its difference over its scale), then the longest (DECISIONS OUT-7, OUT-11).

    Parameters
    ----------
    x : pandas.DataFrame
        The war's one-row covariate frame.
    frame : pandas.DataFrame
        The reference class's episodes.
    n : int
        How many cases.
    reference : ReferenceClass or None, default None
        The reference class (its covariates and scales); None for ``ucdp``.
    """
    ref = reference if reference is not None else REFERENCES["ucdp"]
    cov = list(ref.covariates)
    binary = [c for c in cov if c not in ref.scales]
    differ = (frame[binary].to_numpy() != x[binary].to_numpy()).sum(axis=1).astype(float)
    for group in ref.one_hot:
        g = list(group)
        mismatch = frame[g].to_numpy() != x[g].to_numpy()
        differ += mismatch.any(axis=1) - mismatch.sum(axis=1)
    for c, unit in ref.scales.items():
        differ += np.abs(frame[c].to_numpy(dtype=float) - float(x[c].iloc[0])) / unit
    ranked = frame.assign(distance=np.round(differ, 1)).sort_values(
        ["distance", "years"], ascending=[True, False], kind="stable"
    )
    top = ranked.head(n)
    ended = top["cause"].map({0: "still going" if ref.name == "ucdp" else "censored", **CAUSES})
    if "winner" in top.columns:
        won = top["winner"].fillna("").astype(str)
        ended = ended.where(won == "", ended + " (" + won + ")")
    distance = [int(v) if ref.name == "ucdp" else float(v) for v in top["distance"]]
    return pd.DataFrame(
        {
            "name": top["name"].to_numpy(),
            "start": top["start"].to_numpy(),
            "end": top["end"].to_numpy(),
            "years": [round(float(v), 2) for v in top["years"]],
            "ended_by": ended.to_numpy(),
            "differs_on": distance,
        }
    )


def pool_log(p_inside: float, p_outside: float, weight: float) -> float:
    """Logarithmic pooling of two probabilities of one event (Genest & Zidek 1986, eq. 3.3):
    ``p ∝ p_in^w p_out^(1-w)``, normalised over the event and its complement.

    Parameters
    ----------
    p_inside : float
        The inside view's probability.
    p_outside : float
        The outside view's probability.
    weight : float
        The inside view's weight ``w``, in [0, 1].
    """
    if not 0 <= weight <= 1:
        raise DetenteError(f"pooling weight {weight} is not in [0, 1]", where="--pool-weight")
    eps = 1e-9
    a = min(max(p_inside, eps), 1 - eps)
    b = min(max(p_outside, eps), 1 - eps)
    num = weight * math.log(a) + (1 - weight) * math.log(b)
    den = weight * math.log(1 - a) + (1 - weight) * math.log(1 - b)
    return 1.0 / (1.0 + math.exp(den - num))
