"""The HTML report: self-contained, complete (every actor, every note), written atomically;
the section registry; the plots; the `report` command."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from detente.cli.common import OneLineErrors
from detente.cli.report import report as report_command
from detente.errors import DetenteError
from detente.models import MODELS
from detente.report import (
    ReportContext,
    Section,
    add_section,
    plots,
    register_section,
    registered_sections,
    remove_section,
)
from detente.report.core_sections import source_notes
from detente.report.html import build_report, write_report
from detente.scenario import Scenario, load_scenario
from detente.textfiles import write_atomic

EXTERNAL = re.compile(r"""(?:src|href|action|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def ukraine() -> Scenario:
    return load_scenario("ukraine-2024")


@pytest.fixture(scope="module")
def ukraine_html(ukraine: Scenario) -> str:
    return build_report(ukraine)


def _unescaped(html: str) -> str:
    import html as html_lib

    return html_lib.unescape(html)


def test_report_is_self_contained(ukraine_html: str) -> None:
    assert not EXTERNAL.search(ukraine_html)
    assert "<script" not in ukraine_html.lower()
    assert "@import" not in ukraine_html and "url(" not in ukraine_html
    images = re.findall(r'<img src="([^"]{0,30})', ukraine_html)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)


def test_report_holds_every_actor_issue_note_and_forecast(
    ukraine: Scenario, ukraine_html: str
) -> None:
    text = " ".join(_unescaped(ukraine_html).split())
    for actor in ukraine.actors:
        assert actor.name in text
    for issue in ukraine.issues:
        assert issue.name in text
    notes = source_notes(ukraine)
    assert len(notes) > 30
    assert ("Russia", "territory.stated") in {(w, f) for w, f, _ in notes}
    # the stated positions and their gaps (DECISIONS SCN-10): Russia says 100, works for 81
    assert "Stated and operative positions" in text
    row = ["Russia", "territory", "100", "81", "-19"]
    assert "".join(f"<td>{cell}</td>" for cell in row) in ukraine_html
    for _, _, note in notes:
        assert " ".join(note.split()) in text
    for source in ukraine.sources:
        assert " ".join(source.split()) in text
    for name in MODELS:
        assert name in text
    compromise = MODELS["compromise"]().predict(ukraine)
    assert f"{compromise.outcome('territory'):.1f}" in text


def test_scenario_text_is_escaped(toy: Scenario) -> None:
    evil = toy.model_copy(update={"title": "<script>alert(1)</script>"})
    html = build_report(evil)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_write_report_is_atomic_when_a_section_fails(toy: Scenario, tmp_path: Path) -> None:
    def broken(ctx: ReportContext) -> Section:
        raise RuntimeError("boom")

    add_section(spec := _spec("broken", broken))
    try:
        target = tmp_path / "report.html"
        with pytest.raises(RuntimeError, match="boom"):
            write_report(toy, target)
        assert os.listdir(tmp_path) == []
        target.write_text("previous", encoding="utf-8")
        with pytest.raises(RuntimeError):
            write_report(toy, target)
        assert target.read_text(encoding="utf-8") == "previous"
        assert os.listdir(tmp_path) == ["report.html"]
    finally:
        remove_section(spec.name)


def test_write_atomic_leaves_nothing_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(tmp_path / "report.html", "<html>" * 1000)
    assert os.listdir(tmp_path) == []


def test_write_report_writes_and_replaces(toy: Scenario, tmp_path: Path) -> None:
    target = tmp_path / "sub" / "report.html"
    assert write_report(toy, target) == target
    assert target.stat().st_mode & 0o777 == 0o644
    first = target.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>") and first.rstrip().endswith("</html>")
    write_report(toy, target)
    assert target.read_text(encoding="utf-8") == first  # reproducible: no timestamps
    assert sorted(os.listdir(target.parent)) == ["report.html"]


def _spec(name: str, render: object, order: int = 90) -> object:
    from detente.report import ReportSectionSpec

    return ReportSectionSpec(name=name, render=render, order=order)  # type: ignore[arg-type]


def test_registered_sections_plug_in_and_may_not_apply(toy: Scenario) -> None:
    seen: list[int] = []

    @register_section("test-extra", order=95)
    def extra(ctx: ReportContext) -> Section:
        seen.append(ctx.seed)
        return Section(title="Extra analysis", body="<p>EXTRA-BODY</p>")

    @register_section("test-absent", order=96)
    def absent(ctx: ReportContext) -> Section | None:
        return None

    @register_section("test-unavailable", order=97)
    def unavailable(ctx: ReportContext) -> Section:
        raise DetenteError("the scenario has no campaign; add one", where="campaign")

    try:
        names = [s.name for s in registered_sections()]
        assert names[:6] == [
            "summary",
            "scenario",
            "forecasts",
            "stakeholders",
            "comparison",
            "rounds",
        ]
        assert names.index("test-extra") < names.index("test-absent")
        html = build_report(toy, seed=7)
        assert "Extra analysis" in html and "EXTRA-BODY" in html and seen == [7]
        assert "test-absent" not in html
        assert "Not available: campaign: the scenario has no campaign; add one" in html
    finally:
        for name in ("test-extra", "test-absent", "test-unavailable"):
            remove_section(name)


def test_forecasts_are_computed_once_per_report(
    toy: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = MODELS["compromise"].predict

    def counting(self: object, scenario: Scenario) -> object:
        calls.append("x")
        return original(self, scenario)  # type: ignore[arg-type]

    monkeypatch.setattr(MODELS["compromise"], "predict", counting)
    build_report(toy)
    assert calls == ["x"]


def test_plots(ukraine: Scenario) -> None:
    forecasts = {name: model().predict(ukraine) for name, model in MODELS.items()}
    figs = plots.all_plots(ukraine, forecasts)
    issues = ("territory", "recognition", "sanctions_us", "sanctions_eu", "guarantees")
    assert set(figs) == {
        "models",
        *(f"stakeholders_{i}" for i in issues),
        *(f"bdm_rounds_{i}" for i in issues),
    }
    ax = figs["stakeholders_territory"].axes[0]
    assert "territory" in ax.get_title(loc="left")
    labels = {t.get_text() for t in ax.texts}
    assert "Russia" in labels and "Ukraine" in labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "status quo 81.0" and any(s.startswith("compromise") for s in legend)
    rounds = figs["bdm_rounds_territory"].axes[0]
    bold = [line for line in rounds.get_lines() if line.get_label() == "round outcome"]
    assert bold and bold[0].get_linewidth() > 3
    for fig in figs.values():
        assert plots.figure_png_base64(fig).startswith("iVBOR")


def test_place_labels_separates_coincident_points() -> None:
    placed = plots.place_labels([0.1, 0.1, 0.1], [0.5, 0.5, 0.5], ["Alpha", "Beta", "Gamma"])
    assert len(set(placed)) == 3


def test_report_command(tmp_path: Path) -> None:
    app = typer.Typer(cls=OneLineErrors)
    app.command()(report_command)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "ukraine-2024", "-o", str(out), "--draws", "50",
                                 "--sobol-n", "8", "--paths", "200"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Monte Carlo distributions" in out.read_text(encoding="utf-8")
    light = tmp_path / "light.html"
    result = runner.invoke(app, ["report", "ukraine-2024", "-o", str(light), "--no-uncertainty",
                                 "--no-campaign"])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = light.read_text(encoding="utf-8")
    assert "Monte Carlo" not in text and "Campaign:" not in text and "Model comparison" in text
    assert result.stdout.strip() == str(light.resolve())
    assert out.stat().st_size > 10_000
    bad = runner.invoke(app, ["report", "no-such-thing", "-o", str(tmp_path / "x.html")])
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: no-such-thing: no such file or built-in scenario")
    assert not (tmp_path / "x.html").exists()


ANALYSIS = {"draws": 80, "sobol_n": 8, "paths": 300}


def test_uncertainty_and_campaign_sections(ukraine: Scenario, toy: Scenario) -> None:
    html = build_report(ukraine, seed=3, options=ANALYSIS)
    titles = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert titles[-4:] == [
        "Monte Carlo distributions",
        "Sensitivity (Sobol&#39; indices)",
        "Campaign: how the war ends",
        "Sources and notes",
    ]
    assert "80 draws (seed 3) of the default band" in html
    assert "P(deal by " in html
    assert build_report(ukraine, seed=3, options=ANALYSIS) == html  # same seed, same bytes
    assert build_report(ukraine, seed=4, options=ANALYSIS) != html
    skipped = build_report(ukraine, options={"uncertainty": False, "campaign": False})
    assert "Monte Carlo" not in skipped and "Campaign:" not in skipped
    # one histogram figure, a Sobol' figure per batched model (the others are named:
    # DECISIONS PERF-4), the fan chart and P(deal by date)
    png = "data:image/png;base64,"
    batched = [name for name, cls in MODELS.items() if cls.tags.batchable]
    assert html.count(png) - skipped.count(png) == 1 + len(batched) + 2
    assert len(batched) < len(MODELS) and "Not shown: " in html
    no_campaign = build_report(toy, options=ANALYSIS)
    assert "Monte Carlo distributions" in no_campaign and "Campaign:" not in no_campaign


def test_campaign_plots_from_the_simulate_document(ukraine: Scenario) -> None:
    from detente.report.analysis_sections import campaign_document

    assert ukraine.campaign is not None
    doc = campaign_document(ukraine, paths=200, seed=0)
    fan, deal = plots.campaign_fan(doc), plots.deal_by_date(doc)
    (ax,) = fan.axes
    assert len(ax.collections) == 2 and ax.lines[0].get_label() == "median"
    median = ax.lines[0].get_ydata()
    assert np.allclose(median, [w["territory_km2"]["p50"] for w in doc["weeks"]])
    (ax2,) = deal.axes
    assert ax2.get_ylim() == (0.0, 1.0)
    assert np.allclose(ax2.lines[0].get_ydata(), [r["p"] for r in doc["p_deal_by"]])
