"""The outcome models on the KTAB China 2014 cases with coded outcomes (docs/backtest.md).

Prints, per case and model, the forecast and its absolute error against the near-term (~2017)
and long-run (~2020) codings, whether it falls in the coded range, and the mean absolute
error over the four case-readings (DECISIONS DEU-8).
Run: ``.venv/bin/python benchmarks/spatial_cases.py [FILE]`` (default: the shared data's
``validation/spatial_cases/ktab_china_2014_with_outcomes_hamzagul07.json``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from detente.backtest.baselines import BASELINES
from detente.backtest.spatial import load_spatial_cases, score_spatial
from detente.models.base import OutcomeModel
from detente.registry import outcome_models

DEFAULT = "validation/spatial_cases/ktab_china_2014_with_outcomes_hamzagul07.json"


def models() -> dict[str, OutcomeModel]:
    """Every registered outcome model with its defaults, and two naive baselines."""
    out: dict[str, OutcomeModel] = {n: cls() for n, cls in outcome_models().items()}
    out["status quo"] = BASELINES["baseline_reference_point"]
    out["unweighted median"] = BASELINES["baseline_median"]
    return out


def main() -> None:
    shared = Path(
        os.environ.get(
            "DETENTE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
        )
    )
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else shared / DEFAULT
    cases = load_spatial_cases(path)
    scores = score_spatial(cases, models())
    print(
        "| case | model | forecast | error near term (coded) | error long run (coded) "
        "| in range (near / long) |"
    )
    print("|---|---|---|---|---|---|")
    for (case, model), rows in scores.groupby(["case", "model"], sort=False):
        near = rows[rows.reading.str.startswith("near")].iloc[0]
        far = rows[rows.reading.str.startswith("long")].iloc[0]
        print(
            f"| {case} | {model} | {near.predicted:.1f} | {near.abs_error:.1f} ({near.coded:g}) "
            f"| {far.abs_error:.1f} ({far.coded:g}) | {'yes' if near.in_range else 'no'} / "
            f"{'yes' if far.in_range else 'no'} |"
        )
    print()
    print("| model | MAE near term | MAE long run | in range (of 4) |")
    print("|---|---|---|---|")
    for model, rows in scores.groupby("model", sort=False):
        near = rows[rows.reading.str.startswith("near")]
        far = rows[rows.reading.str.startswith("long")]
        print(
            f"| {model} | {near.abs_error.mean():.1f} | {far.abs_error.mean():.1f} | "
            f"{int(rows.in_range.sum())} |"
        )


if __name__ == "__main__":
    main()
