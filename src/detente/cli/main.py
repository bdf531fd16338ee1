"""The ``detente`` command line: thin commands over the library.

The library raises :class:`~detente.errors.DetenteError`; only this module turns it into
one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from detente import __version__
from detente.cli import render
from detente.cli.advise import advise as advise_command
from detente.cli.calibrate import calibrate_app
from detente.cli.common import OneLineErrors, TableJsonCsv, out
from detente.cli.durability import durability_app
from detente.cli.profile import profile_app
from detente.cli.report import report as report_command
from detente.cli.report import serve as serve_command
from detente.cli.simulate import (
    ForecastProfileOpt,
    ProfileActorOpt,
    ProfileTargetOpt,
    profiled_scenario,
    simulate_command,
)
from detente.cli.sweep import NoStoreOpt, StoreOpt, runs_app, sensitivity, sweep
from detente.errors import DetenteError
from detente.models import get_model
from detente.registry import outcome_models
from detente.scenario import builtin_names, load_scenario, to_yaml

app = typer.Typer(
    cls=OneLineErrors,
    name="detente",
    help="Forecast how coercive negotiations between states end.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
backtest_app = typer.Typer(help="Score the models against real outcomes.", no_args_is_help=True)
app.add_typer(backtest_app, name="backtest")
app.add_typer(calibrate_app, name="calibrate")
app.add_typer(profile_app, name="profile")
app.add_typer(durability_app, name="durability")
app.command("simulate")(simulate_command)
app.command("advise")(advise_command)
app.command("report")(report_command)
app.command("serve")(serve_command)
app.command()(sweep)
app.command()(sensitivity)
app.add_typer(runs_app, name="runs")


class ShowFormat(StrEnum):
    table = "table"
    yaml = "yaml"


ScenarioArg = Annotated[
    str, typer.Argument(help="A built-in scenario name (see `detente scenarios`) or a file.")
]


@app.command()
def forecast(
    scenario: ScenarioArg,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help=f"Model(s) to run: {', '.join(outcome_models())}."),
    ] = None,
    all_models: Annotated[bool, typer.Option("--all", help="Run every model (default).")] = False,
    fmt: Annotated[TableJsonCsv, typer.Option("--format", "-f")] = TableJsonCsv.table,
    trajectory: Annotated[
        bool, typer.Option(help="Also print positions by round for models with rounds.")
    ] = False,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    profile: ForecastProfileOpt = None,
    profile_actor: ProfileActorOpt = None,
    profile_target: ProfileTargetOpt = None,
) -> None:
    """Forecast the outcome of each issue of a scenario with one or all models (recorded in
    the run store, see `detente runs`)."""
    if model and all_models:
        raise DetenteError("give --model or --all, not both", where="options")
    sc = profiled_scenario(load_scenario(scenario), profile, profile_actor, profile_target)
    names = list(model) if model else list(outcome_models())
    start = time.perf_counter()
    forecasts = [get_model(name).predict(sc) for name in names]
    if not no_store:
        from detente.store import RunStore
        from detente.store.recorded import record_forecast

        with RunStore(store) as run_store:
            record_forecast(run_store, sc, forecasts, time.perf_counter() - start)
    if fmt is TableJsonCsv.json:
        print(render.forecast_document(sc, forecasts))
    elif fmt is TableJsonCsv.csv:
        sys.stdout.write(render.forecast_csv(forecasts))
    else:
        out.print(render.forecast_table(sc, forecasts))
        if trajectory:
            for f in forecasts:
                for issue in sc.issue_names:
                    table = render.trajectory_table(f, issue)
                    if table is not None:
                        out.print(table)


@app.command()
def validate(
    file: Annotated[str, typer.Argument(help="A scenario file (.yaml, KTAB or BDM .csv).")],
) -> None:
    """Check a scenario file; print a one-line summary or the first problem."""
    sc = load_scenario(file)
    n_stances = sum(len(a.stances) for a in sc.actors)
    out.print(
        f"ok: {sc.name}: {len(sc.actors)} actors, {len(sc.issues)} issues, {n_stances} stances"
    )


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from rich.table import Table

    table = Table(title="Built-in scenarios", title_justify="left")
    for col in ("name", "title", "as of", "actors", "issues"):
        table.add_column(col)
    for name in builtin_names():
        sc = load_scenario(name)
        table.add_row(
            name, sc.title, str(sc.as_of or "-"), str(len(sc.actors)), str(len(sc.issues))
        )
    out.print(table)


@app.command()
def show(
    name: ScenarioArg,
    notes: Annotated[bool, typer.Option(help="Print every source/rationale note.")] = True,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f")] = ShowFormat.table,
) -> None:
    """Print a scenario: issues, actors, positions, saliences and their sources."""
    sc = load_scenario(name)
    if fmt is ShowFormat.yaml:
        sys.stdout.write(to_yaml(sc))
        return
    if sc.description:
        out.print(sc.description.strip())
    for table in render.scenario_tables(sc, notes=notes):
        out.print(table)


@backtest_app.command("deu")
def backtest_deu(
    data: Annotated[
        Path | None,
        typer.Option(help="A folder laid out like shared/data/validation/deu (the default)."),
    ] = None,
    models: Annotated[
        list[str] | None, typer.Option("--models", "-m", help="Models to score (default: all).")
    ] = None,
    capability: Annotated[
        str, typer.Option(help="Capability: 'equal' or 'votes' (Council vote weights).")
    ] = "equal",
    fmt: Annotated[TableJsonCsv, typer.Option("--format", "-f")] = TableJsonCsv.table,
) -> None:
    """Score every model, and the naive baselines, on the real outcomes of EU legislative
    bargaining (DEU III, development split)."""
    from detente.backtest.baselines import BASELINES
    from detente.backtest.deu import backtest, default_deu_dir, load_deu, score

    cases = load_deu(data or default_deu_dir(), capability=capability)
    chosen = {name: get_model(name) for name in (models or list(outcome_models()))} | BASELINES
    table = score(backtest(cases, chosen))
    if fmt is TableJsonCsv.csv:
        sys.stdout.write(table.to_csv(index=False, float_format="%.4f"))
    elif fmt is TableJsonCsv.json:
        print(table.to_json(orient="records", indent=2))
    else:
        out.print(render.score_table(table, title=f"DEU backtest, capability={capability}"))


def _version(value: bool) -> None:
    if value:
        print(f"detente {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Forecast how coercive negotiations between states end."""
