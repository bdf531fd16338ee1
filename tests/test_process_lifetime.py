"""Servers and clusters started for the tests die with the run that started them, even when it
is SIGKILLed and no fixture teardown runs (tests/processes.py).

Each test starts the fixture's mechanism in a child process (the Ray head of
tests/test_backends.py; ``detente serve`` as benchmarks/load_web.py and tests/test_web_load.py
start it), SIGKILLs that child, and polls until the processes it started are gone. The bound
on the wait is generous: it catches processes that never go, not slow ones.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import missing, require_module
from tests.processes import ray_executable, session_members, wait_until_gone

ROOT = Path(__file__).resolve().parents[1]
GONE_WITHIN = 60.0  # seconds; generous, the processes normally go within a second or two

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc are Linux's"
)

RAY_CHILD = """
import socket, sys, time
sys.path.insert(0, sys.argv[1])
from tests.processes import ray_head_ready, start_ray_head
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
head, guard = start_ray_head(sys.argv[2], port, sys.argv[3])
deadline = time.monotonic() + 120
while not ray_head_ready(f"127.0.0.1:{port}")[0]:
    if head.poll() is not None or time.monotonic() > deadline:
        print("failed", flush=True)
        sys.exit(1)
    time.sleep(1)
print("ready", head.pid, guard.pid, flush=True)
time.sleep(3600)
"""

SERVE_CHILD = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("load_web", sys.argv[1])
load_web = importlib.util.module_from_spec(spec)
sys.modules["load_web"] = load_web
spec.loader.exec_module(load_web)
server = load_web.Server.start()
print("ready", server.process.pid, server.log, flush=True)
time.sleep(3600)
"""


def _first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The child's first line of output, or '' if none comes within ``timeout`` seconds."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().strip() if ready else ""


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _wait_until_dead(pid: int, timeout: float) -> bool:
    """Poll until ``pid`` is gone; False if it still runs after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _kill(child: subprocess.Popen[str]) -> None:
    child.kill()  # SIGKILL: no handler, no atexit, no fixture teardown
    child.wait(timeout=30)


def test_a_killed_run_takes_its_ray_head_with_it() -> None:
    require_module("ray", "install the ray extra: pip install -e '.[ray]' (make test does)")
    exe = ray_executable()
    if exe is None:
        missing("the ray command is not installed")
    temp = tempfile.mkdtemp(prefix="dray")
    child = subprocess.Popen(
        [sys.executable, "-c", RAY_CHILD, str(ROOT), exe, temp],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    head = None
    try:
        line = _first_line(child, timeout=180)
        if not line.startswith("ready "):
            missing(f"could not start a Ray head ({line or 'no answer in 180 s'})")
        head, guard = (int(pid) for pid in line.split()[1:])
        cluster = session_members(head)  # the head started a session of its own
        assert head in cluster and len(cluster) >= 3, cluster  # ray start, GCS, raylet, ...
        assert _alive(guard)
        _kill(child)
        assert wait_until_gone(head, GONE_WITHIN) == []  # every process of the cluster
        assert _wait_until_dead(guard, GONE_WITHIN)  # and the guard leaves after its work
    finally:
        if child.poll() is None:
            _kill(child)
        if head is not None:
            for pid in session_members(head):  # only if the test failed
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)


def test_a_killed_run_takes_its_web_server_with_it(tmp_path: Path) -> None:
    errors = tmp_path / "child.err"
    with errors.open("w") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", SERVE_CHILD, str(ROOT / "benchmarks" / "load_web.py")],
            stdout=subprocess.PIPE, stderr=err, text=True,
        )  # fmt: skip
    server = None
    try:
        line = _first_line(child, timeout=120)
        assert line.startswith("ready "), (line, errors.read_text()[-2000:])
        _, pid, log = line.split(maxsplit=2)
        server = int(pid)
        Path(log).unlink(missing_ok=True)
        assert _alive(server)
        _kill(child)
        assert _wait_until_dead(server, GONE_WITHIN), f"detente serve {server} outlived its run"
    finally:
        if child.poll() is None:
            _kill(child)
        if server is not None and _alive(server):
            os.kill(server, signal.SIGKILL)

