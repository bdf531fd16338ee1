"""Reading user files safely (size limit, UTF-8, numbers with one-line errors) and writing
outputs whole or not at all.

Every reader of a user's file (scenarios, area series, event files, agreement tables) goes
through :func:`read_text`, so all of them refuse a directory, an oversized file or non-UTF-8
bytes with the same one-line message, and parse cells with :func:`parse_number`. Every
output file (the HTML report, plots) goes through :func:`write_atomic`.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from pathlib import Path

from detente.errors import DetenteError


def read_text(path: Path, max_bytes: int, *, what: str = "file") -> str:
    """The file's text, refusing a missing path, a directory, more than ``max_bytes`` bytes
    and bytes that are not UTF-8 (a UTF-8 byte-order mark is dropped).

    ``what`` names the kind of file in the messages, e.g. ``"scenario"``.
    """
    source = str(path)
    if not path.exists():
        raise DetenteError(f"no such file; give the path of a {what}", source=source)
    if not path.is_file():
        raise DetenteError(f"is not a file; give the path of a {what}", source=source)
    size = path.stat().st_size
    if size > max_bytes:
        raise DetenteError(
            f"file is {size:,} bytes, over the {max_bytes:,}-byte limit for a {what}; "
            "split it or trim it",
            source=source,
        )
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DetenteError(
            "is not UTF-8 text; save the file as UTF-8", source=source, where=f"line {line}"
        ) from None


def parse_number(
    cell: str, *, column: str, source: str, line: int, fix: str = "write a finite number"
) -> float:
    """``float(cell)``, or a one-line DetenteError naming the file, line, column and fix for
    text that is not a number, NaN or infinity."""
    try:
        value = float(cell)
    except ValueError:
        raise DetenteError(
            f"{column} {cell!r} is not a number; {fix}", source=source, where=f"line {line}"
        ) from None
    if not math.isfinite(value):
        raise DetenteError(f"{column} is {cell!r}; {fix}", source=source, where=f"line {line}")
    return value


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all; text is written as UTF-8 as it is.

    A temporary file in the same folder is written, synced, then renamed over ``path``, so a
    kill or a full disk never leaves a half-written file (on a failure other than a kill the
    temporary file is removed). Missing parent folders are created; a new file gets mode
    0644, an existing one keeps its mode. Returns the path written.
    """
    out = Path(path)
    if out.is_dir():
        raise DetenteError("is a folder; give a file name", source=str(out))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DetenteError(
            f"cannot create the folder ({exc.strerror}); choose another path", source=str(out)
        ) from None
    payload = data.encode("utf-8") if isinstance(data, str) else data
    mode = (out.stat().st_mode & 0o777) if out.is_file() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return out
