"""Evaluation of forecasts against what happened: a rolling-origin backtest of the
battlefield model against statistical baselines (docs/evaluation.md).

A runner layer: it imports the calibration and the core, never the CLI, web app or store.
"""

from detente.evaluation.forecasters import FORECASTERS, Forecaster, quantile_samples
from detente.evaluation.rolling import (
    SCORE_COLUMNS,
    EvaluationResult,
    choose_origins,
    coverage,
    crps_samples,
    evaluate_territory,
    forecast_at,
    weekly_area,
)

__all__ = [
    "FORECASTERS",
    "SCORE_COLUMNS",
    "EvaluationResult",
    "Forecaster",
    "choose_origins",
    "coverage",
    "crps_samples",
    "evaluate_territory",
    "forecast_at",
    "quantile_samples",
    "weekly_area",
]
