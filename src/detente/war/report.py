"""Reading and drawing the document of ``detente simulate``.

The document (``schema_version`` 1, documented in ``docs/war_model.md``) is built by
:func:`detente.war.model.document`; :func:`p_deal_by_date` reads it and :func:`save_plot`
draws the fan chart and P(deal by date) from it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from detente.errors import DetenteError
from detente.textfiles import write_atomic
from detente.war.model import QUANTILES


def p_deal_by_date(doc: dict[str, Any], when: str) -> float:
    """P(deal) by the last reported date on or before ``when`` (ISO), 0 before the first."""
    ps = [row["p"] for row in doc["p_deal_by"] if row["date"] <= when]
    return float(ps[-1]) if ps else 0.0


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
