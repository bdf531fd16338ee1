"""The say-do gap: does a state's conciliatory rhetoric precede conciliatory action?

Two readings of one directed dyad:

- the **gap**: how much more cooperative its words are than its deeds, the share of
  cooperation among its verbal events minus the share of cooperation among its material
  events (quad classes 1/(1+3) minus 2/(2+4)), with a week-bootstrap interval;
- the **lead**: the cross-correlation of the weekly share of verbal cooperation with the
  weekly share of material cooperation ``k`` weeks later, ``k = -K..K`` (positive ``k``: words
  lead deeds). Both series are first pre-whitened with their own AR(1) fit, as Box-Jenkins
  practice requires before reading a cross-correlogram, and the p-values come from a
  permutation test over weeks: per lag, and family-wise over ``k = 1..K`` with the maximum
  ``|r|`` as statistic (so looking at K lags is paid for).

References
----------
Box, G. E. P., Jenkins, G. M., & Reinsel, G. C. (2008). *Time Series Analysis*, 4th ed.,
§11.2 (pre-whitening and the cross-correlation function).
Goldstein, J. S., & Freeman, J. R. (1990). *Three-Way Street: Strategic Reciprocity in World
Politics*. University of Chicago Press (weekly event series, lagged reciprocity).
Good, P. (2005). *Permutation, Parametric, and Bootstrap Tests of Hypotheses*, 3rd ed.
(max-statistic permutation tests).
Walker, S. G., Schafer, M., & Young, M. D. (1998). Systematic procedures for operational code
analysis. *International Studies Quarterly* 42(1), 175-190 (I4b: words/deeds flexibility,
the leader-level counterpart of this gap).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.profiles.dyad import Estimate, bootstrap_weeks


@dataclass(frozen=True)
class LeadLag:
    """The cross-correlogram of words (x) against deeds (y) ``k`` weeks later.

    Attributes
    ----------
    lags:
        ``-K..K``.
    r:
        Correlation of pre-whitened x_t with pre-whitened y_{t+k} by lag (NaN where too few
        pairs).
    r_raw:
        The same without pre-whitening.
    p:
        Two-sided permutation p-value by lag.
    band:
        The permutation 95% band of ``|r|`` by lag (the 0.95 quantile under the null).
    best_lag:
        The lag in 1..K with the largest ``|r|`` (None when no lag has a defined correlation,
        e.g. a series that never varies).
    best_r, p_family:
        Its correlation and the family-wise permutation p-value of ``max_k |r_k|``, k = 1..K.
    n_weeks, n_perm, prewhiten, ar1:
        Weeks used, permutations, whether pre-whitened, and the AR(1) coefficients of x and y.
    """

    lags: list[int]
    r: list[float]
    r_raw: list[float]
    p: list[float]
    band: list[float]
    best_lag: int | None
    best_r: float
    p_family: float
    n_weeks: int
    n_perm: int
    prewhiten: bool
    ar1: tuple[float, float] = field(default=(0.0, 0.0))

    def as_dict(self) -> dict[str, object]:
        return {
            "lags": self.lags,
            "r": self.r,
            "r_raw": self.r_raw,
            "p": self.p,
            "band95": self.band,
            "best_lag": self.best_lag,
            "best_r": self.best_r,
            "p_family": self.p_family,
            "n_weeks": self.n_weeks,
            "n_perm": self.n_perm,
            "prewhiten": self.prewhiten,
            "ar1": list(self.ar1),
        }


def say_do_gap(
    weekly: pd.DataFrame, *, n_boot: int = 2000, seed: int | np.random.Generator = 0
) -> dict[str, object]:
    """Cooperativeness of words minus cooperativeness of deeds (DECISIONS PRO-6).

    Parameters
    ----------
    weekly:
        From :func:`detente.profiles.dyad.weekly_table`.
    n_boot:
        Bootstrap replicates.
    seed:
        Integer seed or Generator.

    Returns
    -------
    dict
        ``verbal_cooperativeness`` = q1 / (q1 + q3), ``material_cooperativeness`` =
        q2 / (q2 + q4), and ``gap`` (their difference, in [-1, 1]; positive: words kinder
        than deeds) as ``{value, low, high}`` with a week-bootstrap 95% interval.
    """
    rng = np.random.default_rng(seed)
    q = {c: weekly[c].to_numpy(float) for c in ("q1", "q2", "q3", "q4")}
    verbal = bootstrap_weeks(q["q1"], q["q1"] + q["q3"], n_boot=n_boot, seed=rng)
    material = bootstrap_weeks(q["q2"], q["q2"] + q["q4"], n_boot=n_boot, seed=rng)
    # The gap's interval resamples the same weeks for both parts.
    idx = rng.integers(0, len(weekly), size=(n_boot, len(weekly)))
    with np.errstate(invalid="ignore", divide="ignore"):
        bv = q["q1"][idx].sum(1) / (q["q1"] + q["q3"])[idx].sum(1)
        bm = q["q2"][idx].sum(1) / (q["q2"] + q["q4"])[idx].sum(1)
    diff = bv - bm
    diff = diff[np.isfinite(diff)]
    value = verbal.value - material.value
    if diff.size == 0 or not np.isfinite(value):
        gap = Estimate(float("nan"), float("nan"), float("nan"))
    else:
        low, high = np.quantile(diff, [0.025, 0.975])
        gap = Estimate(float(value), float(low), float(high))
    return {
        "verbal_cooperativeness": verbal.as_dict(),
        "material_cooperativeness": material.as_dict(),
        "gap": gap.as_dict(),
    }


def ar1_residuals(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Pre-whiten a series with its own AR(1) fit (Box, Jenkins & Reinsel 2008, §11.2).

    Parameters
    ----------
    x:
        Weekly values; NaN marks a week without data.

    Returns
    -------
    tuple
        ``(e, phi)``: ``e_t = (x_t - m) - phi (x_{t-1} - m)`` (NaN where either week is
        missing; ``e_0`` is ``x_0 - m``), and ``phi``, the lag-1 autocorrelation over the
        available pairs, clipped to [-0.95, 0.95].
    """
    x = np.asarray(x, float)
    m = np.nanmean(x) if np.isfinite(x).any() else 0.0
    d = x - m
    a, b = d[:-1], d[1:]
    ok = np.isfinite(a) & np.isfinite(b)
    denom = np.nansum(d**2)
    phi = float(np.sum(a[ok] * b[ok]) / denom) if ok.sum() >= 3 and denom > 0 else 0.0
    phi = float(np.clip(phi, -0.95, 0.95))
    e = np.empty_like(d)
    e[0] = d[0]
    e[1:] = b - phi * a
    return e, phi


def _masked_corr(x: np.ndarray, y: np.ndarray, min_pairs: int) -> np.ndarray:
    """Pearson correlation of each row of ``x`` (P, n) with ``y`` (n,) over pairs where both
    are finite; NaN with fewer than ``min_pairs`` pairs or zero variance."""
    m = np.isfinite(x) & np.isfinite(y)[None, :]
    cnt = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xs = np.where(m, x, 0.0)
        ys = np.where(m, np.broadcast_to(y, x.shape), 0.0)
        mx = xs.sum(axis=1) / cnt
        my = ys.sum(axis=1) / cnt
        dx = np.where(m, x - mx[:, None], 0.0)
        dy = np.where(m, y[None, :] - my[:, None], 0.0)
        r = (dx * dy).sum(axis=1) / np.sqrt((dx**2).sum(axis=1) * (dy**2).sum(axis=1))
    r[cnt < min_pairs] = np.nan
    return np.asarray(r)


def _ccf(x: np.ndarray, y: np.ndarray, lags: np.ndarray, min_pairs: int) -> np.ndarray:
    """Cross-correlations ``corr(x_t, y_{t+k})`` for each row of ``x`` (P, n): (P, len(lags))."""
    n = y.size
    out = np.empty((x.shape[0], lags.size))
    for j, k in enumerate(lags):
        if k >= 0:
            out[:, j] = _masked_corr(x[:, : n - k], y[k:], min_pairs)
        else:
            out[:, j] = _masked_corr(x[:, -k:], y[: n + k], min_pairs)
    return out


def lead_lag(
    words: np.ndarray,
    deeds: np.ndarray,
    *,
    max_lag: int = 8,
    n_perm: int = 2000,
    seed: int | np.random.Generator = 0,
    prewhiten: bool = True,
    min_pairs: int = 8,
) -> LeadLag:
    """Cross-correlogram of ``words`` with ``deeds`` ``k`` weeks later, with permutation tests
    (DECISIONS PRO-7).

    Parameters
    ----------
    words, deeds:
        Weekly series of equal length (NaN: no data that week), e.g. the shares of verbal and
        of material cooperation.
    max_lag:
        K; lags ``-K..K`` are computed, ``1..K`` are tested family-wise.
    n_perm:
        Permutations of the weeks of ``words`` (all drawn at once; 2,000 take a few
        milliseconds for a year of weeks).
    seed:
        Integer seed or Generator.
    prewhiten:
        Pre-whiten each series with its own AR(1) fit first (default). Without it,
        autocorrelated series give spuriously small p-values.
    min_pairs:
        Fewest week pairs for a correlation to be reported.

    Returns
    -------
    LeadLag
    """
    x = np.asarray(words, float)
    y = np.asarray(deeds, float)
    if x.shape != y.shape or x.ndim != 1:
        raise DetenteError(
            "words and deeds must be weekly series of equal length", where="lead_lag"
        )
    if max_lag < 1 or max_lag >= x.size - 2:
        raise DetenteError(
            f"max_lag {max_lag} needs 1 <= max_lag < weeks - 2 ({x.size} weeks)", where="max_lag"
        )
    if n_perm < 1:
        raise DetenteError("n_perm must be at least 1", where="n_perm")
    rng = np.random.default_rng(seed)
    lags = np.arange(-max_lag, max_lag + 1)
    r_raw = _ccf(x[None, :], y, lags, min_pairs)[0]
    phis = (0.0, 0.0)
    if prewhiten:
        x, phi_x = ar1_residuals(x)
        y, phi_y = ar1_residuals(y)
        phis = (phi_x, phi_y)
    r_obs = _ccf(x[None, :], y, lags, min_pairs)[0]
    perms = rng.permuted(np.broadcast_to(x, (n_perm, x.size)).copy(), axis=1)
    r_perm = np.abs(_ccf(perms, y, lags, min_pairs))
    abs_obs = np.abs(r_obs)
    with np.errstate(invalid="ignore"):
        exceed = (r_perm >= abs_obs[None, :] - 1e-12).sum(axis=0)
    p = (1.0 + exceed) / (n_perm + 1.0)
    p[~np.isfinite(r_obs)] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN lags: band stays NaN
        band = np.nanquantile(np.where(np.isfinite(r_perm), r_perm, np.nan), 0.95, axis=0)
    pos = lags >= 1
    if not np.isfinite(r_obs[pos]).any():
        best_lag, best_r, p_family = None, float("nan"), float("nan")
    else:
        j = int(np.nanargmax(abs_obs[pos]))
        best_lag = int(lags[pos][j])
        best_r = float(r_obs[pos][j])
        max_perm = np.nanmax(np.where(np.isfinite(r_perm[:, pos]), r_perm[:, pos], -np.inf), axis=1)
        p_family = float((1.0 + np.sum(max_perm >= abs(best_r) - 1e-12)) / (n_perm + 1.0))
    return LeadLag(
        lags=[int(k) for k in lags],
        r=[float(v) for v in r_obs],
        r_raw=[float(v) for v in r_raw],
        p=[float(v) for v in p],
        band=[float(v) for v in band],
        best_lag=best_lag,
        best_r=best_r,
        p_family=p_family,
        n_weeks=int(
            np.sum(np.isfinite(np.asarray(words, float)) & np.isfinite(np.asarray(deeds, float)))
        ),
        n_perm=n_perm,
        prewhiten=prewhiten,
        ar1=phis,
    )


def weekly_lead_lag(
    weekly: pd.DataFrame,
    *,
    max_lag: int = 8,
    n_perm: int = 2000,
    seed: int | np.random.Generator = 0,
    prewhiten: bool = True,
    deeds: str = "s2",
) -> LeadLag:
    """:func:`lead_lag` of the weekly share of verbal cooperation (quad 1) against the weekly
    share of material cooperation (quad 2; ``deeds="s4"`` for material conflict), from a
    :func:`~detente.profiles.dyad.weekly_table`. Weeks without events are missing, not zero."""
    return lead_lag(
        weekly["s1"].to_numpy(float),
        weekly[deeds].to_numpy(float),
        max_lag=max_lag,
        n_perm=n_perm,
        seed=seed,
        prewhiten=prewhiten,
    )
