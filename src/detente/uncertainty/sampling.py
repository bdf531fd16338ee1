"""Draws of a whole scenario as arrays: every number that carries a distribution, sampled.

:func:`uncertain_numbers` lists the scenario's uncertain numbers in a fixed order (issues'
status quo, then per actor its capability and, issue by issue, position, salience and
clout on the issue). A draw maps a row of uniform numbers ``u`` in [0, 1), one per
uncertain number, through each distribution's quantile function (:func:`from_unit`); Monte
Carlo draws take ``u`` from a seeded :class:`numpy.random.Generator` (:func:`draw`), Sobol'
analysis from SALib's Saltelli design. Draws are vectorised: one array axis, no Python loop
over draws. One sampling path for both (DECISIONS UNC-3).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import yaml

from detente.errors import DetenteError
from detente.scenario.edit import edit_campaign
from detente.scenario.validation import validate_scenario
from detente.spec.campaign import Campaign
from detente.spec.distributions import Distribution, as_number
from detente.spec.numbers import Sourced
from detente.spec.paths import CAMPAIGN, Path, PathError, walk
from detente.spec.scenario import Scenario

Field = Literal["position", "salience", "capability", "status_quo", "campaign"]
STANCE_FIELDS: tuple[tuple[str, Field], ...] = (
    ("position", "position"), ("salience", "salience"), ("clout", "capability"),
)  # fmt: skip
"""A stance's numbers and the array each one fills (a clout fills the capability's)."""

CAMPAIGN_PREFIX = "campaign."

DEFAULT_SPREAD = {"salience": 10.0, "position": 0.10, "capability": 0.20}
"""The default band of :func:`with_default_spread`: salience ± 10 points, position ± 10 % of
the issue's scale width, capability ± 20 % (relative), each uniform and clipped to the field's
valid range. Status quo values are left fixed (they are usually facts, e.g. a line of contact).
Used only for a scenario with no distribution at all (DECISIONS UNC-7)."""


def quantiles(
    dist: Distribution, u: np.ndarray, lo: float = -math.inf, hi: float = math.inf
) -> np.ndarray:
    """The quantile function of ``dist`` at ``u`` in [0, 1): draws when ``u`` is uniform.

    ``lo, hi`` is the field's valid range; a normal is truncated to it (and to its
    ``truncate``). Other kinds lie inside it by validation.
    """
    u = np.asarray(u, dtype=float)
    v = dist.params
    if dist.kind == "uniform":
        return np.asarray(v[0] + u * (v[1] - v[0]))
    if dist.kind == "triangular":
        a, m, b = v
        if b == a:
            return np.full(u.shape, a)
        c = (m - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (m - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - m))
        return np.asarray(np.where(u < c, left, right))
    if dist.kind == "choice":
        cum = np.cumsum(dist.probabilities())
        idx = np.minimum(np.searchsorted(cum, u, side="right"), len(v) - 1)
        return np.asarray(np.asarray(v, dtype=float)[idx])
    mean, sd = v
    if sd == 0:
        return np.full(u.shape, mean)
    if dist.truncate is not None:
        lo, hi = max(lo, dist.truncate[0]), min(hi, dist.truncate[1])
    from scipy.special import ndtr, ndtri  # loads in 0.1 s: only for normal draws (PERF-2)

    a = ndtr((lo - mean) / sd) if math.isfinite(lo) else 0.0
    b = ndtr((hi - mean) / sd) if math.isfinite(hi) else 1.0
    x = mean + sd * ndtri(a + u * (b - a))
    return np.asarray(np.clip(x, lo, hi))


@dataclass(frozen=True)
class UncertainNumber:
    """One scenario number with a distribution, and the array cells it fills.

    ``path`` is the number's :class:`~detente.spec.paths.Path` in the scenario
    (``actors.Russia.stances.territory.salience``, ``campaign.<path into the campaign>``);
    ``name`` its short stable label in sweeps and the store: ``"Russia.capability"``,
    ``"Russia.territory.salience"``, ``"territory.status_quo"``, or the path itself for a
    campaign number (:func:`campaign_numbers`). ``bounds`` is the range validation accepts
    for it (:meth:`Path.bounds <detente.spec.paths.Path.bounds>`; a normal is truncated to
    it). ``cells`` are the (actor, issue) cells of the (actors, issues) arrays it sets, issue
    indices ``(-1, i)`` for a status quo, and none for a campaign number (read from
    :attr:`ScenarioDraws.values`).
    """

    name: str
    field: Field
    distribution: Distribution
    value: float
    bounds: tuple[float, float]
    cells: tuple[tuple[int, int], ...]
    path: Path


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

    def add(name: str, fld: Field, num: Sourced | None, path: Path,
            cells: list[tuple[int, int]]) -> None:  # fmt: skip
        if num is not None and num.distribution is not None:
            bounds = path.bounds(scenario).interval
            out.append(
                UncertainNumber(name, fld, num.distribution, num.value, bounds, tuple(cells), path)
            )

    for i, issue in enumerate(scenario.issues):
        add(f"{issue.name}.status_quo", "status_quo", issue.status_quo,
            Path.of("issues", issue.name, "status_quo"), [(-1, i)])  # fmt: skip
    for a, actor in enumerate(scenario.actors):
        general = [
            (a, i)
            for i, name in enumerate(issues)
            if actor.stances.get(name) is None or actor.stances[name].clout is None
        ]
        add(f"{actor.name}.capability", "capability", actor.capability,
            Path.of("actors", actor.name, "capability"), general)  # fmt: skip
        for i, issue in enumerate(scenario.issues):
            st = actor.stances.get(issue.name)
            if st is None:
                continue
            prefix = f"{actor.name}.{issue.name}"
            for fld, kind in STANCE_FIELDS:
                path = Path.of("actors", actor.name, "stances", issue.name, fld)
                add(f"{prefix}.{fld}", kind, getattr(st, fld), path, [(a, i)])
    return out


def parse_vary(text: str) -> tuple[str, Distribution]:
    """``"PATH=DISTRIBUTION"`` (the distribution in the scenario's YAML syntax) → the campaign
    path and its distribution, e.g. ``"mediator.types.t.after.riposte_probability={uniform:
    [0.2, 0.6]}"``. A leading ``campaign.`` in the path is optional.

    Raises
    ------
    DetenteError
        For text that is not ``PATH=DISTRIBUTION`` or a distribution the syntax refuses.
    """
    text_path, sep, raw = text.partition("=")
    fix = "write e.g. mediator.types.NAME.after.riposte_probability={uniform: [0.2, 0.6]}"
    try:
        path = str(Path.parse(text_path).in_campaign()) if sep else ""
    except PathError:
        path = ""
    if not sep or not path or path == CAMPAIGN:
        raise DetenteError(f"--vary {text!r} is not PATH=DISTRIBUTION; {fix}", where="--vary")
    try:
        spec = as_number(yaml.safe_load(raw))
    except (yaml.YAMLError, ValueError) as exc:
        raise DetenteError(f"--vary {path}: {exc}", where="--vary") from None
    dist = spec.get("distribution") if isinstance(spec, dict) else None
    if not isinstance(dist, Distribution):
        raise DetenteError(f"--vary {path}: {raw.strip()!r} is not a distribution; {fix}",
                           where="--vary")  # fmt: skip
    return path, dist


def campaign_distributions(campaign: Campaign) -> dict[str, Distribution]:
    """The distributions written in the campaign itself, by their
    :class:`~detente.spec.paths.Path` in the campaign (:func:`~detente.spec.paths.walk`), e.g.
    ``{"mediator.types.resolute.after.riposte_probability": Distribution(...)}``."""
    return {
        str(path): number.distribution
        for path, number in walk(campaign)
        if number.distribution is not None
    }


def campaign_numbers(campaign: Campaign, vary: Mapping[str, Distribution]) -> list[UncertainNumber]:
    """The campaign numbers to draw: each :class:`~detente.spec.paths.Path` of ``vary`` (into
    the campaign, ``campaign.`` optional) with its distribution.

    Paths are those of every what-if (e.g.
    ``mediator.types.presses_russia.after.riposte_probability``); the names are
    ``campaign.<path>``. Each must name a number of the campaign, and the campaign must accept
    the distribution's central value and the ends of its support (so a draw is never refused
    half-way through a run); draws are truncated to the number's bounds
    (:meth:`~detente.spec.paths.Path.bounds`).

    Raises
    ------
    DetenteError
        Naming the path and the fix.
    """
    out: list[UncertainNumber] = []
    for raw_path, dist in vary.items():
        fix = "give a dotted path to one, e.g. mediator.types.NAME.after.riposte_probability"
        try:
            path = Path.parse(raw_path).in_campaign()
            node = path.get(campaign)
        except PathError as exc:
            raise DetenteError(
                f"--vary {raw_path}: names no number of the campaign ({exc}); {fix}",
                where="--vary",
            ) from None
        if not isinstance(node, Sourced):
            raise DetenteError(
                f"--vary {path}: names no number of the campaign; {fix}", where="--vary"
            )
        bounds = path.bounds(campaign).interval
        lo, hi = dist.support()
        for x in {dist.central(), *(v for v in (lo, hi) if math.isfinite(v))}:
            try:
                edit_campaign(campaign, [(path, x)], source=None)
            except DetenteError as exc:
                raise DetenteError(
                    f"--vary {path}={x:g}: {exc.where} {exc.message}", where="--vary"
                ) from None
        name = path.from_scenario()
        out.append(UncertainNumber(str(name), "campaign", dist, dist.central(), bounds, (), name))
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
        x = quantiles(num.distribution, unit[:, j], *num.bounds)
        values[num.name] = x
        if num.field == "campaign":
            continue
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
    """``scenario`` with a uniform band on every position, salience, capability and clout that
    has no distribution of its own (see :data:`DEFAULT_SPREAD`), clipped to the number's bounds
    (:meth:`~detente.spec.paths.Path.bounds`); values stay where they were."""
    data = scenario.model_dump(mode="python")
    for path, number in walk(scenario):
        kind = path.segments[-1]
        if path.segments[0] != "actors" or number.distribution is not None:
            continue
        bounds = path.bounds(scenario)
        x = number.value
        if kind == "salience":
            lo, hi = x - salience, x + salience
        elif kind == "position":
            width = position * (bounds.hi - bounds.lo)
            lo, hi = x - width, x + width
        elif kind in ("capability", "clout"):
            lo, hi = x * (1 - capability), x * (1 + capability)
        else:
            continue
        lo, hi = max(lo, bounds.lo), min(hi, bounds.hi)
        path.get(data)["distribution"] = {"kind": "uniform", "params": [lo, hi]}
    return validate_scenario(data, source=f"{scenario.name} with the default spread")
