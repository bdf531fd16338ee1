"""``detente advise``: which of an actor's levers reach a goal, at what cost, how surely.

A thin command over :func:`detente.levers.search.advise`; the library raises
:class:`~detente.errors.DetenteError` and the main app turns it into one line and exit 2.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detente.cli.common import out
from detente.levers.result import Advice, Option
from detente.levers.search import advise as run_advise
from detente.levers.tornado import save_tornado
from detente.levers.war import DEFAULT_MAX_EVALS, default_workers
from detente.paths import docs_page
from detente.scenario import load_scenario

SHOWN_OPTIONS = 10


class AdviseFormat(StrEnum):
    table = "table"
    json = "json"


def advise(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a scenario file.")],
    actor: Annotated[str, typer.Option("--actor", "-a", help="The actor pulling the levers.")],
    goal: Annotated[
        str,
        typer.Option(
            "--goal",
            "-g",
            help="e.g. territory<=40, closest:territory, p_deal_by:2025-06-30>=0.5, "
            f"p_holds:5>=0.7, territory_km2<=115000, p_escalation<=0.5 ({docs_page('levers')}).",
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Outcome model for issue goals (default compromise)."),
    ] = None,
    budget: Annotated[
        float | None, typer.Option("--budget", "-b", help="Most the actor may spend (cost unit).")
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws", "-n", help="Monte Carlo draws (issue goals; 0 = none) or war-model paths."
        ),
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed (same answer).")] = 0,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes for war-model evaluations, besides this one (default: "
            "cores, ≤ 4; 1: all in this process)."
        ),
    ] = None,
    max_evals: Annotated[
        int | None,
        typer.Option(
            help="Cap on war-model evaluations (each a solve; default: none, as many as the "
            "goal needs)."
        ),
    ] = DEFAULT_MAX_EVALS,
    fmt: Annotated[AdviseFormat, typer.Option("--format", "-f")] = AdviseFormat.table,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Save the tornado view to this file (png, svg).")
    ] = None,
) -> None:
    """Find the cheapest combination of an actor's levers that reaches a goal."""
    sc = load_scenario(scenario)
    result = run_advise(
        sc,
        actor,
        goal,
        model=model,
        budget=budget,
        draws=draws,
        seed=seed,
        workers=workers if workers is not None else default_workers(),
        max_evals=max_evals,
    )
    if plot is not None:
        save_tornado(
            result.tornado,
            result.baseline.value,
            title=f"{result.scenario}: {result.actor}'s levers ({result.model})",
            metric=result.goal.metric,
            path=plot,
        )
    if fmt is AdviseFormat.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    _print(result)


def _value(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


def _p(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _changes(opt: Option) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in opt.changes.items()) or "(no change)"


def _print(result: Advice) -> None:
    if result.status == "already_met":
        head = "already met by the scenario as written"
    elif result.best is not None:
        head = f"reached: the cheapest option costs {_value(result.best.cost)}"
    else:
        within = "" if result.budget is None else f" within the budget of {result.budget:g}"
        closest = None if result.closest is None else result.closest.value
        head = f"UNREACHABLE{within}; the closest option gives {_value(closest)}"
    out.print(
        f"{result.scenario}, {result.actor}: goal {result.goal.describe()} "
        f"({result.model} model) — {head}"
    )
    table = Table(
        title=f"Options ({result.draws} draws, seed {result.seed}; best first)",
        title_justify="left",
    )
    for col in ("#", "levers changed", "cost", result.goal.metric, "meets", "P(reach)", "how"):
        table.add_column(col, justify="left" if col in ("levers changed", "how") else "right")
    rows = [result.baseline, *result.options[:SHOWN_OPTIONS]]
    for k, opt in enumerate(rows):
        table.add_row(
            "base" if k == 0 else str(k),
            _changes(opt),
            _value(opt.cost),
            _value(opt.value),
            "yes" if opt.meets else "no",
            _p(opt.p_reach),
            opt.method,
        )
    out.print(table)
    tornado = Table(title=f"Tornado: {result.goal.metric} across each lever's range",
                    title_justify="left")  # fmt: skip
    for col in ("lever", "low", "at low", "high", "at high", "swing"):
        tornado.add_column(col, justify="left" if col == "lever" else "right")
    for bar in result.tornado:
        tornado.add_row(
            bar.lever,
            f"{bar.low:g}",
            _value(bar.at_low),
            f"{bar.high:g}",
            _value(bar.at_high),
            _value(bar.swing),
        )
    out.print(tornado)
    for note in result.notes:
        out.print(f"note: {note}")
    out.print(f"{result.evaluations} evaluations, {result.seconds:.1f} s")
