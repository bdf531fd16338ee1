"""Timing of ``detente advise`` on war-model goals (issue 19, target 3: ≤ 5 s); a markdown table.

    .venv/bin/python benchmarks/bench_advise.py [--goal US:p_deal_by:2025-06-30>=0.5 ...]
        [--draws 2000] [--workers 2] [--max-evals 24] [--repeat 1]

Runs :func:`detente.levers.search.advise` in this process on the built-in ``ukraine-2024``
for each ``ACTOR:GOAL`` (``US`` and ``Russia`` are short for the scenario's actors; the
default is the five war-model goals of docs/levers.md), seed 0, and prints per goal the
evaluations, the wall time (best of ``--repeat``, each repeat with the memoised solutions
cleared), the CPU time of this process and of the worker processes in that run, and the
answer, with the load average before and after. The times include the worker processes'
start; not the interpreter's start or the scenario load. The workers' CPU is read from the
forkserver's ``/proc`` entry (its reaped children; Linux only, else ``-``); the forkserver's
own CPU (importing the war model once, for all goals) is printed at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing.forkserver
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


def _forkserver_cpu() -> tuple[float, float] | None:
    """(own, reaped children's) CPU seconds of this process's forkserver, if one runs."""
    pid = getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    utime, stime, cutime, cstime = (int(v) / tick for v in fields[11:15])
    return utime + stime, cutime + cstime


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
    print(f"load average before: {_load()}; {os.cpu_count()} cores; {args.workers} workers")
    print("| actor | goal | status | answer (cost, value) | evaluations "
          "| wall (best of runs) | CPU parent + workers |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for spec in args.goal or GOALS:
        who, goal = spec.split(":", 1)
        runs = []
        for _ in range(args.repeat):
            SOLVER.clear()
            before = _forkserver_cpu()
            cpu, start = time.process_time(), time.perf_counter()
            result = advise(
                scenario,
                ACTORS.get(who, who),
                goal,
                draws=args.draws,
                seed=0,
                workers=args.workers,
                **extra,
            )
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            after = _forkserver_cpu()
            workers = None if after is None else after[1] - (0.0 if before is None else before[1])
            runs.append((wall, cpu, workers))
        shown = result.best or result.closest
        answer = "-" if shown is None else (
            f"{', '.join(f'{k}={v:g}' for k, v in shown.changes.items()) or 'no change'}: "
            f"{shown.cost:g}, {shown.value:.4g}"
        )  # fmt: skip
        notes = "; ".join(result.notes)
        wall, cpu, workers = min(runs)
        used = f"{cpu:.1f} + " + ("-" if workers is None else f"{workers:.1f} s")
        print(
            f"| {who} | `{goal}` | {result.status}{' (' + notes + ')' if notes else ''} "
            f"| {answer} | {result.evaluations} "
            f"| {wall:.1f} s ({', '.join(f'{r[0]:.1f}' for r in runs)}) | {used} |"
        )
    server = _forkserver_cpu()
    if server is not None:
        print(f"\nforkserver (war model preloaded once): {server[0]:.2f} s CPU")
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
