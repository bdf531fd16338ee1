"""What every command shares: the consoles and the output-format choices."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.table import Table
from typer.core import TyperGroup

from detente.errors import DetenteError
from detente.paths import docs_page
from detente.wording import plural

SHORT_CELL = 12
"""A column whose header and cells are at most this long is never squeezed below them."""


def fit(renderable: object) -> None:
    """Let a table (or the tables of a group) fit a narrow terminal without losing text:
    cells fold instead of ending in '…', and short columns (dates, numbers, model names)
    keep their width so that the long ones fold first (DECISIONS DESK-10)."""
    if isinstance(renderable, Group):
        for part in renderable.renderables:
            fit(part)
    if not isinstance(renderable, Table):
        return
    for column in renderable.columns:
        column.overflow = "fold"
        widths = [len(str(column.header))] + [len(c) for c in column.cells if isinstance(c, str)]
        if max(widths) <= SHORT_CELL:
            column.min_width = max(column.min_width or 0, *widths)


class _Terminal(Console):
    """stdout's console: :func:`fit` on every table it prints."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        for item in objects:
            fit(item)
        super().print(*objects, **kwargs)


out = _Terminal(soft_wrap=False)
"""Tables and documents for the user (stdout), as wide as the terminal (rich reads the
terminal's size, else ``$COLUMNS``, else 80 columns); tables fold their cells to fit."""
err = _Terminal(stderr=True)
"""Progress and notes (stderr), so that JSON on stdout stays clean."""


def warn_dropped(path: object, dropped: dict[str, int], noun: str) -> None:
    """One warning line on stderr per kind of row a reader left out of ``path``."""
    for reason, n in dropped.items():
        err.print(
            f"warning: {path}: left out {plural(n, noun)}: {reason} "
            "(--strict refuses the file instead)",
            highlight=False,
            soft_wrap=True,
        )


def outcome_models() -> dict[str, type[Any]]:
    """:func:`detente.registry.outcome_models` without importing the registry, which loads
    every model's dependencies (pandas, scipy) at a cost of most of a second; the test suite
    checks that both give the same models (DECISIONS PERF-1)."""
    from detente.models import MODELS

    return {
        name: cls
        for name, cls in MODELS.items()
        if cls.tags.input == "scenario" and not cls.tags.needs_campaign
    }


StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="DETENTE_STORE",
        help="The run store (DuckDB file); default runs.duckdb in the user data folder "
        "(~/.local/share/detente on Linux).",
    ),
]
LedgerOpt = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        help="The ledger file (default $DETENTE_LEDGER, else ledger.duckdb next to the run "
        "store, else the user data folder, ~/.local/share/detente on Linux).",
    ),
]
SealOpt = Annotated[
    bool,
    typer.Option(
        "--seal", help=f"Seal the headline forecasts in the ledger ({docs_page('ledger')})."
    ),
]
NoStoreOpt = Annotated[
    bool, typer.Option("--no-store", help="Keep the run in memory only (nothing recorded).")
]


class TableOrJson(StrEnum):
    """``--format`` of commands that print a table or a JSON document."""

    table = "table"
    json = "json"


class TableJsonCsv(StrEnum):
    """``--format`` of commands that also print CSV."""

    table = "table"
    json = "json"
    csv = "csv"


class OneLineErrors(TyperGroup):
    """Turns a DetenteError into one line on stderr and exit code 2; a bug into one line and
    exit code 1 (set DETENTE_DEBUG=1 for the traceback)."""

    def invoke(self, ctx: typer.Context) -> object:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except DetenteError as exc:
            typer.echo(f"error: {exc.one_line()}", err=True)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except BrokenPipeError:
            # the reader went away (``detente ... | head``): stop quietly, as cat and grep do;
            # stdout goes to /dev/null so that the interpreter's last flush cannot fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception as exc:
            if os.environ.get("DETENTE_DEBUG"):
                raise
            typer.echo(
                f"internal error (a bug in detente, please report it): {type(exc).__name__}: {exc}",
                err=True,
            )
            raise typer.Exit(1) from None
