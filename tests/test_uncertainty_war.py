"""Sweeps and Sobol' indices of the war-termination model (issue 4 on the campaign): campaign
numbers drawn by dotted path, one solve per draw, backends identical, a no-effect parameter
gets zero indices, the documented outputs, and the commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.errors import DetenteError
from detente.scenario import Scenario, parse_yaml, to_yaml
from detente.spec.distributions import Distribution
from detente.uncertainty.evaluators import CAMPAIGN_OUTPUTS, CampaignModel
from detente.uncertainty.sampling import campaign_distributions, campaign_numbers, parse_vary
from detente.uncertainty.sensitivity import sensitivity
from detente.uncertainty.sweep import sweep, war_evaluator
from detente.war.model import RunStats, summarise, sweep_values
from detente.war.simulate import simulate
from detente.war.solver import solve
from tests.conftest import TWO_ISSUES
from tests.test_war_model import synthetic

OFFER = "mediator.types.soft.after.offer_probability"
RIPOSTE = "mediator.types.resolute.after.riposte_probability"
SURGE_GAIN = "intensities.surge.gain.summer.mean"
DUMMY = "resumption.shape"  # the resumption hazard acts after a deal: no effect on the war
SPREAD = ("test_sobol_ranks_campaign_parameters",)
"""192 solves: a work unit of the test workers of its own (tests/conftest.py)."""


def _uniform(lo: float, hi: float) -> Distribution:
    return Distribution(kind="uniform", params=(lo, hi))


VARY = {
    OFFER: _uniform(0.1, 0.9),
    RIPOSTE: _uniform(0.0, 0.8),
    SURGE_GAIN: _uniform(60.0, 180.0),
    DUMMY: _uniform(0.4, 0.9),
}


@pytest.fixture(scope="module")
def war_scenario() -> Scenario:
    campaign = synthetic(riposte_probability=0.3, riposte_size=2.0, offer_probability=0.3)
    return parse_yaml(TWO_ISSUES).model_copy(update={"campaign": campaign})


def test_parse_vary_reads_the_scenario_syntax() -> None:
    path, dist = parse_vary(f"campaign.{RIPOSTE}={{triangular: [0.1, 0.3, 0.6]}}")
    assert path == RIPOSTE and dist.kind == "triangular" and dist.params == (0.1, 0.3, 0.6)
    for bad, message in [
        ("riposte", "not PATH=DISTRIBUTION"),
        (f"{RIPOSTE}=0.3", "is not a distribution"),
        (f"{RIPOSTE}={{uniform: [0.6, 0.2]}}", "low > high"),
    ]:
        with pytest.raises(DetenteError, match=message):
            parse_vary(bad)


def test_campaign_numbers_check_paths_and_ranges(war_scenario: Scenario) -> None:
    campaign = war_scenario.campaign
    assert campaign is not None
    numbers = campaign_numbers(campaign, {RIPOSTE: _uniform(0.0, 0.8)})
    assert [u.name for u in numbers] == [f"campaign.{RIPOSTE}"]
    assert numbers[0].value == pytest.approx(0.4) and numbers[0].bounds == (0.0, 1.0)
    with pytest.raises(DetenteError, match="names no number"):
        campaign_numbers(campaign, {"mediator.types.nobody.prior": _uniform(0, 1)})
    with pytest.raises(DetenteError, match="a probability lies in"):
        campaign_numbers(campaign, {RIPOSTE: _uniform(0.5, 1.5)})
    with pytest.raises(DetenteError, match="priors sum"):  # a prior cannot move alone
        campaign_numbers(campaign, {"mediator.types.soft.prior": _uniform(0.2, 0.8)})
    with pytest.raises(DetenteError, match="no campaign"):
        war_evaluator(parse_yaml(TWO_ISSUES), VARY)
    with pytest.raises(DetenteError, match="--vary"):
        war_evaluator(war_scenario, {})


def test_outputs_match_the_simulate_document(war_scenario: Scenario) -> None:
    campaign = war_scenario.campaign
    assert campaign is not None
    solution = solve(campaign.arrays())
    paths = simulate(solution, 500, np.random.default_rng(3))
    doc = summarise(campaign, solution, paths, scenario="s", seed=3).document
    weeks_by = 20
    got = sweep_values(RunStats(solution.arrays, paths, weeks_by))
    assert list(got) == list(CAMPAIGN_OUTPUTS)
    assert got["p_deal"] == pytest.approx(doc["deal_terms"]["p_deal"], abs=1e-4)
    assert got["p_deal_by"] == pytest.approx(doc["p_deal_by"][weeks_by - 1]["p"], abs=1e-4)
    assert got["p_escalation"] == pytest.approx(doc["p_escalation"], abs=1e-4)
    assert got["p_escalation_after_deadline"] == pytest.approx(
        doc["p_escalation_after_deadline"], abs=1e-4
    )
    gain = doc["gain_km2_per_day"]
    assert got["gain_km2_per_day_before"] == pytest.approx(gain["before_deadline"], abs=0.01)
    assert got["gain_km2_per_day_after"] == pytest.approx(gain["after_deadline"], abs=0.01)
    assert got["territory_end_km2"] == pytest.approx(paths.territory[:, -1].mean())


def test_same_seed_same_arrays_inline_and_process(war_scenario: Scenario) -> None:
    five = war_evaluator(war_scenario, VARY, paths=100, seed=5)
    inline = sweep(war_scenario, five, 24, 5, chunk_size=6).outcomes
    process = sweep(war_scenario, five, 24, 5, backend="process", workers=2,
                    chunk_size=6).outcomes  # fmt: skip
    assert inline.keys() == process.keys() == {("war", o) for o in CAMPAIGN_OUTPUTS}
    for key in inline:
        assert np.array_equal(inline[key], process[key], equal_nan=True), key
    assert np.ptp(inline[("war", "territory_end_km2")]) > 0
    six = war_evaluator(war_scenario, VARY, paths=100, seed=6)
    other = sweep(war_scenario, six, 24, 6, chunk_size=6).outcomes
    assert not np.array_equal(inline[("war", "territory_end_km2")],
                              other[("war", "territory_end_km2")])  # fmt: skip


def test_sobol_ranks_campaign_parameters(war_scenario: Scenario) -> None:
    evaluator = war_evaluator(war_scenario, VARY, paths=150, seed=0)
    _, outputs, idx = sensitivity(war_scenario, evaluator, n=32, seed=0)
    assert outputs[("war", "territory_end_km2")].shape == (32 * (len(VARY) + 2),)
    land = idx[idx["output"] == "territory_end_km2"].set_index("parameter")
    dummy = land.loc[f"campaign.{DUMMY}"]
    assert dummy["st"] == pytest.approx(0.0, abs=1e-12)
    assert dummy["s1"] == pytest.approx(0.0, abs=1e-12)
    assert dummy["rank"] == len(VARY)
    top = land.sort_values("rank").index[0]
    assert top in (f"campaign.{OFFER}", f"campaign.{SURGE_GAIN}")
    assert land.loc[top, "st"] > 0.2


def test_fixed_policy_solves_once_and_refuses_the_grid(war_scenario: Scenario) -> None:
    campaign = war_scenario.campaign
    assert campaign is not None
    numbers = campaign_numbers(campaign, {OFFER: _uniform(0.1, 0.9)})
    fixed = CampaignModel(campaign, numbers, paths=200, policy="fixed")
    solved = CampaignModel(campaign, numbers, paths=200)
    low, high = ({u.name: x for u in numbers} for x in (0.1, 0.9))
    assert fixed.evaluate(low)["p_deal_by"] < fixed.evaluate(high)["p_deal_by"]
    assert solved.evaluate(high)["p_deal"] == pytest.approx(fixed.evaluate(high)["p_deal"], abs=0.2)
    grid = campaign_numbers(campaign, {"grid.bin_km2": _uniform(40, 60)})
    with pytest.raises(DetenteError, match="fixed policy"):
        CampaignModel(campaign, grid, policy="fixed")


runner = CliRunner()


@pytest.fixture()
def war_file(war_scenario: Scenario, tmp_path: Path) -> Path:
    path = tmp_path / "war.yaml"
    path.write_text(to_yaml(war_scenario), encoding="utf-8")
    return path


def test_cli_sweep_and_sensitivity_of_the_war_model(war_file: Path) -> None:
    from detente.cli.sweep import build_app

    app = build_app()
    vary = [
        "--vary",
        f"{OFFER}={{uniform: [0.1, 0.9]}}",
        "--vary",
        f"{DUMMY}={{uniform: [0.4, 0.9]}}",
    ]
    args = ["sweep", str(war_file), "-m", "war", *vary, "--draws", "12", "--paths", "80",
            "--deal-by", "2025-05-01", "--format", "json", "--no-store"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    war = doc["results"][0]
    assert doc["kind"] == "sweep" and doc["n_draws"] == 12 and doc["chunk_size"] == 10
    assert war["model"] == "war" and war["params"]["deal_by"] == "2025-05-01"
    assert [o["output"] for o in war["outputs"]] == list(CAMPAIGN_OUTPUTS)
    assert set(war["outputs"][0]["quantiles"]) == {"p05", "p25", "p50", "p75", "p95"}
    assert [u["name"] for u in doc["uncertain"]] == [f"campaign.{OFFER}", f"campaign.{DUMMY}"]
    table = runner.invoke(app, [*args[:-3], "--no-store"])
    assert table.exit_code == 0 and "Sweep of the war model" in table.stdout
    sens = runner.invoke(app, ["sensitivity", str(war_file), "-m", "war", *vary, "--n", "4",
                               "--paths", "50", "--format", "json", "--no-store"])  # fmt: skip
    assert sens.exit_code == 0, sens.output
    sdoc = json.loads(sens.stdout)
    assert sdoc["n_evaluations"] == 4 * 4
    assert {o["output"] for o in sdoc["results"][0]["outputs"]} == set(CAMPAIGN_OUTPUTS)
    for bad, message in [
        (["-m", "war", "-m", "bdm", *vary], "runs alone"),
        (["-m", "bdm", *vary], "--vary is for --model war"),
        (["-m", "war"], "needs campaign numbers"),
        (["-m", "war", *vary, "--deal-by", "soon"], "not a date"),
    ]:
        out = runner.invoke(app, ["sweep", str(war_file), *bad, "--draws", "2", "--no-store"])
        assert out.exit_code == 2 and message in out.stderr, out.output


def test_distributions_written_in_the_campaign_are_drawn(war_scenario: Scenario) -> None:
    data = war_scenario.model_dump(mode="json", exclude_none=True)
    after = data["campaign"]["mediator"]["types"]["resolute"]["after"]
    after["riposte_probability"] = {"uniform": [0.1, 0.5], "note": "judgement"}
    scenario = Scenario.model_validate(data)
    found = campaign_distributions(scenario.campaign)  # type: ignore[arg-type]
    assert list(found) == [RIPOSTE] and found[RIPOSTE].params == (0.1, 0.5)
    # the central value is the number every deterministic run uses
    riposte = scenario.campaign.mediator.types["resolute"].after.riposte_probability  # type: ignore[union-attr]
    assert riposte.value == pytest.approx(0.3)
    evaluator = war_evaluator(scenario, {}, paths=50, seed=0, deal_by=None, policy="fixed")
    assert [n.name for n in evaluator.numbers] == [f"campaign.{RIPOSTE}"]
    # a distribution off a probability's range is refused when the scenario is read
    after["riposte_probability"] = {"uniform": [0.5, 1.5]}
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Scenario.model_validate(data)


def test_open_ranges_refuse_a_distribution_that_reaches_the_end(war_scenario: Scenario) -> None:
    data = war_scenario.model_dump(mode="json", exclude_none=True)
    data["campaign"]["discount"] = {"uniform": [0.0, 1.0]}
    with pytest.raises(ValueError, match=r"reaches 0, outside \(0, 1\]"):
        Scenario.model_validate(data)
    data["campaign"]["discount"] = {"uniform": [0.9, 1.0]}  # the closed end 1 is allowed
    assert Scenario.model_validate(data).campaign is not None
