"""Every command of the README's quick start runs (exit 0), so the README cannot drift from
the CLI. Long runs are shortened (fewer draws, a late first origin); `serve` and the
placeholder `my_case.yaml` lines are left out."""

from __future__ import annotations

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
        if line.startswith(".venv/bin/detente ") and "my_case" not in line and " serve" not in line
    ]


def test_the_quick_start_is_read() -> None:
    commands = _quick_start()
    assert len(commands) >= 15 and any(c.startswith("simulate") for c in commands)


@pytest.mark.parametrize("command", _quick_start())
def test_every_quick_start_command_runs(
    command: str, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DETENTE_LEDGER", str(tmp_path / "ledger.duckdb"))
    args = shlex.split(command.replace("../shared/data", str(shared_data)))
    for i, arg in enumerate(args[:-1]):
        if arg in SHORTER:
            args[i + 1] = SHORTER[arg]
    if args[0] == "simulate" and "--draws" not in args:
        args += ["--draws", SHORTER["--draws"]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (command, result.output[-2000:])
    assert not re.search(r"^error:", result.output, re.M), result.output[-2000:]
