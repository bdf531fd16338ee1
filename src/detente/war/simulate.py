"""Monte Carlo paths of the war from the solved policies.

All paths advance together, one week at a time, as arrays: each path draws the mediator's
type from the prior, then every week its lever, offer and riposte from that type's policy,
and its battlefield gain from the normal of the chosen intensity, season and lever. Beliefs
are carried exactly (Bayes' rule on each path's observations, no grid); the policies are read
at the nearest grid point (DECISIONS WAR-10). An offer reveals the type that made it
(DECISIONS WAR-4). The only source of randomness is the ``numpy.random.Generator``
passed in, drawn in a fixed order, so the same seed gives identical arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from detente.spec.campaign import ESCALATION
from detente.war.beliefs import bayes_update, cheap_talk_update
from detente.war.solver import Solution

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Paths:
    """Simulated paths (P paths, T weeks, Θ mediator types).

    Attributes
    ----------
    territory:
        (P, T+1) held area at the start of each week and at the end of the horizon, km².
    intensity:
        (P, T) the attacker's intensity index, -1 in weeks after a deal.
    lever:
        (P, T) the lever the mediator pulled, -1 in weeks after a deal.
    riposte:
        (P, T) whether the mediator riposted that week.
    belief:
        (P, T+1, Θ) the common belief at the start of each week (before cheap talk).
    mediator_type:
        (P,) the type drawn for each path.
    deal_week:
        (P,) the week of the deal, -1 if none within the horizon.
    kept_km2:
        (P,) area the attacker keeps under the deal, NaN without a deal.
    """

    territory: FloatArray
    intensity: npt.NDArray[np.int8]
    lever: npt.NDArray[np.int8]
    riposte: BoolArray
    belief: FloatArray
    mediator_type: IntArray
    deal_week: IntArray
    kept_km2: FloatArray

    @property
    def n_paths(self) -> int:
        return int(self.deal_week.shape[0])


def simulate(solution: Solution, draws: int, rng: np.random.Generator) -> Paths:
    """Run ``draws`` paths under the solved policies.

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
    n_t, horizon = arr.n_types, arr.horizon
    lo, hi = float(solution.territory[0]), float(solution.territory[-1])
    theta = rng.choice(n_t, size=draws, p=arr.prior / arr.prior.sum())
    x = np.full(draws, arr.x0)
    belief = np.broadcast_to(arr.prior, (draws, n_t)).copy()
    flag = np.zeros(draws, dtype=np.int64)
    deal_week = np.full(draws, -1, dtype=np.int64)
    kept = np.full(draws, np.nan)
    territory = np.empty((draws, horizon + 1))
    beliefs = np.empty((draws, horizon + 1, n_t))
    intensity = np.full((draws, horizon), -1, dtype=np.int8)
    levers = np.full((draws, horizon), -1, dtype=np.int8)
    riposte = np.zeros((draws, horizon), dtype=bool)
    lever_cdf = np.cumsum(arr.lever_prob, axis=2)  # (2, Θ, A)
    rows = np.arange(draws)

    for t in range(horizon):  # weeks; all paths at once
        territory[:, t], beliefs[:, t] = x, belief
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
        i = solution.intensity[t, grid.nearest(belief), flag, k].astype(np.int64)
        u = rng.random((3, draws))
        z = rng.standard_normal(draws)
        lever = np.minimum((u[0][:, None] >= lever_cdf[rho, theta]).sum(axis=1), arr.n_levers - 1)
        p_off = arr.offer_prob[rho] * float(talks)
        offer = u[1] < p_off[theta]
        p_rip = arr.riposte_prob[rho][None, :] * (i == ESCALATION)[:, None]  # (P, Θ)
        rip = u[2] < p_rip[rows, theta]
        own = np.arange(n_t)[None, :] == theta[:, None]
        lik = (
            arr.lever_prob[rho][:, lever].T
            * np.where(offer[:, None], p_off[None, :] * own, 1.0 - p_off[None, :])
            * np.where(rip[:, None], p_rip, 1.0 - p_rip)
        )
        posterior = bayes_update(belief, lik)
        combo = solution.combo[i, lever, rip.astype(np.int64)]
        agreed = alive & offer & solution.deal[t, combo, theta, grid.nearest(posterior), k]
        gain = (arr.gain_mean[i, s] + arr.gain_sd[i, s] * z) * arr.gain_multiplier[lever]
        fighting = alive & ~agreed
        intensity[alive, t] = i[alive]
        levers[alive, t] = lever[alive]
        riposte[:, t] = alive & rip
        deal_week[agreed] = t
        kept[agreed] = x[agreed] if arr.freeze_line else arr.terms_territory[theta[agreed]]
        x = np.where(fighting, np.clip(x + gain, lo, hi), x)
        belief = np.where(alive[:, None], posterior, belief)
        flag = np.where(fighting, rip.astype(np.int64), flag)
    territory[:, horizon], beliefs[:, horizon] = x, belief
    return Paths(
        territory=territory,
        intensity=intensity,
        lever=levers,
        riposte=riposte,
        belief=beliefs,
        mediator_type=theta,
        deal_week=deal_week,
        kept_km2=kept,
    )
