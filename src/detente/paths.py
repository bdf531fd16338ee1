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
