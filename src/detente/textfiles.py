"""Reading user files safely: size limit, UTF-8, and numbers with one-line errors.

Every reader of a user's file (scenarios, area series, event files, agreement tables) goes
through :func:`read_text`, so all of them refuse a directory, an oversized file or non-UTF-8
bytes with the same one-line message, and parse cells with :func:`parse_number`.
"""

from __future__ import annotations

import math
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
