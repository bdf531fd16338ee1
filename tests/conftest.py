"""Shared fixtures: the shared data folder and small scenarios."""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import os
from collections import OrderedDict
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import numpy as np
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
_SOLVED_BYTES = 300_000_000
"""What the kept solutions may hold (their arrays): three of ukraine-2024 (about 80 MB each),
or more of the small campaigns of the evaluation and edge-case tests (DECISIONS PERF-5)."""
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
        while len(_SOLVED) > 1 and sum(map(_nbytes, _SOLVED.values())) > _SOLVED_BYTES:
            _SOLVED.popitem(last=False)
    _SOLVED.move_to_end(key)
    return _SOLVED[key]


def _nbytes(obj: Any, depth: int = 0) -> int:
    """The bytes of the numpy arrays held by ``obj`` (a Solution: its fields, and theirs)."""
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if depth > 2 or not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return 0
    return sum(_nbytes(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj))


SPREAD = "SPREAD"
"""A test module's tuple of its slow test functions (DECISIONS PERF-5). Under ``make test``
(``pytest -n auto --dist loadgroup``, scheduled by :func:`pytest_xdist_make_scheduler`) each
case of one (its parametrize id, or the function's name) is a work unit of its own, and
functions listed together that share a case id share the unit and run one after the other
(so the second gets the case's solve from :func:`_shared_solve`). These units run first;
every other test is in its module's unit (as ``--dist loadfile``), so module fixtures are
built once."""
ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def _spread(module: str) -> tuple[str, ...]:
    """The :data:`SPREAD` of the test module at ``module`` (relative to the checkout), read
    from its source: xdist's controller schedules by node id and imports no test module."""
    try:
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return ()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == SPREAD for t in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    return ()


def _unit(nodeid: str) -> tuple[str, bool]:
    """The work unit of the test ``nodeid`` and whether it is a spread (slow, first) one."""
    module, _, rest = nodeid.partition("::")
    name = rest.partition("[")[0]
    function = name.rpartition("::")[2]
    if function not in _spread(module):
        return module, False
    case = rest[len(name) + 1 : -1] if rest.endswith("]") and len(rest) > len(name) else function
    return f"{module}::{case}", True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the spread units (:data:`SPREAD`) first, each unit's tests together in their
    collected order; the order is otherwise kept (the workers run their units in it)."""
    units: dict[str, list[pytest.Item]] = {}
    first: list[str] = []
    for item in items:
        group, spread = _unit(item.nodeid)
        if group not in units:
            units[group] = []
            if spread:
                first.append(group)
        units[group].append(item)
    rest = [g for g in units if g not in set(first)]
    items[:] = [item for group in (*first, *rest) for item in units[group]]


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup``: work units by :func:`_unit`, handed out in collection order.
    (xdist 3.8's own loadgroup cannot regroup under pytest 9, whose node ids it can no
    longer rename; so the units are named here, from the node ids.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    class SpreadScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)[0]

    config.option.loadscopereorder = False  # the order of pytest_collection_modifyitems
    return SpreadScheduling(config, log)


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
