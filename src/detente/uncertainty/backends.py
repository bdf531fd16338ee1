"""Where chunks of draws are computed: inline, a local process pool, or a Ray cluster.

A sweep is split into :class:`ChunkJob` s of a fixed size. Chunk ``k`` of a sweep with seed
``s`` draws its uniforms from ``numpy.random.default_rng(SeedSequence(s, spawn_key=(k,)))``
(the ``k``-th child of ``SeedSequence(s)``), so a chunk's draws depend only on the seed, the
chunk index and the chunk size: results are identical whatever backend computes them, in
whatever order, and a resumed sweep recomputes exactly the chunks it lacks.

Every backend runs the same function, :func:`run_chunk`, and yields results as chunks finish
(not in order), with at most ``2 × workers`` chunks in flight so that memory stays flat in the
number of draws. Ray is imported only when the Ray backend is used.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from detente.errors import DetenteError
from detente.spec.scenario import Scenario
from detente.uncertainty.allocator import keep_freed_memory
from detente.uncertainty.evaluators import Evaluator, Outputs
from detente.uncertainty.sampling import from_unit

if TYPE_CHECKING:  # concurrent.futures.process loads when a pool starts: a faster CLI start
    from concurrent.futures import ProcessPoolExecutor

BackendName = Literal["inline", "process", "ray"]
BACKENDS: tuple[str, ...] = ("inline", "process", "ray")


@dataclass(frozen=True)
class ChunkJob:
    """Chunk ``index`` of a run: ``size`` draws from ``seed``, or the given ``unit`` rows
    (uniforms in [0, 1), one column per uncertain number; used by Sobol' analysis)."""

    index: int
    size: int
    seed: int = 0
    unit: np.ndarray | None = None


@dataclass(frozen=True)
class ChunkResult:
    index: int
    outputs: Outputs
    compute_s: float


def chunk_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of chunk ``index`` of a run seeded ``seed`` (``seed`` >= 0; 0 is valid).

    DECISIONS UNC-4: results do not depend on backend or order, only on the chunk size."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def plan_chunks(n_draws: int, chunk_size: int, seed: int) -> list[ChunkJob]:
    """Fixed-size chunks covering ``n_draws`` draws (the last one may be smaller)."""
    if n_draws < 1:
        raise DetenteError(f"--draws is {n_draws}; give at least 1", where="--draws")
    if chunk_size < 1:
        raise DetenteError(f"--chunk-size is {chunk_size}; give at least 1", where="--chunk-size")
    if seed < 0:
        raise DetenteError(f"--seed is {seed}; give a seed >= 0", where="--seed")
    return [
        ChunkJob(k, min(chunk_size, n_draws - k * chunk_size), seed)
        for k in range((n_draws + chunk_size - 1) // chunk_size)
    ]


def run_chunk(scenario: Scenario, evaluator: Evaluator, job: ChunkJob) -> ChunkResult:
    """Draw chunk ``job`` of ``scenario`` and evaluate it. The one function every backend runs."""
    keep_freed_memory()
    start = time.perf_counter()
    numbers = evaluator.numbers
    if job.unit is not None:
        unit = job.unit
    else:
        unit = chunk_rng(job.seed, job.index).random((job.size, len(numbers)))
    outputs = evaluator(from_unit(scenario, unit, numbers))
    return ChunkResult(job.index, outputs, time.perf_counter() - start)


class Backend(Protocol):
    """Runs chunk jobs; yields results as they finish. A context manager."""

    name: str

    def run(
        self, scenario: Scenario, evaluator: Evaluator, jobs: Sequence[ChunkJob]
    ) -> Iterator[ChunkResult]: ...

    def __enter__(self) -> Backend: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class _Closing:
    name = "?"

    def __enter__(self) -> Backend:
        return self  # type: ignore[return-value]

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release workers (nothing for inline)."""


class InlineBackend(_Closing):
    """Chunks one after another in this process."""

    name = "inline"

    def run(
        self, scenario: Scenario, evaluator: Evaluator, jobs: Sequence[ChunkJob]
    ) -> Iterator[ChunkResult]:
        for job in jobs:
            yield run_chunk(scenario, evaluator, job)


def _windowed(
    submit: Callable[[ChunkJob], Any],
    wait_some: Callable[[set[Any]], tuple[list[Any], set[Any]]],
    result: Callable[[Any], ChunkResult],
    jobs: Sequence[ChunkJob],
    window: int,
) -> Iterator[ChunkResult]:
    """Keep at most ``window`` jobs in flight; yield results as they complete."""
    pending: set[Any] = set()
    queue = iter(jobs)
    exhausted = False
    while True:
        while not exhausted and len(pending) < window:
            job = next(queue, None)
            if job is None:
                exhausted = True
            else:
                pending.add(submit(job))
        if not pending:
            return
        done, pending = wait_some(pending)
        for handle in done:
            yield result(handle)


def _start_worker(prepare: Callable[[], object] | None = None) -> None:
    """Worker initializer: one BLAS/OpenMP thread per worker process (no oversubscription),
    freed memory kept for the next job's arrays
    (:func:`~detente.uncertainty.allocator.keep_freed_memory`), then ``prepare()``.

    The workers' numpy is loaded by the forkserver before this runs, so setting
    ``OPENBLAS_NUM_THREADS`` here would come too late; threadpoolctl changes the loaded
    libraries' thread counts."""
    threadpool_limits(1)
    keep_freed_memory()
    if prepare is not None:
        prepare()


def worker_pool(
    workers: int, preload: Sequence[str] = (), prepare: Callable[[], object] | None = None
) -> ProcessPoolExecutor:
    """The one kind of local process pool of detente, for sweeps, lever search and the
    report alike: forkserver workers (never inheriting the parent's open database or
    threads; DECISIONS UNC-12), with detente and ``preload`` loaded once by the forkserver
    (if this process has not started one already), one BLAS thread and freed memory kept
    for reuse in each.

    Parameters
    ----------
    workers:
        Worker processes (none is started before the first job).
    preload:
        Further modules for the forkserver to import, so that no worker imports them.
    prepare:
        A module-level function each worker runs once when it starts (e.g. reading what its
        first job needs).
    """
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["detente.uncertainty.backends", *preload])
    return ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_start_worker, initargs=(prepare,)
    )


class ProcessBackend(_Closing):
    """A local pool of worker processes (``concurrent.futures``, forkserver start method:
    workers never inherit the parent's open database or threads; DECISIONS UNC-12)."""

    name = "process"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool = worker_pool(self.workers)

    def run(
        self, scenario: Scenario, evaluator: Evaluator, jobs: Sequence[ChunkJob]
    ) -> Iterator[ChunkResult]:
        def submit(job: ChunkJob) -> Future[ChunkResult]:
            return self._pool.submit(run_chunk, scenario, evaluator, job)

        def wait_some(pending: set[Any]) -> tuple[list[Any], set[Any]]:
            done, rest = wait(pending, return_when=FIRST_COMPLETED)
            return sorted(done, key=id), set(rest)

        return _windowed(submit, wait_some, lambda f: f.result(), jobs, 2 * self.workers)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayBackend(_Closing):
    """Chunks as Ray tasks, on a cluster at ``address`` (e.g. ``"127.0.0.1:6379"`` or
    ``"auto"``) or, without one, on a local Ray instance started for the run with ``workers``
    CPUs. Needs the optional extra ``detente[ray]``. The test suite runs it on a throwaway
    loopback head without auth (DECISIONS UNC-13)."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise DetenteError(
                "the Ray backend needs Ray; install it with pip install 'detente[ray]'",
                where="--backend ray",
            ) from None
        self._ray = ray
        self._owned = not ray.is_initialized()
        if self._owned:
            kwargs: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": "ERROR",
            }
            if address is None:
                kwargs["num_cpus"] = workers or os.cpu_count() or 1
            try:
                ray.init(address=address, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise DetenteError(
                    f"could not connect to Ray at {address!r} ({exc}); start a head with "
                    "`ray start --head` or give the right --address",
                    where="--address",
                ) from None
        resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
        self.workers = workers or max(1, int(resources.get("CPU", 1)))
        self._task = ray.remote(num_cpus=1)(_ray_chunk)

    def run(
        self, scenario: Scenario, evaluator: Evaluator, jobs: Sequence[ChunkJob]
    ) -> Iterator[ChunkResult]:
        ray = self._ray
        shared = ray.put((scenario, evaluator))

        def submit(job: ChunkJob) -> Any:
            return self._task.remote(shared, job)

        def wait_some(pending: set[Any]) -> tuple[list[Any], set[Any]]:
            done, rest = ray.wait(list(pending), num_returns=1)
            return list(done), set(rest)

        return _windowed(submit, wait_some, ray.get, jobs, 2 * self.workers)

    def close(self) -> None:
        if self._owned and self._ray.is_initialized():
            self._ray.shutdown()


def _ray_chunk(shared: tuple[Scenario, Evaluator], job: ChunkJob) -> ChunkResult:
    scenario, evaluator = shared
    return run_chunk(scenario, evaluator, job)


def get_backend(
    name: str, *, address: str | None = None, workers: int | None = None
) -> InlineBackend | ProcessBackend | RayBackend:
    """A backend by name: ``"inline"``, ``"process"`` or ``"ray"``."""
    if address is not None and name != "ray":
        raise DetenteError(
            "--address is for --backend ray only; add --backend ray", where="--address"
        )
    if workers is not None and workers < 1:
        raise DetenteError(f"--workers is {workers}; give at least 1", where="--workers")
    if name == "inline":
        return InlineBackend()
    if name == "process":
        return ProcessBackend(workers)
    if name == "ray":
        return RayBackend(address, workers)
    raise DetenteError(f"unknown backend {name!r}; use one of: {', '.join(BACKENDS)}",
                       where="--backend")  # fmt: skip
