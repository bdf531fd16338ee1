"""Read and validate a file of CAMEO-coded dyadic events.

An event file is a UTF-8 CSV with at least ``date, source, target, cameo_code``. The Goldstein
weight and the quad class are taken from the file when it has them and looked up in the CAMEO
table shipped with detente (``profiles/data/cameo.csv``) where it does not. Optional columns
used when present: ``event_text``, ``source_actor``, ``target_actor``, ``dataset`` and the
state flags ``source_is_state`` / ``target_is_state``.

References
----------
Goldstein, J. S. (1992). A conflict-cooperation scale for WEIS events data. *Journal of
Conflict Resolution* 36(2), 369-385.
Schrodt, P. A. (2012). *CAMEO: Conflict and Mediation Event Observations Event and Actor
Codebook*, version 1.1b3.
Boschee, E. et al. (2015). *ICEWS Coded Event Data*. Harvard Dataverse, doi:10.7910/DVN/28075.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.textfiles import read_text

QuadConvention = Literal["icews", "gdelt"]

REQUIRED_COLUMNS = ("date", "source", "target", "cameo_code")
"""The columns an event file must have."""

MAX_BYTES = 200 * 1024 * 1024
"""The largest event file read (200 MiB); larger files are refused with a one-line error."""

QUAD_NAMES = {
    1: "verbal_cooperation",
    2: "material_cooperation",
    3: "verbal_conflict",
    4: "material_conflict",
}
"""Quad classes by number (Duval & Thompson 1980; the ICEWS numbering)."""

EVENT_COLUMNS = (
    "date",
    "source",
    "target",
    "cameo_code",
    "goldstein",
    "quad_class",
    "event_text",
    "source_actor",
    "target_actor",
    "dataset",
)
"""The columns of a validated event frame, in order."""


@dataclass(frozen=True)
class CameoEntry:
    """One row of the shipped CAMEO table (``goldstein``: the ICEWS values, DECISIONS PRO-2)."""

    code: str
    name: str
    goldstein: float
    quad_icews: int
    quad_gdelt: int


@cache
def cameo_table() -> dict[str, CameoEntry]:
    """The CAMEO 1.1b3 table shipped with detente, by code (leading zeros kept).

    Returns
    -------
    dict
        ``code -> CameoEntry`` with the ICEWS Goldstein weight (Goldstein 1992 as assigned by
        ICEWS, Boschee et al. 2015) and both quad-class conventions.
    """
    text = resources.files("detente.profiles").joinpath("data/cameo.csv").read_text("utf-8")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    cols = {c: [str(v) for v in frame[c]] for c in frame.columns}
    return {
        code: CameoEntry(
            code=code,
            name=name,
            goldstein=float(g),
            quad_icews=int(qi),
            quad_gdelt=int(qg),
        )
        for code, name, g, qi, qg in zip(
            cols["cameo_code"],
            cols["name"],
            cols["goldstein_icews"],
            cols["quad_icews"],
            cols["quad_gdelt"],
            strict=True,
        )
    }


def _line(index: int) -> str:
    """The file line of data row ``index`` (the header is line 1)."""
    return f"line {index + 2}"


def read_events(
    path: str | Path,
    *,
    quad_convention: QuadConvention | None = None,
    max_bytes: int = MAX_BYTES,
) -> pd.DataFrame:
    """Read and validate an event file.

    Parameters
    ----------
    path:
        A UTF-8 CSV with at least ``date`` (ISO ``YYYY-MM-DD``), ``source``, ``target`` and
        ``cameo_code`` (a CAMEO code with its leading zeros, e.g. ``"042"``).
    quad_convention:
        ``None`` (default): use the file's ``quad_class`` where present, otherwise the ICEWS
        convention. ``"icews"`` or ``"gdelt"``: recode every event from the CAMEO table with
        that convention (they differ only on root 05, which ICEWS counts as verbal and GDELT as
        material cooperation; DECISIONS PRO-1).
    max_bytes:
        Refuse files larger than this (default 200 MiB).

    Returns
    -------
    pandas.DataFrame
        One row per event with the columns :data:`EVENT_COLUMNS`: ``date`` as
        ``datetime64``, upper-case ``source``/``target``, ``goldstein`` in [-10, 10],
        ``quad_class`` in 1..4, and empty strings where a text column was absent.

    Raises
    ------
    DetenteError
        One line naming the file, the line and the field: a missing column, a bad date, an
        unknown CAMEO code, a Goldstein weight off the scale, a file that is not UTF-8 or is too
        large.

    References
    ----------
    Goldstein (1992); Schrodt (2012) CAMEO 1.1b3; Boschee et al. (2015) ICEWS.
    """
    p = Path(path)
    src = str(path)
    text = read_text(p, max_bytes, what="CSV of events")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = " ".join(str(exc).split())
        raise DetenteError(
            f"not a readable CSV ({msg}); give a comma-separated file with a header row "
            f"{','.join(REQUIRED_COLUMNS)}",
            source=src,
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DetenteError(
            f"missing column(s) {', '.join(missing)}; an event file needs "
            f"{', '.join(REQUIRED_COLUMNS)}",
            source=src,
            where="header",
        )
    try:
        return _validate(frame, quad_convention)
    except DetenteError as exc:
        raise exc.located(source=src) from None


def events_from_frame(
    frame: pd.DataFrame, *, quad_convention: QuadConvention | None = None
) -> pd.DataFrame:
    """Validate an in-memory table of events the way :func:`read_events` validates a file.

    Parameters
    ----------
    frame:
        Columns as for :func:`read_events`; any dtype (values are read as text).
    quad_convention:
        As for :func:`read_events`.

    Returns
    -------
    pandas.DataFrame
        The validated events.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DetenteError(
            f"missing column(s) {', '.join(missing)}", source="<events>", where="columns"
        )
    text = frame.astype(str).replace({"nan": "", "None": "", "<NA>": ""})
    try:
        return _validate(text.reset_index(drop=True), quad_convention)
    except DetenteError as exc:
        raise exc.located(source="<events>") from None


def _validate(frame: pd.DataFrame, quad_convention: QuadConvention | None) -> pd.DataFrame:
    n = len(frame)
    if n == 0:
        raise DetenteError("the file has no events; add one row per event", where="rows")
    strip = {c: frame[c].astype(str).str.strip() for c in frame.columns}

    dates = pd.to_datetime(strip["date"], format="%Y-%m-%d", errors="coerce")
    bad = np.flatnonzero(dates.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise DetenteError(
            f"bad date {strip['date'].iloc[i]!r}; write dates as YYYY-MM-DD",
            where=f"{_line(i)}, date",
        )

    source = strip["source"].str.upper()
    target = strip["target"].str.upper()
    for name, col in (("source", source), ("target", target)):
        empty = np.flatnonzero((col == "").to_numpy())
        if empty.size:
            raise DetenteError(
                f"empty {name}; give an actor code such as USA",
                where=f"{_line(int(empty[0]))}, {name}",
            )

    table = cameo_table()
    codes = strip["cameo_code"]
    known = codes.isin(table.keys()).to_numpy()
    if not known.all():
        i = int(np.flatnonzero(~known)[0])
        code = codes.iloc[i]
        hint = (
            f"; did you mean {'0' + code!r}? CAMEO codes keep their leading zeros"
            if ("0" + code) in table
            else "; use a CAMEO 1.1b3 code such as 042 (see profiles/data/cameo.csv)"
        )
        raise DetenteError(f"unknown CAMEO code {code!r}{hint}", where=f"{_line(i)}, cameo_code")

    lookup_g = codes.map({k: v.goldstein for k, v in table.items()}).astype(float)
    if "goldstein" in frame.columns:
        given = strip["goldstein"]
        blank = (given == "").to_numpy()
        values = pd.to_numeric(given.where(~blank), errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy() & ~blank)
        if bad.size:
            i = int(bad[0])
            raise DetenteError(
                f"goldstein {given.iloc[i]!r} is not a number; give a weight in [-10, 10] "
                "or leave it empty to look it up",
                where=f"{_line(i)}, goldstein",
            )
        off = np.flatnonzero(((values < -10) | (values > 10)).to_numpy())
        if off.size:
            i = int(off[0])
            raise DetenteError(
                f"goldstein {given.iloc[i]} is off the Goldstein scale; use [-10, 10]",
                where=f"{_line(i)}, goldstein",
            )
        goldstein = values.where(~blank, lookup_g)
    else:
        goldstein = lookup_g

    convention = quad_convention or "icews"
    attr = "quad_icews" if convention == "icews" else "quad_gdelt"
    lookup_q = codes.map({k: getattr(v, attr) for k, v in table.items()}).astype(int)
    if "quad_class" in frame.columns and quad_convention is None:
        given = strip["quad_class"]
        blank = (given == "").to_numpy()
        ok = given.isin(["1", "2", "3", "4"]).to_numpy() | blank
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise DetenteError(
                f"quad_class {given.iloc[i]!r} is not 1-4; leave it empty to look it up",
                where=f"{_line(i)}, quad_class",
            )
        quad = pd.Series(
            np.where(blank, lookup_q.to_numpy(), pd.to_numeric(given.where(~blank, "0"))),
            index=frame.index,
        ).astype(int)
    else:
        quad = lookup_q

    def text_col(name: str) -> pd.Series:
        return strip[name] if name in strip else pd.Series([""] * n, index=frame.index)

    out = pd.DataFrame(
        {
            "date": dates,
            "source": source,
            "target": target,
            "cameo_code": codes,
            "goldstein": goldstein.astype(float),
            "quad_class": quad.astype(int),
            "event_text": text_col("event_text"),
            "source_actor": text_col("source_actor"),
            "target_actor": text_col("target_actor"),
            "dataset": text_col("dataset"),
        }
    )
    for flag in ("source_is_state", "target_is_state"):
        if flag in strip:
            out[flag] = strip[flag].str.lower().isin(["true", "1", "yes"])
    return out


def filter_events(
    events: pd.DataFrame,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    datasets: list[str] | None = None,
    state_only: bool = False,
) -> pd.DataFrame:
    """The events inside a window, from the chosen datasets.

    Parameters
    ----------
    events:
        From :func:`read_events`.
    start, end:
        Inclusive first and last day (default: the first and last event).
    datasets:
        Keep only rows whose ``dataset`` is one of these. Without it, a window holding rows of
        more than one dataset is an error: the ICEWS benchmark files overlap (ICEWS14 and the
        ICEWS05-15 sample in 2014; ICEWS18 and the raw sample in June 2018), so mixing them
        would count the same fact twice (DECISIONS PRO-3).
    state_only:
        Keep only events whose source and target are both flagged as state actors (needs the
        ``source_is_state`` / ``target_is_state`` columns).

    Returns
    -------
    pandas.DataFrame
        The selected rows.
    """
    out = events
    if datasets:
        present = set(out["dataset"].unique())
        unknown = [d for d in datasets if d not in present]
        if unknown:
            raise DetenteError(
                f"dataset {', '.join(unknown)} not in the file; it has "
                f"{', '.join(sorted(x for x in present if x)) or 'no dataset column'}",
                where="--dataset",
            )
        out = out[out["dataset"].isin(datasets)]
    if start is not None:
        out = out[out["date"] >= start]
    if end is not None:
        out = out[out["date"] <= end]
    if state_only:
        if "source_is_state" not in out.columns:
            raise DetenteError(
                "state-only needs source_is_state and target_is_state columns", where="--state-only"
            )
        out = out[out["source_is_state"] & out["target_is_state"]]
    if not datasets:
        counts = out["dataset"].value_counts()
        if len(counts) > 1:
            listing = ", ".join(f"{k}: {v}" for k, v in counts.items())
            raise DetenteError(
                f"the window holds rows of {len(counts)} datasets that may overlap ({listing}); "
                "pick one with --dataset so no fact is counted twice",
                where="dataset",
            )
    if out.empty:
        raise DetenteError("no events in the window; widen --from/--to", where="window")
    return out.reset_index(drop=True)
