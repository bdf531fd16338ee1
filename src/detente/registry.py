"""Every model of detente, by name: the one registry the CLI, the report, the web app,
sweeps, sensitivity analyses, lever search and the run store iterate.

Each entry follows the model contract (:mod:`detente.contract`) and says by its tags what it
takes (a scenario, a campaign, an agreements frame, an area series). :func:`select` lists the
models a caller can use; :func:`get` finds one by name with a one-line error.

==================  ===============================================  =========================
kind                models                                           paper / check
==================  ===============================================  =========================
outcome (scenario)  compromise, median, nash, bdm                    :mod:`detente.models`
war (campaign)      war                                              :mod:`detente.war.model`
durability          cox, cox_cv, weibull, lognormal, km, xgb         :mod:`detente.durability`
outlook (campaign)  outlook                                          :mod:`detente.outlook`
calibration         territory                                        :mod:`detente.calibration`
==================  ===============================================  =========================
"""

from __future__ import annotations

from typing import Any

from detente.calibration.territory import TerritoryModel
from detente.contract import InputKind
from detente.durability.fit import MODELS as SURVIVAL_MODELS
from detente.errors import DetenteError
from detente.models import MODELS as OUTCOME_MODELS
from detente.outlook.model import OutlookModel
from detente.war.model import WarModel

REGISTRY: dict[str, type[Any]] = {
    **OUTCOME_MODELS,
    WarModel.name: WarModel,
    **SURVIVAL_MODELS,
    TerritoryModel.name: TerritoryModel,
    OutlookModel.name: OutlookModel,
}
"""Name -> model class, outcome models first (the order of tables and reports)."""


def select(
    *,
    input: InputKind | None = None,
    needs_campaign: bool | None = None,
    batchable: bool | None = None,
) -> dict[str, type[Any]]:
    """The registered models whose tags match every given value, in registry order.

    Parameters
    ----------
    input : {"scenario", "agreements", "series"} or None
        The input kind the model takes (its ``tags.input``); None matches any.
    needs_campaign : bool or None
        Whether the model needs the scenario's campaign; None matches either.
    batchable : bool or None
        Whether the model evaluates a batch of draws at once; None matches either.

    Returns
    -------
    dict of str to type
        The matching model classes by name.
    """
    wanted = {"input": input, "needs_campaign": needs_campaign, "batchable": batchable}
    return {
        name: cls
        for name, cls in REGISTRY.items()
        if all(v is None or getattr(cls.tags, k) == v for k, v in wanted.items())
    }


def outcome_models() -> dict[str, type[Any]]:
    """The models that forecast the outcome of a scenario's issues (no campaign needed)."""
    return select(input="scenario", needs_campaign=False)


def get(name: str, **params: Any) -> Any:
    """A registered model by name, built with ``params``.

    Parameters
    ----------
    name : str
        The model's registry name, e.g. ``"bdm"`` or ``"war"``.
    **params : Any
        The model's constructor arguments.

    Returns
    -------
    Any
        The model instance.

    Raises
    ------
    DetenteError
        An unknown name (the message lists the registered ones).
    """
    if name not in REGISTRY:
        raise DetenteError(
            f"unknown model {name!r}; choose one of: {', '.join(REGISTRY)}", where="--model"
        )
    return REGISTRY[name](**params)
