"""The analyst's view: plots, and one self-contained HTML report built from registered
sections. matplotlib and jinja2 are imported only when a plot or a report is made."""

from detente.report.sections import (
    Plot,
    ReportContext,
    ReportSection,
    ReportSectionSpec,
    Section,
    add_section,
    register_section,
    remove_section,
)

__all__ = [
    "Plot",
    "ReportContext",
    "ReportSection",
    "ReportSectionSpec",
    "Section",
    "add_section",
    "build_report",
    "register_section",
    "registered_sections",
    "remove_section",
    "write_report",
]


def __getattr__(name: str) -> object:
    if name in ("build_report", "write_report"):
        from detente.report import html

        return getattr(html, name)
    if name == "registered_sections":
        from detente.report import catalog

        return catalog.registered_sections
    raise AttributeError(name)
