"""The report (issue 19, target 5: ``detente report ukraine-2024`` in 3 s).

    python benchmarks/bench_report.py [--runs 3] [--scenario ukraine-2024]

Prints the min and median wall and CPU time (user + sys) of ``--runs`` whole
``detente report`` processes, then the CPU seconds of each section in one process (rendering,
then its PNG figures), and the load average: where the time goes when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 3.0


def _process(scenario: str, out: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    detente = Path(sys.executable).parent / "detente"
    subprocess.run([str(detente), "report", scenario, "-o", str(out)], check=True,
                   capture_output=True)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def sections(scenario: str) -> list[tuple[str, float, float]]:
    """(section, render CPU s, PNG CPU s) of each section, in one process."""
    from detente.report.catalog import registered_sections
    from detente.report.plots import figure_png_base64
    from detente.report.sections import ReportContext
    from detente.scenario import load_scenario

    ctx = ReportContext(load_scenario(scenario))
    rows = []
    for spec in registered_sections():
        start = time.process_time()
        section = spec.render(ctx)
        rendered = time.process_time()
        for plot in section.figures if section is not None else ():
            if not isinstance(plot.figure, str):
                figure_png_base64(plot.figure)
        rows.append((spec.name, rendered - start, time.process_time() - rendered))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenario", default="ukraine-2024")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.html"
        walls, cpus = zip(*(_process(args.scenario, out) for _ in range(args.runs)), strict=True)
    ok = "meets" if min(walls) <= TARGET_S else "misses"
    print(f"detente report {args.scenario}: wall min {min(walls):.2f} s, median "
          f"{statistics.median(walls):.2f} s; cpu min {min(cpus):.2f} s, median "
          f"{statistics.median(cpus):.2f} s ({ok} the {TARGET_S} s target; {args.runs} runs)")
    start = time.process_time()
    rows = sections(args.scenario)
    print(f"sections in one process (CPU s; {time.process_time() - start:.2f} in all):")
    for name, render, png in rows:
        print(f"  {name:14s} render {render:6.2f}  png {png:5.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
