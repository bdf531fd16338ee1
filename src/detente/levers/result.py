"""What ``detente advise`` returns: ranked options and the verdict, as one document."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from detente.levers.goals import Goal
from detente.levers.tornado import TornadoBar
from detente.spec.display import Display, fmt, listed
from detente.spec.levers import ResolvedLever

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 1
Status = Literal["already_met", "reached", "unreachable"]


@dataclass(frozen=True)
class Option:
    """One combination of lever settings and what it gives.

    ``changes`` holds only the levers moved from their baseline. ``value`` is the goal's
    metric (``None`` when undefined, e.g. P(holds) without any deal); ``p_reach`` the share of
    Monte Carlo draws or paths in which the goal is met (or, for a probability goal of the war
    model, the normal-approximation probability that the metric meets it given the Monte
    Carlo error); ``method`` how the setting was found.
    """

    changes: dict[str, float]
    cost: float
    value: float | None
    meets: bool
    shortfall: float
    method: str
    p_reach: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": {k: _r(v) for k, v in self.changes.items()},
            "cost": _r(self.cost),
            "value": None if self.value is None else _r(self.value),
            "meets_goal": self.meets,
            "shortfall": None if math.isinf(self.shortfall) else _r(self.shortfall),
            "p_reach": None if self.p_reach is None else _r(self.p_reach),
            "method": self.method,
        }


def rank(options: list[Option]) -> list[Option]:
    """Options that meet the goal by cost, then the others by shortfall and cost; one option
    per distinct set of changes (the baseline, no change, is left out; DECISIONS LEV-8).

    Parameters
    ----------
    options : list of Option
        The evaluated options, in any order.
    """
    seen: set[tuple[tuple[str, float], ...]] = {()}
    out = []
    for opt in sorted(options, key=lambda o: (not o.meets, 0 if o.meets else o.shortfall, o.cost)):
        key = tuple(sorted((k, round(v, 9)) for k, v in opt.changes.items()))
        if key not in seen:
            seen.add(key)
            out.append(opt)
    return out


@dataclass(frozen=True, repr=False)
class Advice(Display):
    """The answer to "which of my levers reach the goal, and at what cost".

    ``status``: ``already_met`` (the scenario as written meets it), ``reached`` (``best`` is
    the cheapest option within the budget that meets it) or ``unreachable`` (no option within
    the budget meets it; ``closest`` is the option nearest to it, cheapest among ties).
    """

    scenario: str
    actor: str
    goal: Goal
    model: str
    budget: float | None
    draws: int
    seed: int
    levers: list[ResolvedLever]
    baseline: Option
    status: Status
    best: Option | None
    closest: Option | None
    options: list[Option]
    tornado: list[TornadoBar]
    evaluations: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    def _display(self) -> tuple[str, list[tuple[str, object]]]:
        def said(o: Option | None) -> str:
            if o is None:
                return "-"
            moves = ", ".join(f"{k} -> {fmt(v)}" for k, v in o.changes.items()) or "no change"
            return f"{moves} (cost {fmt(o.cost)}, value {fmt(o.value)})"

        return f"Advice for {self.actor!r} on {self.scenario!r}", [
            ("goal", self.goal.describe()),
            ("model", self.model),
            ("status", self.status),
            ("best", said(self.best)),
            ("closest", said(self.closest)),
            ("options", len(self.options)),
            ("levers", listed(lv.name for lv in self.levers)),
        ]

    def to_frame(self) -> pd.DataFrame:
        """One row per ranked option and lever moved (DECISIONS DESK-2): columns ``option``
        (rank, 0 = baseline), ``lever``, ``setting``, ``cost``, ``value``, ``meets``,
        ``shortfall``, ``p_reach``, ``method``; an option that moves no lever has one row with
        ``lever`` empty."""
        import pandas as pd

        rows = []
        for k, o in enumerate([self.baseline, *self.options]):
            moved: list[tuple[str | None, float]] = list(o.changes.items())
            for lever, setting in moved or [(None, math.nan)]:
                rows.append({
                    "option": k, "lever": lever, "setting": setting, "cost": o.cost,
                    "value": math.nan if o.value is None else o.value, "meets": o.meets,
                    "shortfall": o.shortfall,
                    "p_reach": math.nan if o.p_reach is None else o.p_reach,
                    "method": o.method,
                })  # fmt: skip
        columns = ["option", "lever", "setting", "cost", "value", "meets", "shortfall",
                   "p_reach", "method"]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": self.scenario,
            "actor": self.actor,
            "goal": {
                "text": self.goal.text,
                "describe": self.goal.describe(),
                "kind": self.goal.kind,
                "metric": self.goal.metric,
                "relation": self.goal.relation,
                "threshold": self.goal.threshold,
            },
            "model": self.model,
            "budget": self.budget,
            "draws": self.draws,
            "seed": self.seed,
            "status": self.status,
            "baseline": self.baseline.to_dict(),
            "best": None if self.best is None else self.best.to_dict(),
            "closest": None if self.closest is None else self.closest.to_dict(),
            "options": [o.to_dict() for o in self.options],
            "levers": [lv.to_dict() for lv in self.levers],
            "tornado": [b.to_dict() for b in self.tornado],
            "evaluations": self.evaluations,
            "notes": self.notes,
        }


def verdict(
    baseline: Option, options: list[Option], budget: float | None
) -> tuple[Status, Option | None, Option | None]:
    """``(status, best, closest)`` from the evaluated options and the budget.

    Parameters
    ----------
    baseline : Option
        The scenario as written (no change).
    options : list of Option
        The evaluated options.
    budget : float or None
        The largest cost allowed; None for no limit.
    """
    if baseline.meets:
        return "already_met", baseline, None
    affordable = [o for o in options if budget is None or o.cost <= budget + 1e-9]
    meeting = [o for o in affordable if o.meets]
    if meeting:
        return "reached", min(meeting, key=lambda o: o.cost), None
    pool = affordable or [baseline]
    closest = min(pool, key=lambda o: (o.shortfall, o.cost))
    return "unreachable", None, closest


def _r(x: float, digits: int = 4) -> float:
    return round(float(x), digits)
