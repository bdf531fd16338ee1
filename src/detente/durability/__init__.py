"""Will the deal hold? Survival models of peace-agreement failure, fitted on the UCDP Peace
Agreement data, and a mapping from a deal's terms to the models' covariates.

:mod:`~detente.durability.data` reads the UCDP file into a survival frame,
:mod:`~detente.durability.fit` holds the models (Cox, Weibull and log-normal AFT) behind one
interface, :mod:`~detente.durability.boosted` the gradient-boosted Cox (xgboost),
:mod:`~detente.durability.evaluate` scores them out of sample (grouped bootstrap intervals),
:mod:`~detente.durability.diagnostics` shows why not better,
:mod:`~detente.durability.mapping` turns deal terms into covariates, and
:mod:`~detente.durability.hazard` gives the war-termination model its resumption hazard.
"""

from __future__ import annotations

from detente.durability.boosted import BoostedCoxModel  # registers ``xgb`` in MODELS
from detente.durability.data import COVARIATES, AgreementData, read_agreements
from detente.durability.evaluate import (
    HORIZONS,
    CrossValidation,
    calibration_table,
    cross_validate,
    holdout_concordance,
)
from detente.durability.fit import MODELS, SurvivalModel, get_model
from detente.durability.hazard import DurabilityForecast, FittedResumptionHazard
from detente.durability.mapping import DealMapping, load_mapping, parse_deal

__all__ = [
    "COVARIATES",
    "HORIZONS",
    "MODELS",
    "AgreementData",
    "BoostedCoxModel",
    "CrossValidation",
    "DealMapping",
    "DurabilityForecast",
    "FittedResumptionHazard",
    "SurvivalModel",
    "calibration_table",
    "cross_validate",
    "get_model",
    "holdout_concordance",
    "load_mapping",
    "parse_deal",
    "read_agreements",
]
