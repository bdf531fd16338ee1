"""Published leader profiles: PsyCL operational-code and leadership-trait scores.

detente ships the PsyCL data (Schafer & Lambert 2022; MIT, JELambert/Psych_Agg) for 130
leaders: the Verbs In Context System (VICS) operational-code indices (Walker, Schafer & Young
1998) and Hermann's (2003) leadership-trait analysis (LTA), both computed by Profiler Plus
from the leader's public words. A leader's index is placed as a percentile among the 130
leaders (the authors' norm group). The authors consider scores behind fewer than 4,000 words
unreliable; detente says so (DECISIONS PRO-12).

References
----------
Schafer, M., & Lambert, J. E. (2022). Psychological Characteristics of Leaders (PsyCL): A new
data set. *Foreign Policy Analysis* 18(2), orac008.
Walker, S. G., Schafer, M., & Young, M. D. (1998). Systematic procedures for operational code
analysis: Measuring and modeling Jimmy Carter's operational code. *International Studies
Quarterly* 42(1), 175-190.
Hermann, M. G. (2003). Assessing leadership style: Trait analysis. In J. M. Post (Ed.), *The
Psychological Assessment of Political Leaders*, 178-212. University of Michigan Press.
"""

from __future__ import annotations

import difflib
import io
import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from detente import __version__
from detente.errors import DetenteError
from detente.profiles.predictability import percentile_of

MIN_WORDS = 4000
"""The authors' reliability threshold: fewer words than this and the scores are unreliable."""

CITATION = (
    "Schafer, M., & Lambert, J. E. (2022). Psychological Characteristics of Leaders (PsyCL): "
    "A new data set. Foreign Policy Analysis 18(2), orac008. Data: JELambert/Psych_Agg (MIT)."
)

OPCODE_INDICES: dict[str, str] = {
    "p1": "P-1 nature of the political universe (hostile -1 .. +1 friendly)",
    "p2": "P-2 realization of political values (pessimistic -1 .. +1 optimistic)",
    "p3": "P-3 predictability of the political future (0 .. 1)",
    "p4": "P-4 control over historical development (self's share, 0 .. 1)",
    "p5": "P-5 role of chance (0 .. 1)",
    "i1": "I-1 strategic approach to goals (conflict -1 .. +1 cooperation)",
    "i2": "I-2 intensity of tactics (conflict -1 .. +1 cooperation)",
    "i3": "I-3 risk orientation (averse 0 .. 1 acceptant)",
    "i4a": "I-4a timing: flexibility between cooperation and conflict (0 .. 1)",
    "i4b": "I-4b timing: flexibility between words and deeds (0 .. 1)",
    "i5ap": "I-5 utility of means: appeal/support",
    "i5pr": "I-5 utility of means: promise",
    "i5re": "I-5 utility of means: reward",
    "i5op": "I-5 utility of means: oppose/resist",
    "i5th": "I-5 utility of means: threaten",
    "i5pu": "I-5 utility of means: punish",
}
"""VICS operational-code indices (Walker, Schafer & Young 1998)."""

LTA_TRAITS: dict[str, str] = {
    "distrust": "distrust of others",
    "task": "task focus (vs relationship focus)",
    "bace": "belief in ability to control events",
    "igb": "in-group bias",
    "sc": "self-confidence",
    "cc": "conceptual complexity",
    "power": "need for power",
}
"""Leadership-trait-analysis traits (Hermann 2003)."""


def _norm_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _read(name: str) -> pd.DataFrame:
    text = resources.files("detente.profiles").joinpath(f"data/{name}").read_text("utf-8")
    return pd.read_csv(io.StringIO(text))


@cache
def psycl() -> pd.DataFrame:
    """The 130 leaders with both VICS and LTA scores, one row each.

    Returns
    -------
    pandas.DataFrame
        ``name`` (whitespace tidied), ``lastname``, ``firstname``, ``ccode``, ``words`` and one
        column per index of :data:`OPCODE_INDICES` and :data:`LTA_TRAITS`.
    """
    op = _read("psycl_leader_opcode.csv")
    lta = _read("psycl_leader_lta.csv")
    merged = op.merge(lta[["name", *LTA_TRAITS]], on="name", how="inner", validate="one_to_one")
    merged["name"] = merged["name"].map(lambda s: " ".join(str(s).split()))
    return merged.rename(columns={"Word Count": "words", "Ccode": "ccode"})[
        ["name", "lastname", "firstname", "ccode", "words", *OPCODE_INDICES, *LTA_TRAITS]
    ]


@cache
def psycl_years() -> pd.DataFrame:
    """Leader-years of the VICS data (name, year, words), to show where a score comes from."""
    years = _read("psycl_leader_year_opcode.csv")
    years["name"] = years["name"].map(lambda s: " ".join(str(s).split()))
    return years.rename(columns={"Word Count": "words"})[["name", "year", "words"]]


def find_leader(query: str) -> str:
    """The PsyCL name matching ``query``: case-, accent- and spacing-insensitive; a full name,
    a last name, or a unique part of a name; one clear typo is accepted (DECISIONS PRO-13).

    Raises
    ------
    DetenteError
        No match (listing the closest names) or several (listing them).
    """
    table = psycl()
    names = [str(n) for n in table["name"]]
    q = _norm_name(query)
    if not q:
        raise DetenteError("give a leader's name, e.g. Putin", where="NAME")
    full = {_norm_name(n): n for n in names}
    if q in full:
        return full[q]
    last = [n for n, ln in zip(names, table["lastname"], strict=True) if _norm_name(str(ln)) == q]
    if len(last) == 1:
        return last[0]
    part = last or [n for n in names if q in _norm_name(n)]
    if len(part) == 1:
        return part[0]
    if len(part) > 1:
        raise DetenteError(
            f"{query!r} matches {len(part)} leaders: {'; '.join(sorted(part))}; give the full name",
            where="NAME",
        )
    keys = list(full) + [_norm_name(str(ln)) for ln in table["lastname"]]
    close = difflib.get_close_matches(q, keys, n=5, cutoff=0.6)
    by_last = {_norm_name(str(ln)): n for n, ln in zip(names, table["lastname"], strict=True)}
    suggestions = list(dict.fromkeys(full.get(c) or by_last[c] for c in close))
    strong = {
        full.get(c) or by_last[c]
        for c in close
        if difflib.SequenceMatcher(None, q, c).ratio() >= 0.8
    }
    if len(strong) == 1:
        return strong.pop()  # one clearly closest name, e.g. a typo: the output names the leader
    hint = (
        f"closest: {'; '.join(suggestions)}"
        if suggestions
        else "PsyCL covers 130 leaders; see `detente profile leader --list`"
    )
    raise DetenteError(
        f"no leader {query!r} in PsyCL (Schafer & Lambert 2022); {hint}", where="NAME"
    )


def leader_profile(query: str) -> dict[str, Any]:
    """A leader's PsyCL indices with percentiles among the 130 leaders.

    Parameters
    ----------
    query:
        A name as accepted by :func:`find_leader`.

    Returns
    -------
    dict
        The saved-profile document, ``kind: "leader"``: ``leader``, ``words``, ``reliable``
        (``words >= 4000``), ``years`` (leader-years behind the VICS scores with their words),
        ``indices`` (``{index: {family, label, value, percentile, norm_mean, norm_sd}}``),
        ``features`` (``leader.<index>`` and ``leader.<index>_percentile``), ``warnings`` and
        ``citation``.
    """
    table = psycl()
    name = find_leader(query)
    row = table[table["name"] == name].iloc[0]
    words = int(row["words"])
    indices: dict[str, dict[str, Any]] = {}
    features: dict[str, float] = {}
    for family, labels in (("operational_code", OPCODE_INDICES), ("leadership_traits", LTA_TRAITS)):
        for col, label in labels.items():
            col_values = table[col].to_numpy(float)
            value = float(row[col])
            pct = percentile_of(value, col_values)
            indices[col] = {
                "family": family,
                "label": label,
                "value": value,
                "percentile": pct,
                "norm_mean": float(np.mean(col_values)),
                "norm_sd": float(np.std(col_values, ddof=1)),
            }
            features[f"leader.{col}"] = value
            features[f"leader.{col}_percentile"] = pct
    years = psycl_years()
    mine = years[years["name"] == name].sort_values("year")
    warnings = []
    if words < MIN_WORDS:
        warnings.append(
            f"only {words:,} words behind these scores, under the authors' {MIN_WORDS:,}-word "
            "threshold: treat them as unreliable"
        )
    return {
        "schema_version": 1,
        "kind": "leader",
        "detente_version": __version__,
        "leader": name,
        "query": query,
        "ccode": int(row["ccode"]),
        "words": words,
        "reliable": words >= MIN_WORDS,
        "min_words": MIN_WORDS,
        "norm_group": len(table),
        "years": [
            {"year": int(y), "words": int(w)}
            for y, w in zip(mine["year"], mine["words"], strict=True)
        ],
        "indices": indices,
        "features": features,
        "warnings": warnings,
        "citation": CITATION,
    }


def leader_names() -> list[str]:
    """All 130 PsyCL leader names, sorted by last name."""
    table = psycl().sort_values(["lastname", "firstname"])
    return list(table["name"])
