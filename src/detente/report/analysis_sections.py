"""The report's uncertainty and campaign sections, registered at import (orders 60-79; built
in, not an entry point: DECISIONS REP-1).

* ``montecarlo`` (60): Monte Carlo distributions of every outcome model's forecast per issue,
  from a sweep of the scenario's distributions (the documented default band where it has
  none), with a table of quantiles.
* ``sobol`` (65): Sobol' first- and total-order indices with 95 % intervals, per model and
  issue, the most influential numbers first.
* ``campaign`` (70): where the scenario has a campaign, the war-termination model solved and
  simulated: the fan chart of the line, P(deal by date) and the headline numbers.

Options (``ReportContext.options``; ``detente report`` sets them): ``uncertainty`` (default
True; False skips the first two), ``campaign`` (default True), ``draws`` (Monte Carlo draws,
default :data:`DEFAULT_DRAWS`), ``sobol_n`` (Sobol' base sample, a power of 2, default
:data:`DEFAULT_SOBOL_N`), ``sobol_all`` (default False: Sobol' indices of the batched models
only, DECISIONS PERF-4), ``paths`` (campaign paths, default :data:`DEFAULT_PATHS`). Every
section samples with the report's seed, so the same input gives the same bytes.
"""

from __future__ import annotations

from typing import Any

from detente.paths import docs_page
from detente.report import plots
from detente.report.distinct import DistinctOutcomeModels
from detente.report.sections import Plot, ReportContext, Section, esc, register_section, table
from detente.spec.scenario import Scenario
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import uncertain_numbers, with_default_spread
from detente.uncertainty.sensitivity import index_rows, sensitivity
from detente.uncertainty.sweep import resolve_models, sweep
from detente.war.model import WarModel
from detente.war.report import p_deal_by_date
from detente.wording import plural

DEFAULT_DRAWS = 400
DEFAULT_SOBOL_N = 64
DEFAULT_PATHS = 2000
SOBOL_TOP = 6


def _option(ctx: ReportContext, name: str, default: Any) -> Any:
    value = ctx.options.get(name)
    return default if value is None else value


def _uncertain(scenario: Scenario) -> tuple[Scenario, str]:
    """The scenario to sample, and a sentence on where its distributions come from."""
    if uncertain_numbers(scenario):
        return scenario, "the scenario's own distributions"
    return (
        with_default_spread(scenario),
        "the default band (the scenario has no distributions): salience ± 10 points, position "
        "± 10 % of the scale, capability ± 20 %, uniform",
    )


@register_section("montecarlo", order=60, cost=1.8)
def montecarlo_section(ctx: ReportContext) -> Section | None:
    """Monte Carlo distributions per model and issue (histograms and quantiles)."""
    if not _option(ctx, "uncertainty", True):
        return None
    draws = int(_option(ctx, "draws", DEFAULT_DRAWS))
    sampled, source = _uncertain(ctx.scenario)
    result = sweep(sampled, OutcomeModels(sampled, resolve_models(None)), draws, ctx.seed,
                   chunk_size=draws, progress=False)  # fmt: skip
    summaries = result.summaries()
    rows = [
        [
            model,
            issue,
            ctx.forecasts[model].outcome(issue),
            *(s.quantiles[k] for k in ("p05", "p25", "p50", "p75", "p95")),
        ]
        for (model, issue), s in summaries.items()
    ]
    body = (
        f"<p>{draws:,} draws (seed {ctx.seed}) of {esc(source)}, through every model. The "
        "histograms show how far each forecast moves when the judgements behind the numbers "
        "move within their ranges; the thin vertical lines are the forecasts at the central "
        "values.</p>"
        + table(["model", "issue", "forecast", "p05", "p25", "p50", "p75", "p95"], rows)
    )
    fig = plots.mc_histograms(ctx.scenario, result.outcomes, ctx.forecasts)
    return Section(
        title="Monte Carlo distributions",
        body=body,
        figures=(
            Plot(
                fig,
                caption="Share of draws per bin, per model and issue.",
                alt="Monte Carlo histograms",
            ),
        ),
    )


@register_section("sobol", order=65, cost=3.0)
def sobol_section(ctx: ReportContext) -> Section | None:
    """Sobol' first- and total-order indices of every outcome model, per issue."""
    if not _option(ctx, "uncertainty", True):
        return None
    n = int(_option(ctx, "sobol_n", DEFAULT_SOBOL_N))
    every = resolve_models(None)
    models = every if _option(ctx, "sobol_all", False) else [m for m in every if m.tags.batchable]
    left_out = [m.name for m in every if m not in models]
    sd, _, indices = sensitivity(  # each issue's distinct rows solved once: DECISIONS REP-2
        ctx.scenario,
        DistinctOutcomeModels(ctx.scenario, models),
        n=n,
        seed=ctx.seed,
        progress=False,
    )
    issues = ctx.scenario.issue_names
    figures = tuple(
        Plot(
            plots.sobol_bars(
                {issue: index_rows(indices, m.name, issue) for issue in issues},
                m.name,
                top=SOBOL_TOP,
            ),
            caption=f"{m.name}, one panel per issue: the {SOBOL_TOP} numbers with the largest "
            "total order index; bars ± the 95% bootstrap half-width.",
            alt=f"Sobol indices of {m.name}",
        )
        for m in models
    )
    source = "the default band" if sd.default_spread else "the scenario's distributions"
    body = (
        f"<p>Which judgement drives each forecast: Sobol' indices of {len(sd.numbers)} "
        f"uncertain numbers ({esc(source)}), Saltelli design with N = {n} "
        f"({len(sd.unit):,} runs per model, seed {ctx.seed}). S1 is the share of the "
        "forecast's variance due to the number alone, ST including its interactions. With a "
        "small N the intervals are wide; run <code>detente sensitivity</code> with a larger "
        "<code>--n</code> for firm rankings.</p>"
    )
    if left_out:  # DECISIONS PERF-4
        body += (
            f"<p>Not shown: {esc(', '.join(left_out))}, which solve the draws one at a time, "
            "ten times slower or more than the batched models; <code>detente report "
            "--sobol-all</code> includes them, <code>detente sensitivity -m NAME</code> ranks "
            "one.</p>"
        )
    return Section(title="Sensitivity (Sobol' indices)", body=body, figures=figures)


def campaign_document(scenario: Scenario, *, paths: int, seed: int) -> dict[str, Any]:
    """The war model's run of ``scenario`` (its solve memoised), as ``detente simulate
    --format json`` prints it."""
    return WarModel(paths=paths).run(scenario, seed, progress=False).document


@register_section("campaign", order=70, cost=2.6)
def campaign_section(ctx: ReportContext) -> Section | None:
    """The war-termination campaign: fan chart, P(deal by date), headline numbers."""
    campaign = ctx.scenario.campaign
    if campaign is None or not _option(ctx, "campaign", True):
        return None
    paths = int(_option(ctx, "paths", DEFAULT_PATHS))
    doc = campaign_document(ctx.scenario, paths=paths, seed=ctx.seed)
    gain = doc["gain_km2_per_day"]
    end = doc["weeks"][-1]["territory_km2"]
    milestones = sorted({doc["deadline"], doc["p_deal_by"][len(doc["p_deal_by"]) // 2]["date"],
                         doc["p_deal_by"][-1]["date"]})  # fmt: skip
    rows: list[list[str]] = [
        *([f"P(deal by {when})", f"{p_deal_by_date(doc, when):.1%}"] for when in milestones),
        ["P(a week of surge, the top intensity, on the path)", f"{doc['p_escalation']:.1%}"],
        [f"P(a week of surge from {doc['deadline']})", f"{doc['p_escalation_after_deadline']:.1%}"],
        *(
            [f"share of weeks at war at {n}", _pct(p)]
            for n, p in doc["shares"]["intensity"]["all"].items()
        ),
        *(
            [
                f"P(deal by {doc['sources']['dates']['12_months']}) proposed by {n}",
                _pct(row["12_months"]),
            ]
            for n, row in doc["sources"].items()
            if n != "dates"
        ),
        [f"gain km²/day before {doc['deadline']}", _maybe(gain["before_deadline"])],
        [f"gain km²/day from {doc['deadline']}", _maybe(gain["after_deadline"])],
        [
            "area held at the horizon, km² (median; 90% band)",
            f"{end['p50']:,.0f} ({end['p05']:,.0f}-{end['p95']:,.0f})",
        ],
        *(
            [f"P(deal holds {plural(int(y), 'year')} | deal)", _pct(p)]
            for y, p in doc["p_holds"].items()
        ),
    ]
    body = (
        f"<p>The war-termination model ({esc(docs_page('war_model'))}): "
        f"policies solved by backward "
        f"induction from a stationary tail on {doc['solver']['territory_bins']} territory bins × "
        f"{doc['solver']['belief_points']} belief points, then {paths:,} paths (seed "
        f"{ctx.seed}). Settlement: {esc(campaign.settlement)}; deadline (the mediator's regime "
        f"change) {esc(doc['deadline'])}; negotiations open {esc(doc['negotiation_opens'])}."
        "</p>" + table(["", ""], rows)
    )
    return Section(
        title="Campaign: how the war ends",
        body=body,
        figures=(
            Plot(
                plots.campaign_fan(doc),
                alt="campaign fan chart",
                caption="Area held by the attacker at the start of each week: median, 50% "
                "and 90% bands over the paths (a path's line stops moving at its deal).",
            ),
            Plot(
                plots.deal_by_date(doc),
                alt="P(deal by date)",
                caption="P(deal by date): the share of paths with a deal struck before the date.",
            ),
        ),
    )


def _maybe(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}"


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{p:.1%}"
