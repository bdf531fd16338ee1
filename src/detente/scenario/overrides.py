"""What-if overrides: change numbers of a scenario by path and validate the result again.

An override is ``(path, value)``, the path a :class:`~detente.spec.paths.Path`: dot-separated,
naming list items by their ``name``: ``actors.Russia.stances.territory.salience``,
``actors.Ukraine.capability``, ``issues.territory.status_quo``,
``campaign.mediator.types.presses_russia.after.riposte_probability``. Names may themselves
contain dots or spaces (``actors.US incoming administration (Trump).stances.sanctions.
position``): at a named list the longest matching name wins. Only numbers can be overridden;
the overridden number's note becomes ``"what-if: was <old value>"`` so a report never shows a
stale source for it. The changed scenario goes through the same validation as a loaded file,
so an out-of-range value gets the same one-line message (source ``what-if``):
:func:`apply_overrides` is :func:`detente.scenario.edit.edit`.

:func:`with_overrides` does the same for a campaign's ``KEY=VALUE`` what-ifs (``detente
simulate --what-if``), through :func:`detente.scenario.edit.edit_campaign`'s steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from detente.errors import DetenteError
from detente.scenario.edit import SOURCE, edit, set_in_campaign, validate_campaign
from detente.scenario.resolve import PACKAGED, Resolver, resolve_campaign
from detente.spec.campaign import Campaign
from detente.spec.paths import MAX_PATH_LENGTH, Change, Path, PathError
from detente.spec.scenario import Scenario

__all__ = [
    "MAX_PATH_LENGTH",
    "SOURCE",
    "apply_overrides",
    "parse_override",
    "with_overrides",
]


def apply_overrides(scenario: Scenario, overrides: Iterable[tuple[str, float]]) -> Scenario:
    """A copy of ``scenario`` with each ``(path, value)`` applied, validated again
    (:func:`detente.scenario.edit.edit`).

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
    return edit(scenario, list(overrides), source=SOURCE)


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


def with_overrides(
    campaign: Campaign, overrides: list[str], resolver: Resolver = PACKAGED
) -> Campaign:
    """A copy of ``campaign`` with ``KEY=VALUE`` overrides applied and validated again.

    ``KEY`` is a :class:`~detente.spec.paths.Path` into the campaign (list items by index;
    a leading ``campaign.`` is optional), e.g.
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
        try:
            set_in_campaign(data, Change(Path.parse(key), value))
        except PathError as exc:
            raise DetenteError(f"what-if key {key!r}: {exc}", where="--what-if") from None
    if not overrides:
        return campaign
    what = f"what-if {', '.join(overrides)}"
    try:
        changed = validate_campaign(data, source=None)
    except DetenteError as exc:
        field = "campaign:" if exc.where in (None, "campaign") else exc.where
        raise DetenteError(f"{what}: {field} {exc.message}", where="--what-if") from None
    try:
        return resolve_campaign(changed, resolver, force=False)
    except DetenteError as exc:
        raise DetenteError(
            f"{what}: {exc.where or 'campaign'}: {exc.message}",
            source=exc.source,
            where="--what-if",
        ) from None
