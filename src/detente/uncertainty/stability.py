"""How stable a forecast is: each model's outcome over draws of the inputs spread by the
default band, as a 5-95 % band, and whether that band is wide enough to call the forecast
fragile.

The draws are those of ``detente sweep SCENARIO --spread --draws N --seed S``: the scenario
with the default spread on every number that has no distribution of its own
(:func:`~detente.uncertainty.sampling.with_default_spread`, DECISIONS UNC-7; a number that
has one keeps it), run through :func:`~detente.uncertainty.sweep.sweep` with the same
seeding, so the band can be reproduced and extended with that command. Batchable models
solve all draws at once (:meth:`~detente.models.base.OutcomeModel.solve_draws`). A forecast
is *fragile* when its band is wider than :data:`FRAGILE_SHARE` of the issue's scale
(DECISIONS UNC-25).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from detente.errors import DetenteError
from detente.models.base import OutcomeModel
from detente.spec.display import Display, listed
from detente.spec.scenario import Scenario
from detente.uncertainty.evaluators import Key, OutcomeModels
from detente.uncertainty.sampling import DEFAULT_SPREAD, with_default_spread
from detente.uncertainty.sweep import sweep

DEFAULT_DRAWS = 200
"""Draws behind a forecast's band: enough for stable 5 % and 95 % quantiles of the
ukraine-2024 bands to about a point, few enough for the whole forecast to take under 2 s
(docs/benchmarks.md)."""
FRAGILE_SHARE = 0.20
"""A forecast is fragile when its 5-95 % band is wider than this share of the issue's scale:
the width of the default position spread itself (± 10 % of the scale), so a fragile forecast
is less certain than the positions it is made of (DECISIONS UNC-25)."""


@dataclass(frozen=True)
class StabilityBand:
    """One model's forecast on one issue under the default spread."""

    p05: float
    p95: float
    fragile: bool

    def to_dict(self) -> dict[str, Any]:
        return {"p05": self.p05, "p95": self.p95, "fragile": self.fragile}


@dataclass(frozen=True, repr=False)
class Bands(Display):
    """The band of every (model, issue) of a forecast, and how they were drawn."""

    draws: int
    seed: int
    bands: dict[Key, StabilityBand]

    def __getitem__(self, key: Key) -> StabilityBand:
        return self.bands[key]

    def get(self, model: str, issue: str) -> StabilityBand | None:
        """The band of ``model`` on ``issue``, or None when there is none.

        Parameters
        ----------
        model : str
            The model's registry name.
        issue : str
            The issue's name.
        """
        return self.bands.get((model, issue))

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        fragile = [f"{m} / {i}" for (m, i), b in self.bands.items() if b.fragile]
        return "Bands", [
            ("draws", self.draws),
            ("seed", self.seed),
            ("bands", len(self.bands)),
            (f"{len(fragile)} fragile", listed(fragile) or "-"),
        ]

    def describe(self) -> dict[str, Any]:
        """How the bands were made, for a document's header."""
        return {
            "draws": self.draws,
            "seed": self.seed,
            "quantiles": [0.05, 0.95],
            "spread": {
                "salience_points": DEFAULT_SPREAD["salience"],
                "position_share_of_scale": DEFAULT_SPREAD["position"],
                "capability_share": DEFAULT_SPREAD["capability"],
            },
            "fragile_share": FRAGILE_SHARE,
        }


def stability_bands(
    scenario: Scenario,
    models: Sequence[OutcomeModel],
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
) -> Bands:
    """The 5-95 % band of every model's forecast on every issue of ``scenario`` under the
    default spread, from ``draws`` draws seeded ``seed`` (the draws of ``detente sweep
    --spread``).

    Parameters
    ----------
    scenario : Scenario
        The scenario; the default spread is put on its numbers.
    models : Sequence of OutcomeModel
        The models to run on each draw.
    draws : int, default DEFAULT_DRAWS
        How many draws of the inputs (at least 1).
    seed : int, default 0
        Seed of the draws.

    Raises
    ------
    DetenteError
        For ``draws < 1`` or ``seed < 0``.

    Examples
    --------
    >>> from detente.models import get_model
    >>> from detente.scenario import load_scenario
    >>> sc = load_scenario("ukraine-2024")
    >>> band = stability_bands(sc, [get_model("compromise")], draws=50)["compromise", "territory"]
    >>> band.p05 < band.p95
    True
    """
    if draws < 1:
        raise DetenteError(f"--draws is {draws}; give at least 1", where="--draws")
    spread = with_default_spread(scenario)
    result = sweep(spread, OutcomeModels(spread, list(models)), draws, seed, progress=False)
    widths = {issue.name: issue.scale[1] - issue.scale[0] for issue in scenario.issues}
    bands = {}
    for key, summary in result.summaries().items():
        lo, hi = summary.quantiles["p05"], summary.quantiles["p95"]
        bands[key] = StabilityBand(lo, hi, hi - lo > FRAGILE_SHARE * widths[key[1]])
    return Bands(draws, seed, bands)
