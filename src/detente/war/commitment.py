"""What a deal is worth when it may not hold: the commitment problem (Powell 2006).

A deal struck at the line ``x`` with relief ``R`` and guarantees ``G`` holds week by week
with the campaign's resumption hazard (:mod:`detente.war.hazard`), whose cumulative hazard
the rearmament during the ceasefire multiplies by ``HR`` (``commitment.hazard_ratio``):
``S(w) = P(holds w weeks)^HR``. When it breaks, the attacker takes ``s`` km² more
(``resumed_gain_km2``: the shift in power the ceasefire allowed) and each side pays its
lump cost of the renewed war ``k_j``; the relief and guarantees lapse. With ``π`` the
discounted probability of a breakdown,

    π(ω, x) = Σ_{w ≥ 1} δ^w (S(w-1) - S(w))
    U_j(ω, x) = v_j,T (x - x0)/1000 + (1 - π) [v_j,S (R - R0) + v_j,G (G - G0)]
                + π (v_j,T s / 1000 - k_j)

Guarantees thus act twice: as a term each side values (``v_j,G``) and as a technology that
lowers the hazard of re-attack (through ``π``); a party votes on ``U_j`` (DECISIONS
WAR-23). Without ``commitment`` a deal is permanent (``π`` = 0), version 1's lump.

References
----------
Powell, R. (2006). War as a commitment problem. *International Organization* 60(1), 169-203.
Fortna, V. P. (2003). Scraps of paper? Agreements and the durability of peace.
*International Organization* 57(2), 337-372.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from detente.spec.campaign import CampaignArrays
from detente.war.hazard import DealTerms, DurabilityResumption, ResumptionHazard
from detente.war.solver import Deals, deal_parts, kept_km2, lump_deals

FloatArray = npt.NDArray[np.float64]

WEEKS_PER_YEAR = 52.0
HAZARD_YEARS = 30
"""Years over which the breakdown is summed; a deal that holds longer is taken as
permanent (at the built-in case's discount, δ^1560 ≈ 0.04)."""
KNOTS_PER_YEAR = 4
"""Evaluations of the hazard per year; weekly survival is interpolated in log between them."""


def breakdown_discount(
    arrays: CampaignArrays, hazard: ResumptionHazard, territory: FloatArray
) -> FloatArray:
    """(Ω, K) ``π``: the discounted probability that each offer's deal, struck with the
    attacker holding each bin, breaks down (see the module docstring)."""
    relief, guarantees, _, snapback = arrays.offer_terms()
    n_o, n_k = relief.size, territory.size
    kept = kept_km2(arrays, territory)
    terms = DealTerms(
        line_change_km2=(kept - arrays.x0).ravel(),
        sanctions_relief=np.repeat(relief, n_k),
        guarantees=np.repeat(guarantees, n_k),
        snapback=np.repeat(snapback, n_k),
    )
    ratio = 1.0 if arrays.commitment is None else float(arrays.commitment[3])
    knots = np.arange(1, HAZARD_YEARS * KNOTS_PER_YEAR + 1) / KNOTS_PER_YEAR
    if isinstance(hazard, DurabilityResumption):  # every year at once (same numbers)
        survival = np.ascontiguousarray(hazard.p_holds_at(terms, knots).T)
    else:
        survival = np.stack([hazard.p_holds(terms, float(y)) for y in knots])
    log_s = np.log(np.clip(survival, 1e-300, 1.0))  # (Y, Ω·K)
    log_s = np.vstack([np.zeros((1, log_s.shape[1])), log_s]) * ratio
    weeks = np.arange(int(HAZARD_YEARS * WEEKS_PER_YEAR) + 1)
    at = weeks / WEEKS_PER_YEAR * KNOTS_PER_YEAR  # position among the knots (0 = year 0)
    lo = np.minimum(np.floor(at).astype(np.int64), log_s.shape[0] - 2)
    w = (at - lo)[:, None]
    survival = np.exp((1.0 - w) * log_s[lo] + w * log_s[lo + 1])  # (W+1, Ω·K)
    breaks = survival[:-1] - survival[1:]
    pi = (arrays.discount ** weeks[1:]) @ breaks
    out: FloatArray = pi.reshape(n_o, n_k)
    return out


def deal_values(
    arrays: CampaignArrays, hazard: ResumptionHazard | None, territory: FloatArray
) -> Deals:
    """``U_j(ω, x)`` of the module docstring and its slope in the relief, ``(1 - π)
    v_j,S``; the permanent deal's lump without a ``commitment`` (or without a hazard). The
    breakdown ``π`` is that of the offer's terms as written (the shipped hazards do not
    depend on the relief)."""
    if arrays.commitment is None or hazard is None:
        return lump_deals(arrays, territory)
    land, other = deal_parts(arrays, territory)
    resumed_km2, cost_a, cost_d = (float(v) for v in arrays.commitment[:3])
    pi = breakdown_discount(arrays, hazard, territory)[:, None, :]  # (Ω, 1, K)
    resumed = arrays.values[:, 0] * resumed_km2 / 1000.0 - np.array([cost_a, cost_d])
    value = land + (1.0 - pi) * other + pi * resumed[None, :, None]
    slope = (1.0 - pi) * arrays.values[None, :, 1:2]
    return Deals(value=value, slope=slope)
