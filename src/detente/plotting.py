"""Figures for files: matplotlib's object API, no pyplot global state.

Plots are built on a :class:`matplotlib.figure.Figure` (not ``pyplot``), so drawing is safe in
the web app's threads and leaves no open figures behind; :func:`save_figure` writes the file
and turns an unwritable path into a one-line :class:`~detente.errors.DetenteError`.
matplotlib is imported only when a figure is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.errors import DetenteError

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(**kwargs: Any) -> Figure:
    """A new figure, e.g. ``new_figure(figsize=(9, 6), layout="constrained")``."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def save_figure(fig: Figure, path: Path, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` (the suffix picks the format), creating its folder."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi)
    except OSError as exc:
        raise DetenteError(f"cannot write the plot ({exc.strerror})", source=str(path)) from None
    return path
