"""The short version of benchmarks/crash_store.py: five SIGKILLs at seeded random moments of
``detente sweep``; after each the store opens with every finished chunk whole, and the resumed
run equals an uninterrupted one exactly."""

from __future__ import annotations

from pathlib import Path

from benchmarks.crash_store import crash_loop


def test_sigkill_at_random_points_loses_nothing(tmp_path: Path) -> None:
    report = crash_loop(5, seed=1, workdir=tmp_path, run_seconds=6.0)
    assert report.problems == []
    assert report.kills == 5 and report.cycles >= 1
