"""DuckDB files opened safely: created whole, one-line errors. The run store
(:mod:`detente.store`) and the forecast ledger (:mod:`detente.ledger`) both open theirs here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from detente.errors import DetenteError

CreateTables = Callable[[duckdb.DuckDBPyConnection], None]


def create_whole(path: Path, create_tables: CreateTables) -> None:
    """Make a missing (or empty) DuckDB file appear whole: built with its tables under a
    temporary name in the same folder, then linked into place. DuckDB refuses an empty or
    truncated file, which a kill while it first writes the file would leave behind."""
    if path.is_dir() or (path.is_file() and path.stat().st_size > 0):
        return
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # DuckDB creates the file itself
    try:
        con = duckdb.connect(str(tmp))
        try:
            create_tables(con)
        finally:
            con.close()
        if path.exists():
            os.replace(tmp, path)  # an empty file holds nothing
        else:
            try:
                os.link(tmp, path)  # never over a file another process just created
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def open_duckdb(
    path: str, create_tables: CreateTables, *, what: str, option: str
) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file ``path`` (``":memory:"`` for a throwaway one), its
    folder and the file created whole if missing, its tables created.

    Raises
    ------
    DetenteError
        The file is held by another process, is not a DuckDB file, or cannot be created;
        one line naming ``what`` (e.g. ``"run store"``) and the ``option`` that picks
        another file.
    """
    try:
        if path != ":memory:":
            target = Path(path).expanduser()
            target.parent.mkdir(parents=True, exist_ok=True)
            create_whole(target, create_tables)
            con = duckdb.connect(str(target))
        else:
            con = duckdb.connect(":memory:")
    except duckdb.IOException as exc:
        msg = str(exc).split("\n")[0]
        if "lock" in msg.lower():
            raise DetenteError(
                f"the {what} is in use by another detente process; wait for it to finish or "
                f"give another {option}",
                source=path,
            ) from None
        raise DetenteError(f"cannot open the {what} ({msg})", source=path) from None
    except duckdb.Error as exc:
        raise DetenteError(
            f"cannot open the {what} ({str(exc).splitlines()[0]}); is it a DuckDB file?",
            source=path,
        ) from None
    except OSError as exc:
        raise DetenteError(
            f"cannot create the {what} ({exc.strerror}); give another {option}", source=path
        ) from None
    create_tables(con)
    return con
