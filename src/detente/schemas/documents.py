"""The JSON documents of ``--format json``, as pydantic models: the source of their shipped
JSON Schemas (``scripts/gen_schemas.py``).

The documents themselves are built as plain dictionaries where they are computed
(:func:`detente.cli.render.forecast_document`, :func:`detente.war.model.document`,
:meth:`detente.durability.hazard.DurabilityForecast.to_dict`,
:meth:`detente.outlook.view.OutsideView.to_dict`); these models describe them, and
``tests/test_schemas.py`` validates real output against both the models and the shipped
schemas. Every object allows further keys: a later version may add keys, and existing keys
keep their meaning while ``schema_version`` stays the same (DECISIONS DOC-3).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    """An object that may carry keys added in later versions."""

    model_config = ConfigDict(extra="allow")


# --- detente forecast --format json (schema version 1; docs/cli.md) ----------------------


class Band(_Open):
    """The 5–95 % stability band of one forecast (DECISIONS UNC-25)."""

    p05: float
    p95: float
    fragile: bool = Field(description="True where the band is wider than fragile_share.")


class Trajectory(_Open):
    """Positions and outcome by round, for models that proceed in rounds."""

    rounds: int
    outcome: list[float] = Field(description="The predicted outcome after each round.")
    positions: dict[str, list[float]] = Field(
        description="Each actor's position at rounds 0..rounds (round 0 = the input)."
    )


class Convergence(_Open):
    """How the rounds ended (DECISIONS BDM-12)."""

    status: Literal["converged", "cycle", "not_converged"]
    converged: bool
    rounds: int
    period: int | None = Field(description="The cycle's period in rounds; null otherwise.")
    low: float
    high: float


class IssueEntry(_Open):
    """One model's forecast on one issue."""

    issue: str
    outcome: float = Field(description="The predicted outcome on the issue's scale.")
    rule: str = Field(description="The issue's decision rule, e.g. 'veto: Russia, Ukraine'.")
    flagged: bool = Field(description="True where the decision rule blocks the outcome.")
    constrained: float = Field(description="The nearest outcome the rule lets pass.")
    winset: list[float] = Field(
        min_length=2, max_length=2, description="The interval of outcomes the rule lets pass."
    )
    trajectory: Trajectory | None = None
    convergence: Convergence | None = None
    band: Band | None = Field(None, description="Null with --no-bands.")


class ModelForecast(_Open):
    """One model's forecast of every issue, in scenario order."""

    model: str
    scenario: str
    params: dict[str, Any] = Field(description="The model's constructor arguments.")
    issues: list[IssueEntry]


class Spread(_Open):
    """The default input spread the bands are drawn under."""

    salience_points: float
    position_share_of_scale: float
    capability_share: float


class BandsInfo(_Open):
    """How the bands were drawn."""

    draws: int
    seed: int
    quantiles: list[float]
    spread: Spread
    fragile_share: float


class ForecastDocument(_Open):
    """The document of ``detente forecast --format json`` (schema version 1)."""

    schema_version: Literal[1]
    detente_version: str
    scenario: str
    bands: BandsInfo | None = Field(description="Null with --no-bands.")
    forecasts: list[ModelForecast] = Field(description="One entry per model, in order asked.")


# --- detente simulate --format json (schema version 2; docs/war_model.md) ----------------

Share = float | None
"""A probability or share; null where it is undefined (e.g. no offer that week)."""


class Quantiles(_Open):
    """Quantiles of a quantity over the simulated paths."""

    p05: float
    p25: float
    p50: float
    p75: float
    p95: float


class Solver(_Open):
    """How the campaign was solved (no wall time: the same seed gives the same bytes)."""

    territory_bins: int
    belief_points: int
    regimes: list[str]
    replicates: int
    beyond_horizon: str
    tail_residual: float | None
    method: str


class Week(_Open):
    """The line at the start of a week (and at the end of the horizon)."""

    date: str = Field(json_schema_extra={"format": "date"})
    territory_km2: Quantiles
    p_at_war: float
    p_surge: float
    p_offer: Share = None
    accepted_by_attacker: Share = None
    accepted_by_defender: Share = None


class DealBy(_Open):
    """P(a deal struck before ``date``), in all and by who proposed it."""

    date: str = Field(json_schema_extra={"format": "date"})
    p: float
    by_source: dict[str, float]


class DealTerms(_Open):
    """The terms of the deals struck."""

    p_deal: Share
    by_mediator_type: dict[str, float]
    by_proposer: dict[str, float]
    territory_kept_km2: Quantiles | None
    sanctions_relief_mean: float | None
    guarantees_mean: float | None


class SimulateDocument(_Open):
    """The document of ``detente simulate --format json`` (schema version 2)."""

    schema_version: Literal[2]
    scenario: str
    draws: int
    seed: int | None
    settlement: str
    start: str = Field(json_schema_extra={"format": "date"})
    deadline: str = Field(json_schema_extra={"format": "date"})
    negotiation_opens: str = Field(json_schema_extra={"format": "date"})
    solver: Solver
    weeks: list[Week]
    p_deal_by: list[DealBy]
    p_escalation: Share
    p_escalation_after_deadline: Share
    gain_km2_per_day: dict[str, float | None]
    p_holds: dict[str, Share] = Field(description="P(the deal holds N years | a deal).")
    deal_terms: DealTerms
    mediator_type_drawn: dict[str, float]
    shares: dict[str, Any] = Field(description="Shares of path-weeks by intensity, posture.")
    votes: dict[str, dict[str, float | int | None]] = Field(
        description="Who blocks the deal, per mediator type."
    )
    sources: dict[str, dict[str, str | float | None]] = Field(
        description="Where P(deal) comes from: 'dates' and, per source, P by each date."
    )
    resolve: dict[str, Any] | None = Field(description="With private resolve; else null.")
    outside: dict[str, Any] | None = Field(
        description="With campaign.reference_war: the outside view; else null."
    )
    run_id: str | None = Field(None, description="The run's id in the store; null with --no-store.")
    what_if: dict[str, Any] | None = Field(None, description="Only with --what-if.")
    profile: dict[str, Any] | None = Field(None, description="Only with --profile.")
    sensitivity: dict[str, Any] | None = Field(None, description="Only with --sensitivity.")


# --- detente durability predict --format json (docs/durability.md) -----------------------


class Horizon(_Open):
    """P(the deal holds ``years`` after signing), with its interval."""

    years: float
    p_holds: float
    lower: float
    upper: float


class Interval(_Open):
    """How the interval was drawn."""

    level: float
    draws: int
    seed: int


class DurabilityDocument(_Open):
    """The document of ``detente durability predict --format json``."""

    scenario: str
    model: str
    deal: dict[str, float] = Field(description="The deal's terms, by term name.")
    covariates: dict[str, float] = Field(description="The deal mapped onto the covariates.")
    horizons: list[Horizon]
    interval: Interval
    best_term: dict[str, Any] | None = Field(
        description="The one term change that raises P(holds) the most; null if none does."
    )
    no_counterpart: list[str] = Field(description="Terms with no counterpart in the data.")


# --- detente outlook predict --format json (docs/outlook.md) -----------------------------


class OutlookDocument(_Open):
    """The document of ``detente outlook predict --format json``: cumulative incidence of
    each way a war ends, by date."""

    war: str
    started: str = Field(json_schema_extra={"format": "date"})
    as_of: str = Field(json_schema_extra={"format": "date"})
    years_so_far: float
    covariates: dict[str, float]
    dates: list[str]
    causes: list[str]
    p: list[list[float]] = Field(description="P(ended by cause c by date d), [date][cause].")
    lower: list[list[float]]
    upper: list[list[float]]
    base_rate: list[list[float]]
    level: float
    n_reference: int
    n_lasted_as_long: int
    nearest: list[dict[str, Any]]


DOCUMENTS: dict[str, type[BaseModel]] = {
    "forecast": ForecastDocument,
    "simulate": SimulateDocument,
    "durability": DurabilityDocument,
    "outlook": OutlookDocument,
}
"""The model of each command's ``--format json`` document."""
