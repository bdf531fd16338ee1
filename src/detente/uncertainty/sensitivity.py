"""Sobol' sensitivity: which uncertain number drives each forecast (SALib).

The parameters are the numbers an evaluator draws (:class:`~detente.uncertainty.evaluators.
Evaluator`: the scenario's uncertain numbers for the outcome models, campaign numbers for the
war model), each a uniform factor on [0, 1) mapped through its distribution's quantile
function, so the indices are those of the numbers as distributed. An evaluator with nothing to
draw (a scenario with no distribution) gets the documented default band first
(:func:`~detente.uncertainty.sampling.with_default_spread`). The design is Saltelli's
extension of the Sobol' sequence (scrambled, seeded), first and total order only:
``N × (P + 2)`` model runs for ``P`` parameters (DECISIONS UNC-8).
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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from detente import __version__
from detente.errors import DetenteError
from detente.progress import progress_bar
from detente.spec.display import Display, fmt, listed
from detente.spec.scenario import Scenario
from detente.uncertainty.backends import ChunkJob
from detente.uncertainty.evaluators import Evaluator, Key
from detente.uncertainty.sampling import UncertainNumber
from detente.uncertainty.sweep import (
    ChunkSink,
    MemorySink,
    finite_or_none,
    run_chunks,
    series_results,
)

SCHEMA_VERSION = 1
DEFAULT_N = 256
CONF_LEVEL = 0.95
RESAMPLES = 100


def salib_seed(seed: int) -> int:
    """A nonzero 32-bit seed derived from ``seed``.

    SALib's ``analyze`` tests ``if seed:``, so seed 0 would silently fall back to NumPy's
    global RNG; every seed, 0 included, is mapped to a nonzero one first.

    Parameters
    ----------
    seed : int
        The run's seed, >= 0.
    """
    if seed < 0:
        raise DetenteError(f"--seed is {seed}; give a seed >= 0", where="--seed")
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


@dataclass(frozen=True, repr=False)
class SobolDesign(Display):
    """The evaluator, the scenario it draws from and the Saltelli design on [0, 1)^P of its
    P numbers."""

    scenario: Scenario
    evaluator: Evaluator
    unit: np.ndarray
    n: int
    default_spread: bool

    @property
    def numbers(self) -> list[UncertainNumber]:
        return self.evaluator.numbers

    @property
    def problem(self) -> dict[str, Any]:
        return _problem(self.numbers)

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        return f"SobolDesign on {self.scenario.name!r}", [
            ("n", self.n),
            ("evaluations", len(self.unit)),
            (f"{len(self.numbers)} parameters", listed(u.name for u in self.numbers)),
            ("default spread", self.default_spread),
        ]


class SensitivityResult(NamedTuple):
    """What :func:`sensitivity` returns: the design, the outputs on its rows and the ranked
    indices (:func:`analyze`). It unpacks as the tuple ``(design, outputs, indices)`` and
    prints as each output's top drivers (:class:`~detente.spec.display.Display`)."""

    design: SobolDesign
    outputs: dict[Key, np.ndarray]
    indices: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The ranked indices, one row per (model, output, parameter): columns ``model,
        output, parameter, rank, s1, s1_conf, st, st_conf`` (DECISIONS DESK-2)."""
        return self.indices.copy()

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        facts: list[tuple[str, object]] = [
            ("n", self.design.n),
            ("evaluations", len(self.design.unit)),
            ("parameters", len(self.design.numbers)),
        ]
        top = self.indices[self.indices["rank"] <= 3]
        groups = list(top.groupby(["model", "output"], sort=False))
        for (model, output), part in groups[:8]:
            drivers = [
                f"{p} (ST {fmt(st, 2)})"
                for p, st in zip(part["parameter"], part["st"], strict=True)
            ]
            facts.append((f"{model} / {output}", listed(drivers, 3)))
        if len(groups) > 8:
            facts.append(("more outputs", len(groups) - 8))
        return f"SensitivityResult on {self.design.scenario.name!r}", facts

    def __repr__(self) -> str:
        return Display.__repr__(self)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return Display.__str__(self)  # type: ignore[arg-type]

    def _repr_html_(self) -> str:
        return Display._repr_html_(self)  # type: ignore[arg-type]


def _problem(numbers: list[UncertainNumber]) -> dict[str, Any]:
    """SALib's problem: one factor on [0, 1] per number."""
    return {"num_vars": len(numbers), "names": [u.name for u in numbers],
            "bounds": [[0.0, 1.0]] * len(numbers)}  # fmt: skip


def design(
    scenario: Scenario, evaluator: Evaluator, n: int = DEFAULT_N, seed: int = 0
) -> SobolDesign:
    """The Saltelli design for the numbers ``evaluator`` draws (``n`` a power of 2); with
    none, for the default band's (:meth:`~detente.uncertainty.evaluators.Evaluator.
    with_default_band`).

    Parameters
    ----------
    scenario : Scenario
        The scenario the numbers are drawn from.
    evaluator : Evaluator
        What is computed on each design row, and which numbers it draws.
    n : int, default DEFAULT_N
        Base sample size, a power of 2 (``n × (P + 2)`` rows).
    seed : int, default 0
        Seed of the scrambled Sobol' sequence.
    """
    from SALib.sample import sobol as sobol_sample

    spread = not evaluator.numbers
    if spread:
        scenario, evaluator = evaluator.with_default_band(scenario)
    if n < 2 or n & (n - 1):
        raise DetenteError(
            f"--n is {n}; Sobol' sampling needs a power of 2 such as 128, 256 or 512",
            where="--n",
        )
    problem = _problem(evaluator.numbers)
    unit = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    # the scrambled sequence lies in [0, 1); guard the quantile functions against 1.0
    unit = np.minimum(np.asarray(unit, dtype=float), np.nextafter(1.0, 0.0))
    return SobolDesign(scenario, evaluator, unit, n, spread)


def unit_jobs(unit: np.ndarray, chunk_size: int) -> list[ChunkJob]:
    """Chunks of explicit design rows.

    Parameters
    ----------
    unit : numpy.ndarray
        The design rows on [0, 1)^P.
    chunk_size : int
        Rows per chunk.
    """
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

    Parameters
    ----------
    sobol_design : SobolDesign
        The design the outputs were computed on.
    outputs : dict of (str, str) to numpy.ndarray
        Each (model, output)'s values on the design rows (finite).
    seed : int
        Seed of the bootstrap of the intervals (:func:`salib_seed`).
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
    evaluator: Evaluator,
    *,
    n: int = DEFAULT_N,
    seed: int = 0,
    backend: str = "inline",
    address: str | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    sink: ChunkSink | None = None,
    progress: Callable[[int, int], None] | bool | None = None,
) -> SensitivityResult:
    """Sobol' indices of every output of ``evaluator`` (every model's forecast on every
    issue, or the war model's outputs: ``n × (P + 2)`` solves of the campaign, each about 2 s
    on ukraine-2024, unless a fixed policy solves once). NaN outputs (a daily gain over no
    weeks) count as 0 (DECISIONS UNC-22).

    Returns the design, the outputs on the design rows, and the ranked indices (see
    :func:`analyze`) as a :class:`SensitivityResult` (a named tuple). ``chunk_size``
    defaults to ``evaluator.chunk_size``; ``sink`` also receives every chunk (e.g. the run
    store). ``progress`` is told ``(done, total)`` chunks
    when a callable; ``None`` draws a bar only in a notebook or a terminal
    (:func:`detente.progress.progress_bar`), ``False`` none.

    Parameters
    ----------
    scenario : Scenario
        The scenario the numbers are drawn from.
    evaluator : Evaluator
        What is computed on each design row (outcome models or the war model).
    n : int, default DEFAULT_N
        Base sample size, a power of 2.
    seed : int, default 0
        Seed of the design and of the bootstrap intervals.
    backend : str, default "inline"
        Where chunks run: ``inline``, ``process`` or ``ray``.
    address : str or None, default None
        A Ray cluster's address (``ray`` backend only).
    workers : int or None, default None
        Worker processes of the ``process`` or ``ray`` backend; None for its default.
    chunk_size : int or None, default None
        Design rows per chunk; None for ``evaluator.chunk_size``.
    sink : ChunkSink or None, default None
        Also receives every chunk (e.g. the run store).
    progress : callable or bool or None, default None
        Told ``(done, total)`` chunks; None for a bar in a notebook or terminal, False
        for none.

    Examples
    --------
    >>> from detente.scenario import load_scenario
    >>> from detente.models import Compromise
    >>> from detente.uncertainty.evaluators import OutcomeModels
    >>> sc = load_scenario("ukraine-2024")
    >>> _, _, idx = sensitivity(sc, OutcomeModels(sc, [Compromise()]), n=8)
    >>> list(idx.columns)
    ['model', 'output', 'parameter', 'rank', 's1', 's1_conf', 'st', 'st_conf']
    """
    sd = design(scenario, evaluator, n, seed)
    size = sd.evaluator.chunk_size if chunk_size is None else chunk_size
    memory = MemorySink()
    with progress_bar("sensitivity", show=None if progress is None else False) as tick:
        run_chunks(
            sd.scenario,
            sd.evaluator,
            unit_jobs(sd.unit, size),
            memory if sink is None else _Tee(memory, sink),
            backend=backend,
            address=address,
            workers=workers,
            progress=progress if callable(progress) else tick,
        )
    outputs = memory.arrays()
    finite = {key: np.nan_to_num(y, nan=0.0) for key, y in outputs.items()}
    return SensitivityResult(sd, outputs, analyze(sd, finite, seed))


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
    run_id: str | None = None,
) -> dict[str, Any]:
    """The ``sensitivity --format json`` document (schema version 1; docs/uncertainty.md):
    one result per series of the design's evaluator, its outputs under ``issues`` (outcome
    models) or ``outputs`` (the war model), each with its ranked indices.

    Parameters
    ----------
    sobol_design : SobolDesign
        The design the indices were computed on.
    indices : pandas.DataFrame
        The ranked indices (:func:`analyze`).
    seed : int
        The run's seed.
    run_id : str or None, default None
        The run store's id of the run, if stored.
    """
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
        "results": series_results(
            sobol_design.evaluator, lambda key: {"indices": index_rows(indices, *key)}
        ),
    }


def index_rows(indices: pd.DataFrame, model: str, output: str) -> list[dict[str, Any]]:
    """The ranked index rows of one model and output, as JSON objects (NaN as null).

    Parameters
    ----------
    indices : pandas.DataFrame
        The ranked indices (:func:`analyze`).
    model : str
        The model (or series) name.
    output : str
        The output (issue or war-model output) name.
    """
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
