"""A picture of a territory calibration: weekly gains coloured by the most likely regime,
and the occupied area over time. matplotlib is imported only when a plot is drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from detente.calibration.territory import TerritoryCalibration
from detente.plotting import new_figure, save_figure

REGIME_COLOURS = ("#3b75af", "#9e9e9e", "#c0392b", "#e67e22", "#8e44ad", "#27ae60")
"""Colours of the regimes in mean order (hold blue, press grey, surge red, then others)."""


def plot_regimes(
    calibration: TerritoryCalibration,
    path: str | Path,
    *,
    series: pd.Series | None = None,
    title: str | None = None,
) -> Path:
    """Save a two-panel PNG/SVG/PDF: the weekly gains as bars coloured by the most likely
    regime (posterior mode, Hamilton 1989 smoothed probabilities) with each regime's mean
    as a line, and the occupied area (``series`` if given, else the cumulative sum of
    the weekly gains).

    Parameters
    ----------
    calibration:
        From :func:`detente.calibration.territory.fit_territory`.
    path:
        Output file; the suffix picks the format.
    series:
        The daily area series the calibration was fitted on, for the lower panel.
    title:
        Figure title (default: the calibration's source).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from matplotlib.patches import Patch

    out = Path(path)
    weeks = pd.to_datetime(list(calibration.week_ending))
    gains = np.asarray(calibration.gains)
    regime = np.argmax(np.asarray(calibration.posterior), axis=1)
    colours = [REGIME_COLOURS[k % len(REGIME_COLOURS)] for k in regime]

    fig = new_figure(figsize=(11, 7), layout="tight")
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    top.bar(weeks - pd.Timedelta(days=3), gains, width=6, color=colours)
    for k in range(len(calibration.regimes)):
        top.axhline(
            calibration.means[k],
            color=REGIME_COLOURS[k % len(REGIME_COLOURS)],
            lw=1,
            ls="--",
        )
    top.axhline(0, color="black", lw=0.6)
    top.set_ylabel("net weekly gain (km²)")
    handles = [
        Patch(
            color=REGIME_COLOURS[k % len(REGIME_COLOURS)],
            label=f"{name}: mean {calibration.means[k]:.0f}, sd {calibration.sds[k]:.0f}",
        )
        for k, name in enumerate(calibration.regimes)
    ]
    top.legend(handles=handles, loc="upper left", title="most likely regime (km²/week)")
    top.set_title(title or f"Weekly gains and regimes: {Path(calibration.source).name}")

    if series is not None:
        bottom.plot(series.index, series.to_numpy() / 1000.0, color="black", lw=1)
    else:
        bottom.plot(weeks, np.cumsum(gains) / 1000.0, color="black", lw=1)
    for t, week_end in enumerate(weeks):
        bottom.axvspan(
            week_end - pd.Timedelta(days=7),
            week_end,
            color=colours[t],
            alpha=0.18,
            lw=0,
        )
    bottom.set_ylabel("occupied area (thousand km²)" if series is not None else "cumulative km²")
    bottom.set_xlabel("week ending")
    return save_figure(fig, out)
