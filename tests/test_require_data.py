"""DETENTE_REQUIRE_DATA=1 turns a missing data folder or test-only dependency from a skip into
an error, so a run without the validation data cannot be green (tests/conftest.py); CI sets it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_ENV, missing, require_module

ROOT = Path(__file__).resolve().parents[1]

NEEDS_DATA = """
def test_needs_the_data(shared_data):
    assert shared_data.is_dir()
"""
NEEDS_A_TOOL_IN_A_TEST = """
from tests.conftest import require_module

def test_needs_a_tool():
    require_module("detente_no_such_tool", "install it with pip install no-such-tool")
"""
NEEDS_A_TOOL_AT_IMPORT = """
from tests.conftest import require_module

require_module("detente_no_such_tool", "install it with pip install no-such-tool")

def test_never_collected():
    pass
"""


def _pytest(tmp_path: Path, body: str, *, require: bool) -> subprocess.CompletedProcess[str]:
    """pytest on a one-test file with tests/conftest.py as a plugin, the shared data folder
    pointing nowhere, and the switch on or off."""
    (tmp_path / "test_tiny.py").write_text(body, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != REQUIRE_ENV}
    env["DETENTE_SHARED_DATA"] = str(tmp_path / "no-such-folder")
    if require:
        env[REQUIRE_ENV] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider",
         "-q", "-rs", str(tmp_path / "test_tiny.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "reason", "returncode"),
    [
        (NEEDS_DATA, "shared data not found at ", 0),
        (NEEDS_A_TOOL_IN_A_TEST, "detente_no_such_tool is not importable", 0),
        # a module skipped at import leaves no test: pytest's "no tests ran"
        (NEEDS_A_TOOL_AT_IMPORT, "detente_no_such_tool is not importable", 5),
    ],
    ids=["data-folder", "tool-in-a-test", "tool-at-import"],
)
def test_missing_data_or_tool_skips_without_the_switch(
    tmp_path: Path, body: str, reason: str, returncode: int
) -> None:
    done = _pytest(tmp_path, body, require=False)
    assert done.returncode == returncode, done.stdout + done.stderr
    assert "1 skipped" in done.stdout and "error" not in done.stdout.lower(), done.stdout
    assert reason in done.stdout


@pytest.mark.parametrize(
    ("body", "reason", "returncode", "summary"),
    [
        (NEEDS_DATA, "shared data not found at ", 1, "1 error"),
        (NEEDS_A_TOOL_IN_A_TEST, "detente_no_such_tool is not importable", 1, "1 failed"),
        # at import time: a collection error, which stops the run
        (NEEDS_A_TOOL_AT_IMPORT, "detente_no_such_tool is not importable", 2, "1 error"),
    ],
    ids=["data-folder", "tool-in-a-test", "tool-at-import"],
)
def test_missing_data_or_tool_is_an_error_under_the_switch(
    tmp_path: Path, body: str, reason: str, returncode: int, summary: str
) -> None:
    done = _pytest(tmp_path, body, require=True)
    assert done.returncode == returncode, done.stdout + done.stderr
    assert summary in done.stdout and "skipped" not in done.stdout, done.stdout
    # one clear line: the reason and the switch, without a traceback
    switch = f"; {REQUIRE_ENV}=1 makes this an error, not a skip"
    lines = done.stdout.splitlines()
    assert any(line.startswith(reason) and line.endswith(switch) for line in lines), done.stdout
    assert "Traceback" not in done.stdout and "During handling" not in done.stdout


def test_missing_fails_only_under_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no data here"):
        missing("no data here")
    monkeypatch.setenv(REQUIRE_ENV, "0")
    with pytest.raises(pytest.skip.Exception):
        require_module("detente_no_such_tool", "install it")
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"no data here; {REQUIRE_ENV}=1"):
        missing("no data here")
    with pytest.raises(pytest.fail.Exception, match="detente_no_such_tool is not importable"):
        require_module("detente_no_such_tool", "install it")
    assert require_module("json", "stdlib").dumps([1]) == "[1]"


def test_ci_turns_the_switch_on_before_make_test() -> None:
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert f"export {REQUIRE_ENV}=1" in lines and "make test" in lines
    assert lines.index(f"export {REQUIRE_ENV}=1") < lines.index("make test")
