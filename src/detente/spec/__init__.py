"""The spec layer: detente's validated inputs, importing only pydantic and numpy.

A :class:`~detente.spec.scenario.Scenario` (actors, issues, stances), its numbers
(:class:`~detente.spec.numbers.Sourced`, with :mod:`~detente.spec.distributions`), the war
model's :class:`~detente.spec.campaign.Campaign`, the :mod:`~detente.spec.levers` and the
:class:`~detente.spec.paths.Path` that names any of their numbers. Every
other layer builds on it; it imports none of them (an import-linter contract in
``pyproject.toml``; DECISIONS SPEC-1). Validation here reads no file: files a scenario names
are resolved by :mod:`detente.scenario.resolve` (DECISIONS SPEC-2).
"""

from detente.spec.campaign import Campaign
from detente.spec.distributions import Distribution
from detente.spec.levers import Lever, Levers
from detente.spec.numbers import Number, Range, Sourced
from detente.spec.paths import Change, Path, PathError, walk
from detente.spec.scenario import Actor, Issue, Scenario, ScenarioArrays, Stance

__all__ = [
    "Actor",
    "Campaign",
    "Change",
    "Distribution",
    "Issue",
    "Lever",
    "Levers",
    "Number",
    "Path",
    "PathError",
    "Range",
    "Scenario",
    "ScenarioArrays",
    "Sourced",
    "Stance",
    "walk",
]
