"""Scenarios: the validated input of every model, and the readers and writers for it."""

from detente.scenario.builtin import builtin_names
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
    "from_frame",
    "load_scenario",
    "parse_bdm_csv",
    "parse_ktab_csv",
    "parse_text",
    "parse_yaml",
    "to_frame",
    "to_yaml",
]
