"""The weekly record of one directed dyad: volume, net cooperation, quad-class shares.

Net cooperation is the mean Goldstein (1992) weight of the dyad's events; its interval is a
bootstrap over weeks (events of one week are resampled together, since reports of one episode
cluster in time), so the interval is honest about the serial clustering of event data.

References
----------
Goldstein, J. S. (1992). A conflict-cooperation scale for WEIS events data. *Journal of
Conflict Resolution* 36(2), 369-385.
Duval, R. D., & Thompson, W. R. (1980). Reconsidering the aggregate relationship between size,
economic development, and some types of foreign policy behavior. *American Journal of
Political Science* 24(3), 511-525 (the quad classes).
Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 13 (percentile
intervals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.profiles.events import QUAD_NAMES

QUADS = ("q1", "q2", "q3", "q4")
"""Weekly count columns, one per quad class (1 verbal coop, 2 material coop, 3 verbal
conflict, 4 material conflict)."""


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a bootstrap percentile interval."""

    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high}


def week_start(dates: pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The Monday starting each date's ISO week (empty weeks are missing, not zero:
    DECISIONS PRO-4)."""
    idx = pd.DatetimeIndex(dates).normalize()
    return idx - pd.to_timedelta(idx.dayofweek, unit="D")


def week_grid(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Every Monday-starting week from the week of ``start`` to the week of ``end``."""
    first = week_start(pd.DatetimeIndex([start]))[0]
    last = week_start(pd.DatetimeIndex([end]))[0]
    return pd.date_range(first, last, freq="7D", name="week")


def weekly_table(
    events: pd.DataFrame, source: str, target: str, weeks: pd.DatetimeIndex
) -> pd.DataFrame:
    """Weekly counts for the directed dyad ``source → target``.

    Parameters
    ----------
    events:
        Validated events (:func:`detente.profiles.events.read_events`), already windowed.
    source, target:
        Actor codes (case-insensitive).
    weeks:
        The week grid (:func:`week_grid`); weeks without events are kept with zeros.

    Returns
    -------
    pandas.DataFrame
        Indexed by week start: ``n`` (events), ``goldstein_sum``, ``net_cooperation`` (mean
        Goldstein, NaN in empty weeks), ``q1``..``q4`` counts and ``s1``..``s4`` shares (NaN in
        empty weeks).
    """
    sel = events[(events["source"] == source.upper()) & (events["target"] == target.upper())]
    return _weekly_from(sel, weeks)


def all_dyads_weekly(
    events: pd.DataFrame, weeks: pd.DatetimeIndex
) -> dict[tuple[str, str], pd.DataFrame]:
    """:func:`weekly_table` for every directed dyad in ``events``, in one grouped pass."""
    frame = events.assign(week=week_start(events["date"]))
    dummies = pd.get_dummies(frame["quad_class"]).reindex(columns=[1, 2, 3, 4], fill_value=False)
    frame = frame.assign(
        q1=dummies[1].to_numpy(int),
        q2=dummies[2].to_numpy(int),
        q3=dummies[3].to_numpy(int),
        q4=dummies[4].to_numpy(int),
        one=1,
    )
    grouped = frame.groupby(["source", "target", "week"])[["one", "goldstein", *QUADS]].sum()
    out: dict[tuple[str, str], pd.DataFrame] = {}
    for key, sub in grouped.groupby(level=[0, 1]):
        src, tgt = key
        sums = sub.droplevel([0, 1]).reindex(weeks, fill_value=0)
        out[(str(src), str(tgt))] = _finish(
            sums.rename(columns={"one": "n", "goldstein": "goldstein_sum"})
        )
    return out


def _weekly_from(sel: pd.DataFrame, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "week": week_start(sel["date"]),
            "n": 1,
            "goldstein_sum": sel["goldstein"].to_numpy(float),
            **{q: (sel["quad_class"].to_numpy() == i + 1).astype(int) for i, q in enumerate(QUADS)},
        }
    )
    sums = frame.groupby("week")[["n", "goldstein_sum", *QUADS]].sum().reindex(weeks, fill_value=0)
    return _finish(sums)


def _finish(sums: pd.DataFrame) -> pd.DataFrame:
    sums.index.name = "week"
    n = sums["n"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sums["net_cooperation"] = np.where(n > 0, sums["goldstein_sum"] / n, np.nan)
        for i, q in enumerate(QUADS):
            sums[f"s{i + 1}"] = np.where(n > 0, sums[q] / n, np.nan)
    return sums


def overall_shares(weekly: pd.DataFrame) -> dict[str, float]:
    """Shares of the four quad classes over the whole window, by quad name."""
    total = float(weekly["n"].sum())
    if total == 0:
        return {name: float("nan") for name in QUAD_NAMES.values()}
    return {QUAD_NAMES[i + 1]: float(weekly[q].sum()) / total for i, q in enumerate(QUADS)}


def bootstrap_weeks(
    numerator: np.ndarray,
    denominator: np.ndarray,
    *,
    n_boot: int,
    seed: int | np.random.Generator,
    level: float = 0.95,
) -> Estimate:
    """A ratio of weekly sums with a week-resampling percentile bootstrap interval.

    Parameters
    ----------
    numerator, denominator:
        Weekly sums (e.g. the Goldstein sum and the event count); the estimate is
        ``numerator.sum() / denominator.sum()``.
    n_boot:
        Bootstrap replicates.
    seed:
        An integer seed or a ``numpy.random.Generator``; the same seed gives the same interval.
    level:
        Coverage of the percentile interval.

    Returns
    -------
    Estimate
        The ratio and its interval (NaN where the denominator is zero).
    """
    if n_boot < 1:
        raise DetenteError("n_boot must be at least 1", where="n_boot")
    rng = np.random.default_rng(seed)
    num = np.asarray(numerator, float)
    den = np.asarray(denominator, float)
    total = den.sum()
    if total <= 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    value = float(num.sum() / total)
    idx = rng.integers(0, num.size, size=(n_boot, num.size))
    bnum = num[idx].sum(axis=1)
    bden = den[idx].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = bnum / bden
    ratios = ratios[np.isfinite(ratios)]
    alpha = (1 - level) / 2
    low, high = np.quantile(ratios, [alpha, 1 - alpha])
    return Estimate(value, float(low), float(high))


def net_cooperation(
    weekly: pd.DataFrame, *, n_boot: int = 2000, seed: int | np.random.Generator = 0
) -> Estimate:
    """Mean Goldstein weight of the dyad's events, with a week-bootstrap 95% interval
    (DECISIONS PRO-5).

    Parameters
    ----------
    weekly:
        From :func:`weekly_table`.
    n_boot:
        Bootstrap replicates (default 2,000).
    seed:
        Integer seed or Generator.

    Returns
    -------
    Estimate
        On the Goldstein (1992) scale, -10 (most conflictual) to +10 (most cooperative).
    """
    return bootstrap_weeks(
        weekly["goldstein_sum"].to_numpy(float),
        weekly["n"].to_numpy(float),
        n_boot=n_boot,
        seed=seed,
    )


def largest_moves(
    weekly: pd.DataFrame,
    events: pd.DataFrame,
    source: str,
    target: str,
    *,
    top: int = 3,
    per_move: int = 5,
    min_week_events: int = 3,
) -> list[dict[str, object]]:
    """The largest week-on-week changes of net cooperation and the events behind them, among
    weeks with at least ``min_week_events`` events (DECISIONS PRO-9).

    Parameters
    ----------
    weekly:
        From :func:`weekly_table`.
    events:
        The windowed events the table was built from.
    source, target:
        The dyad.
    top:
        How many moves to list.
    per_move:
        Events listed per move: those of the later week that pushed most in the direction of
        the move (lowest Goldstein for a fall, highest for a rise).
    min_week_events:
        Only weeks with at least this many events count, so a single event in a quiet week
        does not pass for a move.

    Returns
    -------
    list of dict
        ``week``, ``previous_week``, ``change``, ``net_cooperation``, ``n`` and ``events``
        (each ``date, cameo_code, goldstein, quad_class, event_text, source_actor,
        target_actor``), largest absolute change first.
    """
    busy = weekly[weekly["n"] >= min_week_events]
    if len(busy) < 2:
        return []
    change = busy["net_cooperation"].diff().iloc[1:]
    order = change.abs().sort_values(ascending=False, kind="stable").index[:top]
    sel = events[(events["source"] == source.upper()) & (events["target"] == target.upper())]
    sel = sel.assign(week=week_start(sel["date"]))
    moves: list[dict[str, object]] = []
    positions = {wk: i for i, wk in enumerate(busy.index)}
    for week in order:
        prev = pd.Timestamp(busy.index[positions[week] - 1])
        row_ts = pd.Timestamp(week)
        delta = float(change.loc[week])
        these = sel[sel["week"] == week].sort_values(
            "goldstein", ascending=delta < 0, kind="stable"
        )
        head = these.head(per_move)
        listed = [
            {
                "date": str(d)[:10],
                "cameo_code": str(c),
                "goldstein": float(g),
                "quad_class": int(q),
                "event_text": str(t),
                "source_actor": str(sa),
                "target_actor": str(ta),
            }
            for d, c, g, q, t, sa, ta in zip(
                head["date"].dt.strftime("%Y-%m-%d"),
                head["cameo_code"],
                head["goldstein"].to_numpy(float),
                head["quad_class"].to_numpy(int),
                head["event_text"],
                head["source_actor"],
                head["target_actor"],
                strict=True,
            )
        ]
        row = positions[week]
        moves.append(
            {
                "week": row_ts.strftime("%Y-%m-%d"),
                "previous_week": prev.strftime("%Y-%m-%d"),
                "change": delta,
                "net_cooperation": float(busy["net_cooperation"].to_numpy(float)[row]),
                "n": int(busy["n"].to_numpy(int)[row]),
                "events": listed,
            }
        )
    return moves
