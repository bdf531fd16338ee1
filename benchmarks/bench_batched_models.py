"""The batched Nash, Kalai–Smorodinsky, PCE and exchange models (issue 19; DECISIONS NASH-6,
KS-5, PCE-6, EXC-7).

    python benchmarks/bench_batched_models.py [--rounds 3] [--large 10000] [--no-report]

1. CPU seconds of ``model.evaluate`` on 400 and ``--large`` draws of ukraine-2024 (the default
   band, seed 0), each model batched (its ``solve_draws``; the exchange model's ``evaluate``)
   and draw by draw (the base class's loop, as before), alternating, min over ``--rounds``;
   the outcomes must be bit-identical.
2. CPU seconds of the report's Monte Carlo (400 draws) and Sobol' sections in this process,
   with the models batched (nash, kalai, pce then ranked in the Sobol' section by default,
   PERF-4) and as before (solved draw by draw, left out of the Sobol' section), alternating.

CPU time (``time.process_time``), not wall: the machine is shared. Prints the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np

from detente.contract import Draws, Tags
from detente.models import MODELS, OutcomeModel
from detente.models.base import issue_draws
from detente.models.exchange import ExchangeModel
from detente.scenario import load_scenario
from detente.spec.scenario import Scenario
from detente.uncertainty.sampling import draw, with_default_spread

BATCHED = ("nash", "kalai", "pce")
T = TypeVar("T")


def exchange_draw_by_draw(
    self: ExchangeModel, inputs: Scenario, draws: Draws, seed: object = 0
) -> dict[str, np.ndarray]:
    """The exchange model's ``evaluate`` as before: ``solve_issues`` draw by draw."""
    per_issue = issue_draws(inputs, draws)
    out = np.empty((draws.n, len(per_issue)))
    for d in range(draws.n):
        solutions = self.solve_issues([issue.version(d) for _, issue in per_issue])
        out[d] = [s.outcome for s in solutions]
    return {name: out[:, k] for k, (name, _) in enumerate(per_issue)}


@contextlib.contextmanager
def draw_by_draw(names: tuple[str, ...] = BATCHED) -> Iterator[None]:
    """The models as before: the base class's per-draw ``solve_draws``, not batchable; the
    exchange model's per-draw ``evaluate``."""
    saved = {name: (MODELS[name].solve_draws, MODELS[name].tags) for name in names}
    evaluate = ExchangeModel.evaluate
    try:
        for name in names:
            MODELS[name].solve_draws = OutcomeModel.solve_draws  # type: ignore[method-assign]
            MODELS[name].tags = Tags()
        ExchangeModel.evaluate = exchange_draw_by_draw  # type: ignore[method-assign]
        yield
    finally:
        for name, (solve, tags) in saved.items():
            MODELS[name].solve_draws = solve  # type: ignore[method-assign]
            MODELS[name].tags = tags
        ExchangeModel.evaluate = evaluate  # type: ignore[method-assign]


def cpu(fn: Callable[[], T]) -> tuple[float, T]:
    """The CPU seconds of ``fn()`` in this process, and its result."""
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def evaluate(model: OutcomeModel, scenario: Scenario, draws: Draws) -> dict[str, np.ndarray]:
    """``model.evaluate``, looked up when called (so :func:`draw_by_draw` takes effect)."""
    return model.evaluate(scenario, draws)


def models(rounds: int, large: int) -> None:
    scenario = with_default_spread(load_scenario("ukraine-2024"))
    print(f"evaluate, ukraine-2024 default band, seed 0: CPU s, min of {rounds} (A/B alternating)")
    print(f"{'model':10} {'draws':>6} {'before':>8} {'after':>8} {'ratio':>6}  identical")
    for n in (400, large):
        draws = draw(scenario, n, np.random.default_rng(0))
        for name in (*BATCHED, "exchange"):
            model = MODELS[name]()
            before, after, same = [], [], True
            for _ in range(rounds if n == 400 or name != "exchange" else 1):
                run = functools.partial(evaluate, model, scenario, draws)
                with draw_by_draw():
                    t0, ref = cpu(run)
                t1, got = cpu(run)
                before.append(t0)
                after.append(t1)
                same &= all(np.array_equal(got[k], ref[k]) for k in ref)
            b, a = min(before), min(after)
            print(f"{name:10} {n:>6} {b:8.3f} {a:8.3f} {b / a:6.1f}  {same}")
    print(f"load average {os.getloadavg()}")


def report(rounds: int) -> None:
    from detente.report.analysis_sections import montecarlo_section, sobol_section
    from detente.report.sections import ReportContext

    scenario = load_scenario("ukraine-2024")
    montecarlo_section(ReportContext(scenario))  # warm the imports
    print("report sections, ukraine-2024, seed 0, in this process: CPU s (min of rounds)")
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for label in ("before", "after"):
            ctx = contextlib.nullcontext() if label == "after" else draw_by_draw()
            with ctx:
                for name, section in (("montecarlo", montecarlo_section), ("sobol", sobol_section)):
                    t, _ = cpu(functools.partial(section, ReportContext(scenario)))
                    times.setdefault((name, label), []).append(t)
    for name in ("montecarlo", "sobol"):
        b, a = min(times[(name, "before")]), min(times[(name, "after")])
        print(f"{name:12} before {b:6.3f}  after {a:6.3f}")
    print(f"load average {os.getloadavg()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    models(args.rounds, args.large)
    if not args.no_report:
        report(args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
