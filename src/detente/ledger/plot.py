"""The ledger report's figure: mean Brier, log score and CRPS by forecaster, and the
reliability diagram of the binary forecasts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from detente.ledger.grade import Graded, reliability, summary
from detente.plotting import new_figure, save_figure


def save_report_plot(rows: Sequence[Graded], path: Path) -> Path:
    """Write the figure (format by suffix) whole, through :func:`save_figure`."""
    fig = new_figure(figsize=(12, 4), layout="constrained")
    axes = fig.subplots(1, 3)
    table = summary(rows)
    names = [r["forecaster"] for r in table]
    for ax, (key, label) in zip(
        axes[:2],
        [("brier", "mean Brier / log score (binary)"), ("crps", "mean CRPS (numeric)")],
        strict=True,
    ):
        if key == "brier":
            xs = range(len(names))
            ax.bar([x - 0.2 for x in xs], [r["brier"] or 0 for r in table], 0.4, label="Brier")
            ax.bar([x + 0.2 for x in xs], [r["log"] or 0 for r in table], 0.4, label="log")
            ax.legend()
        else:
            ax.bar(range(len(names)), [r["crps"] or 0 for r in table])
        ax.set_xticks(range(len(names)), names, rotation=20)
        ax.set_title(label + ", lower is better")
    ax = axes[2]
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1)
    for name, points in reliability(rows).items():
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed frequency")
    ax.set_title("reliability (binary)")
    if reliability(rows):
        ax.legend()
    return save_figure(fig, path)
