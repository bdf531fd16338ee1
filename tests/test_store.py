"""The run store: schema, resume after SIGKILL and Ctrl-C, Parquet export."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from detente.models import get_model
from detente.scenario import load_scenario
from detente.store import RunStore, default_store_path, scenario_hash
from detente.store.recorded import record_forecast, stored_sweep
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import with_default_spread
from detente.uncertainty.sweep import resolve_models, sweep

SWEEP = ["sweep", "ukraine-2024", "--spread", "-m", "bdm", "-m", "compromise", "--seed", "5",
         "--draws", "6000", "--chunk-size", "150", "--format", "json"]  # fmt: skip
N_CHUNKS = 40


def _cli(args: list[str], store: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "DETENTE_STORE": str(store), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "detente.cli.sweep", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def _interrupt_after(store: Path, chunks: int, sig: int) -> subprocess.Popen[str]:
    """Start the sweep and send ``sig`` once ``chunks`` chunks are in the store."""
    proc = _cli(SWEEP, store)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("sweep:") and int(line.split()[1].split("/")[0]) >= chunks:
            proc.send_signal(sig)
            break
    proc.wait(timeout=120)
    return proc


def _reference() -> dict[tuple[str, str], np.ndarray]:
    sc = with_default_spread(load_scenario("ukraine-2024"))
    models = OutcomeModels(sc, resolve_models(["bdm", "compromise"]))
    return sweep(sc, models, 6000, seed=5, chunk_size=150).outcomes


def _stored(store: Path, run_id: str) -> dict[tuple[str, str], np.ndarray]:
    with RunStore(store) as st:
        return {key: st.column(run_id, *key) for key in st.outputs(run_id)}


def _chunks(store: Path) -> list[int]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return [
            int(r[0]) for r in con.execute("SELECT chunk FROM chunks ORDER BY chunk").fetchall()
        ]
    finally:
        con.close()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_interrupted_sweep_resumes_to_identical_results(tmp_path: Path, sig: int) -> None:
    store = tmp_path / "runs.duckdb"
    killed = _interrupt_after(store, 3, sig)
    if sig == signal.SIGINT:
        assert killed.returncode == 130
    else:
        assert killed.returncode == -signal.SIGKILL
    kept = _chunks(store)
    assert 3 <= len(kept) < N_CHUNKS, "the sweep finished before it could be interrupted"
    assert len(set(kept)) == len(kept)

    rerun = _cli(SWEEP, store)
    stdout, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, stderr
    assert f"{len(kept)} of {N_CHUNKS} chunks were already in the store" in stderr
    doc = json.loads(stdout)
    assert _chunks(store) == list(range(N_CHUNKS))
    stored = _stored(store, doc["run_id"])
    reference = _reference()
    assert stored.keys() == reference.keys()
    for key, values in reference.items():
        assert np.array_equal(stored[key], values), key
    with RunStore(store) as st:
        runs = st.list_runs()
        assert len(runs) == 1 and runs["status"][0] == "complete"
        n_rows = st.con.execute("SELECT count(*) FROM outcomes").fetchone()
        assert n_rows == (6000 * 2 * 5,)  # draws x models x issues


def test_store_schema_forecast_and_export_round_trip(tmp_path: Path) -> None:
    store = tmp_path / "sub" / "runs.duckdb"
    sc = load_scenario("ukraine-2024")
    with RunStore(store) as st:
        tables = {r[0] for r in st.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert {"runs", "chunks", "outcomes", "indices", "meta"} <= tables
        forecasts = [get_model("compromise").predict(sc)]
        fid = record_forecast(st, sc, forecasts, elapsed_s=0.01)
        spread = with_default_spread(sc)
        result = stored_sweep(st, spread, OutcomeModels(spread, [get_model("median")]),
                              n_draws=250, seed=0, chunk_size=100)  # fmt: skip
        run = st.run(result.run_id[:6])
        assert run["status"] == "complete" and run["kind"] == "sweep"
        assert run["chunks_done"] == 3 and run["n_chunks"] == 3 and run["seed"] == 0
        assert run["scenario_hash"] == scenario_hash(with_default_spread(sc))
        assert run["detente_version"] and run["elapsed_s"] > 0 and run["compute_s"] > 0
        assert run["params"]["models"] == [{"model": "median", "params": {}}]
        assert run["summary"]["results"][0]["issues"][0]["n_draws"] == 250
        forecast_run = st.run(fid)
        assert forecast_run["kind"] == "forecast" and forecast_run[
            "scenario_hash"
        ] == scenario_hash(sc)
        assert st.column(fid, "compromise", "territory")[0] == forecasts[0].outcome("territory")
        target = tmp_path / "out" / "draws.parquet"
        assert st.export(result.run_id, target) == 250 * len(sc.issues)  # 5 issues
        values = st.column(result.run_id, "median", "sanctions_us")
    con = duckdb.connect()
    back = con.execute(
        f"SELECT value FROM read_parquet('{target}') WHERE output = 'sanctions_us' ORDER BY draw"
    ).fetchnumpy()["value"]
    assert np.array_equal(back, values)
    cols = [
        r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{target}')").fetchall()
    ]
    assert cols == ["run_id", "chunk", "draw", "model", "output", "value"]
    meta = con.execute(f"SELECT value FROM parquet_kv_metadata('{target}')").fetchone()
    assert meta is not None and json.loads(meta[0])["run_id"] == result.run_id


def test_default_store_path_and_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DETENTE_STORE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    new = tmp_path / "data" / "detente" / "runs.duckdb"
    legacy = tmp_path / "home" / ".detente" / "runs.duckdb"
    assert default_store_path() == new  # the platform's user data folder
    legacy.parent.mkdir(parents=True)
    legacy.touch()
    assert default_store_path() == legacy  # an existing store in the old place is still read
    new.parent.mkdir(parents=True)
    new.touch()
    assert default_store_path() == new
    monkeypatch.setenv("DETENTE_STORE", str(tmp_path / "x.duckdb"))
    assert default_store_path() == tmp_path / "x.duckdb"


def test_runs_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from detente.cli.sweep import build_app

    monkeypatch.setenv("DETENTE_STORE", str(tmp_path / "runs.duckdb"))
    runner = CliRunner()
    app = build_app()
    done = runner.invoke(app, ["sweep", "ukraine-2024", "-m", "compromise", "--draws", "50",
                               "--spread", "--format", "json"])  # fmt: skip
    assert done.exit_code == 0, done.output
    run_id = json.loads(done.stdout)["run_id"]
    listed = runner.invoke(app, ["runs", "list"])
    assert listed.exit_code == 0 and run_id in listed.stdout and "complete" in listed.stdout
    as_json = runner.invoke(app, ["runs", "list", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    (row,) = [r for r in json.loads(as_json.stdout) if r["run_id"] == run_id]
    assert (row["kind"], row["models"], row["status"]) == ("sweep", ["compromise"], "complete")
    shown = runner.invoke(app, ["runs", "show", run_id])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["run_id"] == run_id
    target = tmp_path / "e.parquet"
    exported = runner.invoke(app, ["runs", "export", run_id, "--to", str(target)])
    # 50 draws x 5 issues
    assert exported.exit_code == 0 and target.is_file() and "250 rows" in exported.stdout
    frame = pd.read_parquet(target)  # pandas reads it in the default install (pyarrow)
    assert len(frame) == 250 and set(frame["model"]) == {"compromise"}
    missing = runner.invoke(app, ["runs", "show", "abcdef"])
    assert missing.exit_code == 2 and "no run 'abcdef'" in missing.stderr
    bad = runner.invoke(app, ["runs", "export", run_id, "--to", str(tmp_path / "e.csv")])
    assert bad.exit_code == 2 and ".parquet" in bad.stderr


def test_a_locked_store_is_a_one_line_error(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(store)!r}); "
         "print('ok', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        from detente.errors import DetenteError

        # refused at once, not after waiting for the lock (the holder keeps it 30 s, so a
        # wait would end in an open store); how fast: benchmarks/bench_checks.py
        with pytest.raises(DetenteError, match="in use by another detente process") as caught:
            RunStore(store)
        assert caught.value.source == str(store) and "\n" not in str(caught.value)
    finally:
        holder.kill()
        holder.wait()


def test_nan_outcomes_read_back_as_nan(tmp_path: Path) -> None:
    """DuckDB keeps a NaN written from a data frame as NULL, which used to come back as 0.0:
    a simulation's kept_km2 and p_holds on paths without a deal, and a war sweep's gain per
    day where no week was at war (its summary then said 0 instead of null)."""
    sc = load_scenario("ukraine-2024")
    values = np.array([1.5, np.nan, -2.0, np.nan])
    with RunStore(tmp_path / "runs.duckdb") as st:
        run_id = st.record("simulate", sc, {"draws": 4}, {("war", "kept_km2"): values},
                           {"doc": 1}, models=["war"], seed=0, elapsed_s=0.1)  # fmt: skip
        back = st.column(run_id, "war", "kept_km2")
    assert back.dtype == np.float64 and not isinstance(back, np.ma.MaskedArray)
    assert np.array_equal(back, values, equal_nan=True)


def test_a_sweep_with_nothing_to_vary_runs_once(tmp_path: Path) -> None:
    from detente.cli.sweep import build_app

    runner = CliRunner()
    args = ["sweep", "ukraine-2024", "-m", "compromise", "--draws", "500", "--no-store"]
    done = runner.invoke(build_app(), [*args, "--format", "json"])
    assert done.exit_code == 0, done.output
    assert "nothing varies" in done.stderr and "--spread" in done.stderr
    assert json.loads(done.stdout)["n_draws"] == 1
    spread = runner.invoke(build_app(), [*args, "--spread", "--format", "json"])
    assert spread.exit_code == 0 and "nothing varies" not in spread.stderr
    assert json.loads(spread.stdout)["n_draws"] == 500
