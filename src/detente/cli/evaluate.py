"""``detente evaluate``: score forecasts against what happened.

A Typer sub-app, mounted by :mod:`detente.cli.main`; the library raises
:class:`~detente.errors.DetenteError` and the main app turns it into one line and exit 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from detente.calibration.territory import read_territory_series
from detente.cli.common import TableJsonCsv, err, out
from detente.errors import DetenteError
from detente.evaluation import evaluate_territory
from detente.evaluation.plot import evaluation_figure
from detente.plotting import save_figure

evaluate_app = typer.Typer(help="Score forecasts against what happened.", no_args_is_help=True)


@evaluate_app.callback()
def _evaluate() -> None:
    """Score forecasts against what happened."""


def _horizons(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise DetenteError(
            f"horizons {text!r} are not whole weeks; give e.g. 4,8,13,26", where="--horizons"
        ) from None
    if not values or min(values) < 1:
        raise DetenteError(
            f"horizons must be positive whole weeks, got {text!r}; e.g. 4,8,13,26",
            where="--horizons",
        )
    return values


@evaluate_app.command("territory")
def territory(
    file: Annotated[Path, typer.Argument(help="A CSV with columns date,occupied_km2 (daily).")],
    origins_from: Annotated[
        str | None, typer.Option(help="First forecast origin (YYYY-MM-DD).")
    ] = None,
    origins_to: Annotated[
        str | None, typer.Option(help="Last forecast origin (YYYY-MM-DD).")
    ] = None,
    every: Annotated[int, typer.Option(help="Weeks between origins.")] = 4,
    horizons: Annotated[str, typer.Option(help="Lead times in weeks, comma-separated.")] = (
        "4,8,13,26"
    ),
    min_history: Annotated[
        int, typer.Option(help="Weeks of gains needed before the first origin.")
    ] = 26,
    seed: Annotated[int, typer.Option(help="Seed of every random step.")] = 0,
    samples: Annotated[int, typer.Option(help="Draws per forecast.")] = 1000,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap replicates of the detente/war refit per origin.")
    ] = 20,
    season: Annotated[
        str,
        typer.Option(
            help="Season effect of the detente/war refit: auto (by BIC), none, mean or probs."
        ),
    ] = "auto",
    regimes: Annotated[
        int, typer.Option(help="Regimes of the detente/war refit (fewer on a short history).")
    ] = 4,
    models: Annotated[
        str | None,
        typer.Option(
            help="Models to score, comma-separated (default: all), e.g. detente,war,arima."
        ),
    ] = None,
    fmt: Annotated[TableJsonCsv, typer.Option("--format", "-f")] = TableJsonCsv.table,
    plot: Annotated[
        Path | None, typer.Option(help="Write CRPS by horizon and forecast fans to FILE.")
    ] = None,
) -> None:
    """Rolling-origin backtest of the battlefield forecast against baselines."""
    steps = _horizons(horizons)
    series = read_territory_series(file)
    series.name = str(file)
    with Progress(
        TextColumn("origins"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as bar:  # fmt: skip
        task = bar.add_task("origins", total=None)
        result = evaluate_territory(
            series, horizons=steps, origins_from=origins_from, origins_to=origins_to,
            every=every, min_history=min_history, seed=seed, n_samples=samples,
            bootstrap=bootstrap, season=season, regimes=regimes,
            models=None if models is None else [m.strip() for m in models.split(",") if m.strip()],
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )  # fmt: skip
    if plot is not None:
        written = save_figure(evaluation_figure(result), plot)
        print(f"wrote {written}", file=sys.stderr)
    frame = result.to_frame()
    if fmt is TableJsonCsv.csv:
        sys.stdout.write(frame.to_csv(index=False, float_format="%.4f", lineterminator="\n"))
        return
    if fmt is TableJsonCsv.json:
        print(json.dumps(result.to_dict(), indent=2))
        return
    table = Table(
        title=f"Rolling-origin backtest: {result.source}, {len(result.origins)} origins "
        f"{result.origins[0]} .. {result.origins[-1]} every {every} weeks",
        title_justify="left",
    )
    for col in frame.columns:
        table.add_column(col, justify="left" if col == "model" else "right")
    for row in frame.to_dict(orient="records"):
        table.add_row(
            str(row["model"]), str(row["horizon_weeks"]), str(row["n_origins"]),
            f"{row['crps']:.1f}", f"{row['mae']:.1f}", f"{row['coverage_50']:.2f}",
            f"{row['coverage_90']:.2f}",
        )  # fmt: skip
    table.caption = "CRPS and MAE in km² of occupied area; coverage of central intervals"
    out.print(table)
