"""Check that a change to the war model's solver leaves every solved array as it was (issue 19).

Solves a few campaigns and saves every array of each :class:`~detente.war.solver.Solution`
(values, intensity, posture, proposals, deal values, the tail's values, rounds and residual,
…) and of :func:`~detente.war.simulate.simulate`'s paths (2,000 paths, seed 0) to one
``.npz`` per campaign; with ``--check DIR`` it solves again and compares with what ``DIR``
holds: integer and boolean arrays must be identical, floats bit-identical or within
``--rtol`` (max relative difference against the array's largest magnitude).

Campaigns: ``ukraine-2024``; the same with ``beyond_horizon: terminal`` (no stationary
tail) and on a coarser belief grid; the Fearon campaign of ``tests/test_war_theory.py``
(fixed terms, both belligerents proposing); the private-resolve campaign of
``tests/test_war_resolve.py`` (the screening path, DECISIONS WAR-30); four of
``tests/test_war_exact.py``'s (the defender's counter-offensive posture, ripostes and
reputation, deals that may break down, cheap talk); with ``--heavy`` also ukraine-2024 with
private resolve on 3 belief points (``benchmarks/bench_war.py --resolve``; over a minute of
CPU).

Run: ``.venv/bin/python benchmarks/war_equivalence.py --save /tmp/war_ref`` before a change,
``.venv/bin/python benchmarks/war_equivalence.py --check /tmp/war_ref`` after it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from detente.scenario import load_scenario
from detente.scenario.edit import edit_campaign
from detente.spec.campaign import Campaign
from detente.war.model import solve_campaign
from detente.war.simulate import simulate
from detente.war.solver import Solution

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

PATHS = 2000
SEED = 0


def _ukraine() -> Campaign:
    campaign = load_scenario("ukraine-2024").campaign
    if campaign is None:
        raise SystemExit("ukraine-2024 has no campaign")
    return campaign


def _terminal() -> Campaign:
    data = _ukraine().model_dump(mode="json")
    data["beyond_horizon"] = "terminal"
    return Campaign.model_validate(data)


def _fearon() -> Campaign:
    from tests.test_war_theory import _fearon as fearon

    campaign: Campaign = fearon()
    return campaign


def _screening() -> Campaign:
    from tests.test_war_resolve import MENU, _resolve
    from tests.test_war_theory import _campaign

    campaign: Campaign = _campaign(horizon_weeks=20, proposals=MENU, resolve=_resolve(0.2))
    return campaign


def _ukraine_resolve() -> Campaign:
    from bench_war import with_resolve

    return with_resolve(_ukraine(), 3)


def _exact(name: str) -> Callable[[], Campaign]:
    def build() -> Campaign:
        from tests.test_war_exact import INSTANCES, _campaign

        campaign: Campaign = _campaign(INSTANCES[name])
        return campaign

    return build


def _ukraine_short() -> Campaign:
    """ukraine-2024 on a coarser belief grid (a different grid size through every path)."""
    return edit_campaign(_ukraine(), {"campaign.grid.belief_resolution": 3})


EXACT = ("counteroffensive", "riposte", "commitment", "cheap_talk")
CASES: dict[str, Callable[[], Campaign]] = {
    "ukraine-2024": _ukraine,
    "ukraine-terminal": _terminal,
    "ukraine-coarse-beliefs": _ukraine_short,
    "fearon-fixed-terms": _fearon,
    "resolve-screening": _screening,
    **{f"exact-{n}": _exact(n) for n in EXACT},
}
HEAVY: dict[str, Callable[[], Campaign]] = {"ukraine-resolve-3": _ukraine_resolve}


def arrays_of(solution: Solution, paths: int) -> dict[str, np.ndarray]:
    """Every array of the solution (``tail.*`` for the tail's) and of ``paths`` simulated
    paths from seed 0 (``paths.*``)."""
    out: dict[str, np.ndarray] = {}
    for f in dataclasses.fields(solution):
        v = getattr(solution, f.name)
        if isinstance(v, np.ndarray):
            out[f.name] = v
    out["beliefs.points"] = solution.beliefs.points
    if solution.tail is not None:
        out["tail.value"] = solution.tail.value
        out["tail.rounds"] = np.array(solution.tail.rounds)
        out["tail.residual"] = np.array(solution.tail.residual)
    if paths:
        simulated = simulate(solution, paths, np.random.default_rng(SEED))
        for f in dataclasses.fields(simulated):
            v = getattr(simulated, f.name)
            if isinstance(v, np.ndarray):
                out[f"paths.{f.name}"] = v
    return out


def compare(name: str, ref: dict[str, np.ndarray], new: dict[str, np.ndarray], rtol: float) -> bool:
    """Print one line per differing array (and a summary); True when all agree."""
    ok = True
    worst = 0.0
    for key in sorted(set(ref) | set(new)):
        if key not in ref or key not in new:
            print(f"  {name}: {key} only in {'new' if key in new else 'reference'}")
            ok = False
            continue
        a, b = ref[key], new[key]
        if a.shape != b.shape or a.dtype != b.dtype:
            print(f"  {name}: {key} shape/dtype {a.shape} {a.dtype} -> {b.shape} {b.dtype}")
            ok = False
            continue
        if np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
            continue
        if a.dtype.kind != "f":
            n = int((a != b).sum())
            print(f"  {name}: {key} DIFFERS in {n} of {a.size} entries (exact array)")
            ok = False
            continue
        finite = np.isfinite(a) & np.isfinite(b)
        if not np.array_equal(np.isfinite(a), np.isfinite(b)) or not np.array_equal(
            a[~finite], b[~finite]
        ):
            print(f"  {name}: {key} non-finite entries differ")
            ok = False
            continue
        scale = max(float(np.abs(a[finite]).max(initial=0.0)), 1e-300)
        rel = float(np.abs(a[finite] - b[finite]).max(initial=0.0)) / scale
        worst = max(worst, rel)
        flag = "ok" if rel <= rtol else "TOO LARGE"
        print(f"  {name}: {key} max relative difference {rel:.3g} ({flag})")
        ok &= rel <= rtol
    print(f"{name}: {'identical' if ok and worst == 0.0 else 'OK' if ok else 'MISMATCH'}"
          f" ({len(new)} arrays; worst relative float difference {worst:.3g})")  # fmt: skip
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--save", type=Path, help="write the reference arrays to this folder")
    action.add_argument("--check", type=Path, help="compare with the reference in this folder")
    parser.add_argument("--rtol", type=float, default=1e-12)
    parser.add_argument("--heavy", action="store_true", help="also ukraine-2024 with resolve")
    parser.add_argument("--only", nargs="*", help="only these cases")
    args = parser.parse_args()
    cases = {**CASES, **(HEAVY if args.heavy else {})}
    if args.only:
        cases = {k: v for k, v in {**CASES, **HEAVY}.items() if k in args.only}
    all_ok = True
    for name, build in cases.items():
        campaign = build()
        cpu, wall = time.process_time(), time.perf_counter()
        solution = solve_campaign(campaign)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        paths = PATHS if name.startswith("ukraine-2024") or "resolve" in name else 500
        new = arrays_of(solution, paths)
        print(f"{name}: solve {cpu:.2f} s CPU, {wall:.2f} s wall")
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            np.savez(args.save / f"{name}.npz", **new)  # type: ignore[arg-type]
            print(f"  saved {len(new)} arrays")
        else:
            with np.load(args.check / f"{name}.npz") as ref:
                all_ok &= compare(name, dict(ref), new, args.rtol)
    if args.check is not None:
        print("ALL EQUIVALENT" if all_ok else "SOME DIFFER")
        raise SystemExit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
