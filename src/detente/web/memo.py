"""Answers kept by the content of their request, and the pool that computes new ones.

The web app's answers are functions of the request: forecasts and lever rankings have no
randomness or a fixed seed, a simulation has a fixed seed and path count, and an upload's
answer is its bytes' forecast. :class:`Memo` keeps the last few of each kind, keyed by a
SHA-256 of the request's canonical JSON (or the uploaded bytes), so that the page's repeated
requests (the same what-if, the same file, the same campaign slider value) cost a lookup.
:data:`CPU_THREADS` is how many requests compute at once (DECISIONS WEB-11).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

import anyio
from pydantic import BaseModel

__all__ = ["CPU_THREADS", "MEMO_SIZE", "Memo", "content_key"]

V = TypeVar("V")

MEMO_SIZE = 128
"""Answers kept per kind (a forecast answer is ~30 kB, a simulation ~15 kB)."""

MEMO_BYTES = 32_000_000
"""At most this many bytes of JSON answers kept per kind (an upload's answer holds the
scenario's YAML: up to ~1 MB for the largest upload)."""

CPU_THREADS = 2
"""Worker threads that compute forecasts, uploads and simulations at once. The interpreter
runs one thread at a time, so more threads only share it: 40 of them (the thread pool's
default) made each answer wait for all the others, and every quick answer on the event loop
wait for the lock behind them (issue 19, DECISIONS WEB-11)."""


def content_key(*parts: BaseModel | bytes | str) -> str:
    """SHA-256 of ``parts`` (models as their JSON, text as UTF-8), separated unambiguously."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, BaseModel):
            data = part.model_dump_json().encode()
        elif isinstance(part, str):
            data = part.encode("utf-8", errors="surrogatepass")
        else:
            data = part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


class Memo(Generic[V]):
    """The last ``size`` values by key (least recently used dropped first), values that are
    ``bytes`` at most ``max_bytes`` in all. Thread-safe."""

    def __init__(self, size: int = MEMO_SIZE, max_bytes: int = MEMO_BYTES) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, V] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        """The value kept under ``key``, or ``None``."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: V) -> V:
        """Keep ``value`` under ``key`` and return it."""
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes += _size(value) - _size(old)
            self._items[key] = value
            while len(self._items) > self.size or (
                self._bytes > self.max_bytes and len(self._items) > 1
            ):
                self._bytes -= _size(self._items.popitem(last=False)[1])
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def _size(value: object) -> int:
    return len(value) if isinstance(value, bytes) else 0


class LoopLimiter:
    """At most ``tokens`` threads at once, with an anyio capacity limiter per event loop:
    a limiter belongs to the loop that first waits on it, and a waiter on another loop is
    never woken (the test client runs a loop per client; DECISIONS WEB-11). Call it from
    the event loop for that loop's limiter."""

    def __init__(self, tokens: int) -> None:
        self.tokens = tokens
        self._by_loop: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter]
        self._by_loop = WeakKeyDictionary()

    def __call__(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()
        limiter = self._by_loop.get(loop)
        if limiter is None:
            limiter = self._by_loop[loop] = anyio.CapacityLimiter(self.tokens)
        return limiter
