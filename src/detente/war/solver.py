"""Solve the war-termination game by backward induction over weeks, from a stationary tail.

State at the start of week ``t``: the attacker's held area ``x`` (a bin of the territory
grid), the common belief ``b`` about the mediator's type (a point of the belief grid),
``h`` = 1 if the mediator riposted last week, and the battlefield regime ``r`` of last week
(hold, press, surge and, where the defender can counter-attack, counter). A week runs:

1. cheap talk scheduled for the week moves ``b`` by Bayes' rule on the tempered likelihood
   ``L^λ`` (DECISIONS WAR-18);
2. the attacker commits an intensity ``i`` (hold, press, surge) and pays ``c_A(i)``; the
   defender pays ``c_D(i)`` (DECISIONS WAR-1); ``hold`` right after a riposte costs the
   attacker its reputation ``κ`` (DECISIONS WAR-6);
3. the defender, seeing ``i``, chooses its posture ``p`` (defend, or counter-attack at a
   cost); the posture and intensity steer the regime: ``τ`` = counter if ``p`` = counter,
   else ``i`` (DECISIONS WAR-21);
4. the mediator of type ``θ`` pulls a lever ``a ~ π_θ^ρ``, offers its terms with probability
   ``p_θ^ρ`` once talks are open and answers a surge with a riposte ``f`` with probability
   ``r_θ^ρ``; the belligerents update ``b`` by Bayes' rule on ``(a, offer, f)``;
5. talks: on the mediator's offer both vote (a deal needs both). Otherwise, with talks open,
   the attacker is recognised as proposer with probability ``ρ_A`` and the defender with
   ``ρ_D`` (Baron & Ferejohn 1989); the proposer picks the menu item best for it that the
   other accepts, or nothing (DECISIONS WAR-19). Under ``freeze_line`` the line ``x`` is
   kept, under ``fixed_terms`` the offer's area. A deal's value ``U_j(ω, x)`` anticipates its
   breakdown (:mod:`detente.war.commitment`, Powell 2006);
6. without a deal each side draws the week's worth of the land held, ``φ_j(x)``, whose
   value forever is the deal's land term ``v_j,T (x - x0)/1000`` (DECISIONS WAR-25); the
   regime moves ``r → r' ~ T_τ(r, ·)`` (the fitted chain, steered:
   DECISIONS WAR-22) and the line ``x' = x + g``, ``g ~ N(μ_{r',s} m_a, (σ_{r',s} m_a)²)``.

Bellman equations (party ``j`` ∈ {A, D}, ``δ`` the weekly discount factor, ``c = (τ, a, f)``)::

    R_j(t, c, b', r, x) = φ_j(x) - l_j(a) - [j=A] f E[z | b'] + δ Σ_r' T_τ(r, r') Σ_x' P_{r',s,a}(x, x') V_j(t+1, x', b', f, r')
    φ_j(x)             = (1 - δ) v_j,T (x - x0) / 1000     (the land's weekly worth)
    accept_j(ω)        = U_j(ω, x) - [j=A] κ f ≥ R_j
    N_j(c, b', r, x)    = (1 - ρ_A - ρ_D) R_j + ρ_A Prop^A_j + ρ_D Prop^D_j      (no mediator offer)
    W_j(t, i, p, b, r, x) = -c_j(i) - c_j(p) + Σ_o P(o | b, i) [offer_o ? deal-or-R : N_j](b' = B(b, o))
    p*(i) = argmax_p W_D(i, p);   V_A = max_i W_A(i, p*(i)) - κ h [i = hold];   V_D = W_D at (i*, p*)

**Beyond the horizon** (``stationary_tail``) the value is the stationary one: the game of
the last modelled week (regime after the change, talks as they stand, season-averaged
gains) played forever, solved to its fixed point by policy iteration (Howard 1960) with each
policy's values from GMRES. The tail is solved at the belief grid's vertices (the
belligerents know the mediator's type) and read at interior beliefs by barycentric
interpolation; between it and the horizon lie :data:`TAIL_BUFFER_WEEKS` weeks of the same
stationary game with learning, so that the shortcut moves nothing inside the horizon
(DECISIONS WAR-24). With ``beyond_horizon: terminal``
(or ``discount`` 1) the value at the horizon is the lump ``v_j,T (x - x0)/1000 +
v_j,stalemate`` of version 1.

Each vote is a weakly dominant response to the continuation values, the proposer's choice
and the posture best responses, so one backward pass gives a subgame-perfect equilibrium
(DECISIONS WAR-2).

References
----------
Fearon, J. D. (1995). Rationalist explanations for war. *International Organization* 49(3).
Powell, R. (2006). War as a commitment problem. *International Organization* 60(1).
Slantchev, B. L. (2003). The principle of convergence in wartime negotiations. *APSR* 97(4).
Baron, D. P. & Ferejohn, J. A. (1989). Bargaining in legislatures. *APSR* 83(4).
Howard, R. A. (1960). *Dynamic Programming and Markov Processes*. MIT Press.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.linalg import LinearOperator, gmres
from scipy.special import ndtr

from detente.spec.campaign import ESCALATION, INTENSITY_NAMES, CampaignArrays
from detente.war.beliefs import BeliefGrid, bayes_update, cheap_talk_update

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

N_INTENSITIES = len(INTENSITY_NAMES)
HOLD = 0
NO_PROPOSAL = -1
TAIL_ROUNDS = 30
"""Policy-iteration rounds of the stationary tail before giving up (the last is kept)."""
KERNEL_FLOOR = 1e-15
"""Kernel probabilities below this are set to 0 (far below any reported digit)."""
TAIL_BUFFER_WEEKS = 26
"""Weeks of the stationary game, with learning, solved between the horizon and the tail
(whose belligerents know the mediator's type): the tail's shortcut then moves nothing
inside the horizon (DECISIONS WAR-24)."""
TAIL_TOL = 1e-8
"""Relative tolerance of each policy's values (GMRES)."""


@dataclass(frozen=True)
class Decisions:
    """One week's choices (every array over belief ``G``, regime ``R`` and bin ``K``).

    ``agreed``: (C, Θ, G, R, K) both accept the mediator's type-θ offer in branch ``c``;
    ``proposal``: (2, C, G, R, K) the menu item each proposer (attacker, defender) puts
    forward and the other accepts, :data:`NO_PROPOSAL` for none; ``posture``: (I, G, R, K)
    the defender's answer to each intensity; ``intensity``: (G, H, R, K).
    """

    agreed: BoolArray
    proposal: npt.NDArray[np.int8]
    posture: npt.NDArray[np.int8]
    intensity: npt.NDArray[np.int8]


@dataclass(frozen=True)
class Tail:
    """The stationary tail: values at the belief grid's vertices, and how it converged."""

    value: FloatArray
    rounds: int
    residual: float


@dataclass(frozen=True)
class Solution:
    """The solved game.

    Attributes
    ----------
    arrays, beliefs:
        The campaign's arrays and the belief grid (G points).
    territory:
        (K,) centres of the territory bins, km².
    combo:
        (R, A, 2) index ``c`` of each branch (steered regime τ, lever, riposte).
    intensity:
        (T, G, 2, R, K) the attacker's intensity by week, belief (after the week's cheap
        talk), riposte flag, last regime and bin.
    posture:
        (T, I, G, R, K) the defender's posture against each intensity.
    value:
        (T+1, G, 2, R, 2, K) values at the start of each week (after cheap talk) and beyond
        the horizon, by belief, riposte flag, regime, party and bin; the simulator reads the
        deal decisions from them (:func:`reject_values`).
    deal_value:
        (Ω, 2, K) each offer's value to each party with the attacker keeping each bin.
    kernel:
        (S, R, A, D) probability of moving ``offsets[d]`` bins in a week of regime ``r``.
    transitions:
        (S, τ, R, R) regime transitions steered to ``τ``.
    tail:
        The stationary tail (``None`` with the terminal lump).
    seconds:
        Wall time of the solve.
    """

    arrays: CampaignArrays
    beliefs: BeliefGrid
    territory: FloatArray
    combo: IntArray
    intensity: npt.NDArray[np.int8]
    posture: npt.NDArray[np.int8]
    value: FloatArray
    deal_value: FloatArray
    kernel: FloatArray
    offsets: IntArray
    transitions: FloatArray
    tail: Tail | None
    seconds: float

    def territory_bin(self, x: FloatArray) -> IntArray:
        """Nearest bin of each held area."""
        k = np.rint((x - self.territory[0]) / self.arrays.bin_km2).astype(np.int64)
        out: IntArray = np.clip(k, 0, self.territory.size - 1)
        return out


def gain_kernel(
    arrays: CampaignArrays, mean: FloatArray | None = None, sd: FloatArray | None = None
) -> tuple[FloatArray, IntArray]:
    """Weekly moves on the territory grid: (S, R, A, D) probabilities of ``offsets[d]`` bins.

    The weekly gain in regime ``r`` is normal, ``N(μ_{r,s} m_a, (σ_{r,s} m_a)²)``, binned to
    the grid's width; the offsets reach 8 sd beyond every mean, and the end offsets take the
    tails. Moves past the grid's ends stop in the end bins (edge padding in :func:`_expect`).
    ``mean``, ``sd`` (R, S) replace the campaign's (a bootstrap replicate).
    """
    w = arrays.bin_km2
    mult = arrays.gain_multiplier
    mean = arrays.gain_mean if mean is None else mean
    sd = arrays.gain_sd if sd is None else sd
    mu = mean.T[:, :, None] * mult[None, None, :]  # (S, R, A)
    sig = sd.T[:, :, None] * mult[None, None, :]
    reach = arrays.territory_grid().size - 1
    low = int(np.clip(np.floor((mu - 8 * sig).min() / w) - 1, -reach, 0))
    high = int(np.clip(np.ceil((mu + 8 * sig).max() / w) + 1, 0, reach))
    offsets = np.arange(low, high + 1, dtype=np.int64)
    edges = np.concatenate([(offsets - 0.5) * w, [(high + 0.5) * w]])
    edges[0], edges[-1] = -np.inf, np.inf
    cdf = ndtr((edges - mu[..., None]) / sig[..., None])
    kernel: FloatArray = np.diff(cdf, axis=-1)
    kernel[kernel < KERNEL_FLOOR] = 0.0  # no subnormal arithmetic in the products
    return kernel, offsets


def _expect(kernel: FloatArray, offsets: IntArray, rows: FloatArray) -> FloatArray:
    """``Σ_d kernel[e, d] · rows[x, clip(k + offsets[d])]`` → (E, X, K)."""
    n_x, n_k = rows.shape
    padded = np.pad(rows, ((0, 0), (-int(offsets[0]), int(offsets[-1]))), mode="edge")
    windows = np.stack([padded[:, d : d + n_k] for d in range(offsets.size)])  # (D, X, K)
    out: FloatArray = (kernel @ windows.reshape(offsets.size, -1)).reshape(-1, n_x, n_k)
    return out


def _observation_likelihood(
    arrays: CampaignArrays, regime: int, talks: bool, intensity: int
) -> tuple[FloatArray, IntArray]:
    """Likelihood (O, Θ) of each observation ``o = (a, m, f)`` under each type, and the
    (O, 3) table of ``(a, m, f)``; ``m`` = 0 no offer, ``m`` = θ + 1 type θ's offer."""
    n_a, n_t = arrays.n_levers, arrays.n_types
    lever = arrays.lever_prob[regime].T  # (A, Θ)
    p_off = arrays.offer_prob[regime] * float(talks)
    offer = np.vstack([1.0 - p_off, np.diag(p_off)])  # (Θ+1, Θ)
    p_rip = arrays.riposte_prob[regime] * float(intensity == ESCALATION)
    rip = np.vstack([1.0 - p_rip, p_rip])  # (2, Θ)
    lik = lever[:, None, None, :] * offer[None, :, None, :] * rip[None, None, :, :]
    table = np.stack(
        np.meshgrid(np.arange(n_a), np.arange(n_t + 1), np.arange(2), indexing="ij"), axis=-1
    ).reshape(-1, 3)
    lik = lik.reshape(-1, n_t)
    keep = lik.max(axis=1) > 0.0
    return lik[keep], table[keep]


def _branches(
    arrays: CampaignArrays,
    grid: BeliefGrid,
    combo: IntArray,
    regime: int,
    talks: bool,
    intensity: int,
    target: int,
) -> sparse.csr_matrix:
    """For one (regime, talks open, intensity, steered regime): the sparse (G, C·(Θ+1)·G)
    matrix whose row ``b`` holds ``P(o | b) · w_v`` at the column of branch ``(c, m)`` and
    posterior vertex ``v``, so that its product with the stacked branch values is
    ``Σ_o P(o | b) E[...]``."""
    lik, table = _observation_likelihood(arrays, regime, talks, intensity)
    prob = grid.points @ lik.T  # (G, O)
    post = bayes_update(grid.points[:, None, :], lik[None, :, :])  # (G, O, Θ)
    index, w = grid.locate(post)
    n_m = arrays.n_types + 1
    c = combo[target, table[:, 0], table[:, 2]]  # (O,)
    base = (c * n_m + table[:, 1]) * grid.size
    columns = base[None, :, None] + index  # (G, O, V)
    weights = prob[:, :, None] * w
    rows = np.broadcast_to(np.arange(grid.size)[:, None, None], columns.shape)
    n_cols = (int(combo.max()) + 1) * n_m * grid.size
    return sparse.csr_matrix(
        (weights.ravel(), (rows.ravel(), columns.ravel())), shape=(grid.size, n_cols)
    )


def steered_regime(arrays: CampaignArrays, intensity: int, posture: int) -> int:
    """The regime the week's choices steer to: the counter regime on a counter-attack."""
    return arrays.n_regimes - 1 if posture > 0 else intensity


@dataclass
class _Game:
    """Everything one week's step needs that does not change from week to week."""

    arrays: CampaignArrays
    grid: BeliefGrid
    kernel: FloatArray  # (S, R, A, D)
    offsets: IntArray
    trans: FloatArray  # (S, τ, R, R)
    deal_value: FloatArray  # (Ω, 2, K)
    combo: IntArray  # (R, A, 2), -1 where the branch cannot occur
    branches: dict[tuple[int, bool, int, int], sparse.csr_matrix] = field(default_factory=dict)

    def __post_init__(self) -> None:
        used = np.argwhere(self.combo >= 0)
        order = np.argsort(self.combo[self.combo >= 0])
        self.c_t, self.c_a, self.c_f = used[order].T
        deal = np.broadcast_to(self.deal_value, (self.c_f.size, *self.deal_value.shape)).copy()
        deal[:, :, 0] -= self.arrays.reputation_cost * self.c_f[:, None, None]
        self.deal = deal  # (C, Ω, J, K): less the attacker's reputation after a riposte
        arr = self.arrays
        territory = arr.territory_grid()
        self.flow = (1.0 - arr.discount) * arr.values[:, 0:1] * (territory - arr.x0) / 1000.0
        self.buffer: FloatArray | None = None

    def branch(self, rho: int, talks: bool, i: int, p: int) -> sparse.csr_matrix:
        key = (rho, talks, i, p)
        if key not in self.branches:
            target = steered_regime(self.arrays, i, p)
            self.branches[key] = _branches(
                self.arrays, self.grid, self.combo, rho, talks, i, target
            )
        return self.branches[key]


def _proposals(
    game: _Game,
    reject: FloatArray,
    fixed: Decisions | None,
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    """The value of a week without the mediator's offer (C, G, R, J, K) when the
    belligerents may propose, and each proposer's menu item (2, C, G, R, K)."""
    arr = game.arrays
    n_t = arr.n_types
    menu = game.deal[:, n_t:, :, None, None, :]  # (C, M, J, 1, 1, K)
    rej = reject.transpose(0, 3, 1, 2, 4)[:, None]  # (C, 1, J, G, R, K)
    proposal = np.full((2, *reject.shape[:3], reject.shape[-1]), NO_PROPOSAL, dtype=np.int8)
    value = reject * (1.0 - arr.proposer.sum())
    both = None
    if fixed is None:
        ok = menu >= rej  # (C, M, J, G, R, K)
        both = ok[:, :, 0] & ok[:, :, 1]  # (C, M, G, R, K)
    for j in (0, 1):
        if arr.proposer[j] == 0:
            continue
        if both is not None:
            gain = np.where(both, menu[:, :, j], -np.inf)
            best = np.argmax(gain, axis=1)
            has = np.take_along_axis(both, best[:, None], axis=1)[:, 0]
            proposal[j] = np.where(has, best, NO_PROPOSAL)
        else:
            proposal[j] = fixed.proposal[j]  # type: ignore[union-attr]
        pick = proposal[j].astype(np.int64)  # (C, G, R, K)
        chosen = np.take_along_axis(
            np.broadcast_to(menu, (*menu.shape[:3], *pick.shape[1:])),
            np.maximum(pick, 0)[:, None, None],
            axis=1,
        )[:, 0]  # (C, J, G, R, K)
        chosen = chosen.transpose(0, 2, 3, 1, 4)
        value += arr.proposer[j] * np.where(pick[:, :, :, None] >= 0, chosen, reject)
    return value, proposal


def _step(
    game: _Game,
    value: FloatArray,
    season: FloatArray,
    rho: int,
    talks: bool,
    fixed: Decisions | None = None,
) -> tuple[FloatArray, Decisions]:
    """One week: from next week's values (G, H, R, J, K) to this week's, and the choices.

    ``season`` is a (S,) weight over seasons (one-hot for a calendar week, the calendar
    mix in the tail). With ``fixed``, the choices are taken from it (the step is then
    affine in ``value``: the tail's policy evaluation).
    """
    arr, grid = game.arrays, game.grid
    n_g, n_r, n_k = grid.size, arr.n_regimes, value.shape[-1]
    n_a, n_t, n_p = arr.n_levers, arr.n_types, arr.n_postures
    delta, kappa = arr.discount, arr.reputation_cost
    c_t, c_a, c_f = game.c_t, game.c_a, game.c_f
    kern = np.einsum("s,srad->rad", season, game.kernel)
    trans = np.einsum("s,stru->tru", season, game.trans)
    # E over the gain, per next regime r' and lever: (R', A, G, H, J, K)
    q1 = np.stack(
        [
            _expect(kern[r], game.offsets, value[:, :, r].reshape(-1, n_k)).reshape(
                n_a, n_g, 2, 2, n_k
            )
            for r in range(n_r)
        ]
    )
    # Reject values per branch c = (τ, a, f), E over the regime steered to τ: (C, G, R, J, K)
    reject = np.einsum(
        "cru,cugjk->cgrjk", delta * trans[c_t], q1[:, c_a, :, c_f], optimize=True
    )
    reject += game.flow[None, None, None] - arr.lever_cost[c_a][:, None, None, :, None]
    riposte_cost = (grid.points @ arr.riposte_size)[None, :] * c_f[:, None]  # (C, G)
    reject[:, :, :, 0] -= riposte_cost[:, :, None, None]
    # Mediator offers (the types' terms): (C, Θ, G, R, K)
    deal = game.deal[:, :n_t, :, None, None, :]  # (C, Θ, J, 1, 1, K)
    if fixed is None:
        agreed = (deal[:, :, 0] >= reject[:, None, :, :, 0]) & (
            deal[:, :, 1] >= reject[:, None, :, :, 1]
        )
    else:
        agreed = fixed.agreed
    shape = (c_f.size, n_t + 1, n_g, n_r, 2, n_k)
    if game.buffer is None or game.buffer.shape != shape:
        game.buffer = np.empty(shape)
    branch_value = game.buffer  # reused: a fresh 30 MB array a week costs page faults
    branch_value[:, 1:] = reject[:, None]
    np.copyto(
        branch_value[:, 1:],
        deal.transpose(0, 1, 3, 4, 2, 5),
        where=agreed[:, :, :, :, None, :],
    )
    # No mediator offer: the belligerents' proposals
    if talks and arr.proposer.sum() > 0:
        branch_value[:, 0], proposal = _proposals(game, reject, fixed)
    else:
        branch_value[:, 0] = reject
        proposal = np.full((2, *reject.shape[:3], n_k), NO_PROPOSAL, dtype=np.int8)
    rows = branch_value.reshape(-1, n_r * 2 * n_k)
    w_value = np.empty((N_INTENSITIES, n_p, n_g, n_r, 2, n_k))
    for i in range(N_INTENSITIES):
        for p in range(n_p):
            w_value[i, p] = (game.branch(rho, talks, i, p) @ rows).reshape(n_g, n_r, 2, n_k)
    w_value -= arr.intensity_cost[:, None, None, None, :, None]
    w_value -= arr.posture_cost[None, :, None, None, :, None]
    if fixed is None:
        posture = np.argmax(w_value[:, :, :, :, 1], axis=1).astype(np.int8)  # (I, G, R, K)
    else:
        posture = fixed.posture
    w_i = np.take_along_axis(w_value, posture[:, None, :, :, None, :].astype(np.int64), axis=1)[
        :, 0
    ]  # (I, G, R, J, K)
    hold_penalty = kappa * (np.arange(N_INTENSITIES) == HOLD)
    if fixed is None:
        choice = np.stack(
            [
                np.argmax(w_i[:, :, :, 0] - h * hold_penalty[:, None, None, None], axis=0)
                for h in (0, 1)
            ],
            axis=1,
        ).astype(np.int8)  # (G, H, R, K)
    else:
        choice = fixed.intensity
    picked = np.take_along_axis(
        w_i[:, :, None], choice[None, :, :, :, None, :].astype(np.int64), axis=0
    )[0]  # (G, H, R, J, K)
    picked[:, :, :, 0] -= kappa * np.arange(2)[None, :, None, None] * (choice == HOLD)
    return picked, Decisions(agreed=agreed, proposal=proposal, posture=posture, intensity=choice)


def _combos(arrays: CampaignArrays) -> IntArray:
    """(R, A, 2) index of each branch ``(τ, a, f)`` that can occur, -1 elsewhere: a riposte
    only answers a surge, and ``τ`` is the intensity or, on a counter-attack, counter."""
    combo = np.full((arrays.n_regimes, arrays.n_levers, 2), -1, dtype=np.int64)
    n = 0
    for i in range(N_INTENSITIES):
        for p in range(arrays.n_postures):
            target = steered_regime(arrays, i, p)
            for f in (0, 1) if i == ESCALATION else (0,):
                if combo[target, 0, f] < 0:
                    combo[target, :, f] = n + np.arange(arrays.n_levers)
                    n += arrays.n_levers
    return combo


CALENDAR = np.array([3.0, 4.0, 5.0]) / 12.0
"""Default share of the year in each season (winter, mud, summer) for the tail; the
campaign's own month table is used when given (:func:`_season_mix`)."""


def _season_mix(arrays: CampaignArrays) -> FloatArray:
    """Share of the weeks of the horizon in each season: the tail's season weights."""
    counts = np.bincount(arrays.season, minlength=3).astype(np.float64)
    return counts / counts.sum()


def _tail(game: _Game, n_k: int) -> Tail:
    """The stationary value of the last week's game played forever, at the belief vertices,
    by policy iteration (Howard 1960); each policy's values by GMRES on ``(I - M) v = b``."""
    arr = game.arrays
    rho = int(arr.regime[-1])
    talks = bool(arr.offers_open[-1])
    season = _season_mix(arr)
    n_g, n_r = game.grid.size, arr.n_regimes
    shape = (n_g, 2, n_r, 2, n_k)
    value = np.zeros(shape)
    residual = np.inf
    previous: Decisions | None = None
    rounds = 0
    for rounds in range(1, TAIL_ROUNDS + 1):  # noqa: B007 - rounds is reported
        _, decisions = _step(game, value, season, rho, talks)
        base, _ = _step(game, np.zeros(shape), season, rho, talks, decisions)

        def matvec(v: FloatArray, d: Decisions = decisions, b: FloatArray = base) -> FloatArray:
            out, _ = _step(game, v.reshape(shape), season, rho, talks, d)
            return np.asarray(v - (out - b).ravel())

        op = LinearOperator((base.size, base.size), matvec=matvec, dtype=np.float64)
        solved, info = gmres(op, base.ravel(), x0=value.ravel(), rtol=TAIL_TOL, restart=60,
                             maxiter=200)
        value = solved.reshape(shape)
        after, _ = _step(game, value, season, rho, talks)
        residual = float(np.abs(after - value).max())
        if previous is not None and _same(previous, decisions):
            break
        previous = decisions
    return Tail(value=value, rounds=rounds, residual=residual)


def _same(a: Decisions, b: Decisions) -> bool:
    return bool(
        np.array_equal(a.agreed, b.agreed)
        and np.array_equal(a.proposal, b.proposal)
        and np.array_equal(a.posture, b.posture)
        and np.array_equal(a.intensity, b.intensity)
    )


def deal_parts(arrays: CampaignArrays, territory: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each offer's permanent-deal value to each party in two parts: the land kept,
    ``v_j,T (kept - x0)/1000`` (Ω, 2, K), and the other terms, ``v_j,S (R - R0) + v_j,G
    (G - G0)`` (Ω, 2, 1); the attacker keeps each bin (``freeze_line``) or the offer's
    area (``fixed_terms``)."""
    relief, guarantees, kept_fixed, _ = arrays.offer_terms()
    kept = (
        np.broadcast_to(territory, (relief.size, territory.size))
        if arrays.freeze_line
        else np.broadcast_to(kept_fixed[:, None], (relief.size, territory.size))
    )
    v = arrays.values  # (2, 4)
    land: FloatArray = v[None, :, 0:1] * (kept[:, None, :] - arrays.x0) / 1000.0
    other: FloatArray = (
        v[None, :, 1] * (relief[:, None] - arrays.sq_relief)
        + v[None, :, 2] * (guarantees[:, None] - arrays.sq_guarantees)
    )[:, :, None]
    return land, other


def lump_deal_values(arrays: CampaignArrays, territory: FloatArray) -> FloatArray:
    """(Ω, 2, K) each offer's value to each party as a permanent deal (version 1's lump)."""
    land, other = deal_parts(arrays, territory)
    out: FloatArray = land + other
    return out


def solve(arrays: CampaignArrays, deal_value: FloatArray | None = None) -> Solution:
    """Backward induction over weeks (see the module docstring); vectorised over bins,
    beliefs, regimes and branches.

    Parameters
    ----------
    arrays:
        The campaign's arrays.
    deal_value:
        (Ω, 2, K) each offer's value to each party per bin; default the permanent deal's
        lump (:func:`lump_deal_values`); :func:`detente.war.commitment.deal_values` gives the
        one that anticipates breakdown.
    """
    started = time.perf_counter()
    grid = BeliefGrid(arrays.n_types, arrays.belief_resolution)
    territory = arrays.territory_grid()
    n_k, n_g, n_r = territory.size, grid.size, arrays.n_regimes
    horizon = arrays.horizon
    kernel, offsets = gain_kernel(arrays)
    trans = arrays.transitions()
    combo = _combos(arrays)
    if deal_value is None:
        deal_value = lump_deal_values(arrays, territory)
    game = _Game(arrays, grid, kernel, offsets, trans, deal_value, combo)

    tail: Tail | None = None
    if arrays.stationary_tail:
        vertices = BeliefGrid(arrays.n_types, 1)
        tail = _tail(_Game(arrays, vertices, kernel, offsets, trans, deal_value, combo), n_k)
        end = np.einsum("gv,vhrjk->ghrjk", grid.points, tail.value)
    else:
        terminal = (
            arrays.values[:, 0:1] * (territory - arrays.x0)[None, :] / 1000.0
            + arrays.values[:, 3:4]
        )  # (J, K)
        end = np.broadcast_to(terminal, (n_g, 2, n_r, 2, n_k)).copy()
    values = np.empty((horizon + 1, n_g, 2, n_r, 2, n_k))
    values[horizon] = end
    intensity = np.zeros((horizon, n_g, 2, n_r, n_k), dtype=np.int8)
    posture = np.zeros((horizon, N_INTENSITIES, n_g, n_r, n_k), dtype=np.int8)
    value = end
    if tail is not None:  # the buffer: the tail's game, learning on, before the horizon
        season = _season_mix(arrays)
        rho_end, talks_end = int(arrays.regime[-1]), bool(arrays.offers_open[-1])
        for _ in range(TAIL_BUFFER_WEEKS):
            value, _ = _step(game, value, season, rho_end, talks_end)
        values[horizon] = value
    eye = np.eye(3)
    for t in range(horizon - 1, -1, -1):  # weeks: the recursion itself
        s, rho, talks = int(arrays.season[t]), int(arrays.regime[t]), bool(arrays.offers_open[t])
        value, decisions = _step(game, value, eye[s], rho, talks)
        intensity[t], posture[t] = decisions.intensity, decisions.posture
        talk = int(arrays.talk_week[t])
        if talk >= 0:
            moved = cheap_talk_update(
                grid.points, arrays.talk_likelihood[talk], arrays.cheap_talk_weight
            )
            idx, w = grid.locate(moved)
            value = np.einsum("gvhrjk,gv->ghrjk", value[idx], w)
        values[t] = value

    return Solution(
        arrays=arrays,
        beliefs=grid,
        territory=territory,
        combo=combo,
        intensity=intensity,
        posture=posture,
        value=values,
        deal_value=deal_value,
        kernel=kernel,
        offsets=offsets,
        transitions=trans,
        tail=tail,
        seconds=time.perf_counter() - started,
    )
