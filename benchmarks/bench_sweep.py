"""Benchmarks of the uncertainty machinery (issue 4); figures in docs/benchmarks_uncertainty.md.

    .venv/bin/python benchmarks/bench_sweep.py [--quick]

1. 100,000 BDM draws of ukraine-2024 (every position, salience and capability uncertain:
   the default band, ``--spread``), written to a fresh run store: inline and on a 2-process pool.
2. Peak memory in draws: 10^4 vs 10^6 draws (compromise + median models, streamed to the
   store in chunks of 1,000), each in a fresh subprocess, max RSS from getrusage.
3. Ray on a local 2-CPU instance vs the process pool with 2 workers, 20,000 BDM draws
   (start-up timed apart from the run).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from detente.models import get_model
from detente.scenario import load_scenario
from detente.store import RunStore
from detente.store.recorded import stored_sweep
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import with_default_spread
args = json.loads(sys.argv[1])
sc = with_default_spread(load_scenario("ukraine-2024"))
models = [get_model(m) for m in args["models"]]
with RunStore(args["store"]) as st:
    start = time.perf_counter()
    stored_sweep(st, sc, OutcomeModels(sc, models), n_draws=args["draws"], seed=0,
                 chunk_size=args["chunk"],
                 backend=args["backend"], workers=args.get("workers"))
    elapsed = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"elapsed_s": elapsed, "max_rss_mb": rss}))
"""


def child(**args: object) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        args["store"] = str(Path(tmp) / "runs.duckdb")
        out = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(args)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def ray_vs_pool(draws: int) -> dict[str, float]:
    from detente.models import get_model
    from detente.scenario import load_scenario
    from detente.uncertainty.backends import get_backend, plan_chunks
    from detente.uncertainty.evaluators import OutcomeModels
    from detente.uncertainty.sampling import with_default_spread
    from detente.uncertainty.sweep import MemorySink

    sc = with_default_spread(load_scenario("ukraine-2024"))
    ev = OutcomeModels(sc, [get_model("bdm")])
    jobs = plan_chunks(draws, 1000, 0)
    out: dict[str, float] = {}
    for name in ("process", "ray"):
        t0 = time.perf_counter()
        with get_backend(name, workers=2) as backend:
            t1 = time.perf_counter()
            sink = MemorySink()
            for r in backend.run(sc, ev, jobs):
                sink.write(r, jobs[r.index])
            t2 = time.perf_counter()
        out[f"{name}_startup_s"] = t1 - t0
        out[f"{name}_run_s"] = t2 - t1
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    quick = parser.parse_args().quick
    n_bdm = 10_000 if quick else 100_000
    n_big = 100_000 if quick else 1_000_000
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}")  # fmt: skip
    for backend, workers in (("inline", None), ("process", 2)):
        r = child(models=["bdm"], draws=n_bdm, chunk=1000, backend=backend, workers=workers)
        print(f"{n_bdm:,} BDM draws, {backend}: {r['elapsed_s']:.1f} s "
              f"(max RSS {r['max_rss_mb']:.0f} MB)")  # fmt: skip
    for n in (10_000, n_big):
        r = child(models=["compromise", "median"], draws=n, chunk=1000, backend="inline")
        print(f"{n:,} draws (compromise + median), inline: {r['elapsed_s']:.1f} s, "
              f"max RSS {r['max_rss_mb']:.0f} MB")  # fmt: skip
    r2 = ray_vs_pool(2_000 if quick else 20_000)
    print("ray vs process pool (2 workers): " + json.dumps({k: round(v, 2) for k, v in r2.items()}))
    print(f"ray/process run-time ratio: {r2['ray_run_s'] / r2['process_run_s']:.2f}")


if __name__ == "__main__":
    main()
