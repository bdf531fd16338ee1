"""Fuzzing every input surface with hypothesis (issue 9): scenario YAML, KTAB and BDM CSV,
event files, territory series, UCDP agreement tables, and CLI option values.

The property is the same everywhere: a valid result, or a :class:`DetenteError` whose message
is one line naming the source and a fix (``what is wrong; the fix``); never another
exception. Through the CLI: exit code 0 or 2, never 1, and no traceback.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from detente.calibration.territory import read_territory_series, weekly_gains
from detente.cli.main import app
from detente.durability.data import REQUIRED_COLUMNS as AGREEMENT_COLUMNS
from detente.durability.data import read_agreements
from detente.errors import DetenteError
from detente.profiles.events import read_events
from detente.scenario import parse_bdm_csv, parse_ktab_csv, parse_text, parse_yaml
from tests.messages import why_no_fix, why_not_one_line

T = TypeVar("T")

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CLI_FUZZ = settings(FUZZ, max_examples=60)

runner = CliRunner()
def assert_one_line_with_a_fix(exc: DetenteError, source: str) -> None:
    """``exc`` reads ``SOURCE[: WHERE]: what is wrong; the fix`` (tests/messages.py): one
    line, no traceback, ``source`` named first (then the field or line, where there is one),
    and a fix."""
    message = str(exc)
    assert (why := why_not_one_line(message)) is None, why
    assert exc.source == " ".join(source.split()), f"the source is not named: {message}"
    assert message.startswith(f"{exc.source}: "), f"the source is not named first: {message}"
    assert exc.where is None or exc.where.strip(), message
    assert_names_a_fix(exc.message)


def assert_names_a_fix(message: str) -> None:
    assert (why := why_no_fix(message)) is None, why


def clean(fn: Callable[[], T], source: str) -> T | None:
    """``fn()``, or None for a DetenteError that is one line naming ``source`` and a fix."""
    try:
        return fn()
    except DetenteError as exc:
        assert_one_line_with_a_fix(exc, source)
        return None


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
names = st.one_of(st.sampled_from(["a", "b", "Russia", "territory", "", " "]), texts)
floats = st.floats(allow_nan=True, allow_infinity=True)
big_ints = st.integers(min_value=-(10**30), max_value=10**30)
scalars = st.one_of(st.none(), st.booleans(), big_ints, floats, texts)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=12,
)
plausible = st.one_of(st.floats(-20, 120), st.integers(-5, 105))
distribution = st.one_of(
    st.fixed_dictionaries({"triangular": st.lists(plausible, min_size=0, max_size=4)}),
    st.fixed_dictionaries({"normal": st.lists(plausible, max_size=3)}, optional={"truncate": junk}),
    st.fixed_dictionaries({"uniform": st.lists(st.one_of(plausible, floats), max_size=3)}),
    st.fixed_dictionaries(
        {"choice": st.lists(plausible, max_size=4)}, optional={"p": st.lists(floats, max_size=4)}
    ),
)
number = st.one_of(
    plausible,
    plausible,
    scalars,
    st.fixed_dictionaries({"value": st.one_of(plausible, scalars)}, optional={"note": junk}),
    distribution,
    st.builds(lambda d, v: {**d, "value": v}, distribution, plausible),
    junk,
)
stance = st.one_of(
    st.fixed_dictionaries(
        {"position": number, "salience": number},
        optional={"clout": number, "capability": number, "extra": junk},
    ),
    junk,
)
decision = st.one_of(
    st.fixed_dictionaries(
        {"rule": st.one_of(
            st.sampled_from(["collective", "veto", "unanimity", "qualified_majority"]), junk
        )},
        optional={
            "veto_players": st.one_of(st.lists(names, max_size=3), junk),
            "weights": st.one_of(st.dictionaries(names, st.one_of(plausible, floats)), junk),
            "threshold": st.one_of(st.floats(-0.5, 1.5), floats, junk),
            "note": junk,
        },
    ),
    junk,
)  # fmt: skip
issue = st.fixed_dictionaries(
    {"name": names},
    optional={
        "low_label": texts,
        "high_label": scalars,
        "scale": st.one_of(st.lists(st.one_of(plausible, floats), max_size=3), junk),
        "status_quo": number,
        "decision": decision,
        "description": junk,
        "colour": junk,
    },
)
actor = st.fixed_dictionaries(
    {"name": names, "capability": st.one_of(number, st.sampled_from([1e-9, 1e9, 1e308, -0.0]))},
    optional={
        "stances": st.one_of(st.dictionaries(names, stance, max_size=4), junk),
        "description": junk,
        "power": junk,
    },
)


@st.composite
def valid_ish_scenario(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario, then up to three mutations: a value made junk, NaN, infinite, huge or
    negative, a key removed or added, a name duplicated."""
    issue_names = draw(
        st.lists(st.sampled_from(["a", "b", "c", "é", "x y"]), min_size=1, max_size=3, unique=True)
    )
    issues: list[dict[str, Any]] = [{"name": n} for n in issue_names]
    for item in issues:
        if draw(st.booleans()):
            item["status_quo"] = draw(st.floats(0, 100))
    actors = []
    for k in range(draw(st.integers(1, 6))):
        chosen = draw(st.lists(st.sampled_from(issue_names), min_size=1, unique=True))
        actors.append(
            {
                "name": f"actor{k}",
                "capability": draw(st.one_of(st.floats(0, 1e9), st.sampled_from([0, 1e-9, 1e9]))),
                "stances": {
                    n: {
                        "position": draw(st.sampled_from([0.0, 100.0]) | st.floats(0, 100)),
                        "salience": draw(st.sampled_from([0.0, 100.0]) | st.floats(0, 100)),
                    }
                    for n in chosen
                },
            }
        )
    for issue_name in issue_names:  # every issue needs a stance
        actors[0]["stances"].setdefault(issue_name, {"position": 50, "salience": 50})
    for item in issues:  # a decision rule over the actors, at times
        voters = [a["name"] for a in actors if item["name"] in a["stances"]]
        kind = draw(st.sampled_from([None, "veto", "unanimity", "qualified_majority"]))
        if kind == "veto":
            item["decision"] = {"rule": kind, "veto_players": voters[:1]}
        elif kind is not None:
            item["decision"] = {"rule": kind, "weights": {v: 1 for v in voters}}
            if kind == "qualified_majority":
                item["decision"]["threshold"] = draw(st.floats(0.01, 1.0))
    data: dict[str, Any] = {"name": "fuzz", "issues": issues, "actors": actors}
    bad = st.one_of(
        scalars,
        junk,
        st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1.0, -1e-300, 101.0, 10**400]),
    )
    for _ in range(draw(st.integers(0, 3))):
        node: Any = data
        path = draw(st.lists(st.integers(0, 9), min_size=1, max_size=5))
        for step in path[:-1]:
            children = list(node.values()) if isinstance(node, dict) else node
            containers = [c for c in children if isinstance(c, dict | list)]
            if not containers:
                break
            node = containers[step % len(containers)]
        action = draw(st.sampled_from(["set", "set", "delete", "add", "duplicate"]))
        if isinstance(node, dict) and node:
            key = list(node)[path[-1] % len(node)]
            if action == "delete":
                del node[key]
            elif action == "add":
                node[draw(texts)] = draw(bad)
            else:
                node[key] = draw(bad)
        elif isinstance(node, list) and node:
            i = path[-1] % len(node)
            if action == "duplicate":
                node.append(node[i])
            elif action == "delete":
                del node[i]
            else:
                node[i] = draw(bad)
    return data


scenario_data = st.one_of(
    valid_ish_scenario(),
    valid_ish_scenario(),
    st.fixed_dictionaries(
        {},
        optional={
            "name": st.one_of(names, junk),
            "title": scalars,
            "as_of": st.one_of(st.dates().map(str), texts, big_ints),
            "issues": st.one_of(st.lists(issue, max_size=4), junk),
            "actors": st.one_of(st.lists(actor, max_size=5), junk),
            "veto_players": st.one_of(st.lists(names, max_size=3), junk),
            "sources": junk,
            "campaign": junk,
            "levers": junk,
            "unknown_key": junk,
        },
    ),
    junk,
)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


cells = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "50",
            "100",
            "-1",
            "1e308",
            "1e400",
            "nan",
            "inf",
            "-inf",
            "0x10",
            "1_000",
            "١٢",
            "NaN",
            " 7 ",
            '"',
            "2.5",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    big_ints.map(str),
    texts,
)


# --------------------------------------------------------------------------------------
# Scenario YAML, KTAB CSV, BDM CSV
# --------------------------------------------------------------------------------------


@FUZZ
@given(data=scenario_data)
def test_fuzz_scenario_yaml(data: Any) -> None:
    text = _dump(data)
    clean(lambda: parse_yaml(text, source="fuzz.yaml"), "fuzz.yaml")


@FUZZ
@given(text=st.text(max_size=300), suffix=st.sampled_from([".yaml", ".csv", ".txt", ""]))
def test_fuzz_raw_text_of_any_suffix(text: str, suffix: str) -> None:
    clean(lambda: parse_text(text, suffix=suffix, source="fuzz"), "fuzz")


@settings(FUZZ, max_examples=20)
@given(
    depth=st.sampled_from([1, 10, 900, 1200, 2000]),
    kind=st.sampled_from(["[", "{a: ", "- "]),
    data=scenario_data,
)
def test_fuzz_deeply_nested_yaml(depth: int, kind: str, data: Any) -> None:
    nested = kind * depth + "1" + {"[": "]", "{a: ": "}", "- ": ""}[kind] * depth
    text = _dump(data) + "\nextra: " + nested if isinstance(data, dict) else nested
    clean(lambda: parse_yaml(text, source="deep.yaml"), "deep.yaml")


@st.composite
def ktab_rows(draw: st.DrawFn) -> list[list[str]]:
    n_dims = draw(st.integers(0, 3))
    n_actors = draw(st.integers(0, 4))
    declared_actors = draw(st.one_of(st.just(str(n_actors)), cells))
    declared_dims = draw(st.one_of(st.just(str(n_dims)), cells))
    title = [draw(cells), draw(cells), declared_actors, declared_dims]
    header = ["Actor", "Description", "Influence"]
    for _ in range(n_dims):
        dim = draw(st.one_of(st.sampled_from(["Territory", "x", ""]), texts))
        header += [f"{dim} Position", f"{dim} Salience"]
    rows = [title, header]
    for _ in range(n_actors):
        width = 3 + 2 * n_dims + draw(st.integers(-2, 1))
        rows.append([draw(st.one_of(names, cells)) for _ in range(max(width, 0))])
    return rows


@FUZZ
@given(rows=ktab_rows())
def test_fuzz_ktab_csv(rows: list[list[str]]) -> None:
    text = _csv(rows)
    clean(lambda: parse_ktab_csv(text, source="fuzz.csv"), "fuzz.csv")
    clean(lambda: parse_text(text, suffix=".csv", source="fuzz.csv"), "fuzz.csv")


@st.composite
def bdm_rows(draw: st.DrawFn) -> list[list[str]]:
    header = draw(
        st.permutations(["Actor", "Capability", "Position", "Salience"])
        | st.lists(
            st.sampled_from(
                [
                    "Stakeholder",
                    "Resources",
                    "Influence",
                    "power",
                    "name",
                    "position",
                    "salience",
                    "x",
                    "",
                ]
            ),
            max_size=6,
        )
    )
    rows = [list(header)]
    for _ in range(draw(st.integers(0, 5))):
        width = len(header) + draw(st.integers(-1, 1))
        rows.append([draw(st.one_of(names, cells)) for _ in range(max(width, 0))])
    return rows


@FUZZ
@given(rows=bdm_rows())
def test_fuzz_bdm_csv(rows: list[list[str]]) -> None:
    text = _csv(rows)
    clean(lambda: parse_bdm_csv(text, source="fuzz.csv"), "fuzz.csv")


# --------------------------------------------------------------------------------------
# Files read from disk: events, territory series, UCDP agreements
# --------------------------------------------------------------------------------------

dates = st.one_of(
    st.dates().map(str),
    st.dates(min_value=__import__("datetime").date(2000, 1, 1)).map(str),
    st.sampled_from(
        [
            "2024-02-30",
            "2024-1-1",
            "0001-01-01",
            "9999-12-31",
            "1677-09-21",
            "2262-04-12",
            "",
            "yesterday",
        ]
    ),
    texts,
)


@st.composite
def event_rows(draw: st.DrawFn) -> list[list[str]]:
    optional = ["goldstein", "quad_class", "event_text", "dataset", "source_is_state", "junk"]
    header = ["date", "source", "target", "cameo_code"]
    header = draw(st.permutations(header)) + draw(st.lists(st.sampled_from(optional), max_size=3))
    if draw(st.booleans()):
        header = draw(st.lists(st.sampled_from([*header, "x", ""]), max_size=6))
    values = {
        "date": dates,
        "source": st.one_of(st.sampled_from(["USA", "rus", ""]), texts),
        "target": st.one_of(st.sampled_from(["RUS", "UKR", " "]), texts),
        "cameo_code": st.one_of(st.sampled_from(["042", "42", "190", "01", "999", ""]), cells),
        "goldstein": cells,
        "quad_class": st.one_of(st.sampled_from(["1", "4", "5", "", "1.0"]), cells),
    }
    rows = [list(header)]
    for _ in range(draw(st.integers(0, 6))):
        rows.append([draw(values.get(col, texts)) for col in header])
    return rows


@FUZZ
@given(rows=event_rows(), convention=st.sampled_from([None, "icews", "gdelt"]))
def test_fuzz_event_files(tmp_path: Path, rows: list[list[str]], convention: Any) -> None:
    path = tmp_path / "events.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    clean(lambda: read_events(path, quad_convention=convention), str(path))


@st.composite
def territory_rows(draw: st.DrawFn) -> list[list[str]]:
    header = draw(
        st.one_of(
            st.just(["date", "occupied_km2"]),
            st.permutations(["date", "occupied_km2", "note"]),
            st.lists(st.sampled_from(["date", "occupied_km2", "x", ""]), max_size=3),
        )
    )
    rows = [list(header)]
    start = draw(st.dates())
    sorted_days = draw(st.booleans())
    for k in range(draw(st.integers(0, 20))):
        row = []
        for col in header:
            if col == "date":
                day = (
                    str(start + __import__("datetime").timedelta(days=k))
                    if sorted_days and start.year < 9999
                    else draw(dates)
                )
                row.append(day)
            elif col == "occupied_km2":
                row.append(draw(st.one_of(st.floats(0, 1e6).map(str), cells)))
            else:
                row.append(draw(texts))
        rows.append(row)
    return rows


@FUZZ
@given(rows=territory_rows(), week=st.sampled_from(["SUN", "mon", "Fri", "x", ""]))
def test_fuzz_territory_series(tmp_path: Path, rows: list[list[str]], week: str) -> None:
    path = tmp_path / "area.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    series = clean(lambda: read_territory_series(path), str(path))
    if series is not None:
        series.name = str(path)
        clean(lambda: weekly_gains(series, week), str(path))


@st.composite
def agreement_rows(draw: st.DrawFn) -> list[list[str]]:
    header = list(AGREEMENT_COLUMNS) + draw(
        st.lists(st.sampled_from(["dateintervalend_meta", "x"]), max_size=2, unique=True)
    )
    if draw(st.integers(0, 4)) == 0:
        header = draw(st.lists(st.sampled_from([*header, ""]), max_size=8))
    values = {
        "pa_date": dates,
        "duration": dates,
        "dateintervalend_meta": dates,
        "ended": st.sampled_from(["", "True", "False", "1", "yes", "maybe", "nan"]),
        "pa_type": st.one_of(st.sampled_from(["1", "2", "3", "2.0", ""]), cells),
        "conflict_id": st.one_of(st.sampled_from(["333", "333, 334", ""]), cells),
        "pa_3rd": texts,
        "paid": cells,
    }
    binary = st.one_of(st.sampled_from(["0", "1", "1.0", ""]), cells)
    rows = [header]
    for _ in range(draw(st.integers(0, 6))):
        rows.append([draw(values.get(col, binary)) for col in header])
    return rows


@FUZZ
@given(rows=agreement_rows())
def test_fuzz_agreement_tables(tmp_path: Path, rows: list[list[str]]) -> None:
    path = tmp_path / "agreements.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    clean(lambda: read_agreements(path, termination=False), str(path))


# --------------------------------------------------------------------------------------
# The CLI: option values and files, exit code 0 or 2, never a traceback
# --------------------------------------------------------------------------------------


def _no_nan(obj: Any) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_no_nan(v) for v in obj.values())
    if isinstance(obj, list):
        return all(_no_nan(v) for v in obj)
    return True


def invoke(args: list[str]) -> Any:
    result = runner.invoke(app, args)
    output = result.stdout + result.stderr
    assert result.exit_code in (0, 2), f"{args}: exit {result.exit_code}: {output[-2000:]}"
    assert "Traceback" not in output, output
    if result.exit_code == 2:
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        assert errors, f"{args}: exit 2 with nothing on stderr"
        if errors[0].startswith("error: "):  # detente's own refusal: one line with a fix
            assert len(errors) == 1, result.stderr  # (a progress bar may leave a blank line)
            assert_names_a_fix(errors[0].removeprefix("error: "))
        else:  # the option parser's usage error (Typer's box)
            assert errors[0].startswith("Usage: detente "), errors
            assert errors[-1].startswith(("Try", "╰")), errors
    return result


option_text = st.one_of(
    st.sampled_from(
        [
            "",
            "-",
            "--",
            "0",
            "-1",
            "nan",
            "inf",
            "1e400",
            "json",
            "csv",
            "yaml",
            "table",
            "bdm",
            "compromise",
            "median",
            "nash",
            "ukraine-2024",
            "--all",
            "--help",
        ]
    ),
    texts.filter(lambda s: "\x00" not in s),
)


@CLI_FUZZ
@given(
    data=scenario_data,
    fmt=st.sampled_from(["json", "csv", "table"]),
    models=st.lists(option_text, max_size=2),
)
def test_fuzz_cli_forecast_and_validate(
    tmp_path: Path, data: Any, fmt: str, models: list[str]
) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(_dump(data), encoding="utf-8")
    model_args = [a for m in models for a in ("-m", m)]
    result = invoke(["forecast", str(path), "--no-store", "--format", fmt, *model_args])
    if result.exit_code == 0 and fmt == "json":
        document = json.loads(result.stdout)
        assert _no_nan(document), result.stdout
    invoke(["validate", str(path)])
    invoke(["show", str(path), "--format", "yaml"])


@CLI_FUZZ
@given(name=option_text, fmt=option_text, notes=st.booleans())
def test_fuzz_cli_show_names(name: str, fmt: str, notes: bool) -> None:
    invoke(["show", name, "--format", fmt, "--notes" if notes else "--no-notes"])
    invoke(["forecast", name, "--no-store", "-f", "json"])


@CLI_FUZZ
@given(
    rows=territory_rows(),
    regimes=option_text | st.integers(-3, 8).map(str),
    bootstrap=option_text | st.integers(-2, 3).map(str),
    block=st.integers(-1, 60).map(str),
    week=option_text,
    season=st.sampled_from(["auto", "none", "mean", "probs", "x"]),
)
def test_fuzz_cli_calibrate_territory(
    tmp_path: Path,
    rows: list[list[str]],
    regimes: str,
    bootstrap: str,
    block: str,
    week: str,
    season: str,
) -> None:
    path = tmp_path / "area.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    invoke(
        [
            "calibrate",
            "territory",
            str(path),
            "--regimes",
            regimes,
            "--bootstrap",
            bootstrap,
            "--block-weeks",
            block,
            "--week-ending",
            week,
            "--season",
            season,
            "--format",
            "json",
        ]
    )


def test_cli_calibrate_territory_on_a_real_series(tmp_path: Path, shared_data: Path) -> None:
    path = shared_data / "ukraine_occupied_area_deepstate.csv"
    for regimes in ("1", "6", "7", "0"):
        invoke(["calibrate", "territory", str(path), "-k", regimes, "-b", "2", "-f", "json"])


deal_terms = st.sampled_from(["territory", "sanctions", "guarantees", "pko", "x", "", " "])
deal_values = st.one_of(cells, st.floats(-1e3, 1e3).map(repr))
deals = st.one_of(
    st.lists(st.tuples(deal_terms, deal_values), max_size=4).map(
        lambda kv: ",".join(f"{k}={v}" for k, v in kv)
    ),
    option_text,
)


@CLI_FUZZ
@given(
    deal=deals,
    level=option_text | st.floats(-1, 2).map(repr),
    draws=option_text | st.integers(-5, 50).map(str),
    scenario=st.sampled_from(["ukraine-2024", "nope"]),
)
def test_fuzz_cli_durability_predict(
    shared_data: Path, deal: str, level: str, draws: str, scenario: str
) -> None:
    invoke(
        [
            "durability",
            "predict",
            scenario,
            "--deal",
            deal,
            "--level",
            level,
            "--draws",
            draws,
            "--format",
            "json",
        ]
    )


@CLI_FUZZ
@given(
    name=option_text | st.sampled_from(["putin", "PUTIN", "Vladimir Putin", "adams", "Zz"]),
    fmt=st.sampled_from(["json", "table", "x"]),
)
def test_fuzz_cli_profile_leader(name: str, fmt: str) -> None:
    invoke(["profile", "leader", name, "--format", fmt])


# --------------------------------------------------------------------------------------
# Rejection messages found by the fuzzers (regression tests)
# --------------------------------------------------------------------------------------


def test_a_newline_in_a_key_or_file_name_stays_one_line() -> None:
    with pytest.raises(DetenteError) as caught:
        parse_yaml('name: x\nissues: []\nactors: []\n"bad\\nkey": 1\n', source="a\nb.yaml")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("a b.yaml: line 4")
    result = runner.invoke(app, ["show", "no\nsuch"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_deeply_nested_yaml_is_refused_in_one_line(opening: str) -> None:
    with pytest.raises(DetenteError, match=r"nested too deeply to read\); flatten"):
        parse_yaml("name: x\nextra: " + opening * 5000, source="deep.yaml")


@pytest.mark.parametrize("day", ["1677-01-01", "2263-01-01", "9999-12-31", "0001-01-01"])
def test_territory_dates_outside_pandas_range_are_refused(tmp_path: Path, day: str) -> None:
    path = tmp_path / "area.csv"
    path.write_text(f"date,occupied_km2\n2024-01-01,5\n{day},6\n", encoding="utf-8")
    with pytest.raises(DetenteError, match=r"line 3: date .* outside 1678-01-01 to 2261-12-31"):
        read_territory_series(path)


@pytest.mark.parametrize(
    ("parse", "text", "fix"),
    [
        (parse_yaml, "\x08", "remove control characters"),
        (parse_ktab_csv, "a,b,1,1\n", "add them"),
        (parse_ktab_csv, "a,b,1,1\nActor,Description,Influence\nx,y,1\n", "make row 1's"),
        (parse_ktab_csv, "a,b,1,1\nActor,Description,Influence,P,S\nx,y,1\n", "one cell per"),
        (parse_bdm_csv, "Actor,Capability,Position,Salience\nx,1,2\n", "one cell per"),
    ],
)
def test_scenario_rejections_name_a_fix(parse: Any, text: str, fix: str) -> None:
    with pytest.raises(DetenteError, match=fix):
        parse(text, source="f")


@pytest.mark.parametrize(
    ("text", "fix"),
    [("", "give a comma-separated file"), ("date,source,target,cameo_code\n", "add one row")],
)
def test_event_file_rejections_name_a_fix(tmp_path: Path, text: str, fix: str) -> None:
    path = tmp_path / "e.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DetenteError, match=fix):
        read_events(path)


@pytest.mark.parametrize("text", ["x", "[1, 2]", "name: [", "{{{", "- a\n- b"])
def test_non_scenario_yaml_is_one_line(text: str) -> None:
    clean(lambda: parse_yaml(text, source="s.yaml"), "s.yaml")


def test_territory_series_with_a_bare_carriage_return_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "area.csv"
    path.write_bytes(b"date,occupied_km2\n2024-01-01,5\r7\n")
    with pytest.raises(DetenteError, match=r"line \d+: not a readable CSV .*; check the quotes"):
        read_territory_series(path)
