"""The war-termination model: the properties of the issue, on small synthetic campaigns.

1. freeze-the-line settlement + a known date after which a deal is likely: the attacker's
   intensity before the date is at least its intensity after, strictly for moderate costs;
2. fixed terms: that pre-deadline surge disappears;
3. a likelier or larger riposte lowers P(escalation) (monotone over a sweep);
5. Bayes' rule on costly actions, exactly, in the belief functions and on simulated paths;
plus determinism, the JSON document and the built-in case end to end.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from detente.cli.common import OneLineErrors
from detente.cli.simulate import simulate_command
from detente.errors import DetenteError
from detente.scenario.overrides import with_overrides
from detente.spec.campaign import Campaign
from detente.war.beliefs import BeliefGrid, bayes_update, cheap_talk_update
from detente.war.simulate import simulate
from detente.war.solver import Solution, solve

DOCS = Path(__file__).resolve().parents[1] / "docs"
DEADLINE_WEEK = 8


def _gain(mean: float, sd: float) -> dict[str, dict[str, float]]:
    return {s: {"mean": mean, "sd": sd} for s in ("winter", "mud", "summer")}


def synthetic(
    *,
    settlement: str = "freeze_line",
    surge_cost: float = 2.2,
    riposte_probability: float = 0.0,
    riposte_size: float = 0.0,
    offer_probability: float = 0.7,
    resolute_prior: float = 0.5,
) -> Campaign:
    """Two mediator types; offers open at week 8 (2025-03-03) and are acceptable to both."""
    terms = {"sanctions_relief": 40, "guarantees": 40, "territory_km2": 10000}
    after = {"offer_probability": offer_probability}
    data: dict[str, Any] = {
        "start": "2025-01-06",
        "horizon_weeks": 30,
        "attacker": "A",
        "defender": "D",
        "regime_change": "2025-03-03",
        "negotiation_opens": "2025-03-03",
        "start_territory_km2": 10000,
        "grid": {"bin_km2": 50, "below_km2": 500, "above_km2": 4000, "belief_resolution": 6},
        "intensities": {
            "hold": {"attacker_cost": 0.3, "defender_cost": 0.3, "gain": _gain(0, 20)},
            "press": {"attacker_cost": 1.0, "defender_cost": 1.0, "gain": _gain(50, 20)},
            "surge": {"attacker_cost": surge_cost, "defender_cost": 1.5, "gain": _gain(120, 30)},
        },
        "aid_effect": 0.5,
        "levers": {"steady": {}, "aid_up": {"aid": 1.5, "attacker_cost": 0.3}},
        "mediator": {
            "types": {
                "soft": {
                    "prior": 1.0 - resolute_prior,
                    "before": {"levers": {"steady": 1}},
                    "after": {"levers": {"steady": 0.8, "aid_up": 0.2}, **after},
                    "terms": terms,
                },
                "resolute": {
                    "prior": resolute_prior,
                    "before": {"levers": {"steady": 1}, "riposte_probability": riposte_probability},
                    "after": {
                        "levers": {"steady": 0.4, "aid_up": 0.6},
                        **after,
                        "riposte_probability": riposte_probability,
                    },
                    "riposte_size": riposte_size,
                    "terms": terms,
                },
            }
        },
        "settlement": settlement,
        "status_quo_terms": {"sanctions_relief": 10, "guarantees": 50},
        "values": {
            "A": {"territory_per_1000km2": 20, "sanctions_relief": 0.3, "guarantees": -0.2},
            "D": {
                "territory_per_1000km2": -10,
                "sanctions_relief": -0.05,
                "guarantees": 0.3,
                "stalemate": -20,
            },
        },
        "discount": 0.998,
        "resumption": {
            "p_resume_5y": 0.4,
            "shape": 0.6,
            "guarantees_effect": 1.2,
            "snapback_effect": 0.3,
            "territory_effect": 0.02,
        },
    }
    return Campaign.model_validate(data)


def _policy_at_start(solution: Solution) -> np.ndarray:
    """The attacker's intensity by week at the start line and the prior belief."""
    arr = solution.arrays
    k0 = int(solution.territory_bin(np.array([arr.x0]))[0])
    g0 = int(solution.beliefs.nearest(arr.prior))
    r0 = int(np.argmax(arr.initial_regime))
    return solution.intensity[:, g0, 0, 0, r0, k0].astype(int)


def _before_after(solution: Solution) -> tuple[np.ndarray, np.ndarray]:
    policy = _policy_at_start(solution)
    return policy[DEADLINE_WEEK - 4 : DEADLINE_WEEK], policy[DEADLINE_WEEK : DEADLINE_WEEK + 4]


# --- property 1: the pre-deadline land grab -------------------------------------------------


@pytest.mark.parametrize("surge_cost", [1.0, 1.6, 2.2, 2.6, 3.0, 4.0])
def test_freeze_line_intensity_before_deadline_at_least_after(surge_cost: float) -> None:
    before, after = _before_after(solve(synthetic(surge_cost=surge_cost).arrays()))
    assert before.min() >= after.max()


@pytest.mark.parametrize("surge_cost", [2.2, 3.0])
def test_freeze_line_land_grab_is_strict_for_moderate_costs(surge_cost: float) -> None:
    solution = solve(synthetic(surge_cost=surge_cost).arrays())
    before, after = _before_after(solution)
    assert before.min() > after.max()
    # The simulated paths show it too: mean intensity in the four weeks before vs after.
    paths = simulate(solution, 2000, np.random.default_rng(3))
    at_war = paths.intensity >= 0
    pre = paths.intensity[:, DEADLINE_WEEK - 4 : DEADLINE_WEEK]
    post = paths.intensity[:, DEADLINE_WEEK : DEADLINE_WEEK + 4]
    post_war = at_war[:, DEADLINE_WEEK : DEADLINE_WEEK + 4]
    assert post_war.any()
    assert pre.mean() > post[post_war].mean()


# --- property 2: fixed terms remove it ------------------------------------------------------


@pytest.mark.parametrize("surge_cost", [2.2, 3.0])
def test_fixed_terms_removes_the_pre_deadline_surge(surge_cost: float) -> None:
    frozen = _policy_at_start(solve(synthetic(surge_cost=surge_cost).arrays()))
    fixed = _policy_at_start(
        solve(synthetic(surge_cost=surge_cost, settlement="fixed_terms").arrays())
    )
    before, after = fixed[DEADLINE_WEEK - 4 : DEADLINE_WEEK], fixed[DEADLINE_WEEK:]
    assert before.max() <= after[:4].max()
    assert frozen[:DEADLINE_WEEK].sum() > fixed[:DEADLINE_WEEK].sum()


# --- property 3: riposte deters escalation --------------------------------------------------


def _p_escalation(campaign: Campaign) -> float:
    paths = simulate(solve(campaign.arrays()), 3000, np.random.default_rng(11))
    return float((paths.intensity == 2).any(axis=1).mean())


def test_riposte_probability_lowers_escalation_monotonically() -> None:
    sweep = [
        _p_escalation(
            synthetic(surge_cost=1.6, riposte_probability=p, riposte_size=4.0, resolute_prior=0.8)
        )
        for p in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]
    assert all(a >= b for a, b in itertools.pairwise(sweep)), sweep
    assert sweep[0] > sweep[-1], sweep


def test_riposte_size_lowers_escalation_monotonically() -> None:
    sweep = [
        _p_escalation(
            synthetic(surge_cost=1.6, riposte_probability=0.8, riposte_size=z, resolute_prior=0.8)
        )
        for z in (0.0, 1.0, 2.0, 4.0, 8.0)
    ]
    assert all(a >= b for a, b in itertools.pairwise(sweep)), sweep
    assert sweep[0] > sweep[-1], sweep


# --- property 5: Bayes' rule ----------------------------------------------------------------


def test_bayes_update_is_bayes_rule() -> None:
    prior = np.array([0.2, 0.5, 0.3])
    lik = np.array([0.9, 0.1, 0.4])
    expected = prior * lik / (0.2 * 0.9 + 0.5 * 0.1 + 0.3 * 0.4)
    np.testing.assert_allclose(bayes_update(prior, lik), expected, rtol=1e-15)


def test_action_only_the_resolute_type_takes_reveals_it() -> None:
    np.testing.assert_array_equal(
        bayes_update(np.array([0.7, 0.3]), np.array([0.0, 0.35])), [0.0, 1.0]
    )


def test_cheap_talk_moves_belief_only_by_its_weight() -> None:
    prior, lik = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    np.testing.assert_allclose(cheap_talk_update(prior, lik, 0.0), prior)
    np.testing.assert_allclose(cheap_talk_update(prior, lik, 1.0), [0.9, 0.1])
    odds = 9.0**0.3  # tempered likelihood: posterior odds = prior odds x LR^w
    expected = [odds / (1 + odds), 1 / (1 + odds)]
    np.testing.assert_allclose(cheap_talk_update(prior, lik, 0.3), expected)


@pytest.mark.parametrize(("n_types", "resolution"), [(1, 4), (2, 7), (3, 10), (4, 5)])
def test_belief_grid_interpolation_reproduces_the_belief(n_types: int, resolution: int) -> None:
    grid = BeliefGrid(n_types, resolution)
    beliefs = np.random.default_rng(0).dirichlet(np.ones(n_types), size=200)
    index, weights = grid.locate(beliefs)
    assert (index >= 0).all() and (weights >= -1e-12).all()
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0)
    np.testing.assert_allclose(
        np.einsum("pv,pvn->pn", weights, grid.points[index]), beliefs, atol=1e-12
    )
    np.testing.assert_array_equal(grid.nearest(grid.points), np.arange(grid.size))


def test_simulated_beliefs_follow_bayes_rule_after_costly_actions() -> None:
    campaign = synthetic(
        surge_cost=1.0, riposte_probability=0.5, riposte_size=0.5, offer_probability=0.0
    )
    arr = campaign.arrays()
    paths = simulate(solve(arr), 500, np.random.default_rng(5))
    # Before the deadline the attacker surges everywhere; the resolute type ripostes half the
    # time, so a riposte reveals it and a surge without one halves the odds on it.
    for t in (1, DEADLINE_WEEK - 1):
        rip = paths.riposte[:, t]
        assert rip.any(), "some paths must see a riposte, which only the resolute type makes"
        np.testing.assert_array_equal(paths.belief[rip, t + 1], np.tile([0.0, 1.0], (rip.sum(), 1)))
        lever_lik = arr.lever_prob[arr.regime[t]].T  # (A, Θ)
        at_war = paths.intensity[:, t] >= 0
        surge = paths.intensity[:, t] == 2
        rip_lik = np.where(
            surge[:, None],
            np.where(rip[:, None], [0.0, 0.5], [1.0, 0.5]),
            1.0,
        )
        expected = bayes_update(paths.belief[:, t], lever_lik[paths.lever[:, t]] * rip_lik)
        np.testing.assert_allclose(paths.belief[at_war, t + 1], expected[at_war], rtol=1e-15)
        assert (surge & ~rip).any()
    # After it the lever is informative too (aid_up: soft 0.2, resolute 0.6).
    t = DEADLINE_WEEK + 1
    at_war = paths.intensity[:, t] >= 0
    expected = bayes_update(
        paths.belief[:, t],
        arr.lever_prob[1].T[paths.lever[:, t]]
        * np.where((paths.intensity[:, t] == 2)[:, None], [[1.0, 0.5]], 1.0),
    )
    np.testing.assert_allclose(paths.belief[at_war, t + 1], expected[at_war], rtol=1e-15)
    assert (paths.lever[at_war, t] == 1).any()


# --- determinism, document, built-in ---------------------------------------------------------


def test_same_seed_same_arrays() -> None:
    solution = solve(synthetic().arrays())
    a = simulate(solution, 300, np.random.default_rng(42))
    b = simulate(solution, 300, np.random.default_rng(42))
    c = simulate(solution, 300, np.random.default_rng(43))
    for field in ("territory", "intensity", "riposte", "belief", "mediator_type", "deal_week"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.territory, c.territory)


def _app() -> typer.Typer:
    app = typer.Typer(cls=OneLineErrors)
    app.command("simulate")(simulate_command)
    app.command("noop")(lambda: None)
    return app


def test_json_document_has_the_documented_keys() -> None:
    result = CliRunner().invoke(
        _app(),
        [
            "simulate",
            str(DOCS / "scenarios/generic-war.yaml"),
            "--draws",
            "400",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 2
    week = doc["weeks"][0]
    assert {"p_offer", "accepted_by_attacker", "accepted_by_defender"} <= set(week)
    assert set(doc["shares"]) == {"intensity", "posture", "regime"}
    assert abs(sum(doc["shares"]["intensity"]["all"].values()) - 1.0) < 1e-3
    assert all(set(v) >= {"offers", "accepted_by_attacker"} for v in doc["votes"].values())
    assert {"attacker", "defender", "dates"} <= set(doc["sources"])
    documented = (DOCS / "war_model.md").read_text(encoding="utf-8")
    for key in doc:
        assert f"`{key}`" in documented, f"key {key} is not in docs/war_model.md"
    assert set(week["territory_km2"]) == {"p05", "p25", "p50", "p75", "p95"} and "date" in week
    q = doc["weeks"][-1]["territory_km2"]
    assert q["p05"] <= q["p25"] <= q["p50"] <= q["p75"] <= q["p95"]
    ps = [row["p"] for row in doc["p_deal_by"]]
    assert ps == sorted(ps) and all(set(r) == {"date", "p", "by_source"} for r in doc["p_deal_by"])
    for row in doc["p_deal_by"]:  # the sources add up to the whole
        assert abs(sum(row["by_source"].values()) - row["p"]) <= 3e-4
    assert 0.0 <= doc["p_escalation"] <= 1.0
    assert set(doc["gain_km2_per_day"]) == {"before_deadline", "after_deadline"}
    holds = doc["p_holds"]
    assert set(holds) == {"1", "3", "5"} and holds["1"] >= holds["3"] >= holds["5"]


def test_builtin_case_end_to_end_with_what_if(tmp_path: Path) -> None:
    plot = tmp_path / "fan.png"
    result = CliRunner().invoke(
        _app(),
        [
            "simulate",
            "ukraine-2024",
            "--draws",
            "500",
            "--seed",
            "1",
            "--plot",
            str(plot),
            "-w",
            "mediator.types.presses_ukraine.after.offer_probability=0.5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "P(deal by date)" in result.stdout and "What if" in result.stdout
    assert plot.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("mediator.types.nobody.prior=0.5", "has no 'nobody'"),
        ("discount=2", "weekly discount factor"),
        ("discount", "is not KEY=VALUE"),
        ("settlement=split", "campaign.settlement"),
    ],
)
def test_bad_what_if_names_the_key(override: str, message: str) -> None:
    with pytest.raises(DetenteError, match=message) as exc:
        with_overrides(synthetic(), [override])
    assert "--what-if" in exc.value.one_line()
