"""The campaign: the specification of the war-termination model, validated once.

A campaign sits in a scenario under ``campaign:``. It fixes the dates (start, the mediator's
regime change, the opening of negotiations), the horizon, the attacker's intensities with
their weekly costs and battlefield gains per season, the levers the mediator can pull, the
mediator's types (prior, lever policy before and after the regime change, offers, riposte),
the settlement rule, the belligerents' values of the deal terms and the resumption hazard.
Any number can be bare or ``{value: 42, note: "why 42"}``, as in the rest of a scenario.

:meth:`Campaign.arrays` turns it into the plain arrays the solver and the simulator compute
on (:class:`CampaignArrays`). Part of the spec layer: it imports only pydantic and numpy, and
reads no file. Files a campaign names (a calibration, a durability mapping) are read by
:func:`detente.scenario.resolve_references`, which fills in their ``resolved`` fields.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from detente.errors import DetenteError
from detente.spec.numbers import NON_NEGATIVE, PROBABILITY, Number, Range, Sourced
from detente.spec.paths import walk

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SEASON_NAMES = ("winter", "mud", "summer")
INTENSITY_NAMES = ("hold", "press", "surge")
"""The attacker's intensities, in increasing order; ``surge`` is the escalation."""

ESCALATION = INTENSITY_NAMES.index("surge")
COUNTER = "counter"
"""The battlefield regime of the defender's counter-offensive (a posture, not an intensity)."""
POSTURE_NAMES = ("defend", COUNTER)
"""The defender's postures: ``counter`` steers the battlefield to its counter-offensive regime."""
BEYOND_HORIZON = ("stationary", "terminal")
MAX_TYPES = 5
MAX_RESOLVE_POINTS = 21
MAX_MENU = 12
MAX_BELIEF_POINTS = 2000
MAX_TERRITORY_BINS = 400
MIN_HORIZON_WEEKS, MAX_HORIZON_WEEKS = 4, 260
MAX_BELIEF_RESOLUTION = 40
MAX_MAGNITUDE = 1e12
"""Bound on the size of every campaign number (km², km² a week, weeks of war): far beyond
any real war, and small enough that no product or sum of them overflows a float."""


MAGNITUDE = Range(
    -MAX_MAGNITUDE,
    MAX_MAGNITUDE,
    f"campaign numbers lie within ±{MAX_MAGNITUDE:g} (km², km² a week, weeks of war), "
    "check its unit",
)
Probability = Annotated[Number, PROBABILITY]
NonNegative = Annotated[Number, NON_NEGATIVE]
IssueScaleTerm = Annotated[Number, Range(0.0, 100.0, "terms lie on the 0-100 issue scale")]
_GRID = "bin_km2 and above_km2 must be above zero, below_km2 zero or more"


def _count_in(v: int, lo: int, hi: int, what: str) -> int:
    if not lo <= v <= hi:
        raise ValueError(f"is {v}; give {lo} to {hi} {what}")
    return v


def _check_magnitudes(campaign: BaseModel) -> None:
    """Every number of the campaign (those filled in from a calibration too) lies within
    :data:`MAGNITUDE`."""
    for where, number in walk(campaign, derived=True):
        if not MAGNITUDE.contains(number.value):
            raise ValueError(f"{where} is {number.value:g}; {MAGNITUDE.what}")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Gain(_Frozen):
    """Normal weekly gain of held area (km²/week) in one season."""

    mean: Number
    sd: Annotated[
        Number, Range(0.0, math.inf, "a standard deviation must be above zero", open_low=True)
    ]


def _all_seasons(v: dict[str, Gain] | None) -> dict[str, Gain] | None:
    """Gains per season name exactly the seasons :data:`SEASON_NAMES`."""
    if v is None:
        return v
    missing = [s for s in SEASON_NAMES if s not in v]
    extra = [s for s in v if s not in SEASON_NAMES]
    if missing or extra:
        raise ValueError(
            f"needs exactly the seasons {', '.join(SEASON_NAMES)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(extra)}" if extra else "")
        )
    return v


class Intensity(_Frozen):
    """One intensity: weekly costs to both belligerents and the gain per season (omitted
    when the campaign's ``battlefield`` takes the gains from a calibration)."""

    attacker_cost: Number
    defender_cost: Number
    gain: dict[str, Gain] | None = None

    _seasons = field_validator("gain")(lambda v: _all_seasons(v))


class ResolvedGains(_Frozen):
    """The gains a battlefield's calibration gives each intensity, per season.

    Filled in by :func:`detente.scenario.resolve_references` from ``calibration`` and
    ``regimes`` (written down so that a stored scenario replays without the file); whatever
    is written here by hand is replaced when the scenario is loaded.
    """

    calibration: str
    regimes: dict[str, str | int]
    gains: dict[str, dict[str, Gain]]
    chain: RegimeChain | None = None


class ChainReplicate(_Frozen):
    """One bootstrap replicate of a regime chain: means (R, S), sds (R,), transition (S, R, R)."""

    means: list[list[float]]
    sds: list[float]
    transition: list[list[list[float]]]


class RegimeChain(_Frozen):
    """The fitted Markov chain of the battlefield's regimes, restricted to the regimes a
    battlefield names (in the order of ``regimes``: the intensities, then ``counter`` if
    named) and renormalised: ``transition[s][r][r']`` = P(regime r' this week | r last
    week) in season ``s``; ``initial`` = P(regime in the week before the start), the
    calibration's filtered probabilities of its last week; ``replicates``: its bootstrap
    replicates, over which simulated paths draw (DECISIONS WAR-26)."""

    regimes: list[str]
    transition: list[list[list[float]]]
    initial: list[float]
    replicates: list[ChainReplicate] = Field(default_factory=list)


class Battlefield(_Frozen):
    """Gains from a saved territory calibration (``detente calibrate territory FILE --format
    json > FILE.json``).

    ``calibration`` is the name of a calibration shipped with detente (``ukraine-deepstate-
    2024``) or, from the command line only, a path (relative to the working directory); the
    web app accepts packaged names only. ``regimes`` names the fitted regime (by name or
    index) that stands for each intensity: the intensity's gain in season ``s`` is then
    ``Normal(means[k] + season_shift[s], sds[k])``, the calibration's regime ``k`` (seasons
    matched by name). Regimes left out play no part (DECISIONS WAR-15).

    Validation reads no file: the reference is resolved in one explicit step after parsing
    (:func:`detente.scenario.resolve_references`), which fills in ``resolved``.
    """

    calibration: str = Field(min_length=1, max_length=1024)
    regimes: dict[str, str | int]
    control: Probability = Field(
        default_factory=lambda: Sourced(value=1.0),
        description="How far the belligerents' choices steer the regime chain: 1 = each "
        "week the regime stays with its fitted persistence or moves to the chosen one; 0 = "
        "the fitted chain alone (DECISIONS WAR-25).",
    )
    resolved: ResolvedGains | None = None

    @field_validator("regimes")
    @classmethod
    def _every_intensity(cls, v: dict[str, str | int]) -> dict[str, str | int]:
        if not set(INTENSITY_NAMES) <= set(v) <= {*INTENSITY_NAMES, COUNTER}:
            raise ValueError(
                f"give a regime for each intensity: {', '.join(INTENSITY_NAMES)} (and "
                f"optionally {COUNTER}, the defender's counter-offensive)"
            )
        return v

    @property
    def is_resolved(self) -> bool:
        """Whether ``resolved`` holds the gains of this very calibration and regimes."""
        r = self.resolved
        return (
            r is not None
            and r.calibration == self.calibration
            and r.regimes == self.regimes
            and set(r.gains) == set(self.regimes)
            and all(set(g) == set(SEASON_NAMES) for g in r.gains.values())
        )


class Lever(_Frozen):
    """A lever of the mediator: the defender's aid relative to the start, and weekly costs.

    The attacker's mean and sd of gain are multiplied by ``1 + aid_effect * (1 - aid)``
    (DECISIONS WAR-8).
    """

    aid: NonNegative = Field(default_factory=lambda: Sourced(value=1.0))
    attacker_cost: Number = Field(default_factory=lambda: Sourced(value=0.0))
    defender_cost: Number = Field(default_factory=lambda: Sourced(value=0.0))


class Policy(_Frozen):
    """What a mediator type does each week in one regime."""

    levers: dict[str, Probability] = Field(
        description="Weekly probability of each lever; sums to 1."
    )
    offer_probability: Probability = Field(default_factory=lambda: Sourced(value=0.0))
    riposte_probability: Probability = Field(default_factory=lambda: Sourced(value=0.0))

    @field_validator("levers")
    @classmethod
    def _distribution(cls, v: dict[str, Sourced]) -> dict[str, Sourced]:
        if not v:
            raise ValueError("is empty; give each lever's weekly probability")
        total = sum(p.value for p in v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"lever probabilities sum to {total:g}; make them sum to 1")
        return v


class Terms(_Frozen):
    """The deal a mediator type offers, on the scenario's issue scales (0-100).

    ``territory_km2`` is the area the attacker keeps under ``fixed_terms``; under
    ``freeze_line`` the line on the day of the deal replaces it.
    """

    sanctions_relief: IssueScaleTerm
    guarantees: IssueScaleTerm
    territory_km2: Number | None = None
    snapback: bool = False


class MediatorType(_Frozen):
    """A type of the mediator, which the belligerents do not observe. The mediator is nature
    with a type: its policies are given, not optimised (DECISIONS WAR-3)."""

    prior: Probability
    before: Policy
    after: Policy
    # DECISIONS WAR-7: a lump cost to the attacker only, its expected size by the posterior
    riposte_size: NonNegative = Field(default_factory=lambda: Sourced(value=0.0))
    terms: Terms


class Mediator(_Frozen):
    name: str = "mediator"
    types: dict[str, MediatorType]

    @field_validator("types")
    @classmethod
    def _types(cls, v: dict[str, MediatorType]) -> dict[str, MediatorType]:
        if not 1 <= len(v) <= MAX_TYPES:
            raise ValueError(f"has {len(v)} types; give between 1 and {MAX_TYPES}")
        total = sum(t.prior.value for t in v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"type priors sum to {total:g}; make them sum to 1")
        return v


class CheapTalk(_Frozen):
    """A costless public statement on a date: the likelihood of it under each type.

    Every type could make it, so Bayes' rule would not move the belief; the belief moves
    ``cheap_talk_weight`` of the way to the posterior the likelihoods imply.
    """

    when: date
    likelihood: dict[str, Probability]
    note: str | None = None


class Values(_Frozen):
    """A belligerent's value of the deal terms, relative to the status quo, in weeks of the
    attacker's ``press`` cost (the common unit); signed (a loss is negative). ``stalemate``
    is a lump at the horizon, used only with ``beyond_horizon: terminal``."""

    territory_per_1000km2: Number
    sanctions_relief: Number
    guarantees: Number
    stalemate: Number = Field(default_factory=lambda: Sourced(value=0.0))


class Resumption(_Frozen):
    """The placeholder resumption hazard (Weibull), see :mod:`detente.war.hazard`;
    ``model: weibull`` or no ``model`` key."""

    model: Literal["weibull"] = "weibull"
    p_resume_5y: Annotated[
        Number,
        Range(
            0.0,
            1.0,
            "give a probability strictly between 0 and 1",
            open_low=True,
            open_high=True,
        ),
    ] = Field(description="P(war resumes within 5 years) for a bare ceasefire.")
    shape: Annotated[
        Number, Range(0.0, math.inf, "the Weibull shape must be above zero", open_low=True)
    ]
    guarantees_effect: Number
    snapback_effect: Number
    territory_effect: Number


class ResolvedMapping(_Frozen):
    """A durability mapping document as read from ``mapping`` (validated when read)."""

    mapping: str
    source: str
    document: dict[str, Any]


class UcdpResumption(_Frozen):
    """The resumption hazard fitted on the UCDP peace agreements (``model: ucdp_cox``): the
    packaged Cox fit of :mod:`detente.durability` through a deal-terms mapping, so that
    ``detente simulate`` and ``detente durability predict`` give the same P(holds).

    The campaign's deal terms become the mapping's terms ``territory`` (100 × (km² kept -
    ``territory_outside_claim_km2``) / ``territory_claim_km2``, clipped to 0-100: the
    scenario's territory issue scale), ``sanctions`` (the relief), ``guarantees`` and
    ``snapback`` (0/1) (DECISIONS WAR-16).
    """

    model: Literal["ucdp_cox"]
    territory_claim_km2: Annotated[
        Number, Range(0.0, math.inf, "the claim's area must be above zero", open_low=True)
    ] = Field(description="km² at 100 on the territory issue's scale (the attacker's whole claim).")
    territory_outside_claim_km2: NonNegative = Field(
        default_factory=lambda: Sourced(value=0.0),
        description="km² of the held area that lie outside the claim (not on the scale).",
    )
    mapping: str | None = Field(
        None,
        max_length=1024,
        description="A durability mapping (deal terms → covariates): a packaged name or, from "
        "the command line only, a YAML file; default the built-in one.",
    )
    resolved: ResolvedMapping | None = Field(
        None,
        description="The mapping document, filled in when the scenario is loaded "
        "(detente.scenario.resolve_references); what is written here is replaced.",
    )

    @property
    def is_resolved(self) -> bool:
        """Whether ``resolved`` holds the document of this very mapping (or none is named)."""
        return self.mapping is None or (
            self.resolved is not None and self.resolved.mapping == self.mapping
        )


def _resumption_model(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("model", "weibull"))
    return str(getattr(value, "model", "weibull"))


ResumptionSpec = Annotated[
    Annotated[Resumption, Tag("weibull")] | Annotated[UcdpResumption, Tag("ucdp_cox")],
    Discriminator(
        _resumption_model,
        custom_error_type="resumption_model",
        custom_error_message="model must be weibull (the default) or ucdp_cox",
    ),
]


class Counteroffensive(_Frozen):
    """The defender's counter-offensive posture: weekly costs, and its gain per season (the
    attacker's net gain, usually negative) unless ``battlefield.regimes.counter`` names the
    calibration's regime (DECISIONS WAR-24)."""

    attacker_cost: Number = Field(default_factory=lambda: Sourced(value=0.0))
    defender_cost: Number
    gain: dict[str, Gain] | None = None

    _seasons = field_validator("gain")(lambda v: _all_seasons(v))


class Proposals(_Frozen):
    """The belligerents as proposers (random recognition, Baron & Ferejohn 1989): in a week
    when talks are open and the mediator makes no offer, the attacker proposes with
    probability ``attacker`` and the defender with ``defender``; a proposer picks the
    ``menu`` item best for it that the other accepts, or nothing (DECISIONS WAR-22)."""

    attacker: Probability = Field(default_factory=lambda: Sourced(value=0.0))
    defender: Probability = Field(default_factory=lambda: Sourced(value=0.0))
    menu: list[Terms] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Proposals:
        total = self.attacker.value + self.defender.value
        if total > 1.0 + 1e-9:
            raise ValueError(f"attacker + defender is {total:g}; keep it at most 1")
        if total > 0.0 and not self.menu:
            raise ValueError("menu is empty; list the terms the belligerents can propose")
        if len(self.menu) > MAX_MENU:
            raise ValueError(f"menu has {len(self.menu)} items; give at most {MAX_MENU}")
        return self


class Commitment(_Frozen):
    """What a deal is worth when it may not hold (Powell 2006): the war resumes with the
    campaign's resumption hazard (its cumulative hazard times ``hazard_ratio``, the
    rearmament during the ceasefire), the attacker then takes ``resumed_gain_km2`` and each
    side pays its lump ``*_war_cost``; the deal's relief and guarantees lapse
    (DECISIONS WAR-23)."""

    resumed_gain_km2: Number
    attacker_war_cost: NonNegative = Field(default_factory=lambda: Sourced(value=0.0))
    defender_war_cost: NonNegative = Field(default_factory=lambda: Sourced(value=0.0))
    hazard_ratio: Annotated[
        Number, Range(0.0, math.inf, "the hazard ratio must be above zero", open_low=True)
    ] = Field(default_factory=lambda: Sourced(value=1.0))


class Resolve(_Frozen):
    """The defender's resolve, known to the defender only (DECISIONS WAR-30): it is
    resolute with prior probability ``prior_resolute``, else weary. Against a resolute
    defender a week's push falls one tempo short with probability ``holds`` (the regime is
    steered to the next lower intensity), so the battlefield tells the types apart; its weekly
    costs of fighting are ``cost_multiplier`` times the weary type's. The attacker's belief
    lives on ``belief_points`` equally spaced points of [0, 1]."""

    prior_resolute: Probability
    holds: Probability
    cost_multiplier: NonNegative = Field(default_factory=lambda: Sourced(value=1.0))
    belief_points: int = 5

    @field_validator("belief_points")
    @classmethod
    def _points(cls, v: int) -> int:
        return _count_in(v, 2, MAX_RESOLVE_POINTS, "points")


class Grid(_Frozen):
    """The solver's territory grid around the start line, and the belief-grid resolution."""

    bin_km2: Annotated[Number, Range(0.0, math.inf, _GRID, open_low=True)]
    below_km2: Annotated[Number, Range(0.0, math.inf, _GRID)]
    above_km2: Annotated[Number, Range(0.0, math.inf, _GRID, open_low=True)]
    belief_resolution: int = 10

    @field_validator("belief_resolution")
    @classmethod
    def _resolution(cls, v: int) -> int:
        return _count_in(v, 1, MAX_BELIEF_RESOLUTION, "steps between 0 and 1")

    @model_validator(mode="after")
    def _sizes(self) -> Grid:
        bins = (self.below_km2.value + self.above_km2.value) / self.bin_km2.value + 1
        if bins > MAX_TERRITORY_BINS:
            raise ValueError(
                f"gives {bins:.0f} territory bins; widen bin_km2 to stay under {MAX_TERRITORY_BINS}"
            )
        return self


class Campaign(_Frozen):
    """The war-termination model's specification; see ``docs/war_model.md``."""

    path_label: ClassVar[str] = "campaign"
    """How a path into the campaign names it (:class:`detente.spec.paths.Path`)."""
    number_range: ClassVar[Range] = MAGNITUDE
    """The range of every number of the campaign (:meth:`detente.spec.paths.Path.bounds`)."""

    start: date
    horizon_weeks: int
    attacker: str
    defender: str
    regime_change: date
    negotiation_opens: date
    start_territory_km2: Number
    grid: Grid
    seasons: dict[str, list[int]] = Field(
        default_factory=lambda: {
            "winter": [12, 1, 2],
            "mud": [3, 4, 10, 11],
            "summer": [5, 6, 7, 8, 9],
        }
    )
    intensities: dict[str, Intensity]
    counteroffensive: Counteroffensive | None = None
    battlefield: Battlefield | None = None
    aid_effect: NonNegative
    levers: dict[str, Lever]
    mediator: Mediator
    reputation_cost: NonNegative = Field(default_factory=lambda: Sourced(value=0.0))
    cheap_talk_weight: Probability = Field(default_factory=lambda: Sourced(value=0.0))
    cheap_talk: list[CheapTalk] = Field(default_factory=list)
    settlement: Literal["freeze_line", "fixed_terms"]
    status_quo_terms: Terms
    values: dict[str, Values]
    discount: Annotated[
        Number, Range(0.0, 1.0, "the weekly discount factor lies in (0, 1]", open_low=True)
    ]
    resumption: ResumptionSpec
    proposals: Proposals = Field(default_factory=Proposals)
    commitment: Commitment | None = None
    resolve: Resolve | None = None
    reference_war: str | None = None
    """A described war of the outside view (:data:`detente.outlook.view.PRESETS`): with it,
    ``simulate`` sets the war model's P(deal by date) beside the reference class's
    (DECISIONS WAR-31)."""
    beyond_horizon: Literal["stationary", "terminal"] = "stationary"

    @field_validator("horizon_weeks")
    @classmethod
    def _horizon(cls, v: int) -> int:
        return _count_in(v, MIN_HORIZON_WEEKS, MAX_HORIZON_WEEKS, "weeks")

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        _check_magnitudes(self)
        for name, lever in self.levers.items():
            multiplier = 1.0 + self.aid_effect.value * (1.0 - lever.aid.value)
            if multiplier <= 0.0:
                raise ValueError(
                    f"lever {name!r} multiplies the attacker's gains by 1 + aid_effect × "
                    f"(1 - aid) = {multiplier:g}; it must stay above zero, so lower aid_effect "
                    "or the lever's aid"
                )
        if tuple(self.intensities) != INTENSITY_NAMES:
            raise ValueError(
                f"intensities must be exactly {', '.join(INTENSITY_NAMES)}, in that order"
            )
        written = [n for n, it in self.intensities.items() if it.gain is not None]
        if self.battlefield is not None and written:
            raise ValueError(
                f"intensity {written[0]!r} has a gain and battlefield.calibration gives them "
                "too; give the gains in one place"
            )
        if self.battlefield is None and len(written) != len(INTENSITY_NAMES):
            missing = next(n for n in INTENSITY_NAMES if n not in written)
            raise ValueError(
                f"intensity {missing!r} has no gain; give gain per season or a "
                "battlefield.calibration"
            )
        self._check_counteroffensive()
        if self.resolve is not None and self.counteroffensive is not None:
            raise ValueError(
                "resolve with a counteroffensive: the defender's posture would signal its "
                "type, which the solver does not model; drop one of them (DECISIONS WAR-30)"
            )
        if self.resolve is not None and self.proposals.defender.value > 0.0:
            raise ValueError(
                "resolve with proposals.defender above 0: an informed proposer signals its "
                "type, which the solver does not model; set proposals.defender to 0 "
                "(DECISIONS WAR-30)"
            )
        for j, item in enumerate(self.proposals.menu):
            if self.settlement == "fixed_terms" and item.territory_km2 is None:
                raise ValueError(
                    f"proposals.menu.{j}: fixed_terms settlement needs territory_km2 "
                    "(the area the attacker keeps)"
                )
        months = sorted(m for ms in self.seasons.values() for m in ms)
        if set(self.seasons) != set(SEASON_NAMES) or months != list(range(1, 13)):
            raise ValueError(
                "seasons must map winter, mud and summer to months 1-12, each month once"
            )
        if set(self.values) != {self.attacker, self.defender}:
            raise ValueError(
                f"values must have exactly the attacker {self.attacker!r} and the defender "
                f"{self.defender!r}"
            )
        end = self.start + timedelta(weeks=self.horizon_weeks)
        for field, when in (
            ("regime_change", self.regime_change),
            ("negotiation_opens", self.negotiation_opens),
        ):
            if not self.start <= when <= end:
                raise ValueError(f"{field} {when} lies outside the horizon {self.start}..{end}")
        for tname, mtype in self.mediator.types.items():
            for regime in ("before", "after"):
                policy: Policy = getattr(mtype, regime)
                unknown = [lv for lv in policy.levers if lv not in self.levers]
                if unknown:
                    raise ValueError(
                        f"mediator type {tname!r}, {regime}: unknown lever {unknown[0]!r}; "
                        f"use one of: {', '.join(self.levers)}"
                    )
            if self.settlement == "fixed_terms" and mtype.terms.territory_km2 is None:
                raise ValueError(
                    f"mediator type {tname!r}: fixed_terms settlement needs "
                    "terms.territory_km2 (the area the attacker keeps)"
                )
        for talk in self.cheap_talk:
            if set(talk.likelihood) != set(self.mediator.types):
                raise ValueError(
                    f"cheap_talk on {talk.when}: give a likelihood for each mediator type: "
                    + ", ".join(self.mediator.types)
                )
            if not self.start <= talk.when < end:
                raise ValueError(f"cheap_talk on {talk.when} lies outside the horizon")
        return self

    def _check_counteroffensive(self) -> None:
        counter = self.counteroffensive
        named = self.battlefield is not None and COUNTER in self.battlefield.regimes
        if counter is None:
            if named:
                raise ValueError(
                    "battlefield.regimes names a counter regime; give campaign."
                    "counteroffensive (its weekly costs) too"
                )
            return
        if self.battlefield is not None and counter.gain is not None:
            raise ValueError(
                "counteroffensive has a gain and battlefield.calibration gives the gains; "
                "name its regime in battlefield.regimes.counter instead"
            )
        if self.battlefield is not None and not named:
            raise ValueError("counteroffensive: name its regime in battlefield.regimes.counter")
        if self.battlefield is None and counter.gain is None:
            raise ValueError("counteroffensive has no gain; give gain per season")

    @property
    def regime_names(self) -> list[str]:
        """The battlefield's regimes: the intensities, then ``counter`` when the defender
        can counter-attack."""
        return [*INTENSITY_NAMES, *([COUNTER] if self.counteroffensive is not None else [])]

    @property
    def type_names(self) -> list[str]:
        return list(self.mediator.types)

    @property
    def lever_names(self) -> list[str]:
        return list(self.levers)

    @property
    def is_resolved(self) -> bool:
        """Whether every external reference (calibration, mapping) is resolved."""
        mapping_ok = not isinstance(self.resumption, UcdpResumption) or (
            self.resumption.is_resolved
        )
        return mapping_ok and (self.battlefield is None or self.battlefield.is_resolved)

    @property
    def gains(self) -> dict[str, dict[str, Gain]]:
        """Each regime's gain per season (the intensities' and, with a counter-offensive,
        ``counter``): as written, or from the battlefield calibration.

        Raises
        ------
        DetenteError
            The battlefield's calibration is not resolved yet.
        """
        if self.battlefield is None:
            written = {n: it.gain for n, it in self.intensities.items() if it.gain is not None}
            if self.counteroffensive is not None and self.counteroffensive.gain is not None:
                written[COUNTER] = self.counteroffensive.gain
            return written
        if not self.battlefield.is_resolved or self.battlefield.resolved is None:
            raise DetenteError(
                f"calibration {self.battlefield.calibration!r} is not resolved yet; load the "
                "scenario with detente.scenario.load_scenario, or call "
                "detente.scenario.resolve_references on it",
                where="campaign.battlefield.calibration",
            )
        return self.battlefield.resolved.gains

    def week_dates(self) -> list[date]:
        """The first day of each week, ``horizon_weeks`` of them."""
        return [self.start + timedelta(weeks=t) for t in range(self.horizon_weeks)]

    def week_of(self, when: date) -> int:
        """Index of the first week starting on or after ``when``."""
        return max(0, math.ceil((when - self.start).days / 7))

    def arrays(self) -> CampaignArrays:
        """The campaign as arrays (weeks, intensities, levers, types)."""
        weeks = self.week_dates()
        month_season = {m: SEASON_NAMES.index(s) for s, ms in self.seasons.items() for m in ms}
        season = np.array([month_season[d.month] for d in weeks], dtype=np.int64)
        t_regime = self.week_of(self.regime_change)
        t_open = self.week_of(self.negotiation_opens)
        index = np.arange(self.horizon_weeks)
        types = list(self.mediator.types.values())
        levers = list(self.levers.values())
        lever_names = self.lever_names

        def lever_probs(policy: Policy) -> list[float]:
            return [policy.levers[n].value if n in policy.levers else 0.0 for n in lever_names]

        resolved = self.gains
        regimes = self.regime_names
        gains = [resolved[n] for n in regimes]
        mean = np.array([[g[s].mean.value for s in SEASON_NAMES] for g in gains])
        sd = np.array([[g[s].sd.value for s in SEASON_NAMES] for g in gains])
        chain = self._chain()
        aid = np.array([lv.aid.value for lv in levers])
        talk_week = np.full(self.horizon_weeks, -1, dtype=np.int64)
        talk_lik = np.ones((max(1, len(self.cheap_talk)), len(types)))
        for j, talk in enumerate(self.cheap_talk):
            talk_week[self.week_of(talk.when)] = j
            talk_lik[j] = [talk.likelihood[n].value for n in self.type_names]
        x0 = self.start_territory_km2.value
        terms = [t.terms for t in types]
        att, dfd = self.values[self.attacker], self.values[self.defender]
        return CampaignArrays(
            dates=weeks,
            season=season,
            regime=(index >= t_regime).astype(np.int64),
            offers_open=index >= t_open,
            t_regime=t_regime,
            gain_mean=mean,
            gain_sd=sd,
            gain_multiplier=1.0 + self.aid_effect.value * (1.0 - aid),
            intensity_cost=np.array(
                [
                    [it.attacker_cost.value, it.defender_cost.value]
                    for it in self.intensities.values()
                ]
            ),
            lever_cost=np.array(
                [[lv.attacker_cost.value, lv.defender_cost.value] for lv in levers]
            ),
            prior=np.array([t.prior.value for t in types]),
            lever_prob=np.array(
                [[lever_probs(t.before) for t in types], [lever_probs(t.after) for t in types]]
            ),
            offer_prob=np.array(
                [
                    [t.before.offer_probability.value for t in types],
                    [t.after.offer_probability.value for t in types],
                ]
            ),
            riposte_prob=np.array(
                [
                    [t.before.riposte_probability.value for t in types],
                    [t.after.riposte_probability.value for t in types],
                ]
            ),
            riposte_size=np.array([t.riposte_size.value for t in types]),
            terms_relief=np.array([t.sanctions_relief.value for t in terms]),
            terms_guarantees=np.array([t.guarantees.value for t in terms]),
            terms_territory=np.array(
                [x0 if t.territory_km2 is None else t.territory_km2.value for t in terms]
            ),
            terms_snapback=np.array([t.snapback for t in terms]),
            freeze_line=self.settlement == "freeze_line",
            values=np.array(
                [
                    [
                        v.territory_per_1000km2.value,
                        v.sanctions_relief.value,
                        v.guarantees.value,
                        v.stalemate.value,
                    ]
                    for v in (att, dfd)
                ]
            ),
            sq_relief=self.status_quo_terms.sanctions_relief.value,
            sq_guarantees=self.status_quo_terms.guarantees.value,
            x0=x0,
            bin_km2=self.grid.bin_km2.value,
            below_km2=self.grid.below_km2.value,
            above_km2=self.grid.above_km2.value,
            belief_resolution=self.grid.belief_resolution,
            discount=self.discount.value,
            reputation_cost=self.reputation_cost.value,
            cheap_talk_weight=self.cheap_talk_weight.value,
            talk_week=talk_week,
            talk_likelihood=talk_lik,
            **chain,
            posture_cost=np.array(
                [[0.0, 0.0]]
                + (
                    []
                    if self.counteroffensive is None
                    else [
                        [
                            self.counteroffensive.attacker_cost.value,
                            self.counteroffensive.defender_cost.value,
                        ]
                    ]
                )
            ),
            proposer=np.array([self.proposals.attacker.value, self.proposals.defender.value]),
            menu_relief=np.array([m.sanctions_relief.value for m in self.proposals.menu]),
            menu_guarantees=np.array([m.guarantees.value for m in self.proposals.menu]),
            menu_territory=np.array(
                [
                    x0 if m.territory_km2 is None else m.territory_km2.value
                    for m in self.proposals.menu
                ]
            ),
            menu_snapback=np.array([m.snapback for m in self.proposals.menu], dtype=bool),
            commitment=None
            if self.commitment is None
            else np.array(
                [
                    self.commitment.resumed_gain_km2.value,
                    self.commitment.attacker_war_cost.value,
                    self.commitment.defender_war_cost.value,
                    self.commitment.hazard_ratio.value,
                ]
            ),
            stationary_tail=self.beyond_horizon == "stationary" and self.discount.value < 1.0,
            resolve=None
            if self.resolve is None
            else np.array(
                [
                    self.resolve.prior_resolute.value,
                    self.resolve.holds.value,
                    self.resolve.cost_multiplier.value,
                ]
            ),
            resolve_points=1 if self.resolve is None else self.resolve.belief_points,
        )

    def _chain(self) -> dict[str, Any]:
        """The regime chain's arrays: fitted transitions (S, R, R), the belligerents'
        control, the initial regime and the bootstrap replicates; without a calibration
        the choice sets next week's regime (control 1, no persistence: DECISIONS WAR-25)."""
        n_r, n_s = len(self.regime_names), len(SEASON_NAMES)
        bf = self.battlefield
        fitted = None if bf is None or bf.resolved is None else bf.resolved.chain
        if fitted is None:
            initial = np.zeros(n_r)
            initial[INTENSITY_NAMES.index("press")] = 1.0
            return {
                "chain": np.zeros((n_s, n_r, n_r)),
                "control": 1.0,
                "initial_regime": initial,
                "replicate_mean": np.empty((0, n_r, n_s)),
                "replicate_sd": np.empty((0, n_r, n_s)),
                "replicate_chain": np.empty((0, n_s, n_r, n_r)),
            }
        assert bf is not None
        named = [bf.regimes[r] for r in self.regime_names]
        if len(fitted.regimes) != len(named):
            raise DetenteError(
                "the resolved regime chain does not match battlefield.regimes; load the "
                "scenario again (detente.scenario.resolve_references)",
                where="campaign.battlefield.resolved.chain",
            )
        reps = fitted.replicates
        return {
            "chain": np.array(fitted.transition, dtype=np.float64),
            "control": bf.control.value,
            "initial_regime": np.array(fitted.initial, dtype=np.float64),
            "replicate_mean": np.array([r.means for r in reps]).reshape(-1, n_r, n_s),
            "replicate_sd": np.repeat(
                np.array([r.sds for r in reps]).reshape(-1, n_r, 1), n_s, axis=2
            ),
            "replicate_chain": np.array([r.transition for r in reps]).reshape(-1, n_s, n_r, n_r),
        }


@dataclass(frozen=True)
class CampaignArrays:
    """A campaign as arrays. Index conventions: intensity ``i`` (hold, press, surge), season
    ``s``, lever ``a``, mediator type ``θ``, regime ``ρ`` (0 before, 1 from the regime change),
    party ``j`` (0 attacker, 1 defender).

    Battlefield regimes ``r`` are the intensities' (hold, press, surge), then ``counter``
    when the defender can counter-attack; postures ``p`` are defend and, then, counter.

    Shapes: ``gain_mean``, ``gain_sd``: (R, S) km²/week; ``gain_multiplier``: (A,);
    ``intensity_cost``: (I, 2); ``lever_cost``: (A, 2); ``prior``: (Θ,); ``lever_prob``:
    (2, Θ, A); ``offer_prob``, ``riposte_prob``: (2, Θ); ``riposte_size``, ``terms_*``: (Θ,);
    ``values``: (2, 4) = per party the value of 1,000 km² kept by the attacker, of a point of
    sanctions relief, of a point of guarantees, and the stalemate value at the horizon;
    ``chain``: (S, R, R) the fitted regime transitions (zeros without a calibration: no
    persistence, the week's choice sets the regime),
    ``control`` how far choices steer them, ``initial_regime``: (R,); ``replicate_*``: the
    chain's bootstrap replicates (B, R, S), (B, R, S), (B, S, R, R); ``posture_cost``: (P, 2);
    ``proposer``: (2,) weekly recognition probabilities; ``menu_*``: (M,) the proposals'
    terms; ``commitment``: resumed gain (km²), the two war costs and the hazard ratio, or
    ``None``; ``stationary_tail``: whether the value beyond the horizon is the stationary
    one (else the terminal lump); ``resolve``: the defender's private resolve (prior of the
    resolute type, the chance it holds a push, its cost multiplier) or ``None``, and
    ``resolve_points`` the attacker's belief grid over it (1 without).
    """

    dates: list[date]
    season: IntArray
    regime: IntArray
    offers_open: npt.NDArray[np.bool_]
    t_regime: int
    gain_mean: FloatArray
    gain_sd: FloatArray
    gain_multiplier: FloatArray
    intensity_cost: FloatArray
    lever_cost: FloatArray
    prior: FloatArray
    lever_prob: FloatArray
    offer_prob: FloatArray
    riposte_prob: FloatArray
    riposte_size: FloatArray
    terms_relief: FloatArray
    terms_guarantees: FloatArray
    terms_territory: FloatArray
    terms_snapback: npt.NDArray[np.bool_]
    freeze_line: bool
    values: FloatArray
    sq_relief: float
    sq_guarantees: float
    x0: float
    bin_km2: float
    below_km2: float
    above_km2: float
    belief_resolution: int
    discount: float
    reputation_cost: float
    cheap_talk_weight: float
    talk_week: IntArray
    talk_likelihood: FloatArray
    chain: FloatArray
    control: float
    initial_regime: FloatArray
    replicate_mean: FloatArray
    replicate_sd: FloatArray
    replicate_chain: FloatArray
    posture_cost: FloatArray
    proposer: FloatArray
    menu_relief: FloatArray
    menu_guarantees: FloatArray
    menu_territory: FloatArray
    menu_snapback: npt.NDArray[np.bool_]
    commitment: FloatArray | None
    stationary_tail: bool
    resolve: FloatArray | None = None
    resolve_points: int = 1

    @property
    def n_defender_types(self) -> int:
        """The defender's types: weary then resolute with private resolve, else one."""
        return 1 if self.resolve is None else 2

    def resolve_grid(self) -> FloatArray:
        """(M,) the attacker's beliefs that the defender is resolute: [0] without resolve."""
        out: FloatArray = np.linspace(0.0, 1.0, self.resolve_points) * (self.resolve is not None)
        return out

    def typed_transitions(self, trans: FloatArray) -> FloatArray:
        """(D, …, τ, R, R') transitions ``trans`` (…, τ, R, R') against each defender type:
        a resolute defender holds a push to the next lower intensity with probability
        ``holds``, ``(1 - ε_d) T_τ + ε_d T_{τ-1}`` (DECISIONS WAR-30)."""
        if self.resolve is None:
            out: FloatArray = trans[None]
            return out
        lower = np.maximum(np.arange(trans.shape[-3]) - 1, 0)
        held = trans[..., lower, :, :]
        eps = float(self.resolve[1])
        out = np.stack([trans, (1.0 - eps) * trans + eps * held])
        return out

    def defender_cost_scale(self) -> FloatArray:
        """(D,) the multiplier of the defender's weekly war costs by its type."""
        if self.resolve is None:
            return np.ones(1)
        return np.array([1.0, float(self.resolve[2])])

    def type_weights(self) -> FloatArray:
        """(M, D) the attacker's weights on the defender's types at each belief point."""
        mu = self.resolve_grid()
        if self.resolve is None:
            return np.ones((1, 1))
        out: FloatArray = np.stack([1.0 - mu, mu], axis=1)
        return out

    @property
    def n_regimes(self) -> int:
        return int(self.gain_mean.shape[0])

    @property
    def n_postures(self) -> int:
        return int(self.posture_cost.shape[0])

    @property
    def n_offers(self) -> int:
        """Terms that can be on the table: the mediator types' then the menu's."""
        return self.n_types + int(self.menu_relief.shape[0])

    def offer_terms(self) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """(relief, guarantees, territory km², snapback) of every offer: (Ω,) each."""
        return (
            np.concatenate([self.terms_relief, self.menu_relief]),
            np.concatenate([self.terms_guarantees, self.menu_guarantees]),
            np.concatenate([self.terms_territory, self.menu_territory]),
            np.concatenate([self.terms_snapback, self.menu_snapback]),
        )

    def transitions(self) -> FloatArray:
        """(S, τ, R, R') regime transitions when the week's choices steer to regime ``τ``:
        ``(1 - c) F[s, r, r'] + c (ψ_{s,r} [r' = r] + (1 - ψ_{s,r}) [r' = τ])``, with the
        fitted chain ``F`` and its persistence ``ψ`` (DECISIONS WAR-25)."""
        return steered(self.chain, self.control)

    @property
    def horizon(self) -> int:
        return len(self.dates)

    @property
    def n_types(self) -> int:
        return int(self.prior.shape[0])

    @property
    def n_levers(self) -> int:
        return int(self.gain_multiplier.shape[0])

    def territory_grid(self) -> FloatArray:
        """Centres of the territory bins (km² held by the attacker)."""
        n_below = round(self.below_km2 / self.bin_km2)
        n_above = round(self.above_km2 / self.bin_km2)
        grid: FloatArray = self.x0 + self.bin_km2 * np.arange(
            -n_below, n_above + 1, dtype=np.float64
        )
        return grid

    def deal_value(self, party: int, kept_km2: FloatArray, offer: int) -> FloatArray:
        """Party ``party``'s value of type ``offer``'s deal with the attacker keeping
        ``kept_km2`` (already the line or the fixed terms)."""
        v = self.values[party]
        out: FloatArray = (
            v[0] * (kept_km2 - self.x0) / 1000.0
            + v[1] * (self.terms_relief[offer] - self.sq_relief)
            + v[2] * (self.terms_guarantees[offer] - self.sq_guarantees)
        )
        return out


def steered(chain: FloatArray, control: float) -> FloatArray:
    """(…, S, τ, R, R') transitions of chains ``(…, S, R, R')`` steered to each regime ``τ``
    (see :meth:`CampaignArrays.transitions`)."""
    n_r = chain.shape[-1]
    eye = np.eye(n_r)
    psi = np.diagonal(chain, axis1=-2, axis2=-1)[..., None, :, None]  # (…, S, 1, R, 1)
    target = eye[:, None, :]  # (τ, 1, R'): [r' = τ]
    steer = psi * eye[None, :, :] + (1.0 - psi) * target
    out: FloatArray = (1.0 - control) * chain[..., None, :, :] + control * steer
    return out


def campaign_hash(campaign: Campaign) -> str:
    """SHA-256 of the campaign's canonical JSON, the gains it resolved (from a calibration)
    included, so that two campaigns with the same hash give the same policies and paths."""
    doc = {
        "campaign": campaign.model_dump(mode="json"),
        "gains": {
            n: {s: g.model_dump(mode="json") for s, g in gains.items()}
            for n, gains in campaign.gains.items()
        },
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
