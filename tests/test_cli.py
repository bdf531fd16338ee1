"""The command line: formats, exit codes, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli.main import app
from detente.models import MODELS
from tests.conftest import TWO_ISSUES

runner = CliRunner()


@pytest.fixture()
def toy_file(tmp_path: Path) -> Path:
    path = tmp_path / "toy.yaml"
    path.write_text(TWO_ISSUES, encoding="utf-8")
    return path


def test_forecast_json_document(toy_file: Path) -> None:
    result = runner.invoke(app, ["forecast", str(toy_file), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1 and doc["scenario"] == "toy"
    assert [f["model"] for f in doc["forecasts"]] == list(MODELS)
    compromise = doc["forecasts"][0]["issues"][0]
    # (3*60*80 + 1*40*20 + 0.5*100*50) / (3*60 + 1*40 + 0.5*100)
    assert compromise["issue"] == "a"
    assert compromise["outcome"] == pytest.approx(17700 / 270)
    band = compromise["band"]  # the default spread's 5-95 % band (DECISIONS UNC-25)
    assert set(band) == {"p05", "p95", "fragile"}
    assert band["p05"] < compromise["outcome"] < band["p95"]
    assert doc["bands"]["draws"] == 200 and doc["bands"]["seed"] == 0
    assert "convergence" not in compromise  # one-shot models have no rounds
    bdm = doc["forecasts"][list(MODELS).index("bdm")]["issues"][0]
    assert bdm["convergence"]["status"] in {"converged", "cycle", "not_converged"}


def test_forecast_csv(toy_file: Path) -> None:
    result = runner.invoke(app, ["forecast", str(toy_file), "-m", "median", "-f", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "model,issue,outcome,flagged,constrained,p05,p95,fragile,convergence"
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["median", "a", "80"],
        ["median", "b", "10"],
    ]
    assert all(line.split(",")[5] for line in lines[1:])  # a band on every row
    plain = runner.invoke(app, ["forecast", str(toy_file), "-m", "median", "-f", "csv",
                                "--no-bands", "--no-store"])  # fmt: skip
    assert plain.stdout.splitlines()[1].endswith(",,,,")  # no band, no rounds


def test_forecast_table(toy_file: Path) -> None:
    result = runner.invoke(app, ["forecast", str(toy_file)])
    assert result.exit_code == 0, result.output
    assert "compromise: Compromise (weighted mean)" in result.stdout
    assert "65.6" in result.stdout and "nothing" in result.stdout


def test_validate(toy_file: Path) -> None:
    result = runner.invoke(app, ["validate", str(toy_file)])
    assert result.exit_code == 0
    assert "ok: toy: 3 actors, 2 issues, 5 stances" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["forecast", "no-such-thing"], "no such file or built-in scenario"),
        (["forecast", "{toy}", "-m", "oracle"], "unknown model 'oracle'"),
        (["forecast", "{toy}", "-m", "median", "--all"], "give --model or --all"),
        (["validate", "{bad}"], "salience: is -1; it must be zero or more"),
    ],
)
def test_errors_are_one_line_exit_2(
    toy_file: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TWO_ISSUES.replace("salience: 60", "salience: -1"), encoding="utf-8")
    args = [a.format(toy=toy_file, bad=bad) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_scenarios_and_show() -> None:
    listing = runner.invoke(app, ["scenarios"])
    assert listing.exit_code == 0 and "ukraine-2024" in listing.stdout
    shown = runner.invoke(app, ["show", "ukraine-2024"])
    assert shown.exit_code == 0
    for word in ("territory", "sanctions", "guarantees", "Russia", "Ukraine"):
        assert word in shown.stdout


def test_show_marks_distributions(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "name: d\nissues: [{name: a}]\nactors:\n"
        "  - {name: X, capability: 1, stances: {a: {position: {triangular: [20, 35, 60]},"
        " salience: 50}}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 0, result.output
    assert "35 ~ triangular [20, 35, 60] / 50" in result.stdout
    assert "Sources and rationale" not in result.stdout  # no notes, no empty table
