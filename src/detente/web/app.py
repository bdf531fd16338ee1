"""The web app: pick or upload a scenario, see every model's forecast and plots, move
what-if sliders, download the report.

:func:`create_app` builds the FastAPI application; ``detente serve`` runs it with uvicorn on
127.0.0.1. The page is static (``static/``, served by :mod:`detente.web.assets`) and talks to
the JSON API, whose OpenAPI schema is at ``/openapi.json`` (interactive docs at ``/docs`` need
a CDN and are off). Plotly.js is served from the installed ``plotly`` package; nothing is
loaded from the network. Each route resolves its request (:mod:`detente.web.loading`) and
answers with a conversion of :mod:`detente.web.convert`; campaigns are solved through
:class:`~detente.web.solutions.SolutionCache`.

Safety rules: request bodies over :data:`MAX_BODY_BYTES` get 413 before they are read
(:mod:`detente.web.middleware`); uploaded scenarios are parsed in memory with detente's own
parsers (YAML only through ``yaml.safe_load``); nothing from a request names a file on the
server; a bad scenario gets 4xx with the CLI's one-line message as ``{"detail": ...}``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from detente import __version__
from detente.errors import DetenteError
from detente.scenario import builtin_names
from detente.war.model import SOLVER
from detente.web.assets import STATIC, index_page, plotly_js_response, static_response
from detente.web.convert import (
    ADVISE_MAX_EVALS,
    ADVISE_SEED,
    SIMULATE_PATHS,
    SIMULATE_SEED,
    advise_response,
    campaign_of,
    forecast_response,
    simulate_response,
    upload_response,
)
from detente.web.exports import attachment, file_stem
from detente.web.exports import router as exports_router
from detente.web.loading import (
    TooLargeError,
    builtin_scenario,
    format_of,
    safe_label,
    scenario_of_request,
)
from detente.web.middleware import BodySizeLimit, security_headers
from detente.web.schemas import (
    MAX_UPLOAD_BYTES,
    AdviseRequest,
    AdviseResponse,
    ErrorBody,
    ForecastRequest,
    ForecastResponse,
    Health,
    ScenarioListing,
    SimulateResponse,
)
from detente.web.solutions import (
    SOLUTION_CACHE_SIZE,
    SOLVE_CONCURRENCY,
    SolutionCache,
    SolverProcesses,
)

__all__ = [
    "ADVISE_MAX_EVALS",
    "ADVISE_SEED",
    "ERRORS",
    "MAX_BODY_BYTES",
    "REPORT_RESPONSES",
    "SIMULATE_PATHS",
    "SIMULATE_SEED",
    "SOLUTION_CACHE_SIZE",
    "SOLVE_CONCURRENCY",
    "WEB_REPORT_OPTIONS",
    "SolutionCache",
    "SolverProcesses",
    "create_app",
]

WEB_REPORT_OPTIONS = {"draws": 200, "sobol_n": 16, "paths": SIMULATE_PATHS}
"""The downloaded report's sampling: lighter than ``detente report`` so that it comes back in
a few seconds (the campaign's solved policy comes from the war model's memoising solver,
:data:`detente.war.model.SOLVER`; DECISIONS WEB-2)."""

SIMULATE_MEMO_SIZE = 64
"""Simulate answers kept per request (seed and paths are fixed, so a request determines its
answer; a repeated slider value then costs no resolve, hash or simulation: DECISIONS WEB-3)."""

MAX_BODY_BYTES = 2 * MAX_UPLOAD_BYTES + 64_000
"""Largest request body: a 1 MB scenario with JSON escaping or multipart framing."""

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A body that cannot be parsed."},
    413: {"model": ErrorBody, "description": "The body or the scenario is too large."},
    422: {"model": ErrorBody, "description": "A bad request or scenario (one-line message)."},
}

_ERROR_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: one self-contained HTML file, as an attachment.",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
    400: {"description": ERRORS[400]["description"], "content": _ERROR_JSON},
    413: {"description": ERRORS[413]["description"], "content": _ERROR_JSON},
    422: {"description": ERRORS[422]["description"], "content": _ERROR_JSON},
}


def _one_line(exc: RequestValidationError) -> str:
    """FastAPI's validation errors as one line: the first problem, its place and count.

    For request bodies only; a scenario's or campaign's own validation errors are translated
    by :func:`detente.scenario.validation.translate` when the scenario is parsed."""
    errors = list(exc.errors())
    if not errors:
        return "bad request"
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    if loc[:1] == ["scenario"] and len(loc) > 1 and loc[1] in ("BuiltinRef", "TextRef"):
        return (
            'request: scenario: give {"builtin": NAME} or {"text": SCENARIO TEXT, "format": '
            '"yaml" or "csv", "filename": LABEL}'
        )
    where = ".".join(loc) or "body"
    msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return " ".join(f"request: {where}: {msg}{more}".split())


def _static_endpoint(name: str) -> Callable[[], Awaitable[Response]]:
    """The endpoint of ``/static/NAME``. It takes no parameters: the file is fixed when the
    route is added, never named by the request."""

    async def serve_static() -> Response:
        return static_response(name)

    return serve_static


def create_app(*, trusted_hosts: Sequence[str] | None = None) -> FastAPI:
    """The FastAPI application.

    Parameters
    ----------
    trusted_hosts:
        If given, requests whose ``Host`` header is not in the list get 400 (against DNS
        rebinding when serving on loopback). ``detente serve`` passes the loopback names
        when bound to a loopback address.

    While the app runs (its lifespan: ``detente serve``, or a ``TestClient`` used as a
    context manager), war-model solves run in :data:`SOLVE_CONCURRENCY` worker processes
    (:class:`SolverProcesses`, ``app.state.solver_processes``), never on a request thread;
    outside it they run in the calling thread (DECISIONS WEB-3).
    """
    processes = SolverProcesses(SOLVER)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        processes.start()
        try:
            yield
        finally:
            await run_in_threadpool(processes.close)

    app = FastAPI(
        title="detente",
        version=__version__,
        description="Forecasts of coercive negotiations: scenarios, outcome models, what-ifs.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.solver_processes = processes
    if trusted_hosts is not None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(trusted_hosts))
    app.add_middleware(BodySizeLimit, limit=MAX_BODY_BYTES)
    solutions = SolutionCache(solver=SOLVER)
    simulated: OrderedDict[str, tuple[SimulateResponse, str]] = OrderedDict()  # event loop

    @app.exception_handler(TooLargeError)
    async def _too_large(request: Request, exc: TooLargeError) -> JSONResponse:
        return JSONResponse({"detail": exc.one_line()}, status_code=413)

    @app.exception_handler(DetenteError)
    async def _bad_input(request: Request, exc: DetenteError) -> JSONResponse:
        return JSONResponse({"detail": exc.one_line()}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _one_line(exc)}, status_code=422)

    app.middleware("http")(security_headers)

    # The page, its assets, the health check and the list of built-ins are answered on the
    # event loop (async, from memory): they must not queue behind forecasts for a worker
    # thread when the app is busy.
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> HTMLResponse:
        return index_page()

    @app.get("/static/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> Response:
        return plotly_js_response()

    for name in STATIC:
        app.add_api_route(
            f"/static/{name}", _static_endpoint(name), methods=["GET"], include_in_schema=False
        )

    @app.get("/api/health", response_model=Health, tags=["meta"])
    async def health() -> Health:
        """Liveness and the detente version."""
        return Health(status="ok", version=__version__)

    @app.get("/api/scenarios", response_model=list[ScenarioListing], tags=["scenarios"])
    async def scenarios() -> list[ScenarioListing]:
        """The built-in scenarios."""
        out = []
        for name in builtin_names():
            sc = builtin_scenario(name)
            out.append(
                ScenarioListing(
                    name=name,
                    title=sc.title,
                    as_of=None if sc.as_of is None else sc.as_of.isoformat(),
                    actors=len(sc.actors),
                    issues=len(sc.issues),
                )
            )
        return out

    @app.post("/api/forecast", response_model=ForecastResponse, responses=ERRORS, tags=["forecast"])
    def forecast(request: ForecastRequest) -> ForecastResponse:
        """Every model's forecast of a scenario after the what-if overrides."""
        return forecast_response(scenario_of_request(request), request.overrides)

    @app.post("/api/simulate", response_model=SimulateResponse, responses=ERRORS, tags=["campaign"])
    async def simulate(request: ForecastRequest) -> SimulateResponse:
        """The scenario's war-termination campaign after the what-if overrides: solved
        (cached per campaign), 1,000 paths with seed 0: the fan chart, P(deal by date) and
        the headline numbers. 422 for a scenario without a campaign."""
        key = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
        answered = simulated.get(key)
        if answered is not None and solutions.solver.holds(answered[1]):
            simulated.move_to_end(key)  # the solve is still there for the report and advise
            return answered[0].model_copy(update={"cached": True})
        sc = await run_in_threadpool(scenario_of_request, request)
        solution, cached, campaign_key = await solutions.aget_keyed(campaign_of(sc))
        answer = await run_in_threadpool(simulate_response, sc, solution, cached)
        simulated[key] = (answer, campaign_key)
        while len(simulated) > SIMULATE_MEMO_SIZE:
            simulated.popitem(last=False)
        return answer

    @app.post("/api/advise", response_model=AdviseResponse, responses=ERRORS, tags=["levers"])
    def advise(request: AdviseRequest) -> AdviseResponse:
        """The lever ranking (``detente advise``): the actor's options for reaching the goal,
        cheapest first, with cost, predicted metric and P(reach). Seed 0, at most 200 draws
        (issue goals) or paths (war-model goals, at most 8 evaluations). 422 with one line
        for a bad actor, goal, model or budget."""
        return advise_response(scenario_of_request(request), request)

    @app.post("/api/upload", response_model=ForecastResponse, responses=ERRORS, tags=["forecast"])
    async def upload(
        file: Annotated[UploadFile, File(description="A .yaml/.yml or .csv scenario, ≤ 1 MB.")],
    ) -> ForecastResponse:
        """Upload a scenario file: its forecasts, and the scenario as YAML for what-ifs."""
        label = safe_label(file.filename)
        fmt = format_of(label)
        raw = await file.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            raise TooLargeError(
                f"the file is over the web app's {MAX_UPLOAD_BYTES:,}-byte limit; trim it or "
                "use the command line",
                source=label,
            )
        # parsing and forecasting take up to a second of CPU: off the event loop, which
        # would otherwise stall every other request meanwhile (benchmarks/load_web.py)
        return await run_in_threadpool(upload_response, raw, label=label, fmt=fmt)

    @app.post(
        "/api/report",
        response_class=Response,
        responses=REPORT_RESPONSES,
        tags=["report"],
    )
    def report(request: ForecastRequest) -> Response:
        """The self-contained HTML report of the scenario after the what-if overrides."""
        from detente.report.html import build_report

        sc = scenario_of_request(request)
        text = build_report(sc, options=dict(WEB_REPORT_OPTIONS))
        return attachment(text, "text/html; charset=utf-8", f"{file_stem(sc.name)}-report.html")

    app.include_router(exports_router)  # downloads: forecast table, draws, edited YAML
    return app
