"""Request and response bodies of the web API (pydantic), published in its OpenAPI schema."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from detente.paths import docs_page

MAX_UPLOAD_BYTES = 1_000_000
"""The largest scenario text the web app accepts (UTF-8 bytes); larger gets 413."""

MAX_OVERRIDES = 100
MAX_PATH_CHARS = 500


class ErrorBody(BaseModel):
    """Every 4xx answer: the one-line message, as the CLI prints it after ``error: ``."""

    detail: str = Field(examples=["upload.yaml: line 12, actors[0].stances.a.salience: ..."])


class BuiltinRef(BaseModel):
    """A built-in scenario, by name (GET /api/scenarios lists them)."""

    model_config = ConfigDict(extra="forbid")

    builtin: str = Field(max_length=200, examples=["ukraine-2024"])


class TextRef(BaseModel):
    """The text of a scenario file, parsed in memory (never stored, never a path)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        description="The text of a scenario file (YAML or CSV), at most 1,000,000 UTF-8 bytes "
        "(larger gets 413)."
    )
    format: Literal["yaml", "csv"] = Field(
        "yaml", description="The format of `text`: YAML, or CSV (KTAB or BDM layout)."
    )
    filename: str = Field(
        "upload.yaml",
        max_length=200,
        description="A label for error messages only; never used as a path on the server.",
    )


ScenarioRef = BuiltinRef | TextRef
"""Which scenario: a built-in by name, or the text of a scenario file."""


class Override(BaseModel):
    """A what-if change: set the number at ``path`` to ``value``."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        min_length=1,
        max_length=MAX_PATH_CHARS,
        examples=["actors.Russia.stances.territory.salience"],
        description="Dot path into the scenario; list items are named by their name.",
    )
    value: float = Field(allow_inf_nan=False, examples=[80])


class ForecastRequest(BaseModel):
    """A scenario and the what-if overrides to apply to it before forecasting."""

    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioRef
    overrides: list[Override] = Field(default_factory=list, max_length=MAX_OVERRIDES)


class ScenarioListing(BaseModel):
    name: str
    title: str
    as_of: str | None
    actors: int
    issues: int


class IssueOut(BaseModel):
    name: str
    description: str
    low_label: str
    high_label: str
    scale: tuple[float, float]
    status_quo: float | None


class StanceOut(BaseModel):
    position: float
    salience: float
    capability: float
    weight_share: float = Field(
        description="Capability × salience as a share (0-1) of the issue's total."
    )
    position_range: tuple[float, float] = Field(
        description="The range validation accepts for the position (the sliders' ends)."
    )
    salience_range: tuple[float, float] = Field(
        description="The range validation accepts for the salience (the sliders' ends)."
    )


class ActorOut(BaseModel):
    name: str
    description: str
    capability: float
    stances: dict[str, StanceOut]


class ScenarioOut(BaseModel):
    name: str
    title: str
    description: str
    as_of: str | None
    veto_players: list[str]
    issues: list[IssueOut]
    actors: list[ActorOut]
    notes: int = Field(description="How many source/rationale notes the scenario carries.")
    lever_actors: list[str] = Field(
        default_factory=list,
        description=f"The actors that pull levers ({docs_page('levers')}), for POST /api/advise.",
    )


class TrajectoryOut(BaseModel):
    rounds: int
    outcome: list[float | None] | None
    positions: dict[str, list[float | None]]


class IssueForecastOut(BaseModel):
    issue: str
    outcome: float | None
    trajectory: TrajectoryOut | None = None


class ModelForecastOut(BaseModel):
    model: str
    label: str
    reference: str
    params: dict[str, Any]
    issues: list[IssueForecastOut]


class ForecastResponse(BaseModel):
    """The (changed) scenario and every model's forecast of it."""

    scenario: ScenarioOut
    forecasts: list[ModelForecastOut]
    overrides: list[Override]
    scenario_yaml: str | None = Field(
        None,
        description="For an upload: the scenario as YAML, to send back as `text` with what-ifs.",
    )


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class CampaignSlider(BaseModel):
    """A campaign number the page offers as a what-if slider (an override ``path``)."""

    path: str = Field(examples=["campaign.mediator.types.presses_russia.after.riposte_probability"])
    label: str
    description: str = Field(
        "", description="What the number means, in plain words (the slider's tooltip)."
    )
    value: float
    min: float
    max: float
    step: float


class CampaignWeek(BaseModel):
    """The area held by the attacker at the start of a week, km²: quantiles over the paths."""

    date: str
    p05: float
    p25: float
    p50: float
    p75: float
    p95: float


class DealBy(BaseModel):
    date: str
    p: float = Field(description="P(a deal is struck before this date).")


class SimulateResponse(BaseModel):
    """The campaign of the (changed) scenario solved and simulated
    (https://detente.readthedocs.io/en/latest/war_model/)."""

    scenario: str
    paths: int
    seed: int
    settlement: str
    start: str
    deadline: str
    negotiation_opens: str
    solver_seconds: float
    cached: bool = Field(description="Whether the solved policy came from the app's cache.")
    weeks: list[CampaignWeek]
    p_deal_by: list[DealBy]
    headline: dict[str, float | None] = Field(
        description="p_deal_by_end, p_escalation, p_escalation_after_deadline, gain km²/day "
        "before and after the deadline, median territory at the end, P(the deal holds) ..."
    )
    sliders: list[CampaignSlider]


ADVISE_MAX_DRAWS = 200
"""The most Monte Carlo draws (issue goals) or war-model paths ``POST /api/advise`` takes."""
ADVISE_MAX_OPTIONS = 50
"""The most ranked options ``POST /api/advise`` returns (``options_total`` counts them all)."""


class AdviseRequest(BaseModel):
    """A scenario (after what-ifs), an actor with levers and a goal: ``detente advise``."""

    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioRef
    overrides: list[Override] = Field(default_factory=list, max_length=MAX_OVERRIDES)
    actor: str = Field(
        min_length=1, max_length=200, examples=["US incoming administration (Trump)"]
    )
    goal: str = Field(
        min_length=1,
        max_length=200,
        examples=["territory<=40"],
        description="ISSUE<=X, ISSUE>=X, closest:ISSUE, or a war-model goal such as "
        f"p_escalation<=0.5 ({docs_page('levers')}).",
    )
    model: str | None = Field(
        None,
        max_length=50,
        examples=["compromise"],
        description="Outcome model for issue goals (default compromise); omit for war goals.",
    )
    budget: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="The most the actor may spend."
    )
    draws: int = Field(
        ADVISE_MAX_DRAWS,
        ge=0,
        le=ADVISE_MAX_DRAWS,
        description="Monte Carlo draws for P(reach) (issue goals; 0 for none) or war-model "
        "paths (at least 1); seed 0.",
    )


class GoalOut(BaseModel):
    text: str
    describe: str
    kind: Literal["issue", "campaign"]
    metric: str
    relation: Literal["<=", ">="]
    threshold: float


class OptionOut(BaseModel):
    """One combination of lever settings and what it gives (``changes``: the moved levers)."""

    changes: dict[str, float]
    cost: float
    value: float | None = Field(description="The goal's metric with these settings.")
    meets_goal: bool
    shortfall: float | None
    p_reach: float | None = Field(
        description="Share of draws (or paths) in which the goal is met; null without draws."
    )
    method: str


class LeverOut(BaseModel):
    name: str
    target: list[str]
    mode: Literal["set", "shift"]
    baseline: float
    low: float
    high: float
    step: float | None
    cost_per_unit: float
    note: str


class TornadoOut(BaseModel):
    lever: str
    low: float
    high: float
    at_low: float | None
    at_high: float | None
    swing: float | None


class AdviseResponse(BaseModel):
    """``detente advise --format json`` (schema version 1), options capped at 50."""

    schema_version: int
    scenario: str
    actor: str
    goal: GoalOut
    model: str
    budget: float | None
    draws: int
    seed: int
    status: Literal["already_met", "reached", "unreachable"]
    baseline: OptionOut
    best: OptionOut | None
    closest: OptionOut | None
    options: list[OptionOut] = Field(
        description="Ranked: the options meeting the goal by cost, then the others by shortfall."
    )
    options_total: int
    levers: list[LeverOut]
    cost_unit: str = Field(
        "cost points",
        description="The unit of every cost and of the budget: the scenario's "
        "`lever_cost_unit` (DECISIONS LEV-4).",
    )
    tornado: list[TornadoOut]
    evaluations: int
    notes: list[str]


EXPORT_MAX_DRAWS = 2_000
"""The most Monte Carlo draws ``POST /api/export/draws`` takes (about 10 s on ukraine-2024 with
every outcome model on 2 cores), so that a request cannot run for minutes."""
EXPORT_DEFAULT_DRAWS = 500


class DrawsRequest(BaseModel):
    """A scenario (after what-ifs) and the size and seed of its Monte Carlo sweep."""

    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioRef
    overrides: list[Override] = Field(default_factory=list, max_length=MAX_OVERRIDES)
    draws: int = Field(
        EXPORT_DEFAULT_DRAWS,
        ge=1,
        le=EXPORT_MAX_DRAWS,
        description=f"Monte Carlo draws, 1 to {EXPORT_MAX_DRAWS:,}.",
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="The sweep's seed (0 is a seed).")


class ForecastRow(BaseModel):
    """One model's forecast on one issue (:func:`detente.compare`'s columns, no bands)."""

    model: str
    issue: str
    outcome: float
    flagged: bool = Field(description="The scenario's decision rule blocks the outcome.")
    constrained: float = Field(description="The nearest outcome the decision rule lets pass.")
    status_quo: float | None
    scale_low: float
    scale_high: float


class ForecastExport(BaseModel):
    """``POST /api/export/forecast?format=json``: every model's forecast per issue."""

    scenario: str
    overrides: list[Override]
    rows: list[ForecastRow]


class DrawSeries(BaseModel):
    """One model's outcome on one issue in every draw, in draw order."""

    model: str
    issue: str
    values: list[float | None] = Field(description="In draw order; null for no answer.")


class DrawsExport(BaseModel):
    """``POST /api/export/draws?format=json``: the Monte Carlo draws of the outcome models."""

    scenario: str
    overrides: list[Override]
    draws: int
    seed: int
    default_spread: bool = Field(
        description="The scenario gives no distributions, so every number was drawn from the "
        "default spread (that of `detente sweep --spread`)."
    )
    series: list[DrawSeries]
