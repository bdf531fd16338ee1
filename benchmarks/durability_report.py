"""Every table and figure of docs/durability.md.

Usage: ``python benchmarks/durability_report.py [--data FILE] [--folds 5] [--seed 0]
[--img docs/img]``. Prints markdown; writes ``durability_calibration.png`` and
``durability_km.png`` to ``--img``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from detente.durability import (
    COVARIATES,
    HORIZONS,
    MODELS,
    FittedResumptionHazard,
    calibration_table,
    cross_validate,
    get_model,
    read_agreements,
)
from detente.durability.evaluate import kaplan_meier


def _coefficients(frame: pd.DataFrame) -> str:
    lines = []
    for name in MODELS:
        model = get_model(name).fit(frame)
        table = model.coefficients()
        ratio = "hazard_ratio" if "hazard_ratio" in table else "time_ratio"
        lo, hi = ("hr_lower", "hr_upper") if ratio == "hazard_ratio" else ("tr_lower", "tr_upper")
        label = "hazard ratio" if ratio == "hazard_ratio" else "time ratio"
        lines += [
            f"**{model.label}** ({name}), n = {len(frame)}, failures = {int(frame.failed.sum())}",
            "",
            f"| covariate | coef | 95% CI | {label} | 95% CI | p |",
            "|---|---|---|---|---|---|",
        ]
        for cov in COVARIATES:
            r = table.loc[cov]
            lines.append(
                f"| `{cov}` | {r.coef:+.2f} | [{r.lower:+.2f}, {r.upper:+.2f}] | "
                f"{r[ratio]:.2f} | [{r[lo]:.2f}, {r[hi]:.2f}] | {r.p:.3f} |"
            )
        if name == "weibull":
            lines.append(f"\nWeibull shape rho = {model.rho_:.2f} (< 1: a falling hazard).")  # type: ignore[attr-defined]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--img", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    data = read_agreements(args.data)
    frame = data.frame
    print(
        f"rows {len(frame)}, failed {data.n_failed}, dropped {data.dropped}, "
        f"censored at {data.end_of_data.date()}, interstate {int(frame.interstate.sum())}, "
        f"interstate failed {int(frame[frame.interstate == 1].failed.sum())}\n"
    )
    print(_coefficients(frame))

    print(
        "| model | in-sample C | CV C (seed 0), mean ± sd over folds | folds | "
        "CV C, mean over seeds 0-9 |"
    )
    print("|---|---|---|---|---|")
    cvs = {}
    for name in MODELS:
        cv = cross_validate(get_model(name), frame, k=args.folds, seed=args.seed)
        cvs[name] = cv
        seeds = [
            cross_validate(get_model(name), frame, k=args.folds, seed=s).mean for s in range(10)
        ]
        insample = get_model(name).fit(frame).concordance(frame)
        folds = ", ".join(f"{c:.3f}" for c in cv.c_index)
        print(
            f"| {name} | {insample:.3f} | {cv.mean:.3f} ± {cv.sd:.3f} | {folds} | "
            f"{np.mean(seeds):.3f} (range {min(seeds):.3f}-{max(seeds):.3f}) |"
        )
    print()

    print(
        "| model | risk group | n | 1 y pred | 1 y obs | 3 y pred | 3 y obs | 5 y pred | 5 y obs |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    tables = {}
    for name, cv in cvs.items():
        cal = calibration_table(frame, cv.predicted_failure, HORIZONS)
        tables[name] = cal
        for group, g in cal.groupby("group", sort=False):
            cells = " | ".join(f"{r.predicted:.2f} | {r.observed:.2f}" for r in g.itertuples())
            print(f"| {name} | {group} | {g.n.iloc[0]} | {cells} |")
    print()

    fig, axes = plt.subplots(1, len(HORIZONS), figsize=(12, 4), sharex=True, sharey=True)
    markers = {"cox": "o", "weibull": "s", "lognormal": "^"}
    for ax, t in zip(axes, HORIZONS, strict=True):
        ax.plot([0, 0.7], [0, 0.7], color="grey", lw=1, ls="--")
        for name, cal in tables.items():
            g = cal[(cal.horizon == t) & (cal.group != "all")]
            ax.plot(g.predicted, g.observed, marker=markers.get(name, "o"), label=name)
        ax.set_title(f"failed by {t:g} years")
        ax.set_xlabel("predicted share failed (out of fold)")
    axes[0].set_ylabel("observed share failed (Kaplan–Meier)")
    axes[0].legend()
    fig.suptitle("Calibration by risk tertile, 5-fold CV grouped by conflict, UCDP PA dev split")
    fig.tight_layout()
    args.img.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.img / "durability_calibration.png", dpi=110)

    grid = np.linspace(0, 15, 301)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    kinds = {
        "full (pa_type 1)": frame.comprehensive == 1,
        "partial (pa_type 2)": (frame.comprehensive == 0) & (frame.process == 0),
        "process (pa_type 3)": frame.process == 1,
    }
    for label, mask in kinds.items():
        s = kaplan_meier(frame.years[mask].to_numpy(), frame.failed[mask].to_numpy(), grid)
        axes[0].step(grid, s, where="post", label=f"{label}, n={int(mask.sum())}")
    for label, mask in {
        "peacekeepers (pko=1)": frame.pko == 1,
        "none (pko=0)": frame.pko == 0,
        "interstate": frame.interstate == 1,
    }.items():
        s = kaplan_meier(frame.years[mask].to_numpy(), frame.failed[mask].to_numpy(), grid)
        axes[1].step(grid, s, where="post", label=f"{label}, n={int(mask.sum())}")
    for ax, title in zip(axes, ["by agreement type", "by peacekeeping; interstate"], strict=True):
        ax.set_xlabel("years since signing")
        ax.set_title(f"Kaplan–Meier, {title}")
        ax.legend(loc="lower left")
    axes[0].set_ylabel("share of agreements still in force")
    fig.tight_layout()
    fig.savefig(args.img / "durability_km.png", dpi=110)

    print(
        "| deal (ukraine-2024, cox) | P(holds 1 y) | P(holds 3 y) | P(holds 5 y) | raises it most |"
    )
    print("|---|---|---|---|---|")
    hazard = FittedResumptionHazard(get_model("cox").fit(frame))
    for deal in (
        {"territory": 81, "sanctions": 30, "guarantees": 60},
        {"territory": 81, "sanctions": 30, "guarantees": 20},
        {"territory": 81, "guarantees": 80, "peacekeepers": 1, "comprehensive": 1},
    ):
        r = hazard.forecast(deal, seed=args.seed)
        cells = " | ".join(
            f"{p:.2f} [{lo:.2f}, {hi:.2f}]"
            for p, lo, hi in zip(r.p_holds, r.lower, r.upper, strict=True)
        )
        best = "none" if r.best is None else f"{r.best.term}={r.best.value:g} (+{r.best.gain:.2f})"
        text = ", ".join(f"{k}={v:g}" for k, v in deal.items())
        print(f"| {text} | {cells} | {best} |")


if __name__ == "__main__":
    main()
