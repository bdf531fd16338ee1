"""Tests of the Bueno de Mesquita / Scholz expected-utility model (detente.models.bdm)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from detente.models.base import IssueProblem
from detente.models.bdm import (
    ExpectedUtility,
    VoterSplit,
    best_offers,
    challenge_utilities,
    normalized_distance,
    risk_exponents,
    simulate,
    support_matrix,
    win_probability,
)
from detente.models.median import weighted_median
from tests.conftest import missing

# ``shared_data`` (tests/conftest.py) is ../shared/data next to the repository, or
# $DETENTE_SHARED_DATA; the tests that need it skip when it is absent (and fail under
# DETENTE_REQUIRE_DATA=1).
CASES = Path("validation") / "spatial_cases"


def _read(shared_data: Path, name: str) -> pd.DataFrame:
    path = shared_data / CASES / name
    if not path.exists():
        missing(f"shared data file missing: {path} (set DETENTE_SHARED_DATA)")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def example(shared_data: Path) -> pd.DataFrame:
    return _read(shared_data, "bdm_dmasad_ExampleActors.csv")


@pytest.fixture(scope="module")
def trace(shared_data: Path) -> pd.DataFrame:
    return _read(shared_data, "bdm_scholz_example_trace.csv")


def _problem(frame: pd.DataFrame) -> IssueProblem:
    return IssueProblem(
        actors=tuple(frame["Actor"]),
        position=frame["Position"].to_numpy(dtype=float),
        salience=frame["Salience"].to_numpy(dtype=float),
        capability=frame["Capability"].to_numpy(dtype=float),
    )


# --- replication of Scholz et al. (2011) via the open re-implementation ----------------------


def test_trace_every_actor_every_round(example: pd.DataFrame, trace: pd.DataFrame) -> None:
    sol = ExpectedUtility(rounds=10).solve_issue(_problem(example))
    expected = trace[list(example["Actor"])].to_numpy()
    assert sol.trajectory is not None
    assert sol.trajectory.shape == expected.shape == (11, 10)
    np.testing.assert_allclose(sol.trajectory, expected, rtol=0, atol=1e-3)


def test_trace_median_path_and_outcome(example: pd.DataFrame, trace: pd.DataFrame) -> None:
    sol = ExpectedUtility(rounds=10).solve_issue(_problem(example))
    assert sol.outcome_path is not None
    np.testing.assert_allclose(sol.outcome_path, trace["pairwise_median"], rtol=0, atol=1e-3)
    assert sol.outcome == pytest.approx(7.0, abs=1e-3)
    assert sol.outcome == sol.outcome_path[-1]


def test_trace_mean_path(example: pd.DataFrame, trace: pd.DataFrame) -> None:
    problem = _problem(example)
    path = ExpectedUtility().simulate(problem)
    assert path.mean[0] == pytest.approx(500.3 / 67.7, abs=1e-12)  # hand-computed Σwx / Σw
    np.testing.assert_allclose(path.mean, trace["mean"], rtol=0, atol=1e-3)
    mean_sol = ExpectedUtility(outcome="mean").solve_issue(problem)
    assert mean_sol.outcome == pytest.approx(path.mean[-1])


def test_predict_through_scenario(
    shared_data: Path, example: pd.DataFrame, trace: pd.DataFrame
) -> None:
    from detente.scenario.io import parse_bdm_csv

    text = (shared_data / CASES / "bdm_dmasad_ExampleActors.csv").read_text()
    scenario = parse_bdm_csv(text, name="emissions")
    forecast = ExpectedUtility().predict(scenario)
    assert forecast.model == "bdm"
    frame = forecast.issues[0].trajectory_frame()
    assert frame is not None
    np.testing.assert_allclose(
        frame[list(example["Actor"])], trace[list(example["Actor"])], atol=1e-3
    )


def test_risk_exponents_in_range_and_extremes(example: pd.DataFrame) -> None:
    path = ExpectedUtility().simulate(_problem(example))
    assert path.risk.shape == (10, 10)
    assert np.all((path.risk >= 0.5 - 1e-12) & (path.risk <= 2.0 + 1e-12))
    # the most and least exposed actor hit the bounds every round
    np.testing.assert_allclose(path.risk.min(axis=1), 0.5)
    np.testing.assert_allclose(path.risk.max(axis=1), 2.0)


# --- invariances -----------------------------------------------------------------------------


def test_capability_rescaling_invariance(example: pd.DataFrame) -> None:
    x, s, c = (example[k].to_numpy(dtype=float) for k in ("Position", "Salience", "Capability"))
    base = simulate(x, s / 100, c)
    scaled = simulate(x, s / 100, c * 37.5)
    np.testing.assert_allclose(scaled.trajectory, base.trajectory, rtol=0, atol=1e-9)
    np.testing.assert_allclose(scaled.median, base.median, rtol=0, atol=1e-9)


@pytest.mark.parametrize(("a", "b"), [(2.5, -3.0), (10.0, 40.0), (0.01, 1.0)])
def test_affine_position_scale(example: pd.DataFrame, a: float, b: float) -> None:
    x, s, c = (example[k].to_numpy(dtype=float) for k in ("Position", "Salience", "Capability"))
    base = simulate(x, s / 100, c)
    moved = simulate(a * x + b, s / 100, c)
    np.testing.assert_allclose(moved.trajectory, a * base.trajectory + b, rtol=0, atol=1e-8 * a)
    np.testing.assert_allclose(moved.median, a * base.median + b, rtol=0, atol=1e-8 * a)
    np.testing.assert_allclose(moved.mean, a * base.mean + b, rtol=0, atol=1e-8 * a)


def test_actor_order_does_not_matter(example: pd.DataFrame) -> None:
    x, s, c = (example[k].to_numpy(dtype=float) for k in ("Position", "Salience", "Capability"))
    base = simulate(x, s / 100, c)
    perm = np.random.default_rng(3).permutation(len(x))
    shuffled = simulate(x[perm], s[perm] / 100, c[perm])
    np.testing.assert_allclose(shuffled.trajectory, base.trajectory[:, perm], atol=1e-9)


def test_batch_equals_individual_runs(example: pd.DataFrame) -> None:
    x, s, c = (example[k].to_numpy(dtype=float) for k in ("Position", "Salience", "Capability"))
    # the second row converges after a few rounds and must then stay frozen
    xs = np.stack([x, np.where(x > 5, 8.0, 2.0)])
    ss = np.stack([s / 100, np.full_like(s, 0.5)])
    cs = np.stack([c, c])
    batch = simulate(xs, ss, cs, rounds=12)
    for k in range(2):
        single = simulate(xs[k], ss[k], cs[k], rounds=12)
        t = single.trajectory.shape[0]
        np.testing.assert_allclose(batch.trajectory[k, :t], single.trajectory, atol=1e-12)
        frozen = batch.trajectory[k, t:] - single.trajectory[-1]
        assert np.all(np.abs(frozen) <= 1e-12)
        np.testing.assert_allclose(batch.median[k, :t], single.median, atol=1e-12)
        assert bool(batch.converged[k]) == bool(single.converged)
    assert not batch.converged[0]
    assert batch.converged[1]


# --- the components --------------------------------------------------------------------------
#
# The round's functions work actor-first, batch axes last: (n, ...) and (n, n, ...). The
# references below are written batch-first, (..., n) and (..., n, n), as simulate's arrays are.


def _actor_first(a: np.ndarray, actor_axes: int = 1) -> np.ndarray:
    return np.moveaxis(a, tuple(range(-actor_axes, 0)), tuple(range(actor_axes)))


def _batch_first(a: np.ndarray, actor_axes: int = 1) -> np.ndarray:
    return np.moveaxis(a, tuple(range(actor_axes)), tuple(range(-actor_axes, 0)))


def _distance(x: np.ndarray, span: np.ndarray) -> np.ndarray:
    """Batch-first normalized distances."""
    return _batch_first(normalized_distance(_actor_first(x), span), 2)


def _support(x: np.ndarray, w: np.ndarray, r: np.ndarray | None) -> np.ndarray:
    """Batch-first :func:`support_matrix` of positions ``x`` (spanning their own range)."""
    d = normalized_distance(_actor_first(x), np.ptp(x, axis=-1))
    risk = None if r is None else _actor_first(r)
    return _batch_first(support_matrix(VoterSplit.of(_actor_first(x)), d, _actor_first(w), risk), 2)


def _probability(x: np.ndarray, w: np.ndarray, r: np.ndarray | None, rule: str) -> np.ndarray:
    d = normalized_distance(_actor_first(x), np.ptp(x, axis=-1))
    risk = None if r is None else _actor_first(r)
    split = VoterSplit.of(_actor_first(x))
    return _batch_first(win_probability(split, d, _actor_first(w), risk, rule), 2)  # type: ignore[arg-type]


def _kernel_round(
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    span: np.ndarray,
    q: float,
    rule: str,
    compromise: str,
    capitulation: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """One round through the module's functions: batch-first (risk, new positions)."""
    xt, st, wt = (_actor_first(v) for v in (x, s, w))
    d = normalized_distance(xt, span)
    split = VoterSplit.of(xt)
    risk = risk_exponents(split, d, st, wt, rule)  # type: ignore[arg-type]
    prob = win_probability(split, d, wt, risk, rule)  # type: ignore[arg-type]
    own, other = challenge_utilities(d, st, prob, risk, q)
    new = best_offers(xt, own, other, compromise, capitulation)  # type: ignore[arg-type]
    return _batch_first(risk), _batch_first(new)


def _pairwise_vote_winners(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """The lowest and highest positions no other position beats in a weighted pairwise vote,
    by brute force: x_a beats x_b when sum_k w_k (|x_k - x_b| - |x_k - x_a|) > 0."""
    unbeaten = [
        a for a in x if not any(np.sum(w * (np.abs(x - a) - np.abs(x - b))) > 1e-12 for b in x)
    ]
    return min(unbeaten), max(unbeaten)


def test_round_outcome_is_the_pairwise_vote_winner() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        x = rng.integers(0, 6, size=n).astype(float)  # repeated positions
        w = rng.integers(1, 4, size=n).astype(float)  # exact half-weight ties happen
        lo, hi = _pairwise_vote_winners(x, w)
        assert float(weighted_median(x, w)) == pytest.approx((lo + hi) / 2)


def test_win_probability_rules() -> None:
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 100, size=7)
    w = rng.uniform(0.1, 1, size=7)
    r = rng.uniform(0.5, 2, size=7)
    pairwise = _probability(x, w, r, "bdm")
    off = ~np.eye(7, dtype=bool)
    np.testing.assert_allclose((pairwise + pairwise.T)[off], 1.0)
    scholz = _probability(x, w, r, "scholz")
    assert np.all(np.diag(scholz) == 0)
    assert scholz.sum() == pytest.approx(0.5)  # Σ N / (2 Σ N)
    assert np.all(scholz <= pairwise + 1e-15)


def test_risk_exponents_all_equal_when_nobody_differs() -> None:
    x = np.array([3.0, 3.0, 3.0])
    d = normalized_distance(x, np.array(0.0))
    r = risk_exponents(VoterSplit.of(x), d, np.full(3, 0.5), np.ones(3))
    np.testing.assert_array_equal(r, 1.0)


def test_risk_closed_form_matches_e6_to_e9() -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 10, size=(4, 8))
    s = rng.uniform(0, 1, size=(4, 8))
    w = rng.uniform(0, 1, size=(4, 8)) * s
    xt, st, wt = (_actor_first(v) for v in (x, s, w))
    d = normalized_distance(xt, np.ptp(x, axis=-1))
    split = VoterSplit.of(xt)
    ones = np.ones_like(xt)
    _, other = challenge_utilities(d, st, win_probability(split, d, wt, ones), ones, q=0.7)
    danger = other.sum(axis=1) - np.diagonal(other).T  # (n, batch)
    hi, lo = danger.max(0), danger.min(0)
    acceptance = (2 * danger - hi - lo) / (hi - lo)
    expected = (1 - acceptance / 3) / (1 + acceptance / 3)
    np.testing.assert_allclose(risk_exponents(split, d, st, wt), expected, rtol=1e-12)


# --- the kernel against a straightforward reference ------------------------------------------
#
# The reference sums the (..., n, n, n) tensor of votes and writes E6-E9 and the offer rules
# out on full (..., n, n) arrays, without the module's rearrangements. A faster kernel must
# agree with it to 1e-9 in one round from the same state, on batches with ties (co-located
# actors, voters on midpoints, zero weights). Caveats for such a kernel: summing the votes in
# another order already moves a few ill-conditioned compromises (|own| and other both tiny)
# by ~1e-7; and over many rounds, agreement is only up to the model's own floating-point
# noise (near-ties of own and other, e.g. between actors a rounding error apart, are decided
# by rounding, as they are under a mere relabelling of the actors).


def _reference_support(d: np.ndarray, w: np.ndarray, r: np.ndarray | None) -> np.ndarray:
    e = d if r is None else d ** r[..., :, None]
    votes = np.maximum(e[..., :, None, :] - e[..., :, :, None], 0.0)  # votes[k, i, j]
    return np.asarray(np.einsum("...k,...kij->...ij", w, votes))


def _reference_probability(
    d: np.ndarray, w: np.ndarray, r: np.ndarray | None, rule: str
) -> np.ndarray:
    n_ = _reference_support(d, w, r)
    if rule == "scholz":
        den = np.broadcast_to(2.0 * n_.sum(axis=(-2, -1), keepdims=True), n_.shape)
    else:
        den = n_ + np.swapaxes(n_, -1, -2)
    out = np.zeros(n_.shape)
    np.divide(n_, den, out=out, where=den != 0)
    return out


def _reference_round(
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    span: np.ndarray,
    q: float,
    rule: str,
    compromise: str,
    capitulation: bool,
) -> tuple[np.ndarray, np.ndarray]:
    d = _distance(x, span)  # the same input as the kernel's: see the caveats above
    # E8-E9 with every actor risk neutral
    p1 = _reference_probability(d, w, None, rule)
    other1 = 2.0 * d * (1.0 - 2.0 * s[..., :, None] * (1.0 - np.swapaxes(p1, -1, -2)))
    danger = other1.sum(axis=-1)
    hi, lo = danger.max(axis=-1, keepdims=True), danger.min(axis=-1, keepdims=True)
    risk = np.ones(danger.shape)
    np.divide(2 * hi - lo - danger, hi - 2 * lo + danger, out=risk, where=hi > lo)
    # E1-E7 under those exponents
    prob = _reference_probability(d, w, risk, rule)
    r = risk[..., :, None]
    a = (0.5 - 0.5 * d) ** r
    b_minus_a = (0.5 + 0.5 * d) ** r - a
    base = 2.0 * (1.0 - q) + 4.0 * q * 0.5**r
    own = base - 4.0 * (a + s[..., None, :] * (1.0 - prob) * b_minus_a)
    other = base - 4.0 * (a + s[..., :, None] * (1.0 - np.swapaxes(prob, -1, -2)) * b_minus_a)
    # the offers
    x_i, x_j = x[..., :, None], x[..., None, :]
    step = x_j - x_i
    is_confrontation = (own > 0.0) & (other > own)
    is_compromise = (own < 0.0) & (other > -own)
    fraction = np.zeros(own.shape)
    np.divide(-own, other, out=fraction, where=is_compromise)
    if compromise == "scholz":
        key = np.zeros(own.shape)
        np.divide(other, other - own, out=key, where=is_compromise)
        key *= step
    else:
        key = np.abs(step * fraction)
    fallback = is_compromise
    if capitulation:
        is_capitulation = (own < 0.0) & (other > 0.0) & (other < -own)
        fallback = np.where(
            is_compromise.any(axis=-1, keepdims=True), is_compromise, is_capitulation
        )
    use = np.where(is_confrontation.any(axis=-1, keepdims=True), is_confrontation, fallback)
    key = np.where(use, np.where(is_compromise, key, np.abs(step)), np.inf)
    target = np.where(is_compromise, x_i + step * fraction, x_j)
    chosen = np.take_along_axis(target, np.argmin(key, axis=-1)[..., None], axis=-1)[..., 0]
    return risk, np.where(use.any(axis=-1), chosen, x)


def _random_batch(
    rng: np.random.Generator, rows: int, n: int, grid: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions on a coarse grid (co-located actors, voters on midpoints, equal distances on
    both sides) or continuous; saliences and capabilities rounded to 2 decimals, some 0."""
    if grid:
        x = rng.integers(0, 5, size=(rows, n)).astype(float) * 2.5
    else:
        x = rng.uniform(0, 100, size=(rows, n))
    s = rng.uniform(0, 1, size=(rows, n)).round(2)
    c = rng.uniform(0, 1, size=(rows, n)).round(2)
    c[rng.uniform(size=c.shape) < 0.05] = 0.0
    return x, s, c


@pytest.mark.parametrize("rows", [1, 400])
@pytest.mark.parametrize("grid", [True, False])
def test_support_matrix_matches_the_vote_tensor(rows: int, grid: bool) -> None:
    rng = np.random.default_rng(23)
    for n in (1, 2, 3, 7, 12, 60 // rows + 1):
        x, s, c = _random_batch(rng, rows, n, grid)
        d = _distance(x, np.ptp(x, axis=-1))
        r = rng.uniform(0.5, 2.0, size=x.shape)
        for risk in (None, r):
            expected = _reference_support(d, s * c, risk)
            got = _support(x, s * c, risk)
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
            # co-located actors get exactly no votes against each other
            same = x[..., :, None] == x[..., None, :]
            assert np.all(got[same] == 0.0)


@pytest.mark.parametrize("rule", ["scholz", "bdm"])
@pytest.mark.parametrize("compromise", ["scholz", "nearest"])
@pytest.mark.parametrize(("q", "capitulation"), [(1.0, False), (0.6, True), (0.0, False)])
def test_round_matches_reference(rule: str, compromise: str, q: float, capitulation: bool) -> None:
    rng = np.random.default_rng(29)
    for rows, n, grid in [(1, 6, True), (3, 10, True), (400, 10, True), (400, 10, False)]:
        x, s, c = _random_batch(rng, rows, n, grid)
        span = np.ptp(x, axis=-1)
        w = s * c
        options = (q, rule, compromise, capitulation)
        expected_risk, expected = _reference_round(x, s, w, span, *options)
        risk, new = _kernel_round(x, s, w, span, *options)
        np.testing.assert_allclose(risk, expected_risk, rtol=0, atol=1e-9)
        np.testing.assert_allclose(new, expected, rtol=0, atol=1e-9)
        path = simulate(
            x,
            s,
            c,
            rounds=1,
            q=q,
            probability=rule,  # type: ignore[arg-type]
            compromise=compromise,  # type: ignore[arg-type]
            capitulation=capitulation,
        )
        # simulate scales by 1 / R where normalized_distance divides by R: one rounding apart,
        # which a few ill-conditioned compromises amplify to ~1e-7
        np.testing.assert_allclose(path.trajectory[..., -1, :], expected, rtol=0, atol=1e-5)


def test_batch_rows_match_single_solves() -> None:
    """Rows of a large batch against one-row solves."""
    rng = np.random.default_rng(31)
    x, s, c = _random_batch(rng, 700, 10, grid=False)
    batch = simulate(x, s, c, rounds=10)
    for k in range(0, 700, 97):
        single = simulate(x[k], s[k], c[k], rounds=10)
        t = single.trajectory.shape[0]
        np.testing.assert_allclose(batch.trajectory[k, :t], single.trajectory, atol=1e-9)
        np.testing.assert_allclose(batch.median[k, -1], single.median[-1], atol=1e-9)


@pytest.mark.parametrize("rows", [1, 40])
def test_prefix_sum_paths_are_bit_identical(rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """support_matrix sums voters by cumsum on narrow rows and by a loop on wide rows."""
    from detente.models import bdm

    monkeypatch.setattr(bdm, "_SMALL_N", 0)  # one run too goes through support_matrix
    x, s, c = _random_batch(np.random.default_rng(41), rows, 10, grid=True)
    runs = []
    for width in (0, 10**9):  # always the loop, always cumsum
        monkeypatch.setattr(bdm, "_CUMSUM_WIDTH", width)
        runs.append(simulate(x, s, c))
    np.testing.assert_array_equal(runs[0].trajectory, runs[1].trajectory)
    np.testing.assert_array_equal(runs[0].risk, runs[1].risk)


@pytest.mark.parametrize("rule", ["scholz", "bdm"])
@pytest.mark.parametrize("compromise", ["scholz", "nearest"])
@pytest.mark.parametrize(("q", "capitulation"), [(1.0, False), (0.6, True)])
@pytest.mark.parametrize("grid", [True, False])
def test_small_run_matches_the_batched_rounds(
    rule: str, compromise: str, q: float, capitulation: bool, grid: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """One run of a few actors takes the vote-tensor rounds (BDM-13); the prefix-sum rounds
    must give the same run: positions, risks, convergence and period."""
    from detente.models import bdm

    calls: list[int] = []
    small_round = bdm._small_round

    def counted(*args: Any) -> Any:
        calls.append(1)
        return small_round(*args)

    monkeypatch.setattr(bdm, "_small_round", counted)
    rng = np.random.default_rng(43)
    options = {"q": q, "probability": rule, "compromise": compromise, "capitulation": capitulation}
    for n in (1, 2, 5, 10, 17, 32):
        x, s, c = _random_batch(rng, 1, n, grid)
        runs = []
        for small in (32, 0):
            monkeypatch.setattr(bdm, "_SMALL_N", small)
            runs.append(simulate(x[0], s[0], c[0], rounds=10, **options))  # type: ignore[arg-type]
        fast, kernel = runs
        assert fast.trajectory.shape == kernel.trajectory.shape
        np.testing.assert_allclose(fast.trajectory, kernel.trajectory, rtol=0, atol=1e-9)
        np.testing.assert_allclose(fast.risk, kernel.risk, rtol=0, atol=1e-9)
        assert bool(fast.converged) == bool(kernel.converged)
        assert int(fast.period) == int(kernel.period)
    assert calls  # the small path ran
    calls.clear()
    monkeypatch.setattr(bdm, "_SMALL_N", 32)
    simulate(x, s, c, rounds=2)  # a batch of one row (1, n) is one run too
    assert calls


def test_deterministic() -> None:
    rng = np.random.default_rng(37)
    x, s, c = _random_batch(rng, 500, 9, grid=True)
    first, second = simulate(x, s, c), simulate(x, s, c)
    np.testing.assert_array_equal(first.trajectory, second.trajectory)
    np.testing.assert_array_equal(first.risk, second.risk)


# --- one round against a literal, loop-by-loop reading of the equations ---------------------


def _naive_round(
    x: list[float],
    s: list[float],
    c: list[float],
    q: float,
    rule: str,
    compromise: str,
    capitulation: bool,
) -> list[float]:
    n = len(x)
    span = max(x) - min(x)
    w = [c[k] * s[k] for k in range(n)]

    def d(a: int, b: int) -> float:
        return abs(x[a] - x[b]) / span if span > 0 else 0.0

    def prob(a: int, b: int, r: list[float]) -> float:
        def v(k: int, i: int, j: int) -> float:
            return float(w[k] * (d(k, j) ** r[k] - d(k, i) ** r[k]))

        num = sum(max(0.0, v(k, a, b)) for k in range(n))
        if rule == "scholz":
            den = sum(abs(v(k, i, j)) for k in range(n) for i in range(n) for j in range(n))
        else:
            den = sum(abs(v(k, a, b)) for k in range(n))
        return num / den if den > 0 else 0.0

    def eu(r: float, a: int, b: int, p: float) -> float:  # a challenges b, with exponent r
        u_s = 2 - 4 * (0.5 - 0.5 * d(a, b)) ** r
        u_f = 2 - 4 * (0.5 + 0.5 * d(a, b)) ** r
        u_sq = 2 - 4 * 0.5**r
        return float(s[b] * (p * u_s + (1 - p) * u_f) + (1 - s[b]) * u_s - q * u_sq)

    neutral = [1.0] * n
    danger = [sum(eu(1.0, j, i, prob(j, i, neutral)) for j in range(n) if j != i) for i in range(n)]
    hi, lo = max(danger), min(danger)
    acceptance = [(2 * dg - hi - lo) / (hi - lo) if hi > lo else 0.0 for dg in danger]
    r = [(1 - a / 3) / (1 + a / 3) for a in acceptance]

    new = list(x)
    for i in range(n):
        conf, comp, cap = [], [], []
        for j in range(n):
            if x[j] == x[i]:
                continue
            own = eu(r[i], i, j, prob(i, j, r))
            other = eu(r[i], j, i, prob(j, i, r))
            if other > own > 0:
                conf.append((abs(x[j] - x[i]), x[j]))
            elif other > 0 > own and other > abs(own):
                pos = x[i] + (x[j] - x[i]) * abs(own / other)
                if compromise == "scholz":
                    key = (abs(own) * x[i] + abs(other) * x[j]) / (abs(own) + abs(other))
                else:
                    key = abs(pos - x[i])
                comp.append((key, pos))
            elif capitulation and other > 0 > own and other < abs(own):
                cap.append((abs(x[j] - x[i]), x[j]))
        for offers in (conf, comp, cap):
            if offers:
                new[i] = min(offers, key=lambda o: o[0])[1]
                break
    return new


@pytest.mark.parametrize("rule", ["scholz", "bdm"])
@pytest.mark.parametrize("compromise", ["scholz", "nearest"])
@pytest.mark.parametrize(("q", "capitulation"), [(1.0, False), (0.6, True), (0.0, False)])
def test_one_round_matches_literal_equations(
    rule: str, compromise: str, q: float, capitulation: bool
) -> None:
    rng = np.random.default_rng(17)
    for _ in range(15):
        n = int(rng.integers(2, 8))
        x = rng.integers(0, 5, size=n).astype(float) * 2.5  # co-located actors happen
        s = rng.uniform(0, 1, size=n).round(2)
        c = rng.uniform(0, 1, size=n).round(2)
        path = simulate(
            x,
            s,
            c,
            rounds=1,
            q=q,
            probability=rule,  # type: ignore[arg-type]
            compromise=compromise,  # type: ignore[arg-type]
            capitulation=capitulation,
        )
        expected = _naive_round(
            x.tolist(), s.tolist(), c.tolist(), q, rule, compromise, capitulation
        )
        np.testing.assert_allclose(path.trajectory[-1], expected, rtol=0, atol=1e-9)


def test_capability_draws_broadcast(example: pd.DataFrame) -> None:
    x, s, c = (example[k].to_numpy(dtype=float) for k in ("Position", "Salience", "Capability"))
    draws = np.random.default_rng(4).uniform(0.5, 1.5, size=(3, len(c))) * c
    batch = simulate(x, s / 100, draws, rounds=4)
    assert batch.trajectory.shape[0] == 3
    for k in range(3):
        single = simulate(x, s / 100, draws[k], rounds=4)
        t = single.trajectory.shape[0]
        np.testing.assert_allclose(batch.trajectory[k, :t], single.trajectory, atol=1e-12)


# --- edge cases ------------------------------------------------------------------------------


def _solve(
    position: list[float], salience: list[float], capability: list[float]
) -> tuple[float, np.ndarray, np.ndarray]:
    n = len(position)
    problem = IssueProblem(
        actors=tuple(f"a{k}" for k in range(n)),
        position=np.array(position),
        salience=np.array(salience),
        capability=np.array(capability),
    )
    sol = ExpectedUtility(rounds=10).solve_issue(problem)
    assert sol.trajectory is not None and sol.outcome_path is not None
    return sol.outcome, sol.trajectory, sol.outcome_path


def test_single_actor() -> None:
    outcome, trajectory, path = _solve([42.0], [60.0], [1.0])
    assert outcome == 42.0
    assert trajectory.shape == (1, 1)
    np.testing.assert_array_equal(path, [42.0])


def test_identical_positions() -> None:
    outcome, trajectory, path = _solve([5.0, 5.0, 5.0], [10.0, 90.0, 50.0], [1.0, 2.0, 3.0])
    assert outcome == 5.0
    np.testing.assert_array_equal(trajectory, [[5.0, 5.0, 5.0]])
    np.testing.assert_array_equal(path, [5.0])


def test_colocated_actors_with_q_below_one() -> None:
    path = simulate(np.array([3.0, 3.0, 3.0]), np.array([0.2, 0.9, 0.5]), np.ones(3), q=0.3)
    np.testing.assert_array_equal(path.trajectory, [[3.0, 3.0, 3.0]])
    assert bool(path.converged)


def test_zero_saliences_no_nan_no_movement() -> None:
    outcome, trajectory, _ = _solve([0.0, 4.0, 10.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0])
    assert np.isfinite(outcome)
    np.testing.assert_array_equal(trajectory, [[0.0, 4.0, 10.0]])
    assert outcome == 4.0  # equal weights when all are zero (DECISIONS SCN-3)


def test_zero_capabilities_no_nan() -> None:
    outcome, trajectory, path = _solve([0.0, 4.0, 10.0], [30.0, 60.0, 90.0], [0.0, 0.0, 0.0])
    assert np.isfinite(outcome)
    assert np.all(np.isfinite(trajectory)) and np.all(np.isfinite(path))


def test_two_actors_converge_and_stop_early() -> None:
    path = simulate(np.array([2.0, 8.0]), np.array([0.5, 0.9]), np.array([1.0, 2.0]), rounds=50)
    assert bool(path.converged)
    assert path.trajectory.shape[0] < 51
    np.testing.assert_allclose(path.trajectory[-1], [8.0, 8.0])
    # the weaker, less committed actor moves towards the stronger one, never past it
    assert np.all(np.diff(path.trajectory[:, 0]) > 0)


def test_zero_rounds_returns_initial_state() -> None:
    path = simulate(np.array([1.0, 2.0, 9.0]), np.full(3, 0.5), np.ones(3), rounds=0)
    np.testing.assert_array_equal(path.trajectory, [[1.0, 2.0, 9.0]])
    assert path.median.shape == (1,)
    assert path.risk.shape == (0, 3)


def test_positions_stay_within_initial_range() -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 100, size=(20, 15))
    path = simulate(x, rng.uniform(0, 1, size=x.shape), rng.uniform(0, 1, size=x.shape), rounds=15)
    lo = x.min(axis=-1)[:, None, None]
    hi = x.max(axis=-1)[:, None, None]
    assert np.all(np.isfinite(path.trajectory))
    assert np.all((path.trajectory >= lo - 1e-9) & (path.trajectory <= hi + 1e-9))


# --- parameters ------------------------------------------------------------------------------


def test_params_round_trip() -> None:
    model = ExpectedUtility(rounds=5, q=0.8, outcome="mean", capitulation=True)
    params = model.get_params()
    assert params["rounds"] == 5 and params["q"] == 0.8 and params["outcome"] == "mean"
    assert ExpectedUtility(**params).get_params() == params
    assert ExpectedUtility.name == "bdm"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"outcome": "mode"},
        {"probability": "logit"},
        {"compromise": "farthest"},
        {"rounds": -1},
    ],
)
def test_bad_parameters_raise(kwargs: dict[str, object]) -> None:
    problem = IssueProblem(
        actors=("a", "b"),
        position=np.array([0.0, 1.0]),
        salience=np.array([50.0, 50.0]),
        capability=np.array([1.0, 1.0]),
    )
    with pytest.raises(ValueError):
        ExpectedUtility(**kwargs).solve_issue(problem)  # type: ignore[arg-type]


# --- convergence, cycles (DECISIONS BDM-12) ----------------------------------------------------


def _three(position: list[float], salience: list[float], capability: list[float]) -> IssueProblem:
    return IssueProblem(
        actors=("a", "b", "c"),
        position=np.array(position),
        salience=np.array(salience),
        capability=np.array(capability),
    )


# Two constructed cases that cycle: b and c trade places every round (period 2), and b
# walks a loop of three positions while a and c stand still (period 3).
PERIOD_2 = ([100.0, 0.0, 10.0], [90.0, 30.0, 40.0], [2.0, 9.0, 3.0])
PERIOD_3 = ([80.0, 10.0, 30.0], [70.0, 40.0, 80.0], [1.0, 8.0, 3.0])


@pytest.mark.parametrize(("case", "period"), [(PERIOD_2, 2), (PERIOD_3, 3)])
def test_a_cycle_is_reported_with_its_period_and_range(
    case: tuple[list[float], list[float], list[float]], period: int
) -> None:
    sol = ExpectedUtility(rounds=10).solve_issue(_three(*case))
    c, path, traj = sol.convergence, sol.outcome_path, sol.trajectory
    assert c is not None and path is not None and traj is not None
    assert (c.status, c.period, c.rounds, c.converged) == ("cycle", period, 10, False)
    # the positions repeat exactly, and the range is the outcome's over one loop
    np.testing.assert_allclose(traj[-1], traj[-1 - period], rtol=0, atol=1e-9)
    assert not np.allclose(traj[-1], traj[-2])
    assert (c.low, c.high) == (path[-period:].min(), path[-period:].max())
    assert c.low < c.high  # the outcome moves round the loop
    assert sol.outcome == path[-1]  # the forecast stays the last round's


def test_period_two_range_by_hand() -> None:
    sol = ExpectedUtility().solve_issue(_three(*PERIOD_2))
    assert sol.convergence is not None and sol.outcome_path is not None
    # the median alternates between the two positions b takes
    assert sol.convergence.low == pytest.approx(78.571, abs=1e-3)
    assert sol.convergence.high == pytest.approx(93.288, abs=1e-3)
    assert set(np.round(sol.outcome_path[2:], 3)) == {78.571, 93.288}


def test_converged_run_is_reported_converged() -> None:
    problem = IssueProblem(
        actors=("a", "b"),
        position=np.array([0.0, 100.0]),
        salience=np.array([50.0, 50.0]),
        capability=np.array([1.0, 1.0]),
    )
    sol = ExpectedUtility().solve_issue(problem)
    assert sol.convergence is not None and sol.convergence.converged
    assert sol.convergence.period == 1
    assert sol.convergence.low == sol.convergence.high == sol.outcome


def test_the_scholz_example_does_not_converge_in_ten_rounds(
    example: pd.DataFrame, trace: pd.DataFrame
) -> None:
    sol = ExpectedUtility(rounds=10).solve_issue(_problem(example))
    c = sol.convergence
    assert c is not None and c.status == "not_converged" and c.period is None
    assert c.low == pytest.approx(trace["pairwise_median"][1:].min(), abs=1e-3)
    assert c.high == pytest.approx(trace["pairwise_median"][1:].max(), abs=1e-3)


def test_batch_periods_match_single_runs() -> None:
    cases = [PERIOD_2, PERIOD_3, ([0.0, 100.0, 50.0], [50.0, 50.0, 50.0], [1.0, 1.0, 1.0])]
    x, s, c = (np.array([case[k] for case in cases]) for k in range(3))
    batch = simulate(x, s / 100, c, rounds=10)
    single = [
        int(simulate(np.array(p), np.array(sal) / 100, np.array(cap), rounds=10).period)
        for p, sal, cap in cases
    ]
    assert batch.period.tolist() == single
    assert single[:2] == [2, 3]


def test_convergence_is_in_the_forecast_document() -> None:
    from detente.spec.scenario import Actor, Issue, Scenario, Stance

    position, salience, capability = PERIOD_2
    scenario = Scenario(
        name="loop",
        issues=[Issue(name="x")],
        actors=[
            Actor(name=n, capability=cap, stances={"x": Stance(position=p, salience=sal)})
            for n, p, sal, cap in zip("abc", position, salience, capability, strict=True)
        ],
    )
    entry = ExpectedUtility().predict(scenario).issues[0].to_dict()
    assert entry["convergence"]["status"] == "cycle" and entry["convergence"]["period"] == 2
    assert entry["convergence"]["converged"] is False


# --- the one-run path's shortcuts (issue 19) ------------------------------------------------


@pytest.mark.parametrize("grid", [True, False])
def test_weighted_median_is_the_pivotal_position_by_brute_force(grid: bool) -> None:
    """weighted_median (flat takes over flattened batch axes) against the definition, one
    row at a time in plain Python: the first sorted position at which the cumulative weight
    reaches half and the first at which it exceeds half, averaged; ties, exact half splits
    and all-zero weights included."""
    rng = np.random.default_rng(47)
    for case in range(300):
        m, n = int(rng.integers(1, 12)), int(rng.integers(1, 33))
        x, _, share = _random_batch(rng, m, n, grid)
        share = share[0]
        if case % 7 == 0:
            share[:] = 0.0
        elif case % 5 == 0:
            share[:] = 1.0 / n  # exact half splits on even n
        got = weighted_median(x, np.broadcast_to(share, x.shape))
        assert got.shape == (m,)
        w = [1.0] * n if share.sum() == 0 else share.tolist()
        for row, value in zip(x.tolist(), got.tolist(), strict=True):
            pairs = sorted(zip(row, w, strict=True), key=lambda p: p[0])
            cum = np.cumsum([p[1] for p in pairs])
            half, eps = cum[-1] / 2, 1e-12 * cum[-1]
            lower = next(p[0] for p, c in zip(pairs, cum, strict=True) if c >= half - eps)
            upper = next(p[0] for p, c in zip(pairs, cum, strict=True) if c > half + eps)
            assert value == (lower + upper) / 2


def test_one_run_buffers_do_not_leak_between_runs() -> None:
    """Each run allocates its own buffers; runs of other sizes and rules in between, or in
    other threads, must not change a run's result by a single bit."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(53)
    runs = [(*(a[0] for a in _random_batch(rng, 1, n, n % 2 == 0)), rule)
            for n in (3, 10, 10, 17, 32) for rule in ("scholz", "bdm")]  # fmt: skip

    def solve(run: tuple[np.ndarray, np.ndarray, np.ndarray, str]) -> bytes:
        x, s, c, rule = run
        path = simulate(x, s, c, rounds=12, probability=rule)  # type: ignore[arg-type]
        return path.trajectory.tobytes() + path.risk.tobytes()

    first = [solve(run) for run in runs]
    assert [solve(run) for run in reversed(runs)] == first[::-1]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(solve, runs * 3)) == first * 3


def test_converged_batch_period_is_one() -> None:
    """A batch in which every row converged returns its periods without the loop search."""
    x = np.array([[0.0, 100.0], [10.0, 20.0]])
    path = simulate(x, np.full((2, 2), 0.5), np.ones((2, 2)), rounds=50)
    assert path.converged.all()
    assert path.period.tolist() == [1, 1]
    assert path.period.dtype == np.where(path.converged, 1, 0).dtype
