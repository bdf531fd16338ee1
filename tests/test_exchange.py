"""The exchange model (Stokman & Van Oosten 1994) against a hand-computed case and the
paper's properties."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from detente.models import MODELS
from detente.models.base import IssueProblem
from detente.models.compromise import Compromise
from detente.models.exchange import ExchangeModel, run_exchanges


def _issue(position: list[float], salience: list[float], capability: list[float]) -> IssueProblem:
    return IssueProblem(
        actors=("A", "B", "C"),
        position=np.array(position, dtype=float),
        salience=np.array(salience, dtype=float),
        capability=np.array(capability, dtype=float),
    )


# Two issues, three actors, capabilities A 2, B 1, C 1.
P = _issue([100, 0, 40], [80, 30, 50], [2, 1, 1])
Q = _issue([0, 100, 60], [40, 90, 50], [2, 1, 1])


def test_hand_computed_two_issue_three_actor_case() -> None:
    # W_p = 2*80 + 30 + 50 = 240, O_p = (16000 + 0 + 2000) / 240 = 75.
    # W_q = 2*40 + 90 + 50 = 220, O_q = (0 + 9000 + 3000) / 220 = 54.5454...
    # p: A (100) above O_p, B (0) and C (40) below; q: A (0) below, B (100), C (60) above.
    # So A-B and A-C are on opposite sides on both issues; B-C are not (both below on p).
    # A-B: s_Ap/s_Aq = 2 > s_Bp/s_Bq = 1/3, so B moves on p to A's 100:
    #   δ_p = 100 * 30 / 240 = 12.5; rate (80 + 30) / (40 + 90) = 11/13; δ_q = 137.5/13;
    #   A's cap on q: 100 * 80 / 220 = 36.4 > δ_q, so not binding;
    #   gain = 80 * 12.5 - 40 * 137.5/13 = 1000 - 5500/13 = 576.92.
    # A-C: s_Cp/s_Cq = 1 < 2, so C moves on p to 100: δ_p = 60 * 50 / 240 = 12.5,
    #   δ_q = 12.5 * 130/90 = 18.06 (< cap 60*80/220 = 21.8), gain = 1000 - 722.2 = 277.8.
    # A-B goes first. A then has moved on q, so A-C (A supplies q) is no longer possible.
    run = run_exchanges([P, Q])
    assert len(run.trades) == 1
    (t,) = run.trades
    assert (t.demander, t.supplier, t.demand_issue, t.supply_issue) == ("A", "B", 0, 1)
    assert t.gain == pytest.approx(1000 - 5500 / 13, abs=1e-9)
    assert t.supplier_shift == pytest.approx(100.0, abs=1e-9)
    dq = 137.5 / 13
    assert t.demander_shift == pytest.approx(dq * 220 / 80, abs=1e-9)  # 29.0865...
    np.testing.assert_allclose(run.initial_outcome, [75.0, 12000 / 220], atol=1e-9)
    # O_p = (16000 + 100*30 + 2000) / 240 = 87.5; O_q = O_q0 + δ_q.
    np.testing.assert_allclose(run.outcome, [87.5, 12000 / 220 + dq], atol=1e-9)
    got = ExchangeModel().solve_issues([P, Q])
    assert [s.outcome for s in got] == pytest.approx([87.5, 12000 / 220 + dq], abs=1e-9)


def test_equal_gain_each_trade_gains_both_sides_equally() -> None:
    rng = np.random.default_rng(3)
    n = 8
    issues = [
        _rand(rng, n) for _ in range(3)
    ]  # three issues, same actors, random positions and saliences
    run = run_exchanges(issues)
    assert run.trades, "random saliences give some trade"
    for t in run.trades:
        i, j = run.actors.index(t.demander), run.actors.index(t.supplier)
        p, q = t.demand_issue, t.supply_issue
        s = {(a, k): float(issues[k].salience[a]) for a in (i, j) for k in (p, q)}
        dp, dq = t.outcome_shift
        gain_i = s[(i, p)] * dp - s[(i, q)] * dq
        gain_j = s[(j, q)] * dq - s[(j, p)] * dp
        assert gain_i == pytest.approx(gain_j, rel=1e-9) and gain_i > 0
        assert gain_i == pytest.approx(t.gain, rel=1e-9)


def _rand(rng: np.random.Generator, n: int) -> IssueProblem:
    return IssueProblem(
        actors=tuple(f"a{k}" for k in range(n)),
        position=rng.uniform(0, 100, n).round(1),
        salience=rng.uniform(10, 100, n).round(1),
        capability=np.ones(n),
    )


@pytest.mark.parametrize("seed", range(5))
def test_trades_only_between_opposite_sides_with_different_saliences(seed: int) -> None:
    rng = np.random.default_rng(seed)
    issues = [_rand(rng, 6) for _ in range(3)]
    # replay the trades: before each, the two traders sit on opposite sides of the expected
    # outcome on both issues and their salience ratios differ in the right direction
    position = np.column_stack([p.position for p in issues]).astype(float)
    salience = np.column_stack([p.salience for p in issues])
    run = run_exchanges(issues)
    assert run.trades
    for t in run.trades:
        outcome = (position * salience).sum(axis=0) / salience.sum(axis=0)
        i, j = run.actors.index(t.demander), run.actors.index(t.supplier)
        p, q = t.demand_issue, t.supply_issue
        for k in (p, q):
            assert (position[i, k] - outcome[k]) * (position[j, k] - outcome[k]) < 0
        assert salience[i, p] / salience[i, q] > salience[j, p] / salience[j, q]
        position[j, p] += np.sign(position[i, p] - position[j, p]) * t.supplier_shift
        position[i, q] += np.sign(position[j, q] - position[i, q]) * t.demander_shift
    np.testing.assert_allclose(position, run.position, atol=1e-9)


def test_no_trade_between_actors_on_the_same_side() -> None:
    # A and B both above the outcome on p: no trade, though their saliences differ.
    p = _issue([90, 80, 0], [80, 20, 50], [1, 1, 5])
    q = _issue([0, 100, 50], [20, 80, 50], [1, 1, 1])
    run = run_exchanges([p, q])
    assert all({t.demander, t.supplier} != {"A", "B"} for t in run.trades)


def test_no_trade_when_saliences_are_proportional() -> None:
    # Everyone's saliences on q are half those on p: no relative salience differs.
    q = replace(Q, salience=P.salience / 2)
    run = run_exchanges([P, q])
    assert run.trades == ()
    np.testing.assert_allclose(run.outcome, run.initial_outcome)
    compromise = Compromise()
    got = ExchangeModel().solve_issues([P, q])
    assert [s.outcome for s in got] == [compromise.solve_issue(x).outcome for x in (P, q)]


@pytest.mark.parametrize("seed", range(5))
def test_a_single_issue_is_the_compromise_model(seed: int) -> None:
    problem = _rand(np.random.default_rng(seed), 9)
    assert ExchangeModel().solve_issue(problem).outcome == pytest.approx(
        Compromise().solve_issue(problem).outcome, abs=1e-12
    )


def test_trades_move_outcomes_towards_the_demanders() -> None:
    run = run_exchanges([P, Q])
    # A demanded p: the outcome of p moved towards A's 100; B demanded q: towards B's 100.
    assert run.outcome[0] > run.initial_outcome[0]
    assert run.outcome[1] > run.initial_outcome[1]


def test_registered_and_scenario_predict_links_the_issues(toy: object) -> None:
    assert MODELS["exchange"] is ExchangeModel
    from detente.spec.scenario import Scenario

    assert isinstance(toy, Scenario)
    exchange = ExchangeModel().predict(toy).values()
    compromise = Compromise().predict(toy).values()
    # X (a: 80, s 60; b: 10, s 90) and Y (a: 20, s 40; b: 60, s 30) trade: X cares
    # relatively more about b, so Y moves on b towards X and X on a towards Y.
    assert exchange["a"] < compromise["a"] and exchange["b"] < compromise["b"]


def test_actors_absent_from_an_issue_do_not_trade_on_it() -> None:
    q = IssueProblem(
        actors=("A", "C"),
        position=np.array([0.0, 60.0]),
        salience=np.array([40.0, 50.0]),
        capability=np.array([2.0, 1.0]),
    )
    run = run_exchanges([P, q])
    assert all("B" not in (t.demander, t.supplier) for t in run.trades)
    assert np.isnan(run.position[run.actors.index("B"), 1])
