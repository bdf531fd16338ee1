"""Determinism (issue 9): the same command with the same seed prints byte-identical JSON in
the test process and in fresh processes."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli.main import app

COMMANDS = {
    "forecast": ["forecast", "ukraine-2024", "--format", "json", "--no-store"],
    "sweep": [
        "sweep",
        "ukraine-2024",
        "--spread",
        "-m",
        "bdm",
        "-m",
        "median",
        "--draws",
        "500",
        "--seed",
        "7",
        "--format",
        "json",
        "--no-store",
    ],
    "simulate": [
        "simulate",
        "ukraine-2024",
        "--draws",
        "500",
        "--seed",
        "7",
        "--format",
        "json",
        "--no-store",
    ],
}


def _in_process(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _fresh_process(args: list[str], store: Path) -> str:
    env = {**os.environ, "DETENTE_STORE": str(store)}
    done = subprocess.run(
        [sys.executable, "-c", "from detente.cli.main import app; app()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _outputs(args: list[str], tmp_path: Path) -> list[str]:
    return [
        _in_process(args),
        _in_process(args),
        _fresh_process(args, tmp_path / "a.duckdb"),
        _fresh_process(args, tmp_path / "b.duckdb"),
    ]


@pytest.mark.parametrize("command", ["forecast", "sweep", "simulate"])
def test_same_seed_same_bytes(command: str, tmp_path: Path) -> None:
    outputs = _outputs(COMMANDS[command], tmp_path)
    assert outputs[0].startswith("{")
    for k, out in enumerate(outputs[1:], start=1):
        diff = difflib.unified_diff(outputs[0].splitlines(), out.splitlines(), lineterm="", n=1)
        assert out == outputs[0], f"output {k} differs:\n" + "\n".join(list(diff)[:40])


def test_a_stored_sweep_prints_the_same_bytes(tmp_path: Path) -> None:
    args = [a for a in COMMANDS["sweep"] if a != "--no-store"]
    assert _fresh_process(args, tmp_path / "a.duckdb") == _fresh_process(
        args, tmp_path / "b.duckdb"
    )


def test_calibrate_territory_same_seed_same_bytes(tmp_path: Path, shared_data: Path) -> None:
    args = [
        "calibrate",
        "territory",
        str(shared_data / "ukraine_occupied_area_deepstate.csv"),
        "--bootstrap",
        "20",
        "--seed",
        "3",
        "--format",
        "json",
    ]
    first = _in_process(args)
    assert first == _fresh_process(args, tmp_path / "a.duckdb")
    assert first == _fresh_process(args, tmp_path / "b.duckdb")
