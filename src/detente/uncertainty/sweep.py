"""Monte Carlo sweeps: chunked draws through an evaluator, and their summaries.

:func:`run_chunks` is the runner: it plans fixed-size chunks, skips those a sink already
holds (a resumed run), computes the rest on a backend and hands each finished chunk to the
sink. The sink is where results go: :class:`MemorySink` here, or the run store's sink (the
core never imports the store). :func:`summarize` turns one output's draws into quantiles,
band probabilities and a convergence check; :func:`sweep` does all of it in memory.

Convergence check (batch means): the draws, in draw order, are cut into ``B = 20`` equal
batches; the Monte Carlo standard error of the mean is ``sd(batch means) / sqrt(B)`` and that
of the median ``sd(batch medians) / sqrt(B)``. An output is converged when
``1.96 × max(se_mean, se_p50) <= tolerance``; for an issue the tolerance is 0.5 % of its
scale's width (0.5 points on 0-100). The running mean and median at 1/8, 1/4, 1/2 and all of
the draws are reported as well (DECISIONS UNC-6).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import numpy as np

from detente import __version__
from detente.errors import DetenteError
from detente.models import get_model
from detente.models.base import OutcomeModel
from detente.registry import outcome_models
from detente.spec.distributions import Distribution
from detente.spec.scenario import Scenario
from detente.uncertainty.backends import ChunkJob, ChunkResult, get_backend, plan_chunks
from detente.uncertainty.evaluators import (
    DEFAULT_PATHS,
    WAR,
    CampaignModel,
    Evaluator,
    OutcomeModels,
)
from detente.uncertainty.sampling import (
    UncertainNumber,
    campaign_distributions,
    campaign_numbers,
    uncertain_numbers,
)
from detente.war.model import Policy

SCHEMA_VERSION = 1
SAMPLER_VERSION = 1
"""Bumped whenever the mapping from (seed, chunk, chunk size) to draws changes."""
DEFAULT_CHUNK_SIZE = 1000
DEFAULT_CAMPAIGN_CHUNK_SIZE = 10
"""Draws per chunk of a war-model sweep: each draw is a solve, so small chunks keep a
process pool busy and lose little work to an interruption."""
QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p95": 0.95}
BATCHES = 20
Z95 = 1.959963984540054
TOLERANCE_SHARE = 0.005


@dataclass(frozen=True)
class Band:
    """``P(low <= outcome <= high)`` is reported for ``output`` (an issue name)."""

    output: str
    low: float
    high: float

    @classmethod
    def parse(cls, text: str) -> Band:
        """``"territory:40:60"`` -> Band("territory", 40, 60)."""
        parts = text.rsplit(":", 2)
        try:
            if len(parts) != 3:
                raise ValueError
            lo, hi = float(parts[1]), float(parts[2])
        except ValueError:
            raise DetenteError(
                f"band {text!r} is not ISSUE:LOW:HIGH; write e.g. territory:40:60", where="--band"
            ) from None
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
            raise DetenteError(f"band {text!r} needs finite LOW <= HIGH", where="--band")
        return cls(parts[0], lo, hi)


@dataclass(frozen=True)
class Summary:
    """One output's distribution over the draws."""

    n_draws: int
    quantiles: dict[str, float]
    mean: float
    sd: float
    bands: list[dict[str, float]]
    convergence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantiles": self.quantiles,
            "mean": self.mean,
            "sd": self.sd,
            "n_draws": self.n_draws,
            "bands": self.bands,
            "convergence": self.convergence,
        }


def summarize(
    values: np.ndarray, *, bands: Sequence[tuple[float, float]] = (), tolerance: float
) -> Summary:
    """Quantiles (linear interpolation), mean, sd, band probabilities and convergence."""
    x = np.asarray(values, dtype=float)
    n = int(x.size)
    q = np.quantile(x, list(QUANTILES.values()))
    probs = []
    for lo, hi in bands:
        p = float(np.mean((x >= lo) & (x <= hi)))
        probs.append({"low": lo, "high": hi, "probability": p, "se": math.sqrt(p * (1 - p) / n)})
    return Summary(
        n_draws=n,
        quantiles={k: float(v) for k, v in zip(QUANTILES, q, strict=True)},
        mean=float(x.mean()),
        sd=float(x.std(ddof=1)) if n > 1 else 0.0,
        bands=probs,
        convergence=convergence(x, tolerance),
    )


def convergence(x: np.ndarray, tolerance: float, batches: int = BATCHES) -> dict[str, Any]:
    """Batch-means standard errors of the mean and median, and the running estimates."""
    n = x.size
    checkpoints = sorted({max(1, n // 8), max(1, n // 4), max(1, n // 2), n})
    out: dict[str, Any] = {
        "method": "batch_means",
        "batches": batches,
        "tolerance": tolerance,
        "running": {
            "n": checkpoints,
            "mean": [float(x[:m].mean()) for m in checkpoints],
            "p50": [float(np.median(x[:m])) for m in checkpoints],
        },
    }
    if n < 2 * batches:
        out.update(mean_se=None, p50_se=None, converged=None)
        return out
    usable = x[: n - n % batches].reshape(batches, -1)
    se_mean = float(usable.mean(axis=1).std(ddof=1) / math.sqrt(batches))
    se_p50 = float(np.median(usable, axis=1).std(ddof=1) / math.sqrt(batches))
    out.update(
        mean_se=se_mean,
        p50_se=se_p50,
        converged=bool(Z95 * max(se_mean, se_p50) <= tolerance),
    )
    return out


class ChunkSink(Protocol):
    """Where finished chunks go."""

    def done_chunks(self) -> set[int]:
        """Indices of the chunks already held (skipped on resume)."""
        ...

    def write(self, result: ChunkResult, job: ChunkJob) -> None:
        """Keep one finished chunk (atomically: all of it or none)."""
        ...


@dataclass
class MemorySink:
    """Keeps every chunk in memory; :meth:`arrays` concatenates them in draw order."""

    chunks: dict[int, ChunkResult] = field(default_factory=dict)

    def done_chunks(self) -> set[int]:
        return set(self.chunks)

    def write(self, result: ChunkResult, job: ChunkJob) -> None:
        self.chunks[result.index] = result

    def arrays(self) -> dict[tuple[str, str], np.ndarray]:
        order = sorted(self.chunks)
        if not order:
            return {}
        keys = list(self.chunks[order[0]].outputs)
        return {k: np.concatenate([self.chunks[c].outputs[k] for c in order]) for k in keys}


def run_chunks(
    scenario: Scenario,
    evaluator: Evaluator,
    jobs: Sequence[ChunkJob],
    sink: ChunkSink,
    *,
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Compute the ``jobs`` the sink lacks and write each to the sink as it finishes.

    ``progress(done, total)`` is called after each chunk is written. Returns the number of
    chunks computed now. An interruption (Ctrl-C) loses only chunks not yet written.
    """
    done = sink.done_chunks()
    todo = [job for job in jobs if job.index not in done]
    by_index = {job.index: job for job in todo}
    finished = len(jobs) - len(todo)
    if progress is not None:
        progress(finished, len(jobs))
    if not todo:
        return 0
    with get_backend(backend, address=address, workers=workers) as runner:
        for result in runner.run(scenario, evaluator, todo):
            sink.write(result, by_index[result.index])
            finished += 1
            if progress is not None:
                progress(finished, len(jobs))
    return len(todo)


def resolve_models(names: Sequence[str] | None) -> list[OutcomeModel]:
    """Models by registry name (all registered models when ``names`` is empty)."""
    return [get_model(name) for name in (names or list(outcome_models()))]


@dataclass(frozen=True)
class SweepResult:
    """The draws of a sweep, per (model, issue), in draw order, and their summaries."""

    scenario: Scenario
    models: list[OutcomeModel]
    seed: int
    chunk_size: int
    outcomes: dict[tuple[str, str], np.ndarray]

    def summaries(self, bands: Sequence[Band] = ()) -> dict[tuple[str, str], Summary]:
        return {
            key: summarize(
                values,
                bands=[(b.low, b.high) for b in bands if b.output == key[1]],
                tolerance=issue_tolerance(self.scenario, key[1]),
            )
            for key, values in self.outcomes.items()
        }


def issue_tolerance(scenario: Scenario, issue: str) -> float:
    """The convergence tolerance of an issue: 0.5 % of its scale's width."""
    lo, hi = scenario.issue(issue).scale
    return TOLERANCE_SHARE * (hi - lo)


def sweep(
    scenario: Scenario,
    n_draws: int,
    seed: int,
    *,
    models: Sequence[str] | None = None,
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> SweepResult:
    """Run ``n_draws`` Monte Carlo draws of ``scenario`` through the outcome models, in memory.

    Parameters
    ----------
    scenario : numbers with a ``distribution`` are drawn; the others stay fixed.
    n_draws : number of draws (>= 1).
    seed : the run's seed (>= 0; 0 is a valid seed). Same seed and chunk size, same arrays,
        on every backend.
    models : registry names; default every registered model.
    backend, address, workers : see :func:`detente.uncertainty.backends.get_backend`.
    chunk_size : draws per chunk (part of the seeding: keep it to reproduce a run).

    Examples
    --------
    >>> from detente.scenario import load_scenario
    >>> result = sweep(load_scenario("ukraine-2024"), 10, seed=0, models=["compromise"])
    >>> result.outcomes[("compromise", "territory")].shape
    (10,)
    """
    chosen = resolve_models(models)
    sink = MemorySink()
    jobs = plan_chunks(n_draws, chunk_size, seed)
    run_chunks(
        scenario,
        OutcomeModels(scenario, chosen),
        jobs,
        sink,
        backend=backend,
        address=address,
        workers=workers,
    )
    return SweepResult(scenario, chosen, seed, chunk_size, sink.arrays())


def _sweep_header(
    scenario: Scenario,
    scenario_hash: str | None,
    run_id: str | None,
    seed: int,
    n_draws: int,
    chunk_size: int,
    numbers: Sequence[UncertainNumber],
) -> dict[str, Any]:
    """The keys every sweep document starts with (docs/uncertainty.md)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "sweep",
        "detente_version": __version__,
        "scenario": scenario.name,
        "scenario_hash": scenario_hash,
        "run_id": run_id,
        "seed": seed,
        "n_draws": n_draws,
        "chunk_size": chunk_size,
        "uncertain": _describe(numbers),
    }


def sweep_document(
    scenario: Scenario,
    models: Sequence[OutcomeModel],
    summaries: Mapping[tuple[str, str], Summary],
    *,
    seed: int,
    n_draws: int,
    chunk_size: int,
    run_id: str | None = None,
    scenario_hash: str | None = None,
) -> dict[str, Any]:
    """The ``sweep --format json`` document (schema version 1; docs/uncertainty.md)."""
    deterministic = {m.name: m.predict(scenario) for m in models}
    return {
        **_sweep_header(
            scenario,
            scenario_hash,
            run_id,
            seed,
            n_draws,
            chunk_size,
            uncertain_numbers(scenario),
        ),
        "results": [
            {
                "model": m.name,
                "params": m.get_params(),
                "issues": [
                    {
                        "issue": issue,
                        "deterministic": deterministic[m.name].outcome(issue),
                        **summaries[(m.name, issue)].to_dict(),
                    }
                    for issue in scenario.issue_names
                ],
            }
            for m in models
        ],
    }


def war_evaluator(
    scenario: Scenario,
    vary: Mapping[str, Distribution],
    *,
    paths: int = DEFAULT_PATHS,
    seed: int = 0,
    deal_by: date | None = None,
    policy: Policy = "solve",
) -> CampaignModel:
    """The war-termination model's evaluator for ``scenario``'s campaign, drawing the campaign
    numbers of ``vary`` (path -> distribution); its paths are seeded ``seed``.

    Raises
    ------
    DetenteError
        If the scenario has no campaign, ``vary`` is empty or names no campaign number.
    """
    if scenario.campaign is None:
        raise DetenteError(
            "has no campaign; --model war needs a 'campaign:' section (docs/war_model.md)",
            source=scenario.name,
        )
    # distributions written in the campaign, overridden path by path by --vary
    # (DECISIONS UNC-15)
    numbers = campaign_numbers(
        scenario.campaign, {**campaign_distributions(scenario.campaign), **vary}
    )
    if not numbers:
        raise DetenteError(
            "--model war needs campaign numbers to draw; write a distribution in the campaign "
            "or give --vary PATH=DISTRIBUTION, e.g. "
            "--vary 'mediator.types.NAME.after.riposte_probability={uniform: [0.2, 0.6]}'",
            where="--vary",
        )
    return CampaignModel(scenario.campaign, numbers, paths=paths, path_seed=seed,
                         deal_by=deal_by, policy=policy)  # fmt: skip


def campaign_tolerance(scenario: Scenario, output: str) -> float:
    """The convergence tolerance of a war output: half a percentage point for a probability;
    0.5 % of the territory grid's span for the area held; for a daily gain, the gain that
    moves the line that far over the horizon (DECISIONS UNC-21)."""
    campaign = scenario.campaign
    assert campaign is not None
    span = TOLERANCE_SHARE * (campaign.grid.below_km2.value + campaign.grid.above_km2.value)
    if output.startswith("p_"):
        return TOLERANCE_SHARE
    if output.startswith("gain_"):
        return span / (7.0 * campaign.horizon_weeks)
    return span


@dataclass(frozen=True)
class CampaignSweepResult:
    """The draws of a war-model sweep, per output, in draw order, and their summaries."""

    scenario: Scenario
    evaluator: CampaignModel
    seed: int
    chunk_size: int
    outcomes: dict[tuple[str, str], np.ndarray]

    def summaries(self) -> dict[tuple[str, str], Summary]:
        return {
            key: summarize(values, tolerance=campaign_tolerance(self.scenario, key[1]))
            for key, values in self.outcomes.items()
        }


def campaign_sweep(
    scenario: Scenario,
    n_draws: int,
    seed: int,
    *,
    vary: Mapping[str, Distribution],
    paths: int = DEFAULT_PATHS,
    deal_by: date | None = None,
    policy: Policy = "solve",
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    chunk_size: int = DEFAULT_CAMPAIGN_CHUNK_SIZE,
) -> CampaignSweepResult:
    """Monte Carlo draws of campaign numbers through the war-termination model, in memory.

    Each draw solves the campaign (about 2 s on ukraine-2024; see :class:`~detente.
    uncertainty.evaluators.CampaignModel`, and ``policy="fixed"`` to solve once) and
    simulates ``paths`` paths. Same seed and chunk size, same arrays, on every backend.

    Parameters
    ----------
    scenario : a scenario with a campaign.
    n_draws, seed, backend, address, workers, chunk_size : as in :func:`sweep`.
    vary : campaign path -> distribution (:func:`~detente.uncertainty.sampling.parse_vary`).
    paths, deal_by, policy : see :class:`~detente.uncertainty.evaluators.CampaignModel`.
    """
    evaluator = war_evaluator(scenario, vary, paths=paths, seed=seed, deal_by=deal_by,
                              policy=policy)  # fmt: skip
    sink = MemorySink()
    run_chunks(scenario, evaluator, plan_chunks(n_draws, chunk_size, seed), sink,
               backend=backend, address=address, workers=workers)  # fmt: skip
    return CampaignSweepResult(scenario, evaluator, seed, chunk_size, sink.arrays())


def finite_or_none(x: float) -> float | None:
    """``x``, or None where it is NaN or infinite (JSON has no NaN)."""
    return float(x) if math.isfinite(x) else None


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float):
        return finite_or_none(obj)
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    return obj


def _describe(numbers: Sequence[UncertainNumber]) -> list[dict[str, Any]]:
    return [
        {"name": u.name, "distribution": u.distribution.describe(), "value": u.value}
        for u in numbers
    ]


def campaign_sweep_document(
    scenario: Scenario,
    evaluator: CampaignModel,
    summaries: Mapping[tuple[str, str], Summary],
    *,
    seed: int,
    n_draws: int,
    chunk_size: int,
    run_id: str | None = None,
    scenario_hash: str | None = None,
) -> dict[str, Any]:
    """The ``sweep --model war --format json`` document (schema version 1): as the outcome
    models' document, with one result whose ``outputs`` replace ``issues``
    (docs/uncertainty.md). ``deterministic`` is the model at the central values (one more
    solve); NaN becomes null."""
    central = evaluator.evaluate(evaluator.central_values())
    doc: dict[str, Any] = _json_safe(
        {
            **_sweep_header(
                scenario, scenario_hash, run_id, seed, n_draws, chunk_size, evaluator.numbers
            ),
            "results": [
                {
                    "model": WAR,
                    "params": evaluator.get_params(),
                    "outputs": [
                        {
                            "output": output,
                            "deterministic": central[output],
                            **summaries[(series, output)].to_dict(),
                        }
                        for series, output in evaluator.outputs()
                    ],
                }
            ],
        }
    )
    return doc
