"""Runs recorded in the store: sweeps written chunk by chunk (resumable), sensitivity
analyses and forecasts. This is the runner the CLI calls; the core stays store-free."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from detente.models.base import Forecast, OutcomeModel
from detente.spec.campaign import campaign_hash
from detente.spec.scenario import Scenario
from detente.store.runs import RunStore, StoreSink, scenario_hash
from detente.uncertainty.backends import plan_chunks
from detente.uncertainty.evaluators import WAR, CampaignModel, Evaluator, OutcomeModels
from detente.uncertainty.sampling import uncertain_numbers
from detente.uncertainty.sensitivity import (
    SobolDesign,
    campaign_sensitivity,
    campaign_sensitivity_document,
    sensitivity,
    sensitivity_document,
)
from detente.uncertainty.sweep import (
    SAMPLER_VERSION,
    Band,
    Summary,
    campaign_sweep_document,
    campaign_tolerance,
    issue_tolerance,
    run_chunks,
    summarize,
    sweep_document,
)
from detente.war.model import WarRun

Analysed = tuple[SobolDesign, pd.DataFrame, dict[str, Any]]
"""A Sobol' analysis: its design, the ranked indices and the JSON document."""


@dataclass(frozen=True)
class StoredSweep:
    run_id: str
    state: str  # "new", "resumed" or "complete" (reused without computing)
    chunks_before: int
    chunks_computed: int
    n_chunks: int
    document: dict[str, Any]
    summaries: dict[tuple[str, str], Summary]


def model_spec(models: Sequence[OutcomeModel]) -> list[dict[str, Any]]:
    return [{"model": m.name, "params": m.get_params()} for m in models]


def stored_sweep(
    store: RunStore,
    scenario: Scenario,
    models: Sequence[OutcomeModel],
    *,
    n_draws: int,
    seed: int,
    chunk_size: int,
    bands: Sequence[Band] = (),
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    fresh: bool = False,
    extra_spec: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StoredSweep:
    """A sweep written to ``store`` chunk by chunk; rerun with the same arguments, it resumes.

    The summary is computed from the stored draws, one output at a time, so memory stays
    flat in the number of draws.
    """
    spec = {
        "models": model_spec(models),
        "n_draws": n_draws,
        "seed": seed,
        "chunk_size": chunk_size,
        "sampler_version": SAMPLER_VERSION,
        **(extra_spec or {}),
    }
    run_id, state, before, computed, n_chunks = _chunked_run(
        store, scenario, OutcomeModels(scenario, models), spec, [m.name for m in models],
        n_draws=n_draws, seed=seed, chunk_size=chunk_size, backend=backend, address=address,
        workers=workers, fresh=fresh, progress=progress,
    )  # fmt: skip
    summaries = {
        (m.name, issue): summarize(
            store.column(run_id, m.name, issue),
            bands=[(b.low, b.high) for b in bands if b.output == issue],
            tolerance=issue_tolerance(scenario, issue),
        )
        for m in models
        for issue in scenario.issue_names
    }
    doc = sweep_document(
        scenario, models, summaries, seed=seed, n_draws=n_draws, chunk_size=chunk_size,
        run_id=run_id, scenario_hash=scenario_hash(scenario),
    )  # fmt: skip
    if state != "complete":
        store.finish(run_id, doc)
    return StoredSweep(run_id, state, before, computed, n_chunks, doc, summaries)


def stored_campaign_sweep(
    store: RunStore,
    scenario: Scenario,
    evaluator: CampaignModel,
    *,
    n_draws: int,
    seed: int,
    chunk_size: int,
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    fresh: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> StoredSweep:
    """A war-model sweep (``--model war``), written and resumed as :func:`stored_sweep`
    (the same chunked path: DECISIONS UNC-23)."""
    spec = {
        "models": [{"model": WAR, "params": evaluator.get_params()}],
        "vary": [[u.name, u.distribution.describe()] for u in evaluator.numbers],
        "n_draws": n_draws,
        "seed": seed,
        "chunk_size": chunk_size,
        "sampler_version": SAMPLER_VERSION,
    }
    run_id, state, before, computed, n_chunks = _chunked_run(
        store, scenario, evaluator, spec, [WAR], n_draws=n_draws, seed=seed,
        chunk_size=chunk_size, backend=backend, address=address, workers=workers, fresh=fresh,
        progress=progress,
    )  # fmt: skip
    summaries = {
        key: summarize(store.column(run_id, *key), tolerance=campaign_tolerance(scenario, key[1]))
        for key in evaluator.outputs()
    }
    doc = campaign_sweep_document(
        scenario, evaluator, summaries, seed=seed, n_draws=n_draws, chunk_size=chunk_size,
        run_id=run_id, scenario_hash=scenario_hash(scenario),
    )  # fmt: skip
    if state != "complete":
        store.finish(run_id, doc)
    return StoredSweep(run_id, state, before, computed, n_chunks, doc, summaries)


def _chunked_run(
    store: RunStore,
    scenario: Scenario,
    evaluator: Evaluator,
    spec: dict[str, Any],
    models: list[str],
    *,
    n_draws: int,
    seed: int,
    chunk_size: int,
    backend: str,
    address: str | None,
    workers: int | None,
    fresh: bool,
    progress: Callable[[int, int], None] | None,
) -> tuple[str, str, int, int, int]:
    """Start or resume a sweep run and compute the chunks it lacks: the run id, its state,
    the chunks held before, the chunks computed now, and the number of chunks."""
    jobs = plan_chunks(n_draws, chunk_size, seed)
    run_id, state = store.start_run(
        "sweep", scenario, spec, models=models, seed=seed, n_draws=n_draws,
        chunk_size=chunk_size, n_chunks=len(jobs), backend=backend, fresh=fresh,
    )  # fmt: skip
    before = len(store.done_chunks(run_id))
    computed = 0
    if state != "complete":
        sink = StoreSink(store, run_id, chunk_size)
        start = time.perf_counter()
        try:
            computed = run_chunks(
                scenario, evaluator, jobs, sink, backend=backend, address=address,
                workers=workers, progress=progress,
            )  # fmt: skip
        finally:
            store.add_elapsed(run_id, time.perf_counter() - start)
    elif progress is not None:
        progress(len(jobs), len(jobs))
    return run_id, state, before, computed, len(jobs)


def stored_sensitivity(
    store: RunStore,
    scenario: Scenario,
    models: Sequence[OutcomeModel],
    *,
    n: int,
    seed: int,
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    chunk_size: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, SobolDesign, dict[str, Any]]:
    """Sobol' indices, recorded: the model outputs on the design and the ranked indices."""
    spec = {"models": model_spec(models), "n": n, "seed": seed, "chunk_size": chunk_size}
    n_params = len(uncertain_numbers(scenario)) or None

    def analyse(sink: StoreSink) -> Analysed:
        sd, _, indices = sensitivity(
            scenario, models, n=n, seed=seed, backend=backend, address=address,
            workers=workers, chunk_size=chunk_size, sink=sink, progress=progress,
        )  # fmt: skip
        doc = sensitivity_document(sd, indices, seed=seed, models=models, run_id=sink.run_id)
        return sd, indices, doc

    return _recorded_sensitivity(store, scenario, spec, [m.name for m in models], analyse,
                                 n=n, n_params=n_params, seed=seed, chunk_size=chunk_size,
                                 backend=backend)  # fmt: skip


def stored_campaign_sensitivity(
    store: RunStore,
    scenario: Scenario,
    evaluator: CampaignModel,
    *,
    n: int,
    seed: int,
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    chunk_size: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, SobolDesign, dict[str, Any]]:
    """The war model's Sobol' indices (``--model war``), recorded as :func:`stored_sensitivity`."""
    spec = {
        "models": [{"model": WAR, "params": evaluator.get_params()}],
        "vary": [[u.name, u.distribution.describe()] for u in evaluator.numbers],
        "n": n,
        "seed": seed,
        "chunk_size": chunk_size,
    }

    def analyse(sink: StoreSink) -> Analysed:
        sd, _, indices = campaign_sensitivity(
            scenario, evaluator, n=n, seed=seed, backend=backend, address=address,
            workers=workers, chunk_size=chunk_size, sink=sink, progress=progress,
        )  # fmt: skip
        doc = campaign_sensitivity_document(sd, indices, seed=seed, evaluator=evaluator,
                                            run_id=sink.run_id)  # fmt: skip
        return sd, indices, doc

    return _recorded_sensitivity(store, scenario, spec, [WAR], analyse, n=n,
                                 n_params=len(evaluator.numbers), seed=seed,
                                 chunk_size=chunk_size, backend=backend)  # fmt: skip


def _recorded_sensitivity(
    store: RunStore,
    scenario: Scenario,
    spec: dict[str, Any],
    models: list[str],
    analyse: Callable[[StoreSink], Analysed],
    *,
    n: int,
    n_params: int | None,
    seed: int,
    chunk_size: int,
    backend: str,
) -> tuple[str, SobolDesign, dict[str, Any]]:
    n_rows = n * ((n_params or 0) + 2)
    run_id, _ = store.start_run(
        "sensitivity", scenario, spec, models=models, seed=seed, n_draws=n_rows,
        chunk_size=chunk_size, n_chunks=-(-n_rows // chunk_size) if n_rows else 0,
        backend=backend, fresh=True,
    )  # fmt: skip
    start = time.perf_counter()
    try:
        sd, indices, doc = analyse(StoreSink(store, run_id, chunk_size))
    finally:
        store.add_elapsed(run_id, time.perf_counter() - start)
    store.write_indices(run_id, indices)
    store.con.execute(
        "UPDATE runs SET n_draws = ?, n_chunks = ? WHERE run_id = ?",
        [len(sd.unit), -(-len(sd.unit) // chunk_size), run_id],
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
