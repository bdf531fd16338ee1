"""Decision rules per issue (veto, unanimity, qualified majority) and issue clout.

Every model's forecast is checked against the issue's rule by one rule (DECISIONS SCN-9): the
winsets below are computed by hand, with symmetric single-peaked utilities (actor ``i`` at
``x_i`` accepts ``y`` over the status quo ``d`` iff ``|y - x_i| <= |d - x_i|``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml

from detente import DetenteError
from detente.models import MODELS, OutcomeModel
from detente.models.procedural import ProceduralCompromise
from detente.models.rules import IssueRule, winset
from detente.scenario import Scenario, load_scenario, parse_yaml

EVERY_MODEL: dict[str, type[OutcomeModel]] = {**MODELS, "procedural": ProceduralCompromise}


def one_issue(
    stances: dict[str, tuple[float, float, float]],
    status_quo: float,
    decision: dict[str, Any] | None = None,
    **extra: Any,
) -> Scenario:
    """A scenario with one issue ``x``: actor -> (position, salience, capability)."""
    issue: dict[str, Any] = {"name": "x", "status_quo": status_quo}
    if decision is not None:
        issue["decision"] = decision
    actors = [
        {"name": n, "capability": c, "stances": {"x": {"position": p, "salience": s}}}
        for n, (p, s, c) in stances.items()
    ]
    return Scenario.model_validate({"name": "rules", "issues": [issue], "actors": actors, **extra})


def assert_respects(scenario: Scenario, by_hand: tuple[float, float]) -> dict[str, float]:
    """Every model's forecast carries the hand-computed winset, is flagged exactly where it
    lies outside, and its constrained answer is the nearest point; the outcomes by model."""
    low, high = by_hand
    outcomes = {}
    for name, cls in EVERY_MODEL.items():
        f = cls().predict(scenario)["x"]
        x = float(f.outcome)
        assert f.winset == pytest.approx(by_hand), name
        assert f.flagged == (x < low - 1e-9 or x > high + 1e-9), (name, x)
        assert f.constrained == pytest.approx(min(max(x, low), high)), (name, x)
        outcomes[name] = x
    return outcomes


# -- a veto player at either end of the scale ---------------------------------------------------
# Two heavy actors at 0 and 10 (at 90 and 100 mirrored); a light veto player at the other end.
LEFT = {"a": (0.0, 100.0, 5.0), "b": (10.0, 100.0, 5.0), "v": (100.0, 10.0, 1.0)}
RIGHT = {"a": (100.0, 100.0, 5.0), "b": (90.0, 100.0, 5.0), "v": (0.0, 10.0, 1.0)}


def test_a_veto_player_at_the_high_end_blocks_every_move_down() -> None:
    # v at 100 accepts a move from 20 up to 180 (cut to the scale) and none down: [20, 100]
    sc = one_issue(LEFT, 20.0, {"rule": "veto", "veto_players": ["v"]})
    outcomes = assert_respects(sc, (20.0, 100.0))
    # every model but the procedural one moves down, so each is flagged and held at 20
    for name in MODELS:
        f = MODELS[name]().predict(sc)["x"]
        assert f.flagged and f.constrained == 20.0, (name, outcomes[name])
    assert outcomes["compromise"] == pytest.approx(6000 / 1010)  # (500·0 + 500·10 + 10·100)
    assert outcomes["median"] == 10.0
    assert outcomes["procedural"] == 20.0


def test_a_veto_player_at_the_low_end_blocks_every_move_up() -> None:
    # v at 0 accepts a move from 80 down to -80 (cut to the scale) and none up: [0, 80]
    sc = one_issue(RIGHT, 80.0, {"rule": "veto", "veto_players": ["v"]})
    outcomes = assert_respects(sc, (0.0, 80.0))
    for name in MODELS:
        f = MODELS[name]().predict(sc)["x"]
        assert f.flagged and f.constrained == 80.0, (name, outcomes[name])
    assert outcomes["compromise"] == pytest.approx(100 - 6000 / 1010)


def test_a_veto_player_inside_the_scale_bounds_the_move() -> None:
    # v at 30 accepts a move from 20 up to its mirror image 40: [20, 40]
    stances = {"a": (90.0, 100.0, 5.0), "b": (100.0, 100.0, 5.0), "v": (30.0, 10.0, 1.0)}
    sc = one_issue(stances, 20.0, {"rule": "veto", "veto_players": ["v"]})
    outcomes = assert_respects(sc, (20.0, 40.0))
    assert outcomes["compromise"] > 40.0 and outcomes["procedural"] == 40.0
    # the Nash bargaining set already lies inside every bargainer's acceptance set
    assert 20.0 < outcomes["nash"] <= 40.0


def test_the_rule_is_moot_without_a_status_quo() -> None:
    sc = Scenario.model_validate(
        {
            "name": "no-sq",
            "issues": [{"name": "x", "decision": {"rule": "veto", "veto_players": ["v"]}}],
            "actors": [
                {"name": n, "capability": c, "stances": {"x": {"position": p, "salience": s}}}
                for n, (p, s, c) in LEFT.items()
            ],
        }
    )
    assert_respects(sc, (0.0, 100.0))


# -- qualified majority and unanimity ----------------------------------------------------------
# Five voters right of the status quo 0 (weights 1, 1, 1, 1, 3) and a heavy non-voting
# agenda setter at 100. Reaches (2 x_i - 0): 10, 20, 40, 80, 120.
VOTERS = {
    "v5": (5.0, 50.0, 1.0),
    "v10": (10.0, 50.0, 1.0),
    "v20": (20.0, 50.0, 1.0),
    "v40": (40.0, 50.0, 1.0),
    "v60": (60.0, 50.0, 1.0),
    "com": (100.0, 100.0, 20.0),
}
WEIGHTS = {"v5": 1, "v10": 1, "v20": 1, "v40": 1, "v60": 3}


@pytest.mark.parametrize(
    ("threshold", "high"),
    [
        (0.4, 100.0),  # 2.8 of 7 votes: v60 alone (3) reaches 120, cut to the scale
        (0.5, 80.0),  # 3.5 votes: v60 + v40 (4) reach 80
        (0.7, 40.0),  # 4.9 votes: v60 + v40 + v20 (5) reach 40
        (1.0, 10.0),  # every vote: v5 reaches 10
    ],
)
def test_qualified_majority_thresholds(threshold: float, high: float) -> None:
    rule = {"rule": "qualified_majority", "weights": WEIGHTS, "threshold": threshold}
    sc = one_issue(VOTERS, 0.0, rule)
    outcomes = assert_respects(sc, (0.0, high))
    # (50 · (5 + 10 + 20 + 40 + 60) + 2000 · 100) / 2250
    assert outcomes["compromise"] == pytest.approx(206750 / 2250)
    assert outcomes["median"] == 100.0
    assert outcomes["procedural"] == pytest.approx(min(206750 / 2250, high))


@pytest.mark.parametrize("weights", [WEIGHTS, None])
def test_unanimity(weights: dict[str, int] | None) -> None:
    # the voters (or, without weights, every actor with a stance): v5 accepts up to 10
    rule: dict[str, Any] = {"rule": "unanimity"}
    if weights is not None:
        rule["weights"] = weights
    outcomes = assert_respects(one_issue(VOTERS, 0.0, rule), (0.0, 10.0))
    assert outcomes["procedural"] == 10.0


def test_a_qualified_majority_with_a_veto_player() -> None:
    # QMV at 0.5 allows up to 80; v20 as a veto player (the EP under codecision) up to 40
    rule = {"rule": "qualified_majority", "weights": WEIGHTS, "threshold": 0.5,
            "veto_players": ["v20"]}  # fmt: skip
    assert_respects(one_issue(VOTERS, 0.0, rule), (0.0, 40.0))


def test_voters_without_a_stance_are_not_counted() -> None:
    # 'absent' holds most votes but takes no stance on x: the four others decide (DEU-6)
    stances = {k: VOTERS[k] for k in ("v5", "v10", "v20", "v40", "com")}
    weights = {"v5": 1, "v10": 1, "v20": 1, "v40": 1, "absent": 10}
    rule = {"rule": "qualified_majority", "threshold": 0.5, "weights": weights}
    data: dict[str, Any] = {
        "name": "absent",
        "issues": [{"name": "x", "status_quo": 0, "decision": rule}, {"name": "y"}],
        "actors": [
            {"name": n, "capability": c, "stances": {"x": {"position": p, "salience": s}}}
            for n, (p, s, c) in stances.items()
        ]
        + [{"name": "absent", "capability": 1, "stances": {"y": {"position": 1, "salience": 1}}}],
    }
    # 2 of 4 votes: v40 and v20 reach 80 and 40
    assert_respects(Scenario.model_validate(data), (0.0, 40.0))


def test_the_winset_function_by_hand() -> None:
    position = np.array([5.0, 10.0, 20.0, 40.0, 60.0])
    votes = np.array([1.0, 1, 1, 1, 3])
    qmv = IssueRule(kind="qualified_majority", votes=votes, threshold=0.7)
    assert winset(position, 0.0, (0.0, 100.0), qmv) == (0.0, 40.0)
    # both sides of the status quo: 30 and 70 around 50; 30 accepts [10, 50], 70 [50, 90]
    two = np.array([30.0, 70.0])
    assert winset(two, 50.0, (0.0, 100.0), IssueRule(kind="unanimity")) == (50.0, 50.0)
    left = IssueRule(kind="veto", veto=np.array([True, False]))
    assert winset(two, 50.0, (0.0, 100.0), left) == (10.0, 50.0)
    assert winset(two, float("nan"), (0.0, 100.0), left) == (0.0, 100.0)
    assert winset(two, 50.0, (0.0, 100.0), IssueRule()) == (0.0, 100.0)


# -- the scenario: default rule, output, and the builtin case -----------------------------------
def test_scenario_veto_players_are_every_issue_s_default_rule() -> None:
    sc = one_issue(LEFT, 20.0, veto_players=["v"])
    assert sc.decision_rule("x").rule == "veto" and sc.decision_rule("x").veto_players == ["v"]
    assert_respects(sc, (20.0, 100.0))
    # an issue's own decision replaces the default
    own = one_issue(LEFT, 20.0, {"rule": "collective"}, veto_players=["v"])
    assert own.decision_rule("x").rule == "collective"
    assert_respects(own, (0.0, 100.0))


def test_a_default_veto_player_without_a_stance_takes_no_part(toy: Scenario) -> None:
    # Z takes no stance on b (SCN-2): the default rule of b has no veto player left
    sc = Scenario.model_validate(toy.model_dump() | {"veto_players": ["Z"]})
    assert sc.decision_rule("a").veto_players == ["Z"]
    assert sc.decision_rule("b").rule == "collective"


def test_the_forecast_reports_the_flag_and_the_constrained_answer() -> None:
    sc = one_issue(LEFT, 20.0, {"rule": "veto", "veto_players": ["v"]})
    forecast = MODELS["compromise"]().predict(sc)
    issue = forecast.to_dict()["issues"][0]
    assert issue["rule"] == "veto: v" and issue["flagged"] is True
    assert issue["constrained"] == 20.0 and issue["winset"] == [20.0, 100.0]
    frame = forecast.to_frame()
    assert list(frame.columns) == ["model", "issue", "outcome", "flagged", "constrained"]
    assert bool(frame["flagged"].iloc[0]) and frame["constrained"].iloc[0] == 20.0


def test_ukraine_rules_follow_who_can_block() -> None:
    sc = load_scenario("ukraine-2024")
    rule = {i.name: sc.decision_rule(i.name) for i in sc.issues}
    # the belligerents decide the line and what Ukraine signs
    for name in ("territory", "recognition"):
        assert rule[name].rule == "veto" and rule[name].veto_players == ["Russia", "Ukraine"]
    # the US president decides the US regime, the EU members by unanimity the EU's
    assert rule["sanctions_us"].veto_players == ["US incoming administration (Trump)"]
    assert rule["sanctions_eu"].rule == "unanimity" and rule["sanctions_eu"].weights == {
        "EU core": 1.0,
        "Poland, Baltic and Nordic states": 1.0,
        "Hungary": 1.0,
    }
    # guarantees: both belligerents, and every NATO ally (both US actors: the Senate ratifies)
    assert rule["guarantees"].rule == "unanimity"
    assert rule["guarantees"].veto_players == ["Russia", "Ukraine"]
    assert {"US incoming administration (Trump)", "US national-security establishment", "Hungary",
            "Turkey"} <= set(rule["guarantees"].weights or {})  # fmt: skip
    f = MODELS["compromise"]().predict(sc)
    # the belligerents stand on either side of the line, the recognition and the guarantees,
    # and the EU's hawks and Hungary on either side of its regime: only the status quo passes
    for name, sq in (("territory", 81.0), ("recognition", 0.0), ("sanctions_eu", 10.0),
                     ("guarantees", 50.0)):  # fmt: skip
        assert f[name].winset == (sq, sq) and f[name].constrained == sq
    # the president (at 50) accepts any US relief up to his mirror image of the status quo
    assert f["sanctions_us"].winset == (10.0, 90.0)
    assert not f["sanctions_us"].flagged and 10 < f["sanctions_us"].outcome < 90


# -- clout ---------------------------------------------------------------------------------------
def test_clout_replaces_the_capability_on_its_issue() -> None:
    text = """
name: c
issues: [{name: a}, {name: b}]
actors:
  - {name: X, capability: 1, stances: {a: {position: 0, salience: 50, clout: {value: 3, note: n}},
                                        b: {position: 0, salience: 50}}}
  - {name: Y, capability: 1, stances: {a: {position: 100, salience: 50}, b: {position: 100,
                                        salience: 50}}}
"""
    sc = parse_yaml(text)
    arr = sc.arrays()
    assert arr.capability[0].tolist() == [3.0, 1.0]
    out = MODELS["compromise"]().predict(sc)
    assert out.outcome("a") == pytest.approx(25.0) and out.outcome("b") == pytest.approx(50.0)
    assert sc.actors[0].stances["a"].clout is not None
    assert sc.actors[0].stances["a"].clout.note == "n"


# -- bad input: one line naming the field --------------------------------------------------------
BASE = """name: bad
issues:
  - name: x
    status_quo: 20
    decision: DECISION
actors:
  - {name: A, capability: 1, stances: {x: {position: 0, salience: 50}}}
  - {name: B, capability: 1, stances: {x: {position: 100, salience: 50}}}
  - {name: C, capability: 1, stances: {}}
"""


@pytest.mark.parametrize(
    ("decision", "words"),
    [
        ("{rule: veto, veto_players: [A, Q]}",
         ["issue 'x', decision: veto_players names unknown actor 'Q'", "use one of: A, B, C"]),
        ("{rule: veto, veto_players: [C]}", ["veto player 'C' takes no stance on 'x'"]),
        ("{rule: veto}", ["issues[0].decision", "needs veto_players"]),
        ("{rule: qualified_majority, weights: {A: 1, Q: 2}, threshold: 0.5}",
         ["weights names unknown actor 'Q'"]),
        ("{rule: qualified_majority, weights: {A: 1}, threshold: 1.5}",
         ["line 5", "issues[0].decision.threshold", "is 1.5", "(0, 1]"]),
        ("{rule: qualified_majority, weights: {A: 1}, threshold: 0}",
         ["issues[0].decision.threshold", "is 0", "(0, 1]"]),
        ("{rule: qualified_majority, threshold: 0.7}",
         ["issues[0].decision", "needs weights"]),
        ("{rule: qualified_majority, weights: {A: 1}}", ["needs a threshold"]),
        ("{rule: qualified_majority, weights: {A: -1}, threshold: 0.5}",
         ["issues[0].decision.weights", "'A' has weight -1", "zero or more"]),
        ("{rule: qualified_majority, weights: {A: lots}, threshold: 0.5}",
         ["issues[0].decision.weights.A", "not a number"]),
        ("{rule: qualified_majority, weights: {C: 1}, threshold: 0.5}",
         ["no voter with a weight above zero takes a stance on 'x'"]),
        ("{rule: unanimity, threshold: 0.5}", ["takes no threshold"]),
        ("{rule: collective, veto_players: [A]}", ["takes no veto_players"]),
        ("{rule: majority}", ["issues[0].decision.rule", "'qualified_majority'"]),
        ("{rule: veto, veto_players: [A], vetoes: [B]}", ["vetoes", "not a known field"]),
    ],
)  # fmt: skip
def test_bad_rules_are_one_line_errors_naming_the_field(decision: str, words: list[str]) -> None:
    with pytest.raises(DetenteError) as err:
        parse_yaml(BASE.replace("DECISION", decision), source="bad.yaml")
    message = str(err.value)
    assert "\n" not in message and "bad.yaml" in message
    for word in words:
        assert word in message, (word, message)


def test_a_stance_capability_asks_to_be_renamed_clout() -> None:
    text = BASE.replace("    decision: DECISION\n", "").replace(
        "{position: 0, salience: 50}", "{position: 0, salience: 50, capability: 2}"
    )
    with pytest.raises(DetenteError) as err:
        parse_yaml(text, source="old.yaml")
    message = str(err.value)
    assert "\n" not in message and "actors[0].stances.x" in message
    assert "'capability' is now 'clout'" in message and "rename" in message


def test_the_rule_round_trips_through_yaml() -> None:
    rule = {"rule": "qualified_majority", "weights": WEIGHTS, "threshold": 0.7, "note": "Nice"}
    sc = one_issue(VOTERS, 0.0, rule)
    again = parse_yaml(yaml.safe_dump(sc.model_dump(mode="json", exclude_none=True)))
    assert again == sc and again.issues[0].decision is not None
    assert again.issues[0].decision.describe() == "qualified majority 70% of weights"
