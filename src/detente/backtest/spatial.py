"""Score the outcome models on expert-coded spatial cases with coded outcomes.

The KTAB China 2014 cases (Efird, Lester & Wise 2016, *Journal of East Asian Studies* 16:
117-145, Tables 2-3; transcribed with outcome codings in the shared data's
``validation/spatial_cases/ktab_china_2014_with_outcomes_hamzagul07.json``) are two
single-issue problems, positions, influence (capability) and salience per actor, each with a
near-term (~2017) and a long-run (~2020) coded outcome and a plausible range. They are
domestic elite bargaining, not coercive crises: an out-of-domain check of the one-shot models
beside the DEU backtest, not a verdict on the coercive case (DECISIONS DEU-8).

:func:`load_spatial_cases` reads the file (one line naming the file and the field on a
malformed one); :func:`score_spatial` runs every model on every case and scores it against
every coded outcome.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.models.base import IssueProblem, OutcomeModel

MAX_FILE_BYTES = 5_000_000
"""A cases file larger than this is refused before it is read."""


@dataclass(frozen=True)
class SpatialCase:
    """One coded case: its problem and its coded outcomes ``{reading: (value, (low,
    high))}``; ``published`` says what the case's own model forecast."""

    case_id: str
    title: str
    problem: IssueProblem
    outcomes: dict[str, tuple[float, tuple[float, float]]]
    published: str


def _number(value: Any, where: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DetenteError(f"is {value!r}; give a finite number", source=source, where=where)
    return float(value)


def _status_quo(continuum: Mapping[str, Any]) -> float:
    """The status quo named on the continuum: the marker whose text says "status quo", else 0
    when the 0 anchor does, else unknown (DECISIONS DEU-8)."""
    markers = continuum.get("markers") or {}
    for value, text in markers.items():
        if "status quo" in str(text).lower():
            return float(value)
    if "status quo" in str(continuum.get("anchor_0", "")).lower():
        return 0.0
    return float("nan")


def load_spatial_cases(path: str | Path) -> list[SpatialCase]:
    """The cases of a spatial-cases JSON file (the shared data's KTAB China 2014 layout:
    ``cases[]`` with ``actors[] {id, position, capability, salience}``, ``continuum`` and
    ``outcomes {reading: {proposed_value, range}}``)."""
    source = str(path)
    file = Path(path)
    if not file.is_file():
        raise DetenteError("no such file; give the spatial-cases JSON", source=source)
    if file.stat().st_size > MAX_FILE_BYTES:
        raise DetenteError(f"is larger than {MAX_FILE_BYTES:,} bytes", source=source)
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DetenteError(f"is not JSON ({exc})", source=source) from None
    cases = doc.get("cases") if isinstance(doc, dict) else None
    if not isinstance(cases, list) or not cases:
        raise DetenteError("has no 'cases' list", source=source)
    out = []
    for i, case in enumerate(cases):
        at = f"cases[{i}]"
        try:
            actors = case["actors"]
            rows = [
                (
                    str(a["id"]),
                    _number(a["position"], f"{at}.actors[{k}].position", source),
                    _number(a["capability"], f"{at}.actors[{k}].capability", source),
                    _number(a["salience"], f"{at}.actors[{k}].salience", source),
                )
                for k, a in enumerate(actors)
            ]
            outcomes = {
                reading: (
                    _number(o["proposed_value"], f"{at}.outcomes.{reading}.proposed_value", source),
                    (
                        _number(o["range"][0], f"{at}.outcomes.{reading}.range", source),
                        _number(o["range"][1], f"{at}.outcomes.{reading}.range", source),
                    ),
                )
                for reading, o in case["outcomes"].items()
            }
            continuum = case.get("continuum") or {}
            case_id = str(case["case_id"])
        except (KeyError, TypeError, IndexError) as exc:
            raise DetenteError(
                f"lacks {exc}; each case needs case_id, actors (id, position, capability, "
                "salience) and outcomes (proposed_value, range)",
                source=source,
                where=at,
            ) from None
        if not rows:
            raise DetenteError(
                "is empty; list the case's actors", source=source, where=f"{at}.actors"
            )
        names, position, capability, salience = zip(*rows, strict=True)
        problem = IssueProblem(
            actors=tuple(names),
            position=np.array(position),
            salience=np.array(salience),
            capability=np.array(capability),
            status_quo=_status_quo(continuum),
        )
        published = (case.get("published_model_forecast") or {}).get("value_note", "")
        out.append(
            SpatialCase(case_id, str(case.get("title", case_id)), problem, outcomes, published)
        )
    return out


def score_spatial(cases: Sequence[SpatialCase], models: Mapping[str, OutcomeModel]) -> pd.DataFrame:
    """One row per case, model and coded reading: ``case, model, reading, predicted, coded,
    low, high, abs_error, in_range``."""
    rows = []
    for case in cases:
        for name, model in models.items():
            predicted = float(model.solve_issue(case.problem).outcome)
            for reading, (coded, (low, high)) in case.outcomes.items():
                rows.append(
                    {
                        "case": case.case_id,
                        "model": name,
                        "reading": reading,
                        "predicted": predicted,
                        "coded": coded,
                        "low": low,
                        "high": high,
                        "abs_error": abs(predicted - coded),
                        "in_range": bool(low <= predicted <= high),
                    }
                )
    return pd.DataFrame(rows)
