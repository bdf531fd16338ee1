"""The wheel a plain ``pip install detente`` gets: it ships every data file the built-in cases
need, installs into a fresh virtual environment (no access to this checkout or its venv),
and runs ``forecast`` and ``simulate`` there; the web app is an extra (DECISIONS PKG-2).

One test: building and installing take one to three minutes (the dependencies come from the
package registry pip is configured with, usually from pip's cache)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "detente"
SPREAD = ("test_the_wheel_ships_its_data_and_runs_in_a_fresh_venv",)
"""The slowest test of the suite: a work unit of the test workers, started first (conftest)."""

REQUIRED = (
    "scenario/builtin/*.yaml", "durability/*.yaml", "outlook/*.csv", "calibration/data/*.json",
    "profiles/data/*", "report/templates/*", "web/static/*", "schemas/*.json", "py.typed",
)  # fmt: skip
"""The packaged data the built-in cases, the report and the web page read."""


def _run(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _clean_env(home: Path) -> dict[str, str]:
    """The environment without this checkout's venv, Python path or detente settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DETENTE_", "PYTHON", "VIRTUAL_ENV"))}  # fmt: skip
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))
    )
    env["XDG_DATA_HOME"] = str(home / "data")  # the run store, if anything writes one
    env["COLUMNS"] = "100"
    return env


def test_the_wheel_ships_its_data_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    # every data file under src/detente is declared as package data and lands in the wheel
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = declared["tool"]["setuptools"]["package-data"]["detente"]
    data = sorted(
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    )
    for pattern in REQUIRED:
        assert any(PACKAGE.glob(pattern)), f"nothing in src/detente matches {pattern}"

    # build from a copy, so that the build leaves nothing in the checkout (build/, egg-info)
    source = tmp_path / "source"
    shutil.copytree(PACKAGE, source / "src" / "detente",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    env = _clean_env(tmp_path)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist),
                  str(source)], cwd=tmp_path, env=env, timeout=600)  # fmt: skip
    if built.returncode != 0:
        missing(f"pip wheel failed (no package registry for setuptools?): {built.stderr[-400:]}")
    (wheel,) = dist.glob("detente-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    absent = [f for f in data if f"detente/{f}" not in names]
    assert not absent, f"not in the wheel: {absent} (package-data patterns: {patterns})"
    metadata = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        .decode()
    )
    assert "Provides-Extra: web" in metadata and "Provides-Extra: survival" in metadata
    assert "Requires-Dist: fastapi" in metadata and 'extra == "web"' in metadata
    assert "\nRequires-Dist: fastapi" not in metadata.split("Provides-Extra")[0]

    # a plain venv (not --system-site-packages); dependencies from pip's configured registry
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    try:
        _in_the_venv(env_dir, wheel, tmp_path, env)
    finally:
        shutil.rmtree(env_dir, ignore_errors=True)  # about 800 MB


def _in_the_venv(env_dir: Path, wheel: Path, tmp_path: Path, env: dict[str, str]) -> None:
    """Install the wheel into ``env_dir`` and run detente there, from an empty directory."""
    python = env_dir / "bin" / "python"
    # --no-compile: no byte-compiling of every dependency at install (half the install's
    # time; Python compiles what runs as it imports it; DECISIONS PERF-5)
    installed = _run([str(python), "-m", "pip", "install", "--quiet", "--no-compile", str(wheel)],
                     cwd=tmp_path, env=env, timeout=900)  # fmt: skip
    if installed.returncode != 0:
        missing(f"cannot install the wheel's dependencies: {installed.stderr[-400:]}")
    detente = env_dir / "bin" / "detente"
    work = tmp_path / "elsewhere"
    work.mkdir()

    where = _run([str(python), "-c", "import detente; print(detente.__file__)"], work, env, 60)
    assert where.stdout.strip().startswith(str(env_dir)), where
    lean = _run([str(python), "-c", "import fastapi"], work, env, 60)
    assert lean.returncode != 0  # the web app is an extra

    forecast = _run([str(detente), "forecast", "ukraine-2024", "--no-store"], work, env, 300)
    assert forecast.returncode == 0, forecast.stderr
    assert "territory" in forecast.stdout and "compromise" in forecast.stdout, forecast.stdout
    simulate = _run([str(detente), "simulate", "ukraine-2024", "--draws", "200", "--no-store"],
                    work, env, 600)  # fmt: skip
    assert simulate.returncode == 0, simulate.stderr
    assert "200" in simulate.stdout and "deal" in simulate.stdout.lower(), simulate.stdout

    # without the web extra, `serve` says which extra to install, on one line
    serve = _run([str(detente), "serve", "--port", "8765"], work, env, 120)
    assert serve.returncode != 0
    lines = serve.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'detente[web]'" in lines[0], serve.stderr
    assert not any(work.iterdir()), list(work.iterdir())  # nothing written where it ran


def test_a_missing_extra_is_named_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without uvicorn, ``serve`` names the web extra; without xgboost, the xgb durability
    model names the survival extra (sys.modules[name] = None makes the import fail)."""
    from typer.testing import CliRunner

    from detente.cli.main import app
    from detente.durability.boosted import xgboost_module
    from detente.errors import DetenteError

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(app, ["serve", "--port", "8765"])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "error: serve: the web app needs uvicorn; install it with pip install 'detente[web]'"
    ], result.output
    monkeypatch.setitem(sys.modules, "xgboost", None)
    with pytest.raises(DetenteError, match=r"pip install 'detente\[survival\]'"):
        xgboost_module()
