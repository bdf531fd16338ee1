"""Crash safety of the run store: SIGKILL ``detente sweep`` and ``detente simulate`` at
random points — issue 9.

    .venv/bin/python benchmarks/crash_store.py [--kills 50] [--seed 0]
        [--targets sweep,war-sweep,simulate]

``--kills`` is per target. Each target runs as a fresh process, is killed at a moment drawn
from a seeded generator, and is restarted on the same store; after every kill:

1. the store opens: ``detente runs list`` exits 0 (when the store file exists);
2. no finished work is lost: every chunk (sweeps) or run (simulate) in the store before the
   kill is still there, and at least as many chunks as the killed process had reported;
3. nothing is half-written: every chunk has exactly its draws × outputs rows, no chunk
   twice, a run is marked complete (with its summary) only with all its chunks, and a
   simulation run is in the store whole (row, summary, all its paths) or not at all; every
   value in the store equals the uninterrupted run's;
4. ``simulate --plot``: the plot is absent or identical to the uninterrupted run's.

A cycle ends when a restart finishes before its kill time (or, for simulate, after five
kills); the command is then rerun to the end and must print the same bytes as an
uninterrupted run on a fresh store and leave the same values in the store. The next cycle
starts on a fresh store.

Targets:

* ``sweep``: tests/test_store.py's sweep (ukraine-2024 ``--spread``, BDM and compromise,
  6,000 draws in 40 chunks of 150, seed 5); kill moments uniform on [0, 1.1 × one run];
* ``war-sweep``: ``sweep ukraine-2024 --model war --policy fixed`` (120 draws of two
  mediator probabilities in 20 chunks of 6, 100 paths each, seed 2). Most of a run is the
  start-up and the solve at the central values, before the store opens, so the kill moments
  are uniform on [0, 1.1 × w] after the store's files first change, w being the time from
  that change to the end of an uninterrupted run;
* ``simulate``: ``simulate ukraine-2024 --draws 2000 --seed 3`` with a ``--what-if`` (two
  runs recorded) and ``--plot``. Half the kill moments are uniform on [0, 1.1 × one run],
  half fall in the store write: uniform on [0, 1.5 × s] after the store's files first change,
  s being the time from that change to their last change in an uninterrupted run (creating
  the store, both records, closing it).

Figures in docs/robustness.md; the short version (a few kills per target) is
tests/test_crash_store.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.test_store import N_CHUNKS, SWEEP, _chunks, _cli, _reference  # noqa: E402

from detente.store import RunStore  # noqa: E402
from detente.war.model import PATH_OUTPUTS, SWEEP_OUTPUTS  # noqa: E402

OUTPUTS = 10  # 2 models x 5 issues (ukraine-2024)
_PROGRESS = re.compile(r"^sweep: (\d+)/(\d+) chunks in the store", re.MULTILINE)
TARGETS = ("sweep", "war-sweep", "simulate")

WAR_DRAWS = 120
WAR_CHUNK_DRAWS = 6


def war_sweep_args(draws: int = WAR_DRAWS) -> list[str]:
    """The war-model sweep of the loop: two mediator probabilities drawn, chunks of 6."""
    return [
        "sweep", "ukraine-2024", "--model", "war", "--policy", "fixed", "--draws", str(draws),
        "--paths", "100", "--chunk-size", str(WAR_CHUNK_DRAWS), "--seed", "2",
        "--vary", "mediator.types.presses_russia.after.riposte_probability={uniform: [0.1, 0.7]}",
        "--vary",
        "mediator.types.presses_ukraine.after.offer_probability={triangular: [0.05, 0.15, 0.3]}",
        "--format", "json",
    ]  # fmt: skip


WAR_CHUNKS = WAR_DRAWS // WAR_CHUNK_DRAWS
WAR_OUTPUTS = len(SWEEP_OUTPUTS)  # the war model's per-draw outputs

SIMULATE_DRAWS = 2000
WHAT_IF = "mediator.types.presses_russia.after.riposte_probability=0.8"
SIMULATE_OUTPUTS = len(PATH_OUTPUTS)  # the per-path arrays a simulate run records
MAX_KILLS_PER_CYCLE = 5

Values = dict[tuple[str, str], np.ndarray]


def simulate_args(plot: Path, draws: int = SIMULATE_DRAWS) -> list[str]:
    """The simulate command of the loop (the plot path does not change the run or its JSON)."""
    return ["simulate", "ukraine-2024", "--draws", str(draws), "--seed", "3", "--what-if",
            WHAT_IF, "--plot", str(plot), "--format", "json"]  # fmt: skip


@dataclass
class CrashReport:
    kills: int = 0
    before_store: int = 0
    """Kills that landed before the store file existed."""
    kills_by_chunks: list[int] = field(default_factory=list)
    """Chunks (sweeps) or complete runs (simulate) in the store right after each kill."""
    kills_in_write: int = 0
    """Kills timed from the store's files first changing (the store write, for simulate)."""
    cycles: int = 0
    """Runs completed after one or more kills and compared with the uninterrupted run."""
    finished_before_kill: int = 0
    plots_present: int = 0
    """simulate: kills after which the plot file existed (each identical to the reference)."""
    stray_files: int = 0
    """Temporary files a kill left next to the store or the plot (never read by detente)."""
    run_seconds: float = 0.0
    window_seconds: float = 0.0
    """w (war-sweep) or s (simulate) of the module doc; 0 where kills count from the start."""
    problems: list[str] = field(default_factory=list)


# --- processes -------------------------------------------------------------------------------


def _detente(args: list[str], store: Path) -> subprocess.Popen[str]:
    """``detente ARGS`` as a fresh process on ``store``."""
    env = {**os.environ, "DETENTE_STORE": str(store), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", "from detente.cli.main import app; app()", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def _kill_after(proc: subprocess.Popen[str], delay: float) -> bool:
    """SIGKILL ``proc`` ``delay`` s from now; False if it exited first."""
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        return True
    return False


def _store_files(store: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of the store, its WAL and any temporary file named after it."""
    out = {}
    with os.scandir(store.parent) as entries:
        for entry in entries:
            if entry.name.startswith((store.name, f".{store.name}")):
                try:
                    st = entry.stat()
                except FileNotFoundError:
                    continue
                out[entry.name] = (st.st_mtime_ns, st.st_size)
    return out


def _watch_store(proc: subprocess.Popen[str], store: Path) -> tuple[float, float] | None:
    """Poll until ``proc`` exits: when the store's files first and last changed (None if
    they never did)."""
    seen = _store_files(store)
    first = last = None
    while proc.poll() is None:
        now = _store_files(store)
        if now != seen:
            last = time.perf_counter()
            first = first or last
            seen = now
        time.sleep(0.002)
    return None if first is None or last is None else (first, last)


def _wait_for_store_change(proc: subprocess.Popen[str], store: Path) -> float | None:
    """Poll until the store's files change; the time it happened, or None if ``proc``
    exited first."""
    before = _store_files(store)
    while proc.poll() is None:
        if _store_files(store) != before:
            return time.perf_counter()
        time.sleep(0.002)
    return None


def _runs_list_fails(store: Path) -> str | None:
    """``detente runs list`` on the store: None if it exits 0, else what went wrong. Run in
    this process (typer's test runner: the command's own code, without a second start-up per
    kill; DECISIONS PERF-5); the killed process is gone, so nothing else holds the store."""
    from typer.testing import CliRunner

    from detente.cli.main import app

    done = CliRunner().invoke(app, ["runs", "list", "--store", str(store)])
    if done.exit_code == 0 and done.exception is None:
        return None
    error = repr(done.exception) if done.exception is not None else ""
    return f"runs list exit {done.exit_code}: {(done.output + error)[-300:]}"


def _stray(folder: Path) -> int:
    return sum(
        1 for p in folder.iterdir() if p.name.startswith(".") and p.suffix in {".tmp", ".new"}
    )


# --- the store -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    run_id: str
    run_key: str
    status: str
    has_summary: bool
    n_chunks: int
    chunks: dict[int, tuple[int, int]]
    """chunk -> (n_draws in ``chunks``, rows in ``outcomes``); chunk -1 for orphan rows."""
    values: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]
    """(model, output) -> (draws, values) of the rows present."""


def _read_store(store: Path) -> dict[str, Run]:
    """Every run in the store (opened read-only, after RunStore has opened it)."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        runs = {}
        rows = con.execute(
            "SELECT run_id, run_key, status, summary IS NOT NULL, n_chunks FROM runs"
        ).fetchall()
        for run_id, key, status, has_summary, n_chunks in rows:
            declared = dict(
                con.execute(
                    "SELECT chunk, n_draws FROM chunks WHERE run_id = ?", [run_id]
                ).fetchall()
            )
            counted = dict(
                con.execute(
                    "SELECT chunk, count(*) FROM outcomes WHERE run_id = ? GROUP BY chunk",
                    [run_id],
                ).fetchall()
            )
            chunks = {int(c): (int(n), int(counted.get(c, 0))) for c, n in declared.items()}
            chunks |= {int(c): (0, int(r)) for c, r in counted.items() if c not in declared}
            got = con.execute(
                "SELECT model, output, draw, value FROM outcomes WHERE run_id = ? "
                "ORDER BY model, output, draw",
                [run_id],
            ).fetchnumpy()
            values = {}
            for key_ in sorted(set(zip(got["model"], got["output"], strict=True))):
                sel = (got["model"] == key_[0]) & (got["output"] == key_[1])
                values[(str(key_[0]), str(key_[1]))] = (
                    np.asarray(got["draw"][sel], dtype=np.int64),
                    np.ma.filled(np.ma.asarray(got["value"][sel]).astype(float), np.nan),
                )
            runs[str(run_id)] = Run(str(run_id), str(key), str(status), bool(has_summary),
                                    int(n_chunks), chunks, values)  # fmt: skip
        return runs
    finally:
        con.close()


def _full_values(run: Run) -> Values:
    return {key: values for key, (_, values) in run.values.items()}


def _problems_in_run(
    run: Run, reference: Values, *, n_chunks: int, chunk_draws: int, outputs: int
) -> list[str]:
    """What is wrong with one run after a kill: partial or duplicate chunks, complete without
    all chunks or its summary, values that differ from the uninterrupted run."""
    out = []
    for chunk, (n_draws, rows) in run.chunks.items():
        if n_draws == 0 or rows != n_draws * outputs:
            out.append(f"run {run.run_id} chunk {chunk}: {rows} outcome rows for {n_draws} draws")
        elif n_draws != chunk_draws:
            out.append(f"run {run.run_id} chunk {chunk}: {n_draws} draws, not {chunk_draws}")
    if run.status == "complete" and (len(run.chunks) != n_chunks or not run.has_summary):
        out.append(f"run {run.run_id} is complete with {len(run.chunks)}/{n_chunks} chunks"
                   f"{'' if run.has_summary else ' and no summary'}")  # fmt: skip
    if run.n_chunks != n_chunks:
        out.append(f"run {run.run_id} declares {run.n_chunks} chunks, not {n_chunks}")
    for key, (draws, values) in run.values.items():
        if key not in reference:
            out.append(f"run {run.run_id}: unexpected output {key}")
        elif not np.array_equal(values, reference[key][draws], equal_nan=True):
            out.append(f"run {run.run_id}: {key} differs from the uninterrupted run")
    return out


# --- sweeps (chunked, resumable) --------------------------------------------------------------


@dataclass(frozen=True)
class Chunked:
    """A chunked sweep command and what its store must hold."""

    args: list[str]
    start: Callable[[list[str], Path], subprocess.Popen[str]]
    n_chunks: int
    chunk_draws: int
    outputs: int
    after_store: bool = False
    """Kill moments counted from the store's files first changing, not from the start."""


def _store_after_kill(store: Path, report: CrashReport, label: str) -> dict[str, Run] | None:
    """The runs in the store after a kill, once it has been shown to open (``detente runs
    list`` and the store itself, replaying its log); None, counted, if there is no store yet
    or it does not open."""
    if not store.exists():
        report.before_store += 1
        report.kills_by_chunks.append(0)
        return None
    failed = _runs_list_fails(store)
    if failed:
        report.problems.append(f"{label}: {failed}")
        return None
    with RunStore(store):
        pass
    return _read_store(store)


def _check_chunked(
    store: Path, spec: Chunked, reference: Values, before: set[int], reported: int,
    report: CrashReport,
) -> set[int]:  # fmt: skip
    label = f"kill {report.kills}"
    runs = _store_after_kill(store, report, label)
    if runs is None:
        return before
    if len(runs) > 1:
        report.problems.append(f"{label}: {len(runs)} runs in the store, expected one")
    now: set[int] = set()
    for run in runs.values():
        now |= set(run.chunks)
        report.problems += [
            f"{label}: {p}"
            for p in _problems_in_run(run, reference, n_chunks=spec.n_chunks,
                                      chunk_draws=spec.chunk_draws, outputs=spec.outputs)
        ]  # fmt: skip
    chunks = _chunks(store)
    if len(set(chunks)) != len(chunks):
        report.problems.append(f"{label}: duplicate chunk rows {chunks}")
    if not before <= now:
        report.problems.append(f"{label}: lost chunks {sorted(before - now)}")
    if len(now) < reported:
        report.problems.append(
            f"{label}: the process reported {reported} chunks, the store has {len(now)}"
        )
    report.kills_by_chunks.append(len(now))
    return now


def chunked_loop(
    spec: Chunked,
    reference: Values | None,
    n_kills: int,
    seed: int,
    workdir: Path,
    *,
    run_seconds: float | None = None,
    log: bool = False,
) -> CrashReport:
    """SIGKILL a chunked sweep ``n_kills`` times at seeded moments uniform on [0, 1.1 × one
    run] (from the start, or with ``spec.after_store`` from the store's first change);
    restart it on the same store until a restart finishes, then resume it to the end and
    compare with an uninterrupted run on a fresh store (stdout bytes, and stored values with
    ``reference``, by default that run's)."""
    rng = np.random.default_rng(seed)
    report = CrashReport()
    reference_store = workdir / "reference" / "runs.duckdb"
    reference_store.parent.mkdir()
    start = time.perf_counter()
    first = spec.start(spec.args, reference_store)
    changed = _wait_for_store_change(first, reference_store)
    expected, stderr = first.communicate(timeout=900)
    if first.returncode != 0 or changed is None:
        report.problems.append(f"uninterrupted run: exit {first.returncode}: {stderr[-500:]}")
        return report
    ended = time.perf_counter()
    report.run_seconds = ended - start if run_seconds is None else run_seconds
    window = ended - changed if spec.after_store else report.run_seconds
    report.window_seconds = window if spec.after_store else 0.0
    if reference is None:
        reference = _full_values(_read_store(reference_store)[json.loads(expected)["run_id"]])
    cycle = 0
    while report.kills < n_kills:
        cycle += 1
        store = workdir / f"cycle{cycle}" / "runs.duckdb"
        store.parent.mkdir()
        before: set[int] = set()
        while report.kills < n_kills:
            delay = float(rng.uniform(0.0, 1.1 * window))
            proc = spec.start(spec.args, store)
            if spec.after_store:
                killed = _wait_for_store_change(proc, store) is not None and _kill_after(
                    proc, delay
                )
                report.kills_in_write += killed
            else:
                killed = _kill_after(proc, delay)
            stdout, stderr = proc.communicate(timeout=900)
            if not killed:
                if proc.returncode != 0:
                    report.problems.append(
                        f"cycle {cycle}: exit {proc.returncode}: {stderr[-500:]}"
                    )
                elif stdout != expected:
                    report.problems.append(f"cycle {cycle}: a restart printed other JSON")
                report.finished_before_kill += 1
                break
            report.kills += 1
            reported = max((int(m.group(1)) for m in _PROGRESS.finditer(stderr)), default=0)
            before = _check_chunked(store, spec, reference, before, reported, report)
            if log:
                print(f"kill {report.kills}: after {delay:.2f} s, {len(before)}/{spec.n_chunks} "
                      "chunks in the store", flush=True)  # fmt: skip
        report.stray_files += _stray(store.parent)
        rerun = spec.start(spec.args, store)
        stdout, stderr = rerun.communicate(timeout=900)
        if rerun.returncode != 0:
            report.problems.append(
                f"cycle {cycle}: resume exit {rerun.returncode}: {stderr[-500:]}"
            )
            continue
        if stdout != expected:
            report.problems.append(f"cycle {cycle}: the resumed run printed other JSON")
        runs = _read_store(store)
        run = runs.get(json.loads(stdout)["run_id"])
        if len(runs) != 1 or run is None or run.status != "complete":
            report.problems.append(f"cycle {cycle}: after resume the store holds {list(runs)}")
        elif _full_values(run).keys() != reference.keys() or not all(
            np.array_equal(v, reference[k], equal_nan=True) for k, v in _full_values(run).items()
        ):
            report.problems.append(f"cycle {cycle}: the resumed run differs from the reference")
        elif sorted(run.chunks) != list(range(spec.n_chunks)):
            report.problems.append(f"cycle {cycle}: chunks after resume {sorted(run.chunks)}")
        report.cycles += 1
    return report


def crash_loop(
    n_kills: int,
    seed: int,
    workdir: Path,
    *,
    run_seconds: float | None = None,
    log: bool = False,
) -> CrashReport:
    """SIGKILL the outcome-model sweep ``n_kills`` times at seeded random moments; see the
    module doc. ``run_seconds``: the length of one uninterrupted run (measured when not
    given)."""
    spec = Chunked(SWEEP, _cli, N_CHUNKS, 150, OUTPUTS)
    return chunked_loop(spec, _reference(), n_kills, seed, workdir, run_seconds=run_seconds,
                        log=log)  # fmt: skip


def war_sweep_loop(
    n_kills: int,
    seed: int,
    workdir: Path,
    *,
    draws: int = WAR_DRAWS,
    run_seconds: float | None = None,
    log: bool = False,
) -> CrashReport:
    """SIGKILL ``sweep --model war`` ``n_kills`` times; see the module doc. The reference
    values are those of an uninterrupted run on a fresh store."""
    n_chunks = -(-draws // WAR_CHUNK_DRAWS)
    spec = Chunked(war_sweep_args(draws), _cli, n_chunks, WAR_CHUNK_DRAWS, WAR_OUTPUTS,
                   after_store=True)  # fmt: skip
    return chunked_loop(spec, None, n_kills, seed, workdir, run_seconds=run_seconds, log=log)


# --- simulate (one-shot runs, recorded whole) ------------------------------------------------


@dataclass(frozen=True)
class SimulateReference:
    stdout: str
    plot: bytes
    runs: dict[str, Run]
    run_seconds: float
    store_seconds: float
    """From the store's files first changing to their last change."""


def _simulate_reference(workdir: Path, draws: int) -> SimulateReference:
    folder = workdir / "simulate-reference"
    folder.mkdir()
    store, plot = folder / "runs.duckdb", folder / "fan.png"
    started = time.perf_counter()
    proc = _detente(simulate_args(plot, draws), store)
    changes = _watch_store(proc, store)
    stdout, stderr = proc.communicate(timeout=900)
    ended = time.perf_counter()
    if proc.returncode != 0 or changes is None:
        raise RuntimeError(f"uninterrupted simulate: exit {proc.returncode}: {stderr[-500:]}")
    return SimulateReference(stdout, plot.read_bytes(), _read_store(store), ended - started,
                             max(changes[1] - changes[0], 0.01))  # fmt: skip


def _check_simulate(
    store: Path, plot: Path, ref: SimulateReference, before: set[str], report: CrashReport,
    draws: int,
) -> set[str]:  # fmt: skip
    label = f"kill {report.kills}"
    if plot.exists():
        report.plots_present += 1
        if plot.read_bytes() != ref.plot:
            report.problems.append(f"{label}: the plot differs from the uninterrupted run's")
    runs = _store_after_kill(store, report, label)
    if runs is None:
        return before
    for run in runs.values():
        expected = ref.runs.get(run.run_id)
        if expected is None or expected.run_key != run.run_key:
            report.problems.append(f"{label}: run {run.run_id} is not one of the reference's")
            continue
        if run.status != "complete" or not run.has_summary:
            summary = "" if run.has_summary else " without its summary"
            report.problems.append(f"{label}: run {run.run_id} is {run.status}{summary}")
        if set(run.values) != set(expected.values):
            report.problems.append(f"{label}: run {run.run_id} has outputs {sorted(run.values)}")
        report.problems += [
            f"{label}: {p}"
            for p in _problems_in_run(run, _full_values(expected), n_chunks=1,
                                      chunk_draws=draws, outputs=SIMULATE_OUTPUTS)
        ]  # fmt: skip
    now = set(runs)
    if not before <= now:
        report.problems.append(f"{label}: lost runs {sorted(before - now)}")
    report.kills_by_chunks.append(len(now))
    return now


def simulate_loop(
    n_kills: int,
    seed: int,
    workdir: Path,
    *,
    draws: int = SIMULATE_DRAWS,
    log: bool = False,
) -> CrashReport:
    """SIGKILL ``detente simulate`` ``n_kills`` times; see the module doc."""
    rng = np.random.default_rng(seed)
    report = CrashReport()
    ref = _simulate_reference(workdir, draws)
    report.run_seconds = ref.run_seconds
    report.window_seconds = ref.store_seconds
    cycle = 0
    while report.kills < n_kills:
        cycle += 1
        folder = workdir / f"simulate{cycle}"
        folder.mkdir()
        store, plot = folder / "runs.duckdb", folder / "fan.png"
        args = simulate_args(plot, draws)
        before: set[str] = set()
        for _ in range(MAX_KILLS_PER_CYCLE):
            if report.kills >= n_kills:
                break
            in_write = bool(rng.integers(2))
            proc = _detente(args, store)
            if in_write:
                delay = float(rng.uniform(0.0, 1.5 * ref.store_seconds))
                killed = _wait_for_store_change(proc, store) is not None and _kill_after(
                    proc, delay
                )
            else:
                delay = float(rng.uniform(0.0, 1.1 * ref.run_seconds))
                killed = _kill_after(proc, delay)
            stdout, stderr = proc.communicate(timeout=900)
            if not killed:
                if proc.returncode != 0:
                    report.problems.append(
                        f"cycle {cycle}: exit {proc.returncode}: {stderr[-500:]}"
                    )
                elif stdout != ref.stdout:
                    report.problems.append(f"cycle {cycle}: a restart printed other JSON")
                report.finished_before_kill += 1
                break
            report.kills += 1
            report.kills_in_write += in_write
            before = _check_simulate(store, plot, ref, before, report, draws)
            if log:
                where = "after the store changed" if in_write else "after the start"
                print(f"kill {report.kills}: {delay:.3f} s {where}, {len(before)}/2 runs in the "
                      "store", flush=True)  # fmt: skip
        report.stray_files += _stray(folder)
        rerun = _detente(args, store)
        stdout, stderr = rerun.communicate(timeout=900)
        if rerun.returncode != 0:
            report.problems.append(f"cycle {cycle}: rerun exit {rerun.returncode}: {stderr[-500:]}")
            continue
        if stdout != ref.stdout:
            report.problems.append(f"cycle {cycle}: the rerun printed other JSON")
        if plot.read_bytes() != ref.plot:
            report.problems.append(f"cycle {cycle}: the rerun's plot differs")
        runs = _read_store(store)
        if set(runs) != set(ref.runs) or any(
            _full_values(runs[r]).keys() != _full_values(ref.runs[r]).keys()
            or not all(
                np.array_equal(v, _full_values(ref.runs[r])[k], equal_nan=True)
                for k, v in _full_values(runs[r]).items()
            )
            for r in runs
        ):
            report.problems.append(f"cycle {cycle}: the store after the rerun differs")
        report.cycles += 1
    return report


# --- the script ------------------------------------------------------------------------------


def _table(name: str, report: CrashReport, seconds: float, n_chunks: int) -> list[str]:
    window = (f", {report.window_seconds:.2f} s from the store's first change to "
              + ("the end" if name == "war-sweep" else "its last change")
              if report.window_seconds else "")  # fmt: skip
    lines = [f"\n## {name}: {report.kills} SIGKILLs in {seconds:.0f} s "
             f"(one uninterrupted run {report.run_seconds:.1f} s{window})\n",
             "| measure | count |", "|---|---:|",
             f"| SIGKILLs | {report.kills} |",
             f"| ... before the store file existed | {report.before_store} |"]  # fmt: skip
    kills_by = Counter(report.kills_by_chunks)
    if name == "simulate":
        lines.append(f"| ... aimed at the store write | {report.kills_in_write} |")
        for n in (0, 1, 2):
            runs = kills_by[n] - (report.before_store if n == 0 else 0)
            lines.append(f"| ... with {n} of 2 runs in the store | {runs} |")
        lines.append(f"| ... with the plot written (identical) | {report.plots_present} |")
    else:
        step = max(1, n_chunks // 4)
        for low in range(0, n_chunks, step):
            high = min(low + step, n_chunks) - 1
            count = sum(v for k, v in kills_by.items() if low <= k <= high)
            if low == 0:
                count -= report.before_store
            lines.append(f"| ... with {low}-{high} of {n_chunks} chunks in the store | {count} |")
        lines.append(f"| ... with {n_chunks} of {n_chunks} chunks in the store | "
                     f"{kills_by[n_chunks]} |")  # fmt: skip
    lines += [
        f"| runs that finished before their kill time | {report.finished_before_kill} |",
        f"| reruns compared with the uninterrupted run | {report.cycles} |",
        f"| temporary files left by kills | {report.stray_files} |",
        f"| problems (lost or partial work, store not opening, differing results) | "
        f"{len(report.problems)} |",
    ]
    return lines + [f"- {problem}" for problem in report.problems]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SIGKILL detente sweep and simulate at random "
                                     "points.")  # fmt: skip
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs per target.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--targets", default=",".join(TARGETS),
                        help=f"Comma-separated, of: {', '.join(TARGETS)}.")  # fmt: skip
    args = parser.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; use {', '.join(TARGETS)}")
    loops: dict[str, tuple[Callable[..., CrashReport], int]] = {
        "sweep": (crash_loop, N_CHUNKS),
        "war-sweep": (war_sweep_loop, WAR_CHUNKS),
        "simulate": (simulate_loop, 2),
    }
    failed = False
    for target in targets:
        loop, n_chunks = loops[target]
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:  # each target its own seed, in any order
            report = loop(args.kills, args.seed + TARGETS.index(target), Path(tmp), log=True)
        seconds = time.perf_counter() - started
        print("\n".join(_table(target, report, seconds, n_chunks)), flush=True)
        failed |= bool(report.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
