"""What an analyst asks of a war forecast first, read off the simulated paths.

* **Who blocks the deal:** for each mediator type, the offers it made and the share each
  belligerent accepted, in all and week by week;
* **where P(deal) comes from:** P(deal by a date) split by who put the deal on the table
  (each mediator type, the attacker, the defender);
* **how the war is fought:** the share of path-weeks at war at each intensity, in each
  posture and in each battlefield regime, before and from the deadline ("P(escalation)" of
  version 1 is the share of paths with at least one week at the top intensity);
* **what the attacker learns** (with the defender's resolve private): P(deal by date) and
  the attacker's mean belief that the defender is resolute, by the defender's true type.

Every number is a plain share of paths or path-weeks; none needs the solver.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from detente.spec.campaign import COUNTER, INTENSITY_NAMES, POSTURE_NAMES, Campaign
from detente.spec.paths import Path
from detente.war.simulate import ATTACKER, DEFENDER, MEDIATOR, Paths
from detente.wording import plural

FloatArray = npt.NDArray[np.float64]

SOURCE_NAMES = {ATTACKER: "attacker", DEFENDER: "defender"}
HORIZONS_MONTHS = (6, 12)
"""The dates of the sources table and of the sensitivity table: this many months (26 and
52 weeks) after the start."""


def _share(mask: npt.NDArray[np.bool_], among: npt.NDArray[np.bool_]) -> float | None:
    n = int(among.sum())
    return None if n == 0 else round(float((mask & among).sum() / n), 4)


def shares(campaign: Campaign, paths: Paths, t_deadline: int) -> dict[str, Any]:
    """Share of path-weeks at war at each intensity, posture and regime, in all, before
    the deadline and from it."""
    at_war = paths.intensity >= 0
    weeks = np.arange(at_war.shape[1])[None, :]
    spans = {"all": at_war, "before_deadline": at_war & (weeks < t_deadline),
             "after_deadline": at_war & (weeks >= t_deadline)}  # fmt: skip
    regimes = campaign.regime_names
    postures = POSTURE_NAMES[: 2 if COUNTER in regimes else 1]
    ran = paths.regime >= 0
    return {
        "intensity": {
            span: {n: _share(paths.intensity == i, m) for i, n in enumerate(INTENSITY_NAMES)}
            for span, m in spans.items()
        },
        "posture": {
            span: {n: _share(paths.posture == p, m) for p, n in enumerate(postures)}
            for span, m in spans.items()
        },
        "regime": {n: _share(paths.regime == r, ran) for r, n in enumerate(regimes)},
    }


def votes(campaign: Campaign, paths: Paths) -> dict[str, Any]:
    """Per mediator type: the share of its path-weeks at war with an offer, and the share of
    its offers each belligerent accepted (who blocks the deal)."""
    out: dict[str, Any] = {}
    at_war = paths.intensity >= 0
    for j, name in enumerate(campaign.type_names):
        mine = (paths.mediator_type == j)[:, None] & at_war
        offered = paths.offered & mine
        out[name] = {
            "offers": int(offered.sum()),
            "offer_rate": _share(offered, mine),
            "accepted_by_attacker": _share(paths.accept_attacker, offered),
            "accepted_by_defender": _share(paths.accept_defender, offered),
            "accepted_by_both": _share(paths.accept_attacker & paths.accept_defender, offered),
        }
    return out


def weekly_votes(paths: Paths) -> list[dict[str, float | None]]:
    """Week by week: P(an offer on the table | at war), and the share of the week's offers
    each side accepted."""
    rows = []
    for t in range(paths.offered.shape[1]):
        war = paths.intensity[:, t] >= 0
        off = paths.offered[:, t]
        rows.append(
            {
                "p_offer": _share(off, war),
                "accepted_by_attacker": _share(paths.accept_attacker[:, t], off),
                "accepted_by_defender": _share(paths.accept_defender[:, t], off),
            }
        )
    return rows


def _cuts(paths: Paths) -> dict[str, int]:
    """The weeks of the dates these tables report: +6 months, +12 months (capped at the
    horizon) and the horizon's end."""
    horizon = paths.intensity.shape[1]
    cut = {f"{m}_months": min(round(m * 52 / 12), horizon) for m in HORIZONS_MONTHS}
    cut["horizon"] = horizon
    return cut


def sources(campaign: Campaign, paths: Paths) -> dict[str, Any]:
    """P(deal by +6 months, +12 months and the horizon's end) split by who proposed it."""
    cut = _cuts(paths)
    names = {**{j: f"mediator:{n}" for j, n in enumerate(campaign.type_names)}}
    out: dict[str, Any] = {"dates": {k: _date(campaign.start, w) for k, w in cut.items()}}
    done = paths.deal_week >= 0
    by_mediator = paths.proposer == MEDIATOR
    for j, label in names.items():
        who = done & by_mediator & (paths.offer == j)
        out[label] = {k: round(float((who & (paths.deal_week < w)).mean()), 4)
                      for k, w in cut.items()}  # fmt: skip
    for code, label in SOURCE_NAMES.items():
        who = done & (paths.proposer == code)
        out[label] = {k: round(float((who & (paths.deal_week < w)).mean()), 4)
                      for k, w in cut.items()}  # fmt: skip
    return out


def resolve(campaign: Campaign, paths: Paths) -> dict[str, Any] | None:
    """With private resolve: for each true type of the defender (weary, resolute) its share
    of paths, P(deal by +6 months, +12 months and the horizon's end) and the attacker's
    mean belief that the defender is resolute at those dates (paths at war or not: the
    belief stops moving at the deal); ``None`` without private resolve."""
    if campaign.resolve is None:
        return None
    cut = _cuts(paths)
    done = paths.deal_week >= 0
    out: dict[str, Any] = {
        "dates": {k: _date(campaign.start, w) for k, w in cut.items()},
        "prior_resolute": campaign.resolve.prior_resolute.value,
    }
    for label, among in (("weary", ~paths.resolute), ("resolute", paths.resolute)):
        n = int(among.sum())
        out[label] = {
            "share": round(n / paths.n_paths, 4),
            "p_deal_by": {k: _share(done & (paths.deal_week < w), among) for k, w in cut.items()},
            "belief_resolute": {
                k: None if n == 0 else round(float(paths.resolve_belief[among, w].mean()), 4)
                for k, w in cut.items()
            },
        }
    return out


OUTSIDE_WEIGHT = 0.5
"""The weight of the war model in the logarithmic pool with the outside view (DECISIONS
WAR-31: documented, not fitted; there is no out-of-sample record of the war model yet)."""


def outside(campaign: Campaign, paths: Paths, seed: int) -> dict[str, Any] | None:
    """The outside view beside the war model (DECISIONS WAR-31), ``None`` without a
    ``reference_war``: at +6 months, +12 months and the horizon's end, the war model's
    P(deal by then), the reference class's P(settlement or ceasefire by then) (its model and
    its base rate, :func:`detente.outlook.view.outside_view`, conditional on the war having
    lasted to the campaign's start), their logarithmic pool and the gap."""
    if campaign.reference_war is None:
        return None
    from detente.outlook.view import outside_view, pool_log  # lazy: pandas, lifelines

    cut = _cuts(paths)
    dates = [campaign.start + timedelta(weeks=w) for w in cut.values()]
    view = outside_view(campaign.reference_war, dates, as_of=campaign.start, seed=seed)
    done = paths.deal_week >= 0
    rows = {}
    for k, (key, w) in enumerate(cut.items()):
        inside = float((done & (paths.deal_week < w)).mean())
        out = float(view.p[0, k] + view.p[1, k])  # settlement + ceasefire
        rows[key] = {
            "date": dates[k].isoformat(),
            "war_model": round(inside, 4),
            "outside_view": round(out, 4),
            "base_rate": round(float(view.base[0, k] + view.base[1, k]), 4),
            "pooled": round(pool_log(inside, out, OUTSIDE_WEIGHT), 4),
            "gap": round(inside - out, 4),
        }
    return {
        "war": campaign.reference_war,
        "described": view.war.name,
        "years_so_far": round(view.years_so_far, 2),
        "reference_episodes": view.n_reference,
        "lasted_as_long": view.n_lasted,
        "pool_weight": OUTSIDE_WEIGHT,
        "dates": rows,
        "nearest": [
            f"{name} ({plural(float(years), 'year')}, {ended_by})"
            for name, years, ended_by in zip(
                view.nearest["name"], view.nearest["years"], view.nearest["ended_by"], strict=True
            )
        ],
    }


def _date(start: date, weeks: int) -> str:
    return (start + timedelta(weeks=weeks)).isoformat()


SENSITIVITY_STEP = 0.2
"""The relative change of each number in :func:`sensitivity` (±20 %)."""


def sensitivity_numbers(campaign: Campaign) -> list[str]:
    """The numbers the sensitivity table moves: every value of both sides (the stalemate
    only with the terminal lump) and every mediator type's prior, as paths."""
    names = []
    for side in (campaign.attacker, campaign.defender):
        for field in ("territory_per_1000km2", "sanctions_relief", "guarantees"):
            names.append(f"campaign.values.{side}.{field}")
        if campaign.beyond_horizon == "terminal":
            names.append(f"campaign.values.{side}.stalemate")
    names += [f"campaign.mediator.types.{t}.prior" for t in campaign.type_names]
    return names


def moved(campaign: Campaign, name: str, factor: float) -> dict[str, float]:
    """The numbers to set to move ``name`` by ``factor``: a prior moves with the others
    rescaled so that they still sum to 1 (the moved one capped at 1)."""
    value = number_at(campaign, name)
    if not name.endswith(".prior"):
        return {name: value * factor}
    new = min(1.0, value * factor)
    others = [t for t in campaign.type_names if f"campaign.mediator.types.{t}.prior" != name]
    rest = sum(campaign.mediator.types[t].prior.value for t in others)
    out = {name: new}
    for t in others:
        p = campaign.mediator.types[t].prior.value
        share = p / rest if rest > 0 else 1.0 / len(others)
        out[f"campaign.mediator.types.{t}.prior"] = share * (1.0 - new)
    return out


def number_at(campaign: Campaign, name: str) -> float:
    """The value of the number ``name`` (``campaign.<path>``)."""
    node = Path.parse(name).in_campaign().get(campaign)
    return float(getattr(node, "value", node))
