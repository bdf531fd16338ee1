"""The war model's solved policies, from the event loop.

:class:`SolutionCache` is the web app's asynchronous front to the war model's memoising
solver (:class:`detente.war.model.MemoSolver`; the app uses the process's
:data:`~detente.war.model.SOLVER`, which the report and lever search share): it solves each
campaign once however many requests ask for it, at most ``concurrent`` at once, and lets
waiting requests wait on the event loop rather than in a worker thread. Its public surface
is ``SolutionCache(size, concurrent, solver=None)``, :meth:`~SolutionCache.get` (from a
worker thread) and :meth:`~SolutionCache.aget` (from the event loop), each returning
``(solution, cached)``.
"""

from __future__ import annotations

import asyncio
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread

from detente.spec.campaign import Campaign, campaign_hash
from detente.war.model import MEMO_SIZE, SOLVE_CONCURRENCY, MemoSolver
from detente.war.solver import Solution

SOLUTION_CACHE_SIZE = MEMO_SIZE

__all__ = ["SOLUTION_CACHE_SIZE", "SOLVE_CONCURRENCY", "SolutionCache"]


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

    async def aget(self, campaign: Campaign) -> tuple[Solution, bool]:
        """:meth:`get` from the event loop: one worker thread per campaign being solved
        (at most ``concurrent``); other requests for it on the same event loop await the
        same result (on another loop, :meth:`get` makes them wait for the same solve)."""
        solution = self.solver.cached(campaign)
        if solution is not None:
            return solution, True
        loop = asyncio.get_running_loop()
        pending = (loop, campaign_hash(campaign))
        future = self._pending.get(pending)
        if future is not None:
            return (await asyncio.shield(future))[0], True
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self.solver.concurrent)
        future = asyncio.ensure_future(
            anyio.to_thread.run_sync(self.get, campaign, limiter=limiter)
        )
        self._pending[pending] = future
        future.add_done_callback(lambda _: self._pending.pop(pending, None))
        return await asyncio.shield(future)
