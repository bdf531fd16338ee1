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
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread

from detente.spec.campaign import Campaign, campaign_hash
from detente.war.model import MEMO_SIZE, SOLVE_CONCURRENCY, MemoSolver, solve_campaign
from detente.war.solver import Solution

SOLUTION_CACHE_SIZE = MEMO_SIZE

__all__ = ["SOLUTION_CACHE_SIZE", "SOLVE_CONCURRENCY", "SolutionCache", "SolverProcesses"]


def _start_worker() -> None:
    """Worker initializer: one BLAS thread (DECISIONS UNC-12) and the war model imported
    before the first request needs it."""
    from detente.uncertainty.backends import _limit_threads

    _limit_threads()


def _solve_in_worker(campaign: Campaign) -> tuple[Solution, int]:
    """:func:`~detente.war.model.solve_campaign` in a worker, with the worker's pid."""
    return solve_campaign(campaign), os.getpid()


class SolverProcesses:
    """``workers`` worker processes that do ``solver``'s solves while started.

    :meth:`start` makes them ``solver.runner``, so every solve of the memoising solver (the
    web app's simulate, report and lever ranking alike) runs in a worker and the calling
    thread only waits; :meth:`close` restores the in-process solve. The workers are
    forkserver processes (they never inherit the server's threads or sockets, DECISIONS
    UNC-12) started, and the war model imported, before the first request. The solution
    comes back pickled (~80 MB for ukraine-2024, ~0.2 s) and is the in-process solve's:
    the solver is deterministic. ``pids`` records the processes that solved something.
    """

    def __init__(self, solver: MemoSolver, workers: int = SOLVE_CONCURRENCY) -> None:
        self.solver = solver
        self.workers = workers
        self.pids: set[int] = set()
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the workers and route the solver's solves to them (not with
        ``DETENTE_SOLVER_PROCESSES=0`` in the environment: solves then stay in the request's
        thread, as before issue 19; for comparisons and platforms without forkserver)."""
        if os.environ.get("DETENTE_SOLVER_PROCESSES", "").strip() == "0":
            return
        self._pool = self._new_pool()
        self.solver.runner = self.solve

    def solve(self, campaign: Campaign) -> Solution:
        """Solve ``campaign`` in a worker; the calling thread waits without the GIL. If the
        pool is broken (a worker killed), this solve runs in the calling thread and the
        next ones in a new pool."""
        pool = self._pool
        if pool is None:
            return solve_campaign(campaign)
        try:
            solution, pid = pool.submit(_solve_in_worker, campaign).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = self._new_pool()
            pool.shutdown(wait=False, cancel_futures=True)
            return solve_campaign(campaign)
        with self._lock:
            self.pids.add(pid)
        return solution

    def _new_pool(self) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["detente.war.model"])  # if the forkserver is not up yet
        pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_start_worker)
        for _ in range(self.workers):  # workers start on submit: now, not on the first solve
            pool.submit(os.getpid)
        return pool

    def close(self) -> None:
        """Route solves back to the calling thread and stop the workers."""
        if self.solver.runner == self.solve:
            self.solver.runner = None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


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
        # per event loop: an anyio limiter (like an asyncio future) belongs to one loop, and
        # a waiter on another loop is never woken (TestClient runs a loop per request)
        self._limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter]
        self._limiters = WeakKeyDictionary()
        self._pending: dict[tuple[object, str], asyncio.Future[tuple[Solution, bool]]] = {}

    def get(self, campaign: Campaign) -> tuple[Solution, bool]:
        """The campaign's solution, and whether it was cached (or solved meanwhile by a
        concurrent request this one waited for)."""
        return self.solver.solve(campaign)

    def _lookup(self, campaign: Campaign) -> tuple[str, Solution | None]:
        key = campaign_hash(campaign)
        return key, self.solver.cached(campaign, key)

    async def aget(self, campaign: Campaign) -> tuple[Solution, bool]:
        """:meth:`aget_keyed` without the key."""
        solution, cached, _ = await self.aget_keyed(campaign)
        return solution, cached

    async def aget_keyed(self, campaign: Campaign) -> tuple[Solution, bool, str]:
        """:meth:`get` from the event loop, and the campaign's hash: one worker thread per
        campaign being solved (at most ``concurrent``); other requests for it on the same
        event loop await the same result (on another loop, :meth:`get` makes them wait for
        the same solve). The campaign is hashed in a worker thread (~0.1 s of CPU for
        ukraine-2024, which on the event loop held up every other request)."""
        key, solution = await anyio.to_thread.run_sync(self._lookup, campaign)
        if solution is not None:
            return solution, True, key
        loop = asyncio.get_running_loop()
        pending = (loop, key)
        future = self._pending.get(pending)
        if future is not None:
            return (await asyncio.shield(future))[0], True, key
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self.solver.concurrent)
        future = asyncio.ensure_future(
            anyio.to_thread.run_sync(self.solver.solve, campaign, key, limiter=limiter)
        )
        self._pending[pending] = future
        future.add_done_callback(lambda _: self._pending.pop(pending, None))
        return (*await asyncio.shield(future), key)
