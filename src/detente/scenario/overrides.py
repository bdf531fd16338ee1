"""What-if overrides: change numbers of a scenario by path and validate the result again.

An override is ``(path, value)``. The path is dot-separated and names list items by their
``name``: ``actors.Russia.stances.territory.salience``, ``actors.Ukraine.capability``,
``issues.territory.status_quo``. Names may themselves contain dots or spaces
(``actors.US incoming administration (Trump).stances.sanctions.position``): at a named list
the longest matching name wins. Only numbers can be overridden; the overridden number's note
becomes ``"what-if: was <old value>"`` so a report never shows a stale source for it. The
changed scenario goes through the same validation as a loaded file, so an out-of-range value
gets the same one-line message (source ``what-if``).

The web app's sliders and any later sweep use this. :func:`with_overrides` does the same for
a campaign's ``KEY=VALUE`` what-ifs (``detente simulate --what-if``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import ValidationError

from detente.errors import DetenteError
from detente.scenario.resolve import PACKAGED, Resolver, resolve_campaign
from detente.scenario.validation import validate_scenario
from detente.spec.campaign import Campaign
from detente.spec.scenario import Scenario

SOURCE = "what-if"
MAX_PATH_LENGTH = 500


def apply_overrides(scenario: Scenario, overrides: Iterable[tuple[str, float]]) -> Scenario:
    """A copy of ``scenario`` with each ``(path, value)`` applied, validated again.

    Parameters
    ----------
    scenario:
        The scenario to change (it is not modified).
    overrides:
        Pairs of path and new value, applied in order (a later one wins).

    Returns
    -------
    Scenario
        The changed scenario.

    Raises
    ------
    DetenteError
        For a path that names nothing, a non-number field, a non-finite value, or a value the
        scenario's own rules refuse (e.g. salience above 100).

    Examples
    --------
    >>> from detente.scenario import load_scenario
    >>> sc = load_scenario("ukraine-2024")
    >>> changed = apply_overrides(sc, [("actors.Russia.stances.territory.salience", 50)])
    >>> changed.actors[0].stances["territory"].salience.value
    50.0
    """
    data = scenario.model_dump(mode="python")
    count = 0
    for path, value in overrides:
        count += 1
        _set(data, path, value)
    if count == 0:
        return scenario
    return validate_scenario(data, source=SOURCE)


def parse_override(text: str) -> tuple[str, float]:
    """``"actors.Russia.stances.territory.salience=80"`` → ``(path, 80.0)``."""
    path, sep, raw = text.rpartition("=")
    if not sep or not path.strip():
        raise DetenteError(
            f"override {text!r} is not PATH=VALUE; write e.g. "
            "actors.Russia.stances.territory.salience=80",
            source=SOURCE,
        )
    try:
        value = float(raw)
    except ValueError:
        raise DetenteError(
            f"override value {raw.strip()!r} is not a number; write a finite number",
            source=SOURCE,
            where=path.strip(),
        ) from None
    return path.strip(), value


def _fail(path: str, message: str) -> DetenteError:
    return DetenteError(message, source=SOURCE, where=path)


def _children(node: Any) -> dict[str, tuple[Any, Any]]:
    """What a path segment can name inside ``node``: label → (container, key or index)."""
    if isinstance(node, dict):
        return {str(k): (node, k) for k in node}
    if isinstance(node, list):
        return {
            str(item["name"]): (node, i)
            for i, item in enumerate(node)
            if isinstance(item, dict) and "name" in item
        }
    return {}


def _set(data: dict[str, Any], path: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(path, "the value must be a finite number")
    if not path or len(path) > MAX_PATH_LENGTH:
        raise _fail(
            path[:60],
            f"the path must have 1 to {MAX_PATH_LENGTH} characters, "
            "e.g. actors.Russia.stances.territory.salience",
        )
    node: Any = data
    rest: str | None = path
    walked: list[str] = []
    while rest is not None:
        children = _children(node)
        labels = [k for k in children if rest == k or rest.startswith(k + ".")]
        if not labels:
            here = ".".join(walked) or "the scenario"
            if not children:
                raise _fail(path, f"{here} has no fields to set; shorten the path")
            raise _fail(
                path,
                f"{here} has no {rest.split('.')[0]!r}; use one of: {', '.join(children)}",
            )
        label = max(labels, key=len)
        walked.append(label)
        rest = rest[len(label) + 1 :] if len(rest) > len(label) else None
        container, key = children[label]
        if rest is None:
            _assign(container, key, value, path)
            return
        node = container[key]


def _assign(container: Any, key: Any, value: float, path: str) -> None:
    old = container[key]
    if isinstance(old, dict) and "value" in old:
        container[key] = {"value": float(value), "note": f"what-if: was {old['value']:g}"}
    elif old is None and key in ("status_quo", "capability"):
        container[key] = {"value": float(value), "note": "what-if: was unset"}
    elif isinstance(old, int | float) and not isinstance(old, bool):
        container[key] = float(value)
    else:
        raise _fail(path, f"{key!r} is not a number; only numbers can be overridden")


def with_overrides(
    campaign: Campaign, overrides: list[str], resolver: Resolver = PACKAGED
) -> Campaign:
    """A copy of ``campaign`` with ``KEY=VALUE`` overrides applied and validated again.

    ``KEY`` is a dotted path into the campaign (list items by index), e.g.
    ``mediator.types.presses_russia.after.riposte_probability``; ``VALUE`` is read as YAML
    (``0.8``, ``fixed_terms``, ``2025-03-01``). A sourced number keeps its shape and gets
    the note ``what-if override``. A reference the override changes (the battlefield's
    calibration, the resumption mapping) is read again by ``resolver`` (default: packaged
    names only); references it leaves alone are kept as resolved.

    Raises
    ------
    DetenteError
        Naming the key and the fix, for a malformed override, an unknown key or a value the
        campaign rejects.
    """
    data: dict[str, Any] = campaign.model_dump(mode="json")
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise DetenteError(
                f"what-if {item!r} is not KEY=VALUE; write e.g. discount=0.99", where="--what-if"
            )
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise DetenteError(
                f"what-if {key}: value {raw!r} is not readable; write a number, a word or a date",
                where="--what-if",
            ) from None
        node: Any = data
        parts = key.split(".")
        for depth, part in enumerate(parts):
            here = ".".join(parts[:depth]) or "campaign"
            last = depth == len(parts) - 1
            if isinstance(node, dict) and part in node:
                if last:
                    target = node[part]
                    if (
                        isinstance(target, dict)
                        and "value" in target
                        and not isinstance(value, dict)
                    ):
                        node[part] = {"value": value, "note": "what-if override"}
                    else:
                        node[part] = value
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                if last:
                    node[int(part)] = value
                node = node[int(part)]
            else:
                options = (
                    ", ".join(map(str, node))
                    if isinstance(node, dict)
                    else (f"an index below {len(node)}" if isinstance(node, list) else "nothing")
                )
                raise DetenteError(
                    f"what-if key {key!r}: {here} has no {part!r}; use one of: {options}",
                    where="--what-if",
                )
    try:
        changed = Campaign.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if p != "value")
        msg = str(err["msg"]).removeprefix("Value error, ")
        field = f"campaign.{loc}" if loc else "campaign:"
        raise DetenteError(
            f"what-if {', '.join(overrides)}: {field} {msg}", where="--what-if"
        ) from None
    try:
        return resolve_campaign(changed, resolver, force=False)
    except DetenteError as exc:
        raise DetenteError(
            f"what-if {', '.join(overrides)}: {exc.where or 'campaign'}: {exc.message}",
            source=exc.source,
            where="--what-if",
        ) from None
