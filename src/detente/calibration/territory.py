"""Calibrate the attacker's weekly territorial gain from a daily occupied-area series.

The dynamic war-termination model moves the attacker's held area (km²) by a random weekly
gain whose distribution depends on the attacker's intensity (hold / press / surge), the
defender's aid and the season. Intensity is not observed, so it is inferred here as the
hidden state of a Markov-switching model of the weekly net change (Hamilton 1989), fitted
by EM (Baum-Welch; Dempster, Laird & Rubin 1977) in numpy (DECISIONS CAL-2), with a season
covariate and a circular-block bootstrap over weeks (Künsch 1989; Efron & Tibshirani 1993,
ch. 8) for the uncertainty of the fitted parameters.

Pipeline: :func:`read_territory_series` (validated CSV ``date,occupied_km2``) →
:func:`weekly_gains` (net change per complete week) → :func:`fit_territory` (point fit,
model comparison, bootstrap) → :class:`TerritoryCalibration` (plain fields, JSON, sampling).

References
----------
Hamilton, J. D. (1989). A new approach to the economic analysis of nonstationary time series
and the business cycle. *Econometrica* 57(2), 357-384.

Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary observations.
*Annals of Statistics* 17(3), 1217-1241.

Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.

Rabiner, L. R. (1989). A tutorial on hidden Markov models and selected applications in speech
recognition. *Proceedings of the IEEE* 77(2), 257-286 (the scaled forward-backward recursions).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from detente.contract import Output, Params, Tags
from detente.errors import DetenteError
from detente.paths import docs_page
from detente.textfiles import parse_number, read_text

if TYPE_CHECKING:  # pandas loads when a series is read or fitted, not with a scenario
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_TERRITORY_BYTES = 5_000_000
"""Series files larger than this are refused (a century of daily rows is about 1 MB)."""

COLUMNS = ("date", "occupied_km2")

SEASONS = ("winter", "mud", "summer")
"""Season labels, in index order: winter (Dec-Feb), mud (rasputitsa: Mar-Apr, Oct-Nov),
summer (May-Sep)."""

_SEASON_OF_MONTH = np.array([-1, 0, 0, 1, 1, 2, 2, 2, 2, 2, 1, 1, 0], dtype=np.int64)

CALENDAR_WEIGHTS = (3 / 12, 4 / 12, 5 / 12)
"""Share of the calendar year in each season. Season shifts of the regime means are
constrained to average to zero with these weights, so a regime's mean is its
calendar-average weekly gain (DECISIONS CAL-4)."""

SD_FLOOR_KM2 = 1.0
"""Lower bound on a regime's standard deviation (km²/week): stops EM from collapsing a
regime onto a single week (an unbounded likelihood)."""

BOOT_RANDOM_STARTS = 2
"""Random EM starts per bootstrap replicate, besides the point estimate and a quantile
start."""

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")

SeasonEffect = Literal["none", "mean", "probs"]
SEASON_EFFECTS: tuple[SeasonEffect, ...] = ("none", "mean", "probs")
Kind = Literal["hmm", "mixture"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Inside the range of pandas' nanosecond timestamps (1677-09-21 .. 2262-04-11).
_FIRST_DAY, _LAST_DAY = date(1678, 1, 1), date(2261, 12, 31)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_S = len(SEASONS)


# --------------------------------------------------------------------------------------
# Reading and weekly aggregation
# --------------------------------------------------------------------------------------


def read_territory_series(path: str | Path, *, max_bytes: int = MAX_TERRITORY_BYTES) -> pd.Series:
    """A daily occupied-area series from a CSV with columns ``date,occupied_km2``.

    Parameters
    ----------
    path:
        The CSV file. Other columns are ignored; blank lines are skipped.
    max_bytes:
        Files larger than this are refused.

    Returns
    -------
    pandas.Series
        Float km² named ``occupied_km2`` on a :class:`pandas.DatetimeIndex` named ``date``,
        strictly increasing. Missing days are allowed here (see :func:`weekly_gains`).

    Raises
    ------
    DetenteError
        For a missing or oversized file, non-UTF-8 bytes, a missing column, a date that is
        not ``YYYY-MM-DD``, dates out of order or repeated, or an area that is missing,
        not finite or negative; the message names the file, the line and the fix.
    """
    p = Path(path)
    source = str(p)
    text = read_text(p, max_bytes, what="date,occupied_km2 CSV")

    reader = csv.reader(io.StringIO(text))
    try:
        return _territory_rows(reader, source)
    except csv.Error as exc:
        raise DetenteError(
            f"not a readable CSV ({exc}); check the quotes and line breaks",
            source=source,
            where=f"line {reader.line_num}",
        ) from None


def _territory_rows(reader: Any, source: str) -> pd.Series:
    import pandas as pd

    header: list[str] | None = None
    header_line = 1
    col: dict[str, int] = {}
    dates: list[date] = []
    values: list[float] = []
    seen: dict[date, int] = {}
    for row in reader:
        line = reader.line_num
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if header is None:
            header, header_line = [c.lower() for c in cells], line
            for name in COLUMNS:
                if name not in header:
                    raise DetenteError(
                        f"missing column {name!r}; the header must be date,occupied_km2",
                        source=source,
                        where=f"line {line}",
                    )
                col[name] = header.index(name)
            continue
        need = max(col.values()) + 1
        if len(cells) < need:
            raise DetenteError(
                f"has {len(cells)} cell(s), expected {len(header)} as in the header; "
                "write date,occupied_km2",
                source=source,
                where=f"line {line}",
            )
        day = _parse_date(cells[col["date"]], source=source, line=line)
        area = _parse_area(cells[col["occupied_km2"]], source=source, line=line)
        if day in seen:
            raise DetenteError(
                f"date {day.isoformat()} appears twice (also on line {seen[day]}); "
                "keep one row per date",
                source=source,
                where=f"line {line}",
            )
        if dates and day < dates[-1]:
            raise DetenteError(
                f"date {day.isoformat()} comes after {dates[-1].isoformat()}; "
                "sort the rows by date, oldest first",
                source=source,
                where=f"line {line}",
            )
        seen[day] = line
        dates.append(day)
        values.append(area)
    if header is None:
        raise DetenteError(
            "the file is empty; write a header date,occupied_km2 and one row per day",
            source=source,
        )
    if not dates:
        raise DetenteError(
            "has a header but no rows; add one row per day",
            source=source,
            where=f"line {header_line}",
        )
    index = pd.DatetimeIndex(pd.to_datetime(dates), name="date")
    return pd.Series(np.asarray(values, dtype=np.float64), index=index, name="occupied_km2")


def _parse_date(cell: str, *, source: str, line: int) -> date:
    bad = DetenteError(
        f"date {cell!r} is not an ISO date; write YYYY-MM-DD", source=source, where=f"line {line}"
    )
    if not _ISO_DATE.fullmatch(cell):
        raise bad
    try:
        day = date.fromisoformat(cell)
    except ValueError:
        raise bad from None
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise DetenteError(
            f"date {cell} is outside {_FIRST_DAY} to {_LAST_DAY}, the dates pandas can hold; "
            "correct the year",
            source=source,
            where=f"line {line}",
        )
    return day


def _parse_area(cell: str, *, source: str, line: int) -> float:
    value = parse_number(
        cell,
        column="occupied_km2",
        source=source,
        line=line,
        fix="write a finite area in km² (drop the row if unknown)",
    )
    if value < 0:
        raise DetenteError(
            f"occupied_km2 is {cell}, below zero; an area cannot be negative, so write it as "
            "0 or more",
            source=source,
            where=f"line {line}",
        )
    return value


def weekly_gains(
    series: pd.Series, week_ending: str = "SUN", *, max_gap_days: int = 3
) -> pd.Series:
    """The net change of the area over each complete week, in km².

    The daily series is put on a daily grid; a missing day (the DeepState file lacks
    2023-05-10) is filled by linear interpolation in time between its neighbours, which
    moves at most the two weekly totals around it and leaves the multi-week sum unchanged.
    The gain of the week ending on day *D* is ``area(D) - area(D - 7 days)``. Only complete
    weeks are returned: both ends must lie inside the series, so a partial first or last
    week is dropped. Using week-end values rather than daily differences makes the
    one-day lag of the source (see the data README) cancel except at the week boundary
    (DECISIONS CAL-1).

    Parameters
    ----------
    series:
        Daily area (km²) on a strictly increasing :class:`pandas.DatetimeIndex`, as from
        :func:`read_territory_series`.
    week_ending:
        The last day of each week: ``MON`` .. ``SUN``.
    max_gap_days:
        Longest run of consecutive missing days that is interpolated; a longer gap raises.

    Returns
    -------
    pandas.Series
        ``gain_km2`` indexed by the week-ending date (``week_ending``).

    Raises
    ------
    DetenteError
        For a bad index, non-finite values, a gap longer than ``max_gap_days`` or a series
        shorter than one complete week.
    """
    import pandas as pd

    source = str(series.name or "<series>")
    day = week_ending.strip().upper()[:3]
    if day not in WEEKDAYS:
        raise DetenteError(
            f"week_ending {week_ending!r} is not a weekday; use one of {', '.join(WEEKDAYS)}",
            source=source,
            where="week_ending",
        )
    if not isinstance(series.index, pd.DatetimeIndex):
        raise DetenteError(
            "the series needs a DatetimeIndex of days; read it with read_territory_series",
            source=source,
        )
    values = pd.to_numeric(series, errors="coerce").astype(float)
    if not np.isfinite(values.to_numpy()).all():
        raise DetenteError(
            "the series has NaN or infinite areas; drop those days (gaps are interpolated)",
            source=source,
        )
    index = series.index.normalize()
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise DetenteError(
            "the dates must be increasing with one value per day; sort and deduplicate them",
            source=source,
        )
    daily = pd.Series(values.to_numpy(), index=index).asfreq("D")
    missing = daily.isna().to_numpy()
    if missing.any():
        run, longest, longest_end = 0, 0, 0
        for i, m in enumerate(missing):
            run = run + 1 if m else 0
            if run > longest:
                longest, longest_end = run, i
        if longest > max_gap_days:
            first = daily.index[longest_end - longest + 1].date().isoformat()
            raise DetenteError(
                f"{longest} consecutive days are missing from {first}; fill the gap "
                f"(at most {max_gap_days} missing days in a row are interpolated)",
                source=source,
            )
        daily = daily.interpolate(method="time", limit_area="inside")
    grid = pd.DatetimeIndex(daily.index)
    ends = daily[grid.day_of_week == WEEKDAYS.index(day)]
    gains: pd.Series = ends.diff().iloc[1:]
    if gains.empty:
        raise DetenteError(
            f"the series covers no complete week ending on {day}; give at least 8 days",
            source=source,
        )
    gains.name = "gain_km2"
    gains.index.name = "week_ending"
    return gains


def season_of(dates: pd.DatetimeIndex | Sequence[date]) -> IntArray:
    """Index into :data:`SEASONS` of each date: 0 winter (Dec-Feb), 1 mud (Mar-Apr,
    Oct-Nov), 2 summer (May-Sep)."""
    import pandas as pd

    months = pd.DatetimeIndex(list(dates)).month.to_numpy()
    out: IntArray = _SEASON_OF_MONTH[months]
    return out


def _week_seasons(week_end: pd.DatetimeIndex) -> IntArray:
    """The season of each week, taken at its middle day (three days before its end)."""
    import pandas as pd

    return season_of(week_end - pd.Timedelta(days=3))


def regime_names(k: int) -> tuple[str, ...]:
    """Names of ``k`` regimes ordered by mean gain: hold / press / surge for three."""
    if k == 1:
        return ("all",)
    if k == 2:
        return ("hold", "surge")
    if k == 3:
        return ("hold", "press", "surge")
    return ("hold", *(f"press{i}" for i in range(1, k - 1)), "surge")


# --------------------------------------------------------------------------------------
# Batched EM for Gaussian Markov-switching / mixture models with a season covariate
# --------------------------------------------------------------------------------------


def _season_basis() -> FloatArray:
    """(S, S-1) map from free coefficients to season shifts that average to zero with the
    calendar weights: shift[s] = eta[s-1] for s >= 1, shift[0] from the constraint."""
    w = np.asarray(CALENDAR_WEIGHTS)
    basis = np.zeros((_S, _S - 1))
    for j in range(1, _S):
        basis[j, j - 1] = 1.0
        basis[0, j - 1] = -w[j] / w[0]
    return basis


_BASIS = _season_basis()


@dataclass(frozen=True)
class _Spec:
    k: int
    hmm: bool
    season: SeasonEffect

    @property
    def kind(self) -> Kind:
        return "hmm" if self.hmm else "mixture"

    def n_params(self) -> int:
        k = self.k
        n = 2 * k + (_S - 1 if self.season == "mean" else 0)
        blocks = _S if self.season == "probs" else 1
        if self.hmm:
            n += k * (k - 1) * blocks + (k - 1)
        else:
            n += (k - 1) * blocks
        return n


@dataclass
class _Params:
    """Parameters of B models at once (leading axis B)."""

    mu: FloatArray  # (B, K) calendar-average regime means
    eta: FloatArray  # (B, S-1) free season-shift coefficients
    sigma: FloatArray  # (B, K)
    trans: FloatArray  # (B, S, K, K) transition into a week of season s, from i to j
    init: FloatArray  # (B, K)

    def shift(self) -> FloatArray:
        out: FloatArray = self.eta @ _BASIS.T
        return out

    def take(self, rows: IntArray) -> _Params:
        return _Params(
            self.mu[rows], self.eta[rows], self.sigma[rows], self.trans[rows], self.init[rows]
        )

    def put(self, rows: IntArray, other: _Params) -> None:
        """Overwrite the models at ``rows`` with ``other``'s, in place."""
        self.mu[rows] = other.mu
        self.eta[rows] = other.eta
        self.sigma[rows] = other.sigma
        self.trans[rows] = other.trans
        self.init[rows] = other.init

    @staticmethod
    def concat(parts: Sequence[_Params]) -> _Params:
        return _Params(
            np.concatenate([p.mu for p in parts]),
            np.concatenate([p.eta for p in parts]),
            np.concatenate([p.sigma for p in parts]),
            np.concatenate([p.trans for p in parts]),
            np.concatenate([p.init for p in parts]),
        )


def _onehot(seasons: IntArray) -> FloatArray:
    out: FloatArray = np.eye(_S)[seasons]
    return out


def _regime_means(p: _Params, seasons: IntArray) -> FloatArray:
    """(B, T, K) mean of each regime in each week."""
    shift = np.take_along_axis(p.shift(), seasons, axis=1)
    out: FloatArray = p.mu[:, None, :] + shift[:, :, None]
    return out


def _estep(
    x: FloatArray, seasons: IntArray, p: _Params
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Scaled forward-backward (Rabiner 1989): posteriors (B,T,K), expected transition
    counts by season of the destination week (B,S,K,K) and log-likelihoods (B,)."""
    b, t_len = x.shape
    k = p.mu.shape[1]
    z = (x[:, :, None] - _regime_means(p, seasons)) / p.sigma[:, None, :]
    loge = -0.5 * z * z - np.log(p.sigma)[:, None, :] - _HALF_LOG_2PI
    top = loge.max(axis=2, keepdims=True)
    e = np.exp(np.maximum(loge - top, -500.0))
    at = p.trans[np.arange(b)[:, None], seasons]  # (B, T, K, K)
    alpha = np.empty((b, t_len, k))
    scale = np.empty((b, t_len))
    a = p.init * e[:, 0]
    scale[:, 0] = a.sum(axis=1)
    alpha[:, 0] = a / scale[:, 0, None]
    for t in range(1, t_len):
        a = np.matmul(alpha[:, t - 1, None, :], at[:, t])[:, 0, :] * e[:, t]
        scale[:, t] = a.sum(axis=1)
        alpha[:, t] = a / scale[:, t, None]
    beta = np.empty((b, t_len, k))
    beta[:, -1] = 1.0
    for t in range(t_len - 2, -1, -1):
        nxt = (e[:, t + 1] * beta[:, t + 1])[:, :, None]
        beta[:, t] = np.matmul(at[:, t + 1], nxt)[:, :, 0] / scale[:, t + 1, None]
    gamma = alpha * beta
    gamma /= gamma.sum(axis=2, keepdims=True)
    xi = (
        alpha[:, :-1, :, None]
        * at[:, 1:]
        * (e[:, 1:] * beta[:, 1:])[:, :, None, :]
        / scale[:, 1:, None, None]
    )
    counts = np.einsum("bts,btij->bsij", _onehot(seasons[:, 1:]), xi)
    loglik = np.log(scale).sum(axis=1) + top[:, :, 0].sum(axis=1)
    return gamma, counts, loglik


def _normalise_rows(counts: FloatArray, fallback: FloatArray) -> FloatArray:
    rows = counts.sum(axis=-1, keepdims=True)
    out: FloatArray = np.where(rows > 1e-12, counts / np.maximum(rows, 1e-300), fallback)
    return out


def _mstep(
    x: FloatArray,
    seasons: IntArray,
    gamma: FloatArray,
    counts: FloatArray,
    p: _Params,
    spec: _Spec,
) -> _Params:
    """Closed-form M-step; the means and season shifts are a weighted least-squares
    solve given the current SDs, then the SDs given the new means (an ECM step, which
    keeps EM's monotone likelihood)."""
    b, _, k = gamma.shape
    uniform = np.full((b, _S, k, k), 1.0 / k)
    if spec.hmm:
        pooled = _normalise_rows(counts.sum(axis=1, keepdims=True), uniform[:, :1])
        pooled = np.broadcast_to(pooled, uniform.shape)
        trans = _normalise_rows(counts, pooled) if spec.season == "probs" else np.array(pooled)
        init = gamma[:, 0]
    else:
        weights = np.einsum("bts,btk->bsk", _onehot(seasons), gamma)
        pooled_w = _normalise_rows(weights.sum(axis=1, keepdims=True), uniform[:, :1, 0])
        pooled_w = np.broadcast_to(pooled_w, weights.shape)
        w = _normalise_rows(weights, pooled_w) if spec.season == "probs" else np.array(pooled_w)
        trans = np.array(np.broadcast_to(w[:, :, None, :], uniform.shape))
        init = w[np.arange(b), seasons[:, 0]]

    nk = gamma.sum(axis=1)  # (B, K)
    alive = nk > 1e-9
    if spec.season == "mean":
        wt = gamma / (p.sigma**2)[:, None, :]  # (B, T, K)
        bs = _BASIS[seasons]  # (B, T, S-1)
        wt_t = wt.sum(axis=2)  # (B, T)
        n_free = _S - 1
        mat = np.zeros((b, k + n_free, k + n_free))
        idx = np.arange(k)
        mat[:, idx, idx] = wt.sum(axis=1) + np.where(alive, 0.0, 1.0)
        cross = np.einsum("btk,btp->bkp", wt, bs)
        mat[:, :k, k:] = cross
        mat[:, k:, :k] = cross.transpose(0, 2, 1)
        mat[:, k:, k:] = np.einsum("bt,btp,btq->bpq", wt_t, bs, bs) + 1e-9 * np.eye(n_free)
        rhs = np.concatenate(
            [
                np.where(alive, (wt * x[:, :, None]).sum(axis=1), p.mu),
                np.einsum("bt,btp->bp", (wt * x[:, :, None]).sum(axis=2), bs),
            ],
            axis=1,
        )
        theta = np.linalg.solve(mat, rhs[:, :, None])[:, :, 0]
        mu, eta = theta[:, :k], theta[:, k:]
    else:
        mu = np.where(alive, (gamma * x[:, :, None]).sum(axis=1) / np.maximum(nk, 1e-300), p.mu)
        eta = np.zeros_like(p.eta)
    new = _Params(mu, eta, p.sigma, trans, init)
    resid = x[:, :, None] - _regime_means(new, seasons)
    var = (gamma * resid**2).sum(axis=1) / np.maximum(nk, 1e-300)
    new.sigma = np.where(alive, np.sqrt(np.maximum(var, SD_FLOOR_KM2**2)), p.sigma)
    return new


def _sort_regimes(p: _Params, gamma: FloatArray) -> tuple[_Params, FloatArray]:
    """Reorder each model's regimes by increasing calendar-average mean."""
    order = np.argsort(p.mu, axis=1, kind="stable")
    trans = np.take_along_axis(p.trans, order[:, None, :, None], axis=2)
    trans = np.take_along_axis(trans, order[:, None, None, :], axis=3)
    sorted_p = _Params(
        np.take_along_axis(p.mu, order, axis=1),
        p.eta.copy(),
        np.take_along_axis(p.sigma, order, axis=1),
        trans,
        np.take_along_axis(p.init, order, axis=1),
    )
    return sorted_p, np.take_along_axis(gamma, order[:, None, :], axis=2)


def _run_em(
    x: FloatArray,
    seasons: IntArray,
    p: _Params,
    spec: _Spec,
    *,
    tol: float = 1e-8,
    max_iter: int = 2000,
) -> tuple[_Params, FloatArray, FloatArray]:
    """EM on B series at once until each one's log-likelihood gains less than
    ``tol * (1 + |loglik|)``. Each iteration works on the models not yet converged only,
    so a model's result does not depend on which models share its batch."""
    p = p.take(np.arange(x.shape[0]))
    active = np.ones(x.shape[0], dtype=bool)
    previous = np.full(x.shape[0], -np.inf)
    for _ in range(max_iter):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        sub = p.take(rows)
        gamma, counts, loglik = _estep(x[rows], seasons[rows], sub)
        done = loglik - previous[rows] <= tol * (1.0 + np.abs(loglik))
        previous[rows] = loglik
        active[rows[done]] = False
        go = np.flatnonzero(~done)
        if go.size:
            new = _mstep(x[rows[go]], seasons[rows[go]], gamma[go], counts[go], sub.take(go), spec)
            p.put(rows[go], new)
    gamma, _, loglik = _estep(x, seasons, p)
    p, gamma = _sort_regimes(p, gamma)
    return p, gamma, loglik


def _start(mu: FloatArray, sigma: FloatArray, persistence: FloatArray, spec: _Spec) -> _Params:
    b, k = mu.shape
    if spec.hmm and k > 1:
        off = (1.0 - persistence) / (k - 1)
        trans = off[:, None, None] * np.ones((b, k, k))
        trans[:, np.arange(k), np.arange(k)] = persistence[:, None]
    else:
        trans = np.full((b, k, k), 1.0 / k)
    return _Params(
        mu=mu,
        eta=np.zeros((b, _S - 1)),
        sigma=np.maximum(sigma, SD_FLOOR_KM2),
        trans=np.repeat(trans[:, None], _S, axis=1),
        init=np.full((b, k), 1.0 / k),
    )


def _quantile_start(x: FloatArray, spec: _Spec) -> _Params:
    """Regimes from the K quantile groups of each series' sorted gains."""
    xs = np.sort(x, axis=1)
    groups = np.array_split(np.arange(x.shape[1]), spec.k)
    mu = np.stack([xs[:, g].mean(axis=1) for g in groups], axis=1)
    floor = 0.1 * x.std(axis=1, keepdims=True)
    sigma = np.maximum(np.stack([xs[:, g].std(axis=1) for g in groups], axis=1), floor)
    return _start(mu, sigma, np.full(x.shape[0], 0.9, dtype=np.float64), spec)


def _random_starts(x: FloatArray, spec: _Spec, rng: np.random.Generator) -> _Params:
    """One start per row of ``x`` (B, T): means at K distinct random weeks' gains (plus
    jitter), random SDs and persistence."""
    n, t_len = x.shape
    sd = np.maximum(x.std(axis=1, keepdims=True), 1.0)
    picks = np.argsort(rng.random((n, t_len)), axis=1)[:, : spec.k]
    jitter = rng.normal(0.0, 0.05, (n, spec.k)) * sd
    mu = np.sort(np.take_along_axis(x, picks, axis=1) + jitter, axis=1)
    sigma = sd * rng.uniform(0.1, 1.0, (n, spec.k))
    return _start(mu, sigma, np.asarray(rng.uniform(0.5, 0.97, n), dtype=np.float64), spec)


def _fit_point(
    x: FloatArray,
    seasons: IntArray,
    spec: _Spec,
    n_starts: int,
    rng: np.random.Generator,
    min_share: float,
) -> tuple[_Params, FloatArray, float]:
    """Best of one quantile start and ``n_starts - 1`` random starts."""
    parts = [_quantile_start(x[None, :], spec)]
    if n_starts > 1:
        parts.append(_random_starts(np.repeat(x[None, :], n_starts - 1, axis=0), spec, rng))
    p0 = _Params.concat(parts)
    b = p0.mu.shape[0]
    xb = np.repeat(x[None, :], b, axis=0)
    sb = np.repeat(seasons[None, :], b, axis=0)
    p, gamma, loglik = _run_em(xb, sb, p0, spec)
    best = int(np.argmax(_admissible(loglik, _spurious(p, gamma, min_share))))
    rows = np.array([best])
    return p.take(rows), gamma[best], float(loglik[best])


def _spurious(p: _Params, gamma: FloatArray, min_share: float) -> BoolArray:
    """Fits in which EM explains a few close weeks by a narrow regime (McLachlan & Peel
    2000, sec. 3.10): a regime with less than ``min_share`` of the weeks, or with its SD
    at the floor :data:`SD_FLOOR_KM2` (DECISIONS CAL-3)."""
    small = gamma.mean(axis=1).min(axis=1) < min_share
    narrow = (p.sigma <= SD_FLOOR_KM2 * (1 + 1e-6)).any(axis=1)
    out: BoolArray = small | narrow
    return out


def _admissible(loglik: FloatArray, spurious: BoolArray) -> FloatArray:
    """Log-likelihoods with spurious fits pushed below every admissible one, so that a
    spurious fit is kept only if no start gives another."""
    ll = np.where(np.isfinite(loglik), loglik, -1e300)
    out: FloatArray = np.where(spurious, ll - 1e200, ll)
    return out


def _stationary(trans: FloatArray) -> FloatArray | None:
    """The stationary distribution of a (K, K) transition matrix, if unique."""
    k = trans.shape[0]
    system = np.vstack([trans.T - np.eye(k), np.ones((1, k))])
    rhs = np.zeros(k + 1)
    rhs[-1] = 1.0
    pi, *_ = np.linalg.lstsq(system, rhs, rcond=None)
    if not np.all(np.isfinite(pi)) or np.any(pi < -1e-9):
        return None
    out: FloatArray = np.clip(pi, 0.0, None) / np.clip(pi, 0.0, None).sum()
    return out


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelFit:
    """One candidate model in the comparison: its log-likelihood, number of free
    parameters, AIC, BIC, point estimates and smallest regime share."""

    kind: str
    season_effect: str
    log_likelihood: float
    n_params: int
    aic: float
    bic: float
    means: tuple[float, ...]
    sds: tuple[float, ...]
    season_shift: tuple[float, ...]
    min_share: float


Tup = tuple[float, ...]
Tup2 = tuple[tuple[float, ...], ...]
Tup3 = tuple[tuple[tuple[float, ...], ...], ...]
Tup4 = tuple[tuple[tuple[tuple[float, ...], ...], ...], ...]


@dataclass(frozen=True)
class TerritoryCalibration:
    """A fitted model of the attacker's weekly gain (km²/week), with bootstrap replicates.

    The weekly gain in a week of season *s* when the attacker is in regime *k* is
    ``Normal(means[k] + season_shift[s], sds[k])``; the regime follows a Markov chain with
    ``transition[s][i][j]`` = P(regime j this week | regime i last week), *s* being this
    week's season (for ``kind == "mixture"`` every row is the same: no persistence).
    ``means`` are calendar-average means: ``season_shift`` averages to zero with
    :data:`CALENDAR_WEIGHTS`.

    All fields are plain (str, int, float and tuples of them) so :meth:`to_dict` is JSON
    and :meth:`from_dict` reads it back. ``boot_*`` hold the ``bootstrap`` circular-block
    bootstrap replicates (Künsch 1989), in the same regime order (DECISIONS CAL-9).
    """

    source: str
    regimes: tuple[str, ...]
    seasons: tuple[str, ...]
    kind: str
    season_effect: str
    means: Tup
    sds: Tup
    season_shift: Tup
    transition: Tup3
    initial: Tup
    shares: Tup
    log_likelihood: float
    n_params: int
    bic: float
    n_weeks: int
    week_ending_day: str
    observed_mean_gain: float
    fitted_mean_gain: float
    stationary_mean_gain: float | None
    comparison: tuple[ModelFit, ...]
    week_ending: tuple[str, ...]
    gains: Tup
    week_season: tuple[str, ...]
    posterior: Tup2
    seed: int | None
    bootstrap: int
    block_weeks: int
    min_share: float
    boot_means: Tup2
    boot_sds: Tup2
    boot_season_shift: Tup2
    boot_transition: Tup4
    boot_shares: Tup2
    boot_spurious: int
    replicate: int | None = None

    def values(self) -> dict[str, float]:
        """The declared outputs of :class:`TerritoryModel` (NaN where undefined)."""
        stationary = self.stationary_mean_gain
        return {
            **{f"mean_gain_{r}": float(m) for r, m in zip(self.regimes, self.means, strict=True)},
            "stationary_mean_gain": math.nan if stationary is None else float(stationary),
            "bic": float(self.bic),
        }

    # ---- lookups ------------------------------------------------------------------
    def regime_index(self, regime: str | int) -> int:
        """The index of a regime given by name or index."""
        return _lookup(regime, self.regimes, "regime")

    def season_index(self, season: str | int) -> int:
        """The index of a season given by name or index."""
        return _lookup(season, self.seasons, "season")

    def mean_gain(self, regime: str | int, season: str | int) -> float:
        """Expected weekly gain (km²) in ``regime`` during ``season``."""
        k, s = self.regime_index(regime), self.season_index(season)
        return self.means[k] + self.season_shift[s]

    def transition_matrix(self, season: str | int) -> FloatArray:
        """The (K, K) matrix P(regime j this week | regime i last week) for a week of
        ``season``."""
        return np.asarray(self.transition[self.season_index(season)], dtype=np.float64)

    def persistence(self) -> FloatArray:
        """P(staying in each regime one more week), calendar-weighted over seasons."""
        diag = np.diagonal(np.asarray(self.transition), axis1=1, axis2=2)
        out: FloatArray = np.asarray(CALENDAR_WEIGHTS) @ diag
        return out

    # ---- simulation ---------------------------------------------------------------
    def sample_gain(
        self,
        regime: str | int | npt.ArrayLike,
        season: str | int | npt.ArrayLike,
        rng: np.random.Generator,
        size: int | tuple[int, ...] | None = None,
    ) -> FloatArray:
        """Draw weekly gains (km²) for a regime and season.

        Parameters
        ----------
        regime, season:
            Names or indices; integer arrays broadcast (one draw per element).
        rng:
            The random generator (never the global one).
        size:
            Output shape, as for :meth:`numpy.random.Generator.normal`.

        Returns
        -------
        numpy.ndarray
            Gains in km² (a 0-d array for scalar inputs and ``size=None``).
        """
        k = self._indices(regime, self.regimes, "regime")
        s = self._indices(season, self.seasons, "season")
        loc = np.asarray(self.means)[k] + np.asarray(self.season_shift)[s]
        scale = np.asarray(self.sds)[k]
        return np.asarray(rng.normal(loc, scale, size), dtype=np.float64)

    def draw_parameters(self, rng: np.random.Generator) -> TerritoryCalibration:
        """One bootstrap replicate's parameters, drawn uniformly, as a calibration.

        For Monte Carlo over parameter uncertainty: draw once per simulated path, then
        call :meth:`sample_gain` on the result. The bootstrap replicates are kept, and
        ``replicate`` records which one was drawn.
        """
        if self.bootstrap == 0 or not self.boot_means:
            raise DetenteError(
                "the calibration has no bootstrap replicates; fit it with bootstrap > 0",
                source=self.source,
                where="bootstrap",
            )
        j = int(rng.integers(len(self.boot_means)))
        return dataclasses.replace(
            self,
            means=self.boot_means[j],
            sds=self.boot_sds[j],
            season_shift=self.boot_season_shift[j],
            transition=self.boot_transition[j],
            shares=self.boot_shares[j],
            replicate=j,
        )

    # ---- summaries ----------------------------------------------------------------
    def intervals(self, level: float = 0.9) -> dict[str, Any]:
        """Percentile bootstrap intervals (Efron & Tibshirani 1993, ch. 13) at ``level``.

        Returns a dict of ``[low, high]`` pairs: ``mean``, ``sd``, ``share``,
        ``persistence`` per regime; ``season_shift`` per season; ``transition`` per
        season, from-regime and to-regime. Empty if there are no replicates.
        """
        if not self.boot_means:
            return {}
        q = [(1 - level) / 2, (1 + level) / 2]

        def iv(values: FloatArray) -> Any:
            return np.moveaxis(np.quantile(values, q, axis=0), 0, -1).tolist()

        trans = np.asarray(self.boot_transition)
        persist = np.einsum("s,bsk->bk", np.asarray(CALENDAR_WEIGHTS), np.diagonal(trans, 0, 2, 3))
        return {
            "level": level,
            "mean": iv(np.asarray(self.boot_means)),
            "sd": iv(np.asarray(self.boot_sds)),
            "share": iv(np.asarray(self.boot_shares)),
            "persistence": iv(persist),
            "season_shift": iv(np.asarray(self.boot_season_shift)),
            "transition": iv(trans),
        }

    def to_dict(self) -> dict[str, Any]:
        """All fields as JSON-ready lists and numbers, plus ``intervals`` (90%) and
        ``season_means`` (regime x season mean gain)."""
        doc: dict[str, Any] = _listify(dataclasses.asdict(self))
        doc["season_means"] = [
            [self.means[k] + shift for shift in self.season_shift] for k in range(len(self.means))
        ]
        doc["intervals"] = self.intervals(0.9)
        return doc

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TerritoryCalibration:
        """The calibration from :meth:`to_dict` output (derived keys are ignored)."""
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                if f.name == "replicate":
                    continue
                raise DetenteError(
                    f"missing field {f.name!r}; give a document written by to_dict()",
                    source="<calibration>",
                    where=f.name,
                )
            value = data[f.name]
            if f.name == "comparison":
                kwargs[f.name] = tuple(
                    ModelFit(**{k: _tupled(v) for k, v in m.items()}) for m in value
                )
            else:
                kwargs[f.name] = _tupled(value)
        return cls(**kwargs)

    @staticmethod
    def _indices(value: str | int | npt.ArrayLike, names: tuple[str, ...], what: str) -> Any:
        if isinstance(value, str | int | np.integer):
            return _lookup(value if isinstance(value, str) else int(value), names, what)
        arr = np.asarray(value)
        if arr.dtype.kind not in "iu" or (arr.size and (arr.min() < 0 or arr.max() >= len(names))):
            raise DetenteError(f"{what} indices must be integers 0..{len(names) - 1}", where=what)
        return arr


def _lookup(value: str | int, names: tuple[str, ...], what: str) -> int:
    if isinstance(value, str):
        if value in names:
            return names.index(value)
        raise DetenteError(f"unknown {what} {value!r}; use one of {', '.join(names)}", where=what)
    if 0 <= value < len(names):
        return int(value)
    raise DetenteError(f"{what} index {value} is out of range 0..{len(names) - 1}", where=what)


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_listify(v) for v in value]
    return value


def _tupled(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_tupled(v) for v in value)
    return value


def _tuple2(a: FloatArray) -> Tup2:
    return tuple(tuple(float(v) for v in row) for row in a)


def _tuple3(a: FloatArray) -> Tup3:
    return tuple(_tuple2(m) for m in a)


# --------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------


def _bic(loglik: float, n_params: int, n: int) -> float:
    return -2.0 * loglik + n_params * math.log(n)


def fit_territory(
    gains: pd.Series,
    *,
    regimes: int = 3,
    kind: Kind = "hmm",
    season: SeasonEffect | Literal["auto"] = "auto",
    bootstrap: int = 200,
    block_weeks: int = 8,
    seed: int | np.random.Generator = 0,
    n_starts: int = 20,
    min_share: float = 0.05,
    compare: bool = True,
    chunk: int = 50,
    progress: Callable[[int], None] | None = None,
    source: str = "<series>",
) -> TerritoryCalibration:
    """Fit a K-regime model of weekly gains with a season effect, and bootstrap it.

    The attacker's intensity is the hidden state of a Markov-switching model (Hamilton
    1989): regime *k* has Gaussian weekly gains with mean ``mu_k + shift_season`` and SD
    ``sigma_k``, and the regime follows a first-order Markov chain. It is fitted by EM
    (Baum-Welch, Rabiner 1989) from one quantile start and ``n_starts - 1`` random ones,
    keeping the best likelihood; regimes are ordered by mean and named hold / press /
    surge. ``kind="mixture"`` drops persistence (independent weeks).

    Three season effects are compared by BIC (Schwarz 1978) on the same weeks: ``none``;
    ``mean``, a season shift of every regime's mean (constrained to average zero over
    the calendar); ``probs``, season-dependent transition matrices (for a mixture:
    season-dependent regime weights). ``season="auto"`` keeps the lowest BIC among
    models of ``kind``; every candidate of both kinds is reported in ``comparison``
    (DECISIONS CAL-4, CAL-5).

    Parameter uncertainty comes from a circular-block bootstrap over weeks (Künsch 1989;
    Efron & Tibshirani 1993): ``bootstrap`` series of the same length are built from
    random runs of ``block_weeks`` consecutive weeks (each week keeps its season), and
    the chosen model is refitted to each from the point estimate, a quantile start and
    :data:`BOOT_RANDOM_STARTS` random starts, keeping the best admissible fit. Model
    choice is not redone per replicate (DECISIONS CAL-6).

    Parameters
    ----------
    gains:
        Weekly gains (km²) on the week-ending dates, as from :func:`weekly_gains`.
    regimes:
        Number of regimes K (1-6).
    kind:
        ``"hmm"`` (persistent regimes) or ``"mixture"`` (independent weeks).
    season:
        ``"auto"``, ``"none"``, ``"mean"`` or ``"probs"``.
    bootstrap:
        Number of bootstrap replicates B (0 for none).
    block_weeks:
        Block length of the circular-block bootstrap, in weeks.
    seed:
        Seed or :class:`numpy.random.Generator` for the random starts and the bootstrap.
    n_starts:
        EM starts for each point fit.
    min_share:
        Fits in which a regime takes less than this share of the weeks are spurious
        (McLachlan & Peel 2000, sec. 3.10: a narrow regime fitted to a few close weeks) and
        are used only when no start gives another; 0 disables the rule.
    compare:
        Fit every candidate for ``comparison`` (the default); if false, only the model
        asked for (``season`` must then not be ``"auto"``).
    chunk:
        Replicates refitted per vectorised batch (does not change the result).
    progress:
        Called with the number of replicates finished after each batch.
    source:
        The file the gains came from, for messages and the result.

    Returns
    -------
    TerritoryCalibration

    Raises
    ------
    DetenteError
        For bad settings, non-finite gains or too few weeks (at least 8 per regime).
    """
    import pandas as pd

    if not 1 <= regimes <= 6:
        raise DetenteError(
            f"regimes is {regimes}; use 1 to 6 (3 = hold/press/surge)", where="regimes"
        )
    if kind not in ("hmm", "mixture"):
        raise DetenteError(f"kind {kind!r} is unknown; use hmm or mixture", where="kind")
    if season not in ("auto", *SEASON_EFFECTS):
        raise DetenteError(
            f"season {season!r} is unknown; use auto, none, mean or probs", where="season"
        )
    if bootstrap < 0 or n_starts < 1 or chunk < 1:
        raise DetenteError("bootstrap must be >= 0, n_starts and chunk >= 1", where="options")
    if not isinstance(gains.index, pd.DatetimeIndex):
        raise DetenteError(
            "the gains need week-ending dates as a DatetimeIndex; use weekly_gains()",
            source=source,
        )
    x = gains.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise DetenteError("the weekly gains have NaN or infinite values", source=source)
    t_len = x.size
    if t_len < 8 * regimes:
        raise DetenteError(
            f"only {t_len} complete weeks; {regimes} regimes need at least {8 * regimes}. "
            "Use fewer regimes or a longer series",
            source=source,
        )
    if not 1 <= block_weeks <= t_len:
        raise DetenteError(
            f"block_weeks is {block_weeks}; use 1 to the number of weeks ({t_len})",
            where="block_weeks",
        )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    seed_value = None if isinstance(seed, np.random.Generator) else int(seed)
    start_rng, boot_rng = rng.spawn(2)  # DECISIONS CAL-8: one stream each, no global RNG
    seasons = _week_seasons(pd.DatetimeIndex(gains.index))

    fits: dict[tuple[Kind, SeasonEffect], tuple[_Params, FloatArray, float]] = {}
    comparison = []
    if not compare and season == "auto":
        raise DetenteError("season='auto' needs compare=True; name a season effect", where="season")
    kinds: tuple[Kind, ...] = ("hmm", "mixture")
    every = [(k_, e_) for k_ in kinds for e_ in SEASON_EFFECTS]
    for (cand_kind, effect), cand_rng in zip(every, start_rng.spawn(len(every)), strict=True):
        if not compare and (cand_kind, effect) != (kind, season):
            continue
        spec = _Spec(regimes, cand_kind == "hmm", effect)
        fit = _fit_point(x, seasons, spec, n_starts, cand_rng, min_share)
        fits[(cand_kind, effect)] = fit
        n_par = spec.n_params()
        comparison.append(
            ModelFit(
                kind=cand_kind,
                season_effect=effect,
                log_likelihood=fit[2],
                n_params=n_par,
                aic=-2.0 * fit[2] + 2.0 * n_par,
                bic=_bic(fit[2], n_par, t_len),
                means=tuple(float(v) for v in fit[0].mu[0]),
                sds=tuple(float(v) for v in fit[0].sigma[0]),
                season_shift=tuple(float(v) for v in fit[0].shift()[0]),
                min_share=float(fit[1].mean(axis=0).min()),
            )
        )
    if season == "auto":
        chosen = min((m for m in comparison if m.kind == kind), key=lambda m: m.bic)
        effect_chosen: SeasonEffect = chosen.season_effect  # type: ignore[assignment]
    else:
        effect_chosen = season
        chosen = next(m for m in comparison if m.kind == kind and m.season_effect == season)
    spec = _Spec(regimes, kind == "hmm", effect_chosen)
    point, gamma, loglik = fits[(kind, effect_chosen)]

    boot = _bootstrap(
        x, seasons, point, spec, bootstrap, block_weeks, boot_rng, chunk, progress, min_share
    )

    means_tk = _regime_means(point, seasons[None, :])[0]
    # DECISIONS CAL-7: the fitted mean is the posterior-weighted regime means, in sample
    fitted_mean = float((gamma * means_tk).sum(axis=1).mean())
    stationary_mean: float | None = None
    if spec.season != "probs" or spec.k == 1:
        pi = _stationary(point.trans[0, 0])
        if pi is not None:
            stationary_mean = float(pi @ point.mu[0])
    weeks = pd.DatetimeIndex(gains.index)
    day = WEEKDAYS[int(weeks[0].day_of_week)]
    return TerritoryCalibration(
        source=source,
        regimes=regime_names(regimes),
        seasons=SEASONS,
        kind=kind,
        season_effect=effect_chosen,
        means=tuple(float(v) for v in point.mu[0]),
        sds=tuple(float(v) for v in point.sigma[0]),
        season_shift=tuple(float(v) for v in point.shift()[0]),
        transition=_tuple3(point.trans[0]),
        initial=tuple(float(v) for v in point.init[0]),
        shares=tuple(float(v) for v in gamma.mean(axis=0)),
        log_likelihood=loglik,
        n_params=chosen.n_params,
        bic=chosen.bic,
        n_weeks=t_len,
        week_ending_day=day,
        observed_mean_gain=float(x.mean()),
        fitted_mean_gain=fitted_mean,
        stationary_mean_gain=stationary_mean,
        comparison=tuple(comparison),
        week_ending=tuple(d.date().isoformat() for d in weeks),
        gains=tuple(float(v) for v in x),
        week_season=tuple(SEASONS[s] for s in seasons),
        posterior=_tuple2(gamma),
        seed=seed_value,
        bootstrap=bootstrap,
        block_weeks=block_weeks,
        min_share=min_share,
        **boot,
    )


def _bootstrap(
    x: FloatArray,
    seasons: IntArray,
    point: _Params,
    spec: _Spec,
    n_boot: int,
    block: int,
    rng: np.random.Generator,
    chunk: int,
    progress: Callable[[int], None] | None,
    min_share: float,
) -> dict[str, Any]:
    """Circular-block bootstrap replicates of the chosen model's parameters."""
    empty: dict[str, Any] = {
        "boot_means": (),
        "boot_sds": (),
        "boot_season_shift": (),
        "boot_transition": (),
        "boot_shares": (),
        "boot_spurious": 0,
    }
    if n_boot == 0:
        return empty
    t_len = x.size
    n_blocks = -(-t_len // block)
    # Circular blocks (Politis & Romano 1992): every week is equally likely to be drawn;
    # moving blocks under-draw the first and last weeks (DECISIONS CAL-10).
    starts = rng.integers(0, t_len, size=(n_boot, n_blocks))
    index = (starts[:, :, None] + np.arange(block)).reshape(n_boot, -1)[:, :t_len] % t_len
    random_inits = [_random_starts(x[index], spec, rng) for _ in range(BOOT_RANDOM_STARTS)]
    means, sds, shifts, trans, shares = [], [], [], [], []
    spurious = 0
    for lo in range(0, n_boot, chunk):
        rows = index[lo : lo + chunk]
        n = rows.shape[0]
        xb, sb = x[rows], seasons[rows]
        warm = point.take(np.zeros(n, dtype=np.int64))
        inits = [warm, _quantile_start(xb, spec)]
        inits += [r.take(np.arange(lo, lo + n)) for r in random_inits]
        n_try = len(inits)
        p, gamma, loglik = _run_em(
            np.tile(xb, (n_try, 1)), np.tile(sb, (n_try, 1)), _Params.concat(inits), spec
        )
        bad = _spurious(p, gamma, min_share)
        score = _admissible(loglik, bad).reshape(n_try, n)
        best = score.argmax(axis=0) * n + np.arange(n)
        p, gamma = p.take(best), gamma[best]
        spurious += int(bad[best].sum())
        means.append(p.mu)
        sds.append(p.sigma)
        shifts.append(p.shift())
        trans.append(p.trans)
        shares.append(gamma.mean(axis=1))
        if progress is not None:
            progress(n)
    return {
        "boot_means": _tuple2(np.concatenate(means)),
        "boot_sds": _tuple2(np.concatenate(sds)),
        "boot_season_shift": _tuple2(np.concatenate(shifts)),
        "boot_transition": tuple(_tuple3(m) for m in np.concatenate(trans)),
        "boot_shares": _tuple2(np.concatenate(shares)),
        "boot_spurious": spurious,
    }


class TerritoryModel(Params):
    """The battlefield calibration behind the model contract (:mod:`detente.contract`):
    :meth:`run` aggregates a daily occupied-area series to weeks (:func:`weekly_gains`) and
    fits the regime model (:func:`fit_territory`; Hamilton 1989 for ``kind="hmm"``).

    Parameters are those of :func:`fit_territory` and :func:`weekly_gains`.
    """

    name: ClassVar[str] = "territory"
    label: ClassVar[str] = "Battlefield calibration (Markov-switching weekly gains)"
    reference: ClassVar[str] = f"Hamilton 1989; Künsch 1989 ({docs_page('calibration')})"
    tags: ClassVar[Tags] = Tags(input="series", stochastic=True)
    varies: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        week_ending: str = "SUN",
        regimes: int = 3,
        kind: Kind = "hmm",
        season: SeasonEffect | Literal["auto"] = "auto",
        bootstrap: int = 200,
        block_weeks: int = 8,
    ) -> None:
        self.week_ending = week_ending
        self.regimes = regimes
        self.kind = kind
        self.season = season
        self.bootstrap = bootstrap
        self.block_weeks = block_weeks

    def outputs(self, inputs: pd.Series | None = None) -> list[Output]:
        """Each regime's calendar-average weekly gain, the stationary mean gain and the BIC."""
        return [
            *(
                Output(f"mean_gain_{r}", "km²/week", 1e-9, f"mean weekly gain in regime {r}")
                for r in regime_names(self.regimes)
            ),
            Output("stationary_mean_gain", "km²/week", 1e-9,
                   "long-run mean weekly gain (NaN for a mixture)"),
            Output("bic", "", 1e-6, "Bayesian information criterion of the fit"),
        ]  # fmt: skip

    def run(
        self,
        inputs: pd.Series,
        seed: int | np.random.Generator = 0,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> TerritoryCalibration:
        """Fit on a daily ``occupied_km2`` series (its ``name`` is the calibration's source)."""
        source = str(inputs.name) if inputs.name is not None else "<series>"
        return fit_territory(
            weekly_gains(inputs, self.week_ending),
            regimes=self.regimes,
            kind=self.kind,
            season=self.season,
            bootstrap=self.bootstrap,
            block_weeks=self.block_weeks,
            seed=seed,
            progress=progress,
            source=source,
        )


def calibrate_territory(
    path: str | Path,
    *,
    seed: int | np.random.Generator = 0,
    progress: Callable[[int], None] | None = None,
    **settings: Any,
) -> TerritoryCalibration:
    """Read a ``date,occupied_km2`` CSV and fit :class:`TerritoryModel` (built with
    ``settings``: ``week_ending``, ``regimes``, ``kind``, ``season``, ``bootstrap``,
    ``block_weeks``) on it."""
    series = read_territory_series(path)
    series.name = str(path)
    return TerritoryModel(**settings).run(series, seed, progress=progress)
