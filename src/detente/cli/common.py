"""What every command shares: the consoles and the output-format choices."""

from __future__ import annotations

import os
from enum import StrEnum

from rich.console import Console

out = Console(soft_wrap=False, width=int(os.environ.get("COLUMNS", "140")))
"""Tables and documents for the user (stdout)."""
err = Console(stderr=True)
"""Progress and notes (stderr), so that JSON on stdout stays clean."""


class TableOrJson(StrEnum):
    """``--format`` of commands that print a table or a JSON document."""

    table = "table"
    json = "json"


class TableJsonCsv(StrEnum):
    """``--format`` of commands that also print CSV."""

    table = "table"
    json = "json"
    csv = "csv"
