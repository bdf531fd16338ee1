"""The war-termination model behind the model contract: solve, simulate, hazard, summary.

:class:`WarModel` owns the pipeline every caller used to glue by hand (the CLI's
``simulate``, the report's campaign section, the web app, lever search and sweeps): the
campaign's policies solved by backward induction (:func:`~detente.war.solver.solve`, memoised
per campaign by :data:`SOLVER`), Monte Carlo paths under them
(:func:`~detente.war.simulate.simulate`), the hazard that a deal breaks down
(:func:`~detente.war.hazard.resumption_hazard`) and the summary.

:data:`OUTPUTS` is the ONE table of the model's numbers: name, unit, tolerance, meaning and how
each is computed from the paths. Sweeps and Sobol' analyses take the ``sweep`` ones per draw,
the what-if comparison (CLI and web) the ``headline`` ones, and the JSON document of
``detente simulate`` (:func:`~detente.war.report.document`) fills its scalars from the same
functions. A new output is one row here (DECISIONS SPEC-4).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from detente.contract import Draws, Output, Params, Tags, rng_of
from detente.errors import DetenteError
from detente.paths import docs_page
from detente.progress import progress_bar
from detente.scenario.edit import edit_campaign  # DECISIONS SPEC-5: loading is below
from detente.spec.campaign import ESCALATION, Campaign, CampaignArrays, campaign_hash
from detente.spec.display import Display
from detente.spec.paths import Path
from detente.spec.scenario import Scenario
from detente.war import diagnostics, solver
from detente.war.commitment import deal_values
from detente.war.hazard import DealTerms, ResumptionHazard, resumption_hazard
from detente.war.simulate import Paths, simulate
from detente.war.solver import Solution
from detente.wording import plural

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

HOLD_YEARS = (1, 3, 5)
"""The horizons of P(the deal holds), in years."""
DEFAULT_PATHS = 2000
DEAL_BY_WEEKS = 26
"""The default ``deal_by`` date: this many weeks after the deadline (the regime change),
capped at the end of the horizon."""
CAMPAIGN_PREFIX = "campaign."
Policy = Literal["solve", "fixed"]
POLICIES: tuple[str, ...] = ("solve", "fixed")


def default_deal_by(campaign: Campaign) -> date:
    """Half a year after the deadline, or the end of the horizon if sooner (DECISIONS UNC-20).

    Parameters
    ----------
    campaign : Campaign
        The campaign (its start, horizon and deadline).
    """
    end = campaign.start + timedelta(weeks=campaign.horizon_weeks)
    return min(campaign.regime_change + timedelta(weeks=DEAL_BY_WEEKS), end)


def changes_grid(name: str) -> bool:
    """Whether the number ``name`` (``campaign.<path>``) sets the solver's grid, which a
    fixed policy cannot change.

    Parameters
    ----------
    name : str
        A campaign number's name, ``campaign.<path>``.
    """
    first = Path.parse(name).in_campaign().segments[0]
    return first in ("grid", "start_territory_km2")


def weeks_until(campaign: Campaign, when: date) -> int:
    """Whole weeks from the campaign's start to ``when``, within the horizon.

    Parameters
    ----------
    campaign : Campaign
        The campaign (its start and horizon).
    when : date
        The date.
    """
    return min(max((when - campaign.start).days // 7, 0), campaign.horizon_weeks)


def deal_terms(arr: CampaignArrays, paths: Paths) -> DealTerms:
    """The terms of every path's deal (paths without a deal left out).

    Parameters
    ----------
    arr : CampaignArrays
        The campaign's arrays (its offers' terms).
    paths : Paths
        The simulated paths.
    """
    done = paths.deal_week >= 0
    _, guarantees, _, snapback = arr.offer_terms()
    offer = paths.offer[done]
    return DealTerms(
        line_change_km2=paths.kept_km2[done] - arr.x0,
        sanctions_relief=paths.relief[done],
        guarantees=guarantees[offer],
        snapback=snapback[offer],
    )


def solve_campaign(campaign: Campaign, arrays: CampaignArrays | None = None) -> Solution:
    """The campaign's game solved, its deals valued with the campaign's resumption hazard
    when it has a ``commitment`` (:mod:`detente.war.commitment`); ``arrays`` replaces the
    campaign's own (already built).

    Parameters
    ----------
    campaign : Campaign
        The campaign to solve.
    arrays : CampaignArrays or None, default None
        The campaign's arrays if already built; None builds them.
    """
    arrays = campaign.arrays() if arrays is None else arrays
    hazard = resumption_hazard(campaign) if arrays.commitment is not None else None
    return solver.solve(arrays, deal_values(arrays, hazard, arrays.territory_grid()))


@dataclass(frozen=True)
class RunStats:
    """What every output is computed from: the paths of one campaign (with its arrays) and,
    where P(holds) is wanted, its hazard."""

    arrays: CampaignArrays
    paths: Paths
    weeks_by: int
    hazard: ResumptionHazard | None = None

    @cached_property
    def done(self) -> BoolArray:
        return np.asarray(self.paths.deal_week >= 0)

    @cached_property
    def surge(self) -> BoolArray:
        return np.asarray(self.paths.intensity == ESCALATION)

    @cached_property
    def before(self) -> BoolArray:
        return np.asarray(np.arange(self.arrays.horizon) < self.arrays.t_regime)

    def week_share(self, intensity: int) -> float:
        """Share of path-weeks at war at ``intensity``; NaN without such weeks.

        Parameters
        ----------
        intensity : int
            The intensity code (e.g. :data:`~detente.war.simulate.ESCALATION`).
        """
        at_war = self.paths.intensity >= 0
        n = int(at_war.sum())
        return float((self.paths.intensity == intensity).sum() / n) if n else math.nan

    def gain_per_day(self, before: bool) -> float:
        """Mean daily gain over path-weeks still at war, before or from the deadline (km²);
        NaN where there are none.

        Parameters
        ----------
        before : bool
            True for the weeks before the deadline, False for those from it.
        """
        weeks = np.arange(self.arrays.horizon)
        fighting = (self.paths.intensity >= 0) & (weeks[None, :] != self.paths.deal_week[:, None])
        cells = fighting & (self.before if before else ~self.before)[None, :]
        weekly_gain = np.diff(self.paths.territory, axis=1)
        return float(weekly_gain[cells].mean() / 7.0) if cells.any() else math.nan

    @cached_property
    def terms(self) -> DealTerms:
        return deal_terms(self.arrays, self.paths)

    def p_holds_paths(self, years: float) -> FloatArray:
        """P(the deal holds ``years`` years) of every path with a deal.

        Parameters
        ----------
        years : float
            Years after the deal.
        """
        if self.hazard is None:
            raise DetenteError("P(holds) needs the resumption hazard", where="war outputs")
        if not self.terms.guarantees.size:
            return np.empty(0)
        return np.asarray(self.hazard.p_holds(self.terms, float(years)), dtype=np.float64)

    def p_holds(self, years: float) -> float:
        """Mean P(holds ``years`` years | deal); NaN without a deal.

        Parameters
        ----------
        years : float
            Years after the deal.
        """
        p = self.p_holds_paths(years)
        return float(p.mean()) if p.size else math.nan


@dataclass(frozen=True)
class WarOutput:
    """One row of :data:`OUTPUTS`."""

    name: str
    unit: str
    digits: int
    """Decimals shown (the document and the headline round to these)."""
    description: str
    compute: Callable[[RunStats], float]
    sweep: bool = True
    """One number per draw in sweeps and Sobol' analyses (cheap: no hazard needed)."""
    headline: str | None = None
    """Its key in the what-if headline; ``None``: not shown there."""

    @property
    def spec(self) -> Output:
        return Output(self.name, self.unit, 10.0**-self.digits, self.description)

    def rounded(self, stats: RunStats) -> float | None:
        """The value rounded to :attr:`digits`; ``None`` for NaN (no such path-weeks).

        Parameters
        ----------
        stats : RunStats
            The run's paths.
        """
        value = self.compute(stats)
        return None if math.isnan(value) else round(value, self.digits)


def _p_holds(years: int) -> WarOutput:
    return WarOutput(
        f"p_holds_{years}y",
        "probability",
        4,
        f"P(the deal holds {plural(years, 'year')} | a deal), mean over paths with a deal",
        lambda s: s.p_holds(years),
        sweep=False,
        headline=f"p_holds_{years}y",
    )


OUTPUTS: tuple[WarOutput, ...] = (
    WarOutput("p_deal", "probability", 4, "P(a deal within the horizon)",
              lambda s: float(s.done.mean()), headline="p_deal_by_end"),
    WarOutput("p_deal_by", "probability", 4,
              "P(a deal by the deal_by date: struck in an earlier week)",
              lambda s: float((s.done & (s.paths.deal_week < s.weeks_by)).mean())),
    WarOutput("p_escalation", "probability", 4,
              "P(the attacker's top intensity, surge, in at least one week of the path)",
              lambda s: float(s.surge.any(axis=1).mean()), headline="p_escalation"),
    WarOutput("p_escalation_after_deadline", "probability", 4,
              "P(a week of surge from the deadline on)",
              lambda s: float(s.surge[:, ~s.before].any(axis=1).mean()),
              headline="p_escalation_after_deadline"),
    WarOutput("surge_share", "share", 4, "share of path-weeks at war at surge",
              lambda s: s.week_share(ESCALATION)),
    WarOutput("territory_end_km2", "km²", 1, "mean area held at the horizon",
              lambda s: float(s.paths.territory[:, -1].mean())),
    WarOutput("median_territory_end_km2", "km²", 1, "median area held at the horizon",
              lambda s: float(np.quantile(s.paths.territory[:, -1], 0.5)), sweep=False,
              headline="median_territory_end_km2"),
    WarOutput("gain_km2_per_day_before", "km²/day", 2,
              "mean daily gain over path-weeks at war before the deadline",
              lambda s: s.gain_per_day(before=True), headline="gain_km2_per_day_before"),
    WarOutput("gain_km2_per_day_after", "km²/day", 2,
              "mean daily gain over path-weeks at war from the deadline",
              lambda s: s.gain_per_day(before=False), headline="gain_km2_per_day_after"),
    *(_p_holds(y) for y in HOLD_YEARS),
)  # fmt: skip
"""Every number the war model reports (see the module docstring)."""

OUTPUT = {o.name: o for o in OUTPUTS}
SWEEP_OUTPUTS: tuple[str, ...] = tuple(o.name for o in OUTPUTS if o.sweep)
"""The per-draw outputs of sweeps, in table order (DECISIONS UNC-19)."""


@dataclass(frozen=True)
class PathOutput:
    """One per-path array of a run, as the run store records it (NaN where undefined)."""

    name: str
    unit: str
    description: str
    compute: Callable[[RunStats], FloatArray]


def _on_deal_paths(stats: RunStats, years: int) -> FloatArray:
    out = np.full(stats.paths.n_paths, np.nan)
    out[stats.done] = stats.p_holds_paths(years)
    return out


def _p_holds_path(years: int) -> PathOutput:
    return PathOutput(f"p_holds_{years}y", "probability",
                      f"P(the path's deal holds {plural(years, 'year')}); NaN without a deal",
                      lambda s: _on_deal_paths(s, years))  # fmt: skip


PATH_OUTPUTS: tuple[PathOutput, ...] = (
    PathOutput("deal_week", "week", "week of the deal, -1 without one",
               lambda s: s.paths.deal_week.astype(float)),
    PathOutput("kept_km2", "km²", "area the attacker keeps under the deal; NaN without one",
               lambda s: s.paths.kept_km2),
    PathOutput("mediator_type", "index", "the mediator's type drawn for the path",
               lambda s: s.paths.mediator_type.astype(float)),
    PathOutput("territory_end_km2", "km²", "area held at the horizon",
               lambda s: s.paths.territory[:, -1]),
    PathOutput("surge_weeks", "weeks", "weeks of surge on the path",
               lambda s: s.surge.sum(axis=1).astype(float)),
    *(_p_holds_path(y) for y in HOLD_YEARS),
)  # fmt: skip
"""The per-path arrays of a run (the run store's ``war`` outputs of ``detente simulate``)."""


def sweep_values(stats: RunStats) -> dict[str, float]:
    """The :data:`SWEEP_OUTPUTS` of one set of paths, unrounded (NaN where undefined).

    Parameters
    ----------
    stats : RunStats
        The run's paths.
    """
    return {o.name: o.compute(stats) for o in OUTPUTS if o.sweep}


def headline_values(stats: RunStats) -> dict[str, float | None]:
    """The what-if headline: every ``headline`` output, rounded as shown.

    Parameters
    ----------
    stats : RunStats
        The run's paths.
    """
    return {o.headline: o.rounded(stats) for o in OUTPUTS if o.headline is not None}


MEMO_SIZE = 8
"""Solved campaigns a :class:`MemoSolver` keeps (about 80 MB each for ukraine-2024: the
values of every week, from which the simulator recomputes the votes)."""
SOLVE_CONCURRENCY = 2
"""Campaigns a :class:`MemoSolver` solves at once (each solve is CPU-bound)."""


class MemoSolver:
    """Solved policies of the last ``size`` campaigns, keyed by :func:`campaign_hash`.

    A solved game of ukraine-2024 holds about 80 MB and takes seconds, so callers that
    meet the same campaign again (the web app's sliders, the report after ``simulate``,
    lever search revisiting a setting) get it from here. Thread-safe: a campaign being
    solved is solved once (a burst of requests for a new slider value must not mean a
    solve each: found by benchmarks/load_web.py), others asking for it wait for that solve,
    and at most ``concurrent`` campaigns are solved at once. ``runner``, when set, does the
    solves instead of :func:`solve_campaign` in the calling thread: the web app sets it to
    its worker processes while it runs (DECISIONS WEB-3); it must give the same solution.
    """

    def __init__(self, size: int = MEMO_SIZE, concurrent: int = SOLVE_CONCURRENCY) -> None:
        self.size = size
        self.concurrent = concurrent
        self.runner: Callable[[Campaign], Solution] | None = None
        self._items: OrderedDict[str, Solution] = OrderedDict()
        self._lock = threading.Lock()
        self._solving: dict[str, threading.Event] = {}
        self._slots = threading.BoundedSemaphore(concurrent)

    def cached(self, campaign: Campaign, key: str | None = None) -> Solution | None:
        """The campaign's solution if it is in the cache (no solve); ``key`` its
        :func:`campaign_hash` if the caller has it (hashing ukraine-2024 takes ~0.1 s).

        Parameters
        ----------
        campaign : Campaign
            The campaign.
        key : str or None, default None
            Its :func:`campaign_hash`; None computes it.
        """
        key = key or campaign_hash(campaign)
        with self._lock:
            solution = self._items.get(key)
            if solution is not None:
                self._items.move_to_end(key)
            return solution

    def holds(self, key: str) -> bool:
        """Whether the campaign of :func:`campaign_hash` ``key`` is in the cache.

        Parameters
        ----------
        key : str
            A campaign's :func:`campaign_hash`.
        """
        with self._lock:
            return key in self._items

    def solve(self, campaign: Campaign, key: str | None = None) -> tuple[Solution, bool]:
        """The campaign's solution, and whether it came from the cache (``key`` as in
        :meth:`cached`).

        Parameters
        ----------
        campaign : Campaign
            The campaign to solve.
        key : str or None, default None
            Its :func:`campaign_hash`; None computes it.
        """
        key = key or campaign_hash(campaign)
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key], True
                event = self._solving.get(key)
                if event is None:
                    event = self._solving[key] = threading.Event()
                    break
            event.wait()
        try:
            with self._slots:
                # looked up when called: the test suite shares solutions (DECISIONS PERF-5)
                runner = self.runner or solve_campaign
                solution = runner(campaign)
            with self._lock:
                self._items[key] = solution
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return solution, False
        finally:
            with self._lock:
                del self._solving[key]
            event.set()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


SOLVER = MemoSolver()
"""The process's memoising solver, shared by the CLI, the report, the web app and levers."""


@dataclass(frozen=True, repr=False)
class WarRun(Display):
    """One solved and simulated campaign: the result of :meth:`WarModel.run`.

    Prints as its headline numbers (:class:`~detente.spec.display.Display`); :meth:`to_frame`
    gives every output or every path as a table, :attr:`document` the JSON document.
    """

    scenario: str
    campaign: Campaign
    solution: Solution
    paths: Paths
    hazard: ResumptionHazard
    seed: int | None
    deal_by: date
    seconds: float
    cached: bool = False
    model: str = "war"
    """The registry name of the model that made the run (the store's series)."""

    @cached_property
    def stats(self) -> RunStats:
        return RunStats(
            self.solution.arrays,
            self.paths,
            weeks_until(self.campaign, self.deal_by),
            self.hazard,
        )

    def values(self) -> dict[str, float]:
        """Every declared output (:data:`OUTPUTS`), unrounded."""
        return {o.name: o.compute(self.stats) for o in OUTPUTS}

    def headline(self) -> dict[str, float | None]:
        return headline_values(self.stats)

    def path_values(self) -> dict[str, FloatArray]:
        """Every per-path array of :data:`PATH_OUTPUTS`, by name."""
        return {o.name: o.compute(self.stats) for o in PATH_OUTPUTS}

    @cached_property
    def document(self) -> dict[str, Any]:
        """The ``detente simulate --format json`` document (schema in docs/war_model.md)."""
        return document(self)

    def to_dict(self) -> dict[str, Any]:
        return self.document

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        facts: list[tuple[str, object]] = [
            ("paths", self.paths.n_paths),
            ("seed", "-" if self.seed is None else self.seed),
            ("deal by", self.deal_by),
        ]
        facts += [(k, "n/a" if v is None else v) for k, v in self.headline().items()]
        return f"WarRun {self.model!r} on {self.scenario!r}", facts

    def to_frame(self, per_path: bool = False) -> pd.DataFrame:
        """The run as a table (DECISIONS DESK-2).

        Parameters
        ----------
        per_path : bool
            False (default): one row per declared output (:data:`OUTPUTS`), columns
            ``model, output, value, unit, description`` (NaN where undefined). True: one row
            per path, columns ``path`` and every :data:`PATH_OUTPUTS` name.
        """
        import pandas as pd

        if per_path:
            frame = pd.DataFrame(self.path_values())
            frame.insert(0, "path", range(len(frame)))
            return frame
        values = self.values()
        return pd.DataFrame(
            {
                "model": self.model,
                "output": [o.name for o in OUTPUTS],
                "value": [values[o.name] for o in OUTPUTS],
                "unit": [o.unit for o in OUTPUTS],
                "description": [o.description for o in OUTPUTS],
            }
        )


def summarise(
    campaign: Campaign,
    solution: Solution,
    paths: Paths,
    *,
    scenario: str,
    seed: int | np.random.Generator,
    deal_by: date | None = None,
) -> WarRun:
    """The :class:`WarRun` of paths already simulated under ``solution`` (its hazard from
    the campaign; ``seed`` recorded when it is an int).

    Parameters
    ----------
    campaign : Campaign
        The campaign simulated.
    solution : Solution
        Its solved game.
    paths : Paths
        The paths simulated under ``solution``.
    scenario : str
        The scenario's name.
    seed : int or numpy.random.Generator
        The seed of the paths (recorded when an int).
    deal_by : date or None, default None
        The date of ``p_deal_by``; None for :func:`default_deal_by`.
    """
    return WarRun(
        scenario=scenario,
        campaign=campaign,
        solution=solution,
        paths=paths,
        hazard=resumption_hazard(campaign),
        seed=seed if isinstance(seed, int) else None,
        deal_by=default_deal_by(campaign) if deal_by is None else deal_by,
        seconds=solution.seconds,
    )


def _campaign(scenario: Scenario) -> Campaign:
    if scenario.campaign is None:
        raise DetenteError(
            f"the scenario has no campaign; add a 'campaign:' section ({docs_page('war_model')})",
            source=scenario.name,
        )
    return scenario.campaign


class WarModel(Params):
    """The war-termination model (docs/war_model.md).

    Parameters
    ----------
    paths : Monte Carlo paths per run (and per draw in :meth:`evaluate`).
    deal_by : the date of the ``p_deal_by`` output (default :func:`default_deal_by`).
    policy : in :meth:`evaluate`, ``"solve"`` (every draw solved) or ``"fixed"`` (the
        central campaign's policy reused: DECISIONS UNC-17).
    """

    name: ClassVar[str] = "war"
    label: ClassVar[str] = "War termination (deadline, coercion, beliefs; backward induction)"
    reference: ClassVar[str] = (
        f"Fearon 1995; Powell 2006; Slantchev 2003 ({docs_page('war_model')})"
    )
    tags: ClassVar[Tags] = Tags(stochastic=True, needs_campaign=True, has_trajectory=True)
    varies: ClassVar[tuple[str, ...]] = (CAMPAIGN_PREFIX,)

    def __init__(
        self, paths: int = DEFAULT_PATHS, deal_by: date | None = None, policy: Policy = "solve"
    ) -> None:
        self.paths = paths
        self.deal_by = deal_by
        self.policy = policy

    def _check(self) -> None:
        if self.policy not in POLICIES:
            raise DetenteError(
                f"unknown policy {self.policy!r}; use one of: {', '.join(POLICIES)}",
                where="--policy",
            )
        if self.paths < 1:
            raise DetenteError(f"--paths is {self.paths}; give at least 1", where="--paths")

    def outputs(self, inputs: Scenario | None = None) -> list[Output]:
        """The declared outputs (:data:`OUTPUTS`), the same for every scenario."""
        return [o.spec for o in OUTPUTS]

    def run(
        self,
        inputs: Scenario,
        seed: int | np.random.Generator = 0,
        *,
        campaign: Campaign | None = None,
        on_step: Callable[[str], None] | None = None,
        progress: bool | None = None,
    ) -> WarRun:
        """Solve (memoised), simulate ``paths`` paths from ``seed`` and summarise.

        ``campaign`` replaces the scenario's own (a what-if); ``on_step`` is told
        ``"simulating"`` between the solve and the simulation (for progress displays).
        Without ``on_step``, ``progress`` draws a two-step bar (solve, simulate;
        :func:`detente.progress.progress_bar`); default: only in a notebook or a terminal.

        Parameters
        ----------
        inputs : Scenario
            A scenario with a ``campaign:``.
        seed : int or numpy.random.Generator, default 0
            Seed of the simulated paths.
        campaign : Campaign or None, default None
            A campaign replacing the scenario's own (a what-if).
        on_step : callable or None, default None
            Told ``"simulating"`` between the solve and the simulation.
        progress : bool or None, default None
            Draw a progress bar (None: only in a notebook or a terminal).
        """
        self._check()
        camp = campaign if campaign is not None else _campaign(inputs)
        started = time.perf_counter()
        with progress_bar("war model", show=False if on_step else progress) as tick:
            if tick is not None:
                tick(0, 2)
            solution, cached = SOLVER.solve(camp)
            if on_step is not None:
                on_step("simulating")
            if tick is not None:
                tick(1, 2)
            paths = simulate(solution, self.paths, rng_of(seed))
            if tick is not None:
                tick(2, 2)
        run = summarise(
            camp, solution, paths, scenario=inputs.name, seed=seed, deal_by=self.deal_by
        )
        return replace(run, seconds=time.perf_counter() - started, cached=cached)

    def evaluate(
        self, inputs: Scenario, draws: Draws, seed: int | np.random.Generator = 0
    ) -> dict[str, np.ndarray]:
        """The :data:`SWEEP_OUTPUTS` of each draw: the campaign with the draw's numbers
        (``draws.values``, names ``campaign.<path>``), solved (or, with ``policy="fixed"``,
        the policy of the campaign as written reused) and simulated from the same ``seed`` (common
        random numbers: DECISIONS UNC-18)."""
        self._check()
        campaign = _campaign(inputs)
        names = [n for n in draws.values if n.startswith(CAMPAIGN_PREFIX)]
        weeks_by = weeks_until(
            campaign, default_deal_by(campaign) if self.deal_by is None else self.deal_by
        )
        fixed = None
        if self.policy == "fixed":
            refuse_grid_changes(names)
            fixed, _ = SOLVER.solve(campaign)
        values = {n: draws.values[n] for n in names}
        return evaluate_draws(campaign, values, draws.n, self.paths, seed, weeks_by, fixed)


def deal_sensitivity(
    scenario: Scenario,
    campaign: Campaign,
    paths: int,
    seed: int,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """P(deal by +6 and +12 months) with every value and prior moved by ±20 %
    (:func:`~detente.war.diagnostics.sensitivity_numbers`), each from the same seed: the
    knife edges of a forecast in one table. One solve per row and sign.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its name).
    campaign : Campaign
        The campaign whose numbers are moved.
    paths : int
        Simulated paths per run.
    seed : int
        Seed of every run's paths.
    on_step : callable or None, default None
        Told which row and sign is being run.
    """
    model = WarModel(paths=paths)
    weeks = {f"{m}_months": round(m * 52 / 12) for m in diagnostics.HORIZONS_MONTHS}

    def p_by(run: WarRun) -> dict[str, float]:
        done = run.paths.deal_week
        return {k: round(float(((done >= 0) & (done < w)).mean()), 4) for k, w in weeks.items()}

    base = p_by(model.run(scenario, seed, campaign=campaign, progress=False))
    rows = []
    names = diagnostics.sensitivity_numbers(campaign)
    for n, name in enumerate(names):
        row: dict[str, Any] = {
            "number": name.removeprefix(CAMPAIGN_PREFIX),
            "value": diagnostics.number_at(campaign, name),
        }
        for label, factor in (("minus_20", 1.0 - diagnostics.SENSITIVITY_STEP),
                              ("plus_20", 1.0 + diagnostics.SENSITIVITY_STEP)):  # fmt: skip
            if on_step is not None:
                on_step(f"sensitivity {n + 1}/{len(names)}: {row['number']} {label}")
            changed = campaign_with(campaign, diagnostics.moved(campaign, name, factor))
            row[label] = p_by(model.run(scenario, seed, campaign=changed, progress=False))
        rows.append(row)
    return {"baseline": base, "step": diagnostics.SENSITIVITY_STEP, "rows": rows}


def refuse_grid_changes(names: Iterable[str]) -> None:
    """Refuse, in one line, a drawn number that sets the solver's grid: a fixed policy
    (DECISIONS UNC-17) cannot follow it.

    Parameters
    ----------
    names : Iterable of str
        The drawn numbers' names, ``campaign.<path>``.
    """
    moved = [n for n in names if changes_grid(n)]
    if moved:
        raise DetenteError(
            f"{moved[0]} sets the solver's grid, which a fixed policy cannot change; "
            "use --policy solve",
            where="--vary",
        )


def evaluate_draws(
    campaign: Campaign,
    values: Mapping[str, np.ndarray],
    n: int,
    paths: int,
    seed: int | np.random.Generator,
    weeks_by: int,
    fixed: Solution | None = None,
) -> dict[str, np.ndarray]:
    """The :data:`SWEEP_OUTPUTS` of ``n`` draws: draw ``d`` is ``campaign`` with each
    number ``name`` set to ``values[name][d]``, evaluated by :func:`evaluate_campaign`.

    Parameters
    ----------
    campaign : Campaign
        The campaign as written.
    values : Mapping of str to numpy.ndarray
        Each drawn number's values (``campaign.<path>``), one per draw.
    n : int
        Number of draws.
    paths : int
        Simulated paths per draw.
    seed : int or numpy.random.Generator
        Seed of every draw's paths (common random numbers).
    weeks_by : int
        Weeks from the start to the ``p_deal_by`` date.
    fixed : Solution or None, default None
        A solved policy to reuse instead of solving each draw.
    """
    out = {name: np.empty(n) for name in SWEEP_OUTPUTS}
    for d in range(n):
        drawn = {name: float(column[d]) for name, column in values.items()}
        row = evaluate_campaign(campaign_with(campaign, drawn), paths, seed, weeks_by, fixed)
        for name, value in row.items():
            out[name][d] = value
    return out


def campaign_with(campaign: Campaign, values: dict[str, float]) -> Campaign:
    """``campaign`` with numbers set by name (``campaign.<path>``), validated again
    (:func:`~detente.scenario.edit.edit_campaign`).

    Parameters
    ----------
    campaign : Campaign
        The campaign.
    values : dict of str to float
        Numbers by name, ``campaign.<path>``.
    """
    return edit_campaign(campaign, values) if values else campaign


def evaluate_campaign(
    campaign: Campaign,
    paths: int,
    seed: int | np.random.Generator,
    weeks_by: int,
    fixed: Solution | None = None,
) -> dict[str, float]:
    """The :data:`SWEEP_OUTPUTS` of one campaign: solved (or ``fixed``'s policy on its
    arrays), ``paths`` paths simulated from ``seed``.

    Parameters
    ----------
    campaign : Campaign
        The campaign.
    paths : int
        Simulated paths.
    seed : int or numpy.random.Generator
        Seed of the paths.
    weeks_by : int
        Weeks from the start to the ``p_deal_by`` date.
    fixed : Solution or None, default None
        A solved policy to reuse (on this campaign's arrays) instead of solving.
    """
    arrays = campaign.arrays()
    solution = solve_campaign(campaign, arrays) if fixed is None else replace(fixed, arrays=arrays)
    simulated = simulate(solution, paths, rng_of(seed))
    return sweep_values(RunStats(arrays, simulated, weeks_by))


SCHEMA_VERSION = 2
SOURCES = ("mediator", "attacker", "defender")
"""Who put a deal on the table, by the codes of :data:`detente.war.simulate.MEDIATOR` etc."""
QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


def _quantiles(values: FloatArray, digits: int = 1) -> dict[str, float]:
    q = np.quantile(values, list(QUANTILES.values()))
    return {k: round(float(v), digits) for k, v in zip(QUANTILES, q, strict=True)}


def document(run: WarRun) -> dict[str, Any]:
    """The ``detente simulate --format json`` document (schema in docs/war_model.md): the
    fan by week and P(deal by date), and every scalar from :data:`OUTPUTS`. P(holds) is
    conditional on a deal, the daily gain averages weeks still at war (DECISIONS WAR-12).

    Parameters
    ----------
    run : WarRun
        A run of the model (:meth:`WarModel.run`).
    """
    stats, campaign, paths = run.stats, run.campaign, run.paths
    horizon = stats.arrays.horizon
    dates = [campaign.start + timedelta(weeks=t) for t in range(horizon + 1)]
    done = stats.done
    deal_by = np.array([(done & (paths.deal_week < t)).mean() for t in range(1, horizon + 1)])
    war = paths.intensity >= 0
    offer = paths.offer[done]
    names = campaign.type_names
    terms = stats.terms
    weekly = diagnostics.weekly_votes(paths)
    by_source = {
        n: np.array(
            [(done & (paths.proposer == code) & (paths.deal_week < t)).mean()
             for t in range(1, horizon + 1)]
        )
        for code, n in enumerate(SOURCES)
    }  # fmt: skip

    def shown(name: str) -> float | None:
        return OUTPUT[name].rounded(stats)

    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": run.scenario,
        "draws": paths.n_paths,
        "seed": run.seed,
        "settlement": campaign.settlement,
        "start": campaign.start.isoformat(),
        "deadline": campaign.regime_change.isoformat(),
        "negotiation_opens": campaign.negotiation_opens.isoformat(),
        "solver": {
            "territory_bins": int(run.solution.territory.size),
            "belief_points": run.solution.beliefs.size,
            "regimes": campaign.regime_names,
            "replicates": int(stats.arrays.replicate_mean.shape[0]),
            "beyond_horizon": campaign.beyond_horizon
            if stats.arrays.stationary_tail
            else "terminal",
            "tail_residual": None
            if run.solution.tail is None
            else float(f"{run.solution.tail.residual:.3g}"),
            "method": "backward induction from a stationary tail, subgame-perfect "
            f"({docs_page('war_model')})",
        },
        "weeks": [
            {
                "date": dates[t].isoformat(),
                "territory_km2": _quantiles(paths.territory[:, t]),
                "p_at_war": round(float(war[:, t].mean()), 4)
                if t < horizon
                else round(float(1 - done.mean()), 4),
                "p_surge": round(float(stats.surge[:, t].mean()), 4) if t < horizon else 0.0,
                **(weekly[t] if t < horizon else {}),
            }
            for t in range(horizon + 1)
        ],
        "p_deal_by": [
            {
                "date": dates[t + 1].isoformat(),
                "p": round(float(deal_by[t]), 4),
                "by_source": {n: round(float(by_source[n][t]), 4) for n in SOURCES},
            }
            for t in range(horizon)
        ],
        "p_escalation": shown("p_escalation"),
        "p_escalation_after_deadline": shown("p_escalation_after_deadline"),
        "gain_km2_per_day": {
            "before_deadline": shown("gain_km2_per_day_before"),
            "after_deadline": shown("gain_km2_per_day_after"),
        },
        "p_holds": {str(y): shown(f"p_holds_{y}y") for y in HOLD_YEARS},
        "deal_terms": {
            "p_deal": shown("p_deal"),
            "by_mediator_type": {
                n: round(float((offer == j).mean()), 4) if done.any() else 0.0
                for j, n in enumerate(names)
            },
            "by_proposer": {
                n: round(float((paths.proposer[done] == code).mean()), 4) if done.any() else 0.0
                for code, n in enumerate(SOURCES)
            },
            "territory_kept_km2": _quantiles(paths.kept_km2[done]) if done.any() else None,
            "sanctions_relief_mean": round(float(terms.sanctions_relief.mean()), 1)
            if done.any()
            else None,
            "guarantees_mean": round(float(terms.guarantees.mean()), 1) if done.any() else None,
        },
        "mediator_type_drawn": {
            n: round(float((paths.mediator_type == j).mean()), 4) for j, n in enumerate(names)
        },
        "shares": diagnostics.shares(campaign, paths, stats.arrays.t_regime),
        "votes": diagnostics.votes(campaign, paths),
        "sources": diagnostics.sources(campaign, paths),
        "resolve": diagnostics.resolve(campaign, paths),
        "outside": diagnostics.outside(campaign, paths, 0 if run.seed is None else run.seed),
    }
