"""Change numbers of a scenario (or of its campaign) by path, and validate the result again.

The one way detente edits an input: what-ifs (the web app's sliders, ``--what-if``),
lever settings, ``--vary`` checks and profiles all come here. A change names its number by
a :class:`~detente.spec.paths.Path` (``actors.Russia.stances.territory.salience``,
``campaign.mediator.types.presses_russia.after.riposte_probability``); see
:mod:`detente.spec.paths`. The changed data always goes through the same validation as a
loaded file (:func:`~detente.scenario.validation.validate_scenario`, one-line errors), so a
value out of its range is refused with the same message.

A changed number keeps its shape: its note becomes ``"what-if: was <old value>"`` (or the
change's own note), and its distribution is dropped (a what-if pins the number) unless the
change keeps it (``keep_distribution``: moved by the change, as a profile moves a number;
DECISIONS SPEC-6).

:func:`edit_campaign` is the same for a campaign alone, which also takes non-numbers (a
settlement rule, a date, a calibration's name) and reads a reference the change touches
again through a resolver.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from detente.errors import DetenteError
from detente.scenario.resolve import PACKAGED, Resolver, resolve_campaign
from detente.scenario.validation import translate, validate_scenario
from detente.spec.campaign import Campaign
from detente.spec.numbers import Sourced
from detente.spec.paths import CAMPAIGN, Change, Changes, Path, PathError, as_changes
from detente.spec.scenario import Scenario

SOURCE = "what-if"
CAMPAIGN_NOTE = "what-if override"
"""The note of a campaign number a change without its own note sets."""

__all__ = [
    "CAMPAIGN_NOTE",
    "SOURCE",
    "Change",
    "Path",
    "PathError",
    "edit",
    "edit_campaign",
]


def edit(scenario: Scenario, changes: Changes, *, source: str = SOURCE) -> Scenario:
    """A copy of ``scenario`` with each change applied, validated again.

    Parameters
    ----------
    scenario:
        The scenario to change (it is not modified).
    changes:
        ``{path: value}``, ``[(path, value), ...]`` or :class:`~detente.spec.paths.Change`\\ s,
        applied in order (a later one wins). Paths as :class:`~detente.spec.paths.Path`
        text; values finite numbers.
    source:
        The name errors give the changed scenario (default ``what-if``).

    Returns
    -------
    Scenario
        The changed scenario (``scenario`` itself when there is no change).

    Raises
    ------
    DetenteError
        One line, for a path that names nothing (naming the bad segment and the options), a
        non-number field, a non-finite value, or a value the scenario's own rules refuse
        (e.g. salience above 100).

    Examples
    --------
    >>> from detente.scenario import load_scenario
    >>> sc = load_scenario("ukraine-2024")
    >>> changed = edit(sc, {"actors.Russia.stances.territory.salience": 50})
    >>> changed.actors[0].stances["territory"].salience.value
    50.0
    """
    items = _changes(changes, source)
    if not items:
        return scenario
    data = scenario.model_dump(mode="json")
    for change in items:
        where = str(change.path)
        value = change.value
        if not _finite_number(value):
            raise DetenteError("the value must be a finite number", source=source, where=where)
        try:
            loc = change.path.locate(scenario)
            current = change.path.get(data)
        except PathError as exc:
            raise DetenteError(exc.message, source=source, where=where) from None
        if loc.is_number:
            new: Any = _number(current, float(value), change, _what_if_note)
        elif isinstance(current, int | float) and not isinstance(current, bool):
            new = float(value)
        else:
            key = loc.steps[-1].label if loc.steps else where
            raise DetenteError(
                f"{key!r} is not a number; only numbers can be overridden",
                source=source,
                where=where,
            )
        change.path.set(data, new)
    return validate_scenario(data, source=source)


def edit_campaign(
    campaign: Campaign,
    changes: Changes,
    resolver: Resolver = PACKAGED,
    *,
    source: str | None = SOURCE,
) -> Campaign:
    """A copy of ``campaign`` with each change applied, validated again; the campaign twin
    of :func:`edit`.

    Paths lead into the campaign (``discount``, ``mediator.types.NAME.prior``; a leading
    ``campaign.`` is optional), list items by index. A number keeps its shape (note
    :data:`CAMPAIGN_NOTE` unless the change gives one); any other field takes the value as
    it is (a word, a date, a mapping). A reference the changes touch (the battlefield's
    calibration, the resumption mapping) is read again by ``resolver`` (default: packaged
    names only); references left alone are kept as resolved.

    Parameters
    ----------
    campaign : Campaign
        The campaign to change.
    changes : mapping or sequence of (path, value)
        The changes: dotted paths into the campaign and their new values.
    resolver : Resolver
        Reads the files a changed reference names.
    source : str or None
        The name used in error messages.

    Raises
    ------
    DetenteError
        One line naming the path (a path that names nothing) or the field (a value the
        campaign refuses), with ``source``.
    """
    items = _changes(changes, source)
    if not items:
        return campaign
    data = campaign.model_dump(mode="json")
    for change in items:
        try:
            set_in_campaign(data, change)
        except PathError as exc:
            raise DetenteError(exc.message, source=source, where=str(change.path)) from None
    return resolve_campaign(validate_campaign(data, source=source), resolver, force=False)


def set_in_campaign(data: dict[str, Any], change: Change) -> None:
    """Apply one change to a campaign's JSON data (in place). Raises :class:`PathError`."""
    path = change.path.in_campaign()
    current = path.get(data, root_label=CAMPAIGN)
    if _is_number_data(current) and not isinstance(change.value, dict):
        value = _number(current, change.value, change, lambda _: CAMPAIGN_NOTE)
        path.set(data, value, root_label=CAMPAIGN)
    else:
        path.set(data, change.value, root_label=CAMPAIGN)


def validate_campaign(data: Any, *, source: str | None = SOURCE) -> Campaign:
    """``data`` validated as a campaign, or the one-line error of
    :func:`~detente.scenario.validation.translate` (field under ``campaign``)."""
    try:
        return Campaign.model_validate(data)
    except ValidationError as exc:
        raise translate(exc, source=source, prefix=CAMPAIGN) from None


def _changes(changes: Changes, source: str | None) -> list[Change]:
    try:
        return as_changes(changes)
    except PathError as exc:
        raise DetenteError(exc.message, source=source) from None


def _is_number_data(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and set(node) <= set(Sourced.model_fields)


def _what_if_note(current: Sourced | None) -> str:
    return "what-if: was unset" if current is None else f"what-if: was {current.value:g}"


def _number(current: Any, value: Any, change: Change, note: Any) -> dict[str, Any]:
    """The data of the changed number: ``value``, the change's note (else ``note(current)``)
    and, where the change keeps it, the number's distribution moved by the change."""
    old: Sourced | None
    if isinstance(current, Sourced):
        old = current
    elif _is_number_data(current):
        old = Sourced.model_validate(current)
    else:
        old = None
    out: dict[str, Any] = {
        "value": value,
        "note": change.note if change.note is not None else note(old),
    }
    dist = old.distribution if old is not None else None
    if change.keep_distribution and old is not None and dist is not None and _finite_number(value):
        out["distribution"] = dist.shifted(float(value) - old.value)
    return out


def _finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
