"""The report's sections on several cores (issue 19: ``detente report`` in 3 s).

The sections are independent: each reads the context (the scenario, the forecasts computed
once, the seed, the options) and returns its part of the page. With ``jobs`` > 1 the main
process and ``jobs - 1`` worker processes take the sections from one queue, the costliest
first (:attr:`~detente.report.sections.ReportSectionSpec.cost`); a worker returns its section
ready for the template (figures already PNG), so the page is assembled in report order and is
byte for byte the one the serial path writes (DECISIONS REP-3). The workers are detente's one
kind of process pool (:func:`detente.uncertainty.backends.worker_pool`: forkserver, one BLAS
thread each). Sections of cost 0, and renderers a worker could not import (defined in
``__main__`` or unpicklable, e.g. a test's closure), run in the main process.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import TypeVar

from detente.report.sections import ReportContext, ReportSectionSpec

T = TypeVar("T")
RenderOne = Callable[[ReportSectionSpec, ReportContext], T]
Notify = Callable[[int, bool], None]
"""``notify(k, True)`` as section ``k`` of the list starts, ``notify(k, False)`` as it ends
(for the progress bar); never called by two threads at once."""


def shippable(spec: ReportSectionSpec) -> bool:
    """Whether a worker process can run ``spec``: it has a cost, and its renderer pickles by
    reference to a module the worker can import."""
    if spec.cost <= 0 or getattr(spec.render, "__module__", "__main__") == "__main__":
        return False
    try:
        pickle.dumps(spec)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def render_parallel(
    ctx: ReportContext,
    specs: Sequence[ReportSectionSpec],
    render_one: RenderOne[T],
    jobs: int,
    notify: Notify | None = None,
    pool: Executor | None = None,
) -> list[T]:
    """``[render_one(spec, ctx) for spec in specs]``, computed by this process and up to
    ``jobs - 1`` workers; the results in the order of ``specs``.

    The sections that only the main process may run go first (in order), then every process
    takes the costliest section left. An exception in any section (a bug: a section's
    :class:`~detente.errors.DetenteError` is part of ``render_one``'s result) is raised here
    once the sections already running have ended. ``pool``: ``jobs - 1`` workers already
    started (``detente report`` starts them while it loads the scenario), left running;
    without one, a pool is started here and shut down at the end.
    """
    from detente.uncertainty.backends import worker_pool

    local = [k for k, s in enumerate(specs) if not shippable(s)]
    shared = sorted(set(range(len(specs))) - set(local), key=lambda k: (-specs[k].cost, k))
    workers = min(jobs - 1, max(len(shared) - 1, 0))
    results: dict[int, T] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def tell(k: int, running: bool) -> None:
        if notify is not None:
            with lock:
                notify(k, running)

    def take() -> int | None:
        with lock:
            if errors or not shared:
                return None
            k = shared.pop(0)
        tell(k, True)
        return k

    def run_local(k: int) -> None:
        tell(k, True)
        results[k] = render_one(specs[k], ctx)
        tell(k, False)

    if workers < 1:
        for k in [*local, *shared]:
            run_local(k)
        return [results[k] for k in range(len(specs))]

    owned = pool is None
    workers_pool = worker_pool(workers) if pool is None else pool

    def feed() -> None:
        try:
            while (k := take()) is not None:
                results[k] = workers_pool.submit(render_one, specs[k], ctx).result()
                tell(k, False)
        except BaseException as exc:  # re-raised by the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=feed, daemon=True) for _ in range(workers)]
    try:
        for thread in threads:
            thread.start()
        for k in local:
            run_local(k)
        while True:
            with lock:
                mine = shared.pop(0) if shared and not errors else None
            if mine is None:
                break
            run_local(mine)
    except BaseException as exc:
        with lock:
            errors.append(exc)
    finally:
        for thread in threads:
            thread.join()
        if owned:
            workers_pool.shutdown(wait=True, cancel_futures=True)
    if errors:
        raise errors[0]
    return [results[k] for k in range(len(specs))]
