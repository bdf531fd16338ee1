"""Write ``src/detente/durability/ucdp_cox.yaml``: the Cox fit on the UCDP development split.

The war-termination model's resumption hazard (``resumption: {model: ucdp_cox}``) reads these
numbers, so that ``detente simulate`` needs neither the data nor lifelines' fit at run time.
Rerun after any change to the data reader or the Cox model; ``tests/test_war_durability.py``
checks that a refit reproduces the shipped numbers whenever the shared data are present.

Usage: ``python scripts/fit_ucdp_cox.py [--check]`` (``--check``: compare, do not write).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

from detente.durability.data import read_agreements
from detente.durability.hazard import PACKAGED_COX, CoxParameters, default_model

TARGET = Path(__file__).resolve().parents[1] / "src" / "detente" / "durability" / PACKAGED_COX
HEADER = (
    "# Cox proportional-hazards fit of peace-agreement failure on the UCDP Peace Agreement\n"
    "# Dataset v22.1, development split (docs/durability.md); ridge penalty chosen by grouped\n"
    "# CV, protective provisions signed by theory (DECISIONS DUR-13). Written by\n"
    "# scripts/fit_ucdp_cox.py; do not edit by hand. S(t | x) = exp(-H0(t) exp((x - centre)\n"
    "# . coef)), H0 linearly interpolated between the baseline times (years).\n"
)


def refit() -> CoxParameters:
    """Fit the packaged model (:func:`detente.durability.hazard.default_model`: Cox, ridge
    penalty by grouped CV, theory-signed provisions) on the shared development split."""
    data = read_agreements()
    model = default_model().fit(data.frame)
    return CoxParameters.from_model(
        model, source="UCDP Peace Agreement Dataset v22.1, development split"
    )


def main(argv: list[str]) -> int:
    params = refit()
    if "--check" in argv:
        shipped = CoxParameters.packaged()
        same = shipped.covariates == params.covariates and all(
            np.allclose(getattr(shipped, f), getattr(params, f), rtol=1e-7, atol=1e-10)
            for f in ("coef", "centre", "times", "cumulative_hazard")
        )
        print("shipped numbers reproduced" if same else "shipped numbers differ from a refit")
        return 0 if same else 1
    TARGET.write_text(
        HEADER + yaml.safe_dump(params.to_dict(), sort_keys=False, width=100), encoding="utf-8"
    )
    print(f"wrote {TARGET} ({len(params.times)} baseline times, {params.n_failed} failures)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
