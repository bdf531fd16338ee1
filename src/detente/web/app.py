"""The web app: pick or upload a scenario, see every model's forecast and plots, move
what-if sliders, download the report.

:func:`create_app` builds the FastAPI application; ``detente serve`` runs it with uvicorn on
127.0.0.1. The page is static (``static/``) and talks to the JSON API, whose OpenAPI schema
is at ``/openapi.json`` (interactive docs at ``/docs`` need a CDN and are off). Plotly.js is
served from the installed ``plotly`` package; nothing is loaded from the network.

Safety rules: request bodies over :data:`MAX_BODY_BYTES` get 413 before they are read;
uploaded scenarios are parsed in memory with detente's own parsers (YAML only through
``yaml.safe_load``); nothing from a request names a file on the server; a bad scenario gets
4xx with the CLI's one-line message as ``{"detail": ...}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
from fastapi import FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from detente import __version__
from detente.errors import DetenteError
from detente.models import MODELS, Forecast
from detente.scenario import Scenario, builtin_names, to_yaml
from detente.scenario.overrides import apply_overrides
from detente.spec.campaign import Campaign
from detente.war.solver import Solution
from detente.web.loading import (
    TooLargeError,
    builtin_scenario,
    format_of,
    safe_label,
    scenario_from_ref,
)
from detente.web.loading import scenario_from_text as _from_text
from detente.web.schemas import (
    ADVISE_MAX_DRAWS,
    ADVISE_MAX_OPTIONS,
    MAX_UPLOAD_BYTES,
    ActorOut,
    AdviseRequest,
    AdviseResponse,
    CampaignSlider,
    CampaignWeek,
    DealBy,
    ErrorBody,
    ForecastRequest,
    ForecastResponse,
    Health,
    IssueForecastOut,
    IssueOut,
    ModelForecastOut,
    Override,
    ScenarioListing,
    ScenarioOut,
    SimulateResponse,
    StanceOut,
    TrajectoryOut,
)

SIMULATE_PATHS = 1000
SIMULATE_SEED = 0
"""Paths and seed of ``POST /api/simulate``: enough for P(deal) to within about ±1.5
points, fast enough for a slider (the solve, cached per campaign, dominates)."""
ADVISE_SEED = 0
ADVISE_MAX_EVALS = 8
"""Seed and cap on war-model evaluations (each a solve, a few seconds) of ``POST /api/advise``:
the page's ranking stays interactive; ``detente advise`` does the full search."""
SOLUTION_CACHE_SIZE = 16
SOLVE_CONCURRENCY = 2
"""Campaigns solved at once by the web app (each solve is CPU-bound and holds tens of MB)."""
WEB_REPORT_OPTIONS = {"draws": 200, "sobol_n": 16, "paths": SIMULATE_PATHS}
"""The downloaded report's sampling: lighter than ``detente report`` so that it comes back in
a few seconds (the campaign's solved policy comes from the app's cache; DECISIONS WEB-2)."""

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

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STATIC = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class BodySizeLimit:
    """ASGI middleware: 413 for a body over ``limit`` bytes, before the app reads it.

    A declared ``Content-Length`` over the limit is refused at once; a body without one is
    counted as it arrives and refused as soon as it passes the limit. The answer keeps the
    connection open (no ``Connection: close``): uvicorn then reads and discards the rest of
    the body, so that a client still sending it gets the 413 instead of a connection reset
    (closing a socket with unread data makes the kernel send RST, which destroys the answer).
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next(
            (v for k, v in scope.get("headers", []) if k.lower() == b"content-length"), None
        )
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                too_big = False
            if too_big:
                await self._refuse(send)
                return
        chunks: list[bytes] = []
        total = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.limit:
                await self._refuse(send)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        detail = (
            f"request body over the {self.limit:,}-byte limit; scenarios may have at most "
            f"{MAX_UPLOAD_BYTES:,} bytes"
        )
        response = JSONResponse({"detail": detail}, status_code=413)
        body = response.body
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def scenario_out(sc: Scenario) -> ScenarioOut:
    """The scenario as the page needs it, with each stance's share of the issue's weight."""
    arr = sc.arrays()
    weight = arr.capability * arr.salience
    totals = weight.sum(axis=0)
    actors = []
    for a, actor in enumerate(sc.actors):
        stances = {}
        for i, issue in enumerate(sc.issues):
            if issue.name not in actor.stances:
                continue
            share = float(weight[a, i] / totals[i]) if totals[i] > 0 else 0.0
            stances[issue.name] = StanceOut(
                position=float(arr.position[a, i]),
                salience=float(arr.salience[a, i]),
                capability=float(arr.capability[a, i]),
                weight_share=share,
            )
        actors.append(
            ActorOut(
                name=actor.name,
                description=actor.description,
                capability=actor.capability.value,
                stances=stances,
            )
        )
    from detente.report.core_sections import source_notes

    return ScenarioOut(
        name=sc.name,
        title=sc.title,
        description=sc.description,
        as_of=None if sc.as_of is None else sc.as_of.isoformat(),
        veto_players=list(sc.veto_players),
        issues=[
            IssueOut(
                name=i.name,
                description=i.description,
                low_label=i.low_label,
                high_label=i.high_label,
                scale=i.scale,
                status_quo=None if i.status_quo is None else i.status_quo.value,
            )
            for i in sc.issues
        ],
        actors=actors,
        notes=len(source_notes(sc)),
        lever_actors=sorted({lv.actor for lv in sc.levers}),
    )


def forecast_out(f: Forecast) -> ModelForecastOut:
    model = MODELS[f.model]
    issues = []
    for issue in f.issues:
        trajectory = None
        if issue.trajectory is not None:
            trajectory = TrajectoryOut(
                rounds=int(issue.trajectory.shape[0] - 1),
                outcome=None
                if issue.outcome_path is None
                else [_finite(float(x)) for x in issue.outcome_path],
                positions={
                    actor: [_finite(float(x)) for x in issue.trajectory[:, k]]
                    for k, actor in enumerate(issue.actors)
                },
            )
        issues.append(
            IssueForecastOut(
                issue=issue.issue, outcome=_finite(issue.outcome), trajectory=trajectory
            )
        )
    params = {
        k: (v if not isinstance(v, float) or math.isfinite(v) else None)
        for k, v in f.params.items()
    }
    return ModelForecastOut(
        model=f.model, label=model.label, reference=model.reference, params=params, issues=issues
    )


def forecast_response(
    sc: Scenario, overrides: Sequence[Override], scenario_yaml: str | None = None
) -> ForecastResponse:
    """Every model's forecast of ``sc`` (overrides already applied)."""
    forecasts = [model().predict(sc) for model in MODELS.values()]
    return ForecastResponse(
        scenario=scenario_out(sc),
        forecasts=[forecast_out(f) for f in forecasts],
        overrides=list(overrides),
        scenario_yaml=scenario_yaml,
    )


def upload_response(raw: bytes, *, label: str, fmt: str) -> ForecastResponse:
    """The forecasts of an uploaded file's bytes, and the scenario as YAML."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DetenteError(
            "is not UTF-8 text; save the file as UTF-8", source=label, where=f"line {line}"
        ) from None
    sc = _from_text(text, fmt=fmt, label=label)
    return forecast_response(sc, [], scenario_yaml=to_yaml(sc))


def _resolve(request: ForecastRequest) -> Scenario:
    sc = scenario_from_ref(request.scenario)
    return apply_overrides(sc, [(o.path, o.value) for o in request.overrides])


class SolutionCache:
    """The solved policies of the last ``size`` campaigns, keyed by the hash of the
    campaign's canonical JSON (scenario + overrides that reach the campaign). Thread-safe.

    A solved policy of ukraine-2024 holds about 37 MB and takes seconds of CPU under load, so
    a burst of requests for a new slider value must not mean a solve each (found by
    benchmarks/load_web.py): requests for a campaign being solved wait for that solve, and
    at most ``concurrent`` campaigns are solved at once. :meth:`aget` does the waiting on
    the event loop, so that waiting requests hold no worker thread."""

    def __init__(
        self, size: int = SOLUTION_CACHE_SIZE, concurrent: int = SOLVE_CONCURRENCY
    ) -> None:
        self.size = size
        self._items: OrderedDict[str, Solution] = OrderedDict()
        self._lock = threading.Lock()
        self._solving: dict[str, threading.Lock] = {}
        self._slots = threading.BoundedSemaphore(concurrent)
        self.concurrent = concurrent
        # per event loop: an anyio limiter (like an asyncio future) belongs to one loop, and
        # a waiter on another loop is never woken (TestClient runs a loop per request)
        self._limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter]
        self._limiters = WeakKeyDictionary()
        self._pending: dict[tuple[object, str], asyncio.Future[tuple[Solution, bool]]] = {}

    @staticmethod
    def key(campaign: Campaign) -> str:
        """The cache key: the SHA-256 of the campaign's canonical JSON."""
        return hashlib.sha256(campaign.model_dump_json().encode()).hexdigest()

    def _cached(self, key: str) -> Solution | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def get(self, campaign: Campaign) -> tuple[Solution, bool]:
        """The campaign's solution, and whether it was cached (or solved meanwhile by a
        concurrent request this one waited for)."""
        from detente.war.solver import solve

        key = self.key(campaign)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key], True
            pending = self._solving.setdefault(key, threading.Lock())
        with pending:
            solution = self._cached(key)
            if solution is not None:
                return solution, True
            try:
                with self._slots:
                    solution = solve(campaign.arrays())
                with self._lock:
                    self._items[key] = solution
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
            finally:
                with self._lock:
                    if self._solving.get(key) is pending:
                        del self._solving[key]
        return solution, False

    async def aget(self, campaign: Campaign) -> tuple[Solution, bool]:
        """:meth:`get` from the event loop: one worker thread per campaign being solved
        (at most ``concurrent``); other requests for it on the same event loop await the
        same result (on another loop, :meth:`get` makes them wait for the same solve)."""
        key = self.key(campaign)
        solution = self._cached(key)
        if solution is not None:
            return solution, True
        loop = asyncio.get_running_loop()
        pending = (loop, key)
        future = self._pending.get(pending)
        if future is not None:
            return (await asyncio.shield(future))[0], True
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self.concurrent)
        future = asyncio.ensure_future(
            anyio.to_thread.run_sync(self.get, campaign, limiter=limiter)
        )
        self._pending[pending] = future
        future.add_done_callback(lambda _: self._pending.pop(pending, None))
        return await asyncio.shield(future)


def campaign_sliders(campaign: Campaign) -> list[CampaignSlider]:
    """The campaign what-ifs the page offers: each mediator type's riposte and offer
    probabilities after the deadline (DECISIONS WEB-1)."""
    out = []
    after = campaign.regime_change.isoformat()
    for name, mtype in campaign.mediator.types.items():
        for field, label in (("riposte_probability", "riposte probability"),
                             ("offer_probability", "offer probability (weekly)")):  # fmt: skip
            out.append(
                CampaignSlider(
                    path=f"campaign.mediator.types.{name}.after.{field}",
                    label=f"{name}: {label} from {after}",
                    value=getattr(mtype.after, field).value,
                    min=0.0,
                    max=1.0,
                    step=0.05,
                )
            )
    return out


def campaign_of(sc: Scenario) -> Campaign:
    """The scenario's campaign; 422 without one."""
    if sc.campaign is None:
        raise DetenteError(
            "has no campaign; add a 'campaign:' section (see docs/war_model.md)", source=sc.name
        )
    return sc.campaign


def simulate_response(sc: Scenario, solution: Solution, cached: bool) -> SimulateResponse:
    """The campaign of ``sc`` simulated with its solved policy ``solution``."""
    from detente.report.analysis_sections import campaign_document
    from detente.war.report import headline

    campaign = campaign_of(sc)
    doc = campaign_document(campaign, scenario=sc.name, paths=SIMULATE_PATHS,
                            seed=SIMULATE_SEED, solution=solution)  # fmt: skip
    return SimulateResponse(
        scenario=sc.name,
        paths=SIMULATE_PATHS,
        seed=SIMULATE_SEED,
        settlement=doc["settlement"],
        start=doc["start"],
        deadline=doc["deadline"],
        negotiation_opens=doc["negotiation_opens"],
        solver_seconds=solution.seconds,
        cached=cached,
        weeks=[CampaignWeek(date=w["date"], **w["territory_km2"]) for w in doc["weeks"]],
        p_deal_by=[DealBy(**row) for row in doc["p_deal_by"]],
        headline=headline(doc),
        sliders=campaign_sliders(campaign),
    )


def _json_safe(x: Any) -> Any:
    """``x`` with every non-finite float replaced by ``None`` (JSON has no NaN or inf)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    return x


def advise_response(request: AdviseRequest) -> AdviseResponse:
    """``detente advise`` on the request's scenario (after its what-ifs): seed
    :data:`ADVISE_SEED`, at most :data:`ADVISE_MAX_DRAWS` draws or paths, one process and at
    most :data:`ADVISE_MAX_EVALS` war-model evaluations."""
    from detente.levers.search import advise

    sc = scenario_from_ref(request.scenario)
    sc = apply_overrides(sc, [(o.path, o.value) for o in request.overrides])
    result = advise(
        sc,
        request.actor,
        request.goal,
        model=request.model,
        budget=request.budget,
        draws=min(request.draws, ADVISE_MAX_DRAWS),
        seed=ADVISE_SEED,
        workers=1,
        max_evals=ADVISE_MAX_EVALS,
    )
    doc = _json_safe(result.to_dict())
    doc["options_total"] = len(doc["options"])
    doc["options"] = doc["options"][:ADVISE_MAX_OPTIONS]
    return AdviseResponse.model_validate(doc)


@lru_cache(maxsize=1)
def plotly_js_path() -> Path:
    """``plotly.min.js`` inside the installed plotly package."""
    try:
        root = resources.files("plotly")
    except ModuleNotFoundError:  # pragma: no cover - depends on the environment
        raise DetenteError(
            "the web app needs plotly; install it with `pip install 'detente[web]'`",
            where="serve",
        ) from None
    path = Path(str(root.joinpath("package_data", "plotly.min.js")))
    if not path.is_file():  # pragma: no cover - depends on the plotly wheel
        raise DetenteError(f"plotly.min.js not found at {path}; reinstall plotly", where="serve")
    return path


@lru_cache(maxsize=1)
def plotly_js_bytes() -> bytes:
    """``plotly.min.js`` (3.5 MB), read once. Served from memory on the event loop: a file
    response reads 64 KB chunks through worker threads, and under load each chunk waited for
    a free one (20 s for the page's script, found by benchmarks/load_web.py)."""
    return plotly_js_path().read_bytes()


@cache
def _static(name: str) -> bytes:
    return resources.files("detente.web").joinpath("static").joinpath(name).read_bytes()


def _one_line(exc: RequestValidationError) -> str:
    """FastAPI's validation errors as one line: the first problem, its place and count."""
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


def create_app(*, trusted_hosts: Sequence[str] | None = None) -> FastAPI:
    """The FastAPI application.

    Parameters
    ----------
    trusted_hosts:
        If given, requests whose ``Host`` header is not in the list get 400 (against DNS
        rebinding when serving on loopback). ``detente serve`` passes the loopback names
        when bound to a loopback address.
    """
    app = FastAPI(
        title="detente",
        version=__version__,
        description="Forecasts of coercive negotiations: scenarios, outcome models, what-ifs.",
        docs_url=None,
        redoc_url=None,
    )
    if trusted_hosts is not None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(trusted_hosts))
    app.add_middleware(BodySizeLimit, limit=MAX_BODY_BYTES)
    solutions = SolutionCache()

    @app.exception_handler(TooLargeError)
    async def _too_large(request: Request, exc: TooLargeError) -> JSONResponse:
        return JSONResponse({"detail": exc.one_line()}, status_code=413)

    @app.exception_handler(DetenteError)
    async def _bad_input(request: Request, exc: DetenteError) -> JSONResponse:
        return JSONResponse({"detail": exc.one_line()}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _one_line(exc)}, status_code=422)

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # The page, its assets, the health check and the list of built-ins are answered on the
    # event loop (async, from memory): they must not queue behind forecasts for a worker
    # thread when the app is busy.
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(_static("index.html").decode("utf-8"))

    @app.get("/static/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> Response:
        return Response(
            plotly_js_bytes(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "max-age=86400"},
        )

    for name, media_type in STATIC.items():

        async def serve_static(name: str = name, media_type: str = media_type) -> Response:
            return Response(_static(name), media_type=media_type)

        app.add_api_route(f"/static/{name}", serve_static, methods=["GET"], include_in_schema=False)

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
        return forecast_response(_resolve(request), request.overrides)

    @app.post("/api/simulate", response_model=SimulateResponse, responses=ERRORS, tags=["campaign"])
    async def simulate(request: ForecastRequest) -> SimulateResponse:
        """The scenario's war-termination campaign after the what-if overrides: solved
        (cached per campaign), 1,000 paths with seed 0: the fan chart, P(deal by date) and
        the headline numbers. 422 for a scenario without a campaign."""
        sc = await run_in_threadpool(_resolve, request)
        solution, cached = await solutions.aget(campaign_of(sc))
        return await run_in_threadpool(simulate_response, sc, solution, cached)

    @app.post("/api/advise", response_model=AdviseResponse, responses=ERRORS, tags=["levers"])
    def advise(request: AdviseRequest) -> AdviseResponse:
        """The lever ranking (``detente advise``): the actor's options for reaching the goal,
        cheapest first, with cost, predicted metric and P(reach). Seed 0, at most 200 draws
        (issue goals) or paths (war-model goals, at most 8 evaluations). 422 with one line
        for a bad actor, goal, model or budget."""
        return advise_response(request)

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

        sc = _resolve(request)
        options: dict[str, object] = dict(WEB_REPORT_OPTIONS)
        if sc.campaign is not None:
            options["campaign_solution"] = solutions.get(sc.campaign)[0]
        text = build_report(sc, options=options)
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", sc.name).strip("-.") or "scenario"
        return Response(
            text,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{slug[:80]}-report.html"'},
        )

    return app
