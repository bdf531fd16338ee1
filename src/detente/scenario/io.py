"""Read and write scenarios: YAML (primary), KTAB CSV, BDM CSV, and pandas DataFrames.

Every reader checks size and encoding first and raises :class:`DetenteError` with one line
naming the file, the line or field, and the fix. Nothing here writes a partial file: writers
build the whole text first.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from detente.errors import DetenteError
from detente.scenario.builtin import builtin_names, builtin_text
from detente.scenario.resolve import PACKAGED, FileResolver, Resolver, resolve_references
from detente.scenario.validation import validate_scenario
from detente.spec.scenario import Scenario
from detente.textfiles import parse_number, read_text

if TYPE_CHECKING:  # pandas loads only when a frame is made or read
    import pandas as pd

MAX_SCENARIO_BYTES = 5_000_000
"""Scenario files larger than this are refused (a hand-written scenario is a few kB)."""

FRAME_COLUMNS = ("actor", "issue", "position", "salience", "capability")
BDM_COLUMNS = {
    "actor": ("actor", "stakeholder", "name"),
    "capability": ("capability", "resources", "influence", "power"),
    "position": ("position",),
    "salience": ("salience",),
}


def load_scenario(spec: str | Path, *, resolver: Resolver | None = None) -> Scenario:
    """A built-in scenario by name, or a scenario file (.yaml/.yml, KTAB or BDM .csv), with
    the files it names resolved (:func:`~detente.scenario.resolve.resolve_references`).

    ``resolver`` reads those files: by default packaged names only for a built-in, and
    packaged names or files (relative to the working directory) for a scenario file.
    The ``parse_*`` functions read no file and leave references unresolved.
    """
    text_spec = str(spec)
    if text_spec in builtin_names():
        source = f"built-in {text_spec}"
        scenario = parse_yaml(builtin_text(text_spec), source=source)
        return resolve_references(scenario, resolver or PACKAGED, source=source)
    path = Path(spec)
    if not path.exists():
        known = ", ".join(builtin_names())
        raise DetenteError(
            f"no such file or built-in scenario; give a .yaml/.csv path or one of: {known}",
            source=text_spec,
        )
    text = read_text(path, MAX_SCENARIO_BYTES, what="scenario")
    scenario = parse_text(text, suffix=path.suffix, source=str(path), name=path.stem)
    return resolve_references(scenario, resolver or FileResolver(), source=str(path))


def parse_text(text: str, *, suffix: str, source: str, name: str = "scenario") -> Scenario:
    """A scenario from the text of a file with the given suffix (.yaml/.yml or .csv; a CSV
    whose second row starts ``Actor,Description,Influence`` is KTAB's layout, any other the
    BDM layout). ``name`` names a BDM-CSV scenario, which has no name of its own."""
    suffix = suffix.lower()
    if suffix in (".yaml", ".yml"):
        return parse_yaml(text, source=source)
    if suffix == ".csv":
        first = text.lstrip("\ufeff").split("\n", 2)
        header = first[1] if len(first) > 1 else ""
        if header.strip().lower().startswith("actor,description,influence"):
            return parse_ktab_csv(text, source=source)
        return parse_bdm_csv(text, source=source, name=name)
    raise DetenteError(
        f"unknown file type {suffix or '(none)'!r}; use .yaml, .yml or .csv", source=source
    )


def parse_yaml(text: str, *, source: str = "<yaml>") -> Scenario:
    """A scenario from YAML text (loaded safely: no Python objects)."""
    if not text.strip():
        raise DetenteError(
            "the file is empty; write a scenario with name, issues and actors", source=source
        )
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except RecursionError:
        raise DetenteError(
            "not valid YAML (nested too deeply to read); flatten the nested lists or mappings",
            source=source,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else None
        raise DetenteError(
            f"not valid YAML ({exc.problem or exc.context}); check indentation and colons",
            source=source,
            where=where,
        ) from None
    except yaml.YAMLError as exc:
        raise DetenteError(
            f"not valid YAML ({exc}); remove control characters and save it as plain UTF-8 text",
            source=source,
        ) from None
    return validate_scenario(data, source=source, yaml_root=root)


def to_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text that :func:`parse_yaml` reads back to an equal scenario."""
    data = scenario.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _csv_rows(text: str, source: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error as exc:
        raise DetenteError(
            f"not a readable CSV ({exc}); check the quotes and the field lengths",
            source=source,
            where=f"line {reader.line_num}",
        ) from None


def _number(cell: str, *, source: str, line: int, column: str) -> float:
    return parse_number(cell, column=column, source=source, line=line)


def parse_ktab_csv(text: str, *, source: str = "<ktab csv>") -> Scenario:
    """A scenario from KTAB's CSV layout.

    Row 1: scenario name, description, number of actors, number of dimensions. Row 2:
    ``Actor, Description, Influence`` then a ``<dim> Position, <dim> Salience`` pair per
    dimension. One row per actor follows. Trailing empty cells are ignored.
    """
    rows = [r for r in _csv_rows(text, source) if any(r)]
    if len(rows) < 3:
        raise DetenteError(
            "a KTAB CSV needs a title row, a header row and at least one actor row; add them "
            "(name,description,n_actors,n_dims / Actor,Description,Influence,...)",
            source=source,
        )
    title = [c for c in rows[0]]
    while title and not title[-1]:
        title.pop()
    if len(title) < 4:
        raise DetenteError(
            "row 1 must be: name, description, number of actors, number of dimensions",
            source=source,
            where="line 1",
        )
    n_actors = int(_number(title[2], source=source, line=1, column="number of actors"))
    n_dims = int(_number(title[3], source=source, line=1, column="number of dimensions"))
    header = rows[1]
    while header and not header[-1]:
        header.pop()
    if len(header) != 3 + 2 * n_dims:
        raise DetenteError(
            f"the header has {len(header)} columns but {n_dims} dimension(s) need "
            f"{3 + 2 * n_dims} (Actor, Description, Influence, then Position, Salience pairs); "
            "make row 1's number of dimensions match the header",
            source=source,
            where="line 2",
        )
    dims = []
    for d in range(n_dims):
        label = header[3 + 2 * d]
        dims.append(label.removesuffix("Position").removesuffix("position").strip() or f"dim{d}")
    actor_rows = rows[2:]
    if len(actor_rows) != n_actors:
        raise DetenteError(
            f"row 1 declares {n_actors} actors but {len(actor_rows)} actor rows follow; "
            "make them agree",
            source=source,
            where="line 1",
        )
    actors = []
    for k, row in enumerate(actor_rows):
        line = k + 3
        if len(row) < 3 + 2 * n_dims:
            raise DetenteError(
                f"has {len(row)} cells, expected {3 + 2 * n_dims}; give one cell per header column",
                source=source,
                where=f"line {line}",
            )
        stances = {
            dims[d]: {
                "position": _number(
                    row[3 + 2 * d], source=source, line=line, column=f"{dims[d]} Position"
                ),
                "salience": _number(
                    row[4 + 2 * d], source=source, line=line, column=f"{dims[d]} Salience"
                ),
            }
            for d in range(n_dims)
        }
        actors.append(
            {
                "name": row[0],
                "description": row[1],
                "capability": _number(row[2], source=source, line=line, column="Influence"),
                "stances": stances,
            }
        )
    data = {
        "name": title[0],
        "description": title[1],
        "issues": [{"name": d} for d in dims],
        "actors": actors,
    }
    return validate_scenario(data, source=source)


def parse_bdm_csv(text: str, *, source: str = "<bdm csv>", name: str = "scenario") -> Scenario:
    """A one-issue scenario from a BDM-style CSV: Actor, Capability, Position, Salience.

    Column names are matched case-insensitively; ``Stakeholder`` and ``Resources`` (as in
    the classic teaching data) are accepted for actor and capability.
    """
    rows = _csv_rows(text, source)
    if not rows or not any(rows[0]):
        raise DetenteError(
            "the file is empty; write a header Actor,Capability,Position,Salience", source=source
        )
    header = [h.lower() for h in rows[0]]
    col: dict[str, int] = {}
    for key, aliases in BDM_COLUMNS.items():
        found = next((header.index(a) for a in aliases if a in header), None)
        if found is None:
            raise DetenteError(
                f"missing column {key.capitalize()!r}; the header must be "
                "Actor,Capability,Position,Salience",
                source=source,
                where="line 1",
            )
        col[key] = found
    actors = []
    for k, row in enumerate(rows[1:]):
        line = k + 2
        if not any(row):
            continue
        if len(row) < len(header):
            raise DetenteError(
                f"has {len(row)} cells, expected {len(header)}; give one cell per header column",
                source=source,
                where=f"line {line}",
            )
        actors.append(
            {
                "name": row[col["actor"]],
                "capability": _number(
                    row[col["capability"]], source=source, line=line, column="Capability"
                ),
                "stances": {
                    "issue": {
                        "position": _number(
                            row[col["position"]], source=source, line=line, column="Position"
                        ),
                        "salience": _number(
                            row[col["salience"]], source=source, line=line, column="Salience"
                        ),
                    }
                },
            }
        )
    if not actors:
        raise DetenteError("has a header but no actor rows; add one row per actor", source=source)
    positions = [a["stances"]["issue"]["position"] for a in actors]  # type: ignore[index]
    # DECISIONS SCN-1: the 0-100 scale, widened to the data where they go beyond it
    hi = 100.0 if max(positions) <= 100 else float(max(positions))
    lo = 0.0 if min(positions) >= 0 else float(min(positions))
    data = {"name": name, "issues": [{"name": "issue", "scale": [lo, hi]}], "actors": actors}
    return validate_scenario(data, source=source)


def to_frame(scenario: Scenario) -> pd.DataFrame:
    """The scenario in long form: one row per (actor, issue) stance.

    Columns: actor, issue, position, salience, capability (the stance's clout where given,
    otherwise the actor's capability), plus the notes as ``*_note`` columns.
    """
    import pandas as pd

    records: list[dict[str, Any]] = []
    for actor in scenario.actors:
        for issue in scenario.issues:
            stance = actor.stances.get(issue.name)
            if stance is None:
                continue
            cap = stance.clout or actor.capability
            records.append(
                {
                    "actor": actor.name,
                    "issue": issue.name,
                    "position": stance.position.value,
                    "salience": stance.salience.value,
                    "capability": cap.value,
                    "position_note": stance.position.note,
                    "salience_note": stance.salience.note,
                    "capability_note": cap.note,
                }
            )
    return pd.DataFrame.from_records(records)


def from_frame(
    frame: pd.DataFrame,
    *,
    name: str = "scenario",
    issues: Mapping[str, Mapping[str, Any]] | None = None,
    source: str = "<DataFrame>",
) -> Scenario:
    """A scenario from a long DataFrame with columns actor, issue, position, salience,
    capability (one row per stance; the actor's capability is its largest on any issue and
    differing ones become the stance's clout). ``issues`` optionally gives per-issue metadata
    (labels, scale, status_quo) keyed by issue name.
    """
    import pandas as pd

    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise DetenteError(
            f"missing column {missing[0]!r}; the frame needs columns {', '.join(FRAME_COLUMNS)}",
            source=source,
        )
    for column in ("position", "salience", "capability"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | ~values.abs().lt(math.inf)
        if bad.any():
            row = frame.index[bad.to_numpy().nonzero()[0][0]]
            raise DetenteError(
                f"{column} is missing, NaN or not a number; fill it in",
                source=source,
                where=f"row {row}, column {column!r}",
            )
    issue_meta = dict(issues or {})
    unknown = [i for i in issue_meta if i not in set(frame["issue"])]
    if unknown:
        raise DetenteError(
            f"issue metadata for unknown issue {unknown[0]!r}; it has no rows in the frame",
            source=source,
            where="issues",
        )
    actors: dict[str, dict[str, Any]] = {}
    numbers = frame[["position", "salience", "capability"]].apply(pd.to_numeric).to_numpy(float)
    for actor_name, issue_name, (position, salience, cap) in zip(
        frame["actor"].astype(str), frame["issue"].astype(str), numbers, strict=True
    ):
        entry = actors.setdefault(actor_name, {"name": actor_name, "stances": {}, "caps": []})
        if issue_name in entry["stances"]:
            raise DetenteError(
                f"actor {actor_name!r} has two rows for issue {issue_name!r}; keep one",
                source=source,
                where="columns 'actor', 'issue'",
            )
        entry["stances"][issue_name] = {"position": float(position), "salience": float(salience)}
        entry["caps"].append((issue_name, float(cap)))
    actor_list = []
    for entry in actors.values():
        base = max(c for _, c in entry["caps"])
        for issue_name, cap in entry["caps"]:
            if cap != base:
                entry["stances"][issue_name]["clout"] = cap
        actor_list.append({"name": entry["name"], "capability": base, "stances": entry["stances"]})
    issue_list = [
        {"name": str(i), **issue_meta.get(str(i), {})} for i in dict.fromkeys(frame["issue"])
    ]
    return validate_scenario(
        {"name": name, "issues": issue_list, "actors": actor_list}, source=source
    )
