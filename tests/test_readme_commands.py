"""Every command shown in the README runs as written (exit 0), so the README cannot drift
from the CLI: the quick start (long runs shortened: fewer draws, a late first origin; the
`my_case.yaml` lines run on the README's own scenario example; `serve` starts a server and is
left out), the Python example and the scenario example. docs/cli.md shows synopses, not
runnable commands: each names a real command and only options it has (DECISIONS DOC-1)."""

from __future__ import annotations

import itertools
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli.main import app

README = Path(__file__).resolve().parents[1] / "README.md"
SHORTER = {"--draws": "300", "--origins-from": "2024-08-01"}
"""Options whose value the test lowers, to keep the suite short."""


def _quick_start() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = text.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    return [
        line.removeprefix(".venv/bin/detente ").strip()
        for line in lines
        if line.startswith(".venv/bin/detente ") and " serve" not in line
    ]


def _fenced(path: Path, lang: str) -> list[str]:
    """The fenced code blocks of ``path`` in language ``lang`` (empty: no language)."""
    text = path.read_text(encoding="utf-8")
    return [b for lg, b in re.findall(r"^```(\w*)\n(.*?)^```", text, re.S | re.M) if lg == lang]


def test_the_quick_start_is_read() -> None:
    commands = _quick_start()
    assert len(commands) >= 15 and any(c.startswith("simulate") for c in commands)


@pytest.mark.parametrize("command", _quick_start())
def test_every_quick_start_command_runs(
    command: str, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DETENTE_LEDGER", str(tmp_path / "ledger.duckdb"))
    (tmp_path / "my_case.yaml").write_text(_fenced(README, "yaml")[0], encoding="utf-8")
    args = shlex.split(command.replace("../shared/data", str(shared_data)))
    for i, arg in enumerate(args[:-1]):
        if arg in SHORTER:
            args[i + 1] = SHORTER[arg]
    if args[0] == "simulate" and "--draws" not in args:
        args += ["--draws", SHORTER["--draws"]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (command, result.output[-2000:])
    assert not re.search(r"^error:", result.output, re.M), result.output[-2000:]


def test_every_command_in_a_readme_block_is_run_or_excused() -> None:
    """A command added to any README block, not only the quick start, must be run here."""
    run = {f".venv/bin/detente {c}" for c in _quick_start()}
    excused = {".venv/bin/detente serve", "make demo", "make test"}  # a server; the setup
    shown = [
        line.split("  #", 1)[0].strip()
        for block in _fenced(README, "bash")
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert len(shown) >= 20
    missing = [c for c in shown if c not in run and not any(c.startswith(e) for e in excused)]
    assert missing == []


def test_the_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    (code,) = _fenced(README, "python")
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "compromise" in printed and "territory" in printed


def test_the_scenario_example_is_valid() -> None:
    from detente.scenario import parse_yaml

    scenario = parse_yaml(_fenced(README, "yaml")[0], source="README.md")
    assert scenario.name == "my-case" and [a.name for a in scenario.actors] == ["Russia", "Ukraine"]


CLI_MD = README.parent / "docs" / "cli.md"


def _synopses() -> list[tuple[str, list[str]]]:
    """docs/cli.md's synopsis: each command (``runs list | show ID`` gives two) with the
    options shown for it."""
    (block,) = [b for b in _fenced(CLI_MD, "") if b.startswith("detente ")][:1]
    entries: list[list[str]] = []  # [command words..., text of its options]
    for line in block.splitlines():
        if not line.startswith("detente "):
            entries[-1][-1] += " " + line
            continue
        group: list[str] = []
        for alt in re.split(r"\s\|\s(?=[a-z])", line.removeprefix("detente ")):
            words = list(itertools.takewhile(lambda w: re.fullmatch(r"[a-z]+", w), alt.split()))
            words = words if not group else [group[0], *words]
            group = group or words
            entries.append([*words, alt])
    return [(" ".join(e[:-1]), sorted(set(re.findall(r"--[a-z][a-z-]*", e[-1])))) for e in entries]


def test_the_cli_synopsis_is_read() -> None:
    commands = dict(_synopses())
    assert {"forecast", "simulate", "runs export", "ledger seal", "outlook predict"} <= set(
        commands
    )
    assert "--what-if" in commands["simulate"] and "--to" in commands["runs export"]


@pytest.mark.parametrize(("command", "options"), _synopses(), ids=lambda x: str(x))
def test_every_synopsis_names_real_options(command: str, options: list[str]) -> None:
    result = CliRunner().invoke(
        app, [*command.split(), "--help"], env={"COLUMNS": "240", "TERMINAL_WIDTH": "240"}
    )
    assert result.exit_code == 0, (command, result.output[-1000:])
    shown = set(re.findall(r"--[a-z][a-z-]*", result.output))
    assert [o for o in options if o not in shown] == [], (command, result.output[-2000:])
