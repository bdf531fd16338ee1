"""Turn pydantic's validation errors into one-line :class:`DetenteError` messages.

Each message names the source, the place (YAML line where known, and the field path) and the
fix, so that a user who wrote a scenario by hand can correct it without reading a traceback.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from detente.errors import DetenteError
from detente.spec.scenario import FieldError, Scenario

_FIXES = {
    "missing": "is missing; add it",
    "extra_forbidden": "is not a known field; remove it or check its spelling",
    "float_parsing": "is not a number; write a number such as 42 or 0.5",
    "float_type": "is not a number; write a number such as 42 or 0.5",
    "finite_number": "must be a finite number, not NaN or infinity",
    "string_type": "must be text",
    "list_type": "must be a list (YAML '- item' lines)",
    "dict_type": "must be a mapping (YAML 'key: value' lines)",
    "model_type": "must be a mapping (YAML 'key: value' lines)",
    "date_from_datetime_parsing": "is not a date; write it as YYYY-MM-DD",
    "date_parsing": "is not a date; write it as YYYY-MM-DD",
    "date_type": "is not a date; write it as YYYY-MM-DD",
    "tuple_type": "must be a two-item list such as [0, 100]",
    "too_short": "is too short; give at least one item",
    "string_too_short": "is empty; give it a name",
}


def field_path(loc: Sequence[int | str]) -> str:
    """``('actors', 2, 'stances', 'x', 'salience', 'value')`` → ``actors[2].stances.x.salience``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "value" or not out:
            out += f".{part}" if out else str(part)
    return out


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "value_error":
        msg = str(err["msg"])
        return msg.removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return _FIXES[kind]
    if kind == "literal_error":  # "Input should be 'a', 'b' or 'c'"
        return "is not known; " + str(err["msg"]).replace("Input should be", "use", 1)
    fix = _FIXES.get(kind)
    if fix is not None:
        return fix
    return str(err["msg"])


def _yaml_line(node: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """The 1-based line of the deepest YAML node reachable along ``loc``."""
    line = None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
                None,
            )
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if 0 <= part < len(node.value) else None
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def translate(
    exc: ValidationError,
    *,
    source: str | None,
    yaml_root: yaml.Node | None = None,
    prefix: str = "",
) -> DetenteError:
    """pydantic's errors as one :class:`DetenteError` line: the first error (a misspelt key
    before the "missing" it causes), its field path under ``prefix``, its YAML line where
    ``yaml_root`` is given, and the fix. The one translator of detente's inputs."""
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(err["loc"])
    cause = (err.get("ctx") or {}).get("error")  # DECISIONS DESK-7
    if isinstance(cause, FieldError):  # a cross-field check names the field it concerns
        loc = (*loc, *cause.loc)
    path = field_path(loc)
    if prefix:
        path = f"{prefix}.{path}" if path else prefix
    line = _yaml_line(yaml_root, loc) if yaml_root is not None else None
    where = ", ".join(p for p in (f"line {line}" if line else "", path) if p) or None
    message = _message(dict(err))
    if err["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
        close = difflib.get_close_matches(loc[-1], _field_names(exc.title), n=1, cutoff=0.75)
        if close:
            message = f"is not a known field; did you mean {close[0]!r}?"
    return DetenteError(message, source=source, where=where)


_MODELS: dict[str, type[BaseModel]] = {Scenario.__name__: Scenario}


@cache
def _field_names(title: str) -> tuple[str, ...]:
    """Every field name (and alias) of the model ``title`` and the models it contains: the
    vocabulary a misspelt key is matched against."""
    root = _MODELS.get(title)
    if root is None:
        return ()
    names: set[str] = set()
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [root]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
            todo.extend(_submodels(info.annotation))
    return tuple(sorted(names))


def _submodels(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models inside a field's type (through lists, unions, dicts, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _submodels(a)]


M = TypeVar("M", bound=BaseModel)


def validate_as(
    model: type[M],
    data: Any,
    *,
    source: str | None = None,
    yaml_root: yaml.Node | None = None,
    prefix: str = "",
) -> M:
    """``model.model_validate(data)``, or the one-line DetenteError of :func:`translate`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise translate(exc, source=source, yaml_root=yaml_root, prefix=prefix) from None


def validate_scenario(
    data: Any, *, source: str = "<scenario>", yaml_root: yaml.Node | None = None
) -> Scenario:
    """Validate plain data into a :class:`Scenario`, or raise a one-line DetenteError.

    ``yaml_root`` is the composed YAML node tree of the same text; with it the error names
    the line of the offending field.
    """
    if not isinstance(data, dict):
        raise DetenteError(
            "the scenario must be a YAML mapping with 'name', 'issues' and 'actors' keys",
            source=source,
        )
    return validate_as(Scenario, data, source=source, yaml_root=yaml_root)
