"""The table of stated against operative positions that ``detente show`` prints."""

from __future__ import annotations

from rich.table import Table

from detente.spec.scenario import Scenario


def stated_table(scenario: Scenario) -> Table | None:
    """One row per stance with a stated position: the stated and the operative position
    (the one the models use) and the gap, operative minus stated (DECISIONS SCN-10); None
    when the scenario records no stated position."""
    gaps = scenario.stated_gaps()
    if not gaps:
        return None
    table = Table(
        title="Stated and operative positions: the models use the operative one; "
        "gap = operative - stated (DECISIONS SCN-10)",
        title_justify="left",
    )
    table.add_column("actor")
    table.add_column("issue")
    for col in ("stated", "operative", "gap"):
        table.add_column(col, justify="right")
    for g in gaps:
        table.add_row(g.actor, g.issue, f"{g.stated:g}", f"{g.operative:g}", f"{g.gap:+g}")
    return table


__all__ = ["stated_table"]
