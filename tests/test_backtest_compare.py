"""The proposal-grouped comparison with a paired bootstrap, and the stacked ensemble."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detente.backtest.compare import COMPARE_COLUMNS, STACKED, compare_models, paired_bootstrap
from detente.backtest.deu import load_deu
from detente.backtest.ensemble import StackedEnsemble, cross_validated_stack, l1_simplex_weights
from detente.errors import DetenteError
from detente.models import MODELS
from detente.registry import outcome_models


def test_paired_bootstrap_of_identical_errors_is_zero() -> None:
    e = np.arange(10.0)
    groups = [str(k // 2) for k in range(10)]
    assert paired_bootstrap(e, e, groups, n_boot=50) == (0.0, 0.0, 0.0)


def test_paired_bootstrap_is_paired_and_seeded() -> None:
    rng = np.random.default_rng(0)
    ref = rng.uniform(0, 50, 200)
    groups = [str(k // 4) for k in range(200)]
    # a constant improvement of 1 on every issue: every replicate gives exactly -1, however
    # spread the errors are (an unpaired interval would be wide)
    assert paired_bootstrap(ref - 1.0, ref, groups, n_boot=200) == pytest.approx((-1, -1, -1))
    noisy = ref + rng.normal(0, 5, 200)
    a = paired_bootstrap(noisy, ref, groups, n_boot=300, seed=7)
    assert a == paired_bootstrap(noisy, ref, groups, n_boot=300, seed=7)
    assert a != paired_bootstrap(noisy, ref, groups, n_boot=300, seed=8)
    assert a[1] < a[0] < a[2]


def test_paired_bootstrap_resamples_whole_groups() -> None:
    # two groups: difference +10 (one issue) and -10 (three issues). Resampling the two groups
    # gives (a, a) -> +10 (probability 1/4), (a, b) -> (10 - 30) / 4 = -5 (1/2) and (b, b) ->
    # -10 (1/4); resampling the four issues would give many other values. The 10% and 90%
    # quantiles of 400 replicates are therefore -10 and +10 exactly; the estimate is -5.
    diff = np.array([10.0, -10.0, -10.0, -10.0])
    groups = ["a", "b", "b", "b"]
    est, low, high = paired_bootstrap(diff, np.zeros(4), groups, n_boot=400, level=0.8)
    assert (est, low, high) == (-5.0, -10.0, 10.0)


def test_paired_bootstrap_rejects_bad_input() -> None:
    with pytest.raises(DetenteError):
        paired_bootstrap(np.zeros(3), np.zeros(2), ["a", "b", "c"])
    with pytest.raises(DetenteError):
        paired_bootstrap(np.zeros(2), np.zeros(2), ["a", "b"], n_boot=0)


def test_l1_weights_recover_a_convex_combination() -> None:
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 100, (60, 3))
    y = p @ np.array([0.2, 0.0, 0.8])
    w = l1_simplex_weights(p, y)
    np.testing.assert_allclose(w, [0.2, 0.0, 0.8], atol=1e-7)


def test_l1_weights_follow_the_median_not_the_mean() -> None:
    # member 0 is exact on 8 of 10 cases and off by 90 on two (absolute error 180, squared
    # 16200); member 1 is off by 20 on every case (200, 4000). With weight w on member 0 the
    # absolute error is 8*20(1-w) + 2(20 + 70w) = 200 - 20w: all weight on member 0, where
    # least squares would put most on member 1.
    y = np.zeros(10)
    p = np.column_stack([np.r_[np.zeros(8), np.full(2, 90.0)], np.full(10, 20.0)])
    np.testing.assert_allclose(l1_simplex_weights(p, y), [1.0, 0.0], atol=1e-9)


def test_stacked_ensemble_contract_and_errors() -> None:
    model = StackedEnsemble(["a", "b"])
    assert model.get_params() == {"members": ["a", "b"]}
    with pytest.raises(DetenteError):
        model.predict(np.zeros((2, 2)))
    with pytest.raises(DetenteError):
        model.fit(np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(DetenteError):
        model.fit(np.full((3, 2), np.nan), np.zeros(3))


def test_cross_validated_stack_fits_on_training_folds_only() -> None:
    # fold 1's held-out cases favour member 1, the training cases member 0: an honest stack
    # predicts fold 1 with member 0 (weights from the other fold).
    p = np.column_stack([np.arange(8.0), np.arange(8.0) + 10])
    y = np.r_[np.arange(4.0), np.arange(4.0, 8.0) + 10]
    folds = [(np.arange(4, 8), np.arange(4)), (np.arange(4), np.arange(4, 8))]
    held, weights = cross_validated_stack(p, y, folds, ["m0", "m1"])
    np.testing.assert_allclose(weights, [[0, 1], [1, 0]], atol=1e-9)
    np.testing.assert_allclose(held, np.r_[np.arange(4.0) + 10, np.arange(4.0, 8.0)])


@pytest.fixture(scope="module")
def deu_cases(shared_data: Path) -> list:  # type: ignore[type-arg]
    return load_deu(shared_data / "validation" / "deu")


def test_compare_models_on_deu_covers_the_registry(deu_cases: list) -> None:  # type: ignore[type-arg]
    models = {name: cls() for name, cls in outcome_models().items()}
    table, weights = compare_models(deu_cases, models, n_boot=200)
    assert list(table.columns) == COMPARE_COLUMNS
    assert set(table["model"]) == set(models) | {STACKED}
    assert "exchange" in set(table["model"]) and set(MODELS) <= set(table["model"])
    rows: dict[str, dict[Any, Any]] = {str(r["model"]): r for r in table.to_dict(orient="records")}
    ref = rows["compromise"]
    assert ref["n"] == 230 and ref["cv_mae"] == pytest.approx(24.1945, abs=1e-3)
    assert ref["diff"] == 0 and ref["wins"] == 0 and ref["losses"] == 0
    for row in rows.values():
        assert row["diff_low"] <= row["diff"] + 1e-12 <= row["diff_high"] + 2e-12
        assert row["diff"] == pytest.approx(row["cv_mae"] - ref["cv_mae"], abs=1e-9)
    # the ensemble's weights: one row per fold, non-negative, summing to 1
    assert weights.shape == (5, len(models))
    assert (weights.to_numpy() >= -1e-12).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-9)
    again, _ = compare_models(deu_cases, models, n_boot=200)
    assert again.equals(table)


def test_compare_needs_the_reference(deu_cases: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(DetenteError, match="reference"):
        compare_models(deu_cases, {"median": MODELS["median"]()})


def test_cli_backtest_deu_compare(shared_data: Path) -> None:
    import json

    from typer.testing import CliRunner

    from detente.cli.main import app

    folder = str(shared_data / "validation" / "deu")
    args = ["backtest", "deu", "--data", folder, "--compare", "-m", "median", "-f", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in json.loads(result.output)}
    # compromise is added as the reference; the ensemble stacks the two
    assert set(rows) == {"compromise", "median", STACKED}
    assert rows["median"]["cv_mae"] == pytest.approx(27.6804, abs=1e-3)
    assert rows["median"]["excludes_zero"] is True
