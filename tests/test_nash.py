"""The asymmetric Nash bargaining solution against brute force and its known limits."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from detente import DetenteError
from detente.models.base import IssueProblem, respect_rule
from detente.models.compromise import weighted_mean
from detente.models.median import weighted_median
from detente.models.nash import NashBargaining, nash_objective
from detente.models.rules import IssueRule


def problem(
    position: list[float],
    salience: list[float],
    capability: list[float],
    status_quo: float = float("nan"),
    **context: object,
) -> IssueProblem:
    n = len(position)
    return IssueProblem(
        actors=tuple(f"a{i}" for i in range(n)),
        position=np.asarray(position, dtype=float),
        salience=np.asarray(salience, dtype=float),
        capability=np.asarray(capability, dtype=float),
        status_quo=status_quo,
        context=dict(context),
    )


def brute_force(p: IssueProblem, utility: str) -> float:
    """Argmax of the log Nash product over a fine grid, all actors bargaining."""
    grid = np.linspace(0.0, 100.0, 400_001)
    exponent = 2.0 if utility == "quadratic" else 1.0
    values = nash_objective(grid, p.position, p.weight, p.status_quo, exponent)
    assert np.isfinite(values).any()
    return float(grid[np.argmax(values)])


@pytest.mark.parametrize("utility", ["quadratic", "linear"])
@pytest.mark.parametrize("seed", range(8))
def test_matches_brute_force_grid(utility: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    d = float(rng.uniform(0, 30))
    p = problem(
        position=list(rng.uniform(d + 1, 100, n)),  # everyone gains from moving right
        salience=list(rng.uniform(5, 100, n)),
        capability=list(rng.uniform(0.5, 10, n)),
        status_quo=d,
    )
    got = NashBargaining(utility=utility, losers="veto").solve_issue(p).outcome
    assert got == pytest.approx(brute_force(p, utility), abs=1e-3)
    # with nobody at or left of the status quo, "outvoted" is the same problem
    assert NashBargaining(utility=utility).solve_issue(p).outcome == pytest.approx(got, abs=1e-7)


def test_quadratic_far_status_quo_is_the_compromise() -> None:
    """Achen (2006): quadratic losses, a far disagreement point -> the weighted mean."""
    p = problem([10, 35, 70, 90], [80, 40, 60, 20], [3, 1, 2, 5], status_quo=-1e7)
    got = NashBargaining().solve_issue(p).outcome
    assert got == pytest.approx(float(weighted_mean(p.position, p.weight)), abs=1e-3)
    # and a near status quo pulls the outcome toward it
    near = (
        NashBargaining()
        .solve_issue(problem([10, 35, 70, 90], [80, 40, 60, 20], [3, 1, 2, 5], status_quo=0.0))
        .outcome
    )
    assert near < got - 1.0


def test_linear_far_status_quo_is_the_weighted_median() -> None:
    p = problem([10, 35, 70, 90], [80, 40, 60, 20], [3, 1, 2, 5], status_quo=-1e7)
    got = NashBargaining(utility="linear").solve_issue(p).outcome
    assert got == pytest.approx(float(weighted_median(p.position, p.weight)), abs=1e-3)


def test_unknown_status_quo_gives_the_limit() -> None:
    p = problem([10, 35, 70], [80, 40, 60], [3, 1, 2])
    assert NashBargaining().solve_issue(p).outcome == pytest.approx(
        float(weighted_mean(p.position, p.weight))
    )
    assert NashBargaining(utility="linear").solve_issue(p).outcome == pytest.approx(
        float(weighted_median(p.position, p.weight))
    )


def test_status_quo_equal_to_every_position() -> None:
    p = problem([40, 40, 40], [10, 50, 90], [1, 2, 3], status_quo=40.0)
    for losers in ("outvoted", "veto", "by_rule"):
        assert NashBargaining(losers=losers).solve_issue(p).outcome == 40.0


@pytest.mark.parametrize("d", [0.0, 55.0, 100.0, float("nan")])
def test_one_actor_gets_its_position(d: float) -> None:
    p = problem([55.0], [30.0], [1.0], status_quo=d)
    assert NashBargaining().solve_issue(p).outcome == pytest.approx(55.0, abs=1e-6)


def test_veto_and_outvoted_differ_when_someone_sits_at_the_status_quo() -> None:
    p = problem([0, 60, 80, 100], [50, 50, 50, 50], [1, 1, 1, 1], status_quo=0.0)
    assert NashBargaining(losers="veto").solve_issue(p).outcome == 0.0
    moved = NashBargaining(losers="outvoted").solve_issue(p).outcome
    assert 0.0 < moved <= 100.0
    unanimity = replace(p, rule=IssueRule(kind="unanimity"))
    assert NashBargaining(losers="by_rule").solve_issue(unanimity).outcome == 0.0
    qmv = replace(p, rule=IssueRule(kind="qualified_majority", threshold=0.5))
    assert NashBargaining(losers="by_rule").solve_issue(qmv).outcome == pytest.approx(moved)


def test_no_majority_to_move_keeps_the_status_quo() -> None:
    p = problem([0, 50, 50, 100], [50, 50, 50, 50], [1, 1, 1, 1], status_quo=50.0)
    assert NashBargaining().solve_issue(p).outcome == 50.0


def test_scale_free_in_capability_and_never_nan() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 7))
        pos = list(rng.choice([0.0, 25.0, 50.0, 75.0, 100.0], n))
        sal = list(rng.choice([0.0, 30.0, 100.0], n))
        cap = list(rng.uniform(0, 5, n))
        d = float(rng.choice([0.0, 50.0, 100.0, np.nan]))
        base = NashBargaining().solve_issue(problem(pos, sal, cap, d)).outcome
        scaled = NashBargaining().solve_issue(problem(pos, sal, [7 * c for c in cap], d)).outcome
        assert np.isfinite(base)
        assert 0.0 <= base <= 100.0
        assert scaled == pytest.approx(base, abs=1e-6)


def test_power_capability_ignores_salience() -> None:
    a = problem([10, 70, 90], [10, 90, 50], [1, 2, 3], status_quo=0.0)
    b = problem([10, 70, 90], [90, 5, 100], [1, 2, 3], status_quo=0.0)
    m = NashBargaining(power="capability")
    assert m.solve_issue(a).outcome == pytest.approx(m.solve_issue(b).outcome, abs=1e-7)
    assert NashBargaining().solve_issue(a).outcome != pytest.approx(
        NashBargaining().solve_issue(b).outcome, abs=1e-3
    )


def test_unknown_option_is_a_detente_error() -> None:
    with pytest.raises(DetenteError, match="utility"):
        NashBargaining(utility="cubic").solve_issue(problem([1.0], [1.0], [1.0]))


def _veto_problem(position: list[float], veto: list[bool], sq: float) -> IssueProblem:
    n = len(position)
    return IssueProblem(
        actors=tuple(f"a{k}" for k in range(n)),
        position=np.array(position),
        salience=np.full(n, 50.0),
        capability=np.ones(n),
        status_quo=sq,
        rule=IssueRule(kind="veto", veto=np.array(veto)),
    )


def test_veto_players_do_not_change_the_bargaining_the_rule_flags_it() -> None:
    # DECISIONS SCN-9: the Nash model bargains as without a rule; the one rule of
    # OutcomeModel.predict flags its answer. Without vetoes the three actors left of the
    # status quo outvote the one right of it.
    free = _veto_problem([0.0, 10.0, 20.0, 100.0], [False] * 4, sq=80.0)
    vetoed = _veto_problem([0.0, 10.0, 20.0, 100.0], [True, False, False, True], sq=80.0)
    outcome = NashBargaining().solve_issue(vetoed).outcome
    assert outcome == NashBargaining().solve_issue(free).outcome < 80.0
    # opposed veto players at 0 and 100: only the status quo passes
    checked = respect_rule(vetoed, outcome)
    assert checked.flagged and checked.constrained == 80.0 and checked.winset == (80.0, 80.0)
    assert not respect_rule(free, outcome).flagged
