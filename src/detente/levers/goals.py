"""Goals of ``detente advise``: what the actor wants the forecast to say.

Grammar (no spaces needed; one goal per run)::

    ISSUE<=X | ISSUE>=X          an outcome model's prediction on an issue, e.g. territory<=40
    closest:ISSUE                the prediction on ISSUE as close to the actor's own position
                                 as the levers and the budget allow
    p_deal_by:DATE>=P            war model: P(deal struck before DATE),
                                 e.g. p_deal_by:2025-06-30>=0.5
    p_holds:YEARS>=P             war model: P(the deal holds YEARS years | a deal),
                                 e.g. p_holds:5>=0.7
    territory_km2[:DATE]<=X      war model: median area held by the attacker at DATE (default:
                                 the end of the horizon)
    p_escalation<=P              war model: P(at least one surge on a path)

Issue goals are evaluated with an outcome model (``--model``), war-model goals with the
campaign's solver and Monte Carlo paths (DECISIONS LEV-5).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from detente.errors import DetenteError
from detente.spec.scenario import Scenario

CAMPAIGN_METRICS = ("p_deal_by", "p_holds", "territory_km2", "p_escalation")
PROBABILITIES = ("p_deal_by", "p_holds", "p_escalation")
TOLERANCE = 1e-9
_GOAL = re.compile(r"^(?P<metric>[^:<>=]+)(?::(?P<arg>[^<>=]+))?(?P<rel><=|>=)(?P<num>.+)$")
WHERE = "--goal"


@dataclass(frozen=True)
class Goal:
    """A parsed goal: ``metric[:arg] relation threshold``.

    ``kind`` is ``"issue"`` (an outcome model's prediction) or ``"campaign"`` (the war
    model). ``closest`` marks a ``closest:ISSUE`` goal, whose threshold is the actor's own
    position. ``scale`` is the width used to judge "met" up to rounding.
    """

    text: str
    kind: Literal["issue", "campaign"]
    metric: str
    relation: Literal["<=", ">="]
    threshold: float
    arg: str | None = None
    closest: bool = False
    scale: float = 1.0

    def shortfall(self, value: float | None) -> float:
        """How far ``value`` is from meeting the goal (0 when met; inf when undefined)."""
        if value is None or not math.isfinite(value):
            return math.inf
        gap = value - self.threshold if self.relation == "<=" else self.threshold - value
        return max(0.0, gap)

    def met(self, value: float | None) -> bool:
        return self.shortfall(value) <= TOLERANCE * self.scale

    def describe(self) -> str:
        if self.closest:
            return f"{self.metric} as close as possible to {self.threshold:g}"
        return self.text


def parse_goal(text: str, scenario: Scenario, actor: str) -> Goal:
    """Parse ``text`` against ``scenario`` (its issues and campaign) for ``actor``.

    Raises
    ------
    DetenteError
        One line naming the part of the goal that is wrong and the fix.
    """
    raw = "".join(text.split())
    issues = scenario.issue_names
    if raw.startswith("closest:"):
        issue = raw.removeprefix("closest:")
        _require_issue(issue, issues)
        stance = next(a for a in scenario.actors if a.name == actor).stances.get(issue)
        if stance is None:
            raise DetenteError(
                f"goal {text!r}: {actor!r} takes no position on {issue!r}; pick an issue it "
                "takes a stance on",
                where=WHERE,
            )
        lo, hi = scenario.issue(issue).scale
        return Goal(
            text=raw,
            kind="issue",
            metric=issue,
            relation="<=",  # replaced by the side of the baseline (see search.py)
            threshold=float(stance.position.value),
            closest=True,
            scale=hi - lo,
        )
    match = _GOAL.match(raw)
    if match is None:
        example = f"{issues[0]}<=40, p_deal_by:2025-06-30>=0.5 or closest:{issues[0]}"
        raise DetenteError(
            f"goal {text!r} is not METRIC<=NUMBER or METRIC>=NUMBER; write e.g. {example}",
            where=WHERE,
        )
    metric, arg, rel, num = match["metric"], match["arg"], match["rel"], match["num"]
    try:
        threshold = float(num)
    except ValueError:
        raise DetenteError(
            f"goal {text!r}: {num!r} is not a number; write e.g. {metric}{rel}0.5", where=WHERE
        ) from None
    if not math.isfinite(threshold):
        raise DetenteError(f"goal {text!r}: the threshold must be finite", where=WHERE)
    relation: Literal["<=", ">="] = "<=" if rel == "<=" else ">="
    if metric in issues:
        if arg is not None:
            raise DetenteError(
                f"goal {text!r}: an issue goal takes no ':{arg}'; write {metric}{rel}{num}",
                where=WHERE,
            )
        lo, hi = scenario.issue(metric).scale
        if not lo <= threshold <= hi:
            raise DetenteError(
                f"goal {text!r}: {threshold:g} is off the {metric} scale [{lo:g}, {hi:g}]; "
                "give a number on the scale",
                where=WHERE,
            )
        return Goal(raw, "issue", metric, relation, threshold, scale=hi - lo)
    if metric not in CAMPAIGN_METRICS:
        raise DetenteError(
            f"goal {text!r}: unknown metric {metric!r}; use an issue ({', '.join(issues)}) or "
            f"a war-model metric ({', '.join(CAMPAIGN_METRICS)})",
            where=WHERE,
        )
    campaign = scenario.campaign
    if campaign is None:
        raise DetenteError(
            f"goal {text!r}: {metric} needs the war model but the scenario has no campaign; "
            "add a 'campaign:' section or use an issue goal",
            where=WHERE,
        )
    if metric in PROBABILITIES and not 0.0 <= threshold <= 1.0:
        raise DetenteError(
            f"goal {text!r}: {metric} is a probability; give a threshold in [0, 1]", where=WHERE
        )
    end = campaign.week_dates()[-1]
    if metric == "p_deal_by" or (metric == "territory_km2" and arg is not None):
        if arg is None:
            raise DetenteError(
                f"goal {text!r}: p_deal_by needs a date; write p_deal_by:2025-06-30{rel}{num}",
                where=WHERE,
            )
        try:
            when = date.fromisoformat(arg)
        except ValueError:
            raise DetenteError(
                f"goal {text!r}: {arg!r} is not a date; write it as YYYY-MM-DD", where=WHERE
            ) from None
        if not campaign.start < when <= end:
            raise DetenteError(
                f"goal {text!r}: {when} lies outside the campaign ({campaign.start} .. {end}); "
                "pick a date inside it",
                where=WHERE,
            )
    elif metric == "p_holds":
        try:
            years = float(arg) if arg is not None else math.nan
        except ValueError:
            years = math.nan
        if not (math.isfinite(years) and years > 0):
            raise DetenteError(
                f"goal {text!r}: p_holds needs years above zero; write p_holds:5{rel}{num}",
                where=WHERE,
            )
    elif arg is not None:
        raise DetenteError(
            f"goal {text!r}: {metric} takes no ':{arg}'; write {metric}{rel}{num}", where=WHERE
        )
    scale = 1.0 if metric in PROBABILITIES else max(1.0, abs(threshold))
    return Goal(raw, "campaign", metric, relation, threshold, arg=arg, scale=scale)


def _require_issue(issue: str, issues: list[str]) -> None:
    if issue not in issues:
        raise DetenteError(
            f"goal closest:{issue}: unknown issue {issue!r}; use one of: {', '.join(issues)}",
            where=WHERE,
        )
