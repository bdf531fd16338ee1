"""Weekly-gain statistics of the DeepState occupied-area series, for the built-in campaign.

Prints, per season, the mean and standard deviation (km² per week) of the net weekly change
in the occupied area in the weeks of low, middle and high gain (terciles within the season).
The built-in ``ukraine-2024`` campaign reads its hold / press / surge gain parameters from
this table (``campaign.intensities`` in ``scenario/builtin/ukraine-2024.yaml``).

Only the Russian offensive period is used: weeks ending from 2023-10-16 (the Avdiivka
offensive opened on 10 Oct 2023) to 2024-11-11, the scenario date; the 2023 Ukrainian
counteroffensive is a different regime. The file ends on 2024-11-11 and nothing later is read.

Run: ``.venv/bin/python benchmarks/ukraine_gain_stats.py [CSV]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEASON_OF_MONTH = {
    12: "winter",
    1: "winter",
    2: "winter",
    3: "mud",
    4: "mud",
    10: "mud",
    11: "mud",
    5: "summer",
    6: "summer",
    7: "summer",
    8: "summer",
    9: "summer",
}
FIRST_WEEK_END = "2023-10-16"
LAST_DAY = "2024-11-11"


def weekly_gains(csv_path: Path) -> pd.DataFrame:
    """Net change of the occupied area over each Monday-to-Monday week (km²)."""
    daily = pd.read_csv(csv_path, parse_dates=["date"]).set_index("date")["occupied_km2"]
    daily = daily.loc[:LAST_DAY].asfreq("D").interpolate(limit=3)
    mondays = daily[pd.DatetimeIndex(daily.index).dayofweek == 0]
    gains = mondays.diff().dropna().loc[FIRST_WEEK_END:]
    return pd.DataFrame(
        {"gain": gains.to_numpy(), "season": [SEASON_OF_MONTH[d.month] for d in gains.index]},
        index=gains.index,
    )


def main() -> None:
    data = Path(__file__).resolve().parents[2] / "shared" / "data"
    default = data / "ukraine_occupied_area_deepstate.csv"
    frame = weekly_gains(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
    print(f"weeks {frame.index[0].date()} .. {frame.index[-1].date()}: {len(frame)}")
    print(f"all weeks: mean {frame.gain.mean():7.1f}  sd {frame.gain.std():6.1f} km²/week")
    print(f"{'season':8} {'n':>3} " + " ".join(f"{k:>16}" for k in ("low", "middle", "high")))
    for season, group in frame.groupby("season"):
        terciles = pd.qcut(group.gain.rank(method="first"), 3, labels=["low", "middle", "high"])
        cells = []
        for label in ("low", "middle", "high"):
            g = group.gain[terciles == label]
            cells.append(f"{g.mean():7.1f} ± {g.std():6.1f}")
        print(f"{season:8} {len(group):3d} " + " ".join(f"{c:>16}" for c in cells))
    last = frame.loc["2024-08-01":]
    print(
        f"Aug-Nov 2024: mean {last.gain.mean():.1f} km²/week, sd {last.gain.std():.1f}, "
        f"n {len(last)}"
    )
    print("quarterly mean km²/week:")
    print(frame.gain.resample("QE").mean().round(1).to_string())
    lag1 = np.corrcoef(frame.gain[:-1], frame.gain[1:])[0, 1]
    print(f"lag-1 autocorrelation of weekly gains: {lag1:.2f}")


if __name__ == "__main__":
    main()
