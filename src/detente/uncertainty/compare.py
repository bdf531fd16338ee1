"""One call that compares the outcome models on a scenario: a tidy table of every model's
forecast per issue, beside the status quo and, when asked, the stability band
(:mod:`detente.uncertainty.stability`; DECISIONS DESK-3)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from detente.errors import DetenteError
from detente.models import get_model
from detente.models.base import OutcomeModel
from detente.registry import outcome_models
from detente.scenario.io import load_scenario
from detente.spec.scenario import Scenario
from detente.uncertainty.stability import DEFAULT_DRAWS, stability_bands

if TYPE_CHECKING:
    import pandas as pd

COMPARE_COLUMNS = (
    "model", "issue", "outcome", "flagged", "constrained", "status_quo", "scale_low",
    "scale_high", "p05", "p95", "fragile",
)  # fmt: skip
"""The columns of :func:`compare`, in order."""


def compare(
    scenario: Scenario | str | Path,
    models: Sequence[str | OutcomeModel] | None = None,
    *,
    bands: bool = False,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
) -> pd.DataFrame:
    """Every outcome model's forecast on every issue, one row per (model, issue).

    Parameters
    ----------
    scenario : Scenario, str or Path
        A scenario, a built-in scenario's name or a scenario file.
    models : sequence of str or OutcomeModel, optional
        Registry names or model instances; default every registered outcome model.
    bands : bool
        Also compute each forecast's 5-95 % stability band under the default spread
        (:func:`~detente.uncertainty.stability.stability_bands`, ``draws`` draws from
        ``seed``); otherwise ``p05``, ``p95`` and ``fragile`` are missing (NaN / None).
    draws, seed : int
        The band's draws and seed (DECISIONS UNC-25).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COMPARE_COLUMNS`: ``model``, ``issue``, ``outcome`` (the model's
        answer), ``flagged`` and ``constrained`` (the decision rule blocks the outcome; the
        nearest one it lets pass, DECISIONS SCN-9), ``status_quo`` (NaN where unknown),
        ``scale_low``/``scale_high``, and ``p05``, ``p95``, ``fragile``.

    Examples
    --------
    >>> frame = compare("ukraine-2024", ["compromise", "median"])
    >>> frame.shape
    (10, 11)
    """
    import pandas as pd

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    chosen = [m if isinstance(m, OutcomeModel) else get_model(m) for m in (models or [])]
    if models is not None and not chosen:
        raise DetenteError("no model to compare; name at least one", where="models")
    chosen = chosen or [get_model(name) for name in outcome_models()]
    band = stability_bands(sc, chosen, draws=draws, seed=seed) if bands else None
    rows = []
    for model in chosen:
        forecast = model.predict(sc)
        for f in forecast.issues:
            issue = sc.issue(f.issue)
            b = None if band is None else band.get(model.name, f.issue)
            rows.append(
                {
                    "model": model.name,
                    "issue": f.issue,
                    "outcome": float(f.outcome),
                    "flagged": bool(f.flagged),
                    "constrained": float(f.constrained),
                    "status_quo": math.nan if issue.status_quo is None else issue.status_quo.value,
                    "scale_low": issue.scale[0],
                    "scale_high": issue.scale[1],
                    "p05": math.nan if b is None else b.p05,
                    "p95": math.nan if b is None else b.p95,
                    "fragile": None if b is None else b.fragile,
                }
            )
    return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
