"""The ledger file: an append-only, hash-chained table in its own DuckDB file next to the
run store (docs/ledger.md).

Layout (schema version 1)::

    meta    key, value (schema_version)
    ledger  seq (1, 2, ...), hash, type ('forecast' or 'grade'), question_id, body

``body`` is the entry's canonical JSON text (:mod:`detente.ledger.entry`), holding its
``seq``, the previous entry's hash (``prev``) and the time of sealing; ``hash`` is the
SHA-256 of ``body``. Entries are only ever inserted, each batch in one transaction, so a
kill leaves the chain as it was before the batch or with the whole batch. :meth:`verify`
recomputes every hash and follows the chain. Why a file of its own: DECISIONS LED-1.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb

from detente.duckfiles import open_duckdb
from detente.errors import DetenteError
from detente.ledger.entry import (
    GENESIS,
    Question,
    Sealed,
    body_of,
    canonical_json,
    entry_hash,
)
from detente.paths import user_file
from detente.spec.display import Display
from detente.textfiles import write_atomic

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 1
ENV_VAR = "DETENTE_LEDGER"
_DDL = [
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS ledger (seq BIGINT PRIMARY KEY, hash VARCHAR NOT NULL, "
    "type VARCHAR NOT NULL, question_id VARCHAR NOT NULL, body VARCHAR NOT NULL)",
]


def default_ledger_path() -> Path:
    """``$DETENTE_LEDGER``; else ``ledger.duckdb`` in the folder of ``$DETENTE_STORE`` (the
    run store); else ``ledger.duckdb`` in the user data folder (:func:`detente.paths.user_file`,
    the legacy ``~/.detente/ledger.duckdb`` if it exists)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    store = os.environ.get("DETENTE_STORE")
    return (
        Path(store).expanduser().parent / "ledger.duckdb" if store else user_file("ledger.duckdb")
    )


def now_iso() -> str:
    """The time of sealing: UTC, ISO 8601 to the microsecond, ending in ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Entry:
    """A stored entry: its number, hash and canonical text (``data`` decoded)."""

    seq: int
    hash: str
    type: str
    question_id: str
    body: str

    @property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


class Ledger(Display):
    """An open ledger file (created whole if missing). One process at a time (DuckDB's lock).

    Prints as its path and entry counts (:class:`~detente.spec.display.Display`);
    :meth:`to_frame` lists the entries.

    Parameters
    ----------
    path : the DuckDB file; default :func:`default_ledger_path`. ``":memory:"`` for tests.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(default_ledger_path() if path is None else path)
        self.con = open_duckdb(self.path, _create_tables, what="ledger", option="--ledger")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------
    def append(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> list[Entry]:
        """Append entries ``(type, question_id, payload)`` in one transaction, each chained to
        the one before; returns them as stored. ``check`` runs inside the transaction."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            last = con.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (int(last[0]), str(last[1])) if last else (0, GENESIS)
            stored = []
            sealed_at = now_iso()
            for kind, question_id, payload in items:
                seq += 1
                body = body_of(kind, payload, seq=seq, prev=prev, sealed_at=sealed_at)
                prev = entry_hash(body)
                con.execute("INSERT INTO ledger VALUES (?, ?, ?, ?, ?)",
                            [seq, prev, kind, question_id, body])  # fmt: skip
                stored.append(Entry(seq, prev, kind, question_id, body))
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        return stored

    def seal(self, forecasts: Sequence[Sealed]) -> list[Entry]:
        """Seal forecasts (one transaction). A question already in the ledger must be asked
        in the same words (kind, text, criteria, date, unit)."""
        asked: dict[str, Question] = {}
        for f in forecasts:
            self._check_question(f)
            if asked.setdefault(f.question.id, f.question) != f.question:
                raise DetenteError(f"question {f.question.id!r} is asked two ways in one batch; "
                                   "ask it the same way or give a new question id")  # fmt: skip
        return self.append(
            [("forecast", f.question.id, f.model_dump(mode="json")) for f in forecasts]
        )

    def _check_question(self, sealed: Sealed) -> None:
        row = self.con.execute(
            "SELECT seq, body FROM ledger WHERE type = 'forecast' AND question_id = ? "
            "ORDER BY seq LIMIT 1",
            [sealed.question.id],
        ).fetchone()
        if row is None:
            return
        before = json.loads(str(row[1]))["question"]
        if before != sealed.question.model_dump(mode="json"):
            raise DetenteError(
                f"question {sealed.question.id!r} was sealed at entry {int(row[0])} with other "
                "wording, kind, date or unit; ask it the same way or give a new question id",
                source=self.path,
            )

    # -- reading ----------------------------------------------------------------------------
    def question(self, question_id: str) -> Question | None:
        """The question as first sealed, or None if the ledger has no forecast of it."""
        row = self.con.execute(
            "SELECT body FROM ledger WHERE type = 'forecast' AND question_id = ? "
            "ORDER BY seq LIMIT 1",
            [question_id],
        ).fetchone()
        return None if row is None else Question.model_validate(json.loads(str(row[0]))["question"])

    def entries(self, kind: str | None = None) -> Iterator[Entry]:
        """Every entry in order (of ``kind`` only, if given)."""
        sql = "SELECT seq, hash, type, question_id, body FROM ledger"
        rows = self.con.execute(
            sql + (" WHERE type = ? ORDER BY seq" if kind else " ORDER BY seq"),
            [kind] if kind else [],
        ).fetchall()
        for seq, hash_, type_, qid, body in rows:
            yield Entry(int(seq), str(hash_), str(type_), str(qid), str(body))

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        counts = self.con.execute(
            "SELECT type, count(*), count(DISTINCT question_id) FROM ledger GROUP BY type "
            "ORDER BY type"
        ).fetchall()
        facts: list[tuple[str, object]] = [("path", self.path)]
        facts += [(f"{t} entries", f"{int(n)} on {int(q)} questions") for t, n, q in counts]
        return "Ledger", facts

    def to_frame(self) -> pd.DataFrame:
        """One row per entry, in order: columns ``seq, type, question_id, sealed_at,
        forecaster, hash`` (``forecaster`` empty for grades; DECISIONS DESK-2). Graded
        scores: :func:`detente.ledger.grade.graded_frame`."""
        import pandas as pd

        rows = []
        for e in self.entries():
            data = e.data
            forecaster = data.get("forecaster")
            rows.append({
                "seq": e.seq, "type": e.type, "question_id": e.question_id,
                "sealed_at": data.get("sealed_at"),
                "forecaster": forecaster.get("name") if isinstance(forecaster, dict) else None,
                "hash": e.hash,
            })  # fmt: skip
        columns = ["seq", "type", "question_id", "sealed_at", "forecaster", "hash"]
        return pd.DataFrame(rows, columns=columns)

    def verify(self) -> tuple[int, str]:
        """Check every entry's hash, its canonical form and the chain; return the number of
        entries and the head hash (the last entry's, to publish). Raises a DetenteError
        naming the first bad entry."""
        prev, n = GENESIS, 0
        for entry in self.entries():
            n += 1
            where = f"entry {entry.seq}"
            if entry.seq != n:
                raise DetenteError(f"{where}: expected entry {n} here; the chain is broken "
                                   f"(entry {n} was removed)", source=self.path)  # fmt: skip
            if entry_hash(entry.body) != entry.hash:
                raise DetenteError(f"{where}: its hash does not match its content; the entry "
                                   "was altered", source=self.path)  # fmt: skip
            try:
                data = json.loads(entry.body)
            except ValueError:
                raise DetenteError(f"{where}: its content is not JSON; the entry was altered",
                                   source=self.path) from None  # fmt: skip
            if canonical_json(data) != entry.body or data.get("seq") != entry.seq:
                raise DetenteError(f"{where}: its content is not in canonical form; the entry "
                                   "was altered", source=self.path)  # fmt: skip
            named = data.get("question_id") or (data.get("question") or {}).get("id")
            if (data.get("type"), named) != (entry.type, entry.question_id):
                raise DetenteError(f"{where}: its type or question id column differs from its "
                                   "content; the entry was altered", source=self.path)  # fmt: skip
            if data.get("prev") != prev:
                raise DetenteError(f"{where}: its 'prev' is not the hash of entry {n - 1}; the "
                                   "chain is broken", source=self.path)  # fmt: skip
            prev = entry.hash
        return n, prev

    def export(self, path: str | Path) -> int:
        """Write every entry as JSON lines ``{"seq", "hash", "body"}`` (``body`` the canonical
        text), whole or not at all; returns the number of entries."""
        lines = [
            json.dumps({"seq": e.seq, "hash": e.hash, "body": e.body}, ensure_ascii=False)
            for e in self.entries()
        ]
        write_atomic(path, "".join(line + "\n" for line in lines))
        return len(lines)


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in _DDL:
        con.execute(ddl)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [str(SCHEMA_VERSION)])  # fmt: skip
