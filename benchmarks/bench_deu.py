"""Time the whole DEU backtest: load the data, run every model on every issue, score.

Usage: ``python benchmarks/bench_deu.py [--data DIR] [--capability equal|votes] [--repeat 3]``.
Prints a markdown table (seconds, best of ``--repeat``). Target: the full run in <= 5 s.
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

from detente.backtest.baselines import BASELINES
from detente.backtest.deu import backtest, default_deu_dir, load_deu, score
from detente.models import MODELS
from detente.models.base import OutcomeModel
from detente.models.nash import NashBargaining
from detente.models.procedural import ProceduralCompromise


def _unregistered_bdm() -> OutcomeModel | None:
    try:
        module = importlib.import_module("detente.models.bdm")
    except Exception:
        return None
    for obj in vars(module).values():
        is_model = isinstance(obj, type) and issubclass(obj, OutcomeModel)
        if is_model and obj is not OutcomeModel and getattr(obj, "name", None) == "bdm":
            model: OutcomeModel = obj()
            return model
    return None


def models() -> dict[str, OutcomeModel]:
    """Every registered model, the new ones if not yet registered, and the baselines."""
    out: dict[str, OutcomeModel] = {name: cls() for name, cls in MODELS.items()}
    if "bdm" not in out:  # being written; time it if the module is there
        bdm = _unregistered_bdm()
        if bdm is not None:
            out["bdm (unregistered)"] = bdm
    out.setdefault("nash", NashBargaining())
    out.setdefault("procedural", ProceduralCompromise())
    out.update(BASELINES)
    return out


def best_of(repeat: int, fn: object) -> float:
    assert callable(fn)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=default_deu_dir())
    parser.add_argument("--capability", default="equal", choices=["equal", "votes"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    cases = load_deu(args.data, args.capability)
    chosen = models()
    rows = [("load_deu", best_of(args.repeat, lambda: load_deu(args.data, args.capability)))]
    for name, model in chosen.items():
        rows.append((name, best_of(args.repeat, lambda m=model, n=name: backtest(cases, {n: m}))))

    def whole() -> None:
        score(backtest(load_deu(args.data, args.capability), chosen))

    rows.append(("**whole backtest (load + all models + score)**", best_of(args.repeat, whole)))
    print(
        f"DEU backtest timing: {len(cases)} issues, capability={args.capability}, "
        f"best of {args.repeat}; registered: {', '.join(MODELS)}\n"
    )
    print("| step | seconds |\n|---|---|")
    for name, secs in rows:
        print(f"| {name} | {secs:.3f} |")


if __name__ == "__main__":
    main()
