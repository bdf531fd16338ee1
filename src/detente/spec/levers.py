"""Levers: what an actor can change, declared in a scenario under ``levers:``.

A lever names the actor who pulls it, the number(s) it changes (``target``), its range, an
optional step (a discrete lever) and its cost per unit of change. Targets are either the
actor's own numbers in the negotiation::

    actors.<ACTOR>.stances.<ISSUE>.position | salience | clout
    actors.<ACTOR>.capability

or parameters of the war-termination campaign, as dotted paths (``detente simulate
--what-if`` uses the same paths)::

    campaign.mediator.types.presses_russia.after.riposte_probability
    campaign.negotiation_opens

``mode: set`` (the default) sets every target to the lever's value, so all targets must
share one current value; ``mode: shift`` adds the lever's value to each target's own current
value (its baseline is 0). A date target moves by the lever's value in weeks and needs
``mode: shift``; a true/false target is set by 0 or 1 (DECISIONS LEV-3). The cost of a
setting ``v`` is ``cost_per_unit * |v - baseline|``, in the scenario's cost unit (DECISIONS
LEV-4).

The scenario schema holds ``levers: Levers``; :data:`Levers` checks every lever against the
scenario's actors, issues and campaign when the scenario is loaded. This module does not
import the scenario schema (which imports it; DECISIONS LEV-1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    FiniteFloat,
    ValidationInfo,
    model_validator,
)

from detente.spec.numbers import Sourced
from detente.spec.paths import CAMPAIGN, Change, Path, PathError

SCENARIO_FIELDS = ("position", "salience", "clout")
CAMPAIGN_PREFIX = "campaign."
GRID_POINTS = 21
"""Points of a continuous lever's grid in enumeration and the tornado view."""


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Lever(BaseModel):
    """One lever: who pulls it, what it changes, its range, step and cost per unit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Short identifier, e.g. 'riposte'.")
    actor: str = Field(min_length=1, description="The actor who pulls the lever.")
    target: Annotated[list[str], BeforeValidator(_as_list)] = Field(
        min_length=1, description="Path(s) of the number(s) the lever changes."
    )
    mode: Literal["set", "shift"] = "set"
    low: FiniteFloat
    high: FiniteFloat
    step: float | None = Field(None, description="Grid step of a discrete lever.")
    cost_per_unit: FiniteFloat = Field(ge=0.0)
    note: str = ""

    @model_validator(mode="after")
    def _shape(self) -> Lever:
        if self.low >= self.high:
            raise ValueError(
                f"lever {self.name!r}: low {self.low:g} must be below high {self.high:g}"
            )
        if self.step is not None and not (math.isfinite(self.step) and self.step > 0):
            raise ValueError(f"lever {self.name!r}: step must be a number above zero")
        kinds = {t.startswith(CAMPAIGN_PREFIX) for t in self.target}
        if len(kinds) > 1:
            raise ValueError(
                f"lever {self.name!r} mixes campaign and scenario targets; split it in two"
            )
        if self.on_campaign is False and len(self.target) > 1:
            raise ValueError(
                f"lever {self.name!r}: a scenario lever has one target; declare one lever each"
            )
        return self

    @property
    def on_campaign(self) -> bool:
        """Whether the lever changes the war-termination campaign (else the negotiation)."""
        return self.target[0].startswith(CAMPAIGN_PREFIX)

    def grid(self, baseline: float, points: int = GRID_POINTS) -> np.ndarray:
        """The lever's settings tried by enumeration: its steps (a discrete lever) or
        ``points`` evenly spaced values, always with both ends and the baseline."""
        if self.step is not None:
            n = math.floor((self.high - self.low) / self.step + 1e-9)
            values = self.low + self.step * np.arange(n + 1)
        else:
            values = np.linspace(self.low, self.high, points)
        return np.unique(np.concatenate([values, [self.low, self.high, baseline]]))

    def cost(self, value: float | np.ndarray, baseline: float) -> Any:
        """``cost_per_unit * |value - baseline|``."""
        return self.cost_per_unit * np.abs(np.asarray(value, dtype=float) - baseline)


@dataclass(frozen=True)
class ScenarioTarget:
    """A lever target in the negotiation: the actor's position, salience or clout on
    ``issue``, or its general capability (``issue`` None)."""

    actor: str
    issue: str | None
    field: str

    @property
    def path(self) -> Path:
        """The number's path (:class:`~detente.spec.paths.Path`)."""
        if self.issue is None:
            return Path.of("actors", self.actor, self.field)
        return Path.of("actors", self.actor, "stances", self.issue, self.field)


def parse_scenario_target(path: str, scenario: Any) -> ScenarioTarget:
    """``actors.<ACTOR>.stances.<ISSUE>.<field>`` or ``actors.<ACTOR>.capability``: the
    lever's own actor's numbers (DECISIONS LEV-2), read as a :class:`~detente.spec.paths.Path`
    in ``scenario`` (a scenario, or a mapping with its ``actors``).

    Names may contain dots, the longest matching name wins. Raises ``ValueError`` with the fix.
    """
    example = "actors.Russia.stances.territory.position"
    shape = (
        f"target {path!r}: after the actor write 'capability' or "
        f"'stances.<ISSUE>.<position|salience|clout>', e.g. {example}"
    )
    if not path.startswith("actors."):
        raise ValueError(
            f"target {path!r} is neither 'actors.<ACTOR>...' nor 'campaign.<path>'; "
            f"write e.g. {example}"
        )
    try:
        labels = Path.parse(path).locate(scenario).labels
    except PathError as exc:
        if len(exc.walked) == 1:
            raise ValueError(
                f"target {path!r} names no actor of the scenario; use one of: "
                + ", ".join(exc.options)
            ) from None
        if len(exc.walked) == 3 and exc.walked[2] == "stances":
            raise ValueError(
                f"target {path!r}: {exc.walked[1]!r} takes no stance on issue "
                f"{exc.segment!r}; use one of: {', '.join(exc.options)}"
            ) from None
        raise ValueError(shape) from None
    name, rest = labels[1], labels[2:]
    if rest == ("capability",):
        return ScenarioTarget(name, None, "capability")
    if len(rest) == 3 and rest[0] == "stances" and rest[2] in SCENARIO_FIELDS:
        return ScenarioTarget(name, rest[1], rest[2])
    raise ValueError(shape)


def scenario_value(target: ScenarioTarget, scenario: Any) -> float:
    """The current value of a negotiation target (an issue clout falls back to the actor's
    general capability)."""
    number = target.path.get(scenario)
    if number is None:
        number = Path.of("actors", target.actor, "capability").get(scenario)
    return float(number.value)


def campaign_value(path: str, root: Any) -> float | bool | date:
    """The current value at a ``campaign.<dotted path>``
    (:class:`~detente.spec.paths.Path`) of ``root``: a scenario, a mapping with its
    ``campaign``, or the campaign itself (``campaign.`` then optional). A number, a
    true/false or a date; a ``ValueError`` naming the missing part."""
    try:
        target = Path.parse(path)
        if getattr(type(root), "path_label", None) == CAMPAIGN:
            node = target.in_campaign().get(root)
        else:
            node = target.get(root)
    except PathError as exc:
        raise ValueError(f"target {path!r}: {exc}") from None
    if isinstance(node, Sourced):
        return node.value
    if isinstance(node, bool | int | float):
        return node if isinstance(node, bool) else float(node)
    if isinstance(node, date):
        return node
    if isinstance(node, str):
        try:
            return date.fromisoformat(node)
        except ValueError:
            pass
    raise ValueError(f"target {path!r} is not a number, a true/false or a date; pick a number")


def _campaign_of(scenario: Any) -> Any:
    if isinstance(scenario, Mapping):
        return scenario.get(CAMPAIGN)
    return getattr(scenario, CAMPAIGN, None)


def lever_baseline(lever: Lever, scenario: Any) -> float:
    """The lever's value in ``scenario`` (a scenario, or a mapping with its ``actors`` and
    ``campaign``) as written (0 for ``mode: shift``).

    Raises ``ValueError`` with the fix for a target that names nothing, a date lever not in
    ``shift`` mode, or ``set`` targets with different current values.
    """
    if not lever.on_campaign:
        target = parse_scenario_target(lever.target[0], scenario)
        if target.actor != lever.actor:
            raise ValueError(
                f"lever {lever.name!r}: target {lever.target[0]!r} belongs to {target.actor!r}, "
                f"not to the lever's actor {lever.actor!r}; an actor pulls its own levers"
            )
        current = scenario_value(target, scenario)
        return 0.0 if lever.mode == "shift" else current
    if _campaign_of(scenario) is None:
        raise ValueError(
            f"lever {lever.name!r} targets the campaign but the scenario has none; add a "
            "'campaign:' section or target actors.<ACTOR>..."
        )
    values = [campaign_value(t, scenario) for t in lever.target]
    if any(isinstance(v, date) for v in values) and lever.mode != "shift":
        raise ValueError(
            f"lever {lever.name!r} moves a date; use 'mode: shift' (the value is in weeks)"
        )
    if lever.mode == "shift":
        return 0.0
    numbers = [float(v) for v in values if not isinstance(v, date)]
    if max(numbers) - min(numbers) > 1e-12:
        raise ValueError(
            f"lever {lever.name!r} sets targets whose current values differ "
            f"({', '.join(f'{v:g}' for v in numbers)}); use 'mode: shift'"
        )
    return numbers[0]


def campaign_changes(lever: Lever, value: float, campaign: Any) -> list[Change]:
    """The changes (:class:`~detente.spec.paths.Change`, paths into the campaign) of a
    campaign lever set to ``value``, for :func:`detente.scenario.edit.edit_campaign`: a
    number set (or shifted), a date moved by whole weeks, a true/false set by 0/1."""
    out = []
    for path in lever.target:
        current = campaign_value(path, campaign)
        new: float | bool | date
        if isinstance(current, date):
            new = current + timedelta(weeks=round(value))
        elif isinstance(current, bool):
            new = (float(current) + value if lever.mode == "shift" else value) >= 0.5
        else:
            new = float(current + value if lever.mode == "shift" else value)
        out.append(Change(Path.parse(path).in_campaign(), new))
    return out


def _check_against_scenario(levers: list[Lever], info: ValidationInfo) -> list[Lever]:
    """Every lever has a unique name, a known actor and targets that resolve.

    A baseline outside ``[low, high]`` is allowed (a what-if may move the scenario's value);
    :class:`ResolvedLever` then widens the range to include it."""
    data = info.data
    if "actors" not in data or "campaign" not in data:
        return levers  # an earlier field failed; its own error is reported
    actors = {a.name: a for a in data["actors"]}
    scenario = {k: data.get(k) for k in ("issues", "actors", CAMPAIGN)}
    seen: set[str] = set()
    for k, lever in enumerate(levers):
        where = f"levers[{k}] ({lever.name})"
        if lever.name in seen:
            raise ValueError(f"{where}: duplicate lever name; give each lever a unique name")
        seen.add(lever.name)
        if lever.actor not in actors:
            raise ValueError(
                f"{where}: unknown actor {lever.actor!r}; use one of: {', '.join(actors)}"
            )
        try:
            lever_baseline(lever, scenario)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    return levers


Levers = Annotated[list[Lever], AfterValidator(_check_against_scenario)]
"""The scenario's ``levers:`` field: a list of :class:`Lever`, checked against the scenario."""


@dataclass(frozen=True)
class ResolvedLever:
    """A lever of one scenario with its baseline (its value as the scenario is written).

    ``low`` and ``high`` include the baseline (DECISIONS LEV-12)."""

    lever: Lever
    baseline: float

    @property
    def name(self) -> str:
        return self.lever.name

    @property
    def low(self) -> float:
        """The lever's low end, or the baseline when that lies below it."""
        return min(self.lever.low, self.baseline)

    @property
    def high(self) -> float:
        """The lever's high end, or the baseline when that lies above it."""
        return max(self.lever.high, self.baseline)

    def cost(self, value: float | np.ndarray) -> Any:
        return self.lever.cost(value, self.baseline)

    def to_dict(self) -> dict[str, Any]:
        lv = self.lever
        return {
            "name": lv.name,
            "target": lv.target,
            "mode": lv.mode,
            "baseline": self.baseline,
            "low": self.low,
            "high": self.high,
            "step": lv.step,
            "cost_per_unit": lv.cost_per_unit,
            "note": lv.note,
        }
