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
   one at a time (with workers, several at once but kept as if one at a time), until one
   meets the goal: the first hit is the cheapest on the grid. Two screens skip combinations
   without evaluating them: one that moves no lever further (on the same side) than a
   combination already seen to miss (for monotone levers it misses too), and one that
   would miss even if each lever it moves gave its whole end-of-range effect and the
   effects added up (an additive screen: a strongly super-additive pair of levers can be
   missed). With ``max_evals``, at most that many
   evaluations are spent in all, and the best option found so far is reported if the cap is
   hit (a note says so); by default there is no cap: the enumeration is finite, and a capped
   answer is only an upper bound on the cheapest cost (DECISIONS LEV-9, LEV-13).

With ``workers`` > 1 the evaluations of a stage are shared out at once between that many
forkserver processes (DECISIONS UNC-12) and this process, which evaluates instead of waiting
(also while the workers start, in a thread, the forkserver preloading the war model,
:data:`PRELOAD`), and the all-in setting is guessed and evaluated alongside the last ends
(used only if the guess is right). Which process evaluates what does not change the answer
(DECISIONS LEV-14).

P(reach): for ``territory_km2`` the share of paths whose area meets the threshold; for the
probabilities the normal approximation ``Φ(±(p̂ - threshold) / se)`` with the Monte Carlo
standard error of ``p̂`` (paths for P(deal) and P(escalation), deals for P(holds);
DECISIONS LEV-10).
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from datetime import date

import numpy as np
from scipy.special import ndtr

from detente.errors import DetenteError
from detente.levers.goals import Goal
from detente.levers.result import Option
from detente.levers.tornado import TornadoBar
from detente.scenario.edit import edit_campaign
from detente.spec.campaign import ESCALATION, Campaign, campaign_hash
from detente.spec.levers import ResolvedLever, campaign_changes
from detente.spec.paths import Change
from detente.uncertainty.backends import worker_pool
from detente.war.hazard import resumption_hazard
from detente.war.model import SOLVER, deal_terms, solve_campaign
from detente.war.simulate import simulate

DEFAULT_MAX_EVALS: int | None = None
"""No cap on war-model evaluations: as many as the goal needs (DECISIONS LEV-13)."""
Setting = tuple[float, ...]
Metric = tuple[float | None, float | None]
Job = tuple[Goal, Campaign, int, int, bool]
"""Goal, campaign, paths, seed, and whether to keep a new solution in the memo."""
Guess = Callable[[dict[Setting, Metric]], Setting | None]
"""Given the results so far, a setting worth evaluating ahead (or None: not yet, or none)."""
PRELOAD = (
    "__main__",
    "detente.levers.war",
    "detente.war.model",
    "detente.war.solver",
    "detente.war.commitment",
    "detente.war.simulate",
    "detente.durability.hazard",
    "detente.uncertainty.allocator",
    "threadpoolctl",
)
"""Modules the forkserver imports once, before it forks a worker: the main script (which a
worker would otherwise run again) and everything an evaluation imports, the resumption
hazard's pandas included (~0.5 s of CPU a worker otherwise pays on its first evaluation;
DECISIONS LEV-14)."""


def campaign_metric(
    goal: Goal, campaign: Campaign, draws: int, seed: int, *, keep: bool = True
) -> Metric:
    """Solve (memoised: :data:`~detente.war.model.SOLVER`) and simulate ``campaign``; the
    goal's metric and P(reach) (see module doc). With ``keep`` false a solution not in the
    memo is not added to it: the search's workers keep none of theirs (up to 80 MB each, and
    a new solve then reuses the freed memory instead of faulting in more; LEV-14)."""
    if keep:
        solution, _ = SOLVER.solve(campaign)
    else:
        key = campaign_hash(campaign)
        found = SOLVER.cached(campaign, key)
        solution = found if found is not None else (SOLVER.runner or solve_campaign)(campaign)
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


def _evaluate(job: Job) -> Metric:
    goal, campaign, draws, seed, keep = job
    return campaign_metric(goal, campaign, draws, seed, keep=keep)


def _share_out(
    pool: ProcessPoolExecutor,
    workers: int,
    starting: threading.Thread | None,
    jobs: list[Job],
    plan: Callable[[dict[int, Metric]], Job | None] | None = None,
) -> list[Metric]:
    """``jobs`` evaluated on the pool and in this process at once, in order of the list: a
    feeder thread keeps ``workers`` of them in flight on the pool (once ``starting``, the
    thread starting the pool, is done) while this process evaluates the next one itself
    instead of waiting (DECISIONS LEV-14). ``plan``, called with the results so far (by
    index) whenever a process finds no job left, may add one more job, once; its result
    comes last. The results do not depend on who evaluated what."""
    queue = deque(enumerate(jobs))
    lock = threading.Lock()
    results: dict[int, Metric] = {}
    failed: list[BaseException] = []
    planned = plan is None

    def take() -> tuple[int, Job] | None:
        nonlocal planned
        with lock:
            if failed:
                return None
            if queue:
                return queue.popleft()
            if not planned and plan is not None:  # a process would idle: plan now
                extra = plan(dict(results))
                if extra is not None:
                    planned = True
                    return (len(jobs), extra)
            return None

    def record(i: int, result: Metric) -> None:
        with lock:
            results[i] = result

    def feed() -> None:
        try:
            if starting is not None:
                starting.join()
            flying: dict[Future[Metric], int] = {}
            while not failed:
                if len(flying) < workers and (item := take()) is not None:
                    flying[pool.submit(_evaluate, item[1])] = item[0]
                    continue
                if not flying:
                    return  # this process takes whatever a later result plans
                done, _ = wait(flying, return_when=FIRST_COMPLETED)
                for future in done:
                    i = flying.pop(future)
                    error = future.exception()
                    if error is not None:
                        failed.append(error)  # this process stops taking jobs too
                        return
                    record(i, future.result())
        except BaseException as exc:  # re-raised in the calling thread
            failed.append(exc)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        while True:
            while (item := take()) is not None:
                record(item[0], _evaluate(item[1]))
            feeder.join(0.01)
            if failed or (not feeder.is_alive() and not queue):
                break
    except BaseException:
        failed.append(RuntimeError("stopped"))  # the feeder sends no more
        raise
    if failed:
        raise failed[0]
    return [results[i] for i in range(len(results))]


def _start(pool: ProcessPoolExecutor, workers: int) -> None:
    """Start the pool's workers (a worker starts on a submit that finds none idle). A pool
    that fails to start fails again on the search's first submit, which reports it."""
    try:
        for _ in range(workers):
            pool.submit(os.getpid)
    except Exception:  # re-raised by the next submit
        pass


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
        self.cache: dict[Setting, Metric] = {}
        self.base: Setting = tuple(lv.baseline for lv in self.levers)
        self.pool: ProcessPoolExecutor | None = None
        self._starting: threading.Thread | None = None
        self._ahead: dict[Setting, Metric] = {}

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

    def run(
        self,
        settings: Sequence[Setting],
        *,
        first: Sequence[Setting] = (),
        guess: Guess | None = None,
    ) -> None:
        """Evaluate the settings not yet in the cache (:meth:`evaluate`; those of ``first``
        first) and cache them, in the order of ``settings``. A setting evaluated ahead
        (``guess``) is taken from there instead."""
        todo = list(dict.fromkeys(s for s in settings if s not in self.cache))
        ahead = {s: self._ahead.pop(s) for s in todo if s in self._ahead}
        need = [s for s in todo if s not in ahead]
        order = [s for s in dict.fromkeys([*first, *need]) if s in set(need)]
        got = dict(zip(order, self.evaluate(order, guess), strict=True)) | ahead
        self.cache.update((s, got[s]) for s in todo)

    def evaluate(self, settings: Sequence[Setting], guess: Guess | None = None) -> list[Metric]:
        """The settings' metrics, not cached: all at once, on the pool and in this process
        (:func:`_share_out`), when there is a pool; else one by one in this process. With a
        pool, ``guess`` (given the results so far) may name one more setting to evaluate
        ahead, kept aside for :meth:`run` (never counted unless it is asked for)."""
        pooled = self.pool is not None

        def job(s: Setting) -> Job:
            return (self.goal, self._campaign(s), self.draws, self.seed, not pooled)

        jobs = [job(s) for s in settings]
        if self.pool is None:
            return [_evaluate(j) for j in jobs]
        extra: list[Setting] = []

        def plan(done: dict[int, Metric]) -> Job | None:
            assert guess is not None
            s = guess({settings[i]: m for i, m in done.items() if i < len(settings)})
            if s is None or s in self.cache or s in settings:
                return None
            try:
                ahead = job(s)
            except DetenteError:  # left to the search to report, if it gets there
                return None
            extra.append(s)
            return ahead

        got = _share_out(
            self.pool, self.workers, self._starting, jobs, None if guess is None else plan
        )
        if extra:
            self._ahead[extra[0]] = got[len(settings)]
        return got[: len(settings)]

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
            self.pool = worker_pool(self.workers, PRELOAD)
            self._starting = threading.Thread(
                target=_start, args=(self.pool, self.workers), daemon=True
            )
            self._starting.start()
        try:
            return self._search(budget, max_evals)
        finally:
            if self._starting is not None:
                self._starting.join()
                self._starting = None
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
                self.pool = None

    def _search(
        self, budget: float | None, max_evals: int | None
    ) -> tuple[Option, list[Option], list[TornadoBar], list[str]]:
        ends = [(self._with(j, lv.low), self._with(j, lv.high))
                for j, lv in enumerate(self.levers)]  # fmt: skip
        firsts = [lo if lo != self.base else hi for lo, hi in ends]
        self.run(
            [self.base, *itertools.chain.from_iterable(ends)],
            first=[self.base, *firsts],
            guess=self._all_in_guess(ends, firsts),
        )
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
        # as if one at a time (what a single process does), however many run at once: a
        # batch's results after its first hit, or screened by an earlier miss of the batch,
        # are dropped unrecorded (DECISIONS LEV-14)
        slots = 1 if self.pool is None else self.workers + 1
        while todo:
            todo = [s for s in todo if not any(self._dominated(s, f) for f in failed)]
            room = slots if max_evals is None else min(slots, max_evals - len(self.cache))
            if not todo:
                break
            if room < 1:
                notes.append(
                    f"search stopped after {len(self.cache)} evaluations (--max-evals); "
                    "a cheaper combination may exist"
                )
                break
            batch = todo[:room]
            results = self.evaluate(batch)
            hit = False
            for setting, result in zip(batch, results, strict=True):
                if any(self._dominated(setting, f) for f in failed):
                    continue
                self.cache[setting] = result
                evaluated.append(self.option(setting, "enumeration by cost"))
                if evaluated[-1].meets:
                    hit = True
                    break
                failed.append(setting)
            if hit:
                break
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

    def _all_in_guess(self, ends: list[tuple[Setting, Setting]], firsts: list[Setting]) -> Guess:
        """The "all in" setting guessed from the results in when a process would idle, so
        that it runs alongside the last ends (LEV-14): a lever with both ends in by the
        search's own rule; one with only its first end in at that end if it moves the metric
        towards the goal there, else (as one with no end in yet) at its baseline. A wrong
        guess costs an unused evaluation; the search then evaluates the right one after the
        ends."""

        def progress(metric: Metric) -> tuple[float, float]:
            value = metric[0]
            if value is None:
                return (-math.inf, -math.inf)
            direction = -1.0 if self.goal.relation == "<=" else 1.0
            return (-self.goal.shortfall(value), direction * value)

        def guess(done: dict[Setting, Metric]) -> Setting | None:
            if self.base not in done or self.goal.met(done[self.base][0]):
                return None  # not yet, or no "all in" (the baseline meets the goal)
            base = progress(done[self.base])
            setting = list(self.base)
            for j, (first, (lo, hi)) in enumerate(zip(firsts, ends, strict=True)):
                other = hi if first == lo else lo
                if first not in done:
                    continue
                if other in done:  # both ends in (or the other one is the baseline)
                    best = max((lo, hi), key=lambda s: progress(done[s]))
                    if progress(done[best]) > base:
                        setting[j] = best[j]
                    continue
                if progress(done[first]) > base:
                    setting[j] = first[j]
            return tuple(setting)

        return guess

    def _cost(self, setting: Setting) -> float:
        return float(sum(lv.cost(v) for lv, v in zip(self.levers, setting, strict=True)))

    @property
    def evaluations(self) -> int:
        return len(self.cache)


def default_workers() -> int:
    """Processes for campaign evaluations: the machine's cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))
