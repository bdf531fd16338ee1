"""Time the whole DEU backtest: load the data, run every model on every issue, score.

Usage: ``python benchmarks/bench_deu.py [--data DIR] [--capability equal|votes|shapley|banzhaf]
[--repeat 3]``. Prints a markdown table (seconds, best of ``--repeat``). Targets: the full run
in <= 5 s; each model on the whole split <= 2 s; the PCE on one 80-actor issue <= 0.5 s.
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

import numpy as np
import pandas as pd

from detente.backtest.baselines import BASELINES
from detente.backtest.compare import compare_models
from detente.backtest.deu import backtest, cross_validate, default_deu_dir, load_deu, score
from detente.models import MODELS
from detente.models.base import IssueProblem, OutcomeModel
from detente.models.nash import NashBargaining
from detente.models.pce import ProbabilisticCondorcet
from detente.models.procedural import ProceduralCompromise


def _unregistered_bdm() -> OutcomeModel | None:
    try:
        module = importlib.import_module("detente.models.bdm")
    except Exception:
        return None
    for obj in vars(module).values():
        is_model = isinstance(obj, type) and issubclass(obj, OutcomeModel)
        if is_model and obj is not OutcomeModel and getattr(obj, "name", None) == "bdm":
            model: OutcomeModel = obj()
            return model
    return None


def models() -> dict[str, OutcomeModel]:
    """Every registered model, the new ones if not yet registered, and the baselines."""
    out: dict[str, OutcomeModel] = {name: cls() for name, cls in MODELS.items()}
    if "bdm" not in out:  # being written; time it if the module is there
        bdm = _unregistered_bdm()
        if bdm is not None:
            out["bdm (unregistered)"] = bdm
    out.setdefault("nash", NashBargaining())
    out.setdefault("procedural", ProceduralCompromise())
    out.update(BASELINES)
    return out


def best_of(repeat: int, fn: object) -> float:
    assert callable(fn)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def paired_interval(
    frame: pd.DataFrame, model: str, reference: str = "compromise", reps: int = 2000
) -> tuple[float, float, float]:
    """MAE(model) - MAE(reference) and its 95% bootstrap interval, proposals resampled
    (seed 0)."""
    both = frame.pivot_table(index=["proposal_id", "issue_id"], columns="model", values="abs_error")
    both = both[[model, reference]].dropna()
    diff = (both[model] - both[reference]).groupby(level=0)
    sums, counts = diff.sum().to_numpy(), diff.count().to_numpy()
    rng = np.random.default_rng(0)
    draws = rng.integers(0, len(sums), size=(reps, len(sums)))
    boot = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    low, high = np.percentile(boot, [2.5, 97.5])
    return float(sums.sum() / counts.sum()), float(low), float(high)


def accuracy(data: Path) -> None:
    """MAE of every model under each capability, and the cross-validated PCE and Kalai
    against compromise (5-fold by proposal; DECISIONS PCE-5, POW-4, KS-4)."""
    caps = ("equal", "votes", "shapley", "banzhaf")
    table = {}
    for cap in caps:
        scores = score(backtest(load_deu(data, cap), {n: c() for n, c in MODELS.items()}))
        table[cap] = scores.set_index("model")["mae"]
    print("| model | " + " | ".join(caps) + " |")
    print("|---" * (len(caps) + 1) + "|")
    for name in table["equal"].index:
        print(f"| {name} | " + " | ".join(f"{table[c][name]:.2f}" for c in caps) + " |")
    grid = [
        {"pce": pce, "forecast": fc, "victory": v}
        for pce in ("conditional", "markov_uniform", "markov_incentive")
        for fc in ("mean", "mode")
        for v in ("linear", "square")
    ]
    for cap in ("equal", "votes"):
        cases = load_deu(data, cap)
        scored = [c for c in cases if np.isfinite(c.outcome)]
        pce_cv, chosen = cross_validate(cases, ProbabilisticCondorcet, grid, name="pce (CV)")
        fixed = backtest(scored, {n: MODELS[n]() for n in ("compromise", "pce", "kalai", "nash")})
        frame = pd.concat([fixed, pce_cv], ignore_index=True)
        print(f"\ncapability={cap}: MAE difference to compromise, 95% paired bootstrap by proposal")
        for name in ("pce", "pce (CV)", "kalai", "nash"):
            d, lo, hi = paired_interval(frame, name)
            print(f"| {name} | {d:+.2f} | [{lo:+.2f}, {hi:+.2f}] |")
        print("PCE settings chosen per fold:", [tuple(c.values()) for c in chosen])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=default_deu_dir())
    parser.add_argument(
        "--capability", default="equal", choices=["equal", "votes", "shapley", "banzhaf"]
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--accuracy", action="store_true", help="MAE tables, not timings")
    args = parser.parse_args(argv)
    if args.accuracy:
        accuracy(args.data)
        return

    cases = load_deu(args.data, args.capability)
    chosen = models()
    rows = [("load_deu", best_of(args.repeat, lambda: load_deu(args.data, args.capability)))]
    for name, model in chosen.items():
        rows.append((name, best_of(args.repeat, lambda m=model, n=name: backtest(cases, {n: m}))))

    def whole() -> None:
        score(backtest(load_deu(args.data, args.capability), chosen))

    rows.append(("**whole backtest (load + all models + score)**", best_of(args.repeat, whole)))
    registered = {name: cls() for name, cls in MODELS.items()}
    rows.append(
        (
            "compare_models: 5-fold CV by proposal, stacked ensemble, 2000 paired bootstraps",
            best_of(args.repeat, lambda: compare_models(cases, registered)),
        )
    )
    rng = np.random.default_rng(0)
    big = IssueProblem(
        actors=tuple(f"a{i}" for i in range(80)),
        position=rng.uniform(0, 100, 80),
        salience=rng.uniform(0, 100, 80),
        capability=rng.uniform(0, 10, 80),
    )
    for pce in ("conditional", "markov_uniform", "markov_incentive"):
        model = ProbabilisticCondorcet(pce=pce)
        rows.append(
            (
                f"pce ({pce}) on one 80-actor issue",
                best_of(args.repeat, lambda m=model: m.solve_issue(big)),
            )
        )
    print(
        f"DEU backtest timing: {len(cases)} issues, capability={args.capability}, "
        f"best of {args.repeat}; registered: {', '.join(MODELS)}\n"
    )
    print("| step | seconds |\n|---|---|")
    for name, secs in rows:
        print(f"| {name} | {secs:.3f} |")


if __name__ == "__main__":
    main()
