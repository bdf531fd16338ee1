"""Levers against an outcome model's prediction on one issue.

For every non-empty subset of the actor's levers on the goal's issue (all subsets up to
:data:`MAX_SUBSET_LEVERS` levers, otherwise each lever alone and all together) the cheapest
setting that meets the goal is found:

* **compromise model, continuous levers, at most one position and one weight lever**: in
  closed form (:mod:`detente.levers.closed_form`);
* **otherwise**: enumeration of the levers' grid (steps of a discrete lever, 21 points of a
  continuous one, fewer when many levers combine), every grid point solved at once through
  the vectorised model evaluators of the sweep machinery; from the cheapest grid point that
  meets the goal each continuous lever is then moved back towards its baseline as far as the
  goal allows (``scipy.optimize.brentq`` on the goal's margin along that lever; DECISIONS
  LEV-7).

When no setting meets the goal within the budget the closest grid point within the budget is
reported instead. With draws, every option is also solved on Monte Carlo draws of the
scenario (its distributions, or the default ±band of ``sweep --spread`` when it has none) and
``p_reach`` is the share of draws in which the goal is met (DECISIONS LEV-10).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from scipy.optimize import brentq

from detente.errors import DetenteError
from detente.levers.closed_form import Box, cheapest_change
from detente.levers.goals import Goal
from detente.levers.result import Option
from detente.models.base import IssueDraws, IssueProblem, OutcomeModel, issue_problems
from detente.models.compromise import Compromise
from detente.spec.levers import GRID_POINTS, ResolvedLever, ScenarioTarget, parse_scenario_target
from detente.spec.scenario import Scenario
from detente.uncertainty.sampling import ScenarioDraws, draw, uncertain_numbers, with_default_spread

MAX_SUBSET_LEVERS = 4
MAX_GRID = 4000


class IssueLevers:
    """An actor's levers acting on one issue of a scenario, under one outcome model.

    Parameters
    ----------
    scenario, model, goal
        The scenario, the outcome model and an issue goal.
    actor
        The actor pulling the levers.
    levers
        The actor's levers (those not acting on the goal's issue are dropped).
    """

    def __init__(
        self,
        scenario: Scenario,
        model: OutcomeModel,
        goal: Goal,
        actor: str,
        levers: list[ResolvedLever],
    ) -> None:
        self.model = model
        self.goal = goal
        self.problem: IssueProblem = dict(issue_problems(scenario))[goal.metric]
        self.issue_index = scenario.issue_names.index(goal.metric)
        if actor not in self.problem.actors:
            raise DetenteError(
                f"{actor!r} takes no stance on {goal.metric!r}, so its levers cannot move it; "
                "pick an issue it takes part in",
                where="--goal",
            )
        self.k = self.problem.actors.index(actor)
        actors = {a.name: a for a in scenario.actors}
        stance = actors[actor].stances[goal.metric]
        self.levers: list[ResolvedLever] = []
        self.targets: list[ScenarioTarget] = []
        for lv in levers:
            if lv.lever.on_campaign:
                continue
            target = parse_scenario_target(lv.lever.target[0], scenario)
            general = target.issue is None and stance.clout is None
            if target.issue == goal.metric or general:
                self.levers.append(lv)
                self.targets.append(target)
        if not self.levers:
            raise DetenteError(
                f"{actor!r} has no lever on {goal.metric!r} (its own position, salience or "
                "clout there); declare one under 'levers:' or pick another goal",
                where="--goal",
            )
        self.index = {name: i for i, name in enumerate(scenario.actor_names)}
        self.present = np.array([self.index[a] for a in self.problem.actors])
        self.evaluations = 0

    # --- evaluation ---------------------------------------------------------------------------

    def _arrays(
        self, settings: np.ndarray, which: list[int], base: tuple[np.ndarray, ...]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos, sal, cap = (np.array(a, dtype=float) for a in base)
        fields = {"position": pos, "salience": sal, "clout": cap, "capability": cap}
        for col, j in enumerate(which):
            lv, target = self.levers[j], self.targets[j]
            arr = fields[target.field]
            if lv.lever.mode == "shift":
                arr[:, self.k] = arr[:, self.k] + settings[:, col]
            else:
                arr[:, self.k] = settings[:, col]
        return pos, sal, cap

    def outcomes(self, settings: np.ndarray, which: list[int]) -> np.ndarray:
        """The model's outcome for each row of ``settings`` (columns: levers ``which``)."""
        m = settings.shape[0]
        p = self.problem
        base = tuple(np.tile(a, (m, 1)) for a in (p.position, p.salience, p.capability))
        pos, sal, cap = self._arrays(settings, which, base)
        self.evaluations += m
        return self.model.solve_draws(IssueDraws(p, pos, sal, cap, np.full(m, p.status_quo)))

    def on_draws(self, setting: dict[str, float], draws: ScenarioDraws) -> np.ndarray:
        """The outcome on every draw with the levers in ``setting`` (name -> value) applied."""
        which = [j for j, lv in enumerate(self.levers) if lv.name in setting]
        values = np.array([[setting[self.levers[j].name] for j in which]])
        i = self.issue_index
        base = (
            draws.position[:, self.present, i],
            draws.salience[:, self.present, i],
            draws.capability[:, self.present, i],
        )
        pos, sal, cap = self._arrays(np.repeat(values, draws.n, axis=0), which, base)
        return self.model.solve_draws(
            IssueDraws(self.problem, pos, sal, cap, draws.status_quo[:, i])
        )

    # --- search -------------------------------------------------------------------------------

    def baseline_outcome(self) -> float:
        return float(self.outcomes(np.zeros((1, 0)), [])[0])

    def subsets(self) -> list[list[int]]:
        n = len(self.levers)
        if n <= MAX_SUBSET_LEVERS:
            return [list(c) for r in range(1, n + 1) for c in itertools.combinations(range(n), r)]
        return [[j] for j in range(n)] + [list(range(n))]

    def search(self, which: list[int], budget: float | None) -> list[Option]:
        """The cheapest setting of levers ``which`` that meets the goal (and, when none does
        within the budget, the closest setting within it)."""
        found: list[Option] = []
        exact = self._closed_form(which)
        if exact is not None:
            found.append(exact)
        grid, outcomes, costs = self._grid(which)
        shortfall = np.array([self.goal.shortfall(float(y)) for y in outcomes])
        meets = shortfall <= 1e-9 * self.goal.scale
        if exact is None and meets.any():
            j = int(np.argmin(np.where(meets, costs, np.inf)))
            found.append(self._refine(which, grid[j]))
        affordable = costs <= (math.inf if budget is None else budget + 1e-9)
        if not any(o.meets and (budget is None or o.cost <= budget + 1e-9) for o in found):
            order = np.lexsort((costs, np.where(affordable, shortfall, np.inf)))
            j = int(order[0])
            if affordable[j]:
                found.append(self._option(which, grid[j], "enumeration (closest)"))
        return found

    def _option(self, which: list[int], setting: np.ndarray, method: str) -> Option:
        y = float(self.outcomes(setting[None, :], which)[0])
        changes = {
            self.levers[j].name: float(v)
            for j, v in zip(which, setting, strict=True)
            if abs(v - self.levers[j].baseline) > 1e-12
        }
        cost = float(sum(self.levers[j].cost(v) for j, v in zip(which, setting, strict=True)))
        return Option(changes, cost, y, self.goal.met(y), self.goal.shortfall(y), method)

    def _grid(self, which: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        continuous = [j for j in which if self.levers[j].lever.step is None]
        fixed = math.prod(
            len(self.levers[j].lever.grid(self.levers[j].baseline))
            for j in which
            if j not in continuous
        )
        points = GRID_POINTS
        if continuous:
            points = max(5, min(GRID_POINTS, int((MAX_GRID / fixed) ** (1 / len(continuous)))))
        axes = [self.levers[j].lever.grid(self.levers[j].baseline, points) for j in which]
        grid = np.array(list(itertools.product(*axes)), dtype=float)
        costs = sum(self.levers[j].cost(grid[:, c]) for c, j in enumerate(which))
        return grid, self.outcomes(grid, which), np.asarray(costs, dtype=float)

    def _margin(self, which: list[int]) -> Callable[[np.ndarray], float]:
        sign = 1.0 if self.goal.relation == "<=" else -1.0

        def margin(setting: np.ndarray) -> float:
            y = float(self.outcomes(setting[None, :], which)[0])
            return sign * (self.goal.threshold - y)

        return margin

    def _refine(self, which: list[int], start: np.ndarray) -> Option:
        """Move each continuous lever back towards its baseline as far as the goal allows."""
        margin = self._margin(which)
        setting = start.copy()
        tol = 1e-9 * self.goal.scale
        for col, j in enumerate(which):
            lv = self.levers[j]
            if lv.lever.step is not None or setting[col] == lv.baseline:
                continue
            far = setting[col]

            def along(
                lam: float, col: int = col, far: float = far, base: float = lv.baseline
            ) -> float:
                trial = setting.copy()
                trial[col] = base + lam * (far - base)
                return margin(trial) + tol

            if along(0.0) >= 0:
                setting[col] = lv.baseline
                continue
            lam = float(brentq(along, 0.0, 1.0, xtol=1e-12))
            while along(lam) < 0 and lam < 1.0:
                lam = min(1.0, lam + 1e-10)
            setting[col] = lv.baseline + lam * (far - lv.baseline)
        return self._option(which, setting, "enumeration + brentq")

    def _closed_form(self, which: list[int]) -> Option | None:
        if type(self.model) is not Compromise:
            return None
        levers = [self.levers[j] for j in which]
        fields = [self.targets[j].field for j in which]
        if any(lv.lever.step is not None or lv.lever.mode != "set" for lv in levers):
            return None
        weight_fields = [f for f in fields if f != "position"]
        if fields.count("position") > 1 or len(weight_fields) > 1:
            return None
        p, k = self.problem, self.k
        others = np.arange(len(p.actors)) != k
        pos_box, lever_box, multiplier = Box.fixed(float(p.position[k])), None, 1.0
        for lv, fld in zip(levers, fields, strict=True):
            box = Box(lv.baseline, lv.low, lv.high, lv.lever.cost_per_unit)
            if fld == "position":
                pos_box = box
            else:
                lever_box = box
                multiplier = float(p.capability[k] if fld == "salience" else p.salience[k])
        if lever_box is None:
            lever_box = Box.fixed(float(p.salience[k]))
            multiplier = float(p.capability[k])
        change = cheapest_change(
            p.position[others],
            p.weight[others],
            pos_box,
            lever_box,
            multiplier,
            self.goal.threshold,
            upper=self.goal.relation == "<=",
            tolerance=1e-9 * self.goal.scale,
        )
        if change is None:
            return None
        setting = np.array(
            [change.position if f == "position" else change.lever for f in fields], dtype=float
        )
        return self._option(which, setting, "closed form")


def search_issue(
    scenario: Scenario,
    model: OutcomeModel,
    goal: Goal,
    actor: str,
    levers: list[ResolvedLever],
    *,
    budget: float | None,
    draws: int,
    seed: int,
) -> tuple[Goal, Option, list[Option], IssueLevers]:
    """Search every lever subset; returns the (resolved) goal, the baseline option, all
    options found (with ``p_reach`` when ``draws`` > 0) and the evaluator."""
    space = IssueLevers(scenario, model, goal, actor, levers)
    y0 = space.baseline_outcome()
    if goal.closest:
        goal = replace(goal, relation=">=" if y0 < goal.threshold else "<=")
        space.goal = goal
    baseline = Option({}, 0.0, y0, goal.met(y0), goal.shortfall(y0), "baseline")
    options = [opt for which in space.subsets() for opt in space.search(which, budget)]
    if draws > 0:
        spread = scenario if uncertain_numbers(scenario) else with_default_spread(scenario)
        sample = draw(spread, draws, np.random.default_rng(seed))

        def p_reach(opt: Option) -> Option:
            ys = space.on_draws(opt.changes, sample)
            return replace(opt, p_reach=float(np.mean([goal.met(float(y)) for y in ys])))

        baseline = p_reach(baseline)
        options = [p_reach(o) for o in options]
    return goal, baseline, options, space
