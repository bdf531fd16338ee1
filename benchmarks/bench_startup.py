"""Start-up of the command line (issue 19, target 1): wall time of whole processes and an
import budget read from ``python -X importtime``.

    python benchmarks/bench_startup.py [--runs 7]

Prints, for ``detente --help`` and ``detente forecast ukraine-2024 -m compromise
--no-store``, the min and median wall time and CPU time (user + sys) of ``--runs`` processes,
the targets (0.3 s and 0.5 s wall), the load average, and, per command, the modules that must
not load (pandas, scipy, matplotlib, ...) and the slowest imports. Exits 1 when a forbidden
module loads (that does not depend on the machine's load); times only print.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "detente"
CASES: dict[str, tuple[list[str], float]] = {
    "--help": (["--help"], 0.3),
    "forecast": (["forecast", "ukraine-2024", "-m", "compromise", "--no-store"], 0.5),
}
"""Name -> (arguments, target wall seconds)."""
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "--help": ("pandas", "scipy", "matplotlib", "lifelines", "duckdb", "statsforecast",
               "pyarrow", "numpy", "pydantic"),
    "forecast": ("pandas", "scipy", "matplotlib", "lifelines", "duckdb", "statsforecast",
                 "pyarrow", "detente.war.solver", "detente.registry"),
}  # fmt: skip
"""Modules a command must not import (the import budget)."""
IMPORT_BUDGET_MS = {"--help": 150.0, "forecast": 350.0}
"""Cumulative import time budget per command on an idle 2-core machine (printed, not
enforced: it moves with the load)."""


def _run(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``detente`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(BIN), *args], check=True, capture_output=True,
                   env={**os.environ, "COLUMNS": "100"})  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def import_times(args: list[str]) -> dict[str, tuple[int, int, bool]]:
    """Module -> (self µs, cumulative µs, imported at the top level) of one run under
    ``-X importtime``."""
    done = subprocess.run([sys.executable, "-X", "importtime", str(BIN), *args],
                          capture_output=True, text=True, check=True)  # fmt: skip
    out: dict[str, tuple[int, int, bool]] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, total, name = line.removeprefix("import time:").split("|")
        out[name.strip()] = (int(own), int(total), not name[1:].startswith(" "))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    failed = False
    for name, (args, target) in CASES.items():
        _run(args)  # warm the file cache
        walls, cpus = zip(*(_run(args) for _ in range(runs)), strict=True)
        ok = "meets" if min(walls) <= target else "misses"
        print(f"detente {' '.join(args)}: wall min {min(walls):.3f} s, median "
              f"{statistics.median(walls):.3f} s; cpu min {min(cpus):.3f} s, median "
              f"{statistics.median(cpus):.3f} s ({ok} the {target} s target; {runs} runs)")
        times = import_times(args)
        bad = [m for m in FORBIDDEN[name] if m in times]
        roots = sum(total for _, total, top in times.values() if top)
        print(f"  imports: {len(times)} modules, {roots / 1000:.0f} ms cumulative "
              f"(budget {IMPORT_BUDGET_MS[name]:.0f} ms on an idle machine)")  # fmt: skip
        slowest = sorted(times.items(), key=lambda kv: -kv[1][0])[:5]
        print("  slowest (self ms): " + ", ".join(f"{m} {t[0] / 1000:.0f}" for m, t in slowest))
        if bad:
            failed = True
            print(f"  OVER BUDGET: loads {', '.join(bad)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
