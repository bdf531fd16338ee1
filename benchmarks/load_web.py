"""Load test of the web app (``detente serve``) on loopback — issue 9.

    .venv/bin/python benchmarks/load_web.py [--clients 50] [--seconds 60] [--seed 0] [--json]

Starts the real server the way ``detente serve`` does (uvicorn, 127.0.0.1, a free port) in a
subprocess and drives it with ``--clients`` concurrent clients (asyncio + httpx, one
keep-alive connection each) for ``--seconds``. Each client draws its requests from a seeded
mix (``random.Random``); its first requests go through the kinds in turn, so every kind is
sent at least once when there are enough clients and time:

- valid (200 expected): forecasts of the built-in scenario with random what-ifs, the same
  with the scenario sent as text, campaign simulations (actor what-ifs and a few campaign
  slider values), lever rankings, uploads of valid YAML, the page and its assets;
- malformed (4xx expected): bad JSON, wrong content type, invalid YAML, an invalid scenario,
  an unknown actor in a what-if or a ranking, a negative salience, NaN, other bad requests;
- oversize (413 expected): an upload and a scenario text over the 1 MB limit, a body over the
  body limit with its ``Content-Length`` and chunked.

Reported per kind: count, p50/p99/max latency and the status codes; overall the error rate
(transport errors, 5xx, or a status other than the expected one), and the server's RSS
(``/proc/PID/status``, or psutil where installed) each second: at the start, after the
warm-up, at the end, its peak and its slope over the second half of the run; RSS growth over
20 % after the warm-up is flagged. Exits 1 on any 5xx, connection error or timeout, any
malformed or oversize request not answered 4xx (or their p99 over 10 s), a traceback in the
server's log, or the memory flag. ``tests/test_web_load.py`` imports this file and runs a
short version; the figures of the long run are in docs/robustness.md.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import importlib
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.processes import die_with_parent  # noqa: E402

from detente.scenario import load_scenario, to_yaml  # noqa: E402
from detente.web.app import MAX_BODY_BYTES  # noqa: E402
from detente.web.schemas import MAX_UPLOAD_BYTES  # noqa: E402

BUILTIN = {"builtin": "ukraine-2024"}
US = "US incoming administration (Trump)"
MEMORY_GROWTH_LIMIT = 0.20
"""RSS growth after the warm-up that is flagged (end over after-warm-up, minus 1)."""
REFUSAL_P99_LIMIT_MS = 10_000.0
"""The slowest p99 latency of the 4xx answers to malformed and oversize requests that passes
(the server is saturated by design: 50 clients without think time on 2 cores)."""

TOY = """name: toy
title: A toy negotiation
issues:
  - name: a
    status_quo: {{value: {sq}, note: today}}
  - name: b
actors:
  - name: X
    capability: {{value: {cx}, note: big}}
    stances:
      a: {{position: {ax}, salience: {sx}}}
      b: {{position: 10, salience: 90}}
  - name: Y
    capability: 1
    stances:
      a: {{position: {ay}, salience: 40}}
      b: {{position: 60, salience: 30}}
"""


KINDS: tuple[tuple[str, str, float], ...] = (
    ("forecast", "valid", 20),
    ("forecast-text", "valid", 5),
    ("simulate", "valid", 10),
    ("advise", "valid", 8),
    ("upload", "valid", 8),
    ("page", "valid", 5),
    ("bad-json", "malformed", 3),
    ("wrong-content-type", "malformed", 3),
    ("invalid-yaml", "malformed", 3),
    ("invalid-scenario", "malformed", 3),
    ("unknown-actor", "malformed", 3),
    ("negative-salience", "malformed", 3),
    ("nan", "malformed", 3),
    ("bad-request", "malformed", 3),
    ("upload-over-1mb", "oversize", 2.5),
    ("text-over-1mb", "oversize", 2.5),
    ("body-over-limit", "oversize", 2.5),
    ("chunked-over-limit", "oversize", 2.5),
)
"""The request kinds: name, group (valid: 200 expected; malformed and oversize: 4xx) and
weight in the mix."""


@dataclass(frozen=True)
class Request:
    """One request of the mix; ``expect`` is ``"200"`` or ``"4xx"``."""

    kind: str
    group: str
    method: str
    path: str
    content: bytes | Callable[[], AsyncIterator[bytes]] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def expect(self) -> str:
        return "200" if self.group == "valid" else "4xx"


@dataclass(frozen=True)
class Sample:
    """What one request got: status (``None`` for a transport error) and latency."""

    kind: str
    group: str
    path: str
    start: float
    seconds: float
    status: int | None
    error: str | None = None
    problem: str | None = None


def _json(body: object, content_type: str = "application/json") -> dict[str, Any]:
    return {
        "content": json.dumps(body).encode(),
        "headers": {"content-type": content_type},
    }


def _chunked(total: int, chunk: int = 65_536) -> Callable[[], AsyncIterator[bytes]]:
    async def gen() -> AsyncIterator[bytes]:
        sent = 0
        while sent < total:
            yield b" " * chunk
            sent += chunk

    return gen


class Mix:
    """The request kinds, their weights and their (seeded) bodies."""

    def __init__(self) -> None:
        self.ukraine_yaml = to_yaml(load_scenario("ukraine-2024"))
        self.big_text = "# " + "x" * (MAX_UPLOAD_BYTES + 100_000) + "\n" + self.ukraine_yaml
        self.big_upload = self.big_text.encode()
        self.big_text_body = json.dumps({"scenario": {"text": self.big_text}}).encode()
        self.over_body = b'{"scenario": {"text": "' + b"x" * (MAX_BODY_BYTES + 400_000) + b'"}}'
        makers: dict[str, Callable[[random.Random], Request]] = {
            "forecast": self.forecast,
            "forecast-text": self.forecast_text,
            "simulate": self.simulate,
            "advise": self.advise,
            "upload": self.upload,
            "page": self.page,
            "bad-json": self.bad_json,
            "wrong-content-type": self.wrong_content_type,
            "invalid-yaml": self.invalid_yaml,
            "invalid-scenario": self.invalid_scenario,
            "unknown-actor": self.unknown_actor,
            "negative-salience": self.negative_salience,
            "nan": self.nan,
            "bad-request": self.bad_request,
            "upload-over-1mb": self.upload_over,
            "text-over-1mb": self.text_over,
            "body-over-limit": self.body_over,
            "chunked-over-limit": self.chunked_over,
        }
        self.kinds = {name: (group, weight, makers[name]) for name, group, weight in KINDS}
        self.names = list(self.kinds)
        self.weights = [w for _, w, _ in self.kinds.values()]

    def make(self, kind: str, rng: random.Random) -> Request:
        """A request of ``kind`` with its random parts drawn from ``rng``."""
        return self.kinds[kind][2](rng)

    def draw(self, rng: random.Random) -> Request:
        """A request of a kind drawn by weight."""
        return self.make(rng.choices(self.names, self.weights)[0], rng)

    # valid -----------------------------------------------------------------------------
    @staticmethod
    def _what_ifs(rng: random.Random) -> list[dict[str, object]]:
        paths = [
            ("actors.Russia.stances.territory.salience", 0, 100),
            (f"actors.{US}.stances.territory.position", 0, 100),
            ("actors.Ukraine.stances.guarantees.salience", 0, 100),
            ("actors.China.capability", 0, 0.3),
            ("issues.territory.status_quo", 0, 100),
        ]
        chosen = rng.sample(paths, rng.randint(0, 3))
        return [{"path": p, "value": round(rng.uniform(lo, hi), 3)} for p, lo, hi in chosen]

    def forecast(self, rng: random.Random) -> Request:
        body = {"scenario": BUILTIN, "overrides": self._what_ifs(rng)}
        return Request("forecast", "valid", "POST", "/api/forecast", **_json(body))

    def forecast_text(self, rng: random.Random) -> Request:
        body = {
            "scenario": {"text": self.ukraine_yaml, "filename": "ukraine.yaml"},
            "overrides": self._what_ifs(rng),
        }
        return Request("forecast-text", "valid", "POST", "/api/forecast", **_json(body))

    def simulate(self, rng: random.Random) -> Request:
        # two campaign slider values (each a solve of about 37 MB, kept in the app's cache)
        # or actors' what-ifs (which leave the campaign, and its solved policy, unchanged)
        campaign = [
            ("presses_russia.after.riposte_probability", 0.0),
            ("presses_ukraine.after.offer_probability", 0.3),
        ]
        overrides = self._what_ifs(rng)
        if rng.random() < 0.5:
            path, value = rng.choice(campaign)
            overrides = [{"path": f"campaign.mediator.types.{path}", "value": value}]
        body = {"scenario": BUILTIN, "overrides": overrides}
        return Request("simulate", "valid", "POST", "/api/simulate", **_json(body))

    def advise(self, rng: random.Random) -> Request:
        body: dict[str, object] = {
            "scenario": BUILTIN,
            "overrides": self._what_ifs(rng)[:1],
            "actor": US,
            "goal": f"territory{rng.choice(['<=', '>='])}{rng.randint(20, 70)}",
            "model": rng.choice(["compromise", "compromise", "median", "nash"]),
        }
        if rng.random() < 0.5:
            body["draws"] = 0
        return Request("advise", "valid", "POST", "/api/advise", **_json(body))

    def upload(self, rng: random.Random) -> Request:
        if rng.random() < 0.5:
            name, text = "ukraine.yaml", self.ukraine_yaml
        else:
            name = "toy.yml"
            text = TOY.format(
                sq=rng.randint(0, 100), cx=rng.randint(1, 9), ax=rng.randint(0, 100),
                sx=rng.randint(0, 100), ay=rng.randint(0, 100),
            )  # fmt: skip
        files = {"file": (name, text.encode(), "application/x-yaml")}
        return Request("upload", "valid", "POST", "/api/upload", files=files)

    def page(self, rng: random.Random) -> Request:
        path = rng.choice(
            ["/", "/api/scenarios", "/api/health", "/static/app.js", "/static/plotly.min.js"]
        )
        return Request("page", "valid", "GET", path)

    # malformed -------------------------------------------------------------------------
    def bad_json(self, rng: random.Random) -> Request:
        good = json.dumps({"scenario": BUILTIN, "overrides": self._what_ifs(rng)}).encode()
        content = rng.choice(
            [good[: rng.randint(1, len(good) - 1)], b"not json", b"{'scenario': 1}", b"\xff\xfe"]
        )
        headers = {"content-type": "application/json"}
        path = rng.choice(["/api/forecast", "/api/simulate", "/api/advise"])
        return Request("bad-json", "malformed", "POST", path, content=content, headers=headers)

    def wrong_content_type(self, rng: random.Random) -> Request:
        kind = "wrong-content-type"
        if rng.random() < 0.3:  # JSON where a multipart upload is expected
            return Request(kind, "malformed", "POST", "/api/upload", **_json({"file": "x"}))
        ctype = rng.choice(["text/plain", "application/x-yaml", "multipart/form-data"])
        body = {"scenario": BUILTIN}
        return Request(kind, "malformed", "POST", "/api/forecast", **_json(body, ctype))

    def invalid_yaml(self, rng: random.Random) -> Request:
        text = rng.choice(
            ["name: [unclosed", "a: &a [*a]\n", "issues:\n  - name: x\n bad indent: 1\n", "\t- x"]
        )
        if rng.random() < 0.5:
            files = {"file": ("bad.yaml", text.encode(), "application/x-yaml")}
            return Request("invalid-yaml", "malformed", "POST", "/api/upload", files=files)
        body = {"scenario": {"text": text, "filename": "bad.yaml"}}
        return Request("invalid-yaml", "malformed", "POST", "/api/forecast", **_json(body))

    def invalid_scenario(self, rng: random.Random) -> Request:
        text = TOY.format(sq=20, cx=3, ax=80, sx=60, ay=20)
        text = rng.choice(
            [
                text.replace("salience: 60", "salience: -1"),
                text.replace("salience: 60", "salience: 101"),
                text.replace("position: 80", "position: 180"),
                text.replace("b: {position: 10", "c: {position: 10"),
                text.replace("- name: Y", "- name: X"),
                text.replace("value: 3,", "value: .nan,"),
            ]
        )
        files = {"file": ("bad.yaml", text.encode(), "application/x-yaml")}
        return Request("invalid-scenario", "malformed", "POST", "/api/upload", files=files)

    def unknown_actor(self, rng: random.Random) -> Request:
        if rng.random() < 0.5:
            body: dict[str, object] = {
                "scenario": BUILTIN, "actor": rng.choice(["Nobody", "Ukraine"]),
                "goal": "territory<=40", "draws": 0,
            }  # fmt: skip
            return Request("unknown-actor", "malformed", "POST", "/api/advise", **_json(body))
        path = rng.choice(["/api/forecast", "/api/simulate"])
        override = {"path": "actors.Nobody.stances.territory.salience", "value": 50}
        body = {"scenario": BUILTIN, "overrides": [override]}
        return Request("unknown-actor", "malformed", "POST", path, **_json(body))

    def negative_salience(self, rng: random.Random) -> Request:
        override = {
            "path": "actors.Russia.stances.territory.salience",
            "value": -rng.randint(1, 50),
        }
        path = rng.choice(["/api/forecast", "/api/simulate"])
        body = {"scenario": BUILTIN, "overrides": [override]}
        return Request("negative-salience", "malformed", "POST", path, **_json(body))

    def nan(self, rng: random.Random) -> Request:
        value = rng.choice(["NaN", "Infinity", "-Infinity"]).encode()
        content = (
            b'{"scenario": {"builtin": "ukraine-2024"}, "overrides": '
            b'[{"path": "actors.Russia.capability", "value": ' + value + b"}]}"
        )
        headers = {"content-type": "application/json"}
        return Request(
            "nan", "malformed", "POST", "/api/forecast", content=content, headers=headers
        )

    def bad_request(self, rng: random.Random) -> Request:
        kind = "bad-request"
        choice = rng.randrange(5)
        if choice == 0:
            return Request(kind, "malformed", "GET", "/api/forecast")  # wrong method
        if choice == 1:
            body: dict[str, object] = {"scenario": {"builtin": "../../etc/passwd"}}
        elif choice == 2:
            override = {"path": "actors.Russia.capability", "value": 1}
            body = {"scenario": BUILTIN, "overrides": [override] * 101}
        elif choice == 3:
            body = {"scenario": BUILTIN, "actor": US, "goal": "territory=40"}
            return Request(kind, "malformed", "POST", "/api/advise", **_json(body))
        else:
            body = {"scenarios": BUILTIN}
        return Request(kind, "malformed", "POST", "/api/forecast", **_json(body))

    # oversize --------------------------------------------------------------------------
    def upload_over(self, rng: random.Random) -> Request:
        files = {"file": ("big.yaml", self.big_upload, "application/x-yaml")}
        return Request("upload-over-1mb", "oversize", "POST", "/api/upload", files=files)

    def text_over(self, rng: random.Random) -> Request:
        headers = {"content-type": "application/json"}
        return Request(
            "text-over-1mb", "oversize", "POST", "/api/forecast",
            content=self.big_text_body, headers=headers,
        )  # fmt: skip

    def body_over(self, rng: random.Random) -> Request:
        headers = {"content-type": "application/json"}
        path = rng.choice(["/api/forecast", "/api/upload"])
        return Request(
            "body-over-limit", "oversize", "POST", path, content=self.over_body, headers=headers
        )

    def chunked_over(self, rng: random.Random) -> Request:
        headers = {"content-type": "application/json"}
        return Request(
            "chunked-over-limit", "oversize", "POST", "/api/forecast",
            content=_chunked(MAX_BODY_BYTES + 200_000), headers=headers,
        )  # fmt: skip


def _check(request: Request, response: httpx.Response) -> str | None:
    """Why the answer is wrong, or ``None``: 200 for a valid request; 4xx with a one-line
    ``detail`` for a malformed or oversize one."""
    status = response.status_code
    if request.expect == "200":
        return None if status == 200 else f"expected 200, got {status}"
    if not 400 <= status < 500:
        return f"expected 4xx, got {status}"
    try:
        detail = response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return f"{status} without a JSON detail"
    if not isinstance(detail, str) or "\n" in detail:
        return f"{status} detail is not one line"
    return None


async def _client(
    index: int,
    clients: int,
    base: str,
    mix: Mix,
    seed: int,
    deadline: float,
    timeout: float,
    t0: float,
    samples: list[Sample],
) -> None:
    rng = random.Random(seed * 100_003 + index)
    first = mix.names[index::clients]
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as http:
        while time.monotonic() < deadline:
            request = mix.make(first.pop(0), rng) if first else mix.draw(rng)
            content = request.content
            start = time.monotonic()
            try:
                response = await http.request(
                    request.method,
                    request.path,
                    content=content() if callable(content) else content,
                    files=request.files,
                    headers=request.headers,
                )
            except httpx.TimeoutException as exc:
                error: str | None = f"timeout ({type(exc).__name__})"
                status, problem = None, None
            except httpx.TransportError as exc:
                error, status, problem = f"{type(exc).__name__}: {exc}"[:200], None, None
            else:
                error, status, problem = None, response.status_code, _check(request, response)
            end = time.monotonic()
            sample = Sample(
                request.kind, request.group, request.path, start - t0, end - start,
                status, error, problem,
            )  # fmt: skip
            samples.append(sample)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """``detente serve`` in a subprocess, its log in a temporary file; the server gets SIGKILL
    when the process that started it dies (Linux), so a killed test run leaves none behind."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    @classmethod
    def start(cls, startup_timeout: float = 60.0) -> Server:
        port = free_port()
        fd, name = tempfile.mkstemp(prefix="detente-serve-", suffix=".log")
        os.close(fd)
        log = Path(name)
        command = [
            sys.executable, "-c", "from detente.cli.main import app; app()",
            "serve", "--host", "127.0.0.1", "--port", str(port),
        ]  # fmt: skip
        with log.open("wb") as out:
            # dies with this process, even a killed one (tests/processes.py)
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent()
            )
        server = cls(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"detente serve exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(server.base + "/api/health", timeout=2).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("detente serve did not answer /api/health in time")
            time.sleep(0.1)

    def stop(self) -> str:
        """Stop the server (SIGTERM, then SIGKILL after 15 s); its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        text = self.log.read_text(errors="replace")
        self.log.unlink(missing_ok=True)
        return text


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user + system, s) of process ``pid`` and of its descendants alive now (the
    solver and compute workers), from ``/proc`` (psutil where installed)."""

    def own(p: int) -> float:
        fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        psutil = importlib.import_module("psutil")
    except ImportError:
        return own(pid), 0.0
    proc = psutil.Process(pid)
    kids = 0.0
    for child in proc.children(recursive=True):
        try:
            t = child.cpu_times()
            kids += t.user + t.system
        except psutil.Error:
            pass
    t = proc.cpu_times()
    return t.user + t.system, kids


def rss_bytes(pid: int) -> int:
    """Resident set size of process ``pid`` (psutil where installed, else /proc)."""
    try:
        psutil = importlib.import_module("psutil")
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for process {pid}") from None
    return int(psutil.Process(pid).memory_info().rss)


async def _sample_rss(
    pid: int, t0: float, stop: asyncio.Event, out: list[tuple[float, int]]
) -> None:
    while True:
        out.append((time.monotonic() - t0, rss_bytes(pid)))
        try:
            await asyncio.wait_for(stop.wait(), timeout=1.0)
            return
        except TimeoutError:
            pass


async def drive(
    base: str,
    pid: int,
    *,
    clients: int,
    seconds: float,
    seed: int,
    timeout: float,
    cpu: dict[str, float] | None = None,
) -> tuple[list[Sample], list[tuple[float, int]], float]:
    """Run the load on the server at ``base`` (process ``pid``): the samples, the RSS samples
    ``(seconds since start, bytes)`` and the wall time including the requests in flight;
    ``cpu`` gets the CPU seconds the server (``server_s``) and its worker processes
    (``workers_s``) spent meanwhile."""
    cpu = {} if cpu is None else cpu
    mix = Mix()
    cpu_start = cpu_seconds(pid)
    samples: list[Sample] = []
    rss: list[tuple[float, int]] = []
    stop = asyncio.Event()
    t0 = time.monotonic()
    sampler = asyncio.create_task(_sample_rss(pid, t0, stop, rss))
    deadline = t0 + seconds
    await asyncio.gather(
        *(
            _client(i, clients, base, mix, seed, deadline, timeout, t0, samples)
            for i in range(clients)
        )
    )
    wall = time.monotonic() - t0
    stop.set()
    await sampler
    rss.append((time.monotonic() - t0, rss_bytes(pid)))
    cpu_end = cpu_seconds(pid)
    cpu.update(server_s=cpu_end[0] - cpu_start[0], workers_s=cpu_end[1] - cpu_start[1])
    return samples, rss, wall


def _quantile(xs: list[float], q: float) -> float:
    """The ``q`` quantile of ``xs`` (nearest rank)."""
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def _latency(xs: list[float]) -> dict[str, float | None]:
    if not xs:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "p50_ms": 1000 * _quantile(xs, 0.50),
        "p99_ms": 1000 * _quantile(xs, 0.99),
        "max_ms": 1000 * max(xs),
    }


def _timeout(sample: Sample) -> bool:
    return sample.error is not None and sample.error.startswith("timeout (")


def _slope_per_minute(points: list[tuple[float, int]]) -> float:
    """Least-squares slope of RSS (MiB) against time, per minute."""
    if len(points) < 2:
        return 0.0
    ts = [t for t, _ in points]
    ys = [b / 2**20 for _, b in points]
    tm, ym = sum(ts) / len(ts), sum(ys) / len(ys)
    den = sum((t - tm) ** 2 for t in ts)
    return (
        0.0
        if den == 0
        else 60 * sum((t - tm) * (y - ym) for t, y in zip(ts, ys, strict=True)) / den
    )


def summarize(
    samples: list[Sample],
    rss: list[tuple[float, int]],
    *,
    seconds: float,
    warmup: float,
    wall: float,
    server_log: str,
    cpu: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The figures of a run as a JSON-able document (also what :func:`failures` checks);
    ``cpu`` as :func:`drive` fills it."""
    order = [k for k, _, _ in KINDS if any(s.kind == k for s in samples)]
    kinds = []
    for kind in order:
        group = [s for s in samples if s.kind == kind]
        kinds.append(
            {
                "kind": kind,
                "group": group[0].group,
                "count": len(group),
                **_latency([s.seconds for s in group]),
                "statuses": dict(sorted(Counter(str(s.status) for s in group if s.status).items())),
                "errors": sum(s.error is not None for s in group),
                "problems": sum(s.problem is not None for s in group),
            }
        )
    refused = [s for s in samples if s.group != "valid"]
    bad = [s for s in samples if s.error is not None or s.problem is not None]
    after = min(rss, key=lambda p: abs(p[0] - warmup))
    end = max((p for p in rss if p[0] <= seconds + 1.0), key=lambda p: p[0])
    growth = end[1] / after[1] - 1
    second_half = [p for p in rss if seconds / 2 <= p[0] <= seconds + 1.0]
    tracebacks = server_log.count("Traceback (most recent call last)")
    return {
        "requests": len(samples),
        "seconds": seconds,
        "wall_seconds": wall,
        "throughput_per_s": len(samples) / wall if wall else 0.0,
        "kinds": kinds,
        "groups": {
            g: {"count": len(xs), **_latency([s.seconds for s in xs])}
            for g in ("valid", "malformed", "oversize")
            for xs in [[s for s in samples if s.group == g]]
        },
        "refused_4xx": {
            "count": sum(s.status is not None and 400 <= s.status < 500 for s in refused),
            "of": len(refused),
            **_latency([s.seconds for s in refused]),
        },
        "status_5xx": sum(s.status is not None and s.status >= 500 for s in samples),
        "connection_errors": sum(s.error is not None and not _timeout(s) for s in samples),
        "timeouts": sum(_timeout(s) for s in samples),
        "unexpected_status": sum(s.problem is not None for s in samples),
        "error_rate": len(bad) / len(samples) if samples else 0.0,
        "examples": sorted({f"{s.kind}: {s.error or s.problem}" for s in bad})[:10],
        "server_tracebacks": tracebacks,
        "cpu": {
            **(cpu or {}),
            "per_request_ms": 1000 * sum((cpu or {}).values()) / len(samples) if samples else 0,
        },
        "rss": {
            "start_mib": rss[0][1] / 2**20,
            "after_warmup_mib": after[1] / 2**20,
            "after_warmup_at_s": after[0],
            "end_mib": end[1] / 2**20,
            "peak_mib": max(b for _, b in rss) / 2**20,
            "slope_second_half_mib_per_min": _slope_per_minute(second_half),
            "growth_after_warmup": growth,
            "flagged": growth > MEMORY_GROWTH_LIMIT,
            "samples": len(rss),
            "series_mib": [[round(t, 1), round(b / 2**20, 1)] for t, b in rss],
        },
    }


def failures(summary: dict[str, Any], refusal_p99_ms: float = REFUSAL_P99_LIMIT_MS) -> list[str]:
    """What the run got wrong; empty when it passed."""
    out = []
    for key in ("status_5xx", "connection_errors", "timeouts", "unexpected_status"):
        if summary[key]:
            out.append(f"{summary[key]} {key.replace('_', ' ')}")
    refused = summary["refused_4xx"]
    if refused["count"] != refused["of"]:
        out.append(f"{refused['of'] - refused['count']} malformed/oversize requests not 4xx")
    if refused["p99_ms"] is not None and refused["p99_ms"] > refusal_p99_ms:
        out.append(f"4xx answers p99 {refused['p99_ms']:,.0f} ms > {refusal_p99_ms:,.0f} ms")
    if summary["server_tracebacks"]:
        out.append(f"{summary['server_tracebacks']} tracebacks in the server log")
    if summary["rss"]["flagged"]:
        out.append(f"RSS grew {summary['rss']['growth_after_warmup']:.0%} after the warm-up")
    return out


def _ms(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def markdown(summary: dict[str, Any], meta: dict[str, Any]) -> str:
    """The report: the run's parameters, a table per kind, the overall figures, memory."""
    lines = [
        f"## web app under load: {meta['clients']} clients, {meta['seconds']:g} s "
        f"(seed {meta['seed']})",
        "",
        f"- command: `{meta['command']}`",
        f"- machine: {meta['cores']} cores; load average at start {meta['loadavg']}; "
        f"date {meta['date']}",
        "",
        "| kind | group | requests | p50 ms | p99 ms | max ms | status codes | errors |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for k in summary["kinds"]:
        statuses = ", ".join(f"{c}: {n}" for c, n in k["statuses"].items())
        lines.append(
            f"| {k['kind']} | {k['group']} | {k['count']:,} | {_ms(k['p50_ms'])} | "
            f"{_ms(k['p99_ms'])} | {_ms(k['max_ms'])} | {statuses} | "
            f"{k['errors'] + k['problems']} |"
        )
    for g, v in summary["groups"].items():
        lines.append(
            f"| **{g}** | | {v['count']:,} | {_ms(v['p50_ms'])} | {_ms(v['p99_ms'])} | "
            f"{_ms(v['max_ms'])} | | |"
        )
    r, m = summary["refused_4xx"], summary["rss"]
    lines += [
        "",
        f"- requests: {summary['requests']:,} in {summary['wall_seconds']:.1f} s "
        f"({summary['throughput_per_s']:.1f}/s); error rate {summary['error_rate']:.2%} "
        f"(5xx {summary['status_5xx']}, connection errors {summary['connection_errors']}, "
        f"timeouts {summary['timeouts']}, unexpected status {summary['unexpected_status']}); "
        f"server tracebacks {summary['server_tracebacks']}",
        f"- CPU of the server {summary['cpu'].get('server_s', 0):.1f} s and of its worker "
        f"processes {summary['cpu'].get('workers_s', 0):.1f} s: "
        f"{summary['cpu']['per_request_ms']:.1f} ms a request",
        f"- malformed + oversize answered 4xx: {r['count']:,} of {r['of']:,}; "
        f"p50 {_ms(r['p50_ms'])} ms, p99 {_ms(r['p99_ms'])} ms, max {_ms(r['max_ms'])} ms",
        f"- server RSS (MiB): start {m['start_mib']:.0f}, after warm-up "
        f"({m['after_warmup_at_s']:.0f} s) {m['after_warmup_mib']:.0f}, end {m['end_mib']:.0f}, "
        f"peak {m['peak_mib']:.0f}; slope over the second half "
        f"{m['slope_second_half_mib_per_min']:+.1f} MiB/min; growth after warm-up "
        f"{m['growth_after_warmup']:+.1%}"
        + (" **FLAGGED (> 20 %)**" if m["flagged"] else " (limit 20 %)"),
    ]
    if summary["examples"]:
        lines += ["", "Problems:", *(f"- {e}" for e in summary["examples"])]
    return "\n".join(lines) + "\n"


def write_samples(samples: list[Sample], path: Path) -> None:
    """Every request as a CSV row: kind, group, path, start (s), seconds, status, error,
    problem."""
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["kind", "group", "path", "start", "seconds", "status", "error", "problem"])
        for s in sorted(samples, key=lambda s: s.start):
            out.writerow(
                [s.kind, s.group, s.path, f"{s.start:.3f}", f"{s.seconds:.4f}", s.status or "",
                 s.error or "", s.problem or ""]
            )  # fmt: skip


def run(
    *,
    clients: int = 50,
    seconds: float = 60.0,
    seed: int = 0,
    warmup: float | None = None,
    timeout: float = 60.0,
    samples_csv: Path | None = None,
) -> dict[str, Any]:
    """Start ``detente serve``, drive it, stop it: the summary (see :func:`summarize`)."""
    warm = min(20.0, seconds / 3) if warmup is None else warmup
    server = Server.start()
    cpu: dict[str, float] = {}
    try:
        samples, rss, wall = asyncio.run(
            drive(
                server.base,
                server.process.pid,
                clients=clients,
                seconds=seconds,
                seed=seed,
                timeout=timeout,
                cpu=cpu,
            )
        )
    finally:
        log = server.stop()
    if samples_csv is not None:
        write_samples(samples, samples_csv)
    return summarize(samples, rss, seconds=seconds, warmup=warm, wall=wall, server_log=log, cpu=cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load test of detente's web app on loopback.")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the load")
    parser.add_argument("--seed", type=int, default=0, help="seed of the request mix")
    parser.add_argument(
        "--warmup", type=float, help="warm-up seconds (default: min(20, a third of the run))"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request timeout, s")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--samples", type=Path, help="write every request to this CSV file")
    args = parser.parse_args(argv)
    meta = {
        "clients": args.clients,
        "seconds": args.seconds,
        "seed": args.seed,
        "command": " ".join(["python", "benchmarks/load_web.py", *(argv or sys.argv[1:])]),
        "cores": os.cpu_count(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    summary = run(
        clients=args.clients,
        seconds=args.seconds,
        seed=args.seed,
        warmup=args.warmup,
        timeout=args.timeout,
        samples_csv=args.samples,
    )
    problems = failures(summary)
    if args.json:
        print(json.dumps({"meta": meta, **summary, "failures": problems}, indent=2))
    else:
        print(markdown(summary, meta))
        print("PASS" if not problems else "FAIL: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
