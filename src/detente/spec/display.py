"""Compact displays of detente's objects: a one-line ``repr``, a readable ``str`` and an HTML
table for notebooks (``_repr_html_``), from one summary each class gives.

A class mixes in :class:`Display` and implements :meth:`Display._display`: a title and a few
``(label, value)`` facts. Everything else is shared, so every object prints the same way and
none prints its arrays or its whole scenario (DECISIONS DESK-1). It imports only the standard
library, so every layer may use it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["MAX_REPR", "Display", "fmt", "listed"]

MAX_REPR = 500
"""Longest ``repr`` (characters); longer ones end in ``...>``."""
MAX_VALUE = 160
"""Longest single value in a ``repr`` or ``str`` (characters)."""


def fmt(x: Any, digits: int = 3) -> str:
    """A number in ``digits`` significant figures (``g``), a bool as yes/no, else ``str``."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return "n/a" if x != x else f"{x:.{digits}g}"
    try:  # numpy scalars
        return fmt(x.item(), digits)
    except (AttributeError, ValueError):
        return str(x)


def listed(items: Iterable[Any], limit: int = 6) -> str:
    """``a, b, c`` with at most ``limit`` items, then ``+ N more``."""
    seq = [str(i) for i in items]
    head = ", ".join(seq[:limit])
    return head + (f", + {len(seq) - limit} more" if len(seq) > limit else "")


def _clip(text: str, limit: int = MAX_VALUE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Display:
    """Mixin: ``repr``, ``str`` and ``_repr_html_`` from :meth:`_display`."""

    __slots__ = ()

    def _display(self) -> tuple[str, Sequence[tuple[str, Any]]]:
        """The title and the ``(label, value)`` facts shown; subclasses override it."""
        return type(self).__name__, ()

    def __repr__(self) -> str:
        title, facts = self._display()
        body = "; ".join(f"{k}: {_clip(fmt(v))}" for k, v in facts)
        text = f"<{title}" + (f" | {body}>" if body else ">")
        return text if len(text) <= MAX_REPR else text[: MAX_REPR - 4] + "...>"

    def __str__(self) -> str:
        title, facts = self._display()
        width = max((len(k) for k, _ in facts), default=0)
        lines = [title] + [f"  {k:<{width}}  {_clip(fmt(v))}" for k, v in facts]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        title, facts = self._display()
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(_clip(fmt(v), 400))}</td></tr>"
            for k, v in facts
        )
        return (
            "<table class='detente'><caption style='text-align:left'><b>"
            f"{html.escape(title)}</b></caption>{rows}</table>"
        )
