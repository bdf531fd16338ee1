"""The outcome models, behind one interface (:mod:`detente.models.base`).

:data:`MODELS` lists them (and :func:`get_model` finds one by name); :mod:`detente.registry`
joins them with every other model kind, and is what the CLI, the report, the web app and
sweeps enumerate."""

from __future__ import annotations

from detente.errors import DetenteError
from detente.models.base import (
    Convergence,
    Forecast,
    IssueDraws,
    IssueForecast,
    IssueProblem,
    IssueSolution,
    OutcomeModel,
)
from detente.models.bdm import ExpectedUtility
from detente.models.compromise import Compromise
from detente.models.exchange import ExchangeModel
from detente.models.kalai import KalaiSmorodinsky
from detente.models.median import WeightedMedian
from detente.models.nash import NashBargaining
from detente.models.pce import ProbabilisticCondorcet

MODELS: dict[str, type[OutcomeModel]] = {
    cls.name: cls
    for cls in (
        Compromise,
        WeightedMedian,
        NashBargaining,
        ExpectedUtility,
        ProbabilisticCondorcet,
        ExchangeModel,
        KalaiSmorodinsky,
    )
}


def get_model(name: str) -> OutcomeModel:
    """A model with default parameters, by registry name.

    Parameters
    ----------
    name : str
        One of :data:`MODELS`, e.g. ``"compromise"``.

    Raises
    ------
    DetenteError
        An unknown name (the message lists the known ones).
    """
    try:
        return MODELS[name]()
    except KeyError:
        raise DetenteError(
            f"unknown model {name!r}; choose one of: {', '.join(MODELS)}", where="--model"
        ) from None


__all__ = [
    "MODELS",
    "Compromise",
    "Convergence",
    "ExchangeModel",
    "ExpectedUtility",
    "Forecast",
    "IssueDraws",
    "IssueForecast",
    "IssueProblem",
    "IssueSolution",
    "KalaiSmorodinsky",
    "NashBargaining",
    "OutcomeModel",
    "ProbabilisticCondorcet",
    "WeightedMedian",
    "get_model",
]
