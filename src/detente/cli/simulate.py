"""``detente simulate``: solve a scenario's war-termination campaign and simulate paths.

A thin command over :class:`detente.war.model.WarModel`; the library raises
:class:`~detente.errors.DetenteError` and the main app turns it into one line and exit 2.
Every run (and the what-if run beside it) is recorded in the run store (:mod:`detente.store`)
with the campaign's hash, the seed, the draws, the timing and the per-path arrays, each in one
transaction; rerunning the same command reuses the recorded run (``--fresh`` records anew).
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from detente.cli.common import LedgerOpt, NoStoreOpt, SealOpt, StoreOpt, TableOrJson, err, out
from detente.cli.ledger import seal_forecasts
from detente.errors import DetenteError
from detente.paths import docs_page
from detente.profiles.apply import (
    CAMPAIGN_PARAMETERS,
    Applied,
    apply_to_campaign,
    read_profile_input,
    unused,
)
from detente.scenario import load_scenario
from detente.scenario.overrides import with_overrides
from detente.scenario.resolve import FileResolver
from detente.spec.campaign import Campaign
from detente.store.recorded import record_war_run
from detente.war.model import WarModel, WarRun, deal_sensitivity
from detente.war.report import p_deal_by_date, save_plot

notes = err
"""For tables on stderr (what a profile set), as wide as ``out``."""

MAX_DRAWS = 1_000_000
FAN_STEP_WEEKS = 4


ProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        help="A saved profile of the mediator (detente profile events ... --save FILE); sets "
        "the cheap-talk weight and the spread of the mediator-type prior.",
    ),
]


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
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Save the fan chart and P(deal) to this file.")
    ] = None,
    profile: ProfileOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    fresh: Annotated[
        bool,
        typer.Option(help="Record a new run even if the same run is complete in the store."),
    ] = False,
    seal: SealOpt = False,
    ledger: LedgerOpt = None,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="Also show P(deal by +6 and +12 months) with every value and prior moved "
            "±20% (two solves per number; about a minute for ukraine-2024).",
        ),
    ] = False,
) -> None:
    """Solve the war-termination model of a scenario and simulate how the war ends
    (recorded in the run store, see `detente runs`; the same command run again reuses the
    recorded run)."""
    if not 1 <= draws <= MAX_DRAWS:
        raise DetenteError(f"--draws is {draws}; give 1 to {MAX_DRAWS:,}", where="--draws")
    sc = load_scenario(scenario)
    if sc.campaign is None:
        raise DetenteError(
            f"has no campaign; add a 'campaign:' section (see {docs_page('war_model')})",
            source=scenario,
        )
    campaign = sc.campaign
    applied: list[Applied] = []
    extra: dict[str, Any] = {}
    if profile is not None:
        read = read_profile_input(profile)
        campaign, applied = apply_to_campaign(campaign, read)
        applied += unused(read, CAMPAIGN_PARAMETERS)
        extra["profile"] = {"file": str(profile), "dyad": read.dyad, **read.parameters}
    overrides = list(what_if or [])
    if seal and overrides:
        raise DetenteError("a what-if is not a forecast; seal the baseline without --what-if",
                           where="--seal")  # fmt: skip
    changed = with_overrides(campaign, overrides, FileResolver()) if overrides else None
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=fmt is TableOrJson.json,
    ) as progress:
        model = WarModel(paths=draws)

        def run(camp: Campaign) -> WarRun:
            task = progress.add_task(f"solving {sc.name}", total=None)
            step = partial(progress.update, task, description=f"simulating {draws:,} paths")
            result = model.run(sc, seed, campaign=camp, on_step=lambda _: step())
            progress.remove_task(task)
            return result

        base = run(campaign)
        other = run(changed) if changed is not None else None
        table = None
        if sensitivity:
            task = progress.add_task("sensitivity", total=None)
            table = deal_sensitivity(
                sc, campaign, draws, seed,
                on_step=lambda what: progress.update(task, description=what),
            )  # fmt: skip
            progress.remove_task(task)
    from detente.store import RunStore

    with RunStore(":memory:" if no_store else store) as run_store:
        run_id = record_war_run(run_store, sc, base, extra=extra, fresh=fresh)
        if other is not None:
            with_what_if = extra | {"what_if": overrides}
            record_war_run(run_store, sc, other, extra=with_what_if, fresh=fresh)
    doc = base.document | {"run_id": None if no_store else run_id}
    if table is not None:
        doc["sensitivity"] = table
    if seal:
        from detente import __version__
        from detente.ledger.questions import war_questions
        from detente.store import scenario_hash

        asked = war_questions(base.document, scenario_hash=scenario_hash(sc), version=__version__)
        err.print(seal_forecasts(ledger, asked), highlight=False, soft_wrap=True)
    alt = other.document if other is not None else None
    if applied:
        doc["profile"] = {
            "file": str(profile),
            "set": [a.to_dict() for a in applied],
        }
    shown = alt if alt is not None else doc
    if alt is not None:
        shown = {
            **alt,
            **{k: doc[k] for k in ("run_id", "profile") if k in doc},
            "what_if": {
                "overrides": overrides,
                "baseline": base.headline(),
                "changed": other.headline() if other is not None else None,
            },
        }
    if plot is not None:
        save_plot(shown, plot)
    if fmt is TableOrJson.json:
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    _print_tables(shown)
    if table is not None:
        _print_sensitivity(table)
    if applied:
        _print_profile(str(profile), applied)
    if alt is not None:
        _print_what_if(overrides, base.headline(), other.headline() if other else {})


def _print_sensitivity(table: dict[str, Any]) -> None:
    base = table["baseline"]
    step = round(100 * table["step"])
    out_table = Table(
        title=f"P(deal by +6 / +12 months) with each number moved -{step}% / +{step}% "
        f"(baseline {_pct(base['6_months'])} / {_pct(base['12_months'])})",
        title_justify="left",
    )
    for col in ("number", "value", f"-{step}%", f"+{step}%"):
        out_table.add_column(col, justify="left" if col == "number" else "right")
    for row in table["rows"]:
        lo, hi = row["minus_20"], row["plus_20"]
        out_table.add_row(
            row["number"],
            f"{row['value']:.3g}",
            f"{_pct(lo['6_months'])} / {_pct(lo['12_months'])}",
            f"{_pct(hi['6_months'])} / {_pct(hi['12_months'])}",
        )
    out.print(out_table)


def _print_profile(path: str, applied: list[Applied]) -> None:
    table = Table(title=f"Set by profile {path} ({docs_page('profiles')})", title_justify="left")
    for col in ("parameter", "value", "sets", "before", "after"):
        table.add_column(col, justify="right" if col == "value" else "left")
    for a in applied:
        table.add_row(a.parameter, f"{a.value:.3g}", a.target, a.before, a.after)
    out.print(table)


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
        ("P(a week of surge, the top intensity, on the path)", _pct(doc["p_escalation"])),
        ("P(a week of surge after the deadline)", _pct(doc["p_escalation_after_deadline"])),
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
    _print_diagnostics(doc)


def _print_diagnostics(doc: dict[str, Any]) -> None:
    """Who blocks the deal, where P(deal) comes from, how the war is fought (schema 2)."""
    if "votes" not in doc:  # a what-if document of the headline only
        return
    votes = Table(title="Who blocks the deal: the mediator's offers", title_justify="left")
    for col in ("type", "offers", "per week at war", "attacker accepts", "defender accepts"):
        votes.add_column(col, justify="left" if col == "type" else "right")
    for name, v in doc["votes"].items():
        votes.add_row(
            name,
            f"{v['offers']:,}",
            _pct(v["offer_rate"]),
            _pct(v["accepted_by_attacker"]),
            _pct(v["accepted_by_defender"]),
        )
    out.print(votes)
    src = doc["sources"]
    dates = src["dates"]
    sources = Table(title="Where P(deal) comes from: who proposed it", title_justify="left")
    sources.add_column("source")
    for when in dates.values():
        sources.add_column(f"by {when}", justify="right")
    for name, row in src.items():
        if name != "dates":
            sources.add_row(name, *(_pct(row[k]) for k in dates))
    out.print(sources)
    shares = doc["shares"]["intensity"]
    fought = Table(
        title="How the war is fought: share of weeks at war at each intensity",
        title_justify="left",
    )
    fought.add_column("weeks")
    names = list(shares["all"])
    for n in names:
        fought.add_column(n, justify="right")
    for span, row in shares.items():
        fought.add_row(span.replace("_", " "), *(_pct(row[n]) for n in names))
    out.print(fought)
    view = doc.get("outside")
    if view:
        table = Table(
            title=f"Inside and outside view: P(deal by date); the reference class is "
            f"{view['reference_episodes']} UCDP war episodes, {view['lasted_as_long']} of them "
            f"lasting {view['years_so_far']:g} years or more ({view['described']})",
            title_justify="left",
        )
        for col in ("by", "war model", "outside view", "base rate", "pooled", "gap"):
            table.add_column(col, justify="left" if col == "by" else "right")
        for row in view["dates"].values():
            table.add_row(
                row["date"],
                _pct(row["war_model"]),
                _pct(row["outside_view"]),
                _pct(row["base_rate"]),
                _pct(row["pooled"]),
                f"{100 * row['gap']:+.0f} pts",
            )
        out.print(table)
        out.print(
            f"outside view: settlement or ceasefire (cause-specific Cox, {docs_page('outlook')}); "
            f"pooled: logarithmic pool, war model weight {view['pool_weight']:g}; nearest: "
            + "; ".join(view["nearest"][:3])
        )
    learnt = doc.get("resolve")
    if learnt:
        table = Table(
            title="What the attacker learns: the defender's resolve is private "
            f"(prior resolute {_pct(learnt['prior_resolute'])})",
            title_justify="left",
        )
        table.add_column("defender")
        for when in learnt["dates"].values():
            table.add_column(f"P(deal) by {when}", justify="right")
        for when in learnt["dates"].values():
            table.add_column(f"belief resolute {when}", justify="right")
        for name in ("weary", "resolute"):
            row = learnt[name]
            table.add_row(
                f"{name} ({_pct(row['share'])})",
                *(_pct(row["p_deal_by"][k]) for k in learnt["dates"]),
                *(_pct(row["belief_resolute"][k]) for k in learnt["dates"]),
            )
        out.print(table)


def _print_what_if(overrides: list[str], before: dict[str, Any], after: dict[str, Any]) -> None:
    table = Table(title="What if " + ", ".join(overrides), title_justify="left")
    for col in ("", "baseline", "what-if", "change"):
        table.add_column(col, justify="right" if col else "left")
    for key, base in before.items():
        new = after[key]
        change = "-" if base is None or new is None else f"{new - base:+.4g}"
        table.add_row(key, f"{base}", f"{new}", change)
    out.print(table)
