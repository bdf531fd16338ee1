"""The war-termination solver against an exact brute force, on tiny campaigns.

``detente.war.solver.solve`` (vectorised backward induction on a belief grid, with sparse
matrices) is checked against :mod:`tests.war_exact`, a loop-based brute force written from
the game's rules alone (docs/war_model.md, version 2; it calls none of the solver's helpers,
so a shared mistake would have to be made twice): the values of every week agree to 1e-9;
the proposers' frames and reliefs, the attacker's intensities and the defender's postures
agree wherever the brute force's best choice is unique; and the simulator's paths match the
exact forward probabilities of the brute force's policies. The instances (3-5 territory
bins, 4 weeks, the terminal lump beyond them) keep the beliefs the recursion visits on the
solver's belief grid: one type; two types whose levers, offer and riposte probabilities are
alike and whose offers reveal them; three types that observations rule out one by one; a
cheap-talk statement that lands on a grid point. The comparison is therefore exact, not up
to the grid's interpolation; the brute force tells which grid points qualify
(``BruteForce.grid_exact``). Gains land on the territory grid by the rule of DECISIONS
WAR-29 (shared with the neighbouring bins), which the brute force computes its own way
(``war_exact.BINNINGS``).
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from typing import Any

import numpy as np
import pytest

from detente.spec.campaign import Campaign
from detente.war.commitment import deal_values
from detente.war.hazard import resumption_hazard
from detente.war.simulate import simulate
from detente.war.solver import Solution, solve
from tests.war_exact import BINNINGS, BruteForce, Forward, forward, gap, move_probability

ATOL = 1e-9
MARGIN = 1e-9
DRAWS = 200_000
TINY = 1e-6
"""A gain's sd (km²) that makes it a sure move, but not 0 (which the campaign refuses)."""


def _gain(
    winter: tuple[float, float], mud: tuple[float, float], summer: tuple[float, float]
) -> dict[str, dict[str, float]]:
    return {
        season: {"mean": mean, "sd": sd}
        for season, (mean, sd) in (("winter", winter), ("mud", mud), ("summer", summer))
    }


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` written over it (dicts merged key by key, ``None`` deletes)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


BASE: dict[str, Any] = {
    # 4 weeks (the minimum): 2025-02-17 and -24 in winter, 2025-03-03 and -10 in mud; talks
    # open in week 1, the mediator's regime changes in week 2.
    "start": "2025-02-17",
    "horizon_weeks": 4,
    "attacker": "A",
    "defender": "D",
    "regime_change": "2025-03-03",
    "negotiation_opens": "2025-02-24",
    "start_territory_km2": 10000,
    "grid": {"bin_km2": 100, "below_km2": 100, "above_km2": 100, "belief_resolution": 2},
    "intensities": {
        "hold": {
            "attacker_cost": 0.1,
            "defender_cost": 0.1,
            "gain": _gain((-10, 60), (0, 50), (0, 50)),
        },
        "press": {
            "attacker_cost": 0.5,
            "defender_cost": 0.4,
            "gain": _gain((50, 70), (30, 60), (60, 60)),
        },
        "surge": {
            "attacker_cost": 1.2,
            "defender_cost": 0.9,
            "gain": _gain((130, 90), (90, 80), (150, 80)),
        },
    },
    "aid_effect": 0.5,
    "levers": {
        "steady": {},
        "aid_up": {"aid": 1.5, "attacker_cost": 0.3, "defender_cost": -0.1},
    },
    "mediator": {
        "types": {
            "soft": {
                "prior": 0.5,
                "before": {"levers": {"steady": 0.9, "aid_up": 0.1}},
                "after": {"levers": {"steady": 0.6, "aid_up": 0.4}, "offer_probability": 0.4},
                "terms": {"sanctions_relief": 40, "guarantees": 40, "territory_km2": 10000},
            },
            "resolute": {
                "prior": 0.5,
                "before": {"levers": {"steady": 0.9, "aid_up": 0.1}},
                "after": {"levers": {"steady": 0.6, "aid_up": 0.4}, "offer_probability": 0.4},
                "terms": {"sanctions_relief": 20, "guarantees": 60, "territory_km2": 9900},
            },
        }
    },
    "settlement": "freeze_line",
    "status_quo_terms": {"sanctions_relief": 10, "guarantees": 50},
    "values": {
        "A": {"territory_per_1000km2": 25, "sanctions_relief": 0.1, "guarantees": -0.15},
        "D": {
            "territory_per_1000km2": -15,
            "sanctions_relief": -0.05,
            "guarantees": 0.2,
            "stalemate": -3,
        },
    },
    "discount": 0.95,
    "resumption": {
        "p_resume_5y": 0.4,
        "shape": 0.6,
        "guarantees_effect": 1.2,
        "snapback_effect": 0.3,
        "territory_effect": 0.02,
    },
    "beyond_horizon": "terminal",
}

MENU = [
    {"sanctions_relief": 20, "guarantees": 50, "territory_km2": 10000},
    {"sanctions_relief": 40, "guarantees": 45, "territory_km2": 10100},
    {"sanctions_relief": 5, "guarantees": 70, "territory_km2": 9900},
]

ONE_TYPE = {
    "mediator": {
        "types": {
            "soft": None,
            "resolute": None,
            "only": {
                "prior": 1.0,
                "before": {"levers": {"steady": 0.7, "aid_up": 0.3}, "offer_probability": 0.2},
                "after": {"levers": {"steady": 0.4, "aid_up": 0.6}, "offer_probability": 0.5},
                "terms": {"sanctions_relief": 30, "guarantees": 45},
            },
        }
    }
}

INSTANCES: dict[str, dict[str, Any]] = {
    # one type: nothing to learn; offers before and after the regime change, two levers
    "one_type": ONE_TYPE,
    # two types, revealed by their offers; the prior is the grid's middle point
    "two_types": {},
    # the belligerents propose from a menu when the mediator does not offer
    "proposals": {"proposals": {"attacker": 0.3, "defender": 0.4, "menu": MENU}},
    # the defender's counter-offensive posture (a fourth regime)
    "counteroffensive": {
        "counteroffensive": {
            "defender_cost": 0.6,
            "attacker_cost": 0.2,
            "gain": _gain((-120, 70), (-60, 60), (-150, 70)),
        }
    },
    # fixed terms: the deal's area is the offer's, not the line
    "fixed_terms": {
        "settlement": "fixed_terms",
        "proposals": {"attacker": 0.25, "defender": 0.25, "menu": MENU},
    },
    # ripostes answer a surge (alike for both types, so uninformative), the attacker's
    # reputation is at stake, and the riposte's size depends on the type
    "riposte": {
        "reputation_cost": 0.8,
        "mediator": {
            "types": {
                "soft": {
                    "riposte_size": 0.5,
                    "before": {"riposte_probability": 0.5},
                    "after": {"riposte_probability": 0.7},
                },
                "resolute": {
                    "riposte_size": 3.0,
                    "before": {"riposte_probability": 0.5},
                    "after": {"riposte_probability": 0.7},
                },
            }
        },
    },
}


INSTANCES["cheap_talk"] = {
    # a statement in week 1 moves the prior (1/2, 1/2) to (3/4, 1/4) (LR 9^0.5 = 3), a grid
    # point at resolution 4; the brute force also sees where beliefs leave the grid
    "grid": {"belief_resolution": 4},
    "cheap_talk_weight": 0.5,
    "cheap_talk": [{"when": "2025-02-24", "likelihood": {"soft": 0.81, "resolute": 0.09}}],
}
INSTANCES["three_types"] = {
    # three types at resolution 6: from the prior (1/3, 1/3, 1/3) every posterior is a grid
    # point, since after the regime change only type "first" pulls aid_up, and only type
    # "third" ripostes (always) against a surge: each observation rules types out
    "grid": {"belief_resolution": 6},
    "mediator": {
        "types": {
            "soft": None,
            "resolute": None,
            **{
                name: {
                    "prior": 1 / 3,
                    "before": {"levers": {"steady": 1.0}, "riposte_probability": rip},
                    "after": {
                        "levers": {"aid_up": 1.0} if name == "first" else {"steady": 1.0},
                        "offer_probability": 0.4,
                        "riposte_probability": rip,
                    },
                    "riposte_size": 2.5 * rip,
                    "terms": {"sanctions_relief": relief, "guarantees": guarantees},
                }
                for name, rip, relief, guarantees in (
                    ("first", 0.0, 40, 40),
                    ("second", 0.0, 20, 60),
                    ("third", 1.0, 30, 50),
                )
            },
        }
    },
    "reputation_cost": 0.5,
}
INSTANCES["commitment"] = {
    # deals that may break down (Powell 2006): both solvers take the same deal values
    # (detente.war.commitment.deal_values, not linear in the line) as given
    **INSTANCES["proposals"],
    "commitment": {
        "resumed_gain_km2": 150,
        "attacker_war_cost": 1.0,
        "defender_war_cost": 2.0,
        "hazard_ratio": 1.5,
    },
}
REGIMES = {"hold": "calm", "press": "grind", "surge": "assault", "counter": "riposte"}
CHAIN = [  # P(regime this week | last week) per season, rows hold, press, surge, counter
    [[0.7, 0.2, 0.05, 0.05], [0.2, 0.6, 0.1, 0.1], [0.1, 0.3, 0.5, 0.1], [0.3, 0.2, 0.1, 0.4]],
    [[0.8, 0.1, 0.05, 0.05], [0.3, 0.5, 0.1, 0.1], [0.2, 0.3, 0.4, 0.1], [0.4, 0.2, 0.1, 0.3]],
    [[0.6, 0.3, 0.05, 0.05], [0.1, 0.7, 0.1, 0.1], [0.1, 0.2, 0.6, 0.1], [0.2, 0.2, 0.2, 0.4]],
]
INSTANCES["regime_chain"] = {
    # a fitted regime chain with persistence, steered with control 0.6 (no bootstrap
    # replicates), gains from the (hand-written) calibration, and the counter-offensive
    "intensities": {name: {"gain": None} for name in ("hold", "press", "surge")},
    "counteroffensive": {"defender_cost": 0.6, "attacker_cost": 0.2},
    "battlefield": {
        "calibration": "handmade",
        "regimes": REGIMES,
        "control": 0.6,
        "resolved": {
            "calibration": "handmade",
            "regimes": REGIMES,
            "gains": {
                "hold": _gain((-10, 60), (0, 50), (0, 50)),
                "press": _gain((50, 70), (30, 60), (60, 60)),
                "surge": _gain((130, 90), (90, 80), (150, 80)),
                "counter": _gain((-120, 70), (-60, 60), (-150, 70)),
            },
            "chain": {
                "regimes": list(REGIMES.values()),
                "transition": CHAIN,
                "initial": [0.1, 0.6, 0.2, 0.1],
            },
        },
    },
    "proposals": {"attacker": 0.3, "defender": 0.4, "menu": MENU},
}
INSTANCES["no_discount"] = {
    # discount 1: the stationary tail is off even with beyond_horizon stationary (the
    # default), the land's weekly worth is 0 and the terminal lump counts in full
    "discount": 1.0,
    "beyond_horizon": None,
    "proposals": {"attacker": 0.5, "defender": 0.2, "menu": MENU},
}
INSTANCES["everything"] = _merge(
    _merge(INSTANCES["riposte"], INSTANCES["counteroffensive"]), INSTANCES["proposals"]
)

EXACT_GAINS: dict[str, Any] = {
    # gains a whole number of bins with a negligible sd (1e-6 km²), and aid multipliers 1 and
    # 2: the simulator's continuous line stays on the bin centres, and either binning rule
    # (nearest bin, or shared with the neighbours) gives the same moves to within 1e-8
    "intensities": {
        "hold": {"gain": _gain((0, TINY), (0, TINY), (0, TINY))},
        "press": {"gain": _gain((100, TINY), (0, TINY), (100, TINY))},
        "surge": {"gain": _gain((200, TINY), (100, TINY), (200, TINY))},
    },
    "aid_effect": 1.0,
    "levers": {"steady": {}, "aid_up": None, "aid_cut": {"aid": 0.0, "defender_cost": 0.2}},
    "mediator": {
        "types": {
            name: {
                "before": {"levers": {"steady": 0.6, "aid_up": None, "aid_cut": 0.4}},
                "after": {"levers": {"steady": 0.3, "aid_up": None, "aid_cut": 0.7}},
            }
            for name in ("soft", "resolute")
        }
    },
}

MONTE_CARLO: dict[str, Any] = _merge(
    _merge(INSTANCES["everything"], EXACT_GAINS),
    {
        "grid": {"below_km2": 200, "above_km2": 200},  # 5 bins: room for the line to move
        "counteroffensive": {
            "defender_cost": 2.0,
            "gain": _gain((-100, TINY), (-100, TINY), (-200, TINY)),
        },
        "proposals": {"attacker": 0.1, "defender": 0.1},
        "mediator": {
            "types": {name: {"after": {"offer_probability": 0.5}} for name in ("soft", "resolute")}
        },
    },
)


def _campaign(changes: dict[str, Any]) -> Campaign:
    return Campaign.model_validate(_merge(BASE, changes))


def _beliefs(solution: Solution) -> list[tuple[float, ...]]:
    return [tuple(float(p) for p in point) for point in solution.beliefs.points]


@functools.cache
def _solved(name: str) -> tuple[Solution, BruteForce]:
    campaign = _campaign(MONTE_CARLO if name == "monte_carlo" else INSTANCES[name])
    arrays = campaign.arrays()
    if campaign.commitment is None:
        return solve(arrays), BruteForce(arrays)
    deals = deal_values(arrays, resumption_hazard(campaign), arrays.territory_grid())
    return solve(arrays, deals), BruteForce(arrays, deals.value, deals.slope)


def _prior_point(solution: Solution) -> int:
    beliefs = solution.beliefs.points
    hit = np.flatnonzero(np.abs(beliefs - solution.arrays.prior).max(axis=1) < 1e-12)
    assert hit.size == 1, "the prior must be a point of the belief grid"
    return int(hit[0])


def max_value_difference(solution: Solution, brute: BruteForce) -> float:
    """Largest |solver - brute force| over weeks 0..T, beliefs whose recursion stays on the
    grid, riposte flags, regimes, parties and bins."""
    beliefs = _beliefs(solution)
    g0 = _prior_point(solution)
    worst = 0.0
    for t in range(solution.arrays.horizon + 1):
        exact = [g for g, b in enumerate(beliefs) if brute.grid_exact(t, b)]
        assert g0 in exact
        expected = brute.table(t, [beliefs[g] for g in exact])
        worst = max(worst, float(np.abs(solution.value[t][exact][:, :, 0, 0] - expected).max()))
    return worst


@pytest.mark.parametrize("name", [*INSTANCES, "monte_carlo"])
def test_values_equal_the_brute_force_every_week(name: str) -> None:
    solution, brute = _solved(name)
    assert solution.tail is None  # the terminal lump beyond the horizon
    assert max_value_difference(solution, brute) <= ATOL


def policy_agreement(solution: Solution, brute: BruteForce) -> tuple[list[str], int, int]:
    """(mismatches, untied choices compared, near ties skipped) of the proposers' frames and
    reliefs, the attacker's intensities and the defender's postures, every week, at beliefs
    (after cheap talk) whose step stays on the grid."""
    arr = solution.arrays
    beliefs = _beliefs(solution)
    bad: list[str] = []
    compared = ties = 0
    for t in range(arr.horizon):
        for g, b in enumerate(beliefs):
            if not brute.step_exact(t, b):
                continue
            for r, k in itertools.product(range(arr.n_regimes), range(solution.territory.size)):
                for h, who in itertools.product((0, 1), (0, 1)):
                    if not brute.proposals_open(t) or arr.proposer[who] == 0:
                        continue
                    prop = brute.proposal(t, b, h, r, k, who)
                    if prop.margin <= MARGIN:
                        ties += 1
                        continue
                    compared += 1
                    frame = int(solution.proposal[t, who, g, h, 0, r, k])
                    relief = float(solution.proposal_relief[t, who, g, h, 0, r, k])
                    if (prop.frame is None and frame >= 0) or (
                        prop.frame is not None
                        and (frame != prop.frame or abs(relief - prop.relief) > ATOL)
                    ):
                        bad.append(
                            f"proposal t={t} who={who} g={g} h={h} r={r} k={k}: "
                            f"{frame} at {relief}, brute force {prop}"
                        )
                choices = [
                    (f"intensity t={t} g={g} h={h} r={r} k={k}",
                     brute.intensity_scores(t, b, h, r, k),
                     int(solution.intensity[t, g, h, 0, r, k]),
                     brute.intensity(t, b, h, r, k))
                    for h in (0, 1)
                ] + [
                    (f"posture t={t} i={i} g={g} r={r} k={k}",
                     brute.posture_scores(t, i, b, r, k), int(solution.posture[t, i, g, 0, r, k]),
                     brute.posture(t, i, b, r, k))
                    for i in range(3)
                ]  # fmt: skip
                for label, scores, got, best in choices:
                    if gap(scores) <= MARGIN:
                        ties += 1
                        continue
                    compared += 1
                    if got != best:
                        bad.append(f"{label}: {got}, {scores}")
    return bad, compared, ties


@pytest.mark.parametrize("name", [*INSTANCES, "monte_carlo"])
def test_policies_equal_the_brute_force_where_untied(name: str) -> None:
    solution, brute = _solved(name)
    bad, compared, _ = policy_agreement(solution, brute)
    assert not bad, bad[:10]
    assert compared > 0


@pytest.mark.parametrize("rule", BINNINGS)
@pytest.mark.parametrize(("mu", "sd"), [(0.0, 0.3), (-0.37, 0.8), (1.6, 0.05), (2.0, 1e-8)])
def test_brute_force_gain_rules_are_distributions(rule: str, mu: float, sd: float) -> None:
    """The brute force's own binning (in bins): probabilities summing to 1; the linear rule
    keeps the mean move, the nearest-bin rule puts P(-1/2 < y ≤ 1/2) on no move."""
    p = np.array([move_probability(d, -10, 10, mu, sd, rule) for d in range(-10, 11)])
    assert (p >= -1e-15).all()  # rounding; the brute force drops moves below 1e-15
    np.testing.assert_allclose(p.sum(), 1.0, atol=1e-12)
    if rule == "linear":
        np.testing.assert_allclose(p @ np.arange(-10, 11), mu, atol=1e-12)
    else:
        cdf = [0.5 * (1.0 + math.erf((d - mu) / (sd * math.sqrt(2.0)))) for d in (-0.5, 0.5)]
        np.testing.assert_allclose(p[10], cdf[1] - cdf[0], atol=1e-12)  # the move 0


def _within(simulated: float, exact: float, draws: int) -> bool:
    """Within 4 binomial standard errors (exactly equal where the probability is 0 or 1)."""
    se = float(np.sqrt(exact * (1.0 - exact) / draws))
    return abs(simulated - exact) <= 4.0 * se + 1e-12


def _terms(exact: Forward) -> list[tuple[int, float, float, float]]:
    """The exact deal terms as (offer, lowest relief, highest relief, probability), reliefs
    within 1e-6 of each other merged: states reached with a negligible probability (the
    gain's 1e-6 km² sd) strike the same terms at reliefs a few 1e-8 apart."""
    out: list[tuple[int, float, float, float]] = []
    for (omega, relief), p in sorted(exact.terms.items()):
        if out and out[-1][0] == omega and relief - out[-1][2] < 1e-6:
            out[-1] = (omega, out[-1][1], relief, out[-1][3] + p)
        else:
            out.append((omega, relief, relief, p))
    return out


def test_simulated_paths_match_the_exact_forward_probabilities() -> None:
    """Gains are whole bins with a negligible sd, so the simulator's continuous line stays at
    the bin centres and its nearest-bin policies are the grid's: deal timing, the terms
    struck (offer and relief) and the line at the end can all be compared with the exact
    distribution."""
    solution, brute = _solved("monte_carlo")
    exact: Forward = forward(brute, MARGIN)
    assert exact.near_ties == 0  # the simulator reads the solver's choices: no tie to break
    np.testing.assert_allclose(exact.end_bin.sum(), 1.0, atol=1e-12)
    assert 0.2 < exact.deal_by_week[-1] < 0.9 and (exact.end_bin > 0.05).sum() >= 4
    paths = simulate(solution, DRAWS, np.random.default_rng(0))
    bins = solution.territory_bin(paths.territory)
    assert np.abs(paths.territory - solution.territory[bins]).max() < 1e-3
    checks: list[tuple[str, float, float]] = []
    for t in range(solution.arrays.horizon):
        simulated = float(((paths.deal_week >= 0) & (paths.deal_week <= t)).mean())
        checks.append((f"P(deal by week {t})", simulated, float(exact.deal_by_week[t])))
    end = np.bincount(bins[:, -1], minlength=solution.territory.size) / DRAWS
    for k, p in enumerate(exact.end_bin):
        checks.append((f"P(line ends in bin {k})", float(end[k]), float(p)))
    struck = paths.deal_week >= 0
    for omega, low, high, p in _terms(exact):
        on = struck & (paths.offer == omega) & (paths.relief > low - 1e-6)
        on &= paths.relief < high + 1e-6
        checks.append((f"P(deal on offer {omega}, relief {low:g})", float(on.mean()), p))
        struck &= ~on
    checks.append(("P(deal on other terms)", float(struck.mean()), 0.0))
    off = [c for c in checks if not _within(c[1], c[2], DRAWS)]
    assert not off, off
