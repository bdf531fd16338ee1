"""``detente outlook``: how wars end, the outside view.

A Typer sub-app, mounted by :mod:`detente.cli.main`, with two commands:
``detente outlook predict [SCENARIO] --war russia-ukraine-2022`` (P(each ending by each
date), with intervals, the base rate and the nearest reference cases) and
``detente outlook evaluate`` (grouped cross-validation against the base rate, as JSON).
Both take ``--reference ucdp|cow`` (UCDP war episodes, or CoW inter-state wars with NMC
capability ratios).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from detente.cli.common import TableOrJson, out, warn_dropped
from detente.errors import DetenteError
from detente.outlook.cow import read_cow_wars
from detente.outlook.data import DAYS_PER_YEAR, read_episodes
from detente.outlook.evaluate import calibration_table, cross_validate, plot_calibration
from detente.outlook.reference import REFERENCES, get_reference
from detente.outlook.view import PRESETS, OutsideView, get_preset, outside_view

outlook_app = typer.Typer(
    help="How wars end: the outside view from a reference class of wars (UCDP or CoW).",
    no_args_is_help=True,
)

REFERENCE_HELP = (
    "Reference class: ucdp (UCDP war episodes 1946-2020) or cow (CoW inter-state wars "
    "1823-2003, with NMC capability ratios)."
)


@outlook_app.callback()
def _outlook() -> None:
    """How wars end: the outside view from a reference class of wars (UCDP or CoW)."""


def _date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DetenteError(f"{text!r} is not a date; write YYYY-MM-DD", where=where) from None


@outlook_app.command("predict")
def predict(
    scenario: Annotated[
        str | None,
        typer.Argument(help="A scenario with a campaign: its start is the analyst's date."),
    ] = None,
    war: Annotated[str, typer.Option(help=f"A described war: {', '.join(PRESETS)}.")] = (
        "russia-ukraine-2022"
    ),
    started: Annotated[
        str | None, typer.Option(help="Override: episode start, YYYY-MM-DD.")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--type", help="Override: interstate, internationalized, intrastate, extrasystemic."
        ),
    ] = None,
    territory: Annotated[
        bool | None, typer.Option("--territory/--government", help="Override: incompatibility.")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Override: europe, middle_east, asia, africa, americas.")
    ] = None,
    high_intensity: Annotated[
        bool | None,
        typer.Option("--high-intensity/--low-intensity", help="Override: 1,000+ deaths."),
    ] = None,
    capability_share: Annotated[
        float | None,
        typer.Option(
            help="Override (cow): the stronger side's share of both sides' CINC, 0.5-1 "
            "(Russia-Ukraine: 0.768, NMC v4.0's last year, 2007)."
        ),
    ] = None,
    deaths_per_year: Annotated[
        float | None, typer.Option(help="Override (cow): battle deaths per year so far.")
    ] = None,
    reference: Annotated[str, typer.Option(help=REFERENCE_HELP)] = "ucdp",
    as_of: Annotated[
        str | None, typer.Option(help="The analyst's date (default: the campaign's start).")
    ] = None,
    years: Annotated[
        str, typer.Option(help="Horizons after the analyst's date, in years, comma-separated.")
    ] = "0.5,1,2,3",
    level: Annotated[float, typer.Option(help="Level of the interval.")] = 0.9,
    draws: Annotated[int, typer.Option(help="Replicates for the interval.")] = 200,
    interval: Annotated[
        str,
        typer.Option(
            help="bootstrap (conflicts resampled, baseline and coefficients vary) or draws "
            "(coefficients only)."
        ),
    ] = "bootstrap",
    shrink: Annotated[
        float | None,
        typer.Option(
            help="Weight of the covariate model against the base rate, 0-1 (default: the "
            "one chosen by cross-validation: ucdp 1, cow 0)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the replicates.")] = 0,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
) -> None:
    """P(the war ends by settlement, ceasefire, victory or petering out by each date), with
    intervals, the reference class's base rate and the nearest reference cases."""
    from dataclasses import replace

    desc = get_preset(war)
    changes: dict[str, Any] = {}
    if started is not None:
        changes["started"] = _date(started, "--started")
    for key, value in (("kind", kind), ("territory", territory), ("region", region),
                       ("high_intensity", high_intensity),
                       ("capability_share", capability_share),
                       ("deaths_per_year", deaths_per_year)):  # fmt: skip
        if value is not None:
            changes[key] = value
    if changes:
        desc = replace(desc, **changes, note=desc.note + " (with overrides from the command)")
    when: date | None = _date(as_of, "--as-of") if as_of is not None else None
    if when is None and scenario is not None:
        from detente.scenario import load_scenario

        sc = load_scenario(scenario)
        if sc.campaign is None:
            raise DetenteError("has no campaign; give --as-of instead", source=sc.name)
        when = sc.campaign.start
    if when is None:
        raise DetenteError("give a scenario with a campaign or --as-of", where="--as-of")
    try:
        horizons = [float(h) for h in years.split(",") if h.strip()]
    except ValueError:
        raise DetenteError(
            f"{years!r} is not a list of numbers, e.g. 0.5,1,2", where="--years"
        ) from None
    if not horizons or min(horizons) < 0:
        raise DetenteError(f"{years!r}: give horizons of 0 years or more", where="--years")
    dates = [when + timedelta(days=round(h * DAYS_PER_YEAR)) for h in horizons]
    view = outside_view(
        desc, dates, as_of=when, level=level, n_draws=draws, seed=seed,
        reference=get_reference(reference).name, interval=interval, shrink=shrink,
    )  # fmt: skip
    if fmt is TableOrJson.json:
        print(json.dumps(view.to_dict(), indent=2))
    else:
        _print_view(view)


def _print_view(view: OutsideView) -> None:
    w = view.war
    ref = REFERENCES[view.reference]
    if view.reference == "cow":
        described = (
            f"{w.region}, capability share {w.capability_share:.3f}, "
            f"{w.deaths_per_year:,.0f} battle deaths a year"
        )
    else:
        described = (
            f"{w.kind}, {'territory' if w.territory else 'government'}, {w.region}, "
            f"{'high' if w.high_intensity else 'low'} intensity"
        )
    out.print(
        f"{w.name}: started {w.started}, as of {view.as_of} ({view.years_so_far:.1f} years "
        f"so far); {described}"
    )
    out.print(
        f"Reference class: {view.n_reference} {ref.label}, {view.n_lasted} lasted at least "
        f"as long. Model weight against the base rate {view.shrink:g}; interval: "
        f"{view.interval}."
    )
    table = Table(title=f"P(ended by each date); model [{view.level:.0%} interval], base rate")
    table.add_column("by", justify="right")
    for cause in view.causes:
        table.add_column(cause.replace("_", " "), justify="right")
    table.add_column("any", justify="right")
    for j, d in enumerate(view.dates):
        cells = [
            f"{view.p[k, j]:.2f} [{view.lower[k, j]:.2f}–{view.upper[k, j]:.2f}] "
            f"({view.base[k, j]:.2f})"
            for k in range(len(view.causes))
        ]
        table.add_row(
            d.isoformat(), *cells, f"{view.p[:, j].sum():.2f} ({view.base[:, j].sum():.2f})"
        )
    out.print(table)
    near = Table(title="Nearest reference cases that lasted as long")
    for col in ("name", "start", "end", "years", "ended by", "differs on"):
        near.add_column(col)
    for row in view.nearest.itertuples(index=False):
        near.add_row(
            str(row.name), str(row.start), str(row.end) or "–", f"{row.years:g}",
            str(row.ended_by), str(row.differs_on),
        )  # fmt: skip
    out.print(near)


@outlook_app.command("evaluate")
def evaluate(
    data: Annotated[
        Path | None,
        typer.Option(
            help="UCDP Conflict Termination dyad CSV, or with --reference cow the CoW "
            "Inter-State War CSV; default: the packaged extract."
        ),
    ] = None,
    nmc: Annotated[
        Path | None,
        typer.Option(help="With --reference cow and --data: the CoW NMC (v4.0) CSV."),
    ] = None,
    reference: Annotated[str, typer.Option(help=REFERENCE_HELP)] = "ucdp",
    folds: Annotated[int, typer.Option(help="Folds (by conflict).")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the fold assignment.")] = 0,
    plot: Annotated[Path | None, typer.Option(help="Write the calibration plot here.")] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse a file with an episode that cannot be placed in "
            "time instead of leaving it out with a warning.",
        ),
    ] = False,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.json,
) -> None:
    """Grouped cross-validation (by conflict) of the cause-specific Cox model against the
    Aalen-Johansen base rate: per cause, the episodes scored, the C-index and the Brier
    score at 1 and 2 years, and the shrinkage weight between the two."""
    ref = get_reference(reference)
    if data is None:
        frame = ref.load()
    elif ref.name == "cow":
        if nmc is None:
            raise DetenteError(
                "give the CoW NMC CSV with --nmc to join capabilities", where="--nmc"
            )
        wars = read_cow_wars(data, nmc, strict=strict)
        warn_dropped(data, wars.dropped, "war")
        frame = wars.frame
    else:
        episodes = read_episodes(data, strict=strict)
        warn_dropped(data, episodes.dropped, "episode")
        frame = episodes.frame
    cv = cross_validate(frame, folds=folds, seed=seed, reference=ref.name)
    if plot is not None:
        plot_calibration(calibration_table(cv), plot)
    if fmt is TableOrJson.json:
        print(json.dumps(cv.to_dict(), indent=2))
        return
    table = Table(title=f"Grouped {folds}-fold CV, {cv.n} {ref.label}: model (base rate)")
    table.add_column("cause")
    for metric in ("c_index", "brier_1y", "brier_2y"):
        table.add_column(metric, justify="right")

    def cell(v: float | None) -> str:
        return "–" if v is None else f"{v:.3f}"

    for cause in cv.scores["cox"]["c_index"]:
        table.add_row(cause, *(
            f"{cell(cv.scores['cox'][m][cause])} ({cell(cv.scores['aalen_johansen'][m][cause])})"
            for m in ("c_index", "brier_1y", "brier_2y")
        ))  # fmt: skip
    out.print(table)
    if cv.shrinkage is not None:
        sh = cv.shrinkage
        out.print(
            f"Shrinkage weight of the model against the base rate (least out-of-fold Brier "
            f"sum): {sh['weight']:g}; chosen within folds: "
            f"{', '.join(f'{w:g}' for w in sh['nested_weights'])}, Brier sum "
            f"{sh['nested_brier_sum']:.4f} (model alone {sh['brier_sum']['1']:.4f}, base rate "
            f"{sh['brier_sum']['0']:.4f})."
        )
