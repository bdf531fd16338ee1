"""The report (issue 19, target 5: ``detente report ukraine-2024`` in 3 s).

    python benchmarks/bench_report.py [--runs 3] [--scenario ukraine-2024] [--jobs N]

Prints the min and median wall time of ``--runs`` whole ``detente report`` processes with
the default ``--jobs`` (every core) and with ``--jobs 1``, alternating (the target's figure is
the first line's wall min, on an idle 2-core machine), then where the time goes: one report in
this process on ``--jobs`` processes (default: every core), with the CPU seconds of each
section (rendering and its PNG figures) and the process that ran it, each process's busy CPU,
and the load average. The wall-clock CPU of a parallel run is not measured by
``getrusage(RUSAGE_CHILDREN)`` (the workers are the forkserver's children), hence the
in-process table.
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
from collections import defaultdict
from pathlib import Path
from typing import Any

TARGET_S = 3.0


def _process(scenario: str, out: Path, jobs: int | None) -> tuple[float, float]:
    """Wall seconds of one ``detente report`` process, and its main process's CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    detente = Path(sys.executable).parent / "detente"
    extra = [] if jobs is None else ["--jobs", str(jobs)]
    done = subprocess.run([str(detente), "report", scenario, "-o", str(out), *extra],
                          capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"detente report failed ({done.returncode}):\n{done.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def timed_section(spec: Any, ctx: Any) -> tuple[int, float, float]:
    """(process id, render CPU s, PNG CPU s) of one section; runs in a worker."""
    from detente.report.plots import figure_png_base64

    start = time.process_time()
    section = spec.render(ctx)
    rendered = time.process_time()
    for plot in section.figures if section is not None else ():
        if not isinstance(plot.figure, str):
            figure_png_base64(plot.figure)
    return os.getpid(), rendered - start, time.process_time() - rendered


def sections(scenario: str, jobs: int) -> tuple[list[tuple[str, int, float, float]], float]:
    """(section, process, render CPU s, PNG CPU s) of each section of one report on ``jobs``
    processes, and the wall seconds of that report (after the imports and the forecasts)."""
    from detente.report.catalog import registered_sections
    from detente.report.parallel import render_parallel
    from detente.report.sections import ReportContext
    from detente.scenario import load_scenario

    ctx = ReportContext(load_scenario(scenario))
    ctx.forecasts  # noqa: B018 - as render_sections does before starting the workers
    specs = registered_sections()
    start = time.perf_counter()
    rows = render_parallel(ctx, specs, timed_section, jobs)
    wall = time.perf_counter() - start
    main = os.getpid()
    return [
        (spec.name, 0 if pid == main else pid, render, png)
        for spec, (pid, render, png) in zip(specs, rows, strict=True)
    ], wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenario", default="ukraine-2024")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    walls: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.html"
        for _ in range(args.runs):
            for label, jobs in (("default --jobs", None), ("--jobs 1", 1)):
                wall, cpu = _process(args.scenario, out, jobs)
                walls[label].append(wall)
                cpus[label].append(cpu)
    for label in walls:
        ok = "meets" if min(walls[label]) <= TARGET_S else "misses"
        print(f"detente report {args.scenario} ({label}): wall min {min(walls[label]):.2f} s, "
              f"median {statistics.median(walls[label]):.2f} s; main-process cpu median "
              f"{statistics.median(cpus[label]):.2f} s ({ok} the {TARGET_S} s target; "
              f"{args.runs} runs)")  # fmt: skip
    start = time.process_time()
    rows, wall = sections(args.scenario, args.jobs)
    print(f"sections on {args.jobs} processes (CPU s; {time.process_time() - start:.2f} in "
          f"this process, {wall:.2f} s wall; process 0 = the main one):")  # fmt: skip
    busy: dict[int, float] = defaultdict(float)
    numbers = {pid: k for k, pid in enumerate(dict.fromkeys(sorted(r[1] for r in rows)))}
    for name, pid, render, png in rows:
        busy[pid] += render + png
        print(f"  {name:14s} render {render:6.2f}  png {png:5.2f}  process {numbers[pid]}")
    total = sum(busy.values())
    print(f"  sections in all {total:.2f} s CPU; busiest process {max(busy.values()):.2f} s")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
