"""The rolling-origin backtest of the battlefield forecast (detente.evaluation)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from detente.calibration.territory import read_territory_series
from detente.cli.main import app
from detente.evaluation import (
    FORECASTERS,
    SCORE_COLUMNS,
    coverage,
    crps_samples,
    evaluate_territory,
    forecast_at,
    quantile_samples,
)
from detente.evaluation.forecasters import Detente
from detente.evaluation.rolling import weekly_area

FAST = {"n_samples": 200, "bootstrap": 2}


def _series(days: int = 480, seed: int = 3) -> pd.Series:
    """A daily area with persistent regimes of slow and fast gains, and a missing day."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2022-01-01", periods=days, freq="D")
    regime = (np.arange(days) // 70) % 2
    daily = 100_000 + np.cumsum(rng.normal(np.where(regime, 8.0, 1.0), 4.0))
    s = pd.Series(daily, index=index).drop(index[100])
    s.name = "synthetic"
    return s


@pytest.fixture
def area_file(tmp_path: Path) -> Path:
    s = _series()
    path = tmp_path / "area.csv"
    lines = ["date,occupied_km2"] + [f"{d.date()},{v:.1f}" for d, v in s.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(**kwargs: object) -> pd.DataFrame:
    return evaluate_territory(
        _series(), horizons=(2, 6), origins_from="2022-09-01", every=8, seed=5,
        **FAST, **kwargs,  # type: ignore[arg-type]
    ).to_frame()  # fmt: skip


def test_no_leakage_every_model() -> None:
    """Changing every value after the origin leaves every forecast at it bit-identical."""
    s = _series()
    origin = pd.Timestamp("2023-01-15")  # a Sunday, 54 weeks in
    later = s.index > origin
    changed = s.copy()
    changed[later] = changed[later].to_numpy()[::-1] + 5_000.0
    for name, cls in FORECASTERS.items():
        f = Detente(n_samples=100, bootstrap=2) if name == "detente" else cls(n_samples=100)
        a = forecast_at(s, origin, f, [1, 4, 13], seed=7)
        b = forecast_at(changed, origin, f, [1, 4, 13], seed=7)
        assert a.shape == (3, 100), name
        assert np.array_equal(a, b), name


def test_crps_tiny_ensemble_by_hand() -> None:
    # ensemble {0, 1}, y = 0.25: E|X - y| = 0.5, E|X - X'| = 0.5 -> 0.5 - 0.25 = 0.25
    # ensemble {0, 2, 4}, y = 5: E|X - y| = 3, E|X - X'| = 16/9 -> 3 - 8/9
    got = crps_samples(np.array([0.25, 5.0]), np.array([[0.0, 1.0, 1.0], [0.0, 2.0, 4.0]]))
    # {0, 1, 1}, y = 0.25: E|X-y| = (0.25 + 0.75 + 0.75) / 3, E|X-X'| = 4/9
    assert got[0] == pytest.approx(1.75 / 3 - 2 / 9, abs=1e-12)
    assert got[1] == pytest.approx(3 - 8 / 9, abs=1e-12)


def test_crps_of_quantile_draws_matches_closed_form_normal() -> None:
    """Normal intervals -> quantile draws -> CRPS equals the closed form (Gneiting & Raftery
    2007) for the normal."""
    from scipy.stats import norm

    mu, sd = np.array([10.0, -3.0]), np.array([2.0, 0.5])
    lower = {lv: mu - norm.ppf((1 + lv / 100) / 2) * sd for lv in (50, 80, 90, 98)}
    upper = {lv: mu + norm.ppf((1 + lv / 100) / 2) * sd for lv in (50, 80, 90, 98)}
    draws = quantile_samples(mu, lower, upper, 4000)
    y = np.array([11.3, -4.9])
    z = (y - mu) / sd
    exact = sd * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))
    assert crps_samples(y, draws) == pytest.approx(exact, rel=2e-3)


def test_coverage_hand_example() -> None:
    draws = np.tile(np.arange(101.0), (5, 1))  # quantiles: 5, 25, 75, 95
    obs = np.array([50.0, 80.0, 96.0, 5.0, 25.0])
    assert coverage(obs, draws, 0.5).tolist() == [True, False, False, False, True]
    assert coverage(obs, draws, 0.9).tolist() == [True, True, False, True, True]


def test_weekly_area_differences_are_weekly_gains() -> None:
    from detente.calibration.territory import weekly_gains

    s = _series()
    area = weekly_area(s)
    assert (area.index.day_of_week == 6).all()
    assert np.allclose(area.diff().iloc[1:].to_numpy(), weekly_gains(s).to_numpy())


def test_same_seed_same_result_other_seed_differs() -> None:
    a, b = _run(), _run()
    pd.testing.assert_frame_equal(a, b)
    c = evaluate_territory(
        _series(), horizons=(2, 6), origins_from="2022-09-01", every=8, seed=6, **FAST
    ).to_frame()
    det = a["model"] == "detente"
    assert not np.array_equal(a.loc[det, "crps"], c.loc[det, "crps"])


def test_cli_csv_header_exact_and_same_seed_same_bytes(area_file: Path) -> None:
    args = [
        "evaluate", "territory", str(area_file), "--origins-from", "2022-09-01",
        "--every", "8", "--horizons", "2,6", "--samples", "200", "--bootstrap", "2",
        "--format", "csv", "--seed", "3",
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(app, args).stdout == result.stdout
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "model,horizon_weeks,n_origins,crps,mae,coverage_50,coverage_90"
    assert ",".join(SCORE_COLUMNS) == lines[0]
    assert len(lines) == 1 + 2 * len(FORECASTERS)


def test_cli_json_and_plot(area_file: Path, tmp_path: Path) -> None:
    plot = tmp_path / "ev.png"
    result = CliRunner().invoke(app, [
        "evaluate", "territory", str(area_file), "--origins-from", "2022-09-01",
        "--every", "12", "--horizons", "4", "--samples", "100", "--bootstrap", "0",
        "--format", "json", "--plot", str(plot),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [s["model"] for s in doc["scores"]] == list(FORECASTERS)
    assert plot.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--horizons", "0"], "--horizons"),
        (["--horizons", "4,x"], "--horizons"),
        (["--origins-from", "2030-01-01"], "outside the data"),
        (["--origins-to", "2019-01-01"], "outside the data"),
        (["--every", "0"], "--every"),
        (["--min-history", "2"], "--min-history"),
    ],
)
def test_cli_bad_options_one_line_exit_2(area_file: Path, args: list[str], needle: str) -> None:
    result = CliRunner().invoke(app, ["evaluate", "territory", str(area_file), *args])
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_bad_file_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,area\n2024-01-01,1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", "territory", str(bad)])
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "occupied_km2" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_shared_series_every_model_finite(shared_data: Path) -> None:
    s = read_territory_series(shared_data / "ukraine_occupied_area_deepstate.csv")
    result = evaluate_territory(
        s, horizons=(4, 13), origins_from="2024-01-01", origins_to="2024-03-31", every=6,
        seed=0, n_samples=300, bootstrap=5,
    )  # fmt: skip
    assert 2 <= len(result.origins) <= 3
    frame = result.to_frame()
    assert list(frame.columns) == list(SCORE_COLUMNS)
    assert set(frame["model"]) == set(FORECASTERS)
    assert (frame["n_origins"] > 0).all()
    assert np.isfinite(frame[["crps", "mae", "coverage_50", "coverage_90"]].to_numpy()).all()
