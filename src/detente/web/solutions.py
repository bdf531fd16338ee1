"""The war model's solved policies for the web app: :class:`SolutionCache` keeps the last
few campaigns' solutions, solves each campaign once however many requests ask for it, and
solves at most :data:`SOLVE_CONCURRENCY` campaigns at once. Self-contained: its public
surface is ``SolutionCache(size, concurrent)``, :meth:`~SolutionCache.get` (from a worker
thread) and :meth:`~SolutionCache.aget` (from the event loop), each returning
``(solution, cached)``."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread

from detente.spec.campaign import Campaign
from detente.war.solver import Solution

SOLUTION_CACHE_SIZE = 16
SOLVE_CONCURRENCY = 2
"""Campaigns solved at once by the web app (each solve is CPU-bound and holds tens of MB)."""


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
