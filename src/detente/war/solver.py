"""Solve the war-termination game by backward induction over weeks.

State at the start of week ``t``: the attacker's held area ``x`` (a bin of the territory
grid), the common belief ``b`` about the mediator's type (a point of the belief grid) and
``h`` = 1 if the mediator riposted last week. A week runs:

1. cheap talk scheduled for the week moves ``b`` by Bayes' rule on the tempered likelihood
   ``L^λ`` (DECISIONS WAR-18);
2. the attacker commits an intensity ``i`` (hold, press, surge) and pays ``c_A(i)``; the
   defender pays ``c_D(i)`` (effort is committed before a ceasefire: DECISIONS WAR-1);
   choosing ``hold`` right after a riposte (``h`` = 1) costs the attacker its reputation
   ``κ`` (DECISIONS WAR-6);
3. the mediator, of type ``θ``, pulls a lever ``a ~ π_θ^ρ`` (``ρ``: before/after the regime
   change), offers its terms with probability ``p_θ^ρ`` once talks are open, and answers a
   surge with a riposte (cost ``z_θ`` to the attacker) with probability ``r_θ^ρ``; the
   belligerents update ``b`` by Bayes' rule on ``(a, offer, riposte)``;
4. on an offer, both say yes or no at once; a deal needs both. Under ``freeze_line`` the
   attacker keeps the line ``x`` as it stands (the week's committed effort is sunk), under
   ``fixed_terms`` the offer's area. Accepting in the week of a riposte costs the attacker
   ``κ``. A party accepts when the deal is worth at least its value of fighting on
   (Fearon 1995; Powell 2006);
5. otherwise the week's fighting moves the line: ``x' = x + g``, ``g ~ N(μ_{i,s} m_a,
   (σ_{i,s} m_a)²)`` discretised on the grid, with the season ``s`` and the aid multiplier
   ``m_a`` of the lever; levers cost the parties ``l_j(a)``.

Bellman equations (party ``j`` ∈ {A, D}, ``δ`` the weekly discount factor)::

    R_j(t, c, x, b') = -l_j(a) - [j=A] r E[z | b'] + δ Σ_x' P_{i,s,a}(x, x') V_j(t+1, x', b', r)
    accept_j = U_j(θ', x) - [j=A] κ r ≥ R_j            (weakly dominant at the vote)
    W_j(t, i, x, b) = -c_j(i) + Σ_o P(o | b, i) [deal_o · U_j + (1 - deal_o) · R_j](b' = B(b, o))
    V_A(t, x, b, h) = max_i W_A(t, i, x, b) - κ h [i = hold];  V_D = W_D at the attacker's i*
    V_j(T, x, b, h) = v_j,T (x - x0) / 1000 + v_j,stalemate

with ``c = (i, a, r)`` and ``o = (a, offer, r)``. Values at off-grid posteriors ``b'`` are
interpolated on the Freudenthal triangulation (:class:`~detente.war.beliefs.BeliefGrid`).
Because each party's vote is a weakly dominant response to the continuation values, one
backward pass gives a subgame-perfect equilibrium: the attacker's intensity is a best
response to the defender's votes and both votes are best responses to the attacker's
intensities in every later week (Slantchev 2003 and Filson & Werner 2002 model fighting and
bargaining in the same way, week by week). No iterated best responses (DECISIONS WAR-2).

References
----------
Fearon, J. D. (1995). Rationalist explanations for war. *International Organization* 49(3).
Powell, R. (2006). War as a commitment problem. *International Organization* 60(1).
Slantchev, B. L. (2003). The principle of convergence in wartime negotiations. *American
Political Science Review* 97(4).
Filson, D. & Werner, S. (2002). A bargaining model of war and peace. *American Journal of
Political Science* 46(4).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.special import ndtr

from detente.spec.campaign import ESCALATION, INTENSITY_NAMES, CampaignArrays
from detente.war.beliefs import BeliefGrid, bayes_update, cheap_talk_update

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

N_INTENSITIES = len(INTENSITY_NAMES)
HOLD = 0


@dataclass(frozen=True)
class Solution:
    """The solved policies.

    Attributes
    ----------
    arrays, beliefs:
        The campaign's arrays and the belief grid (G points).
    territory:
        (K,) centres of the territory bins, km².
    combo:
        (I, A, 2) index ``c`` of each branch (intensity, lever, riposte), -1 where a
        riposte cannot follow (it only answers a surge).
    intensity:
        (T, G, 2, K) the attacker's intensity by week, belief (after the week's cheap talk),
        riposte flag and bin.
    deal:
        (T, C, Θ, G, K) whether an offer of type θ's terms in branch ``c`` at posterior ``g``
        and bin ``k`` is accepted by both.
    value:
        (G, 2, 2, K) values at the start of week 0 by belief, riposte flag, party
        (attacker, defender) and bin.
    kernel:
        (S, I, A, D) probability of moving ``offsets[d]`` bins in a week.
    offsets:
        (D,) the bin offsets of ``kernel``.
    seconds:
        Wall time of the solve.
    """

    arrays: CampaignArrays
    beliefs: BeliefGrid
    territory: FloatArray
    combo: IntArray
    intensity: npt.NDArray[np.int8]
    deal: BoolArray
    value: FloatArray
    kernel: FloatArray
    offsets: IntArray
    seconds: float

    def territory_bin(self, x: FloatArray) -> IntArray:
        """Nearest bin of each held area."""
        k = np.rint((x - self.territory[0]) / self.arrays.bin_km2).astype(np.int64)
        out: IntArray = np.clip(k, 0, self.territory.size - 1)
        return out


def gain_kernel(arrays: CampaignArrays) -> tuple[FloatArray, IntArray]:
    """Weekly moves on the territory grid: (S, I, A, D) probabilities of ``offsets[d]`` bins.

    The weekly gain is normal, ``N(μ_{i,s} m_a, (σ_{i,s} m_a)²)``, binned to the grid's
    width; the offsets reach 8 sd beyond every mean, and the end offsets take the tails.
    Moves past the grid's ends stop in the end bins (edge padding in :func:`_expect`), so
    the kernel is the banded transition matrix without its K² zeros; a move of K - 1 bins
    or more reaches the end bin from anywhere, so the offsets stop at ±(K - 1) (a gain far
    larger than the grid costs no memory).
    """
    w = arrays.bin_km2
    mult = arrays.gain_multiplier
    mu = arrays.gain_mean.T[:, :, None] * mult[None, None, :]  # (S, I, A)
    sd = arrays.gain_sd.T[:, :, None] * mult[None, None, :]
    reach = arrays.territory_grid().size - 1
    low = int(np.clip(np.floor((mu - 8 * sd).min() / w) - 1, -reach, 0))
    high = int(np.clip(np.ceil((mu + 8 * sd).max() / w) + 1, 0, reach))
    offsets = np.arange(low, high + 1, dtype=np.int64)
    edges = np.concatenate([(offsets - 0.5) * w, [(high + 0.5) * w]])
    edges[0], edges[-1] = -np.inf, np.inf
    cdf = ndtr((edges - mu[..., None]) / sd[..., None])
    kernel: FloatArray = np.diff(cdf, axis=-1)
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
    """Likelihood (O, Θ) of each observation ``o = (a, m, r)`` under each type, and the
    (O, 3) table of ``(a, m, r)``; ``m`` = 0 no offer, ``m`` = θ + 1 type θ's offer."""
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
) -> sparse.csr_matrix:
    """For one (regime, talks open, intensity): the sparse (G, C·(Θ+1)·G) matrix whose row
    ``b`` holds ``P(o | b) · w_v`` at the column of branch ``(c, m)`` and posterior vertex
    ``v``, so that its product with the stacked branch values is ``Σ_o P(o | b) E[...]``."""
    lik, table = _observation_likelihood(arrays, regime, talks, intensity)
    prob = grid.points @ lik.T  # (G, O)
    post = bayes_update(grid.points[:, None, :], lik[None, :, :])  # (G, O, Θ)
    index, w = grid.locate(post)
    n_m = arrays.n_types + 1
    c = combo[intensity, table[:, 0], table[:, 2]]  # (O,)
    base = (c * n_m + table[:, 1]) * grid.size
    columns = base[None, :, None] + index  # (G, O, V)
    weights = prob[:, :, None] * w
    rows = np.broadcast_to(np.arange(grid.size)[:, None, None], columns.shape)
    n_cols = (int(combo.max()) + 1) * n_m * grid.size
    return sparse.csr_matrix(
        (weights.ravel(), (rows.ravel(), columns.ravel())), shape=(grid.size, n_cols)
    )


def _combos(arrays: CampaignArrays) -> IntArray:
    combo = np.full((N_INTENSITIES, arrays.n_levers, 2), -1, dtype=np.int64)
    n = 0
    for i in range(N_INTENSITIES):
        for r in (0, 1) if i == ESCALATION else (0,):
            combo[i, :, r] = n + np.arange(arrays.n_levers)
            n += arrays.n_levers
    return combo


def solve(arrays: CampaignArrays) -> Solution:
    """Backward induction over weeks (see the module docstring); vectorised over bins,
    beliefs and branches.

    Returns
    -------
    Solution
        The attacker's intensity policy, the deal decisions, values and timing.
    """
    started = time.perf_counter()
    grid = BeliefGrid(arrays.n_types, arrays.belief_resolution)
    territory = arrays.territory_grid()
    n_k, n_g, n_t, n_a = territory.size, grid.size, arrays.n_types, arrays.n_levers
    horizon = arrays.horizon
    kernel, offsets = gain_kernel(arrays)
    combo = _combos(arrays)
    n_c = int(combo.max()) + 1
    c_i, c_a, c_r = (np.argwhere(combo >= 0)[np.argsort(combo[combo >= 0])]).T
    delta, kappa = arrays.discount, arrays.reputation_cost

    branches = {
        (rho, talks, i): _branches(arrays, grid, combo, rho, talks, i)
        for rho in (0, 1)
        for talks in (False, True)
        for i in range(N_INTENSITIES)
    }
    # Deal values U_j(θ', x): (Θ, 2, K); the line or the fixed area is kept.
    kept = (
        np.broadcast_to(territory, (n_t, n_k))
        if arrays.freeze_line
        else np.broadcast_to(arrays.terms_territory[:, None], (n_t, n_k))
    )
    deal_value = np.stack(
        [np.stack([arrays.deal_value(j, kept[th], th) for j in (0, 1)]) for th in range(n_t)]
    )
    # The attacker's deal value per branch, less its reputation after a riposte: (C, Θ, 2, K).
    rep = kappa * c_r.astype(np.float64)
    deal_branch = np.broadcast_to(deal_value, (n_c, n_t, 2, n_k)).copy()
    deal_branch[:, :, 0] -= rep[:, None, None]
    riposte_cost = (grid.points @ arrays.riposte_size)[None, :] * c_r[:, None]  # (C, G)
    lever_cost = arrays.lever_cost[c_a]  # (C, 2)

    terminal = (
        arrays.values[:, 0:1] * (territory - arrays.x0)[None, :] / 1000.0 + arrays.values[:, 3:4]
    )  # (2, K)
    value = np.broadcast_to(terminal, (n_g, 2, 2, n_k)).copy()  # (G, h, party, K)
    intensity = np.zeros((horizon, n_g, 2, n_k), dtype=np.int8)
    deal = np.zeros((horizon, n_c, n_t, n_g, n_k), dtype=bool)
    hold_penalty = kappa * (np.arange(N_INTENSITIES) == HOLD)[:, None, None]

    for t in range(horizon - 1, -1, -1):  # weeks: the recursion itself
        s, rho, talks = int(arrays.season[t]), int(arrays.regime[t]), bool(arrays.offers_open[t])
        # Expected next-week values for every (i, a): (I, A, G, h, party, K).
        q = _expect(kernel[s].reshape(-1, kernel.shape[-1]), offsets, value.reshape(-1, n_k))
        q = q.reshape(N_INTENSITIES, n_a, n_g, 2, 2, n_k)
        # Reject value per branch c and posterior g: (C, G, party, K).
        reject = delta * q[c_i, c_a, :, c_r] - lever_cost[:, None, :, None]
        reject[:, :, 0] -= riposte_cost[:, :, None]
        agreed = (deal_branch[:, :, None, 0] >= reject[:, None, :, 0]) & (
            deal_branch[:, :, None, 1] >= reject[:, None, :, 1]
        )  # (C, Θ, G, K)
        deal[t] = agreed
        offered = np.where(agreed[:, :, :, None], deal_branch[:, :, None], reject[:, None])
        branch_value = np.concatenate([reject[:, None], offered], axis=1)  # (C, Θ+1, G, 2, K)
        rows = branch_value.reshape(-1, 2 * n_k)  # rows (c, m, g), columns (party, bin)
        w_value = np.stack(
            [branches[(rho, talks, i)] @ rows for i in range(N_INTENSITIES)]
        ).reshape(N_INTENSITIES, n_g, 2, n_k)
        w_value -= arrays.intensity_cost[:, None, :, None]
        choice = np.stack(
            [np.argmax(w_value[:, :, 0] - h * hold_penalty, axis=0) for h in (0, 1)], axis=1
        )  # (G, h, K)
        attacker = np.take_along_axis(w_value[:, :, None, 0], choice[None], axis=0)[0]
        attacker -= kappa * np.arange(2)[None, :, None] * (choice == HOLD)
        defender = np.take_along_axis(w_value[:, :, None, 1], choice[None], axis=0)[0]
        intensity[t] = choice
        value = np.stack([attacker, defender], axis=2)
        talk = int(arrays.talk_week[t])
        if talk >= 0:
            moved = cheap_talk_update(
                grid.points, arrays.talk_likelihood[talk], arrays.cheap_talk_weight
            )
            idx, w = grid.locate(moved)
            value = np.einsum("gvhjk,gv->ghjk", value[idx], w)

    return Solution(
        arrays=arrays,
        beliefs=grid,
        territory=territory,
        combo=combo,
        intensity=intensity,
        deal=deal,
        value=value,
        kernel=kernel,
        offsets=offsets,
        seconds=time.perf_counter() - started,
    )
