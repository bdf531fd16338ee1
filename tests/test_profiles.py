"""Interlocutor profiles: reading events, the say-do lead/lag test, the mapping, PsyCL leaders,
the CLI, and the shipped 2018 record."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from detente.cli.common import OneLineErrors
from detente.cli.profile import profile_app
from detente.errors import DetenteError
from detente.profiles.dyad import net_cooperation, week_grid, weekly_table
from detente.profiles.events import cameo_table, events_from_frame, filter_events, read_events
from detente.profiles.leaders import MIN_WORDS, find_leader, leader_profile, psycl
from detente.profiles.mapping import (
    load_mapping,
    profile_to_parameters,
    tempered_update,
)
from detente.profiles.profile import (
    EVENT_PROFILE_KEYS,
    FEATURES,
    dumps_profile,
    event_profile,
    load_profile,
    save_profile,
)
from detente.profiles.saydo import lead_lag, weekly_lead_lag

EVENTS_FILE = "events/icews_dyadic_events_usa_rus_ukr_eu_2005_2018.csv"

# The CLI sub-app mounted the way detente.cli.main mounts it.
cli = typer.Typer(cls=OneLineErrors, add_completion=False)
cli.add_typer(profile_app, name="profile")
runner = CliRunner()


# --- a synthetic record with a known say-do relation ---------------------------------------


def synthetic_events(
    *, lag: int | None, weeks: int = 80, per_week: int = 60, seed: int = 1
) -> pd.DataFrame:
    """Events of A→B: each week's share of verbal cooperation is drawn at random; the share of
    material cooperation ``lag`` weeks later follows it (None: independent). Also a quiet C→D
    dyad so there are peers."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-06")  # a Monday
    p_verbal = rng.uniform(0.15, 0.65, size=weeks)
    if lag is None:
        p_material = rng.uniform(0.02, 0.30, size=weeks)
    else:
        p_material = np.full(weeks, 0.05)
        p_material[lag:] = 0.02 + 0.5 * (p_verbal[:-lag] - 0.15)
    rows = []
    for w in range(weeks):
        rest = 1.0 - p_verbal[w] - p_material[w]
        probs = [p_verbal[w], p_material[w], rest / 2, rest / 2]
        kinds = rng.choice(4, size=per_week, p=probs)
        days = rng.integers(0, 7, size=per_week)
        for kind, day in zip(kinds, days, strict=True):
            code = ("042", "061", "111", "173")[kind]
            rows.append((start + pd.Timedelta(days=7 * w + int(day)), "AAA", "BBB", code))
    for w in range(0, weeks, 2):
        rows.append((start + pd.Timedelta(days=7 * w), "CCC", "DDD", "036"))
    frame = pd.DataFrame(rows, columns=["date", "source", "target", "cameo_code"])
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    return events_from_frame(frame)


def test_planted_two_week_lead_is_recovered_at_lag_2() -> None:
    events = synthetic_events(lag=2)
    weekly = weekly_table(events, "AAA", "BBB", week_grid(events.date.min(), events.date.max()))
    result = weekly_lead_lag(weekly, max_lag=8, n_perm=2000, seed=0)
    assert result.best_lag == 2
    assert result.best_r > 0.4
    assert result.p_family < 0.01
    # The other lags do not look like the planted one.
    others = [abs(r) for k, r in zip(result.lags, result.r, strict=True) if k not in (2,)]
    assert max(others) < result.best_r


def test_full_profile_recovers_the_lead_and_sets_the_feature() -> None:
    events = synthetic_events(lag=2)
    prof = event_profile(events, "AAA", "BBB", seed=3, n_perm=1000, n_boot=500)
    ll = prof["say_do"]["lead_lag"]
    assert ll["best_lag"] == 2 and ll["p_family"] < 0.01
    assert prof["features"]["verbal_leads_material"] == pytest.approx(ll["best_r"])


def test_no_relation_gives_no_small_p_value() -> None:
    events = synthetic_events(lag=None, seed=7)
    prof = event_profile(events, "AAA", "BBB", seed=0, n_perm=1000, n_boot=200)
    assert prof["say_do"]["lead_lag"]["p_family"] > 0.05
    assert prof["features"]["verbal_leads_material"] == 0.0


def test_permutation_test_is_calibrated_for_autocorrelated_independent_series() -> None:
    """Two independent AR(1) series (phi = 0.8) would often look related without
    pre-whitening; with it, the family-wise test rejects at about its nominal rate."""
    rng = np.random.default_rng(11)
    rejections = {True: 0, False: 0}
    runs = 40
    for _ in range(runs):
        x = np.zeros(60)
        y = np.zeros(60)
        for t in range(1, 60):
            x[t] = 0.8 * x[t - 1] + rng.normal()
            y[t] = 0.8 * y[t - 1] + rng.normal()
        for prewhiten in (True, False):
            res = lead_lag(x, y, max_lag=6, n_perm=500, seed=rng, prewhiten=prewhiten)
            rejections[prewhiten] += res.p_family < 0.05
    assert rejections[True] <= 0.15 * runs
    assert rejections[False] > rejections[True]


def test_permutation_test_with_gaps() -> None:
    """2,000 permutations on series with gaps (its time: benchmarks/bench_checks.py)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(size=52)
    y = rng.uniform(size=52)
    x[::9] = np.nan
    res = lead_lag(x, y, max_lag=8, n_perm=2000, seed=0)
    assert res.n_perm == 2000 and len(res.lags) == 17
    assert all(0.0 < p <= 1.0 for p in res.p if not np.isnan(p))


# --- determinism ---------------------------------------------------------------------------


def test_bootstrap_is_deterministic_with_a_seed() -> None:
    events = synthetic_events(lag=None, seed=5)
    weekly = weekly_table(events, "AAA", "BBB", week_grid(events.date.min(), events.date.max()))
    a = net_cooperation(weekly, n_boot=500, seed=42)
    b = net_cooperation(weekly, n_boot=500, seed=42)
    c = net_cooperation(weekly, n_boot=500, seed=43)
    assert a == b
    assert (a.low, a.high) != (c.low, c.high)
    assert a.low < a.value < a.high
    # seed 0 is a seed like any other, not "no seed"
    assert net_cooperation(weekly, n_boot=500, seed=0) == net_cooperation(
        weekly, n_boot=500, seed=0
    )


def test_whole_profile_is_deterministic_with_a_seed() -> None:
    events = synthetic_events(lag=2, seed=2)
    one = dumps_profile(event_profile(events, "AAA", "BBB", seed=9, n_perm=300, n_boot=300))
    two = dumps_profile(event_profile(events, "AAA", "BBB", seed=9, n_perm=300, n_boot=300))
    assert one == two


# --- the profile document --------------------------------------------------------------------


def test_profile_json_has_the_documented_keys(tmp_path: Path) -> None:
    events = synthetic_events(lag=2)
    prof = event_profile(events, "aaa", "bbb", seed=0, n_perm=200, n_boot=200)
    assert tuple(prof) == EVENT_PROFILE_KEYS
    assert set(prof["features"]) == set(FEATURES)
    assert prof["dyad"] == {"source": "AAA", "target": "BBB"}
    assert set(prof["quad_shares"]) == {
        "verbal_cooperation",
        "material_cooperation",
        "verbal_conflict",
        "material_conflict",
    }
    assert sum(prof["quad_shares"].values()) == pytest.approx(1.0)
    assert {"value", "low", "high"} == set(prof["net_cooperation"])
    assert {"rolling_mae", "quad_entropy_bits", "rolling_mae_percentile", "n_peers"} <= set(
        prof["predictability"]
    )
    assert {"gap", "lead_lag", "lead_lag_conflict"} <= set(prof["say_do"])
    path = save_profile(prof, tmp_path / "p.json")
    back = load_profile(path)
    assert back == json.loads(dumps_profile(prof))
    assert profile_to_parameters(back) == profile_to_parameters(prof)


def test_load_profile_rejects_other_versions(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"schema_version": 99, "kind": "events", "features": {}}))
    with pytest.raises(DetenteError, match="schema_version"):
        load_profile(path)
    path.write_text("{not json")
    with pytest.raises(DetenteError, match="not JSON"):
        load_profile(path)


# --- the mapping -----------------------------------------------------------------------------

BASE_FEATURES = {
    "net_cooperation": 0.0,
    "say_do_gap": 0.2,
    "verbal_leads_material": 0.1,
    "unpredictability": 0.5,
}

DOCUMENTED = {
    ("cheap_talk_weight", "verbal_leads_material"): +1,
    ("cheap_talk_weight", "say_do_gap"): -1,
    ("type_prior_spread", "unpredictability"): +1,
    ("position_shift", "net_cooperation"): +1,
}
"""The directions docs/profiles.md promises."""


@pytest.mark.parametrize(("parameter", "feature"), list(DOCUMENTED))
def test_mapping_is_monotone_in_the_documented_direction(parameter: str, feature: str) -> None:
    mapping = load_mapping()
    sign = DOCUMENTED[(parameter, feature)]
    assert mapping.rules[parameter].direction[feature] == (
        "increasing" if sign > 0 else "decreasing"
    )
    grid = np.linspace(-1.0, 1.0, 41) if feature != "net_cooperation" else np.linspace(-10, 10, 41)
    values = [
        profile_to_parameters({**BASE_FEATURES, feature: float(v)}, mapping)[parameter]
        for v in grid
    ]
    steps = np.diff(values) * sign
    assert (steps >= -1e-12).all()
    assert values[-1] * sign > values[0] * sign  # strictly moves somewhere
    lo, hi = mapping.rules[parameter].bounds
    assert min(values) >= lo and max(values) <= hi


def test_mapping_sets_only_what_the_profile_informs() -> None:
    params = profile_to_parameters({"net_cooperation": 2.0})
    assert params == {"position_shift": 4.0}
    assert profile_to_parameters({"features": {"net_cooperation": None}}) == {}


def test_mapping_weight_against_its_direction_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "schema_version: 1\nparameters:\n  p:\n    terms: {x: -1.0}\n"
        "    direction: {x: increasing}\n    bounds: [0, 1]\n"
    )
    with pytest.raises(DetenteError, match="disagrees with direction") as exc:
        load_mapping(path)
    assert "\n" not in str(exc.value)


def test_tempered_update_is_bayes_at_one_and_ignores_words_at_zero() -> None:
    prior, lr = 0.3, 4.0
    bayes = prior * lr / (prior * lr + (1 - prior))
    assert tempered_update(prior, lr, 1.0) == pytest.approx(bayes)
    assert tempered_update(prior, lr, 0.0) == pytest.approx(prior)
    ws = np.linspace(0, 1, 11)
    post = [tempered_update(prior, lr, float(w)) for w in ws]
    assert np.all(np.diff(post) > 0)
    assert np.all(np.diff([tempered_update(prior, 0.25, float(w)) for w in ws]) < 0)
    with pytest.raises(DetenteError):
        tempered_update(1.0, 2.0, 0.5)


# --- bad event files -------------------------------------------------------------------------

GOOD = "date,source,target,cameo_code\n2018-01-02,USA,RUS,042\n2018-01-03,RUS,USA,111\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("date,source,cameo_code\n2018-01-02,USA,042\n", "missing column(s) target"),
        (GOOD + "2018-01-04,USA,RUS,999\n", "line 4, cameo_code: unknown CAMEO code '999'"),
        (GOOD + "2018-01-04,USA,RUS,42\n", "did you mean '042'"),
        (GOOD + "04/01/2018,USA,RUS,042\n", "line 4, date: bad date '04/01/2018'"),
        (GOOD + "2018-02-30,USA,RUS,042\n", "line 4, date: bad date"),
        (
            "date,source,target,cameo_code,goldstein\n2018-01-02,USA,RUS,042,eleven\n",
            "line 2, goldstein",
        ),
        (
            "date,source,target,cameo_code,goldstein\n2018-01-02,USA,RUS,042,12\n",
            "off the Goldstein scale",
        ),
        ("date,source,target,cameo_code\n", "no events"),
    ],
)
def test_bad_event_files_give_one_line_errors(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "events.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DetenteError) as exc:
        read_events(path)
    message = exc.value.one_line()
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


def test_non_utf8_and_oversized_files(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (GOOD + "2018-01-04,USA,RUS,042,\n").encode() + "Moskva, Ñ\n".encode("latin-1")
    )
    with pytest.raises(DetenteError, match=r"line 5: is not UTF-8"):
        read_events(path)
    big = tmp_path / "big.csv"
    big.write_text(GOOD * 50, encoding="utf-8")
    with pytest.raises(DetenteError, match="over the 1,000-byte limit"):
        read_events(big, max_bytes=1000)


def test_goldstein_and_quad_class_looked_up_when_absent(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(GOOD + "2018-01-04,USA,RUS,057\n", encoding="utf-8")
    events = read_events(path)
    assert list(events["goldstein"]) == [1.9, -2.0, 8.0]
    assert list(events["quad_class"]) == [1, 3, 1]  # ICEWS: root 05 is verbal cooperation
    gdelt = read_events(path, quad_convention="gdelt")
    assert list(gdelt["quad_class"]) == [1, 3, 2]  # GDELT: root 05 is material cooperation
    table = cameo_table()
    assert table["190"].goldstein == -10.0 and table["190"].quad_icews == 4


def test_overlapping_datasets_need_a_choice() -> None:
    frame = pd.DataFrame(
        {
            "date": ["2014-03-01", "2014-03-01"],
            "source": ["RUS", "RUS"],
            "target": ["UKR", "UKR"],
            "cameo_code": ["190", "190"],
            "dataset": ["ICEWS14", "ICEWS05-15"],
        }
    )
    events = events_from_frame(frame)
    with pytest.raises(DetenteError, match="pick one with --dataset"):
        filter_events(events)
    assert len(filter_events(events, datasets=["ICEWS14"])) == 1


# --- leaders ---------------------------------------------------------------------------------


def test_putin_and_trump_profiles() -> None:
    putin = leader_profile("putin")
    assert putin["leader"] == "Vladimir Putin"
    assert putin["words"] == 9434 and putin["reliable"] and not putin["warnings"]
    assert putin["years"][0]["year"] == 2000
    assert all(0 <= row["percentile"] <= 100 for row in putin["indices"].values())
    assert len(putin["indices"]) == 23 and putin["norm_group"] == 130
    trump = leader_profile("DONALD TRUMP")
    assert trump["words"] == 5095 and trump["words"] >= MIN_WORDS
    assert find_leader("Yelstin") == "Boris Yeltsin"  # a typo still finds the one close name


def test_leader_under_the_word_threshold_gets_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    # No PsyCL leader is under 4,000 words (Trump is lowest of interest at 5,095), so raise the
    # threshold to exercise the warning path.
    assert int(psycl()["words"].min()) >= MIN_WORDS
    monkeypatch.setattr("detente.profiles.leaders.MIN_WORDS", 6000)
    prof = leader_profile("trump")
    assert not prof["reliable"] and "6,000-word threshold" in prof["warnings"][0]
    assert leader_profile("putin")["reliable"]


def test_unknown_and_ambiguous_leaders_give_helpful_errors() -> None:
    with pytest.raises(DetenteError, match="no leader 'Zelensky' in PsyCL") as exc:
        leader_profile("Zelensky")
    assert "--list" in str(exc.value)
    with pytest.raises(DetenteError, match=r"no leader 'Pootin' .*closest: Vladimir Putin"):
        leader_profile("Pootin")
    with pytest.raises(DetenteError, match=r"matches 2 leaders: GeorgeH\.W\. Bush; GeorgeW Bush"):
        leader_profile("bush")


def test_percentiles_use_the_130_leader_norm_group(shared_data: Path) -> None:
    norms = pd.read_csv(shared_data / "events" / "psycl_norm_opcode_130leaders.csv", index_col=0)
    table = psycl()
    for col in ("p1", "i1", "i4b"):
        assert table[col].mean() == pytest.approx(norms.loc[col, "mean"])
    median_leader = leader_profile("putin")["indices"]["i1"]
    assert median_leader["norm_mean"] == pytest.approx(norms.loc["i1", "mean"])


# --- CLI -------------------------------------------------------------------------------------


def test_cli_errors_are_one_line_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(GOOD + "2018-01-04,USA,RUS,999\n", encoding="utf-8")
    result = runner.invoke(cli, ["profile", "events", str(path), "-s", "USA", "-t", "RUS"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "unknown CAMEO code" in result.stderr
    result = runner.invoke(cli, ["profile", "leader", "Zelensky"])
    assert result.exit_code == 2 and result.stderr.startswith("error: NAME: no leader")


def test_cli_leader_table_and_json() -> None:
    result = runner.invoke(cli, ["profile", "leader", "trump"])
    assert result.exit_code == 0, result.output
    assert "Donald Trump: 5,095 words" in result.stdout and "Schafer" in result.stdout
    doc = json.loads(runner.invoke(cli, ["profile", "leader", "putin", "-f", "json"]).stdout)
    assert doc["kind"] == "leader" and doc["features"]["leader.i1"] == pytest.approx(
        0.761, abs=1e-3
    )


def test_cli_events_json_save_and_plot(tmp_path: Path) -> None:
    events = synthetic_events(lag=2)
    path = tmp_path / "syn.csv"
    out = events[["date", "source", "target", "cameo_code"]].assign(
        date=events["date"].dt.strftime("%Y-%m-%d")
    )
    out.to_csv(path, index=False)
    saved = tmp_path / "prof.json"
    args = ["profile", "events", str(path), "-s", "AAA", "-t", "BBB", "--n-perm", "500"]
    result = runner.invoke(
        cli, [*args, "-f", "json", "--save", str(saved), "--plot", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["say_do"]["lead_lag"]["best_lag"] == 2
    assert load_profile(saved)["features"] == doc["features"]
    pngs = list(tmp_path.glob("profile_aaa_bbb_*.png"))
    assert len(pngs) == 1 and pngs[0].stat().st_size > 10_000
    table = runner.invoke(cli, args)
    assert table.exit_code == 0 and "cheap_talk_weight" in table.stdout


# --- the shipped record ----------------------------------------------------------------------


def test_usa_rus_2018_finds_the_skripal_sanctions_week(shared_data: Path) -> None:
    events = read_events(shared_data / EVENTS_FILE)
    start, end = pd.Timestamp("2018-01-01"), pd.Timestamp("2018-10-31")
    windowed = filter_events(events, start=start, end=end, datasets=["ICEWS18"])
    prof = event_profile(windowed, "USA", "RUS", start=start, end=end, n_perm=500, n_boot=500)
    assert prof["volume"]["events"] == 2601
    falls = {m["week"]: m for m in prof["largest_moves"] if m["change"] < 0}
    assert "2018-03-26" in falls  # the week of the 26 March 2018 expulsions
    assert any(e["cameo_code"].startswith("16") for e in falls["2018-03-26"]["events"])
    assert prof["predictability"]["n_peers"] >= 20
