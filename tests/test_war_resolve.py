"""The defender's private resolve (issue 14, item 3; DECISIONS WAR-30).

* Two identical types reproduce the one-type game exactly (the plumbing of types and
  beliefs adds nothing of its own).
* :func:`respond` against hand-computed answers: both types take, the weary type alone
  takes, the weary type mixes (closed-form indifference), both reject.
* Slantchev (2003): with private information, the war is shorter when battles tell the
  types apart better (``holds``).
* The beliefs are Bayesian: among paths where the attacker believes the defender resolute
  with probability about ``p``, about a share ``p`` are (a perfect Bayesian equilibrium's
  beliefs are consistent with the strategies that generate the paths).
* Rejections and battles are informative: a rejected screening offer leaves the attacker
  sure the defender is resolute; battles move the belief towards the truth.
"""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from detente.spec.campaign import Campaign
from detente.war.model import solve_campaign
from detente.war.simulate import ATTACKER, Paths, simulate
from detente.war.solver import Solution, respond
from tests.test_war_theory import _campaign

MENU = {
    "attacker": 0.5,
    "defender": 0.0,
    "menu": [{"sanctions_relief": r, "guarantees": 50} for r in (0, 50, 100)],
}
TWO_TYPES = {
    "types": {
        name: {
            "prior": 0.5,
            "before": {"levers": {"steady": 1}, "offer_probability": p},
            "after": {"levers": {"steady": 1}, "offer_probability": p},
            "terms": {"sanctions_relief": relief, "guarantees": 50},
        }
        for name, p, relief in (("keen", 0.3, 30), ("aloof", 0.1, 60))
    }
}
GRID = {"bin_km2": 50, "below_km2": 500, "above_km2": 2000, "belief_resolution": 4}


def _resolve(holds: float, prior: float = 0.5, cost: float = 0.4, points: int = 11) -> Any:
    return {
        "prior_resolute": prior,
        "holds": holds,
        "cost_multiplier": cost,
        "belief_points": points,
    }


@cache
def _solved(holds: float, cost: float = 0.4) -> tuple[Campaign, Solution, Paths]:
    campaign = _campaign(horizon_weeks=20, proposals=MENU, resolve=_resolve(holds, cost=cost))
    solution = solve_campaign(campaign)
    return campaign, solution, simulate(solution, 20_000, np.random.default_rng(0))


def test_identical_types_reproduce_the_one_type_game() -> None:
    common = {"proposals": MENU, "mediator": TWO_TYPES, "grid": GRID}
    one = solve_campaign(_campaign(**common))
    two = solve_campaign(_campaign(**common, resolve=_resolve(0.0, cost=1.0, points=3)))
    assert two.value.shape[3:5] == (2, 3)
    assert np.abs(two.value - one.value).max() <= 1e-9 * np.abs(one.value).max()
    assert np.array_equal(two.intensity, np.broadcast_to(one.intensity, two.intensity.shape))
    assert np.array_equal(two.proposal, np.broadcast_to(one.proposal, two.proposal.shape))


# --- the response to an offer, by hand ------------------------------------------------------

N_M = 5  # beliefs 0, 1/4, 1/2, 3/4, 1


def _answer(u: float, weary: list[float], resolute: list[float]) -> tuple[Any, Any, Any]:
    rd = np.array([weary, resolute])  # (D, M'): each type's value of fighting on
    accept, lo, frac = respond(np.array([u]), rd, N_M)
    return accept, lo, frac


def test_both_types_take_terms_each_prefers_to_fighting_on_believed_resolute() -> None:
    accept, lo, frac = _answer(5.0, [1, 2, 3, 4, 4.5], [2, 3, 4, 4.5, 4.9])
    assert (accept == 1.0).all()
    assert lo.tolist() == [0, 4, 4, 4, 4]  # a rejection off the path is read as resolute
    assert (frac == 0.0).all()


def test_the_weary_type_alone_takes_terms_the_resolute_type_refuses() -> None:
    accept, lo, _ = _answer(4.6, [1, 2, 3, 4, 4.5], [2, 3, 4, 5, 6])
    assert accept[0].tolist() == [1.0] * N_M
    assert accept[1].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]  # at μ = 0 it is read as weary
    assert lo.tolist() == [0, 4, 4, 4, 4]  # the rejection reveals the resolute type


def test_the_weary_type_mixes_to_its_indifference() -> None:
    # R_weary(μ) = 4μ: at belief 1/4 the terms (u = 2) beat fighting on (1) but not
    # fighting on believed resolute (4); the weary type rejects with the probability q that
    # makes a rejection leave the belief at μ* = 1/2, where R_weary(μ*) = u.
    weary = [0.0, 1.0, 2.0, 3.0, 4.0]
    accept, lo, frac = _answer(2.0, weary, [5.0] * N_M)
    mu, star = 0.25, 0.5
    q = mu * (1 - star) / (star * (1 - mu))  # Bayes: μ* = μ / (μ + (1 - μ) q)
    assert lo[1] + frac[1] == pytest.approx(2.0)  # μ* = 2/4
    assert accept[0, 1] == pytest.approx(1.0 - q)
    assert accept[1, 1] == 0.0
    assert mu / (mu + (1 - mu) * q) == pytest.approx(star)
    # at belief 1/2 the terms are exactly the weary type's value: it takes them
    assert accept[0, 2] == 1.0 or lo[2] + frac[2] == pytest.approx(2.0)
    # at belief 0 (known weary) nothing is read into a rejection: the weary type accepts
    assert accept[0, 0] == 1.0 and lo[0] == 0


def test_both_reject_terms_worse_than_fighting_on() -> None:
    accept, lo, frac = _answer(0.5, [1, 2, 3, 4, 5], [2, 3, 4, 5, 6])
    assert (accept == 0.0).all()
    assert lo.tolist() == list(range(N_M)) and (frac == 0.0).all()  # nothing learnt


# --- Slantchev 2003 -------------------------------------------------------------------------


def _weeks_at_war(holds: float) -> float:
    campaign, _, paths = _solved(holds)
    weeks = np.where(paths.deal_week >= 0, paths.deal_week, campaign.horizon_weeks)
    return float(weeks.mean())


def test_slantchev_more_informative_battles_shorten_the_war() -> None:
    durations = [_weeks_at_war(h) for h in (0.0, 0.2, 0.4, 0.8)]
    assert all(a > b + 0.05 for a, b in itertools.pairwise(durations)), durations


# --- the beliefs are those of a perfect Bayesian equilibrium -------------------------------


@pytest.mark.parametrize("week", [3, 8])
def test_beliefs_are_calibrated_against_the_types_drawn(week: int) -> None:
    _, _, paths = _solved(0.2)
    belief = paths.resolve_belief[:, week]
    edges = np.linspace(0.0, 1.0, 11)
    bins = np.clip(np.digitize(belief, edges) - 1, 0, 9)
    checked = 0
    for b in range(10):
        among = bins == b
        if among.sum() < 500:
            continue
        share = paths.resolute[among].mean()
        se = np.sqrt(share * (1 - share) / among.sum()) + 1e-3
        assert abs(share - belief[among].mean()) <= 4 * se, (b, share, belief[among].mean())
        checked += 1
    assert checked >= 2


def test_battles_move_the_belief_towards_the_truth() -> None:
    _, _, paths = _solved(0.2)
    prior, end = 0.5, paths.resolve_belief[:, -1]
    assert end[paths.resolute].mean() > prior + 0.3
    assert end[~paths.resolute].mean() < prior - 0.3
    _, _, blind = _solved(0.0)  # battles that do not tell the types apart, no screening
    assert (blind.resolve_belief == prior).all()


def test_a_rejected_screening_offer_reveals_the_resolute_type() -> None:
    campaign, solution, paths = _solved(0.2, cost=0.2)
    weary_deals = (paths.proposer == ATTACKER) & ~paths.resolute
    assert weary_deals.any()  # the attacker's offers are taken by weary defenders
    top = solution.arrays.resolve_points - 1
    at_resolute = solution.proposal_accept[:, 1] < 0.5  # the resolute type refuses
    offered = solution.proposal[:, 0] >= 0
    assert (offered & at_resolute).any()  # screening offers exist
    # every belief on a path that saw a rejection is then 1: a jump from below 1 to 1
    # happens only on resolute paths
    jumps = (paths.resolve_belief[:, 1:] >= 1.0 - 1e-12) & (paths.resolve_belief[:, :-1] < 1.0)
    assert paths.resolute[jumps.any(axis=1)].all()
    assert top > 0 and campaign.resolve is not None


# --- what the solver does not model is refused -----------------------------------------------


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"proposals": {**MENU, "defender": 0.2}}, "proposals.defender"),
        (
            {
                "counteroffensive": {
                    "defender_cost": 1.0,
                    "gain": {s: {"mean": -50, "sd": 20} for s in ("winter", "mud", "summer")},
                }
            },
            "counteroffensive",
        ),
    ],
)
def test_signalling_moves_of_the_informed_defender_are_refused(
    changes: dict[str, Any], words: str
) -> None:
    merged = {"proposals": MENU, **changes, "resolve": _resolve(0.2)}
    with pytest.raises(ValidationError, match=words):
        _campaign(**merged)
