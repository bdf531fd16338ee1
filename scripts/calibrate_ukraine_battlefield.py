"""Write the battlefield calibration shipped for ``ukraine-2024``.

``src/detente/calibration/data/ukraine-deepstate-2024.json`` is the Markov-switching fit
of ``detente calibrate territory`` (docs/calibration.md) on the DeepState series to
2024-11-11, with four regimes and no season effect, as ``--format json`` writes it, with
200 circular-block bootstrap replicates (8-week blocks, seed 0). The campaign's
``battlefield: {calibration: ukraine-deepstate-2024, regimes: ...}`` reads it, so that
``detente simulate`` needs no data at run time (docs/war_model.md, DECISIONS WAR-14). The
point estimates give the scenario's gains; the war model draws each simulated path's
parameters from the replicates, so that the forecast fan carries the estimation
uncertainty too. The bootstrap does not touch the point fit (it has its own random
stream), so the point estimates are those of the fit without replicates.

The script runs in about 5 s (4.6-4.8 s wall time measured on a 2-core machine, imports included,
effectively one core: six candidate fits and 200 replicates, most of the time in the
replicates); the file is about 380 kB (2.9 s and 22 kB without replicates).

Usage: ``python scripts/calibrate_ukraine_battlefield.py [--check]``. ``--check`` refits and
compares the point estimates and the bootstrap replicates (means, SDs, transitions) with the
shipped file, to a relative tolerance of 1e-9.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from detente.calibration.territory import TerritoryCalibration, calibrate_territory
from detente.paths import shared_data_dir

NAME = "ukraine-deepstate-2024"
TARGET = (
    Path(__file__).resolve().parents[1]
    / "src" / "detente" / "calibration" / "data" / f"{NAME}.json"
)  # fmt: skip
SETTINGS = {
    "regimes": 4,
    "kind": "hmm",
    "season": "none",
    "bootstrap": 200,  # the war model's paths draw over these replicates
    "block_weeks": 8,  # the library default (docs/calibration.md, "Uncertainty")
    "seed": 0,
}
LAST_DATE = "2024-11-11"
POINT_KEYS = ("means", "sds", "season_shift", "transition")
BOOT_KEYS = ("boot_means", "boot_sds", "boot_transition")


def fit() -> TerritoryCalibration:
    """The fit on the shared DeepState series (checked to end by ``LAST_DATE``)."""
    path = shared_data_dir() / "ukraine_occupied_area_deepstate.csv"
    cal = calibrate_territory(path, **SETTINGS)  # type: ignore[arg-type]
    if max(cal.week_ending) > LAST_DATE:
        raise SystemExit(f"the series runs past {LAST_DATE}; cut it there first")
    return cal


def _close(a: Any, b: Any) -> bool:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=1e-9, atol=1e-9))


def main(argv: list[str]) -> int:
    start = time.perf_counter()
    cal = fit()
    elapsed = time.perf_counter() - start
    doc = cal.to_dict() | {"source": "DeepState occupied area, 2022-12-04 .. 2024-11-10"}
    if "--check" in argv:
        shipped = json.loads(TARGET.read_text(encoding="utf-8"))
        # The replicates are compared whenever either side has them (a count that differs
        # is a difference).
        boot = [k for k in BOOT_KEYS if shipped.get(k) or doc[k]]
        differ = [k for k in (*POINT_KEYS, *boot) if not _close(shipped.get(k, []), doc[k])]
        if differ:
            print(f"shipped calibration differs: {', '.join(differ)}")
            return 1
        print(f"shipped calibration reproduced ({cal.bootstrap} bootstrap replicates)")
        return 0
    TARGET.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {TARGET} ({TARGET.stat().st_size / 1000:.0f} kB, {elapsed:.1f} s): "
        f"means {np.round(cal.means, 1)}, sds {np.round(cal.sds, 1)}, "
        f"{cal.bootstrap} replicates ({cal.boot_spurious} spurious)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
