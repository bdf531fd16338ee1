"""``detente durability``: will the deal hold?

A Typer sub-app, mounted by :mod:`detente.cli.main`, with two commands:
``detente durability predict SCENARIO --deal 'territory=81,guarantees=60'`` and
``detente durability evaluate --train FILE [--test FILE]``. The library raises
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
from detente.durability.evaluate import Evaluation, evaluate_cv, evaluate_holdout
from detente.durability.fit import MODELS, get_model
from detente.durability.hazard import (
    DurabilityForecast,
    FittedResumptionHazard,
    default_model,
)
from detente.durability.mapping import check_deal, load_mapping, parse_deal
from detente.errors import DetenteError
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
    test: Annotated[
        Path | None,
        typer.Option(
            help="CSV with the same columns to score on; without it, k-fold cross-validation "
            "grouped by conflict on --train."
        ),
    ] = None,
    model: ModelOption = None,
    folds: Annotated[int, typer.Option(help="Folds of the cross-validation (no --test).")] = 5,
    boot: Annotated[
        int, typer.Option(help="Resamples of whole conflicts for the intervals (0: none).")
    ] = 1000,
    level: Annotated[float, typer.Option(help="Level of the intervals.")] = 0.95,
    groups: Annotated[
        int, typer.Option(help="Risk groups of the calibration table (3: tertiles).")
    ] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the folds and the resamples.")] = 0,
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
    """Score a model out of sample: Harrell's and Uno's C (5 years), the integrated Brier
    score (one month to 5 years) and calibration at 1, 3 and 5 years (predicted vs
    Kaplan–Meier observed share failed by risk group), with grouped bootstrap intervals."""
    estimator = default_model() if model is None else get_model(model)
    if groups < 1:
        raise DetenteError(f"{groups} risk groups; use 1 or more", where="--groups")
    train_frame = _read(train, strict).frame
    if test is None:
        result = evaluate_cv(
            estimator, train_frame, k=folds, seed=seed, boot=boot, level=level, n_groups=groups
        )
        scored = f"{folds}-fold CV grouped by conflict on {len(train_frame)} agreements ({train})"
    else:
        test_frame = _read(test, strict).frame
        result = evaluate_holdout(
            estimator, train_frame, test_frame, seed=seed, boot=boot, level=level,
            n_groups=groups,
        )  # fmt: skip
        scored = (
            f"fitted on {len(train_frame)} agreements ({train}), scored on {result.n_test} ({test})"
        )
    if fmt is TableOrJson.json:
        print(json.dumps({"model": estimator.name, **result.to_dict()}))
    else:
        _print_evaluation(estimator.label, scored, result)


def _print_evaluation(label: str, scored: str, result: Evaluation) -> None:
    out.print(f"{label}: {scored}; {result.level:.0%} intervals, {result.boot} resamples of "
              f"conflicts (seed {result.seed})")  # fmt: skip
    table = Table()
    for col in ("score", "estimate", "interval"):
        table.add_column(col, justify="right" if col != "score" else "left")
    names = {"c_index": "Harrell's C", "c_index_uno": "Uno's C (5 y)", "ibs": "IBS (1 m-5 y)"}
    for key, name in names.items():
        lo, hi = result.intervals[key]
        table.add_row(name, f"{result.scores[key]:.3f}", f"{lo:.3f}–{hi:.3f}")
    out.print(table)
    cal = Table(title="share failed by t: predicted vs observed (1 − Kaplan–Meier)")
    for col in ("group", "n", "years", "predicted", "observed", "observed − predicted"):
        cal.add_column(col, justify="left" if col == "group" else "right")
    for r in result.calibration.itertuples():
        cal.add_row(
            str(r.group), str(r.n), f"{r.horizon:g}",
            f"{r.predicted:.2f} ({r.predicted_lower:.2f}–{r.predicted_upper:.2f})",
            f"{r.observed:.2f} ({r.observed_lower:.2f}–{r.observed_upper:.2f})",
            f"{r.gap:+.2f} ({r.gap_lower:+.2f}–{r.gap_upper:+.2f})",
        )  # fmt: skip
    out.print(cal)


def _read(path: Path, strict: bool) -> AgreementData:
    """The agreements of ``path``; each kind of row left out is one warning line on stderr."""
    data = read_agreements(path, strict=strict)
    warn_dropped(path, data.dropped, "row")
    return data
