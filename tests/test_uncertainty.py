"""Distributions in scenarios, sampling, sweeps and Sobol' sensitivity."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.errors import DetenteError
from detente.models import MODELS, Compromise, get_model
from detente.scenario import Scenario, parse_yaml, to_yaml
from detente.spec.distributions import Distribution
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import draw, uncertain_numbers, with_default_spread
from detente.uncertainty.sensitivity import salib_seed, sensitivity
from detente.uncertainty.sweep import Band, resolve_models, summarize, sweep
from tests.conftest import TWO_ISSUES

UNCERTAIN = """
name: unc
issues:
  - name: a
    status_quo: {choice: [10, 20, 30], p: [0.2, 0.5, 0.3]}
  - name: b
    scale: [0, 10]
actors:
  - name: X
    capability: {uniform: [2, 4], note: "between 2 and 4"}
    stances:
      a: {position: {triangular: [60, 80, 95]}, salience: {normal: [60, 15]}}
      b: {position: 1, salience: 90}
  - name: Y
    capability: 1
    stances:
      a: {position: 20, salience: 40}
      b: {position: {uniform: [4, 8]}, salience: 30, clout: {triangular: [0.5, 1, 2]}}
"""


def scenario_with(field_yaml: str) -> str:
    """The toy scenario with actor X's salience on issue a replaced by ``field_yaml``."""
    return TWO_ISSUES.replace("a: {position: 80, salience: 60}", f"a: {{{field_yaml}}}")


@pytest.fixture()
def unc() -> Scenario:
    return parse_yaml(UNCERTAIN, source="unc.yaml")


# -- parsing and validation --------------------------------------------------------------------
def test_distributions_parse_with_central_values(unc: Scenario) -> None:
    x = unc.actors[0]
    assert x.capability.value == 3.0 and x.capability.note == "between 2 and 4"
    assert x.capability.distribution == Distribution(kind="uniform", params=(2, 4))
    assert x.stances["a"].position.value == 80  # triangular: the mode
    assert x.stances["a"].salience.value == 60  # normal: the mean
    assert unc.issues[0].status_quo is not None and unc.issues[0].status_quo.value == 20
    assert x.stances["b"].position.distribution is None
    names = [u.name for u in uncertain_numbers(unc)]
    assert names == [
        "a.status_quo", "X.capability", "X.a.position", "X.a.salience", "Y.b.position",
        "Y.b.clout",
    ]  # fmt: skip


def test_deterministic_models_use_the_central_value(unc: Scenario) -> None:
    plain = parse_yaml(
        UNCERTAIN.replace('{uniform: [2, 4], note: "between 2 and 4"}', "3")
        .replace("{triangular: [60, 80, 95]}", "80")
        .replace("{normal: [60, 15]}", "60")
        .replace("{choice: [10, 20, 30], p: [0.2, 0.5, 0.3]}", "20")
        .replace("{uniform: [4, 8]}", "6")
        .replace("{triangular: [0.5, 1, 2]}", "1")
    )
    for name, model in MODELS.items():
        assert model().predict(unc).to_frame().equals(model().predict(plain).to_frame()), name


def test_explicit_value_and_round_trip(unc: Scenario) -> None:
    sc = parse_yaml(scenario_with("position: {triangular: [60, 80, 95], value: 70}, salience: 60"))
    assert sc.actors[0].stances["a"].position.value == 70
    assert parse_yaml(to_yaml(unc)) == unc


@pytest.mark.parametrize(
    ("stance", "message"),
    [
        ("position: 80, salience: {uniform: [60, 40]}", "uniform [60, 40] has low > high"),
        ("position: 80, salience: {normal: [50, -1]}", "sd < 0"),
        ("position: 80, salience: {lognormal: [1, 2]}", "'lognormal' is not a known distribution"),
        ("position: 80, salience: {triangular: [20, 35, 160]}", "reaches 160, outside [0, 100]"),
        ("position: 80, salience: {triangular: [40, 20, 60]}", "low <= mode <= high"),
        ("position: 80, salience: {triangular: [20, 60]}", "needs [low, mode, high]"),
        ("position: 80, salience: {normal: [120, 5]}", "is 120; salience is on a 0-100 scale"),
        ("position: 80, salience: {choice: [1, 2], p: [0.5, 0.4]}", "p sums to 0.9"),
        ("position: 80, salience: {uniform: [10, 20], value: 30}", "value 30 lies outside"),
        ("position: 80, salience: {uniform: [1, 2], normal: [1, 1]}", "two distributions"),
        ("position: 80, salience: {uniform: 5}", "must be a list of numbers"),
        ("position: 80, salience: {normal: [50, 5], truncate: [60, 70]}", "outside truncate"),
    ],
)
def test_bad_specs_are_one_line_errors_naming_the_field(stance: str, message: str) -> None:
    with pytest.raises(DetenteError) as info:
        parse_yaml(scenario_with(stance), source="toy.yaml")
    text = info.value.one_line()
    assert message in text
    assert "actors[0].stances.a.salience" in text and "toy.yaml: line 14" in text
    assert "\n" not in text


def test_off_range_positions_capabilities_and_status_quo() -> None:
    cases = {
        scenario_with("position: {uniform: [-10, 50]}, salience: 60"): "issue 'a': position",
        TWO_ISSUES.replace("capability: 1\n", "capability: {normal: [1, 1], truncate: [-1, 3]}\n"):
            "actors[1].capability",
        TWO_ISSUES.replace("{value: 20, note: today}", "{uniform: [60, 120], value: 80}"):
            "issues[0]: status_quo: the uniform",
    }  # fmt: skip
    for text, where in cases.items():
        with pytest.raises(DetenteError, match="outside") as info:
            parse_yaml(text, source="toy.yaml")
        assert where in info.value.one_line()


# -- sampling ----------------------------------------------------------------------------------
def test_sample_moments_match_the_distributions(unc: Scenario) -> None:
    n = 200_000
    d = draw(unc, n, np.random.default_rng(0))
    cap = d.capability[:, 0, 0]
    assert cap.mean() == pytest.approx(3.0, abs=4 * math.sqrt(4 / 12 / n))
    assert cap.min() >= 2 and cap.max() <= 4
    tri = d.position[:, 0, 0]
    a, m, b = 60, 80, 95
    sd = math.sqrt((a * a + m * m + b * b - a * m - a * b - m * b) / 18)
    assert tri.mean() == pytest.approx((a + m + b) / 3, abs=4 * sd / math.sqrt(n))
    assert tri.std() == pytest.approx(sd, rel=0.01)
    sal = d.salience[:, 0, 0]  # normal(60, 15) truncated to [0, 100]
    assert sal.min() >= 0 and sal.max() <= 100
    assert sal.mean() == pytest.approx(60 + 15 * _truncnorm_shift(-4, 40 / 15), abs=0.15)
    sq = d.status_quo[:, 0]
    for value, p in ((10, 0.2), (20, 0.5), (30, 0.3)):
        assert np.mean(sq == value) == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))
    # the clout on an issue overrides the general capability, which fills the other issue
    assert np.array_equal(d.capability[:, 0, 1], cap)
    assert d.capability[:, 1, 1].min() >= 0.5 and np.all(d.capability[:, 1, 0] == 1)
    assert np.array_equal(d.values["X.a.position"], tri)


def _truncnorm_shift(alpha: float, beta: float) -> float:
    """(phi(alpha) - phi(beta)) / (Phi(beta) - Phi(alpha)) for a standard normal."""
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    return (phi(alpha) - phi(beta)) / (cdf(beta) - cdf(alpha))


def test_draw_is_prefix_stable_and_needs_a_generator(unc: Scenario) -> None:
    small = draw(unc, 10, np.random.default_rng(7))
    large = draw(unc, 50, np.random.default_rng(7))
    assert np.array_equal(small.position, large.position[:10])
    with pytest.raises(TypeError):
        draw(unc, 10, 7)  # type: ignore[arg-type]


def test_default_spread_keeps_values(toy: Scenario) -> None:
    spread = with_default_spread(toy)
    assert len(uncertain_numbers(spread)) == 3 + 5 * 2 + 1
    for name, model in MODELS.items():
        assert model().predict(spread).to_frame().equals(model().predict(toy).to_frame()), name
    x = spread.actors[0].stances["a"].salience.distribution
    assert x is not None and x.params == (50, 70)


# -- sweeps ------------------------------------------------------------------------------------
def test_no_distributions_gives_the_deterministic_forecast(toy: Scenario) -> None:
    result = sweep(toy, OutcomeModels(toy, resolve_models(None)), 300, seed=1, chunk_size=128)
    for name in MODELS:
        forecast = get_model(name).predict(toy)
        for issue in toy.issue_names:
            values = result.outcomes[(name, issue)]
            assert values.shape == (300,)
            assert values == pytest.approx(np.full(300, forecast.outcome(issue)), abs=1e-9)
    summary = result.summaries()[("bdm", "a")]
    assert summary.quantiles["p05"] == pytest.approx(summary.quantiles["p95"], abs=1e-9)
    assert summary.convergence["converged"] is True


def test_sweep_is_deterministic_in_the_seed(unc: Scenario) -> None:
    models = OutcomeModels(unc, resolve_models(None))
    one = sweep(unc, models, 500, seed=0, chunk_size=100).outcomes
    two = sweep(unc, models, 500, seed=0, chunk_size=100).outcomes
    other = sweep(unc, models, 500, seed=1, chunk_size=100).outcomes
    assert one.keys() == two.keys() == other.keys()
    for key in one:
        assert np.array_equal(one[key], two[key])
    assert not np.array_equal(one[("compromise", "a")], other[("compromise", "a")])


def test_batched_models_match_the_scalar_solvers(unc: Scenario) -> None:
    """Each draw's outcome equals the model's predict() on that draw as a scenario."""
    result = sweep(unc, OutcomeModels(unc, resolve_models(None)), 6, seed=3, chunk_size=6)
    d = draw(unc, 6, np.random.default_rng(np.random.SeedSequence(3, spawn_key=(0,))))
    for k in range(6):
        data = unc.model_dump(mode="python", exclude_none=True)
        for a, actor in enumerate(data["actors"]):
            actor["capability"] = {"value": d.capability[k, a, 0]}
            for i, issue in enumerate(unc.issue_names):
                st = actor["stances"].get(issue)
                if st is None:
                    continue
                st["position"] = {"value": d.position[k, a, i]}
                st["salience"] = {"value": d.salience[k, a, i]}
                st["clout"] = {"value": d.capability[k, a, i]}
        data["issues"][0]["status_quo"] = {"value": d.status_quo[k, 0]}
        version = Scenario.model_validate(data)
        for name in MODELS:
            forecast = get_model(name).predict(version)
            for issue in unc.issue_names:
                assert result.outcomes[(name, issue)][k] == pytest.approx(
                    forecast.outcome(issue), abs=1e-9
                ), (name, issue, k)


def test_summarize_quantiles_bands_and_convergence() -> None:
    x = np.random.default_rng(0).normal(50, 10, 20_000)
    s = summarize(x, bands=[(40, 60)], tolerance=0.5)
    assert s.quantiles["p50"] == pytest.approx(np.quantile(x, 0.5))
    assert s.quantiles["p05"] == pytest.approx(np.quantile(x, 0.05))
    assert s.bands[0]["probability"] == pytest.approx(0.6827, abs=0.02)
    assert s.convergence["mean_se"] == pytest.approx(10 / math.sqrt(20_000), rel=0.5)
    assert s.convergence["converged"] is True
    assert summarize(x[:30], tolerance=0.5).convergence["converged"] is None
    assert Band.parse("territory:40:60") == Band("territory", 40, 60)
    with pytest.raises(DetenteError, match="ISSUE:LOW:HIGH"):
        Band.parse("territory:40")


# -- sensitivity -------------------------------------------------------------------------------
def test_sobol_one_uncertain_position_explains_everything(toy: Scenario) -> None:
    sc = parse_yaml(scenario_with("position: {uniform: [40, 100]}, salience: 60"))
    _, _, idx = sensitivity(sc, OutcomeModels(sc, [Compromise()]), n=256, seed=0)
    row = idx[(idx["output"] == "a")].iloc[0]
    assert row["parameter"] == "X.a.position" and row["rank"] == 1
    assert row["s1"] == pytest.approx(1.0, abs=0.02) and row["st"] == pytest.approx(1.0, abs=0.02)


def test_sobol_linear_model_shares() -> None:
    """Outcome linear in two uniform positions: S1_k = w_k² var_k / Σ w_j² var_j."""
    text = TWO_ISSUES.replace(
        "a: {position: 80, salience: 60}", "a: {position: {uniform: [40, 100]}, salience: 60}"
    ).replace("a: {position: 20, salience: 40}", "a: {position: {uniform: [0, 60]}, salience: 40}")
    sc = parse_yaml(text)
    _, _, idx = sensitivity(sc, OutcomeModels(sc, [Compromise()]), n=1024, seed=0)
    # weights c × s: X 3×60 = 180, Y 1×40 = 40; both positions have the same variance
    expected = {"X.a.position": 180**2 / (180**2 + 40**2), "Y.a.position": 40**2 / (180**2 + 40**2)}
    got = idx[idx["output"] == "a"].set_index("parameter")
    for name, share in expected.items():
        assert got.loc[name, "s1"] == pytest.approx(share, abs=0.03)
        assert got.loc[name, "st"] == pytest.approx(share, abs=0.03)
        assert got.loc[name, "s1_conf"] > 0
    assert list(got.index[:2]) == ["X.a.position", "Y.a.position"]
    # issue b has no uncertainty: all zeros
    assert (idx[idx["output"] == "b"][["s1", "st"]] == 0).all().all()


def test_salib_seed_is_never_zero() -> None:
    assert salib_seed(0) != 0 and salib_seed(0) == salib_seed(0) and salib_seed(1) != salib_seed(0)


def test_sensitivity_needs_a_power_of_two(toy: Scenario) -> None:
    with pytest.raises(DetenteError, match="power of 2"):
        sensitivity(toy, OutcomeModels(toy, [Compromise()]), n=100)


# -- command line ------------------------------------------------------------------------------
runner = CliRunner()


@pytest.fixture()
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    from detente.cli.sweep import build_app

    monkeypatch.setenv("DETENTE_STORE", str(tmp_path / "runs.duckdb"))
    return build_app()


def test_cli_sweep_json_document(cli: object, tmp_path: Path) -> None:
    path = tmp_path / "unc.yaml"
    path.write_text(UNCERTAIN, encoding="utf-8")
    args = ["sweep", str(path), "--draws", "400", "--seed", "0", "-m", "compromise", "-m", "bdm",
            "--band", "a:50:70", "--format", "json", "--chunk-size", "100"]  # fmt: skip
    result = runner.invoke(cli, args)  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1 and doc["kind"] == "sweep" and doc["n_draws"] == 400
    assert [r["model"] for r in doc["results"]] == ["compromise", "bdm"]
    issue = doc["results"][0]["issues"][0]
    assert set(issue["quantiles"]) == {"p05", "p25", "p50", "p75", "p95"}
    assert issue["n_draws"] == 400 and issue["bands"][0]["low"] == 50
    sc = parse_yaml(UNCERTAIN)
    expected = sweep(sc, OutcomeModels(sc, resolve_models(["compromise"])), 400, 0,
                     chunk_size=100)  # fmt: skip
    assert issue["mean"] == pytest.approx(expected.outcomes[("compromise", "a")].mean())
    again = runner.invoke(cli, args)  # type: ignore[arg-type]
    assert "already complete" in again.stderr
    assert json.loads(again.stdout)["results"] == doc["results"]


def test_cli_sensitivity_table_and_errors(cli: object) -> None:
    result = runner.invoke(cli, ["sensitivity", "ukraine-2024", "-m", "compromise", "--n", "16",  # type: ignore[arg-type]
                                 "--top", "3"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Sobol' indices: compromise, territory" in result.stdout
    bad = runner.invoke(cli, ["sweep", "ukraine-2024", "--band", "nope:1:2"])  # type: ignore[arg-type]
    assert bad.exit_code == 2 and "unknown issue 'nope'" in bad.stderr
    bad = runner.invoke(cli, ["sweep", "ukraine-2024", "--seed", "-1"])  # type: ignore[arg-type]
    assert bad.exit_code == 2 and "--seed" in bad.stderr


def test_a_sweep_draws_only_the_numbers_its_models_declare() -> None:
    from detente.scenario import parse_yaml
    from detente.uncertainty.evaluators import OutcomeModels
    from tests.conftest import TWO_ISSUES

    class PositionsOnly(Compromise):
        varies = ("actors.",)

    text = TWO_ISSUES.replace("status_quo: {value: 20, note: today}",
                              "status_quo: {triangular: [10, 20, 40]}")  # fmt: skip
    text = text.replace("a: {position: 80, salience: 60}",
                        "a: {position: {uniform: [70, 90]}, salience: 60}")  # fmt: skip
    toy = parse_yaml(text)
    every = {str(u.path) for u in OutcomeModels(toy, [Compromise()]).numbers}
    actors = {str(u.path) for u in OutcomeModels(toy, [PositionsOnly()]).numbers}
    assert every == {"issues.a.status_quo", "actors.X.stances.a.position"}
    assert actors == {"actors.X.stances.a.position"}  # the status quo is not drawn here
