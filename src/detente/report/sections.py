"""The report's section registry: each part of the report is a function registered here.

A section is a callable ``render(context) -> Section | None``: it gets the
:class:`ReportContext` (the scenario, every model's forecast computed once, and the seed) and
returns the section to show, or ``None`` where it does not apply (e.g. a campaign fan chart for
a scenario without a campaign). The report core only iterates :func:`registered_sections` in
``order`` (:mod:`detente.report.catalog` loads the built-in and plug-in sections); it knows
nothing about what a section shows.

Adding a section, without editing the report core, is either

* in code: decorate the function with :func:`register_section` in a module that is imported
  before the report is built, or
* declaratively (preferred for detente's own features): an entry point in the group
  ``detente.report_sections`` naming the callable or a :class:`ReportSectionSpec`, e.g. in
  ``pyproject.toml``::

      [project.entry-points."detente.report_sections"]
      uncertainty = "detente.uncertainty.report_section:spec"

A section raising :class:`~detente.errors.DetenteError` is shown as "not available" with its
one-line message (a scenario may lack what the section needs); any other exception is a bug
and propagates, so the report is not written.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from detente.models import Forecast
from detente.registry import outcome_models
from detente.spec.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DEFAULT_ORDER = 100


@dataclass
class ReportContext:
    """What every section gets: the scenario, the forecasts (computed on first use, once),
    the seed for sections that sample, and free-form options (e.g. ``{"draws": 2000}``)."""

    scenario: Scenario
    seed: int = 0
    options: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def forecasts(self) -> dict[str, Forecast]:
        """Every registered model's forecast with default parameters, in registry order."""
        return {name: m().predict(self.scenario) for name, m in outcome_models().items()}


@dataclass(frozen=True)
class Plot:
    """A figure with its caption. ``figure`` is a matplotlib Figure (embedded as PNG) or
    ready SVG markup (embedded inline)."""

    figure: Figure | str
    caption: str = ""
    alt: str = ""


@dataclass(frozen=True)
class Section:
    """One part of the report.

    Attributes
    ----------
    title:
        The heading.
    body:
        Trusted HTML shown under the heading. Escape any user text in it with :func:`esc`.
        It must not load anything from outside the file (no ``http(s)://`` src or href).
    figures:
        Figures shown after the body, each embedded in the file.
    anchor:
        The id of the heading (default: from the section's registered name).
    """

    title: str
    body: str = ""
    figures: tuple[Plot, ...] = ()
    anchor: str = ""


ReportSection = Callable[[ReportContext], Section | None]
"""A section renderer: the context in, the section (or None where not applicable) out."""


@dataclass(frozen=True)
class ReportSectionSpec:
    """A registered section: its name (unique), its place in the report, its renderer, and
    roughly how long it takes (``cost``, CPU seconds on ukraine-2024: a report on several
    cores starts the costly sections first and renders those of cost 0 in the main process;
    it never changes what a section shows)."""

    name: str
    render: ReportSection
    order: int = DEFAULT_ORDER
    cost: float = 0.0


_REGISTRY: dict[str, ReportSectionSpec] = {}


def register_section(
    name: str, *, order: int = DEFAULT_ORDER, cost: float = 0.0
) -> Callable[[ReportSection], ReportSection]:
    """Decorator: register ``render`` as the section ``name`` at position ``order``
    (smaller first; the built-in sections use 10-50, later features 60 and up), ``cost`` as
    in :class:`ReportSectionSpec`."""

    def decorate(render: ReportSection) -> ReportSection:
        add_section(ReportSectionSpec(name=name, render=render, order=order, cost=cost))
        return render

    return decorate


def add_section(spec: ReportSectionSpec) -> None:
    """Register a section; a second registration under the same name replaces the first."""
    _REGISTRY[spec.name] = spec


def remove_section(name: str) -> None:
    """Unregister a section (for tests and for callers that want a shorter report)."""
    _REGISTRY.pop(name, None)


def esc(text: object) -> str:
    """HTML-escape any text that came from a scenario or a user."""
    return html.escape(str(text), quote=True)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A simple HTML table; cells are escaped; floats get one decimal."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            return f'<td class="num">{v:.1f}</td>'
        return f"<td>{esc(v)}</td>"

    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
