"""Benchmark of the war-termination model on the built-in ``ukraine-2024`` campaign.

Targets (2-core machine): the policy solve ≤ 2 s; 10,000 simulated paths ≤ 5 s. Prints the
best of ``--repeat`` runs of each. Run: ``.venv/bin/python benchmarks/bench_war.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from detente.scenario import load_scenario
from detente.war.simulate import simulate
from detente.war.solver import solve

SOLVE_TARGET_S = 2.0
SIMULATE_TARGET_S = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--draws", type=int, default=10_000)
    args = parser.parse_args()
    campaign = load_scenario("ukraine-2024").campaign
    if campaign is None:
        raise SystemExit("ukraine-2024 has no campaign")
    arrays = campaign.arrays()
    solve_times, sim_times = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        solution = solve(arrays)
        solve_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        simulate(solution, args.draws, np.random.default_rng(0))
        sim_times.append(time.perf_counter() - started)
    k, g = solution.territory.size, solution.beliefs.size
    print(
        f"state: {arrays.horizon} weeks x {k} territory bins x {g} beliefs x 2 riposte flags; "
        f"{solution.combo.max() + 1} branches"
    )
    print(f"solve:    best {min(solve_times):.3f} s (target {SOLVE_TARGET_S} s)")
    print(
        f"simulate: best {min(sim_times):.3f} s for {args.draws:,} paths "
        f"(target {SIMULATE_TARGET_S} s)"
    )


if __name__ == "__main__":
    main()
