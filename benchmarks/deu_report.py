"""Every table of docs/backtest.md: in-sample and cross-validated DEU scores.

Usage: ``python benchmarks/deu_report.py [--data DIR] [--folds 5]``. Prints markdown.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.backtest.baselines import BASELINES
from detente.backtest.compare import compare_models
from detente.backtest.deu import (
    DeuCase,
    backtest,
    cross_validate,
    default_deu_dir,
    load_deu,
    score,
)
from detente.models import MODELS
from detente.models.base import IssueProblem, IssueSolution, OutcomeModel
from detente.models.compromise import weighted_mean
from detente.models.nash import LOSERS, POWERS, UTILITIES, NashBargaining
from detente.models.procedural import ProceduralCompromise
from detente.registry import outcome_models


class _SelectNash(OutcomeModel):
    """A Nash variant picked by name, so that the variant choice can be cross-validated."""

    name = "nash_selected"
    label = "Nash, variant chosen on training folds"
    reference = "Achen 2006"

    def __init__(self, utility: str, power: str, losers: str) -> None:
        self.utility = utility
        self.power = power
        self.losers = losers

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        return NashBargaining(self.utility, self.power, self.losers).solve_issue(problem)


class _RuleShrink(OutcomeModel):
    """Experiment (lost): compromise + λ_rule (status quo - compromise), λ of either sign.

    Not made a model (DECISIONS DEU-7)."""

    name = "sq_shrink"
    label = "Compromise shrunk toward / away from the status quo"
    reference = "experiment"

    def __init__(self, lambda_qmv: float, lambda_unanimity: float) -> None:
        self.lambda_qmv = lambda_qmv
        self.lambda_unanimity = lambda_unanimity

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        mean = float(weighted_mean(problem.position, problem.weight))
        d = float(problem.status_quo)
        if not math.isfinite(d):
            return IssueSolution(outcome=mean)
        unan = str(problem.context.get("voting_rule", "")).lower().startswith("unan")
        lam = self.lambda_unanimity if unan else self.lambda_qmv
        return IssueSolution(outcome=mean + lam * (d - mean))


RULE_COLUMNS = ["flagged", "mae_within_rule"]
"""The score columns of the recorded decision rule (DECISIONS SCN-9), in a table of their own."""


def all_models() -> dict[str, OutcomeModel]:
    models: dict[str, OutcomeModel] = {name: cls() for name, cls in MODELS.items()}
    models.setdefault("nash", NashBargaining())
    models.setdefault("procedural", ProceduralCompromise())
    models.update(BASELINES)
    return models


def md(table: pd.DataFrame) -> str:
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cv_row(
    cases: Sequence[DeuCase],
    make: Any,
    grid: Sequence[Mapping[str, Any]],
    name: str,
    reference: pd.DataFrame,
    folds: int,
) -> tuple[pd.DataFrame, list[dict[str, Any]], pd.DataFrame]:
    held_out, chosen = cross_validate(cases, make, grid, n_splits=folds, name=name)
    in_sample = [float(backtest(cases, {name: make(**g)})["abs_error"].mean()) for g in grid]
    best = dict(grid[int(np.nanargmin(in_sample))])
    full = backtest(cases, {name: make(**best)})
    ins = score(pd.concat([reference, full]))
    cv = score(pd.concat([reference, held_out]))
    return ins[ins.model == name], chosen, cv[cv.model == name]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=default_deu_dir())
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)

    for cap in ("equal", "votes"):
        cases = load_deu(args.data, cap)
        preds = backtest(cases, all_models())
        print(f"\n### In-sample, capability={cap} ({len(cases)} issues loaded)\n")
        print(md(score(preds).drop(columns=RULE_COLUMNS)))
        for rule in ("QMV", "Unan"):
            sub = score(preds[preds.voting_rule == rule]).drop(columns=RULE_COLUMNS)
            print(f"\n{cap}, voting rule {rule}:\n")
            print(md(sub[sub.model.isin(["compromise", "nash", "procedural", "median"])]))
        print(f"\n{cap}, each prediction checked against the rule DEU records:\n")
        print(md(score(preds)[["model", "n", "mae", *RULE_COLUMNS]]))

        ref = preds[preds.model == "compromise"]
        print(f"\n### Cross-validated ({args.folds}-fold by proposal), capability={cap}\n")
        nash_grid = [
            {"utility": u, "power": p, "losers": ls}
            for u, p, ls in itertools.product(UTILITIES, POWERS, LOSERS)
        ]
        steps = [round(x, 2) for x in np.arange(-0.5, 0.501, 0.05)]
        shrink_grid = [
            {"lambda_qmv": a, "lambda_unanimity": b} for a, b in itertools.product(steps, steps)
        ]
        rows = []
        for make, grid, name in (
            (_SelectNash, nash_grid, "nash_selected"),
            (_RuleShrink, shrink_grid, "sq_shrink"),
        ):
            ins, chosen, cv = cv_row(cases, make, grid, name, ref, args.folds)
            rows.append((name, ins, cv, chosen))
        table = []
        for name, ins, cv, chosen in rows:
            table.append(
                {
                    "model": name,
                    "in_sample_mae": float(ins.mae.iloc[0]),
                    "cv_mae": float(cv.mae.iloc[0]),
                    "cv_share_beats_compromise": float(cv.share_beats_compromise.iloc[0]),
                    "chosen_per_fold": "; ".join(
                        ",".join(f"{v}" for v in c.values()) for c in chosen
                    ),
                }
            )
        comp = score(ref)
        table.append(
            {
                "model": "compromise (no tuning)",
                "in_sample_mae": float(comp.mae.iloc[0]),
                "cv_mae": float(comp.mae.iloc[0]),
                "cv_share_beats_compromise": 0.0,
                "chosen_per_fold": "-",
            }
        )
        print(md(pd.DataFrame(table)))

    for cap in ("equal", "votes"):
        cases = load_deu(args.data, cap)
        registered = {name: cls() for name, cls in outcome_models().items()}
        compared, weights = compare_models(cases, registered, n_splits=args.folds, seed=0)
        print(
            f"\n### Every registered model and the stacked ensemble, {args.folds}-fold CV by "
            f"proposal, paired bootstrap vs compromise (2000 draws, seed 0), capability={cap}\n"
        )
        print(md(compared))
        print(f"\nStacked ensemble weights per fold (fitted on the training folds), {cap}:\n")
        print(md(weights.reset_index()))

    print("\n### Sensitivity of capability=votes to the institutions' weights\n")
    sens = []
    for inst, ep in itertools.product(("max", "mean"), (1.0, 0.5, 0.0)):
        cases = load_deu(args.data, "votes", institutions=inst, ep_consultation=ep)
        s = score(
            backtest(
                cases,
                {"compromise": MODELS["compromise"](), "nash": NashBargaining()},
            )
        ).set_index("model")["mae"]
        sens.append(
            {
                "institutions": inst,
                "ep_consultation": ep,
                "compromise_mae": float(s["compromise"]),
                "nash_mae": float(s["nash"]),
            }
        )
    print(md(pd.DataFrame(sens)))


if __name__ == "__main__":
    main()
