"""Read the Correlates of War inter-state wars, with NMC capabilities, into one row per war.

The second reference class of the outside view (issue 17 §2): one row per CoW inter-state war
(``WarNum``), from its first participant's start to its last participant's end (the second
spell, ``StartYear2``..``EndYear2``, where a participant fought twice), ended as CoW's
``Outcome`` says (:data:`COW_OUTCOME_MAP`, DECISIONS OUT-10), with covariates known at the
war's start or estimable from its first months (:data:`COW_COVARIATES`, OUT-11):

* ``capability_share`` = C_strong / (C_strong + C_weak), C the sum of the CINC scores (NMC,
  Singer, Bremer & Stuckey 1972) of each side's *original* belligerents (in the war within
  its first 30 days) in the war's start year (OUT-9);
* ``log_deaths_per_year`` = log10(battle deaths / years of war), the duration floored at one
  month (OUT-11);
* the region where it was fought (the first listed of CoW's ``WhereFought``).

Rows that cannot be read (a cell that is not a whole number in range) are refused with one
line naming the file, row and column; wars that cannot be placed in time or lack
capabilities for a side are left out and counted by reason (``strict`` refuses instead).

References
----------
Sarkees, M. R. & Wayman, F. (2010). *Resort to War: 1816-2007*. CQ Press (CoW War Data v4.0).

Singer, J. D., Bremer, S. & Stuckey, J. (1972). Capability distribution, uncertainty, and
major power war, 1820-1965. In B. Russett (ed.), *Peace, War, and Numbers*, 19-48 (the CINC).
"""

from __future__ import annotations

import io
import math
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.outlook.data import DAYS_PER_YEAR, MIN_YEARS, EpisodeData, _integers, read_table

COW_COVARIATES: dict[str, str] = {
    "capability_share": "the stronger side's share of the two sides' summed CINC at the "
    "war's start year, original belligerents only (0.5 = parity, 1 = all)",
    "log_deaths_per_year": "log10 of battle deaths per year of war (duration floored at a month)",
    "europe": "fought in Europe (the first listed of `WhereFought`)",
    "middle_east": "fought in the Middle East",
    "africa": "fought in Africa",
    "americas": "fought in the Western Hemisphere; Asia and Oceania are the reference",
}
"""The covariates of the CoW reference class (DECISIONS OUT-11)."""

COW_OUTCOME_MAP: dict[int, int] = {1: 3, 3: 1, 6: 2}
"""War-level CoW outcome -> cause (:data:`detente.outlook.data.CAUSES`): a winner (1) ->
victory, compromise/tie (3) -> settlement, stalemate (6) -> ceasefire; transformed into
another war type (4), ongoing (5), continuing (7) -> censored (OUT-10). A war with any
winning participant is a victory; else compromise; else stalemate; else censored."""

WHERE_FOUGHT: dict[int, str] = {
    1: "americas", 2: "europe", 4: "africa", 6: "middle_east", 7: "asia", 9: "oceania",
    11: "europe", 12: "europe", 13: "americas", 14: "europe", 15: "europe", 16: "africa",
    17: "asia", 18: "asia", 19: "europe",
}  # fmt: skip
"""CoW ``WhereFought`` -> region, the first listed of a multi-region code (as OUT-2)."""

ORIGINAL_DAYS = 30
"""A participant that entered within this many days of the war's start is an original
belligerent, whose capabilities count in the ratio (OUT-9)."""

MIN_WAR_YEARS = 1 / 12
"""The duration floor of the deaths-per-year rate."""

WAR_COLUMNS = (
    "WarNum", "WarName", "ccode", "Side", "StartMonth1", "StartDay1", "StartYear1",
    "EndMonth1", "EndDay1", "EndYear1", "StartMonth2", "StartDay2", "StartYear2",
    "EndMonth2", "EndDay2", "EndYear2", "WhereFought", "Initiator", "Outcome", "BatDeath",
)  # fmt: skip
NMC_COLUMNS = ("ccode", "year", "cinc")
MAX_BYTES = 50_000_000
PACKAGED_COW = "cow_wars.csv"
"""The derived extract shipped with detente (``python -m detente.outlook.cow``)."""
COW_EXTRACT_COLUMNS = (
    "episode", "group", "name", "start", "end", "years", "cause", "winner", *COW_COVARIATES,
)  # fmt: skip
NMC_LAST_YEAR = 2007
"""NMC v4.0 ends in 2007 (OUT-12)."""


def _csv(path: str | Path, columns: tuple[str, ...], what: str) -> tuple[pd.DataFrame, str]:
    return read_table(path, columns, what, f"the {what} (CoW v4 column names)")


def read_nmc(path: str | Path) -> pd.Series:
    """CINC by (ccode, year) from the CoW NMC v4.0 CSV; CoW's -9 (missing) left out.

    Parameters
    ----------
    path : str or Path
        The NMC CSV (columns ``ccode``, ``year``, ``cinc``).

    Raises
    ------
    DetenteError
        Missing file or column, or a cell that is not a number; one line naming the row.
    """
    raw, src = _csv(path, NMC_COLUMNS, "CoW National Material Capabilities CSV")
    ccode = _integers(raw["ccode"], src, "ccode", low=1, high=999)
    year = _integers(raw["year"], src, "year", low=1800, high=2100)
    cinc = pd.to_numeric(raw["cinc"].str.strip(), errors="coerce")
    bad = cinc.isna() | ((cinc < 0) & (cinc != -9)) | (cinc > 1)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DetenteError(
            f"is {raw['cinc'].iloc[i]!r}; it must be a share from 0 to 1 or -9 (missing)",
            source=src,
            where=f"row {i + 2}, column cinc",
        )
    keep = cinc >= 0
    return (
        pd.Series(
            cinc[keep].to_numpy(dtype=float),
            index=pd.MultiIndex.from_arrays([ccode[keep], year[keep]], names=["ccode", "year"]),
        )
        .groupby(level=[0, 1])
        .first()
    )


def capability_share(cinc: pd.Series, side_a: list[int], side_b: list[int], year: int) -> float:
    """C_strong / (C_strong + C_weak), C the summed CINC of a side's states in ``year``
    (DECISIONS OUT-9); NaN if a side has no known capabilities."""
    a = sum(float(cinc.get((c, year), 0.0)) for c in side_a)
    b = sum(float(cinc.get((c, year), 0.0)) for c in side_b)
    if a <= 0 or b <= 0:
        return math.nan
    return max(a, b) / (a + b)


def _date_parts(raw: pd.DataFrame, src: str, which: str) -> pd.Series:
    """A participant's date from ``{Start,End}{Month,Day,Year}{1,2}``; a CoW unknown day
    (-9) is the 15th; NaT where the month or year is unknown or the date is not a date."""
    m = _integers(raw[f"{which[:-1]}Month{which[-1]}"], src, f"{which[:-1]}Month{which[-1]}",
                  low=-9, high=12)  # fmt: skip
    d = _integers(raw[f"{which[:-1]}Day{which[-1]}"], src, f"{which[:-1]}Day{which[-1]}",
                  low=-9, high=31)  # fmt: skip
    y = _integers(raw[f"{which[:-1]}Year{which[-1]}"], src, f"{which[:-1]}Year{which[-1]}",
                  low=-9, high=2100)  # fmt: skip
    d = d.where(d > 0, 15)
    ok = (m > 0) & (y > 0)
    parts = pd.DataFrame({"year": y.where(ok), "month": m.where(ok), "day": d.where(ok)})
    return pd.to_datetime(parts, errors="coerce")


def read_cow_wars(
    wars: str | Path, nmc: str | Path | pd.Series, *, strict: bool = False
) -> EpisodeData:
    """Read the CoW inter-state war participants (v4.0) and NMC (v4.0) into one row per war.

    Parameters
    ----------
    wars:
        ``Inter-StateWarData_v4.0.csv`` (Sarkees & Wayman 2010).
    nmc:
        ``NMC_v4_0.csv``, or its CINC series from :func:`read_nmc`.
    strict:
        Refuse the file at its first war that cannot be used instead of leaving it out.

    Returns
    -------
    EpisodeData
        ``frame`` has :data:`COW_EXTRACT_COLUMNS`; ``dropped`` counts wars left out by reason.

    Raises
    ------
    DetenteError
        Missing file or column, or a cell that is not a whole number in range; one line
        naming the file, the row and the column.
    """
    raw, src = _csv(wars, WAR_COLUMNS, "CoW Inter-State War CSV")
    cinc = read_nmc(nmc) if not isinstance(nmc, pd.Series) else nmc
    war = _integers(raw["WarNum"], src, "WarNum", low=1, high=100_000)
    ccode = _integers(raw["ccode"], src, "ccode", low=1, high=999)
    side = _integers(raw["Side"], src, "Side", allowed={1, 2})
    outcome = _integers(raw["Outcome"], src, "Outcome", allowed={1, 2, 3, 4, 5, 6, 7, 8})
    initiator = _integers(raw["Initiator"], src, "Initiator", allowed={1, 2})
    where = _integers(raw["WhereFought"], src, "WhereFought", allowed=set(WHERE_FOUGHT))
    deaths = _integers(raw["BatDeath"], src, "BatDeath", low=-9, high=100_000_000)
    start1 = _date_parts(raw, src, "Start1")
    end1 = _date_parts(raw, src, "End1")
    start2 = _date_parts(raw, src, "Start2")
    end2 = _date_parts(raw, src, "End2")
    part = pd.DataFrame(
        {"war": war, "row": np.arange(len(raw)) + 2, "name": raw["WarName"].str.strip(),
         "ccode": ccode, "side": side, "outcome": outcome, "initiator": initiator,
         "where": where, "deaths": deaths, "start": start1,
         "end": end2.where(start2.notna() & end2.notna(), end1)}
    )  # fmt: skip
    rows: list[dict[str, object]] = []
    problems: dict[str, int] = {}

    def drop(w: int, first_row: int, reason: str) -> None:
        if strict:
            raise DetenteError(
                f"war {w} has {reason}; correct it or drop --strict to leave such wars out "
                "with a warning",
                source=src,
                where=f"row {first_row}",
            )
        problems[reason] = problems.get(reason, 0) + 1

    for _, g in part.groupby("war", sort=True):
        w = int(g["war"].iloc[0])
        first_row = int(g["row"].min())
        if g["start"].isna().any() or g["end"].isna().any():
            drop(w, first_row, "a participant without a known start or end date")
            continue
        begun, ended = g["start"].min(), g["end"].max()
        if ended < begun:
            drop(w, first_row, "an end before its start")
            continue
        if g["side"].nunique() < 2:
            drop(w, first_row, "one side only")
            continue
        original = g[g["start"] <= begun + pd.Timedelta(days=ORIGINAL_DAYS)]
        year = int(begun.year)
        sides = [original.loc[original["side"] == s, "ccode"].tolist() for s in (1, 2)]
        share = capability_share(cinc, sides[0], sides[1], year)
        if math.isnan(share):
            drop(w, first_row, "a side without NMC capabilities in its start year")
            continue
        known = g["deaths"][g["deaths"] >= 0]
        if known.empty:
            drop(w, first_row, "no known battle deaths")
            continue
        years = max((ended - begun).days / DAYS_PER_YEAR, MIN_YEARS)
        codes = set(g["outcome"])
        cause = next((COW_OUTCOME_MAP[c] for c in (1, 3, 6) if c in codes), 0)
        winner = ""
        if cause == 3:
            won = int(g.loc[g["outcome"] == 1, "side"].mode().iloc[0])
            started = int(g.loc[g["initiator"] == 1, "side"].mode().iloc[0]) if (
                g["initiator"] == 1).any() else 0  # fmt: skip
            winner = "initiator" if won == started else "target"
        region = WHERE_FOUGHT[int(g["where"].iloc[0])]
        rate = max(float(known.sum()), 1.0) / max(years, MIN_WAR_YEARS)
        rows.append(
            {"episode": str(w), "group": str(w), "name": str(g["name"].iloc[0]),
             "start": begun.strftime("%Y-%m-%d"),
             "end": ended.strftime("%Y-%m-%d") if cause > 0 else "",
             "years": years, "cause": cause, "winner": winner,
             "capability_share": share, "log_deaths_per_year": math.log10(rate),
             **{r: int(region == r) for r in ("europe", "middle_east", "africa", "americas")}}
        )  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(COW_EXTRACT_COLUMNS))
    end_of_data = pd.Timestamp(year=NMC_LAST_YEAR, month=12, day=31)
    return EpisodeData(frame=frame, source=src, end_of_data=end_of_data, dropped=problems)


def load_cow() -> pd.DataFrame:
    """The CoW reference class shipped with detente: :func:`read_cow_wars` of CoW
    Inter-State War v4.0 and NMC v4.0 (free for research use with citation; Sarkees &
    Wayman 2010, Singer et al. 1972); no network, no shared data."""
    text = resources.files("detente.outlook").joinpath(PACKAGED_COW).read_text("utf-8")
    frame = pd.read_csv(
        io.StringIO(text), dtype={"episode": str, "group": str, "end": str, "winner": str}
    )
    frame["end"] = frame["end"].fillna("")
    frame["winner"] = frame["winner"].fillna("")
    return frame[list(COW_EXTRACT_COLUMNS)]


RUSSIA, UKRAINE = 365, 369


def russia_ukraine_share(cinc: pd.Series, year: int = NMC_LAST_YEAR) -> float:
    """Russia's share of Russia + Ukraine CINC in ``year`` (NMC v4.0 ends in 2007, OUT-12)."""
    return capability_share(cinc, [RUSSIA], [UKRAINE], year)


def main(argv: list[str] | None = None) -> None:
    """Write the packaged extract: ``python -m detente.outlook.cow WARS.csv NMC.csv``
    (default: the shared data's copies)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) >= 2:
        wars, nmc = Path(args[0]), Path(args[1])
    else:
        from detente.paths import shared_data_dir

        folder = shared_data_dir() / "validation" / "conflict"
        wars, nmc = folder / "cow_Inter-StateWarData_v4.0.csv", folder / "cow_NMC_v4_0.csv"
    cinc = read_nmc(nmc)
    data = read_cow_wars(wars, cinc)
    for reason, n in data.dropped.items():
        print(f"warning: {wars}: left out {n} war(s): {reason}", file=sys.stderr)
    out = Path(str(resources.files("detente.outlook").joinpath(PACKAGED_COW)))
    frame = data.frame.copy()
    for col in ("years", "capability_share", "log_deaths_per_year"):
        frame[col] = frame[col].round(6)
    frame.to_csv(out, index=False, lineterminator="\n")
    share = russia_ukraine_share(cinc)
    print(f"wrote {out}: {len(frame)} wars; Russia's capability share vs Ukraine in "
          f"{NMC_LAST_YEAR}: {share:.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
