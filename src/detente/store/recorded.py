"""Runs recorded in the store: sweeps written chunk by chunk (resumable), sensitivity
analyses and forecasts. This is the runner the CLI calls; the core stays store-free. A sweep
or a Sobol' analysis takes any evaluator (:class:`~detente.uncertainty.evaluators.Evaluator`:
the outcome models or the war model) through the same chunked path (DECISIONS UNC-23)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.models.base import Forecast
from detente.spec.campaign import campaign_hash
from detente.spec.scenario import Scenario
from detente.store.runs import RunStore, StoreSink, scenario_hash
from detente.uncertainty.backends import plan_chunks
from detente.uncertainty.evaluators import Evaluator
from detente.uncertainty.sensitivity import SobolDesign, sensitivity, sensitivity_document
from detente.uncertainty.sweep import (
    SAMPLER_VERSION,
    Band,
    Summary,
    run_chunks,
    summarize_outputs,
    sweep_document,
)
from detente.war.model import WarRun


@dataclass(frozen=True)
class StoredSweep:
    run_id: str
    state: str  # "new", "resumed" or "complete" (reused without computing)
    chunks_before: int
    chunks_computed: int
    n_chunks: int
    document: dict[str, Any]
    summaries: dict[tuple[str, str], Summary]


def _series(evaluator: Evaluator) -> list[str]:
    """The series of an evaluator (the store's ``models``)."""
    return [head["model"] for head in evaluator.describe()]


def stored_sweep(
    store: RunStore,
    scenario: Scenario,
    evaluator: Evaluator,
    *,
    n_draws: int,
    seed: int,
    chunk_size: int | None = None,
    bands: Sequence[Band] = (),
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    fresh: bool = False,
    extra_spec: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StoredSweep:
    """A sweep written to ``store`` chunk by chunk; rerun with the same arguments, it resumes.

    ``chunk_size`` defaults to ``evaluator.chunk_size``; ``extra_spec`` is recorded with the
    run (part of its key). The summary is computed from the stored draws, one output at a
    time, so memory stays flat in the number of draws.
    """
    size = evaluator.chunk_size if chunk_size is None else chunk_size
    spec = {
        **evaluator.spec(),
        "n_draws": n_draws,
        "seed": seed,
        "chunk_size": size,
        "sampler_version": SAMPLER_VERSION,
        **(extra_spec or {}),
    }
    jobs = plan_chunks(n_draws, size, seed)
    run_id, state = store.start_run(
        "sweep", scenario, spec, models=_series(evaluator), seed=seed, n_draws=n_draws,
        chunk_size=size, n_chunks=len(jobs), backend=backend, fresh=fresh,
    )  # fmt: skip
    before = len(store.done_chunks(run_id))
    computed = 0
    if state != "complete":
        start = time.perf_counter()
        try:
            computed = run_chunks(
                scenario, evaluator, jobs, StoreSink(store, run_id, size), backend=backend,
                address=address, workers=workers, progress=progress,
            )  # fmt: skip
        finally:
            store.add_elapsed(run_id, time.perf_counter() - start)
    elif progress is not None:
        progress(len(jobs), len(jobs))
    summaries = summarize_outputs(evaluator, lambda key: store.column(run_id, *key), bands)
    doc = sweep_document(
        scenario, evaluator, summaries, seed=seed, n_draws=n_draws, chunk_size=size,
        run_id=run_id, scenario_hash=scenario_hash(scenario),
    )  # fmt: skip
    if state != "complete":
        store.finish(run_id, doc)
    return StoredSweep(run_id, state, before, computed, len(jobs), doc, summaries)


def stored_sensitivity(
    store: RunStore,
    scenario: Scenario,
    evaluator: Evaluator,
    *,
    n: int,
    seed: int,
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, SobolDesign, dict[str, Any]]:
    """Sobol' indices, recorded: the outputs on the design and the ranked indices
    (``chunk_size`` defaults to ``evaluator.chunk_size``)."""
    size = evaluator.chunk_size if chunk_size is None else chunk_size
    spec = {**evaluator.spec(), "n": n, "seed": seed, "chunk_size": size}
    # the design's size before it is drawn (the default band may add numbers: updated below)
    n_rows = n * (len(evaluator.numbers) + 2)
    run_id, _ = store.start_run(
        "sensitivity", scenario, spec, models=_series(evaluator), seed=seed, n_draws=n_rows,
        chunk_size=size, n_chunks=-(-n_rows // size) if n_rows else 0, backend=backend,
        fresh=True,
    )  # fmt: skip
    start = time.perf_counter()
    try:
        sd, _, indices = sensitivity(
            scenario, evaluator, n=n, seed=seed, backend=backend, address=address,
            workers=workers, chunk_size=size, sink=StoreSink(store, run_id, size),
            progress=progress,
        )  # fmt: skip
    finally:
        store.add_elapsed(run_id, time.perf_counter() - start)
    doc = sensitivity_document(sd, indices, seed=seed, run_id=run_id)
    store.write_indices(run_id, indices)
    store.con.execute(
        "UPDATE runs SET n_draws = ?, n_chunks = ? WHERE run_id = ?",
        [len(sd.unit), -(-len(sd.unit) // size), run_id],
    )
    store.finish(run_id, doc)
    return run_id, sd, doc


def record_forecast(
    store: RunStore, scenario: Scenario, forecasts: Sequence[Forecast], elapsed_s: float
) -> str:
    """Record a deterministic forecast (one value per model and issue)."""
    outputs = {
        (f.model, issue.issue): np.array([issue.outcome]) for f in forecasts for issue in f.issues
    }
    spec = {"models": [{"model": f.model, "params": f.params} for f in forecasts]}
    summary = {"forecasts": [f.to_dict() for f in forecasts]}
    return store.record(
        "forecast", scenario, spec, outputs, summary, models=[f.model for f in forecasts],
        seed=None, elapsed_s=elapsed_s,
    )  # fmt: skip


def record_war_run(
    store: Any,
    scenario: Scenario,
    run: WarRun,
    *,
    extra: dict[str, Any],
    fresh: bool = False,
) -> str:
    """Record one war-model run (``detente simulate``), whole or not at all: spec (campaign
    hash, draws, seed, what set it), the per-path arrays of
    :data:`~detente.war.model.PATH_OUTPUTS` (model ``war``) and the document as the summary.
    The same run already complete in the store is reused (same id, nothing written) unless
    ``fresh``."""
    outputs = {(run.model, name): values for name, values in run.path_values().items()}
    spec = {
        "campaign_hash": campaign_hash(run.campaign),
        "draws": run.paths.n_paths,
        "seed": run.seed,
        "resumption": run.campaign.resumption.model,
        **extra,
    }
    # DECISIONS WAR-21: recorded here, through RunStore.record (the core stays store-free)
    run_id: str = store.record(
        "simulate", scenario, spec, outputs, run.document, models=[run.model], seed=run.seed,
        elapsed_s=run.seconds, reuse=not fresh,
    )  # fmt: skip
    return run_id
