"""One way to name a number of a scenario or a campaign: the dotted :class:`Path`.

A path is the dotted text every command uses for a number (what-ifs, ``--vary``, lever
targets, profiles, sliders)::

    actors.Russia.stances.territory.salience
    actors.US incoming administration (Trump).capability
    issues.territory.status_quo
    campaign.mediator.types.presses_russia.after.riposte_probability
    campaign.cheap_talk.0.likelihood.resolute

Fields and mapping keys are named as written; a list of named items (actors, issues, levers)
by the item's ``name``, any other list (``cheap_talk``) by index. Names may contain dots or
spaces: where several names match, the longest wins. The text is parsed once
(:meth:`Path.parse`) and then read against a validated model or its plain data
(``model_dump``): :meth:`Path.get`, :meth:`Path.set`, :meth:`Path.bounds`, and
:func:`walk` (every number of a scenario or campaign with its path). A path that names
nothing raises :class:`PathError`, one line naming the bad segment and the valid options.

A number's valid range is declared once on its field (:class:`~detente.spec.numbers.Range`,
:data:`~detente.spec.numbers.ON_ISSUE_SCALE`, a model's ``number_range``);
:meth:`Path.bounds` reads it back, so sampling bounds and slider ranges are what validation
accepts. A :class:`Change` is one edit of a number by path (applied and validated again by
:func:`detente.scenario.edit.edit`). Part of the spec layer: imports only pydantic
(DECISIONS SPEC-6).
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from detente.spec.numbers import ANY_NUMBER, OnIssueScale, Range, Sourced

MAX_PATH_LENGTH = 500
EXAMPLE = "actors.Russia.stances.territory.salience"
CAMPAIGN = "campaign"
DERIVED_FIELDS = frozenset({"resolved"})
"""Fields filled in from the files a scenario names (not inputs): :func:`walk` skips them."""
_NUMBER_KEYS = frozenset({"value", "note", "distribution"})


class PathError(ValueError):
    """A path that names nothing: the message names the walked part, the bad segment and the
    valid options (``"actors has no 'Nobody'; use one of: Russia, Ukraine"``)."""

    def __init__(
        self,
        message: str,
        *,
        walked: tuple[str, ...] = (),
        segment: str | None = None,
        options: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.walked = walked
        self.segment = segment
        self.options = options


@dataclass(frozen=True)
class Step:
    """One step of a located path: the text naming the item and its key (a field name, a
    mapping key or a list index)."""

    label: str
    key: str | int


@dataclass(frozen=True)
class Location:
    """Where a path leads in one model or data: the steps, the node found, its container and
    what the model declares about it (its type's metadata and the ranges of the models
    around it)."""

    path: Path
    steps: tuple[Step, ...]
    node: Any
    container: Any
    base: Any
    metadata: tuple[Any, ...]
    limits: tuple[Range, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """The names along the path, one per step (a name with dots stays one label)."""
        return tuple(s.label for s in self.steps)

    @property
    def is_number(self) -> bool:
        """Whether the path names a number (set or, where the model allows one, unset)."""
        if isinstance(self.node, Sourced) or _is_number_data(self.node):
            return True
        return self.node is None and self.base is Sourced


@dataclass(frozen=True)
class Path:
    """A dotted path naming a number (or any field) of a scenario or a campaign.

    ``segments`` is the text split at its dots; a name with dots spans several segments
    and is matched whole against the names there (the longest that fits).
    """

    segments: tuple[str, ...]

    @classmethod
    def parse(cls, text: str | Path) -> Path:
        """The path of ``text``; a :class:`PathError` for empty or over-long text."""
        if isinstance(text, Path):
            return text
        text = str(text).strip()
        if not text or len(text) > MAX_PATH_LENGTH:
            raise PathError(f"the path must have 1 to {MAX_PATH_LENGTH} characters, e.g. {EXAMPLE}")
        return cls(tuple(text.split(".")))

    @classmethod
    def of(cls, *labels: str | int) -> Path:
        """The path through ``labels`` (names, field names, indices), e.g.
        ``Path.of("actors", "Russia", "capability")``."""
        return cls(tuple(seg for label in labels for seg in str(label).split(".")))

    def __str__(self) -> str:
        return ".".join(self.segments)

    @property
    def text(self) -> str:
        return str(self)

    @property
    def on_campaign(self) -> bool:
        """Whether the (scenario) path leads into the campaign."""
        return self.segments[:1] == (CAMPAIGN,)

    def in_campaign(self) -> Path:
        """The path inside the campaign: a leading ``campaign.`` dropped (a campaign has no
        field of that name, so the prefix is optional wherever a campaign path is read)."""
        return Path(self.segments[1:]) if self.on_campaign and len(self.segments) > 1 else self

    def from_scenario(self) -> Path:
        """The scenario path of a campaign path: ``campaign.`` put in front where missing."""
        return self if self.on_campaign else Path((CAMPAIGN, *self.segments))

    # --- reading ----------------------------------------------------------------------------
    def locate(self, root: Any, *, root_label: str | None = None) -> Location:
        """Follow the path from ``root`` (a model, or plain data from ``model_dump``).

        Raises
        ------
        PathError
            At the first segment that names nothing there, naming the walked part (or
            ``root_label``: default ``"the scenario"``, or the root model's ``path_label``),
            the segment and the valid options.
        """
        label = root_label or getattr(type(root), "path_label", None) or "the scenario"
        segs = self.segments
        node: Any = root
        declared: tuple[Any, tuple[Any, ...]] = (
            (type(root), ()) if isinstance(root, BaseModel) else (Any, ())
        )
        container: Any = None
        steps: list[Step] = []
        limits: list[Range] = []
        i = 0
        while i < len(segs):
            limit = getattr(type(node), "number_range", None)
            if isinstance(node, BaseModel) and isinstance(limit, Range):
                limits.append(limit)
            here = ".".join(s.label for s in steps) or label
            kind, children = _children(node, declared)
            fits = [
                name for name in children if ".".join(segs[i : i + name.count(".") + 1]) == name
            ]
            if not fits:
                raise _missing(here, segs[i], kind, children, node, tuple(s.label for s in steps))
            name = max(fits, key=len)
            key, child, child_declared = children[name]
            steps.append(Step(name, key))
            container, node, declared = node, child, child_declared
            i += name.count(".") + 1
        base, metadata = _unwrap(*declared)
        return Location(self, tuple(steps), node, container, base, metadata, tuple(limits))

    def get(self, root: Any, *, root_label: str | None = None) -> Any:
        """What the path names in ``root``: a :class:`Sourced` number (or its data), another
        value, or a part of the model."""
        return self.locate(root, root_label=root_label).node

    def number(self, root: Any, *, root_label: str | None = None) -> Sourced:
        """The number the path names; a :class:`PathError` if it names something else."""
        node = self.get(root, root_label=root_label)
        if isinstance(node, Sourced):
            return node
        if _is_number_data(node):
            return Sourced.model_validate(node)
        raise PathError(f"{self} is not a number; name a number, e.g. {EXAMPLE}")

    def bounds(self, root: Any) -> Range:
        """The range validation accepts for the number the path names in the model ``root``
        (a scenario or a campaign): its field's :class:`~detente.spec.numbers.Range`\\ s,
        its issue's scale for a position or status quo, and the range of the models around
        it (a campaign's magnitude bound), intersected. Cross-field rules (priors that sum to
        1, ...) are not ranges and are not in it."""
        loc = self.locate(root)
        if not loc.is_number:
            raise PathError(f"{self} is not a number; name a number, e.g. {EXAMPLE}")
        out = ANY_NUMBER
        for meta in loc.metadata:
            if isinstance(meta, Range):
                out = out & meta
            elif isinstance(meta, OnIssueScale):
                scale = _issue_scale(root, loc)
                if scale is not None:
                    out = out & Range(scale[0], scale[1])
        for limit in loc.limits:
            out = out & limit
        return out

    # --- writing ----------------------------------------------------------------------------
    def set(self, data: Any, value: Any, *, root_label: str | None = None) -> Any:
        """Put ``value`` where the path leads in plain ``data`` (``model_dump(mode="json")``
        output, changed in place; a tuple cannot be changed) and return what was there
        (``set(data, get(data))`` changes nothing). Validate the data again to get a model
        back (:func:`detente.scenario.edit.edit` does both)."""
        loc = self.locate(data, root_label=root_label)
        container, key = loc.container, loc.steps[-1].key
        mutable = isinstance(container, dict) or (
            isinstance(container, list) and isinstance(key, int)
        )
        if not mutable:
            raise TypeError(f"{self}: set() changes plain data (model_dump()), not a model")
        container[key] = value
        return loc.node

    @classmethod
    def walk(cls, root: Any, *, derived: bool = False) -> Iterator[tuple[Path, Sourced]]:
        """Every number of the model ``root`` with its path (:func:`walk`)."""
        return walk(root, derived=derived)


def walk(root: Any, *, derived: bool = False) -> Iterator[tuple[Path, Sourced]]:
    """Every :class:`Sourced` number of the model ``root`` (a scenario, a campaign) with its
    path from ``root``, in document order; the fields filled in from referenced files
    (``resolved``) only with ``derived``."""

    def visit(node: Any, labels: tuple[str, ...]) -> Iterator[tuple[Path, Sourced]]:
        if isinstance(node, Sourced):
            yield Path.of(*labels), node
            return
        kind, children = _children(node, (Any, ()))
        for label, (_, child, _) in children.items():
            if kind == "model" and not derived and label in DERIVED_FIELDS:
                continue
            yield from visit(child, (*labels, label))

    return visit(root, ())


@dataclass(frozen=True)
class Change:
    """One edit of a number by path: its new ``value``, its ``note`` (default: a what-if's
    ``"what-if: was <old>"``) and whether its distribution moves with it
    (``keep_distribution``: shifted by the change, as a profile moves a number) or is
    dropped (a what-if pins the number, the default)."""

    path: Path
    value: Any
    note: str | None = None
    keep_distribution: bool = False


Changes = Mapping[str, Any] | Mapping[Path, Any] | Iterable[Change | tuple[str | Path, Any]]


def as_changes(changes: Changes) -> list[Change]:
    """``{path: value}``, ``[(path, value), ...]`` or :class:`Change`\\ s as changes, in order.

    Raises :class:`PathError` for a path text that is empty or too long."""
    items: Iterable[Any] = changes.items() if isinstance(changes, Mapping) else changes
    out = []
    for item in items:
        if isinstance(item, Change):
            out.append(item)
        else:
            path, value = item
            out.append(Change(Path.parse(path), value))
    return out


# --- internals ------------------------------------------------------------------------------
Children = dict[str, tuple[str | int, Any, tuple[Any, tuple[Any, ...]]]]


def _is_number_data(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and set(node) <= _NUMBER_KEYS


def _unwrap(tp: Any, metadata: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
    """A declared type without ``Annotated`` and ``| None``, and the metadata collected."""
    meta = list(metadata)
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            base, *extra = get_args(tp)
            meta.extend(extra)
            tp = base
            continue
        if origin is Union or origin is types.UnionType:
            arms = [a for a in get_args(tp) if a is not type(None)]
            if len(arms) == 1:
                tp = arms[0]
                continue
        return tp, tuple(meta)


_CONTAINERS: dict[Any, tuple[Any, tuple[Any, ...]]] = {}
"""Declared type -> (origin, args) of the container under ``Annotated`` and ``| None``: the
walks of a campaign ask it thousands of times for a few dozen types (DECISIONS PERF-3)."""


def _container(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    try:
        return _CONTAINERS[tp]
    except (KeyError, TypeError):  # TypeError: unhashable metadata, not cached
        pass
    bare, _ = _unwrap(tp, ())
    found = get_origin(bare), get_args(bare)
    if tp.__hash__ is not None:
        try:
            _CONTAINERS[tp] = found
        except TypeError:  # hashable type, unhashable metadata
            return found
    return found


def _item_type(declared: tuple[Any, tuple[Any, ...]], position: int) -> tuple[Any, tuple[()]]:
    origin, args = _container(declared[0])
    if origin is dict and len(args) == 2:
        return args[1], ()
    if origin in (list, tuple) and args:
        return (args[0] if len(args) == 1 or args[-1] is Ellipsis else args[position]), ()
    return Any, ()


def _name(item: Any) -> str | None:
    if isinstance(item, BaseModel) and "name" in type(item).model_fields:
        name = getattr(item, "name", None)
    elif isinstance(item, dict):
        name = item.get("name")
    else:
        return None
    return name if isinstance(name, str) else None


def _children(node: Any, declared: tuple[Any, tuple[Any, ...]]) -> tuple[str, Children]:
    """What a segment can name inside ``node``: its kind and label -> (key, child, declared
    type of the child)."""
    if isinstance(node, Sourced) or _is_number_data(node):
        return "number", {}
    if isinstance(node, BaseModel):
        fields = type(node).model_fields
        return "model", {
            name: (name, getattr(node, name), (info.annotation, tuple(info.metadata)))
            for name, info in fields.items()
        }
    if isinstance(node, dict):
        child = _item_type(declared, 1)
        return "mapping", {str(k): (k, v, child) for k, v in node.items()}
    if isinstance(node, list | tuple):
        names = [_name(item) for item in node]
        if node and all(n is not None for n in names):
            return "named", {
                str(n): (i, item, _item_type(declared, i))
                for i, (n, item) in enumerate(zip(names, node, strict=True))
            }
        return "indexed", {
            str(i): (i, item, _item_type(declared, i)) for i, item in enumerate(node)
        }
    return "value", {}


def _missing(
    here: str, segment: str, kind: str, children: Children, node: Any, walked: tuple[str, ...]
) -> PathError:
    if kind == "number":
        message = f"{here} is a number and has no {segment!r}; end the path at {here}"
    elif node is None:
        message = f"{here} is not set, so it has no {segment!r}; shorten the path"
    elif kind == "value":
        message = f"{here} has no {segment!r}; it has no parts, so shorten the path"
    else:
        if kind == "indexed":
            options: tuple[str, ...] = (f"an index below {len(children)}",) if children else ()
        else:
            options = tuple(children)
        shown = ", ".join(options) or "nothing"
        message = f"{here} has no {segment!r}; use one of: {shown}"
        return PathError(message, walked=walked, segment=segment, options=tuple(children))
    return PathError(message, walked=walked, segment=segment)


def _issue_scale(root: Any, loc: Location) -> tuple[float, float] | None:
    """The scale of the issue a position or status quo belongs to, where ``root`` has it."""
    labels = loc.labels
    if "stances" in labels[:-1]:
        issue = labels[labels.index("stances") + 1]
    elif labels[:1] == ("issues",) and len(labels) > 2:
        issue = labels[1]
    else:
        return None
    issues = root.get("issues") if isinstance(root, dict) else getattr(root, "issues", None)
    for item in issues or []:
        if _name(item) == issue:
            scale = item["scale"] if isinstance(item, dict) else item.scale
            return float(scale[0]), float(scale[1])
    return None


__all__ = [
    "CAMPAIGN",
    "DERIVED_FIELDS",
    "MAX_PATH_LENGTH",
    "Change",
    "Changes",
    "Location",
    "Path",
    "PathError",
    "Step",
    "as_changes",
    "walk",
]
