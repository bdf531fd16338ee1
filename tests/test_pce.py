"""The Probabilistic Condorcet Election (KTAB's PCE): a 3-actor case derived by hand, the
Markov variants against KTAB's own damped iteration, and bad parameters."""

from __future__ import annotations

import numpy as np
import pytest

from detente.errors import DetenteError
from detente.models import MODELS
from detente.models.base import IssueProblem
from detente.models.pce import ProbabilisticCondorcet

EPS = 1e-8  # KTAB's coalition floor (minC)


def three_actors() -> IssueProblem:
    """Positions 0, 20, 100 on 0-100; capability 1; saliences 50, 100, 50, so the voting
    weights c·s normalised are 1/4, 1/2, 1/4."""
    return IssueProblem(
        actors=("a", "b", "c"),
        position=np.array([0.0, 20.0, 100.0]),
        salience=np.array([50.0, 100.0, 50.0]),
        capability=np.ones(3),
    )


def hand_probabilities() -> np.ndarray:
    """By hand, u_k(x) = 1 - |x - x_k| / 100, v_k(i:j) = w_k (u_k(i) - u_k(j)):

    - 0 vs 20: the actor at 0 gains .2 (x 1/4 = .05 for 0); the actors at 20 and 100 lose
      .2 (x 1/2 + x 1/4 = .15 for 20).
    - 0 vs 100: the actor at 0 gains 1 (.25), the one at 20 gains .6 (.30): .55 for 0;
      the one at 100 .25 for 100.
    - 20 vs 100: .8 x 1/4 + .8 x 1/2 = .6 for 20; .8 x 1/4 = .2 for 100.

    Each coalition plus the floor EPS; P[i>j] = C_ij / (C_ij + C_ji); P_i ∝ Π_j P[i>j].
    Without the floor: P = (11, 36, 5) / 52.
    """
    c = {(0, 1): 0.05, (1, 0): 0.15, (0, 2): 0.55, (2, 0): 0.25, (1, 2): 0.6, (2, 1): 0.2}

    def p(i: int, j: int) -> float:
        return (c[i, j] + EPS) / (c[i, j] + c[j, i] + 2 * EPS)

    prod = np.array([p(0, 1) * p(0, 2), p(1, 0) * p(1, 2), p(2, 0) * p(2, 1)])
    return prod / prod.sum()


def test_hand_derived_three_actor_case_to_1e_9() -> None:
    model = ProbabilisticCondorcet()
    options, prob = model.probabilities(three_actors())
    expected = hand_probabilities()
    assert np.allclose(options, [0, 20, 100])
    assert np.max(np.abs(prob - expected)) < 1e-9
    assert np.allclose(expected, np.array([11, 36, 5]) / 52, atol=1e-7)  # the floor is small
    mean = float(np.dot(expected, [0.0, 20.0, 100.0]))
    assert abs(model.solve_issue(three_actors()).outcome - mean) < 1e-9
    assert abs(mean - 1220 / 52) < 1e-6
    # The most probable option is the weighted median, 20; the compromise would be 35.
    assert ProbabilisticCondorcet(forecast="mode").solve_issue(three_actors()).outcome == 20.0


def test_duplicate_positions_are_one_option() -> None:
    """Two actors at 20 with weight 1/4 each vote like one with 1/2: the same answer."""
    split = IssueProblem(
        actors=("a", "b1", "b2", "c"),
        position=np.array([0.0, 20.0, 20.0, 100.0]),
        salience=np.array([50.0, 50.0, 50.0, 50.0]),
        capability=np.ones(4),
    )
    model = ProbabilisticCondorcet()
    options, prob = model.probabilities(split)
    assert len(options) == 3
    assert np.max(np.abs(prob - hand_probabilities())) < 1e-9


def ktab_iteration(m: np.ndarray, tol: float = 1e-14) -> np.ndarray:
    """KTAB's damped Markov loop, p <- (p + M p) / 2 from uniform, run to a tight tolerance."""
    n = m.shape[0]
    p = np.full(n, 1.0 / n)
    for _ in range(200_000):
        q = m @ p
        if np.max(np.abs(q - p)) < tol:
            break
        p = (p + q) / 2
    return p


def _case(seed: int, n: int = 7) -> IssueProblem:
    rng = np.random.default_rng(seed)
    return IssueProblem(
        actors=tuple(f"a{i}" for i in range(n)),
        position=rng.integers(0, 11, n) * 10.0,
        salience=rng.uniform(10, 100, n),
        capability=rng.uniform(1, 10, n),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_markov_variants_match_the_damped_iteration(seed: int) -> None:
    from detente.models.pce import coalitions, victory_probabilities

    problem = _case(seed)
    w = problem.weight / problem.weight.sum()
    options = np.unique(problem.position)
    c = coalitions(options, problem.position, w, 100.0, "proportional")
    pv = victory_probabilities(c)
    n = len(options)
    uniform = (np.diag(pv.sum(axis=1)) + pv) / n
    incentive = c * pv + np.eye(n) * 1e-10
    h = incentive / incentive.sum(axis=0)
    by_incentive = np.diag([sum(pv[i, j] * h[j, i] for j in range(n)) for i in range(n)]) + pv * h
    for pce, m in (("markov_uniform", uniform), ("markov_incentive", by_incentive)):
        assert np.allclose(m.sum(axis=0), 1.0)
        got = ProbabilisticCondorcet(pce=pce).probabilities(problem)[1]
        assert np.max(np.abs(got - ktab_iteration(m))) < 1e-9, pce


def test_a_single_dominant_actor_wins_for_sure_in_the_limit() -> None:
    """One actor with nearly all the weight: its position is almost certain to win."""
    problem = IssueProblem(
        actors=("big", "x", "y"),
        position=np.array([70.0, 0.0, 100.0]),
        salience=np.array([100.0, 1.0, 1.0]),
        capability=np.array([1e6, 1.0, 1.0]),
    )
    for pce in ("conditional", "markov_uniform", "markov_incentive"):
        out = ProbabilisticCondorcet(pce=pce).solve_issue(problem).outcome
        assert abs(out - 70.0) < 1e-3, pce


def test_probabilities_sum_to_one_and_rules_differ() -> None:
    problem = _case(5, 12)
    seen = set()
    for rule in ("proportional", "binary", "propbin", "propcbc", "cubic", "asymprosp"):
        for victory in ("linear", "square", "quartic", "octic"):
            _, p = ProbabilisticCondorcet(voting_rule=rule, victory=victory).probabilities(problem)
            assert abs(p.sum() - 1.0) < 1e-12 and np.all(p >= 0)
            seen.add(round(float(p.max()), 9))
    assert len(seen) > 10  # the parameters do change the answer


def test_all_zero_weights_and_one_position() -> None:
    zero = IssueProblem(
        actors=("a", "b"), position=np.array([10.0, 30.0]),
        salience=np.zeros(2), capability=np.ones(2),
    )  # fmt: skip
    assert abs(ProbabilisticCondorcet().solve_issue(zero).outcome - 20.0) < 1e-9
    one = IssueProblem(
        actors=("a", "b"), position=np.array([40.0, 40.0]),
        salience=np.ones(2), capability=np.ones(2),
    )  # fmt: skip
    assert ProbabilisticCondorcet().solve_issue(one).outcome == 40.0


@pytest.mark.parametrize("arg", ["voting_rule", "victory", "pce", "forecast"])
def test_unknown_parameter_is_a_domain_error(arg: str) -> None:
    with pytest.raises(DetenteError, match=arg):
        ProbabilisticCondorcet(**{arg: "nope"}).solve_issue(three_actors())


def test_registered() -> None:
    assert MODELS["pce"] is ProbabilisticCondorcet
