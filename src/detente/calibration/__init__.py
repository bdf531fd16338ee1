"""Battlefield calibration for the war-termination model.

:mod:`detente.calibration.territory` calibrates the attacker's weekly territorial gain (km² per
week) from a daily occupied-area series: a Markov-switching model of intensity regimes
(hold / press / surge) with a season effect, and block-bootstrap uncertainty on its parameters.
"""

from __future__ import annotations

from detente.calibration.territory import (
    SEASONS,
    ModelFit,
    TerritoryCalibration,
    calibrate_territory,
    fit_territory,
    read_territory_series,
    season_of,
    weekly_gains,
)

__all__ = [
    "SEASONS",
    "ModelFit",
    "TerritoryCalibration",
    "calibrate_territory",
    "fit_territory",
    "read_territory_series",
    "season_of",
    "weekly_gains",
]
