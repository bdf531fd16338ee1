"""Resolving questions from an outcomes CSV and grading every sealed forecast of them; the
grades are appended to the ledger (sealed entries are never edited). And the summary the
report shows: each forecaster's mean scores, head to head on shared questions."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.errors import DetenteError
from detente.ledger.scoring import score
from detente.ledger.store import Entry, Ledger
from detente.textfiles import parse_number, read_text

if TYPE_CHECKING:
    import pandas as pd

MAX_BYTES = 5_000_000
COLUMNS = ["question_id", "outcome", "resolved_on"]


@dataclass(frozen=True)
class Outcome:
    line: int
    question_id: str
    outcome: float
    resolved_on: date


def read_outcomes(path: Path) -> list[Outcome]:
    """The rows of an outcomes CSV (``question_id,outcome,resolved_on``), each checked for
    form; a bad row is a one-line error naming its line and the fix."""
    source = str(path)
    text = read_text(path, MAX_BYTES, what="outcomes CSV")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != COLUMNS:
        raise DetenteError("the first row must be the header question_id,outcome,resolved_on",
                           source=source, where="line 1")  # fmt: skip
    found: list[Outcome] = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 3:
            raise DetenteError(f"has {len(row)} cells; write question_id,outcome,resolved_on",
                               source=source, where=f"line {line}")  # fmt: skip
        qid, cell, day = (c.strip() for c in row)
        if not qid:
            raise DetenteError("question_id is empty; give the id of a sealed question "
                               "(detente ledger report)", source=source,
                               where=f"line {line}")  # fmt: skip
        value = parse_number(cell, column="outcome", source=source, line=line,
                             fix="write 0 or 1 for a yes/no question, else the number")  # fmt: skip
        try:
            resolved = date.fromisoformat(day)
        except ValueError:
            raise DetenteError(f"resolved_on {day!r} is not a date; write it as YYYY-MM-DD",
                               source=source, where=f"line {line}") from None  # fmt: skip
        found.append(Outcome(line, qid, value, resolved))
    return found


def grade(ledger: Ledger, outcomes: Sequence[Outcome], source: str) -> list[Entry]:
    """Grade every forecast of each resolved question and append one ``grade`` entry per
    question, all in one transaction; nothing is appended if any row is bad."""
    questions: dict[str, dict[str, Any]] = {}
    forecasts: dict[str, list[Entry]] = {}
    for e in ledger.entries("forecast"):
        questions.setdefault(e.question_id, e.data["question"])
        forecasts.setdefault(e.question_id, []).append(e)
    graded = {e.question_id: e.seq for e in ledger.entries("grade")}
    seen: dict[str, int] = {}
    items = []
    for o in outcomes:
        where = f"line {o.line}"
        q = questions.get(o.question_id)
        if q is None:
            raise DetenteError(f"no sealed question {o.question_id!r}; check the id "
                               "(detente ledger report lists them)", source=source,
                               where=where)  # fmt: skip
        if o.question_id in graded:
            raise DetenteError(f"question {o.question_id!r} was graded at entry "
                               f"{graded[o.question_id]}; remove this row", source=source,
                               where=where)  # fmt: skip
        if o.question_id in seen:
            raise DetenteError(f"question {o.question_id!r} is also on line "
                               f"{seen[o.question_id]}; keep one row", source=source,
                               where=where)  # fmt: skip
        seen[o.question_id] = o.line
        if q["kind"] == "binary" and o.outcome not in (0, 1):
            raise DetenteError(f"outcome {o.outcome:g} of a yes/no question; write 1 (it "
                               "happened) or 0", source=source, where=where)  # fmt: skip
        if q["kind"] == "issue" and not 0 <= o.outcome <= 100:
            raise DetenteError(f"outcome {o.outcome:g} of an issue question; write a number "
                               "from 0 to 100", source=source, where=where)  # fmt: skip
        scores = []
        for f in forecasts[o.question_id]:
            data = f.data
            scores.append({
                "forecast_seq": f.seq,
                "forecast_hash": f.hash,
                "forecaster": data["forecaster"]["name"],
                "sealed_before_resolution": data["sealed_at"][:10] <= o.resolved_on.isoformat(),
                **score(q["kind"], data["forecast"], o.outcome),
            })  # fmt: skip
        payload = {"question_id": o.question_id, "outcome": float(o.outcome),
                   "resolved_on": o.resolved_on.isoformat(), "scores": scores}  # fmt: skip
        items.append(("grade", o.question_id, payload))
    return ledger.append(items)


@dataclass(frozen=True)
class Graded:
    """One graded forecast: the latest of its forecaster on the question sealed on or
    before the resolution date."""

    question_id: str
    kind: str
    forecaster: str
    p: float | None
    outcome: float
    brier: float | None
    log: float | None
    crps: float | None


def graded(ledger: Ledger) -> list[Graded]:
    """Every forecaster's last forecast sealed by the resolution date, per graded question."""
    kinds = {e.question_id: e.data["question"]["kind"] for e in ledger.entries("forecast")}
    ps = {e.seq: e.data["forecast"].get("p") for e in ledger.entries("forecast")}
    out = []
    for e in ledger.entries("grade"):
        data = e.data
        last: dict[str, dict[str, Any]] = {}
        for s in data["scores"]:
            if s["sealed_before_resolution"]:
                last[s["forecaster"]] = s  # scores are in sealing order
        for name, s in last.items():
            out.append(Graded(e.question_id, kinds[e.question_id], name,
                              ps.get(s["forecast_seq"]), float(data["outcome"]), s["brier"],
                              s["log"], s["crps"]))  # fmt: skip
    return out


def graded_frame(ledger: Ledger) -> pd.DataFrame:
    """:func:`graded` as a table, one row per graded forecast: columns ``question_id, kind,
    forecaster, p, outcome, brier, log, crps`` (DECISIONS DESK-2)."""
    import pandas as pd

    columns = [f.name for f in dataclasses.fields(Graded)]
    return pd.DataFrame([dataclasses.astuple(g) for g in graded(ledger)], columns=columns)


def _mean(values: Sequence[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return math.fsum(xs) / len(xs) if xs else None


def summary(rows: Sequence[Graded]) -> list[dict[str, Any]]:
    """Per forecaster: graded binary and numeric questions and mean Brier, log and CRPS."""
    names = sorted({r.forecaster for r in rows}, key=lambda n: (n != "detente", n))
    out = []
    for name in names:
        mine = [r for r in rows if r.forecaster == name]
        out.append({
            "forecaster": name,
            "binary": sum(r.kind == "binary" for r in mine),
            "brier": _mean([r.brier for r in mine]),
            "log": _mean([r.log for r in mine]),
            "numeric": sum(r.kind != "binary" for r in mine),
            "crps": _mean([r.crps for r in mine]),
        })  # fmt: skip
    return out


def head_to_head(rows: Sequence[Graded]) -> list[dict[str, Any]]:
    """For every pair of forecasters, their mean scores on the questions both forecast."""
    by = {(r.forecaster, r.question_id): r for r in rows}
    names = sorted({r.forecaster for r in rows}, key=lambda n: (n != "detente", n))
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            shared = sorted({q for f, q in by if f == a} & {q for f, q in by if f == b})
            if not shared:
                continue
            pa, pb = [by[a, q] for q in shared], [by[b, q] for q in shared]
            out.append({
                "a": a, "b": b, "questions": len(shared),
                "brier_a": _mean([r.brier for r in pa]), "brier_b": _mean([r.brier for r in pb]),
                "log_a": _mean([r.log for r in pa]), "log_b": _mean([r.log for r in pb]),
                "crps_a": _mean([r.crps for r in pa]), "crps_b": _mean([r.crps for r in pb]),
            })  # fmt: skip
    return out


def reliability(
    rows: Sequence[Graded], bins: int = 10
) -> dict[str, list[tuple[float, float, int]]]:
    """Per forecaster, for each probability bin with forecasts: mean forecast, observed
    frequency and count (binary questions)."""
    out: dict[str, list[tuple[float, float, int]]] = {}
    for name in sorted({r.forecaster for r in rows if r.p is not None}):
        mine = [r for r in rows if r.forecaster == name and r.p is not None]
        points = []
        for k in range(bins):
            inside = [r for r in mine if min(int(float(r.p or 0) * bins), bins - 1) == k]
            if inside:
                points.append((math.fsum(float(r.p or 0) for r in inside) / len(inside),
                               math.fsum(r.outcome for r in inside) / len(inside),
                               len(inside)))  # fmt: skip
        out[name] = points
    return out
