"""An interlocutor profile from the record of events, and the saved-profile JSON format.

:func:`event_profile` reads one directed dyad of a validated event file over a window and
returns a plain dict (the saved-profile document, ``kind: "events"``); :func:`save_profile`
writes it and :func:`load_profile` reads and checks it back (also ``kind: "leader"`` documents
from :func:`detente.profiles.leaders.leader_profile`). The keys are documented in
``docs/profiles.md`` and stable within ``schema_version`` 1.

Every model-facing number is also copied into ``features`` (a flat ``name -> float`` map);
:func:`detente.profiles.mapping.profile_to_parameters` reads only that map.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente import __version__
from detente.errors import DetenteError
from detente.profiles.dyad import (
    all_dyads_weekly,
    largest_moves,
    net_cooperation,
    overall_shares,
    week_grid,
    weekly_table,
)
from detente.profiles.predictability import predictability
from detente.profiles.saydo import say_do_gap, weekly_lead_lag

SCHEMA_VERSION = 1
"""Version of the saved-profile format."""

PROFILE_KINDS = ("events", "leader")

EVENT_PROFILE_KEYS = (
    "schema_version",
    "kind",
    "detente_version",
    "input",
    "dyad",
    "window",
    "settings",
    "volume",
    "net_cooperation",
    "quad_shares",
    "predictability",
    "say_do",
    "largest_moves",
    "weekly",
    "features",
    "warnings",
)
"""Top-level keys of an events profile, in order (see docs/profiles.md)."""

FEATURES = ("net_cooperation", "say_do_gap", "verbal_leads_material", "unpredictability")
"""The features an events profile exports to the parameter mapping."""


def event_profile(
    events: pd.DataFrame,
    source: str,
    target: str,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    seed: int = 0,
    n_boot: int = 2000,
    n_perm: int = 2000,
    max_lag: int = 8,
    forecast_window: int = 4,
    peer_min_events: int = 50,
    alpha: float = 0.05,
    input_info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Profile the directed dyad ``source → target`` from windowed events.

    Parameters
    ----------
    events:
        Validated, filtered events (:func:`~detente.profiles.events.read_events`,
        :func:`~detente.profiles.events.filter_events`); every dyad in it is a peer for the
        predictability percentiles.
    source, target:
        Actor codes, e.g. ``"USA"``, ``"RUS"``.
    start, end:
        The window (default: first and last event in ``events``); weeks start on Monday.
    seed:
        Seeds the bootstrap and the permutation test (one ``numpy.random.Generator``).
    n_boot, n_perm:
        Bootstrap replicates and permutations (default 2,000 each).
    max_lag:
        Largest lead/lag in weeks for the cross-correlogram (default 8).
    forecast_window:
        Weeks averaged by the rolling forecast (default 4).
    peer_min_events:
        Smallest volume of a peer dyad (default 50).
    alpha:
        Significance level below which a lead of words over deeds counts as a feature.
    input_info:
        Provenance copied into ``input`` (file, hash, datasets, convention).

    Returns
    -------
    dict
        The saved-profile document (keys :data:`EVENT_PROFILE_KEYS`).
    """
    src, tgt = source.upper(), target.upper()
    first = pd.Timestamp(start) if start is not None else events["date"].min()
    last = pd.Timestamp(end) if end is not None else events["date"].max()
    weeks = week_grid(first, last)
    weekly = weekly_table(events, src, tgt, weeks)
    total = int(weekly["n"].sum())
    if total == 0:
        present = events.groupby(["source", "target"]).size().sort_values(ascending=False)
        top = ", ".join(
            f"{s}→{t} ({n})"
            for s, t, n in zip(
                present.index.get_level_values(0),
                present.index.get_level_values(1),
                present.to_numpy(int),
                strict=True,
            )
            if n > 0
        )
        raise DetenteError(
            f"no {src}→{tgt} events in the window; busiest dyads: {top}", where="--source/--target"
        )
    max_lag = min(max_lag, max(1, len(weeks) - 3))
    rng = np.random.default_rng(seed)
    net = net_cooperation(weekly, n_boot=n_boot, seed=rng)
    gap = say_do_gap(weekly, n_boot=n_boot, seed=rng)
    lead = weekly_lead_lag(weekly, max_lag=max_lag, n_perm=n_perm, seed=rng)
    lead_conflict = weekly_lead_lag(weekly, max_lag=max_lag, n_perm=n_perm, seed=rng, deeds="s4")
    pred = predictability(
        weekly, all_dyads_weekly(events, weeks), window=forecast_window, min_events=peer_min_events
    )
    busy_weeks = int((weekly["n"] > 0).sum())
    warnings: list[str] = []
    if total < 100:
        warnings.append(f"only {total} events: every number here is noisy")
    if busy_weeks < 0.75 * len(weeks):
        warnings.append(
            f"events in only {busy_weeks} of {len(weeks)} weeks: weekly shares and the "
            "cross-correlation rest on few weeks"
        )
    if lead.best_lag is None:
        warnings.append(
            "the weekly share of material cooperation never varies (no such events?): "
            "whether words lead deeds cannot be measured"
        )
    if lead.n_weeks < 20:
        warnings.append(
            f"the lead/lag test uses {lead.n_weeks} weeks with events; it has little power"
        )
    verbal_leads = (
        max(lead.best_r, 0.0)
        if math.isfinite(lead.best_r) and math.isfinite(lead.p_family) and lead.p_family < alpha
        else 0.0
    )
    unpred = (
        np.nanmean([float(pred["rolling_mae_percentile"]), float(pred["quad_entropy_percentile"])])
        if np.isfinite([pred["rolling_mae_percentile"], pred["quad_entropy_percentile"]]).any()
        else np.nan
    )
    features = {
        "net_cooperation": net.value,
        "say_do_gap": float(gap["gap"]["value"]),  # type: ignore[index]
        "verbal_leads_material": float(verbal_leads),
        "unpredictability": float(unpred) / 100.0,
    }
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": "events",
        "detente_version": __version__,
        "input": input_info or {},
        "dyad": {"source": src, "target": tgt},
        "window": {
            "start": first.date().isoformat(),
            "end": last.date().isoformat(),
            "weeks": len(weeks),
            "week_starts": "Monday",
        },
        "settings": {
            "seed": seed,
            "n_boot": n_boot,
            "n_perm": n_perm,
            "max_lag": max_lag,
            "forecast_window": forecast_window,
            "peer_min_events": peer_min_events,
            "alpha": alpha,
            "measure": "weekly share of the dyad's events",
        },
        "volume": {
            "events": total,
            "weeks_with_events": busy_weeks,
            "events_per_week": total / len(weeks),
        },
        "net_cooperation": net.as_dict(),
        "quad_shares": overall_shares(weekly),
        "predictability": pred,
        "say_do": {
            **gap,
            "lead_lag": lead.as_dict(),
            "lead_lag_conflict": lead_conflict.as_dict(),
        },
        "largest_moves": largest_moves(weekly, events, src, tgt),
        "weekly": [
            {
                "week": str(week)[:10],
                "n": int(row.n),
                "net_cooperation": float(row.net_cooperation),
                "verbal_cooperation": int(row.q1),
                "material_cooperation": int(row.q2),
                "verbal_conflict": int(row.q3),
                "material_conflict": int(row.q4),
            }
            for week, row in weekly.iterrows()
        ],
        "features": features,
        "warnings": warnings,
    }
    safe: dict[str, Any] = _json_safe(doc)
    return safe


def _json_safe(value: Any) -> Any:
    """NaN and infinities become ``None`` (JSON ``null``); numpy scalars become Python."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file, to tie a saved profile to its input."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def dumps_profile(profile: dict[str, Any]) -> str:
    """The profile as stable, indented JSON (NaN written as ``null``)."""
    return json.dumps(_json_safe(profile), indent=2, ensure_ascii=False, allow_nan=False)


def save_profile(profile: dict[str, Any], path: str | Path) -> Path:
    """Write a profile document to ``path`` (UTF-8 JSON) and return the path."""
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(dumps_profile(profile) + "\n", encoding="utf-8")
    except OSError as exc:
        raise DetenteError(f"cannot write the profile ({exc.strerror})", source=str(path)) from None
    return out


def load_profile(path: str | Path) -> dict[str, Any]:
    """Read a saved profile and check its envelope.

    Parameters
    ----------
    path:
        A file written by :func:`save_profile` (``detente profile ... --save FILE``).

    Returns
    -------
    dict
        The document; ``features`` is a ``name -> float | None`` map.

    Raises
    ------
    DetenteError
        Not JSON, another ``schema_version``, an unknown ``kind`` or a missing ``features``.
    """
    src = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DetenteError("no such profile file; write one with --save", source=src) from None
    except UnicodeDecodeError:
        raise DetenteError("not UTF-8; a profile is UTF-8 JSON", source=src) from None
    except json.JSONDecodeError as exc:
        raise DetenteError(
            f"not JSON ({exc.msg}); a profile is written by `detente profile ... --save`",
            source=src,
            where=f"line {exc.lineno}",
        ) from None
    if not isinstance(doc, dict):
        raise DetenteError("a profile is a JSON object", source=src)
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise DetenteError(
            f"schema_version {doc.get('schema_version')!r} is not {SCHEMA_VERSION}; "
            "re-create the profile with this version of detente",
            source=src,
            where="schema_version",
        )
    if doc.get("kind") not in PROFILE_KINDS:
        raise DetenteError(
            f"kind {doc.get('kind')!r} is not one of {', '.join(PROFILE_KINDS)}",
            source=src,
            where="kind",
        )
    feats = doc.get("features")
    if not isinstance(feats, dict) or not all(
        isinstance(v, int | float) or v is None for v in feats.values()
    ):
        raise DetenteError(
            "features must be an object of numbers (or null)", source=src, where="features"
        )
    return doc
