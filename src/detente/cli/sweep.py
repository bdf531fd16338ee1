"""``detente sweep``, ``detente sensitivity`` and ``detente runs``: thin commands over
:mod:`detente.uncertainty` and :mod:`detente.store`.

Registered in :mod:`detente.cli.main` as ``app.command()(sweep)``,
``app.command()(sensitivity)`` and ``app.add_typer(runs_app, name="runs")``. Also runnable on
its own: ``python -m detente.cli.sweep sweep ...``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from detente.cli.common import NoStoreOpt, OneLineErrors, StoreOpt, TableOrJson, err, out
from detente.errors import DetenteError
from detente.paths import docs_page
from detente.registry import outcome_models
from detente.scenario import load_scenario
from detente.spec.scenario import Scenario
from detente.uncertainty.backends import BACKENDS
from detente.uncertainty.evaluators import (
    DEFAULT_CAMPAIGN_CHUNK_SIZE,
    DEFAULT_CHUNK_SIZE,
    DEFAULT_PATHS,
    WAR,
    CampaignModel,
    Evaluator,
    OutcomeModels,
)
from detente.uncertainty.sweep import Band, resolve_models, war_evaluator


class PolicyChoice(StrEnum):
    solve = "solve"
    fixed = "fixed"


class BackendChoice(StrEnum):
    inline = "inline"
    process = "process"
    ray = "ray"


assert tuple(BackendChoice) == BACKENDS

ScenarioArg = Annotated[
    str, typer.Argument(help="A built-in scenario name (see `detente scenarios`) or a file.")
]
ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        help=f"Model(s): {', '.join(outcome_models())} (default: all), or {WAR} alone: the "
        "war-termination model on the campaign numbers given by --vary (one solve per draw).",
    ),
]
VaryOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="--model war: PATH=DISTRIBUTION, a campaign number and its distribution in the "
        "scenario's syntax, e.g. 'mediator.types.NAME.after.riposte_probability={uniform: "
        "[0.2, 0.6]}'. Repeatable."
    ),
]
PathsOpt = Annotated[
    int, typer.Option(help="--model war: simulated paths per draw (same seed for every draw).")
]
DealByOpt = Annotated[
    str | None,
    typer.Option(
        help="--model war: the date of P(deal by date), YYYY-MM-DD (default: 26 weeks after "
        "the deadline)."
    ),
]
PolicyOpt = Annotated[
    PolicyChoice,
    typer.Option(
        help="--model war: solve the policy on every draw, or solve it once at the central "
        "values and only simulate each draw (fast; the choices do not respond to the draw)."
    ),
]
SeedOpt = Annotated[int, typer.Option(help="Seed of every random draw (>= 0; 0 is a seed).")]
BackendOpt = Annotated[
    BackendChoice, typer.Option(help="Where chunks run: this process, a process pool, or Ray.")
]
AddressOpt = Annotated[
    str | None, typer.Option(help="Ray cluster address (--backend ray), e.g. 127.0.0.1:6379.")
]
WorkersOpt = Annotated[
    int | None, typer.Option(help="Worker processes / Ray CPUs (default: all cores).")
]
ChunkOpt = Annotated[
    int | None,
    typer.Option(
        help="Draws per chunk; part of the seeding, recorded with the run (default "
        f"{DEFAULT_CHUNK_SIZE}, {DEFAULT_CAMPAIGN_CHUNK_SIZE} with --model war)."
    ),
]


def _war(
    sc: Scenario,
    model: list[str] | None,
    vary: list[str] | None,
    *,
    paths: int,
    seed: int,
    deal_by: str | None,
    policy: PolicyChoice,
) -> CampaignModel | None:
    """The war model's evaluator when ``--model war`` is asked, else None (and no --vary)."""
    from detente.uncertainty.sampling import parse_vary

    if WAR not in (model or []):
        if vary:
            raise DetenteError("--vary is for --model war; add --model war", where="--vary")
        return None
    if len(model or []) > 1:
        raise DetenteError(f"--model {WAR} runs alone; run the outcome models separately",
                           where="--model")  # fmt: skip
    when = None
    if deal_by is not None:
        try:
            when = date.fromisoformat(deal_by)
        except ValueError:
            raise DetenteError(f"--deal-by {deal_by!r} is not a date; write YYYY-MM-DD",
                               where="--deal-by") from None  # fmt: skip
    return war_evaluator(sc, dict(parse_vary(v) for v in vary or []), paths=paths, seed=seed,
                         deal_by=when, policy=policy.value)  # fmt: skip


def _open_store(path: Path | None, no_store: bool) -> Any:
    from detente.store import RunStore

    return RunStore(":memory:" if no_store else path)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich bar on a terminal; one plain line per finished chunk otherwise."""
    if err.is_terminal:
        bar = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
            TimeRemainingColumn(), console=err, transient=True,
        )  # fmt: skip
        task = bar.add_task(label, total=None)
        with bar:
            yield lambda done, total: bar.update(task, completed=done, total=total)
        return
    last = [-1]

    def line(done: int, total: int) -> None:
        if done != last[0]:
            last[0] = done
            print(f"{label}: {done}/{total} chunks in the store", file=sys.stderr, flush=True)

    yield line


def sweep(
    scenario: ScenarioArg,
    draws: Annotated[int, typer.Option(help="Number of Monte Carlo draws.")] = 1000,
    seed: SeedOpt = 0,
    model: ModelOpt = None,
    backend: BackendOpt = BackendChoice.inline,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
    band: Annotated[
        list[str] | None,
        typer.Option(help="ISSUE:LOW:HIGH; report P(LOW <= outcome <= HIGH). Repeatable."),
    ] = None,
    spread: Annotated[
        bool,
        typer.Option(
            help="Give every position, salience and capability without a distribution the "
            f"default band ({docs_page('uncertainty')})."
        ),
    ] = False,
    chunk_size: ChunkOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    fresh: Annotated[
        bool, typer.Option(help="Start a new run even if the same run is in the store.")
    ] = False,
    vary: VaryOpt = None,
    paths: PathsOpt = DEFAULT_PATHS,
    deal_by: DealByOpt = None,
    policy: PolicyOpt = PolicyChoice.solve,
) -> None:
    """Monte Carlo draws of the scenario's distributions through the models: quantiles,
    band probabilities and a convergence check per model and issue. Recorded in the run store
    chunk by chunk; rerunning an interrupted sweep resumes it. With --model war: draws of
    the campaign numbers given by --vary through the war-termination model (P(deal), P(deal
    by date), P(escalation), territory at the horizon, gain per day before/after the
    deadline)."""
    from detente.store.recorded import stored_sweep
    from detente.uncertainty.sampling import uncertain_numbers, with_default_spread

    sc = load_scenario(scenario)
    war = _war(sc, model, vary, paths=paths, seed=seed, deal_by=deal_by, policy=policy)
    if war is not None and (spread or band):
        raise DetenteError("--spread and --band are for the outcome models, not --model war",
                           where="--model war")  # fmt: skip
    if spread:
        sc = with_default_spread(sc)
    elif war is None and not uncertain_numbers(sc) and draws > 1:  # DECISIONS DESK-9
        err.print(
            f"nothing varies: {sc.name} gives no distributions and --spread is off, so every "
            "draw would be the same; running the central values once (add distributions or "
            "pass --spread)"
        )
        draws = 1
    bands = [Band.parse(b) for b in band or []]
    for b in bands:
        if b.output not in sc.issue_names:
            raise DetenteError(
                f"band names unknown issue {b.output!r}; use one of: {', '.join(sc.issue_names)}",
                where="--band",
            )
    evaluator: Evaluator = war if war is not None else OutcomeModels(sc, resolve_models(model))
    with _open_store(store, no_store) as st, _progress("sweep") as progress:
        try:
            result = stored_sweep(
                st, sc, evaluator, n_draws=draws, seed=seed, chunk_size=chunk_size, bands=bands,
                backend=backend.value, address=address, workers=workers, fresh=fresh,
                extra_spec=None if war is not None else {"spread": spread}, progress=progress,
            )  # fmt: skip
        except KeyboardInterrupt:
            print(
                "interrupted: the finished chunks are in the store; rerun the same command "
                "to resume",
                file=sys.stderr,
            )
            raise typer.Exit(130) from None
    if result.state == "resumed":
        print(
            f"resumed run {result.run_id}: {result.chunks_before} of {result.n_chunks} chunks "
            "were already in the store",
            file=sys.stderr,
        )
    elif result.state == "complete":
        print(f"run {result.run_id} was already complete; reused it", file=sys.stderr)
    if fmt is TableOrJson.json:
        print(json.dumps(result.document, indent=2))
    else:
        out.print(sweep_table(result.document))


def sweep_table(doc: dict[str, Any]) -> Table:
    """Per output: the value at the central numbers and the draws' quantiles. The outcome
    models' (models × issues) also give band probabilities and the convergence check; the war
    model's are over one draw's paths each."""
    params = doc["results"][0]["params"]
    war = "outputs" in doc["results"][0]
    run = f", run {doc['run_id']}" if doc.get("run_id") else ""
    if war:
        title = (f"Sweep of the war model: {doc['scenario']}, {doc['n_draws']} draws × "
                 f"{params['paths']} paths, seed {doc['seed']}{run}")  # fmt: skip
        caption = (
            f"{len(doc['uncertain'])} campaign numbers drawn; policy {params['policy']}; P(deal "
            f"by) {params['deal_by']}. Each output is over one draw's paths; the quantiles are "
            "across draws."
        )
        labels, num = ["output", "central"], _num
    else:
        title = f"Sweep: {doc['scenario']}, {doc['n_draws']} draws, seed {doc['seed']}{run}"
        caption = (f"{len(doc['uncertain'])} uncertain numbers. converged: 1.96 × batch-means "
                   "standard error of mean and median <= 0.5% of the scale.")  # fmt: skip
        labels, num = ["model", "issue", "forecast"], _one_decimal
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    for col in (*labels, "p05", "p25", "p50", "p75", "p95", "mean"):
        table.add_column(col, justify="left" if col in ("model", "issue", "output") else "right")
    if not war:
        table.add_column("P(band)", justify="right")
        table.add_column("converged", justify="right")
    for res in doc["results"]:
        for row in res["outputs" if war else "issues"]:
            q = row["quantiles"]
            values = [
                num(row["deterministic"]),
                *(num(q[k]) for k in ("p05", "p25", "p50", "p75", "p95")),
                num(row["mean"]),
            ]
            if war:
                table.add_row(row["output"], *values)
                continue
            bands = "; ".join(
                f"[{b['low']:g}, {b['high']:g}]: {b['probability']:.3f}" for b in row["bands"]
            )
            conv = row["convergence"]
            se = max(conv["mean_se"], conv["p50_se"]) if conv["converged"] is not None else None
            flag = "-" if se is None else ("yes" if conv["converged"] else "no")
            table.add_row(res["model"], row["issue"], *values, bands or "-",
                          flag if se is None else f"{flag} (se {se:.2f})")  # fmt: skip
    return table


def _one_decimal(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}"


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def sensitivity(
    scenario: ScenarioArg,
    model: ModelOpt = None,
    n: Annotated[
        int, typer.Option("--n", help="Sobol' base sample (power of 2); N × (P + 2) runs.")
    ] = 256,
    seed: SeedOpt = 0,
    backend: BackendOpt = BackendChoice.inline,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
    top: Annotated[int, typer.Option(help="Parameters shown per model and issue.")] = 10,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    vary: VaryOpt = None,
    paths: PathsOpt = DEFAULT_PATHS,
    deal_by: DealByOpt = None,
    policy: PolicyOpt = PolicyChoice.solve,
) -> None:
    """Sobol' first- and total-order indices, ranked: which uncertain number drives each
    forecast. Without distributions in the scenario, the default band is used. With --model
    war: the campaign numbers given by --vary, for each output of the war model
    (N × (P + 2) solves of the campaign; --policy fixed solves once)."""
    from detente.store.recorded import stored_sensitivity

    sc = load_scenario(scenario)
    war = _war(sc, model, vary, paths=paths, seed=seed, deal_by=deal_by, policy=policy)
    evaluator: Evaluator = war if war is not None else OutcomeModels(sc, resolve_models(model))
    with _open_store(store, no_store) as st, _progress("sensitivity") as progress:
        try:
            _, _, doc = stored_sensitivity(
                st, sc, evaluator, n=n, seed=seed, backend=backend.value, address=address,
                workers=workers, progress=progress,
            )  # fmt: skip
        except KeyboardInterrupt:
            print("interrupted; the store is consistent", file=sys.stderr)
            raise typer.Exit(130) from None
    if fmt is TableOrJson.json:
        print(json.dumps(doc, indent=2))
        return
    for res in doc["results"]:
        for issue in res.get("issues", res.get("outputs", [])):
            name = issue.get("issue", issue.get("output"))
            table = Table(
                title=f"Sobol' indices: {res['model']}, {name} "
                f"(N={doc['n']}, {doc['n_evaluations']} runs, seed {doc['seed']})",
                title_justify="left",
                caption="S1: share of the variance due to the number alone; ST: including its "
                "interactions. ± the 95% bootstrap half-width."
                + (" Default band (no distributions)." if doc["default_spread"] else ""),
                caption_justify="left",
            )
            for col in ("rank", "parameter", "S1", "ST"):
                table.add_column(col, justify="left" if col == "parameter" else "right")
            for row in issue["indices"][:top]:
                table.add_row(
                    str(row["rank"]), row["parameter"],
                    f"{_index(row['S1'])} ± {_index(row['S1_conf'])}",
                    f"{_index(row['ST'])} ± {_index(row['ST_conf'])}",
                )  # fmt: skip
            out.print(table)


def _index(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


runs_app = typer.Typer(help="The run store: list, show and export recorded runs.",
                       no_args_is_help=True)  # fmt: skip


@runs_app.command("list")
def runs_list(
    store: StoreOpt = None,
    limit: Annotated[int, typer.Option(help="Most recent runs to show.")] = 50,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
) -> None:
    """The most recent runs."""
    with _open_store(store, False) as st:
        frame = st.list_runs(limit)
    if fmt is TableOrJson.json:
        rows = frame.assign(models=[json.loads(str(m)) for m in frame["models"]])
        print(rows.to_json(orient="records", date_format="iso", indent=2))
        return
    table = Table(title=f"Runs in {st.path}", title_justify="left")
    for col in ("id", "kind", "status", "scenario", "models", "seed", "draws", "chunks",
                "backend", "created (UTC)", "elapsed s"):  # fmt: skip
        table.add_column(col)
    for r in frame.itertuples():
        table.add_row(
            str(r.run_id), str(r.kind), str(r.status), str(r.scenario),
            ",".join(json.loads(str(r.models))), _cell(r.seed), _cell(r.n_draws),
            f"{_cell(r.chunks_done)}/{_cell(r.n_chunks)}",
            _cell(r.backend), str(r.created_at)[:19], f"{r.elapsed_s:.2f}",
        )  # fmt: skip
    out.print(table)


def _cell(value: object) -> str:
    """A table cell: '-' for a missing value (None, NaN, pandas NA), integers without '.0'."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="A run id (or a unique prefix).")],
    store: StoreOpt = None,
) -> None:
    """One run: what was run, when, how long it took, and its summary document (JSON)."""
    with _open_store(store, False) as st:
        run = st.run(run_id)
    run.pop("run_key", None)
    print(json.dumps(run, indent=2, default=str))


@runs_app.command("export")
def runs_export(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="A run id (or a unique prefix).")],
    to: Annotated[Path, typer.Option("--to", help="The Parquet file to write.")],
    table: Annotated[
        str, typer.Option(help="outcomes (draws), indices (Sobol') or chunks.")
    ] = "outcomes",
    store: StoreOpt = None,
) -> None:
    """Write a run's rows to Parquet (the run's metadata in the file's key-value metadata)."""
    with _open_store(store, False) as st:
        rows = st.export(run_id, to, table)
    print(f"wrote {rows} rows to {to}")


def build_app() -> typer.Typer:
    """An app with just these commands, for ``python -m detente.cli.sweep`` and the tests."""
    app = typer.Typer(cls=OneLineErrors, no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False)  # fmt: skip
    app.command()(sweep)
    app.command()(sensitivity)
    app.add_typer(runs_app, name="runs")
    return app


def _timed(fn: Callable[[], None]) -> float:  # pragma: no cover - convenience
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":  # pragma: no cover
    build_app()()
