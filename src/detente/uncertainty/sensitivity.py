"""Sobol' sensitivity: which uncertain number drives each forecast (SALib).

The parameters are the scenario's uncertain numbers (:func:`~detente.uncertainty.sampling.
uncertain_numbers`), each a uniform factor on [0, 1) mapped through its distribution's
quantile function, so the indices are those of the numbers as distributed. A scenario with no
distribution gets the documented default band first (:func:`~detente.uncertainty.sampling.
with_default_spread`). The design is Saltelli's extension of the Sobol' sequence (scrambled,
seeded), first and total order only: ``N × (P + 2)`` model runs for ``P`` parameters
(DECISIONS UNC-8).
Confidence intervals are SALib's bootstrap (95 %, 100 resamples).

References
----------
Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and their
Monte Carlo estimates. *Mathematics and Computers in Simulation* 55, 271-280.
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index. *Computer Physics Communications* 181, 259-270.
Herman, J. & Usher, W. (2017). SALib: an open-source Python library for sensitivity
analysis. *Journal of Open Source Software* 2(9), 97.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from detente import __version__
from detente.errors import DetenteError
from detente.models.base import OutcomeModel
from detente.spec.scenario import Scenario
from detente.uncertainty.backends import ChunkJob
from detente.uncertainty.evaluators import WAR, CampaignModel, Evaluator, OutcomeModels
from detente.uncertainty.sampling import UncertainNumber, uncertain_numbers, with_default_spread
from detente.uncertainty.sweep import ChunkSink, MemorySink, finite_or_none, run_chunks

SCHEMA_VERSION = 1
DEFAULT_N = 256
CONF_LEVEL = 0.95
RESAMPLES = 100


def salib_seed(seed: int) -> int:
    """A nonzero 32-bit seed derived from ``seed``.

    SALib's ``analyze`` tests ``if seed:``, so seed 0 would silently fall back to NumPy's
    global RNG; every seed, 0 included, is mapped to a nonzero one first.
    """
    if seed < 0:
        raise DetenteError(f"--seed is {seed}; give a seed >= 0", where="--seed")
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


@dataclass(frozen=True)
class SobolDesign:
    """The uncertain numbers and the Saltelli design on [0, 1)^P."""

    scenario: Scenario
    numbers: list[UncertainNumber]
    unit: np.ndarray
    n: int
    default_spread: bool

    @property
    def problem(self) -> dict[str, Any]:
        return {
            "num_vars": len(self.numbers),
            "names": [u.name for u in self.numbers],
            "bounds": [[0.0, 1.0]] * len(self.numbers),
        }


def design(scenario: Scenario, n: int = DEFAULT_N, seed: int = 0) -> SobolDesign:
    """The Saltelli design for the scenario's uncertain numbers (``n`` a power of 2)."""
    spread = not uncertain_numbers(scenario)
    if spread:
        scenario = with_default_spread(scenario)
    return design_for(scenario, uncertain_numbers(scenario), n, seed, default_spread=spread)


def design_for(
    scenario: Scenario,
    numbers: list[UncertainNumber],
    n: int = DEFAULT_N,
    seed: int = 0,
    *,
    default_spread: bool = False,
) -> SobolDesign:
    """The Saltelli design for the given uncertain numbers (``n`` a power of 2)."""
    from SALib.sample import sobol as sobol_sample

    if n < 2 or n & (n - 1):
        raise DetenteError(
            f"--n is {n}; Sobol' sampling needs a power of 2 such as 128, 256 or 512",
            where="--n",
        )
    problem = {"num_vars": len(numbers), "names": [u.name for u in numbers],
               "bounds": [[0.0, 1.0]] * len(numbers)}  # fmt: skip
    unit = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    # the scrambled sequence lies in [0, 1); guard the quantile functions against 1.0
    unit = np.minimum(np.asarray(unit, dtype=float), np.nextafter(1.0, 0.0))
    return SobolDesign(scenario, numbers, unit, n, default_spread)


def unit_jobs(unit: np.ndarray, chunk_size: int) -> list[ChunkJob]:
    """Chunks of explicit design rows."""
    return [
        ChunkJob(k, min(chunk_size, len(unit) - start), unit=unit[start : start + chunk_size])
        for k, start in enumerate(range(0, len(unit), chunk_size))
    ]


def analyze(
    sobol_design: SobolDesign, outputs: dict[tuple[str, str], np.ndarray], seed: int
) -> pd.DataFrame:
    """First- and total-order indices per output, ranked by total order (1 = most).

    Columns: model, output, parameter, rank, s1, s1_conf, st, st_conf (conf = half-width of
    the 95 % bootstrap interval). An output that does not vary gets zeros.
    """
    from SALib.analyze import sobol as sobol_analyze

    rows = []
    names = [u.name for u in sobol_design.numbers]
    for (model, output), y in outputs.items():
        y = np.asarray(y, dtype=float)
        if np.ptp(y) == 0:
            res = {k: np.zeros(len(names)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = sobol_analyze.analyze(
                    sobol_design.problem, y, calc_second_order=False,
                    num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                    print_to_console=False, seed=salib_seed(seed),
                )  # fmt: skip
        frame = pd.DataFrame(
            {
                "model": model,
                "output": output,
                "parameter": names,
                "s1": np.asarray(res["S1"], dtype=float),
                "s1_conf": np.asarray(res["S1_conf"], dtype=float),
                "st": np.asarray(res["ST"], dtype=float),
                "st_conf": np.asarray(res["ST_conf"], dtype=float),
            }
        )
        frame = frame.sort_values(["st", "s1"], ascending=False, kind="stable")
        frame.insert(3, "rank", np.arange(1, len(frame) + 1))
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)[
        ["model", "output", "parameter", "rank", "s1", "s1_conf", "st", "st_conf"]
    ]


def sensitivity(
    scenario: Scenario,
    models: Sequence[OutcomeModel],
    *,
    n: int = DEFAULT_N,
    seed: int = 0,
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    chunk_size: int = 1000,
    sink: ChunkSink | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[SobolDesign, dict[tuple[str, str], np.ndarray], pd.DataFrame]:
    """Sobol' indices of every model's forecast on every issue.

    Returns the design, the model outputs on the design rows, and the ranked indices (see
    :func:`analyze`).

    Examples
    --------
    >>> from detente.scenario import load_scenario
    >>> from detente.models import Compromise
    >>> _, _, idx = sensitivity(load_scenario("ukraine-2024"), [Compromise()], n=8)
    >>> list(idx.columns)
    ['model', 'output', 'parameter', 'rank', 's1', 's1_conf', 'st', 'st_conf']
    """
    sd = design(scenario, n, seed)
    return _run(sd, OutcomeModels(sd.scenario, models), seed, backend=backend,
                address=address, workers=workers, chunk_size=chunk_size, sink=sink,
                progress=progress)  # fmt: skip


def campaign_sensitivity(
    scenario: Scenario,
    evaluator: CampaignModel,
    *,
    n: int = 64,
    seed: int = 0,
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    chunk_size: int = 10,
    sink: ChunkSink | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[SobolDesign, dict[tuple[str, str], np.ndarray], pd.DataFrame]:
    """Sobol' indices of the war model's outputs for the campaign numbers the evaluator draws
    (:func:`~detente.uncertainty.sweep.war_evaluator`): ``n × (P + 2)`` solves of the
    campaign (each about 2 s on ukraine-2024; a fixed policy solves once). NaN outputs (a
    daily gain over no weeks) count as 0 (DECISIONS UNC-22). Returns as :func:`sensitivity`."""
    sd = design_for(scenario, evaluator.numbers, n, seed)
    return _run(sd, evaluator, seed, backend=backend, address=address, workers=workers,
                chunk_size=chunk_size, sink=sink, progress=progress)  # fmt: skip


def _run(
    sd: SobolDesign,
    evaluator: Evaluator,
    seed: int,
    *,
    backend: str,
    address: str | None,
    workers: int | None,
    chunk_size: int,
    sink: ChunkSink | None,
    progress: Callable[[int, int], None] | None,
) -> tuple[SobolDesign, dict[tuple[str, str], np.ndarray], pd.DataFrame]:
    memory = MemorySink()
    run_chunks(
        sd.scenario,
        evaluator,
        unit_jobs(sd.unit, chunk_size),
        memory if sink is None else _Tee(memory, sink),
        backend=backend,
        address=address,
        workers=workers,
        progress=progress,
    )
    outputs = memory.arrays()
    finite = {key: np.nan_to_num(y, nan=0.0) for key, y in outputs.items()}
    return sd, outputs, analyze(sd, finite, seed)


class _Tee:
    """Write to memory and to another sink (e.g. the run store)."""

    def __init__(self, memory: MemorySink, other: ChunkSink) -> None:
        self.memory, self.other = memory, other

    def done_chunks(self) -> set[int]:
        return set()

    def write(self, result: Any, job: ChunkJob) -> None:
        self.memory.write(result, job)
        self.other.write(result, job)


def sensitivity_document(
    sobol_design: SobolDesign,
    indices: pd.DataFrame,
    *,
    seed: int,
    models: Sequence[OutcomeModel],
    run_id: str | None = None,
) -> dict[str, Any]:
    """The ``sensitivity --format json`` document (schema version 1; docs/uncertainty.md)."""
    results = []
    for model in models:
        issues = [
            {"issue": issue, "indices": index_rows(indices, model.name, issue)}
            for issue in sobol_design.scenario.issue_names
        ]
        results.append({"model": model.name, "params": model.get_params(), "issues": issues})
    return _document(sobol_design, results, seed=seed, run_id=run_id)


def campaign_sensitivity_document(
    sobol_design: SobolDesign,
    indices: pd.DataFrame,
    *,
    seed: int,
    evaluator: CampaignModel,
    run_id: str | None = None,
) -> dict[str, Any]:
    """The ``sensitivity --model war --format json`` document: as :func:`sensitivity_document`
    with one result whose ``outputs`` replace ``issues`` (docs/uncertainty.md)."""
    outputs = [
        {"output": output, "indices": index_rows(indices, series, output)}
        for series, output in evaluator.outputs()
    ]
    result = {"model": WAR, "params": evaluator.get_params(), "outputs": outputs}
    return _document(sobol_design, [result], seed=seed, run_id=run_id)


def index_rows(indices: pd.DataFrame, model: str, output: str) -> list[dict[str, Any]]:
    """The ranked index rows of one model and output, as JSON objects (NaN as null)."""
    part = indices[(indices["model"] == model) & (indices["output"] == output)]
    return [
        {
            "parameter": str(p),
            "rank": int(k),
            "S1": finite_or_none(s1),
            "S1_conf": finite_or_none(s1c),
            "ST": finite_or_none(st),
            "ST_conf": finite_or_none(stc),
        }
        for p, k, s1, s1c, st, stc in zip(
            part["parameter"].tolist(),
            part["rank"].to_numpy(int),
            part["s1"].to_numpy(float),
            part["s1_conf"].to_numpy(float),
            part["st"].to_numpy(float),
            part["st_conf"].to_numpy(float),
            strict=True,
        )
    ]


def _document(
    sobol_design: SobolDesign, results: list[dict[str, Any]], *, seed: int, run_id: str | None
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "sensitivity",
        "detente_version": __version__,
        "scenario": sobol_design.scenario.name,
        "run_id": run_id,
        "seed": seed,
        "n": sobol_design.n,
        "n_evaluations": len(sobol_design.unit),
        "conf_level": CONF_LEVEL,
        "default_spread": sobol_design.default_spread,
        "parameters": [
            {"name": u.name, "distribution": u.distribution.describe(), "value": u.value}
            for u in sobol_design.numbers
        ],
        "results": results,
    }
