"""Shared fixtures: the shared data folder and small scenarios."""

from __future__ import annotations

import importlib
import os
from collections import OrderedDict
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest

from detente.scenario import Scenario, parse_yaml
from detente.spec.campaign import campaign_hash
from detente.war import model as war_model
from detente.war import solver as war_solver
from detente.war.model import SOLVER


def _shared_data() -> Path:
    env = os.environ.get("DETENTE_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


SHARED_DATA = _shared_data()

# With DETENTE_REQUIRE_DATA=1 (set by .ci/run), a missing shared data folder or test-only
# dependency fails the tests that need it instead of skipping them, so a run without the
# validation data cannot be green.
REQUIRE_ENV = "DETENTE_REQUIRE_DATA"


def data_required() -> bool:
    """True when ``DETENTE_REQUIRE_DATA=1``: what a test needs must be there."""
    return os.environ.get(REQUIRE_ENV) == "1"


def missing(reason: str) -> NoReturn:
    """Skip for ``reason`` (data or a test-only tool is absent); under ``DETENTE_REQUIRE_DATA=1``
    fail instead, with one line. Usable in a test, a fixture or at module level (where the
    failure is a collection error)."""
    if data_required():
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 makes this an error, not a skip", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_module(name: str, install: str) -> ModuleType:
    """``pytest.importorskip(name)``, but failing under ``DETENTE_REQUIRE_DATA=1``;
    ``install`` says how to get it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        problem = str(exc)
    missing(f"{name} is not importable ({problem}); {install}")  # outside: no chained trace


_SOLVED: OrderedDict[str, Any] = OrderedDict()
"""Campaigns solved in this test process, by :func:`~detente.war.model.campaign_hash`: the
tests solve ukraine-2024 and a few small campaigns again and again (seconds each)."""
_SOLVED_SIZE = 3  # about 80 MB each for ukraine-2024
SHARED_SOLVES = {"asked": 0, "solved": 0}
"""How often the tests of this process asked :func:`_shared_solve` for a solution and how
often it had to solve (benchmarks/notes: what the sharing saves)."""
_SOLVE_CAMPAIGN = war_model.solve_campaign
_SOLVE = war_solver.solve


def _shared_solve(campaign: Any, arrays: Any = None) -> Any:
    """:func:`~detente.war.model.solve_campaign`, each campaign solved once per test process
    (DECISIONS PERF-5); a test that replaced the solver, or passes arrays, gets a real call."""
    if arrays is not None or war_solver.solve is not _SOLVE:
        return _SOLVE_CAMPAIGN(campaign, arrays)
    key = campaign_hash(campaign)
    SHARED_SOLVES["asked"] += 1
    if key not in _SOLVED:
        SHARED_SOLVES["solved"] += 1
        _SOLVED[key] = _SOLVE_CAMPAIGN(campaign)
        while len(_SOLVED) > _SOLVED_SIZE:
            _SOLVED.popitem(last=False)
    _SOLVED.move_to_end(key)
    return _SOLVED[key]


@pytest.fixture(autouse=True)
def _fresh_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with an empty war-model solver cache (the process's SOLVER, shared
    by the CLI, report, web app and levers), so that what a test sees as cached it solved;
    under it, the solutions themselves are shared by the tests of a process
    (:func:`_shared_solve`)."""
    SOLVER.clear()
    monkeypatch.setattr(war_model, "solve_campaign", _shared_solve)


@pytest.fixture(autouse=True)
def _private_run_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test records runs in its own store, never in the user's ~/.detente."""
    monkeypatch.setenv("DETENTE_STORE", str(tmp_path_factory.mktemp("store") / "runs.duckdb"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; tests that need it skip where it is absent (fail under
    ``DETENTE_REQUIRE_DATA=1``)."""
    if not SHARED_DATA.is_dir():
        missing(f"shared data not found at {SHARED_DATA} (set DETENTE_SHARED_DATA)")
    return SHARED_DATA


TWO_ISSUES = """
name: toy
title: A toy negotiation
issues:
  - name: a
    low_label: nothing
    high_label: everything
    status_quo: {value: 20, note: today}
  - name: b
actors:
  - name: X
    capability: {value: 3, note: big}
    stances:
      a: {position: 80, salience: 60}
      b: {position: 10, salience: 90}
  - name: Y
    capability: 1
    stances:
      a: {position: 20, salience: 40}
      b: {position: 60, salience: 30}
  - name: Z
    capability: 2
    stances:
      a: {position: 50, salience: 100, clout: 0.5}
"""


@pytest.fixture()
def toy() -> Scenario:
    return parse_yaml(TWO_ISSUES, source="toy.yaml")


@pytest.fixture()
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's consoles at 200 columns, for tests that look for a long cell unfolded (the
    runner's default is 80, where tables fold their cells: DECISIONS DESK-10)."""
    from detente.cli.common import err, out

    for console in (out, err):
        monkeypatch.setattr(console, "_width", 200)
