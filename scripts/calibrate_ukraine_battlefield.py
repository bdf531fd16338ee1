"""Write the battlefield calibration shipped for ``ukraine-2024``.

``src/detente/calibration/data/ukraine-deepstate-2024.json`` is the Markov-switching fit
of ``detente calibrate territory`` (docs/calibration.md) on the DeepState series to
2024-11-11, with four regimes and no season effect, as ``--format json`` writes it (without
bootstrap replicates: the campaign uses the point estimates). The campaign's
``battlefield: {calibration: ukraine-deepstate-2024, regimes: ...}`` reads it, so that
``detente simulate`` needs no data at run time (docs/war_model.md, DECISIONS WAR-14).

Usage: ``python scripts/calibrate_ukraine_battlefield.py [--check]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from detente.calibration.territory import TerritoryCalibration, calibrate_territory
from detente.paths import shared_data_dir

NAME = "ukraine-deepstate-2024"
TARGET = (
    Path(__file__).resolve().parents[1]
    / "src" / "detente" / "calibration" / "data" / f"{NAME}.json"
)  # fmt: skip
SETTINGS = {"regimes": 4, "kind": "hmm", "season": "none", "bootstrap": 0, "seed": 0}
LAST_DATE = "2024-11-11"


def fit() -> TerritoryCalibration:
    """The fit on the shared DeepState series (checked to end by ``LAST_DATE``)."""
    path = shared_data_dir() / "ukraine_occupied_area_deepstate.csv"
    cal = calibrate_territory(path, **SETTINGS)  # type: ignore[arg-type]
    if max(cal.week_ending) > LAST_DATE:
        raise SystemExit(f"the series runs past {LAST_DATE}; cut it there first")
    return cal


def main(argv: list[str]) -> int:
    cal = fit()
    doc = cal.to_dict() | {"source": "DeepState occupied area, 2022-12-04 .. 2024-11-10"}
    if "--check" in argv:
        shipped = json.loads(TARGET.read_text(encoding="utf-8"))
        same = all(
            np.allclose(shipped[k], doc[k], rtol=1e-9, atol=1e-9)
            for k in ("means", "sds", "season_shift", "transition")
        )
        print("shipped calibration reproduced" if same else "shipped calibration differs")
        return 0 if same else 1
    TARGET.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {TARGET}: means {np.round(cal.means, 1)}, sds {np.round(cal.sds, 1)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
