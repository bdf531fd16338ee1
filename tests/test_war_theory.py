"""The war model against the bargaining theory of war it rests on (issue 14's checks).

* Fearon (1995): with complete information and no commitment problem, war is costly for
  both, so a deal both prefer exists; when someone proposes every week, it is struck in the
  first week and the attacker does not fight for land it would have to give up.
* Powell (2006): with complete information, a deal whose breakdown hands the attacker a
  large enough gain (the shift in power during the ceasefire) is worth less to the defender
  than fighting on; the threshold is derived in closed form below and the solver's votes
  switch at it.
* The horizon does not decide: P(deal by every date in the first year) moves by less than
  0.02 when the horizon goes from 78 to 104 and 156 weeks (the stationary tail).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from detente.spec.campaign import Campaign
from detente.war.commitment import breakdown_discount, deal_values
from detente.war.hazard import WeibullResumption
from detente.war.model import solve_campaign
from detente.war.simulate import ATTACKER, DEFENDER, simulate


def _gain(mean: float, sd: float) -> dict[str, dict[str, float]]:
    return {s: {"mean": mean, "sd": sd} for s in ("winter", "mud", "summer")}


def _campaign(**changes: Any) -> Campaign:
    """One mediator type that never offers (complete information about it), talks open from
    the start, both belligerents proposing, a fine menu of relief."""
    data: dict[str, Any] = {
        "start": "2025-01-06",
        "horizon_weeks": 12,
        "attacker": "A",
        "defender": "D",
        "regime_change": "2025-01-06",
        "negotiation_opens": "2025-01-06",
        "start_territory_km2": 10000,
        "grid": {"bin_km2": 50, "below_km2": 500, "above_km2": 2000, "belief_resolution": 1},
        "intensities": {
            "hold": {"attacker_cost": 0.3, "defender_cost": 0.3, "gain": _gain(0, 20)},
            "press": {"attacker_cost": 1.0, "defender_cost": 1.0, "gain": _gain(50, 20)},
            "surge": {"attacker_cost": 2.0, "defender_cost": 1.5, "gain": _gain(120, 30)},
        },
        "aid_effect": 0.0,
        "levers": {"steady": {}},
        "mediator": {
            "types": {
                "only": {
                    "prior": 1.0,
                    "before": {"levers": {"steady": 1}},
                    "after": {"levers": {"steady": 1}},
                    "terms": {"sanctions_relief": 10, "guarantees": 50},
                }
            }
        },
        "proposals": {
            "attacker": 0.5,
            "defender": 0.5,
            "menu": [{"sanctions_relief": r, "guarantees": 50} for r in range(0, 101, 10)],
        },
        "settlement": "freeze_line",
        "status_quo_terms": {"sanctions_relief": 10, "guarantees": 50},
        "values": {
            "A": {"territory_per_1000km2": 20, "sanctions_relief": 0.3, "guarantees": -0.2},
            "D": {"territory_per_1000km2": -10, "sanctions_relief": -0.05, "guarantees": 0.3},
        },
        "discount": 0.99,
        "resumption": {
            "p_resume_5y": 0.4,
            "shape": 1.0,
            "guarantees_effect": 0.0,
            "snapback_effect": 0.0,
            "territory_effect": 0.0,
        },
    }
    data.update(changes)
    return Campaign.model_validate(data)


# --- Fearon 1995 ----------------------------------------------------------------------------


def _fearon() -> Campaign:
    """Fixed terms: the menu divides the land the attacker could take (0-2,000 km², the
    grid's reach) and offers two levels of relief."""
    menu = [
        {"sanctions_relief": r, "guarantees": 50, "territory_km2": 10000 + d}
        for d in range(0, 2001, 500)
        for r in (10, 60)
    ]
    only = {
        "prior": 1.0,
        "before": {"levers": {"steady": 1}},
        "after": {"levers": {"steady": 1}},
        "terms": {"sanctions_relief": 10, "guarantees": 50, "territory_km2": 10000},
    }
    return _campaign(
        settlement="fixed_terms",
        mediator={"types": {"only": only}},
        proposals={"attacker": 0.5, "defender": 0.5, "menu": menu},
    )


def test_fearon_complete_information_means_a_deal_in_the_first_week() -> None:
    campaign = _fearon()
    solution = solve_campaign(campaign)
    paths = simulate(solution, 2000, np.random.default_rng(0))
    assert (paths.deal_week == 0).all()
    assert set(np.unique(paths.proposer)) == {ATTACKER, DEFENDER}
    # Nobody fights: the deal is struck before the first week's fighting.
    assert (paths.intensity[:, 0] == -1).all()
    assert (paths.territory[:, 1] == campaign.start_territory_km2.value).all()
    # Every deal gives the attacker land but less than war would cost the defender: both
    # prefer it to fighting (the bargaining range of Fearon's Figure 1).
    k0 = int(solution.territory_bin(np.array([campaign.start_territory_km2.value]))[0])
    worth = solution.deal_value[paths.offer, :, k0]  # (P, party)
    war = _campaign(
        settlement="fixed_terms", mediator=campaign.model_dump()["mediator"], proposals={}
    )
    fight = solve_campaign(war).value[0][0, 0, 0, 0, 1, :, k0]  # no one can settle: war's value
    assert (worth[:, 0] > fight[0]).all() and (worth[:, 1] > fight[1]).all()


def test_without_proposals_or_offers_nobody_settles() -> None:
    """The control: the same war with no one to propose is never settled."""
    campaign = _campaign(proposals={})
    paths = simulate(solve_campaign(campaign), 500, np.random.default_rng(0))
    assert (paths.intensity[:, 0] > 0).all()
    assert (paths.deal_week < 0).all()


# --- Powell 2006 ----------------------------------------------------------------------------

DELTA = 0.99
P5 = 0.4
HR = 1.5
WAR_COST_D = 5.0


def _powell(resumed_gain_km2: float) -> Campaign:
    """The mediator offers (relief 30) every week, the belligerents cannot propose, every
    intensity gains nothing, so the attacker holds and the defender's value of fighting on
    is the hold cost to the (terminal) horizon: everything in closed form."""
    flat = _gain(0.0, 1e-3)
    return _campaign(
        proposals={},
        intensities={
            "hold": {"attacker_cost": 0.1, "defender_cost": 0.3, "gain": flat},
            "press": {"attacker_cost": 1.0, "defender_cost": 1.0, "gain": flat},
            "surge": {"attacker_cost": 2.0, "defender_cost": 1.5, "gain": flat},
        },
        mediator={
            "types": {
                "only": {
                    "prior": 1.0,
                    "before": {"levers": {"steady": 1}, "offer_probability": 1.0},
                    "after": {"levers": {"steady": 1}, "offer_probability": 1.0},
                    "terms": {"sanctions_relief": 30, "guarantees": 50},
                }
            }
        },
        values={
            "A": {"territory_per_1000km2": 20, "sanctions_relief": 0.3, "guarantees": -0.2},
            "D": {
                "territory_per_1000km2": -10,
                "sanctions_relief": -0.05,
                "guarantees": 0.3,
                "stalemate": -20,
            },
        },
        beyond_horizon="terminal",
        discount=DELTA,
        commitment={
            "resumed_gain_km2": resumed_gain_km2,
            "attacker_war_cost": 2.0,
            "defender_war_cost": WAR_COST_D,
            "hazard_ratio": HR,
        },
    )


def _pi_closed_form() -> float:
    """Discounted probability of a breakdown for an exponential hazard (shape 1): weekly
    survival ``q = exp(-λ HR / 52)``, ``λ = -ln(1 - p5) / 5``, summed over 30 years."""
    q = math.exp(-(-math.log1p(-P5) / 5.0) * HR / 52.0)
    weeks = 30 * 52
    return (1.0 - q) * DELTA * (1.0 - (DELTA * q) ** weeks) / (1.0 - DELTA * q)


def _threshold_km2(campaign: Campaign) -> float:
    """Powell's threshold: the resumed gain ``s*`` at which the defender is indifferent at
    week 0 between the deal, ``(1 - π) L_D + π (v_D,T s / 1000 - k_D)``, and fighting on
    to the horizon at the hold cost, ``R_D = δ [-c (1 - δ^(T-1)) / (1 - δ) + δ^(T-1) S_D]``
    (the line never moves, so the land's flow is zero)."""
    arr = campaign.arrays()
    horizon = arr.horizon
    hold_cost_d = arr.intensity_cost[0, 1]
    stalemate_d = arr.values[1, 3]
    reject = DELTA * (
        -hold_cost_d * (1 - DELTA ** (horizon - 1)) / (1 - DELTA)
        + DELTA ** (horizon - 1) * stalemate_d
    )
    other = arr.values[1, 1] * (30 - arr.sq_relief)  # guarantees at the status quo
    pi = _pi_closed_form()
    v_land = arr.values[1, 0]
    return 1000.0 * ((reject - (1 - pi) * other) / pi + WAR_COST_D) / v_land


def test_breakdown_discount_matches_the_closed_form() -> None:
    campaign = _powell(0.0)
    arr = campaign.arrays()
    hazard = WeibullResumption.from_spec(campaign.resumption)  # type: ignore[arg-type]
    pi = breakdown_discount(arr, hazard, arr.territory_grid())
    np.testing.assert_allclose(pi, _pi_closed_form(), rtol=1e-12)


def test_powell_a_large_shift_in_power_makes_war_the_equilibrium() -> None:
    threshold = _threshold_km2(_powell(0.0))
    assert 0.0 < threshold < 50_000.0
    below, above = _powell(0.95 * threshold), _powell(1.05 * threshold)
    deal_below = simulate(solve_campaign(below), 500, np.random.default_rng(1))
    deal_above = simulate(solve_campaign(above), 500, np.random.default_rng(1))
    assert (deal_below.deal_week == 0).all()
    assert (deal_above.deal_week != 0).all()
    # Exactly at the threshold: the defender's deal value equals its value of fighting on.
    at = _powell(threshold)
    arr = at.arrays()
    hazard = WeibullResumption.from_spec(at.resumption)  # type: ignore[arg-type]
    territory = arr.territory_grid()
    k0 = int(np.argmin(np.abs(territory - arr.x0)))
    u_d = deal_values(arr, hazard, territory).value[0, 1, k0]
    # V_D at week 1 if the deal is refused for ever: the defender's reject value at week 0.
    assert u_d == pytest.approx(
        DELTA
        * (
            -0.3 * (1 - DELTA ** (arr.horizon - 1)) / (1 - DELTA) + DELTA ** (arr.horizon - 1) * -20
        ),
        abs=1e-9,
    )


# --- the horizon does not decide ------------------------------------------------------------


def test_p_deal_in_the_first_year_does_not_move_with_the_horizon() -> None:
    from detente.scenario import load_scenario
    from detente.scenario.edit import edit_campaign
    from detente.war.model import WarModel

    scenario = load_scenario("ukraine-2024")
    assert scenario.campaign is not None
    curves = []
    for horizon in (78, 104, 156):
        campaign = edit_campaign(scenario.campaign, {"campaign.horizon_weeks": horizon})
        run = WarModel(paths=4000).run(scenario, seed=0, campaign=campaign)
        curves.append(np.array([row["p"] for row in run.document["p_deal_by"][:52]]))
    for curve in curves[1:]:
        assert np.abs(curve - curves[0]).max() < 0.02
    assert curves[0][-1] > 0.0
