"""Servers and clusters that tests start must die with the test run, even a killed one.

``die_with_parent`` is a ``preexec_fn``: on Linux the child asks the kernel for SIGKILL when
its parent dies (``prctl(PR_SET_PDEATHSIG)``; strictly, when the thread that started it ends,
so start these from the main thread), so a ``detente serve`` started by a test goes when
pytest is SIGKILLed, not only when a fixture's teardown runs.

A Ray head needs more. ``ray start --head --block`` ties its direct daemons (GCS, raylet,
monitor, log monitor, client server) to itself the same way, and idle workers leave when the
raylet goes, but the raylet's dashboard and runtime-env agents outlive it. So the head is
started in a process group of its own with PDEATHSIG, and a watchdog (:func:`guard_group`)
SIGKILLs that whole group once the process that started it is gone.

No pytest import here: the benchmark scripts use it too (benchmarks/load_web.py).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child die (SIGKILL) with the process that starts it;
    None where the kernel offers no such thing (not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    prctl.restype = ctypes.c_int
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    parent = os.getpid()

    def preexec() -> None:
        if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(127)
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


GUARD = """
import os, signal, sys, time
parent, group = int(sys.argv[1]), int(sys.argv[2])
while True:
    time.sleep(0.25)
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        break  # the group is gone (a fixture's teardown): nothing left to guard
    if os.getppid() != parent:  # the process that started us died
        os.killpg(group, signal.SIGKILL)
        break
"""


def guard_group(group: int) -> subprocess.Popen[bytes]:
    """A watchdog that SIGKILLs process group ``group`` when this process dies, and leaves
    when the group is gone. It runs in a session of its own, so a Ctrl-C meant for pytest does
    not stop it before pytest's own teardown has run."""
    return subprocess.Popen(
        [sys.executable, "-c", GUARD, str(os.getpid()), str(group)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def session_members(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``, from /proc (Linux)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            members.append(int(entry.name))
    return members


def wait_until_gone(sid: int, timeout: float) -> list[int]:
    """Poll until session ``sid`` has no live process or ``timeout`` seconds pass; what is
    left (empty when all are gone)."""
    deadline = time.monotonic() + timeout
    while (left := session_members(sid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def ray_executable() -> str | None:
    """The ``ray`` command of this interpreter's environment (or on PATH)."""
    return shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray")


def start_ray_head(
    exe: str, port: int, temp_dir: str
) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    """``ray start --head --block``: a 2-CPU head on loopback, in a session and process group
    of its own (so the group can be signalled), and its guard: the whole cluster dies with the
    calling process. Returns (head, guard); the guard leaves by itself once the group is gone."""
    head = subprocess.Popen(
        [exe, "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
         "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats",
         f"--temp-dir={temp_dir}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        preexec_fn=die_with_parent(),
        env={**os.environ, "RAY_AUTH_MODE": "disabled"},
    )  # fmt: skip
    return head, guard_group(head.pid)


def ray_head_ready(address: str) -> tuple[bool, str]:
    """Whether a driver can connect to the head at ``address`` and sees its 2 CPUs; stderr."""
    probe = subprocess.run(
        [sys.executable, "-c", f"import ray; ray.init(address={address!r}, "
         "logging_level='ERROR'); print(ray.cluster_resources().get('CPU'))"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "RAY_AUTH_MODE": "disabled"},
    )  # fmt: skip
    return probe.returncode == 0 and probe.stdout.strip().startswith("2"), probe.stderr
