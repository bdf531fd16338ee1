"""Wall time of the whole ``detente forecast`` command, start-up included; prints a markdown
table.

    .venv/bin/python benchmarks/bench_forecast_cli.py [--scenario ukraine-2024] [--repeats 7]

Each row runs a fresh process ``--repeats`` times and reports the best and the median wall
time: (a) ``detente forecast SCENARIO --all``, bands on (200 draws) and recorded in a run
store in a temporary folder, as a user runs it (target <= 2 s); (b) the same with
``--no-bands``; (c) with ``--no-store --no-bands``; (d) the start-up alone, ``python -c
'import detente.cli.main'``; (e) ``import detente.cli.forecast``, what ``forecast`` loads
before it runs. The load average is printed with them: other work on the two cores inflates
wall times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(command: list[str], repeats: int) -> tuple[float, float]:
    """Best and median wall time of ``command`` over ``repeats`` fresh processes."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="ukraine-2024")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    detente = str(Path(sys.executable).with_name("detente"))
    with tempfile.TemporaryDirectory() as tmp:
        store = ["--store", str(Path(tmp) / "runs.duckdb")]
        forecast = [detente, "forecast", args.scenario, "--all"]
        rows = [
            (f"`detente forecast {args.scenario} --all` (bands, store)", [*forecast, *store]),
            ("the same, `--no-bands`", [*forecast, *store, "--no-bands"]),
            ("the same, `--no-bands --no-store`", [*forecast, "--no-bands", "--no-store"]),
            (
                "start-up: `import detente.cli.main`",
                [sys.executable, "-c", "import detente.cli.main"],
            ),
            (
                "`import detente.cli.forecast`",
                [sys.executable, "-c", "import detente.cli.forecast"],
            ),
        ]
        subprocess.run([*forecast, "--no-store"], check=True, stdout=subprocess.DEVNULL)  # warm
        before = os.getloadavg()[0]
        results = [(what, *wall(command, args.repeats)) for what, command in rows]
        after = os.getloadavg()[0]
    print(f"load average {before:.2f} before, {after:.2f} after; {args.repeats} runs each\n")
    print("| what | best (s) | median (s) |")
    print("|---|---|---|")
    for what, best, median in results:
        print(f"| {what} | {best:.2f} | {median:.2f} |")


if __name__ == "__main__":
    main()
