"""Scenarios: the validated input of every model, the readers and writers for it, and the
one way to change its numbers (:func:`edit`, by :class:`~detente.spec.paths.Path`)."""

from detente.scenario.builtin import builtin_names
from detente.scenario.edit import edit, edit_campaign
from detente.scenario.io import (
    from_frame,
    load_scenario,
    parse_bdm_csv,
    parse_ktab_csv,
    parse_text,
    parse_yaml,
    to_frame,
    to_yaml,
)
from detente.spec.scenario import Actor, Issue, Scenario, ScenarioArrays, Sourced, Stance

__all__ = [
    "Actor",
    "Issue",
    "Scenario",
    "ScenarioArrays",
    "Sourced",
    "Stance",
    "builtin_names",
    "edit",
    "edit_campaign",
    "from_frame",
    "load_scenario",
    "parse_bdm_csv",
    "parse_ktab_csv",
    "parse_text",
    "parse_yaml",
    "to_frame",
    "to_yaml",
]
