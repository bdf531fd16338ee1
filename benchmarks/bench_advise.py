"""Timing of ``detente advise`` on war-model goals (issue 19, target 3: ≤ 5 s); a markdown table.

    .venv/bin/python benchmarks/bench_advise.py [--goal US:p_deal_by:2025-06-30>=0.5 ...]
        [--draws 2000] [--workers 2] [--max-evals 24] [--repeat 1]

Runs :func:`detente.levers.search.advise` in this process on the built-in ``ukraine-2024``
for each ``ACTOR:GOAL`` (``US`` and ``Russia`` are short for the scenario's actors; the
default is the five war-model goals of docs/levers.md), seed 0, and prints the evaluations,
the policy solves they took, the wall time (best of ``--repeat``, each repeat with the
memoised solutions cleared) and the answer, with the load average before and after. The
times include the worker processes' start; not the interpreter's start or the scenario load.
"""

from __future__ import annotations

import argparse
import os
import time

from detente.levers.search import advise
from detente.scenario import load_scenario
from detente.war.model import SOLVER

ACTORS = {"US": "US incoming administration (Trump)", "Russia": "Russia"}
GOALS = (
    "US:p_deal_by:2025-06-30>=0.5",
    "US:p_holds:5>=0.7",
    "US:territory_km2<=114000",
    "Russia:territory_km2>=119000",
    "Russia:p_holds:5>=0.7",
)


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goal", action="append", help="ACTOR:GOAL, repeatable")
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-evals", type=int, default=None, help="default: advise's own")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    scenario = load_scenario("ukraine-2024")
    extra = {} if args.max_evals is None else {"max_evals": args.max_evals}
    print(f"load average before: {_load()}; {os.cpu_count()} cores")
    print("| actor | goal | status | answer (cost, value) | evaluations | time (best of runs) |")
    print("|---|---|---|---|---|---|")
    for spec in args.goal or GOALS:
        who, goal = spec.split(":", 1)
        times = []
        for _ in range(args.repeat):
            SOLVER.clear()
            start = time.perf_counter()
            result = advise(
                scenario,
                ACTORS.get(who, who),
                goal,
                draws=args.draws,
                seed=0,
                workers=args.workers,
                **extra,
            )
            times.append(time.perf_counter() - start)
        shown = result.best or result.closest
        answer = "-" if shown is None else (
            f"{', '.join(f'{k}={v:g}' for k, v in shown.changes.items()) or 'no change'}: "
            f"{shown.cost:g}, {shown.value:.4g}"
        )  # fmt: skip
        notes = "; ".join(result.notes)
        print(
            f"| {who} | `{goal}` | {result.status}{' (' + notes + ')' if notes else ''} "
            f"| {answer} | {result.evaluations} "
            f"| {min(times):.1f} s ({', '.join(f'{t:.1f}' for t in times)}) |"
        )
    print(f"\nload average after: {_load()}")


if __name__ == "__main__":
    main()
