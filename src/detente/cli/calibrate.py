"""``detente calibrate``: fit the battlefield model's parameters from data.

A Typer sub-app, mounted by :mod:`detente.cli.main`; the library raises
:class:`~detente.errors.DetenteError` and the main app turns it into one line and exit 2.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from detente.calibration.territory import (
    TerritoryCalibration,
    fit_territory,
    read_territory_series,
    weekly_gains,
)
from detente.cli.common import TableOrJson, err, out

calibrate_app = typer.Typer(help="Calibrate the battlefield model from data.", no_args_is_help=True)


class SeasonChoice(StrEnum):
    auto = "auto"
    none = "none"
    mean = "mean"
    probs = "probs"


@calibrate_app.callback()
def _calibrate() -> None:
    """Calibrate the battlefield model from data."""


@calibrate_app.command("territory")
def territory(
    file: Annotated[Path, typer.Argument(help="A CSV with columns date,occupied_km2 (daily).")],
    regimes: Annotated[
        int,
        typer.Option("--regimes", "-k", help="Number of intensity regimes (3 = hold/press/surge)."),
    ] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the random starts and the bootstrap.")] = 0,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", "-b", help="Block-bootstrap replicates (0 for none).")
    ] = 200,
    block_weeks: Annotated[int, typer.Option(help="Bootstrap block length in weeks.")] = 8,
    season: Annotated[
        SeasonChoice,
        typer.Option(help="Season effect: none, mean (shifted means), probs, or auto (BIC)."),
    ] = SeasonChoice.auto,
    week_ending: Annotated[str, typer.Option(help="Last day of each week (MON..SUN).")] = "SUN",
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
) -> None:
    """Fit the weekly-gain regimes (hold / press / surge) of an occupied-area series."""
    series = read_territory_series(file)
    series.name = str(file)
    gains = weekly_gains(series, week_ending)
    with Progress(
        TextColumn("bootstrap"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=bootstrap == 0,
    ) as bar:
        task = bar.add_task("bootstrap", total=bootstrap)
        cal = fit_territory(
            gains,
            regimes=regimes,
            season=season.value,
            bootstrap=bootstrap,
            block_weeks=block_weeks,
            seed=seed,
            progress=lambda n: bar.advance(task, n),
            source=str(file),
        )
    if fmt is TableOrJson.json:
        print(json.dumps(cal.to_dict(), indent=2))
        return
    for table in calibration_tables(cal):
        out.print(table)


def _iv(value: float, interval: list[float] | None, digits: int = 1) -> str:
    text = f"{value:.{digits}f}"
    if interval is None:
        return text
    return f"{text} [{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"


def calibration_tables(cal: TerritoryCalibration) -> list[Table]:
    """The regimes (with 90% bootstrap intervals), the season effects and the model
    comparison."""
    iv = cal.intervals(0.9)

    def pick(name: str, i: int) -> list[float] | None:
        return iv[name][i] if iv else None

    level = f" (90% interval over {cal.bootstrap} block-bootstrap replicates)" if iv else ""
    regimes = Table(
        title=f"Weekly gain regimes: {cal.source}, {cal.n_weeks} weeks, "
        f"{cal.kind}, season effect {cal.season_effect}{level}",
        title_justify="left",
    )
    for col in ("regime", "mean km²/week", "sd km²/week", "share of weeks", "persistence"):
        regimes.add_column(col, justify="left" if col == "regime" else "right")
    regimes.add_column("mean run (weeks)", justify="right")
    persistence = cal.persistence()
    for k, name in enumerate(cal.regimes):
        stay = float(persistence[k])
        run = "inf" if stay >= 1 else f"{1 / (1 - stay):.1f}"
        regimes.add_row(
            name,
            _iv(cal.means[k], pick("mean", k)),
            _iv(cal.sds[k], pick("sd", k)),
            _iv(cal.shares[k], pick("share", k), 2),
            _iv(stay, pick("persistence", k), 2),
            run,
        )
    stationary = "-" if cal.stationary_mean_gain is None else f"{cal.stationary_mean_gain:.1f}"
    regimes.caption = (
        f"mean weekly gain: observed {cal.observed_mean_gain:.1f}, fitted "
        f"{cal.fitted_mean_gain:.1f}, long-run (stationary) {stationary} km²/week"
    )

    seasons = Table(
        title="Season effects (km²/week added to every regime's mean)", title_justify="left"
    )
    seasons.add_column("season")
    seasons.add_column("weeks", justify="right")
    seasons.add_column(f"shift, chosen model ({cal.season_effect})", justify="right")
    mean_fit = next(
        (m for m in cal.comparison if m.kind == cal.kind and m.season_effect == "mean"), None
    )
    if mean_fit is not None:
        seasons.add_column("shift if season=mean", justify="right")
    for s, name in enumerate(cal.seasons):
        cells = [
            name,
            str(cal.week_season.count(name)),
            _iv(
                cal.season_shift[s],
                pick("season_shift", s) if cal.season_effect == "mean" else None,
            ),
        ]
        if mean_fit is not None:
            cells.append(f"{mean_fit.season_shift[s]:.1f}")
        seasons.add_row(*cells)
    if cal.season_effect == "probs":
        seasons.caption = "season changes the transition matrix: see --format json"

    models = Table(title="Model comparison (lower BIC is better)", title_justify="left")
    for col in ("model", "season effect", "log-likelihood", "parameters", "AIC", "BIC", "ΔBIC"):
        models.add_column(col, justify="left" if col in ("model", "season effect") else "right")
    best = min(m.bic for m in cal.comparison)
    for m in cal.comparison:
        chosen = m.kind == cal.kind and m.season_effect == cal.season_effect
        models.add_row(
            m.kind + (" *" if chosen else ""),
            m.season_effect,
            f"{m.log_likelihood:.1f}",
            str(m.n_params),
            f"{m.aic:.1f}",
            f"{m.bic:.1f}",
            f"{m.bic - best:.1f}",
        )
    models.caption = "* the fitted model"
    return [regimes, seasons, models]
