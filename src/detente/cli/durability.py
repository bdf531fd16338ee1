"""``detente durability``: will the deal hold?

A Typer sub-app, mounted by :mod:`detente.cli.main`, with two commands:
``detente durability predict SCENARIO --deal 'territory=81,guarantees=60'`` and
``detente durability evaluate --train FILE --test FILE``. The library raises
:class:`~detente.errors.DetenteError`; the main app turns it into one line and exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detente.cli.common import TableOrJson, out, warn_dropped
from detente.durability.data import AgreementData, read_agreements
from detente.durability.evaluate import holdout_scores
from detente.durability.fit import MODELS, get_model
from detente.durability.hazard import (
    DurabilityForecast,
    FittedResumptionHazard,
    default_model,
)
from detente.durability.mapping import check_deal, load_mapping, parse_deal
from detente.scenario import load_scenario

durability_app = typer.Typer(
    help="Will the deal hold? Survival models fitted on real peace agreements.",
    no_args_is_help=True,
)


# DECISIONS DUR-6, DUR-13: the commands default to the packaged model (cox_cv on the ten
# covariates the mapping sets)
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help=f"Survival model: {', '.join(MODELS)}; default: the packaged model (cox_cv on "
        "the ten mapped covariates, theory-signed).",
    ),
]


@durability_app.callback()
def _durability() -> None:
    """Will the deal hold? Survival models fitted on real peace agreements."""


@durability_app.command("predict")
def predict(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a scenario file.")],
    deal: Annotated[
        str,
        typer.Option(
            "--deal", "-d", help="The deal's terms, e.g. 'territory=81,sanctions=30,guarantees=60'."
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(help="A mapping YAML (deal terms → covariates); default: the built-in one."),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="UCDP peace-agreement CSV to fit on; default: the shared copy."),
    ] = None,
    model: ModelOption = None,
    level: Annotated[float, typer.Option(help="Level of the interval.")] = 0.9,
    draws: Annotated[int, typer.Option(help="Draws of the model's parameters.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the draws.")] = 0,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
) -> None:
    """P(the deal holds 1, 3 and 5 years) with an interval, and the term that would raise it
    most."""
    sc = load_scenario(scenario)
    terms = parse_deal(deal)
    deal_mapping = load_mapping(mapping)
    check_deal(terms, deal_mapping, sc)
    if model is not None:
        get_model(model)  # an unknown name fails before the data are read
    hazard = FittedResumptionHazard.from_data(data, model=model, mapping=deal_mapping)
    result = hazard.forecast(terms, level=level, n_draws=draws, seed=seed)
    if fmt is TableOrJson.json:
        print(json.dumps({"scenario": sc.name, **result.to_dict()}, indent=2))
    else:
        _print_forecast(sc.name, result)


def _print_forecast(name: str, result: DurabilityForecast) -> None:
    deal_text = ", ".join(f"{k}={v:g}" for k, v in result.deal.items())
    out.print(f"{name}: will the deal hold? Model {result.model}; deal {deal_text}")
    table = Table()
    table.add_column("years", justify="right")
    table.add_column("P(holds)", justify="right")
    table.add_column(f"{result.level:.0%} interval", justify="right")
    for t, p, lo, hi in zip(
        result.horizons, result.p_holds, result.lower, result.upper, strict=True
    ):
        table.add_row(f"{t:g}", f"{p:.2f}", f"{lo:.2f}–{hi:.2f}")
    out.print(table)
    best = result.best
    if best is None:
        out.print("No single term raises P(holds) further.")
    else:
        was = "not in the deal" if best.current is None else f"now {best.current:g}"
        out.print(
            f"Raises it most: {best.term}={best.value:g} ({was}): P(holds {result.horizons[-1]:g} "
            f"years) {best.p_holds:.2f}, +{best.gain:.2f}."
        )
    if result.no_counterpart:
        out.print(
            "No counterpart in the data, no effect: " + ", ".join(result.no_counterpart) + "."
        )


@durability_app.command("evaluate")
def evaluate(
    train: Annotated[Path, typer.Option(help="UCDP peace-agreement CSV to fit on.")],
    test: Annotated[Path, typer.Option(help="CSV with the same columns to score on.")],
    model: ModelOption = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse a file with an inconsistent row instead of leaving such rows out "
            "with a warning.",
        ),
    ] = False,
) -> None:
    """Fit on one file and score the other: Harrell's and Uno's C (5 years) and the
    integrated Brier score (one month to 5 years)."""
    estimator = default_model() if model is None else get_model(model)
    train_frame = _read(train, strict).frame
    test_frame = _read(test, strict).frame
    scores = holdout_scores(estimator, train_frame, test_frame)
    n_test = int(scores["n_test"])
    if fmt is TableOrJson.json:
        print(
            json.dumps(
                {
                    "c_index": round(scores["c_index"], 4),
                    "n_test": n_test,
                    "c_index_uno": round(scores["c_index_uno"], 4),
                    "ibs": round(scores["ibs"], 4),
                }
            )
        )
    else:
        out.print(
            f"{estimator.label}: fitted on {len(train_frame)} agreements ({train}), "
            f"scored on {n_test} ({test}): Harrell's C = {scores['c_index']:.3f}, Uno's C = "
            f"{scores['c_index_uno']:.3f}, integrated Brier score = {scores['ibs']:.3f}"
        )


def _read(path: Path, strict: bool) -> AgreementData:
    """The agreements of ``path``; each kind of row left out is one warning line on stderr."""
    data = read_agreements(path, strict=strict)
    warn_dropped(path, data.dropped, "row")
    return data
