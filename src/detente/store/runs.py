"""A DuckDB file of runs: what was run (scenario hash, model, parameters, seed, version),
how long it took, and its results in long columnar form, exportable to Parquet.

Layout (schema version 1; docs/uncertainty.md)::

    runs      one row per run: run_id, run_key, kind, status, scenario, scenario_hash,
              models, params (JSON text), seed, n_draws, chunk_size, n_chunks, backend,
              detente_version, created_at, updated_at, finished_at, elapsed_s, compute_s,
              summary (JSON text)
    chunks    one row per finished chunk: run_id, chunk, n_draws, compute_s, written_at
    outcomes  one row per draw and output: run_id, chunk, draw, model, output, value
    indices   Sobol' indices: run_id, model, output, parameter, rank, s1, s1_conf, st, st_conf

The drawn inputs are not stored: they are reproducible from the seed, the chunk and the
chunk size (DECISIONS UNC-10).

A chunk's outcomes and its ``chunks`` row are written in one transaction, so a run that is
killed (SIGKILL, Ctrl-C, power cut) keeps every finished chunk and no partial one; rerunning
the same command finds the run by its key (a hash of everything that determines its results)
and computes only the missing chunks. A one-shot run (a forecast, a simulation) is written
whole in one transaction (:meth:`RunStore.record`), and a new store file appears only once
its tables are in it, so a kill never leaves a file DuckDB cannot open.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from detente import __version__
from detente.duckfiles import open_duckdb
from detente.errors import DetenteError
from detente.paths import user_file
from detente.spec.scenario import Scenario
from detente.uncertainty.backends import ChunkJob, ChunkResult

STORE_SCHEMA_VERSION = 1
ENV_VAR = "DETENTE_STORE"

_DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY, run_key VARCHAR, kind VARCHAR, status VARCHAR,
        scenario VARCHAR, scenario_hash VARCHAR, models VARCHAR, params VARCHAR,
        seed BIGINT, n_draws BIGINT, chunk_size BIGINT, n_chunks BIGINT, backend VARCHAR,
        detente_version VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP,
        finished_at TIMESTAMP, elapsed_s DOUBLE, compute_s DOUBLE, summary VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS chunks (
        run_id VARCHAR, chunk BIGINT, n_draws BIGINT, compute_s DOUBLE,
        written_at TIMESTAMP, PRIMARY KEY (run_id, chunk))""",
    """CREATE TABLE IF NOT EXISTS outcomes (
        run_id VARCHAR, chunk BIGINT, draw BIGINT, model VARCHAR, output VARCHAR,
        value DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS indices (
        run_id VARCHAR, model VARCHAR, output VARCHAR, parameter VARCHAR, rank BIGINT,
        s1 DOUBLE, s1_conf DOUBLE, st DOUBLE, st_conf DOUBLE)""",
]
_RUN_COLUMNS = [
    "run_id", "run_key", "kind", "status", "scenario", "scenario_hash", "models", "params",
    "seed", "n_draws", "chunk_size", "n_chunks", "backend", "detente_version", "created_at",
    "updated_at", "finished_at", "elapsed_s", "compute_s", "summary",
]  # fmt: skip
_ID = re.compile(r"^[0-9a-f]{1,32}$")
TABLES = ("outcomes", "indices", "chunks")


def default_store_path() -> Path:
    """``$DETENTE_STORE`` if set, else ``runs.duckdb`` in the user data folder
    (:func:`detente.paths.user_file`; the legacy ``~/.detente/runs.duckdb`` if it exists)."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else user_file("runs.duckdb")


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON (every field, notes included)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def run_key(kind: str, scenario: Scenario, spec: Mapping[str, Any]) -> str:
    """What determines a run's results: its kind, scenario, spec and the package version
    (not the backend: DECISIONS UNC-9)."""
    text = json.dumps(
        {"kind": kind, "scenario": scenario_hash(scenario), "spec": spec, "version": __version__},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class RunStore:
    """An open run store. One process at a time may hold it (DuckDB's file lock).

    Parameters
    ----------
    path : the DuckDB file (created with its folder if missing); default
        :func:`default_store_path`. ``":memory:"`` for a throwaway store.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(default_store_path() if path is None else path)
        self.con = open_duckdb(self.path, _create_tables, what="run store", option="--store")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------
    def _new_run_id(self, key: str) -> str:
        """The id of the next run with this key: derived from the key and how many runs with
        it the store already holds, so that the same command gives the same id (and the same
        JSON) in a fresh store or in memory, and a ``--fresh`` rerun gets a new one."""
        row = self.con.execute("SELECT count(*) FROM runs WHERE run_key = ?", [key]).fetchone()
        n = int(row[0]) if row is not None else 0
        while True:
            run_id = hashlib.sha256(f"{key}:{n}".encode()).hexdigest()[:12]
            taken = self.con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone()
            if taken is None:
                return run_id
            n += 1

    def start_run(
        self,
        kind: str,
        scenario: Scenario,
        spec: Mapping[str, Any],
        *,
        models: list[str],
        seed: int | None,
        n_draws: int,
        chunk_size: int,
        n_chunks: int,
        backend: str,
        fresh: bool = False,
    ) -> tuple[str, str]:
        """The run to write to, and its state: ``"new"``, ``"resumed"`` or ``"complete"``.

        A run with the same key that did not finish is resumed; one that finished is reused
        (``"complete"``) unless ``fresh``.
        """
        key = run_key(kind, scenario, spec)
        if not fresh:
            row = self.con.execute(
                "SELECT run_id, status FROM runs WHERE run_key = ? "
                "ORDER BY (status = 'complete') DESC, created_at DESC LIMIT 1",
                [key],
            ).fetchone()
            if row is not None:
                run_id, status = str(row[0]), str(row[1])
                if status != "complete":
                    self.con.execute(
                        "UPDATE runs SET backend = ?, updated_at = ? WHERE run_id = ?",
                        [backend, _now(), run_id],
                    )
                return run_id, "complete" if status == "complete" else "resumed"
        run_id = self._new_run_id(key)
        now = _now()
        self.con.execute(
            f"INSERT INTO runs ({', '.join(_RUN_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(_RUN_COLUMNS))})",
            [
                run_id,
                key,
                kind,
                "running",
                scenario.name,
                scenario_hash(scenario),
                json.dumps(models),
                json.dumps(spec, sort_keys=True, default=str),
                seed,
                n_draws,
                chunk_size,
                n_chunks,
                backend,
                __version__,
                now,
                now,
                None,
                0.0,
                0.0,
                None,
            ],
        )
        return run_id, "new"

    def write_chunk(self, run_id: str, result: ChunkResult, job: ChunkJob, chunk_size: int) -> None:
        """One finished chunk, in one transaction (all of it or nothing)."""
        first = job.index * chunk_size
        draws = np.arange(first, first + job.size, dtype=np.int64)
        chunk_frame = _outcome_frame(run_id, job.index, draws, result.outputs)
        self._transaction(
            [
                ("INSERT INTO outcomes SELECT * FROM chunk_frame", None),
                (
                    "INSERT INTO chunks VALUES (?, ?, ?, ?, ?)",
                    [run_id, job.index, job.size, result.compute_s, _now()],
                ),
                (
                    "UPDATE runs SET compute_s = compute_s + ?, updated_at = ? WHERE run_id = ?",
                    [result.compute_s, _now(), run_id],
                ),
            ],
            frame=chunk_frame,
        )

    def _transaction(
        self, statements: list[tuple[str, list[Any] | None]], frame: pd.DataFrame | None = None
    ) -> None:
        con = self.con
        con.execute("BEGIN TRANSACTION")  # also ends a caller's unfinished result
        try:
            if frame is not None:  # DuckDB refuses to register next to an unfinished result
                con.register("chunk_frame", frame)
            for sql, params in statements:
                con.execute(sql, params) if params is not None else con.execute(sql)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            if frame is not None:
                with contextlib.suppress(duckdb.Error):
                    con.unregister("chunk_frame")

    def add_elapsed(self, run_id: str, seconds: float) -> None:
        self.con.execute(
            "UPDATE runs SET elapsed_s = elapsed_s + ?, updated_at = ? WHERE run_id = ?",
            [seconds, _now(), run_id],
        )

    def finish(self, run_id: str, summary: Mapping[str, Any]) -> None:
        """Mark the run complete and keep its summary document."""
        self.con.execute(
            "UPDATE runs SET status = 'complete', finished_at = ?, updated_at = ?, summary = ? "
            "WHERE run_id = ?",
            [_now(), _now(), json.dumps(summary, default=str), run_id],
        )

    def write_indices(self, run_id: str, rows: pd.DataFrame) -> None:
        """Sobol' indices (columns as the ``indices`` table, without run_id)."""
        frame = rows.assign(run_id=run_id)[
            ["run_id", "model", "output", "parameter", "rank", "s1", "s1_conf", "st", "st_conf"]
        ]
        self._transaction([("INSERT INTO indices SELECT * FROM chunk_frame", None)], frame=frame)

    def record(
        self,
        kind: str,
        scenario: Scenario,
        spec: Mapping[str, Any],
        outputs: Mapping[tuple[str, str], np.ndarray],
        summary: Mapping[str, Any],
        *,
        models: list[str],
        seed: int | None,
        elapsed_s: float,
        backend: str = "inline",
        reuse: bool = False,
    ) -> str:
        """A one-shot run (a forecast, a simulation: one chunk), written in one transaction:
        the store then holds the whole run (its row marked complete with its summary, its
        outcomes and its chunk) or, after a kill, none of it.

        ``reuse``: if a complete run with the same key is in the store, return it and write
        nothing (a rerun of the same command gets the same run id). Unfinished runs with the
        key (left by versions that wrote a run in several steps) are replaced.
        """
        key = run_key(kind, scenario, spec)
        n = max((np.asarray(v).size for v in outputs.values()), default=0)
        frame = _outcome_frame(
            "", 0, np.arange(n, dtype=np.int64), {k: np.atleast_1d(v) for k, v in outputs.items()}
        )
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("chunk_frame", frame)
            if reuse:
                found = con.execute(
                    "SELECT run_id FROM runs WHERE run_key = ? AND status = 'complete' "
                    "ORDER BY created_at, run_id LIMIT 1",
                    [key],
                ).fetchall()
                if found:
                    con.execute("ROLLBACK")
                    return str(found[0][0])
            stale = "SELECT run_id FROM runs WHERE run_key = ? AND status <> 'complete'"
            for table in (*TABLES, "runs"):
                con.execute(f"DELETE FROM {table} WHERE run_id IN ({stale})", [key])
            run_id = self._new_run_id(key)
            now = _now()
            con.execute(
                f"INSERT INTO runs ({', '.join(_RUN_COLUMNS)}) VALUES "
                f"({', '.join('?' * len(_RUN_COLUMNS))})",
                [
                    run_id, key, kind, "complete", scenario.name, scenario_hash(scenario),
                    json.dumps(models), json.dumps(spec, sort_keys=True, default=str), seed, n,
                    max(n, 1), 1, backend, __version__, now, now, now, elapsed_s, elapsed_s,
                    json.dumps(summary, default=str),
                ],
            )  # fmt: skip
            con.execute(
                "INSERT INTO outcomes SELECT ? AS run_id, chunk, draw, model, output, value "
                "FROM chunk_frame",
                [run_id],
            )
            con.execute("INSERT INTO chunks VALUES (?, 0, ?, ?, ?)", [run_id, n, elapsed_s, now])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            with contextlib.suppress(duckdb.Error):
                con.unregister("chunk_frame")
        return run_id

    # -- reading ----------------------------------------------------------------------------
    def resolve(self, run_id: str) -> str:
        """The full id of the run whose id starts with ``run_id``."""
        if not _ID.match(run_id):
            raise DetenteError(f"{run_id!r} is not a run id; see `detente runs list`", where="ID")
        rows = self.con.execute(
            "SELECT run_id FROM runs WHERE starts_with(run_id, ?)", [run_id]
        ).fetchall()
        if not rows:
            raise DetenteError(f"no run {run_id!r} in the store; see `detente runs list`",
                               source=self.path, where="ID")  # fmt: skip
        if len(rows) > 1:
            raise DetenteError(f"{run_id!r} matches {len(rows)} runs; give more characters",
                               where="ID")  # fmt: skip
        return str(rows[0][0])

    def done_chunks(self, run_id: str) -> set[int]:
        rows = self.con.execute("SELECT chunk FROM chunks WHERE run_id = ?", [run_id]).fetchall()
        return {int(r[0]) for r in rows}

    def outputs(self, run_id: str) -> list[tuple[str, str]]:
        rows = self.con.execute(
            "SELECT model, output FROM outcomes WHERE run_id = ? AND chunk = "
            "(SELECT min(chunk) FROM chunks WHERE run_id = ?) "
            "GROUP BY model, output ORDER BY min(rowid)",
            [run_id, run_id],
        ).fetchall()
        return [(str(m), str(o)) for m, o in rows]

    def column(self, run_id: str, model: str, output: str) -> np.ndarray:
        """One output's values over the draws, in draw order; NaN where the value is
        undefined (DuckDB keeps a NaN written from a data frame as NULL). Summaries read one
        column at a time, so memory stays flat in the number of draws (DECISIONS UNC-11)."""
        got = self.con.execute(
            "SELECT value FROM outcomes WHERE run_id = ? AND model = ? AND output = ? "
            "ORDER BY draw",
            [run_id, model, output],
        ).fetchnumpy()
        values: np.ndarray = np.ma.filled(np.ma.asarray(got["value"]).astype(float), np.nan)
        return values

    def run(self, run_id: str) -> dict[str, Any]:
        """A run's row, with ``chunks_done`` and the decoded ``params`` and ``summary``."""
        full = self.resolve(run_id)
        row = self.con.execute(
            f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs WHERE run_id = ?", [full]
        ).fetchone()
        assert row is not None
        out = dict(zip(_RUN_COLUMNS, row, strict=True))
        out["models"] = json.loads(out["models"])
        out["params"] = json.loads(out["params"])
        out["summary"] = None if out["summary"] is None else json.loads(out["summary"])
        out["chunks_done"] = len(self.done_chunks(full))
        return out

    def list_runs(self, limit: int = 50) -> pd.DataFrame:
        """The most recent runs first."""
        return self.con.execute(
            "SELECT r.run_id, r.kind, r.status, r.scenario, r.models, r.seed, r.n_draws, "
            "(SELECT count(*) FROM chunks c WHERE c.run_id = r.run_id) AS chunks_done, "
            "r.n_chunks, r.backend, r.created_at, r.elapsed_s "
            "FROM runs r ORDER BY r.created_at DESC LIMIT ?",
            [limit],
        ).df()

    def export(self, run_id: str, path: str | Path, table: str = "outcomes") -> int:
        """Write one run's ``table`` rows to a Parquet file; returns the number of rows.

        The file's key-value metadata carries the run's row as JSON under ``detente_run``.
        """
        if table not in TABLES:
            raise DetenteError(f"unknown table {table!r}; use one of: {', '.join(TABLES)}",
                               where="--table")  # fmt: skip
        full = self.resolve(run_id)
        meta = self.run(full)
        meta.pop("summary", None)
        target = Path(path)
        if target.suffix.lower() != ".parquet":
            raise DetenteError("the export file must end in .parquet", source=str(path))
        target.parent.mkdir(parents=True, exist_ok=True)
        order = {"outcomes": "model, output, draw", "indices": "model, output, rank",
                 "chunks": "chunk"}[table]  # fmt: skip
        meta_text = json.dumps(meta, default=str).replace("'", "''")
        path_text = str(target).replace("'", "''")
        self.con.execute(
            f"COPY (SELECT * FROM {table} WHERE run_id = '{full}' ORDER BY {order}) "
            f"TO '{path_text}' (FORMAT PARQUET, KV_METADATA {{detente_run: '{meta_text}'}})"
        )
        count = self.con.execute(
            f"SELECT count(*) FROM {table} WHERE run_id = ?", [full]
        ).fetchone()
        return int(count[0]) if count else 0


def _outcome_frame(
    run_id: str, chunk: int, draws: np.ndarray, outputs: Mapping[tuple[str, str], np.ndarray]
) -> pd.DataFrame:
    """The ``outcomes`` rows of one chunk, in the table's column order."""
    frames = [
        pd.DataFrame(
            {
                "run_id": run_id,
                "chunk": chunk,
                "draw": draws,
                "model": model,
                "output": output,
                "value": np.asarray(values, dtype=float),
            }
        )
        for (model, output), values in outputs.items()
    ]
    if not frames:
        return pd.DataFrame(
            {"run_id": pd.Series(dtype=str), "chunk": pd.Series(dtype=np.int64),
             "draw": pd.Series(dtype=np.int64), "model": pd.Series(dtype=str),
             "output": pd.Series(dtype=str), "value": pd.Series(dtype=float)}
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in _DDL:
        con.execute(ddl)
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
        [str(STORE_SCHEMA_VERSION)],
    )


class StoreSink:
    """A :class:`~detente.uncertainty.sweep.ChunkSink` writing to one run of a store."""

    def __init__(self, store: RunStore, run_id: str, chunk_size: int) -> None:
        self.store = store
        self.run_id = run_id
        self.chunk_size = chunk_size
        self.started = time.perf_counter()

    def done_chunks(self) -> set[int]:
        return self.store.done_chunks(self.run_id)

    def write(self, result: ChunkResult, job: ChunkJob) -> None:
        self.store.write_chunk(self.run_id, result, job, self.chunk_size)
