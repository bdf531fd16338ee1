"""Calibration of weekly territorial gains: reading, weekly aggregation, regime fit,
bootstrap, sampling, and the CLI command."""

from __future__ import annotations

import csv
import json
import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from detente.calibration.territory import (
    SEASONS,
    TerritoryCalibration,
    fit_territory,
    read_territory_series,
    season_of,
    weekly_gains,
)
from detente.cli.calibrate import calibrate_app
from detente.cli.common import OneLineErrors
from detente.errors import DetenteError
from tests.conftest import SHARED_DATA, missing

DEEPSTATE = SHARED_DATA / "ukraine_occupied_area_deepstate.csv"

# A known 3-regime model: hold / press / surge.
MEANS = np.array([-20.0, 15.0, 80.0])
SDS = np.array([20.0, 8.0, 25.0])
TRANS = np.array([[0.90, 0.10, 0.00], [0.04, 0.92, 0.04], [0.00, 0.08, 0.92]])


def synthetic_gains(
    seed: int, n_weeks: int = 300, shift: tuple[float, float, float] = (0.0, 0.0, 0.0)
) -> tuple[pd.Series, np.ndarray]:
    """Weekly gains drawn from the known model (regime path returned too)."""
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2015-01-04", periods=n_weeks, freq="W-SUN")
    seasons = season_of(weeks - pd.Timedelta(days=3))
    path = np.empty(n_weeks, dtype=np.int64)
    path[0] = 1
    for t in range(1, n_weeks):
        path[t] = rng.choice(3, p=TRANS[path[t - 1]])
    gains = rng.normal(MEANS[path] + np.asarray(shift)[seasons], SDS[path])
    return pd.Series(gains, index=weeks, name="gain_km2"), path


def write_csv(path: Path, rows: list[tuple[str, str]], header: str = "date,occupied_km2") -> Path:
    lines = [header, *(f"{d},{a}" for d, a in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def daily_rows(start: date, areas: list[float]) -> list[tuple[str, str]]:
    return [((start + timedelta(days=i)).isoformat(), f"{a:.1f}") for i, a in enumerate(areas)]


# ---- recovery on synthetic data ------------------------------------------------------


def test_fit_recovers_known_regime_means() -> None:
    gains, path = synthetic_gains(seed=11)
    cal = fit_territory(gains, season="none", compare=False, bootstrap=0, seed=0, n_starts=10)
    assert cal.regimes == ("hold", "press", "surge")
    for k in range(3):
        n_k = int((path == k).sum())
        tolerance = 4 * SDS[k] / math.sqrt(n_k)  # four standard errors of a regime mean
        assert abs(cal.means[k] - MEANS[k]) < tolerance, (k, cal.means, tolerance)
        assert cal.sds[k] == pytest.approx(SDS[k], rel=0.25)
    assert np.allclose(cal.persistence(), np.diag(TRANS), atol=0.08)
    # The most likely regime of each week matches the simulated one most of the time.
    assert (np.argmax(np.asarray(cal.posterior), axis=1) == path).mean() > 0.85


def test_fit_recovers_a_season_shift_and_bic_prefers_it() -> None:
    shift = (15.0, -25.0, 6.0)  # averages to zero with calendar weights 3/12, 4/12, 5/12
    gains, _ = synthetic_gains(seed=5, shift=shift)
    cal = fit_territory(gains, season="auto", bootstrap=0, seed=0, n_starts=6)
    assert cal.season_effect == "mean"
    assert np.allclose(cal.season_shift, shift, atol=6.0), cal.season_shift
    assert cal.mean_gain("press", "mud") == pytest.approx(cal.means[1] + cal.season_shift[1])


def test_mixture_without_persistence_is_worse_on_persistent_data() -> None:
    gains, _ = synthetic_gains(seed=3, n_weeks=200)
    kw = {"season": "none", "compare": False, "bootstrap": 0, "seed": 0, "n_starts": 6}
    hmm = fit_territory(gains, kind="hmm", **kw)  # type: ignore[arg-type]
    mixture = fit_territory(gains, kind="mixture", **kw)  # type: ignore[arg-type]
    assert hmm.bic < mixture.bic - 10
    assert mixture.n_params == hmm.n_params - 6  # 6 transition + 2 initial vs 2 weights
    assert np.allclose(np.asarray(mixture.transition)[0], np.asarray(mixture.transition)[0][0])


def test_fitted_mean_equals_sample_mean_at_convergence() -> None:
    gains, _ = synthetic_gains(seed=2, n_weeks=150, shift=(10.0, -10.0, 2.0))
    cal = fit_territory(gains, season="mean", compare=False, bootstrap=0, seed=0, n_starts=6)
    assert cal.fitted_mean_gain == pytest.approx(float(gains.mean()), abs=0.05)


# ---- reproducibility and the bootstrap ----------------------------------------------


def test_same_seed_same_calibration_different_seed_different_bootstrap() -> None:
    gains, _ = synthetic_gains(seed=7, n_weeks=120)
    kwargs = {"season": "none", "bootstrap": 12, "n_starts": 4}
    a = fit_territory(gains, seed=1, **kwargs).to_dict()  # type: ignore[arg-type]
    b = fit_territory(gains, seed=1, **kwargs).to_dict()  # type: ignore[arg-type]
    c = fit_territory(gains, seed=2, **kwargs).to_dict()  # type: ignore[arg-type]
    assert a == b
    assert a["boot_means"] != c["boot_means"]
    assert len(a["boot_means"]) == 12


def test_bootstrap_intervals_cover_the_point_estimate_and_batching_is_irrelevant() -> None:
    gains, _ = synthetic_gains(seed=8, n_weeks=150)
    kw = {"season": "none", "compare": False, "bootstrap": 20, "seed": 3, "n_starts": 4}
    cal = fit_territory(gains, chunk=20, **kw)  # type: ignore[arg-type]
    assert cal.to_dict() == fit_territory(gains, chunk=6, **kw).to_dict()  # type: ignore[arg-type]
    iv, wide = cal.intervals(0.9), cal.intervals(0.99)
    for k in range(3):
        low, high = iv["mean"][k]
        assert low < high
        # With 20 replicates the 99% percentile interval is about the replicates' range,
        # which must hold the point estimate the replicates start from.
        assert wide["mean"][k][0] <= cal.means[k] <= wide["mean"][k][1]
        assert 0 <= iv["persistence"][k][0] <= iv["persistence"][k][1] <= 1
    trans = np.asarray(cal.boot_transition)
    assert np.allclose(trans.sum(axis=-1), 1.0)


def test_draw_parameters_and_sample_gain() -> None:
    gains, _ = synthetic_gains(seed=9, n_weeks=120)
    cal = fit_territory(gains, season="none", compare=False, bootstrap=10, seed=0, n_starts=4)
    drawn = cal.draw_parameters(np.random.default_rng(4))
    assert drawn.replicate is not None
    assert drawn.means == cal.boot_means[drawn.replicate]
    assert drawn.boot_means == cal.boot_means
    x = cal.sample_gain("surge", "summer", np.random.default_rng(0), size=20_000)
    assert x.shape == (20_000,)
    assert x.mean() == pytest.approx(cal.mean_gain("surge", "summer"), abs=1.0)
    assert x.std() == pytest.approx(cal.sds[2], rel=0.05)
    same = cal.sample_gain(2, 2, np.random.default_rng(0), size=20_000)
    assert np.array_equal(x, same)
    vec = cal.sample_gain(np.array([0, 1, 2]), np.array([0, 1, 2]), np.random.default_rng(0))
    assert vec.shape == (3,)
    with pytest.raises(DetenteError, match="unknown regime 'attack'"):
        cal.sample_gain("attack", "summer", np.random.default_rng(0))
    with pytest.raises(DetenteError, match="unknown season"):
        cal.sample_gain("hold", "spring", np.random.default_rng(0))
    no_boot = fit_territory(gains, season="none", compare=False, bootstrap=0, n_starts=2)
    with pytest.raises(DetenteError, match="no bootstrap replicates"):
        no_boot.draw_parameters(np.random.default_rng(0))


def test_to_dict_is_json_and_round_trips() -> None:
    gains, _ = synthetic_gains(seed=4, n_weeks=100)
    cal = fit_territory(gains, bootstrap=5, seed=0, n_starts=3)
    doc = json.loads(json.dumps(cal.to_dict()))
    again = TerritoryCalibration.from_dict(doc)
    assert again == cal
    assert doc["regimes"] == ["hold", "press", "surge"]
    assert doc["seasons"] == list(SEASONS)
    assert len(doc["intervals"]["mean"]) == 3


def test_too_few_weeks_and_bad_settings() -> None:
    gains, _ = synthetic_gains(seed=1, n_weeks=20)
    with pytest.raises(DetenteError, match="only 20 complete weeks"):
        fit_territory(gains, regimes=3)
    with pytest.raises(DetenteError, match="regimes is 9"):
        fit_territory(gains, regimes=9)
    with pytest.raises(DetenteError, match="block_weeks"):
        fit_territory(gains, regimes=2, block_weeks=0)


# ---- reading ------------------------------------------------------------------------


GOOD = [("2024-01-01", "100.0"), ("2024-01-02", "101.5"), ("2024-01-03", "103.0")]


@pytest.mark.parametrize(
    ("rows", "header", "message", "line"),
    [
        (GOOD, "date,area", "missing column 'occupied_km2'", "line 1"),
        ([*GOOD[:2], ("2024-01-03", "nan")], None, "write a finite area", "line 4"),
        ([*GOOD[:2], ("2024-01-03", "")], None, "is not a number", "line 4"),
        ([GOOD[0], GOOD[2], GOOD[1]], None, "sort the rows by date", "line 4"),
        ([*GOOD, ("2024-01-02", "104.0")], None, "appears twice (also on line 3)", "line 5"),
        ([*GOOD[:2], ("2024-01-03", "-4.0")], None, "cannot be negative", "line 4"),
        ([*GOOD[:2], ("03/01/2024", "103.0")], None, "not an ISO date", "line 4"),
        ([*GOOD[:2], ("2024-02-30", "103.0")], None, "not an ISO date", "line 4"),
        ([], None, "no rows", "line 1"),
    ],
)
def test_bad_csv_names_file_line_and_problem(
    tmp_path: Path, rows: list[tuple[str, str]], header: str | None, message: str, line: str
) -> None:
    path = write_csv(tmp_path / "area.csv", rows, header or "date,occupied_km2")
    with pytest.raises(DetenteError) as exc:
        read_territory_series(path)
    assert message in exc.value.message
    assert exc.value.source == str(path)
    assert exc.value.where == line
    assert "\n" not in exc.value.one_line()


def test_non_utf8_empty_missing_and_oversized_files(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("date,occupied_km2\n2024-01-01,1.0\n2024-01-02,2.0 \xe9\n".encode("latin-1"))
    with pytest.raises(DetenteError, match="not UTF-8") as exc:
        read_territory_series(latin)
    assert exc.value.where == "line 3"
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DetenteError, match="empty"):
        read_territory_series(empty)
    with pytest.raises(DetenteError, match="no such file"):
        read_territory_series(tmp_path / "nope.csv")
    with pytest.raises(DetenteError, match="is not a file"):
        read_territory_series(tmp_path)
    big = write_csv(tmp_path / "big.csv", GOOD)
    with pytest.raises(DetenteError, match="over the 10-byte limit"):
        read_territory_series(big, max_bytes=10)


def test_reads_a_good_file_with_bom_blank_lines_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(
        "\ufeffsource,Date,Occupied_km2\nx,2024-01-01,100\n\ny,2024-01-03,102.5\n", encoding="utf-8"
    )
    series = read_territory_series(path)
    assert list(series) == [100.0, 102.5]
    assert isinstance(series.index, pd.DatetimeIndex)
    assert series.index[1] == pd.Timestamp("2024-01-03")


# ---- weekly aggregation -------------------------------------------------------------


def test_weekly_gains_uses_complete_weeks_and_interpolates_a_missing_day(tmp_path: Path) -> None:
    # 2024-01-01 is a Monday; 40 days at +2 km²/day, one day dropped.
    rows = daily_rows(date(2024, 1, 1), [1000.0 + 2.0 * i for i in range(40)])
    del rows[17]
    series = read_territory_series(write_csv(tmp_path / "a.csv", rows))
    gains = weekly_gains(series)
    # Sundays inside the range: Jan 7, 14, 21, 28, Feb 4 -> four complete weeks.
    assert [d.date().isoformat() for d in gains.index] == [
        "2024-01-14",
        "2024-01-21",
        "2024-01-28",
        "2024-02-04",
    ]
    assert np.allclose(gains.to_numpy(), 14.0)
    wed = weekly_gains(series, week_ending="wed")
    assert all(d.day_of_week == 2 for d in wed.index)


def test_weekly_gains_refuses_a_long_gap_and_short_series(tmp_path: Path) -> None:
    rows = daily_rows(date(2024, 1, 1), [float(i) for i in range(40)])
    del rows[10:15]
    series = read_territory_series(write_csv(tmp_path / "gap.csv", rows))
    with pytest.raises(DetenteError, match="5 consecutive days are missing from 2024-01-11"):
        weekly_gains(series)
    short = read_territory_series(write_csv(tmp_path / "s.csv", GOOD))
    with pytest.raises(DetenteError, match="no complete week"):
        weekly_gains(short)
    with pytest.raises(DetenteError, match="not a weekday"):
        weekly_gains(short, week_ending="someday")


def test_season_of_months() -> None:
    days = pd.to_datetime(["2024-01-15", "2024-03-15", "2024-06-15", "2024-10-15", "2024-12-15"])
    assert [SEASONS[s] for s in season_of(days)] == ["winter", "mud", "summer", "mud", "winter"]


# ---- the real DeepState series ------------------------------------------------------


@pytest.fixture(scope="module")
def deepstate_calibration() -> TerritoryCalibration:
    if not DEEPSTATE.is_file():
        missing(f"DeepState series not found at {DEEPSTATE} (set DETENTE_SHARED_DATA)")
    series = read_territory_series(DEEPSTATE)
    return fit_territory(weekly_gains(series), bootstrap=20, seed=0, source=str(DEEPSTATE))


def test_deepstate_fitted_mean_matches_raw_weekly_average(
    deepstate_calibration: TerritoryCalibration,
) -> None:
    # Independently of the library: area on the first and last Sunday in the file.
    with DEEPSTATE.open(encoding="utf-8") as f:
        area = {row["date"]: float(row["occupied_km2"]) for row in csv.DictReader(f)}
    sundays = sorted(d for d in area if date.fromisoformat(d).weekday() == 6)
    first, last = sundays[0], sundays[-1]
    n_weeks = (date.fromisoformat(last) - date.fromisoformat(first)).days // 7
    raw = (area[last] - area[first]) / n_weeks
    cal = deepstate_calibration
    assert cal.n_weeks == n_weeks
    assert abs(cal.fitted_mean_gain - raw) < 1.0
    assert cal.means[cal.regime_index("surge")] > cal.means[cal.regime_index("hold")]


def test_deepstate_model_is_persistent_and_not_spurious(
    deepstate_calibration: TerritoryCalibration,
) -> None:
    cal = deepstate_calibration
    assert cal.kind == "hmm"
    assert min(cal.shares) >= 0.05
    assert all(p > 0.5 for p in cal.persistence())


# ---- CLI ----------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer(cls=OneLineErrors)
    app.add_typer(calibrate_app, name="calibrate")

    @app.callback()
    def _root() -> None:
        """Test root."""

    return app


@pytest.fixture()
def area_file(tmp_path: Path) -> Path:
    gains, _ = synthetic_gains(seed=12, n_weeks=60)
    # Daily areas whose Sunday-to-Sunday changes are the synthetic gains.
    start = gains.index[0] - pd.Timedelta(days=7)
    sundays = np.concatenate([[100_000.0], 100_000.0 + np.cumsum(gains.to_numpy())])
    days = pd.date_range(start, gains.index[-1], freq="D")
    daily = np.interp(days.asi8, pd.DatetimeIndex([start, *gains.index]).asi8, sundays)
    return write_csv(
        tmp_path / "area.csv",
        [(d.date().isoformat(), f"{a:.1f}") for d, a in zip(days, daily, strict=True)],
    )


def test_cli_json_and_table(area_file: Path) -> None:
    runner = CliRunner()
    args = ["calibrate", "territory", str(area_file), "-b", "5", "--seed", "1"]
    result = runner.invoke(_app(), [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["n_weeks"] == 60 and doc["bootstrap"] == 5 and doc["seed"] == 1
    table = runner.invoke(_app(), [*args, "--regimes", "2"])
    assert table.exit_code == 0, table.output
    assert "surge" in table.stdout and "Model comparison" in table.stdout


def test_cli_bad_file_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", [("2024-01-02", "1"), ("2024-01-01", "2")])
    result = CliRunner().invoke(_app(), ["calibrate", "territory", str(bad)])
    assert result.exit_code == 2
    assert "line 3" in result.output and "sort the rows by date" in result.output
    assert len(result.output.strip().splitlines()) == 1
