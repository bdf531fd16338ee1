"""What the simulated paths say: the stable JSON document of ``detente simulate``, and plots.

The document (``schema_version`` 1, documented in ``docs/war_model.md``) is built from
:class:`~detente.war.simulate.Paths` only; the CLI prints it or renders it as tables,
and :func:`save_plot` draws the fan chart and P(deal by date) from it.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detente.errors import DetenteError
from detente.spec.campaign import INTENSITY_NAMES, Campaign
from detente.textfiles import write_atomic
from detente.war.hazard import DealTerms, ResumptionHazard
from detente.war.simulate import Paths
from detente.war.solver import Solution

FloatArray = npt.NDArray[np.float64]

SCHEMA_VERSION = 1
QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}
HOLD_YEARS = (1, 3, 5)


def _round(x: float, digits: int = 4) -> float:
    return round(float(x), digits)


def _quantiles(values: FloatArray, digits: int = 1) -> dict[str, float]:
    q = np.quantile(values, list(QUANTILES.values()))
    return {k: _round(v, digits) for k, v in zip(QUANTILES, q, strict=True)}


def deal_terms(campaign: Campaign, paths: Paths) -> DealTerms:
    """The terms of every path's deal (paths without a deal left out)."""
    arr = campaign.arrays()
    done = paths.deal_week >= 0
    offer = paths.mediator_type[done]
    return DealTerms(
        line_change_km2=paths.kept_km2[done] - arr.x0,
        sanctions_relief=arr.terms_relief[offer],
        guarantees=arr.terms_guarantees[offer],
        snapback=arr.terms_snapback[offer],
    )


def document(
    campaign: Campaign,
    solution: Solution,
    paths: Paths,
    hazard: ResumptionHazard,
    *,
    scenario: str,
    seed: int,
) -> dict[str, Any]:
    """The ``detente simulate --format json`` document. P(holds) is conditional on a deal, the
    daily gain averages weeks still at war (DECISIONS WAR-12)."""
    arr = solution.arrays
    horizon = arr.horizon
    dates = [campaign.start + timedelta(weeks=t) for t in range(horizon + 1)]
    done = paths.deal_week >= 0
    deal_by = np.array([(done & (paths.deal_week < t)).mean() for t in range(1, horizon + 1)])
    war = paths.intensity >= 0
    fighting = war & (np.arange(horizon)[None, :] != paths.deal_week[:, None])
    weekly_gain = np.diff(paths.territory, axis=1)
    before = np.arange(horizon) < arr.t_regime

    def per_day(mask: npt.NDArray[np.bool_]) -> float | None:
        cells = fighting & mask[None, :]
        return _round(weekly_gain[cells].mean() / 7.0, 2) if cells.any() else None

    terms = deal_terms(campaign, paths)
    offer = paths.mediator_type[done]
    names = campaign.type_names
    holds: dict[str, float | None] = {
        str(y): (_round(hazard.p_holds(terms, float(y)).mean()) if done.any() else None)
        for y in HOLD_YEARS
    }
    surge = INTENSITY_NAMES.index("surge")
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": scenario,
        "draws": paths.n_paths,
        "seed": seed,
        "settlement": campaign.settlement,
        "start": campaign.start.isoformat(),
        "deadline": campaign.regime_change.isoformat(),
        "negotiation_opens": campaign.negotiation_opens.isoformat(),
        "solver": {
            "territory_bins": int(solution.territory.size),
            "belief_points": solution.beliefs.size,
            "method": "backward induction, subgame-perfect (docs/war_model.md)",
        },
        "weeks": [
            {
                "date": dates[t].isoformat(),
                "territory_km2": _quantiles(paths.territory[:, t]),
                "p_at_war": _round(war[:, t].mean()) if t < horizon else _round(1 - done.mean()),
                "p_surge": _round((paths.intensity[:, t] == surge).mean()) if t < horizon else 0.0,
            }
            for t in range(horizon + 1)
        ],
        "p_deal_by": [
            {"date": dates[t + 1].isoformat(), "p": _round(deal_by[t])} for t in range(horizon)
        ],
        "p_escalation": _round((paths.intensity == surge).any(axis=1).mean()),
        "p_escalation_after_deadline": _round(
            (paths.intensity[:, ~before] == surge).any(axis=1).mean()
        ),
        "gain_km2_per_day": {
            "before_deadline": per_day(before),
            "after_deadline": per_day(~before),
        },
        "p_holds": holds,
        "deal_terms": {
            "p_deal": _round(done.mean()),
            "by_mediator_type": {
                n: _round((offer == j).mean()) if done.any() else 0.0 for j, n in enumerate(names)
            },
            "territory_kept_km2": _quantiles(paths.kept_km2[done]) if done.any() else None,
            "sanctions_relief_mean": _round(terms.sanctions_relief.mean(), 1)
            if done.any()
            else None,
            "guarantees_mean": _round(terms.guarantees.mean(), 1) if done.any() else None,
        },
        "mediator_type_drawn": {
            n: _round((paths.mediator_type == j).mean()) for j, n in enumerate(names)
        },
    }


def p_deal_by_date(doc: dict[str, Any], when: str) -> float:
    """P(deal) by the last reported date on or before ``when`` (ISO), 0 before the first."""
    ps = [row["p"] for row in doc["p_deal_by"] if row["date"] <= when]
    return float(ps[-1]) if ps else 0.0


def headline(doc: dict[str, Any]) -> dict[str, Any]:
    """The numbers a what-if comparison shows."""
    return {
        "p_deal_by_end": doc["p_deal_by"][-1]["p"],
        "p_escalation": doc["p_escalation"],
        "p_escalation_after_deadline": doc["p_escalation_after_deadline"],
        "gain_km2_per_day_before": doc["gain_km2_per_day"]["before_deadline"],
        "gain_km2_per_day_after": doc["gain_km2_per_day"]["after_deadline"],
        "median_territory_end_km2": doc["weeks"][-1]["territory_km2"]["p50"],
        **{f"p_holds_{y}y": p for y, p in doc["p_holds"].items()},
    }


def save_plot(doc: dict[str, Any], path: Path) -> Path:
    """Fan chart of the held area and P(deal by date), as one figure at ``path``.

    The suffix picks the format (``.png`` when there is none, which is then appended, as
    matplotlib does). The figure is drawn in memory and written atomically (a temporary file
    in the same folder, renamed over ``path``), so a killed run never leaves a half-written
    plot. Returns the path written.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise DetenteError(
            "--plot needs matplotlib; install it with 'pip install matplotlib'", where="--plot"
        ) from None
    from datetime import date

    fmt = path.suffix.lower().removeprefix(".") or "png"
    target = path if path.suffix else path.with_name(f"{path.name}.png")
    fig = Figure(figsize=(9, 7))
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise DetenteError(
            f"cannot draw a plot as .{fmt}; give a file ending in one of: "
            + ", ".join(f".{k}" for k in sorted(supported)),
            source=str(path),
            where="--plot",
        )
    weeks = [date.fromisoformat(w["date"]) for w in doc["weeks"]]
    q = {k: [w["territory_km2"][k] for w in doc["weeks"]] for k in QUANTILES}
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.fill_between(weeks, q["p05"], q["p95"], alpha=0.2, label="90% band")
    top.fill_between(weeks, q["p25"], q["p75"], alpha=0.4, label="50% band")
    top.plot(weeks, q["p50"], label="median")
    deadline = date.fromisoformat(doc["deadline"])
    for ax in (top, bottom):
        ax.axvline(deadline, color="grey", linestyle="--", linewidth=1)
    top.set_ylabel("area held by the attacker, km²")
    top.set_title(f"{doc['scenario']}: territory ({doc['draws']} paths)")
    top.legend(loc="upper left")
    bottom.step(
        [date.fromisoformat(r["date"]) for r in doc["p_deal_by"]],
        [r["p"] for r in doc["p_deal_by"]],
        where="post",
    )
    bottom.set_ylabel("P(deal by date)")
    bottom.set_ylim(0, 1)
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=fmt)
    except (RuntimeError, ValueError, OSError) as exc:  # e.g. .pgf without a TeX system
        raise DetenteError(
            f"cannot draw a plot as .{fmt} here ({str(exc).splitlines()[0]}); give a .png, "
            ".pdf or .svg file",
            source=str(path),
            where="--plot",
        ) from None
    try:
        write_atomic(target, buffer.getvalue())
    except OSError as exc:
        raise DetenteError(f"cannot write the plot ({exc.strerror})", source=str(path)) from None
    return target
