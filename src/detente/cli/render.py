"""Rich tables and machine-readable documents for the CLI's output."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from detente import __version__
from detente.cli.stated import stated_table
from detente.models import Convergence, Forecast
from detente.spec.scenario import Scenario, Sourced

if TYPE_CHECKING:  # pandas and the sweep machinery load only when used: a faster start
    import pandas as pd

    from detente.uncertainty.stability import Bands

FORECAST_SCHEMA_VERSION = 1
FLAG = "⚑"
"""Marks a forecast the issue's decision rule blocks, before the answer it lets pass."""
FRAGILE = "!"
"""Marks a forecast whose 5-95 % band is wide (DECISIONS UNC-25)."""
NOT_CONVERGED = "~"
"""Marks a forecast of a model whose rounds stopped at the round limit (DECISIONS BDM-12)."""
CYCLE = "↻"
"""Marks a forecast of a model whose rounds go round a cycle (DECISIONS BDM-12)."""


def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}f}"


def _model_class(name: str) -> Any:
    """The registered class of model ``name`` (None if unregistered); the registry, which
    loads every model (pandas, scipy), is imported only for a name that is not an outcome
    model."""
    from detente.models import MODELS

    if name in MODELS:
        return MODELS[name]
    from detente.registry import REGISTRY

    return REGISTRY.get(name)


def forecast_table(
    scenario: Scenario,
    forecasts: Sequence[Forecast],
    bands: Bands | None = None,
    width: int | None = None,
) -> Table | Group:
    """Issues as rows, models as columns (registry names), with the status quo; a cell the
    issue's decision rule blocks reads ``"44.2 ⚑ 81.0"``: the model's answer, then the
    nearest one the rule lets pass (DECISIONS SCN-9). With ``bands`` a cell reads
    ``"44.2 [40–52]"``, the answer and its 5-95 % band, ``!`` after it when the band is wide
    (DECISIONS UNC-25); ``~`` or ``↻`` marks a model whose rounds did not converge or went
    round a cycle, explained below the table (DECISIONS BDM-12). On a terminal narrower than
    :data:`WIDE` columns (``width``) the scale ends move from two columns to lines below the
    table, and the models are split over as many tables as it takes for each to fit."""
    wide = width is None or width >= WIDE
    if not wide and width is not None:
        first = max(len("issue"), *(len(i.name) for i in scenario.issues)) + len("status quo") + 7
        per_table = max(1, (width - first) // MODEL_COLUMN)
        if len(forecasts) > per_table:
            parts = [forecasts[k : k + per_table] for k in range(0, len(forecasts), per_table)]
            tables = [_table(scenario, part, bands, wide) for part in parts]
            tables[0].title = f"Forecast: {scenario.title or scenario.name}"
            # one legend of every model below the last table, as wide as the terminal
            legend = _captions(scenario, forecasts, bands, wide)
            return Group(*tables, Text.from_markup("\n".join(legend)))
    table = _table(scenario, forecasts, bands, wide)
    table.title = f"Forecast: {scenario.title or scenario.name}"
    table.caption = "\n".join(_captions(scenario, forecasts, bands, wide))
    return table


def _table(
    scenario: Scenario, forecasts: Sequence[Forecast], bands: Bands | None, wide: bool
) -> Table:
    """The forecast table's rows and columns, without title and legend."""
    table = Table(title_justify="left", caption_justify="left")
    table.add_column("issue", overflow="fold")
    if wide:
        table.add_column("low end means", overflow="fold", max_width=30)
        table.add_column("high end means", overflow="fold", max_width=30)
    table.add_column("status quo", justify="right", overflow="fold")
    for f in forecasts:
        table.add_column(f.model, justify="right", overflow="fold", min_width=len(f.model))
    for issue in scenario.issues:
        sq = None if issue.status_quo is None else issue.status_quo.value
        ends = [_end(issue.scale[0], issue.low_label), _end(issue.scale[1], issue.high_label)]
        table.add_row(
            issue.name,
            *(ends if wide else []),
            _fmt(sq),
            *(_cell(f, issue.name, bands, issue.scale) for f in forecasts),
        )
    return table


WIDE = 120
"""Columns from which the forecast table shows each scale's ends in columns of their own."""
MODEL_COLUMN = 14
"""Columns a model's forecast needs on a narrow terminal (``61.2 [55–68] ⚑`` folds once)."""


def _captions(
    scenario: Scenario, forecasts: Sequence[Forecast], bands: Bands | None, wide: bool
) -> list[str]:
    """The lines below the forecast table: each model's paper, the decision rules, the
    bands' legend and, on a narrow terminal, each issue's scale ends."""
    captions = [
        f"{f.model}: {cls.label} ({cls.reference})"
        for f in forecasts
        if (cls := _model_class(f.model)) is not None
    ]
    captions += rule_legend(scenario, forecasts)
    captions += [escape(line) for line in stability_legend(scenario, forecasts, bands)]
    if not wide:
        captions += [
            escape(f"{i.name}: {_end(i.scale[0], i.low_label)} … {_end(i.scale[1], i.high_label)}")
            for i in scenario.issues
        ]
    return captions


def _end(value: float, label: str) -> str:
    """A scale end's label, led by the end's value (``0: Russia keeps nothing``): the scale
    need not run from 0 to 100."""
    return f"{value:g}: {_short(label)}" if label else f"{value:g}"


def _cell(forecast: Forecast, issue: str, bands: Bands | None, scale: tuple[float, float]) -> str:
    f = forecast[issue]
    text = _fmt(f.outcome)
    band = None if bands is None else bands.get(forecast.model, issue)
    if band is not None:
        digits = 0 if scale[1] - scale[0] >= 20 else 1
        text += f" [{_fmt(band.p05, digits)}–{_fmt(band.p95, digits)}]"
        text += f" {FRAGILE}" if band.fragile else ""
    text += _convergence_mark(f.convergence)
    return f"{text} {FLAG} {_fmt(f.constrained)}" if f.flagged else text


def _convergence_mark(convergence: Convergence | None) -> str:
    if convergence is None or convergence.converged:
        return ""
    return f" {CYCLE if convergence.status == 'cycle' else NOT_CONVERGED}"


def stability_legend(
    scenario: Scenario, forecasts: Sequence[Forecast], bands: Bands | None
) -> list[str]:
    """How to read the bands and the fragile mark, and a line for every model and issue
    whose rounds did not converge (DECISIONS UNC-25, BDM-12)."""
    lines = []
    if bands is not None:
        how = bands.describe()
        spread = how["spread"]
        lines.append(
            f"x [a–b]: forecast x and its 5–95 % band over {how['draws']} draws of the inputs "
            f"(salience ± {spread['salience_points']:g} points, positions "
            f"± {100 * spread['position_share_of_scale']:g} % of the scale, capability and "
            f"clout ± {100 * spread['capability_share']:g} %; seed {how['seed']}; "
            f"`detente sweep --spread` draws the same). {FRAGILE} fragile: the band is wider "
            f"than {100 * how['fragile_share']:g} % of the scale."
        )
    for f in forecasts:
        for issue in scenario.issue_names:
            c = f[issue].convergence
            if c is not None and not c.converged:
                lines.append(f"{_convergence_mark(c).strip()} {f.model}, {issue}: {_ended(c)}")
    return lines


def _ended(c: Convergence) -> str:
    """How a run that did not converge ended, in words."""
    shown = f"shown: round {c.rounds}"
    steady = c.high - c.low < 0.05  # the same to the table's one decimal
    if c.status == "cycle":
        if steady:
            return (
                f"a cycle of {c.period} rounds (the positions repeat), but the outcome stays "
                f"at {_fmt(c.low)} round the cycle"
            )
        return (
            f"a cycle of {c.period} rounds (the positions repeat); the outcome goes round "
            f"{_fmt(c.low)}–{_fmt(c.high)} ({shown})"
        )
    if steady:
        return (
            f"not converged in {c.rounds} rounds (positions still moving), but the outcome "
            f"stayed at {_fmt(c.low)} over rounds 1–{c.rounds}"
        )
    return (
        f"not converged in {c.rounds} rounds; the outcome ranged {_fmt(c.low)}–{_fmt(c.high)} "
        f"over rounds 1–{c.rounds} ({shown})"
    )


def rule_legend(scenario: Scenario, forecasts: Sequence[Forecast]) -> list[str]:
    """The decision rules that bind, issue by issue, and what the flag means where a cell
    has one (DECISIONS SCN-8, SCN-9)."""
    by_rule: dict[str, list[str]] = {}
    for issue in scenario.issue_names:
        rule = scenario.decision_rule(issue)
        if rule.rule != "collective":
            by_rule.setdefault(rule.describe(), []).append(issue)
    lines = [f"decision rule of {', '.join(i)}: {r}" for r, i in by_rule.items()]
    if any(i.flagged for f in forecasts for i in f.issues):
        lines.append(
            f"x {FLAG} y: the decision rule blocks the model's answer x (a veto player or a "
            "blocking minority prefers the status quo); y is the nearest outcome it lets pass "
            "(the winset of the status quo, Tsebelis 2002)"
        )
    return lines


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


def forecast_document(
    scenario: Scenario, forecasts: Sequence[Forecast], bands: Bands | None = None
) -> str:
    """The stable JSON document of ``detente forecast --format json`` (schema:
    https://detente.readthedocs.io/en/latest/cli/); with
    ``bands``, every issue of every forecast carries its ``band`` and the document says how
    they were drawn under ``bands`` (null without)."""
    entries = [f.to_dict() for f in forecasts]
    for f, entry in zip(forecasts, entries, strict=True):
        for item in entry["issues"]:
            band = None if bands is None else bands.get(f.model, item["issue"])
            item["band"] = None if band is None else band.to_dict()
    doc: dict[str, Any] = {
        "schema_version": FORECAST_SCHEMA_VERSION,
        "detente_version": __version__,
        "scenario": scenario.name,
        "bands": None if bands is None else bands.describe(),
        "forecasts": entries,
    }
    return json.dumps(doc, indent=2, sort_keys=False)


def forecast_csv(forecasts: Sequence[Forecast], bands: Bands | None = None) -> str:
    """``model,issue,outcome,flagged,constrained,p05,p95,fragile,convergence`` rows: the
    band empty without ``bands``, the convergence empty for one-shot models."""
    import pandas as pd

    frame = pd.concat([f.to_frame() for f in forecasts], ignore_index=True)
    band = [
        None if bands is None else bands.get(model, issue)
        for model, issue in zip(frame["model"], frame["issue"], strict=True)
    ]
    frame["p05"] = [None if b is None else b.p05 for b in band]
    frame["p95"] = [None if b is None else b.p95 for b in band]
    frame["fragile"] = [None if b is None else b.fragile for b in band]
    frame["convergence"] = [
        "" if i.convergence is None else i.convergence.status for f in forecasts for i in f.issues
    ]
    return str(frame.to_csv(index=False, float_format="%.6g"))


def _num(x: Sourced, spec: str = "g") -> str:
    """A number, with its distribution where it has one, e.g. ``35 ~ triangular(20, 35, 60)``."""
    text = format(x.value, spec)
    return text if x.distribution is None else f"{text} ~ {x.distribution.describe()}"


def scenario_tables(scenario: Scenario, notes: bool = False) -> list[Table]:
    """The issues with their decision rules, then the actors with their capability and
    stances (position / salience, and the clout where one is given)."""
    issues = Table(title=f"{scenario.name}: {scenario.title}", title_justify="left")
    for col in ("issue", "low end", "high end", "status quo", "decision rule"):
        issues.add_column(col, overflow="fold")
    for issue in scenario.issues:
        sq = issue.status_quo
        issues.add_row(
            issue.name,
            f"{issue.scale[0]:g}: {issue.low_label}",
            f"{issue.scale[1]:g}: {issue.high_label}",
            "-" if sq is None else f"{sq.value:g}",
            scenario.decision_rule(issue.name).describe(),
        )
    actors = Table(
        title="Actors: position / salience per issue, then the clout where given "
        "(~ marks a distribution)",
        title_justify="left",
    )
    actors.add_column("actor")
    actors.add_column("capability", justify="right")
    for issue in scenario.issues:
        actors.add_column(issue.name, justify="right")
    for actor in scenario.actors:
        cells = []
        for issue in scenario.issues:
            s = actor.stances.get(issue.name)
            clout = "" if s is None or s.clout is None else f" / {_num(s.clout, '.4g')}"
            cells.append("-" if s is None else f"{_num(s.position)} / {_num(s.salience)}{clout}")
        actors.add_row(actor.name, _num(actor.capability, ".4g"), *cells)
    tables = [issues, actors]
    gaps = stated_table(scenario)  # DECISIONS SCN-10
    if gaps is not None:
        tables.append(gaps)
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
                for field_name in ("position", "stated", "salience", "clout"):
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
