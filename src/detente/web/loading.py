"""Scenarios from a request: a built-in by name or uploaded text, with the web app's limits.

Nothing from a request names a file on the server: a built-in is looked up among
:func:`~detente.scenario.builtin_names`, and uploaded text is parsed in memory by detente's
own parsers (YAML through ``yaml.safe_load`` in :func:`~detente.scenario.parse_yaml`). Files
an uploaded scenario names (a calibration, a durability mapping) are resolved by
:data:`~detente.scenario.resolve.PACKAGED`: packaged names only, refused with the same line
whether or not such a file exists. The file name a client sends is only a label in error
messages.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from functools import cache
from pathlib import PurePosixPath

import yaml

from detente.errors import DetenteError
from detente.scenario import (
    Scenario,
    builtin_names,
    load_scenario,
    parse_text,
)
from detente.scenario.overrides import apply_overrides
from detente.scenario.resolve import PACKAGED, resolve_references
from detente.web.schemas import (
    MAX_UPLOAD_BYTES,
    AdviseRequest,
    BuiltinRef,
    DrawsRequest,
    ForecastRequest,
    ScenarioRef,
)

MAX_YAML_NODES = 100_000
"""YAML nodes after expanding aliases; a hand-written scenario has a few thousand."""
MAX_ACTORS = 200
MAX_ISSUES = 50
TEXT_CACHE_SIZE = 32
"""Parsed uploaded texts kept (the page sends the same text with every what-if)."""


class TooLargeError(DetenteError):
    """An upload over the size limit (HTTP 413)."""


def safe_label(filename: str | None, default: str = "upload.yaml") -> str:
    """The last component of a client's file name, printable characters only (a label)."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = re.sub(r"[^\w .()+,-]", "_", name)[:80].strip()
    return name or default


def scenario_from_ref(ref: ScenarioRef) -> Scenario:
    """The scenario a :class:`ScenarioRef` names (a built-in or uploaded text)."""
    if isinstance(ref, BuiltinRef):
        if ref.builtin not in builtin_names():
            known = ", ".join(builtin_names())
            raise DetenteError(
                f"no such built-in scenario; use one of: {known}", source=ref.builtin[:80]
            )
        return builtin_scenario(ref.builtin)
    return _texts.get(ref.text, fmt=ref.format, label=safe_label(ref.filename))


def scenario_of_request(request: ForecastRequest | AdviseRequest | DrawsRequest) -> Scenario:
    """The scenario a request names, after its what-if overrides: what every route that
    takes a scenario and overrides works on."""
    sc = scenario_from_ref(request.scenario)
    return apply_overrides(sc, [(o.path, o.value) for o in request.overrides])


def check_text_size(request: ForecastRequest | AdviseRequest | DrawsRequest) -> None:
    """:class:`TooLargeError` (413) for scenario text over :data:`MAX_UPLOAD_BYTES`, as
    :func:`scenario_from_text` would raise it: checked before the request waits for a worker
    (a refusal costs a length, not a place in the queue)."""
    ref = request.scenario
    if isinstance(ref, BuiltinRef) or 4 * len(ref.text) <= MAX_UPLOAD_BYTES:
        return  # UTF-8 takes at most 4 bytes a character
    _check_size(ref.text, safe_label(ref.filename))


def _check_size(text: str, label: str) -> None:
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_UPLOAD_BYTES:
        raise TooLargeError(
            f"the scenario is {size:,} bytes, over the web app's {MAX_UPLOAD_BYTES:,}-byte "
            "limit; trim it or use the command line",
            source=label,
        )


@cache
def builtin_scenario(name: str) -> Scenario:
    """A built-in scenario, read once: reading the YAML costs ten times a forecast of every
    model, and scenarios are frozen (what-ifs make changed copies)."""
    return load_scenario(name)


class _TextCache:
    """The last :data:`TEXT_CACHE_SIZE` scenarios parsed from uploaded text, keyed by the
    SHA-256 of format, label and text. Errors are not cached. Thread-safe."""

    def __init__(self, size: int = TEXT_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[bytes, Scenario] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, *, fmt: str, label: str) -> Scenario:
        """:func:`scenario_from_text`, from the cache when the same text came before."""
        digest = hashlib.sha256()
        for part in (fmt, label, text):
            digest.update(part.encode("utf-8", errors="surrogatepass") + b"\0")
        key = digest.digest()
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        scenario = scenario_from_text(text, fmt=fmt, label=label)
        with self._lock:
            self._items[key] = scenario
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return scenario


_texts = _TextCache()


def format_of(filename: str) -> str:
    """``"yaml"`` or ``"csv"`` from an uploaded file's suffix."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    raise DetenteError(
        f"unknown file type {suffix or '(none)'!r}; upload a .yaml, .yml or .csv file",
        source=filename,
    )


def scenario_from_text(text: str, *, fmt: str, label: str) -> Scenario:
    """Parse uploaded scenario text, refusing what the web app will not take on.

    Raises :class:`TooLargeError` over :data:`MAX_UPLOAD_BYTES`, and :class:`DetenteError` for a
    bad scenario (the CLI's one-line message), a YAML whose aliases expand past
    :data:`MAX_YAML_NODES` or nest too deeply, or more than :data:`MAX_ACTORS` actors or
    :data:`MAX_ISSUES` issues.
    """
    _check_size(text, label)
    text = text.lstrip("\ufeff")
    try:
        if fmt == "yaml":
            _check_yaml_shape(text, label)
        scenario = parse_text(text, suffix=f".{fmt}", source=label, name=_stem(label))
    except RecursionError:
        raise DetenteError("is nested too deeply; write a flat scenario", source=label) from None
    if len(scenario.actors) > MAX_ACTORS or len(scenario.issues) > MAX_ISSUES:
        raise DetenteError(
            f"has {len(scenario.actors)} actors and {len(scenario.issues)} issues; the web app "
            f"takes at most {MAX_ACTORS} and {MAX_ISSUES} (use the command line for more)",
            source=label,
        )
    return resolve_references(scenario, PACKAGED, source=label)


def _stem(label: str) -> str:
    return PurePosixPath(label).stem or "scenario"


def _check_yaml_shape(text: str, label: str) -> None:
    """Refuse YAML whose aliases expand to too many nodes ("billion laughs"), refer to
    themselves, or nest too deeply. Syntax errors are left to :func:`parse_yaml`.

    Composed by libyaml where installed (``CSafeLoader``: ~10× the pure-Python parser, which
    took ~0.3 s of CPU for ukraine-2024; DECISIONS WEB-11). Its composer shares an alias's
    node as the pure-Python one does; text it refuses is composed again by the pure-Python
    parser, so that errors (nesting too deep among them) are found as before."""
    try:
        try:
            root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return
    except RecursionError:
        raise DetenteError("is nested too deeply; write a flat scenario", source=label) from None
    if root is None:
        return
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            if size[key] > MAX_YAML_NODES:
                raise DetenteError(
                    f"expands to more than {MAX_YAML_NODES:,} YAML nodes (anchors and aliases "
                    "repeat too much); write the scenario out without them",
                    source=label,
                )
            continue
        if key in size:
            continue
        if key in on_path:
            raise DetenteError(
                "an alias refers to the node that contains it; remove the recursive alias",
                source=label,
            )
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                raise DetenteError(
                    "an alias refers to the node that contains it; remove the recursive alias",
                    source=label,
                )
            if id(child) not in size:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
