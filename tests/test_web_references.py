"""No request can make the web server read a file it names (issue 13, §1; DECISIONS SPEC-2).

A scenario names two documents by reference: ``campaign.battlefield.calibration`` and
``campaign.resumption.mapping``. Uploaded through the real HTTP app with those set to an
absolute path, a ``../`` path, ``/proc/self/environ``, a device, a 100 MB file or a missing
file, every answer is a 4xx, the same for an existing and a missing path, and no file outside
the package is opened (checked with an audit hook that sees every ``open``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from detente.errors import DetenteError
from detente.scenario import load_scenario, parse_yaml
from detente.scenario.builtin import builtin_text
from detente.scenario.resolve import PACKAGED, FileResolver, resolve_references
from detente.web.app import create_app

CALIBRATION = "calibration: ukraine-deepstate-2024"
RESUMPTION = "    model: ucdp_cox\n"

_watched: list[str] = []
_opened: list[str] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _watched and args and isinstance(args[0], str | bytes | os.PathLike):
        path = os.fsdecode(args[0])
        if any(path.endswith(w) or w in path for w in _watched):
            _opened.append(path)


sys.addaudithook(_audit)


@pytest.fixture
def watch() -> Iterator[list[str]]:
    """Paths (or suffixes) whose opening the test must not see."""
    _opened.clear()
    yield _watched
    _watched.clear()


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An existing file a request should never get at, and a 100 MB one."""
    folder = tmp_path_factory.mktemp("server")
    (folder / "secret.json").write_text('{"means": [1, 2, 3]}', encoding="utf-8")
    with (folder / "huge.json").open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    return folder


def _with_calibration(ref: str) -> str:
    text = builtin_text("ukraine-2024")
    assert CALIBRATION in text
    return text.replace(CALIBRATION, f"calibration: {ref!r}")


def _with_mapping(ref: str) -> str:
    text = builtin_text("ukraine-2024")
    assert RESUMPTION in text
    return text.replace(RESUMPTION, f"{RESUMPTION}    mapping: {ref!r}\n")


def _attacks(secret: Path) -> list[str]:
    rel = os.path.relpath(secret / "secret.json", Path.cwd())
    return [
        str(secret / "secret.json"),  # an absolute path that exists
        str(secret / "missing.json"),  # ... and one that does not
        "../" * 12 + str(secret / "secret.json").lstrip("/"),  # climbing out with ../
        rel,  # relative to the server's working directory
        "/proc/self/environ",
        "/dev/zero",  # a device: an unbounded read
        str(secret / "huge.json"),  # 100 MB
        "/etc/passwd",
    ]


@pytest.mark.parametrize("kind", ["calibration", "mapping"])
@pytest.mark.parametrize("endpoint", ["/api/upload", "/api/forecast", "/api/simulate"])
def test_a_reference_to_a_server_file_is_refused_unread(
    client: TestClient, secret: Path, watch: list[str], kind: str, endpoint: str
) -> None:
    attacks = _attacks(secret)
    watch.extend(["secret.json", "missing.json", "huge.json", "environ", "/dev/zero", "passwd"])
    answers = set()
    for ref in attacks:
        text = _with_calibration(ref) if kind == "calibration" else _with_mapping(ref)
        if endpoint == "/api/upload":
            r = client.post("/api/upload", files={"file": ("x.yaml", text.encode(), "text/yaml")})
        else:
            body = {"scenario": {"text": text, "format": "yaml", "filename": "x.yaml"}}
            r = client.post(endpoint, json=body)
        assert 400 <= r.status_code < 500, (ref, r.status_code, r.text[:200])
        detail = r.json()["detail"]
        assert "\n" not in detail
        assert ref not in detail and "secret" not in detail
        answers.add((r.status_code, detail))
    # One answer for every path: it does not tell whether a file exists.
    assert len(answers) == 1, answers
    status, detail = answers.pop()
    assert status == 422
    field = "battlefield.calibration" if kind == "calibration" else "resumption.mapping"
    assert field in detail and "shipped with detente" in detail
    assert _opened == []


def test_the_packaged_calibration_is_still_accepted(client: TestClient) -> None:
    text = _with_calibration("ukraine-deepstate-2024")
    r = client.post("/api/upload", files={"file": ("x.yaml", text.encode(), "text/yaml")})
    assert r.status_code == 200, r.text


def test_validation_reads_no_file(secret: Path, watch: list[str]) -> None:
    """Parsing leaves the reference unresolved; nothing is opened until resolution, and
    using an unresolved campaign says so in one line."""
    watch.append("secret.json")
    sc = parse_yaml(_with_calibration(str(secret / "secret.json")))
    assert sc.campaign is not None and not sc.campaign.is_resolved
    assert _opened == []
    with pytest.raises(DetenteError, match="not resolved yet"):
        sc.campaign.arrays()


def test_a_hand_written_resolved_block_is_replaced(secret: Path) -> None:
    """Whatever a file writes under ``resolved`` is not trusted: resolution reads again."""
    sc = load_scenario("ukraine-2024")
    assert sc.campaign is not None and sc.campaign.battlefield is not None
    forged = sc.model_dump(mode="json")
    bf = forged["campaign"]["battlefield"]
    bf["calibration"] = str(secret / "secret.json")
    bf["resolved"]["calibration"] = bf["calibration"]
    from detente.scenario.validation import validate_scenario

    parsed = validate_scenario(forged)
    assert parsed.campaign is not None and parsed.campaign.is_resolved  # looks resolved...
    with pytest.raises(DetenteError, match="shipped with detente"):
        resolve_references(parsed, PACKAGED)  # ...but the web's resolution refuses it


def test_the_command_line_reads_a_calibration_file(tmp_path: Path) -> None:
    """A scenario file may name a calibration file; it is read once, size-capped."""
    from importlib import resources

    shipped = resources.files("detente.calibration").joinpath(
        "data", "ukraine-deepstate-2024.json"
    )
    (tmp_path / "mine.json").write_text(shipped.read_text("utf-8"), encoding="utf-8")
    scenario_file = tmp_path / "case.yaml"
    scenario_file.write_text(_with_calibration(str(tmp_path / "mine.json")), encoding="utf-8")
    sc = load_scenario(scenario_file)
    builtin = load_scenario("ukraine-2024")
    assert sc.campaign is not None and builtin.campaign is not None
    assert sc.campaign.gains["surge"]["summer"].mean.value == pytest.approx(
        builtin.campaign.gains["surge"]["summer"].mean.value
    )
    with pytest.raises(DetenteError, match="over the 1,000-byte limit"):
        resolve_references(sc, FileResolver(max_bytes=1000))
    scenario_file.write_text(_with_calibration(str(tmp_path / "nope.json")), encoding="utf-8")
    with pytest.raises(DetenteError, match="no calibration"):
        load_scenario(scenario_file)
