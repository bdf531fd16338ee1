"""The report's built-in sections: the summary (the answer first), the scenario, the
forecasts and the plots of the outcome models (orders 5-50), and the sources and notes after
every result (order 90). Registered at import."""

from __future__ import annotations

import math

from detente.registry import REGISTRY
from detente.report import plots
from detente.report.sections import (
    Plot,
    ReportContext,
    Section,
    esc,
    register_section,
    table,
)
from detente.spec.scenario import Scenario, Sourced
from detente.wording import plural


def _num(x: Sourced | None) -> str:
    return "-" if x is None else f"{x.value:g}"


def source_notes(scenario: Scenario) -> list[tuple[str, str, str]]:
    """Every note of the scenario as ``(where, field, note)``, in file order."""
    notes: list[tuple[str, str, str]] = []
    for issue in scenario.issues:
        if issue.status_quo is not None and issue.status_quo.note:
            notes.append((f"issue {issue.name}", "status_quo", issue.status_quo.note))
    for actor in scenario.actors:
        if actor.capability.note:
            notes.append((actor.name, "capability", actor.capability.note))
        for issue_name, stance in actor.stances.items():
            for field_name in ("position", "stated", "salience", "clout"):
                value = getattr(stance, field_name)
                if value is not None and value.note:
                    notes.append((actor.name, f"{issue_name}.{field_name}", value.note))
    return notes


@register_section("scenario", order=10)
def scenario_section(ctx: ReportContext) -> Section:
    """The scenario: description, issues, actors with their stances, sources, every note."""
    sc = ctx.scenario
    parts = []
    meta = [f"<b>{esc(sc.name)}</b>"]
    if sc.as_of is not None:
        meta.append(f"as of {esc(sc.as_of.isoformat())}")
    meta.append(f"{plural(len(sc.actors), 'actor')}, {plural(len(sc.issues), 'issue')}")
    if sc.veto_players:
        meta.append("veto players: " + esc(", ".join(sc.veto_players)))
    parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if sc.description:
        parts.append(f"<p>{esc(sc.description.strip())}</p>")
    parts.append("<h3>Issues</h3>")
    parts.append(
        table(
            ["issue", "low end means", "high end means", "scale", "status quo"],
            [
                [
                    i.name,
                    i.low_label,
                    i.high_label,
                    f"{i.scale[0]:g} to {i.scale[1]:g}",
                    _num(i.status_quo),
                ]
                for i in sc.issues
            ],
        )
    )
    for i in sc.issues:
        if i.description:
            parts.append(f'<p class="small"><b>{esc(i.name)}</b>: {esc(i.description)}</p>')
    parts.append("<h3>Actors: position / salience per issue</h3>")
    rows = []
    for a in sc.actors:
        cells: list[object] = [a.name, f"{a.capability.value:.4g}"]
        for i in sc.issues:
            s = a.stances.get(i.name)
            cells.append("-" if s is None else f"{s.position.value:g} / {s.salience.value:g}")
        rows.append(cells)
    parts.append(table(["actor", "capability", *sc.issue_names], rows))
    gaps = sc.stated_gaps()
    if gaps:  # DECISIONS SCN-10
        parts.append("<h3>Stated and operative positions</h3>")
        parts.append(
            '<p class="small">The models use the operative position; the stated one is the '
            "actor's public position where it differs. Gap = operative - stated.</p>"
        )
        parts.append(
            table(
                ["actor", "issue", "stated", "operative", "gap"],
                [
                    [g.actor, g.issue, f"{g.stated:g}", f"{g.operative:g}", f"{g.gap:+g}"]
                    for g in gaps
                ],
            )
        )
    descriptions = [(a.name, a.description) for a in sc.actors if a.description]
    for name, text in descriptions:
        parts.append(f'<p class="small"><b>{esc(name)}</b>: {esc(text)}</p>')
    notes = source_notes(sc)
    parts.append(
        f'<p class="small">Its sources and {plural(len(notes), "note")} on where each number '
        'comes from follow the results (<a href="#notes">Sources and notes</a>).</p>'
    )
    title = sc.title or sc.name
    return Section(title=f"Scenario: {title}", body="\n".join(parts))


@register_section("summary", order=5)
def summary_section(ctx: ReportContext) -> Section:
    """The answer first: per issue the status quo, the compromise model's forecast (the best
    on the DEU backtest), the range over every model, and what the decision rule lets pass;
    the details, the scenario and its notes follow (issue 18: "the answer first")."""
    sc = ctx.scenario
    fs = ctx.forecasts
    rows = []
    for i in sc.issues:
        outcomes = [f[i.name].outcome for f in fs.values() if math.isfinite(f[i.name].outcome)]
        lead = fs.get("compromise")
        forecast = "-" if lead is None else f"{lead[i.name].outcome:.1f}"
        passes = (
            "-" if lead is None or not lead[i.name].flagged else f"{lead[i.name].constrained:.1f}"
        )
        spread = f"{min(outcomes):.1f} – {max(outcomes):.1f}" if outcomes else "-"
        ends = f"{i.scale[0]:g} = {i.low_label} … {i.scale[1]:g} = {i.high_label}"
        rows.append([i.name, _num(i.status_quo), forecast, passes, spread, ends])
    body = table(
        ["issue", "status quo", "compromise", "what the rule lets pass", "all models", "scale"],
        rows,
    )
    body += (
        f'<p class="small">{plural(len(fs), "model")}; the compromise model is the one no other '
        'model beats on the DEU backtest. Details: <a href="#forecasts">forecasts by model</a>'
        + (', <a href="#campaign">how the war ends</a>' if sc.campaign is not None else "")
        + "; the scenario and every source note follow the results.</p>"
    )
    return Section(title="Summary", body=body)


@register_section("notes", order=90)
def notes_section(ctx: ReportContext) -> Section:
    """The scenario's sources and every source or rationale note, after the results."""
    sc = ctx.scenario
    parts = []
    if sc.sources:
        parts.append("<h3>Sources</h3><ol>")
        parts.extend(f"<li>{esc(s)}</li>" for s in sc.sources)
        parts.append("</ol>")
    notes = source_notes(sc)
    parts.append(f"<h3>Source and rationale notes ({len(notes)})</h3>")
    if notes:
        parts.append(table(["actor or issue", "field", "note"], notes))
    else:
        parts.append("<p>The scenario carries no notes.</p>")
    return Section(title="Sources and notes", body="\n".join(parts))


@register_section("forecasts", order=20)
def forecasts_section(ctx: ReportContext) -> Section:
    """Every model's forecast, issues as rows, with the status quo and each issue's decision
    rule; a forecast the rule blocks reads ``44.2 ⚑ 81.0`` (DECISIONS SCN-9)."""
    sc = ctx.scenario
    fs = ctx.forecasts
    rows = []
    for i in sc.issues:
        row: list[object] = [i.name, _num(i.status_quo), sc.decision_rule(i.name).describe()]
        for f in fs.values():
            fi = f[i.name]
            outcome = fi.outcome
            if fi.flagged:
                row.append(f"{outcome:.1f} ⚑ {fi.constrained:.1f}")
            else:
                row.append(outcome if math.isfinite(outcome) else "-")
        rows.append(row)
    body = table(["issue", "status quo", "decision rule", *fs], rows)
    if any(fi.flagged for f in fs.values() for fi in f.issues):
        body += (
            "<p class=small>x ⚑ y: the issue's decision rule blocks the model's answer x (a "
            "veto player or a blocking minority prefers the status quo); y is the nearest "
            "outcome it lets pass (the winset of the status quo, Tsebelis 2002).</p>"
        )
    models = "".join(
        f"<li><b>{esc(name)}</b>: {esc(REGISTRY[name].label)} ({esc(REGISTRY[name].reference)}); "
        f"parameters {esc(f.params or 'none')}</li>"
        for name, f in fs.items()
        if name in REGISTRY
    )
    body += f"<ul class=small>{models}</ul>"
    return Section(title="Forecasts by model", body=body)


@register_section("stakeholders", order=30, cost=0.65)
def stakeholder_section(ctx: ReportContext) -> Section:
    """The stakeholder map of each issue."""
    fs = list(ctx.forecasts.values())
    figures = tuple(
        Plot(
            plots.stakeholder_map(ctx.scenario, issue, fs),
            caption=(
                f"{issue}: each actor's position (x) against its capability × salience as a "
                "share of the total (y); vertical lines: the status quo and each model's "
                "forecast."
            ),
            alt=f"stakeholder map of {issue}",
        )
        for issue in ctx.scenario.issue_names
    )
    return Section(title="Stakeholder maps", figures=figures)


@register_section("comparison", order=40, cost=0.35)
def comparison_section(ctx: ReportContext) -> Section:
    """The models side by side, per issue."""
    fig = plots.model_comparison(ctx.scenario, list(ctx.forecasts.values()))
    return Section(
        title="Model comparison",
        body="<p>Where the models agree, the forecast is robust to the choice of model; where "
        "they spread, the choice of model matters more than the inputs.</p>",
        figures=(Plot(fig, caption="Each model's forecast per issue.", alt="model comparison"),),
    )


@register_section("rounds", order=50, cost=0.6)
def rounds_section(ctx: ReportContext) -> Section | None:
    """Positions by round for every model that proceeds in rounds (BDM)."""
    figures = []
    for f in ctx.forecasts.values():
        for issue in ctx.scenario.issue_names:
            fig = plots.bdm_trajectories(ctx.scenario, f, issue)
            if fig is not None:
                figures.append(
                    Plot(
                        fig,
                        caption=f"{f.model} on {issue}: one line per actor; bold: the "
                        "outcome the model predicts after each round.",
                        alt=f"{f.model} rounds on {issue}",
                    )
                )
    if not figures:
        return None
    return Section(title="Positions by round", figures=tuple(figures))
