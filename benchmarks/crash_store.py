"""Crash safety of the run store: SIGKILL ``detente sweep`` at random points — issue 9.

    .venv/bin/python benchmarks/crash_store.py [--kills 50] [--seed 0]

The sweep is tests/test_store.py's (ukraine-2024 with ``--spread``, BDM and compromise,
6,000 draws in 40 chunks of 150, seed 5), run as a fresh process through the same helpers.
Kill times are drawn uniformly from 0 to a little more than one uninterrupted run (so some
kills land during start-up, before the store exists, and some after the run finished) from a
seeded generator. After each kill:

1. the store opens (``RunStore``) if it exists;
2. no finished chunk is lost: every chunk in the store before the kill is still there, and at
   least as many chunks are there as the killed process had reported finished on stderr;
3. no chunk is half-written: each chunk's ``outcomes`` rows are exactly its draws times the
   six outputs, and chunk numbers are unique;

and once the restarted command completes, its stored draws equal an uninterrupted in-process
sweep exactly. Then the next cycle starts on a fresh store. Figures in docs/robustness.md; the
short version (5 kills) is tests/test_crash_store.py.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.test_store import N_CHUNKS, SWEEP, _chunks, _cli, _reference, _stored  # noqa: E402

from detente.store import RunStore  # noqa: E402

OUTPUTS = 6  # 2 models x 3 issues
_PROGRESS = re.compile(r"^sweep: (\d+)/(\d+) chunks in the store", re.MULTILINE)


@dataclass
class CrashReport:
    kills: int = 0
    before_store: int = 0
    """Kills that landed before the store file existed."""
    kills_by_chunks: list[int] = field(default_factory=list)
    """Chunks in the store right after each kill."""
    cycles: int = 0
    """Runs completed after one or more kills and compared with the uninterrupted sweep."""
    finished_before_kill: int = 0
    problems: list[str] = field(default_factory=list)


def _chunk_rows(store: Path) -> dict[int, tuple[int, int]]:
    """chunk -> (n_draws in ``chunks``, rows in ``outcomes``)."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        declared = dict(con.execute("SELECT chunk, n_draws FROM chunks").fetchall())
        rows = dict(con.execute("SELECT chunk, count(*) FROM outcomes GROUP BY chunk").fetchall())
    finally:
        con.close()
    return {int(c): (int(n), int(rows.get(c, 0))) for c, n in declared.items()} | {
        int(c): (0, int(r)) for c, r in rows.items() if c not in declared
    }


def _check_after_kill(
    store: Path, before: set[int], reported: int, report: CrashReport
) -> set[int]:
    if not store.exists():
        report.before_store += 1
        return before
    with RunStore(store):
        pass  # it opens
    chunks = _chunks(store)
    now = set(chunks)
    if len(now) != len(chunks):
        report.problems.append(f"kill {report.kills}: duplicate chunk rows {chunks}")
    if not before <= now:
        report.problems.append(f"kill {report.kills}: lost chunks {sorted(before - now)}")
    if len(now) < reported:
        report.problems.append(
            f"kill {report.kills}: the process reported {reported} chunks, the store has {len(now)}"
        )
    for chunk, (n_draws, rows) in _chunk_rows(store).items():
        if n_draws == 0 or rows != n_draws * OUTPUTS:
            report.problems.append(
                f"kill {report.kills}: chunk {chunk} has {rows} outcome rows for {n_draws} draws"
            )
    report.kills_by_chunks.append(len(now))
    return now


def crash_loop(
    n_kills: int,
    seed: int,
    workdir: Path,
    *,
    run_seconds: float | None = None,
    log: bool = False,
) -> CrashReport:
    """SIGKILL the sweep ``n_kills`` times at seeded random moments; see the module doc.
    ``run_seconds``: the length of one uninterrupted run (measured when not given)."""
    rng = np.random.default_rng(seed)
    reference = _reference()
    report = CrashReport()
    if run_seconds is None:
        start = time.perf_counter()
        _cli(SWEEP, workdir / "timing.duckdb").communicate(timeout=600)
        run_seconds = time.perf_counter() - start
    cycle = 0
    while report.kills < n_kills:
        cycle += 1
        store = workdir / f"cycle{cycle}.duckdb"
        before: set[int] = set()
        while report.kills < n_kills:
            delay = float(rng.uniform(0.0, 1.1 * run_seconds))
            proc = _cli(SWEEP, store)
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
            _, stderr = proc.communicate(timeout=600)
            if proc.returncode != -signal.SIGKILL:
                if proc.returncode != 0:
                    report.problems.append(
                        f"cycle {cycle}: exit {proc.returncode}: {stderr[-500:]}"
                    )
                report.finished_before_kill += 1
                break
            report.kills += 1
            reported = max((int(m.group(1)) for m in _PROGRESS.finditer(stderr)), default=0)
            before = _check_after_kill(store, before, reported, report)
            if log:
                print(
                    f"kill {report.kills}: after {delay:.2f} s, {len(before)}/{N_CHUNKS} "
                    "chunks in the store",
                    flush=True,
                )
        # resume to the end and compare with the uninterrupted sweep
        rerun = _cli(SWEEP, store)
        stdout, stderr = rerun.communicate(timeout=600)
        if rerun.returncode != 0:
            report.problems.append(
                f"cycle {cycle}: resume exit {rerun.returncode}: {stderr[-500:]}"
            )
            continue
        stored = _stored(store, json.loads(stdout)["run_id"])
        if stored.keys() != reference.keys() or not all(
            np.array_equal(stored[k], v) for k, v in reference.items()
        ):
            report.problems.append(f"cycle {cycle}: the resumed run differs from the reference")
        if sorted(_chunks(store)) != list(range(N_CHUNKS)):
            report.problems.append(f"cycle {cycle}: chunks after resume {_chunks(store)}")
        report.cycles += 1
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SIGKILL detente sweep at random points.")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        report = crash_loop(args.kills, args.seed, Path(tmp), log=True)
    seconds = time.perf_counter() - started
    hist = np.bincount(
        np.minimum(np.asarray(report.kills_by_chunks, dtype=int) // 10, 4), minlength=5
    )
    print(f"\n## run store crash safety: {report.kills} SIGKILLs in {seconds:.0f} s\n")
    print("| measure | count |")
    print("|---|---:|")
    print(f"| SIGKILLs | {report.kills} |")
    print(f"| ... before the store file existed | {report.before_store} |")
    for k, label in enumerate(["0-9", "10-19", "20-29", "30-39", "40"]):
        print(f"| ... with {label} of {N_CHUNKS} chunks in the store | {hist[k]} |")
    print(f"| runs that finished before their kill time | {report.finished_before_kill} |")
    print(f"| resumed runs compared with the uninterrupted sweep | {report.cycles} |")
    print(f"| problems (lost or partial chunks, differing results) | {len(report.problems)} |")
    for problem in report.problems:
        print(f"- {problem}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
