"""The tornado view: for each lever, how far the goal's metric moves across its range.

Each bar is the metric with one lever at its low end and at its high end, every other lever
at its baseline. Bars are sorted by swing, widest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.plotting import new_figure, save_figure


@dataclass(frozen=True)
class TornadoBar:
    """The metric with ``lever`` at ``low`` and at ``high`` (others at baseline)."""

    lever: str
    low: float
    high: float
    at_low: float | None
    at_high: float | None

    @property
    def swing(self) -> float:
        if self.at_low is None or self.at_high is None:
            return 0.0
        return abs(self.at_high - self.at_low)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lever": self.lever,
            "low": self.low,
            "high": self.high,
            "at_low": self.at_low,
            "at_high": self.at_high,
            "swing": self.swing,
        }


def sort_bars(bars: list[TornadoBar]) -> list[TornadoBar]:
    """Widest swing first (ties by lever name, so the order is stable)."""
    return sorted(bars, key=lambda b: (-b.swing, b.lever))


def save_tornado(
    bars: list[TornadoBar], baseline: float | None, *, title: str, metric: str, path: Path
) -> None:
    """Draw the tornado (one horizontal bar per lever around the baseline) to ``path``
    (written atomically by :func:`~detente.plotting.save_figure`)."""
    from matplotlib.patches import Patch

    shown = [b for b in bars if b.at_low is not None and b.at_high is not None]
    fig = new_figure(figsize=(8, 0.55 * max(3, len(shown)) + 1.2))
    ax = fig.add_subplot()
    centre = 0.0 if baseline is None else baseline
    for row, bar in enumerate(reversed(shown)):
        for value, colour in ((bar.at_low, "#dd8452"), (bar.at_high, "#4c72b0")):
            assert value is not None
            ax.barh(row, value - centre, left=centre, color=colour, height=0.6, alpha=0.85)
    labels = [f"{b.lever} [{b.low:g} … {b.high:g}]" for b in reversed(shown)]
    ax.set_yticks(range(len(shown)), labels)
    handles: list[Any] = [
        Patch(color="#dd8452", label="lever at low"),
        Patch(color="#4c72b0", label="lever at high"),
    ]
    if baseline is not None:
        handles.append(ax.axvline(baseline, color="grey", linestyle="--", label="baseline"))
    ax.legend(handles=handles, loc="best", fontsize=8)
    ax.set_xlabel(metric)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
