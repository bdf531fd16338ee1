"""The report's table of contents: the built-in sections and the plug-ins, in order.

Importing this module registers the built-in sections (:mod:`~detente.report.core_sections`,
:mod:`~detente.report.analysis_sections`); :func:`registered_sections` adds the sections that
installed packages declare under the entry-point group :data:`ENTRY_POINT_GROUP`.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from detente.report import analysis_sections, core_sections
from detente.report.sections import _REGISTRY, ReportSectionSpec, add_section

ENTRY_POINT_GROUP = "detente.report_sections"
BUILTIN_MODULES = (core_sections, analysis_sections)
"""The modules whose sections are registered at import."""

_entry_points_loaded: list[bool] = []


def _load_entry_points() -> None:
    if _entry_points_loaded:
        return
    _entry_points_loaded.append(True)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        if isinstance(obj, ReportSectionSpec):
            add_section(obj)
        elif callable(obj):
            add_section(ReportSectionSpec(name=ep.name, render=obj))


def registered_sections() -> list[ReportSectionSpec]:
    """Every registered section (built-in, decorated, entry points), in report order."""
    _load_entry_points()
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))
