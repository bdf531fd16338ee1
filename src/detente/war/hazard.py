"""After a deal: the hazard that the war resumes, as a swappable model.

Any object with ``p_holds(terms, years)`` is a :class:`ResumptionHazard`; the simulator and
the report only call that, and :func:`resumption_hazard` builds the one a campaign's
``resumption:`` names:

* ``model: ucdp_cox`` — :class:`DurabilityResumption`, the Cox model of
  :mod:`detente.durability` fitted on the UCDP peace agreements (its packaged numbers), fed
  the deal's terms through the durability mapping, exactly as ``detente durability predict``
  does (DECISIONS WAR-16);
* ``model: weibull`` (the default) — :class:`WeibullResumption`, a placeholder
  proportional-hazards Weibull model whose parameters are judgements anchored on Fortna
  (2003, 2004): ceasefires are most fragile early (a falling hazard, shape < 1), and strong
  agreements — demilitarised zones, peacekeepers, third-party guarantees — lower the hazard
  of renewed war.

Weibull model (cumulative hazard, ``t`` in years)::

    H(t | terms) = -ln(1 - p5) · (t / 5)^k · exp(η)
    η = -β_G · guarantees / 100 - β_S · snapback + β_T · max(line_change_km2, 0) / 1000
    P(deal holds t years) = exp(-H(t | terms))

so that a bare ceasefire (no guarantees, no snapback, the line unchanged) resumes within five
years with probability ``p5``.

References
----------
Fortna, V. P. (2003). Scraps of paper? Agreements and the durability of peace.
*International Organization* 57(2), 337-372.

Fortna, V. P. (2004). *Peace Time: Cease-Fire Agreements and the Durability of Peace*.
Princeton University Press.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from detente.errors import DetenteError
from detente.spec.campaign import Campaign, Resumption, UcdpResumption

if TYPE_CHECKING:
    from detente.durability.hazard import FittedResumptionHazard

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class DealTerms:
    """A batch of deals (one entry per deal; a single deal is a batch of one).

    ``line_change_km2`` is the area the attacker keeps minus the line at the campaign's
    start; ``sanctions_relief`` and ``guarantees`` are on the scenario's 0-100 scales.
    """

    line_change_km2: FloatArray
    sanctions_relief: FloatArray
    guarantees: FloatArray
    snapback: BoolArray


class ResumptionHazard(Protocol):
    """Anything that gives P(a deal still holds after ``years``) for a batch of deals."""

    def p_holds(self, terms: DealTerms, years: float) -> FloatArray:
        """P(no renewed war within ``years`` of the deal), one entry per deal."""
        ...


@dataclass(frozen=True)
class WeibullResumption:
    """The default resumption hazard (see the module docstring for the equations); it takes
    a batch of deals and returns an array (DECISIONS WAR-11).

    Parameters
    ----------
    p_resume_5y:
        P(war resumes within 5 years) for a bare ceasefire.
    shape:
        Weibull shape ``k``; below 1 the hazard falls with time since the deal.
    guarantees_effect:
        ``β_G``: log-hazard change from no guarantees (0) to the strongest (100).
    snapback_effect:
        ``β_S``: log-hazard change when sanctions relief snaps back on a violation.
    territory_effect:
        ``β_T``: log-hazard change per 1,000 km² the attacker gains over the start line.
    """

    p_resume_5y: float
    shape: float
    guarantees_effect: float
    snapback_effect: float
    territory_effect: float

    @classmethod
    def from_spec(cls, spec: Resumption) -> WeibullResumption:
        return cls(
            p_resume_5y=spec.p_resume_5y.value,
            shape=spec.shape.value,
            guarantees_effect=spec.guarantees_effect.value,
            snapback_effect=spec.snapback_effect.value,
            territory_effect=spec.territory_effect.value,
        )

    def p_holds(self, terms: DealTerms, years: float) -> FloatArray:
        """``exp(-H)``, with ``log H`` summed in logs: a baseline that underflows to 0 times
        a risk that overflows gives P = 0 or 1, never 0 × inf = NaN."""
        eta = (
            -self.guarantees_effect * terms.guarantees / 100.0
            - self.snapback_effect * terms.snapback.astype(np.float64)
            + self.territory_effect * np.maximum(terms.line_change_km2, 0.0) / 1000.0
        )
        log_time = math.log(years / 5.0) if years > 0 else -math.inf
        log_base = math.log(-math.log1p(-self.p_resume_5y)) + self.shape * log_time
        with np.errstate(over="ignore"):
            out: FloatArray = np.exp(-np.exp(log_base + eta))
        return out


@dataclass(frozen=True)
class DurabilityResumption:
    """The UCDP-fitted durability model as the war model's resumption hazard.

    A deal becomes the durability mapping's terms: ``territory`` = 100 × (``start_km2`` +
    ``line_change_km2`` - ``outside_claim_km2``) / ``claim_km2`` clipped to [0, 100] (the
    scenario's territory issue scale), ``sanctions`` = the relief, ``guarantees`` = the
    guarantees (both already on their 0-100 issue scales) and ``snapback`` = 0 or 1.
    P(holds) is then
    :meth:`~detente.durability.hazard.FittedResumptionHazard.p_holds_batch`, the same
    number ``detente durability predict`` prints for that deal.

    Parameters
    ----------
    durability:
        The fitted model and its mapping.
    start_km2:
        The line at the campaign's start (what ``line_change_km2`` is measured from).
    claim_km2:
        The area at 100 on the territory scale.
    outside_claim_km2:
        Held area that is not on the scale (outside the claim).
    """

    durability: FittedResumptionHazard
    start_km2: float
    claim_km2: float
    outside_claim_km2: float = 0.0

    def mapped_terms(self, terms: DealTerms) -> dict[str, FloatArray]:
        """The durability mapping's terms of each deal."""
        kept = self.start_km2 + terms.line_change_km2 - self.outside_claim_km2
        return {
            "territory": np.clip(100.0 * kept / self.claim_km2, 0.0, 100.0),
            "sanctions": np.asarray(terms.sanctions_relief, dtype=np.float64),
            "guarantees": np.asarray(terms.guarantees, dtype=np.float64),
            "snapback": terms.snapback.astype(np.float64),
        }

    def p_holds(self, terms: DealTerms, years: float) -> FloatArray:
        return self.durability.p_holds_batch(self.mapped_terms(terms), years)

    def p_holds_at(self, terms: DealTerms, years: FloatArray) -> FloatArray:
        """(deals, Y) :meth:`p_holds` at each of ``years`` (all > 0), the deals mapped and
        checked once: the same numbers as one :meth:`p_holds` a year (the survival model
        takes several times at once), without building the model's table of deals each
        time (:func:`detente.war.commitment.breakdown_discount` asks for 120 years)."""
        n = int(terms.line_change_km2.size)
        rows = self.durability._batch_rows(self.mapped_terms(terms), n)
        out: FloatArray = np.asarray(
            self.durability.model.survival(rows, [float(y) for y in years]), dtype=np.float64
        )
        return out


def resumption_hazard(campaign: Campaign) -> ResumptionHazard:
    """The hazard a campaign's ``resumption:`` names (see the module docstring)."""
    spec = campaign.resumption
    if isinstance(spec, UcdpResumption):
        from detente.durability.hazard import FittedResumptionHazard  # lifelines: load lazily
        from detente.durability.mapping import parse_mapping

        if spec.mapping is not None and (not spec.is_resolved or spec.resolved is None):
            raise DetenteError(
                f"mapping {spec.mapping!r} is not resolved yet; load the scenario with "
                "detente.scenario.load_scenario, or call detente.scenario.resolve_references "
                "on it",
                where="campaign.resumption.mapping",
            )
        mapping = (
            None
            if spec.mapping is None or spec.resolved is None
            else parse_mapping(spec.resolved.document, source=spec.resolved.source)
        )
        return DurabilityResumption(
            durability=FittedResumptionHazard.packaged(mapping),
            start_km2=campaign.start_territory_km2.value,
            claim_km2=spec.territory_claim_km2.value,
            outside_claim_km2=spec.territory_outside_claim_km2.value,
        )
    return WeibullResumption.from_spec(spec)
