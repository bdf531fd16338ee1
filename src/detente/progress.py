"""Progress bars for long library calls (sweep, sensitivity, simulate) in notebooks and
terminals, and silence everywhere else (DECISIONS DESK-4).

:func:`progress_bar` is the one helper: it yields a ``tick(done, total)`` callback, the
shape :func:`detente.uncertainty.sweep.run_chunks` calls, or ``None`` when nobody watches.
A bar shows when the call runs in a Jupyter kernel or stderr is a terminal; the
``DETENTE_PROGRESS`` environment variable forces it on (``1``) or off (``0``). In a notebook
the bar is tqdm's widget when ipywidgets is installed, else tqdm's text bar on stderr (which
Jupyter renders in place). The command line keeps its own rich bars.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from importlib.util import find_spec
from typing import Any

__all__ = ["Tick", "in_notebook", "interactive", "progress_bar"]

Tick = Callable[[int, int], None]
"""``tick(done, total)``: ``done`` of ``total`` steps are finished."""


def in_notebook() -> bool:
    """Whether the code runs in a Jupyter kernel (IPython's ZMQ shell)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def interactive() -> bool:
    """Whether someone watches: ``DETENTE_PROGRESS`` if set, else a notebook or a terminal
    on stderr."""
    forced = os.environ.get("DETENTE_PROGRESS", "").strip().lower()
    if forced in {"0", "false", "no", "off"}:
        return False
    if forced in {"1", "true", "yes", "on"}:
        return True
    if in_notebook():
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _bar(desc: str) -> Any:
    # tqdm ships no type stubs: loaded by name, its objects are Any
    if in_notebook() and find_spec("ipywidgets") is not None:
        notebook = import_module("tqdm.notebook")
        return notebook.tqdm(total=0, desc=desc, leave=False)
    return import_module("tqdm").tqdm(
        total=0, desc=desc, leave=False, file=sys.stderr, dynamic_ncols=True
    )


@contextmanager
def progress_bar(desc: str, *, show: bool | None = None) -> Iterator[Tick | None]:
    """A ``tick(done, total)`` callback drawing a bar labelled ``desc``, or ``None`` when
    ``show`` is False (default: :func:`interactive`). The bar closes on exit."""
    if not (interactive() if show is None else show):
        yield None
        return
    bar = _bar(desc)

    def tick(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield tick
    finally:
        bar.close()
