"""The self-contained HTML report: every registered section, rendered with jinja2.

The file loads nothing from outside itself: the style is inline, figures are base64 PNG or
inline SVG, and there is no script. It is written atomically (a temporary file in the target
folder, then a rename), so a failure leaves either the previous file or none, never a
half-written one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from detente import __version__
from detente.errors import DetenteError
from detente.report.catalog import registered_sections
from detente.report.sections import ReportContext, ReportSectionSpec, Section
from detente.spec.scenario import Scenario
from detente.textfiles import write_atomic


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "section"


Progress = Callable[[str, int, int], None]
"""``progress(sections running, sections finished, sections in all)``, called as a section
starts (in report order on one process, costliest first on several: the names of those
running, joined by ", "), as one ends while others run, and once at the end (``""``): what
``detente report`` shows on a terminal."""


def render_section(spec: ReportSectionSpec, ctx: ReportContext) -> dict[str, Any] | None:
    """One section ready for the template, or None where it does not apply.

    Figures become base64 PNG (or inline SVG); a section raising :class:`DetenteError`
    becomes a "not available" note with its one-line message. What a worker process of a
    parallel report runs (:mod:`detente.report.parallel`).
    """
    try:
        section = spec.render(ctx)
    except DetenteError as exc:
        section = Section(
            title=spec.name,
            body=f'<p class="unavailable">Not available: {_esc(exc.one_line())}</p>',
        )
    if section is None:
        return None
    figures = []
    for plot in section.figures:
        if isinstance(plot.figure, str):
            figures.append({"svg": plot.figure, "caption": plot.caption, "alt": plot.alt})
        else:
            from detente.report.plots import figure_png_base64

            png = figure_png_base64(plot.figure)
            figures.append({"png": png, "caption": plot.caption, "alt": plot.alt})
    return {
        "title": section.title,
        "anchor": section.anchor or _slug(spec.name),
        "body": section.body,
        "figures": figures,
    }


def render_sections(
    ctx: ReportContext,
    specs: Sequence[ReportSectionSpec] | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
    pool: Executor | None = None,
) -> list[dict[str, Any]]:
    """Run each section's renderer (:func:`render_section`); the sections that apply, ready
    for the template, in report order.

    ``progress`` is told which sections run (:data:`Progress`). With ``jobs`` > 1 the
    costly sections run on up to ``jobs`` processes (:mod:`detente.report.parallel`, on
    ``pool`` where given); the result is the same.
    """
    todo = list(specs if specs is not None else registered_sections())
    running: list[str] = []
    finished = [0]

    def notify(k: int, starts: bool) -> None:
        if starts:
            running.append(todo[k].name)
        else:
            running.remove(todo[k].name)
            finished[0] += 1
        if progress is not None and (starts or running):
            progress(", ".join(running), finished[0], len(todo))

    if jobs > 1:
        from detente.report.parallel import render_parallel

        ctx.forecasts  # noqa: B018 - computed once here, shipped to the workers with ctx
        rendered = render_parallel(ctx, todo, render_section, jobs, notify, pool)
    else:
        rendered = []
        for k, spec in enumerate(todo):
            notify(k, True)
            rendered.append(render_section(spec, ctx))
            notify(k, False)
    if progress is not None:
        progress("", len(todo), len(todo))
    return [r for r in rendered if r is not None]


def _esc(text: str) -> str:
    from detente.report.sections import esc

    return esc(text)


def _environment() -> Any:
    try:
        import jinja2
    except ImportError:  # pragma: no cover - depends on the environment
        raise DetenteError(
            "the report needs jinja2, a dependency of detente; install it with "
            "`pip install jinja2`",
            where="report",
        ) from None
    return jinja2.Environment(
        loader=jinja2.PackageLoader("detente.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_report(
    scenario: Scenario,
    *,
    seed: int = 0,
    options: Mapping[str, Any] | None = None,
    sections: Sequence[ReportSectionSpec] | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
    pool: Executor | None = None,
) -> str:
    """The report of ``scenario`` as one HTML document (text).

    Parameters
    ----------
    scenario:
        The validated scenario.
    seed:
        Passed to every section that samples (Monte Carlo, simulations), so the report is
        reproducible.
    options:
        Free-form options for the sections (e.g. ``{"draws": 2000}``).
    sections:
        The sections to render (default: every registered one, in order).
    progress:
        Told which section runs (:data:`Progress`); ``detente report`` shows it on a terminal.
    jobs:
        Processes to render the sections on (1: this one only; ``detente report`` uses every
        core). The document is the same whatever ``jobs`` (DECISIONS REP-3). A script that
        asks for more than one needs the ``if __name__ == "__main__":`` guard, as for any
        forkserver pool.
    pool:
        ``jobs - 1`` worker processes already started (:func:`detente.uncertainty.backends.
        worker_pool`), left running; by default they are started and stopped here.
    """
    from markupsafe import Markup

    ctx = ReportContext(scenario=scenario, seed=seed, options=dict(options or {}))
    rendered = render_sections(ctx, sections, progress, jobs, pool)
    for s in rendered:
        s["body"] = Markup(s["body"])
        for fig in s["figures"]:
            if "svg" in fig:
                fig["svg"] = Markup(fig["svg"])
    template = _environment().get_template("report.html.j2")
    return str(
        template.render(
            scenario=scenario,
            sections=rendered,
            version=__version__,
            seed=seed,
        )
    )


def write_report(
    scenario: Scenario,
    path: str | Path,
    *,
    seed: int = 0,
    options: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
    pool: Executor | None = None,
) -> Path:
    """Build the report of ``scenario`` and write it to ``path`` atomically.

    The whole document is built in memory first; only then is anything written. Returns the
    path written; ``progress``, ``jobs`` and ``pool`` as in :func:`build_report`.
    """
    text = build_report(scenario, seed=seed, options=options, progress=progress, jobs=jobs,
                        pool=pool)  # fmt: skip
    return write_atomic(path, text)
