"""Time the durability models: read the UCDP file, fit on all of it, 5-fold CV grouped by
conflict.

Usage: ``python benchmarks/bench_durability.py [--data FILE] [--repeat 3] [--seed 0]``.
Prints a markdown table (seconds, best of ``--repeat``). Target: fit plus 5-fold CV <= 10 s.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from detente.durability import MODELS, cross_validate, get_model, read_agreements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print("| model | read (s) | fit (s) | 5-fold CV (s) | fit + CV (s) | CV C-index |")
    print("|---|---|---|---|---|---|")
    for name in MODELS:
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
        print(f"| {name} | {read:.2f} | {fit:.2f} | {cv:.2f} | {fit + cv:.2f} | {c_index:.3f} |")


if __name__ == "__main__":
    main()
