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
from detente.evaluation.campaign import at_war_draws, origin_campaign, scenario_campaign
from detente.evaluation.forecasters import Detente, Forecaster, RegimeForecaster, War, _fit
from detente.evaluation.rolling import weekly_area

FAST = {"n_samples": 200, "bootstrap": 2}
#: Every model but ``war`` (its solves are slow); the war model's determinism and leakage
#: are tested on their own, and the CLI tests run every model.
QUICK = [m for m in FORECASTERS if m != "war"]


def _fast(cls: type[Forecaster], n: int = 100) -> Forecaster:
    """A quick instance: few bootstrap replicates in a refit, few war paths."""
    if cls is War:
        return War(n_samples=n, bootstrap=2, paths=400, bin_km2=800.0)
    if issubclass(cls, RegimeForecaster):
        return cls(n_samples=n, bootstrap=2)  # type: ignore[call-arg]
    return cls(n_samples=n)


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
        _series(), horizons=(2, 6), origins_from="2022-09-01", every=8, seed=5, models=QUICK,
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
        f = _fast(cls)
        a = forecast_at(s, origin, f, [1, 4, 13], seed=7)
        _fit.cache_clear()  # the refit is memoised: make the second forecast refit too
        b = forecast_at(changed, origin, f, [1, 4, 13], seed=7)
        assert a.shape == (3, 100), name
        assert np.array_equal(a, b), name


def test_war_no_leakage_campaign_moved_to_the_origin() -> None:
    """The war forecaster reads nothing after the origin (its refit, campaign, solve and
    paths), and its campaign is the scenario's moved to start there, on the origin's line."""
    s = _series()
    origin = pd.Timestamp("2023-01-15")
    later = s.index > origin
    changed = s.copy()
    changed[later] = changed[later].to_numpy() * 1.5 - 40_000.0
    war = _fast(War)
    _fit.cache_clear()
    a = forecast_at(s, origin, war, [1, 4, 13, 26], seed=11)
    _fit.cache_clear()
    b = forecast_at(changed, origin, war, [1, 4, 13, 26], seed=11)
    assert a.shape == (4, 100)
    assert np.array_equal(a, b)

    history = weekly_area(s.loc[:origin])
    assert isinstance(war, War)
    cal = war.refit(history, np.random.default_rng(0))
    base = scenario_campaign("ukraine-2024")
    c = origin_campaign(base, cal, origin.date(), float(history.iloc[-1]), bin_km2=800.0)
    assert c.start == origin.date()
    assert c.regime_change - c.start == base.regime_change - base.start
    assert c.negotiation_opens - c.start == base.negotiation_opens - base.start
    assert c.start_territory_km2.value == float(history.iloc[-1])
    assert c.battlefield is not None and c.battlefield.resolved is not None
    assert c.battlefield.regimes == {"hold": "press1", "press": "press2", "surge": "surge"}
    assert c.battlefield.control == base.battlefield.control  # type: ignore[union-attr]
    press2 = cal.regime_index("press2")
    gain = c.gains["press"]["summer"]
    assert gain.mean.value == pytest.approx(cal.means[press2] + cal.season_shift[2])
    assert c.horizon_weeks == base.horizon_weeks and c.values == base.values


def test_at_war_draws_keep_only_paths_still_fighting() -> None:
    """Horizon h keeps the paths with no deal in weeks 0 .. h-1 (deal_week -1 or >= h)."""
    from types import SimpleNamespace

    territory = np.array([
        [0.0, 10.0, 20.0], [0.0, 0.0, 0.0], [0.0, 30.0, 30.0], [0.0, 50.0, 90.0],
    ])  # fmt: skip
    paths = SimpleNamespace(territory=territory, deal_week=np.array([-1, 0, 1, 2]))
    got = at_war_draws(paths, [1, 2], 4)  # type: ignore[arg-type]
    p = (np.arange(4) + 0.5) / 4
    assert np.allclose(got[0], np.quantile([10.0, 30.0, 50.0], p))
    assert np.allclose(got[1], np.quantile([20.0, 90.0], p))


def test_war_policy_steers_the_refitted_chain(shared_data: Path) -> None:
    """``war`` and ``detente`` refit the same calibration at an origin (one stream, one fit)
    and differ only in how they walk it: the attacker's solved policy steers the regime
    chain, so the forecasts differ well beyond the noise between two seeds of one of them
    (Kolmogorov-Smirnov distance of the draws 13 weeks on: 0.43 against 0.13 when written).
    """
    from scipy.stats import ks_2samp

    s = read_territory_series(shared_data / "ukraine_occupied_area_deepstate.csv")
    origin = pd.Timestamp("2024-06-02")
    _fit.cache_clear()
    war = War(n_samples=400, bootstrap=5, paths=2000, bin_km2=600.0)
    chain = Detente(n_samples=400, bootstrap=5)
    w = forecast_at(s, origin, war, [13], seed=0)[0]
    d = forecast_at(s, origin, chain, [13], seed=0)[0]
    assert _fit.cache_info().hits == 1  # the second forecaster reused the first one's refit
    d2 = forecast_at(s, origin, chain, [13], seed=1)[0]
    steered, noise = ks_2samp(w, d).statistic, ks_2samp(d, d2).statistic
    assert steered > 0.3 and steered > 2 * noise


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
        _series(), horizons=(2, 6), origins_from="2022-09-01", every=8, seed=6, models=QUICK,
        **FAST,
    ).to_frame()  # fmt: skip
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
        (["--models", "detente,nope"], "--models"),
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
