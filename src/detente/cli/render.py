"""Rich tables and machine-readable documents for the CLI's output."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from rich.table import Table

from detente import __version__
from detente.models import Forecast
from detente.registry import REGISTRY
from detente.spec.scenario import Scenario, Sourced

FORECAST_SCHEMA_VERSION = 1


def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}f}"


def forecast_table(scenario: Scenario, forecasts: Sequence[Forecast]) -> Table:
    """Issues as rows, models as columns (registry names), with the status quo."""
    captions = [
        f"{f.model}: {REGISTRY[f.model].label} ({REGISTRY[f.model].reference})"
        for f in forecasts
        if f.model in REGISTRY
    ]
    table = Table(
        title=f"Forecast: {scenario.title or scenario.name}",
        title_justify="left",
        caption="\n".join(captions),
        caption_justify="left",
    )
    table.add_column("issue")
    table.add_column("0 means", overflow="fold", max_width=30)
    table.add_column("100 means", overflow="fold", max_width=30)
    table.add_column("status quo", justify="right")
    for f in forecasts:
        table.add_column(f.model, justify="right")
    for issue in scenario.issues:
        sq = None if issue.status_quo is None else issue.status_quo.value
        table.add_row(
            issue.name,
            _short(issue.low_label),
            _short(issue.high_label),
            _fmt(sq),
            *(_fmt(f.outcome(issue.name)) for f in forecasts),
        )
    return table


def _short(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def trajectory_table(forecast: Forecast, issue: str) -> Table | None:
    """Positions by round for a model with rounds, or None."""
    frame = forecast[issue].trajectory_frame()
    if frame is None:
        return None
    path = forecast[issue].outcome_path
    table = Table(title=f"{forecast.model}: positions by round on {issue!r}", title_justify="left")
    table.add_column("round", justify="right")
    for actor in frame.columns:
        table.add_column(str(actor), justify="right")
    if path is not None:
        table.add_column("outcome", justify="right", style="bold")
    for r, row in frame.iterrows():
        cells = [_fmt(float(v), 2) for v in row]
        if path is not None:
            cells.append(_fmt(float(path[int(str(r))]), 2))
        table.add_row(str(r), *cells)
    return table


def forecast_document(scenario: Scenario, forecasts: Sequence[Forecast]) -> str:
    """The stable JSON document of ``detente forecast --format json`` (docs/cli.md)."""
    doc: dict[str, Any] = {
        "schema_version": FORECAST_SCHEMA_VERSION,
        "detente_version": __version__,
        "scenario": scenario.name,
        "forecasts": [f.to_dict() for f in forecasts],
    }
    return json.dumps(doc, indent=2, sort_keys=False)


def forecast_csv(forecasts: Sequence[Forecast]) -> str:
    """``model,issue,outcome`` rows."""
    frame = pd.concat([f.to_frame() for f in forecasts], ignore_index=True)
    return str(frame.to_csv(index=False, float_format="%.6g"))


def _num(x: Sourced, spec: str = "g") -> str:
    """A number, with its distribution where it has one, e.g. ``35 ~ triangular(20, 35, 60)``."""
    text = format(x.value, spec)
    return text if x.distribution is None else f"{text} ~ {x.distribution.describe()}"


def scenario_tables(scenario: Scenario, notes: bool = False) -> list[Table]:
    """The issues, then the actors with their capability and stances."""
    issues = Table(title=f"{scenario.name}: {scenario.title}", title_justify="left")
    for col in ("issue", "low end", "high end", "status quo"):
        issues.add_column(col, overflow="fold")
    for issue in scenario.issues:
        sq = issue.status_quo
        issues.add_row(
            issue.name,
            f"{issue.scale[0]:g}: {issue.low_label}",
            f"{issue.scale[1]:g}: {issue.high_label}",
            "-" if sq is None else f"{sq.value:g}",
        )
    actors = Table(
        title="Actors: position / salience per issue (~ marks a distribution)", title_justify="left"
    )
    actors.add_column("actor")
    actors.add_column("capability", justify="right")
    for issue in scenario.issues:
        actors.add_column(issue.name, justify="right")
    for actor in scenario.actors:
        cells = []
        for issue in scenario.issues:
            s = actor.stances.get(issue.name)
            cells.append("-" if s is None else f"{_num(s.position)} / {_num(s.salience)}")
        actors.add_row(actor.name, _num(actor.capability, ".4g"), *cells)
    tables = [issues, actors]
    if notes:
        sources = Table(title="Sources and rationale", title_justify="left", show_lines=True)
        sources.add_column("actor")
        sources.add_column("field")
        sources.add_column("note", overflow="fold")
        for issue in scenario.issues:
            if issue.status_quo is not None and issue.status_quo.note:
                sources.add_row(f"(issue {issue.name})", "status_quo", issue.status_quo.note)
        for actor in scenario.actors:
            if actor.capability.note:
                sources.add_row(actor.name, "capability", actor.capability.note)
            for issue_name, s in actor.stances.items():
                for field_name in ("position", "salience", "capability"):
                    value = getattr(s, field_name)
                    if value is not None and value.note:
                        sources.add_row(actor.name, f"{issue_name}.{field_name}", value.note)
        if sources.row_count:
            tables.append(sources)
    return tables


def score_table(table: pd.DataFrame, title: str) -> Table:
    """The backtest score table, best MAE first."""
    out = Table(title=title, title_justify="left")
    for col in table.columns:
        out.add_column(str(col), justify="left" if col == "model" else "right")
    for row in table.itertuples(index=False):
        out.add_row(
            *(
                v if isinstance(v, str) else str(v) if isinstance(v, int) else _fmt(v, 3)
                for v in row
            )
        )
    return out
