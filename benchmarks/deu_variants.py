"""More refinements of the compromise model on DEU, cross-validated by proposal.

Usage: ``python benchmarks/deu_variants.py [--capability equal|votes]``. Prints markdown.
Each variant has one or two parameters chosen on the training folds (5-fold, grouped by
proposal); the held-out MAE is what counts. The output is recorded in docs/backtest.md.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence

import numpy as np

from detente.backtest.deu import DeuCase, default_deu_dir, group_kfold, load_deu
from detente.models.compromise import weighted_mean
from detente.models.median import weighted_median

Variant = Callable[[DeuCase, float], float]


def _compromise(case: DeuCase, cap_exp: float = 1.0, sal_exp: float = 1.0) -> float:
    p = case.problem
    weight = (p.capability / max(p.capability.max(), 1e-300)) ** cap_exp * (
        p.salience / 100.0
    ) ** sal_exp
    return float(weighted_mean(p.position, weight))


def salience_exponent(case: DeuCase, t: float) -> float:
    """Weights capability × salience^t (t = 1 is the compromise model)."""
    return _compromise(case, 1.0, t)


def snap_to_position(case: DeuCase, t: float) -> float:
    """Move the compromise a share t towards the nearest actor's position."""
    m = _compromise(case)
    x = case.problem.position
    return m + t * (float(x[np.argmin(np.abs(x - m))]) - m)


def towards_scale_end(case: DeuCase, t: float) -> float:
    """Move the compromise a share t towards the nearer end of the scale."""
    m = _compromise(case)
    lo, hi = case.problem.scale
    end = lo if m - lo < hi - m else hi
    return m + t * (end - m)


def with_median(case: DeuCase, t: float) -> float:
    """(1 - t) × compromise + t × weighted median."""
    p = case.problem
    return (1 - t) * _compromise(case) + t * float(weighted_median(p.position, p.weight))


VARIANTS: dict[str, tuple[Variant, Sequence[float]]] = {
    "salience exponent t": (salience_exponent, (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)),
    "snap to nearest position, share t": (snap_to_position, (0.0, 0.25, 0.5, 0.75, 1.0)),
    "towards the nearer scale end, share t": (towards_scale_end, (-0.2, 0.0, 0.1, 0.2, 0.3)),
    "mix with weighted median, share t": (with_median, (0.0, 0.1, 0.2, 0.3, 0.5)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--capability", default="equal", choices=("equal", "votes"))
    args = parser.parse_args()
    cases = [
        c
        for c in load_deu(default_deu_dir(), capability=args.capability)
        if math.isfinite(c.outcome)
    ]
    outcome = np.array([c.outcome for c in cases])
    folds = group_kfold([c.proposal_id for c in cases], 5)
    base = float(np.mean([abs(_compromise(c) - c.outcome) for c in cases]))
    print(f"capability={args.capability}, {len(cases)} issues, compromise MAE {base:.3f}\n")
    print("| variant | best in-sample MAE (t) | CV MAE | t chosen per fold |")
    print("|---|---|---|---|")
    for name, (variant, grid) in VARIANTS.items():
        pred = np.array([[variant(c, t) for c in cases] for t in grid])  # (grid, cases)
        err = np.abs(pred - outcome)
        held_out = np.empty(len(cases))
        chosen = []
        for train, test in folds:
            k = int(np.argmin(err[:, train].mean(axis=1)))
            held_out[test] = pred[k, test]
            chosen.append(grid[k])
        best = int(np.argmin(err.mean(axis=1)))
        cv = float(np.mean(np.abs(held_out - outcome)))
        print(
            f"| {name} | {err[best].mean():.3f} ({grid[best]:g}) | {cv:.3f} | "
            + ", ".join(f"{t:g}" for t in chosen)
            + " |"
        )


if __name__ == "__main__":
    main()
