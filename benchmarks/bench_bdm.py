"""Timing of the expected-utility model (detente.models.bdm); prints a markdown table.

    .venv/bin/python benchmarks/bench_bdm.py [--solves 2000] [--actors 80] [--seed 0]
        [--scenario-draws 100000] [--scenario-repeats 3]

(a) the BdM (1994) EC emissions example, 10 actors, 10 rounds, solved ``--solves`` times in
one process (target <= 1 ms per solve); (b) a seeded random scenario of ``--actors`` actors
on one issue, run to convergence or ``--max-rounds`` rounds (target < 1 s); (c) the same
random scenario for ``--draws`` Monte Carlo draws in one batched call; (d) with
``--scenario-draws N``, N draws of ``--scenario`` (default ukraine-2024, the default
uncertainty band) solved through the batched path the sweeps use (``simulate`` on
(1,000 draws, actors) per issue), sampling not timed (target: 100,000 draws <= 10 s).
Times are wall times, best of the repeats; the load average is printed with them, since
other work on the machine inflates them. With ``--compare-kernels N``, (e) one solve of the
example through the one-run path (BDM-13) and through the batched prefix-sum kernel
(``_SMALL_N = 0``), N alternating rounds of 300 solves each, CPU time of this process (less
sensitive than wall time to other work on a shared machine): min and median per solve
(target of issue 19: <= 0.44 ms). With ``--against FILE`` (another version of
``detente/models/bdm.py``, e.g. ``git show HEAD~1:src/detente/models/bdm.py > /tmp/old.py``),
(e) also alternates this version's one-run path with that file's, same rounds, same CPU
clock, after comparing 800 one runs of both byte for byte (DECISIONS BDM-14). With
``--perturbed-draws N``, (f) N perturbed draws of the example (seeded) solved in one batched
call, CPU time per draw, best of 5 (issue 19: 1,000 draws <= 40 us/draw).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np

from detente.models.base import IssueProblem
from detente.models.bdm import ExpectedUtility, simulate

# BdM (1994) Table, as in Scholz, Calbert & Smith (2011) Table 1: capability, position, salience
EXAMPLE = (
    ("Netherlands", 0.08, 4.0, 80.0),
    ("Belgium", 0.08, 7.0, 40.0),
    ("Luxembourg", 0.03, 4.0, 20.0),
    ("Germany", 0.16, 4.0, 80.0),
    ("France", 0.16, 10.0, 60.0),
    ("Italy", 0.16, 10.0, 60.0),
    ("UK", 0.16, 10.0, 90.0),
    ("Ireland", 0.05, 7.0, 10.0),
    ("Denmark", 0.05, 4.0, 100.0),
    ("Greece", 0.08, 7.0, 70.0),
)


def example_problem() -> IssueProblem:
    return IssueProblem(
        actors=tuple(row[0] for row in EXAMPLE),
        capability=np.array([row[1] for row in EXAMPLE]),
        position=np.array([row[2] for row in EXAMPLE]),
        salience=np.array([row[3] for row in EXAMPLE]),
    )


def random_arrays(
    rng: np.random.Generator, n: int, draws: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shape = (n,) if draws is None else (draws, n)
    position = rng.uniform(0.0, 100.0, size=shape)
    salience = rng.uniform(0.0, 1.0, size=shape)
    capability = rng.uniform(0.0, 1.0, size=shape)
    return position, salience, capability


def bench_example(solves: int, blocks: int) -> tuple[float, float, float]:
    """Mean seconds per solve over all solves, the best block's mean, and the outcome."""
    model = ExpectedUtility(rounds=10)
    problem = example_problem()
    outcome = model.solve_issue(problem).outcome  # warm-up
    per_block = max(1, solves // blocks)
    times = []
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(per_block):
            model.solve_issue(problem)
        times.append((time.perf_counter() - start) / per_block)
    return float(np.mean(times)), min(times), outcome


def bench_random(n: int, seed: int, max_rounds: int, repeats: int) -> tuple[float, int, bool]:
    position, salience, capability = random_arrays(np.random.default_rng(seed), n)
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        path = simulate(position, salience, capability, rounds=max_rounds)
        best = min(best, time.perf_counter() - start)
    return best, path.trajectory.shape[-2] - 1, bool(path.converged)


def bench_batch(n: int, draws: int, seed: int, rounds: int) -> float:
    position, salience, capability = random_arrays(np.random.default_rng(seed), n, draws)
    start = time.perf_counter()
    simulate(position, salience, capability, rounds=rounds)
    return time.perf_counter() - start


def bench_scenario(name: str, draws: int, chunk: int, repeats: int) -> list[float]:
    """Seconds to solve ``draws`` draws of scenario ``name``, once per repeat."""
    from detente.scenario import load_scenario
    from detente.uncertainty.backends import chunk_rng, plan_chunks
    from detente.uncertainty.evaluators import OutcomeModels
    from detente.uncertainty.sampling import draw, with_default_spread

    scenario = with_default_spread(load_scenario(name))
    evaluate = OutcomeModels(scenario, [ExpectedUtility()])
    times = []
    for _ in range(repeats):
        elapsed = 0.0
        for job in plan_chunks(draws, chunk, 0):
            sample = draw(scenario, job.size, chunk_rng(0, job.index))
            start = time.perf_counter()
            evaluate(sample)
            elapsed += time.perf_counter() - start
        times.append(elapsed)
    return times


def bench_kernels(rounds: int) -> dict[str, list[float]]:
    """CPU seconds per solve of the example, one-run path and batched kernel alternating."""
    from detente.models import bdm

    model, problem = ExpectedUtility(rounds=10), example_problem()
    small = bdm._SMALL_N
    times: dict[str, list[float]] = {"one-run path (BDM-13)": [], "batched kernel": []}
    try:
        for _ in range(rounds):
            for name, limit in zip(times, (small, 0), strict=True):
                bdm._SMALL_N = limit
                model.solve_issue(problem)
                start = time.process_time()
                for _ in range(300):
                    model.solve_issue(problem)
                times[name].append((time.process_time() - start) / 300)
    finally:
        bdm._SMALL_N = small
    return times


def load_bdm(path: str) -> Any:
    """Another version of detente/models/bdm.py, loaded from ``path`` as a module."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bdm_against", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    other = importlib.util.module_from_spec(spec)
    sys.modules["bdm_against"] = other  # dataclasses look their module up
    spec.loader.exec_module(other)
    return other


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return bool(a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes())


def check_against(path: str, seeds: int = 200) -> tuple[int, int]:
    """Byte-for-byte comparison of one runs with the bdm.py at ``path``: 4 scenarios a seed
    (n = 2 + seed % 31; continuous, grid, normal and coincident positions; zero saliences or
    capabilities in some; rules, q and 0-40 rounds varied), trajectories, risks, convergence,
    shares, periods, medians, means and ``solve_issue``'s output. (runs, mismatches)."""
    other = load_bdm(path)
    options = [(p, c, k) for p in ("scholz", "bdm") for c in ("scholz", "nearest") for k in (0, 1)]
    runs = bad = 0
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        n = 2 + seed % 31
        for variant in range(4):
            x = (
                rng.uniform(0, 100, n),
                rng.integers(0, 5, n) * 2.5,
                rng.normal(0, 1, n),
                np.full(n, 3.0) if seed % 10 == 0 else rng.uniform(-1, 1, n).round(1),
            )[variant].astype(float)
            s, c = rng.uniform(0, 100, n), rng.uniform(0, 1, n)
            if variant == 3 and seed % 7 == 0:
                s[:] = 0.0
            if variant == 2 and seed % 5 == 0:
                c[: n // 2] = 0.0
            prob, comp, cap = options[(seed + variant) % len(options)]
            kw: dict[str, Any] = {
                "rounds": (10, 25, 10, 0, 1, 40)[(seed + 2 * variant) % 6],
                "q": (1.0, 0.5, 0.0, 0.8)[(seed // 3 + variant) % 4],
                "probability": prob,
                "compromise": comp,
                "capitulation": bool(cap),
            }
            fields = ("trajectory", "risk", "converged", "share", "period", "median", "mean")
            a, b = other.simulate(x, s / 100, c, **kw), simulate(x, s / 100, c, **kw)
            ok = all(_same(getattr(a, f), getattr(b, f)) for f in fields)
            problem = IssueProblem(tuple(map(str, range(n))), x, s, c)
            for outcome in ("median", "mean"):
                one = other.ExpectedUtility(outcome=outcome, **kw).solve_issue(problem)
                two = ExpectedUtility(outcome=outcome, **kw).solve_issue(problem)
                ok = ok and one.outcome == two.outcome and one.convergence == two.convergence
                ok = ok and _same(one.trajectory, two.trajectory)
                ok = ok and _same(one.outcome_path, two.outcome_path)
            runs += 1
            bad += not ok
    return runs, bad


def bench_against(path: str, rounds: int) -> dict[str, list[float]]:
    """CPU seconds per solve of the example: this bdm.py and the one at ``path``, alternating."""
    other = load_bdm(path)
    problem = example_problem()
    models = {"this version": ExpectedUtility(rounds=10), path: other.ExpectedUtility(rounds=10)}
    if (
        models[path].solve_issue(problem).outcome
        != models["this version"].solve_issue(problem).outcome
    ):
        print(f"note: {path} gives another outcome on the example")
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            model.solve_issue(problem)
            start = time.process_time()
            for _ in range(300):
                model.solve_issue(problem)
            times[name].append((time.process_time() - start) / 300)
    return times


def perturbed_draws(draws: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``draws`` perturbed copies of the example: positions +- N(0, 0.5), saliences and
    capabilities x U(0.8, 1.2), saliences capped at 100."""
    rng = np.random.default_rng(seed)
    problem = example_problem()
    position = problem.position + rng.normal(0.0, 0.5, size=(draws, 10))
    salience = np.minimum(problem.salience * rng.uniform(0.8, 1.2, size=(draws, 10)), 100.0)
    capability = problem.capability * rng.uniform(0.8, 1.2, size=(draws, 10))
    return position, salience, capability


def bench_perturbed(draws: int, seed: int, repeats: int = 5) -> list[float]:
    """CPU seconds per draw of ``draws`` perturbed examples solved in one batched call."""
    model = ExpectedUtility(rounds=10)
    arrays = perturbed_draws(draws, seed)
    model.run_arrays(*arrays)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.process_time()
        model.run_arrays(*arrays).final("median")
        times.append((time.process_time() - start) / draws)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solves", type=int, default=2000, help="solves of the example")
    parser.add_argument("--blocks", type=int, default=10, help="timing blocks of the solves")
    parser.add_argument("--actors", type=int, default=80, help="actors in the random scenario")
    parser.add_argument("--max-rounds", type=int, default=50, help="round limit, random case")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the random case")
    parser.add_argument("--draws", type=int, default=200, help="batched draws of 10 actors")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", default="ukraine-2024", help="scenario of case (d)")
    parser.add_argument("--scenario-draws", type=int, default=0, help="draws of case (d)")
    parser.add_argument("--scenario-repeats", type=int, default=1, help="repeats of case (d)")
    parser.add_argument("--compare-kernels", type=int, default=0, help="rounds of case (e)")
    parser.add_argument("--against", default="", help="another bdm.py to alternate with in (e)")
    parser.add_argument("--perturbed-draws", type=int, default=0, help="draws of case (f)")
    args = parser.parse_args()

    per_solve, best_block, outcome = bench_example(args.solves, args.blocks)
    random_time, rounds_run, converged = bench_random(
        args.actors, args.seed, args.max_rounds, args.repeats
    )
    batch_time = bench_batch(10, args.draws, args.seed, 10)

    print("| case | size | time | target |")
    print("|---|---|---|---|")
    print(
        f"| EC emissions example, mean per solve over {args.solves} | 10 actors, 10 rounds "
        f"(outcome {outcome:.3f}) | {per_solve * 1e3:.3f} ms "
        f"(best block of {args.solves // args.blocks}: {best_block * 1e3:.3f} ms) | <= 1 ms |"
    )
    status = "converged" if converged else "round limit"
    print(
        f"| random scenario, seed {args.seed}, best of {args.repeats} | {args.actors} actors, "
        f"{rounds_run} rounds ({status}) | {random_time:.3f} s | < 1 s |"
    )
    print(
        f"| batched random draws, one call | {args.draws} x 10 actors, 10 rounds "
        f"| {batch_time * 1e3:.1f} ms ({batch_time / args.draws * 1e3:.3f} ms/draw) | - |"
    )
    if args.scenario_draws > 0:
        times = bench_scenario(args.scenario, args.scenario_draws, 1000, args.scenario_repeats)
        print(
            f"| {args.scenario} draws, batched, best of {len(times)} "
            f"({', '.join(f'{t:.1f}' for t in times)} s) | {args.scenario_draws:,} draws "
            f"| {min(times):.1f} s | 100,000 draws <= 10 s |"
        )
    if args.compare_kernels > 0:
        for name, per in bench_kernels(args.compare_kernels).items():
            print(
                f"| EC example, {name}, CPU time, {args.compare_kernels} x 300 solves "
                f"| 10 actors, 10 rounds | min {min(per) * 1e3:.3f} ms, "
                f"median {float(np.median(per)) * 1e3:.3f} ms | <= 0.44 ms |"
            )
    if args.against:
        runs, bad = check_against(args.against)
        print(f"| one runs byte for byte against {args.against} | {runs} runs | {bad} differ | 0 |")
    if args.compare_kernels > 0 and args.against:
        for name, per in bench_against(args.against, args.compare_kernels).items():
            print(
                f"| EC example, {name}, CPU time, {args.compare_kernels} x 300 solves "
                f"| 10 actors, 10 rounds | min {min(per) * 1e3:.3f} ms, "
                f"median {float(np.median(per)) * 1e3:.3f} ms | <= 0.44 ms |"
            )
    if args.perturbed_draws > 0:
        per_draw = bench_perturbed(args.perturbed_draws, args.seed)
        print(
            f"| perturbed EC example, one batched call, CPU time, best of {len(per_draw)} "
            f"| {args.perturbed_draws:,} draws x 10 actors, 10 rounds "
            f"| {min(per_draw) * 1e6:.1f} us/draw | 1,000 draws <= 40 us/draw |"
        )
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\nload average (1, 5, 15 min) at the end: {load}; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
