"""Read the UCDP Conflict Termination (dyad) file into one row per war episode.

One row per dyad episode (the key is ``dyad_id`` and ``dyadepisode``: the file's
``dyadep_id`` was re-saved by a spreadsheet in scientific notation and is no longer unique):
``years`` from the episode's start (``start_date2``) to its end (``ependdate``) or to the end
of the data (31 December of the last year in the file, right-censored), the way it ended
(``cause``, see :data:`CAUSES`; 0 = still going), the conflict (``group``, for grouped
cross-validation), and the covariates of :data:`COVARIATES`, all known at the start of the
episode (DECISIONS OUT-2).

UCDP's dates were re-saved as ``m/d/yy``; the century is the latest one that does not put
the date after the row's ``year`` (DECISIONS OUT-1). Rows that cannot be placed in time are
left out and counted by reason in :attr:`EpisodeData.dropped`; with ``strict`` the first
one is refused instead.

References
----------
Kreutz, J. (2010). How and when armed conflicts end: Introducing the UCDP Conflict Termination
dataset. *Journal of Peace Research* 47(2), 243-250.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.textfiles import read_text

DAYS_PER_YEAR = 365.25
MIN_YEARS = 0.5 / DAYS_PER_YEAR
"""An episode that ended on the day it began is given half a day."""

CAUSES: dict[int, str] = {1: "settlement", 2: "ceasefire", 3: "victory", 4: "low_activity"}
"""How an episode ends, by code: UCDP outcome 1 (peace agreement) -> settlement, 2 ->
ceasefire, 3 and 4 (victory of either side) -> victory, 5 (low activity) and 6 (an actor
ceases to exist) -> low_activity (DECISIONS OUT-3)."""
UCDP_OUTCOME_TO_CAUSE = {1: 1, 2: 2, 3: 3, 4: 3, 5: 4, 6: 4}

COVARIATES: dict[str, str] = {
    "interstate": "inter-state conflict (`type_of_conflict` = 2)",
    "internationalized": "internationalized intrastate conflict (`type_of_conflict` = 4)",
    "extrasystemic": "extrasystemic (colonial) conflict (`type_of_conflict` = 1)",
    "territory": "the incompatibility is over territory (`incompatibility` 1 or 3)",
    "high_intensity": "1,000 or more battle deaths in the episode's first calendar year "
    "(`intensity_level` = 2 in its first row)",
    "europe": "region Europe (`region` 1, the first listed)",
    "middle_east": "region Middle East (2)",
    "africa": "region Africa (4)",
    "americas": "region Americas (5); Asia (3) is the reference",
}
"""The covariates, every one 0/1 and known when the episode starts."""

REGIONS = {1: "europe", 2: "middle_east", 4: "africa", 5: "americas"}

REQUIRED_COLUMNS = (
    "dyad_id", "dyadepisode", "conflict_id", "year", "outcome", "ependdate", "start_date2",
    "type_of_conflict", "incompatibility", "intensity_level", "region", "location",
    "side_a", "side_b",
)  # fmt: skip

MAX_BYTES = 50_000_000
PACKAGED = "reference_episodes.csv"
"""The derived extract shipped with detente (``scripts/build_outlook_extract.py``)."""

EXTRACT_COLUMNS = ("episode", "group", "name", "start", "end", "years", "cause", *COVARIATES)


@dataclass(frozen=True)
class EpisodeData:
    """The episodes and what was left out on the way.

    Attributes
    ----------
    frame:
        Columns of :data:`EXTRACT_COLUMNS`.
    source:
        The file read.
    end_of_data:
        The censoring date.
    dropped:
        Rows (episodes) left out, by reason.
    """

    frame: pd.DataFrame
    source: str
    end_of_data: pd.Timestamp
    dropped: dict[str, int] = field(default_factory=dict)


def read_table(
    path: str | Path,
    columns: Sequence[str],
    what: str,
    names: str,
    *,
    keep_default_na: bool = False,
) -> tuple[pd.DataFrame, str]:
    """A size-capped CSV read as text cells, with ``columns`` present and at least one row,
    and its source name; else a one-line :class:`DetenteError` naming the file and the fix.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    columns : sequence of str
        The columns it must have.
    what : str
        What the file is, for the size and encoding messages.
    names : str
        Which file the columns belong to, for the missing-column message.
    keep_default_na : bool, default False
        pandas' reading of blank and "NA" cells as missing.
    """
    src = str(path)
    text = read_text(Path(path), MAX_BYTES, what=what)
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=keep_default_na)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "empty file"
        raise DetenteError(
            f"is not a readable CSV ({first}); give a comma-separated file with a header row",
            source=src,
        ) from None
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise DetenteError(f"missing column(s) {', '.join(missing)}; give {names}", source=src)
    if raw.empty:
        raise DetenteError("has no rows; give at least one", source=src)
    return raw, src


def read_episodes(path: str | Path, *, strict: bool = False) -> EpisodeData:
    """Read and validate a UCDP Conflict Termination dyad CSV into episodes.

    Parameters
    ----------
    path:
        The CSV (UCDP Conflict Termination dataset v3-2021, dyad level, Kreutz 2010).
    strict:
        Refuse the file at its first episode that cannot be placed in time instead of
        leaving such episodes out.

    Raises
    ------
    DetenteError
        Missing file or column, or a value that cannot be read; one line naming the file,
        the row and column, and the fix.
    """
    raw, src = read_table(
        path,
        REQUIRED_COLUMNS,
        "UCDP conflict termination CSV",
        "the UCDP Conflict Termination dyad CSV (codebook v3-2021 column names)",
        keep_default_na=True,
    )

    year = _integers(raw["year"], src, "year", low=1800, high=2100)
    outcome = _integers(raw["outcome"], src, "outcome", allowed={1, 2, 3, 4, 5, 6}, blank=True)
    kind = _integers(raw["type_of_conflict"], src, "type_of_conflict", allowed={1, 2, 3, 4})
    incompat = _integers(raw["incompatibility"], src, "incompatibility", allowed={1, 2, 3})
    intensity = _integers(raw["intensity_level"], src, "intensity_level", allowed={1, 2})
    region_text = raw["region"].fillna("").astype(str).str.split(",").str[0].str.strip()
    region = _integers(region_text, src, "region", allowed={1, 2, 3, 4, 5})
    start = _dates(raw["start_date2"], year, src, "start_date2")
    end = _dates(raw["ependdate"], year, src, "ependdate")
    key = raw["dyad_id"].astype(str).str.strip() + "-" + raw["dyadepisode"].astype(str).str.strip()
    end_of_data = pd.Timestamp(year=int(year.max()), month=12, day=31)

    rows = pd.DataFrame(
        {"key": key, "row": np.arange(len(raw)) + 2, "year": year, "outcome": outcome,
         "kind": kind, "incompat": incompat, "intensity": intensity, "region": region,
         "start": start, "end": end, "group": raw["conflict_id"].astype(str).str.strip(),
         "name": raw["location"].fillna("").astype(str).str.strip() + ": "
         + raw["side_a"].fillna("").astype(str).str.strip() + " vs "
         + raw["side_b"].fillna("").astype(str).str.strip()}
    ).sort_values(["key", "year"], kind="stable")  # fmt: skip
    opening = rows.groupby("key", sort=False).first()
    ending = rows[rows["outcome"] > 0].groupby("key", sort=False)
    ends = ending.first()
    n_endings = ending.size()

    episodes = opening.copy()
    episodes["cause"] = 0
    episodes.loc[ends.index, "cause"] = ends["outcome"].map(UCDP_OUTCOME_TO_CAUSE)
    episodes["end"] = pd.NaT
    episodes.loc[ends.index, "end"] = ends["end"]
    episodes["end_row"] = episodes["row"]
    episodes.loc[ends.index, "end_row"] = ends["row"]
    stop = episodes["end"].where(episodes["cause"] > 0, end_of_data)
    days = (pd.to_datetime(stop) - pd.to_datetime(episodes["start"])).dt.days

    problems = {
        "no start date (start_date2)": episodes["start"].isna(),
        "an ending outcome without an end date (ependdate)": (episodes["cause"] > 0)
        & episodes["end"].isna(),
        "ends before it starts": days.lt(0).fillna(False),
        "more than one ending row": n_endings.reindex(episodes.index).fillna(0).gt(1),
    }  # fmt: skip
    bad = pd.Series(False, index=episodes.index)
    for reason, mask in problems.items():
        mask = mask & ~bad
        if strict and mask.any():
            k = episodes.index[mask.to_numpy()][0]
            raise DetenteError(
                f"dyad episode {k} has {reason}; correct the row or drop --strict to leave "
                "such episodes out with a warning",
                source=src,
                where=f"row {int(episodes.loc[k, 'end_row'])}",
            )
        problems[reason] = mask
        bad |= mask
    dropped = {reason: int(mask.sum()) for reason, mask in problems.items() if mask.any()}

    keep = ~bad
    e = episodes[keep]
    frame = pd.DataFrame(
        {
            "episode": e.index.astype(str),
            "group": e["group"].to_numpy(),
            "name": e["name"].to_numpy(),
            "start": pd.to_datetime(e["start"]).dt.strftime("%Y-%m-%d").to_numpy(),
            "end": pd.to_datetime(e["end"]).dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
            "years": np.maximum(days[keep].to_numpy(dtype=float) / DAYS_PER_YEAR, MIN_YEARS),
            "cause": e["cause"].to_numpy(dtype=int),
            "interstate": (e["kind"] == 2).to_numpy(dtype=int),
            "internationalized": (e["kind"] == 4).to_numpy(dtype=int),
            "extrasystemic": (e["kind"] == 1).to_numpy(dtype=int),
            "territory": e["incompat"].isin([1, 3]).to_numpy(dtype=int),
            "high_intensity": (e["intensity"] == 2).to_numpy(dtype=int),
            **{name: (e["region"] == code).to_numpy(dtype=int) for code, name in REGIONS.items()},
        }
    ).reset_index(drop=True)
    return EpisodeData(frame=frame, source=src, end_of_data=end_of_data, dropped=dropped)


def load_reference() -> pd.DataFrame:
    """The reference class shipped with detente: the episodes of the UCDP Conflict
    Termination dataset v3-2021 as :func:`read_episodes` gives them (CC BY 4.0, Kreutz
    2010), written by ``scripts/build_outlook_extract.py``; no network, no shared data."""
    text = resources.files("detente.outlook").joinpath(PACKAGED).read_text("utf-8")
    frame = pd.read_csv(io.StringIO(text), dtype={"episode": str, "group": str, "end": str})
    frame["end"] = frame["end"].fillna("")
    return frame[list(EXTRACT_COLUMNS)]


def _dates(col: pd.Series, year: pd.Series, src: str, name: str) -> pd.Series:
    """``m/d/yy`` (or ``YYYY-MM-DD``) dates; a two-digit year takes the latest century
    that does not put the date after the row's year (DECISIONS OUT-1)."""
    text = col.fillna("").astype(str).str.strip().replace(".", "")  # "." is UCDP's blank
    iso = pd.to_datetime(text.where(text.str.match(r"^\d{4}-\d\d-\d\d$")), errors="coerce")
    parts = text.str.extract(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
    yy = pd.to_numeric(parts[2], errors="coerce")
    two = parts[2].str.len() == 2
    century = np.where(2000 + yy <= year, 2000, 1900)
    full = yy.where(~two, yy + century)
    mdy = pd.to_datetime(
        pd.DataFrame({"year": full, "month": pd.to_numeric(parts[0], errors="coerce"),
                      "day": pd.to_numeric(parts[1], errors="coerce")}),
        errors="coerce",
    )  # fmt: skip
    parsed = iso.fillna(mdy)
    bad = (text != "") & parsed.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DetenteError(
            f"is {text.iloc[i]!r}; write the date as m/d/yy (UCDP's re-saved form) or YYYY-MM-DD",
            source=src,
            where=f"row {i + 2}, column {name}",
        )
    return parsed


def _integers(
    col: pd.Series,
    src: str,
    name: str,
    *,
    allowed: set[int] | None = None,
    low: int | None = None,
    high: int | None = None,
    blank: bool = False,
) -> pd.Series:
    """Whole numbers (``blank``: a blank is 0); one line naming the first bad row."""
    text = col.fillna("").astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce")
    ok = values.notna() & (values == values.round())
    if allowed is not None:
        ok &= values.isin(list(allowed))
    if low is not None:
        ok &= values >= low
    if high is not None:
        ok &= values <= high
    if blank:
        ok |= text == ""
    if not ok.all():
        i = int(np.flatnonzero((~ok).to_numpy())[0])
        shown = "blank" if text.iloc[i] == "" else repr(text.iloc[i])
        want = (
            f"one of {', '.join(str(a) for a in sorted(allowed))}"
            if allowed is not None
            else f"a whole number from {low} to {high}"
        )
        raise DetenteError(
            f"is {shown}; it must be {want}{' or blank' if blank else ''}",
            source=src,
            where=f"row {i + 2}, column {name}",
        )
    return values.fillna(0).astype(int)
