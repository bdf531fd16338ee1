"""Timings and page faults that the tests used to assert; prints a markdown table.

    .venv/bin/python benchmarks/bench_checks.py [--repeats 5]

A wall-clock or page-fault limit in a test fails on a loaded machine, or passes by accident
on a fast one, so the tests check only what the code answers, and these figures are measured
here (docs/benchmarks.md):

(a) ``lead_lag`` on 52 weeks with gaps, 2,000 permutations, 8 lags (after a warm-up; it was
    tests/test_profiles.py's ``< 0.5 s``);
(b) an upload over the body limit refused with 413 by the web app, in process (TestClient;
    it was tests/test_web.py's ``< 2 s``);
(c) opening a run store that another process holds: the one-line refusal (it was
    tests/test_store.py's ``< 10 s``);
(d) minor page faults of a second 1,000-draw BDM batch (10 actors) in a fresh process, with
    the sweep's allocator setting (``keep_freed_memory``, BDM-11) and with glibc's defaults
    (it was tests/test_backends.py's ``with < 500 < 5,000 < without``);
(e) one issue with 500 actors, per registered model, in a fresh process: time and peak RSS
    (tests/test_numeric_edges.py keeps its memory bound, 1 GiB).

Times are wall times, best of ``--repeats``; the load average is printed with them, since
other work on the machine inflates them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.big_scenario import FIVE_HUNDRED_SETUP  # noqa: E402

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

FIVE_HUNDRED = FIVE_HUNDRED_SETUP + """
start = time.perf_counter()
MODELS[sys.argv[1]]().predict(sc)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak}))
"""


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    """The shortest of ``repeats`` wall times of ``fn()``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def permutation_test(repeats: int) -> float:
    from detente.profiles.saydo import lead_lag

    rng = np.random.default_rng(0)
    x = rng.uniform(size=52)
    y = rng.uniform(size=52)
    x[::9] = np.nan
    lead_lag(x, y, n_perm=50, seed=0)  # warm-up
    return best_of(repeats, lambda: lead_lag(x, y, max_lag=8, n_perm=2000, seed=0))


def oversize_upload(repeats: int) -> float:
    from fastapi.testclient import TestClient

    from detente.web.app import MAX_BODY_BYTES, create_app

    client = TestClient(create_app())
    big = b"#" * (MAX_BODY_BYTES + 10)

    def post() -> None:
        r = client.post("/api/upload", files={"file": ("big.yaml", big, "text/yaml")})
        assert r.status_code == 413, r.status_code

    return best_of(repeats, post)


def locked_store(repeats: int) -> float:
    from detente.errors import DetenteError
    from detente.store import RunStore

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "runs.duckdb"
        holder = subprocess.Popen(
            [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(store)!r}); "
             "print('ok', flush=True); time.sleep(600)"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"

            def refused() -> None:
                try:
                    RunStore(store)
                except DetenteError:
                    return
                raise AssertionError("the locked store opened")

            return best_of(repeats, refused)
        finally:
            holder.kill()
            holder.wait()


def page_faults(mode: str) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", PAGE_FAULTS, mode], capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], int(out[1])


def five_hundred(model: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", FIVE_HUNDRED, model], capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repeats of (a)-(c)")
    args = parser.parse_args()
    from detente.models import MODELS

    rows = [
        ("(a) lead_lag, 52 weeks, 2,000 permutations, 8 lags",
         f"{permutation_test(args.repeats) * 1e3:.1f} ms", "< 0.5 s"),
        ("(b) upload over the body limit: 413, in process",
         f"{oversize_upload(args.repeats) * 1e3:.1f} ms", "< 2 s"),
        ("(c) run store held by another process: refused",
         f"{locked_store(args.repeats) * 1e3:.1f} ms", "< 10 s"),
    ]  # fmt: skip
    kept, with_setting = page_faults("keep")
    _, default = page_faults("default")
    setting = "set" if kept == "True" else "not available (not glibc)"
    rows.append(
        (f"(d) minor page faults, 2nd BDM batch of 1,000 x 10; allocator setting {setting}",
         f"{with_setting:,} with, {default:,} without", "with < 500 < 5,000 < without")
    )  # fmt: skip
    for name in MODELS:
        r = five_hundred(name)
        rows.append(
            (f"(e) {name}, 500 actors, one issue",
             f"{r['seconds'] * 1e3:.1f} ms, peak RSS {r['peak_mib']:.0f} MiB",
             "peak < 1 GiB (kept)")
        )  # fmt: skip
    print("| check | measured | former test limit |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\nload average (1, 5, 15 min) at the end: {load}; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
