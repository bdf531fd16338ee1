"""Numeric edge cases (issue 9) for every registered outcome model and for the
war-termination model: a defined, finite answer (on the issue's scale for the outcome models)
or a clear refusal (DetenteError), never NaN in any output, the forecast and simulate JSON
documents included.
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from detente.cli.render import forecast_document
from detente.errors import DetenteError
from detente.models import MODELS, Forecast
from detente.scenario import Scenario
from detente.scenario.validation import validate_scenario
from tests.big_scenario import FIVE_HUNDRED_SETUP

MODEL_NAMES = list(MODELS)
SPREAD = ("test_war_edge_case_is_defined", "test_war_edge_case_through_simulate")
"""Each war case a work unit of the test workers; its two tests share its solve (conftest)."""


def _scenario(
    positions: list[float],
    saliences: list[float],
    capabilities: list[float],
    scale: tuple[float, float] = (0.0, 100.0),
    status_quo: float | None = None,
) -> Scenario:
    issue: dict[str, Any] = {"name": "x", "scale": list(scale)}
    if status_quo is not None:
        issue["status_quo"] = status_quo
    actors = [
        {"name": f"a{k}", "capability": c, "stances": {"x": {"position": p, "salience": s}}}
        for k, (p, s, c) in enumerate(zip(positions, saliences, capabilities, strict=True))
    ]
    return validate_scenario({"name": "edge", "issues": [issue], "actors": actors})


def _finite(obj: Any, path: str = "") -> None:
    if isinstance(obj, float):
        assert math.isfinite(obj), f"non-finite number at {path or 'top'}"
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _finite(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for k, value in enumerate(obj):
            _finite(value, f"{path}[{k}]")


DEFINED_ANSWER = None
"""The expectation of an outcome-model case that must get a defined answer. Every case below
declares it: every registered model answers each of them (docs/robustness.md: "no model
refuses any of them"). A case a model should refuse would pass the message its one-line
DetenteError must hold instead."""


def answer(name: str, scenario: Scenario, expected: str | None) -> Forecast | None:
    """Check model ``name`` on ``scenario`` against ``expected``. DEFINED_ANSWER: the forecast,
    every outcome finite and on the scale and the JSON document free of NaN; a refusal would
    fail the test. A message: a one-line DetenteError holding it, naming a fix (``;``); a
    forecast would fail the test. Returns the forecast, or None for the expected refusal."""
    model = MODELS[name]()
    if expected is not DEFINED_ANSWER:
        with pytest.raises(DetenteError) as refused:
            model.predict(scenario)
        line = str(refused.value)
        assert expected in line and "\n" not in line and ";" in refused.value.message, line
        return None
    forecast = model.predict(scenario)  # a DetenteError here fails the test
    for issue in scenario.issues:
        outcome = forecast.outcome(issue.name)
        lo, hi = issue.scale
        assert math.isfinite(outcome), f"{name}: outcome {outcome} on {issue.name}"
        assert lo - 1e-9 * (hi - lo) <= outcome <= hi + 1e-9 * (hi - lo), (name, outcome)
    document = forecast_document(scenario, [forecast])
    assert "NaN" not in document and "Infinity" not in document, document[:2000]
    _finite(json.loads(document))
    return forecast


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_one_actor(name: str) -> None:
    forecast = answer(name, _scenario([37.0], [60.0], [1.0]), DEFINED_ANSWER)
    assert forecast is not None and forecast.outcome("x") == pytest.approx(37.0)


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("at", [0.0, 42.0, 100.0])
def test_all_positions_equal(name: str, at: float) -> None:
    sc = _scenario([at] * 5, [10, 50, 90, 30, 70], [1, 2, 3, 4, 5])
    forecast = answer(name, sc, DEFINED_ANSWER)
    assert forecast is not None and forecast.outcome("x") == pytest.approx(at)


# All weights zero: the models fall back to equal weights (docs/robustness.md), on positions
# 0, 30, 100; by (model, status quo), the status quo mattering only to nash.
ZERO_SALIENCE: dict[tuple[str, float | None], float] = {
    ("compromise", None): 43.3, ("median", None): 30.0, ("nash", None): 43.3,
    ("nash", 50.0): 25.0, ("bdm", None): 30.0,
}  # fmt: skip
ZERO_CAPABILITY = {"compromise": 43.3, "median": 30.0, "nash": 43.3, "bdm": 39.7}


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("status_quo", [None, 50.0])
def test_zero_salience_everywhere(name: str, status_quo: float | None) -> None:
    sc = _scenario([0, 30, 100], [0, 0, 0], [1, 2, 3], status_quo=status_quo)
    forecast = answer(name, sc, DEFINED_ANSWER)
    assert forecast is not None
    expected = ZERO_SALIENCE.get((name, status_quo), ZERO_SALIENCE.get((name, None)))
    if expected is not None:
        assert forecast.outcome("x") == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_zero_capability_everywhere(name: str) -> None:
    sc = _scenario([0, 30, 100], [50, 60, 70], [0, 0, 0])
    forecast = answer(name, sc, DEFINED_ANSWER)
    assert forecast is not None
    if name in ZERO_CAPABILITY:
        assert forecast.outcome("x") == pytest.approx(ZERO_CAPABILITY[name], abs=0.05)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_capabilities_spanning_1e_minus_9_to_1e9(name: str) -> None:
    caps = list(np.logspace(-9, 9, 19))
    positions = list(np.linspace(0, 100, 19))
    sc = _scenario(positions, [50.0] * 19, caps)
    forecast = answer(name, sc, DEFINED_ANSWER)
    assert forecast is not None
    if name == "compromise":
        expected = float(np.dot(caps, positions) / np.sum(caps))
        assert forecast.outcome("x") == pytest.approx(expected, rel=1e-12)
    if name == "median":
        # the 1e9 actor at 100 holds 90% of the weight
        assert forecast.outcome("x") == pytest.approx(100.0)


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("scale", [(0.0, 100.0), (-1e6, 1e6), (0.0, 1e-6), (-5.0, -4.0)])
def test_positions_at_the_scale_ends(name: str, scale: tuple[float, float]) -> None:
    lo, hi = scale
    sc = _scenario(
        [lo, hi, lo, hi], [100, 100, 0, 50], [1, 1, 1e9, 1e-9], scale=scale, status_quo=hi
    )
    answer(name, sc, DEFINED_ANSWER)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_two_hundred_actors(name: str) -> None:
    rng = np.random.default_rng(9)
    n = 200
    sc = _scenario(
        list(rng.choice([0.0, 100.0], n) * rng.uniform(0, 1, n).round()),
        list(rng.uniform(0, 100, n)),
        list(10 ** rng.uniform(-9, 9, n)),
    )
    answer(name, sc, DEFINED_ANSWER)


FIVE_HUNDRED = FIVE_HUNDRED_SETUP + """
outcome = MODELS[sys.argv[1]]().predict(sc).outcome("x")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "peak_mib": peak}))
"""
PEAK_LIMIT_MIB = 1024


def _five_hundred(name: str) -> dict[str, float]:
    limit = 4 * 1024**3  # an address-space cap, so a runaway model fails instead of swapping

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-c", FIVE_HUNDRED, name],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=cap,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, float] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_five_hundred_actors(name: str) -> None:
    result = _five_hundred(name)
    assert 0 <= result["outcome"] <= 100
    assert result["peak_mib"] < PEAK_LIMIT_MIB, result


# --- the war-termination model ----------------------------------------------------------------
#
# Every case is generic-war's campaign (docs/scenarios/generic-war.yaml: three mediator types,
# a cheap-talk statement, fixed terms, the Weibull resumption) with --what-if overrides. Each
# must give a defined answer (every Solution array finite, the kernel a distribution, finite
# paths and beliefs, a simulate JSON without NaN or infinity) or a one-line DetenteError
# naming the fix, through the Python API (with_overrides, solve, simulate, document), when
# the scenario file is read, and through `detente simulate --what-if` (exit 0 or 2).

GENERIC_WAR = Path(__file__).resolve().parents[1] / "docs" / "scenarios" / "generic-war.yaml"
TYPES = ("leans_south", "leans_north", "looks_away")
START = "2030-01-07"  # generic-war's start


def _each_type(field: str, value: object) -> list[str]:
    return [f"mediator.types.{t}.{field}={value}" for t in TYPES]


def _prior(which: str) -> list[str]:
    return [f"mediator.types.{t}.prior={1 if t == which else 0}" for t in TYPES]


def _gains(mean: float, sd: float) -> list[str]:
    return [
        f"intensities.{i}.gain.{s}.{k}={v}"
        for i in ("hold", "press", "surge")
        for s in ("winter", "mud", "summer")
        for k, v in (("mean", mean), ("sd", sd))
    ]


def _ucdp(claim: float, outside: float = 0.0) -> str:
    return (
        f"resumption={{model: ucdp_cox, territory_claim_km2: {claim!r}, "
        f"territory_outside_claim_km2: {outside!r}}}"
    )


def _short(deadline: str) -> list[str]:
    """A 4-week horizon (the shortest) with the deadline and the talks on ``deadline``."""
    return ["horizon_weeks=4", "cheap_talk=[]", f"regime_change={deadline}",
            f"negotiation_opens={deadline}"]  # fmt: skip


Check = Callable[[dict[str, Any]], None] | None


def _drawn(which: str) -> Check:
    def check(doc: dict[str, Any]) -> None:
        assert doc["mediator_type_drawn"][which] == 1.0
        assert set(doc["deal_terms"]["by_mediator_type"]) == set(TYPES)

    return check


def _no_deal(doc: dict[str, Any]) -> None:
    assert doc["deal_terms"]["p_deal"] == 0.0 and doc["deal_terms"]["territory_kept_km2"] is None
    assert doc["p_holds"] == {"1": None, "3": None, "5": None}


def _p_holds_defined(doc: dict[str, Any]) -> None:
    assert doc["deal_terms"]["p_deal"] > 0
    assert all(0.0 <= p <= 1.0 for p in doc["p_holds"].values())


def _deals(doc: dict[str, Any]) -> None:
    assert doc["deal_terms"]["p_deal"] > 0.5


DEFINED: list[tuple[str, list[str], Check]] = [
    ("horizon 4 weeks, deadline at the start", _short(START), None),
    ("horizon 4 weeks, deadline in week 2", _short("2030-01-21"), None),
    ("horizon 4 weeks, deadline at the end", _short("2030-02-04"), _no_deal),
    *((f"prior 1 on {t}", _prior(t), _drawn(t)) for t in TYPES),
    ("offers never", _each_type("after.offer_probability", 0), _no_deal),
    ("offers every week after the deadline", _each_type("after.offer_probability", 1), _deals),
    (
        "offers every week from the start",
        [
            f"negotiation_opens={START}",
            *_each_type("before.offer_probability", 1),
            *_each_type("after.offer_probability", 1),
        ],
        _deals,
    ),
    (
        "ripostes never",
        [*_each_type("before.riposte_probability", 0), *_each_type("after.riposte_probability", 0)],
        None,
    ),
    (
        "ripostes always",
        [*_each_type("before.riposte_probability", 1), *_each_type("after.riposte_probability", 1)],
        None,
    ),
    (
        "one lever with probability 1",
        [
            "mediator.types.leans_south.after.levers.aid_cut=1",
            "mediator.types.leans_south.after.levers.steady=0",
        ],
        None,
    ),
    ("cheap-talk weight 0", ["cheap_talk_weight=0"], None),
    ("cheap-talk weight 1", ["cheap_talk_weight=1"], None),
    (
        "cheap talk no type would make",
        [*(f"cheap_talk.0.likelihood.{t}=0" for t in TYPES), "cheap_talk_weight=1"],
        None,
    ),
    (
        "cheap talk only leans_south makes",
        [
            "cheap_talk.0.likelihood.leans_south=1",
            "cheap_talk.0.likelihood.leans_north=0",
            "cheap_talk.0.likelihood.looks_away=0",
            "cheap_talk_weight=1",
        ],
        None,
    ),
    ("discount 1 (none)", ["discount=1"], None),
    ("discount 1e-12 (only this week counts)", ["discount=1e-12"], None),
    ("p_resume_5y just above 0", ["resumption.p_resume_5y=1e-300"], _p_holds_defined),
    ("p_resume_5y just below 1", ["resumption.p_resume_5y=0.9999999999999999"], _p_holds_defined),
    # 0 x inf in the Weibull hazard: a baseline that underflows and a risk that overflows
    (
        "Weibull shape 1000, territory effect 1000, the line frozen",
        ["settlement=freeze_line", "resumption.shape=1000", "resumption.territory_effect=1000"],
        _p_holds_defined,
    ),
    (
        "terms at the scale ends",
        [
            "mediator.types.leans_south.terms.sanctions_relief=100",
            "mediator.types.leans_south.terms.guarantees=0",
            "mediator.types.leans_north.terms.sanctions_relief=0",
            "mediator.types.leans_north.terms.guarantees=100",
        ],
        None,
    ),
    (
        "status quo at the scale ends",
        ["status_quo_terms.sanctions_relief=100", "status_quo_terms.guarantees=0"],
        None,
    ),
    ("UCDP hazard, a claim of 1e-9 km2", [_ucdp(1e-9)], _p_holds_defined),
    ("UCDP hazard, a claim of 1e12 km2", [_ucdp(1e12)], _p_holds_defined),
    ("UCDP hazard, everything outside the claim", [_ucdp(1000.0, 1e12)], _p_holds_defined),
    (
        "reputation and riposte size 0",
        ["reputation_cost=0", *_each_type("riposte_size", 0)],
        None,
    ),
    ("aid 0 and aid effect 0", ["levers.aid_cut.aid=0", "aid_effect=0"], None),
    ("aid 0 with the largest aid effect allowed", ["levers.aid_cut.aid=0", "aid_effect=2.4"], None),
    # every gain beyond the grid's bins: np.pad got a negative width (ValueError)
    ("every gain 1,000 km2 a week, sd 1", _gains(1000, 1), None),
    # 8 sd of 1e12 km2 used to be a 1e10-wide kernel (MemoryError)
    ("gains of 1e12 km2 a week", _gains(1e12, 1e12), None),
    (
        "values at 1e12",
        ["values.Northland.territory_per_1000km2=1e12", "values.Southland.stalemate=-1e12"],
        None,
    ),
    (
        "a grid of one-millionth km2 bins",
        ["grid.bin_km2=1e-6", "grid.below_km2=0", "grid.above_km2=1e-6"],
        None,
    ),
]

REFUSED: list[tuple[str, list[str], str]] = [
    ("horizon 0 weeks", [*_short("2030-01-07")[1:], "horizon_weeks=0"], "give 4 to 260 weeks"),
    ("discount 0", ["discount=0"], "discount factor lies in (0, 1]"),
    ("p_resume_5y 0", ["resumption.p_resume_5y=0"], "strictly between 0 and 1"),
    ("p_resume_5y 1", ["resumption.p_resume_5y=1"], "strictly between 0 and 1"),
    (
        "priors summing to 2",
        [*_prior("leans_south"), "mediator.types.looks_away.prior=1"],
        "sum to 2; make them sum to 1",
    ),
    (
        "offer probability 1.5",
        ["mediator.types.leans_south.after.offer_probability=1.5"],
        "a probability lies in [0, 1]",
    ),
    (
        "riposte probability -0.1",
        ["mediator.types.leans_north.before.riposte_probability=-0.1"],
        "a probability lies in [0, 1]",
    ),
    (
        "lever probabilities summing to 1.2",
        ["mediator.types.leans_south.after.levers.aid_cut=0.8"],
        "make them sum to 1",
    ),
    # np.power of a negative likelihood was NaN, which reached the policies
    (
        "cheap-talk likelihood -0.5",
        ["cheap_talk.0.likelihood.leans_south=-0.5"],
        "a probability lies in [0, 1]",
    ),
    (
        "cheap-talk likelihood 7",
        ["cheap_talk.0.likelihood.leans_north=7"],
        "a probability lies in [0, 1]",
    ),
    ("cheap-talk weight 1.5", ["cheap_talk_weight=1.5"], "a probability lies in [0, 1]"),
    # a gain multiplier <= 0 made the kernel's probabilities negative (silently)
    ("aid effect that reverses the gains", ["aid_effect=5"], "it must stay above zero"),
    (
        "a negative aid effect",
        ["levers.aid_cut.aid=0", "aid_effect=-1"],
        "it must be zero or more",
    ),
    (
        "aid that zeroes the gains",
        ["levers.aid_up.aid=3", "aid_effect=0.5"],
        "must stay above zero",
    ),
    # 1e308 overflowed the deal values to inf and the Bellman values to NaN
    (
        "a value of 1e308",
        ["values.Northland.territory_per_1000km2=1e308"],
        "campaign numbers lie within",
    ),
    (
        "a gain of 1e300",
        ["intensities.surge.gain.summer.mean=1e300"],
        "campaign numbers lie within",
    ),
    (
        "terms above the scale",
        ["mediator.types.leans_south.terms.guarantees=101"],
        "terms lie on the 0-100 issue scale",
    ),
    ("UCDP claim of 0 km2", [_ucdp(0.0)], "the claim's area must be above zero"),
    ("belief resolution 0", ["grid.belief_resolution=0"], "give 1 to 40 steps"),
]


@pytest.fixture(scope="module")
def generic_war() -> Any:
    from detente.scenario import load_scenario

    campaign = load_scenario(str(GENERIC_WAR)).campaign
    assert campaign is not None
    return campaign


def _no_nan_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the simulate JSON")

    return json.loads(text, parse_constant=refuse)


def war_defined(campaign: Any) -> dict[str, Any]:
    """Solve and simulate ``campaign``; check every array and the JSON document. Without a
    ``commitment`` (none of these cases has one) ``solve_campaign`` is ``solve(arrays)``, and
    through it the test process solves each case once for this test and
    :func:`test_war_edge_case_through_simulate` (tests/conftest.py, DECISIONS PERF-5)."""
    from detente.war import model as war_model
    from detente.war.simulate import simulate

    assert campaign.commitment is None
    solution = war_model.solve_campaign(campaign)
    for name in ("value", "kernel", "territory"):
        assert np.isfinite(getattr(solution, name)).all(), name
    assert (solution.kernel >= 0).all()
    np.testing.assert_allclose(solution.kernel.sum(axis=-1), 1.0, atol=1e-12)
    paths = simulate(solution, 200, np.random.default_rng(0))
    assert np.isfinite(paths.territory).all() and np.isfinite(paths.belief).all()
    np.testing.assert_allclose(paths.belief.sum(axis=-1), 1.0, atol=1e-9)
    assert np.isfinite(paths.kept_km2[paths.deal_week >= 0]).all()
    doc = war_model.summarise(campaign, solution, paths, scenario="edge", seed=0).document
    text = json.dumps(doc, allow_nan=False)
    _finite(_no_nan_json(text))
    for row in doc["weeks"]:
        q = row["territory_km2"]
        assert q["p05"] <= q["p50"] <= q["p95"] and 0.0 <= row["p_at_war"] <= 1.0
    assert all(0.0 <= r["p"] <= 1.0 for r in doc["p_deal_by"])
    return doc


@pytest.mark.parametrize(("overrides", "check"), [(o, c) for _, o, c in DEFINED],
                         ids=[name for name, _, _ in DEFINED])  # fmt: skip
def test_war_edge_case_is_defined(generic_war: Any, overrides: list[str], check: Check) -> None:
    from detente.scenario.overrides import with_overrides

    doc = war_defined(with_overrides(generic_war, overrides))
    if check is not None:
        check(doc)


@pytest.mark.parametrize(("overrides", "message"), [(o, m) for _, o, m in REFUSED],
                         ids=[name for name, _, _ in REFUSED])  # fmt: skip
def test_war_edge_case_is_refused_in_one_line(
    generic_war: Any, overrides: list[str], message: str, tmp_path: Path
) -> None:
    from detente.scenario import load_scenario
    from detente.scenario.overrides import with_overrides

    with pytest.raises(DetenteError) as exc:
        with_overrides(generic_war, overrides)
    line = exc.value.one_line()
    assert message in line and "\n" not in line and ";" in exc.value.message, line
    # the same numbers written in the scenario file: refused when it is read, naming it
    data = yaml.safe_load(GENERIC_WAR.read_text(encoding="utf-8"))
    for item in overrides:
        key, _, raw = item.partition("=")
        node = data["campaign"]
        *parents, last = key.split(".")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = yaml.safe_load(raw)
        else:
            node[last] = yaml.safe_load(raw)
    path = tmp_path / "edge-war.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(DetenteError) as read:
        load_scenario(str(path))
    line = read.value.one_line()
    assert line.startswith(str(path)) and message in line and "\n" not in line, line


CLI_CASES = [(o, True) for _, o, _ in DEFINED] + [(o, False) for _, o, _ in REFUSED]


@pytest.mark.parametrize(("overrides", "defined"), CLI_CASES,
                         ids=[n for n, _, _ in DEFINED] + [n for n, _, _ in REFUSED])  # fmt: skip
def test_war_edge_case_through_simulate(overrides: list[str], defined: bool) -> None:
    from typer.testing import CliRunner

    from detente.cli.main import app

    what_if = [arg for item in overrides for arg in ("--what-if", item)]
    result = CliRunner().invoke(
        app, ["simulate", str(GENERIC_WAR), "-n", "200", "-f", "json", "--no-store", *what_if]
    )
    assert "Traceback" not in result.output
    assert result.exit_code == (0 if defined else 2), result.output[-2000:]
    if defined:
        doc = _no_nan_json(result.stdout)
        _finite(doc)
        assert doc["what_if"]["overrides"] == overrides
    else:
        assert result.stderr.startswith("error: --what-if: ") and result.stderr.count("\n") == 1


def test_the_documented_case_counts() -> None:
    """docs/robustness.md states how many war cases are defined and how many refused."""
    doc = (GENERIC_WAR.parents[1] / "robustness.md").read_text(encoding="utf-8")
    assert f"`test_war_edge_case_*`: {len(DEFINED)} defined and {len(REFUSED)} refused" in doc
