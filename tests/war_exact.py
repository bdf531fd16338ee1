"""A brute-force solver of the war-termination game, to check ``detente.war.solver.solve``.

It solves the same extensive-form game (version 2, docs/war_model.md "A week" steps 1-7 and
the Bellman equations; DECISIONS WAR-22 for the proposals, WAR-29 for the gains) by plain
backward induction: memoised recursion over weeks and explicit Python loops over the states
(bin, belief, riposte flag, last regime), the proposers and their menu frames, the
attacker's intensities, the defender's postures, the mediator's observations with their
Bayes posteriors and the votes. It is independent of the solver: it uses only the campaign's
arrays (``CampaignArrays`` fields, ``offer_terms``, ``transitions``, ``territory_grid``),
carries beliefs as exact probability vectors (no belief grid, no interpolation), puts the
normal gains on the territory grid itself (either rule of :data:`BINNINGS`) and shares no
code with ``solver.py`` or ``simulate.py``. Its values equal the solver's wherever every
belief the recursion visits lies on the solver's belief grid
(:meth:`BruteForce.grid_exact`); :func:`forward` gives the exact distribution of the paths
under its policies, for the Monte Carlo check.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from detente.spec.campaign import CampaignArrays

FloatArray = npt.NDArray[np.float64]
Belief = tuple[float, ...]
Pair = tuple[float, float]
"""A value to each party: (attacker, defender)."""

ATTACKER, DEFENDER = 0, 1
HOLD, PRESS, SURGE = 0, 1, 2
INTENSITIES = (HOLD, PRESS, SURGE)
KERNEL_FLOOR = 1e-15
"""Gain probabilities below this count as 0, as the solver truncates them."""
GRID_TOL = 1e-9
BINNINGS = ("linear", "nearest")
"""How a weekly gain ``y`` (in bins) lands on the grid. ``linear``: shared between the two
bins either side of it in proportion to its distance from each, so ``P(d) = E[(1 - |y -
d|)+]`` (the solver's ``gain_kernel`` since DECISIONS WAR-29: a gain smaller than a bin is
not rounded away); ``nearest``: the nearest bin, ``P(d) = P(d - 1/2 < y ≤ d + 1/2)``. Either
way the extreme offsets take the tails."""


def normal_cdf(z: float) -> float:
    """Standard normal CDF (``-inf``, ``inf`` allowed)."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def normal_pdf(z: float) -> float:
    return 0.0 if math.isinf(z) else math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def truncated_moments(low: float, high: float, mu: float, sd: float) -> tuple[float, float]:
    """``(P(low < y ≤ high), E[y; low < y ≤ high])`` for ``y ~ N(mu, sd²)``."""
    a, b = (low - mu) / sd, (high - mu) / sd
    p = normal_cdf(b) - normal_cdf(a)
    return p, mu * p - sd * (normal_pdf(b) - normal_pdf(a))


def move_probability(d: int, lowest: int, highest: int, mu: float, sd: float, rule: str) -> float:
    """Probability that a gain ``y ~ N(mu, sd²)`` (in bins) moves the line ``d`` bins, for
    offsets ``lowest..highest`` whose ends take the tails (see :data:`BINNINGS`)."""
    if rule == "nearest":
        low = -math.inf if d == lowest else d - 0.5
        high = math.inf if d == highest else d + 0.5
        return truncated_moments(low, high, mu, sd)[0]
    if rule != "linear":
        raise ValueError(f"unknown binning {rule!r}; use one of {BINNINGS}")
    # rising side of the tent, y in (d - 1, d]: weight y - (d - 1); below the lowest offset
    # everything lands on it (weight 1)
    if d == lowest:
        below = normal_cdf((d - mu) / sd)
    else:
        p, m = truncated_moments(d - 1, d, mu, sd)
        below = m - (d - 1) * p
    # falling side, y in (d, d + 1]: weight (d + 1) - y; above the highest offset, weight 1
    if d == highest:
        above = 1.0 - normal_cdf((d - mu) / sd)
    else:
        p, m = truncated_moments(d, d + 1, mu, sd)
        above = (d + 1) * p - m
    return below + above


def first_argmax(scores: list[float]) -> int:
    """Index of the largest score, the first one on ties (as ``numpy.argmax``)."""
    best = 0
    for n, score in enumerate(scores):
        if score > scores[best]:
            best = n
    return best


def gap(scores: list[float]) -> float:
    """How far the best score lies above the second best (``inf`` with one score)."""
    ordered = sorted(scores, reverse=True)
    return ordered[0] - ordered[1] if len(ordered) > 1 else math.inf


@dataclass(frozen=True)
class Observation:
    """What the belligerents see of the mediator in a week: lever ``a``, offer ``m`` (0 none,
    ``θ + 1`` type θ's terms), riposte ``f``; its likelihood under each type, its probability
    under the belief and the posterior."""

    lever: int
    offer: int
    riposte: int
    likelihood: Belief
    probability: float
    posterior: Belief


@dataclass(frozen=True)
class Vote:
    """The vote after an observation (step 6): the offer struck (index into the offers,
    ``None`` for no deal), the parties' values and the smallest gap behind the votes."""

    struck: int | None
    value: Pair
    margin: float


@dataclass(frozen=True)
class Proposal:
    """A proposer's move at the start of a week (step 2): the menu frame it puts forward
    (``None`` for none), the relief it sets, both parties' values (fighting on's without a
    deal) and the smallest gap behind its choice and the responder's vote, to spot ties."""

    frame: int | None
    relief: float
    value: Pair
    margin: float


@dataclass(frozen=True)
class Week:
    """The week's fighting at one state (belief after the week's cheap talk, last regime, bin):
    ``payoff[i][p]`` = (W_A, W_D) for intensity ``i`` and posture ``p``; ``posture[i]`` the
    defender's best posture against ``i``."""

    payoff: list[list[Pair]]
    posture: list[int]


class BruteForce:
    """Backward induction on the war-termination game, one state at a time.

    Parameters
    ----------
    arrays:
        The campaign's arrays.
    deal_value, relief_slope:
        Optional (Ω, 2, K) value of each offer to each party per bin, and its slope in the
        relief; default the permanent deal's lump ``v_T (kept - x0)/1000 + v_S (relief -
        relief0) + v_G (guarantees - guarantees0)``, computed here from the offers' terms,
        and ``v_S``.
    grid_resolution:
        The solver's belief-grid resolution, for :meth:`grid_exact` (default the campaign's).
    binning:
        How the weekly gain lands on the territory grid, one of :data:`BINNINGS`.
    """

    def __init__(
        self,
        arrays: CampaignArrays,
        deal_value: FloatArray | None = None,
        relief_slope: FloatArray | None = None,
        grid_resolution: int | None = None,
        binning: str = "linear",
    ) -> None:
        if binning not in BINNINGS:
            raise ValueError(f"unknown binning {binning!r}; use one of {BINNINGS}")
        self.binning = binning
        self.arrays = arrays
        self.territory = [float(x) for x in arrays.territory_grid()]
        self.n_bins = len(self.territory)
        self.n_types = arrays.n_types
        self.n_levers = arrays.n_levers
        self.n_regimes = arrays.n_regimes
        self.n_postures = arrays.n_postures
        self.horizon = arrays.horizon
        self.trans = arrays.transitions()  # (S, τ, R, R')
        self.resolution = arrays.belief_resolution if grid_resolution is None else grid_resolution
        relief, guarantees, kept_km2, _ = arrays.offer_terms()
        self.n_offers = int(relief.size)
        self.deal: list[list[Pair]] = []  # [offer][bin] -> (U_A, U_D)
        for omega in range(self.n_offers):
            row: list[Pair] = []
            for k in range(self.n_bins):
                if deal_value is not None:
                    row.append((float(deal_value[omega, 0, k]), float(deal_value[omega, 1, k])))
                    continue
                kept = self.territory[k] if arrays.freeze_line else float(kept_km2[omega])
                u = [
                    float(arrays.values[j, 0]) * (kept - arrays.x0) / 1000.0
                    + float(arrays.values[j, 1]) * (float(relief[omega]) - arrays.sq_relief)
                    + float(arrays.values[j, 2]) * (float(guarantees[omega]) - arrays.sq_guarantees)
                    for j in (ATTACKER, DEFENDER)
                ]
                row.append((u[0], u[1]))
            self.deal.append(row)
        self.slope: list[list[Pair]] = [  # [offer][bin] -> (dU_A/dR, dU_D/dR)
            [
                (float(arrays.values[0, 1]), float(arrays.values[1, 1]))
                if relief_slope is None
                else (float(relief_slope[omega, 0, k]), float(relief_slope[omega, 1, k]))
                for k in range(self.n_bins)
            ]
            for omega in range(self.n_offers)
        ]
        self.nominal = [float(r) for r in relief]  # each offer's relief as written
        self._moves: dict[tuple[int, int, int, int], list[tuple[int, float]]] = {}
        self._values: dict[tuple[int, Belief, int, int, int], Pair] = {}
        self._proposals: dict[tuple[int, Belief, int, int, int, int], Proposal] = {}
        self._weeks: dict[tuple[int, Belief, int, int], Week] = {}
        self._exact: dict[tuple[int, Belief], bool] = {}

    # --- the pieces of a week -------------------------------------------------------------

    def moves(self, season: int, regime: int, lever: int, k: int) -> list[tuple[int, float]]:
        """``(k', P)`` for the line's move from bin ``k`` in a week of ``regime`` (the new one)
        under ``lever``: the gain ``N(μ m_a, (σ m_a)²)`` put on the grid by the binning rule,
        every offset the grid can reach, moves past its ends stopping in the end bins."""
        key = (season, regime, lever, k)
        if key in self._moves:
            return self._moves[key]
        arr = self.arrays
        w = arr.bin_km2
        mult = float(arr.gain_multiplier[lever])
        mu = float(arr.gain_mean[regime, season]) * mult / w  # in bins
        sd = float(arr.gain_sd[regime, season]) * mult / w
        reach = self.n_bins - 1
        into: dict[int, float] = defaultdict(float)
        for d in range(-reach, reach + 1):
            p = move_probability(d, -reach, reach, mu, sd, self.binning)
            if p < KERNEL_FLOOR:
                continue
            into[min(max(k + d, 0), self.n_bins - 1)] += p
        self._moves[key] = sorted(into.items())
        return self._moves[key]

    def steered(self, intensity: int, posture: int) -> int:
        """The regime the week's choices steer to: counter on a counter-attack (step 4)."""
        return self.n_regimes - 1 if posture > 0 else intensity

    def after_talk(self, t: int, belief: Belief) -> Belief:
        """Step 1: cheap talk scheduled for week ``t`` moves the belief by Bayes' rule on the
        tempered likelihood ``L^λ`` (unchanged if no type could have said it)."""
        arr = self.arrays
        talk = int(arr.talk_week[t])
        if talk < 0:
            return belief
        lam = arr.cheap_talk_weight
        joint = [
            b * float(arr.talk_likelihood[talk, theta]) ** lam for theta, b in enumerate(belief)
        ]
        total = sum(joint)
        return belief if total == 0.0 else tuple(x / total for x in joint)

    def observations(self, t: int, belief: Belief, intensity: int) -> list[Observation]:
        """Step 5: every ``(a, m, f)`` with positive probability under the belief, with its
        Bayes posterior; ``L(o | θ) = π_θ(a) P(m | θ) P(f | θ, i)``."""
        arr = self.arrays
        rho = int(arr.regime[t])
        talks = bool(arr.offers_open[t])
        out: list[Observation] = []
        for a in range(self.n_levers):
            for m in range(self.n_types + 1):
                for f in (0, 1):
                    lik: list[float] = []
                    for theta in range(self.n_types):
                        p_lever = float(arr.lever_prob[rho, theta, a])
                        p_offer = float(arr.offer_prob[rho, theta]) if talks else 0.0
                        if m == 0:
                            p_m = 1.0 - p_offer
                        elif m == theta + 1:
                            p_m = p_offer
                        else:
                            p_m = 0.0  # each type offers its own terms only
                        p_rip = float(arr.riposte_prob[rho, theta]) if intensity == SURGE else 0.0
                        p_f = p_rip if f == 1 else 1.0 - p_rip
                        lik.append(p_lever * p_m * p_f)
                    prob = sum(b * x for b, x in zip(belief, lik, strict=True))
                    if prob <= 0.0:
                        continue
                    post = tuple(b * x / prob for b, x in zip(belief, lik, strict=True))
                    out.append(Observation(a, m, f, tuple(lik), prob, post))
        return out

    def reject(self, t: int, target: int, obs: Observation, regime: int, k: int) -> Pair:
        """``R_j``: the week's worth of the land, less the lever's cost and (attacker) the
        riposte's expected size under the posterior, plus the discounted value of next week
        over the regime steered to ``target`` and the gain in that regime."""
        arr = self.arrays
        season = int(arr.season[t])
        delta = arr.discount
        x = self.territory[k]
        expected_riposte = sum(
            b * float(z) for b, z in zip(obs.posterior, arr.riposte_size, strict=True)
        )
        out = []
        for j in (ATTACKER, DEFENDER):
            flow = (1.0 - delta) * float(arr.values[j, 0]) * (x - arr.x0) / 1000.0
            r_j = flow - float(arr.lever_cost[obs.lever, j])
            if j == ATTACKER:
                r_j -= obs.riposte * expected_riposte
            future = 0.0
            for r_next in range(self.n_regimes):
                p_regime = float(self.trans[season, target, regime, r_next])
                if p_regime == 0.0:
                    continue
                for k_next, p_move in self.moves(season, r_next, obs.lever, k):
                    v = self.value(t + 1, obs.posterior, obs.riposte, r_next, k_next)
                    future += p_regime * p_move * v[j]
            out.append(r_j + delta * future)
        return out[0], out[1]

    def offered(self, omega: int, k: int, riposte: int) -> Pair:
        """A deal's value to each party; accepting in the week of a riposte costs the
        attacker its reputation ``κ``."""
        u_a, u_d = self.deal[omega][k]
        return u_a - self.arrays.reputation_cost * riposte, u_d

    def vote(self, t: int, obs: Observation, target: int, regime: int, k: int) -> Vote:
        """Step 6: on the mediator's offer both vote, a deal needs both; else fight on."""
        rej = self.reject(t, target, obs, regime, k)
        if obs.offer == 0:
            return Vote(None, rej, math.inf)
        u = self.offered(obs.offer - 1, k, obs.riposte)
        agree = u[0] >= rej[0] and u[1] >= rej[1]
        margin = min(abs(u[0] - rej[0]), abs(u[1] - rej[1]))
        return Vote(obs.offer - 1 if agree else None, u if agree else rej, margin)

    def proposals_open(self, t: int) -> bool:
        arr = self.arrays
        menu = self.n_offers > self.n_types
        return bool(arr.offers_open[t]) and float(arr.proposer.sum()) > 0.0 and menu

    def proposal(self, t: int, belief: Belief, h: int, regime: int, k: int, who: int) -> Proposal:
        """Step 2, the proposer ``who``'s move (belief after cheap talk): in each frame of the
        menu the relief ``R`` on [0, 100] best for it that the responder accepts (``U(R) =
        U(R0) + s (R - R0)``, linear; accepting right after a riposte costs the attacker
        ``κ``), then the frame best for it among those it prefers to fighting on."""
        key = (t, belief, h, regime, k, who)
        if key in self._proposals:
            return self._proposals[key]
        war = self.war(t, belief, h, regime, k)
        other = 1 - who
        kappa = self.arrays.reputation_cost
        options: list[tuple[int, float, Pair]] = []
        margin = math.inf
        for omega in range(self.n_types, self.n_offers):
            u_a, u_d = self.deal[omega][k]
            base = (u_a - kappa * h, u_d)
            slope = self.slope[omega][k]
            nominal = self.nominal[omega]

            def at(
                relief: float, base: Pair = base, slope: Pair = slope, r0: float = nominal
            ) -> Pair:
                return base[0] + slope[0] * (relief - r0), base[1] + slope[1] * (relief - r0)

            # Reliefs the responder accepts: U_other(R) >= War_other on [0, 100], an
            # interval bounded by 0, 100 and the point where the responder is indifferent.
            candidates: list[float] = []
            for end in (0.0, 100.0):
                gap_end = at(end)[other] - war[other]
                margin = min(margin, abs(gap_end))
                if gap_end >= 0.0:
                    candidates.append(end)
            if slope[other] != 0.0:
                point = nominal + (war[other] - base[other]) / slope[other]
                if 0.0 < point < 100.0:
                    candidates.append(point)  # accepted by construction
            if not candidates:
                continue
            candidates.sort()
            own = [at(relief)[who] for relief in candidates]
            best = first_argmax(own)  # the lowest relief if the proposer is indifferent
            margin = min(margin, gap(own), abs(own[best] - war[who]))
            if own[best] >= war[who]:
                options.append((omega - self.n_types, candidates[best], at(candidates[best])))
        if not options:
            out = Proposal(None, math.nan, war, margin)
        else:
            scores = [value[who] for _, _, value in options]
            frame, relief, value = options[first_argmax(scores)]
            out = Proposal(frame, relief, value, min(margin, gap(scores)))
        self._proposals[key] = out
        return out

    # --- the recursion --------------------------------------------------------------------

    def week(self, t: int, belief: Belief, regime: int, k: int) -> Week:
        """Steps 3-7 at one state (belief after cheap talk): ``W_j(i, p)`` for every intensity
        and posture, and the defender's best posture against each intensity."""
        key = (t, belief, regime, k)
        if key in self._weeks:
            return self._weeks[key]
        arr = self.arrays
        payoff: list[list[Pair]] = []
        posture: list[int] = []
        for i in INTENSITIES:
            row: list[Pair] = []
            for p in range(self.n_postures):
                target = self.steered(i, p)
                w = [
                    -float(arr.intensity_cost[i, j]) - float(arr.posture_cost[p, j])
                    for j in (ATTACKER, DEFENDER)
                ]
                for obs in self.observations(t, belief, i):
                    outcome = self.vote(t, obs, target, regime, k)
                    for j in (ATTACKER, DEFENDER):
                        w[j] += obs.probability * outcome.value[j]
                row.append((w[0], w[1]))
            payoff.append(row)
            posture.append(first_argmax([pair[DEFENDER] for pair in row]))
        self._weeks[key] = Week(payoff, posture)
        return self._weeks[key]

    def intensity_scores(self, t: int, belief: Belief, h: int, regime: int, k: int) -> list[float]:
        """The attacker's value of each intensity against the defender's best posture, less
        its reputation on ``hold`` right after a riposte (belief after cheap talk)."""
        wk = self.week(t, belief, regime, k)
        kappa = self.arrays.reputation_cost
        return [
            wk.payoff[i][wk.posture[i]][ATTACKER] - kappa * h * (i == HOLD) for i in INTENSITIES
        ]

    def intensity(self, t: int, belief: Belief, h: int, regime: int, k: int) -> int:
        return first_argmax(self.intensity_scores(t, belief, h, regime, k))

    def posture(self, t: int, intensity: int, belief: Belief, regime: int, k: int) -> int:
        return self.week(t, belief, regime, k).posture[intensity]

    def posture_scores(
        self, t: int, intensity: int, belief: Belief, regime: int, k: int
    ) -> list[float]:
        return [pair[DEFENDER] for pair in self.week(t, belief, regime, k).payoff[intensity]]

    def war(self, t: int, belief: Belief, h: int, regime: int, k: int) -> Pair:
        """``War_j``: the week fought without a proposal (belief after cheap talk): the
        attacker's best intensity against the defender's best posture, less its reputation
        on ``hold`` right after a riposte."""
        i = self.intensity(t, belief, h, regime, k)
        wk = self.week(t, belief, regime, k)
        w_a, w_d = wk.payoff[i][wk.posture[i]]
        return w_a - self.arrays.reputation_cost * h * (i == HOLD), w_d

    def value(self, t: int, belief: Belief, h: int, regime: int, k: int) -> Pair:
        """``V_j`` at the start of week ``t`` (belief before the week's cheap talk): ``(1 - ρ_A
        - ρ_D) War_j + ρ_A Prop^A_j + ρ_D Prop^D_j`` once talks are open, else ``War_j``; at
        the horizon the lump ``v_T (x - x0)/1000 + v_stalemate``."""
        key = (t, belief, h, regime, k)
        if key in self._values:
            return self._values[key]
        arr = self.arrays
        if t == self.horizon:
            x = self.territory[k]
            lump = [
                float(arr.values[j, 0]) * (x - arr.x0) / 1000.0 + float(arr.values[j, 3])
                for j in (ATTACKER, DEFENDER)
            ]
            out = (lump[0], lump[1])
        else:
            if arr.stationary_tail:
                raise NotImplementedError("the brute force knows only the terminal lump")
            b = self.after_talk(t, belief)
            war = self.war(t, b, h, regime, k)
            if not self.proposals_open(t):
                out = war
            else:
                rest = 1.0 - float(arr.proposer.sum())
                v = [rest * war[ATTACKER], rest * war[DEFENDER]]
                for who in (ATTACKER, DEFENDER):
                    rho = float(arr.proposer[who])
                    if rho > 0.0:
                        prop = self.proposal(t, b, h, regime, k, who)
                        v = [v[j] + rho * prop.value[j] for j in (ATTACKER, DEFENDER)]
                out = (v[0], v[1])
        self._values[key] = out
        return out

    def on_grid(self, belief: Belief) -> bool:
        m = self.resolution
        return all(abs(b * m - round(b * m)) < GRID_TOL for b in belief)

    def grid_exact(self, t: int, belief: Belief) -> bool:
        """Whether every belief the recursion from week ``t`` at ``belief`` (before cheap
        talk) visits lies on the belief grid, so that the solver's interpolation is exact."""
        key = (t, belief)
        if key in self._exact:
            return self._exact[key]
        out = self.on_grid(belief)
        if t < self.horizon:
            out = out and self.step_exact(t, self.after_talk(t, belief))
        self._exact[key] = out
        return out

    def step_exact(self, t: int, belief: Belief) -> bool:
        """Whether week ``t``'s step at ``belief`` (after cheap talk) visits only beliefs on
        the grid, so that the solver's choices there are exact."""
        out = self.on_grid(belief)
        for i in INTENSITIES:
            for obs in self.observations(t, belief, i):
                out = out and self.grid_exact(t + 1, obs.posterior)
        return out

    def table(self, t: int, beliefs: list[Belief]) -> FloatArray:
        """(G, 2, R, 2, K) values at the start of week ``t`` for each belief, riposte flag,
        last regime, party and bin: the layout of ``Solution.value[t]``."""
        out = np.empty((len(beliefs), 2, self.n_regimes, 2, self.n_bins))
        for g, belief in enumerate(beliefs):
            for h in (0, 1):
                for r in range(self.n_regimes):
                    for k in range(self.n_bins):
                        out[g, h, r, :, k] = self.value(t, belief, h, r, k)
        return out


@dataclass(frozen=True)
class Forward:
    """The exact distribution of the paths under the brute force's policies.

    ``deal_by_week``: (T,) P(deal struck in week ≤ t); ``end_bin``: (K,) the distribution of
    the line's bin at the end of the horizon (where it froze, after a deal); ``terms``:
    P(the deal is on offer ω's terms with relief R) by ``(ω, R)`` (R rounded to 1e-9);
    ``near_ties``: decisions on reachable states whose best choice is not unique by the
    margin (proposals, intensities, postures, votes); ``reached``: states visited.
    """

    deal_by_week: FloatArray
    end_bin: FloatArray
    terms: dict[tuple[int, float], float]
    near_ties: int
    reached: int


def forward(bf: BruteForce, margin: float = 1e-9) -> Forward:
    """Carry the probability of each path state (true type, belief, riposte flag, regime,
    bin) forward through the weeks: the type from the prior, the first regime from
    ``initial_regime``, the line at ``x0``; each week the cheap talk, the proposals, the
    brute force's choices, the type's observations, the vote and, without a deal, the
    steered regime and the gain on the grid."""
    arr = bf.arrays
    k0 = bf.territory.index(arr.x0)
    prior = tuple(float(p) for p in arr.prior)
    states: dict[tuple[int, Belief, int, int, int], float] = defaultdict(float)
    for theta in range(bf.n_types):
        for r in range(bf.n_regimes):
            mass = prior[theta] * float(arr.initial_regime[r])
            if mass > 0.0:
                states[(theta, prior, 0, r, k0)] += mass
    deal_in = np.zeros(bf.horizon)
    end_bin = np.zeros(bf.n_bins)
    terms: dict[tuple[int, float], float] = defaultdict(float)
    ties = 0
    reached = 0

    def strike(t: int, k: int, offer: int, relief: float, weight: float) -> None:
        deal_in[t] += weight
        end_bin[k] += weight
        terms[(offer, round(relief, 9))] += weight

    for t in range(bf.horizon):
        season = int(arr.season[t])
        following: dict[tuple[int, Belief, int, int, int], float] = defaultdict(float)
        for (theta, before, h, r, k), mass in states.items():
            reached += 1
            b = bf.after_talk(t, before)
            fight = mass  # what is left of the state's mass after the proposal stage
            if bf.proposals_open(t):
                for who in (ATTACKER, DEFENDER):
                    rho = float(arr.proposer[who])
                    if rho == 0.0:
                        continue
                    prop = bf.proposal(t, b, h, r, k, who)
                    ties += prop.margin <= margin
                    if prop.frame is not None:
                        strike(t, k, bf.n_types + prop.frame, prop.relief, mass * rho)
                        fight -= mass * rho
            if fight <= 0.0:
                continue
            i = bf.intensity(t, b, h, r, k)
            p = bf.posture(t, i, b, r, k)
            ties += gap(bf.intensity_scores(t, b, h, r, k)) <= margin
            ties += gap(bf.posture_scores(t, i, b, r, k)) <= margin
            target = bf.steered(i, p)
            for obs in bf.observations(t, b, i):
                p_obs = obs.likelihood[theta]  # under the true type, not the belief
                if p_obs == 0.0:
                    continue
                outcome = bf.vote(t, obs, target, r, k)
                ties += outcome.margin <= margin
                weight = fight * p_obs
                if outcome.struck is not None:
                    strike(t, k, outcome.struck, bf.nominal[outcome.struck], weight)
                    continue
                for r_next in range(bf.n_regimes):
                    p_regime = float(bf.trans[season, target, r, r_next])
                    if p_regime == 0.0:
                        continue
                    for k_next, p_move in bf.moves(season, r_next, obs.lever, k):
                        state = (theta, obs.posterior, obs.riposte, r_next, k_next)
                        following[state] += weight * p_regime * p_move
        states = following
    for (_, _, _, _, k), mass in states.items():
        end_bin[k] += mass
    return Forward(np.cumsum(deal_in), end_bin, dict(terms), ties, reached)
