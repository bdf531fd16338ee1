"""What a sweep computes on each draw: the outcome models, solved across draws at once, and
the war-termination model, solved draw by draw.

An *evaluator* (:class:`Evaluator`) is a picklable callable ``ScenarioDraws -> dict[(series,
output), (n,) array]`` with the list of uncertain numbers it draws (``numbers``), and what the
sweep, Sobol' and store code needs to summarise and document its outputs without knowing which
model it is: the output keys, each output's convergence tolerance, its value at the central
numbers, a header per series and its default chunk size. :class:`OutcomeModels` is the
evaluator of the registered outcome models: series = model name, output = issue name, numbers
= the scenario's distributions. :class:`CampaignModel` is the war-termination model's: series
``"war"``, outputs :data:`CAMPAIGN_OUTPUTS`, numbers = campaign parameters by dotted path, read
from ``ScenarioDraws.values``.

Vectorisation is each model's own: a batchable model (``tags.batchable``) overrides
:meth:`~detente.models.base.OutcomeModel.solve_draws` (the compromise model and the weighted
median take the draws as one more array axis; BDM runs with batch axis (draws, actors); Nash,
Kalai–Smorodinsky and PCE group the draws by how many actors bargain); any other model is
solved draw by draw (DECISIONS UNC-5).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from detente.errors import DetenteError
from detente.models.base import OutcomeModel, issue_problems
from detente.spec.campaign import Campaign
from detente.spec.scenario import Scenario
from detente.uncertainty.sampling import (
    ScenarioDraws,
    UncertainNumber,
    uncertain_numbers,
    with_default_spread,
)

if TYPE_CHECKING:  # the war model (scipy) loads when a campaign is evaluated (DECISIONS PERF-2)
    from detente.war.model import Policy
    from detente.war.solver import Solution

Key = tuple[str, str]
"""One output of an evaluator: (series, output), e.g. ("bdm", "territory"), ("war", "p_deal")."""
Outputs = dict[Key, np.ndarray]
"""An evaluator's result: (series, output) -> (n draws,) values."""

DEFAULT_CHUNK_SIZE = 1000
"""Draws per chunk of an outcome-model sweep."""
DEFAULT_CAMPAIGN_CHUNK_SIZE = 10
"""Draws per chunk of a war-model sweep: each draw is a solve, so small chunks keep a
process pool busy and lose little work to an interruption."""
TOLERANCE_SHARE = 0.005
"""The convergence tolerance as a share of an output's range (0.5 % of an issue's scale)."""


class Evaluator(Protocol):
    """What a sweep computes on each draw: the numbers it draws, the computation, and what
    summaries and documents need of its outputs (the evaluator owns its list of numbers:
    DECISIONS UNC-16; one runner for every evaluator: UNC-24)."""

    numbers: list[UncertainNumber]
    """The uncertain numbers, in column order of the draws' uniforms."""
    chunk_size: int
    """Draws per chunk unless a run says otherwise (part of the seeding)."""
    item: str
    """What the documents call one output: ``"issue"`` (listed under ``issues``) or
    ``"output"`` (under ``outputs``)."""

    def __call__(self, draws: ScenarioDraws) -> Outputs: ...

    def outputs(self) -> list[Key]:
        """The (series, output) keys, in the order of the results."""
        ...

    def describe(self) -> list[dict[str, Any]]:
        """Per series, in order, its header in the documents: ``{"model", "params"}``."""
        ...

    def spec(self) -> dict[str, Any]:
        """What a recorded run keeps of the evaluator (part of the run's key)."""
        ...

    def tolerance(self, key: Key) -> float:
        """The convergence tolerance of one output (DECISIONS UNC-6, UNC-21)."""
        ...

    def deterministic(self, scenario: Scenario) -> dict[Key, float]:
        """Every output with every number at its central value."""
        ...

    def with_default_band(self, scenario: Scenario) -> tuple[Scenario, Evaluator]:
        """``scenario`` with the default band (:func:`~detente.uncertainty.sampling.
        with_default_spread`) and the evaluator drawing it: what a Sobol' analysis draws when
        the evaluator has no number to draw."""
        ...


class OutcomeModels:
    """Evaluate outcome models on draws of one scenario, issue by issue.

    Parameters
    ----------
    scenario : the scenario the draws come from (for who takes part in which issue, and
        procedural context such as veto players).
    models : the models, in output order.
    """

    chunk_size = DEFAULT_CHUNK_SIZE
    item = "issue"

    def __init__(self, scenario: Scenario, models: Sequence[OutcomeModel]) -> None:
        self.models = tuple(models)
        # the numbers the models declare they may vary (their ``varies`` path prefixes)
        varies = tuple({prefix for m in self.models for prefix in m.varies})
        self.numbers = [u for u in uncertain_numbers(scenario) if str(u.path).startswith(varies)]
        self.scenario = scenario
        self.problems = issue_problems(scenario)

    def outputs(self) -> list[Key]:
        """The (model, issue) keys, in the order of the results."""
        return [(m.name, issue) for m in self.models for issue, _ in self.problems]

    def describe(self) -> list[dict[str, Any]]:
        return [{"model": m.name, "params": m.get_params()} for m in self.models]

    def spec(self) -> dict[str, Any]:
        return {"models": self.describe()}

    def tolerance(self, key: Key) -> float:
        """0.5 % of the issue's scale width (0.5 points on 0-100)."""
        lo, hi = dict(self.problems)[key[1]].scale
        return TOLERANCE_SHARE * (hi - lo)

    def deterministic(self, scenario: Scenario) -> dict[Key, float]:
        """Each model's forecast (:meth:`~detente.models.base.OutcomeModel.predict`)."""
        out: dict[Key, float] = {}
        for model in self.models:
            forecast = model.predict(scenario)
            out.update({(model.name, issue): forecast.outcome(issue) for issue, _ in self.problems})
        return out

    def with_default_band(self, scenario: Scenario) -> tuple[Scenario, OutcomeModels]:
        spread = with_default_spread(scenario)
        return spread, OutcomeModels(spread, self.models)

    def __call__(self, draws: ScenarioDraws) -> Outputs:
        return {
            (model.name, issue): values
            for model in self.models
            for issue, values in model.evaluate(self.scenario, draws).items()
        }


WAR = "war"
"""The series name of the war-termination model in sweeps, Sobol' analyses and the store."""

def __getattr__(name: str) -> Any:
    """``CAMPAIGN_OUTPUTS``: the war model's outputs per draw, the ``sweep`` rows of
    :data:`detente.war.model.OUTPUTS` (path averages per draw: DECISIONS UNC-19), looked up
    when asked for, so that an outcome-model sweep does not load the war model (PERF-2)."""
    if name == "CAMPAIGN_OUTPUTS":
        from detente.war.model import SWEEP_OUTPUTS

        return SWEEP_OUTPUTS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

DEFAULT_PATHS = 200


class CampaignModel:
    """Evaluate the war-termination model on draws of campaign parameters.

    Per draw: the campaign with the draw's numbers (:func:`~detente.spec.campaign.
    with_overrides`, validated again), its policies solved by backward induction
    (:func:`~detente.war.solver.solve`), then ``paths`` Monte Carlo paths
    (:func:`~detente.war.simulate.simulate`) summarised as :data:`CAMPAIGN_OUTPUTS`. The
    paths of every draw come from the same generator seed ``path_seed`` (common random
    numbers: two draws differ only through their parameters, which keeps Monte Carlo noise
    out of the Sobol' indices; DECISIONS UNC-18), so a draw's outputs depend on its
    parameters only, on any backend.

    Solving is the expensive part: about 2 s per draw on ukraine-2024 (151 territory bins ×
    66 belief points × 78 weeks), milliseconds on a small campaign. With ``policy="fixed"``
    the central campaign is solved once and every draw only simulates under that policy: the
    drawn numbers then change what happens (offers, ripostes, levers, gains, the prior of the
    mediator's type) but not what the belligerents choose, so values, costs and the discount
    have no effect and the grid cannot be varied (DECISIONS UNC-17).

    Parameters
    ----------
    campaign : the scenario's campaign.
    numbers : the campaign numbers to draw (:func:`~detente.uncertainty.sampling.
        campaign_numbers`).
    paths : simulated paths per draw (default 200).
    path_seed : the seed of every draw's paths (>= 0; default 0).
    deal_by : the date of ``p_deal_by`` (default :func:`default_deal_by`).
    policy : ``"solve"`` (default: solve every draw) or ``"fixed"``.
    """

    chunk_size = DEFAULT_CAMPAIGN_CHUNK_SIZE
    item = "output"

    def __init__(
        self,
        campaign: Campaign,
        numbers: Sequence[UncertainNumber],
        *,
        paths: int = DEFAULT_PATHS,
        path_seed: int = 0,
        deal_by: date | None = None,
        policy: Policy = "solve",
    ) -> None:
        from detente.war.model import (
            WarModel,
            campaign_with,
            default_deal_by,
            refuse_grid_changes,
            weeks_until,
        )
        from detente.war.solver import solve

        WarModel(paths=paths, deal_by=deal_by, policy=policy)._check()
        if path_seed < 0:
            raise DetenteError(f"--seed is {path_seed}; give a seed >= 0", where="--seed")
        self.campaign = campaign
        self.numbers = list(numbers)
        self.paths = paths
        self.path_seed = path_seed
        self.policy = policy
        self.deal_by = default_deal_by(campaign) if deal_by is None else deal_by
        self.weeks_by = weeks_until(campaign, self.deal_by)
        self._fixed: Solution | None = None
        if policy == "fixed":
            refuse_grid_changes(u.name for u in self.numbers)
            self._fixed = solve(campaign_with(self.campaign, self.central_values()).arrays())

    def outputs(self) -> list[Key]:
        """The (series, output) keys, in the order of the results."""
        from detente.war.model import SWEEP_OUTPUTS

        return [(WAR, name) for name in SWEEP_OUTPUTS]

    def get_params(self) -> dict[str, Any]:
        """What the outputs depend on besides the draws (recorded with a run)."""
        return {
            "paths": self.paths,
            "path_seed": self.path_seed,
            "deal_by": self.deal_by.isoformat(),
            "policy": self.policy,
        }

    def describe(self) -> list[dict[str, Any]]:
        return [{"model": WAR, "params": self.get_params()}]

    def spec(self) -> dict[str, Any]:
        """The series and, as the campaign's numbers are not the scenario's, what is drawn."""
        vary = [[u.name, u.distribution.describe()] for u in self.numbers]
        return {"models": self.describe(), "vary": vary}

    def tolerance(self, key: Key) -> float:
        """Half a percentage point for a probability; 0.5 % of the territory grid's span for
        the area held; for a daily gain, the gain that moves the line that far over the
        horizon (DECISIONS UNC-21)."""
        grid = self.campaign.grid
        span = TOLERANCE_SHARE * (grid.below_km2.value + grid.above_km2.value)
        if key[1].startswith("p_"):
            return TOLERANCE_SHARE
        if key[1].startswith("gain_"):
            return span / (7.0 * self.campaign.horizon_weeks)
        return span

    def deterministic(self, scenario: Scenario) -> dict[Key, float]:
        """The model at the central values (one more solve; ``scenario`` is not needed: the
        evaluator holds its campaign)."""
        central = self.evaluate(self.central_values())
        from detente.war.model import SWEEP_OUTPUTS

        return {(WAR, name): central[name] for name in SWEEP_OUTPUTS}

    def with_default_band(self, scenario: Scenario) -> tuple[Scenario, CampaignModel]:
        """Unchanged: the default band is on the actors' numbers, not the campaign's."""
        return scenario, self

    def central_values(self) -> dict[str, float]:
        """Every drawn number at its distribution's central value."""
        return {u.name: u.value for u in self.numbers}

    def evaluate(self, values: dict[str, float]) -> dict[str, float]:
        """The outputs of one set of numbers (name -> value)."""
        from detente.war.model import campaign_with, evaluate_campaign

        return evaluate_campaign(
            campaign_with(self.campaign, values), self.paths, self.path_seed, self.weeks_by,
            self._fixed,
        )  # fmt: skip

    def __call__(self, draws: ScenarioDraws) -> Outputs:
        values = {u.name: draws.values[u.name] for u in self.numbers}
        from detente.war.model import evaluate_draws

        outputs = evaluate_draws(
            self.campaign, values, draws.n, self.paths, self.path_seed, self.weeks_by,
            self._fixed,
        )  # fmt: skip
        return {(WAR, name): column for name, column in outputs.items()}
