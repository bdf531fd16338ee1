"""The JSON Schemas shipped in ``detente/schemas/`` (DECISIONS DOC-3): current with the
models they are generated from, valid JSON Schema, accepting the scenario files detente
accepts and the documents its commands write, and refusing what detente refuses."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from detente.cli.main import app
from detente.errors import DetenteError
from detente.schemas import NAMES, load_schema
from detente.schemas.documents import DOCUMENTS

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILES = [
    *sorted((ROOT / "src" / "detente" / "scenario" / "builtin").glob("*.yaml")),
    *sorted((ROOT / "docs" / "scenarios").glob("*.yaml")),
]


def _gen_script() -> ModuleType:
    script = ROOT / "scripts" / "gen_schemas.py"
    spec = importlib.util.spec_from_file_location("gen_schemas", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        load_schema(name), format_checker=jsonschema.FormatChecker()
    )


def _as_json(path: Path) -> Any:
    """A YAML file as a JSON document would carry it (dates as ISO strings)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def test_the_shipped_schemas_are_current() -> None:
    expected = _gen_script().schemas()
    assert sorted(expected) == sorted(f"{n}.schema.json" for n in NAMES)
    for name, text in expected.items():
        shipped = ROOT / "src" / "detente" / "schemas" / name
        assert shipped.read_text(encoding="utf-8") == text, (
            f"{name} is stale: run python scripts/gen_schemas.py"
        )


@pytest.mark.parametrize("name", NAMES)
def test_each_schema_is_valid_json_schema(name: str) -> None:
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema") and schema["type"] == "object"


def test_an_unknown_schema_is_one_line_error() -> None:
    with pytest.raises(DetenteError, match="pick one of: scenario"):
        load_schema("nope")


def test_the_package_data_ships_the_schemas() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"schemas/*.json"' in pyproject


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_the_scenario_schema_accepts_the_shipped_scenarios(path: Path) -> None:
    errors = [e.message for e in _validator("scenario").iter_errors(_as_json(path))]
    assert errors == []


def test_the_scenario_schema_accepts_the_short_forms_and_refuses_bad_input() -> None:
    ok = {
        "name": "x",
        "issues": [{"name": "t", "low_label": "a", "high_label": "b"}],
        "actors": [
            {"name": "A", "capability": 1, "stances": {"t": {"position": 0, "salience": 50}}},
            {
                "name": "B",
                "capability": {"value": 2, "note": "why"},
                "stances": {"t": {"position": {"triangular": [80, 90, 100]}, "salience": 40}},
            },
        ],
    }
    validator = _validator("scenario")
    assert list(validator.iter_errors(ok)) == []
    assert not validator.is_valid({**ok, "surprise": 1})  # unknown top-level key
    bad_number = json.loads(json.dumps(ok))
    bad_number["actors"][0]["stances"]["t"]["salience"] = "high"
    assert not validator.is_valid(bad_number)
    two_kinds = json.loads(json.dumps(ok))
    two_kinds["actors"][1]["capability"] = {"normal": [1, 0.1], "uniform": [0, 2]}
    assert not validator.is_valid(two_kinds)


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    runner = CliRunner()
    commands = {
        "forecast": ["forecast", "ukraine-2024", "--all", "--format", "json", "--no-store"],
        "simulate": [
            *("simulate", "ukraine-2024", "--draws", "200", "--seed", "0"),
            *("--format", "json", "--no-store"),
        ],
        "durability": [
            *("durability", "predict", "ukraine-2024", "--deal", "territory=81,guarantees=60"),
            *("--format", "json"),
        ],
        "outlook": ["outlook", "predict", "ukraine-2024", "--format", "json"],
    }
    out: dict[str, Any] = {}
    for name, args in commands.items():
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output[-2000:])
        out[name] = json.loads(result.stdout[result.stdout.index("{") :])
    return out


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_real_documents_match_their_schema(name: str, documents: dict[str, Any]) -> None:
    doc = documents[name]
    assert [e.message for e in _validator(name).iter_errors(doc)] == []
    DOCUMENTS[name].model_validate(doc)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_document_missing_a_key_fails_its_schema(name: str, documents: dict[str, Any]) -> None:
    doc = dict(documents[name])
    required = load_schema(name)["required"]
    assert required, name
    del doc[required[0]]
    assert not _validator(name).is_valid(doc)
