"""Shapley–Shubik and Banzhaf indices by generating functions, against brute force over
every permutation / coalition, and the properties every index must have."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from detente.backtest.deu import load_deu
from detente.errors import DetenteError
from detente.models.power import banzhaf, power_index, shapley_shubik
from tests.conftest import missing


def brute_shapley(weights: list[int], quota: int) -> np.ndarray:
    """The share of the n! orderings in which each player is the one who makes the
    coalition reach the quota."""
    n = len(weights)
    pivots = np.zeros(n)
    for order in itertools.permutations(range(n)):
        total = 0
        for player in order:
            total += weights[player]
            if total >= quota:
                pivots[player] += 1
                break
    return pivots / math.factorial(n)


def brute_banzhaf(weights: list[int], quota: int) -> tuple[np.ndarray, np.ndarray]:
    """Swings over all 2^n coalitions: (normalized, absolute)."""
    n = len(weights)
    swings = np.zeros(n)
    for mask in range(2**n):
        total = sum(w for i, w in enumerate(weights) if mask >> i & 1)
        if total < quota:
            continue
        for i in range(n):
            if mask >> i & 1 and total - weights[i] < quota:
                swings[i] += 1
    return swings / swings.sum(), swings / 2 ** (n - 1)


GAMES = [
    ([4, 3, 3], 6),  # any two win: all equal although A has more votes
    ([4, 3, 2, 1], 6),
    ([10, 10, 10, 10, 8, 5, 5], 30),
    ([1, 1, 1, 1, 1], 5),  # unanimity
    ([5, 0, 2, 2], 5),  # a dictator and a zero-weight player
    ([6, 5, 4, 3, 2, 2, 1, 0], 12),
]


@pytest.mark.parametrize(("weights", "quota"), GAMES)
def test_generating_functions_match_brute_force(weights: list[int], quota: int) -> None:
    assert np.allclose(shapley_shubik(weights, quota), brute_shapley(weights, quota), atol=1e-12)
    norm, absolute = brute_banzhaf(weights, quota)
    assert np.allclose(banzhaf(weights, quota), norm, atol=1e-12)
    assert np.allclose(banzhaf(weights, quota, normalized=False), absolute, atol=1e-12)


def test_random_games_match_brute_force() -> None:
    rng = np.random.default_rng(7)
    for _ in range(15):
        n = int(rng.integers(2, 8))
        weights = rng.integers(0, 12, n).tolist()
        if sum(weights) == 0:
            continue
        quota = int(rng.integers(1, sum(weights) + 1))
        assert np.allclose(shapley_shubik(weights, quota), brute_shapley(weights, quota))
        assert np.allclose(banzhaf(weights, quota), brute_banzhaf(weights, quota)[0])


def test_known_small_games() -> None:
    """[4; 3, 3, 2]... by hand: [6; 4, 3, 3] any two win, each has 1/3 under both indices;
    [51; 50, 49, 1]: the 50 is pivotal in 4 of the 6 orders, the others in 1 each."""
    assert np.allclose(shapley_shubik([4, 3, 3], 6), [1 / 3] * 3)
    assert np.allclose(shapley_shubik([50, 49, 1], 51), [4 / 6, 1 / 6, 1 / 6])
    # Banzhaf: the 50 swings in {50,49}, {50,1}, {50,49,1}; the 49 and the 1 once each.
    assert np.allclose(banzhaf([50, 49, 1], 51), [3 / 5, 1 / 5, 1 / 5])


def test_eu15_council_qmv_62_of_87() -> None:
    """EU-15 weights (Amsterdam, 62 of 87): the values the generating functions give, to 4
    places; brute force over 2^15 coalitions confirms the Banzhaf ones, and the indices rank
    the states by weight."""
    weights = [10, 10, 10, 10, 8, 5, 5, 5, 5, 4, 4, 3, 3, 3, 2]
    ss = shapley_shubik(weights, 62)
    bz = banzhaf(weights, 62)
    assert np.allclose(ss[[0, 4, 5, 9, 11, 14]], [0.1167, 0.0955, 0.0552, 0.0454, 0.0353, 0.0207],
                       atol=5e-5)  # fmt: skip
    assert np.allclose(bz[[0, 4, 5, 9, 11, 14]], [0.1116, 0.0924, 0.0587, 0.0479, 0.0359, 0.0226],
                       atol=5e-5)  # fmt: skip
    assert np.allclose(bz, brute_banzhaf(weights, 62)[0])
    assert np.all(np.diff(ss) <= 1e-15) and np.all(np.diff(bz) <= 1e-15)


def test_large_game_is_exact_and_sums_to_one() -> None:
    weights = [29, 29, 29, 29, 27, 27, 14, 13, 12, 12, 12, 12, 12, 10, 10, 10, 7, 7, 7, 7, 7,
               4, 4, 4, 4, 4, 3, 7]  # fmt: skip
    for index in ("shapley", "banzhaf"):
        p = power_index(index, weights, 260)
        assert abs(p.sum() - 1) < 1e-12 and np.all(p > 0)


@pytest.mark.parametrize(
    ("weights", "quota", "where"),
    [([1.5, 2], 2, "weights"), ([-1, 2], 2, "weights"), ([1, 2], 4, "quota"),
     ([1, 2], 0, "quota"), ([], 1, "weights")],
)  # fmt: skip
def test_bad_games_are_domain_errors(weights: list[float], quota: int, where: str) -> None:
    with pytest.raises(DetenteError) as info:
        shapley_shubik(weights, quota)
    assert info.value.where == where


def test_unknown_index() -> None:
    with pytest.raises(DetenteError, match="unknown power index"):
        power_index("coleman", [1, 1], 2)


@pytest.fixture(scope="module")
def deu_dir(request: pytest.FixtureRequest) -> Path:
    shared: Path = request.getfixturevalue("shared_data")
    path = shared / "validation" / "deu"
    if not (path / "deu3_tidy_long.csv").is_file():
        missing(f"DEU data not found at {path} (set DETENTE_SHARED_DATA)")
    return path


@pytest.mark.parametrize("index", ["shapley", "banzhaf"])
def test_deu_capability_is_the_council_index(deu_dir: Path, index: str) -> None:
    """Under QMV, each member state's capability is its index in its regime's Council game
    (all members, the regime's quota); under unanimity 1/n; the Commission gets the largest
    member index; the formal votes in the context and the decision rule are unchanged."""
    votes = {c.issue_id: c for c in load_deu(deu_dir, "votes")}
    seen_qmv = seen_unan = False
    for case in load_deu(deu_dir, index):
        p = case.problem
        states = np.array([t == "member_state" for t in p.context["actor_type"]])
        assert np.array_equal(p.context["council_votes"], votes[case.issue_id].problem.context[
            "council_votes"])  # fmt: skip
        assert np.array_equal(p.rule.votes, votes[case.issue_id].problem.rule.votes)
        if p.context["regime"] != "EU15_Amsterdam":
            continue
        if p.context["voting_rule"] == "QMV" and "de" in p.actors:
            seen_qmv = True
            de = p.capability[p.actors.index("de")]
            assert abs(de - (0.1167 if index == "shapley" else 0.1116)) < 5e-5
            if "com" in p.actors:
                assert p.capability[p.actors.index("com")] == de
        if p.context["voting_rule"].lower().startswith("unan"):
            seen_unan = True
            assert np.allclose(p.capability[states], 1 / 15)
    assert seen_qmv and seen_unan
