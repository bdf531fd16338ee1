"""Figures for files: matplotlib's object API, no pyplot global state.

Plots are built on a :class:`matplotlib.figure.Figure` (not ``pyplot``), so drawing is safe in
the web app's threads and leaves no open figures behind; :func:`save_figure` writes the file
atomically and turns a bad suffix or an unwritable path into a one-line
:class:`~detente.errors.DetenteError`.
matplotlib is imported only when a figure is made.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.errors import DetenteError
from detente.textfiles import write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(**kwargs: Any) -> Figure:
    """A new figure, e.g. ``new_figure(figsize=(9, 6), layout="constrained")``."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def save_figure(fig: Figure, path: Path, dpi: int = 120, *, where: str = "--plot") -> Path:
    """Write ``fig`` to ``path``, whole or not at all: drawn in memory, then written to a
    temporary file in the same folder and renamed over ``path`` (a killed run never leaves a
    half-written plot). The suffix picks the format (``.png`` when there is none, which is
    then appended, as matplotlib does). The one figure writer of detente.

    Raises
    ------
    DetenteError
        A suffix matplotlib cannot draw, a format that needs a missing tool (e.g. ``.pgf``
        without TeX), or an unwritable path; one line naming the file.
    """
    fmt = path.suffix.lower().removeprefix(".") or "png"
    target = path if path.suffix else path.with_name(f"{path.name}.png")
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise DetenteError(
            f"cannot draw a plot as .{fmt}; give a file ending in one of: "
            + ", ".join(f".{k}" for k in sorted(supported)),
            source=str(path),
            where=where,
        )
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=fmt, dpi=dpi)
    except (RuntimeError, ValueError, OSError) as exc:  # e.g. .pgf without a TeX system
        raise DetenteError(
            f"cannot draw a plot as .{fmt} here ({str(exc).splitlines()[0]}); give a .png, "
            ".pdf or .svg file",
            source=str(path),
            where=where,
        ) from None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, buffer.getvalue())
    except OSError as exc:
        raise DetenteError(f"cannot write the plot ({exc.strerror})", source=str(path)) from None
    return target
