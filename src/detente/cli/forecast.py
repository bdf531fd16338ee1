"""``detente forecast`` and the scenario commands (``validate``, ``scenarios``, ``show``):
thin commands over :mod:`detente.scenario` and the outcome models of :mod:`detente.registry`.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detente.cli import render
from detente.cli.common import (
    LedgerOpt,
    NoStoreOpt,
    SealOpt,
    StoreOpt,
    TableJsonCsv,
    err,
    out,
    outcome_models,
)
from detente.errors import DetenteError
from detente.models import get_model
from detente.paths import docs_page
from detente.scenario import Scenario, builtin_names, load_scenario, to_yaml
from detente.uncertainty.stability import DEFAULT_DRAWS, FRAGILE_SHARE, stability_bands

notes = err
"""For the table of what a profile set, on stderr (stdout stays the forecast)."""


ForecastProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        help="A saved profile (detente profile events ... --save FILE); moves the profiled "
        f"actor's positions by its position_shift towards the target's ({docs_page('profiles')}).",
    ),
]
ProfileActorOpt = Annotated[
    str | None,
    typer.Option(help="The scenario actor the profile describes (default: its dyad source)."),
]
ProfileTargetOpt = Annotated[
    str | None,
    typer.Option(help="The scenario actor it is directed at (default: its dyad target)."),
]


def profiled_scenario(
    scenario: Scenario, profile: Path | None, actor: str | None, target: str | None
) -> Scenario:
    """``forecast --profile``: the scenario with the profile's position shift applied; what
    it set is printed on stderr (stdout stays the forecast in any format)."""
    if profile is None:
        return scenario
    from detente.profiles.apply import (
        SCENARIO_PARAMETERS,
        apply_to_scenario,
        read_profile_input,
        unused,
    )

    read = read_profile_input(profile)
    changed, applied = apply_to_scenario(scenario, read, actor=actor, target=target)
    applied += unused(read, SCENARIO_PARAMETERS)
    table = Table(title=f"Set by profile {profile} ({read.dyad})", title_justify="left")
    for col in ("parameter", "value", "sets", "before", "after"):
        table.add_column(col, justify="right" if col == "value" else "left")
    for a in applied:
        table.add_row(a.parameter, f"{a.value:.3g}", a.target, a.before, a.after)
    notes.print(table)
    return changed


class ShowFormat(StrEnum):
    table = "table"
    yaml = "yaml"


ScenarioArg = Annotated[
    str, typer.Argument(help="A built-in scenario name (see `detente scenarios`) or a file.")
]


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
    seal: SealOpt = False,
    resolves_on: Annotated[
        str | None,
        typer.Option("--resolves-on", help="With --seal: when the issues resolve (YYYY-MM-DD)."),
    ] = None,
    ledger: LedgerOpt = None,
    bands: Annotated[
        bool,
        typer.Option(
            help="Show each forecast's 5-95 % band under the default input spread (salience "
            "± 10, positions ± 10 % of the scale, capability and clout ± 20 %) and mark it "
            f"fragile (!) when the band is wider than {FRAGILE_SHARE:.0%} of the scale."
        ),
    ] = True,
    draws: Annotated[
        int, typer.Option(help="Draws behind the bands (those of `detente sweep --spread`).")
    ] = DEFAULT_DRAWS,
    seed: Annotated[int, typer.Option(help="Seed of the bands' draws (>= 0).")] = 0,
) -> None:
    """Forecast the outcome of each issue of a scenario with one or all models, and how
    stable each forecast is (recorded in the run store, see `detente runs`).

    A cell reads "44.2 [40–48]": the forecast and its 5–95 % band under the default input
    spread; "!" marks a fragile forecast (a wide band), "~" a model whose rounds did not
    converge, "↻" one whose rounds go round a cycle
    (https://detente.readthedocs.io/en/latest/cli/#reading-the-forecast-table)."""
    if model and all_models:
        raise DetenteError("give --model or --all, not both", where="options")
    day = _resolution_date(resolves_on) if seal else None
    sc = profiled_scenario(load_scenario(scenario), profile, profile_actor, profile_target)
    names = list(model) if model else list(outcome_models())
    start = time.perf_counter()
    forecasts = [get_model(name).predict(sc) for name in names]
    elapsed = time.perf_counter() - start
    spread = None
    if bands:  # the models' answers under the default input spread (DECISIONS UNC-25)
        spread = stability_bands(sc, [get_model(n) for n in names], draws=draws, seed=seed)
    if not no_store:
        from detente.store import RunStore
        from detente.store.recorded import record_forecast

        with RunStore(store) as run_store:
            record_forecast(run_store, sc, forecasts, elapsed)
    if day is not None:
        from detente import __version__
        from detente.cli.ledger import seal_forecasts
        from detente.ledger.questions import issue_questions
        from detente.store import scenario_hash

        asked = issue_questions(
            sc, forecasts, resolves_on=day, scenario_hash=scenario_hash(sc), version=__version__
        )
        err.print(seal_forecasts(ledger, asked), highlight=False, soft_wrap=True)
    if fmt is TableJsonCsv.json:
        print(render.forecast_document(sc, forecasts, spread))
    elif fmt is TableJsonCsv.csv:
        sys.stdout.write(render.forecast_csv(forecasts, spread))
    else:
        out.print(render.forecast_table(sc, forecasts, spread, width=out.width))
        if trajectory:
            for f in forecasts:
                for issue in sc.issue_names:
                    table = render.trajectory_table(f, issue)
                    if table is not None:
                        out.print(table)


def _resolution_date(text: str | None) -> date:
    if text is None:
        raise DetenteError("--seal needs --resolves-on: the date the issues resolve, YYYY-MM-DD",
                           where="--resolves-on")  # fmt: skip
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DetenteError(f"{text!r} is not a date; write YYYY-MM-DD",
                           where="--resolves-on") from None  # fmt: skip


def validate(
    file: Annotated[str, typer.Argument(help="A scenario file (.yaml, KTAB or BDM .csv).")],
) -> None:
    """Check a scenario file; print a one-line summary or the first problem."""
    sc = load_scenario(file)
    n_stances = sum(len(a.stances) for a in sc.actors)
    out.print(
        f"ok: {sc.name}: {len(sc.actors)} actors, {len(sc.issues)} issues, {n_stances} stances"
    )


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
