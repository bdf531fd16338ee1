"""Levers against the war-termination model: aid, sanctions, riposte, offer terms, dates.

Every evaluation solves the campaign by backward induction and simulates ``draws`` paths
with the same seed (common random numbers across options), so evaluations are few and
chosen in this order (a documented enumeration, ``docs/levers.md``):

1. the baseline, and each lever alone at its low and at its high end (the tornado view);
2. each lever's *favourable side* is the end that moves the metric towards the goal; a
   lever that moves it at neither end is left at its baseline;
3. "all in": every favourable lever at its favourable end. If that misses the goal, the
   goal is reported unreachable (given the favourable sides) with the closest option;
4. otherwise every combination of the favourable levers' grid values between baseline and
   favourable end that is cheaper than the cheapest hit so far is evaluated cheapest first,
   ``workers`` at a time, until one meets the goal: the first hit is the cheapest on the
   grid. Two screens skip combinations without evaluating them: one that moves no lever
   further (on the same side) than a combination already seen to miss (for monotone levers
   it misses too), and one that would miss even if each lever it moves gave its whole
   end-of-range effect and the effects added up (an additive screen: a strongly
   super-additive pair of levers can be missed). With ``max_evals``, at most that many
   evaluations are spent in all, and the best option found so far is reported if the cap is
   hit (a note says so); by default there is no cap: the enumeration is finite, and a capped
   answer is only an upper bound on the cheapest cost (DECISIONS LEV-9, LEV-13).

P(reach): for ``territory_km2`` the share of paths whose area meets the threshold; for the
probabilities the normal approximation ``Φ(±(p̂ - threshold) / se)`` with the Monte Carlo
standard error of ``p̂`` (paths for P(deal) and P(escalation), deals for P(holds);
DECISIONS LEV-10).
"""

from __future__ import annotations

import itertools
import math
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import numpy as np
from scipy.special import ndtr

from detente.errors import DetenteError
from detente.levers.goals import Goal
from detente.levers.result import Option
from detente.levers.tornado import TornadoBar
from detente.scenario.edit import edit_campaign
from detente.spec.campaign import ESCALATION, Campaign
from detente.spec.levers import ResolvedLever, campaign_changes
from detente.spec.paths import Change
from detente.uncertainty.backends import worker_pool
from detente.war.hazard import resumption_hazard
from detente.war.model import SOLVER, deal_terms
from detente.war.simulate import simulate

DEFAULT_MAX_EVALS: int | None = None
"""No cap on war-model evaluations: as many as the goal needs (DECISIONS LEV-13)."""
Setting = tuple[float, ...]


def campaign_metric(
    goal: Goal, campaign: Campaign, draws: int, seed: int
) -> tuple[float | None, float | None]:
    """Solve (memoised: :data:`~detente.war.model.SOLVER`) and simulate ``campaign``; the
    goal's metric and P(reach) (see module doc)."""
    solution, _ = SOLVER.solve(campaign)
    paths = simulate(solution, draws, np.random.default_rng(seed))
    n = paths.n_paths
    done = paths.deal_week >= 0
    if goal.metric == "territory_km2":
        t = campaign.horizon_weeks if goal.arg is None else _weeks_to(campaign, goal.arg)
        area = paths.territory[:, t]
        hits = area <= goal.threshold if goal.relation == "<=" else area >= goal.threshold
        return float(np.median(area)), float(hits.mean())
    if goal.metric == "p_holds":
        if not done.any():
            return None, 0.0
        # DECISIONS LEV-11: the campaign's own resumption hazard, conditional on a deal
        hazard = resumption_hazard(campaign)
        p = hazard.p_holds(deal_terms(solution.arrays, paths), float(goal.arg or 0))
        se = float(p.std(ddof=1) / math.sqrt(p.size)) if p.size > 1 else 0.0
        return float(p.mean()), _confidence(goal, float(p.mean()), se)
    if goal.metric == "p_deal_by":
        t = _weeks_to(campaign, goal.arg or "")
        value = float((done & (paths.deal_week < t)).mean())
    else:  # p_escalation
        value = float((paths.intensity == ESCALATION).any(axis=1).mean())
    return value, _confidence(goal, value, math.sqrt(value * (1 - value) / n))


def _weeks_to(campaign: Campaign, when: str) -> int:
    """Whole weeks from the start to ``when`` (the report's P(deal by date) convention)."""
    days = (date.fromisoformat(when) - campaign.start).days
    return min(campaign.horizon_weeks, days // 7)


def _confidence(goal: Goal, value: float, se: float) -> float:
    gap = value - goal.threshold if goal.relation == ">=" else goal.threshold - value
    if se <= 0:
        return 1.0 if gap >= 0 else 0.0
    return float(ndtr(gap / se))


def _evaluate(args: tuple[Goal, Campaign, int, int]) -> tuple[float | None, float | None]:
    return campaign_metric(*args)


class CampaignLevers:
    """An actor's campaign levers, evaluated by solving and simulating the war model.

    Parameters
    ----------
    campaign, goal, levers
        The campaign, a war-model goal and the actor's levers (only campaign levers kept).
    draws, seed
        Paths per evaluation and their seed (the same for every option).
    workers
        Processes evaluating options at once (1: in this process).
    """

    def __init__(
        self,
        campaign: Campaign,
        goal: Goal,
        levers: list[ResolvedLever],
        *,
        draws: int,
        seed: int,
        workers: int,
    ) -> None:
        self.campaign = campaign
        self.goal = goal
        self.levers = [lv for lv in levers if lv.lever.on_campaign]
        if not self.levers:
            raise DetenteError(
                f"the actor has no campaign lever, so nothing it can pull moves {goal.metric}; "
                "declare one under 'levers:' with a 'campaign.' target or pick an issue goal",
                where="--goal",
            )
        self.draws, self.seed, self.workers = draws, seed, workers
        self.cache: dict[Setting, tuple[float | None, float | None]] = {}
        self.base: Setting = tuple(lv.baseline for lv in self.levers)
        self.pool: ProcessPoolExecutor | None = None

    def _campaign(self, setting: Setting) -> Campaign:
        changes: list[Change] = []
        for lv, v in zip(self.levers, setting, strict=True):
            if v != lv.baseline:
                changes += campaign_changes(lv.lever, v, self.campaign)
        if not changes:
            return self.campaign
        try:
            return edit_campaign(self.campaign, changes, source=None)
        except DetenteError as exc:
            raise DetenteError(
                f"a lever setting makes the campaign invalid ({exc.where}: {exc.message}); "
                "narrow that lever's low/high",
                where="levers",
            ) from None

    def run(self, settings: list[Setting]) -> None:
        """Evaluate the settings not yet in the cache (in parallel when ``workers`` > 1)."""
        todo = list(dict.fromkeys(s for s in settings if s not in self.cache))
        if not todo:
            return
        jobs = [(self.goal, self._campaign(s), self.draws, self.seed) for s in todo]
        if self.pool is not None and len(jobs) > 1:
            results = list(self.pool.map(_evaluate, jobs))
        else:
            results = [_evaluate(job) for job in jobs]
        self.cache.update(zip(todo, results, strict=True))

    def option(self, setting: Setting, method: str) -> Option:
        value, p = self.cache[setting]
        changes = {
            lv.name: v for lv, v in zip(self.levers, setting, strict=True) if v != lv.baseline
        }
        cost = float(sum(lv.cost(v) for lv, v in zip(self.levers, setting, strict=True)))
        return Option(
            changes, cost, value, self.goal.met(value), self.goal.shortfall(value), method, p
        )

    def _with(self, j: int, v: float) -> Setting:
        s = list(self.base)
        s[j] = v
        return tuple(s)

    def search(
        self, budget: float | None, max_evals: int | None = DEFAULT_MAX_EVALS
    ) -> tuple[Option, list[Option], list[TornadoBar], list[str]]:
        """Baseline option, options evaluated, tornado bars and notes (see the module doc)."""
        if self.workers > 1:
            self.pool = worker_pool(self.workers)
        try:
            return self._search(budget, max_evals)
        finally:
            if self.pool is not None:
                self.pool.shutdown()
                self.pool = None

    def _search(
        self, budget: float | None, max_evals: int | None
    ) -> tuple[Option, list[Option], list[TornadoBar], list[str]]:
        ends = [(self._with(j, lv.low), self._with(j, lv.high))
                for j, lv in enumerate(self.levers)]  # fmt: skip
        self.run([self.base, *itertools.chain.from_iterable(ends)])
        baseline = self.option(self.base, "baseline")
        bars = [
            TornadoBar(lv.name, lv.low, lv.high, self.cache[lo][0], self.cache[hi][0])
            for lv, (lo, hi) in zip(self.levers, ends, strict=True)
        ]
        notes: list[str] = []
        favourable: dict[int, float] = {}
        for j, (lo, hi) in enumerate(ends):
            best = max((lo, hi), key=lambda s: self._progress(self.option(s, "")))
            if self._progress(self.option(best, "")) > self._progress(baseline):
                favourable[j] = best[j]
        evaluated = [self.option(s, "one lever at an end") for s in itertools.chain(*ends)]
        if not favourable or baseline.meets:
            return baseline, evaluated, bars, notes
        all_in = list(self.base)
        for j, v in favourable.items():
            all_in[j] = v
        self.run([tuple(all_in)])
        evaluated.append(self.option(tuple(all_in), "all favourable levers at their ends"))
        if not evaluated[-1].meets:
            notes.append("no lever combination on the favourable sides meets the goal")
            return baseline, evaluated, bars, notes
        axes = []
        for j, lv in enumerate(self.levers):
            grid = lv.lever.grid(lv.baseline)
            if j in favourable:
                near, far = sorted((lv.baseline, favourable[j]))
                axes.append([float(v) for v in grid if near <= v <= far])
            else:
                axes.append([lv.baseline])
        combos = sorted(itertools.product(*axes), key=lambda s: (self._cost(s), s))
        hits = [o.cost for o in evaluated if o.meets]
        limit = min([*hits, math.inf if budget is None else budget + 1e-9])
        failed = [s for s in self.cache if not self.option(s, "").meets]
        todo = [
            s
            for s in combos
            if self._cost(s) < limit and s not in self.cache and self._may_reach(s, favourable)
        ]
        while todo:
            todo = [s for s in todo if not any(self._dominated(s, f) for f in failed)]
            batch = todo[: max(1, self.workers)]
            if not batch:
                break
            if max_evals is not None and len(self.cache) + len(batch) > max_evals:
                notes.append(
                    f"search stopped after {len(self.cache)} evaluations (--max-evals); "
                    "a cheaper combination may exist"
                )
                break
            self.run(batch)
            found = [self.option(s, "enumeration by cost") for s in batch]
            evaluated += found
            if any(o.meets for o in found):
                break
            failed += batch
            todo = todo[len(batch) :]
        return baseline, evaluated, bars, notes

    def _may_reach(self, setting: Setting, favourable: dict[int, float]) -> bool:
        """Additive screen: whether the goal is within reach if every lever the setting moves
        gave its whole end-of-range effect and the effects added up."""
        base = self.cache[self.base][0]
        if base is None:
            return True
        total = base
        for j, v in enumerate(setting):
            if v == self.base[j]:
                continue
            end = self.cache[self._with(j, favourable[j])][0]
            if end is None:
                return True
            total += end - base
        return self.goal.met(total)

    def _dominated(self, setting: Setting, failure: Setting) -> bool:
        """Whether every lever of ``setting`` moves no further from its baseline than in
        ``failure`` (same side): a monotone lever then misses the goal too."""
        return all(
            (v - b) * (f - b) >= 0 and abs(v - b) <= abs(f - b) + 1e-12
            for v, f, b in zip(setting, failure, self.base, strict=True)
        )

    def _progress(self, opt: Option) -> tuple[float, float]:
        """How good an option is for the goal: smaller shortfall, then a better value."""
        if opt.value is None:
            return (-math.inf, -math.inf)
        direction = -1.0 if self.goal.relation == "<=" else 1.0
        return (-opt.shortfall, direction * opt.value)

    def _cost(self, setting: Setting) -> float:
        return float(sum(lv.cost(v) for lv, v in zip(self.levers, setting, strict=True)))

    @property
    def evaluations(self) -> int:
        return len(self.cache)


def default_workers() -> int:
    """Processes for campaign evaluations: the machine's cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))
