"""One way to name and change a number (issue 13 §4): the spec layer's Path and the edit.

The same path text names the same number in what-ifs (scenario and campaign), ``--vary``,
lever targets and profiles; get/set round-trip; :func:`walk` lists every number of
ukraine-2024 with the bounds validation accepts; a path that names nothing is one line
naming the bad segment and the options; a profile keeps a number's distribution and is
validated again.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from detente.errors import DetenteError
from detente.profiles.apply import ProfileInput, apply_to_campaign, apply_to_scenario
from detente.scenario import Scenario, load_scenario, parse_yaml
from detente.scenario.edit import edit, edit_campaign
from detente.scenario.overrides import apply_overrides, with_overrides
from detente.scenario.validation import validate_scenario
from detente.spec.distributions import Distribution
from detente.spec.levers import (
    Lever,
    campaign_changes,
    campaign_value,
    lever_baseline,
    parse_scenario_target,
)
from detente.spec.numbers import Sourced
from detente.spec.paths import Change, Path, PathError, walk
from detente.uncertainty.sampling import (
    campaign_numbers,
    parse_vary,
    uncertain_numbers,
    with_default_spread,
)

US = "US incoming administration (Trump)"
RIPOSTE = "campaign.mediator.types.presses_russia.after.riposte_probability"
SPREAD = ("test_walk_lists_every_number_with_the_bounds_validation_accepts",)
"""About 1,000 validations: a work unit of the test workers of its own (tests/conftest.py)."""
US_POSITION = f"actors.{US}.stances.territory.position"


@pytest.fixture(scope="module")
def ukraine() -> Scenario:
    return load_scenario("ukraine-2024")


def _with_distribution(sc: Scenario, path: str, dist: dict[str, Any]) -> Scenario:
    data = sc.model_dump(mode="python")
    p = Path.parse(path)
    p.set(data, {**p.get(data), "distribution": dist})
    return validate_scenario(data)


def _profile(**parameters: float) -> ProfileInput:
    return ProfileInput(path="rus.json", source="Russia", target="Ukraine", parameters=parameters)


# --- one path, one number -------------------------------------------------------------------


def test_campaign_path_means_the_same_number_everywhere(ukraine: Scenario) -> None:
    path = Path.parse(RIPOSTE)
    campaign = ukraine.campaign
    assert campaign is not None
    assert path.get(ukraine) is path.in_campaign().get(campaign)
    assert path.number(ukraine).value == 0.4
    # what-ifs: the scenario's (web sliders) and the campaign's (--what-if), prefix optional
    assert path.number(apply_overrides(ukraine, [(RIPOSTE, 0.7)])).value == 0.7
    for key in (RIPOSTE, str(path.in_campaign())):
        assert path.in_campaign().number(with_overrides(campaign, [f"{key}=0.7"])).value == 0.7
    # --vary: the same number, named by its path, bounded as validation bounds it
    vary_path, dist = parse_vary(f"{RIPOSTE}={{uniform: [0.2, 0.6]}}")
    assert Path.parse(vary_path).from_scenario() == path
    (number,) = campaign_numbers(campaign, {vary_path: dist})
    assert number.path == path and number.name == RIPOSTE
    assert number.bounds == path.bounds(ukraine).interval == (0.0, 1.0)
    # a lever target: its baseline is the number, its setting changes the number
    lever = Lever(name="l", actor=US, target=[RIPOSTE], low=0.0, high=1.0, cost_per_unit=1.0)
    assert lever_baseline(lever, ukraine) == campaign_value(RIPOSTE, campaign) == 0.4
    (change,) = campaign_changes(lever, 0.7, campaign)
    assert change.path.from_scenario() == path
    assert path.in_campaign().number(edit_campaign(campaign, [change])).value == 0.7


def test_scenario_path_means_the_same_number_everywhere(ukraine: Scenario) -> None:
    path = Path.parse(US_POSITION)
    assert path.number(ukraine).value == 81
    assert parse_scenario_target(US_POSITION, ukraine).path == path
    lever = next(lv for lv in ukraine.levers if lv.name == "us_territory_position")
    assert lever_baseline(lever, ukraine) == 81
    assert path.number(edit(ukraine, {US_POSITION: 60})).value == 60
    assert path.number(apply_overrides(ukraine, [(US_POSITION, 60)])).value == 60
    uncertain = _with_distribution(ukraine, US_POSITION, {"kind": "uniform", "params": [70, 92]})
    (number,) = uncertain_numbers(uncertain)
    assert number.path == path and number.bounds == path.bounds(ukraine).interval == (0, 100)
    # a profile names what it set by the same path
    changed, applied = apply_to_scenario(ukraine, _profile(position_shift=5.0))
    russia = "actors.Russia.stances.territory.position"
    assert russia in applied[0].paths
    assert Path.parse(russia).number(changed).value == 81 - 5  # 5 towards Ukraine, from 81
    assert Path.parse(russia).number(apply_overrides(ukraine, [(russia, 76)])).value == 76
    assert ukraine.campaign is not None
    moved, applied = apply_to_campaign(ukraine.campaign, _profile(cheap_talk_weight=0.25))
    weight = Path.parse(applied[0].paths[0])
    assert weight == Path.parse("campaign.cheap_talk_weight")
    assert weight.in_campaign().number(moved).value == 0.25


def test_names_with_dots_and_spaces_take_the_longest_match() -> None:
    sc = parse_yaml(
        """
name: dots
issues: [{name: U.S. sanctions}, {name: U.S.}]
actors:
  - {name: EU, capability: 1, stances: {U.S.: {position: 10, salience: 10}}}
  - name: EU.members
    capability: 2
    stances: {U.S. sanctions: {position: 20, salience: 30}, U.S.: {position: 40, salience: 50}}
"""
    )
    assert Path.parse("actors.EU.members.capability").number(sc).value == 2
    assert Path.parse("actors.EU.capability").number(sc).value == 1
    assert Path.parse("actors.EU.members.stances.U.S. sanctions.salience").number(sc).value == 30
    assert Path.parse("actors.EU.members.stances.U.S..salience").number(sc).value == 50
    assert Path.parse("issues.U.S..scale.1").get(sc) == 100
    changed = edit(sc, {"actors.EU.members.stances.U.S..position": 70})
    assert changed.actors[1].stances["U.S."].position.value == 70
    assert changed.actors[1].stances["U.S. sanctions"].position.value == 20
    labels = Path.parse("actors.EU.members.stances.U.S. sanctions.position").locate(sc).labels
    assert labels == ("actors", "EU.members", "stances", "U.S. sanctions", "position")


# --- get / set ------------------------------------------------------------------------------


def test_get_set_round_trip(ukraine: Scenario) -> None:
    data = ukraine.model_dump(mode="python")
    for path, number in walk(ukraine):
        again = Path.parse(str(path))
        assert again == path and again.number(ukraine) == number
        assert path.set(data, path.get(data)) == number.model_dump()
    assert validate_scenario(data) == ukraine
    path = Path.parse("actors.Russia.stances.territory.salience")
    old = path.set(data, {"value": 50.0, "note": "changed"})
    assert old["value"] == 95
    changed = validate_scenario(data)
    assert path.number(changed) == Sourced(value=50.0, note="changed")
    assert path.get(changed.model_dump(mode="python")) == {
        "value": 50.0,
        "note": "changed",
        "distribution": None,
    }
    with pytest.raises(TypeError, match="plain data"):
        path.set(ukraine, 1.0)


def test_an_edit_keeps_the_shape_and_notes_what_it_was(ukraine: Scenario) -> None:
    path = "actors.Russia.stances.territory.salience"
    changed = edit(ukraine, [(path, 60)])
    assert Path.parse(path).number(changed) == Sourced(value=60.0, note="what-if: was 95")
    unset = edit(ukraine, {"actors.Russia.stances.sanctions_us.clout": 0.5})
    assert unset.actors[0].stances["sanctions_us"].clout == Sourced(
        value=0.5, note="what-if: was unset"
    )
    assert edit(ukraine, []) is ukraine
    # a what-if pins a number (its distribution dropped); a kept one moves with the value
    uncertain = _with_distribution(ukraine, path, {"kind": "triangular", "params": [80, 95, 100]})
    assert Path.parse(path).number(edit(uncertain, {path: 90})).distribution is None
    kept = edit(uncertain, [Change(Path.parse(path), 90.0, note="n", keep_distribution=True)])
    assert Path.parse(path).number(kept) == Sourced(
        value=90.0,
        note="n",
        distribution=Distribution(kind="triangular", params=(75, 90, 95)),
    )


# --- walk and bounds ------------------------------------------------------------------------


def _every_sourced(node: Any, skip_resolved: bool = True) -> Iterator[Sourced]:
    """Every Sourced under ``node``, found independently of the path code."""
    if isinstance(node, Sourced):
        yield node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if not (skip_resolved and name == "resolved"):
                yield from _every_sourced(getattr(node, name))
    elif isinstance(node, dict):
        for value in node.values():
            yield from _every_sourced(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _every_sourced(value)


COUPLED = (
    "make them sum to 1",  # mediator priors, a policy's lever probabilities
    "it must stay above zero",  # a lever's gain multiplier 1 + aid_effect x (1 - aid)
    "territory bins",  # the grid's size
    "keep it at most 1",  # the belligerents' recognition probabilities
)
"""Cross-field rules: a number at the end of its range may break one of them."""


def _step(x: float) -> float:
    return max(1e-9, abs(x) * 1e-9)


def _accepted(sc: Scenario, path: Path, value: float) -> str | None:
    try:
        edit(sc, {path: value})
    except DetenteError as exc:
        return exc.one_line()
    return None


def test_walk_lists_every_number_with_the_bounds_validation_accepts(ukraine: Scenario) -> None:
    found = list(walk(ukraine))
    numbers = list(_every_sourced(ukraine))
    assert len(found) == len(numbers) > 100
    assert [n for _, n in found] == numbers
    paths = {str(p) for p, _ in found}
    assert {
        "issues.territory.status_quo",
        "actors.Russia.capability",
        f"actors.{US}.stances.territory.salience",
        f"actors.{US}.stances.sanctions_us.clout",
        "actors.Russia.stances.territory.stated",
        RIPOSTE,
        "campaign.discount",
        "campaign.resumption.territory_claim_km2",
    } <= paths
    assert not any(".resolved." in p for p in paths)
    assert len(list(walk(ukraine, derived=True))) > len(found)  # the calibration's gains
    checked = coupled = 0
    for path, number in found:
        bounds = path.bounds(ukraine)
        assert bounds.contains(number.value), path
        for end, is_open, sign in (
            (bounds.lo, bounds.open_low, -1.0),
            (bounds.hi, bounds.open_high, 1.0),
        ):
            if math.isinf(end):
                continue
            outside = end if is_open else end + sign * _step(end)
            inside = end - sign * _step(end) if is_open else end
            refused = _accepted(ukraine, path, outside)
            assert refused is not None, f"{path} = {outside!r} is outside {bounds} but accepted"
            assert "\n" not in refused
            refused = _accepted(ukraine, path, inside)
            assert refused is None or any(c in refused for c in COUPLED), (path, refused)
            checked += 1
            coupled += refused is not None
    assert checked > len(found) + 100 and coupled < checked / 5


def test_bounds_are_declared_once(ukraine: Scenario) -> None:
    def interval(text: str) -> tuple[float, float]:
        return Path.parse(text).bounds(ukraine).interval

    assert interval("actors.Russia.stances.territory.salience") == (0, 100)
    assert interval("actors.Russia.capability") == (0, math.inf)
    assert interval("issues.territory.status_quo") == (0, 100)
    assert interval("actors.Russia.stances.territory.stated") == (0, 100)  # on the scale
    assert interval("campaign.discount") == (0, 1)
    assert Path.parse("campaign.discount").bounds(ukraine).open_low
    assert interval("campaign.start_territory_km2") == (-1e12, 1e12)
    assert interval("campaign.mediator.types.presses_russia.terms.guarantees") == (0, 100)
    toy = parse_yaml(
        """
name: scale
issues: [{name: a, scale: [-5, 5]}]
actors:
  - {name: X, capability: 1, stances: {a: {position: 1, salience: 10}}}
"""
    )
    assert Path.parse("actors.X.stances.a.position").bounds(toy).interval == (-5, 5)
    # the default spread is clipped to the same bounds
    spread = with_default_spread(toy)
    band = spread.actors[0].stances["a"].position.distribution
    assert band is not None and band.params == (0.0, 2.0)
    assert {u.name: u.bounds for u in uncertain_numbers(spread)} == {
        "X.capability": (0, math.inf),
        "X.a.position": (-5, 5),
        "X.a.salience": (0, 100),
    }


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "segment", "option"),
    [
        ("actors.Nobody.capability", "actors has no 'Nobody'; use one of: Russia, ", "Nobody", US),
        (
            "actors.Russia.stances.land.position",
            "actors.Russia.stances has no 'land'; use one of: territory, recognition, "
            "sanctions_us, sanctions_eu, guarantees",
            "land",
            "territory",
        ),
        (
            "campaign.mediator.types.nobody.prior",
            "campaign.mediator.types has no 'nobody'; use one of: presses_ukraine",
            "nobody",
            "disengages",
        ),
        ("issues.territory.scale.2", "scale has no '2'; use one of: an index below 2", "2", "0"),
        ("weather", "the scenario has no 'weather'; use one of: name, title", "weather", "actors"),
    ],
)
def test_errors_name_the_bad_segment_and_the_options(
    ukraine: Scenario, text: str, message: str, segment: str, option: str
) -> None:
    with pytest.raises(PathError) as err:
        Path.parse(text).get(ukraine)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert err.value.segment == segment and option in err.value.options
    with pytest.raises(DetenteError) as what_if:
        apply_overrides(ukraine, [(text, 1.0)])
    line = what_if.value.one_line()
    assert line.startswith(f"what-if: {text}: ") and message in line


def test_other_errors_are_one_line(ukraine: Scenario) -> None:
    with pytest.raises(PathError, match="is a number and has no 'value'"):
        Path.parse("actors.Russia.capability.value").get(ukraine)
    with pytest.raises(PathError, match="1 to 500 characters"):
        Path.parse("")
    with pytest.raises(PathError, match="is not a number"):
        Path.parse("actors.Russia.name").number(ukraine)
    for bad, message in [
        (("actors.Russia.stances.territory.salience", 150), "salience is on a 0-100 scale"),
        (("actors.Russia.name", 1), "only numbers can be overridden"),
        (("actors.Russia.capability", math.nan), "the value must be a finite number"),
        ((RIPOSTE, 2), "a probability lies in [0, 1]"),
    ]:
        with pytest.raises(DetenteError) as err:
            edit(ukraine, [bad])
        assert message in err.value.one_line() and "\n" not in err.value.one_line()
    campaign = ukraine.campaign
    assert campaign is not None
    with pytest.raises(DetenteError) as err:
        edit_campaign(campaign, {"discount": 0.0})
    assert err.value.one_line() == (
        "what-if: campaign.discount: is 0; the weekly discount factor lies in (0, 1]"
    )
    with pytest.raises(DetenteError, match="has no 'nobody'") as err:
        with_overrides(campaign, ["campaign.mediator.types.nobody.prior=0.5"])
    assert "--what-if" in err.value.one_line()


# --- profiles go through the same edit ------------------------------------------------------

TERRITORY = "actors.Russia.stances.territory.position"


def test_a_profiled_number_keeps_its_distribution(ukraine: Scenario) -> None:
    at_claim = edit(ukraine, [Change(Path.parse(TERRITORY), 100.0)])  # Russia's stated 100
    uncertain = _with_distribution(
        at_claim, TERRITORY, {"kind": "triangular", "params": [90, 100, 100]}
    )
    changed, applied = apply_to_scenario(uncertain, _profile(position_shift=5.0))
    number = Path.parse(TERRITORY).number(changed)
    assert number.value == 95 and applied[0].after == "95"
    assert number.distribution == Distribution(kind="triangular", params=(85, 95, 95))
    assert number.note is not None and number.note.startswith("set by profile rus.json")
    assert [u.path for u in uncertain_numbers(changed)] == [Path.parse(TERRITORY)]


def test_an_out_of_range_profiled_value_is_refused_in_one_line(ukraine: Scenario) -> None:
    # moved away from Ukraine: 95 -> 100 (the scale's end), its distribution past it
    uncertain = edit(
        ukraine,
        [Change(Path.parse(TERRITORY), 95.0)],
    )
    uncertain = _with_distribution(
        uncertain, TERRITORY, {"kind": "triangular", "params": [90, 95, 100]}
    )
    with pytest.raises(DetenteError) as err:
        apply_to_scenario(uncertain, _profile(position_shift=-5.0))
    line = err.value.one_line()
    assert line.startswith("profile rus.json: ") and "\n" not in line
    assert "reaches 105, outside [0, 100]; keep it on the scale" in line
    campaign = ukraine.campaign
    assert campaign is not None
    with pytest.raises(DetenteError) as err:
        apply_to_campaign(campaign, _profile(cheap_talk_weight=1.5))
    assert err.value.one_line() == (
        "profile rus.json: campaign.cheap_talk_weight: is 1.5; a probability lies in [0, 1]"
    )


def test_a_profiled_campaign_number_keeps_its_distribution(ukraine: Scenario) -> None:
    data = ukraine.model_dump(mode="python")
    Path.parse("campaign.cheap_talk_weight").set(data, {"uniform": [0.2, 0.6]})
    uncertain = validate_scenario(data).campaign
    assert uncertain is not None
    moved, _ = apply_to_campaign(uncertain, _profile(cheap_talk_weight=0.5))
    assert moved.cheap_talk_weight.value == 0.5
    assert moved.cheap_talk_weight.distribution == Distribution(kind="uniform", params=(0.3, 0.7))
