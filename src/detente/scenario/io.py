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
ISSUE_COLUMNS = {
    "status_quo": "status_quo",
    "scale_low": "scale",
    "scale_high": "scale",
    "low_label": "low_label",
    "high_label": "high_label",
}
"""The per-issue columns of :func:`to_frame` (repeated on every row of the issue) and the
issue field each sets."""
FRAME_ATTR = "detente.scenario"
"""The key in ``DataFrame.attrs`` under which :func:`to_frame` keeps the whole scenario as
JSON, so that :func:`from_frame` restores what the rows do not hold (DECISIONS DESK-5)."""
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

    Parameters
    ----------
    spec : str or pathlib.Path
        A built-in name (``detente scenarios``) or the path of a scenario file.
    resolver : Resolver or None
        Reads the files the scenario names; None for the default above.

    Raises
    ------
    DetenteError
        One line naming the file, line, field and fix.
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
    BDM layout). ``name`` names a BDM-CSV scenario, which has no name of its own.

    Parameters
    ----------
    text : str
        The file's text.
    suffix : str
        ``.yaml``, ``.yml`` or ``.csv``.
    source : str
        The file name used in error messages.
    name : str
        The name of a BDM-CSV scenario.
    """
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
    """A scenario from YAML text (loaded safely: no Python objects).

    Parameters
    ----------
    text : str
        The YAML text.
    source : str
        The file name used in error messages.
    """
    if not text.strip():
        raise DetenteError(
            "the file is empty; write a scenario with name, issues and actors", source=source
        )
    fast = _fast_load(text)
    if fast is not None:
        return validate_scenario(fast[1], source=source, yaml_root=fast[0])
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


def _fast_load(text: str) -> tuple[yaml.Node, Any] | None:
    """The composed tree and the data of ``text``, parsed once by libyaml (ten times faster
    than the pure-Python parser: 0.04 s against 0.4 s for ukraine-2024), or None where
    libyaml is absent or the text is not valid YAML, which the pure-Python parser then reads
    again for its messages (DECISIONS PERF-3)."""
    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None:
        return None
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return node, loader.construct_document(node)
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None
    finally:
        loader.dispose()


def to_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text that :func:`parse_yaml` reads back to an equal scenario.

    Parameters
    ----------
    scenario : Scenario
        The scenario to write.
    """
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

    Parameters
    ----------
    text : str
        The CSV text.
    source : str
        The file name used in error messages.
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

    Parameters
    ----------
    text : str
        The CSV text.
    source : str
        The file name used in error messages.
    name : str
        The scenario's name (the file has none).
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
    """The scenario in long form: one row per (actor, issue) stance (DECISIONS DESK-5).

    Columns: ``actor, issue, position, salience, capability`` (the stance's clout where given,
    otherwise the actor's capability), ``clout`` (the stance's own clout, NaN where none),
    ``stated`` (the stated position, NaN where none), the issue's ``status_quo`` (NaN where
    unknown), ``scale_low, scale_high, low_label, high_label``, and the notes as ``*_note``
    columns. The whole scenario (name, title, campaign, levers, distributions, ...) rides
    along as JSON in ``frame.attrs["detente.scenario"]``, so ``from_frame(to_frame(s)) == s``.

    Parameters
    ----------
    scenario : Scenario
        The scenario to lay out.
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
                    "clout": math.nan if stance.clout is None else stance.clout.value,
                    "stated": math.nan if stance.stated is None else stance.stated.value,
                    "status_quo": math.nan if issue.status_quo is None else issue.status_quo.value,
                    "scale_low": issue.scale[0],
                    "scale_high": issue.scale[1],
                    "low_label": issue.low_label,
                    "high_label": issue.high_label,
                    "position_note": stance.position.note,
                    "salience_note": stance.salience.note,
                    "capability_note": cap.note,
                }
            )
    frame = pd.DataFrame.from_records(records)
    frame.attrs[FRAME_ATTR] = scenario.model_dump_json()
    return frame


def from_frame(
    frame: pd.DataFrame,
    *,
    name: str | None = None,
    issues: Mapping[str, Mapping[str, Any]] | None = None,
    source: str = "<DataFrame>",
) -> Scenario:
    """A scenario from a long DataFrame with columns actor, issue, position, salience,
    capability (one row per stance), as :func:`to_frame` makes it (DECISIONS DESK-5).

    The rows decide which stances exist and their numbers. A stance's clout is its
    ``capability`` where the ``clout`` column is filled or where it differs from the actor's
    capability. The optional columns ``clout``, ``stated``, ``status_quo``, ``scale_low``,
    ``scale_high``, ``low_label``, ``high_label`` and ``*_note`` are read where present.
    Everything else comes from the scenario :func:`to_frame` keeps in ``frame.attrs`` (a
    number whose value is unchanged keeps its note and distribution); without it, an actor's
    capability is its largest on any issue and the name is ``"scenario"``. ``name`` and
    ``issues`` (per-issue fields such as labels, scale, status_quo, keyed by issue name)
    override both.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per stance, as :func:`to_frame` makes it.
    name : str or None
        The scenario's name; None keeps the one in ``frame.attrs``.
    issues : mapping of str to mapping, or None
        Per-issue fields (labels, scale, status_quo), keyed by issue name.
    source : str
        The file name used in error messages.
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
    unknown = [i for i in issue_meta if i not in set(frame["issue"].astype(str))]
    if unknown:
        raise DetenteError(
            f"issue metadata for unknown issue {unknown[0]!r}; it has no rows in the frame",
            source=source,
            where="issues",
        )
    kept = _kept_scenario(frame, source)
    old_actors = {a["name"]: a for a in kept.get("actors", [])}
    old_issues = {i["name"]: i for i in kept.get("issues", [])}
    rows = _frame_rows(frame)
    actors: dict[str, dict[str, Any]] = {}
    for row in rows:
        actor_name, issue_name = row["actor"], row["issue"]
        entry = actors.setdefault(actor_name, {"stances": {}, "rows": []})
        if issue_name in entry["stances"]:
            raise DetenteError(
                f"actor {actor_name!r} has two rows for issue {issue_name!r}; keep one",
                source=source,
                where="columns 'actor', 'issue'",
            )
        entry["stances"][issue_name] = row
    # an actor kept without stances stays (in its place); one whose rows were dropped goes
    keep = {n: None for n, a in old_actors.items() if n in actors or not a.get("stances")}
    actor_list = [
        _actor_from_rows(n, actors[n]["stances"], old_actors.get(n))
        if n in actors
        else old_actors[n]
        for n in [*keep, *(n for n in actors if n not in keep)]
    ]
    order = _ordered(old_issues, dict.fromkeys(row["issue"] for row in rows))
    issue_list = [
        _issue_from_rows(i, [r for r in rows if r["issue"] == i], old_issues.get(i), source)
        | dict(issue_meta.get(i, {}))
        for i in order
    ]
    data = {k: v for k, v in kept.items() if k not in ("actors", "issues")}
    data |= {"issues": issue_list, "actors": actor_list}
    data["name"] = name if name is not None else kept.get("name", "scenario")
    return validate_scenario(data, source=source)


def _kept_scenario(frame: pd.DataFrame, source: str) -> dict[str, Any]:
    """The scenario :func:`to_frame` stored in the frame's attrs, as plain data ({} if none)."""
    import json

    text = frame.attrs.get(FRAME_ATTR)
    if text is None:
        return {}
    try:
        kept = json.loads(text) if isinstance(text, str) else dict(text)
    except (TypeError, ValueError):
        raise DetenteError(
            f"frame.attrs[{FRAME_ATTR!r}] is not a scenario's JSON; drop it or make the frame "
            "with to_frame",
            source=source,
        ) from None
    return kept if isinstance(kept, dict) else {}


def _frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as plain values: names as str, numbers as float, NaN/empty as None."""

    def clean(v: Any) -> Any:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        return v.item() if hasattr(v, "item") else v

    rows = []
    for record in frame.to_dict(orient="records"):
        row = {str(k): clean(v) for k, v in record.items()}
        row["actor"], row["issue"] = str(row["actor"]), str(row["issue"])
        for column in ("position", "salience", "capability"):
            row[column] = float(row[column])
        rows.append(row)
    return rows


NUMBERS = ("position", "salience", "clout", "stated")


def _ordered(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The keys of ``new``: those also in ``old`` in its order, then the others."""
    return [k for k in old if k in new] + [k for k in new if k not in old]


def _kept_number(value: float, note: Any, old: Any) -> Any:
    """A number as data: the kept one (its note and distribution) when its value is
    unchanged, else the value with the row's note."""
    if isinstance(old, dict) and old.get("value") == value:
        return old if note is None else old | {"note": str(note)}
    return {"value": value} if note is None else {"value": value, "note": str(note)}


def _actor_from_rows(
    name: str, rows: dict[str, dict[str, Any]], old: dict[str, Any] | None
) -> dict[str, Any]:
    """An actor as data from its rows (one per issue) and its kept data, if any."""
    old_stances = (old or {}).get("stances") or {}
    explicit = {i: r.get("clout") is not None for i, r in rows.items()}
    if old is not None:
        base = old["capability"]
        base_value = float(base["value"])
    else:
        plain = [r["capability"] for i, r in rows.items() if not explicit[i]]
        base_value = plain[0] if plain else max(r["capability"] for r in rows.values())
        base = {"value": base_value}
        notes = [r.get("capability_note") for i, r in rows.items() if not explicit[i]]
        if notes and notes[0] is not None:
            base["note"] = str(notes[0])
    stances: dict[str, Any] = {}
    for issue in _ordered(old_stances, rows):
        row, was = rows[issue], old_stances.get(issue) or {}
        stance = {k: v for k, v in was.items() if k not in NUMBERS}
        for field in ("position", "salience"):
            stance[field] = _kept_number(row[field], row.get(f"{field}_note"), was.get(field))
        if explicit[issue] or row["capability"] != base_value:
            stance["clout"] = _kept_number(
                row["capability"], row.get("capability_note"), was.get("clout")
            )
        if row.get("stated") is not None:
            stance["stated"] = _kept_number(float(row["stated"]), None, was.get("stated"))
        stances[issue] = stance
    kept = {k: v for k, v in (old or {}).items() if k not in ("name", "capability", "stances")}
    return {"name": name, **kept, "capability": base, "stances": stances}


def _issue_from_rows(
    name: str, rows: list[dict[str, Any]], old: dict[str, Any] | None, source: str
) -> dict[str, Any]:
    """An issue as data: its kept data, with the per-issue columns (:data:`ISSUE_COLUMNS`)
    where the frame has them."""
    issue = dict(old or {"name": name})

    def one(column: str) -> Any:
        values = list(dict.fromkeys(r.get(column) for r in rows))
        if len(values) > 1:
            raise DetenteError(
                f"issue {name!r} has different {column} values on its rows; give each issue "
                "one value",
                source=source,
                where=f"column {column!r}",
            )
        return values[0]

    present = {c for r in rows for c in r if c in ISSUE_COLUMNS}
    if {"scale_low", "scale_high"} <= present:
        scale = [one("scale_low"), one("scale_high")]
        if None not in scale and [float(x) for x in scale] != list(issue.get("scale", [0, 100])):
            issue["scale"] = [float(x) for x in scale]
    for column in ("low_label", "high_label"):
        if column in present:
            issue[column] = "" if one(column) is None else str(one(column))
    if "status_quo" in present:
        value = one("status_quo")
        if value is None:
            issue["status_quo"] = None
        else:
            issue["status_quo"] = _kept_number(float(value), None, issue.get("status_quo"))
    return issue
