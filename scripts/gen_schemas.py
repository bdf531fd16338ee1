"""Write the JSON Schemas shipped in ``src/detente/schemas/`` (DECISIONS DOC-3).

``scenario.schema.json`` from the pydantic model of a scenario file
(:class:`detente.spec.Scenario`, validation mode: what a file may contain); one
``<command>.schema.json`` per ``--format json`` document from
:mod:`detente.schemas.documents`. ``tests/test_schemas.py`` fails when a shipped file differs
from what this script writes.

    python scripts/gen_schemas.py            # write the files
    python scripts/gen_schemas.py --check    # exit 1 if a shipped file is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from detente.schemas.documents import DOCUMENTS
from detente.spec import Scenario
from detente.spec.distributions import KINDS

OUT = Path(__file__).resolve().parents[1] / "src" / "detente" / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def written_form(schema: dict[str, Any]) -> dict[str, Any]:
    """The scenario schema as a file is written, not as pydantic stores it: pydantic's
    schema describes the validated model, after the before-validators that read the short
    forms. A number (``Sourced``) may be written bare (``42``), as ``{value, note}`` or as a
    distribution shorthand (``{triangular: [20, 35, 60], note}``); a lever's ``target`` may be
    one path or a list. Ranges and cross-field rules are the loader's (DECISIONS DOC-3)."""
    defs = schema["$defs"]
    stored = defs["Sourced"]
    shorthand = {
        "type": "object",
        "description": "A distribution shorthand: exactly one of the kinds, e.g. "
        "{triangular: [20, 35, 60], note: ...}; value defaults to its central value.",
        "properties": {
            **{kind: {"type": "array", "items": {"type": "number"}} for kind in KINDS},
            "value": {"type": "number"},
            "note": {"type": "string"},
            "p": {"type": "array", "items": {"type": "number"}},
            "truncate": {"type": "array", "items": {"type": "number"}},
        },
        "additionalProperties": False,
        "oneOf": [{"required": [kind]} for kind in KINDS],
    }
    defs["Sourced"] = {
        "title": "Sourced",
        "description": stored.get("description", ""),
        "anyOf": [{"type": "number"}, {k: v for k, v in stored.items() if k != "title"},
                  shorthand],
    }  # fmt: skip
    for name, body in defs.items():
        target = body.get("properties", {}).get("target")
        if name.endswith("levers__Lever") and target is not None:
            items = target.get("items", {"type": "string"})
            keep = {k: v for k, v in target.items() if k not in ("type", "items")}
            body["properties"]["target"] = {
                **keep,
                "anyOf": [items, {"type": "array", "items": items}],
            }
    return schema


def _schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    body = model.model_json_schema(mode="validation")
    body["title"] = title
    return {"$schema": DIALECT, **body}


def schemas() -> dict[str, str]:
    """Every shipped file's name and its text (sorted keys, two-space indent, final newline)."""
    docs: dict[str, dict[str, Any]] = {
        "scenario": written_form(_schema(Scenario, "detente scenario file")),
        **{
            name: _schema(model, f"detente {name} --format json")
            for name, model in DOCUMENTS.items()
        },
    }
    return {
        f"{name}.schema.json": json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for name, body in docs.items()
    }


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, text in schemas().items():
        path = OUT / name
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"stale: {', '.join(stale)}; run python scripts/gen_schemas.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
