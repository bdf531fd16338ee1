"""The web app's forecasts, uploads and campaign look-ups in worker processes.

A forecast of ukraine-2024 after a what-if is ~40 ms of CPU (validating the changed
scenario ~20 ms, the four models and the page's view of the scenario ~15 ms), an upload of
it ~0.1 s: in the server's threads they held the interpreter's lock, so the server used one
core of two and every other request waited for them (issue 19). :class:`ComputeProcesses`
runs them in :data:`COMPUTE_WORKERS` forkserver processes of the app's own (not the solver's:
a forecast never waits behind a solve), which answer with the response's JSON. Errors come
back as the :class:`~detente.errors.DetenteError` they raised (exceptions pickle), so the
app's handlers give the same one-line 4xx. Outside the app's lifespan, or with
``DETENTE_SOLVER_PROCESSES=0``, the jobs run in the server's threads, at most
:data:`~detente.web.memo.CPU_THREADS` at once (DECISIONS WEB-11).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from detente.errors import DetenteError
from detente.web.memo import CPU_THREADS, LoopLimiter
from detente.web.solutions import WorkerProcesses

__all__ = [
    "COMPUTE_WORKERS",
    "ComputeProcesses",
    "advise_job",
    "campaign_job",
    "forecast_job",
    "upload_job",
]

T = TypeVar("T")

COMPUTE_WORKERS = 2
"""Worker processes for forecasts, uploads and campaign look-ups: one per core of the
2-core machine the load test runs on (the server's own interpreter then mostly waits)."""


def forecast_job(body: bytes) -> bytes:
    """``POST /api/forecast``: the JSON of the answer to the request whose JSON is ``body``."""
    from detente.web.convert import forecast_response
    from detente.web.loading import scenario_of_request
    from detente.web.schemas import ForecastRequest

    request = ForecastRequest.model_validate_json(body)
    answer = forecast_response(scenario_of_request(request), request.overrides)
    return answer.model_dump_json().encode()


def upload_job(raw: bytes, label: str, fmt: str) -> bytes:
    """``POST /api/upload``: the JSON of the answer to an uploaded file's bytes."""
    from detente.web.convert import upload_response

    return upload_response(raw, label=label, fmt=fmt).model_dump_json().encode()


def advise_job(body: bytes) -> bytes | None:
    """``POST /api/advise``: the JSON of the answer, or ``None`` for a war-model goal, whose
    evaluations are policy solves: those run from the server, whose solves go to the
    solver's processes and stay in its memo (DECISIONS WEB-3)."""
    from detente.levers.goals import parse_goal
    from detente.web.convert import advise_response
    from detente.web.loading import scenario_of_request
    from detente.web.schemas import AdviseRequest

    request = AdviseRequest.model_validate_json(body)
    sc = scenario_of_request(request)
    try:
        war_goal = parse_goal(request.goal, sc, request.actor).kind == "campaign"
    except (DetenteError, StopIteration):
        war_goal = False  # advise gives the error, with its own checks first
    if war_goal:
        return None
    return advise_response(sc, request).model_dump_json().encode()


def campaign_job(body: bytes) -> tuple[str, str]:
    """``POST /api/simulate`` before its solve: the request's campaign's
    :func:`~detente.spec.campaign.campaign_hash` and the scenario's name (422 for a bad
    what-if or a scenario without a campaign)."""
    from detente.spec.campaign import campaign_hash
    from detente.web.convert import campaign_of
    from detente.web.loading import scenario_of_request
    from detente.web.schemas import ForecastRequest

    sc = scenario_of_request(ForecastRequest.model_validate_json(body))
    return campaign_hash(campaign_of(sc)), sc.name


def _prepare_worker() -> None:
    """Run once in each worker: the models imported and the built-in scenarios read before
    the first request needs them."""
    from detente.registry import outcome_models
    from detente.scenario import builtin_names
    from detente.web import convert  # noqa: F401
    from detente.web.loading import builtin_scenario

    outcome_models()
    for name in builtin_names():
        builtin_scenario(name)


class ComputeProcesses(WorkerProcesses):
    """``workers`` worker processes for the app's CPU-bound jobs while started.

    :meth:`run` sends a job (a module-level function of this module and its picklable
    arguments) to a worker and awaits it on the event loop; before :meth:`start`, after
    :meth:`close`, or with ``DETENTE_SOLVER_PROCESSES=0``, it runs the job in a thread of
    the server, at most :data:`CPU_THREADS` at once.
    """

    def __init__(self, workers: int = COMPUTE_WORKERS) -> None:
        super().__init__(workers, _prepare_worker)
        self._threads = LoopLimiter(CPU_THREADS)

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        """``job(*args)`` in a worker process, or in a thread when none runs."""
        pool = self._pool
        if pool is None:
            return await anyio.to_thread.run_sync(job, *args, limiter=self._threads())
        try:
            result, pid = await asyncio.wrap_future(pool.submit(_with_pid, job, *args))
        except BrokenProcessPool:
            self._replace(pool)
            return await anyio.to_thread.run_sync(job, *args, limiter=self._threads())
        self._worked(pid)
        return result


def _with_pid(job: Callable[..., T], *args: Any) -> tuple[T, int]:
    return job(*args), os.getpid()
