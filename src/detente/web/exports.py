"""Downloads of the web app: the forecast table and the Monte Carlo draws (CSV or JSON), and
the edited scenario as YAML.

Each route takes the page's request body (a scenario reference and the what-if overrides),
resolves it as every other route does (:func:`~detente.web.loading.scenario_from_ref`, then
:func:`~detente.scenario.overrides.apply_overrides`; nothing from a request names a file) and
answers with an attachment. The forecast table is :func:`detente.compare` without bands; the
draws are :func:`~detente.uncertainty.sweep.sweep` over the outcome models, with the default
spread when the scenario gives no distributions (``detente sweep --spread``), at most
:data:`~detente.web.schemas.EXPORT_MAX_DRAWS` draws (DECISIONS WEB-8, WEB-9, WEB-10).
"""

from __future__ import annotations

import io
import math
import re
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from detente.scenario.io import to_yaml
from detente.uncertainty.compare import compare
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import with_default_spread
from detente.uncertainty.sweep import resolve_models, sweep
from detente.web.loading import scenario_of_request
from detente.web.schemas import (
    DrawSeries,
    DrawsExport,
    DrawsRequest,
    ErrorBody,
    ForecastExport,
    ForecastRequest,
    ForecastRow,
)

__all__ = ["FORECAST_COLUMNS", "router"]

FORECAST_COLUMNS = (
    "model", "issue", "outcome", "flagged", "constrained", "status_quo", "scale_low", "scale_high",
)  # fmt: skip
"""The columns of the forecast export: :data:`detente.uncertainty.compare.COMPARE_COLUMNS`
without the stability band's (not computed here)."""

DRAWS_COLUMNS = ("model", "issue", "draw", "value")
"""The columns of the draws export (CSV): one row per model, issue and draw."""

Format = Literal["csv", "json"]

_ERROR_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A body that cannot be parsed."},
    413: {"model": ErrorBody, "description": "The body or the scenario is too large."},
    422: {"model": ErrorBody, "description": "A bad request or scenario (one-line message)."},
}
_CSV = {"text/csv": {"schema": {"type": "string"}}}

router = APIRouter(prefix="/api/export", tags=["export"])


def file_stem(name: str) -> str:
    """A file-name-safe form of a scenario name (at most 80 characters)."""
    return (re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "scenario")[:80]


def attachment(text: str, media_type: str, filename: str) -> Response:
    """``text`` as a download named ``filename``."""
    return Response(
        text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


FORMAT = Query(description="csv (one row per model and issue) or json.")


@router.post(
    "/forecast",
    response_class=Response,
    responses={200: {"model": ForecastExport, "content": _CSV}, **_ERRORS},
)
def export_forecast(request: ForecastRequest, format: Format = FORMAT) -> Response:
    """Every model's forecast per issue with the status quo, as a CSV or JSON attachment
    (the table of :func:`detente.compare`; DECISIONS WEB-8).

    Parameters
    ----------
    request : ForecastRequest
        The scenario reference and the what-if overrides.
    format : {"csv", "json"}
        CSV (columns :data:`FORECAST_COLUMNS`) or JSON (:class:`ForecastExport`).
    """
    sc = scenario_of_request(request)
    frame = compare(sc)[list(FORECAST_COLUMNS)]
    stem = f"{file_stem(sc.name)}-forecast"
    if format == "csv":
        return attachment(frame.to_csv(index=False), "text/csv; charset=utf-8", f"{stem}.csv")
    rows = [
        ForecastRow.model_validate({**row, "status_quo": _finite(row["status_quo"])})
        for row in frame.to_dict(orient="records")
    ]
    doc = ForecastExport(scenario=sc.name, overrides=request.overrides, rows=rows)
    return attachment(doc.model_dump_json(indent=1), "application/json", f"{stem}.json")


@router.post(
    "/draws",
    response_class=Response,
    responses={200: {"model": DrawsExport, "content": _CSV}, **_ERRORS},
)
def export_draws(request: DrawsRequest, format: Format = FORMAT) -> Response:
    """The Monte Carlo draws of every outcome model on every issue (``detente sweep``), as a
    CSV (columns model, issue, draw, value) or JSON attachment. When the scenario gives no
    distributions, every number is drawn from the default spread (``--spread``). At most
    2,000 draws (DECISIONS WEB-9).

    Parameters
    ----------
    request : DrawsRequest
        The scenario reference, the what-if overrides, the number of draws and the seed.
    format : {"csv", "json"}
        CSV (columns :data:`DRAWS_COLUMNS`) or JSON (:class:`DrawsExport`).
    """
    sc = scenario_of_request(request)
    stem = f"{file_stem(sc.name)}-draws"
    models = resolve_models(None)
    evaluator = OutcomeModels(sc, models)
    spread = not evaluator.numbers
    if spread:
        sc = with_default_spread(sc)
        evaluator = OutcomeModels(sc, models)
    result = sweep(sc, evaluator, request.draws, request.seed, progress=False)
    if format == "csv":
        frame = result.to_frame(draws=True).rename(columns={"output": "issue"})
        out = io.StringIO()
        frame[list(DRAWS_COLUMNS)].to_csv(out, index=False)
        return attachment(out.getvalue(), "text/csv; charset=utf-8", f"{stem}.csv")
    doc = DrawsExport(
        scenario=sc.name,
        overrides=request.overrides,
        draws=request.draws,
        seed=request.seed,
        default_spread=spread,
        series=[
            DrawSeries(model=m, issue=i, values=[_finite(v) for v in x.tolist()])
            for (m, i), x in result.outcomes.items()
        ],
    )
    return attachment(doc.model_dump_json(), "application/json", f"{stem}.json")


@router.post(
    "/scenario",
    response_class=Response,
    responses={
        200: {
            "description": "The edited scenario as YAML (`detente validate` reads it).",
            "content": {"application/yaml": {"schema": {"type": "object", "title": "Scenario"}}},
        },
        400: {"description": _ERRORS[400]["description"], "content": _ERROR_JSON},
        413: {"description": _ERRORS[413]["description"], "content": _ERROR_JSON},
        422: {"description": _ERRORS[422]["description"], "content": _ERROR_JSON},
    },
)
def export_scenario(request: ForecastRequest) -> Response:
    """The scenario with the what-if overrides applied, as a YAML attachment named
    ``NAME-edited.yaml`` (DECISIONS WEB-10).

    Parameters
    ----------
    request : ForecastRequest
        The scenario reference and the what-if overrides.
    """
    sc = scenario_of_request(request)
    return attachment(
        to_yaml(sc), "application/yaml; charset=utf-8", f"{file_stem(sc.name)}-edited.yaml"
    )
