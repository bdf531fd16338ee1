"""Read the UCDP Peace Agreement file into a clean survival frame.

One row per agreement: the time it held, in years (``years``), whether it failed
(``failed``, 1) or was still in force when the data end (0, right-censored), the conflict it
belongs to (``group``, for clustered errors and grouped cross-validation) and the covariates
of :data:`COVARIATES`, every one 0/1.

What we assume about the file (UCDP Peace Agreement Dataset v22.1; Pettersson, Högbladh &
Öberg 2019): ``ended`` is true when the agreement was terminated and blank (or false) when it
was still in force; ``duration`` is the *date* it ended (not a number); the data end on
``dateintervalend_meta`` (2021-12-31 in v22.1), where an agreement in force is censored
(DECISIONS DUR-1). An agreement coded ``ended`` without an end date cannot be placed in time
and is left out (4 of the 267 rows of the development split); the count is kept in
:attr:`AgreementData.dropped` (DECISIONS DUR-2). The outcome is the agreement's failure, not
conflict recurrence (DECISIONS DUR-10).

References
----------
Pettersson, T., Högbladh, S. & Öberg, M. (2019). Organized violence, 1989-2018 and peace
agreements. *Journal of Peace Research* 56(4), 589-603.

Kreutz, J. (2010). How and when armed conflicts end: Introducing the UCDP Conflict Termination
dataset. *Journal of Peace Research* 47(2), 243-250.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.paths import shared_data_dir
from detente.textfiles import read_text

DAYS_PER_YEAR = 365.25
#: An agreement that failed on the day it was signed is given half a day (parametric models
#: need a positive time).
MIN_YEARS = 0.5 / DAYS_PER_YEAR
DEFAULT_END_OF_DATA = "2021-12-31"

#: The model's covariates, all 0/1, and what each one means in the UCDP file (which columns
#: are left out and why: DECISIONS DUR-3).
COVARIATES: dict[str, str] = {
    "third_party": "a third party signed or witnessed the agreement (`pa_3rd` not empty)",
    "pko": "the agreement provides for peacekeeping troops (`pko`)",
    "cease": "the agreement contains a ceasefire (`cease`)",
    "comprehensive": "a full agreement settling the whole incompatibility (`pa_type` = 1)",
    "process": "a peace-process agreement that only sets up talks (`pa_type` = 3)",
    "terr_prov": "territorial provisions: autonomy, federalism, local government, ... "
    "(`terr_prov`)",
    "mil_prov": "military provisions: army integration, DDR, withdrawal, ... (`mil_prov`)",
    "pol_prov": "political provisions: power sharing, elections, interim government, ... "
    "(`pol_prov`)",
    "justice_prov": "justice provisions: amnesty, prisoners, reconciliation, ... (`justice_prov`)",
    "interstate": "the conflict is interstate (UCDP termination file `type_of_conflict` = 2)",
}

#: Provision dummies of UCDP PA v22.1 beyond :data:`COVARIATES`, each 0/1 as coded
#: (codebook v22.1, section "Provisions"); with ``cease`` and ``pko`` they are the provisions
#: Fortna (2003, 2004), Hartzell & Hoddie (2003) and Mattes & Savun (2009) study.
PROVISIONS: dict[str, str] = {
    "intarmy": "integration of rebels into the army (`intarmy`)",
    "ddr": "disarmament, demobilisation and reintegration (`ddr`)",
    "withd": "withdrawal of foreign forces (`withd`)",
    "pp": "integration of rebels as a political party (`pp`)",
    "intgov": "rebels in an interim or permanent government (`intgov`)",
    "intciv": "rebels in the civil service (`intciv`)",
    "elections": "elections (`elections`)",
    "interim": "an interim government (`interim`)",
    "natalks": "a national dialogue (`natalks`)",
    "shagov": "power sharing in the government (`shagov`)",
    "aut": "regional autonomy (`aut`)",
    "fed": "federalism (`fed`)",
    "ind": "independence for a region (`ind`)",
    "ref": "a referendum on a region's status (`ref`)",
    "shaloc": "power sharing in a regional government (`shaloc`)",
    "regdev": "regional development (`regdev`)",
    "cul": "cultural freedoms (`cul`)",
    "demarcation": "a border demarcation (`demarcation`)",
    "locgov": "local government (`locgov`)",
    "amn": "amnesty (`amn`)",
    "pris": "release of prisoners (`pris`)",
    "recon": "reconciliation (`recon`)",
    "return": "return of refugees (`return`)",
    "reaffirm": "reaffirms an earlier agreement (`reaffirm`)",
    "outlin": "outlines a future agreement (`outlin`)",
    "gender": "gender provisions (`gender`)",
    "co_impl": "a commission to implement the agreement (`co_impl`)",
}

#: Context of the agreement: who signed, over what, where, and the war episode it ends
#: (UCDP termination file, Kreutz 2010). All in [0, 1].
CONTEXT: dict[str, str] = {
    "inclusive": "every active dyad of the conflict signed (`inclusive` = 1)",
    "inc_territory": "incompatibility over territory (`incompatibility` = 1)",
    "inc_both": "incompatibility over territory and government (`incompatibility` = 3)",
    "europe": "region Europe (`region` = 1; Africa, 4, is the reference)",
    "middle_east": "region Middle East (`region` = 2)",
    "asia": "region Asia (`region` = 3)",
    "americas": "region Americas (`region` = 5)",
    "internationalized": "internationalized internal conflict in the episode (termination "
    "file `type_of_conflict` = 4)",
    "war": "the episode reached war intensity, 1,000 battle deaths a year (`intensity_level` = 2)",
    "episode_years": "the episode's length at signing, log(1 + active years) / log(41), "
    "capped at 1 (40 years)",
}

#: Every column of the survival frame a model may use: :data:`COVARIATES` (the packaged
#: ten) followed by :data:`PROVISIONS` and :data:`CONTEXT` (DECISIONS DUR-12).
ALL_COVARIATES: dict[str, str] = COVARIATES | PROVISIONS | CONTEXT

#: The extended set of DECISIONS DUR-12: the provision dummies rather than their four
#: aggregates (``terr_prov`` ... ``justice_prov`` are unions of them), and the context.
EXTENDED: tuple[str, ...] = tuple(
    c for c in ALL_COVARIATES if c not in ("terr_prov", "mil_prov", "pol_prov", "justice_prov")
)

REQUIRED_COLUMNS = (
    "paid",
    "conflict_id",
    "pa_date",
    "ended",
    "duration",
    "pa_3rd",
    "pko",
    "cease",
    "pa_type",
    "terr_prov",
    "mil_prov",
    "pol_prov",
    "justice_prov",
)
_BINARY = ("pko", "cease", "terr_prov", "mil_prov", "pol_prov", "justice_prov")
#: Columns read when the file has them (an older extract without them gives 0).
_OPTIONAL_BINARY = tuple(PROVISIONS)
_TRUE = {"true", "1", "1.0", "yes"}
_FALSE = {"false", "0", "0.0", "no", ""}


def default_agreements_path() -> Path:
    """The UCDP peace-agreement file (development split) in the shared data folder."""
    return shared_data_dir() / "validation" / "conflict" / "ucdp_peace_agreements_v22.1.csv"


def default_termination_path() -> Path:
    """The UCDP conflict termination file (dyad level) in the shared data folder."""
    return (
        shared_data_dir() / "validation" / "conflict" / "ucdp_conflict_termination_dyad_v3-2021.csv"
    )


@dataclass(frozen=True)
class AgreementData:
    """The clean survival frame and what was left out on the way.

    Attributes
    ----------
    frame:
        Columns ``paid``, ``group``, ``years``, ``failed`` and every covariate.
    source:
        The file read.
    end_of_data:
        The censoring date.
    dropped:
        Rows left out, by reason.
    """

    frame: pd.DataFrame
    source: str
    end_of_data: pd.Timestamp
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def n_failed(self) -> int:
        return int(self.frame["failed"].sum())


def read_agreements(
    path: str | Path | None = None,
    *,
    termination: str | Path | bool | None = None,
    end_of_data: str | None = None,
    strict: bool = False,
) -> AgreementData:
    """Read and validate a UCDP peace-agreement CSV into a survival frame.

    UCDP codes a date known only to the year as 1 January and one known only to the month as
    its first day. An end date on 1 January of the signing year, or on the first of the
    signing month, that falls before the signing is read at that precision: the agreement
    ended between the signing and the end of that year (month), and the midpoint is taken
    (DECISIONS DUR-11). Rows still inconsistent after that (an end before the signing, an
    end flagged without a date) are left out and counted in ``dropped``, by reason; with
    ``strict`` the first one is refused instead.

    Parameters
    ----------
    path:
        A CSV with the UCDP Peace Agreement columns; default: the shared development split.
    termination:
        The UCDP conflict termination (dyad) CSV, used for the ``interstate`` covariate;
        default (``None``): the shared copy when it exists. ``False``: do not use it
        (``interstate`` is then 0 everywhere).
    end_of_data:
        The censoring date ``YYYY-MM-DD``; default: the file's ``dateintervalend_meta``, or
        2021-12-31 when the file has no such column.
    strict:
        Refuse the file at its first inconsistent row instead of leaving such rows out.

    Returns
    -------
    AgreementData

    Raises
    ------
    DetenteError
        Missing file or column, or a value that cannot be read; the message names the file,
        the row and column, and the fix.
    """
    src_path = Path(path) if path is not None else default_agreements_path()
    src = str(src_path)
    raw = _read_csv(src_path)
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise DetenteError(
            f"missing column(s) {', '.join(missing)}; give a UCDP Peace Agreement CSV "
            "(codebook v22.1 column names)",
            source=src,
        )
    if raw.empty:
        raise DetenteError("has no rows; give at least one agreement", source=src)

    signed = _dates(raw["pa_date"], src, "pa_date", required=True)
    ended = _booleans(raw["ended"], src)
    end_date = _dates(raw["duration"], src, "duration", required=False)
    censor_at = _end_of_data(raw, src, end_of_data)

    frame = pd.DataFrame(
        {
            "paid": raw["paid"].astype(str).str.strip(),
            "group": raw["conflict_id"].astype(str).str.split(",").str[0].str.strip(),
        }
    )
    no_date = ended & end_date.isna()
    end_date = _at_precision(end_date, signed)
    failed = ended & end_date.notna()
    stop = end_date.where(failed, censor_at)
    # An end date past the censoring date is censored there: the data say nothing after it.
    late = failed & (end_date > censor_at)
    failed &= ~late
    stop = stop.where(~late, censor_at)
    days = (stop - signed).dt.days.astype(float)
    bad = (days < 0) & ~no_date
    if strict and (no_date | bad).any():
        i = int(np.flatnonzero((no_date | bad).to_numpy())[0])
        problem = (
            "ended but has no end date; give duration"
            if no_date.iloc[i]
            else f"ends ({stop.iloc[i].date()}) before it was signed "
            f"({signed.iloc[i].date()}); correct pa_date or duration"
        )
        raise DetenteError(
            f"agreement {frame['paid'].iloc[i]} {problem} (--strict)",
            source=src,
            where=f"row {i + 2}, column duration",
        )
    dropped = {
        reason: int(mask.sum())
        for reason, mask in (
            ("ended without an end date", no_date),
            ("ends before it was signed", bad),
        )
        if mask.any()
    }
    no_date = no_date | bad
    frame["years"] = np.maximum(days / DAYS_PER_YEAR, MIN_YEARS)
    frame["failed"] = failed.astype(int)

    for col in _BINARY:
        frame[col] = _binary(raw[col], src, col)
    pa_type = _integers(raw["pa_type"], src, "pa_type", allowed={1, 2, 3})
    frame["third_party"] = raw["pa_3rd"].fillna("").astype(str).str.strip().ne("").astype(int)
    frame["comprehensive"] = (pa_type == 1).astype(int)
    frame["process"] = (pa_type == 3).astype(int)
    for col in _OPTIONAL_BINARY:
        frame[col] = _binary(raw[col], src, col) if col in raw.columns else 0
    frame["inclusive"] = (
        _first_code(raw, "inclusive", src, {-1, 1, 2}).eq(1).astype(int)
        if "inclusive" in raw.columns
        else 0
    )
    incompatibility = (
        _first_code(raw, "incompatibility", src, {1, 2, 3})
        if "incompatibility" in raw.columns
        else pd.Series(2, index=raw.index)
    )
    frame["inc_territory"] = incompatibility.eq(1).astype(int)
    frame["inc_both"] = incompatibility.eq(3).astype(int)
    region = (
        _first_code(raw, "region", src, {1, 2, 3, 4, 5})
        if "region" in raw.columns
        else pd.Series(4, index=raw.index)
    )
    for code, name in ((1, "europe"), (2, "middle_east"), (3, "asia"), (5, "americas")):
        frame[name] = region.eq(code).astype(int)
    episodes = _episodes(frame["group"], signed, termination)
    for col in ("interstate", "internationalized", "war", "episode_years"):
        frame[col] = episodes[col].to_numpy()

    frame = frame.loc[~no_date.to_numpy()].reset_index(drop=True)
    frame = frame[["paid", "group", "years", "failed", *ALL_COVARIATES]]
    return AgreementData(frame=frame, source=src, end_of_data=censor_at, dropped=dropped)


def _at_precision(end: pd.Series, signed: pd.Series) -> pd.Series:
    """End dates that fall before the signing but are UCDP's year (1 January of the signing
    year) or month (the first of the signing month) precision, moved to the midpoint of
    the signing and that year's (month's) end; the others as they are (DECISIONS DUR-11)."""
    before = end.notna() & (end < signed)
    year = before & (end.dt.month == 1) & (end.dt.day == 1) & (end.dt.year == signed.dt.year)
    month = (
        before & ~year & (end.dt.day == 1) & (end.dt.year == signed.dt.year)
        & (end.dt.month == signed.dt.month)
    )  # fmt: skip
    year_end = signed + pd.offsets.YearEnd(0)
    month_end = signed + pd.offsets.MonthEnd(0)
    out = end.copy()
    out[year] = signed[year] + (year_end[year] - signed[year]) / 2
    out[month] = signed[month] + (month_end[month] - signed[month]) / 2
    normalized: pd.Series = out.dt.normalize()
    return normalized


MAX_AGREEMENT_BYTES = 50_000_000
"""Agreement tables larger than this are refused (UCDP's full file is about 0.5 MB)."""


def _read_csv(path: Path) -> pd.DataFrame:
    text = read_text(path, MAX_AGREEMENT_BYTES, what="UCDP peace-agreement CSV")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "empty file"
        raise DetenteError(
            f"is not a readable CSV ({first}); give a comma-separated file with a header row",
            source=str(path),
        ) from None


def _shown(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    return "blank" if text.strip() == "" else repr(text.strip())


def _first_bad(mask: pd.Series) -> int:
    return int(np.flatnonzero(mask.to_numpy())[0])


def _dates(col: pd.Series, src: str, name: str, *, required: bool) -> pd.Series:
    text = col.fillna("").astype(str).str.strip()
    parsed = pd.to_datetime(text.where(text != ""), format="%Y-%m-%d", errors="coerce")
    bad = (text != "") & parsed.isna()
    if required:
        bad |= text == ""
    if bad.any():
        i = _first_bad(bad)
        raise DetenteError(
            f"is {text.iloc[i]!r}; write the date as YYYY-MM-DD",
            source=src,
            where=f"row {i + 2}, column {name}",
        )
    return parsed


def _booleans(col: pd.Series, src: str) -> pd.Series:
    text = col.fillna("").astype(str).str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        i = _first_bad(bad)
        raise DetenteError(
            f"is {_shown(col.iloc[i])}; write True (the agreement ended) or leave it blank",
            source=src,
            where=f"row {i + 2}, column ended",
        )
    return text.isin(_TRUE)


def _integers(col: pd.Series, src: str, name: str, *, allowed: set[int]) -> pd.Series:
    values = pd.to_numeric(col.astype(str).str.strip(), errors="coerce")
    bad = ~values.isin(list(allowed))
    if bad.any():
        i = _first_bad(bad)
        allowed_text = ", ".join(str(a) for a in sorted(allowed))
        raise DetenteError(
            f"is {_shown(col.iloc[i])}; it must be one of {allowed_text}",
            source=src,
            where=f"row {i + 2}, column {name}",
        )
    return values.astype(int)


def _binary(col: pd.Series, src: str, name: str) -> pd.Series:
    return _integers(col, src, name, allowed={0, 1})


def _end_of_data(raw: pd.DataFrame, src: str, end_of_data: str | None) -> pd.Timestamp:
    if end_of_data is not None:
        text = end_of_data
    elif "dateintervalend_meta" in raw.columns and raw["dateintervalend_meta"].notna().any():
        text = str(raw["dateintervalend_meta"].dropna().astype(str).str.strip().max())
    else:
        text = DEFAULT_END_OF_DATA
    stamp = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    if pd.isna(stamp):
        raise DetenteError(
            f"end of data {text!r} is not a date; write it as YYYY-MM-DD",
            source=src,
            where="dateintervalend_meta",
        )
    return pd.Timestamp(stamp)


def _first_code(raw: pd.DataFrame, name: str, src: str, allowed: set[int]) -> pd.Series:
    """An integer code; a multi-valued cell (``"2, 1"``) gives its first code."""
    first = raw[name].fillna("").astype(str).str.split(",").str[0].str.strip()
    return _integers(first, src, name, allowed=allowed)


EPISODE_CAP_YEARS = 40.0
"""Episode lengths are scaled by log(1 + 40) and capped at 1 (the longest in the file: 53)."""


def _episodes(
    group: pd.Series, signed: pd.Series, termination: str | Path | bool | None
) -> pd.DataFrame:
    """Per agreement, from the UCDP conflict termination (dyad-year) file: ``interstate``
    (the conflict was ever interstate, ``type_of_conflict`` = 2), and, for the episode the
    agreement ends (the run of consecutive active years of the conflict up to the signing
    year), ``internationalized`` (``type_of_conflict`` = 4 in it), ``war``
    (``intensity_level`` = 2 in it) and ``episode_years`` (its length, scaled; DECISIONS
    DUR-12). A conflict the file does not hold gives 0 everywhere."""
    zeros = pd.DataFrame(
        0.0, index=group.index,
        columns=["interstate", "internationalized", "war", "episode_years"],
    )  # fmt: skip
    if termination is False:
        return zeros
    if termination is None or termination is True:
        try:
            path = default_termination_path()
        except DetenteError:
            return zeros
        if not path.is_file():
            return zeros
    else:
        path = Path(termination)
    table = _read_csv(path)
    for col in ("conflict_id", "type_of_conflict", "year", "intensity_level"):
        if col not in table.columns:
            raise DetenteError(
                f"missing column {col}; give the UCDP conflict termination (dyad) CSV",
                source=str(path),
            )
    conflict = table["conflict_id"].astype(str).str.strip()
    kind = pd.to_numeric(table["type_of_conflict"], errors="coerce")
    year = pd.to_numeric(table["year"], errors="coerce")
    intensity = pd.to_numeric(table["intensity_level"], errors="coerce")
    interstate = (kind == 2).groupby(conflict).max()
    by_conflict = {
        str(c): (year[idx].to_numpy(), kind[idx].to_numpy(), intensity[idx].to_numpy())
        for c, idx in conflict.groupby(conflict).groups.items()
    }
    out = zeros.copy()
    for i, (g, when) in enumerate(zip(group, signed, strict=True)):
        if g not in by_conflict:
            continue
        out.iloc[i, 0] = float(bool(interstate.get(g, False)))
        years, kinds, levels = by_conflict[g]
        active = set(years[years <= when.year].tolist())
        if not active:
            continue
        last = max(active)
        first = last
        while first - 1 in active:
            first -= 1
        episode = (years >= first) & (years <= last)
        out.iloc[i, 1] = float((kinds[episode] == 4).any())
        out.iloc[i, 2] = float((levels[episode] == 2).any())
        length = last - first + 1
        out.iloc[i, 3] = min(np.log1p(length) / np.log1p(EPISODE_CAP_YEARS), 1.0)
    return out
