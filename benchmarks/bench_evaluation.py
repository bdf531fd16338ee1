"""Timing of the rolling-origin backtest of the battlefield forecast (detente.evaluation).

    .venv/bin/python benchmarks/bench_evaluation.py [--file CSV] [--seed 0]

The whole shared-series evaluation as in docs/evaluation.md: origins from 2023-06-01 to the
end, every 4 weeks, horizons 4, 8, 13, 26 weeks, all models, 1,000 draws, 20 bootstrap
replicates in each regime refit (target <= 60 s on 2 cores). Then each model alone on
the same origins, to show which dominates the time; ``detente`` and ``war`` share their
refit in the whole run (DECISIONS EVA-5), so alone each pays for it. Wall times; the load
average is printed with them, since other work on the machine inflates them.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from detente.calibration.territory import read_territory_series
from detente.evaluation import FORECASTERS, evaluate_territory
from detente.evaluation.forecasters import _fit

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_FILE = DEFAULT / "ukraine_occupied_area_deepstate.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    series = read_territory_series(args.file)
    series.name = str(args.file)
    settings = {
        "origins_from": "2023-06-01", "every": 4, "horizons": (4, 8, 13, 26),
        "seed": args.seed,
    }  # fmt: skip
    evaluate_territory(series, models=["rw"], **settings)  # warm-up: imports, JIT
    _fit.cache_clear()
    start = time.perf_counter()
    result = evaluate_territory(series, **settings)  # type: ignore[arg-type]
    total = time.perf_counter() - start
    print("| what | seconds |\n|---|---|")
    print(f"| all models, {len(result.origins)} origins, horizons 4,8,13,26 | {total:.1f} |")
    for name in FORECASTERS:
        _fit.cache_clear()  # each model pays for its own refit
        start = time.perf_counter()
        evaluate_territory(series, models=[name], **settings)  # type: ignore[arg-type]
        print(f"| {name} alone | {time.perf_counter() - start:.2f} |")
    print(f"\nload average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
