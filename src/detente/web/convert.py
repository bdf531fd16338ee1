"""Library objects as the web app's response schemas: a scenario, each model's forecast,
a campaign's simulation and its what-if sliders, and the lever ranking, with every
non-finite float as ``null`` (JSON has no NaN or inf)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from detente.errors import DetenteError
from detente.models import Forecast
from detente.paths import docs_page
from detente.registry import REGISTRY, outcome_models
from detente.scenario import Scenario, to_yaml
from detente.spec.campaign import Campaign
from detente.spec.paths import Path
from detente.war.solver import Solution
from detente.web.loading import scenario_from_text
from detente.web.schemas import (
    ADVISE_MAX_DRAWS,
    ADVISE_MAX_OPTIONS,
    ActorOut,
    AdviseRequest,
    AdviseResponse,
    CampaignSlider,
    CampaignWeek,
    DealBy,
    ForecastResponse,
    IssueForecastOut,
    IssueOut,
    ModelForecastOut,
    Override,
    ScenarioOut,
    SimulateResponse,
    StanceOut,
    TrajectoryOut,
)

SIMULATE_PATHS = 1000
SIMULATE_SEED = 0
"""Paths and seed of ``POST /api/simulate``: enough for P(deal) to within about ±1.5
points, fast enough for a slider (the solve, cached per campaign, dominates)."""
ADVISE_SEED = 0
ADVISE_MAX_EVALS = 8
"""Seed and cap on war-model evaluations (each a solve, a few seconds) of ``POST /api/advise``:
the page's ranking stays interactive; ``detente advise`` does the full search."""


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _json_safe(x: Any) -> Any:
    """``x`` with every non-finite float replaced by ``None`` (JSON has no NaN or inf)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    return x


_RANGES: dict[tuple[type, str, tuple[float, ...]], Any] = {}
_RANGES_SIZE = 20_000


def _range(sc: Scenario, path: Path, scale: Sequence[float]) -> Any:
    """``path.bounds(sc).interval`` for a stance's number, kept by path and issue scale: a
    stance's range comes from its fields' declared ranges and its issue's scale, not from
    the numbers a what-if changes (looking it up was half the CPU of a forecast answer;
    DECISIONS WEB-11)."""
    key = (type(sc), str(path), tuple(scale))
    interval = _RANGES.get(key)
    if interval is None:
        if len(_RANGES) >= _RANGES_SIZE:
            _RANGES.clear()
        interval = _RANGES[key] = path.bounds(sc).interval
    return interval


def scenario_out(sc: Scenario) -> ScenarioOut:
    """The scenario as the page needs it, with each stance's share of the issue's weight."""
    arr = sc.arrays()
    weight = arr.capability * arr.salience
    totals = weight.sum(axis=0)
    actors = []
    for a, actor in enumerate(sc.actors):
        stances = {}
        for i, issue in enumerate(sc.issues):
            if issue.name not in actor.stances:
                continue
            share = float(weight[a, i] / totals[i]) if totals[i] > 0 else 0.0
            stance = ("actors", actor.name, "stances", issue.name)
            stances[issue.name] = StanceOut(
                position=float(arr.position[a, i]),
                salience=float(arr.salience[a, i]),
                capability=float(arr.capability[a, i]),
                weight_share=share,
                position_range=_range(sc, Path.of(*stance, "position"), issue.scale),
                salience_range=_range(sc, Path.of(*stance, "salience"), issue.scale),
            )
        actors.append(
            ActorOut(
                name=actor.name,
                description=actor.description,
                capability=actor.capability.value,
                stances=stances,
            )
        )
    from detente.report.core_sections import source_notes

    return ScenarioOut(
        name=sc.name,
        title=sc.title,
        description=sc.description,
        as_of=None if sc.as_of is None else sc.as_of.isoformat(),
        veto_players=list(sc.veto_players),
        issues=[
            IssueOut(
                name=i.name,
                description=i.description,
                low_label=i.low_label,
                high_label=i.high_label,
                scale=i.scale,
                status_quo=None if i.status_quo is None else i.status_quo.value,
            )
            for i in sc.issues
        ],
        actors=actors,
        notes=len(source_notes(sc)),
        lever_actors=sorted({lv.actor for lv in sc.levers}),
    )


def forecast_out(f: Forecast) -> ModelForecastOut:
    """One model's forecast: each issue's outcome and, where the model has one, its path."""
    model = REGISTRY[f.model]
    issues = []
    for issue in f.issues:
        trajectory = None
        if issue.trajectory is not None:
            trajectory = TrajectoryOut(
                rounds=int(issue.trajectory.shape[0] - 1),
                outcome=None
                if issue.outcome_path is None
                else [_finite(float(x)) for x in issue.outcome_path],
                positions={
                    actor: [_finite(float(x)) for x in issue.trajectory[:, k]]
                    for k, actor in enumerate(issue.actors)
                },
            )
        issues.append(
            IssueForecastOut(
                issue=issue.issue, outcome=_finite(issue.outcome), trajectory=trajectory
            )
        )
    params = {
        k: (v if not isinstance(v, float) or math.isfinite(v) else None)
        for k, v in f.params.items()
    }
    return ModelForecastOut(
        model=f.model, label=model.label, reference=model.reference, params=params, issues=issues
    )


def forecast_response(
    sc: Scenario, overrides: Sequence[Override], scenario_yaml: str | None = None
) -> ForecastResponse:
    """Every model's forecast of ``sc`` (overrides already applied)."""
    forecasts = [model().predict(sc) for model in outcome_models().values()]
    return ForecastResponse(
        scenario=scenario_out(sc),
        forecasts=[forecast_out(f) for f in forecasts],
        overrides=list(overrides),
        scenario_yaml=scenario_yaml,
    )


def upload_response(raw: bytes, *, label: str, fmt: str) -> ForecastResponse:
    """The forecasts of an uploaded file's bytes, and the scenario as YAML."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DetenteError(
            "is not UTF-8 text; save the file as UTF-8", source=label, where=f"line {line}"
        ) from None
    sc = scenario_from_text(text, fmt=fmt, label=label)
    return forecast_response(sc, [], scenario_yaml=to_yaml(sc))


def campaign_of(sc: Scenario) -> Campaign:
    """The scenario's campaign; 422 without one."""
    if sc.campaign is None:
        raise DetenteError(
            f"has no campaign; add a 'campaign:' section (see {docs_page('war_model')})",
            source=sc.name,
        )
    return sc.campaign


def campaign_sliders(campaign: Campaign) -> list[CampaignSlider]:
    """The campaign what-ifs the page offers: each mediator type's riposte and offer
    probabilities after the deadline (DECISIONS WEB-1), their ends the numbers' declared
    ranges (:meth:`detente.spec.paths.Path.bounds`)."""
    out = []
    after = campaign.regime_change.isoformat()
    for name in campaign.mediator.types:
        for field, label, what in (
            ("riposte_probability", "riposte probability",
             "the chance that this mediator type answers a week of surge with a riposte "
             "(a punishing response that costs the attacker)"),
            ("offer_probability", "offer probability (weekly)",
             "the chance, each week once talks are open, that this mediator type puts its "
             "deal on the table"),
        ):  # fmt: skip
            path = Path.of("campaign", "mediator", "types", name, "after", field)
            inside = path.in_campaign()
            lo, hi = inside.bounds(campaign).interval
            out.append(
                CampaignSlider(
                    path=str(path),
                    label=f"{name}: {label} from {after}",
                    description=f"If the mediator is of type '{name}': {what}, from {after} "
                    f"(after the deadline); 0 = never, 1 = always.",
                    value=inside.number(campaign).value,
                    min=lo,
                    max=hi,
                    step=0.05,
                )
            )
    return out


def simulate_response(sc: Scenario, solution: Solution, cached: bool) -> SimulateResponse:
    """The campaign of ``sc`` simulated with its solved policy ``solution``: as
    :meth:`detente.war.model.WarModel.run` does, with the solve from the app's cache."""
    from detente.contract import rng_of
    from detente.war.model import summarise
    from detente.war.simulate import simulate

    campaign = campaign_of(sc)
    paths = simulate(solution, SIMULATE_PATHS, rng_of(SIMULATE_SEED))
    run = summarise(campaign, solution, paths, scenario=sc.name, seed=SIMULATE_SEED)
    doc = run.document
    return SimulateResponse(
        scenario=sc.name,
        paths=SIMULATE_PATHS,
        seed=SIMULATE_SEED,
        settlement=doc["settlement"],
        start=doc["start"],
        deadline=doc["deadline"],
        negotiation_opens=doc["negotiation_opens"],
        solver_seconds=solution.seconds,
        cached=cached,
        weeks=[CampaignWeek(date=w["date"], **w["territory_km2"]) for w in doc["weeks"]],
        p_deal_by=[DealBy(**row) for row in doc["p_deal_by"]],
        headline=run.headline(),
        sliders=campaign_sliders(campaign),
    )


def advise_response(sc: Scenario, request: AdviseRequest) -> AdviseResponse:
    """``detente advise`` on ``sc`` (the request's scenario after its what-ifs): seed
    :data:`ADVISE_SEED`, at most :data:`ADVISE_MAX_DRAWS` draws or paths, one process and at
    most :data:`ADVISE_MAX_EVALS` war-model evaluations."""
    from detente.levers.search import advise

    result = advise(
        sc,
        request.actor,
        request.goal,
        model=request.model,
        budget=request.budget,
        draws=min(request.draws, ADVISE_MAX_DRAWS),
        seed=ADVISE_SEED,
        workers=1,
        max_evals=ADVISE_MAX_EVALS,
    )
    doc = _json_safe(result.to_dict())
    doc["options_total"] = len(doc["options"])
    doc["options"] = doc["options"][:ADVISE_MAX_OPTIONS]
    doc["cost_unit"] = sc.lever_cost_unit
    return AdviseResponse.model_validate(doc)
