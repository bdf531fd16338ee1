"""The batched one-shot models: ``solve_draws`` gives, bit for bit, what ``solve_issue`` gives
draw by draw, in every option of the model and on degenerate draws (DECISIONS NASH-6, KS-5).

The draws come from seeded generators (seeds in the parametrisation): continuous and
coincident positions, one actor, zero and all-zero capabilities and saliences, the status quo
unknown, at an actor's position, at the ends of the scale and outside it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from detente.models import MODELS, IssueDraws, IssueProblem, OutcomeModel
from detente.models.nash import brentq_rows, masked_sums
from detente.models.rules import COLLECTIVE, IssueRule

BATCHED = ("nash", "kalai", "pce")


def random_draws(seed: int, n_draws: int = 60) -> IssueDraws:
    """``n_draws`` versions of a random issue; the kind of degeneracy varies by draw."""
    rng = np.random.default_rng(seed)
    actors = int(rng.choice([1, 2, 3, 5, 8, 9, 12, 17]))
    low, high = [(0.0, 100.0), (-5.0, 5.0), (0.0, 1.0)][seed % 3]
    span = high - low
    position = low + span * rng.uniform(0, 1, (n_draws, actors))
    coincident = rng.uniform(size=n_draws) < 0.3  # positions on a 5-point grid
    position[coincident] = low + span * rng.integers(0, 5, (int(coincident.sum()), actors)) / 4
    same = rng.uniform(size=n_draws) < 0.05  # everyone at one point
    position[same] = position[same][:, :1]
    salience = rng.uniform(0, 100, (n_draws, actors))
    salience[rng.uniform(size=(n_draws, actors)) < 0.15] = 0.0
    salience[rng.uniform(size=n_draws) < 0.05] = 0.0  # all-zero salience
    capability = rng.uniform(0, 10, (n_draws, actors))
    capability[rng.uniform(size=n_draws) < 0.05] = 0.0  # all-zero capability
    kind = rng.integers(0, 6, n_draws)
    status_quo = low + span * rng.uniform(0, 1, n_draws)
    status_quo[kind == 0] = np.nan
    pick = rng.integers(0, actors, n_draws)
    at_actor = position[np.arange(n_draws), pick]
    status_quo[kind == 1] = at_actor[kind == 1]
    status_quo[kind == 2] = low
    status_quo[kind == 3] = high + span * rng.uniform(0, 2, int((kind == 3).sum()))
    rule = IssueRule(kind="unanimity") if seed % 2 else COLLECTIVE
    problem = IssueProblem(
        actors=tuple(f"a{k}" for k in range(actors)),
        position=position[0],
        salience=salience[0],
        capability=capability[0],
        scale=(low, high),
        rule=rule,
    )
    if seed % 3 == 1:  # laid out as the draws of one issue sliced from (draws, actors, issues)
        position, salience, capability = (
            np.asfortranarray(a) for a in (position, salience, capability)
        )
    return IssueDraws(problem, position, salience, capability, status_quo)


def every_option(name: str) -> list[OutcomeModel]:
    cls = MODELS[name]
    choices = cls.choices
    return [
        cls(**dict(zip(choices, combo, strict=True)))
        for combo in itertools.product(*choices.values())
    ]


@pytest.mark.parametrize("name", BATCHED)
def test_batched_models_say_so(name: str) -> None:
    cls = MODELS[name]
    assert cls.tags.batchable
    assert cls.solve_draws is not OutcomeModel.solve_draws


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("name", BATCHED)
def test_solve_draws_is_solve_issue_draw_by_draw(name: str, seed: int) -> None:
    draws = random_draws(seed, 20 if name == "pce" else 60)  # pce: 144 options
    for model in every_option(name):
        batch = model.solve_draws(draws)
        single = np.array([model.solve_issue(draws.version(d)).outcome for d in range(draws.n)])
        assert batch.shape == (draws.n,)
        np.testing.assert_array_equal(batch, single, err_msg=repr(model))


@pytest.mark.parametrize("name", BATCHED)
def test_the_built_in_case_bit_for_bit(name: str) -> None:
    from detente.models.base import issue_draws
    from detente.scenario import load_scenario
    from detente.uncertainty.sampling import draw, with_default_spread

    scenario = with_default_spread(load_scenario("ukraine-2024"))
    draws = draw(scenario, 40, np.random.default_rng(0))
    model = MODELS[name]()
    for _, issue in issue_draws(scenario, draws):
        batch = model.solve_draws(issue)
        single = OutcomeModel.solve_draws(model, issue)
        np.testing.assert_array_equal(batch, single)
        assert np.isfinite(batch).all()


def outcomes(model: OutcomeModel, draws: IssueDraws, batch: bool) -> np.ndarray | str:
    """The outcomes, or the name of the error the solve raised."""
    try:
        return model.solve_draws(draws) if batch else OutcomeModel.solve_draws(model, draws)
    except Exception as error:  # the error itself is what is compared
        return type(error).__name__


@pytest.mark.parametrize("far", [1e3, 1e6, 1e9, 1e12, 1e14])
@pytest.mark.parametrize("name", BATCHED)
def test_a_far_status_quo_as_draw_by_draw(name: str, far: float) -> None:
    """Far from every position the log Nash product is flat and ``brentq`` may not converge:
    the batch gives the same answer or raises the same error."""
    rng = np.random.default_rng(int(far) % 1000 + 7)
    position = rng.uniform(0, 100, (30, 6))
    salience, capability = rng.uniform(1, 100, (30, 6)), rng.uniform(0.5, 5, (30, 6))
    status_quo = np.where(rng.uniform(size=30) < 0.5, -far, 100 + far)
    problem = IssueProblem(tuple("abcdef"), position[0], salience[0], capability[0])
    draws = IssueDraws(problem, position, salience, capability, status_quo)
    for model in every_option(name):
        batch, single = outcomes(model, draws, True), outcomes(model, draws, False)
        if isinstance(single, str):
            assert batch == single, repr(model)
        else:
            np.testing.assert_array_equal(batch, single, err_msg=repr(model))


def test_draws_brentq_would_not_take_are_solved_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A draw whose slopes at the ends do not bracket a root (flat ends: ``solve_issue``'s
    bounded minimiser) goes to ``solve_issue``; forced here on every other draw, because no
    generated draw reaches that branch."""
    import detente.models.nash as nash

    draws = random_draws(4)
    model = nash.NashBargaining(losers="veto")
    expected = OutcomeModel.solve_draws(model, draws)
    real = nash._brackets

    def no_bracket_on_even_rows(fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
        out = real(fa, fb)
        out[::2] = False
        return out

    monkeypatch.setattr(nash, "_brackets", no_bracket_on_even_rows)
    alone: list[float] = []
    solve = nash.NashBargaining.solve_issue

    def counted(self: nash.NashBargaining, problem: IssueProblem) -> object:
        alone.append(problem.status_quo)
        return solve(self, problem)

    monkeypatch.setattr(nash.NashBargaining, "solve_issue", counted)
    np.testing.assert_array_equal(model.solve_draws(draws), expected)
    assert len(alone) >= 5  # the branch was taken


def test_masked_sums_are_the_sums_of_the_masked_values() -> None:
    rng = np.random.default_rng(5)
    values = rng.standard_normal((300, 21)) * 10.0 ** rng.integers(-8, 8, (300, 21))
    mask = rng.uniform(size=(300, 21)) < rng.uniform(size=(300, 1))
    got = masked_sums(values, mask)
    for r in range(300):
        assert got[r] == values[r][mask[r]].sum()  # bit for bit, not to rounding


def test_brentq_rows_is_scipy_brentq_row_by_row() -> None:
    from scipy.optimize import brentq

    rng = np.random.default_rng(6)
    c = rng.uniform(-3, 3, 200)
    k = rng.uniform(0.1, 5, 200)

    def f(z: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.asarray(np.tanh(k[rows] * (z - c[rows])) + 0.1 * (z - c[rows]) ** 3)

    a, b = np.full(200, -4.0), np.full(200, 5.0)
    rows = np.arange(200)
    root, ok = brentq_rows(f, a, b, f(a, rows), f(b, rows), 1e-12, 1e-15)
    assert ok.all()
    for r in range(200):
        expected = brentq(lambda z, r=r: float(f(np.array([z]), np.array([r]))[0]), -4.0, 5.0,
                          xtol=1e-12, rtol=1e-15)  # fmt: skip
        assert root[r] == expected
    assert not np.allclose(root, root[0])  # the rows really differ


def random_proposal(seed: int, n_draws: int = 40) -> list[IssueDraws]:
    """``n_draws`` draws of 1–4 issues decided together, each with its own actors (names not
    in sorted order), with zero and all-zero saliences and coincident positions."""
    rng = np.random.default_rng(seed)
    names = [f"x{k}" for k in rng.permutation(9)]
    issues = []
    for _ in range(int(rng.integers(1, 5))):
        actors = [a for a in names if rng.uniform() < 0.75] or names[:1]
        k = len(actors)
        position = rng.uniform(0, 100, (n_draws, k))
        grid = rng.uniform(size=n_draws) < 0.3
        position[grid] = 25.0 * rng.integers(0, 5, (int(grid.sum()), k))
        salience = rng.uniform(0, 100, (n_draws, k))
        salience[rng.uniform(size=(n_draws, k)) < 0.15] = 0.0
        salience[rng.uniform(size=n_draws) < 0.05] = 0.0
        capability = rng.uniform(0, 10, (n_draws, k))
        problem = IssueProblem(tuple(actors), position[0], salience[0], capability[0])
        issues.append(IssueDraws(problem, position, salience, capability, np.full(n_draws, 50.0)))
    return issues


@pytest.mark.parametrize("seed", range(16))
def test_exchange_draws_at_once_are_solve_issues_draw_by_draw(seed: int) -> None:
    from detente.models.exchange import ExchangeModel, exchange_outcomes, run_exchanges

    issues = random_proposal(seed)
    batch = exchange_outcomes(issues)
    model = ExchangeModel()
    single = np.array(
        [[s.outcome for s in model.solve_issues([i.version(d) for i in issues])] for d in range(40)]
    )
    np.testing.assert_array_equal(batch, single)
    if len(issues) > 1:  # trades were made, so the comparison covers the rounds
        assert any(run_exchanges([i.version(d) for i in issues]).trades for d in range(40))


def test_exchange_on_the_built_in_case_bit_for_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    import detente.models.exchange as exchange
    from detente.models.base import issue_draws
    from detente.models.exchange import ExchangeModel, exchange_outcomes
    from detente.scenario import load_scenario
    from detente.uncertainty.sampling import draw, with_default_spread

    scenario = with_default_spread(load_scenario("ukraine-2024"))
    draws = draw(scenario, 30, np.random.default_rng(0))
    issues = [issue for _, issue in issue_draws(scenario, draws)]
    model = ExchangeModel()
    single = np.array(
        [[s.outcome for s in model.solve_issues([i.version(d) for i in issues])] for d in range(30)]
    )
    np.testing.assert_array_equal(exchange_outcomes(issues), single)
    monkeypatch.setattr(exchange, "_BLOCK", 11**2 * 5**2 * 7)  # blocks of 7 draws
    got = model.evaluate(scenario, draws)
    np.testing.assert_array_equal(np.column_stack(list(got.values())), single)
