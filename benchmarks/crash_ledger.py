"""Crash safety of the forecast ledger: SIGKILL a process sealing forecasts at random
points (issue 15 §2; docs/ledger.md).

    .venv/bin/python benchmarks/crash_ledger.py [--kills 50] [--seed 0]

A child process opens the ledger and seals batches of three forecasts in a loop (each batch
one transaction), printing after each. It is killed at a moment drawn from a seeded
generator, uniform on [0, 1.5] s from its start (so kills land in start-up, in the first
creation of the file, and between and inside seals; then as many again timed from its first
seal, uniform on [0, 0.3] s), and restarted on the same file. After
every kill:

1. if the file exists, the ledger opens and ``verify`` passes: every hash and the chain;
2. nothing is half-written: the ledger holds whole batches (a multiple of three entries);
3. nothing sealed is lost: at least as many entries as before the kill, and at least as
   many as the child reported sealed.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from detente.errors import DetenteError
from detente.ledger.store import Ledger

BATCH = 3
SEAL_LOOP = r"""
import sys
from datetime import date
from detente.ledger import Forecast, Forecaster, Question, Sealed
from detente.ledger.store import Ledger

def sealed(i, k):
    return Sealed(question=Question(id=f"q{i}-{k}", kind="binary", text="t", criteria="c",
                                    resolves_on=date(2100, 1, 1)),
                  forecast=Forecast(p=0.25), forecaster=Forecaster(name="detente"),
                  detente_version="0")

with Ledger(sys.argv[1]) as ledger:
    i = sum(1 for _ in ledger.entries())
    while True:
        ledger.seal([sealed(i, k) for k in range(BATCH)])
        i += BATCH
        print(i, flush=True)
""".replace("BATCH", str(BATCH))


@dataclass
class LedgerCrashReport:
    kills: int = 0
    before_file: int = 0
    """Kills that landed before the ledger file existed."""
    entries_after_kill: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def seal_loop(
    kills: int,
    seed: int,
    workdir: Path,
    *,
    max_delay: float = 1.5,
    from_first_seal: bool = False,
    log: bool = False,
) -> LedgerCrashReport:
    """``kills`` SIGKILLs of the sealing child on one ledger file in ``workdir``, each at a
    moment uniform on [0, ``max_delay``] s from the child's start (or, ``from_first_seal``,
    from its first sealed batch, so that every kill lands among seals)."""
    script = workdir / "seal_loop.py"
    script.write_text(SEAL_LOOP, encoding="utf-8")
    path = workdir / "ledger.duckdb"
    rng = random.Random(seed)
    report = LedgerCrashReport()
    before = 0
    while report.kills < kills:
        child = subprocess.Popen([sys.executable, str(script), str(path)],
                                 stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert child.stdout is not None
        first = child.stdout.readline() if from_first_seal else ""
        try:
            child.wait(timeout=rng.uniform(0.0, max_delay))
        except subprocess.TimeoutExpired:
            child.kill()
        else:
            report.problems.append(f"the sealing child exited by itself ({child.returncode})")
            break
        child.wait()
        printed = [int(line) for line in (first + child.stdout.read()).split()]
        child.stdout.close()
        report.kills += 1
        if not path.exists():
            report.before_file += 1
            continue
        try:
            with Ledger(path) as ledger:
                n, _ = ledger.verify()
        except DetenteError as exc:
            report.problems.append(f"kill {report.kills}: {exc}")
            break
        if n % BATCH:
            report.problems.append(f"kill {report.kills}: {n} entries, not whole batches")
        if n < max([before, *printed]):
            report.problems.append(f"kill {report.kills}: {n} entries, {before} before, "
                                   f"{max(printed, default=0)} reported sealed")  # fmt: skip
        before = n
        report.entries_after_kill.append(n)
        if log:
            print(f"kill {report.kills}: {n} entries verify", flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SIGKILL a process sealing forecasts.")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    failed = False
    for label, delay, from_first in [("from start", 1.5, False), ("from first seal", 0.3, True)]:
        with tempfile.TemporaryDirectory() as tmp:
            report = seal_loop(
                args.kills, args.seed, Path(tmp), max_delay=delay, from_first_seal=from_first
            )
        seconds = time.perf_counter() - started
        last = report.entries_after_kill[-1] if report.entries_after_kill else 0
        print(
            f"{label}: {report.kills} kills ({report.before_file} before the file existed), "
            f"{seconds:.0f} s so far; {last} entries at the end; problems: "
            f"{len(report.problems)}"
        )
        for problem in report.problems:
            print(f"- {problem}")
        failed |= bool(report.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
