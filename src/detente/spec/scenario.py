"""The scenario: actors, issues, and each actor's position and salience on each issue.

A scenario is the one input of every model. It is validated once, here, so that models can
trust it: names are unique, every number is finite, saliences are non-negative, positions lie
on their issue's scale. Any number can carry a source/rationale note, written in YAML either
as a bare number or as ``{value: 42, note: "why 42"}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Annotated, ClassVar

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from detente.paths import docs_page
from detente.spec.campaign import Campaign
from detente.spec.display import Display, listed
from detente.spec.distributions import check_range
from detente.spec.levers import Levers
from detente.spec.numbers import ON_ISSUE_SCALE, Number, Range, Sourced
from detente.spec.rules import COLLECTIVE, DecisionRule
from detente.wording import plural

__all__ = [
    "Actor",
    "DecisionRule",
    "Issue",
    "Number",
    "Scenario",
    "ScenarioArrays",
    "Sourced",
    "Stance",
    "StatedGap",
]

SALIENCE_MAX = 100.0
ZERO_OR_MORE = Range(0.0, math.inf, "it must be zero or more", fix="keep it zero or more")
Capability = Annotated[Number, ZERO_OR_MORE]
Salience = Annotated[Number, ZERO_OR_MORE, Range(0.0, SALIENCE_MAX, "salience is on a 0-100 scale")]
OnScale = Annotated[Number, ON_ISSUE_SCALE]
"""A position or a status quo: on its issue's scale (checked by :class:`Scenario` and
:class:`Issue`, whose messages name the actor and the issue)."""


class Issue(BaseModel):
    """One issue: a one-dimensional scale whose two ends are labelled in words.

    The scale is 0-100 unless written otherwise; salience is always 0-100 (DECISIONS SCN-1).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Short identifier, e.g. 'territory'.")
    description: str = ""
    low_label: str = Field("", description="What the low end of the scale means.")
    high_label: str = Field("", description="What the high end of the scale means.")
    scale: tuple[float, float] = (0.0, 100.0)
    status_quo: OnScale | None = Field(
        None, description="Status quo / reference point on the scale, where known."
    )
    decision: DecisionRule | None = Field(
        None,
        description="How the issue is decided (DECISIONS SCN-8); default: the scenario's "
        "veto_players, else collective.",
    )

    @field_validator("scale")
    @classmethod
    def _ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        lo, hi = v
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ValueError("scale must be [low, high] with finite low < high, e.g. [0, 100]")
        return v

    @model_validator(mode="after")
    def _status_quo_on_scale(self) -> Issue:
        if self.status_quo is not None and not self.on_scale(self.status_quo.value):
            raise ValueError(
                f"status_quo {self.status_quo.value:g} is off the scale "
                f"[{self.scale[0]:g}, {self.scale[1]:g}]; put it inside the scale"
            )
        if self.status_quo is not None:
            try:
                check_range(self.status_quo.distribution, *self.scale, "keep it inside the scale")
            except ValueError as exc:
                raise ValueError(f"status_quo: {exc}") from None
        return self

    def on_scale(self, x: float) -> bool:
        """Whether ``x`` lies on the issue's scale, ends included.

        Parameters
        ----------
        x : float
            A position or outcome.
        """
        return self.scale[0] <= x <= self.scale[1]


class Stance(BaseModel):
    """An actor's position on an issue, how much it cares (salience), and optionally its
    clout: its leverage over this issue's outcome, in the unit of the actors' general
    capabilities, which it replaces on this issue (Bueno de Mesquita 1994, 2009; DECISIONS
    SCN-7).

    ``position`` is the *operative* position, the one every model uses: the outcome the actor
    presses for as the evidence shows it. Where the actor's publicly *stated* position differs
    (a maximal opening demand, a principle it does not act on), ``stated`` records it, with its
    source; it is reported beside the position (``detente show``), never modelled (DECISIONS
    SCN-10)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    position: OnScale
    salience: Salience
    clout: Capability | None = Field(
        None, description="Leverage over this issue's outcome; default: the actor's capability."
    )
    stated: OnScale | None = Field(
        None,
        description="The publicly stated position where it differs from the operative "
        "'position' the models use (DECISIONS SCN-10); reported, not modelled.",
    )

    @field_validator("stated")
    @classmethod
    def _stated_is_fixed(cls, v: Sourced | None) -> Sourced | None:
        if v is not None and v.distribution is not None:
            raise ValueError(
                "is reported, not modelled, so it takes no distribution; give its value and "
                "note, and put the uncertainty on the position"
            )
        return v

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: object) -> object:
        # DECISIONS SCN-7: a stance's issue-specific 'capability' became 'clout'
        if isinstance(data, dict) and "capability" in data:
            raise ValueError(
                "a stance's 'capability' is now 'clout' (the actor's leverage on this issue, "
                "DECISIONS SCN-7); rename the key"
            )
        return data


class Actor(BaseModel):
    """A party to the negotiation, with its general capability (power resources)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    capability: Capability
    stances: dict[str, Stance] = Field(
        default_factory=dict, description="Stance per issue name; an actor may skip an issue."
    )


class Scenario(Display, BaseModel):
    """A negotiation: who takes part, over what, and where each party stands.

    Prints as a short summary (name, title, actors, issues with their scales, campaign;
    :class:`~detente.spec.display.Display`); ``model_dump()`` gives every field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    path_label: ClassVar[str] = "the scenario"
    """How a path into the scenario names it (:class:`detente.spec.paths.Path`)."""

    name: str = Field(min_length=1)
    title: str = ""
    description: str = ""
    as_of: date | None = Field(None, description="The date the scenario describes.")
    sources: list[str] = Field(default_factory=list)
    issues: list[Issue]
    actors: list[Actor]
    # DECISIONS SCN-6: the decision rule of every issue that declares none
    veto_players: list[str] = Field(
        default_factory=list,
        description="Actors whose consent any deal needs (in a war: the belligerents): the "
        "decision rule of every issue without its own 'decision'.",
    )
    campaign: Campaign | None = Field(
        None, description=f"The war-termination model's campaign ({docs_page('war_model')})."
    )
    levers: Levers = Field(
        default_factory=list,
        description=f"What each actor can change, with bounds and costs ({docs_page('levers')}).",
    )
    # DECISIONS LEV-4: one cost unit for the whole scenario, named by its author
    lever_cost_unit: str = Field(
        "cost points",
        max_length=200,
        description="The unit of the levers' costs and of a budget, e.g. 'points of "
        "political capital (100 = everything the actor could spend)'.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if not self.issues:
            raise ValueError("the scenario has no issues; add at least one under 'issues'")
        if not self.actors:
            raise ValueError("the scenario has no actors; add at least one under 'actors'")
        _require_unique([i.name for i in self.issues], "issue", "issues")
        _require_unique([a.name for a in self.actors], "actor", "actors")
        actor_names = {a.name for a in self.actors}
        for v, name in enumerate(self.veto_players):
            if name not in actor_names:
                raise FieldError(
                    f"veto_players names unknown actor {name!r}; use one of: "
                    + ", ".join(sorted(actor_names)),
                    ("veto_players", v),
                )
        issues = {i.name: i for i in self.issues}
        for a, actor in enumerate(self.actors):
            for issue_name, stance in actor.stances.items():
                at: tuple[int | str, ...] = ("actors", a, "stances", issue_name)
                issue = issues.get(issue_name)
                if issue is None:
                    raise FieldError(
                        f"actor {actor.name!r} has a stance on unknown issue {issue_name!r}; "
                        f"use one of: {', '.join(issues)}",
                        at,
                    )
                if not issue.on_scale(stance.position.value):
                    raise FieldError(
                        f"actor {actor.name!r}, issue {issue_name!r}: position "
                        f"{stance.position.value:g} is off the scale "
                        f"[{issue.scale[0]:g}, {issue.scale[1]:g}]; put it inside the scale",
                        (*at, "position"),
                    )
                try:
                    check_range(stance.position.distribution, *issue.scale, "keep it on the scale")
                except ValueError as exc:
                    where = f"actor {actor.name!r}, issue {issue_name!r}: position"
                    raise FieldError(f"{where}: {exc}", (*at, "position")) from None
                if stance.stated is not None and not issue.on_scale(stance.stated.value):
                    raise FieldError(
                        f"actor {actor.name!r}, issue {issue_name!r}: stated position "
                        f"{stance.stated.value:g} is off the scale "
                        f"[{issue.scale[0]:g}, {issue.scale[1]:g}]; put it inside the scale",
                        (*at, "stated"),
                    )
        for i, item in enumerate(self.issues):
            if item.decision is not None:
                try:
                    _check_rule(item, item.decision, self.actors)
                except ValueError as exc:
                    raise FieldError(str(exc), ("issues", i, "decision")) from None
        for i, issue in enumerate(self.issues):
            if not any(issue.name in a.stances for a in self.actors):
                raise FieldError(
                    f"issue {issue.name!r} has no actor with a stance on it; "
                    "give at least one actor a position and salience",
                    ("issues", i),
                )
        return self

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        issues = [f"{i.name} [{i.scale[0]:g}, {i.scale[1]:g}]" for i in self.issues]
        facts: list[tuple[str, object]] = [("title", self.title or "-")]
        facts += [("as of", self.as_of)] if self.as_of is not None else []
        facts += [
            (plural(len(self.actors), "actor"), listed(self.actor_names)),
            (plural(len(self.issues), "issue"), listed(issues)),
            ("campaign", self.campaign is not None),
            ("levers", len(self.levers)),
        ]
        return f"Scenario {self.name!r}", facts

    def __str__(self) -> str:
        return Display.__str__(self)

    @property
    def actor_names(self) -> list[str]:
        return [a.name for a in self.actors]

    @property
    def issue_names(self) -> list[str]:
        return [i.name for i in self.issues]

    def issue(self, name: str) -> Issue:
        """The issue called ``name``.

        Parameters
        ----------
        name : str
            The issue's name.

        Raises
        ------
        KeyError
            No issue has that name.
        """
        for issue in self.issues:
            if issue.name == name:
                return issue
        raise KeyError(name)

    def decision_rule(self, issue: str) -> DecisionRule:
        """The issue's own ``decision``; else veto by the scenario's ``veto_players`` (those
        with a stance on the issue); else collective (DECISIONS SCN-6, SCN-8).

        Parameters
        ----------
        issue : str
            The issue's name.
        """
        own = self.issue(issue).decision
        if own is not None:
            return own
        present = [a.name for a in self.actors if issue in a.stances]
        vetoes = [name for name in self.veto_players if name in present]
        return DecisionRule(rule="veto", veto_players=vetoes) if vetoes else COLLECTIVE

    def stated_gaps(self) -> list[StatedGap]:
        """Every stance whose stated position is given, in actor then issue order: the stated
        and the operative position and the gap between them (DECISIONS SCN-10)."""
        return [
            StatedGap(
                actor=actor.name,
                issue=issue.name,
                stated=stance.stated.value,
                operative=stance.position.value,
            )
            for actor in self.actors
            for issue in self.issues
            if (stance := actor.stances.get(issue.name)) is not None and stance.stated is not None
        ]

    def arrays(self) -> ScenarioArrays:
        """The scenario as numpy arrays (actors × issues), the form models compute on."""
        n_a, n_i = len(self.actors), len(self.issues)
        position = np.full((n_a, n_i), np.nan)
        salience = np.zeros((n_a, n_i))
        capability = np.zeros((n_a, n_i))
        for a, actor in enumerate(self.actors):
            capability[a, :] = actor.capability.value
            for i, issue in enumerate(self.issues):
                stance = actor.stances.get(issue.name)
                if stance is None:
                    continue
                position[a, i] = stance.position.value
                salience[a, i] = stance.salience.value
                if stance.clout is not None:
                    capability[a, i] = stance.clout.value
        status_quo = np.array(
            [np.nan if i.status_quo is None else i.status_quo.value for i in self.issues]
        )
        scale = np.array([i.scale for i in self.issues], dtype=float)
        return ScenarioArrays(
            actors=self.actor_names,
            issues=self.issue_names,
            position=position,
            salience=salience,
            capability=capability,
            status_quo=status_quo,
            scale=scale,
        )


@dataclass(frozen=True)
class StatedGap:
    """An actor's stated and operative position on an issue (DECISIONS SCN-10).

    ``gap`` is operative minus stated, in the issue's scale units: how far the position the
    models use lies from the public one, and on which side.
    """

    actor: str
    issue: str
    stated: float
    operative: float

    @property
    def gap(self) -> float:
        return self.operative - self.stated


@dataclass(frozen=True)
class ScenarioArrays:
    """A scenario as arrays. ``position`` is NaN where an actor takes no stance on an issue.

    ``capability`` is each actor's clout on the issue where it has one, else its general
    capability (DECISIONS SCN-7). Shapes: ``position``, ``salience``, ``capability``: (actors,
    issues);
    ``status_quo``: (issues,), NaN where unknown; ``scale``: (issues, 2).
    """

    actors: list[str]
    issues: list[str]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    status_quo: np.ndarray
    scale: np.ndarray


def _check_rule(issue: Issue, rule: DecisionRule, actors: list[Actor]) -> None:
    """Every actor the issue's rule names exists; every veto player takes a stance on it."""
    where = f"issue {issue.name!r}, decision"
    names = {a.name for a in actors}
    for field, named in (("veto_players", rule.veto_players), ("weights", rule.weights or {})):
        for name in named:
            if name not in names:
                raise ValueError(
                    f"{where}: {field} names unknown actor {name!r}; use one of: "
                    + ", ".join(sorted(names))
                )
    present = {a.name for a in actors if issue.name in a.stances}
    for name in rule.veto_players:
        if name not in present:
            raise ValueError(
                f"{where}: veto player {name!r} takes no stance on {issue.name!r}; "
                "give it a position and salience there, or drop it"
            )
    if rule.weights is not None and not any(
        w > 0 and name in present for name, w in rule.weights.items()
    ):
        raise ValueError(
            f"{where}: no voter with a weight above zero takes a stance on {issue.name!r}; "
            "give a weight to an actor that takes part"
        )


class FieldError(ValueError):
    """A cross-field check's failure with the place it concerns (``loc``, a field path below
    the model that raised it), so that the message can name the right YAML line."""

    def __init__(self, message: str, loc: tuple[int | str, ...]) -> None:
        super().__init__(message)
        self.loc = loc


def _require_unique(names: list[str], kind: str, field: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise FieldError(
                f"duplicate {kind} {name!r}; give each {kind} a unique name", (field, i, "name")
            )
        seen.add(name)
