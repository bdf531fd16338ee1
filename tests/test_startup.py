"""Start-up and the report's progress (issue 19, targets 1 and 5): what loads, never how long
it takes (timings are benchmarks/bench_startup.py's and bench_report.py's, DECISIONS PERF-1).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml

from detente.scenario import Scenario, load_scenario, parse_yaml
from detente.scenario.builtin import builtin_text

HEAVY = ("pandas", "scipy", "matplotlib", "lifelines", "duckdb", "statsforecast", "pyarrow")


def _loaded_after(code: str) -> set[str]:
    """The modules loaded by ``code`` run in a fresh interpreter."""
    probe = code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(done.stdout.split())


def _run_cli(*args: str) -> str:
    return (
        "import sys\nfrom detente.cli.main import app\n"
        f"sys.argv = ['detente', *{list(args)!r}]\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )


def test_importing_the_cli_loads_no_heavy_library() -> None:
    loaded = _loaded_after("import detente.cli.main")
    assert not [m for m in HEAVY if m in loaded]
    assert "numpy" not in loaded and "pydantic" not in loaded


def test_help_lists_every_command_without_importing_one() -> None:
    loaded = _loaded_after(_run_cli("--help"))
    assert not [m for m in HEAVY if m in loaded]
    from detente.cli.main import COMMANDS, _literal_help

    # a command module is imported only where its help is not a literal in its source
    computed = {t.split(":")[0] for t in COMMANDS.values() if _literal_help(*t.split(":")) is None}
    commands = {m for m in loaded if m.startswith("detente.cli.")} - {
        "detente.cli.main",
        "detente.cli.common",
    }
    assert commands <= computed and not computed, (commands, computed)


def test_a_compromise_forecast_loads_neither_pandas_nor_scipy() -> None:
    loaded = _loaded_after(_run_cli("forecast", "ukraine-2024", "-m", "compromise", "--no-store"))
    assert "detente.cli.forecast" in loaded  # it did run
    assert not [m for m in HEAVY if m in loaded]
    assert "detente.war.solver" not in loaded and "detente.registry" not in loaded


def test_the_listed_summaries_are_each_commands_own_help() -> None:
    """What ``detente --help`` lists, read from the source, is each command's own help."""
    from detente.cli.main import COMMANDS, first_sentence, load_command, summary

    for name, target in COMMANDS.items():
        command = load_command(name, target)
        assert summary(name) == first_sentence(command.help or ""), name
        assert "\n" not in summary(name) and summary(name).endswith((".", ")", "?")), name
    assert next(iter(COMMANDS)) == "forecast"
    assert "Score the models" in summary("backtest") and "scenario" in summary("forecast")


def test_a_groups_commands_are_listed_one_sentence_each() -> None:
    """``detente durability --help`` lists each subcommand's first sentence on one line, not
    its docstring broken where the source wrapped it."""
    from detente.cli.main import COMMANDS, first_sentence, load_command

    groups = [load_command(n, t) for n, t in COMMANDS.items() if t.endswith("_app")]
    assert len(groups) >= 6
    for group in groups:
        for sub in group.commands.values():
            assert sub.short_help == first_sentence(sub.help or ""), sub.name
            assert "\n" not in sub.short_help, sub.name
    seal = load_command("ledger", COMMANDS["ledger"]).commands["seal"]
    assert seal.short_help.endswith("(append-only, hash-chained).")


@pytest.mark.parametrize("command", ["forecast", "runs", "report", "ledger"])
def test_each_command_still_has_its_own_help(command: str) -> None:
    from typer.testing import CliRunner

    from detente.cli.main import app

    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: detente " + command in " ".join(result.output.split())


def test_the_cli_outcome_models_are_the_registrys() -> None:
    from detente.cli.common import outcome_models
    from detente.registry import outcome_models as registered

    assert list(outcome_models()) == list(registered())
    assert outcome_models() == registered()


def test_campaign_outputs_are_the_war_models_sweep_outputs() -> None:
    from detente.uncertainty.evaluators import CAMPAIGN_OUTPUTS
    from detente.war.model import SWEEP_OUTPUTS

    assert CAMPAIGN_OUTPUTS == SWEEP_OUTPUTS and len(CAMPAIGN_OUTPUTS) > 3


def test_libyaml_and_python_parsers_read_the_same_scenario() -> None:
    text = builtin_text("ukraine-2024")
    fast = parse_yaml(text, source="u.yaml")
    slow = yaml.load(text, Loader=yaml.SafeLoader)  # the pure-Python parser's data
    assert fast.name == slow["name"] and len(fast.actors) == len(slow["actors"])
    assert load_scenario("ukraine-2024") == load_scenario("ukraine-2024")


def test_a_validation_error_still_names_its_line() -> None:
    from detente.errors import DetenteError

    bad = "name: x\nissues:\n  - name: a\nactors:\n  - name: A\n    capability: -3\n"
    with pytest.raises(DetenteError, match=r"line 6"):
        parse_yaml(bad, source="bad.yaml")


def test_the_report_tells_its_progress_section_by_section(toy: Scenario) -> None:
    from detente.report.html import build_report

    seen: list[tuple[str, int, int]] = []
    build_report(toy, options={"uncertainty": False}, progress=lambda *a: seen.append(a))
    names = [name for name, _, _ in seen]
    assert names[-1] == "" and "forecasts" in names
    totals = {total for _, _, total in seen}
    assert len(totals) == 1 and [done for _, done, _ in seen] == list(range(totals.pop() + 1))


def test_the_report_command_is_silent_on_stderr_off_a_terminal(
    toy: Scenario, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    monkeypatch.delenv("DETENTE_PROGRESS", raising=False)

    from typer.testing import CliRunner

    from detente.cli.main import app
    from detente.scenario import to_yaml

    folder = Path(str(tmp_path))
    (folder / "toy.yaml").write_text(to_yaml(toy), encoding="utf-8")
    out = folder / "toy.html"
    result = CliRunner().invoke(
        app, ["report", str(folder / "toy.yaml"), "-o", str(out), "--no-uncertainty"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and out.read_text(encoding="utf-8").startswith("<!")


def test_sobol_indices_of_the_batched_models_unless_all_are_asked(toy: Scenario) -> None:
    from detente.report.analysis_sections import sobol_section
    from detente.report.sections import ReportContext

    slow = [name for name, cls in _outcome_classes().items() if not cls.tags.batchable]
    assert slow  # else the default leaves nothing out and this test checks nothing
    default = sobol_section(ReportContext(toy, options={"sobol_n": 8}))
    assert default is not None and "Not shown: " + ", ".join(slow) in default.body
    assert len(default.figures) == len(_outcome_classes()) - len(slow)
    every = sobol_section(ReportContext(toy, options={"sobol_n": 8, "sobol_all": True}))
    assert every is not None and "Not shown" not in every.body
    assert len(every.figures) == len(_outcome_classes())


def _outcome_classes() -> dict[str, Any]:
    from detente.cli.common import outcome_models

    return outcome_models()
