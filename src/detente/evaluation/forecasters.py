"""Forecasters of the occupied area, one small class each, behind one interface.

Every forecaster is built from its arguments only (the constructor stores them) and has
``forecast(history, horizons, rng) -> samples``: ``history`` is the area (km²) at the end of
each week up to the forecast origin (a :class:`pandas.Series` on a weekly
:class:`pandas.DatetimeIndex`), ``horizons`` the lead times in weeks, and the result a
``(len(horizons), n_samples)`` array of draws from the predictive distribution of the area at
each horizon. :data:`FORECASTERS` lists them by name for :mod:`detente.evaluation.rolling`
and the CLI.

``detente`` is the battlefield model alone: the Markov-switching calibration
(:func:`detente.calibration.territory.fit_territory`; Hamilton 1989) refitted on the history
and run forward by its own regime chain, with season shifts and parameter uncertainty.
``war`` is the war model's battlefield forecast on the same refit: the ``ukraine-2024``
campaign moved to the origin, solved, and simulated under the attacker's solved intensity
policy, conditional on the fighting going on. The baselines come from
statsforecast (Garza et al. 2022, Nixtla) with the library's own prediction intervals, turned
into samples by :func:`quantile_samples`.
"""

from __future__ import annotations

import functools
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt

from detente.calibration.territory import SEASONS, fit_territory, season_of
from detente.contract import Params
from detente.errors import DetenteError

if TYPE_CHECKING:
    import pandas as pd

    from detente.calibration.territory import TerritoryCalibration

FloatArray = npt.NDArray[np.float64]

#: Central-interval levels (%) asked of statsforecast; with the mean they give the quantiles
#: at 0.01, 0.05, 0.10, 0.25, 0.5, 0.75, 0.90, 0.95 and 0.99.
LEVELS = (50, 80, 90, 98)


def quantile_samples(
    median: FloatArray, lower: dict[int, FloatArray], upper: dict[int, FloatArray], n: int
) -> FloatArray:
    """Turn central prediction intervals into ``n`` evenly spaced quantile draws per row.

    The quantile function is interpolated linearly in the normal score ``z = Φ⁻¹(p)`` between
    the known quantiles (the median and each level's bounds) and extrapolated linearly beyond
    the outermost ones, so a Gaussian interval is reproduced exactly (its quantiles are linear
    in ``z``). The draws are the quantiles at ``p = (i + 0.5) / n``: deterministic, and their
    empirical distribution converges to the predictive one (DECISIONS EVA-2).

    Parameters
    ----------
    median:
        ``(H,)`` point forecasts (taken as the medians).
    lower, upper:
        ``{level: (H,) bound}`` of the central ``level`` % intervals.
    n:
        Number of draws per row.

    Returns
    -------
    numpy.ndarray
        ``(H, n)`` draws, sorted along each row.
    """
    from scipy.stats import norm

    levels = sorted(lower)
    p_known = [(100 - lv) / 200 for lv in reversed(levels)] + [0.5]
    p_known += [(100 + lv) / 200 for lv in levels]
    q_known = np.column_stack(
        [lower[lv] for lv in reversed(levels)] + [median] + [upper[lv] for lv in levels]
    ).astype(np.float64)
    q_known = np.sort(q_known, axis=1)  # guards against float32 ties in a library's bounds
    z_known = norm.ppf(p_known)
    z = norm.ppf((np.arange(n) + 0.5) / n)
    out = np.empty((q_known.shape[0], n))
    for h in range(q_known.shape[0]):
        q = q_known[h]
        inner = np.interp(z, z_known, q)
        lo_slope = (q[1] - q[0]) / (z_known[1] - z_known[0])
        hi_slope = (q[-1] - q[-2]) / (z_known[-1] - z_known[-2])
        inner = np.where(z < z_known[0], q[0] + lo_slope * (z - z_known[0]), inner)
        out[h] = np.where(z > z_known[-1], q[-1] + hi_slope * (z - z_known[-1]), inner)
    return out


class Forecaster(Params, ABC):
    """The interface: a constructor that stores its arguments (``get_params`` and ``clone``
    from :class:`~detente.contract.Params`), and :meth:`forecast`."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    #: The name of its random stream (:func:`~detente.evaluation.rolling.forecast_at`);
    #: empty: its own ``name``.
    stream: ClassVar[str] = ""
    #: Fewest weeks of history (area values) the forecaster needs.
    min_weeks: ClassVar[int] = 3

    def __init__(self, n_samples: int = 1000) -> None:
        self.n_samples = n_samples

    def needs(self) -> int:
        """Fewest weeks of history this instance needs."""
        return self.min_weeks

    @abstractmethod
    def forecast(
        self, history: pd.Series, horizons: Sequence[int], rng: np.random.Generator
    ) -> FloatArray:
        """``(len(horizons), n_samples)`` draws of the area (km²) ``h`` weeks after the last
        week of ``history``."""


class _StatsForecaster(Forecaster):
    """A statsforecast model on the weekly area, declared by its class name in
    ``statsforecast.models`` and its arguments; intervals → :func:`quantile_samples`."""

    library_model: ClassVar[str]
    library_args: ClassVar[dict[str, Any]] = {}

    def _model(self) -> Any:
        from statsforecast import models

        return getattr(models, self.library_model)(**self.library_args)

    def _series(self, history: pd.Series) -> FloatArray:
        return np.asarray(history.to_numpy(), dtype=np.float64)

    def forecast(
        self, history: pd.Series, horizons: Sequence[int], rng: np.random.Generator
    ) -> FloatArray:
        y = self._series(history)
        h_max = max(horizons)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = self._model().forecast(y=y, h=h_max, level=list(LEVELS))
        rows = np.asarray(horizons) - 1
        mean = np.asarray(res["mean"], dtype=np.float64)[rows]
        lower = {lv: np.asarray(res[f"lo-{lv}"], dtype=np.float64)[rows] for lv in LEVELS}
        upper = {lv: np.asarray(res[f"hi-{lv}"], dtype=np.float64)[rows] for lv in LEVELS}
        return quantile_samples(mean, lower, upper, self.n_samples)


class RandomWalk(_StatsForecaster):
    """``rw``: the area stays where it is (statsforecast ``Naive``)."""

    name = "rw"
    label = "random walk of the area (Naive)"
    library_model = "Naive"


class RandomWalkDrift(_StatsForecaster):
    """``rw_drift``: random walk with the drift of the last ``window`` weeks
    (statsforecast ``RandomWalkWithDrift`` on that window)."""

    name = "rw_drift"
    label = "random walk with drift (last 13 weeks)"
    library_model = "RandomWalkWithDrift"

    def __init__(self, n_samples: int = 1000, window: int = 13) -> None:
        self.n_samples = n_samples
        self.window = window

    def _series(self, history: pd.Series) -> FloatArray:
        return np.asarray(history.to_numpy()[-(self.window + 1) :], dtype=np.float64)


class SeasonalNaiveGains(Forecaster):
    """``seasonal_naive``: each future week gains what the same week gained a year earlier
    (statsforecast ``SeasonalNaive`` on weekly gains, season 52), cumulated on the last area.

    The library's per-week intervals are read as independent normal errors (its SD), so the
    cumulated area at horizon *h* is normal with the summed means and variances.
    """

    name = "seasonal_naive"
    label = "seasonal naive on weekly gains (season 52), cumulated"

    def __init__(self, n_samples: int = 1000, season_length: int = 52) -> None:
        self.n_samples = n_samples
        self.season_length = season_length

    def needs(self) -> int:
        return self.season_length + 2

    def forecast(
        self, history: pd.Series, horizons: Sequence[int], rng: np.random.Generator
    ) -> FloatArray:
        from scipy.stats import norm
        from statsforecast.models import SeasonalNaive

        if len(history) < self.needs():
            raise DetenteError(
                f"seasonal_naive needs {self.needs()} weeks of history, got {len(history)}",
                where="history",
            )
        gains = np.diff(np.asarray(history.to_numpy(), dtype=np.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = SeasonalNaive(season_length=self.season_length).forecast(
                y=gains, h=max(horizons), level=[90]
            )
        mean = np.asarray(res["mean"], dtype=np.float64)
        sd = (np.asarray(res["hi-90"]) - np.asarray(res["lo-90"])) / (2 * norm.ppf(0.95))
        rows = np.asarray(horizons) - 1
        centre = float(history.iloc[-1]) + np.cumsum(mean)[rows]
        spread = np.sqrt(np.cumsum(sd**2))[rows]
        z = norm.ppf((np.arange(self.n_samples) + 0.5) / self.n_samples)
        out: FloatArray = centre[:, None] + spread[:, None] * z[None, :]
        return out


class ETS(_StatsForecaster):
    """``ets``: exponential smoothing, state-space form chosen by AICc (statsforecast
    ``AutoETS``; Hyndman et al. 2008), no seasonality."""

    name = "ets"
    label = "exponential smoothing (AutoETS)"
    min_weeks = 8
    library_model = "AutoETS"
    library_args: ClassVar[dict[str, Any]] = {"season_length": 1}


class ARIMA(_StatsForecaster):
    """``arima``: ARIMA chosen by the Hyndman–Khandakar search (statsforecast ``AutoARIMA``)."""

    name = "arima"
    label = "ARIMA (AutoARIMA)"
    min_weeks = 8
    library_model = "AutoARIMA"
    library_args: ClassVar[dict[str, Any]] = {"season_length": 1}


class Theta(_StatsForecaster):
    """``theta``: the theta method, variant chosen by fit (statsforecast ``AutoTheta``;
    Assimakopoulos & Nikolopoulos 2000)."""

    name = "theta"
    label = "theta method (AutoTheta)"
    min_weeks = 8
    library_model = "AutoTheta"
    library_args: ClassVar[dict[str, Any]] = {"season_length": 1}


class RegimeForecaster(Forecaster):
    """Base of the forecasters on the Markov-switching calibration refitted at the origin:
    the weekly gains of ``history`` fitted by
    :func:`~detente.calibration.territory.fit_territory` (``regimes`` regimes, the season
    effect ``season``: chosen by BIC with ``auto``, ``n_starts`` EM starts, ``bootstrap``
    block-bootstrap replicates).

    They share one random stream, so at an origin they refit the same calibration (computed
    once: :func:`_fit` is memoised) and differ only in what they do with it (DECISIONS
    EVA-5).
    """

    min_weeks = 13
    stream = "battlefield"
    #: Fewest regimes a refit may fall back to on a short history.
    min_regimes: ClassVar[int] = 1

    def __init__(
        self,
        n_samples: int = 1000,
        regimes: int = 4,
        bootstrap: int = 20,
        n_starts: int = 10,
        season: str = "auto",
    ) -> None:
        self.n_samples = n_samples
        self.regimes = regimes
        self.bootstrap = bootstrap
        self.n_starts = n_starts
        self.season = season

    def needs(self) -> int:
        """8 weeks of gains for each of :attr:`min_regimes` regimes (:func:`fit_territory`'s
        rule), and at least :attr:`min_weeks` weeks."""
        return max(self.min_weeks, 8 * self.min_regimes + 1)

    def refit(self, history: pd.Series, rng: np.random.Generator) -> TerritoryCalibration:
        """The calibration fitted on the weekly gains of ``history``, with ``regimes`` regimes
        or, on a history shorter than 8 weeks of gains a regime, as many as it allows; its
        random starts and bootstrap are seeded by one integer drawn from ``rng``."""
        if self.regimes < self.min_regimes:
            raise DetenteError(
                f"{self.name} needs at least {self.min_regimes} regimes, got {self.regimes}",
                where="--regimes",
            )
        seed = int(rng.integers(2**63))
        gains = np.diff(np.asarray(history.to_numpy(), dtype=np.float64))
        k = max(self.min_regimes, min(self.regimes, gains.size // 8))
        weeks = tuple(str(d.date()) for d in history.index[1:])
        return _fit(
            tuple(gains.tolist()), weeks, k, self.bootstrap, self.n_starts, self.season, seed
        )


@functools.lru_cache(maxsize=16)
def _fit(
    gains: tuple[float, ...],
    weeks: tuple[str, ...],
    regimes: int,
    bootstrap: int,
    n_starts: int,
    season: str,
    seed: int,
) -> TerritoryCalibration:
    """:func:`fit_territory` on weekly ``gains`` ending on ``weeks``, memoised: a pure
    function of its arguments (the calibration is frozen), so a cached answer is the one
    a fresh fit gives."""
    import pandas as pd

    series = pd.Series(gains, index=pd.DatetimeIndex(weeks))
    return fit_territory(
        series, regimes=regimes, bootstrap=bootstrap, n_starts=n_starts, seed=seed,
        source="<history>", season=season,  # type: ignore[arg-type]
    )  # fmt: skip


class Detente(RegimeForecaster):
    """``detente``: the Markov-switching battlefield model refitted at the origin and
    simulated by its own chain.

    Each sample path draws one replicate's parameters of the refit (:meth:`refit`;
    parameter uncertainty; the point estimate when ``bootstrap=0``),
    its starting regime from the filtered regime probabilities of the last observed week, and
    walks forward: the regime moves by the transition matrix of each week's season and the
    week's gain is ``N(μ_k + δ_season, σ_k²)``. Fighting goes on throughout (no deal), and
    no one chooses the regime: :class:`War` steers it by the war model's solved policy
    (DECISIONS EVA-1, EVA-4).
    """

    name = "detente"
    label = "Markov-switching battlefield model (detente)"

    def forecast(
        self, history: pd.Series, horizons: Sequence[int], rng: np.random.Generator
    ) -> FloatArray:
        import pandas as pd

        cal = self.refit(history, rng)
        n, k = self.n_samples, len(cal.regimes)
        if cal.boot_means:
            j = rng.integers(len(cal.boot_means), size=n)
            means = np.asarray(cal.boot_means)[j]
            sds = np.asarray(cal.boot_sds)[j]
            shift = np.asarray(cal.boot_season_shift)[j]
            trans = np.asarray(cal.boot_transition)[j]
        else:
            means = np.broadcast_to(np.asarray(cal.means), (n, k))
            sds = np.broadcast_to(np.asarray(cal.sds), (n, k))
            shift = np.broadcast_to(np.asarray(cal.season_shift), (n, len(SEASONS)))
            trans = np.broadcast_to(np.asarray(cal.transition), (n, len(SEASONS), k, k))
        h_max = max(horizons)
        last = pd.Timestamp(history.index[-1])
        weeks = pd.DatetimeIndex([last + pd.Timedelta(weeks=t) for t in range(1, h_max + 1)])
        seasons = season_of(weeks - pd.Timedelta(days=3))
        regime = _categorical(np.broadcast_to(np.asarray(cal.posterior[-1]), (n, k)), rng)
        rows = np.arange(n)
        area = np.full(n, float(history.iloc[-1]))
        path = np.empty((h_max, n))
        for t in range(h_max):
            s = int(seasons[t])
            regime = _categorical(trans[rows, s, regime], rng)
            loc = means[rows, regime] + shift[:, s]
            area = area + rng.normal(loc, sds[rows, regime])
            path[t] = area
        out: FloatArray = path[np.asarray(horizons) - 1]
        return out


class War(RegimeForecaster):
    """``war``: the war model's battlefield forecast, as ``detente simulate`` makes it, from
    the calibration refitted at the origin.

    The campaign of the built-in scenario ``scenario`` (``ukraine-2024``: the situation on
    2024-11-11) is moved to the origin (:func:`~detente.evaluation.campaign.origin_campaign`:
    dates shifted so that it starts there, the line at the origin's area, the gains and
    regime chain from :meth:`refit`; DECISIONS EVA-4) and solved by backward induction
    (:func:`~detente.war.model.solve_campaign`, on a territory grid of ``bin_km2`` bins).
    ``paths`` paths are simulated (:func:`~detente.war.simulate.simulate`): the attacker's
    solved intensity policy steers the fitted regime chain (its persistence kept; how far:
    ``control``, ``None`` for the scenario's; DECISIONS WAR-25), the mediator pulls its
    levers, deals may be struck. The forecast at horizon *h* is conditional on the fighting
    going on: ``n_samples`` quantiles of the area over the paths with no deal in the first
    *h* weeks (:func:`~detente.evaluation.campaign.at_war_draws`).
    """

    name = "war"
    label = "war model's solved policy on the refitted battlefield (war)"
    min_regimes = 3

    def __init__(
        self,
        n_samples: int = 1000,
        regimes: int = 4,
        bootstrap: int = 20,
        n_starts: int = 10,
        season: str = "auto",
        scenario: str = "ukraine-2024",
        bin_km2: float = 400.0,
        paths: int = 4000,
        control: float | None = None,
    ) -> None:
        super().__init__(n_samples, regimes, bootstrap, n_starts, season)
        self.scenario = scenario
        self.bin_km2 = bin_km2
        self.paths = paths
        self.control = control

    def forecast(
        self, history: pd.Series, horizons: Sequence[int], rng: np.random.Generator
    ) -> FloatArray:
        from detente.evaluation.campaign import at_war_draws, origin_campaign, scenario_campaign
        from detente.war.model import solve_campaign
        from detente.war.simulate import simulate

        base = scenario_campaign(self.scenario)
        cal = self.refit(history, rng)
        campaign = origin_campaign(
            base, cal, history.index[-1].date(), float(history.iloc[-1]), bin_km2=self.bin_km2,
            control=self.control,
        )  # fmt: skip
        paths = simulate(solve_campaign(campaign), self.paths, rng)
        return at_war_draws(paths, list(horizons), self.n_samples)


def _categorical(probs: FloatArray, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """One index per row of ``probs`` (rows sum to 1)."""
    u = np.asarray(rng.random(probs.shape[0]), dtype=np.float64)
    cum = np.cumsum(probs, axis=1)
    idx: npt.NDArray[np.int64] = np.minimum((cum < u[:, None]).sum(axis=1), probs.shape[1] - 1)
    return idx


#: Every forecaster by name, in the order tables list them.
FORECASTERS: dict[str, type[Forecaster]] = {
    cls.name: cls
    for cls in (Detente, War, RandomWalk, RandomWalkDrift, SeasonalNaiveGains, ETS, ARIMA, Theta)
}
