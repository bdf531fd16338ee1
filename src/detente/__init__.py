"""detente: forecasts of how coercive negotiations between states end.

A tour in a notebook: ``examples/quickstart.ipynb`` in the source tree, written by
``examples/make_quickstart.py`` and executed by the tests (DECISIONS DESK-6).
"""

from importlib import import_module
from typing import Any

from detente.errors import DetenteError

__version__ = "0.1.0"

__all__ = ["DetenteError", "__version__", "compare"]


def __getattr__(name: str) -> Any:
    """``detente.compare`` (:func:`detente.uncertainty.compare.compare`), loaded on first use.

    Loaded by name, even for type checkers: every layer imports ``detente`` for
    ``__version__``, and a static import of a runner here would make each of them import it
    (the layer contract; DECISIONS DESK-3).
    """
    if name == "compare":
        return import_module("detente.uncertainty.compare").compare
    raise AttributeError(f"module 'detente' has no attribute {name!r}")
