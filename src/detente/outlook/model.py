"""The outside view behind the model contract (:mod:`detente.contract`).

:class:`OutlookModel` takes a scenario with a campaign: the campaign's ``start`` is the
analyst's date, and the war is the described one of :data:`~detente.outlook.view.PRESETS`
named by ``war``. Its outputs are P(the war has ended by each cause within 1 and 2 years of
the campaign start), from the cause-specific Cox model fitted on the packaged UCDP reference
class (Prentice et al. 1978; Aalen & Johansen 1978; Kreutz 2010).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

import numpy as np

from detente.contract import Output, Params, Tags
from detente.errors import DetenteError
from detente.outlook.data import CAUSES, DAYS_PER_YEAR
from detente.outlook.view import OutsideView, outside_view
from detente.spec.scenario import Scenario

HORIZON_YEARS = (1, 2)


class OutlookResult:
    """What :meth:`OutlookModel.run` returns: the outside view and its declared values."""

    def __init__(self, view: OutsideView) -> None:
        self.view = view

    def values(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for j, h in enumerate(HORIZON_YEARS):
            for k, cause in enumerate(CAUSES.values()):
                out[f"p_{cause}_{h}y"] = float(self.view.p[k, j])
            out[f"p_ended_{h}y"] = float(self.view.p[:, j].sum())
        return out

    def to_dict(self) -> dict[str, Any]:
        return self.view.to_dict()


class OutlookModel(Params):
    """How wars end, by reference class: a cause-specific Cox model on UCDP war episodes.

    Parameters
    ----------
    war:
        A described war (:data:`detente.outlook.view.PRESETS`), default
        ``russia-ukraine-2022``.
    penalizer:
        lifelines' ridge penalty of each cause's Cox model (DECISIONS OUT-4).
    reference_class:
        The reference class, ``ucdp`` (default) or ``cow`` (CoW inter-state wars with NMC
        capability ratios, DECISIONS OUT-9..OUT-12).
    """

    name: ClassVar[str] = "outlook"
    label: ClassVar[str] = "Outside view: how wars end (UCDP reference class, competing risks)"
    reference: ClassVar[str] = (
        "Kreutz 2010, JPR 47(2); Prentice et al. 1978, Biometrics 34(4); "
        "Aalen & Johansen 1978, Scand. J. Stat. 5(3)"
    )
    tags: ClassVar[Tags] = Tags(input="scenario", needs_campaign=True)
    varies: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        war: str = "russia-ukraine-2022",
        penalizer: float = 0.1,
        reference_class: str = "ucdp",
    ) -> None:
        self.war = war
        self.penalizer = penalizer
        self.reference_class = reference_class

    def outputs(self, inputs: Any = None) -> list[Output]:
        out = []
        for h in HORIZON_YEARS:
            for cause in CAUSES.values():
                out.append(
                    Output(f"p_{cause}_{h}y", "probability", 1e-9,
                           f"P(the war ends by {cause.replace('_', ' ')} within {h} year(s))")
                )  # fmt: skip
            out.append(Output(f"p_ended_{h}y", "probability", 1e-9,
                              f"P(the war has ended within {h} year(s))"))  # fmt: skip
        return out

    def run(self, inputs: Scenario, seed: int | np.random.Generator = 0) -> OutlookResult:
        """The outside view as of the campaign's start (the interval's draws use ``seed``;
        the declared values do not)."""
        if inputs.campaign is None:
            raise DetenteError(
                "the outside view needs a scenario with a campaign (its start is the "
                "analyst's date)",
                source=inputs.name,
            )
        start: date = inputs.campaign.start
        dates = [start + timedelta(days=round(h * DAYS_PER_YEAR)) for h in HORIZON_YEARS]
        return OutlookResult(
            outside_view(
                self.war,
                dates,
                as_of=start,
                seed=seed,
                penalizer=self.penalizer,
                reference=self.reference_class,
            )
        )
