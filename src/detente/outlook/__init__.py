"""How wars end: the outside view of a war, from a reference class of UCDP war episodes or
of CoW inter-state wars.

:mod:`~detente.outlook.data` reads the UCDP Conflict Termination file into episodes (and
loads the packaged extract), :mod:`~detente.outlook.cow` the CoW inter-state wars with NMC
capability ratios, :mod:`~detente.outlook.reference` names the reference classes,
:mod:`~detente.outlook.fit` holds the competing-risks models
(the Aalen-Johansen base rate and the cause-specific Cox model),
:mod:`~detente.outlook.view` gives :func:`outside_view` of a described war,
:mod:`~detente.outlook.evaluate` scores the models by grouped cross-validation and
:mod:`~detente.outlook.model` puts the outside view behind the model contract.
"""

from __future__ import annotations

from detente.outlook.cow import COW_COVARIATES, load_cow, read_cow_wars, read_nmc
from detente.outlook.data import CAUSES, COVARIATES, EpisodeData, load_reference, read_episodes
from detente.outlook.evaluate import CrossValidation, calibration_table, cross_validate
from detente.outlook.fit import AalenJohansen, CauseSpecificCox, cumulative_incidence
from detente.outlook.model import OutlookModel
from detente.outlook.reference import REFERENCES, ReferenceClass, get_reference
from detente.outlook.view import (
    PRESETS,
    OutsideView,
    WarDescription,
    get_preset,
    nearest_cases,
    outside_view,
    pool_log,
)

__all__ = [
    "CAUSES",
    "COVARIATES",
    "COW_COVARIATES",
    "PRESETS",
    "REFERENCES",
    "AalenJohansen",
    "CauseSpecificCox",
    "CrossValidation",
    "EpisodeData",
    "OutlookModel",
    "OutsideView",
    "ReferenceClass",
    "WarDescription",
    "calibration_table",
    "cross_validate",
    "cumulative_incidence",
    "get_preset",
    "get_reference",
    "load_cow",
    "load_reference",
    "nearest_cases",
    "outside_view",
    "pool_log",
    "read_cow_wars",
    "read_episodes",
    "read_nmc",
]
