"""Inline, process-pool and Ray backends give identical arrays for the same seed.

The Ray tests start a local Ray head on loopback for the session (``ray start --head
--block``, stopped by signalling that process, and dying with pytest if it is killed) and skip
cleanly where Ray is not installed (fail under DETENTE_REQUIRE_DATA=1, as in CI). The page
faults of a BDM batch with and without the sweep's allocator setting are measured by
benchmarks/bench_checks.py, not asserted here.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from detente.scenario import Scenario, load_scenario
from detente.uncertainty.backends import get_backend
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import with_default_spread
from detente.uncertainty.sweep import resolve_models, sweep
from tests.conftest import missing, require_module
from tests.processes import ray_executable, ray_head_ready, start_ray_head

MODELS = ["compromise", "median", "nash", "bdm"]


@pytest.fixture(scope="module")
def spread_scenario():  # type: ignore[no-untyped-def]
    return with_default_spread(load_scenario("ukraine-2024"))


@pytest.fixture(scope="module")
def inline(spread_scenario) -> dict[tuple[str, str], np.ndarray]:  # type: ignore[no-untyped-def]
    return sweep(spread_scenario, _models(spread_scenario), 1200, seed=11,
                 chunk_size=250).outcomes  # fmt: skip


def _models(scenario: Scenario) -> OutcomeModels:
    return OutcomeModels(scenario, resolve_models(MODELS))


def _assert_identical(
    a: dict[tuple[str, str], np.ndarray], b: dict[tuple[str, str], np.ndarray]
) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_process_pool_matches_inline(spread_scenario, inline) -> None:  # type: ignore[no-untyped-def]
    got = sweep(spread_scenario, _models(spread_scenario), 1200, seed=11, chunk_size=250,
                backend="process", workers=2).outcomes  # fmt: skip
    _assert_identical(inline, got)


def test_unknown_backend_and_misplaced_address() -> None:
    from detente.errors import DetenteError

    with pytest.raises(DetenteError, match="unknown backend"):
        get_backend("gpu")
    with pytest.raises(DetenteError, match="--backend ray"):
        get_backend("process", address="127.0.0.1:1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def ray_head() -> Iterator[str]:
    """The address of a local 2-CPU Ray head on loopback, started for the session. The head
    dies with this process even when pytest is killed (tests/processes.py; DECISIONS UNC-13)."""
    require_module("ray", "install the ray extra: pip install -e '.[ray]' (make test does)")
    exe = ray_executable()
    if exe is None:
        missing("the ray command is not installed")
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="dray")
    # a throwaway loopback cluster: no auth token (drivers of this session inherit the mode)
    previous = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    head, guard = start_ray_head(exe, port, temp)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            ready, stderr = ray_head_ready(address)
            if ready:
                break
            if head.poll() is not None or time.monotonic() > deadline:
                missing(f"could not start a Ray head: {stderr[-300:]}")
            time.sleep(1)
        yield address
    finally:
        # the head's own process group only (it was started in a new session)
        os.killpg(head.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            head.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGKILL)  # gcs_server and raylet may linger
        head.wait()
        guard.wait(timeout=30)  # it leaves once the head's group is gone
        shutil.rmtree(temp, ignore_errors=True)
        if previous is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = previous


def test_ray_matches_inline(spread_scenario, inline, ray_head: str) -> None:  # type: ignore[no-untyped-def]
    got = sweep(spread_scenario, _models(spread_scenario), 1200, seed=11, chunk_size=250,
                backend="ray", address=ray_head).outcomes  # fmt: skip
    _assert_identical(inline, got)


def test_ray_cli_sweep(ray_head: str, tmp_path: Path) -> None:
    env = {**os.environ, "DETENTE_STORE": str(tmp_path / "runs.duckdb")}
    args = ["sweep", "ukraine-2024", "--spread", "-m", "bdm", "--draws", "600", "--seed", "2",
            "--chunk-size", "200", "--format", "json"]  # fmt: skip
    runs = {}
    for backend in ("inline", "ray"):
        extra = ["--backend", "ray", "--address", ray_head] if backend == "ray" else []
        proc = subprocess.run(
            [sys.executable, "-m", "detente.cli.sweep", *args, *extra, "--fresh"],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        runs[backend] = json.loads(proc.stdout)["results"]
    assert runs["inline"] == runs["ray"]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_sweep_allocator_setting_takes_on_glibc() -> None:
    """keep_freed_memory() sets both of glibc's thresholds (BDM-11). The page faults it saves
    are measured by benchmarks/bench_checks.py."""
    code = "from detente.uncertainty.allocator import keep_freed_memory as k; print(k(), k())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
