"""Solve the war-termination game by backward induction over weeks, from a stationary tail.

State at the start of week ``t``: the attacker's held area ``x`` (a bin of the territory
grid), the common belief ``b`` about the mediator's type (a point of the belief grid),
``h`` = 1 if the mediator riposted last week, and the battlefield regime ``r`` of last week
(hold, press, surge and, where the defender can counter-attack, counter). A week runs:

1. cheap talk scheduled for the week moves ``b`` by Bayes' rule on the tempered likelihood
   ``L^λ`` (DECISIONS WAR-18);
2. proposals, once talks are open: before any fighting the attacker is recognised as
   proposer with probability ``ρ_A`` and the defender with ``ρ_D`` (Baron & Ferejohn 1989);
   the proposer picks a frame of the menu and sets the relief where the responder is
   indifferent, or at its own end (:func:`propose`, DECISIONS WAR-22); a deal struck here
   stops the week; accepting right after a riposte (``h`` = 1) costs the attacker ``κ``;
3. the attacker commits an intensity ``i`` (hold, press, surge) and pays ``c_A(i)``; the
   defender pays ``c_D(i)`` (DECISIONS WAR-1); ``hold`` right after a riposte costs the
   attacker its reputation ``κ`` (DECISIONS WAR-6);
4. the defender, seeing ``i``, chooses its posture ``p`` (defend, or counter-attack at a
   cost); the posture and intensity steer the regime: ``τ`` = counter if ``p`` = counter,
   else ``i`` (DECISIONS WAR-24);
5. the mediator of type ``θ`` pulls a lever ``a ~ π_θ^ρ``, offers its terms with probability
   ``p_θ^ρ`` once talks are open and answers a surge with a riposte ``f`` with probability
   ``r_θ^ρ``; the belligerents update ``b`` by Bayes' rule on ``(a, offer, f)``; on the
   offer both vote (a deal needs both). Under ``freeze_line`` the line ``x`` is kept, under
   ``fixed_terms`` the offer's area. A deal's value ``U_j(ω, x)`` anticipates its breakdown
   (:mod:`detente.war.commitment`, Powell 2006);
6. without a deal each side draws the week's worth of the land held, ``φ_j(x)``, whose
   value forever is the deal's land term ``v_j,T (x - x0)/1000`` (DECISIONS WAR-28); the
   regime moves ``r → r' ~ T_τ(r, ·)`` (the fitted chain, steered: DECISIONS WAR-25) and the
   line ``x' = x + g``, ``g ~ N(μ_{r',s} m_a, (σ_{r',s} m_a)²)``.

Bellman equations (party ``j`` ∈ {A, D}, ``δ`` the weekly discount factor, ``c = (τ, a, f)``)::

    R_j(t, c, b', r, x) = φ_j(x) - l_j(a) - [j=A] f E[z | b']
                          + δ Σ_r' T_τ(r, r') Σ_x' P_{r',s,a}(x, x') V_j(t+1, x', b', f, r')
    φ_j(x)  = (1 - δ) v_j,T (x - x0) / 1000                  (the land's weekly worth)
    accept_j(θ) = U_j(θ, x) - [j=A] κ f ≥ R_j
    W_j(t, i, p, b, r, x) = -c_j(i) - c_j(p)
                            + Σ_o P(o | b, i) [deal_o U_j + (1 - deal_o) R_j](b' = B(b, o))
    p*(i) = argmax_p W_D(i, p);  War_A = max_i W_A(i, p*(i)) - κ h [i = hold];  War_D = W_D(i*, p*)
    V_j(t, b, h, r, x) = (1 - ρ_A - ρ_D) War_j + ρ_A Prop^A_j(War) + ρ_D Prop^D_j(War)

``V_j(t)`` is the value after the week's cheap talk; :attr:`Solution.value` stores it moved
back through that cheap talk (the value at the start of the week, before it), which is what
the week before continues to.

**Beyond the horizon** (``stationary_tail``) the value is the stationary one: the game of
the last modelled week (regime after the change, talks as they stand, season-averaged
gains) played for ever, the limit of backward induction as the horizon grows, computed at
the belief grid's vertices (the belligerents know the mediator's type; :func:`_tail`) and
read at interior beliefs by barycentric interpolation; between it and the horizon lie
:data:`TAIL_BUFFER_WEEKS` weeks of the same stationary game with learning, so that the
shortcut moves nothing inside the horizon (DECISIONS WAR-27). With ``beyond_horizon:
terminal`` (or ``discount`` 1) the value at the horizon is the lump ``v_j,T (x - x0)/1000 +
v_j,stalemate`` of version 1.

Each vote is a weakly dominant response to the continuation values, the proposer's choice
and the posture best responses, so one backward pass gives a subgame-perfect equilibrium
(DECISIONS WAR-2). ``tests/war_exact.py`` solves the same game by brute force.

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
RELIEF_MIN, RELIEF_MAX = 0.0, 100.0
"""The relief scale a proposer moves along."""
TAIL_STABLE = 5
"""Steps with unchanged choices after which the tail solves for their values at once."""
TAIL_STEPS = 500
"""Steps of the tail before it settles for an average (see :func:`_tail`)."""
TAIL_AVERAGE = 50
"""Steps averaged when the tail neither converges nor cycles."""
TAIL_MIN_STEPS = 200
TAIL_WINDOW = 50
TAIL_WANDER = 1e-2
"""The tail wanders (and is averaged) when, after ``TAIL_MIN_STEPS`` steps, its residual is
at most ``TAIL_WANDER`` of its values' size and has not halved in ``TAIL_WINDOW`` steps."""
TAIL_MAX_PERIOD = 12
"""The longest cycle of the tail's iteration that is recognised (see :func:`_tail`)."""
TAIL_CYCLE_TOL = 1e-6
"""Relative distance under which the tail's values count as repeating (a cycle)."""
SQRT_2PI = float(np.sqrt(2.0 * np.pi))
KERNEL_FLOOR = 1e-15
"""Kernel probabilities below this are set to 0 (far below any reported digit)."""
TAIL_BUFFER_WEEKS = 26
"""Weeks of the stationary game, with learning, solved between the horizon and the tail
(whose belligerents know the mediator's type): the tail's shortcut then moves nothing
inside the horizon (DECISIONS WAR-27)."""
TAIL_TOL = 1e-8
"""Relative tolerance of each policy's values (GMRES)."""
BLOCK = 65_536
"""Values (of one branch) above which a week's votes are written a branch at a time."""
SMALL = 1_024
"""Entries of one slice under which :func:`_first_argmax` leaves the work to ``np.argmax``."""


@dataclass(frozen=True)
class Proposals:
    """The belligerents' proposals at the start of one week, over the N = G·H·M·R·K states:
    ``frame`` (2, N) the menu item each proposer (attacker, defender) puts forward,
    :data:`NO_PROPOSAL` for none; ``relief`` and ``interior`` (2, M, N) the relief in every
    frame and whether it is the responder's indifference point (:func:`propose`; ``interior``
    is (2, M, 0) from a lean :func:`_step`, which does not keep it). With
    private resolve (:func:`_screening`): ``pivot`` (N,) the defender type whose
    indifference sets the attacker's relief and ``accept`` (D, N) whether each type takes it.
    """

    frame: npt.NDArray[np.int8]
    relief: FloatArray
    interior: BoolArray
    pivot: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    accept: FloatArray = field(default_factory=lambda: np.empty(0))


NO_PROPOSALS = Proposals(
    frame=np.empty(0, dtype=np.int8), relief=np.empty(0), interior=np.empty(0, dtype=bool)
)
"""The proposals of a week in which nobody may propose."""


@dataclass(frozen=True)
class Votes:
    """The votes on the mediator's offers of one week, over (C, Θ, G, M, R, K) (branch,
    offering type, belief about the mediator, belief about the defender, regime, bin).

    The attacker answers first (``attacker``), then the defender by its type: ``accept``
    (D, ...) the probability that each defender type accepts, and the attacker's belief
    after a rejection, at ``(1 - frac) μ[lo] + frac μ[lo + 1]`` of the resolve grid
    (:func:`respond`, DECISIONS WAR-30). Without private resolve ``accept`` is 0 or 1 and
    the belief does not move (and ``accept`` holds booleans).
    """

    attacker: BoolArray
    accept: FloatArray | BoolArray
    lo: IntArray
    frac: FloatArray


NO_VOTES = Votes(
    attacker=np.empty(0, dtype=bool),
    accept=np.empty(0, dtype=bool),
    lo=np.empty(0, dtype=np.int64),
    frac=np.empty(0),
)
"""The votes a lean step (:func:`_step`) does not report."""


@dataclass(frozen=True)
class Decisions:
    """One week's choices (every array over belief ``G``, resolve belief ``M``, regime
    ``R`` and bin ``K``).

    ``votes``: the votes on the mediator's offers; ``proposals``: each proposer's frame and
    relief; ``posture``: (I, G, M, R, K) the defender's answer to each intensity;
    ``intensity``: (G, H, M, R, K).
    """

    votes: Votes
    proposals: Proposals
    posture: npt.NDArray[np.int8]
    intensity: npt.NDArray[np.int8]


@dataclass(frozen=True)
class Tail:
    """The stationary tail: values at the belief grid's vertices, the steps taken and the
    last Bellman residual (the largest change of a value in the last step)."""

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
        (T, G, 2, M, R, K) the attacker's intensity by week, belief (after the week's cheap
        talk), riposte flag, belief point about the defender's resolve (one point without
        private resolve), last regime and bin.
    posture:
        (T, I, G, M, R, K) the defender's posture against each intensity.
    proposal, proposal_relief:
        (T, 2, G, 2, M, R, K) the menu item each proposer (attacker, defender) puts forward
        at the start of the week (:data:`NO_PROPOSAL` for none), and its relief, by week,
        belief, riposte flag, resolve belief, regime and bin.
    proposal_accept:
        (T, D, G, 2, M, R, K) whether each defender type takes the attacker's proposal.
    value:
        (T+1, G, 2, D, M, R, 2, K) values at the start of each week (by the belief before
        the week's cheap talk) and beyond the horizon, by belief, riposte flag, the
        defender's type (one without private resolve), resolve belief, regime, party and
        bin; the simulator recomputes the votes from them
        (:func:`detente.war.simulate.reject_values`).
    deal_value, relief_slope:
        (Ω, 2, K) each offer's value to each party with the attacker keeping each bin, and
        its slope in the relief.
    kernel:
        (S, R, A, D) probability of moving ``offsets[d]`` bins in a week of regime ``r``.
    transitions:
        (D, S, τ, R, R) regime transitions steered to ``τ``, against each defender type
        (:meth:`~detente.spec.campaign.CampaignArrays.typed_transitions`).
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
    proposal: npt.NDArray[np.int8]
    proposal_relief: FloatArray
    proposal_accept: FloatArray
    value: FloatArray
    deal_value: FloatArray
    relief_slope: FloatArray
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

    The weekly gain in regime ``r`` is normal, ``g ~ N(μ_{r,s} m_a, (σ_{r,s} m_a)²)``; a gain
    of ``y = g / w`` bins is shared between the bins either side of it in proportion to its
    distance from each (linear interpolation, so the expected move is exactly ``E[y]``; a
    gain smaller than a bin is not rounded away: DECISIONS WAR-29), which gives
    ``P(d) = E[(1 - |y - d|)+] = f(d-1) - 2 f(d) + f(d+1)`` with ``f(a) = E[(y - a)+] =
    (m - a) Φ((m - a)/s) + s φ((m - a)/s)``. The offsets reach 8 sd beyond every mean, the
    end offsets take the tails. Moves past the grid's ends stop in the end bins (edge
    padding in :func:`_expect`). ``mean``, ``sd`` (R, S) replace the campaign's.
    """
    w = arrays.bin_km2
    mult = arrays.gain_multiplier
    mean = arrays.gain_mean if mean is None else mean
    sd = arrays.gain_sd if sd is None else sd
    mu = mean.T[:, :, None] * mult[None, None, :] / w  # (S, R, A), in bins
    sig = sd.T[:, :, None] * mult[None, None, :] / w
    reach = arrays.territory_grid().size - 1
    low = int(np.clip(np.floor((mu - 8 * sig).min()) - 1, -reach, 0))
    high = int(np.clip(np.ceil((mu + 8 * sig).max()) + 1, 0, reach))
    offsets = np.arange(low, high + 1, dtype=np.int64)
    a = np.arange(low - 1, high + 2, dtype=np.float64)  # f at every offset and one beyond
    z = (mu[..., None] - a) / sig[..., None]
    f = (mu[..., None] - a) * ndtr(z) + sig[..., None] * np.exp(-0.5 * z * z) / SQRT_2PI
    kernel: FloatArray = f[..., :-2] - 2.0 * f[..., 1:-1] + f[..., 2:]
    # The ends take the tails: E[min(1, low - y)+] = f(low) - f(low-1) + 1 below the
    # lowest offset, E[min(1, y - high)+] = f(high) - f(high+1) above the highest.
    kernel[..., 0] += f[..., 1] - f[..., 0] + 1.0
    kernel[..., -1] += f[..., -2] - f[..., -1]
    kernel = np.clip(kernel, 0.0, None)  # rounding below 0
    kernel[kernel < KERNEL_FLOOR] = 0.0  # no subnormal arithmetic in the products
    kernel /= kernel.sum(axis=-1, keepdims=True)
    return kernel, offsets


def _expect(kernel: FloatArray, offsets: IntArray, value: FloatArray) -> FloatArray:
    """``Σ_d kernel[r, a, d] · value[..., r, ..., clip(k + offsets[d])]``: next week's values
    (G, H, D, M, R, J, K) in expectation over the week's move, per regime ``r`` (axis 4 of
    ``value``) and lever ``a`` → (R, A, G, H, D, M, J, K). Moves past the grid's ends stop
    in the end bins (edge padding)."""
    n_r, n_k, n_d = value.shape[4], value.shape[-1], offsets.size
    low, high = -int(offsets[0]), int(offsets[-1])
    moved = value.transpose(4, 0, 1, 2, 3, 5, 6)  # (R, G, H, D, M, J, K)
    padded = np.empty((*moved.shape[:-1], n_k + low + high))
    padded[..., low : low + n_k] = moved
    padded[..., :low] = moved[..., :1]
    padded[..., low + n_k :] = moved[..., -1:]
    padded = padded.reshape(n_r, -1, padded.shape[-1])
    n_x = padded.shape[1]
    s_r, s_x, s_k = padded.strides
    windows = np.ndarray(
        (n_r, n_d, n_x, n_k), dtype=padded.dtype, buffer=padded, strides=(s_r, s_k, s_x, s_k)
    )  # (R, D, X, K) views of the padded rows (as ``as_strided``, at less call overhead)
    rows = np.ascontiguousarray(windows).reshape(n_r, n_d, n_x * n_k)
    out: FloatArray = np.matmul(kernel, rows).reshape(
        n_r, kernel.shape[1], *value.shape[:4], 2, n_k
    )
    return out


def _observation_likelihood(
    arrays: CampaignArrays, regime: int, talks: bool, intensity: int
) -> tuple[FloatArray, IntArray]:
    """Likelihood (O, Θ) of each observation ``o = (a, m, f)`` under each type, and the
    (O, 3) table of ``(a, m, f)``; ``m`` = 0 no offer, ``m`` = θ + 1 type θ's offer (each
    type offers its own terms, so an offer reveals the type: DECISIONS WAR-4)."""
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


@dataclass(frozen=True)
class _Season:
    """What a week's step needs that depends only on its season mix: the gain kernel
    ``kern`` (R, A, D) and ``move`` (C, D, R·M, R·M), the discounted regime move of each
    branch times the attacker's learning about the defender's resolve from it."""

    kern: FloatArray
    move: FloatArray


@dataclass
class _Game:
    """Everything one week's step needs that does not change from week to week (and, cached,
    what changes only with the season mix)."""

    arrays: CampaignArrays
    grid: BeliefGrid
    kernel: FloatArray  # (S, R, A, D)
    offsets: IntArray
    trans: FloatArray  # (D, S, τ, R, R): against each defender type
    deal_value: FloatArray  # (Ω, 2, K)
    combo: IntArray  # (R, A, 2), -1 where the branch cannot occur
    slope: FloatArray  # (Ω, 2, K): d U_j / d relief
    branches: dict[tuple[int, bool, int, int], sparse.csr_matrix] = field(default_factory=dict)

    def __post_init__(self) -> None:
        arr = self.arrays
        used = np.argwhere(self.combo >= 0)
        order = np.argsort(self.combo[self.combo >= 0])
        self.c_t, self.c_a, self.c_f = used[order].T
        deal = np.broadcast_to(self.deal_value, (self.c_f.size, *self.deal_value.shape)).copy()
        deal[:, :, 0] -= arr.reputation_cost * self.c_f[:, None, None]
        self.deal = deal  # (C, Ω, J, K): less the attacker's reputation after a riposte
        self.flow = land_flow(arr, arr.territory_grid())
        # (C, 1, 1, 1, 1, J, K) the week's flow less the lever's cost, by branch
        self.flow_less_lever = (
            self.flow[None, None, None, None]
            - arr.lever_cost[self.c_a][:, None, None, None, None, :, None]
        )
        riposte_cost = (self.grid.points @ arr.riposte_size)[None, :] * self.c_f[:, None]  # (C, G)
        # the branches with a riposte (the others' cost is +0, which subtracts nothing)
        rows = np.flatnonzero(self.c_f)
        self.riposted: slice | IntArray = rows
        if rows.size and np.array_equal(rows, np.arange(rows[0], rows[-1] + 1)):
            self.riposted = slice(int(rows[0]), int(rows[-1]) + 1)
        self.riposte_cost = riposte_cost[self.riposted, :, None, None, None, None]
        cost = arr.intensity_cost[:, None, :] * np.stack(
            [np.ones(arr.n_defender_types), arr.defender_cost_scale()], axis=-1
        )  # (I, D, J)
        self.cost = cost[:, None, None, :, None, None, :, None]
        self.posture_cost = arr.posture_cost[None, :, None, None, None, None, :, None]
        self.buffer: FloatArray | None = None
        self._menu: tuple[FloatArray, FloatArray] | None = None
        self._seasons: dict[bytes, _Season] = {}
        self._tables: tuple[FloatArray, FloatArray] | None = None
        self._ends: dict[tuple[int, int], float | None] = {}
        self._layouts: dict[tuple[int, int], tuple[IntArray, IntArray]] = {}
        self._offer_rows: dict[tuple[int, bool], tuple[IntArray, IntArray, IntArray]] = {}
        self.type_weights = arr.type_weights()  # (M, D)
        n_t = arr.n_types
        menu_base = np.empty((2, arr.n_offers - n_t, 2, self.deal_value.shape[-1]))
        menu_base[:] = self.deal_value[n_t:].transpose(1, 0, 2)[:, :, None, :]
        menu_base[0, :, 1] -= arr.reputation_cost
        self.menu_base = menu_base  # (J, M, H, K): the attacker's less κ after a riposte
        self.menu_slope = self.slope[n_t:].transpose(1, 0, 2)  # (J, M, K)

    def season(self, season: FloatArray) -> _Season:
        """The kernel and the regime moves of the season mix ``season`` (S,)."""
        key = season.tobytes()
        found = self._seasons.get(key)
        if found is None:
            arr = self.arrays
            n_c, n_d = self.c_f.size, arr.n_defender_types
            n_r, n_m = arr.n_regimes, arr.resolve_points
            kern = np.einsum("s,srad->rad", season, self.kernel)
            trans = np.einsum("s,dstru->dtru", season, self.trans)  # (D, τ, R, R')
            learn = resolve_learning(arr, trans)  # (τ, R, R', M, M')
            move = arr.discount * trans[:, self.c_t][..., None, None] * learn[self.c_t][None]
            move = move.transpose(1, 0, 2, 4, 3, 5).reshape(n_c, n_d, n_r * n_m, n_r * n_m)
            found = self._seasons[key] = _Season(kern=kern, move=move)
        return found

    def menu_tables(self, n_r: int) -> tuple[FloatArray, FloatArray]:
        """The menu's deal values and slopes (J, M, 1, L) over L = H·R·K (states of one
        belief point), the attacker's less its reputation after a riposte (h = 1)."""
        if self._tables is None or self._tables[0].shape[-1] != 2 * n_r * self.menu_base.shape[-1]:
            n_j, n_f, n_h, n_k = self.menu_base.shape
            base = np.broadcast_to(self.menu_base[:, :, :, None, :], (n_j, n_f, n_h, n_r, n_k))
            slope = np.broadcast_to(self.menu_slope[:, :, None, None, :], base.shape)
            self._tables = (
                base.reshape(n_j, n_f, 1, -1).copy(),
                slope.reshape(n_j, n_f, 1, -1).copy(),
            )
        return self._tables

    def relief_end(self, proposer: int, n_r: int) -> float | None:
        """:data:`RELIEF_MIN` when the responder to ``proposer`` gains from relief and the
        proposer loses by it in every frame and bin (the proposer sets the relief at the
        lower end of what the responder accepts), :data:`RELIEF_MAX` in the opposite case,
        ``None`` otherwise (:func:`propose`'s general case)."""
        key = (proposer, n_r)
        if key not in self._ends:
            _, slope = self.menu_tables(n_r)
            s_i, s_j = slope[1 - proposer], slope[proposer]
            end = None
            if (s_i > 0).all() and not (s_j > 0).any():
                end = RELIEF_MIN
            elif (s_i < 0).all() and (s_j > 0).all():
                end = RELIEF_MAX
            self._ends[key] = end
        return self._ends[key]

    def layout(self, n_g: int, n_l: int) -> tuple[IntArray, IntArray]:
        """The states ``0 … G·L - 1`` of :func:`_proposals` and each one's place in its
        belief point's L states."""
        key = (n_g, n_l)
        if key not in self._layouts:
            self._layouts[key] = (np.arange(n_g * n_l), np.tile(np.arange(n_l), n_g))
        return self._layouts[key]

    def menu_arrays(self, n_r: int, n_k: int) -> tuple[FloatArray, FloatArray]:
        """The menu's deal values and slopes over the N = G·H·R·K states (M, N, J), the
        attacker's less its reputation after a riposte (h = 1)."""
        if self._menu is None:
            n_t, n_g = self.arrays.n_types, self.grid.size
            base = self.deal_value[n_t:].transpose(0, 2, 1)  # (M, K, J)
            slope = self.slope[n_t:].transpose(0, 2, 1)
            full = np.broadcast_to(base[:, None, None, None], (base.shape[0], n_g, 2, n_r, n_k, 2))
            full = full.copy()
            full[:, :, 1, :, :, 0] -= self.arrays.reputation_cost
            slopes = np.broadcast_to(slope[:, None, None, None], full.shape)
            self._menu = (full.reshape(base.shape[0], -1, 2), slopes.reshape(base.shape[0], -1, 2))
        return self._menu

    def branches_of(self, rho: int, talks: bool) -> sparse.csr_matrix:
        """The (I·P·G, C·(Θ+1)·G) rows of :meth:`branch` for every intensity and posture,
        stacked (one sparse product a week; each row is summed as in its own matrix).

        Entries of weight 0 are dropped (over half of them: observations impossible at a
        belief on the simplex's boundary, interpolation weights of 0): each added nothing
        but ``0 · value`` (± 0, the branch values being finite), the others are summed in
        the same order."""
        key = (rho, talks, -1, -1)
        if key not in self.branches:
            stacked = sparse.vstack(
                [
                    self.branch(rho, talks, i, p)
                    for i in range(N_INTENSITIES)
                    for p in range(self.arrays.n_postures)
                ],
                format="csr",
            )
            stacked.eliminate_zeros()
            self.branches[key] = stacked
        return self.branches[key]

    def offer_rows(self, rho: int, talks: bool) -> tuple[IntArray, IntArray, IntArray]:
        """The rows ``(c, θ, g)`` of the branch values with type θ's offer on the table
        (:func:`_votes`' ``out``) that :meth:`branches_of` reads: an offer reveals the
        mediator's type (DECISIONS WAR-4), so only the row at that type's vertex ``g`` (the
        rest, never read, need not be written)."""
        key = (rho, talks)
        if key not in self._offer_rows:
            n_c, n_m, n_g = self.c_f.size, self.arrays.n_types + 1, self.grid.size
            used = np.zeros(n_c * n_m * n_g, dtype=bool)
            used[self.branches_of(rho, talks).indices] = True
            c_i, m_i, g_i = np.nonzero(used.reshape(n_c, n_m, n_g)[:, 1:])
            self._offer_rows[key] = (c_i, m_i, g_i)
        return self._offer_rows[key]

    def branch(self, rho: int, talks: bool, i: int, p: int) -> sparse.csr_matrix:
        key = (rho, talks, i, p)
        if key not in self.branches:
            target = steered_regime(self.arrays, i, p)
            self.branches[key] = _branches(
                self.arrays, self.grid, self.combo, rho, talks, i, target
            )
        return self.branches[key]


def propose(
    base: FloatArray,
    slope: FloatArray,
    nominal: FloatArray,
    reject: FloatArray,
    proposer: int,
    interior: BoolArray | None = None,
    fixed_relief: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """A belligerent's proposal in each frame of the menu (Baron & Ferejohn 1989): the
    relief ``r`` in [0, 100] best for the proposer that the responder accepts.

    Each party's deal value is linear in the relief, ``U_j(r) = base_j + slope_j (r -
    nominal)``. The responder ``i`` accepts iff ``U_i(r) ≥ R_i``: an interval of ``r`` whose
    inner end is the responder's indifference point ``r_i = nominal + (R_i - base_i) /
    slope_i``; the proposer takes the end of it it prefers (DECISIONS WAR-22).

    Every array broadcasts against the others, the party axis ``J`` last (the menu's
    frames lie along one of the leading axes).

    Parameters
    ----------
    base, slope:
        (..., J) the deal values at the frame's nominal relief and their slopes.
    nominal:
        (...) the frames' relief as written.
    reject:
        (..., J) each party's value of fighting on.
    proposer:
        0 the attacker, 1 the defender.
    interior, fixed_relief:
        With both given (a fixed policy), the relief is the responder's indifference point
        where ``interior`` and ``fixed_relief`` elsewhere, feasibility unchecked.

    Returns
    -------
    relief, value, interior:
        (...) the relief, (..., J) both parties' values of the deal at it (``-inf`` where
        the responder cannot be satisfied), and whether the relief is the responder's
        indifference point.
    """
    i, j = 1 - proposer, proposer
    s_i, s_j = slope[..., i], slope[..., j]
    with np.errstate(divide="ignore", invalid="ignore"):
        point = nominal + (reject[..., i] - base[..., i]) / s_i
    if interior is not None and fixed_relief is not None:
        relief = np.where(interior, point, fixed_relief)
        value = base + slope * (relief - nominal)[..., None]
        return relief, value, interior
    # The responder accepts r >= point (s_i > 0), r <= point (s_i < 0), or every r when
    # its slope is 0 and it accepts the nominal terms; the proposer takes its favourite end.
    up = s_i > 0
    down = s_i < 0
    lo = np.where(up, np.maximum(point, RELIEF_MIN), RELIEF_MIN)
    hi = np.where(down, np.minimum(point, RELIEF_MAX), RELIEF_MAX)
    feasible = lo <= hi
    feasible &= up | down | (base[..., i] >= reject[..., i])
    relief = np.where(s_j > 0, hi, lo)
    interior = feasible & (relief == point)
    value = base + slope * (relief - nominal)[..., None]
    value[~feasible] = -np.inf
    return relief, value, interior


def _first_argmax(a: FloatArray) -> IntArray:
    """``np.argmax(a, axis=0)`` (the first largest along the first axis) of an array
    without NaN, as a running comparison: several times faster along a short first axis."""
    if a[0].size < SMALL or a.shape[0] > np.iinfo(np.int8).max:
        small: IntArray = a.argmax(axis=0)
        return small
    # Branch-free: a masked write with an irregular mask costs more than these passes.
    best = np.zeros(a.shape[1:], dtype=np.int8)
    top = a[0].copy()
    better = np.empty(a.shape[1:], dtype=bool)
    for m in range(1, a.shape[0]):
        np.greater(a[m], top, out=better)
        np.maximum(top, a[m], out=top)  # (equal where not better: the same value)
        np.maximum(best, better.view(np.int8) * np.int8(m), out=best)  # m exceeds every earlier
    out: IntArray = best.astype(np.int64)
    return out


def _choose(index: npt.NDArray[np.int8], options: FloatArray) -> FloatArray:
    """``np.choose(index, options)`` (``options[index]`` element by element, ``index``
    broadcasting against ``options[0]``), by a mask per option: faster for a few options."""
    if len(options) == 1:
        shape = np.broadcast_shapes(index.shape, options[0].shape)
        return np.broadcast_to(options[0], shape).copy()
    out: FloatArray = np.where(index == 1, options[1], options[0])
    for i in range(2, len(options)):
        np.copyto(out, options[i], where=index == i)
    return out


def _pick(mask: BoolArray, a: FloatArray | float, b: FloatArray | float) -> FloatArray | float:
    """``np.where(mask, a, b)``, or ``a`` (``b``) itself when ``mask`` is all True (False)."""
    if mask.all():
        return a
    if not mask.any():
        return b
    out: FloatArray = np.where(mask, a, b)
    return out


def _proposals(
    game: _Game,
    war: FloatArray,
    fixed: Decisions | None,
    lean: bool = False,
) -> tuple[FloatArray, Proposals]:
    """The proposal stage at the start of a week (DECISIONS WAR-22): from the value of the
    week without a proposal, ``war`` (G, H, R, J, K), to the week's value, and each
    proposer's choice. A deal struck here keeps the line; the attacker pays its reputation
    ``κ h`` for yielding right after a riposte. :func:`propose`'s arithmetic, element by
    element, over the frames M and the N = G·H·R·K states (as (M, G, L = H·R·K)), each party
    apart, the value of the deal computed at the chosen frame only."""
    arr = game.arrays
    war = war[:, :, 0, 0]  # one defender type, no belief about it: (G, H, R, J, K)
    n_g, _, n_r, _, n_k = war.shape
    base, slope = game.menu_tables(n_r)  # (J, M, 1, L) each
    nominal = arr.menu_relief
    nom = nominal[:, None, None]
    n_f = nominal.size
    n_l = 2 * n_r * n_k
    n = n_g * n_l
    states, at_l = game.layout(n_g, n_l)
    rej = [np.ascontiguousarray(war[:, :, :, j]).reshape(n_g, n_l) for j in (0, 1)]
    frame = np.full((2, n), NO_PROPOSAL, dtype=np.int8)
    relief = np.zeros((2, n_f, n))
    lean = lean and fixed is None
    interior = np.zeros((2, n_f, 0) if lean else relief.shape, dtype=bool)  # lean: not kept
    rest = 1.0 - arr.proposer.sum()
    value = [rej[j] * rest for j in (0, 1)]
    for j in (0, 1):
        if arr.proposer[j] == 0:
            continue
        i = 1 - j
        if fixed is None:
            b_i, s_i, s_j = base[i], slope[i], slope[j]
            full = relief[j].reshape(n_f, n_g, n_l)
            point = np.subtract(rej[i], b_i)
            end = game.relief_end(j, n_r)
            if end is None:  # a slope may be 0
                with np.errstate(divide="ignore", invalid="ignore"):
                    np.divide(point, s_i, out=point)
            else:  # no slope is 0
                np.divide(point, s_i, out=point)
            np.add(nom, point, out=point)  # the responder's indifference point (M, G, L)
            if end == RELIEF_MIN:  # the relief is the responder's lower end in every frame
                np.maximum(point, RELIEF_MIN, out=full)
                feasible = full <= RELIEF_MAX
            elif end == RELIEF_MAX:  # ... its upper end
                np.minimum(point, RELIEF_MAX, out=full)
                feasible = full >= RELIEF_MIN
            else:
                up, down, rise = s_i > 0, s_i < 0, s_j > 0
                lo = _pick(up, np.maximum(point, RELIEF_MIN), RELIEF_MIN)
                hi = _pick(down, np.minimum(point, RELIEF_MAX), RELIEF_MAX)
                feasible = np.asarray(lo <= hi)
                if not (up | down).all():
                    feasible = feasible & (up | down | (b_i >= rej[i]))
                full[...] = _pick(rise, hi, lo)
            if not lean:
                inner = interior[j].reshape(full.shape)
                np.equal(full, point, out=inner)
                inner &= feasible
            own = np.subtract(full, nom, out=point)
            np.multiply(s_j, own, out=own)
            np.add(base[j], own, out=own)  # the proposer's value of its proposal
            feasible &= own >= rej[j]
            np.logical_not(feasible, out=feasible)
            np.copyto(own, -np.inf, where=feasible)
            own = own.reshape(n_f, n)
            best = _first_argmax(own)
            flat = best * n + states
            frame[j] = best
            own_best: FloatArray | None = own.ravel().take(flat)  # = the loop's ``chosen``
            np.copyto(frame[j], NO_PROPOSAL, where=own_best == -np.inf)
            chosen_relief = full.ravel().take(flat)
        else:
            own_best = None
            frame[j] = fixed.proposals.frame[j]
            relief[j], interior[j] = fixed.proposals.relief[j], fixed.proposals.interior[j]
            best = np.maximum(frame[j], 0).astype(np.int64)
            flat = best * n + states
            table = best * n_l + at_l
            b_i, s_i = base[i].ravel().take(table), slope[i].ravel().take(table)
            with np.errstate(divide="ignore", invalid="ignore"):
                point = nominal.take(best) + (rej[i].ravel() - b_i) / s_i
            chosen_relief = np.where(
                interior[j].ravel().take(flat), point, relief[j].ravel().take(flat)
            )
        offset = chosen_relief - nominal.take(best)
        table = best * n_l + at_l
        made = frame[j] >= 0
        for p in (0, 1):
            if p == j and own_best is not None:  # the same sum, already made (where made)
                chosen = own_best
            else:
                chosen = base[p].ravel().take(table) + slope[p].ravel().take(table) * offset
            value[p] += arr.proposer[j] * np.where(made, chosen, rej[p].ravel()).reshape(n_g, n_l)
    out = np.empty((n_g, 2, 1, 1, n_r, 2, n_k))
    for p in (0, 1):
        out[:, :, 0, 0, :, p] = value[p].reshape(n_g, 2, n_r, n_k)
    return out, Proposals(frame=frame, relief=relief, interior=interior)


def _screening(
    game: _Game,
    war: FloatArray,
    fixed: Decisions | None,
) -> tuple[FloatArray, Proposals]:
    """The attacker's proposals to a defender of private resolve (DECISIONS WAR-30): from
    the value of the week without a proposal, ``war`` (G, H, D, M, R, J, K), to the week's
    value, and the attacker's choice.

    The attacker screens (Fearon 1995's risk-return trade-off): in each frame of the menu it
    sets the relief where one type is indifferent to fighting on believed resolute (the
    belief a rejection earns, :func:`respond`) and weighs the chance that the other type
    rejects; it offers the frame and pivot type best for it in expectation over its belief,
    or nothing. Offers that only the resolute type would take are left out (a weary
    rejection would then not be read as resolute). The defender does not propose."""
    arr = game.arrays
    n_g, _, n_d, n_m, n_r, _, n_k = war.shape
    top = n_m - 1
    off = np.where(np.arange(n_m) > 0, top, 0)
    base, slope = game.menu_arrays(n_r, n_k)  # (F, G·H·R·K, J)
    n_f = base.shape[0]
    base = base.reshape(n_f, n_g, 2, 1, n_r, n_k, 2)
    slope = slope.reshape(base.shape)
    nominal = arr.menu_relief[:, None, None, None, None, None]
    typed = war.transpose(2, 0, 1, 3, 4, 6, 5)  # (D, G, H, M, R, K, J)
    after = typed[:, :, :, off]  # fighting on believed resolute (μ' = 1, or 0 at μ = 0)
    weights = arr.type_weights().T[:, None, None, :, None, None]  # (D, 1, 1, M, 1, 1)
    stay_a = (weights * typed[..., 0]).sum(axis=0)  # (G, H, M, R, K)
    tol = 1e-9 * np.maximum(1.0, np.abs(after[..., 1]))
    shape = (n_g, 2, n_m, n_r, n_k)
    n = int(np.prod(shape))
    rho_a = float(arr.proposer[0])
    if fixed is None:
        best = np.full(shape, -np.inf)
        frame = np.full(shape, NO_PROPOSAL, dtype=np.int8)
        pivot = np.zeros(shape, dtype=np.int64)
        relief = np.zeros((n_f, *shape))
        interior = np.zeros((n_f, *shape), dtype=bool)
        for e in range(n_d):
            rej = np.zeros((1, *shape, 2))
            rej[..., 1] = after[e, ..., 1]
            r, both, inner = propose(base, slope, nominal, rej, 0)
            takes = both[None, ..., 1] >= after[:, None, ..., 1] - tol[:, None]  # (D, F, …)
            score = (
                weights[:, None] * np.where(takes, both[None, ..., 0], after[:, None, ..., 0])
            ).sum(axis=0)
            score = np.where(takes[0] & np.isfinite(both[..., 0]), score, -np.inf)
            f = np.argmax(score, axis=0)
            top_score = np.take_along_axis(score, f[None], 0)[0]
            better = (top_score > best) & (top_score >= stay_a)
            best = np.where(better, top_score, best)
            frame = np.where(better, f, frame).astype(np.int8)
            pivot = np.where(better, e, pivot)
            relief = np.where(better[None], r, relief)
            interior = np.where(better[None], inner, interior)
    else:
        frame = fixed.proposals.frame[0].reshape(shape)
        pivot = fixed.proposals.pivot.reshape(shape)
        relief = fixed.proposals.relief[0].reshape(n_f, *shape)
        interior = fixed.proposals.interior[0].reshape(n_f, *shape)
    pick = np.maximum(frame, 0).astype(np.int64)
    rej = np.zeros((1, *shape, 2))
    rej[..., 1] = np.take_along_axis(after[..., 1], pivot[None], 0)[0]
    _, both, _ = propose(base, slope, nominal, rej, 0, interior, relief)
    chosen = np.take_along_axis(both, pick[None, ..., None], 0)[0]  # (G, H, M, R, K, J)
    accept: FloatArray
    if fixed is None:
        accept = ((chosen[None, ..., 1] >= after[..., 1] - tol) & (frame >= 0)).astype(np.float64)
    else:
        accept = fixed.proposals.accept.reshape(n_d, *shape)
    taken = accept[..., None] * chosen[None] + (1.0 - accept[..., None]) * after
    proposed = np.where((frame >= 0)[None, ..., None], taken, typed)
    value = (1.0 - rho_a) * typed + rho_a * proposed  # (D, G, H, M, R, K, J)
    frames = np.full((2, n), NO_PROPOSAL, dtype=np.int8)
    frames[0] = frame.ravel()
    reliefs = np.zeros((2, n_f, n))
    reliefs[0] = relief.reshape(n_f, n)
    inner = np.zeros((2, n_f, n), dtype=bool)
    inner[0] = interior.reshape(n_f, n)
    return np.ascontiguousarray(value.transpose(1, 2, 0, 3, 4, 6, 5)), Proposals(
        frame=frames,
        relief=reliefs,
        interior=inner,
        pivot=pivot.ravel(),
        accept=accept.reshape(n_d, n),
    )


def respond(
    u: FloatArray, rd: FloatArray, n_m: int, axis: int = -1
) -> tuple[FloatArray, IntArray, FloatArray]:
    """The answer of a defender of private resolve to terms worth ``u`` to it, by its type
    (DECISIONS WAR-30; with one type :func:`_votes` needs no equilibrium: it accepts iff
    ``u ≥ R_D``).

    Parameters
    ----------
    u:
        The terms' value to the defender in each state, the attacker's belief point ``m``
        along ``axis`` (size 1 or M).
    rd:
        (2, ...) each defender type's value of fighting on when the attacker's belief is at
        each point of the resolve grid, that point along ``axis`` too (its other axes
        broadcast against ``u``'s).
    n_m:
        Points of the resolve grid, ``μ_m = m / (M - 1)``.
    axis:
        The belief axis, counted from the end (negative).

    Returns
    -------
    accept, lo, frac:
        (2, ...) the probability that each type accepts, and the attacker's belief after
        a rejection, ``(1 - frac) μ[lo] + frac μ[lo + 1]``.

    The types weary (0) and resolute (1) answer in the perfect Bayesian
    equilibrium of the response in which a rejection that only a resolute defender would
    make is read as resolute (μ' = 1 off the path, as the D1 criterion asks; a belief of 0
    or 1 stays put): both accept when each prefers the terms to fighting on as a known
    resolute; the weary alone accepts when only it does (the rejection then reveals the
    resolute type); when the weary type prefers the terms to fighting on at the present
    belief but not to fighting on believed resolute, it rejects with the probability ``q``
    that makes it indifferent, ``R_D,weary(μ*) = u`` with ``μ* = μ / (μ + (1 - μ) q)`` on
    the piecewise-linear value; else both reject and the belief stays.
    """
    shape = np.broadcast_shapes(u.shape, rd.shape[1:])
    along = (n_m,) + (1,) * (-axis - 1)
    m = np.arange(n_m).reshape(along)
    top = n_m - 1
    off = np.where(np.arange(n_m) > 0, top, 0)
    r_off = np.take(rd, off, axis=axis)  # fighting on believed resolute (or weary at μ = 0)
    here = rd[0]
    weary_takes = u >= r_off[0]
    pool = weary_takes & (u >= r_off[1])
    mix = ~weary_takes & (u >= here)
    lo = np.where(weary_takes, off.reshape(along), m).astype(np.int64)
    lo = np.broadcast_to(lo, shape).copy()
    frac = np.zeros(shape)
    found = ~mix
    for n in range(top):  # the first crossing of R_D,weary(μ') = u above the belief
        a = np.take(rd[0], [n], axis=axis)
        b = np.take(rd[0], [n + 1], axis=axis)
        cross = ~found & (m <= n) & (a <= u) & (u < b)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(cross, (u - a) / (b - a), frac)
        lo[cross] = n
        found |= cross
    mu = m / max(top, 1)
    star = (lo + frac) / max(top, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(mix, mu * (1.0 - star) / (star * (1.0 - mu)), 0.0)
    weary = np.where(weary_takes, 1.0, np.where(mix, 1.0 - np.clip(q, 0.0, 1.0), 0.0))
    return np.stack(np.broadcast_arrays(weary, pool.astype(np.float64))), lo, frac


def _at_belief(values: FloatArray, lo: IntArray, frac: FloatArray, axis: int = -1) -> FloatArray:
    """``values`` (D, ...) read at ``(1 - frac) μ[lo] + frac μ[lo + 1]`` of the belief
    axis ``axis`` (negative)."""
    out = np.zeros(np.broadcast_shapes(values.shape, (values.shape[0], *lo.shape)))
    for n in range(values.shape[axis]):
        w = np.where(lo == n, 1.0 - frac, 0.0) + np.where(lo + 1 == n, frac, 0.0)
        out += w * np.take(values, [n], axis=axis)
    return out


def resolve_learning(arrays: CampaignArrays, trans: FloatArray) -> FloatArray:
    """(τ, R, R', M, M') the attacker's belief about the defender's resolve after seeing
    the regime move ``r → r'`` under choices steered to ``τ``, as linear-interpolation
    weights on the resolve grid (Bayes' rule on the typed transitions ``trans`` (D, τ, R,
    R'); the identity without private resolve)."""
    n_m = arrays.resolve_points
    mu = arrays.resolve_grid()
    if trans.shape[0] == 1:
        return np.broadcast_to(np.eye(n_m), (*trans.shape[1:], n_m, n_m))
    joint1 = mu * trans[1][..., None]
    total = joint1 + (1.0 - mu) * trans[0][..., None]  # (τ, R, R', M)
    with np.errstate(divide="ignore", invalid="ignore"):
        post = np.where(total > 0.0, joint1 / total, mu)
    pos = post * (n_m - 1)
    lo = np.minimum(np.floor(pos).astype(np.int64), n_m - 2)
    frac = pos - lo
    out = np.zeros((*post.shape, n_m))
    np.put_along_axis(out, lo[..., None], (1.0 - frac)[..., None], -1)
    np.put_along_axis(out, lo[..., None] + 1, frac[..., None], -1)
    return out


def _step(
    game: _Game,
    value: FloatArray,
    season: FloatArray,
    rho: int,
    talks: bool,
    fixed: Decisions | None = None,
    lean: bool = False,
) -> tuple[FloatArray, Decisions]:
    """One week: from next week's values (G, H, D, M, R, J, K) to this week's, and the
    choices.

    ``season`` is a (S,) weight over seasons (one-hot for a calendar week, the calendar
    mix in the tail). With ``fixed``, the choices are taken from it (the step is then
    affine in ``value``: the tail's policy evaluation). ``lean``: only the choices that
    :func:`solve` keeps (intensity, posture, proposed frame, relief and acceptance); with
    one defender type the votes on the mediator's offers are then cast only where they
    count (:data:`NO_VOTES`) and the proposals' ``interior`` is left empty.
    """
    arr, grid = game.arrays, game.grid
    n_g, n_r, n_k = grid.size, arr.n_regimes, value.shape[-1]
    n_t, n_p = arr.n_types, arr.n_postures
    n_d, n_m = arr.n_defender_types, arr.resolve_points
    kappa = arr.reputation_cost
    n_c = game.c_f.size
    week = game.season(season)
    # E over the gain, per next regime r' and lever: (R', A, G, H, D, M, J, K)
    q1 = _expect(week.kern, game.offsets, value)
    # Reject values per branch c = (τ, a, f), E over the regime steered to τ and the
    # attacker's belief after it: (C, G, D, M, R, J, K)
    qc = q1.transpose(1, 3, 4, 0, 5, 2, 6, 7)[game.c_a, game.c_f]  # (C, D, R', M', G, J, K)
    qc = qc.reshape(n_c, n_d, n_r * n_m, n_g * 2 * n_k)
    reject = np.matmul(week.move, qc).reshape(n_c, n_d, n_r, n_m, n_g, 2, n_k)
    shape = (n_c, n_t + 1, n_g, n_d, n_m, n_r, 2, n_k)
    if game.buffer is None or game.buffer.shape != shape:
        game.buffer = np.empty(shape)
    branch_value = game.buffer  # reused: a fresh 30 MB array a week costs page faults
    reject = np.add(  # no offer from the mediator: (C, G, D, M, R, J, K)
        reject.transpose(0, 4, 1, 3, 2, 5, 6), game.flow_less_lever, out=branch_value[:, 0]
    )
    reject[game.riposted, ..., 0, :] -= game.riposte_cost  # (0 without a riposte)
    votes = _votes(game, reject, fixed, branch_value[:, 1:], game.offer_rows(rho, talks), lean)
    rows = branch_value.reshape(-1, n_d * n_m * n_r * 2 * n_k)
    w_value = (game.branches_of(rho, talks) @ rows).reshape(
        N_INTENSITIES, n_p, n_g, n_d, n_m, n_r, 2, n_k
    )
    w_value -= game.cost
    w_value -= game.posture_cost
    w_i: FloatArray
    if fixed is not None:
        posture = fixed.posture
    elif n_p == 1:
        posture = np.zeros((N_INTENSITIES, n_g, n_m, n_r, n_k), dtype=np.int8)
    else:  # (I, G, M, R, K): only one defender type can choose a posture
        posture = np.argmax(w_value[:, :, :, 0, :, :, 1], axis=1).astype(np.int8)
    if n_p == 1:
        w_i = w_value[:, 0]  # (I, G, D, M, R, J, K)
    else:
        w_i = np.take_along_axis(
            w_value, posture[:, None, :, None, :, :, None, :].astype(np.int64), axis=1
        )[:, 0]
    if fixed is None:  # the attacker weighs the defender's types by its belief
        expected = np.einsum("igdmrk,md->igmrk", w_i[:, :, :, :, :, 0], game.type_weights)
        hold_penalty = kappa * (np.arange(N_INTENSITIES) == HOLD)
        choice = np.empty((n_g, 2, *expected.shape[2:]), dtype=np.int8)  # (G, H, M, R, K)
        for h in (0, 1):
            choice[:, h] = _first_argmax(expected - h * hold_penalty[:, None, None, None, None])
    else:
        choice = fixed.intensity
    picked = _choose(choice[:, :, None, :, :, None, :], w_i[:, :, None])  # (G, H, D, M, R, J, K)
    picked[..., 0, :] -= (
        kappa * np.arange(2)[None, :, None, None, None, None] * (choice == HOLD)[:, :, None]
    )
    if talks and arr.proposer.sum() > 0:
        if n_d == 1:
            picked, proposals = _proposals(game, picked, fixed, lean)
        else:
            picked, proposals = _screening(game, picked, fixed)
    else:
        proposals = NO_PROPOSALS
    return picked, Decisions(votes=votes, proposals=proposals, posture=posture, intensity=choice)


def _votes(
    game: _Game,
    reject: FloatArray,
    fixed: Decisions | None,
    out: FloatArray,
    needed: tuple[IntArray, IntArray, IntArray] | None = None,
    lean: bool = False,
) -> Votes:
    """The votes on the mediator's offers and each branch's value after them: from the
    values of fighting on ``reject`` (C, G, D, M, R, J, K) to the values with the type-θ
    offer on the table, written to ``out`` (C, Θ, G, D, M, R, J, K). With one defender
    type both vote at once (each vote weakly dominant); with private resolve the attacker
    answers first, weighing the defender's answer (:func:`respond`). A deal keeps the
    line. ``needed`` (three index arrays over C, Θ, G): with one defender type, only these
    rows of ``out`` are written (:meth:`_Game.offer_rows`); the votes are all cast, or with
    ``lean`` (and no ``fixed``) only in those rows (:data:`NO_VOTES` returned)."""
    arr = game.arrays
    n_t, n_m = arr.n_types, arr.resolve_points
    deal = game.deal[:, :n_t]  # (C, Θ, J, K)
    attacker: BoolArray
    accept: FloatArray | BoolArray
    lo: IntArray
    frac: FloatArray
    if arr.n_defender_types == 1:  # one defender type: both vote at once, nothing is learnt
        if lean and fixed is None and needed is not None:
            c_i, t_i, g_i = needed
            rows = reject[c_i, g_i]  # (n, D, M, R, J, K)
            terms = deal[c_i, t_i][:, None, None, None]  # (n, 1, 1, 1, J, K)
            both = terms >= rows
            agreed_rows = both[..., 0, :] & both[..., 1, :]  # (n, D, M, R, K)
            out[c_i, t_i, g_i] = np.where(agreed_rows[..., None, :], terms, rows)
            return NO_VOTES
        if fixed is None:
            ok = deal[:, :, None, None] >= reject[:, None, :, 0, 0]  # (C, Θ, G, R, J, K)
            attacker = ok[..., 0, :][:, :, :, None]  # (C, Θ, G, M = 1, R, K)
            accept = ok[None, ..., 1, :][:, :, :, :, None]  # 0 or 1: booleans
            lo, frac = np.zeros((1,) * attacker.ndim, dtype=np.int64), np.zeros(1)
        else:
            attacker, accept = fixed.votes.attacker, fixed.votes.accept
            lo, frac = fixed.votes.lo, fixed.votes.frac
        if fixed is None:
            agreed = ok[..., 0, :] & ok[..., 1, :]  # (C, Θ, G, R, K)
        else:
            agreed = (attacker & (accept[0] > 0.0))[:, :, :, 0]
        if needed is not None:  # the rows the week's sparse product reads, and only them
            c_i, t_i, g_i = needed
            out[c_i, t_i, g_i] = np.where(
                agreed[c_i, t_i, g_i][:, None, None, :, None, :],  # (n, 1, 1, R, 1, K)
                deal[c_i, t_i][:, None, None, None],  # (n, 1, 1, 1, J, K)
                reject[c_i, g_i],  # (n, D, M, R, J, K)
            )
            return Votes(attacker=attacker, accept=accept, lo=lo, frac=frac)
        # a branch at a time on a large grid (its block stays in the cache)
        blocks = [slice(None)]
        if out[0].size > BLOCK:
            blocks = [slice(c, c + 1) for c in range(out.shape[0])]
        for c in blocks:
            out[c] = reject[c, None]
            if agreed[c].any():  # (most branches strike no deal)
                np.copyto(
                    out[c],
                    deal[c, :, None, None, None, None],
                    where=agreed[c, :, :, None, None, :, None, :],
                )
        return Votes(attacker=attacker, accept=accept, lo=lo, frac=frac)
    # States (C, Θ, G, M, R, K), the belief about the defender on axis -3, as in ``out``.
    rej = [
        np.moveaxis(reject[:, None, :, :, :, :, j], 3, 0) for j in (0, 1)
    ]  # (D, C, 1, G, M, R, K)
    u = [deal[:, :, j, None, None, None, :] for j in (0, 1)]  # (C, Θ, 1, 1, 1, K)
    if fixed is None:
        accept, lo, frac = respond(u[1], rej[1], n_m, axis=-3)
    else:
        accept, lo, frac = fixed.votes.accept, fixed.votes.lo, fixed.votes.frac
    taken = [accept * u[j] + (1.0 - accept) * _at_belief(rej[j], lo, frac, -3) for j in (0, 1)]
    if fixed is None:
        w = arr.type_weights().T[:, None, None, None, :, None, None]  # (D, 1, 1, 1, M, 1, 1)
        attacker = (w * taken[0]).sum(axis=0) >= (w * rej[0]).sum(axis=0)
    else:
        attacker = fixed.votes.attacker
    for d in range(arr.n_defender_types):
        for j in (0, 1):
            out[:, :, :, d, :, :, j, :] = np.where(attacker, taken[j][d], rej[j][d])
    return Votes(attacker=attacker, accept=accept, lo=lo, frac=frac)


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


def _season_mix(arrays: CampaignArrays) -> FloatArray:
    """Share of the weeks of the horizon in each season: the tail's season weights."""
    counts = np.bincount(arrays.season, minlength=3).astype(np.float64)
    out: FloatArray = counts / counts.sum()
    return out


def _tail(game: _Game, n_k: int) -> Tail:
    """The stationary value of the last week's game played forever, at the belief vertices.

    The limit of backward induction as the horizon grows (value iteration from the land's
    worth with the war over, ``v_j,T (x - x0)/1000``), accelerated: when the choices have
    stayed the same for :data:`TAIL_STABLE` steps, the values of those choices played
    forever are solved for at once (GMRES on ``(I - M) v = b``, the evaluation step of
    Howard's 1960 policy iteration) and value iteration goes on from there. A game, unlike
    a single decision maker, may have several stationary equilibria or none in pure
    strategies; this picks the one the growing horizon leads to. When the iteration settles
    into a cycle of up to :data:`TAIL_MAX_PERIOD` steps instead, the tail is the cycle's
    mean; when it does neither but wanders by less than 1% of its values without settling
    (:func:`_wandering`; in ukraine-2024 by a few weeks of war near the top of the territory
    grid), or after :data:`TAIL_STEPS` steps, the tail is the mean of :data:`TAIL_AVERAGE`
    further steps. The last step's residual is reported (DECISIONS WAR-27).
    """
    arr = game.arrays
    rho = int(arr.regime[-1])
    talks = bool(arr.offers_open[-1])
    season = _season_mix(arr)
    n_g, n_r = game.grid.size, arr.n_regimes
    shape = (n_g, 2, arr.n_defender_types, arr.resolve_points, n_r, 2, n_k)
    territory = arr.territory_grid()
    land = arr.values[:, 0:1] * (territory - arr.x0) / 1000.0  # (J, K)
    value = np.broadcast_to(land[None, None, None], shape).copy()
    residual = np.inf
    previous: Decisions | None = None
    stable = steps = 0
    recent: list[FloatArray] = [value]
    history: list[float] = []
    for steps in range(1, TAIL_STEPS + 1):
        after, decisions = _step(game, value, season, rho, talks)
        residual = float(np.abs(after - value).max())
        scale = max(1.0, float(np.abs(after).max()))
        if residual <= TAIL_TOL * scale:
            value = after
            break
        period = None
        if len(recent) > 1:  # the shortest p ≥ 2 with ``after`` ≈ ``recent[-p]``
            gaps = np.abs(np.stack(recent[:-1]) - after).reshape(len(recent) - 1, -1).max(axis=1)
            close = np.flatnonzero(gaps <= TAIL_CYCLE_TOL * scale)
            period = len(recent) - int(close[-1]) if close.size else None
        if period is not None:  # a cycle: the values repeat every ``period`` steps
            value = np.mean([*recent[-period + 1 :], after], axis=0)
            break
        history.append(residual)
        if _wandering(history, residual / scale):
            value = _cesaro(game, after, season, rho, talks)
            steps += TAIL_AVERAGE
            break
        recent = [*recent[-(TAIL_MAX_PERIOD - 1) :], after]
        stable = stable + 1 if previous is not None and _same(previous, decisions) else 0
        previous, value = decisions, after
        if stable < TAIL_STABLE:
            continue
        stable = 0
        base, _ = _step(game, np.zeros(shape), season, rho, talks, decisions)

        def matvec(v: FloatArray, d: Decisions = decisions, b: FloatArray = base) -> FloatArray:
            out, _ = _step(game, v.reshape(shape), season, rho, talks, d)
            return np.asarray(v - (out - b).ravel())

        op = LinearOperator((base.size, base.size), matvec=matvec, dtype=np.float64)
        solved, _ = gmres(
            op, base.ravel(), x0=value.ravel(), rtol=TAIL_TOL, restart=60, maxiter=200
        )
        value = solved.reshape(shape)
        recent = [value]
    else:  # no convergence, no short cycle: the mean of a further run (Cesàro)
        value = _cesaro(game, value, season, rho, talks)
        steps += TAIL_AVERAGE
    return Tail(value=value, rounds=steps, residual=residual)


def _wandering(history: list[float], relative: float) -> bool:
    """Whether the tail's iteration wanders without converging: past
    :data:`TAIL_MIN_STEPS`, its residual is small against the values but has not halved in
    :data:`TAIL_WINDOW` steps."""
    w = TAIL_WINDOW
    return (
        len(history) >= max(TAIL_MIN_STEPS, 2 * w)
        and relative <= TAIL_WANDER
        and min(history[-w:]) > 0.5 * min(history[-2 * w : -w])
    )


def _cesaro(
    game: _Game, value: FloatArray, season: FloatArray, rho: int, talks: bool
) -> FloatArray:
    """The mean of :data:`TAIL_AVERAGE` further steps from ``value``."""
    total = np.zeros(value.shape)
    for _ in range(TAIL_AVERAGE):
        value, _ = _step(game, value, season, rho, talks)
        total += value
    out: FloatArray = total / TAIL_AVERAGE
    return out


def _same(a: Decisions, b: Decisions) -> bool:
    return bool(
        np.array_equal(a.votes.attacker, b.votes.attacker)
        and np.array_equal(a.votes.accept, b.votes.accept)
        and np.array_equal(a.votes.lo, b.votes.lo)
        and np.array_equal(a.proposals.frame, b.proposals.frame)
        and np.array_equal(a.proposals.pivot, b.proposals.pivot)
        and np.array_equal(a.proposals.accept, b.proposals.accept)
        and np.array_equal(a.proposals.interior, b.proposals.interior)
        and np.array_equal(a.posture, b.posture)
        and np.array_equal(a.intensity, b.intensity)
    )


def land_flow(arrays: CampaignArrays, territory: FloatArray) -> FloatArray:
    """(J, K) each side's weekly worth of the land held at each bin while the war goes on,
    ``φ_j(x) = (1 - δ) v_j,T (x - x0) / 1000`` (DECISIONS WAR-28)."""
    out: FloatArray = (
        (1.0 - arrays.discount) * arrays.values[:, 0:1] * (territory - arrays.x0) / 1000.0
    )
    return out


def kept_km2(arrays: CampaignArrays, territory: FloatArray) -> FloatArray:
    """(Ω, K) the area each offer's deal leaves the attacker when it holds each bin: the bin
    itself under ``freeze_line``, the offer's area under ``fixed_terms``."""
    _, _, fixed, _ = arrays.offer_terms()
    shape = (fixed.size, territory.size)
    out: FloatArray = (
        np.broadcast_to(territory, shape)
        if arrays.freeze_line
        else np.broadcast_to(fixed[:, None], shape)
    )
    return out


def deal_parts(arrays: CampaignArrays, territory: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each offer's permanent-deal value to each party in two parts: the land kept,
    ``v_j,T (kept - x0)/1000`` (Ω, 2, K), and the other terms, ``v_j,S (R - R0) + v_j,G
    (G - G0)`` (Ω, 2, 1); the attacker keeps each bin (``freeze_line``) or the offer's
    area (``fixed_terms``)."""
    relief, guarantees, _, _ = arrays.offer_terms()
    kept = kept_km2(arrays, territory)
    v = arrays.values  # (2, 4)
    land: FloatArray = v[None, :, 0:1] * (kept[:, None, :] - arrays.x0) / 1000.0
    other: FloatArray = (
        v[None, :, 1] * (relief[:, None] - arrays.sq_relief)
        + v[None, :, 2] * (guarantees[:, None] - arrays.sq_guarantees)
    )[:, :, None]
    return land, other


@dataclass(frozen=True)
class Deals:
    """Each offer's value to each party with the attacker holding each bin, ``value``
    (Ω, 2, K), and its slope in the relief, ``slope`` (Ω, 2, K) (the proposers move along
    it: :func:`propose`)."""

    value: FloatArray
    slope: FloatArray


def lump_deals(arrays: CampaignArrays, territory: FloatArray) -> Deals:
    """Each offer as a permanent deal (no breakdown): version 1's lump."""
    land, other = deal_parts(arrays, territory)
    slope = np.broadcast_to(arrays.values[None, :, 1:2], land.shape).copy()
    return Deals(value=land + other, slope=slope)


def solve(arrays: CampaignArrays, deals: Deals | None = None) -> Solution:
    """Backward induction over weeks (see the module docstring); vectorised over bins,
    beliefs, regimes and branches.

    Parameters
    ----------
    arrays:
        The campaign's arrays.
    deals:
        Each offer's value to each party per bin; default the permanent deal's lump
        (:func:`lump_deals`); :func:`detente.war.commitment.deal_values` gives the one that
        anticipates breakdown.
    """
    started = time.perf_counter()
    grid = BeliefGrid(arrays.n_types, arrays.belief_resolution)
    territory = arrays.territory_grid()
    n_k, n_g, n_r = territory.size, grid.size, arrays.n_regimes
    horizon = arrays.horizon
    kernel, offsets = gain_kernel(arrays)
    trans = arrays.transitions()
    typed = arrays.typed_transitions(trans)
    n_d, n_m = arrays.n_defender_types, arrays.resolve_points
    combo = _combos(arrays)
    if deals is None:
        deals = lump_deals(arrays, territory)
    deal_value = deals.value
    game = _Game(arrays, grid, kernel, offsets, typed, deal_value, combo, deals.slope)

    tail: Tail | None = None
    if arrays.stationary_tail:
        vertices = BeliefGrid(arrays.n_types, 1)
        tail = _tail(
            _Game(arrays, vertices, kernel, offsets, typed, deal_value, combo, deals.slope), n_k
        )
        end = np.einsum("gv,v...->g...", grid.points, tail.value)
    else:
        terminal = (
            arrays.values[:, 0:1] * (territory - arrays.x0)[None, :] / 1000.0
            + arrays.values[:, 3:4]
        )  # (J, K)
        end = np.broadcast_to(terminal, (n_g, 2, n_d, n_m, n_r, 2, n_k)).copy()
    values = np.empty((horizon + 1, n_g, 2, n_d, n_m, n_r, 2, n_k))
    values[horizon] = end
    intensity = np.zeros((horizon, n_g, 2, n_m, n_r, n_k), dtype=np.int8)
    posture = np.zeros((horizon, N_INTENSITIES, n_g, n_m, n_r, n_k), dtype=np.int8)
    frame = np.full((horizon, 2, n_g, 2, n_m, n_r, n_k), NO_PROPOSAL, dtype=np.int8)
    relief = np.zeros((horizon, 2, n_g, 2, n_m, n_r, n_k))
    accept = np.ones((horizon, n_d, n_g, 2, n_m, n_r, n_k))
    value = end
    if tail is not None:  # the buffer: the tail's game, learning on, before the horizon
        season = _season_mix(arrays)
        rho_end, talks_end = int(arrays.regime[-1]), bool(arrays.offers_open[-1])
        for _ in range(TAIL_BUFFER_WEEKS):
            value, _ = _step(game, value, season, rho_end, talks_end, lean=True)
        values[horizon] = value
    eye = np.eye(3)
    for t in range(horizon - 1, -1, -1):  # weeks: the recursion itself
        s, rho, talks = int(arrays.season[t]), int(arrays.regime[t]), bool(arrays.offers_open[t])
        value, decisions = _step(game, value, eye[s], rho, talks, lean=True)
        intensity[t], posture[t] = decisions.intensity, decisions.posture
        if decisions.proposals.frame.size:
            frame[t] = decisions.proposals.frame.reshape(frame.shape[1:])
            reliefs = decisions.proposals.relief  # (2, M, N): each proposer's chosen frame
            n_s = reliefs.shape[-1]
            pick = np.maximum(decisions.proposals.frame, 0).astype(np.int64) * n_s
            pick += np.arange(n_s) + np.arange(2)[:, None] * reliefs.shape[1] * n_s
            relief[t] = reliefs.take(pick).reshape(relief.shape[1:])
            if decisions.proposals.accept.size:
                accept[t] = decisions.proposals.accept.reshape(accept.shape[1:])
        talk = int(arrays.talk_week[t])
        if talk >= 0:
            moved = cheap_talk_update(
                grid.points, arrays.talk_likelihood[talk], arrays.cheap_talk_weight
            )
            idx, w = grid.locate(moved)
            value = np.einsum("gv...,gv->g...", value[idx], w)
        values[t] = value

    return Solution(
        arrays=arrays,
        beliefs=grid,
        territory=territory,
        combo=combo,
        intensity=intensity,
        posture=posture,
        proposal=frame,
        proposal_relief=relief,
        proposal_accept=accept,
        value=values,
        deal_value=deal_value,
        relief_slope=deals.slope,
        kernel=kernel,
        offsets=offsets,
        transitions=typed,
        tail=tail,
        seconds=time.perf_counter() - started,
    )
