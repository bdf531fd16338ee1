"""How well a dyad's past predicts its next weeks, compared with the other dyads in the file.

Two numbers, each placed as a percentile among the directed dyads of the same file and window
(so that "unpredictable" means "less predictable than its peers in the same record", not an
absolute claim):

- the mean absolute error of a rolling forecast of weekly net cooperation (the mean of the
  previous ``window`` weeks with events forecasts the next such week), and its ratio to the
  error of the window-wide mean (below 1: the recent past helps beyond the average);
- the mean Shannon entropy (bits, at most 2) of the weekly quad-class mix, with the
  Miller-Madow small-sample correction so that quiet weeks do not look spuriously regular.

Both are confounded with volume, in opposite directions (DECISIONS PRO-8).

References
----------
Schrodt, P. A., & Gerner, D. J. (1997). Empirical indicators of crisis phase in the Middle
East, 1979-1995. *Journal of Conflict Resolution* 41(4), 529-552 (weekly event series).
Miller, G. A. (1955). Note on the bias of information estimates. In H. Quastler (Ed.),
*Information Theory in Psychology*, 95-100.
Goldstein, J. S. (1992). A conflict-cooperation scale for WEIS events data. *Journal of
Conflict Resolution* 36(2), 369-385.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detente.profiles.dyad import QUADS


def rolling_forecast_error(weekly: pd.DataFrame, *, window: int = 4) -> tuple[float, float, int]:
    """Mean absolute error of a rolling-mean forecast of weekly net cooperation.

    Parameters
    ----------
    weekly:
        From :func:`detente.profiles.dyad.weekly_table`.
    window:
        Weeks with events averaged for each forecast (default 4).

    Returns
    -------
    tuple
        ``(mae, ratio, n_forecasts)``: the error on the Goldstein scale, its ratio to the mean
        absolute deviation from the window-wide mean over the same weeks, and how many weeks
        were forecast (NaN, NaN, 0 with fewer than ``window + 2`` weeks with events).
    """
    s = weekly["net_cooperation"].dropna().to_numpy(float)
    if s.size < window + 2:
        return float("nan"), float("nan"), 0
    csum = np.concatenate([[0.0], np.cumsum(s)])
    forecast = (csum[window:-1] - csum[: -window - 1]) / window
    actual = s[window:]
    mae = float(np.mean(np.abs(actual - forecast)))
    base = float(np.mean(np.abs(actual - s.mean())))
    ratio = mae / base if base > 0 else float("nan")
    return mae, ratio, int(actual.size)


def quad_entropy(weekly: pd.DataFrame) -> float:
    """Mean Miller-Madow-corrected Shannon entropy (bits) of the weekly quad-class mix.

    Parameters
    ----------
    weekly:
        From :func:`detente.profiles.dyad.weekly_table`.

    Returns
    -------
    float
        Between 0 (every week one kind of event) and 2 (the four classes equally mixed), NaN
        without a week with events. The correction adds ``(m - 1) / (2 N)`` nats for ``m``
        non-empty classes among ``N`` events (Miller 1955) and is capped at 2 bits.
    """
    counts = weekly[list(QUADS)].to_numpy(float)
    n = counts.sum(axis=1)
    keep = n > 0
    if not keep.any():
        return float("nan")
    counts, n = counts[keep], n[keep]
    p = counts / n[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    h_nats = -plogp.sum(axis=1) + ((counts > 0).sum(axis=1) - 1) / (2 * n)
    return float(np.mean(np.minimum(h_nats / np.log(2), 2.0)))


def percentile_of(value: float, peers: np.ndarray) -> float:
    """Mid-rank percentile of ``value`` among ``peers`` (0-100; NaN peers ignored).

    ``100 * (#{peer < value} + 0.5 * #{peer == value}) / #peers``; the dyad itself belongs to
    ``peers``.
    """
    arr = np.asarray(peers, float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0 or not np.isfinite(value):
        return float("nan")
    below = float(np.sum(arr < value))
    equal = float(np.sum(arr == value))
    return float(100.0 * (below + 0.5 * equal) / arr.size)


def predictability(
    weekly: pd.DataFrame,
    peers: dict[tuple[str, str], pd.DataFrame],
    *,
    window: int = 4,
    min_events: int = 50,
) -> dict[str, float | int]:
    """Predictability of one dyad and its percentiles among the dyads of the same file.

    Parameters
    ----------
    weekly:
        The dyad's weekly table.
    peers:
        Weekly tables of every directed dyad in the same file and window
        (:func:`detente.profiles.dyad.all_dyads_weekly`); those with fewer than ``min_events``
        events are left out of the comparison.
    window:
        Rolling-forecast window in weeks with events.
    min_events:
        Smallest volume for a peer dyad to count (default 50).

    Returns
    -------
    dict
        ``rolling_mae``, ``rolling_mae_ratio``, ``n_forecasts``, ``quad_entropy_bits``,
        ``rolling_mae_percentile``, ``quad_entropy_percentile`` (high = less predictable than
        its peers) and ``n_peers``.
    """
    mae, ratio, n_fc = rolling_forecast_error(weekly, window=window)
    ent = quad_entropy(weekly)
    peer_mae, peer_ent = [], []
    for table in peers.values():
        if table["n"].sum() < min_events:
            continue
        peer_mae.append(rolling_forecast_error(table, window=window)[0])
        peer_ent.append(quad_entropy(table))
    # The dyad itself is always part of its comparison group.
    if weekly["n"].sum() < min_events:
        peer_mae.append(mae)
        peer_ent.append(ent)
    return {
        "rolling_mae": mae,
        "rolling_mae_ratio": ratio,
        "n_forecasts": n_fc,
        "window_weeks": window,
        "quad_entropy_bits": ent,
        "rolling_mae_percentile": percentile_of(mae, np.asarray(peer_mae)),
        "quad_entropy_percentile": percentile_of(ent, np.asarray(peer_ent)),
        "n_peers": int(np.isfinite(np.asarray(peer_mae, float)).sum()),
        "peer_min_events": min_events,
    }
