"""Write src/detente/outlook/reference_episodes.csv, the reference class shipped with detente:
the UCDP Conflict Termination (dyad, v3-2021) episodes as detente.outlook.read_episodes gives
them (UCDP data: CC BY 4.0; cite Kreutz 2010). Run from the repository root:

    .venv/bin/python scripts/build_outlook_extract.py [PATH-TO-UCDP-TERMINATION-CSV]
"""

from __future__ import annotations

import sys
from pathlib import Path

from detente.outlook.data import EXTRACT_COLUMNS, PACKAGED, read_episodes
from detente.paths import shared_data_dir

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    src = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else shared_data_dir()
        / "validation"
        / "conflict"
        / "ucdp_conflict_termination_dyad_v3-2021.csv"
    )
    data = read_episodes(src)
    for reason, n in data.dropped.items():
        print(f"warning: {src}: left out {n} episode(s): {reason}", file=sys.stderr)
    out = ROOT / "src" / "detente" / "outlook" / PACKAGED
    frame = data.frame[list(EXTRACT_COLUMNS)].copy()
    frame["years"] = frame["years"].round(6)
    frame.to_csv(out, index=False, lineterminator="\n")
    print(f"wrote {out}: {len(frame)} episodes")


if __name__ == "__main__":
    main()
