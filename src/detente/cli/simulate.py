"""``detente simulate``: solve a scenario's war-termination campaign and simulate paths.

A thin command over :mod:`detente.dynamics`; the library raises
:class:`~detente.errors.DetenteError` and the main app turns it into one line and exit 2.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from detente.dynamics.campaign import Campaign, with_overrides
from detente.dynamics.hazard import WeibullResumption
from detente.dynamics.report import document, headline, p_deal_by_date, save_plot
from detente.dynamics.simulate import simulate
from detente.dynamics.solver import solve
from detente.errors import DetenteError
from detente.scenario import load_scenario

out = Console(soft_wrap=False, width=int(os.environ.get("COLUMNS", "140")))
err = Console(stderr=True)

MAX_DRAWS = 1_000_000
FAN_STEP_WEEKS = 4


class SimulateFormat(StrEnum):
    table = "table"
    json = "json"


def run_campaign(
    campaign: Campaign, *, scenario: str, draws: int, seed: int, progress: Progress | None = None
) -> dict[str, Any]:
    """Solve, simulate and summarise one campaign (the JSON document)."""
    task = progress.add_task(f"solving {scenario}", total=2) if progress else None
    solution = solve(campaign.arrays())
    if progress is not None and task is not None:
        progress.update(task, advance=1, description=f"simulating {draws:,} paths")
    paths = simulate(solution, draws, np.random.default_rng(seed))
    if progress is not None and task is not None:
        progress.update(task, advance=1)
    hazard = WeibullResumption.from_spec(campaign.resumption)
    return document(campaign, solution, paths, hazard, scenario=scenario, seed=seed)


def simulate_command(
    scenario: Annotated[
        str, typer.Argument(help="A built-in scenario name or a scenario file with a campaign.")
    ],
    draws: Annotated[int, typer.Option("--draws", "-n", help="Simulated paths.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed (same run).")] = 0,
    what_if: Annotated[
        list[str] | None,
        typer.Option(
            "--what-if",
            "-w",
            help="KEY=VALUE override of a campaign parameter (dotted path, repeatable), e.g. "
            "mediator.types.presses_russia.after.riposte_probability=0.8.",
        ),
    ] = None,
    fmt: Annotated[SimulateFormat, typer.Option("--format", "-f")] = SimulateFormat.table,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Save the fan chart and P(deal) to this file.")
    ] = None,
) -> None:
    """Solve the war-termination model of a scenario and simulate how the war ends."""
    if not 1 <= draws <= MAX_DRAWS:
        raise DetenteError(f"--draws is {draws}; give 1 to {MAX_DRAWS:,}", where="--draws")
    sc = load_scenario(scenario)
    if sc.campaign is None:
        raise DetenteError(
            "has no campaign; add a 'campaign:' section (see docs/war_model.md)", source=scenario
        )
    overrides = list(what_if or [])
    changed = with_overrides(sc.campaign, overrides) if overrides else None
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=fmt is SimulateFormat.json,
    ) as progress:
        doc = run_campaign(sc.campaign, scenario=sc.name, draws=draws, seed=seed, progress=progress)
        alt = (
            run_campaign(changed, scenario=sc.name, draws=draws, seed=seed, progress=progress)
            if changed is not None
            else None
        )
    shown = alt if alt is not None else doc
    if alt is not None:
        shown = {
            **alt,
            "what_if": {
                "overrides": overrides,
                "baseline": headline(doc),
                "changed": headline(alt),
            },
        }
    if plot is not None:
        save_plot(shown, plot)
    if fmt is SimulateFormat.json:
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    _print_tables(shown)
    if alt is not None:
        _print_what_if(overrides, headline(doc), headline(alt))


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{100 * p:.1f}%"


def _print_tables(doc: dict[str, Any]) -> None:
    fan = Table(
        title=f"{doc['scenario']}: area held by the attacker, km² ({doc['draws']:,} paths, "
        f"seed {doc['seed']}; every {FAN_STEP_WEEKS} weeks, all weeks with --format json)",
        title_justify="left",
    )
    for col in ("week of", "p05", "p25", "median", "p75", "p95", "at war", "surge"):
        fan.add_column(col, justify="right")
    weeks = doc["weeks"]
    for row in [
        *weeks[::FAN_STEP_WEEKS],
        *([weeks[-1]] if (len(weeks) - 1) % FAN_STEP_WEEKS else []),
    ]:
        q = row["territory_km2"]
        fan.add_row(
            row["date"],
            *(f"{q[k]:,.0f}" for k in ("p05", "p25", "p50", "p75", "p95")),
            _pct(row["p_at_war"]),
            _pct(row["p_surge"]),
        )
    out.print(fan)

    deals = Table(title="P(deal by date)", title_justify="left")
    deals.add_column("by")
    deals.add_column("P(deal)", justify="right")
    milestones = sorted(
        {
            doc["deadline"],
            doc["negotiation_opens"],
            *(r["date"] for r in doc["p_deal_by"][12::13]),
            doc["p_deal_by"][-1]["date"],
        }
    )
    for when in milestones:
        deals.add_row(when, _pct(p_deal_by_date(doc, when)))
    out.print(deals)

    terms = doc["deal_terms"]
    summary = Table(title="Outcome", title_justify="left", show_header=False)
    summary.add_column("what")
    summary.add_column("value", justify="right")
    gain = doc["gain_km2_per_day"]
    rows = [
        ("P(deal within the horizon)", _pct(terms["p_deal"])),
        ("P(escalation: a surge on the path)", _pct(doc["p_escalation"])),
        ("P(a surge after the deadline)", _pct(doc["p_escalation_after_deadline"])),
        (f"gain km²/day before {doc['deadline']}", f"{gain['before_deadline']}"),
        (f"gain km²/day from {doc['deadline']}", f"{gain['after_deadline']}"),
        *((f"P(deal holds {y} years | deal)", _pct(p)) for y, p in doc["p_holds"].items()),
        *((f"deal offered by {n}", _pct(p)) for n, p in terms["by_mediator_type"].items()),
    ]
    if terms["territory_kept_km2"] is not None:
        kept = terms["territory_kept_km2"]
        rows += [
            (
                "territory kept under a deal, km² (median, 90%)",
                f"{kept['p50']:,.0f} ({kept['p05']:,.0f}-{kept['p95']:,.0f})",
            ),
            ("sanctions relief in a deal (mean, 0-100)", f"{terms['sanctions_relief_mean']}"),
            ("guarantees in a deal (mean, 0-100)", f"{terms['guarantees_mean']}"),
        ]
    for what, value in rows:
        summary.add_row(what, value)
    out.print(summary)


def _print_what_if(overrides: list[str], before: dict[str, Any], after: dict[str, Any]) -> None:
    table = Table(title="What if " + ", ".join(overrides), title_justify="left")
    for col in ("", "baseline", "what-if", "change"):
        table.add_column(col, justify="right" if col else "left")
    for key, base in before.items():
        new = after[key]
        change = "-" if base is None or new is None else f"{new - base:+.4g}"
        table.add_row(key, f"{base}", f"{new}", change)
    out.print(table)
