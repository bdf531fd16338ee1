"""The short run of benchmarks/fuzz_atheris.py: 2,000 coverage-guided inputs across the
parsers, no defect (every rejection a one-line DetenteError naming the file and a fix)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_module

if not sys.platform.startswith("linux"):
    pytest.skip("atheris is installed on Linux only (pyproject.toml)", allow_module_level=True)
require_module("atheris", "install the dev extra: pip install -e '.[dev]'")

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz_atheris.py"


def test_atheris_short_run_finds_no_defect() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--inputs", "2000", "--seed", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert "## atheris: 2,000 inputs" in done.stdout, done.stderr[-3000:]
    assert done.returncode == 0, done.stdout[done.stdout.find("### Defects") :]
    assert "| **total** | 2,000 |" in done.stdout
