"""The war-termination model wired to durability, profiles, the territory calibration and the
run store (issues 3, 6 and 7)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from detente.calibration.territory import TerritoryCalibration
from detente.cli.main import app
from detente.durability.hazard import CoxParameters, FittedResumptionHazard
from detente.errors import DetenteError
from detente.profiles.apply import UNIFORM_SD, apply_to_campaign, read_profile_input
from detente.profiles.mapping import profile_to_parameters
from detente.profiles.profile import event_profile, save_profile
from detente.scenario import load_scenario
from detente.scenario.overrides import with_overrides
from detente.scenario.resolve import FileResolver
from detente.spec.campaign import Campaign, campaign_hash
from detente.war.hazard import (
    DealTerms,
    DurabilityResumption,
    WeibullResumption,
    resumption_hazard,
)
from tests.test_profiles import synthetic_events

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _builtin_doc() -> dict[str, Any]:
    text = resources.files("detente.scenario").joinpath("builtin/ukraine-2024.yaml").read_text()
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


def _campaign() -> Campaign:
    campaign = load_scenario("ukraine-2024").campaign
    assert campaign is not None
    return campaign


def _invoke(args: list[str]) -> Any:
    return runner.invoke(app, args)


# --- 1. the UCDP-fitted hazard in the war model (issue 6) ----------------------------------


def test_builtin_case_uses_the_ucdp_hazard_and_the_placeholder_stays_available() -> None:
    campaign = _campaign()
    assert campaign.resumption.model == "ucdp_cox"
    assert isinstance(resumption_hazard(campaign), DurabilityResumption)
    generic = load_scenario(str(ROOT / "docs/scenarios/generic-war.yaml")).campaign
    assert generic is not None and generic.resumption.model == "weibull"
    assert isinstance(resumption_hazard(generic), WeibullResumption)


def test_unknown_resumption_model_is_an_error() -> None:
    with pytest.raises(DetenteError, match=r"weibull .*ucdp_cox"):
        with_overrides(_campaign(), ["resumption.model=lognormal"])


def test_batch_hazard_equals_the_durability_hazard_deal_by_deal() -> None:
    campaign = _campaign()
    hazard = resumption_hazard(campaign)
    assert isinstance(hazard, DurabilityResumption)
    terms = DealTerms(
        line_change_km2=np.array([0.0, 1500.0, -2500.0, 30000.0]),
        sanctions_relief=np.array([50.0, 30.0, 30.0, 0.0]),
        guarantees=np.array([40.0, 60.0, 30.0, 100.0]),
        snapback=np.array([False, True, False, True]),
    )
    single = FittedResumptionHazard.packaged()
    for years in (1.0, 3.0, 5.0):
        batch = hazard.p_holds(terms, years)
        mapped = hazard.mapped_terms(terms)
        one_by_one = [
            single.p_holds({k: float(v[i]) for k, v in mapped.items()}, years) for i in range(4)
        ]
        np.testing.assert_allclose(batch, one_by_one, rtol=1e-12)
    # The 2024-11-11 line is 81.0 on the scenario's territory scale.
    assert hazard.mapped_terms(terms)["territory"][0] == pytest.approx(81.0, abs=0.05)
    # Guarantees of 60 bring peacekeepers (pko) and hold longer than 30.
    assert hazard.p_holds(terms, 5.0)[1] > hazard.p_holds(terms, 5.0)[2]


def test_packaged_cox_reproduces_a_refit(shared_data: Path) -> None:
    from detente.durability.data import read_agreements
    from detente.durability.hazard import default_model

    refit = default_model().fit(read_agreements().frame)  # DECISIONS DUR-13
    fresh = CoxParameters.from_model(refit, source="refit")
    shipped = CoxParameters.packaged()
    assert shipped.covariates == fresh.covariates
    assert (shipped.n_agreements, shipped.n_failed) == (fresh.n_agreements, fresh.n_failed)
    for field in ("coef", "centre", "times", "cumulative_hazard"):
        np.testing.assert_allclose(getattr(shipped, field), getattr(fresh, field), rtol=1e-7)
    rows = pd.DataFrame(
        np.random.default_rng(0).integers(0, 2, size=(20, len(fresh.covariates))),
        columns=list(fresh.covariates),
    )
    times = [0.3, 1.0, 3.0, 5.0, 12.0]
    np.testing.assert_allclose(shipped.survival(rows, times), refit.survival(rows, times))


def test_simulate_and_durability_predict_give_the_same_p_holds(
    shared_data: Path, tmp_path: Path
) -> None:
    """One mediator type, fixed terms: every deal is the same, so simulate's P(holds) is
    that deal's, which `durability predict` fits afresh on the data."""
    doc = _builtin_doc()
    doc.pop("levers", None)
    campaign = doc["campaign"]
    offer = campaign["mediator"]["types"]["presses_russia"]
    offer["prior"] = 1.0
    offer["terms"]["territory_km2"] = 112_000
    campaign["mediator"]["types"] = {"presses_russia": offer}
    campaign["settlement"] = "fixed_terms"
    campaign.pop("proposals")  # the mediator's one deal only
    doc["name"] = "one-deal"
    path = tmp_path / "one-deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")

    sim = _invoke(["simulate", str(path), "-n", "1000", "--format", "json", "--no-store"])
    assert sim.exit_code == 0, sim.output
    sim_doc = json.loads(sim.stdout)
    assert sim_doc["deal_terms"]["p_deal"] > 0.5
    territory = 100 * (112_000 - 1_000) / 135_842  # the campaign's claim and outside area
    deal = f"territory={territory!r},sanctions=30,guarantees=60,snapback=1"
    pred = _invoke(["durability", "predict", "ukraine-2024", "--deal", deal, "--format", "json"])
    assert pred.exit_code == 0, pred.output
    by_years = {int(h["years"]): h["p_holds"] for h in json.loads(pred.stdout)["horizons"]}
    assert {int(k): v for k, v in sim_doc["p_holds"].items()} == by_years


def test_refit_script_check_passes(shared_data: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/fit_ucdp_cox.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- 2. profiles into the models (issue 7) ------------------------------------------------


@pytest.fixture(scope="module")
def lead_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A profile of a synthetic record whose verbal cooperation leads material cooperation
    by 2 weeks (the planted relation of tests/test_profiles.py)."""
    prof = event_profile(synthetic_events(lag=2), "AAA", "BBB", seed=3, n_perm=500, n_boot=200)
    return save_profile(prof, tmp_path_factory.mktemp("profiles") / "lead.json")


@pytest.fixture(scope="module")
def no_lead_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    prof = event_profile(synthetic_events(lag=None, seed=7), "AAA", "BBB", seed=0, n_perm=500)
    return save_profile(prof, tmp_path_factory.mktemp("profiles") / "none.json")


def test_profile_sets_the_campaign_cheap_talk_weight_and_prior(
    lead_profile: Path, no_lead_profile: Path
) -> None:
    campaign = _campaign()
    doc = json.loads(lead_profile.read_text())
    features = doc["features"]
    assert features["verbal_leads_material"] > 0.4  # the planted lead is found
    expected = profile_to_parameters(doc)
    changed, applied = apply_to_campaign(campaign, read_profile_input(lead_profile))
    assert changed.cheap_talk_weight.value == pytest.approx(expected["cheap_talk_weight"])
    assert changed.cheap_talk_weight.value == pytest.approx(
        min(1.0, max(0.0, 0.5 + features["verbal_leads_material"] - 0.5 * features["say_do_gap"]))
    )
    quiet, _ = apply_to_campaign(campaign, read_profile_input(no_lead_profile))
    assert changed.cheap_talk_weight.value > quiet.cheap_talk_weight.value
    alpha = min(1.0, expected["type_prior_spread"] / UNIFORM_SD)
    for name, mtype in campaign.mediator.types.items():
        assert changed.mediator.types[name].prior.value == pytest.approx(
            (1 - alpha) * mtype.prior.value + alpha / 3
        )
    assert {a.parameter for a in applied} == {"cheap_talk_weight", "type_prior_spread"}


def test_cheap_talk_weight_from_a_profile_moves_the_simulated_belief(lead_profile: Path) -> None:
    generic = load_scenario(str(ROOT / "docs/scenarios/generic-war.yaml")).campaign
    assert generic is not None and generic.cheap_talk
    changed, _ = apply_to_campaign(generic, read_profile_input(lead_profile))
    talk = generic.cheap_talk[0]
    lik = np.array([talk.likelihood[n].value for n in generic.type_names])
    prior = np.array([t.prior.value for t in changed.mediator.types.values()])
    from detente.war.beliefs import cheap_talk_update

    w = changed.cheap_talk_weight.value
    moved = cheap_talk_update(prior, lik, w)
    expected = prior * lik**w / (prior * lik**w).sum()
    np.testing.assert_allclose(moved, expected)


def test_simulate_profile_prints_what_it_set(lead_profile: Path, wide_terminal: None) -> None:
    scen = str(ROOT / "docs/scenarios/generic-war.yaml")
    table = _invoke(["simulate", scen, "-n", "200", "--profile", str(lead_profile)])
    assert table.exit_code == 0, table.output
    assert "Set by profile" in table.stdout
    assert "campaign.cheap_talk_weight" in table.stdout
    assert "position_shift" in table.stdout and "not used by this command" in table.stdout
    js = _invoke(["simulate", scen, "-n", "200", "--profile", str(lead_profile), "-f", "json"])
    doc = json.loads(js.stdout)
    rows = {r["parameter"]: r for r in doc["profile"]["set"]}
    weight = profile_to_parameters(json.loads(lead_profile.read_text()))["cheap_talk_weight"]
    assert float(rows["cheap_talk_weight"]["after"]) == pytest.approx(weight, abs=5e-3)


def test_forecast_profile_shifts_the_profiled_actor_towards_the_target(
    tmp_path: Path, wide_terminal: None
) -> None:
    profile = {
        "schema_version": 1,
        "kind": "events",
        "dyad": {"source": "RUS", "target": "UKR"},
        "features": {"net_cooperation": 2.5},  # position_shift = 5 points
    }
    path = tmp_path / "rus.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    missing = _invoke(["forecast", "ukraine-2024", "--profile", str(path), "--no-store"])
    assert missing.exit_code == 2 and "--profile-actor" in missing.output
    args = ["forecast", "ukraine-2024", "-m", "compromise", "-f", "json", "--no-store"]
    base = json.loads(_invoke(args).stdout)
    who = ["--profile-actor", "Russia", "--profile-target", "Ukraine"]
    shifted = _invoke([*args, "--profile", str(path), *who])
    assert shifted.exit_code == 0, shifted.output
    assert "Russia: position on territory (towards Ukraine)" in shifted.stderr
    assert "81 " in shifted.stderr and "76 " in shifted.stderr  # 81 -> 76 on territory

    def outcome(d: dict[str, Any], issue: str) -> float:
        (f,) = d["forecasts"]
        return float(next(i["outcome"] for i in f["issues"] if i["issue"] == issue))

    assert outcome(json.loads(shifted.stdout), "territory") < outcome(base, "territory")


# --- 3. the battlefield from a calibration (issue 3) --------------------------------------


def test_builtin_gains_come_from_the_packaged_calibration() -> None:
    campaign = _campaign()
    assert campaign.battlefield is not None
    doc = json.loads(
        resources.files("detente.calibration")
        .joinpath("data/ukraine-deepstate-2024.json")
        .read_text()
    )
    cal = TerritoryCalibration.from_dict(doc)
    arrays = campaign.arrays()
    for i, regime in enumerate(("press1", "press2", "surge")):
        k = cal.regimes.index(regime)
        np.testing.assert_allclose(arrays.gain_mean[i], cal.means[k] + np.array(cal.season_shift))
        np.testing.assert_allclose(arrays.gain_sd[i], cal.sds[k])
    assert max(cal.week_ending) <= "2024-11-11"


def test_a_saved_calibration_file_sets_the_gains(tmp_path: Path) -> None:
    doc = json.loads(
        resources.files("detente.calibration")
        .joinpath("data/ukraine-deepstate-2024.json")
        .read_text()
    )
    doc["means"] = [-50.0, 5.0, 40.0, 120.0]
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    changed = with_overrides(_campaign(), [f"battlefield.calibration={path}"], FileResolver())
    assert changed.arrays().gain_mean[2, 0] == pytest.approx(120.0)
    assert campaign_hash(changed) != campaign_hash(_campaign())
    with pytest.raises(DetenteError, match=r"campaign\.battlefield\.regimes\.surge"):
        with_overrides(_campaign(), ["battlefield.regimes.surge=storm"])
    with pytest.raises(DetenteError, match="no calibration"):
        with_overrides(
            _campaign(), [f"battlefield.calibration={tmp_path / 'none.json'}"], FileResolver()
        )


def test_gains_in_two_places_is_an_error() -> None:
    data = _campaign().model_dump(mode="json")
    data["intensities"]["hold"]["gain"] = {
        s: {"mean": 1.0, "sd": 1.0} for s in ("winter", "mud", "summer")
    }
    with pytest.raises(ValueError, match="give the gains in one place"):
        Campaign.model_validate(data)


def test_packaged_calibration_reproduces_a_refit(shared_data: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/calibrate_ukraine_battlefield.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the run store ------------------------------------------------------------------------


def test_simulate_records_the_run(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    scen = str(ROOT / "docs/scenarios/generic-war.yaml")
    result = _invoke(["simulate", scen, "-n", "300", "-s", "7", "--store", str(store)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(store), read_only=True)
    runs = con.execute("SELECT kind, seed, n_draws, params, elapsed_s FROM runs").fetchall()
    assert len(runs) == 1
    kind, seed, n_draws, params, elapsed = runs[0]
    campaign = load_scenario(scen).campaign
    assert campaign is not None
    spec = json.loads(params)
    assert (kind, seed, n_draws) == ("simulate", 7, 300) and elapsed > 0
    assert spec["campaign_hash"] == campaign_hash(campaign)
    outputs = dict(con.execute("SELECT output, count(*) FROM outcomes GROUP BY output").fetchall())
    assert outputs["deal_week"] == 300 and outputs["kept_km2"] == 300
    assert {"mediator_type", "territory_end_km2", "surge_weeks", "p_holds_5y"} <= set(outputs)
    con.close()
    nothing = tmp_path / "none.duckdb"
    quiet = _invoke(["simulate", scen, "-n", "50", "--store", str(nothing), "--no-store"])
    assert quiet.exit_code == 0
    assert not nothing.exists()


@pytest.mark.parametrize(
    "order", [("counter", "surge", "hold", "press"), ("hold", "press", "surge", "counter")]
)
def test_the_regime_chain_follows_the_campaign_order_not_the_written_one(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    """A chain in the calibration's or the file's order instead of the campaign's (hold,
    press, surge, counter) would start the war in the wrong regime: found when a YAML dump
    sorted the keys."""
    doc = _builtin_doc()
    campaign = doc["campaign"]
    named = {"hold": "press1", "press": "press2", "surge": "surge", "counter": "hold"}
    campaign["battlefield"]["regimes"] = {r: named[r] for r in order}
    campaign["counteroffensive"] = {"defender_cost": 2.5}
    path = tmp_path / "ordered.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    loaded = load_scenario(path).campaign
    assert loaded is not None
    arrays = loaded.arrays()
    # Ukraine-2024's last fitted week is the surge regime; counter is the fit's "hold".
    np.testing.assert_allclose(arrays.initial_regime, [0.0, 0.0, 1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(arrays.gain_mean[:, 0], [7.22, 34.68, 97.66, -65.24], atol=0.01)
    cal = TerritoryCalibration.from_dict(
        json.loads(
            resources.files("detente.calibration")
            .joinpath("data/ukraine-deepstate-2024.json")
            .read_text()
        )
    )
    fitted = np.asarray(cal.transition[0])
    rows = [1, 2, 3, 0]  # press1, press2, surge, hold
    persistence = np.diagonal(arrays.chain[0])
    np.testing.assert_allclose(persistence, np.diagonal(fitted)[rows], rtol=1e-6)
