"""The war model's campaign at a forecast origin, for the ``war`` forecaster.

A scenario's campaign (the built-in ``ukraine-2024`` by default) describes the strategic
situation on its start date. :func:`origin_campaign` moves that same situation to a forecast
origin: every date shifted by the same number of days so that the campaign starts at the
origin, the start line at the origin's area, and the battlefield taken from the calibration
refitted on the history up to the origin, resolved in memory (no file) by
:func:`detente.scenario.resolve.calibrated_gains`, the step that resolves a scenario's named
calibration (DECISIONS EVA-4).
"""

from __future__ import annotations

import functools
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from detente.errors import DetenteError
from detente.scenario.edit import edit_campaign
from detente.scenario.resolve import calibrated_gains
from detente.spec.campaign import INTENSITY_NAMES, Battlefield, Campaign

if TYPE_CHECKING:
    from detente.calibration.territory import TerritoryCalibration
    from detente.war.simulate import Paths

FloatArray = npt.NDArray[np.float64]


@functools.cache
def scenario_campaign(scenario: str) -> Campaign:
    """The campaign of the built-in scenario ``scenario``, loaded and resolved once."""
    from detente.scenario import builtin_names, load_scenario

    if scenario not in builtin_names():
        raise DetenteError(
            f"no built-in scenario {scenario!r}; use one of: {', '.join(builtin_names())}",
            where="scenario",
        )
    campaign = load_scenario(scenario).campaign
    if campaign is None or campaign.battlefield is None or campaign.counteroffensive:
        raise DetenteError(
            f"scenario {scenario!r} needs a campaign with a battlefield calibration and no "
            "counteroffensive to be moved to a forecast origin",
            where="scenario",
        )
    return campaign


def intensity_regimes(cal: TerritoryCalibration) -> dict[str, str | int]:
    """The refit's regimes standing for hold, press and surge: its three highest-mean ones.

    With four regimes this is the built-in scenario's own choice (its calibration's lowest
    regime, the 2023 counteroffensive, is left out: DECISIONS WAR-15); with three every
    regime is used, so ``hold`` is whatever the refit's lowest regime is.
    """
    if len(cal.regimes) < len(INTENSITY_NAMES):
        raise DetenteError(
            f"the war forecaster needs at least 3 regimes, got {len(cal.regimes)}",
            where="regimes",
        )
    top = cal.regimes[-len(INTENSITY_NAMES) :]
    return dict(zip(INTENSITY_NAMES, top, strict=True))


def origin_campaign(
    base: Campaign,
    cal: TerritoryCalibration,
    origin: date,
    area_km2: float,
    *,
    bin_km2: float | None = None,
    control: float | None = None,
) -> Campaign:
    """``base`` moved to start on ``origin`` with the line at ``area_km2`` and its battlefield
    from ``cal``.

    Parameters
    ----------
    base:
        A resolved campaign with a ``battlefield`` (its ``control`` is kept).
    cal:
        The calibration refitted on the history up to ``origin``.
    origin:
        The forecast origin: the new start; every date of ``base`` (regime change, opening
        of negotiations, cheap talk) moves by ``origin - base.start``.
    area_km2:
        The area held at the origin: the new start line, the grid centred on it.
    bin_km2:
        The solver's territory bin (km²); ``None`` keeps ``base``'s.
    control:
        How far the belligerents' choices steer the regime chain (DECISIONS WAR-25);
        ``None`` keeps ``base``'s.

    Returns
    -------
    Campaign
        Validated again (:func:`~detente.scenario.edit.edit_campaign`).
    """
    if base.battlefield is None:
        raise DetenteError("the campaign has no battlefield calibration", where="battlefield")
    shift = origin - base.start

    def moved(day: date) -> str:
        return (day + shift).isoformat()

    battlefield = Battlefield(
        calibration=f"refit to {origin.isoformat()}",
        regimes=intensity_regimes(cal),
        control=base.battlefield.control if control is None else control,
    )
    battlefield = battlefield.model_copy(update={"resolved": calibrated_gains(battlefield, cal)})
    note = f"the area on the forecast origin {origin.isoformat()}"
    changes: dict[str, Any] = {
        "start": origin.isoformat(),
        "regime_change": moved(base.regime_change),
        "negotiation_opens": moved(base.negotiation_opens),
        "cheap_talk": [
            t.model_dump(mode="json") | {"when": moved(t.when)} for t in base.cheap_talk
        ],
        "start_territory_km2": {"value": float(area_km2), "note": note},
        "battlefield": battlefield.model_dump(mode="json"),
    }
    if bin_km2 is not None:
        changes["grid.bin_km2"] = {"value": float(bin_km2), "note": "evaluation grid"}
    return edit_campaign(base, changes, source=f"campaign at {origin.isoformat()}")


def at_war_draws(paths: Paths, horizons: list[int], n: int) -> FloatArray:
    """``(len(horizons), n)`` draws of the area ``h`` weeks on, conditional on the fighting
    going on: over the paths with no deal in weeks ``0 .. h-1``, the ``n`` empirical
    quantiles at ``(i + 0.5) / n`` (deterministic, as for the baselines: DECISIONS EVA-2).

    Raises
    ------
    DetenteError
        A horizon beyond the campaign, or with no path still at war.
    """
    n_weeks = paths.territory.shape[1] - 1
    out = np.empty((len(horizons), n))
    p = (np.arange(n) + 0.5) / n
    for row, h in enumerate(horizons):
        if h > n_weeks:
            raise DetenteError(
                f"horizon {h} weeks lies beyond the campaign's {n_weeks}", where="horizons"
            )
        at_war = (paths.deal_week < 0) | (paths.deal_week >= h)
        if not at_war.any():
            raise DetenteError(f"no simulated path is still at war after {h} weeks")
        out[row] = np.quantile(paths.territory[at_war, h], p)
    return out
