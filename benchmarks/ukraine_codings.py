"""What the main alternative codings of ukraine-2024 do to every model's forecast.

Usage: ``python benchmarks/ukraine_codings.py``. Prints markdown: one table per issue, the
codings as rows, the outcome models as columns; a cell reads ``61.2 ⚑ 81`` where the issue's
decision rule blocks the model's answer (61.2) and lets only 81 pass (DECISIONS SCN-9), else
the answer alone. The output is recorded in docs/scenarios/ukraine-2024.md.

Each coding is the built-in scenario with one change, named in :data:`CODINGS`; "merged, as
before" is the coding the built-in scenario had before issue 16 (three merged issues, CINC on
every issue but sanctions, ten actors), kept in ``benchmarks/data/ukraine-2024-merged.yaml``.
Nothing here is random: BDM runs its default 10 rounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from detente.models import MODELS
from detente.scenario import Scenario, load_scenario, parse_yaml

HERE = Path(__file__).resolve().parent
MERGED = HERE / "data" / "ukraine-2024-merged.yaml"
MODEL_NAMES = ("compromise", "median", "nash", "bdm")
ISSUES = ("territory", "recognition", "sanctions_us", "sanctions_eu", "guarantees")
MERGED_ISSUE = {"sanctions_us": "sanctions", "sanctions_eu": "sanctions"}
"""The old issue each new one was part of (recognition was inside territory's positions)."""

US = "US incoming administration (Trump)"
ESTABLISHMENT = "US national-security establishment"
CORE, PBN = "EU core", "Poland, Baltic and Nordic states"
WEST = (ESTABLISHMENT, CORE, PBN, "United Kingdom")
"""The Western actors that back Ukraine's operative position on the line."""
WORLD_MILEX = 2443.0
"""World military spending 2023, USD bn (SIPRI): the unit of the issue clouts."""
AID = {US: 25 * 2 / 3, ESTABLISHMENT: 25 / 3, CORE: 12.0, PBN: 7.0, "United Kingdom": 3.8}
"""Military aid to Ukraine a year, USD bn, as in the scenario's clout notes."""

Data = dict[str, Any]


def _actor(data: Data, name: str) -> Data:
    return next(a for a in data["actors"] if a["name"] == name)


def _stance(data: Data, actor: str, issue: str) -> Data:
    stance: Data = _actor(data, actor)["stances"][issue]
    return stance


def stated(data: Data) -> None:
    """Every stated position replaces the operative one."""
    for actor in data["actors"]:
        for stance in actor["stances"].values():
            if stance.get("stated") is not None:
                stance["position"] = stance["stated"]


def west_at_line(data: Data) -> None:
    """The US establishment, the EU core, Poland/Baltic/Nordic and the UK at the line (81)."""
    for name in WEST:
        _stance(data, name, "territory")["position"] = {"value": 81.0}


def kyiv_and_west_at_line(data: Data) -> None:
    """Ukraine and the Western actors at the line (81)."""
    west_at_line(data)
    _stance(data, "Ukraine", "territory")["position"] = {"value": 81.0}


def kyiv_and_west_at_zero(data: Data) -> None:
    """Ukraine at its stated 0 on the line, and the Western actors, who back it, with it."""
    for name in ("Ukraine", *WEST):
        _stance(data, name, "territory")["position"] = {"value": 0.0}


def cinc_clout(data: Data) -> None:
    """No issue clout anywhere: the 2007 CINC capability on every issue."""
    for actor in data["actors"]:
        for stance in actor["stances"].values():
            stance["clout"] = None


def aid_to_kyiv(data: Data) -> None:
    """Ukraine's clout on the line and recognition counts the aid it fights with (the donors
    keep theirs: the aid is counted for both)."""
    clout = (64.8 + sum(AID.values())) / WORLD_MILEX
    for issue in ("territory", "recognition"):
        _stance(data, "Ukraine", issue)["clout"] = {"value": clout}


def eu_merged(data: Data) -> None:
    """Poland, the Baltic and Nordic states merged back into the EU core (its positions and
    saliences, the two groups' capabilities and clouts summed)."""
    core, pbn = _actor(data, CORE), _actor(data, PBN)
    core["capability"]["value"] += pbn["capability"]["value"]
    for issue, stance in core["stances"].items():
        other = pbn["stances"][issue]
        if stance.get("clout") is not None or other.get("clout") is not None:
            mine = (stance.get("clout") or core["capability"])["value"]
            theirs = (other.get("clout") or pbn["capability"])["value"]
            stance["clout"] = {"value": mine + theirs}
    data["actors"] = [a for a in data["actors"] if a["name"] != PBN]
    for issue in data["issues"]:
        weights = (issue.get("decision") or {}).get("weights")
        if weights:
            weights.pop(PBN, None)


def _rule(data: Data, issue: str, rule: Data) -> None:
    next(i for i in data["issues"] if i["name"] == issue)["decision"] = rule


def congress_veto(data: Data) -> None:
    """Congress (the US establishment) as a veto player on US sanctions relief."""
    _rule(data, "sanctions_us", {"rule": "veto", "veto_players": [US, ESTABLISHMENT]})


def no_nato_rule(data: Data) -> None:
    """Guarantees decided by Russia and Ukraine only (no allies' unanimity)."""
    _rule(data, "guarantees", {"rule": "veto", "veto_players": ["Russia", "Ukraine"]})


def belligerents_only(data: Data) -> None:
    """Every issue decided by Russia's and Ukraine's vetoes (the rules before the recoding)."""
    for issue in data["issues"]:
        issue["decision"] = {"rule": "veto", "veto_players": ["Russia", "Ukraine"]}


def _merged(_: Data) -> None:  # a marker: the old scenario file replaces the built-in one
    raise AssertionError("not a change of the built-in scenario")


CODINGS: dict[str, Callable[[Data], None]] = {
    "built-in (this coding)": lambda data: None,
    "merged, as before (3 issues, CINC, 10 actors)": _merged,
    "stated instead of operative positions": stated,
    "Western actors at the line (81)": west_at_line,
    "Ukraine and the West at the line (81)": kyiv_and_west_at_line,
    "Ukraine and the West at 0 on the line": kyiv_and_west_at_zero,
    "clout = CINC 2007 (no issue clout)": cinc_clout,
    "aid counted as Ukraine's clout too": aid_to_kyiv,
    "EU not split (Poland, Baltic, Nordic in the core)": eu_merged,
    "Congress a veto player on US relief": congress_veto,
    "guarantees: no allies' unanimity": no_nato_rule,
    "Russia and Ukraine veto every issue": belligerents_only,
}


def scenario(name: str) -> Scenario:
    """The built-in scenario under the coding ``name`` of :data:`CODINGS`."""
    if CODINGS[name] is _merged:
        return parse_yaml(MERGED.read_text(encoding="utf-8"), source=str(MERGED))
    data = load_scenario("ukraine-2024").model_dump(mode="python")
    CODINGS[name](data)
    return Scenario.model_validate(data)


def _cell(outcome: float, flagged: bool, constrained: float) -> str:
    if not math.isfinite(outcome):
        return "-"
    return f"{outcome:.1f} ⚑ {constrained:.0f}" if flagged else f"{outcome:.1f}"


def table() -> dict[str, dict[str, list[str]]]:
    """``{issue: {coding: [cell per model]}}``."""
    out: dict[str, dict[str, list[str]]] = {issue: {} for issue in ISSUES}
    for name in CODINGS:
        sc = scenario(name)
        forecasts = [MODELS[m]().predict(sc) for m in MODEL_NAMES]
        for issue in ISSUES:
            own = issue if issue in sc.issue_names else MERGED_ISSUE.get(issue)
            if own is None:
                out[issue][name] = ["(in territory)"] * len(MODEL_NAMES)
                continue
            cells = []
            for f in forecasts:
                fi = f[own]
                cells.append(_cell(fi.outcome, fi.flagged, fi.constrained))
            out[issue][name] = cells
    return out


def markdown() -> str:
    lines: list[str] = []
    for issue, rows in table().items():
        lines += [f"**{issue}**", "", "| coding | " + " | ".join(MODEL_NAMES) + " |"]
        lines.append("|---|" + "---|" * len(MODEL_NAMES))
        lines += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in rows.items()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
