"""Crash safety of the run store and of ``detente simulate``'s outputs (issue 9): the short
versions of benchmarks/crash_store.py (a few seeded SIGKILLs of ``detente sweep``, ``sweep
--model war`` and ``detente simulate``; after each the store opens, nothing finished is lost,
nothing is half-written, and the rerun equals an uninterrupted run), a SIGKILL after every
SQL statement of a one-shot record, a store file left empty, and the atomic ``--plot``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from benchmarks.crash_store import crash_loop, simulate_loop, war_sweep_loop
from typer.testing import CliRunner

from detente.cli.main import app
from detente.errors import DetenteError
from detente.store import RunStore
from detente.war import report as war_report

SPREAD = (
    "test_sigkill_at_random_points_loses_nothing",
    "test_sigkill_of_the_war_sweep_loses_nothing",
    "test_sigkill_of_simulate_leaves_a_whole_run_or_none",
    "test_simulate_rerun_reuses_the_recorded_run",
)
"""The kill loops, each a work unit of the test workers of its own (tests/conftest.py)."""


def test_sigkill_at_random_points_loses_nothing(tmp_path: Path) -> None:
    report = crash_loop(5, seed=1, workdir=tmp_path, run_seconds=6.0)
    assert report.problems == []
    assert report.kills == 5 and report.cycles >= 1


def test_sigkill_of_the_war_sweep_loses_nothing(tmp_path: Path) -> None:
    report = war_sweep_loop(3, seed=2, workdir=tmp_path, draws=60)
    assert report.problems == []
    assert report.kills == 3 and report.cycles >= 1


def test_sigkill_of_simulate_leaves_a_whole_run_or_none(tmp_path: Path) -> None:
    report = simulate_loop(5, seed=3, workdir=tmp_path, draws=500)
    assert report.problems == []
    assert report.kills == 5 and report.cycles >= 1


# A store record (a simulation run: 8 outputs of 40 paths) killed right after its k-th SQL
# statement, for every k, each in a child forked before any DuckDB connection exists. The
# parent then checks each store: it opens, it holds the whole run or nothing, and recording
# again gives the id an uninterrupted record gets in a fresh store.
KILL_EVERY_STATEMENT = r"""
import json, os, signal, sys
import numpy as np
from detente.scenario.validation import validate_scenario
from detente.store import RunStore

folder = sys.argv[1]
scenario = validate_scenario({"name": "k", "issues": [{"name": "x"}],
                              "actors": [{"name": "a", "capability": 1,
                                          "stances": {"x": {"position": 10, "salience": 50}}}]})
rng = np.random.default_rng(0)
outputs = {("war", name): rng.random(40) for name in
           ("deal_week", "kept_km2", "mediator_type", "territory_end_km2", "surge_weeks",
            "p_holds_1y", "p_holds_3y", "p_holds_5y")}
outputs[("war", "p_holds_5y")][::3] = np.nan
spec = {"campaign_hash": "h", "draws": 40, "seed": 1}

class KillAfter:
    def __init__(self, con, k):
        self.con, self.k, self.n = con, k, 0
    def execute(self, *args, **kwargs):
        result = self.con.execute(*args, **kwargs)
        self.n += 1
        if self.n == self.k:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    def __getattr__(self, name):
        return getattr(self.con, name)

def record(store, k=0):
    if k:
        store.con = KillAfter(store.con, k)
    return store.record("simulate", scenario, spec, outputs, {"doc": 1}, models=["war"],
                        seed=1, elapsed_s=0.5, reuse=True)

statements = int(sys.argv[2])
for k in range(1, statements + 1):
    pid = os.fork()
    if pid == 0:
        with RunStore(os.path.join(folder, f"k{k}.duckdb")) as store:
            record(store, k)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0, status

with RunStore(os.path.join(folder, "reference.duckdb")) as store:
    reference = record(store)
report = []
for k in range(1, statements + 1):
    with RunStore(os.path.join(folder, f"k{k}.duckdb")) as store:
        rows = store.con.execute("SELECT run_id, status, summary IS NOT NULL FROM runs").fetchall()
        whole = [
            (run_id, status, summary,
             store.con.execute("SELECT count(*) FROM outcomes WHERE run_id = ?",
                               [run_id]).fetchone()[0],
             store.con.execute("SELECT count(*) FROM chunks WHERE run_id = ?",
                               [run_id]).fetchone()[0],
             all(np.array_equal(store.column(run_id, *key), v, equal_nan=True)
                 for key, v in outputs.items()))
            for run_id, status, summary in rows
        ]
        orphans = store.con.execute(
            "SELECT count(*) FROM outcomes WHERE run_id NOT IN (SELECT run_id FROM runs)"
        ).fetchone()[0]
        again = record(store)
        n_runs = store.con.execute("SELECT count(*) FROM runs").fetchone()[0]
    report.append({"k": k, "runs": whole, "orphans": orphans, "again": again, "n_runs": n_runs})
print(json.dumps({"reference": reference, "report": report}))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_record_killed_after_any_statement_is_whole_or_absent(tmp_path: Path) -> None:
    statements = 14  # the record's statements on a fresh store, and a few more
    done = subprocess.run(
        [sys.executable, "-c", KILL_EVERY_STATEMENT, str(tmp_path), str(statements)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    reference, report = result["reference"], result["report"]
    assert sum(1 for r in report if r["runs"]) >= 1, "no kill landed after the commit"
    assert sum(1 for r in report if not r["runs"]) >= 5, "no kill landed before the commit"
    for r in report:
        assert r["orphans"] == 0, r
        for run_id, status, summary, n_outcomes, n_chunks, equal in r["runs"]:
            assert (run_id, status, summary) == (reference, "complete", True), r
            assert (n_outcomes, n_chunks, equal) == (40 * 8, 1, True), r
        assert r["again"] == reference and r["n_runs"] == 1, r


def test_an_unfinished_run_left_by_an_older_version_is_replaced(tmp_path: Path) -> None:
    from detente.scenario import load_scenario

    sc = load_scenario("ukraine-2024")
    outputs = {("war", "deal_week"): np.arange(5.0)}
    with RunStore(tmp_path / "runs.duckdb") as store:
        # what `record` used to leave when killed between its steps: a running row alone
        stale, _ = store.start_run(
            "simulate", sc, {"draws": 5}, models=["war"], seed=0, n_draws=5, chunk_size=5,
            n_chunks=1, backend="inline",
        )  # fmt: skip
        run_id = store.record(
            "simulate", sc, {"draws": 5}, outputs, {"doc": 1}, models=["war"], seed=0,
            elapsed_s=0.1, reuse=True,
        )  # fmt: skip
        rows = store.con.execute("SELECT run_id, status FROM runs").fetchall()
        assert rows == [(run_id, "complete")]
        assert run_id == stale  # the id the first record of this run gets
        assert np.array_equal(store.column(run_id, "war", "deal_week"), np.arange(5.0))


def test_an_empty_store_file_opens(tmp_path: Path) -> None:
    """A kill while DuckDB first writes a new file used to leave it empty (or short), and
    DuckDB refuses such a file for good; the store is now created whole, under a temporary
    name, and an empty file is taken for a store not yet made."""
    store = tmp_path / "runs.duckdb"
    store.touch()
    listed = CliRunner().invoke(app, ["runs", "list", "--store", str(store)])
    assert listed.exit_code == 0, listed.output
    assert store.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["runs.duckdb"]
    with RunStore(tmp_path / "new" / "runs.duckdb") as new:
        assert new.list_runs().empty


SIMULATE = ["simulate", "ukraine-2024", "--draws", "300", "--seed", "4", "--format", "json",
            "-w", "mediator.types.presses_russia.after.riposte_probability=0.7"]  # fmt: skip


def test_simulate_rerun_reuses_the_recorded_run(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    runner = CliRunner()
    first = runner.invoke(app, [*SIMULATE, "--store", str(store)])
    again = runner.invoke(app, [*SIMULATE, "--store", str(store)])
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert first.stdout == again.stdout
    elsewhere = runner.invoke(app, [*SIMULATE, "--store", str(tmp_path / "other.duckdb")])
    assert elsewhere.stdout == first.stdout
    with RunStore(store) as st:
        runs = st.list_runs()
        assert len(runs) == 2 and set(runs["status"]) == {"complete"}  # baseline + what-if
    fresh = runner.invoke(app, [*SIMULATE, "--store", str(store), "--fresh"])
    assert fresh.exit_code == 0, fresh.output
    assert json.loads(fresh.stdout)["run_id"] != json.loads(first.stdout)["run_id"]
    with RunStore(store) as st:
        assert len(st.list_runs()) == 4


def _doc() -> dict[str, object]:
    return {
        "scenario": "x",
        "draws": 2,
        "deadline": "2025-01-20",
        "weeks": [
            {"date": f"2025-01-{d:02d}", "territory_km2": dict.fromkeys(war_report.QUANTILES, d)}
            for d in (6, 13, 20, 27)
        ],
        "p_deal_by": [{"date": f"2025-01-{d:02d}", "p": d / 40} for d in (13, 20, 27)],
    }


def test_the_plot_is_written_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plot = tmp_path / "fan.png"
    plot.write_bytes(b"the previous plot")
    plot.chmod(0o640)

    def killed(fd: int) -> None:
        raise KeyboardInterrupt  # stands for a kill between writing and renaming

    monkeypatch.setattr(os, "fsync", killed)
    with pytest.raises(KeyboardInterrupt):
        war_report.save_plot(_doc(), plot)
    assert plot.read_bytes() == b"the previous plot"
    assert [p.name for p in tmp_path.iterdir()] == ["fan.png"]  # no temporary file left
    monkeypatch.undo()
    assert war_report.save_plot(_doc(), plot) == plot
    assert plot.read_bytes().startswith(b"\x89PNG") and plot.stat().st_mode & 0o777 == 0o640
    bare = war_report.save_plot(_doc(), tmp_path / "bare")
    assert bare == tmp_path / "bare.png" and bare.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(DetenteError, match=r"cannot draw a plot as \.xyz; give a file"):
        war_report.save_plot(_doc(), tmp_path / "fan.xyz")
    assert not (tmp_path / "fan.xyz").exists()


def test_a_format_matplotlib_cannot_draw_here_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """.pgf without a TeX system raised RuntimeError (exit 1, "internal error")."""
    from matplotlib.figure import Figure

    def no_tex(self: Figure, *args: object, **kwargs: object) -> None:
        raise RuntimeError("'xelatex' not found; install it")

    monkeypatch.setattr(Figure, "savefig", no_tex)
    with pytest.raises(DetenteError, match=r"cannot draw a plot as \.pgf here .*; give a \.png"):
        war_report.save_plot(_doc(), tmp_path / "fan.pgf")
    assert list(tmp_path.iterdir()) == []


def test_simulate_plot_with_an_unknown_suffix_is_exit_2(tmp_path: Path) -> None:
    scenario = str(Path(__file__).resolve().parents[1] / "docs/scenarios/generic-war.yaml")
    done = CliRunner().invoke(
        app, ["simulate", scenario, "-n", "50", "--no-store", "--plot", str(tmp_path / "a.xyz")]
    )
    assert done.exit_code == 2, done.output
    assert "cannot draw a plot as .xyz" in done.stderr and "Traceback" not in done.output
