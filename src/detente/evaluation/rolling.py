"""Rolling-origin backtest of the battlefield forecast (Tashman 2000).

At each origin (a week end with an observed value) every forecaster sees only the daily
series up to that day, aggregated to week-end areas; it returns draws of the area at each
horizon, which are scored against the area actually reached: CRPS (Gneiting & Raftery 2007,
computed by ``scoringrules.crps_ensemble``), absolute error of the median and coverage of the
central 50 % and 90 % intervals. Scores are averaged per forecaster and horizon over the
origins whose horizon lies inside the data.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.calibration.territory import weekly_gains
from detente.errors import DetenteError
from detente.evaluation.forecasters import FORECASTERS, Forecaster, RegimeForecaster
from detente.spec.display import Display, fmt, listed

if TYPE_CHECKING:
    import pandas as pd

#: The columns of :meth:`EvaluationResult.to_frame` (and of ``--format csv``), exactly.
SCORE_COLUMNS = (
    "model", "horizon_weeks", "n_origins", "crps", "mae", "coverage_50", "coverage_90",
)  # fmt: skip
#: The predictive quantiles kept per forecast (for fans and the JSON document).
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Fewest weeks of gains ``min_history`` may ask for (a 3-regime fit needs some weeks).
MIN_HISTORY_FLOOR = 13


def weekly_area(series: pd.Series, week_ending: str = "SUN") -> pd.Series:
    """The area (km²) at the end of each week of a daily series, from the first week end on.

    Missing days are interpolated as in :func:`~detente.calibration.territory.weekly_gains`
    (which validates the series); the first value is the first week end, the others add
    that function's weekly gains, so the differences of the result are exactly its gains.
    """
    import pandas as pd

    gains = weekly_gains(series, week_ending)
    first = pd.Timestamp(gains.index[0]) - pd.Timedelta(days=7)
    daily = pd.Series(
        series.to_numpy(dtype=np.float64), index=pd.DatetimeIndex(series.index).normalize()
    )
    daily = daily.asfreq("D").interpolate(method="time", limit_area="inside")
    start = float(daily[first])
    levels = start + np.concatenate([[0.0], np.cumsum(gains.to_numpy(dtype=np.float64))])
    out = pd.Series(levels, index=pd.DatetimeIndex([first, *gains.index]), name="area_km2")
    out.index.name = "week_ending"
    return out


def _as_date(value: date | str, option: str, source: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DetenteError(
            f"{value!r} is not an ISO date; give YYYY-MM-DD", source=source, where=option
        ) from None


def choose_origins(
    series: pd.Series,
    *,
    origins_from: date | str | None = None,
    origins_to: date | str | None = None,
    every: int = 4,
    min_history: int = 26,
    horizons: Sequence[int] = (4, 8, 13, 26),
) -> list[pd.Timestamp]:
    """The forecast origins: week ends (Sundays) observed in ``series``, with at least
    ``min_history`` weeks of gains before them and the shortest horizon inside the data,
    from ``origins_from`` to ``origins_to``, then every ``every``-th of them.

    Raises
    ------
    DetenteError
        Bad option values, dates outside the data, or no origin left; one line.
    """
    import pandas as pd

    source = str(series.name or "<series>")
    if not horizons or any(int(h) != h or h < 1 for h in horizons):
        raise DetenteError(
            f"horizons must be positive whole weeks, got {list(horizons)}; e.g. 4,8,13,26",
            source=source, where="--horizons",
        )  # fmt: skip
    if every < 1:
        raise DetenteError(
            f"every must be at least 1 week, got {every}", source=source, where="--every"
        )
    if min_history < MIN_HISTORY_FLOOR:
        raise DetenteError(
            f"min-history {min_history} is too short to fit the regime model; give at least "
            f"{MIN_HISTORY_FLOOR} weeks",
            source=source, where="--min-history",
        )  # fmt: skip
    area = weekly_area(series)
    first_day, last_day = series.index[0].date(), series.index[-1].date()
    lo = _as_date(origins_from, "--origins-from", source) if origins_from is not None else None
    hi = _as_date(origins_to, "--origins-to", source) if origins_to is not None else None
    for value, option in ((lo, "--origins-from"), (hi, "--origins-to")):
        if value is not None and not first_day <= value <= last_day:
            raise DetenteError(
                f"{value} is outside the data ({first_day} .. {last_day}); give a date inside it",
                source=source, where=option,
            )  # fmt: skip
    if lo is not None and hi is not None and lo > hi:
        raise DetenteError(
            f"--origins-from {lo} is after --origins-to {hi}; swap them", source=source
        )
    observed = set(pd.DatetimeIndex(series.index).normalize())
    last_truth = area.index[-1] - pd.Timedelta(weeks=min(horizons))
    candidates = [
        t
        for i, t in enumerate(area.index)
        if i >= min_history
        and t in observed
        and t <= last_truth
        and (lo is None or t.date() >= lo)
        and (hi is None or t.date() <= hi)
    ]
    if not candidates:
        raise DetenteError(
            f"no forecast origin left: origins need {min_history} weeks of history before them "
            f"and {min(horizons)} weeks of data after them; widen --origins-from/--origins-to "
            "or lower --min-history",
            source=source, where="origins",
        )  # fmt: skip
    return candidates[::every]


@dataclasses.dataclass(frozen=True, repr=False)
class EvaluationResult(Display):
    """What :func:`evaluate_territory` returns.

    ``forecasts`` has one row per origin, model and horizon with the truth, the predictive
    quantiles :data:`QUANTILES`, the CRPS and the interval hits; ``to_frame`` averages it.
    """

    source: str
    settings: dict[str, Any]
    origins: tuple[str, ...]
    forecasts: pd.DataFrame
    truth: pd.Series

    def to_frame(self) -> pd.DataFrame:
        """One row per model and horizon, columns :data:`SCORE_COLUMNS` (models in registry
        order)."""
        import pandas as pd

        f = self.forecasts
        rows = []
        for model in self.settings["models"]:
            for h in self.settings["horizons"]:
                g = f[(f["model"] == model) & (f["horizon_weeks"] == h)]
                n = len(g)
                rows.append({
                    "model": model, "horizon_weeks": int(h), "n_origins": n,
                    "crps": float(g["crps"].mean()) if n else float("nan"),
                    "mae": float((g["q50"] - g["truth"]).abs().mean()) if n else float("nan"),
                    "coverage_50": float(g["in_50"].mean()) if n else float("nan"),
                    "coverage_90": float(g["in_90"].mean()) if n else float("nan"),
                })  # fmt: skip
        return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        scores = self.to_frame()
        facts: list[tuple[str, object]] = [
            ("origins", len(self.origins)),
            ("models", listed(self.settings.get("models", []))),
            ("horizons (weeks)", listed(self.settings.get("horizons", []))),
        ]
        for h, part in scores.dropna(subset=["crps"]).groupby("horizon_weeks"):
            k = int(np.argmin(part["crps"].to_numpy(float)))
            model, crps = part["model"].iloc[k], float(part["crps"].iloc[k])
            facts.append((f"best CRPS at {h} weeks", f"{model} ({fmt(crps)})"))
        return f"EvaluationResult on {self.source!r}", facts[:10]

    def to_dict(self) -> dict[str, Any]:
        """The settings, the scores and every forecast, JSON-ready (NaN as ``None``)."""

        def clean(records: list[dict[Any, Any]]) -> list[dict[str, Any]]:
            return [
                {str(k): (None if isinstance(v, float) and not np.isfinite(v) else v)
                 for k, v in r.items()}
                for r in records
            ]  # fmt: skip

        forecasts = self.forecasts.copy()
        forecasts["origin"] = [t.date().isoformat() for t in forecasts["origin"]]
        forecasts["target"] = [t.date().isoformat() for t in forecasts["target"]]
        return {
            "source": self.source,
            "settings": self.settings,
            "origins": list(self.origins),
            "scores": clean(self.to_frame().to_dict(orient="records")),
            "forecasts": clean(forecasts.to_dict(orient="records")),
        }


def _rng(seed: int, origin: pd.Timestamp, stream: str) -> np.random.Generator:
    """The generator of one model at one origin: fixed by the seed, the origin and the model's
    stream (its name, or one shared by the forecasters of one refit: DECISIONS EVA-5), so a
    forecast does not depend on which other origins or models run (DECISIONS EVA-3)."""
    return np.random.default_rng([seed, origin.toordinal(), zlib.crc32(stream.encode())])


def forecast_at(
    series: pd.Series,
    origin: pd.Timestamp,
    forecaster: Forecaster,
    horizons: Sequence[int],
    seed: int,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The draws of ``forecaster`` at ``origin``, from the daily ``series`` cut at the origin
    (nothing after it is read)."""
    history = weekly_area(series.loc[:origin])
    stream = forecaster.stream or forecaster.name
    return forecaster.forecast(history, horizons, _rng(seed, origin, stream))


def evaluate_territory(
    series: pd.Series,
    *,
    models: Sequence[str] | None = None,
    horizons: Sequence[int] = (4, 8, 13, 26),
    origins_from: date | str | None = None,
    origins_to: date | str | None = None,
    every: int = 4,
    min_history: int = 26,
    seed: int = 0,
    n_samples: int = 1000,
    bootstrap: int = 20,
    season: str = "auto",
    regimes: int = 4,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationResult:
    """Rolling-origin backtest of every forecaster in ``models`` (default: all of
    :data:`~detente.evaluation.forecasters.FORECASTERS`) on a daily ``occupied_km2`` series.

    Parameters
    ----------
    series:
        Daily area (km²), as from :func:`~detente.calibration.territory.read_territory_series`.
    models:
        Forecaster names.
    horizons:
        Lead times in weeks.
    origins_from, origins_to, every, min_history:
        Which origins; see :func:`choose_origins`.
    seed:
        Seeds every stochastic step; the same seed gives the same result.
    n_samples:
        Draws per forecast.
    bootstrap:
        Block-bootstrap replicates of the regime refit at each origin (0: point estimate),
        for ``detente`` and ``war``.
    season:
        Season effect of that refit: ``auto`` (by BIC), ``none``, ``mean`` or ``probs``.
    regimes:
        Regimes of that refit (fewer on a history shorter than 8 weeks of gains a regime).
    progress:
        Called with (origins done, origins in all) after each origin.

    Returns
    -------
    EvaluationResult
    """
    import pandas as pd

    source = str(series.name or "<series>")
    names = list(FORECASTERS) if models is None else list(models)
    for name in names:
        if name not in FORECASTERS:
            raise DetenteError(
                f"unknown model {name!r}; use one of {', '.join(FORECASTERS)}",
                source=source, where="--models",
            )  # fmt: skip
    if n_samples < 2:
        raise DetenteError(f"n_samples must be at least 2, got {n_samples}", source=source)
    horizons = sorted({int(h) for h in horizons}) if horizons else []
    origins = choose_origins(
        series, origins_from=origins_from, origins_to=origins_to, every=every,
        min_history=min_history, horizons=horizons,
    )  # fmt: skip
    built: list[Forecaster] = []
    for name in names:
        cls = FORECASTERS[name]
        if issubclass(cls, RegimeForecaster):
            built.append(
                cls(n_samples=n_samples, bootstrap=bootstrap, season=season, regimes=regimes)
            )
        else:
            built.append(cls(n_samples=n_samples))
    truth = weekly_area(series)
    rows: list[dict[str, Any]] = []
    samples_all: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    for done, origin in enumerate(origins, start=1):
        n_weeks = int(truth.index.searchsorted(origin))
        for f in built:
            if n_weeks + 1 < f.needs():
                continue
            draws = forecast_at(series, origin, f, horizons, seed)
            for i, h in enumerate(horizons):
                target = origin + pd.Timedelta(weeks=h)
                if target not in truth.index:
                    continue
                samples_all.append(draws[i])
                rows.append({
                    "origin": origin, "model": f.name, "horizon_weeks": h, "target": target,
                    "truth": float(truth[target]),
                })  # fmt: skip
        if progress is not None:
            progress(done, len(origins))
    if not rows:
        raise DetenteError("no forecast could be scored; widen the origins", source=source)
    draws_arr = np.vstack(samples_all)
    obs = np.array([r["truth"] for r in rows])
    crps = crps_samples(obs, draws_arr)
    q = np.quantile(draws_arr, QUANTILES, axis=1)
    forecasts = pd.DataFrame(rows)
    for j, p in enumerate(QUANTILES):
        forecasts[f"q{round(p * 100):02d}"] = q[j]
    forecasts["crps"] = crps
    forecasts["in_50"] = coverage(obs, draws_arr, 0.5)
    forecasts["in_90"] = coverage(obs, draws_arr, 0.9)
    settings = {
        "models": names, "horizons": horizons, "every": every, "min_history": min_history,
        "origins_from": None if origins_from is None else str(origins_from),
        "origins_to": None if origins_to is None else str(origins_to),
        "seed": seed, "n_samples": n_samples, "detente_bootstrap": bootstrap,
        "detente_regimes": regimes, "detente_season": season,
    }  # fmt: skip
    return EvaluationResult(
        source=source,
        settings=settings,
        origins=tuple(t.date().isoformat() for t in origins),
        forecasts=forecasts,
        truth=truth,
    )


def crps_samples(
    obs: np.ndarray[Any, np.dtype[np.float64]],
    draws: np.ndarray[Any, np.dtype[np.float64]],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """CRPS of each row of ``draws`` (its empirical distribution) at ``obs``
    (``scoringrules.crps_ensemble``, quantile-decomposition estimator, numpy backend):
    ``E|X - y| - E|X - X'| / 2`` (Gneiting & Raftery 2007, eq. 21)."""
    import scoringrules as sr

    return np.asarray(sr.crps_ensemble(obs, draws, backend="numpy"), dtype=np.float64)


def coverage(
    obs: np.ndarray[Any, np.dtype[np.float64]],
    draws: np.ndarray[Any, np.dtype[np.float64]],
    level: float,
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Whether each observation lies in the central ``level`` interval of its draws (row),
    bounds included; the interval runs between the ``(1 ± level) / 2`` sample quantiles."""
    lo = np.quantile(draws, (1 - level) / 2, axis=-1)
    hi = np.quantile(draws, (1 + level) / 2, axis=-1)
    out: np.ndarray[Any, np.dtype[np.bool_]] = (obs >= lo) & (obs <= hi)
    return out
