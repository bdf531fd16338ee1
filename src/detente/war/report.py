"""Reading and drawing the document of ``detente simulate``.

The document (``schema_version`` 2, documented in ``docs/war_model.md``) is built by
:func:`detente.war.model.document`; :func:`p_deal_by_date` reads it, :func:`fan_chart` and
:func:`deal_by_chart` draw it (the report's campaign plots use them too) and
:func:`save_plot` writes both as one figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.plotting import new_figure, save_figure
from detente.war.model import QUANTILES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FAN_COLORS = ("#56B4E9", "#E69F00")
"""The 90 % band's and the 50 % band's colours (Okabe-Ito sky blue and orange)."""


def p_deal_by_date(doc: dict[str, Any], when: str) -> float:
    """P(deal) by the last reported date on or before ``when`` (ISO), 0 before the first.

    Parameters
    ----------
    doc : dict of str to Any
        A ``detente simulate`` document.
    when : str
        An ISO date.
    """
    ps = [row["p"] for row in doc["p_deal_by"] if row["date"] <= when]
    return float(ps[-1]) if ps else 0.0


def _day(iso: str) -> float:
    """An ISO date as a matplotlib date number."""
    from matplotlib.dates import date2num

    return float(date2num(date.fromisoformat(iso)))  # type: ignore[no-untyped-call]


def fan_chart(ax: Axes, doc: Mapping[str, Any], colors: tuple[str, str] = FAN_COLORS) -> None:
    """The one fan chart of a ``detente simulate`` document, on ``ax``: the area held by the
    attacker by week, its median and the 50 % and 90 % bands, the deadline dashed.
    ``colors``: the 90 % band's and the 50 % band's (and median's).

    Parameters
    ----------
    ax : Axes
        The matplotlib axes to draw on.
    doc : Mapping of str to Any
        A ``detente simulate`` document.
    colors : tuple of (str, str), default FAN_COLORS
        The 90 % band's colour and the 50 % band's (and median's).
    """
    weeks = [_day(w["date"]) for w in doc["weeks"]]
    q = {k: [w["territory_km2"][k] for w in doc["weeks"]] for k in QUANTILES}
    ax.fill_between(weeks, q["p05"], q["p95"], color=colors[0], alpha=0.35, linewidth=0,
                    label="90% band")  # fmt: skip
    ax.fill_between(weeks, q["p25"], q["p75"], color=colors[1], alpha=0.45, linewidth=0,
                    label="50% band")  # fmt: skip
    ax.plot(weeks, q["p50"], color=colors[1], linewidth=1.8, label="median")
    ax.axvline(_day(doc["deadline"]), color="#555555", linestyle="--",
               linewidth=1, label=f"deadline {doc['deadline']}")  # fmt: skip
    ax.set_ylabel("area held by the attacker, km²")
    ax.legend(loc="upper left", fontsize=8)
    ax.xaxis_date()


SOURCE_COLORS = {"mediator": "#009E73", "attacker": "#D55E00", "defender": "#0072B2"}
"""P(deal by date) by who proposed the deal (Okabe-Ito green, vermillion, blue)."""


def deal_by_chart(ax: Axes, doc: Mapping[str, Any], color: str = FAN_COLORS[1]) -> None:
    """P(deal by date) of a ``detente simulate`` document, on ``ax``: a step curve, stacked
    by who proposed the deal (schema 2), with the deadline and the opening of negotiations
    marked.

    Parameters
    ----------
    ax : Axes
        The matplotlib axes to draw on.
    doc : Mapping of str to Any
        A ``detente simulate`` document.
    color : str, default FAN_COLORS[1]
        The curve's colour (without proposers).
    """
    days = [_day(r["date"]) for r in doc["p_deal_by"]]
    rows = doc["p_deal_by"]
    if rows and "by_source" in rows[0]:
        names = list(rows[0]["by_source"])
        ax.stackplot(days, *([r["by_source"][n] for r in rows] for n in names), step="post",
                     colors=[SOURCE_COLORS.get(n, color) for n in names], alpha=0.5,
                     labels=[f"proposed by {n}" for n in names])  # fmt: skip
    ax.step(days, [r["p"] for r in rows], where="post", color=color, linewidth=1.8,
            label="all deals")  # fmt: skip
    ax.axvline(_day(doc["deadline"]), color="#555555", linestyle="--",
               linewidth=1, label=f"deadline {doc['deadline']}")  # fmt: skip
    if doc.get("negotiation_opens", doc["deadline"]) != doc["deadline"]:
        ax.axvline(_day(doc["negotiation_opens"]), color="#555555",
                   linestyle=":", linewidth=1, label="negotiations open")  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(deal by date)")
    ax.legend(loc="upper left", fontsize=8)
    ax.xaxis_date()


def save_plot(doc: dict[str, Any], path: Path) -> Path:
    """The fan chart and P(deal by date) as one figure at ``path``, written atomically by
    :func:`~detente.plotting.save_figure` (the suffix picks the format). Returns the path
    written.

    Parameters
    ----------
    doc : dict of str to Any
        A ``detente simulate`` document.
    path : Path
        The file to write (``.png``, ``.svg``, ``.pdf``...).
    """
    fig = new_figure(figsize=(9, 7))
    top, bottom = fig.subplots(2, 1, sharex=True)
    fan_chart(top, doc)
    top.set_title(f"{doc['scenario']}: territory ({doc['draws']} paths)")
    deal_by_chart(bottom, doc)
    fig.autofmt_xdate()
    fig.tight_layout()
    return save_figure(fig, path)
