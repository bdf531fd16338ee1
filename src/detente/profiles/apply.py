"""A saved profile applied to the models' inputs: what ``--profile FILE`` does.

:func:`profile_to_parameters` gives the parameters a profile sets; this module says where
each one goes (docs/profiles.md, "Into the models") and returns what it changed, so that the
commands can show it:

* ``cheap_talk_weight`` → the campaign's ``cheap_talk_weight`` (``detente simulate``). Both
  are the exponent *w* of a tempered likelihood, ``b'_θ ∝ b_θ L_θ^w``
  (:func:`detente.war.beliefs.cheap_talk_update`; Grünwald & van Ommen 2017), so the
  value is copied as it is. The profile is read as the record of the campaign's *mediator*:
  its statements are the cheap talk the belligerents weigh.
* ``type_prior_spread`` → the prior over the mediator's types (``detente simulate``). The
  spread *s* is an SD on a 0-1 type scale; a belief that knows nothing (uniform on [0, 1])
  has SD 1/√12, so ``α = min(1, √12 · s)`` is the profile's uncertainty as a share of
  complete ignorance, and the prior moves that share of the way to uniform:
  ``p'_θ = (1 - α) p_θ + α / K``.
* ``position_shift`` → the profiled actor's positions (``detente forecast``). The profiled
  actor is the scenario actor whose record the profile is (the profile's ``dyad.source``);
  on every issue where it and the target actor (``dyad.target``) both take a stance, its
  position moves ``shift`` points of a 0-100 scale (rescaled to the issue's scale) towards
  the target's position when positive, away from it when negative; never past the target's
  position nor off the scale.

Every number is set by its :class:`~detente.spec.paths.Path` through
:func:`detente.scenario.edit.edit` (or its campaign twin): the result is validated again (a
value the scenario refuses is a one-line error naming the profile), and a number that has a
distribution keeps it, moved with the number.

References
----------
Grünwald, P., & van Ommen, T. (2017). Inconsistency of Bayesian inference for misspecified
linear models, and a proposal for repairing it. *Bayesian Analysis* 12(4), 1069-1103.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import DetenteError
from detente.profiles.mapping import load_mapping, profile_to_parameters
from detente.profiles.profile import load_profile
from detente.scenario.edit import edit, edit_campaign
from detente.spec.campaign import Campaign
from detente.spec.paths import CAMPAIGN, Change
from detente.spec.paths import Path as SpecPath
from detente.spec.scenario import Scenario

UNIFORM_SD = 1.0 / math.sqrt(12.0)
"""SD of the uniform distribution on [0, 1]: a type prior that knows nothing."""
CAMPAIGN_PARAMETERS = frozenset({"cheap_talk_weight", "type_prior_spread"})
"""What ``detente simulate`` uses of a profile."""
SCENARIO_PARAMETERS = frozenset({"position_shift"})
"""What ``detente forecast`` uses of a profile."""


@dataclass(frozen=True)
class Applied:
    """One change a profile made: the profile parameter, its value, what it set, the value
    before and after (as shown to the user)."""

    parameter: str
    value: float
    target: str
    before: str
    after: str
    paths: tuple[str, ...] = ()
    """The :class:`~detente.spec.paths.Path` of each number it set (as in a what-if)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "value": round(self.value, 4),
            "target": self.target,
            "before": self.before,
            "after": self.after,
            "paths": list(self.paths),
        }


@dataclass(frozen=True)
class ProfileInput:
    """A saved profile read for a command: the file, its dyad and the parameters it sets."""

    path: str
    source: str
    target: str
    parameters: dict[str, float]

    @property
    def dyad(self) -> str:
        return f"{self.source}→{self.target}"


def read_profile_input(path: str | Path, mapping: str | Path | None = None) -> ProfileInput:
    """Read a saved profile and map it to parameters (shipped mapping unless given)."""
    doc = load_profile(path)
    dyad = doc.get("dyad") or {}
    if doc.get("kind") == "leader":
        source, target = str(doc.get("leader", "")), ""
    else:
        source, target = str(dyad.get("source", "")), str(dyad.get("target", ""))
    params = profile_to_parameters(doc, load_mapping(mapping))
    return ProfileInput(path=str(path), source=source, target=target, parameters=params)


def _note(profile: ProfileInput, parameter: str, value: float) -> str:
    return f"set by profile {Path(profile.path).name} ({profile.dyad}): {parameter} = {value:.4g}"


def _source(profile: ProfileInput) -> str:
    return f"profile {Path(profile.path).name}"


def apply_to_campaign(campaign: Campaign, profile: ProfileInput) -> tuple[Campaign, list[Applied]]:
    """The campaign with the profile's ``cheap_talk_weight`` and ``type_prior_spread``
    applied (see the module docstring), and what changed. The profile is read as the record
    of the campaign's mediator (DECISIONS WAR-19).

    The numbers are set through :func:`~detente.scenario.edit.edit_campaign`: validated
    again, each keeping its distribution (moved with it).

    Raises
    ------
    DetenteError
        One line, when a value the profile gives is refused by the campaign.
    """
    applied: list[Applied] = []
    changes: list[Change] = []
    params = profile.parameters
    if "cheap_talk_weight" in params:
        w = params["cheap_talk_weight"]
        path = SpecPath.of(CAMPAIGN, "cheap_talk_weight")
        note = _note(profile, "cheap_talk_weight", w)
        changes.append(Change(path, w, note=note, keep_distribution=True))
        applied.append(
            Applied(
                "cheap_talk_weight",
                w,
                str(path)
                + ("" if campaign.cheap_talk else " (no cheap talk is scheduled: no effect)"),
                f"{campaign.cheap_talk_weight.value:.3g}",
                f"{w:.3g}",
                (str(path),),
            )
        )
    if "type_prior_spread" in params:
        s = params["type_prior_spread"]
        alpha = min(1.0, s / UNIFORM_SD)
        types = campaign.mediator.types
        before = {n: t.prior.value for n, t in types.items()}
        after = {n: (1.0 - alpha) * p + alpha / len(types) for n, p in before.items()}
        note = _note(profile, "type_prior_spread", s) + f", {alpha:.2f} towards uniform"
        paths = {n: SpecPath.of(CAMPAIGN, "mediator", "types", n, "prior") for n in after}
        changes += [
            Change(paths[n], p, note=note, keep_distribution=True) for n, p in after.items()
        ]
        applied.append(
            Applied(
                "type_prior_spread",
                s,
                f"campaign.mediator.types.*.prior ({alpha:.2f} of the way to uniform)",
                ", ".join(f"{n} {p:.3f}" for n, p in before.items()),
                ", ".join(f"{n} {p:.3f}" for n, p in after.items()),
                tuple(str(p) for p in paths.values()),
            )
        )
    return edit_campaign(campaign, changes, source=_source(profile)), applied


def _actor(scenario: Scenario, name: str, role: str, option: str) -> str:
    names = [a.name for a in scenario.actors]
    for n in names:
        if n.casefold() == name.casefold():
            return n
    raise DetenteError(
        f"no actor {name!r} in {scenario.name} for the profile's {role}; name it with "
        f"{option} (one of: {', '.join(names)})",
        where=option,
    )


def apply_to_scenario(
    scenario: Scenario,
    profile: ProfileInput,
    *,
    actor: str | None = None,
    target: str | None = None,
) -> tuple[Scenario, list[Applied]]:
    """The scenario with the profile's ``position_shift`` applied to the profiled actor
    (default: the actor named like the profile's ``dyad.source``) towards the target actor
    (default: named like ``dyad.target``), and what changed (DECISIONS WAR-20).

    Raises
    ------
    DetenteError
        When the actor or the target is not in the scenario, naming the option to give.
    """
    shift = profile.parameters.get("position_shift")
    if shift is None:
        return scenario, []
    who = _actor(scenario, actor or profile.source, "source (profiled actor)", "--profile-actor")
    whom = _actor(scenario, target or profile.target, "target", "--profile-target")
    by_name = {a.name: a for a in scenario.actors}
    applied: list[Applied] = []
    changes: list[Change] = []
    for issue_name, stance in by_name[who].stances.items():
        other = by_name[whom].stances.get(issue_name)
        if other is None:
            continue
        path = SpecPath.of("actors", who, "stances", issue_name, "position")
        bounds = path.bounds(scenario)
        lo, hi = bounds.lo, bounds.hi
        here, there = stance.position.value, other.position.value
        step = shift * (hi - lo) / 100.0
        toward = math.copysign(1.0, there - here) if there != here else 0.0
        moved = here + toward * step  # step < 0 moves away from the target
        if step > 0:  # never past the target
            moved = min(moved, there) if toward > 0 else max(moved, there)
        moved = min(max(moved, lo), hi)
        note = _note(profile, "position_shift", shift) + f" towards {whom}"
        changes.append(Change(path, moved, note=note, keep_distribution=True))
        applied.append(
            Applied(
                "position_shift",
                shift,
                f"{who}: position on {issue_name} (towards {whom})",
                f"{here:.4g}",
                f"{moved:.4g}",
                (str(path),),
            )
        )
    return edit(scenario, changes, source=_source(profile)), applied


def unused(profile: ProfileInput, used: frozenset[str]) -> list[Applied]:
    """Rows for the parameters a command does not use (shown, so nothing is silent)."""
    return [
        Applied(name, value, "not used by this command", "-", "-")
        for name, value in profile.parameters.items()
        if name not in used
    ]


__all__ = [
    "CAMPAIGN_PARAMETERS",
    "SCENARIO_PARAMETERS",
    "Applied",
    "ProfileInput",
    "apply_to_campaign",
    "apply_to_scenario",
    "read_profile_input",
    "unused",
]
