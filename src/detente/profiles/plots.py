"""Pictures of an events profile: weekly net cooperation, the quad-class mix over time, and
the cross-correlogram of words and deeds. matplotlib is imported only when a plot is drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.plotting import new_figure, save_figure

QUAD_COLOURS = ("#8fbcd4", "#1f6f9f", "#f2a37b", "#b2361e")
"""Verbal cooperation, material cooperation, verbal conflict, material conflict."""


def plot_filename(profile: dict[str, Any]) -> str:
    """``profile_<source>_<target>_<start>_<end>.png``."""
    d, w = profile["dyad"], profile["window"]
    return f"profile_{d['source']}_{d['target']}_{w['start']}_{w['end']}.png".lower()


def plot_profile(profile: dict[str, Any], path: str | Path) -> Path:
    """Save a three-panel figure of an events profile.

    Panels: (1) weekly net cooperation (mean Goldstein, Goldstein 1992) with the window-wide
    estimate and its bootstrap interval, and the weekly event count as bars; (2) the weekly
    quad-class shares as stacked bars (empty weeks blank); (3) the pre-whitened
    cross-correlogram of verbal cooperation with material cooperation ``k`` weeks later and the
    permutation 95% band.

    Parameters
    ----------
    profile:
        From :func:`detente.profiles.profile.event_profile` (or a loaded saved profile).
    path:
        Output file, or a folder (then :func:`plot_filename` names the file); the suffix picks
        the format.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    out = Path(path)
    if out.suffix == "":
        out = out / plot_filename(profile)
    out.parent.mkdir(parents=True, exist_ok=True)

    weekly = pd.DataFrame(profile["weekly"])
    weeks = pd.to_datetime(weekly["week"])
    net = weekly["net_cooperation"].astype(float)
    n = weekly["n"].to_numpy(float)
    dyad = f"{profile['dyad']['source']}→{profile['dyad']['target']}"
    window = f"{profile['window']['start']} to {profile['window']['end']}"

    fig = new_figure(figsize=(9, 9.5), layout="constrained")
    axes = fig.subplots(3, 1)
    ax = axes[0]
    axv = ax.twinx()
    axv.bar(weeks, n, width=6, color="#dddddd", zorder=0, label="events per week")
    axv.set_ylabel("events per week", color="#888888")
    ax.set_zorder(axv.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(weeks, net, marker="o", ms=3, color="#333333", label="weekly mean Goldstein")
    est = profile["net_cooperation"]
    if est["value"] is not None:
        ax.axhline(est["value"], color="#1f6f9f", lw=1)
        if est["low"] is not None:
            ax.axhspan(
                est["low"], est["high"], color="#1f6f9f", alpha=0.15, label="window mean, 95% CI"
            )
    ax.axhline(0, color="black", lw=0.5)
    ax.set_ylabel("net cooperation (Goldstein)")
    ax.set_title(f"{dyad}, {window}: weekly net cooperation")
    ax.legend(loc="lower left", fontsize=8)

    ax = axes[1]
    cols = ["verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict"]
    counts = weekly[cols].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(n[:, None] > 0, counts / n[:, None], 0.0)
    bottom = np.zeros(len(weekly))
    for j, (col, colour) in enumerate(zip(cols, QUAD_COLOURS, strict=True)):
        ax.bar(
            weeks, shares[:, j], bottom=bottom, width=6, color=colour, label=col.replace("_", " ")
        )
        bottom += shares[:, j]
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of the week's events")
    ax.set_title("quad-class mix by week (ICEWS quad classes)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=8, frameon=False)

    ax = axes[2]
    ll = profile["say_do"]["lead_lag"]
    lags = np.asarray(ll["lags"])
    r = np.asarray([np.nan if v is None else v for v in ll["r"]], float)
    band = np.asarray([np.nan if v is None else v for v in ll["band95"]], float)
    ax.bar(
        lags,
        r,
        color=np.where(lags >= 1, "#1f6f9f", "#999999"),
        label="vs material cooperation at t+k",
    )
    llc = profile["say_do"].get("lead_lag_conflict")
    if llc is not None:
        rc = np.asarray([np.nan if v is None else v for v in llc["r"]], float)
        ax.plot(lags, rc, "D", ms=4, color="#b2361e", label="vs material conflict at t+k")
    ax.plot(lags, band, ls="--", color="#b2361e", lw=1, label="permutation 95% band")
    ax.plot(lags, -band, ls="--", color="#b2361e", lw=1)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xticks(lags)
    ax.set_xlabel("k (weeks): verbal cooperation at t vs material cooperation at t+k")
    ax.set_ylabel("correlation (pre-whitened)")
    p_fam = ll["p_family"]
    p_text = "n/a" if p_fam is None else f"{p_fam:.3f}"
    if ll["best_lag"] is None:
        ax.set_title("words lead deeds? undefined: material cooperation never varies")
    else:
        ax.set_title(
            f"words lead deeds? best k={ll['best_lag']}: r={ll['best_r']:.2f}, "
            f"family-wise p={p_text} ({ll['n_perm']} permutations)"
        )
    ax.legend(loc="upper left", fontsize=8)
    save_figure(fig, out, dpi=110)
    return out
