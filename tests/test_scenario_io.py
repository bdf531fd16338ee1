"""Scenario readers: round trips, the formats, and one-line errors for bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detente import DetenteError
from detente.scenario import (
    Scenario,
    builtin_names,
    from_frame,
    load_scenario,
    parse_yaml,
    to_frame,
    to_yaml,
)
from tests.conftest import TWO_ISSUES


def test_yaml_round_trip(toy: Scenario) -> None:
    again = parse_yaml(to_yaml(toy))
    assert again == toy


def test_frame_round_trip(toy: Scenario) -> None:
    frame = to_frame(toy)
    assert list(frame.columns[:5]) == ["actor", "issue", "position", "salience", "capability"]
    assert len(frame) == 5  # Z skips issue b
    again = from_frame(frame, name="toy")
    np.testing.assert_array_equal(again.arrays().position, toy.arrays().position)
    present = ~np.isnan(toy.arrays().position)
    np.testing.assert_array_equal(
        again.arrays().capability[present], toy.arrays().capability[present]
    )


def test_arrays_mark_skipped_issues(toy: Scenario) -> None:
    arr = toy.arrays()
    assert np.isnan(arr.position[2, 1])
    assert arr.capability[2, 0] == 0.5  # issue-specific capability overrides
    assert arr.capability[2, 1] == 2.0
    assert arr.status_quo[0] == 20 and np.isnan(arr.status_quo[1])


def test_notes_are_kept(toy: Scenario) -> None:
    assert toy.actors[0].capability.note == "big"
    assert toy.issues[0].status_quo is not None and toy.issues[0].status_quo.note == "today"


def test_bdm_csv(shared_data: Path) -> None:
    sc = load_scenario(shared_data / "validation/spatial_cases/bdm_dmasad_ExampleActors.csv")
    assert len(sc.actors) == 10 and sc.issue_names == ["issue"]
    assert sc.actors[0].name == "Netherlands" and sc.actors[6].stances["issue"].salience.value == 90


def test_bdm_csv_aliases(shared_data: Path) -> None:
    sc = load_scenario(shared_data / "validation/spatial_cases/bdm_dmasad_ChinaData.csv")
    assert sc.actors[0].name == "Zeming" and sc.actors[0].capability.value == 80


@pytest.mark.parametrize(
    ("file", "n_actors", "issues"),
    [
        ("ktab_china_SOE-Policy.csv", 26, ["Policy"]),
        ("ktab_china_SOE-Pol-Comp.csv", 13, ["Policy", "Competitive"]),
    ],
)
def test_ktab_csv(shared_data: Path, file: str, n_actors: int, issues: list[str]) -> None:
    sc = load_scenario(shared_data / "validation/spatial_cases" / file)
    assert len(sc.actors) == n_actors and sc.issue_names == issues
    assert sc.actors[0].name == "XJ" and sc.actors[0].capability.value == 100


def test_every_builtin_loads() -> None:
    names = builtin_names()
    assert "ukraine-2024" in names
    for name in names:
        assert load_scenario(name).name == name


def _swap(old: str, new: str) -> str:
    assert old in TWO_ISSUES
    return TWO_ISSUES.replace(old, new, 1)


BAD_YAML = [
    # (text, words the one-line message must contain)
    (
        _swap("salience: 60", "salience: -5"),
        ["line 14", "actors[0].stances.a.salience", "zero or more"],
    ),
    (_swap("salience: 60", "salience: .nan"), ["line 14", "finite"]),
    (_swap("{position: 80, salience: 60}", "{position: 80}"), ["salience", "missing"]),
    (
        _swap("position: 80", "position: 180"),
        ["line 14", "actors[0].stances.a.position", "off the scale", "'X'"],
    ),
    (_swap("name: Y", "name: X"), ["line 16", "actors[1].name", "duplicate actor 'X'"]),
    (
        _swap("{position: 80, salience: 60}", "{position: 80, salience: 60, stated: 130}"),
        ["line 14", "actor 'X', issue 'a': stated position 130 is off the scale [0, 100]"],
    ),
    (
        _swap(
            "{position: 80, salience: 60}",
            "{position: 80, salience: 60, stated: {uniform: [0, 10]}}",
        ),
        ["actors[0].stances.a.stated", "takes no distribution"],
    ),
    (
        _swap("      b: {position: 60", "      c: {position: 60"),
        ["line 20", "actors[1].stances.c", "unknown issue 'c'"],
    ),
    (
        _swap("capability: 1\n", "capability: lots\n"),
        ["line 17", "actors[1].capability", "not a number"],
    ),
    (
        _swap("capability: 1\n", "capabilty: 1\n"),
        ["line 17", "capabilty", "not a known field; did you mean 'capability'?"],
    ),
    (_swap("name: toy", "nmae: toy"), ["nmae", "did you mean 'name'?"]),
    (_swap("high_label", "colour"), ["colour", "not a known field; remove it"]),
    ("name: x\nissues: []\nactors: []\n", ["no issues"]),
    ("", ["empty"]),
    ("name: [unclosed\n", ["not valid YAML", "line"]),
    ("- just\n- a list\n", ["must be a YAML mapping"]),
]


@pytest.mark.parametrize(("text", "words"), BAD_YAML)
def test_bad_yaml_one_line(tmp_path: Path, text: str, words: list[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DetenteError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    for word in words:
        assert word in message, message


def test_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(TWO_ISSUES.replace("toy negotiation", "négociation").encode("latin-1"))
    with pytest.raises(DetenteError, match=r"not UTF-8.*save the file as UTF-8"):
        load_scenario(path)


def test_file_over_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("#" * 5_000_001, encoding="utf-8")
    with pytest.raises(DetenteError, match="over the 5,000,000-byte limit"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Actor,Capability,Position\nA,1,2\n", ["missing column 'Salience'"]),
        ("Actor,Capability,Position,Salience\nA,1,nan,3\n", ["line 2", "finite"]),
        ("Actor,Capability,Position,Salience\nA,1,x,3\n", ["line 2", "Position 'x'"]),
        ("Actor,Capability,Position,Salience\nA,1,2,-3\n", ["salience", "zero or more"]),
        ("Actor,Capability,Position,Salience\nA,1,2,3\nA,1,5,3\n", ["duplicate actor 'A'"]),
        ("Actor,Capability,Position,Salience\n", ["no actor rows"]),
        ("Actor,Capability,Position,Salience\nA,1,2\n", ["line 2", "expected 4"]),
    ],
)
def test_bad_bdm_csv(tmp_path: Path, text: str, words: list[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DetenteError) as info:
        load_scenario(path)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_ktab_actor_count_must_match(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text(
        "case,desc,3,1,\nActor,Description,Influence,P Position,P Salience,\n"
        "A,a,10,20,30,\nB,b,5,60,40,\n",
        encoding="utf-8",
    )
    with pytest.raises(DetenteError, match="declares 3 actors but 2 actor rows"):
        load_scenario(path)


def test_frame_errors() -> None:
    frame = pd.DataFrame(
        {
            "actor": ["A", "B"],
            "issue": ["i", "i"],
            "position": [10.0, np.nan],
            "salience": [50, 50],
            "capability": [1, 1],
        }
    )
    with pytest.raises(DetenteError, match=r"row 1, column 'position'"):
        from_frame(frame)
    with pytest.raises(DetenteError, match="missing column 'capability'"):
        from_frame(frame.drop(columns="capability"))
    with pytest.raises(DetenteError, match="unknown issue 'j'"):
        from_frame(frame.fillna(5.0), issues={"j": {"status_quo": 3}})


def test_unknown_file_type(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(DetenteError, match=r"unknown file type '\.txt'"):
        load_scenario(path)


def test_unknown_veto_player(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(TWO_ISSUES + "veto_players: [X, Q]\n", encoding="utf-8")
    with pytest.raises(DetenteError, match="veto_players names unknown actor 'Q'"):
        load_scenario(path)


def test_unreadable_csv_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("Actor,Capability,Position,Salience\nA,1,2," + "9" * 200_000 + "\n")
    with pytest.raises(DetenteError, match=r"line 2: not a readable CSV"):
        load_scenario(path)


# --- stated and operative positions (DECISIONS SCN-10) ----------------------------------------
STATED = _swap(
    "{position: 80, salience: 60}",
    '{position: 80, salience: 60, stated: {value: 100, note: "the opening demand"}}',
)


def test_stated_positions_are_reported_never_modelled(toy: Scenario) -> None:
    from detente.models import MODELS

    sc = parse_yaml(STATED, source="stated.yaml")
    (gap,) = sc.stated_gaps()
    assert (gap.actor, gap.issue, gap.stated, gap.operative, gap.gap) == ("X", "a", 100, 80, -20)
    assert sc.actors[0].stances["a"].stated is not None
    assert sc.actors[0].stances["a"].stated.note == "the opening demand"
    assert toy.stated_gaps() == []
    assert parse_yaml(to_yaml(sc)) == sc  # kept by the YAML round trip
    np.testing.assert_array_equal(sc.arrays().position, toy.arrays().position)
    for name, model in MODELS.items():
        assert model().predict(sc).values() == model().predict(toy).values(), name


def test_show_prints_the_gaps(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from detente.cli.main import app

    path = tmp_path / "stated.yaml"
    path.write_text(STATED, encoding="utf-8")
    shown = CliRunner().invoke(app, ["show", str(path)])
    assert shown.exit_code == 0, shown.output
    flat = " ".join(shown.stdout.split())
    assert "Stated and operative positions" in flat and "X │ a │ 100 │ 80 │ -20" in flat
    assert "a.stated" in flat and "the opening demand" in flat  # its note, with the others
    plain = CliRunner().invoke(app, ["show", "ukraine-2024", "--no-notes"])
    assert "Russia │ territory │ 100 │ 81 │ -19" in " ".join(plain.stdout.split())
