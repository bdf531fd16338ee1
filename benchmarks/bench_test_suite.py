"""The test suite's wall time as ``make test`` runs it (issue 19, target 6: ``make test`` ≤ 6
min from a fresh clone), with where the time goes.

    .venv/bin/python benchmarks/bench_test_suite.py [--junit FILE] [-- PYTEST ARGS]

Runs ``pytest -n auto --dist loadgroup`` (the Makefile's line; work units of
tests/conftest.py, DECISIONS PERF-5) with a JUnit report, then prints the wall time, the
summed test time, the per-file totals and the 30 slowest tests.
``--junit FILE`` only reads an existing report (no run). The whole target (install, ruff,
mypy, import-linter included) is ``time CI=true bash .ci/run`` on a fresh clone, on an idle
machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def summarise(junit: Path) -> list[str]:
    """Per-file totals and the slowest tests of a JUnit report."""
    cases = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        module = ".".join(case.get("classname", "").split(".")[:2])
        cases.append((float(case.get("time", 0.0)), module, case.get("name", "")))
    per_file: dict[str, float] = {}
    for seconds, module, _ in cases:
        per_file[module] = per_file.get(module, 0.0) + seconds
    lines = [f"{len(cases)} tests, {sum(per_file.values()):.0f} s summed over the workers",
             "", "per file (s):"]  # fmt: skip
    top = sorted(per_file.items(), key=lambda kv: -kv[1])[:30]
    lines += [f"{seconds:8.1f}  {module}" for module, seconds in top]
    lines += ["", "slowest tests (s):"]
    lines += [f"{s:8.1f}  {m}::{n}" for s, m, n in sorted(cases, reverse=True)[:30]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junit", type=Path, help="Read this report instead of running.")
    parser.add_argument("pytest_args", nargs="*", help="More pytest arguments (after --).")
    args = parser.parse_args(argv)
    if args.junit:
        print("\n".join(summarise(args.junit)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        load = os.getloadavg()
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-n", "auto", "--dist", "loadgroup",
             f"--junitxml={junit}", "-q", *args.pytest_args],
            cwd=ROOT, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        print(f"\npytest -n auto --dist loadgroup: {wall:.0f} s wall, exit {done.returncode}, "
              f"load average before {load[0]:.2f}, {os.cpu_count()} cores")  # fmt: skip
        if junit.exists():
            print("\n".join(summarise(junit)))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
