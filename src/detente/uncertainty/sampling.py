"""Draws of a whole scenario as arrays: every number that carries a distribution, sampled.

:func:`uncertain_numbers` lists the scenario's uncertain numbers in a fixed order (issues'
status quo, then per actor its capability and, issue by issue, position, salience and
issue-specific capability). A draw maps a row of uniform numbers ``u`` in [0, 1), one per
uncertain number, through each distribution's quantile function (:func:`from_unit`); Monte
Carlo draws take ``u`` from a seeded :class:`numpy.random.Generator` (:func:`draw`), Sobol'
analysis from SALib's Saltelli design. Draws are vectorised: one array axis, no Python loop
over draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from detente.errors import DetenteError
from detente.scenario.schema import SALIENCE_MAX, Scenario, Sourced
from detente.uncertainty.distributions import Distribution

Field = Literal["position", "salience", "capability", "status_quo"]

DEFAULT_SPREAD = {"salience": 10.0, "position": 0.10, "capability": 0.20}
"""The default band of :func:`with_default_spread`: salience ± 10 points, position ± 10 % of
the issue's scale width, capability ± 20 % (relative), each uniform and clipped to the field's
valid range. Status quo values are left fixed (they are usually facts, e.g. a line of contact)."""


@dataclass(frozen=True)
class UncertainNumber:
    """One scenario number with a distribution, and the array cells it fills.

    ``name`` is a stable dotted path: ``"Russia.capability"``, ``"Russia.territory.salience"``,
    ``"territory.status_quo"``. ``bounds`` is the field's valid range (a normal is truncated
    to it). ``cells`` are the (actor, issue) cells of the (actors, issues) arrays it sets, or
    issue indices ``(-1, i)`` for a status quo.
    """

    name: str
    field: Field
    distribution: Distribution
    value: float
    bounds: tuple[float, float]
    cells: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ScenarioDraws:
    """``n`` draws of a scenario as arrays.

    Shapes: ``position``, ``salience``, ``capability``: (n, actors, issues), ``position``
    NaN where an actor takes no stance; ``status_quo``: (n, issues), NaN where unknown;
    ``scale``: (issues, 2). ``values`` maps each uncertain number's name to its (n,) draws
    (how evaluators other than the outcome models, e.g. a war model, read their parameters).
    """

    actors: list[str]
    issues: list[str]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    status_quo: np.ndarray
    scale: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.position.shape[0])


def uncertain_numbers(scenario: Scenario) -> list[UncertainNumber]:
    """Every number of ``scenario`` that carries a distribution, in the fixed order."""
    issues = scenario.issue_names
    out: list[UncertainNumber] = []

    def add(name: str, fld: Field, num: Sourced | None, bounds: tuple[float, float],
            cells: list[tuple[int, int]]) -> None:  # fmt: skip
        if num is not None and num.distribution is not None:
            out.append(
                UncertainNumber(name, fld, num.distribution, num.value, bounds, tuple(cells))
            )

    for i, issue in enumerate(scenario.issues):
        add(f"{issue.name}.status_quo", "status_quo", issue.status_quo, issue.scale, [(-1, i)])
    for a, actor in enumerate(scenario.actors):
        general = [
            (a, i)
            for i, name in enumerate(issues)
            if actor.stances.get(name) is None or actor.stances[name].capability is None
        ]
        add(f"{actor.name}.capability", "capability", actor.capability, (0.0, math.inf), general)
        for i, issue in enumerate(scenario.issues):
            st = actor.stances.get(issue.name)
            if st is None:
                continue
            prefix = f"{actor.name}.{issue.name}"
            add(f"{prefix}.position", "position", st.position, issue.scale, [(a, i)])
            add(f"{prefix}.salience", "salience", st.salience, (0.0, SALIENCE_MAX), [(a, i)])
            add(f"{prefix}.capability", "capability", st.capability, (0.0, math.inf), [(a, i)])
    return out


def from_unit(
    scenario: Scenario, unit: np.ndarray, numbers: list[UncertainNumber] | None = None
) -> ScenarioDraws:
    """Draws from uniform numbers ``unit`` of shape (n, len(numbers)), one column per number."""
    numbers = uncertain_numbers(scenario) if numbers is None else numbers
    unit = np.asarray(unit, dtype=float)
    if unit.ndim != 2 or unit.shape[1] != len(numbers):
        raise ValueError(f"unit must be (n, {len(numbers)}), got {unit.shape}")
    n = unit.shape[0]
    base = scenario.arrays()
    arrays = {
        "position": np.repeat(base.position[None], n, axis=0),
        "salience": np.repeat(base.salience[None], n, axis=0),
        "capability": np.repeat(base.capability[None], n, axis=0),
    }
    status_quo = np.repeat(base.status_quo[None], n, axis=0)
    values: dict[str, np.ndarray] = {}
    for j, num in enumerate(numbers):
        x = num.distribution.ppf(unit[:, j], *num.bounds)
        values[num.name] = x
        if num.field == "status_quo":
            status_quo[:, num.cells[0][1]] = x
            continue
        target = arrays[num.field]
        for a, i in num.cells:
            target[:, a, i] = x
    return ScenarioDraws(
        actors=base.actors,
        issues=base.issues,
        position=arrays["position"],
        salience=arrays["salience"],
        capability=arrays["capability"],
        status_quo=status_quo,
        scale=base.scale,
        values=values,
    )


def draw(scenario: Scenario, n: int, rng: np.random.Generator) -> ScenarioDraws:
    """``n`` Monte Carlo draws of ``scenario`` from the generator ``rng``.

    The uniforms are one ``rng.random((n, P))`` call, P the number of uncertain numbers, so
    the first ``m`` draws from a fresh generator are the same whatever ``n >= m`` is.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator, e.g. np.random.default_rng(0)")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    numbers = uncertain_numbers(scenario)
    return from_unit(scenario, rng.random((n, len(numbers))), numbers)


def with_default_spread(
    scenario: Scenario,
    *,
    salience: float = DEFAULT_SPREAD["salience"],
    position: float = DEFAULT_SPREAD["position"],
    capability: float = DEFAULT_SPREAD["capability"],
) -> Scenario:
    """``scenario`` with a uniform band on every position, salience and capability that has
    no distribution of its own (see :data:`DEFAULT_SPREAD`); values stay where they were."""

    def band(num: dict[str, Any], lo: float, hi: float, bounds: tuple[float, float]) -> None:
        if "distribution" in num:
            return
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
        num["distribution"] = {"kind": "uniform", "params": [lo, hi]}

    data = scenario.model_dump(mode="python", exclude_none=True)
    scales = {i.name: i.scale for i in scenario.issues}
    for actor in data["actors"]:
        c = actor["capability"]["value"]
        band(actor["capability"], c * (1 - capability), c * (1 + capability), (0.0, math.inf))
        for issue_name, st in actor["stances"].items():
            lo, hi = scales[issue_name]
            x, s = st["position"]["value"], st["salience"]["value"]
            width = position * (hi - lo)
            band(st["position"], x - width, x + width, (lo, hi))
            band(st["salience"], s - salience, s + salience, (0.0, SALIENCE_MAX))
            if "capability" in st:
                c = st["capability"]["value"]
                band(st["capability"], c * (1 - capability), c * (1 + capability), (0, math.inf))
    try:
        return Scenario.model_validate(data)
    except Exception as exc:  # pragma: no cover - the bands are valid by construction
        raise DetenteError(f"could not add the default spread: {exc}") from None
