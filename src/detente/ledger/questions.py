"""The questions a run seals (``--seal``; docs/ledger.md): for ``simulate``, a deal by each
thinned reported date and the area held at those dates; for ``forecast``, each issue's
outcome (DECISIONS LED-3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from detente.ledger.entry import Forecast, Forecaster, Quantile, Question, Sealed
from detente.models.base import Forecast as ModelForecast
from detente.paths import docs_page
from detente.spec.scenario import Scenario
from detente.war.model import QUANTILES

SEAL_STEP_WEEKS = 13


def seal_dates(doc: Mapping[str, Any], step: int = SEAL_STEP_WEEKS) -> list[str]:
    """The first reported ``p_deal_by`` date on or after the deadline, every ``step`` weeks
    after it, and the last reported date."""
    dates = [row["date"] for row in doc["p_deal_by"]]
    after = [d for d in dates if d >= doc["deadline"]] or dates[-1:]
    return sorted({*after[::step], dates[-1]})


def war_questions(doc: Mapping[str, Any], *, scenario_hash: str, version: str) -> list[Sealed]:
    """The forecasts of a simulate document: P(deal by date) and the area's quantiles."""
    name, seed = doc["scenario"], doc["seed"]
    p_by = {row["date"]: row["p"] for row in doc["p_deal_by"]}
    area = {row["date"]: row["territory_km2"] for row in doc["weeks"]}
    me = Forecaster(name="detente")
    out = []
    for when in seal_dates(doc):
        out.append(Sealed(
            question=Question(
                id=f"{name}:deal-by:{when}", kind="binary", resolves_on=date.fromisoformat(when),
                text=f"{name}: a negotiated deal ending the war is in force by {when}",
                criteria="Yes if a ceasefire or settlement agreed by both sides is in force on "
                f"{when} (the campaign's 'deal'; {docs_page('war_model')}), per public reporting",
            ),
            forecast=Forecast(p=float(p_by[when])),
            forecaster=me, scenario_hash=scenario_hash, detente_version=version, seed=seed,
        ))  # fmt: skip
        quantiles = tuple(
            Quantile(level=level, value=float(area[when][key])) for key, level in QUANTILES.items()
        )
        out.append(Sealed(
            question=Question(
                id=f"{name}:area-km2:{when}", kind="numeric", unit="km²",
                resolves_on=date.fromisoformat(when),
                text=f"{name}: area held by the attacker on {when}, km²",
                criteria=f"The area held on {when} (or the nearest report within 7 days) by the "
                "source the campaign's territory series is calibrated on "
                f"({docs_page('war_model')})",
            ),
            forecast=Forecast(quantiles=quantiles),
            forecaster=me, scenario_hash=scenario_hash, detente_version=version, seed=seed,
        ))  # fmt: skip
    return out


def issue_questions(
    scenario: Scenario,
    forecasts: Sequence[ModelForecast],
    *,
    resolves_on: date,
    scenario_hash: str,
    version: str,
) -> list[Sealed]:
    """``forecast --seal``: one question per issue, its outcome when it resolves; detente's
    forecast is the ensemble of the models run (a sample per model; one model makes a point
    forecast, whose CRPS is its absolute error). An issue on 0-100 is an ``issue`` question,
    another scale a ``numeric`` one in the scale's units."""
    out = []
    for issue in scenario.issues:
        lo, hi = issue.scale
        on_100 = (lo, hi) == (0.0, 100.0)
        ends = f"{lo:g} = {issue.low_label or 'low end'}, {hi:g} = {issue.high_label or 'high end'}"
        out.append(Sealed(
            question=Question(
                id=f"{scenario.name}:issue:{issue.name}:{resolves_on.isoformat()}",
                kind="issue" if on_100 else "numeric",
                unit=None if on_100 else f"scale {lo:g}-{hi:g}",
                resolves_on=resolves_on,
                text=f"{scenario.name}: the outcome of issue '{issue.name}' ({ends}) as of "
                f"{resolves_on.isoformat()}",
                criteria=f"The terms in force on {resolves_on.isoformat()} placed on the issue's "
                "scale as the scenario defines it (its labels and sourced positions)",
            ),
            forecast=Forecast(samples=tuple(float(f.outcome(issue.name)) for f in forecasts)),
            forecaster=Forecaster(name="detente", source=None),
            scenario_hash=scenario_hash, detente_version=version, seed=None,
        ))  # fmt: skip
    return out
