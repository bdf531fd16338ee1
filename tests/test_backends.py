"""Inline, process-pool and Ray backends give identical arrays for the same seed.

The Ray tests start a local Ray head on loopback for the session (``ray start --head
--block``, stopped by signalling that process) and skip cleanly where Ray is not installed.
"""

from __future__ import annotations

import contextlib
import json
import os
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

from detente.scenario import load_scenario
from detente.uncertainty.backends import get_backend
from detente.uncertainty.sampling import with_default_spread
from detente.uncertainty.sweep import sweep

MODELS = ["compromise", "median", "nash", "bdm"]


@pytest.fixture(scope="module")
def spread_scenario():  # type: ignore[no-untyped-def]
    return with_default_spread(load_scenario("ukraine-2024"))


@pytest.fixture(scope="module")
def inline(spread_scenario) -> dict[tuple[str, str], np.ndarray]:  # type: ignore[no-untyped-def]
    return sweep(spread_scenario, 1200, seed=11, models=MODELS, chunk_size=250).outcomes


def _assert_identical(
    a: dict[tuple[str, str], np.ndarray], b: dict[tuple[str, str], np.ndarray]
) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_process_pool_matches_inline(spread_scenario, inline) -> None:  # type: ignore[no-untyped-def]
    got = sweep(spread_scenario, 1200, seed=11, models=MODELS, chunk_size=250,
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
    """The address of a local 2-CPU Ray head on loopback, started for the session."""
    pytest.importorskip("ray")
    exe = shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray")
    if exe is None:
        pytest.skip("the ray command is not installed")
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="dray")
    # a throwaway loopback cluster: no auth token (drivers of this session inherit the mode)
    previous = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    head = subprocess.Popen(
        [exe, "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
         "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats",
         f"--temp-dir={temp}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            probe = subprocess.run(
                [sys.executable, "-c", f"import ray; ray.init(address={address!r}, "
                 "logging_level='ERROR'); print(ray.cluster_resources().get('CPU'))"],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            if probe.returncode == 0 and probe.stdout.strip().startswith("2"):
                break
            if head.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"could not start a Ray head: {probe.stderr[-300:]}")
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
        shutil.rmtree(temp, ignore_errors=True)
        if previous is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = previous


def test_ray_matches_inline(spread_scenario, inline, ray_head: str) -> None:  # type: ignore[no-untyped-def]
    got = sweep(spread_scenario, 1200, seed=11, models=MODELS, chunk_size=250,
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


PAGE_FAULTS = """
import resource, sys
import numpy as np
from detente.models.bdm import simulate
from detente.uncertainty.allocator import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
rng = np.random.default_rng(0)
x, s, c = (rng.uniform(0, 1, (1000, 10)) for _ in range(3))
simulate(x, s, c)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
simulate(x, s, c)
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc tuning")
def test_kept_memory_stops_the_page_faults_of_a_bdm_batch() -> None:
    """After a warm-up, a 1,000-draw BDM batch re-faults ~12,000 pages under glibc's default
    thresholds and almost none once the sweep's allocator setting is on (BDM-11)."""

    def faults(mode: str) -> tuple[str, int]:
        out = subprocess.run(
            [sys.executable, "-c", PAGE_FAULTS, mode], capture_output=True, text=True, check=True
        ).stdout.split()
        return out[0], int(out[1])

    kept, with_setting = faults("keep")
    _, default = faults("default")
    if kept != "True":
        pytest.skip("not glibc: mallopt is unavailable")
    assert with_setting < 500 < 5_000 < default
