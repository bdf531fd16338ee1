"""Where detente finds the data that is not shipped in the package."""

from __future__ import annotations

import os
from pathlib import Path

from detente.errors import DetenteError

SHARED_DATA_ENV = "DETENTE_SHARED_DATA"


def shared_data_dir() -> Path:
    """The shared data folder (validation sets, event files).

    ``$DETENTE_SHARED_DATA`` if set; otherwise ``../shared/data`` next to the working
    directory or next to the source checkout.
    """
    env = os.environ.get(SHARED_DATA_ENV)
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2]
    for candidate in (
        Path.cwd().parent / "shared" / "data",
        Path.cwd() / "shared" / "data",
        checkout.parent / "shared" / "data",
    ):
        if candidate.is_dir():
            return candidate
    raise DetenteError(
        f"cannot find the shared data folder; set {SHARED_DATA_ENV} to its path or pass --data",
        source="shared data",
    )


def user_file(name: str) -> Path:
    """A file of detente's own in the platform's user data folder (platformdirs: e.g.
    ``~/.local/share/detente`` on Linux), or in the legacy ``~/.detente`` when the file is
    there and not in the new place (an existing store keeps being used; DECISIONS DESK-8)."""
    from platformdirs import user_data_path

    new = user_data_path("detente", appauthor=False) / name
    old = Path.home() / ".detente" / name  # where stores and ledgers lived before
    return old if old.exists() and not new.exists() else new


DOCS_URL = "https://detente.readthedocs.io/en/latest/"
"""Where the documentation site (``mkdocs.yml``, built from ``docs/``) is published; messages
cite its pages through :func:`docs_page`, since a pip install has no ``docs/`` folder
(DECISIONS DOC-4). The site is built, offline and strictly, by the tests (DECISIONS DOC-1).
pyproject.toml's ``Documentation`` URL is this address (DECISIONS PKG-1)."""


def docs_page(page: str, section: str | None = None) -> str:
    """The address of a documentation page, for messages and help texts.

    Parameters
    ----------
    page : str
        The page's path in ``docs/`` without ``.md``, e.g. ``"war_model"``.
    section : str or None
        The anchor of a section of the page (its heading, lower case, words joined by ``-``).

    Returns
    -------
    str
        ``DOCS_URL`` + ``page/`` (+ ``#section``).
    """
    return f"{DOCS_URL}{page}/" + (f"#{section}" if section else "")
