"""``detente profile``: read a counterpart from its record of events or its leader's profile.

A Typer sub-app, mounted by :mod:`detente.cli.main`; the library raises
:class:`~detente.errors.DetenteError` and the main app turns it into one line and exit 2.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from detente.cli.common import TableOrJson, out
from detente.errors import DetenteError
from detente.profiles.events import filter_events, read_events
from detente.profiles.leaders import CITATION, leader_names, leader_profile, psycl
from detente.profiles.mapping import explain_parameters, load_mapping
from detente.profiles.profile import dumps_profile, event_profile, file_sha256, save_profile

profile_app = typer.Typer(
    help="Profile a counterpart: its record of events, or its leader's PsyCL scores.",
    no_args_is_help=True,
)


class QuadConventionChoice(StrEnum):
    file = "file"
    icews = "icews"
    gdelt = "gdelt"


@profile_app.callback()
def _profile() -> None:
    """Profile a counterpart: its record of events, or its leader's PsyCL scores."""


def _date(value: str | None, option: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(dt.date.fromisoformat(value))
    except ValueError:
        raise DetenteError(f"bad date {value!r}; write YYYY-MM-DD", where=option) from None


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


@profile_app.command("events")
def events_command(
    file: Annotated[
        Path, typer.Argument(help="A CSV of CAMEO-coded events (date, source, target, cameo_code).")
    ],
    source: Annotated[str, typer.Option("--source", "-s", help="Acting country code, e.g. USA.")],
    target: Annotated[str, typer.Option("--target", "-t", help="Country acted upon, e.g. RUS.")],
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option(
            help="Keep rows of this `dataset` only (repeatable); needed when datasets overlap."
        ),
    ] = None,
    state_only: Annotated[
        bool, typer.Option("--state-only", help="Only events between state actors.")
    ] = False,
    quad_convention: Annotated[
        QuadConventionChoice,
        typer.Option(
            help="Quad classes: the file's (ICEWS where absent), or recode all: icews, gdelt."
        ),
    ] = QuadConventionChoice.file,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and the permutation test.")] = 0,
    n_boot: Annotated[int, typer.Option(help="Bootstrap replicates.")] = 2000,
    n_perm: Annotated[int, typer.Option(help="Permutations of the lead/lag test.")] = 2000,
    max_lag: Annotated[int, typer.Option(help="Largest lead/lag in weeks.")] = 8,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
    plot: Annotated[
        Path | None, typer.Option(help="Write the three-panel PNG into this folder.")
    ] = None,
    save: Annotated[
        Path | None, typer.Option(help="Write the profile JSON (for --profile) here.")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="A parameter mapping YAML (default: the shipped one).")
    ] = None,
) -> None:
    """Profile the directed dyad SOURCE→TARGET from a file of events: volume, net
    cooperation, quad-class shares, predictability vs the other dyads, the say–do gap."""
    first, last = _date(start, "--from"), _date(end, "--to")
    if first is not None and last is not None and first > last:
        raise DetenteError("--from is after --to", where="--from/--to")
    convention = None if quad_convention is QuadConventionChoice.file else quad_convention.value
    events = read_events(file, quad_convention=convention)  # type: ignore[arg-type]
    windowed = filter_events(
        events, start=first, end=last, datasets=list(dataset or []), state_only=state_only
    )
    info = {
        "file": str(file),
        "sha256": file_sha256(file),
        "datasets": sorted(x for x in windowed["dataset"].unique() if x),
        "state_only": state_only,
        "quad_convention": convention or "file (ICEWS where absent)",
    }
    prof = event_profile(
        windowed,
        source,
        target,
        start=first,
        end=last,
        seed=seed,
        n_boot=n_boot,
        n_perm=n_perm,
        max_lag=max_lag,
        input_info=info,
    )
    params = explain_parameters(prof, load_mapping(mapping))
    if plot is not None:
        from detente.profiles.plots import plot_profile

        written = plot_profile(prof, plot)
        typer.echo(f"plot: {written}", err=True)
    if save is not None:
        save_profile(prof, save)
        typer.echo(f"profile saved: {save}", err=True)
    if fmt is TableOrJson.json:
        print(dumps_profile(prof))
        return
    _print_event_profile(prof, params)


def _print_event_profile(prof: dict[str, Any], params: list[dict[str, Any]]) -> None:
    d, w, v = prof["dyad"], prof["window"], prof["volume"]
    datasets = ", ".join(prof["input"].get("datasets", [])) or "-"
    out.print(
        f"[bold]{d['source']}→{d['target']}[/bold], {w['start']} to {w['end']} "
        f"({w['weeks']} weeks), {v['events']} events in {v['weeks_with_events']} weeks "
        f"({v['events_per_week']:.1f}/week); datasets: {datasets}"
    )
    net = prof["net_cooperation"]
    table = Table(title="Record", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("95% interval / comparison")
    table.add_row(
        "net cooperation (mean Goldstein)",
        _fmt(net["value"]),
        f"[{_fmt(net['low'])}, {_fmt(net['high'])}] week bootstrap",
    )
    for name, share in prof["quad_shares"].items():
        table.add_row(f"share {name.replace('_', ' ')}", _fmt(share), "")
    pr = prof["predictability"]
    table.add_row(
        f"rolling {pr['window_weeks']}-week forecast MAE",
        _fmt(pr["rolling_mae"]),
        f"percentile {_fmt(pr['rolling_mae_percentile'], 0)} of {pr['n_peers']} dyads; "
        f"ratio to window-mean error {_fmt(pr['rolling_mae_ratio'])}",
    )
    table.add_row(
        "weekly quad-mix entropy (bits)",
        _fmt(pr["quad_entropy_bits"]),
        f"percentile {_fmt(pr['quad_entropy_percentile'], 0)} (high = less predictable)",
    )
    sd = prof["say_do"]
    for key, label in (
        ("verbal_cooperativeness", "cooperative share of words"),
        ("material_cooperativeness", "cooperative share of deeds"),
        ("gap", "say–do gap (words − deeds)"),
    ):
        e = sd[key]
        table.add_row(label, _fmt(e["value"]), f"[{_fmt(e['low'])}, {_fmt(e['high'])}]")
    ll = sd["lead_lag"]
    table.add_row(
        "words lead deeds: best lag (weeks)",
        _fmt(ll["best_lag"]),
        f"r = {_fmt(ll['best_r'])}, family-wise p = {_fmt(ll['p_family'], 3)} "
        f"({ll['n_perm']} permutations, {ll['n_weeks']} weeks, pre-whitened)",
    )
    llc = sd["lead_lag_conflict"]
    table.add_row(
        "words vs material conflict: best lag",
        _fmt(llc["best_lag"]),
        f"r = {_fmt(llc['best_r'])}, family-wise p = {_fmt(llc['p_family'], 3)}",
    )
    out.print(table)

    moves = Table(
        title="Largest weekly moves of net cooperation, and the events behind them",
        title_justify="left",
    )
    for col in ("week", "change", "events (date, code, Goldstein, text, actors)"):
        moves.add_column(col)
    for m in prof["largest_moves"]:
        lines = [
            f"{e['date']} {e['cameo_code']} {e['goldstein']:+.1f} {e['event_text']} "
            f"({e['source_actor']} → {e['target_actor']})"
            for e in m["events"]
        ]
        moves.add_row(m["week"], f"{m['change']:+.2f} (n={m['n']})", "\n".join(lines))
    out.print(moves)

    pt = Table(title="Model parameters this profile sets (mapping.yaml)", title_justify="left")
    for col in ("parameter", "value", "from"):
        pt.add_column(col)
    for row in params:
        terms = ", ".join(
            f"{f}={_fmt(t['feature'])}×{t['weight']:g}" for f, t in row["terms"].items()
        )
        pt.add_row(row["parameter"], _fmt(row["value"], 3), terms)
    out.print(pt)
    for warning in prof["warnings"]:
        out.print(f"[yellow]warning:[/yellow] {warning}")


@profile_app.command("leader")
def leader_command(
    name: Annotated[
        str | None, typer.Argument(help="A leader's name, e.g. Putin (case-insensitive).")
    ] = None,
    list_all: Annotated[bool, typer.Option("--list", help="List the 130 PsyCL leaders.")] = False,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
    save: Annotated[Path | None, typer.Option(help="Write the profile JSON here.")] = None,
) -> None:
    """A leader's PsyCL operational-code and leadership-trait scores, with percentiles among
    the 130 leaders and the words behind them (Schafer & Lambert 2022)."""
    if list_all:
        words = dict(zip(psycl()["name"], psycl()["words"], strict=True))
        for leader in leader_names():
            out.print(f"{leader} ({int(words[leader]):,} words)")
        return
    if name is None:
        raise DetenteError("give a leader's NAME, or --list", where="NAME")
    prof = leader_profile(name)
    if save is not None:
        save_profile(prof, save)
        typer.echo(f"profile saved: {save}", err=True)
    if fmt is TableOrJson.json:
        print(dumps_profile(prof))
        return
    years = ", ".join(f"{y['year']} ({y['words']:,})" for y in prof["years"]) or "-"
    out.print(
        f"[bold]{prof['leader']}[/bold]: {prof['words']:,} words; leader-years (words): {years}"
    )
    table = Table(
        title=f"Percentile among the {prof['norm_group']} PsyCL leaders", title_justify="left"
    )
    for col in ("index", "meaning", "value", "percentile", "norm mean ± sd"):
        table.add_column(col, justify="right" if col in ("value", "percentile") else "left")
    for key, row in prof["indices"].items():
        table.add_row(
            key,
            row["label"],
            _fmt(row["value"], 3),
            _fmt(row["percentile"], 0),
            f"{row['norm_mean']:.3f} ± {row['norm_sd']:.3f}",
        )
    out.print(table)
    for warning in prof["warnings"]:
        out.print(f"[yellow]warning:[/yellow] {warning}")
    out.print(f"source: {CITATION}")
