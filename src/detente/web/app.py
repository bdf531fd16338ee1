"""The web app: pick or upload a scenario, see every model's forecast and plots, move
what-if sliders, download the report.

:func:`create_app` builds the FastAPI application; ``detente serve`` runs it with uvicorn on
127.0.0.1. The page is static (``static/``, served by :mod:`detente.web.assets`) and talks to
the JSON API, whose OpenAPI schema is at ``/openapi.json`` (interactive docs at ``/docs`` need
a CDN and are off). Plotly.js is served from the installed ``plotly`` package; nothing is
loaded from the network. Each route resolves its request (:mod:`detente.web.loading`) and
answers with a conversion of :mod:`detente.web.convert`; campaigns are solved through
:class:`~detente.web.solutions.SolutionCache`. While the app runs, forecasts, uploads,
rankings and campaign look-ups run in :class:`~detente.web.compute.ComputeProcesses` and
solves in :class:`~detente.web.solutions.SolverProcesses`; answers are kept by the request's
content (:class:`~detente.web.memo.Memo`; DECISIONS WEB-3, WEB-11).

Safety rules: request bodies over :data:`MAX_BODY_BYTES` get 413 before they are read
(:mod:`detente.web.middleware`); uploaded scenarios are parsed in memory with detente's own
parsers (YAML only through ``yaml.safe_load``); nothing from a request names a file on the
server; a bad scenario gets 4xx with the CLI's one-line message as ``{"detail": ...}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from detente import __version__
from detente.errors import DetenteError
from detente.scenario import Scenario, builtin_names
from detente.spec.campaign import Campaign, campaign_hash
from detente.war.model import SOLVER
from detente.web.assets import STATIC, index_page, plotly_js_response, static_response
from detente.web.compute import (
    ComputeProcesses,
    advise_job,
    campaign_job,
    forecast_job,
    upload_job,
)
from detente.web.convert import (
    ADVISE_MAX_EVALS,
    ADVISE_SEED,
    SIMULATE_PATHS,
    SIMULATE_SEED,
    advise_response,
    campaign_of,
    simulate_response,
)
from detente.web.exports import attachment, file_stem
from detente.web.exports import router as exports_router
from detente.web.loading import (
    TooLargeError,
    builtin_scenario,
    check_text_size,
    format_of,
    safe_label,
    scenario_of_request,
)
from detente.web.memo import CPU_THREADS, LoopLimiter, Memo, content_key
from detente.web.middleware import BodySizeLimit, SecurityHeaders
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
"""Simulate answers kept per campaign (seed and paths are fixed, so the campaign and the
scenario's name determine the answer: an actor's what-if, which leaves the campaign as it
is, then costs the resolve and the hash but no simulation; DECISIONS WEB-3, WEB-11)."""

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


def _advise(request: AdviseRequest) -> AdviseResponse:
    return advise_response(scenario_of_request(request), request)


def _campaign_of_request(request: ForecastRequest) -> tuple[Scenario, Campaign, str]:
    """The request's scenario, its campaign (422 without one) and the campaign's hash."""
    sc = scenario_of_request(request)
    campaign = campaign_of(sc)
    return sc, campaign, campaign_hash(campaign)


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
    compute = ComputeProcesses()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        processes.start()
        compute.start()
        await run_in_threadpool(compute.wait_ready)  # ready before the first request
        await run_in_threadpool(processes.wait_ready)
        try:
            yield
        finally:
            await run_in_threadpool(compute.close)
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
    app.state.compute_processes = compute
    if trusted_hosts is not None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(trusted_hosts))
    app.add_middleware(BodySizeLimit, limit=MAX_BODY_BYTES)
    solutions = SolutionCache(solver=SOLVER)
    # answers by request content (DECISIONS WEB-11): a request determines its answer
    forecasts: Memo[bytes] = Memo()  # the answers' JSON
    uploads: Memo[bytes] = Memo()
    rankings: Memo[bytes] = Memo()
    campaign_keys: Memo[tuple[str, str]] = Memo()  # request → (campaign hash, scenario name)
    simulated: Memo[SimulateResponse] = Memo(SIMULATE_MEMO_SIZE)  # by campaign hash and name
    cpu = LoopLimiter(CPU_THREADS)  # simulations (compute has its own)
    simulating: dict[tuple[object, str], asyncio.Future[SimulateResponse]] = {}  # event loop

    async def computed(func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` in one of the :data:`CPU_THREADS` threads, waiting on the loop."""
        return await anyio.to_thread.run_sync(func, *args, limiter=cpu())

    @app.exception_handler(TooLargeError)
    async def _too_large(request: Request, exc: TooLargeError) -> JSONResponse:
        return JSONResponse({"detail": exc.one_line()}, status_code=413)

    @app.exception_handler(DetenteError)
    async def _bad_input(request: Request, exc: DetenteError) -> JSONResponse:
        return JSONResponse({"detail": exc.one_line()}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _one_line(exc)}, status_code=422)

    app.add_middleware(SecurityHeaders)  # outermost: on the 413s and 400s too

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
    async def forecast(request: ForecastRequest) -> Response:
        """Every model's forecast of a scenario after the what-if overrides."""
        check_text_size(request)
        body = request.model_dump_json().encode()
        key = content_key(body)
        answer = forecasts.get(key)
        if answer is None:
            answer = forecasts.put(key, await compute.run(forecast_job, body))
        return Response(answer, media_type="application/json")

    @app.post("/api/simulate", response_model=SimulateResponse, responses=ERRORS, tags=["campaign"])
    async def simulate(request: ForecastRequest) -> SimulateResponse:
        """The scenario's war-termination campaign after the what-if overrides: solved
        (cached per campaign), 1,000 paths with seed 0: the fan chart, P(deal by date) and
        the headline numbers. 422 for a scenario without a campaign."""
        check_text_size(request)
        body = request.model_dump_json().encode()
        request_key = content_key(body)
        known = campaign_keys.get(request_key)
        if known is None:
            known = campaign_keys.put(request_key, await compute.run(campaign_job, body))
        answer = _simulated(known)
        if answer is not None:
            return answer
        # one simulation per campaign however many requests wait for it (a burst of
        # requests for a new campaign each simulated it: ~0.2 s of CPU apiece)
        loop = asyncio.get_running_loop()
        pending = (loop, content_key(*known))
        running = simulating.get(pending)
        if running is not None:
            answer = await asyncio.shield(running)
            return answer.model_copy(update={"cached": True})
        task = asyncio.ensure_future(_simulate(request, known))
        simulating[pending] = task
        task.add_done_callback(lambda _: simulating.pop(pending, None))
        return await asyncio.shield(task)

    async def _simulate(request: ForecastRequest, known: tuple[str, str]) -> SimulateResponse:
        """Solve (in a solver process) and simulate a campaign whose answer is not kept."""
        sc, campaign, key = await computed(_campaign_of_request, request)
        solution, cached, _ = await solutions.aget_keyed(campaign, key)
        fresh: SimulateResponse = await computed(simulate_response, sc, solution, cached)
        return simulated.put(content_key(*known), fresh)

    def _simulated(known: tuple[str, str]) -> SimulateResponse | None:
        """The kept answer for (campaign hash, scenario name), while its solve is kept
        too (for the report and the lever ranking)."""
        answer = simulated.get(content_key(*known))
        if answer is None or not solutions.solver.holds(known[0]):
            return None
        return answer.model_copy(update={"cached": True})

    @app.post("/api/advise", response_model=AdviseResponse, responses=ERRORS, tags=["levers"])
    async def advise(request: AdviseRequest) -> Response:
        """The lever ranking (``detente advise``): the actor's options for reaching the goal,
        cheapest first, with cost, predicted metric and P(reach). Seed 0, at most 200 draws
        (issue goals) or paths (war-model goals, at most 8 evaluations). 422 with one line
        for a bad actor, goal, model or budget."""
        body = request.model_dump_json().encode()
        key = content_key(body)
        answer = rankings.get(key)
        if answer is None:
            fresh = await compute.run(advise_job, body)
            if fresh is None:  # a war-model goal: solves, in the solver's processes
                ranking = await run_in_threadpool(_advise, request)
                fresh = ranking.model_dump_json().encode()
            answer = rankings.put(key, fresh)
        return Response(answer, media_type="application/json")

    @app.post("/api/upload", response_model=ForecastResponse, responses=ERRORS, tags=["forecast"])
    async def upload(
        file: Annotated[UploadFile, File(description="A .yaml/.yml or .csv scenario, ≤ 1 MB.")],
    ) -> Response:
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
        key = content_key(fmt, label, raw)
        answer = uploads.get(key)
        if answer is None:
            answer = uploads.put(key, await compute.run(upload_job, raw, label, fmt))
        return Response(answer, media_type="application/json")

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
