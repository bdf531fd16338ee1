"""Time the durability models: read the UCDP file, fit on all of it, 5-fold CV grouped by
conflict.

Usage: ``python benchmarks/bench_durability.py [--data FILE] [--repeat 3] [--seed 0]
[--models cox,xgb] [--boot 1000]``. Prints a markdown table (seconds, best of ``--repeat``),
with the grouped bootstrap of the scores (``durability evaluate``'s intervals, ``--boot``
resamples) timed apart. Target: fit plus 5-fold CV <= 10 s.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from detente.durability import MODELS, cross_validate, get_model, read_agreements
from detente.durability.evaluate import bootstrap_evaluation, predict_fold
from detente.durability.folds import group_folds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--boot", type=int, default=1000)
    args = parser.parse_args()

    print(
        "| model | read (s) | fit (s) | 5-fold CV (s) | fit + CV (s) | CV C-index | "
        f"bootstrap, {args.boot} resamples (s) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in args.models.split(","):
        best: tuple[float, float, float] | None = None
        c_index = float("nan")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            frame = read_agreements(args.data).frame
            t1 = time.perf_counter()
            get_model(name).fit(frame)
            t2 = time.perf_counter()
            c_index = cross_validate(get_model(name), frame, k=5, seed=args.seed).mean
            t3 = time.perf_counter()
            run = (t1 - t0, t2 - t1, t3 - t2)
            if best is None or sum(run[1:]) < sum(best[1:]):
                best = run
        assert best is not None
        read, fit, cv = best
        boot = _bootstrap_seconds(name, frame, args.seed, args.boot)
        print(
            f"| {name} | {read:.2f} | {fit:.2f} | {cv:.2f} | {fit + cv:.2f} | {c_index:.3f} | "
            f"{boot:.2f} |"
        )


def _bootstrap_seconds(name: str, frame: pd.DataFrame, seed: int, boot: int) -> float:
    """Seconds of the grouped bootstrap alone, on held-out predictions of a 5-fold CV."""
    preds = []
    for test in group_folds(frame["group"].to_numpy(), 5, seed):
        train = frame.drop(index=frame.index[test]).reset_index(drop=True)
        fitted = get_model(name).fit(train)
        held = frame.iloc[test].reset_index(drop=True)
        preds.append(predict_fold(fitted, train, held, test))
    t0 = time.perf_counter()
    bootstrap_evaluation(frame, preds, boot=boot, seed=seed)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
