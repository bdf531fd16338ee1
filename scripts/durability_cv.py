"""The durability models scored out of sample on the UCDP development split (docs/durability.md).

Grouped 5-fold cross-validation (folds by conflict, seed 0): Harrell's C, Uno's C and the
integrated Brier score up to 5 years with 95 % intervals over the folds, and calibration
(predicted vs Kaplan–Meier observed share failed) at 1, 3 and 5 years; then, for the
penalised Cox, a learning curve and the permutation importance of each covariate group.
Tune on this file only: the held-out agreements stay held out.

Usage: ``python scripts/durability_cv.py [--quick]`` (``--quick``: the table only).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd

from detente.durability.data import COVARIATES, EXTENDED, read_agreements
from detente.durability.evaluate import calibration_table, cross_validate
from detente.durability.fit import get_model

MODELS: list[tuple[str, str, dict[str, object]]] = [
    ("km", "Kaplan–Meier, no covariates", {}),
    ("cox", "Cox, 10 covariates (before)", {}),
    ("cox", "Cox, extended, ridge 0.1", {"covariates": list(EXTENDED), "penalizer": 0.1}),
    ("cox_cv", "Cox, extended, ridge by grouped CV, theory-signed", {}),
    ("weibull", "Weibull AFT, extended", {"covariates": list(EXTENDED), "penalizer": 0.01}),
    ("lognormal", "log-normal AFT, extended", {"covariates": list(EXTENDED), "penalizer": 0.01}),
]


def table(frame: pd.DataFrame) -> None:
    print(
        "| model | Harrell's C | Uno's C (5 y) | IBS (1 m–5 y) "
        "| failed by 1/3/5 y: predicted vs observed |"
    )
    print("|---|---|---|---|---|")
    for name, label, params in MODELS:
        cv = cross_validate(get_model(name, **params), frame, k=5, seed=0, scores_all=True)
        cells = []
        for score in ("c_index", "c_index_uno", "ibs"):
            m, lo, hi = cv.interval(score)
            cells.append(f"{m:.3f} ({lo:.3f}–{hi:.3f})")
        cal = calibration_table(frame, cv.predicted_failure, cv.horizons)
        overall = cal[cal["group"] == "all"]
        calib = ", ".join(f"{r.predicted:.2f} vs {r.observed:.2f}" for r in overall.itertuples())
        print(f"| {label} | {' | '.join(cells)} | {calib} |", flush=True)


def learning_curve(frame: pd.DataFrame) -> None:
    """Grouped-CV Harrell's C of the penalised Cox fitted on a share of the conflicts."""
    rng = np.random.default_rng(0)
    groups = frame["group"].unique()
    print("\nshare of conflicts | agreements | grouped-CV C (mean of 3 subsamples)")
    for share in (0.5, 0.75, 1.0):
        cs, ns = [], []
        for _ in range(3 if share < 1 else 1):
            keep = rng.choice(groups, size=round(share * len(groups)), replace=False)
            sub = frame[frame["group"].isin(keep)].reset_index(drop=True)
            cs.append(cross_validate(get_model("cox", covariates=list(EXTENDED), penalizer=0.1),
                                     sub, k=5, seed=0).mean)  # fmt: skip
            ns.append(len(sub))
        print(f"{share:.2f} | {np.mean(ns):.0f} | {np.mean(cs):.3f}", flush=True)


GROUPS = {
    "core ten (third party, pko, cease, pa_type, interstate)": [
        c for c in COVARIATES if c in EXTENDED
    ],
    "military provisions": ["intarmy", "ddr", "withd"],
    "political provisions": ["pp", "intgov", "intciv", "elections", "interim", "natalks",
                             "shagov"],
    "territorial provisions": ["aut", "fed", "ind", "ref", "shaloc", "regdev", "cul",
                               "demarcation", "locgov"],
    "justice provisions": ["amn", "pris", "recon", "return"],
    "other provisions": ["reaffirm", "outlin", "gender", "co_impl", "inclusive"],
    "incompatibility and region": ["inc_territory", "inc_both", "europe", "middle_east",
                                   "asia", "americas"],
    "episode (termination file)": ["internationalized", "war", "episode_years"],
}  # fmt: skip


def permutation_importance(frame: pd.DataFrame) -> None:
    """Drop in out-of-fold Harrell's C when a group of covariates is permuted in the test fold
    (Breiman 2001, sec. 10; rows permuted jointly within a group), 5 permutations."""
    from detente.durability.evaluate import group_folds

    folds = group_folds(frame["group"].to_numpy(), 5, 0)
    rng = np.random.default_rng(0)
    model = get_model("cox", covariates=list(EXTENDED), penalizer=0.1)
    drops: dict[str, list[float]] = {g: [] for g in GROUPS}
    for test in folds:
        train = np.setdiff1d(np.arange(len(frame)), test)
        fitted = model.clone().fit(frame.iloc[train].reset_index(drop=True))
        held = frame.iloc[test].reset_index(drop=True)
        base = fitted.concordance(held)
        for g, cols in GROUPS.items():
            for _ in range(5):
                shuffled = held.copy()
                shuffled[cols] = held[cols].to_numpy()[rng.permutation(len(held))]
                drops[g].append(base - fitted.concordance(shuffled))
    print("\ncovariate group | drop in grouped-CV C when permuted (mean, sd over folds × 5)")
    for g, d in sorted(drops.items(), key=lambda kv: -np.mean(kv[1])):
        print(f"{g} | {np.mean(d):+.3f} ({np.std(d):.3f})")


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore")
    frame = read_agreements().frame
    print(f"{len(frame)} agreements, {int(frame['failed'].sum())} failed, "
          f"{frame['group'].nunique()} conflicts\n")  # fmt: skip
    table(frame)
    if "--quick" not in argv:
        learning_curve(frame)
        permutation_importance(frame)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
