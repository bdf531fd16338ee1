"""The layers hold at run time too (import-linter checks the static imports in `make test`):
the spec layer loads nothing above it, and loading a scenario loads no pandas."""

from __future__ import annotations

import json
import subprocess
import sys


def _modules_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_the_spec_layer_loads_only_pydantic_numpy_and_itself() -> None:
    loaded = _modules_after("import detente.spec")
    ours = {m for m in loaded if m.startswith("detente.")}
    # below the spec layer: errors, and the standard-library-only paths and wording helpers
    lowest = ("detente.spec", "detente.errors", "detente.paths", "detente.wording")
    assert ours <= {m for m in ours if m.startswith(lowest)}, ours
    for heavy in ("pandas", "scipy", "yaml", "matplotlib", "duckdb", "lifelines", "platformdirs"):
        assert heavy not in loaded, heavy


def test_loading_a_scenario_does_not_import_pandas() -> None:
    loaded = _modules_after(
        "from detente.scenario import load_scenario\n"
        "sc = load_scenario('ukraine-2024')\n"
        "assert sc.campaign is not None and sc.campaign.is_resolved\n"
        "sc.campaign.arrays()"
    )
    assert "pandas" not in loaded
    assert "scipy" not in loaded
    assert "detente.war.solver" not in loaded  # reading a campaign is not solving it


def test_the_cli_imports_a_command_only_when_it_runs() -> None:
    """Start-up time is import time (docs/benchmarks.md): the command line loads its
    commands lazily, and a forecast never loads the durability models' lifelines."""
    loaded = _modules_after("from detente.cli.main import app")
    for heavy in ("pandas", "scipy", "lifelines", "duckdb", "detente.cli.forecast"):
        assert heavy not in loaded, heavy
    loaded = _modules_after(
        "import sys\n"
        "from detente.cli.main import app\n"
        "sys.argv = ['detente', 'forecast', 'ukraine-2024', '--all', '--no-store']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    assert "detente.cli.forecast" in loaded and "detente.uncertainty.stability" in loaded
    for heavy in ("lifelines", "scipy.stats", "detente.cli.durability", "detente.levers"):
        assert heavy not in loaded, heavy
