"""Monte Carlo sweeps: chunked draws through an evaluator, and their summaries.

:func:`run_chunks` is the runner: it plans fixed-size chunks, skips those a sink already
holds (a resumed run), computes the rest on a backend and hands each finished chunk to the
sink. The sink is where results go: :class:`MemorySink` here, or the run store's sink (the
core never imports the store). :func:`summarize` turns one output's draws into quantiles,
band probabilities and a convergence check; :func:`sweep` does all of it in memory, for any
evaluator (:class:`~detente.uncertainty.evaluators.Evaluator`: the outcome models or the war
model), and :func:`sweep_document` is its JSON document.

Convergence check (batch means): the draws, in draw order, are cut into ``B = 20`` equal
batches; the Monte Carlo standard error of the mean is ``sd(batch means) / sqrt(B)`` and that
of the median ``sd(batch medians) / sqrt(B)``. An output is converged when
``1.96 × max(se_mean, se_p50) <= tolerance``, the evaluator's tolerance of the output (for an
issue 0.5 % of its scale's width: 0.5 points on 0-100). The running mean and median at 1/8,
1/4, 1/2 and all of the draws are reported as well (DECISIONS UNC-6).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from detente import __version__
from detente.errors import DetenteError
from detente.models import get_model
from detente.models.base import OutcomeModel
from detente.paths import docs_page
from detente.progress import progress_bar
from detente.spec.display import Display, fmt
from detente.spec.distributions import Distribution
from detente.spec.scenario import Scenario
from detente.uncertainty.backends import ChunkJob, ChunkResult, get_backend, plan_chunks
from detente.uncertainty.evaluators import DEFAULT_PATHS, CampaignModel, Evaluator, Key
from detente.uncertainty.sampling import UncertainNumber, campaign_distributions, campaign_numbers

if TYPE_CHECKING:
    import pandas as pd

    from detente.war.model import Policy

SCHEMA_VERSION = 1
SAMPLER_VERSION = 1
"""Bumped whenever the mapping from (seed, chunk, chunk size) to draws changes."""
QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p95": 0.95}
BATCHES = 20
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Band:
    """``P(low <= outcome <= high)`` is reported for every output named ``output`` (an
    issue name)."""

    output: str
    low: float
    high: float

    @classmethod
    def parse(cls, text: str) -> Band:
        """``"territory:40:60"`` -> Band("territory", 40, 60).

        Parameters
        ----------
        text : str
            ``OUTPUT:LOW:HIGH`` (the ``--band`` option).
        """
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
    """Quantiles (linear interpolation), mean, sd, band probabilities and convergence.

    Parameters
    ----------
    values : numpy.ndarray
        One output's draws, in draw order.
    bands : Sequence of (float, float), default ()
        ``(low, high)`` intervals whose probability is wanted.
    tolerance : float
        The convergence tolerance (see :func:`convergence`).
    """
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
    """Batch-means standard errors of the mean and median, and the running estimates.

    Parameters
    ----------
    x : numpy.ndarray
        One output's draws, in draw order.
    tolerance : float
        Converged when 1.96 times the larger standard error is at most this.
    batches : int, default BATCHES
        Number of batches (needs at least twice as many draws).
    """
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
        """Keep one finished chunk (atomically: all of it or none).

        Parameters
        ----------
        result : ChunkResult
            The chunk's outputs.
        job : ChunkJob
            The job that computed it.
        """
        ...


@dataclass
class MemorySink:
    """Keeps every chunk in memory; :meth:`arrays` concatenates them in draw order."""

    chunks: dict[int, ChunkResult] = field(default_factory=dict)

    def done_chunks(self) -> set[int]:
        return set(self.chunks)

    def write(self, result: ChunkResult, job: ChunkJob) -> None:
        """Keep one finished chunk, by its index.

        Parameters
        ----------
        result : ChunkResult
            The chunk's outputs.
        job : ChunkJob
            The job that computed it (unused).
        """
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

    Parameters
    ----------
    scenario : Scenario
        The scenario the numbers are drawn from.
    evaluator : Evaluator
        What is computed on each draw.
    jobs : Sequence of ChunkJob
        Every chunk of the run.
    sink : ChunkSink
        Where finished chunks go; the chunks it holds are skipped.
    backend : str, default "inline"
        Where chunks run: ``inline``, ``process`` or ``ray``.
    address : str or None, default None
        A Ray cluster's address (``ray`` backend only).
    workers : int or None, default None
        Worker processes of the ``process`` or ``ray`` backend; None for its default.
    progress : callable or None, default None
        Called with ``(done, total)`` chunks.
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
    """Models by registry name (all registered models when ``names`` is empty).

    Parameters
    ----------
    names : Sequence of str or None
        Outcome models' registry names; None or empty for all.
    """
    from detente.registry import outcome_models  # every model: pandas, scipy (PERF-2)

    return [get_model(name) for name in (names or list(outcome_models()))]


def summarize_outputs(
    evaluator: Evaluator, column: Callable[[Key], np.ndarray], bands: Sequence[Band] = ()
) -> dict[Key, Summary]:
    """:func:`summarize` of every output of ``evaluator``, with the bands of its name and its
    tolerance; ``column(key)`` gives one output's draws (so that a stored run is read one
    output at a time).

    Parameters
    ----------
    evaluator : Evaluator
        The evaluator whose outputs are summarised.
    column : callable
        ``column(key)`` gives the draws of output ``key`` (series, output).
    bands : Sequence of Band, default ()
        Bands whose probability is wanted, matched to outputs by name.
    """
    return {
        key: summarize(
            column(key),
            bands=[(b.low, b.high) for b in bands if b.output == key[1]],
            tolerance=evaluator.tolerance(key),
        )
        for key in evaluator.outputs()
    }


@dataclass(frozen=True, repr=False)
class SweepResult(Display):
    """The draws of a sweep, per (series, output), in draw order, and their summaries.

    Prints as a summary (:class:`~detente.spec.display.Display`); :meth:`to_frame` gives
    the summaries or the draws as a table.
    """

    scenario: Scenario
    evaluator: Evaluator
    seed: int
    chunk_size: int
    outcomes: dict[Key, np.ndarray]

    def summaries(self, bands: Sequence[Band] = ()) -> dict[Key, Summary]:
        """Every output's summary (:func:`summarize_outputs`).

        Parameters
        ----------
        bands : Sequence of Band, default ()
            Bands whose probability is wanted.
        """
        return summarize_outputs(self.evaluator, self.outcomes.__getitem__, bands)

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        n = len(next(iter(self.outcomes.values()))) if self.outcomes else 0
        facts: list[tuple[str, object]] = [
            ("draws", n),
            ("seed", self.seed),
            ("uncertain numbers", len(self.evaluator.numbers)),
        ]
        for (series, output), x in list(self.outcomes.items())[:6]:
            lo, mid, hi = np.quantile(x, [0.05, 0.5, 0.95]) if len(x) else (np.nan,) * 3
            facts.append((f"{series} / {output}", f"{fmt(mid)} (5-95 %: {fmt(lo)} to {fmt(hi)})"))
        if len(self.outcomes) > 6:
            facts.append(("more outputs", len(self.outcomes) - 6))
        return f"SweepResult on {self.scenario.name!r}", facts

    def to_frame(self, draws: bool = False) -> pd.DataFrame:
        """The sweep as a tidy table (DECISIONS DESK-2).

        Parameters
        ----------
        draws : bool
            False (default): one row per (model, output), columns ``model, output,
            n_draws, mean, sd, p05, p25, p50, p75, p95``. True: one row per draw, columns
            ``model, output, draw, value``.
        """
        import pandas as pd

        if draws:
            parts = [
                pd.DataFrame({"model": m, "output": o, "draw": np.arange(len(x)), "value": x})
                for (m, o), x in self.outcomes.items()
            ]
            return (
                pd.concat(parts, ignore_index=True)
                if parts
                else pd.DataFrame(columns=["model", "output", "draw", "value"])
            )
        rows = [
            {"model": m, "output": o, "n_draws": s.n_draws, "mean": s.mean, "sd": s.sd,
             **s.quantiles}
            for (m, o), s in self.summaries().items()
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=["model", "output", "n_draws", "mean", "sd", *QUANTILES])


def sweep(
    scenario: Scenario,
    evaluator: Evaluator,
    n_draws: int,
    seed: int,
    *,
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> SweepResult:
    """Run ``n_draws`` Monte Carlo draws of ``scenario`` through ``evaluator``, in memory.

    Parameters
    ----------
    scenario : the scenario the evaluator was made for; the numbers it draws
        (``evaluator.numbers``) are drawn, the others stay fixed.
    evaluator : the outcome models (:class:`~detente.uncertainty.evaluators.OutcomeModels`)
        or the war model (:func:`war_evaluator`: each draw is a solve, about 2 s on
        ukraine-2024; see :class:`~detente.uncertainty.evaluators.CampaignModel`).
    n_draws : number of draws (>= 1).
    seed : the run's seed (>= 0; 0 is a valid seed). Same seed and chunk size, same arrays,
        on every backend.
    backend, address, workers : see :func:`detente.uncertainty.backends.get_backend`.
    chunk_size : draws per chunk (part of the seeding: keep it to reproduce a run); default
        ``evaluator.chunk_size``.
    progress : draw a progress bar (:func:`detente.progress.progress_bar`); default: only in
        a notebook or a terminal.

    Examples
    --------
    >>> from detente.scenario import load_scenario
    >>> from detente.uncertainty.evaluators import OutcomeModels
    >>> sc = load_scenario("ukraine-2024")
    >>> result = sweep(sc, OutcomeModels(sc, resolve_models(["compromise"])), 10, seed=0)
    >>> result.outcomes[("compromise", "territory")].shape
    (10,)
    """
    size = evaluator.chunk_size if chunk_size is None else chunk_size
    sink = MemorySink()
    with progress_bar("sweep", show=progress) as tick:
        run_chunks(scenario, evaluator, plan_chunks(n_draws, size, seed), sink,
                   backend=backend, address=address, workers=workers, progress=tick)  # fmt: skip
    return SweepResult(scenario, evaluator, seed, size, sink.arrays())


def series_results(
    evaluator: Evaluator, row: Callable[[Key], dict[str, Any]]
) -> list[dict[str, Any]]:
    """A document's ``results``: per series its header (:meth:`~detente.uncertainty.
    evaluators.Evaluator.describe`) and, under ``issues`` or ``outputs`` (the evaluator's
    ``item``), each of its outputs by name with ``row(key)``.

    Parameters
    ----------
    evaluator : Evaluator
        The evaluator whose series and outputs are listed.
    row : callable
        ``row(key)`` gives the fields of output ``key`` (series, output).
    """
    item = evaluator.item
    keys = list(dict.fromkeys(evaluator.outputs()))
    return [
        {
            **head,
            f"{item}s": [
                {item: output, **row((series, output))}
                for series, output in keys
                if series == head["model"]
            ],
        }
        for head in evaluator.describe()
    ]


def sweep_document(
    scenario: Scenario,
    evaluator: Evaluator,
    summaries: Mapping[Key, Summary],
    *,
    seed: int,
    n_draws: int,
    chunk_size: int,
    run_id: str | None = None,
    scenario_hash: str | None = None,
) -> dict[str, Any]:
    """The ``sweep --format json`` document (schema version 1; docs/uncertainty.md): one
    result per series, its outputs under ``issues`` (outcome models) or ``outputs`` (the war
    model), each with ``deterministic``, the evaluator at the central values (for the war
    model one more solve), and its summary. NaN becomes null.

    Parameters
    ----------
    scenario : Scenario
        The scenario swept.
    evaluator : Evaluator
        What was computed on each draw.
    summaries : Mapping of Key to Summary
        Each (series, output)'s summary.
    seed : int
        The sweep's seed.
    n_draws : int
        Number of draws.
    chunk_size : int
        Draws per chunk.
    run_id : str or None, default None
        The run store's id of the run, if stored.
    scenario_hash : str or None, default None
        SHA-256 of the scenario's canonical JSON, if known.
    """
    deterministic = evaluator.deterministic(scenario)
    doc: dict[str, Any] = _json_safe(
        {
            "schema_version": SCHEMA_VERSION,
            "kind": "sweep",
            "detente_version": __version__,
            "scenario": scenario.name,
            "scenario_hash": scenario_hash,
            "run_id": run_id,
            "seed": seed,
            "n_draws": n_draws,
            "chunk_size": chunk_size,
            "uncertain": _describe(evaluator.numbers),
            "results": series_results(
                evaluator,
                lambda key: {"deterministic": deterministic[key], **summaries[key].to_dict()},
            ),
        }
    )
    return doc


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

    Parameters
    ----------
    scenario : Scenario
        A scenario with a ``campaign:``.
    vary : Mapping of str to Distribution
        Campaign paths and their distributions (``--vary``), over those in the campaign.
    paths : int, default DEFAULT_PATHS
        Simulated paths per draw.
    seed : int, default 0
        Seed of every draw's paths.
    deal_by : date or None, default None
        The date of ``p_deal_by``; None for :func:`~detente.war.model.default_deal_by`.
    policy : {"solve", "fixed"}, default "solve"
        Solve every draw, or solve the central campaign once and only simulate.

    Raises
    ------
    DetenteError
        If the scenario has no campaign, ``vary`` is empty or names no campaign number.
    """
    if scenario.campaign is None:
        raise DetenteError(
            f"has no campaign; --model war needs a 'campaign:' section ({docs_page('war_model')})",
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


def finite_or_none(x: float) -> float | None:
    """``x``, or None where it is NaN or infinite (JSON has no NaN).

    Parameters
    ----------
    x : float
        Any number.
    """
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
