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
from detente.outlook.data import CAUSES, COVARIATES, DAYS_PER_YEAR, REGIONS, load_reference
from detente.outlook.fit import AalenJohansen, CauseSpecificCox

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
    note:
        Where each choice comes from.
    """

    name: str
    started: date
    kind: str = "interstate"
    territory: bool = True
    region: str = "europe"
    high_intensity: bool = True
    note: str = ""

    def covariates(self) -> pd.DataFrame:
        """The one-row covariate frame of the model."""
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


PRESETS: dict[str, WarDescription] = {
    "russia-ukraine-2022": WarDescription(
        name="Russia-Ukraine, full-scale invasion",
        started=date(2022, 2, 24),
        note="DECISIONS OUT-6: inter-state (two governments), territory (Crimea, Donbas, "
        "the occupied south), Europe, high intensity (far above 1,000 battle deaths in "
        "2022); the episode counted from the invasion of 24 February 2022",
    ),
    "russia-ukraine-2014": WarDescription(
        name="Russia-Ukraine, counted from Crimea",
        started=date(2014, 2, 27),
        note="DECISIONS OUT-6: as russia-ukraine-2022, but counted from the seizure of "
        "Crimea's parliament on 27 February 2014 (more than 1,000 battle deaths in 2014)",
    ),
}
"""Described wars by name."""


def get_preset(name: str) -> WarDescription:
    """A described war by name, with a one-line error listing the names."""
    if name not in PRESETS:
        raise DetenteError(
            f"unknown war {name!r}; choose one of: {', '.join(PRESETS)}", where="--war"
        )
    return PRESETS[name]


@lru_cache(maxsize=4)
def fitted(penalizer: float = 0.1) -> tuple[CauseSpecificCox, AalenJohansen, pd.DataFrame]:
    """The two models fitted on the packaged reference class (about a second; cached)."""
    frame = load_reference()
    return CauseSpecificCox(penalizer=penalizer).fit(frame), AalenJohansen().fit(frame), frame


@dataclass(frozen=True)
class OutsideView:
    """P(the war has ended by each cause by each date), model and base rate.

    ``p``, ``lower``, ``upper`` and ``base`` have shape (causes, dates); ``lower``/``upper``
    are the ``level`` interval of the model's coefficient draws. ``nearest`` lists the
    reference cases nearest the described war among those that lasted as long.
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
        return pd.DataFrame(rows)

    def p_ended(self) -> np.ndarray:
        """P(ended by any cause by each date), model (dates,)."""
        out: np.ndarray = self.p.sum(axis=0)
        return out

    def to_dict(self) -> dict[str, Any]:
        def r(a: np.ndarray) -> list[list[float]]:
            return [[round(float(v), 4) for v in row] for row in a]

        return {
            "war": self.war.name,
            "started": self.war.started.isoformat(),
            "as_of": self.as_of.isoformat(),
            "years_so_far": round(self.years_so_far, 3),
            "covariates": self.war.covariates().iloc[0].astype(int).to_dict(),
            "dates": [d.isoformat() for d in self.dates],
            "causes": list(self.causes),
            "p": r(self.p),
            "lower": r(self.lower),
            "upper": r(self.upper),
            "base_rate": r(self.base),
            "level": self.level,
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
    n_draws: int = 400,
    n_nearest: int = 5,
    seed: int | np.random.Generator = 0,
    penalizer: float = 0.1,
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
        Coefficient draws for the interval (DECISIONS OUT-5).
    seed:
        Seed (or generator) of the draws.

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
    cox, base, frame = fitted(penalizer)
    x = w.covariates()
    since = (when - w.started).days / DAYS_PER_YEAR
    at = [(d - when).days / DAYS_PER_YEAR for d in dates]
    p = cox.cif(x, at, since)[0]
    draws = cox.cif_draws(x, at, since, n_draws, rng_of(seed))[:, 0]
    tail = (1 - level) / 2
    lower, upper = np.quantile(draws, [tail, 1 - tail], axis=0)
    base_p = base.cif(x, at, since)[0]
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
        nearest=nearest_cases(x, lasted, n_nearest),
        n_reference=len(frame),
        n_lasted=len(lasted),
    )


def nearest_cases(x: pd.DataFrame, frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` episodes of ``frame`` nearest the one-row ``x``: fewest covariates that
    differ (type counted once), then the longest (DECISIONS OUT-7)."""
    cov = list(COVARIATES)
    differ = (frame[cov].to_numpy() != x[cov].to_numpy()).sum(axis=1)
    kind = ["interstate", "internationalized", "extrasystemic"]
    kind_differ = (frame[kind].to_numpy() != x[kind].to_numpy()).any(axis=1)
    distance = differ - (frame[kind].to_numpy() != x[kind].to_numpy()).sum(axis=1) + kind_differ
    ranked = frame.assign(distance=distance).sort_values(
        ["distance", "years"], ascending=[True, False], kind="stable"
    )
    top = ranked.head(n)
    ended = top["cause"].map({0: "still going", **CAUSES})
    return pd.DataFrame(
        {
            "name": top["name"].to_numpy(),
            "start": top["start"].to_numpy(),
            "end": top["end"].to_numpy(),
            "years": [round(float(v), 2) for v in top["years"]],
            "ended_by": ended.to_numpy(),
            "differs_on": [int(v) for v in top["distance"]],
        }
    )


def pool_log(p_inside: float, p_outside: float, weight: float) -> float:
    """Logarithmic pooling of two probabilities of one event (Genest & Zidek 1986, eq. 3.3):
    ``p ∝ p_in^w p_out^(1-w)``, normalised over the event and its complement."""
    if not 0 <= weight <= 1:
        raise DetenteError(f"pooling weight {weight} is not in [0, 1]", where="--pool-weight")
    eps = 1e-9
    a = min(max(p_inside, eps), 1 - eps)
    b = min(max(p_outside, eps), 1 - eps)
    num = weight * math.log(a) + (1 - weight) * math.log(b)
    den = weight * math.log(1 - a) + (1 - weight) * math.log(1 - b)
    return 1.0 / (1.0 + math.exp(den - num))
