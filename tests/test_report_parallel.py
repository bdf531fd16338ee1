"""The report on several processes is the serial report, byte for byte (DECISIONS REP-3), and
the Sobol' section's distinct-row evaluator gives the outputs of OutcomeModels (REP-2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detente.errors import DetenteError
from detente.models import get_model
from detente.report import ReportContext, Section, add_section, remove_section
from detente.report.catalog import registered_sections
from detente.report.distinct import DistinctOutcomeModels, distinct_rows
from detente.report.html import build_report
from detente.report.parallel import render_parallel, shippable
from detente.report.sections import ReportSectionSpec
from detente.scenario import Scenario, load_scenario
from detente.scenario.io import parse_yaml
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import from_unit
from detente.uncertainty.sensitivity import design
from tests.conftest import TWO_ISSUES

SMALL = {"draws": 40, "sobol_n": 8, "paths": 200}


@pytest.fixture(scope="module")
def toy() -> Scenario:
    return parse_yaml(TWO_ISSUES, source="toy.yaml")


def _plugin(ctx: ReportContext) -> Section:  # module level: a worker can import it
    return Section(title="A plug-in", body=f"<p>seed {ctx.seed}</p>")


def test_parallel_report_is_the_serial_report(toy: Scenario) -> None:
    def unavailable(ctx: ReportContext) -> Section:
        raise DetenteError("nothing to show here", where="test")

    add_section(ReportSectionSpec("test-plugin", _plugin, order=97, cost=1.0))
    add_section(ReportSectionSpec("test-unavailable", unavailable, order=98, cost=1.0))
    try:
        steps: list[tuple[str, int, int]] = []
        seen: list[tuple[str, int, int]] = []
        serial = build_report(
            toy, seed=5, options=SMALL, jobs=1, progress=lambda *a: steps.append(a)
        )
        parallel = build_report(
            toy, seed=5, options=SMALL, jobs=2, progress=lambda *a: seen.append(a)
        )
    finally:
        remove_section("test-plugin")
        remove_section("test-unavailable")
    assert parallel == serial
    assert "Monte Carlo distributions" in serial and "Sensitivity (Sobol" in serial
    assert "seed 5" in serial and "Not available: test: nothing to show here" in serial
    names = [*(s.name for s in registered_sections()), "test-plugin", "test-unavailable"]
    n = len(names)
    # one process: each section as it starts, in report order, then the end
    assert steps == [*((name, k, n) for k, name in enumerate(sorted(names, key=_order))),
                     ("", n, n)]  # fmt: skip
    # several: the sections running, the count finished never going back, then the end
    assert {name for running, _, _ in seen for name in running.split(", ") if name} == set(names)
    finished = [done for _, done, _ in seen]
    assert finished == sorted(finished) and seen[-1] == ("", n, n)


def _order(name: str) -> tuple[int, str]:
    spec = {s.name: s for s in registered_sections()}.get(name)
    return (spec.order, name) if spec is not None else ({"test-plugin": 97}.get(name, 98), name)


def test_what_a_worker_may_run() -> None:
    specs = {s.name: s for s in registered_sections()}
    assert shippable(specs["sobol"]) and shippable(specs["campaign"])
    assert not shippable(specs["summary"])  # cost 0: the main process renders it

    def closure(ctx: ReportContext) -> None:
        return None

    assert not shippable(ReportSectionSpec("closure", closure, cost=5.0))


def test_a_bug_in_a_worker_section_is_raised(toy: Scenario) -> None:
    ctx = ReportContext(toy)
    specs = [s for s in registered_sections() if s.cost > 0]
    with pytest.raises(ZeroDivisionError):
        render_parallel(ctx, specs, _fail_on_rounds, jobs=2)


def _fail_on_rounds(spec: ReportSectionSpec, ctx: ReportContext) -> str:
    if spec.name == "rounds":
        raise ZeroDivisionError("a bug")
    return spec.name


def test_distinct_rows_give_the_outputs_of_every_row() -> None:
    sc = load_scenario("ukraine-2024")
    models = [get_model(name) for name in ("compromise", "median", "bdm", "nash", "exchange")]
    sd = design(sc, OutcomeModels(sc, models), n=8, seed=1)
    rows = 2 * (len(sd.evaluator.numbers) + 2)  # two base samples with their A_B rows
    draws = from_unit(sd.scenario, sd.unit[:rows], sd.evaluator.numbers)
    plain = OutcomeModels(sd.scenario, models)(draws)
    fast = DistinctOutcomeModels(sd.scenario, models)(draws)
    assert list(fast) == list(plain)
    for key in plain:
        assert np.array_equal(fast[key], plain[key], equal_nan=True), key
    # a Saltelli row changes one number: most rows repeat an issue's inputs
    from detente.models.base import issue_draws

    _, d = issue_draws(sd.scenario, draws)[0]
    distinct, index = distinct_rows(d)
    assert distinct.n < d.n / 3
    assert np.array_equal(distinct.position[index], d.position)
    assert np.array_equal(distinct.status_quo[index], d.status_quo, equal_nan=True)
    # the default band goes with the evaluator's kind
    _, banded = DistinctOutcomeModels(sc, models).with_default_band(sc)
    assert isinstance(banded, DistinctOutcomeModels)


def test_the_command_writes_the_same_file_on_any_number_of_processes(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from detente.cli.common import OneLineErrors
    from detente.cli.report import report as report_command

    app = typer.Typer(cls=OneLineErrors)
    app.command()(report_command)
    app.command("noop")(lambda: None)
    case = tmp_path / "toy.yaml"
    case.write_text(TWO_ISSUES, encoding="utf-8")
    texts = []
    for jobs in ("1", "2"):
        out = tmp_path / f"r{jobs}.html"
        args = ["report", str(case), "-o", str(out), "--draws", "40", "--sobol-n", "8",
                "--jobs", jobs]  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        texts.append(out.read_text(encoding="utf-8"))
    assert texts[0] == texts[1] and "Sensitivity (Sobol" in texts[0]
    bad = CliRunner().invoke(app, ["report", str(case), "-o", str(tmp_path / "x.html"),
                                   "--jobs", "0"])  # fmt: skip
    assert bad.exit_code == 2 and not (tmp_path / "x.html").exists()
