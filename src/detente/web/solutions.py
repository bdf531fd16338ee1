"""The war model's solved policies, from the event loop.

:class:`SolutionCache` is the web app's asynchronous front to the war model's memoising
solver (:class:`detente.war.model.MemoSolver`; the app uses the process's
:data:`~detente.war.model.SOLVER`, which the report and lever search share): it solves each
campaign once however many requests ask for it, at most ``concurrent`` at once, and lets
waiting requests wait on the event loop rather than in a worker thread. Its public surface
is ``SolutionCache(size, concurrent, solver=None)``, :meth:`~SolutionCache.get` (from a
worker thread) and :meth:`~SolutionCache.aget` (from the event loop), each returning
``(solution, cached)``.

:class:`SolverProcesses` moves the solves themselves into worker processes while the app
runs (its lifespan starts and stops them): a solve is seconds of CPU, much of it in Python,
and in a request thread it held the interpreter's lock against every other request (a new
campaign's first simulate took 15-35 s under load, quick 4xx answers up to 3 s; issue 19,
DECISIONS WEB-3). The request's thread then only waits for the worker's answer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import anyio
import anyio.to_thread

from detente.spec.campaign import Campaign, campaign_hash
from detente.war.model import MEMO_SIZE, SOLVE_CONCURRENCY, MemoSolver, solve_campaign
from detente.war.solver import Solution
from detente.web.memo import LoopLimiter

SOLUTION_CACHE_SIZE = MEMO_SIZE

__all__ = [
    "SOLUTION_CACHE_SIZE",
    "SOLVE_CONCURRENCY",
    "SolutionCache",
    "SolverProcesses",
    "WorkerProcesses",
]


def _solve_in_worker(campaign: Campaign) -> tuple[Solution, int]:
    """:func:`~detente.war.model.solve_campaign` in a worker, with the worker's pid."""
    return solve_campaign(campaign), os.getpid()


class WorkerProcesses:
    """``workers`` forkserver processes of the web app's own
    (:func:`~detente.uncertainty.backends.worker_pool`: they never inherit the server's
    threads or sockets, DECISIONS UNC-12; the war model preloaded), started and each run
    through ``prepare`` before the first request, so that no request queues behind their
    imports. A killed worker costs its job a run in the calling thread and a new pool, not
    an error. ``pids`` records the processes that did a job. Not started with
    ``DETENTE_SOLVER_PROCESSES=0`` in the environment (for comparisons and platforms without
    forkserver): the jobs then run in the server.
    """

    def __init__(self, workers: int, prepare: Callable[[], object] | None = None) -> None:
        self.workers = workers
        self.prepare = prepare
        self.pids: set[int] = set()
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._warming: list[concurrent.futures.Future[int]] = []

    @property
    def running(self) -> bool:
        """Whether jobs go to worker processes."""
        return self._pool is not None

    def start(self) -> None:
        """Start the workers (not with ``DETENTE_SOLVER_PROCESSES=0``)."""
        if os.environ.get("DETENTE_SOLVER_PROCESSES", "").strip() != "0":
            self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        from detente.uncertainty.backends import worker_pool

        pool = worker_pool(self.workers, ["detente.war.model"], self.prepare)
        # workers start on submit: now, not on the first request
        self._warming = [pool.submit(os.getpid) for _ in range(self.workers)]
        return pool

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        """A new pool for ``pool``, broken by a killed worker."""
        with self._lock:
            if self._pool is pool:
                self._pool = self._new_pool()
        pool.shutdown(wait=False, cancel_futures=True)

    def _worked(self, pid: int) -> None:
        with self._lock:
            self.pids.add(pid)

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Wait (at most ``timeout`` s) until the workers have started and run their
        initializer."""
        concurrent.futures.wait(self._warming, timeout=timeout)

    def close(self) -> None:
        """Stop the workers; later jobs run in the server."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class SolverProcesses(WorkerProcesses):
    """``workers`` worker processes that do ``solver``'s solves while started.

    :meth:`start` makes them ``solver.runner``, so every solve of the memoising solver (the
    web app's simulate, report and lever ranking alike) runs in a worker and the calling
    thread only waits; :meth:`close` restores the in-process solve (as before issue 19).
    The solution comes back pickled (~80 MB for ukraine-2024, ~0.2 s) and is the in-process
    solve's: the solver is deterministic.
    """

    def __init__(self, solver: MemoSolver, workers: int = SOLVE_CONCURRENCY) -> None:
        super().__init__(workers)
        self.solver = solver

    def start(self) -> None:
        """Start the workers and route the solver's solves to them."""
        super().start()
        if self.running:
            self.solver.runner = self.solve

    def solve(self, campaign: Campaign) -> Solution:
        """Solve ``campaign`` in a worker; the calling thread waits without the GIL."""
        pool = self._pool
        if pool is None:
            return solve_campaign(campaign)
        try:
            solution, pid = pool.submit(_solve_in_worker, campaign).result()
        except BrokenProcessPool:
            self._replace(pool)
            return solve_campaign(campaign)
        self._worked(pid)
        return solution

    def close(self) -> None:
        """Route solves back to the calling thread and stop the workers."""
        if self.solver.runner == self.solve:
            self.solver.runner = None
        super().close()


class SolutionCache:
    """The solved policies of the last ``size`` campaigns (a :class:`MemoSolver` of its own,
    or ``solver``). :meth:`aget` does the waiting on the event loop, so that waiting requests
    hold no worker thread."""

    def __init__(
        self,
        size: int = SOLUTION_CACHE_SIZE,
        concurrent: int = SOLVE_CONCURRENCY,
        solver: MemoSolver | None = None,
    ) -> None:
        self.solver = solver if solver is not None else MemoSolver(size, concurrent)
        self._limiter = LoopLimiter(self.solver.concurrent)  # per event loop
        self._pending: dict[tuple[object, str], asyncio.Future[tuple[Solution, bool]]] = {}

    def get(self, campaign: Campaign) -> tuple[Solution, bool]:
        """The campaign's solution, and whether it was cached (or solved meanwhile by a
        concurrent request this one waited for)."""
        return self.solver.solve(campaign)

    def _lookup(self, campaign: Campaign, key: str | None) -> tuple[str, Solution | None]:
        key = key or campaign_hash(campaign)
        return key, self.solver.cached(campaign, key)

    async def aget(self, campaign: Campaign) -> tuple[Solution, bool]:
        """:meth:`aget_keyed` without the key."""
        solution, cached, _ = await self.aget_keyed(campaign)
        return solution, cached

    async def aget_keyed(
        self, campaign: Campaign, key: str | None = None
    ) -> tuple[Solution, bool, str]:
        """:meth:`get` from the event loop, and the campaign's hash: one worker thread per
        campaign being solved (at most ``concurrent``); other requests for it on the same
        event loop await the same result (on another loop, :meth:`get` makes them wait for
        the same solve). The campaign is hashed in a worker thread (~0.1 s of CPU for
        ukraine-2024, which on the event loop held up every other request), unless the
        caller gives its hash as ``key``."""
        if key is None:
            key, solution = await anyio.to_thread.run_sync(self._lookup, campaign, None)
        else:
            solution = self.solver.cached(campaign, key)
        assert key is not None
        if solution is not None:
            return solution, True, key
        loop = asyncio.get_running_loop()
        pending = (loop, key)
        future = self._pending.get(pending)
        if future is not None:
            return (await asyncio.shield(future))[0], True, key
        limiter = self._limiter()
        future = asyncio.ensure_future(
            anyio.to_thread.run_sync(self.solver.solve, campaign, key, limiter=limiter)
        )
        self._pending[pending] = future
        future.add_done_callback(lambda _: self._pending.pop(pending, None))
        return (*await asyncio.shield(future), key)
