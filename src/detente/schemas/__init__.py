"""JSON Schemas of the scenario format and of the JSON documents the command line writes.

The schemas ship as ``detente/schemas/*.json`` (written by ``scripts/gen_schemas.py`` from
the pydantic models: :class:`detente.spec.Scenario` for the input, and the document models
of :mod:`detente.schemas.documents` for ``forecast``, ``simulate``, ``durability predict``
and ``outlook predict`` with ``--format json``). ``tests/test_schemas.py`` fails when a
shipped file is stale and validates real output against each (DECISIONS DOC-3).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from detente.errors import DetenteError

NAMES = ("scenario", "forecast", "simulate", "durability", "outlook")
"""The shipped schemas, by name: ``detente/schemas/<name>.schema.json``."""


def load_schema(name: str) -> dict[str, Any]:
    """The shipped JSON Schema of a document.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`: ``"scenario"`` (the scenario file) or the command whose
        ``--format json`` document it describes.

    Returns
    -------
    dict
        The JSON Schema (draft 2020-12) as a dictionary.

    Raises
    ------
    DetenteError
        For an unknown ``name``.
    """
    if name not in NAMES:
        raise DetenteError(f"no schema {name!r}; pick one of: {', '.join(NAMES)}", where="schema")
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
