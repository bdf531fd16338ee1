"""The Kalai–Smorodinsky solution: 2-actor cases by hand, the n-actor maximin against a
fine grid, who bargains, and bad parameters."""

from __future__ import annotations

import numpy as np
import pytest

from detente.errors import DetenteError
from detente.models import MODELS
from detente.models.base import IssueProblem
from detente.models.kalai import KalaiSmorodinsky
from detente.models.nash import NashBargaining


def two(sq: float = 0.0, salience: tuple[float, float] = (50.0, 50.0)) -> IssueProblem:
    return IssueProblem(
        actors=("a", "b"),
        position=np.array([40.0, 100.0]),
        salience=np.array(salience),
        capability=np.ones(2),
        status_quo=sq,
    )


def test_two_actors_quadratic_by_hand() -> None:
    """d = 0, ideals 40 and 100. Both gain on [0, 80] (b's mirror image of 0 about 100 is
    200, a's is 80). Ideal gains: a 40² = 1600 at 40; b 100² - 20² = 9600 at 80. Equal
    shares on [40, 80]: 6 (1600 - (x-40)²) = 10000 - (x-100)² gives -5x² + 280x = 0, x = 56
    (shares 1344/1600 = 8064/9600 = 0.84)."""
    assert abs(KalaiSmorodinsky().solve_issue(two()).outcome - 56.0) < 1e-9
    nash = NashBargaining().solve_issue(two()).outcome
    assert abs(nash - 56.0) > 1.0  # a different solution, not Nash in disguise


def test_two_actors_linear_by_hand() -> None:
    """Linear: gains 40 - |x-40| and 100 - |x-100| on [0, 80]; ideals 40 and 80. On
    [40, 80]: (80 - x)/40 = x/80, x = 160/3."""
    out = KalaiSmorodinsky(utility="linear").solve_issue(two()).outcome
    assert abs(out - 160 / 3) < 1e-9


def test_power_tilts_the_shares() -> None:
    """b with three times a's power: a's share of its ideal gain is a third of b's, so the
    outcome moves toward b."""
    equal = KalaiSmorodinsky(power="equal").solve_issue(two(salience=(25, 75))).outcome
    weighted = KalaiSmorodinsky().solve_issue(two(salience=(25, 75))).outcome
    assert abs(equal - 56.0) < 1e-9
    assert weighted > equal
    # with ω = (1/3, 1): (1600 - (x-40)²) / (1600/3) = (10000 - (x-100)²) / 9600
    # 18 (1600 - (x-40)²) = 10000 - (x-100)²  =>  -17x² + 1240x = 0  =>  x = 1240/17
    assert abs(weighted - 1240 / 17) < 1e-9


@pytest.mark.parametrize("utility", ["quadratic", "linear"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_n_actors_maximin_matches_a_fine_grid(utility: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 6
    problem = IssueProblem(
        actors=tuple(f"a{i}" for i in range(n)),
        position=rng.uniform(30, 100, n),
        salience=rng.uniform(10, 100, n),
        capability=rng.uniform(1, 5, n),
        status_quo=20.0,
    )
    model = KalaiSmorodinsky(utility=utility)
    out = model.solve_issue(problem).outcome
    p = 2.0 if utility == "quadratic" else 1.0
    x, d = problem.position, 20.0
    w = problem.weight / problem.weight.max()
    r = np.abs(d - x)
    lo, hi = np.max(x - r), np.min(x + r)
    grid = np.linspace(lo, hi, 200_001)
    gains = r**p - np.abs(grid[:, None] - x) ** p
    ideal = r**p - np.abs(np.clip(x, lo, hi) - x) ** p
    share = (gains / (w * ideal)).min(axis=1)
    best = grid[np.argmax(share)]
    assert abs(out - best) <= (hi - lo) / 200_000 * 2
    z = np.array([out])
    got = ((r**p - np.abs(z[:, None] - x) ** p) / (w * ideal)).min()
    assert got >= share.max() - 1e-9


def test_status_quo_cases() -> None:
    split = IssueProblem(
        actors=("a", "b"), position=np.array([10.0, 90.0]), salience=np.array([50.0, 50.0]),
        capability=np.ones(2), status_quo=50.0,
    )  # fmt: skip
    assert KalaiSmorodinsky().solve_issue(split).outcome == 50.0  # no majority side
    unknown = two(sq=float("nan"))
    assert abs(KalaiSmorodinsky().solve_issue(unknown).outcome - 70.0) < 1e-9  # weighted mean


@pytest.mark.parametrize("arg", ["utility", "power"])
def test_unknown_parameter_is_a_domain_error(arg: str) -> None:
    with pytest.raises(DetenteError, match=arg):
        KalaiSmorodinsky(**{arg: "nope"}).solve_issue(two())


def test_registered() -> None:
    assert MODELS["kalai"] is KalaiSmorodinsky
