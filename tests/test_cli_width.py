"""The command line fits an ordinary terminal, and stops quietly when its reader goes away."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DETENTE = [str(Path(sys.executable).parent / "detente")]

MAIN_TABLES = [
    ["forecast", "ukraine-2024", "--all", "--no-store"],
    ["backtest", "deu"],
    ["sweep", "ukraine-2024", "--spread", "--draws", "40", "--no-store"],
    ["simulate", "ukraine-2024", "--draws", "200", "--no-store"],
    ["outlook", "predict", "ukraine-2024"],
]


def _run(args: list[str], columns: int, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "DETENTE_STORE": str(tmp_path / "r.duckdb")}
    return subprocess.run([*DETENTE, *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.parametrize("args", MAIN_TABLES, ids=lambda a: " ".join(a[:2]))
def test_main_tables_fit_80_columns(args: list[str], tmp_path: Path, shared_data: Path) -> None:
    done = _run(args, 80, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) > 5
    too_long = [line for line in lines if len(line) > 80]
    assert not too_long, "\n".join(too_long[:5])
    assert "…" not in "".join(line for line in lines if "┃" in line), "a header was cut short"


def test_a_wide_terminal_gets_the_scale_ends_in_columns(tmp_path: Path) -> None:
    done = _run(["forecast", "ukraine-2024", "--no-store"], 200, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "low end means" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) > 100


def test_a_closed_pipe_ends_quietly(tmp_path: Path, shared_data: Path) -> None:
    """``detente backtest deu | head -n 1``: no 'internal error', no BrokenPipeError."""
    env = {**os.environ, "COLUMNS": "80", "DETENTE_STORE": str(tmp_path / "r.duckdb")}
    with subprocess.Popen(
        [*DETENTE, "backtest", "deu"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # the reader goes away, as head does after its lines
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=600)
    assert first.strip()
    assert "internal error" not in err and "BrokenPipe" not in err and "Traceback" not in err
    assert code == 0
