"""Static plots of a scenario and its forecasts (matplotlib, Agg, no pyplot).

Each function returns a :class:`matplotlib.figure.Figure` built without ``pyplot``, so that
no global figure state is shared between threads (the web app draws in a thread pool) and no
GUI backend is touched. Save one with :func:`detente.plotting.save_figure` or embed it with
:func:`figure_png_base64`. matplotlib is imported only when a plot is drawn.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), readable by
people with the common colour-vision deficiencies; models also differ by line style so the
plots survive greyscale printing.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.errors import DetenteError
from detente.models import Forecast
from detente.spec.scenario import Scenario
from detente.war.report import deal_by_chart, fan_chart

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
"""The Okabe-Ito colour-blind-safe palette, most distinct colours first."""

MODEL_STYLE: dict[str, tuple[str, str]] = {
    "compromise": ("#0072B2", "-"),
    "median": ("#D55E00", "--"),
    "nash": ("#009E73", "-."),
    "bdm": ("#CC79A7", ":"),
}
"""Colour and line style per registered model; other models cycle through the palette."""

STATUS_QUO_STYLE = ("#000000", (0, (1, 1)))
_LINESTYLES = ("-", "--", "-.", ":")


def model_style(name: str, k: int = 0) -> tuple[str, Any]:
    """Colour and line style of a model (registry name), stable across plots."""
    if name in MODEL_STYLE:
        return MODEL_STYLE[name]
    return OKABE_ITO[(k + 4) % len(OKABE_ITO)], _LINESTYLES[k % len(_LINESTYLES)]


def _figure(width: float, height: float) -> Figure:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        raise DetenteError(
            "plots need matplotlib, a dependency of detente; install it with "
            "`pip install matplotlib`",
            where="plot",
        ) from None
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _end_labels(ax: Axes, low: str, high: str) -> None:
    """The meaning of both ends of the scale under the x axis."""
    if low:
        ax.text(
            0.0,
            -0.16,
            f"← {_short(low)}",
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=8,
            color="#444444",
        )
    if high:
        ax.text(
            1.0,
            -0.16,
            f"{_short(high)} →",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="#444444",
        )


def label_offsets(x: Sequence[float], span: float, levels: int = 3) -> list[int]:
    """Vertical label levels (0, 1, 2, ...) so labels of points close on x alternate.

    Points are taken in order of ``x``; a point within 8 % of ``span`` of the previous one
    moves to the next level (cycling through ``levels``), otherwise it restarts at level 0.
    Returned in the input order.
    """
    order = np.argsort(np.asarray(x, dtype=float), kind="stable")
    out = [0] * len(order)
    prev_x = -math.inf
    level = -1
    for idx in order:
        xi = float(x[idx])
        level = (level + 1) % levels if xi - prev_x < 0.08 * span else 0
        out[int(idx)] = level
        prev_x = xi
    return out


_CANDIDATES: tuple[tuple[float, float, str, str], ...] = (
    (7, 0, "left", "center"),
    (-7, 0, "right", "center"),
    (0, 7, "center", "bottom"),
    (0, -7, "center", "top"),
    (7, 11, "left", "bottom"),
    (-7, 11, "right", "bottom"),
    (7, -11, "left", "top"),
    (-7, -11, "right", "top"),
    (0, 22, "center", "bottom"),
    (0, -22, "center", "top"),
    (10, 26, "left", "bottom"),
    (-10, 26, "right", "bottom"),
    (0, 36, "center", "bottom"),
    (0, -36, "center", "top"),
)
"""Label positions tried in order: offset in points from the point, and the alignment."""


def place_labels(
    fx: Sequence[float],
    fy: Sequence[float],
    labels: Sequence[str],
    *,
    axes_in: tuple[float, float] = (6.6, 4.2),
    fontsize: float = 8.0,
) -> list[tuple[float, float, str, str]]:
    """Greedy label placement that avoids overlaps between labels and with other points.

    ``fx``, ``fy`` are the points in axes fractions (0-1), ``axes_in`` the axes' size in
    inches. Labels are placed heaviest-first (highest ``fy``); each takes the first candidate
    of :data:`_CANDIDATES` whose estimated box (0.55 em per character) stays inside the axes
    and overlaps no label placed before and no point; if none is free, the one with the least
    overlap. Returns per label ``(dx, dy, ha, va)`` in points, in input order.
    """
    pt_w, pt_h = axes_in[0] * 72.0, axes_in[1] * 72.0
    px = [float(v) * pt_w for v in fx]
    py = [float(v) * pt_h for v in fy]
    char_w, text_h = 0.55 * fontsize, 1.2 * fontsize
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float, str, str]] = [(7, 0, "left", "center")] * len(labels)
    points = [(x - 3.5, y - 3.5, x + 3.5, y + 3.5) for x, y in zip(px, py, strict=True)]

    def box(k: int, cand: tuple[float, float, str, str]) -> tuple[float, float, float, float]:
        dx, dy, ha, va = cand
        w = char_w * len(labels[k])
        x0 = px[k] + dx - (w if ha == "right" else w / 2 if ha == "center" else 0.0)
        y0 = py[k] + dy - (text_h if va == "top" else text_h / 2 if va == "center" else 0.0)
        return (x0, y0, x0 + w, y0 + text_h)

    def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        return w * h if w > 0 and h > 0 else 0.0

    for k in sorted(range(len(labels)), key=lambda k: -py[k]):
        best, best_cost = _CANDIDATES[0], math.inf
        for cand in _CANDIDATES:
            b = box(k, cand)
            outside = max(0.0, -b[0]) + max(0.0, b[2] - pt_w) + max(0.0, b[3] - pt_h)
            cost = (
                sum(overlap(b, p) for p in placed)
                + sum(overlap(b, q) for j, q in enumerate(points) if j != k)
                + 50.0 * outside
            )
            if cost < best_cost:
                best, best_cost = cand, cost
            if cost == 0.0:
                break
        out[k] = best
        placed.append(box(k, best))
    return out


def stakeholder_map(scenario: Scenario, issue: str, forecasts: Sequence[Forecast] = ()) -> Figure:
    """Each actor's position on ``issue`` (x) against its share of capability × salience (y),
    with the status quo and each model's forecast as vertical lines.

    The y axis is the actor's capability × salience as a percentage of the sum over the
    actors with a stance on the issue: the weight of the compromise model (Achen 2006), so
    its forecast is the y-weighted mean of the x positions.
    """
    sc_issue = scenario.issue(issue)
    arr = scenario.arrays()
    i = arr.issues.index(issue)
    present = ~np.isnan(arr.position[:, i])
    names = [n for n, p in zip(arr.actors, present, strict=True) if p]
    x = arr.position[present, i]
    weight = arr.capability[present, i] * arr.salience[present, i]
    total = float(weight.sum())
    y = 100.0 * weight / total if total > 0 else np.zeros_like(weight)
    lo, hi = sc_issue.scale
    span = hi - lo

    fig = _figure(9.0, 5.2)
    ax = fig.add_subplot()
    ax.scatter(x, y, s=46, color="#333333", zorder=3)
    ymax = max(float(y.max()) if len(y) else 1.0, 1.0)
    ytop = ymax * 1.25 + 2
    fx = (x - (lo - 0.03 * span)) / (1.06 * span)
    fy = y / ytop
    labels = [_short(name, 28) for name in names]
    for label, xi, yi, (dx, dy, ha, va) in zip(
        labels, x, y, place_labels(list(fx), list(fy), labels), strict=True
    ):
        far = abs(dx) > 12 or abs(dy) > 12
        ax.annotate(
            label,
            (xi, yi),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=8,
            arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.6} if far else None,
            zorder=4,
        )
    handles = []
    if sc_issue.status_quo is not None:
        colour, style = STATUS_QUO_STYLE
        handles.append(
            ax.axvline(
                sc_issue.status_quo.value,
                color=colour,
                ls=style,
                lw=1.4,
                label=f"status quo {sc_issue.status_quo.value:.1f}",
            )
        )
    for k, f in enumerate(forecasts):
        outcome = f.outcome(issue)
        if not math.isfinite(outcome):
            continue
        colour, style = model_style(f.model, k)
        handles.append(
            ax.axvline(outcome, color=colour, ls=style, lw=2.0, label=f"{f.model} {outcome:.1f}")
        )
    ax.set_xlim(lo - 0.03 * span, hi + 0.03 * span)
    ax.set_ylim(0, ytop)
    ax.set_xlabel(f"position on {issue!r} ({lo:g} to {hi:g})")
    ax.set_ylabel("capability × salience, % of total")
    ax.set_title(f"{issue}: where each actor stands and how much weight it brings", loc="left")
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=8,
            title="forecast",
            title_fontsize=8,
            frameon=False,
        )
    _end_labels(ax, sc_issue.low_label, sc_issue.high_label)
    return fig


def bdm_trajectories(scenario: Scenario, forecast: Forecast, issue: str) -> Figure | None:
    """Positions by round on ``issue`` for a model that proceeds in rounds (one line per
    actor, the round's predicted outcome in bold), or None for a one-shot model."""
    f = forecast[issue]
    if f.trajectory is None:
        return None
    sc_issue = scenario.issue(issue)
    rounds = np.arange(f.trajectory.shape[0])
    fig = _figure(9.0, 5.0)
    ax = fig.add_subplot()
    for k, actor in enumerate(f.actors):
        ax.plot(
            rounds,
            f.trajectory[:, k],
            color=OKABE_ITO[k % len(OKABE_ITO)],
            ls=_LINESTYLES[(k // len(OKABE_ITO)) % len(_LINESTYLES)],
            lw=1.3,
            marker="o",
            ms=3,
            label=_short(actor, 32),
        )
    if f.outcome_path is not None:
        ax.plot(rounds, f.outcome_path, color="#000000", lw=3.2, label="round outcome", zorder=5)
    if sc_issue.status_quo is not None:
        ax.axhline(
            sc_issue.status_quo.value, color="#000000", ls=(0, (1, 1)), lw=1.0, label="status quo"
        )
    lo, hi = sc_issue.scale
    span = hi - lo
    ax.set_ylim(lo - 0.03 * span, hi + 0.03 * span)
    ax.set_xlabel("round (0 = the scenario's positions)")
    ax.set_ylabel(f"position on {issue!r}")
    ax.set_xticks(rounds)
    ax.set_title(f"{issue}: {forecast.model} positions by round", loc="left")
    ax.grid(color="#e5e5e5", lw=0.6)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def model_comparison(scenario: Scenario, forecasts: Sequence[Forecast]) -> Figure:
    """A dot plot: one row per issue, one dot per model's forecast, the status quo as a
    black bar; each row on its issue's own scale."""
    n = len(scenario.issues)
    m = max(len(forecasts), 1)
    fig = _figure(9.0, 1.0 + (0.9 + 0.22 * m) * n)
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    lanes = np.linspace(0.5, -0.5, m) if m > 1 else np.zeros(1)
    for ax, sc_issue in zip(axes, scenario.issues, strict=True):
        lo, hi = sc_issue.scale
        span = hi - lo
        for lane in lanes:
            ax.axhline(lane, color="#e3e3e3", lw=0.8, zorder=1)
        if sc_issue.status_quo is not None:
            ax.axvline(
                sc_issue.status_quo.value,
                color="#000000",
                ls=(0, (1, 1)),
                lw=1.4,
                label="status quo",
                zorder=2,
            )
        for k, (f, lane) in enumerate(zip(forecasts, lanes, strict=False)):
            outcome = f.outcome(sc_issue.name)
            if not math.isfinite(outcome):
                continue
            colour, _ = model_style(f.model, k)
            ax.plot(
                [outcome],
                [lane],
                marker="o",
                ms=8,
                color=colour,
                ls="none",
                label=f.model,
                zorder=3,
            )
            right = outcome < lo + 0.9 * span
            ax.annotate(
                f"{outcome:.1f}",
                (outcome, lane),
                xytext=(7 if right else -7, 0),
                textcoords="offset points",
                ha="left" if right else "right",
                va="center",
                fontsize=7,
                color="#333333",
            )
        ax.set_xlim(lo - 0.03 * span, hi + 0.03 * span)
        ax.set_ylim(-0.8, 0.8)
        ax.set_yticks([])
        ax.set_ylabel(_short(sc_issue.name, 14), rotation=0, ha="right", va="center")
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.suptitle(
        "Each model's forecast per issue, on the issue's scale", x=0.02, ha="left", fontsize=11
    )
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=len(labels) or 1,
        fontsize=8,
        frameon=False,
        markerscale=0.6,
    )
    return fig


def figure_png_base64(fig: Figure, dpi: int = 110) -> str:
    """The figure as a base64 PNG (for ``<img src="data:image/png;base64,...">``)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def all_plots(scenario: Scenario, forecasts: Mapping[str, Forecast]) -> dict[str, Figure]:
    """Every plot of the scenario, keyed by a short name (for scripts and the docs)."""
    figs: dict[str, Figure] = {}
    fs = list(forecasts.values())
    for issue in scenario.issue_names:
        figs[f"stakeholders_{issue}"] = stakeholder_map(scenario, issue, fs)
    figs["models"] = model_comparison(scenario, fs)
    for f in fs:
        for issue in scenario.issue_names:
            fig = bdm_trajectories(scenario, f, issue)
            if fig is not None:
                figs[f"{f.model}_rounds_{issue}"] = fig
    return figs


# -- uncertainty and the campaign -------------------------------------------------------------


def mc_histograms(
    scenario: Scenario,
    outcomes: Mapping[tuple[str, str], np.ndarray],
    forecasts: Mapping[str, Forecast],
    bins: int = 30,
) -> Figure:
    """Monte Carlo distributions: one panel per issue (on its scale), one step histogram per
    model (the share of draws per bin), each model's deterministic forecast as a vertical
    line. ``outcomes`` maps (model, issue) to the draws."""
    issues = scenario.issue_names
    models = list(dict.fromkeys(model for model, _ in outcomes))
    fig = _figure(8.0, 2.3 * len(issues) + 0.4)
    axes = fig.subplots(len(issues), 1, squeeze=False)[:, 0]
    for ax, issue in zip(axes, issues, strict=True):
        lo, hi = scenario.issue(issue).scale
        edges = np.linspace(lo, hi, bins + 1)
        for k, model in enumerate(models):
            draws = np.asarray(outcomes[(model, issue)], dtype=float)
            draws = draws[np.isfinite(draws)]
            colour, style = model_style(model, k)
            weights = np.full(draws.size, 1.0 / max(draws.size, 1))
            ax.hist(draws, bins=edges, weights=weights, histtype="step", color=colour,
                    linestyle=style, linewidth=1.6, label=model)  # fmt: skip
            if model in forecasts:
                ax.axvline(forecasts[model].outcome(issue), color=colour, linestyle=style,
                           linewidth=0.8, alpha=0.7)  # fmt: skip
        ax.set_xlim(lo, hi)
        ax.set_ylabel("share of draws")
        ax.set_title(issue, loc="left", fontsize=10)
    axes[0].legend(loc="upper right", fontsize=8, ncols=len(models))
    axes[-1].set_xlabel("outcome on the issue's scale")
    return fig


def sobol_bars(
    panels: Mapping[str, Sequence[Mapping[str, Any]]], title: str, top: int = 8
) -> Figure:
    """Sobol' first-order (S1) and total-order (ST) indices as horizontal bars with their 95 %
    bootstrap half-widths: one panel per output (e.g. per issue), the ``top`` parameters by
    ST. ``panels`` maps each output to its index rows as in the ``sensitivity --format json``
    document (parameter, S1, S1_conf, ST, ST_conf), ranked."""
    shown = {name: list(rows)[:top] for name, rows in panels.items()}
    heights = [0.35 * max(len(rows), 1) + 0.7 for rows in shown.values()]
    fig = _figure(8.0, sum(heights) + 0.6)
    axes = fig.subplots(len(shown), 1, squeeze=False, height_ratios=heights)[:, 0]
    for k, (ax, (name, rows)) in enumerate(zip(axes, shown.items(), strict=True)):
        y = np.arange(len(rows))[::-1]

        def col(key: str, rows: list[Mapping[str, Any]] = rows) -> np.ndarray:
            return np.array([math.nan if r[key] is None else r[key] for r in rows], dtype=float)

        ax.barh(y + 0.18, col("S1"), height=0.36, xerr=col("S1_conf"), color=OKABE_ITO[0],
                label="first order (S1)", error_kw={"linewidth": 0.8})  # fmt: skip
        ax.barh(y - 0.18, col("ST"), height=0.36, xerr=col("ST_conf"), color=OKABE_ITO[4],
                label="total order (ST)", error_kw={"linewidth": 0.8})  # fmt: skip
        ax.set_yticks(y, [_short(str(r["parameter"]), 56) for r in rows], fontsize=8)
        ax.axvline(0, color="#000000", linewidth=0.6)
        ax.set_xlim(min(-0.05, float(np.nanmin(col("S1"), initial=0.0))), 1.05)
        ax.set_title(f"{title}: {name}" if k == 0 else name, loc="left", fontsize=10)
    axes[0].legend(loc="lower right", fontsize=8)
    axes[-1].set_xlabel("share of the output's variance")
    return fig


def campaign_fan(doc: Mapping[str, Any]) -> Figure:
    """The campaign fan chart (:func:`detente.war.report.fan_chart`) from a ``detente
    simulate`` document, in the report's palette."""
    fig = _figure(8.0, 3.6)
    ax = fig.add_subplot()
    fan_chart(ax, doc, colors=(OKABE_ITO[5], OKABE_ITO[0]))
    ax.set_title(f"{doc['scenario']}: territory by week ({doc['draws']:,} paths, seed "
                 f"{doc['seed']})", loc="left", fontsize=10)  # fmt: skip
    fig.autofmt_xdate()
    return fig


def deal_by_date(doc: Mapping[str, Any]) -> Figure:
    """P(deal by date) (:func:`detente.war.report.deal_by_chart`) from a ``detente
    simulate`` document, in the report's palette."""
    fig = _figure(8.0, 3.0)
    ax = fig.add_subplot()
    deal_by_chart(ax, doc, color=OKABE_ITO[2])
    ax.set_title("P(a deal is struck before the date)", loc="left", fontsize=10)
    fig.autofmt_xdate()
    return fig
