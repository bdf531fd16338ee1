"""``detente backtest``: score the outcome models on real outcomes (DEU III)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from detente.cli import render
from detente.cli.common import TableJsonCsv, out
from detente.models import get_model
from detente.registry import outcome_models


def backtest_deu(
    data: Annotated[
        Path | None,
        typer.Option(help="A folder laid out like shared/data/validation/deu (the default)."),
    ] = None,
    models: Annotated[
        list[str] | None, typer.Option("--models", "-m", help="Models to score (default: all).")
    ] = None,
    capability: Annotated[
        str,
        typer.Option(
            help="Capability: 'equal', 'votes' (Council vote weights), or the Council "
            "power index under the issue's rule: 'shapley' or 'banzhaf'."
        ),
    ] = "equal",
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Proposal-grouped 5-fold CV of every model and the stacked ensemble, with a "
            "paired bootstrap 95% interval of MAE(model) - MAE(compromise).",
        ),
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap (with --compare).")] = 0,
    fmt: Annotated[TableJsonCsv, typer.Option("--format", "-f")] = TableJsonCsv.table,
) -> None:
    """Score every model, and the naive baselines, on the real outcomes of EU legislative
    bargaining (DEU III, development split)."""
    from detente.backtest.baselines import BASELINES
    from detente.backtest.deu import backtest, default_deu_dir, load_deu, score

    cases = load_deu(data or default_deu_dir(), capability=capability)
    names = models or list(outcome_models())
    title = f"DEU backtest, capability={capability}"
    if compare:
        from detente.backtest.compare import compare_models

        if "compromise" not in names:
            names = ["compromise", *names]
        chosen = {name: get_model(name) for name in names}
        table = compare_models(cases, chosen, seed=seed)[0]
        title += ", 5-fold CV by proposal, paired bootstrap vs compromise"
    else:
        chosen = {name: get_model(name) for name in names} | BASELINES
        table = score(backtest(cases, chosen))
    if fmt is TableJsonCsv.csv:
        sys.stdout.write(table.to_csv(index=False, float_format="%.4f"))
    elif fmt is TableJsonCsv.json:
        print(table.to_json(orient="records", indent=2))
    else:
        out.print(render.score_table(table, title=title))


backtest_app = typer.Typer(help="Score the models against real outcomes.", no_args_is_help=True)
"""``detente backtest``, mounted by :mod:`detente.cli.main`."""
backtest_app.command("deu")(backtest_deu)
