"""``advise``: the cheapest combination of an actor's levers that reaches a goal.

Issue goals go to :mod:`detente.levers.outcome` (closed form for the compromise model,
enumeration and ``brentq`` otherwise), war-model goals to :mod:`detente.levers.war`. Both
return the evaluated options; :func:`advise` ranks them, applies the budget and says whether
the goal is reached, already met, or unreachable (with the closest option).
"""

from __future__ import annotations

import math
import time

import numpy as np

from detente.errors import DetenteError
from detente.levers.goals import parse_goal
from detente.levers.outcome import search_issue
from detente.levers.result import Advice, rank, verdict
from detente.levers.tornado import TornadoBar, sort_bars
from detente.levers.war import DEFAULT_MAX_EVALS, CampaignLevers
from detente.models import get_model
from detente.paths import docs_page
from detente.spec.levers import ResolvedLever, lever_baseline
from detente.spec.scenario import Scenario

DEFAULT_MODEL = "compromise"


def advise(
    scenario: Scenario,
    actor: str,
    goal: str,
    *,
    model: str | None = None,
    budget: float | None = None,
    draws: int = 1000,
    seed: int = 0,
    workers: int = 1,
    max_evals: int | None = DEFAULT_MAX_EVALS,
) -> Advice:
    """Search ``actor``'s levers in ``scenario`` for the cheapest way to reach ``goal``.

    Parameters
    ----------
    scenario
        A scenario with ``levers:`` (and a ``campaign:`` for war-model goals).
    actor
        The actor whose levers are searched.
    goal
        A goal string (:mod:`detente.levers.goals`), e.g. ``"territory<=40"`` or
        ``"p_holds:5>=0.7"``.
    model
        Outcome model for issue goals (default ``compromise``); not used by war-model goals.
    budget
        The most the actor may spend (the levers' cost unit); ``None`` for no limit.
    draws, seed
        Monte Carlo draws of the scenario (issue goals; 0 for none) or paths of the war
        model (war-model goals), and their seed: same seed, same answer.
    workers
        Processes for war-model evaluations: above 1, that many worker processes besides
        this one (DECISIONS LEV-14); the answer is the same for any number.
    max_evals
        Cap on war-model evaluations (each a solve and a simulation); ``None`` (the
        default) for none: as many as the goal needs (DECISIONS LEV-13).

    Raises
    ------
    DetenteError
        One line naming the bad actor, goal, model, budget or lever and the fix.

    Examples
    --------
    >>> from detente.scenario import load_scenario
    >>> advice = advise(load_scenario("ukraine-2024"), "US incoming administration (Trump)",
    ...                 "territory<=40", draws=0)
    >>> advice.status, advice.best.method
    ('reached', 'closed form')
    """
    start = time.perf_counter()
    if budget is not None and not (math.isfinite(budget) and budget >= 0):
        raise DetenteError(f"--budget is {budget}; give a number >= 0", where="--budget")
    if seed < 0:
        raise DetenteError(f"--seed is {seed}; give a seed >= 0", where="--seed")
    if workers < 1 or (max_evals is not None and max_evals < 1):
        raise DetenteError("--workers and --max-evals must be at least 1", where="options")
    levers = actor_levers(scenario, actor)
    parsed = parse_goal(goal, scenario, actor)
    if parsed.kind == "issue":
        if draws < 0:
            raise DetenteError(f"--draws is {draws}; give 0 or more", where="--draws")
        outcome_model = get_model(model or DEFAULT_MODEL)
        parsed, baseline, options, space = search_issue(
            scenario, outcome_model, parsed, actor, levers, budget=budget, draws=draws, seed=seed
        )
        bars = []
        for j, lv in enumerate(space.levers):
            ends = np.array([[lv.low], [lv.high]])
            lo, hi = space.outcomes(ends, [j])
            bars.append(TornadoBar(lv.name, lv.low, lv.high, float(lo), float(hi)))
        notes: list[str] = []
        used, evaluations = space.levers, space.evaluations
        model_name = outcome_model.name
    else:
        if model is not None:
            raise DetenteError(
                f"--model applies to issue goals; {parsed.metric} comes from the war model, "
                "drop --model",
                where="--model",
            )
        if draws < 1:
            raise DetenteError(f"--draws is {draws}; give at least 1 path", where="--draws")
        assert scenario.campaign is not None  # parse_goal checked it
        war = CampaignLevers(
            scenario.campaign, parsed, levers, draws=draws, seed=seed, workers=workers
        )
        baseline, options, bars, notes = war.search(budget, max_evals)
        used, evaluations, model_name = war.levers, war.evaluations, "war"
    status, best, closest = verdict(baseline, options, budget)
    if status == "unreachable" and budget is not None:
        over = [o for o in options if o.meets and o.cost > budget + 1e-9]
        if over:
            cheapest = min(over, key=lambda o: o.cost)
            notes.append(f"reaching it costs {cheapest.cost:.4g}, over the budget of {budget:g}")
    return Advice(
        scenario=scenario.name,
        actor=actor,
        goal=parsed,
        model=model_name,
        budget=budget,
        draws=draws,
        seed=seed,
        levers=used,
        baseline=baseline,
        status=status,
        best=best,
        closest=closest,
        options=rank(options),
        tornado=sort_bars(bars),
        evaluations=evaluations,
        seconds=time.perf_counter() - start,
        notes=notes,
    )


def actor_levers(scenario: Scenario, actor: str) -> list[ResolvedLever]:
    """The levers ``actor`` pulls in ``scenario``, with their baselines.

    Parameters
    ----------
    scenario : Scenario
        The scenario whose ``levers:`` are read.
    actor : str
        The actor's name, one of the scenario's actors.

    Raises
    ------
    DetenteError
        For an unknown actor or an actor without levers (naming the ones that have some).
    """
    if actor not in scenario.actor_names:
        raise DetenteError(
            f"unknown actor {actor!r}; use one of: {', '.join(scenario.actor_names)}",
            where="--actor",
        )
    mine = [lv for lv in scenario.levers if lv.actor == actor]
    if not mine:
        with_levers = sorted({lv.actor for lv in scenario.levers})
        fix = (
            f"pick one of: {', '.join(with_levers)}"
            if with_levers
            else f"declare some under 'levers:' in the scenario ({docs_page('levers')})"
        )
        raise DetenteError(f"actor {actor!r} has no levers in the scenario; {fix}", where="--actor")
    return [ResolvedLever(lv, lever_baseline(lv, scenario)) for lv in mine]
