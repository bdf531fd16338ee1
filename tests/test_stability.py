"""Every headline number with its stability: the forecast's band under the default input
spread, the fragile mark, and the convergence marks of models with rounds (DECISIONS UNC-25,
BDM-12)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from detente.cli.main import app
from detente.cli.render import forecast_table
from detente.errors import DetenteError
from detente.models import get_model
from detente.scenario import load_scenario
from detente.scenario.io import parse_yaml
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import with_default_spread
from detente.uncertainty.stability import FRAGILE_SHARE, stability_bands
from detente.uncertainty.sweep import sweep
from tests.conftest import TWO_ISSUES

runner = CliRunner()

# The EC car-emissions example of Bueno de Mesquita (1994), Scholz et al. (2011) Table 1: the
# expected-utility model does not converge in 10 rounds (tests/test_bdm.py).
EMISSIONS = """
name: emissions
issues: [{name: emissions, scale: [0, 10]}]
actors:
""" + "".join(
    f"  - {{name: {n}, capability: {c}, "
    f"stances: {{emissions: {{position: {x}, salience: {s}}}}}}}\n"
    for n, c, x, s in (
        ("Netherlands", 0.08, 4, 80),
        ("Belgium", 0.08, 7, 40),
        ("Luxembourg", 0.03, 4, 20),
        ("Germany", 0.16, 4, 80),
        ("France", 0.16, 10, 60),
        ("Italy", 0.16, 10, 60),
        ("UK", 0.16, 10, 90),
        ("Ireland", 0.05, 7, 10),
        ("Denmark", 0.05, 4, 100),
        ("Greece", 0.08, 7, 70),
    )
)

# b and c trade places every round under the expected-utility model (tests/test_bdm.py)
CYCLING = """
name: loop
issues: [{name: x}]
actors:
  - {name: a, capability: 2, stances: {x: {position: 100, salience: 90}}}
  - {name: b, capability: 9, stances: {x: {position: 0, salience: 30}}}
  - {name: c, capability: 3, stances: {x: {position: 10, salience: 40}}}
"""


def test_bands_are_the_draws_of_sweep_spread() -> None:
    sc = parse_yaml(TWO_ISSUES, source="toy")
    models = [get_model(name) for name in ("compromise", "median", "bdm")]
    bands = stability_bands(sc, models, draws=64, seed=3)
    spread = with_default_spread(sc)
    summaries = sweep(spread, OutcomeModels(spread, models), 64, 3).summaries()
    assert set(bands.bands) == set(summaries)
    for key, summary in summaries.items():
        assert bands[key].p05 == summary.quantiles["p05"]
        assert bands[key].p95 == summary.quantiles["p95"]


def test_bands_are_deterministic_and_seeded() -> None:
    sc = load_scenario("ukraine-2024")
    models = [get_model("compromise"), get_model("bdm")]
    first = stability_bands(sc, models, draws=50)
    again = stability_bands(sc, models, draws=50)
    other = stability_bands(sc, models, draws=50, seed=1)
    assert first == again
    assert first.bands != other.bands
    assert (first.draws, first.seed) == (50, 0)


def test_fragile_means_wider_than_a_fifth_of_the_scale() -> None:
    sc = load_scenario("ukraine-2024")
    bands = stability_bands(sc, [get_model(n) for n in ("compromise", "bdm")], draws=100)
    width = {i.name: i.scale[1] - i.scale[0] for i in sc.issues}
    for (_, issue), band in bands.bands.items():
        assert band.p05 <= band.p95
        assert band.fragile == (band.p95 - band.p05 > FRAGILE_SHARE * width[issue])
    assert pytest.approx(2 * 0.10) == FRAGILE_SHARE  # the position spread's full width
    # the weighted mean averages the spread away; the expected-utility model does not
    assert not bands["compromise", "territory"].fragile
    assert any(b.fragile for (m, _), b in bands.bands.items() if m == "bdm")


def test_a_distribution_of_the_scenario_is_kept() -> None:
    sc = parse_yaml(
        TWO_ISSUES.replace(
            "position: 80, salience: 60", "position: {uniform: [79, 81]}, salience: 60"
        ),
        source="toy",
    )
    spread = with_default_spread(sc)
    x = spread.actors[0].stances["a"].position
    assert x.distribution is not None and x.distribution.params == (79.0, 81.0)
    bands = stability_bands(sc, [get_model("median")], draws=32)
    assert bands["median", "a"].p05 <= 80.0 <= bands["median", "a"].p95


def test_no_draws_is_an_error() -> None:
    sc = parse_yaml(TWO_ISSUES, source="toy")
    with pytest.raises(DetenteError, match="--draws"):
        stability_bands(sc, [get_model("median")], draws=0)


# --- the command ---------------------------------------------------------------------------


@pytest.fixture()
def emissions_file(tmp_path: Path) -> Path:
    path = tmp_path / "emissions.yaml"
    path.write_text(EMISSIONS, encoding="utf-8")
    return path


@pytest.fixture()
def cycling_file(tmp_path: Path) -> Path:
    path = tmp_path / "loop.yaml"
    path.write_text(CYCLING, encoding="utf-8")
    return path


def test_table_shows_bands_marks_and_legend(emissions_file: Path) -> None:
    result = runner.invoke(app, ["forecast", str(emissions_file), "--all", "--no-store"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    sc = parse_yaml(EMISSIONS, source="emissions")
    names = ["compromise", "median", "nash", "bdm"]
    bands = stability_bands(sc, [get_model(n) for n in names])
    for name in names:  # on a 0-10 scale the band ends get one decimal
        band = bands[name, "emissions"]
        cell = f"{get_model(name).predict(sc).outcome('emissions'):.1f} "
        cell += f"[{band.p05:.1f}–{band.p95:.1f}]" + (" !" if band.fragile else "")
        assert cell in text, (cell, text)
    flat = " ".join(text.split())
    assert "x [a–b]: forecast x and its 5–95 % band over 200 draws" in flat
    assert "! fragile: the band is wider than 20 % of the scale" in flat
    # the EC example stops at the round limit, its median wandering 7.0 -> 9.96 -> 7.0
    assert re.search(r"7\.0 \[[\d.]+–[\d.]+\]( !)? ~", text)
    assert "~ bdm, emissions: not converged in 10 rounds; the outcome ranged 7.0–10.0" in flat
    # the scale runs 0-10: its ends are named by their values, not as 0 and 100; on the
    # runner's 80 columns they are listed below the table, on a wide terminal in columns
    assert "emissions: 0 … 10" in flat and "100" not in flat
    wide = Console(width=160, record=True, file=io.StringIO())
    wide.print(forecast_table(sc, [get_model(n).predict(sc) for n in names], bands, width=160))
    wide_text = wide.export_text()
    assert "high end means" in wide_text and "100 means" not in wide_text
    assert re.search(r"│ 10\b", wide_text), wide_text


def test_the_builtin_case_has_a_band_in_every_cell() -> None:
    result = runner.invoke(app, ["forecast", "ukraine-2024", "--all", "--no-store"])
    assert result.exit_code == 0, result.output
    sc = load_scenario("ukraine-2024")
    assert result.stdout.count("–") >= 4 * len(sc.issues)  # a band per model and issue
    assert "5–95 % band over 200 draws" in " ".join(result.stdout.split())


def test_a_cycle_is_marked_in_table_and_json(cycling_file: Path) -> None:
    table = runner.invoke(app, ["forecast", str(cycling_file), "-m", "bdm", "--no-store"])
    assert table.exit_code == 0, table.output
    assert "78.6 [" in table.stdout and " ↻" in table.stdout
    assert (
        "↻ bdm, x: a cycle of 2 rounds (the positions repeat); the outcome goes round "
        "78.6–93.3" in " ".join(table.stdout.split())
    )
    doc = json.loads(
        runner.invoke(
            app, ["forecast", str(cycling_file), "-m", "bdm", "-f", "json", "--no-store"]
        ).stdout
    )
    entry = doc["forecasts"][0]["issues"][0]
    assert entry["convergence"] == {
        "status": "cycle",
        "converged": False,
        "rounds": 10,
        "period": 2,
        "low": pytest.approx(78.571, abs=1e-3),
        "high": pytest.approx(93.288, abs=1e-3),
    }


def test_no_bands_and_draws_options(cycling_file: Path) -> None:
    args = ["forecast", "ukraine-2024", "-m", "compromise", "-f", "json", "--no-store"]
    plain = json.loads(runner.invoke(app, [*args, "--no-bands"]).stdout)
    assert plain["bands"] is None
    assert all(i["band"] is None for i in plain["forecasts"][0]["issues"])
    few = json.loads(runner.invoke(app, [*args, "--draws", "40", "--seed", "2"]).stdout)
    assert (few["bands"]["draws"], few["bands"]["seed"]) == (40, 2)
    table = runner.invoke(app, ["forecast", "ukraine-2024", "--no-bands", "--no-store"])
    assert "5–95 %" not in table.stdout and "] " not in table.stdout
    bad = runner.invoke(app, [*args, "--draws", "0"])
    assert bad.exit_code == 2 and "--draws" in bad.stderr


def test_band_of_a_model_that_cycles_holds_its_loop() -> None:
    sc = parse_yaml(CYCLING, source="loop")
    band = stability_bands(sc, [get_model("bdm")], draws=100)["bdm", "x"]
    assert np.isfinite([band.p05, band.p95]).all() and band.p05 <= band.p95
