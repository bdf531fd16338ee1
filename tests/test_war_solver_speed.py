"""The war solver's fast paths give the numbers of the plain ones they replaced (issue 19).

The solver's week (:func:`detente.war.solver._step`) was made faster by doing the same
arithmetic in fewer, larger steps; these tests hold each fast path to the straightforward
version, bit for bit: the first largest entry, the choice among options, the expectation
over the week's move, and the proposal stage against :func:`~detente.war.solver.propose`
frame by frame (with slopes of every sign, so that each of its cases runs). The whole solve
is compared with saved arrays by ``benchmarks/war_equivalence.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from detente.spec.campaign import Campaign
from detente.war import solver
from detente.war.beliefs import BeliefGrid
from detente.war.solver import NO_PROPOSAL, Decisions, Votes, propose
from tests.test_war_theory import _campaign

RNG = np.random.default_rng(19)


def test_first_argmax_is_argmax_with_ties_and_minus_infinity() -> None:
    a = RNG.integers(0, 3, size=(5, 400)).astype(np.float64)
    a[:, :50] = -np.inf
    a[2, 60:80] = -np.inf
    assert np.array_equal(solver._first_argmax(a), np.argmax(a, axis=0))


@pytest.mark.parametrize("n_options", [1, 2, 3, 5])
def test_choose_is_numpy_choose(n_options: int) -> None:
    options = RNG.normal(size=(n_options, 4, 1, 6))
    index = RNG.integers(0, n_options, size=(4, 3, 1)).astype(np.int8)
    assert np.array_equal(solver._choose(index, options), np.choose(index, options))


def _expect_by_windows(kernel: np.ndarray, offsets: np.ndarray, value: np.ndarray) -> np.ndarray:
    """The plain version: edge padding and one window per offset, regime by regime."""
    n_k = value.shape[-1]
    out = []
    for r in range(value.shape[4]):
        rows = value[:, :, :, :, r].reshape(-1, n_k)
        padded = np.pad(rows, ((0, 0), (-int(offsets[0]), int(offsets[-1]))), mode="edge")
        windows = np.stack([padded[:, d : d + n_k] for d in range(offsets.size)])
        moved = kernel[r] @ windows.reshape(offsets.size, -1)
        out.append(moved.reshape(kernel.shape[1], *value.shape[:4], 2, n_k))
    return np.stack(out)


def test_expectation_over_the_move_is_the_windowed_sum() -> None:
    offsets = np.arange(-3, 5)
    kernel = RNG.random((3, 4, offsets.size))
    kernel /= kernel.sum(axis=-1, keepdims=True)
    value = RNG.normal(size=(6, 2, 1, 1, 3, 2, 40))
    fast = solver._expect(kernel, offsets, value)
    assert np.array_equal(fast, _expect_by_windows(kernel, offsets, value))


def _game(campaign: Campaign) -> solver._Game:
    arrays = campaign.arrays()
    grid = BeliefGrid(arrays.n_types, arrays.belief_resolution)
    kernel, offsets = solver.gain_kernel(arrays)
    deals = solver.lump_deals(arrays, arrays.territory_grid())
    typed = arrays.typed_transitions(arrays.transitions())
    combo = solver._combos(arrays)
    return solver._Game(arrays, grid, kernel, offsets, typed, deals.value, combo, deals.slope)


def _by_propose(game: solver._Game, war: np.ndarray) -> tuple[np.ndarray, Any, Any, Any]:
    """The proposal stage written with :func:`propose` over every frame (the plain version)."""
    arr = game.arrays
    war = war[:, :, 0, 0]
    n_g, _, n_r, _, n_k = war.shape
    base, slope = game.menu_arrays(n_r, n_k)
    rej = np.moveaxis(war, 3, -1).reshape(1, -1, 2)
    nominal = arr.menu_relief[:, None]
    n = rej.shape[1]
    frame = np.full((2, n), NO_PROPOSAL, dtype=np.int8)
    relief = np.zeros((2, base.shape[0], n))
    interior = np.zeros(relief.shape, dtype=bool)
    value = rej[0] * (1.0 - arr.proposer.sum())
    states = np.arange(n)
    for j in (0, 1):
        if arr.proposer[j] == 0:
            continue
        r, both, inner = propose(base, slope, nominal, rej, j)
        own = np.where(both[..., j] >= rej[..., j], both[..., j], -np.inf)
        best = np.argmax(own, axis=0)
        frame[j] = np.where(np.isfinite(own[best, states]), best, NO_PROPOSAL)
        relief[j], interior[j] = r, inner
        pick = frame[j].astype(np.int64)
        chosen = both[np.maximum(pick, 0), states]
        value += arr.proposer[j] * np.where(pick[:, None] >= 0, chosen, rej[0])
    out = np.moveaxis(value.reshape(n_g, 2, n_r, n_k, 2), -1, 3)[:, :, None, None]
    return out, frame, relief, interior


MENU = [{"sanctions_relief": r, "guarantees": 50} for r in (0, 30, 60, 100)]
SLOPES: dict[str, dict[str, Any]] = {
    # the attacker gains from relief, the defender loses by it: each proposer's relief is an
    # end of what the responder accepts
    "opposed": {},
    # both gain from relief: propose's general case
    "aligned": {
        "values": {
            "A": {"territory_per_1000km2": 20, "sanctions_relief": 0.3, "guarantees": -0.2},
            "D": {"territory_per_1000km2": -10, "sanctions_relief": 0.05, "guarantees": 0.3},
        }
    },
    # the defender does not care about relief (zero slope)
    "indifferent": {
        "values": {
            "A": {"territory_per_1000km2": 20, "sanctions_relief": 0.3, "guarantees": -0.2},
            "D": {"territory_per_1000km2": -10, "sanctions_relief": 0.0, "guarantees": 0.3},
        }
    },
}


@pytest.mark.parametrize("case", sorted(SLOPES))
def test_proposals_are_propose_frame_by_frame(case: str) -> None:
    proposals = {"attacker": 0.3, "defender": 0.4, "menu": MENU}
    game = _game(_campaign(proposals=proposals, **SLOPES[case]))
    arr = game.arrays
    n_g, n_k = game.grid.size, arr.territory_grid().size
    scale = float(np.abs(game.deal_value).max())
    war = RNG.normal(scale=scale, size=(n_g, 2, 1, 1, arr.n_regimes, 2, n_k))
    value, made = solver._proposals(game, war, None)
    want, frame, relief, interior = _by_propose(game, war)
    assert np.array_equal(value, want)
    assert np.array_equal(made.frame, frame)
    assert np.array_equal(made.relief, relief)
    assert np.array_equal(made.interior, interior)
    assert (made.frame >= 0).any() and (made.frame == NO_PROPOSAL).any()
    # a fixed policy (the tail's policy evaluation) gives the same values at the same war
    votes = Votes(attacker=np.empty(0, bool), accept=np.empty(0), lo=np.empty(0, np.int64),
                  frac=np.empty(0))  # fmt: skip
    fixed = Decisions(votes=votes, proposals=made, posture=np.empty(0, np.int8),
                      intensity=np.empty(0, np.int8))  # fmt: skip
    again, _ = solver._proposals(game, war, fixed)
    assert np.array_equal(again, value)


@pytest.mark.parametrize("shape", [(5, 3000), (3, 2048), (2, 1500)])
def test_branch_free_first_argmax_is_argmax(shape: tuple[int, int]) -> None:
    a = RNG.integers(0, 4, size=shape).astype(np.float64)  # many ties
    a[:, :100] = -np.inf
    a[1, 200:400] = -np.inf
    assert a[0].size >= solver.SMALL  # the branch-free path, not np.argmax
    assert np.array_equal(solver._first_argmax(a), np.argmax(a, axis=0))


def _ukraine_game() -> tuple[solver._Game, np.ndarray, int]:
    from detente.scenario import load_scenario
    from detente.scenario.edit import edit_campaign

    campaign = load_scenario("ukraine-2024").campaign
    assert campaign is not None
    game = _game(edit_campaign(campaign, {"campaign.grid.belief_resolution": 2}))
    arr = game.arrays
    scale = float(np.abs(game.deal_value).max())
    shape = (game.grid.size, 2, 1, 1, arr.n_regimes, 2, arr.territory_grid().size)
    return game, RNG.normal(scale=scale, size=shape), int(arr.regime[-1])


def test_offer_rows_and_sparse_zeros_leave_the_step_as_it_was() -> None:
    """Writing only the branch rows the product reads, with the zero weights dropped, gives
    the step of every row written and every weight kept, bit for bit (and a lean step the
    same values and kept choices)."""
    game, value, rho = _ukraine_game()
    season = np.eye(3)[0]
    fast, decisions = solver._step(game, value, season, rho, True)
    lean, kept = solver._step(game, value, season, rho, True, lean=True)
    n_c, n_m, n_g = game.c_f.size, game.arrays.n_types + 1, game.grid.size
    needed = game.offer_rows(rho, True)
    assert 0 < needed[0].size < n_c * (n_m - 1) * n_g  # rows are skipped
    plain = solver.sparse.vstack(
        [game.branch(rho, True, i, p) for i in range(3) for p in range(game.arrays.n_postures)],
        format="csr",
    )
    assert (plain.data == 0).any()  # weights are dropped
    every = np.nonzero(np.ones((n_c, n_m - 1, n_g), dtype=bool))
    game.offer_rows = lambda rho, talks: every  # type: ignore[method-assign]
    game.branches_of = lambda rho, talks: plain  # type: ignore[method-assign]
    game.buffer = None
    slow, _ = solver._step(game, value, season, rho, True)
    assert decisions.votes.attacker.any() and not decisions.votes.attacker.all()
    for a in (fast, lean):
        assert np.array_equal(a.view(np.int64), slow.view(np.int64))  # signs of zeros too
    assert np.array_equal(kept.intensity, decisions.intensity)
    assert np.array_equal(kept.proposals.frame, decisions.proposals.frame)
    assert np.array_equal(kept.proposals.relief, decisions.proposals.relief)
    assert kept.votes.attacker.size == 0 and kept.proposals.interior.size == 0


def _locate_plain(grid: BeliefGrid, beliefs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`BeliefGrid.locate` as it was: the type axis last, a stable argsort."""
    n, m = grid.n_types, grid.resolution
    b = np.clip(beliefs, 0.0, None)
    b = b / b.sum(axis=-1, keepdims=True)
    x = m * np.cumsum(b[..., ::-1], axis=-1)[..., ::-1]
    base = np.floor(x + 1e-9)
    frac = np.clip(x - base, 0.0, 1.0)
    frac[..., 0] = 0.0
    base[..., 0] = m
    order = np.argsort(-frac[..., 1:], axis=-1, kind="stable") + 1
    d = np.take_along_axis(frac, order, axis=-1)
    weights = np.empty(b.shape)
    weights[..., 0] = 1.0 - (d[..., 0] if n > 1 else 0.0)
    if n > 1:
        weights[..., 1:-1] = d[..., :-1] - d[..., 1:]
        weights[..., -1] = d[..., -1]
    u = base.astype(np.int64)
    vertices = [u]
    steps = np.zeros_like(u)
    for k in range(n - 1):
        np.put_along_axis(steps, order[..., k : k + 1], 1, axis=-1)
        vertices.append(u + steps)
    v = np.stack(vertices, axis=-2)
    counts = np.clip(v - np.concatenate([v[..., 1:], np.zeros_like(v[..., :1])], axis=-1), 0, m)
    return grid._lookup[grid._code(counts)], weights


@pytest.mark.parametrize("n_types", [1, 2, 3, 5])
def test_locate_is_the_plain_freudenthal_lookup(n_types: int) -> None:
    grid = BeliefGrid(n_types, 4)
    beliefs = np.concatenate(
        [
            RNG.dirichlet(np.full(n_types, 0.5), size=3000),
            grid.points,  # on vertices, edges and faces: ties between coordinates
            (grid.points[:, None] + grid.points[None, :4]).reshape(-1, n_types) / 2,
        ]
    )
    for b in (beliefs, beliefs[:12].reshape(3, 4, n_types), beliefs[5]):
        index, weight = grid.locate(b)
        want_index, want_weight = _locate_plain(grid, b)
        assert np.array_equal(index, want_index)
        assert np.array_equal(weight.view(np.int64), want_weight.view(np.int64))
