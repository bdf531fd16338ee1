"""Monte Carlo paths of the war from the solved game.

All paths advance together, one week at a time, as arrays. Each path draws the mediator's
type from the prior, a bootstrap replicate of the battlefield calibration (when it has
replicates) and its last regime from the calibration's filtered probabilities. Every week:
a belligerent may be recognised as proposer before the fighting (its proposal read from the
solved game); the attacker's intensity and the defender's posture are read from the solved
policies (at the nearest belief-grid point: DECISIONS WAR-10); the mediator's lever, offer
and riposte are drawn from its type's policy and its offer is voted on (the votes recomputed
from the solved values, :func:`reject_values`, exactly as the solver makes them); without a
deal, the regime moves on the replicate's steered chain and the line by the replicate's gain.
The belligerents decide on the point estimates; nature draws from the replicate, so the fan
includes the calibration's estimation uncertainty (DECISIONS WAR-26). Beliefs are carried
exactly (Bayes' rule on each path's observations). The only source of randomness is the
``numpy.random.Generator`` passed in, drawn in a fixed order, so the same seed gives
identical arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from detente.spec.campaign import ESCALATION, steered
from detente.war.beliefs import bayes_update, cheap_talk_update
from detente.war.solver import Solution, land_flow, resolve_learning, respond

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MEDIATOR, ATTACKER, DEFENDER = 0, 1, 2
"""Who put the deal on the table (``Paths.proposer``)."""


@dataclass(frozen=True)
class Paths:
    """Simulated paths (P paths, T weeks, Θ mediator types).

    Attributes
    ----------
    territory:
        (P, T+1) held area at the start of each week and at the end of the horizon, km².
    intensity, posture, regime:
        (P, T) the attacker's intensity, the defender's posture and the battlefield regime
        the week ran in; -1 in weeks after a deal.
    lever:
        (P, T) the lever the mediator pulled, -1 in weeks after a deal.
    riposte:
        (P, T) whether the mediator riposted that week.
    offered, accept_attacker, accept_defender:
        (P, T) whether the mediator offered its terms that week, and each side's vote on it.
    belief:
        (P, T+1, Θ) the common belief at the start of each week (before cheap talk).
    mediator_type:
        (P,) the type drawn for each path.
    replicate:
        (P,) the calibration's bootstrap replicate of the path, -1 for the point estimates.
    deal_week:
        (P,) the week of the deal, -1 if none within the horizon.
    offer:
        (P,) the terms of the deal (the mediator types', then the menu's), -1 without one.
    proposer:
        (P,) who put the deal forward (:data:`MEDIATOR`, :data:`ATTACKER`,
        :data:`DEFENDER`), -1 without one.
    kept_km2:
        (P,) area the attacker keeps under the deal, NaN without a deal.
    relief:
        (P,) the deal's sanctions relief (a belligerent proposer sets it:
        :func:`detente.war.solver.propose`), NaN without a deal.
    resolute:
        (P,) whether the path's defender is resolute (all False without private resolve).
    resolve_belief:
        (P, T+1) the attacker's belief that the defender is resolute at the start of each
        week (0 without private resolve).
    """

    territory: FloatArray
    intensity: npt.NDArray[np.int8]
    posture: npt.NDArray[np.int8]
    regime: npt.NDArray[np.int8]
    lever: npt.NDArray[np.int8]
    riposte: BoolArray
    offered: BoolArray
    accept_attacker: BoolArray
    accept_defender: BoolArray
    belief: FloatArray
    mediator_type: IntArray
    replicate: IntArray
    deal_week: IntArray
    offer: IntArray
    proposer: IntArray
    kept_km2: FloatArray
    relief: FloatArray
    resolute: BoolArray
    resolve_belief: FloatArray

    @property
    def n_paths(self) -> int:
        return int(self.deal_week.shape[0])


def reject_values(
    solution: Solution,
    t: int,
    g: IntArray,
    h: IntArray,
    r: IntArray,
    k: IntArray,
    target: IntArray,
    lever: IntArray,
) -> FloatArray:
    """(n, D, M, 2) each party's value of fighting on from week ``t`` (no deal), by the
    defender's type and the attacker's belief point about it, for paths at posterior grid
    point ``g``, riposte flag ``h`` (this week's), last regime ``r``, bin ``k``, steered
    regime ``target`` and lever: the solver's ``R_j`` (docs/war_model.md).

    Parameters
    ----------
    solution : Solution
        The solved game (its value function, kernels and transitions).
    t : int
        The week.
    g : IntArray
        Each path's posterior grid point, shape (n,).
    h : IntArray
        Each path's riposte flag this week (0 or 1), shape (n,).
    r : IntArray
        Each path's last regime, shape (n,).
    k : IntArray
        Each path's territory bin, shape (n,).
    target : IntArray
        Each path's steered regime, shape (n,).
    lever : IntArray
        Each path's lever, shape (n,).
    """
    arr = solution.arrays
    s = int(arr.season[t])
    n_k = solution.territory.size
    cols = np.clip(k[:, None] + solution.offsets[None, :], 0, n_k - 1)  # (n, O)
    future = solution.value[t + 1][g[:, None], h[:, None], :, :, :, :, cols]  # (n, O, D, M, R', J)
    kern = solution.kernel[s][:, lever].transpose(1, 0, 2)  # (n, R', O)
    trans = solution.transitions[:, s]  # (D, τ, R, R')
    learn = resolve_learning(arr, trans)[target, r]  # (n, R', M, M')
    cont = np.einsum("dnr,nrmp,nro,nodprj->ndmj", trans[:, target, r], learn, kern, future)
    flow = land_flow(arr, solution.territory[k]).T  # (n, J)
    out: FloatArray = arr.discount * cont + (flow - arr.lever_cost[lever])[:, None, None]
    out[..., 0] -= (h * (solution.beliefs.points[g] @ arr.riposte_size))[:, None, None]
    return out


def simulate(solution: Solution, draws: int, rng: np.random.Generator) -> Paths:
    """Run ``draws`` paths under the solved game.

    Parameters
    ----------
    solution:
        From :func:`detente.war.solver.solve`.
    draws:
        Number of paths.
    rng:
        The one source of randomness.
    """
    arr = solution.arrays
    grid = solution.beliefs
    n_t, horizon, n_r = arr.n_types, arr.horizon, arr.n_regimes
    lo, hi = float(solution.territory[0]), float(solution.territory[-1])
    kappa = arr.reputation_cost
    theta = rng.choice(n_t, size=draws, p=arr.prior / arr.prior.sum())
    n_rep = arr.replicate_mean.shape[0]
    rep = rng.integers(n_rep, size=draws) if n_rep else np.full(draws, -1, dtype=np.int64)
    if n_rep:
        means, sds = arr.replicate_mean[rep], arr.replicate_sd[rep]  # (P, R, S)
        # (D, P, S, τ, R, R): each replicate's chain against each defender type
        chains = arr.typed_transitions(steered(arr.replicate_chain, arr.control)[rep])
    else:
        means = np.broadcast_to(arr.gain_mean, (draws, *arr.gain_mean.shape))
        sds = np.broadcast_to(arr.gain_sd, (draws, *arr.gain_sd.shape))
        typed = solution.transitions[:, None]
        chains = np.broadcast_to(typed, (typed.shape[0], draws, *typed.shape[2:]))
    regime = rng.choice(n_r, size=draws, p=arr.initial_regime / arr.initial_regime.sum())
    private = arr.resolve is not None
    top = arr.resolve_points - 1
    mu = np.full(draws, float(arr.resolve[0]) if arr.resolve is not None else 0.0)
    resolute = rng.random(draws) < mu if private else np.zeros(draws, dtype=bool)
    dtype = resolute.astype(np.int64)
    weights = arr.type_weights()  # (M, D)
    mus = np.empty((draws, horizon + 1))
    x = np.full(draws, arr.x0)
    belief = np.broadcast_to(arr.prior, (draws, n_t)).copy()
    flag = np.zeros(draws, dtype=np.int64)
    deal_week = np.full(draws, -1, dtype=np.int64)
    offer_of = np.full(draws, -1, dtype=np.int64)
    proposer_of = np.full(draws, -1, dtype=np.int64)
    kept = np.full(draws, np.nan)
    relief = np.full(draws, np.nan)
    territory = np.empty((draws, horizon + 1))
    beliefs = np.empty((draws, horizon + 1, n_t))
    shape = (draws, horizon)
    intensity = np.full(shape, -1, dtype=np.int8)
    postures = np.full(shape, -1, dtype=np.int8)
    regimes = np.full(shape, -1, dtype=np.int8)
    levers = np.full(shape, -1, dtype=np.int8)
    riposte = np.zeros(shape, dtype=bool)
    offered = np.zeros(shape, dtype=bool)
    yes_a = np.zeros(shape, dtype=bool)
    yes_d = np.zeros(shape, dtype=bool)
    lever_cdf = np.cumsum(arr.lever_prob, axis=2)  # (2, Θ, A)
    _, _, terms_km2, _ = arr.offer_terms()
    rows = np.arange(draws)
    proposer_cdf = np.cumsum(arr.proposer)
    n_menu = arr.n_offers - n_t

    for t in range(horizon):  # weeks; all paths at once
        territory[:, t], beliefs[:, t], mus[:, t] = x, belief, mu
        alive = deal_week < 0
        s, rho, talks = int(arr.season[t]), int(arr.regime[t]), bool(arr.offers_open[t])
        talk = int(arr.talk_week[t])
        if talk >= 0:
            belief = np.where(
                alive[:, None],
                cheap_talk_update(belief, arr.talk_likelihood[talk], arr.cheap_talk_weight),
                belief,
            )
        k = solution.territory_bin(x)
        g = grid.nearest(belief)
        m = np.rint(mu * top).astype(np.int64)  # the nearest point of the resolve grid
        u = rng.random((6 if private else 5, draws))
        z = rng.standard_normal(draws)
        lever = np.minimum((u[0][:, None] >= lever_cdf[rho, theta]).sum(axis=1), arr.n_levers - 1)
        p_off = arr.offer_prob[rho] * float(talks)
        offer = u[1] < p_off[theta]
        agreed = np.zeros(draws, dtype=bool)
        chosen = np.full(draws, -1, dtype=np.int64)
        # The proposal stage, at the start of the week (before any fighting).
        who = np.searchsorted(proposer_cdf, u[3], side="right")  # 0 A, 1 D, 2 nobody
        if talks and n_menu:
            j = np.minimum(who, 1)
            frame = solution.proposal[t, j, g, flag, m, regime, k].astype(np.int64)
            made = alive & (who < 2) & (frame >= 0)
            took = made & (solution.proposal_accept[t, dtype, g, flag, m, regime, k] > 0.5)
            if private:  # a rejection tells the attacker which types reject
                yes = solution.proposal_accept[t, :, g, flag, m, regime, k].T  # (D, P)
                mu = np.where(made & ~took, _after_rejection(mu, yes), mu)
                m = np.rint(mu * top).astype(np.int64)
            agreed |= took
            chosen[took] = n_t + frame[took]
            relief[took] = solution.proposal_relief[t, j, g, flag, m, regime, k][took]
            proposer_of[took] = who[took] + 1
        i = solution.intensity[t, g, flag, m, regime, k].astype(np.int64)
        p = solution.posture[t, i, g, m, regime, k].astype(np.int64)
        target = np.where(p > 0, n_r - 1, i)
        p_rip = arr.riposte_prob[rho][None, :] * (i == ESCALATION)[:, None]  # (P, Θ)
        rip = u[2] < p_rip[rows, theta]
        own = np.arange(n_t)[None, :] == theta[:, None]
        lik = (
            arr.lever_prob[rho][:, lever].T
            * np.where(offer[:, None], p_off[None, :] * own, 1.0 - p_off[None, :])
            * np.where(rip[:, None], p_rip, 1.0 - p_rip)
        )
        posterior = bayes_update(belief, lik)
        f = rip.astype(np.int64)
        # The mediator's offer, voted on.
        voting = alive & ~agreed & offer
        if voting.any():
            n = np.flatnonzero(voting)
            gp = grid.nearest(posterior[n])
            reject = reject_values(solution, t, gp, f[n], regime[n], k[n], target[n], lever[n])
            th = theta[n]
            deal = solution.deal_value[th, :, k[n]]  # (n, J)
            deal[:, 0] -= kappa * f[n]
            offered[n, t] = True
            if private:
                attack, yes = _vote(deal, reject, weights, m[n])
                took_d = u[5, n] < yes[dtype[n], np.arange(n.size)]
                yes_a[n, t], yes_d[n, t] = attack, took_d
                took = attack & took_d
                mu[n] = np.where(attack & ~took_d, _after_rejection(mu[n], yes), mu[n])
            else:
                ok = deal >= reject[:, 0, 0]
                yes_a[n, t], yes_d[n, t] = ok[:, 0], ok[:, 1]
                took = ok.all(axis=1)
            agreed[n] |= took
            chosen[n[took]] = th[took]
            relief[n[took]] = arr.terms_relief[th[took]]
            proposer_of[n[took]] = MEDIATOR
        fighting = alive & ~agreed
        proposed = agreed & (proposer_of > MEDIATOR) & (deal_week < 0)
        cdf = np.cumsum(chains[dtype, rows, s, target, regime], axis=1)
        new_regime = np.minimum((u[4][:, None] >= cdf).sum(axis=1), n_r - 1)
        mult = arr.gain_multiplier[lever]
        gain = (means[rows, new_regime, s] + sds[rows, new_regime, s] * z) * mult
        fought = alive & ~proposed  # a deal proposed at the week's start stops it
        intensity[fought, t] = i[fought]
        postures[fought, t] = p[fought]
        regimes[fighting, t] = new_regime[fighting]
        levers[fought, t] = lever[fought]
        riposte[:, t] = fought & rip
        deal_week[agreed] = t
        offer_of[agreed] = chosen[agreed]
        kept[agreed] = x[agreed] if arr.freeze_line else terms_km2[chosen[agreed]]
        x = np.where(fighting, np.clip(x + gain, lo, hi), x)
        belief = np.where(fought[:, None], posterior, belief)
        if private:  # the attacker learns from the regime the week ran in
            seen = solution.transitions[:, s, target, regime, new_regime]  # (D, P)
            mu = np.where(fighting, _posterior(mu, seen), mu)
        flag = np.where(fighting, f, flag)
        regime = np.where(fighting, new_regime, regime)
    territory[:, horizon], beliefs[:, horizon], mus[:, horizon] = x, belief, mu
    return Paths(
        territory=territory,
        intensity=intensity,
        posture=postures,
        regime=regimes,
        lever=levers,
        riposte=riposte,
        offered=offered,
        accept_attacker=yes_a,
        accept_defender=yes_d,
        belief=beliefs,
        mediator_type=theta,
        replicate=rep,
        deal_week=deal_week,
        offer=offer_of,
        proposer=proposer_of,
        kept_km2=kept,
        relief=relief,
        resolute=resolute,
        resolve_belief=mus,
    )


def _posterior(mu: FloatArray, likelihood: FloatArray) -> FloatArray:
    """The belief that the defender is resolute after an observation of probability
    ``likelihood`` (D, n) under each type, by Bayes' rule (unchanged where it has none)."""
    joint = mu * likelihood[1]
    total = joint + (1.0 - mu) * likelihood[0]
    safe = np.where(total > 0.0, total, 1.0)
    out: FloatArray = np.where(total > 0.0, joint / safe, mu)
    return out


def _after_rejection(mu: FloatArray, accept: FloatArray) -> FloatArray:
    """The belief after the defender rejects terms each type takes with probability
    ``accept`` (D, n)."""
    return _posterior(mu, 1.0 - accept)


def _vote(
    deal: FloatArray, reject: FloatArray, weights: FloatArray, m: IntArray
) -> tuple[BoolArray, FloatArray]:
    """The votes on a mediator's offer with private resolve, as the solver casts them at
    the belief point ``m``: the attacker's (n,) and each defender type's probability of
    accepting (D, n) (:func:`detente.war.solver.respond`)."""
    n = np.arange(m.size)
    rd = reject[..., 1].transpose(1, 0, 2)  # (D, n, M')
    accept, lo, frac = respond(deal[:, 1:2], rd, reject.shape[2])  # (D, n, M), (n, M)
    accept, lo, frac = accept[:, n, m], lo[n, m], frac[n, m]
    a = reject[..., 0]  # (n, D, M')
    after = a[n, :, lo] + frac[:, None] * (
        a[n, :, np.minimum(lo + 1, a.shape[2] - 1)] - a[n, :, lo]
    )
    w = weights[m]  # (n, D)
    taken = (w * (accept.T * deal[:, :1] + (1.0 - accept.T) * after)).sum(axis=1)
    stay = (w * a[n, :, m]).sum(axis=1)
    return taken >= stay, accept
