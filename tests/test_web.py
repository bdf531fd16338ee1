"""The web API with FastAPI's TestClient: forecasts, uploads, limits, what-ifs, assets."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from detente.cli.main import app as cli_app
from detente.models import MODELS
from detente.spec.campaign import Campaign
from detente.web.app import MAX_BODY_BYTES, create_app
from detente.web.schemas import MAX_UPLOAD_BYTES
from tests.conftest import TWO_ISSUES

BUILTIN = {"scenario": {"builtin": "ukraine-2024"}}
RUSSIA_TERRITORY_SALIENCE = "actors.Russia.stances.territory.salience"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def _outcomes(body: dict[str, object]) -> dict[tuple[str, str], float]:
    return {
        (f["model"], i["issue"]): i["outcome"]
        for f in body["forecasts"]  # type: ignore[attr-defined]
        for i in f["issues"]
    }


def test_builtin_scenarios_listed(client: TestClient) -> None:
    r = client.get("/api/scenarios")
    assert r.status_code == 200
    assert {"name": "ukraine-2024", "actors": 11, "issues": 5}.items() <= r.json()[0].items()


def test_forecast_of_a_builtin_matches_the_library(client: TestClient) -> None:
    from detente.scenario import load_scenario

    r = client.post("/api/forecast", json=BUILTIN)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [f["model"] for f in body["forecasts"]] == list(MODELS)
    sc = load_scenario("ukraine-2024")
    for name, model in MODELS.items():
        f = model().predict(sc)
        for issue in sc.issue_names:
            assert _outcomes(body)[(name, issue)] == pytest.approx(f.outcome(issue))
    bdm = next(f for f in body["forecasts"] if f["model"] == "bdm")
    assert bdm["issues"][0]["trajectory"]["rounds"] == 10
    assert body["scenario"]["notes"] > 30
    shares = [a["stances"]["territory"]["weight_share"] for a in body["scenario"]["actors"]]
    assert sum(shares) == pytest.approx(1.0)


def test_what_if_changes_the_forecast(client: TestClient) -> None:
    base = _outcomes(client.post("/api/forecast", json=BUILTIN).json())
    r = client.post(
        "/api/forecast",
        json={**BUILTIN, "overrides": [{"path": RUSSIA_TERRITORY_SALIENCE, "value": 5}]},
    )
    assert r.status_code == 200, r.text
    changed = _outcomes(r.json())
    assert changed[("compromise", "territory")] < base[("compromise", "territory")] - 1
    for other in ("sanctions_us", "sanctions_eu"):
        assert changed[("compromise", other)] == pytest.approx(base[("compromise", other)])
    russia = r.json()["scenario"]["actors"][0]
    assert russia["stances"]["territory"]["salience"] == 5
    assert r.json()["overrides"] == [{"path": RUSSIA_TERRITORY_SALIENCE, "value": 5.0}]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"path": RUSSIA_TERRITORY_SALIENCE, "value": 150}, "salience is on a 0-100 scale"),
        ({"path": "actors.Nobody.capability", "value": 1}, "actors has no 'Nobody'"),
        ({"path": "actors.Russia.name", "value": 1}, "only numbers can be overridden"),
    ],
)
def test_bad_what_if_is_422_one_line(
    client: TestClient, override: dict[str, object], message: str
) -> None:
    r = client.post("/api/forecast", json={**BUILTIN, "overrides": [override]})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and message in detail
    assert detail.startswith("what-if: ")


def test_upload_good_scenario(client: TestClient) -> None:
    r = client.post("/api/upload", files={"file": ("toy.yaml", TWO_ISSUES.encode(), "text/yaml")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scenario"]["name"] == "toy"
    assert _outcomes(body)[("compromise", "a")] == pytest.approx(17700 / 270)
    # the returned YAML is what the page sends back with its what-ifs
    again = client.post(
        "/api/forecast",
        json={
            "scenario": {"text": body["scenario_yaml"], "filename": "toy.yaml"},
            "overrides": [{"path": "actors.X.stances.a.position", "value": 20}],
        },
    )
    assert again.status_code == 200, again.text
    assert _outcomes(again.json())[("compromise", "a")] < 65


def test_upload_csv(client: TestClient) -> None:
    text = "Actor,Capability,Position,Salience\nA,1,0,50\nB,3,100,50\n"
    r = client.post("/api/upload", files={"file": ("case.csv", text.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert _outcomes(r.json())[("compromise", "issue")] == pytest.approx(75)


def test_bad_upload_gets_the_cli_one_line_message(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = TWO_ISSUES.replace("salience: 60", "salience: -1")
    r = client.post("/api/upload", files={"file": ("bad.yaml", bad.encode(), "text/yaml")})
    assert r.status_code == 422
    detail = r.json()["detail"]
    (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cli = CliRunner().invoke(cli_app, ["validate", "bad.yaml"])
    assert cli.exit_code == 2
    assert cli.stderr.strip() == f"error: {detail}"
    assert detail.startswith("bad.yaml: line ") and "salience: is -1" in detail


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.txt", b"name: x", "unknown file type '.txt'"),
        ("x.yaml", b"\xff\xfe bad", "is not UTF-8 text"),
        ("x.yaml", b"name: [unclosed", "not valid YAML"),
        ("../../etc/passwd.yaml", b"name: x\n", "passwd.yaml: "),
        ("x.yaml", b"a: &a [*a]\n", "an alias refers to the node that contains it"),
        (
            "x.csv",
            b'Actor,Capability,Position,Salience\n"' + b"a" * 200_000 + b'",1,1,1\n',
            "not a readable CSV",
        ),
    ],
)
def test_bad_uploads_are_4xx(client: TestClient, name: str, content: bytes, message: str) -> None:
    r = client.post("/api/upload", files={"file": (name, content, "application/octet-stream")})
    assert r.status_code == 422, r.text
    assert message in r.json()["detail"]
    assert "/etc/" not in r.json()["detail"]


def test_builtin_must_be_a_known_name(client: TestClient) -> None:
    for name in ("../../etc/passwd", "/etc/passwd", "README.md"):
        r = client.post("/api/forecast", json={"scenario": {"builtin": name}})
        assert r.status_code == 422
        assert "no such built-in scenario" in r.json()["detail"]


def test_request_validation_errors_are_one_line(client: TestClient) -> None:
    r = client.post("/api/forecast", json={"scenario": {}})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("request: scenario")
    r = client.post(
        "/api/forecast", content=b"not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and isinstance(r.json()["detail"], str)


def test_oversize_upload_is_413(client: TestClient) -> None:
    """(How fast: benchmarks/bench_checks.py.)"""
    big = b"#" * (MAX_BODY_BYTES + 10)
    r = client.post("/api/upload", files={"file": ("big.yaml", big, "text/yaml")})
    assert r.status_code == 413
    assert "limit" in r.json()["detail"] and "\n" not in r.json()["detail"]


def test_oversize_scenario_text_is_413(client: TestClient) -> None:
    text = "# " + "x" * (MAX_UPLOAD_BYTES + 10)
    r = client.post("/api/forecast", json={"scenario": {"text": text}})
    assert r.status_code == 413
    assert "1,000,000-byte limit" in r.json()["detail"]
    r = client.post("/api/upload", files={"file": ("big.yaml", text.encode(), "text/yaml")})
    assert r.status_code == 413


def test_chunked_oversize_body_is_413(client: TestClient) -> None:
    def chunks() -> object:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536

    r = client.post("/api/forecast", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_report_download(client: TestClient) -> None:
    r = client.post(
        "/api/report",
        json={**BUILTIN, "overrides": [{"path": RUSSIA_TERRITORY_SALIENCE, "value": 5}]},
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert 'filename="ukraine-2024-report.html"' in r.headers["content-disposition"]
    assert "what-if: was 95" in r.text


def test_page_and_plotly_are_served_locally(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    assert '<script src="/static/plotly.min.js"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert len(js.content) > 1_000_000 and b"plotly.js" in js.content[:2000]
    for name in ("app.js", "app.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/../pyproject.toml").status_code == 404
    assert client.get("/static/index.html").status_code == 404


def test_openapi_schema_is_published(client: TestClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["info"]["title"] == "detente"
    assert {"/api/forecast", "/api/upload", "/api/report", "/api/scenarios", "/api/advise"} <= set(
        schema["paths"]
    )
    assert "Override" in schema["components"]["schemas"]


def test_trusted_hosts_refuse_other_host_headers() -> None:
    guarded = TestClient(create_app(trusted_hosts=["127.0.0.1", "localhost"]))
    assert guarded.get("/api/health", headers={"host": "evil.example"}).status_code == 400
    assert guarded.get("/api/health", headers={"host": "127.0.0.1:8000"}).status_code == 200


RIPOSTE = "campaign.mediator.types.presses_russia.after.riposte_probability"


def test_simulate_the_campaign_with_a_riposte_what_if(client: TestClient) -> None:
    body: dict[str, object] = {"scenario": {"builtin": "ukraine-2024"}, "overrides": []}
    base = client.post("/api/simulate", json=body)
    assert base.status_code == 200, base.text
    doc = base.json()
    assert doc["paths"] == 1000 and doc["seed"] == 0 and doc["deadline"] == "2025-01-20"
    assert len(doc["weeks"]) == len(doc["p_deal_by"]) + 1
    week = doc["weeks"][-1]
    assert week["p05"] <= week["p25"] <= week["p50"] <= week["p75"] <= week["p95"]
    ps = [r["p"] for r in doc["p_deal_by"]]
    assert ps == sorted(ps) and ps[0] >= 0 and ps[-1] <= 1
    sliders = {s["path"]: s for s in doc["sliders"]}
    assert sliders[RIPOSTE]["value"] == 0.4
    again = client.post("/api/simulate", json=body).json()
    assert again["cached"] and again["headline"] == doc["headline"]
    body["overrides"] = [{"path": RIPOSTE, "value": 0.0}]
    changed = client.post("/api/simulate", json=body).json()
    assert not changed["cached"]
    assert {s["path"]: s["value"] for s in changed["sliders"]}[RIPOSTE] == 0.0
    assert changed["headline"] != doc["headline"]


def test_simulate_needs_a_campaign(client: TestClient) -> None:
    response = client.post(
        "/api/simulate", json={"scenario": {"text": TWO_ISSUES, "filename": "toy.yaml"}}
    )
    assert response.status_code == 422
    assert "has no campaign" in response.json()["detail"]
    bad = client.post(
        "/api/simulate",
        json={
            "scenario": {"builtin": "ukraine-2024"},
            "overrides": [{"path": RIPOSTE, "value": 2}],
        },
    )
    assert bad.status_code == 422 and "\n" not in bad.json()["detail"]


US = "US incoming administration (Trump)"
ADVISE = {**BUILTIN, "actor": US, "goal": "territory<=60"}


def test_advise_ranks_the_levers_like_the_cli(client: TestClient) -> None:
    import json

    r = client.post("/api/advise", json={**ADVISE, "draws": 0})
    assert r.status_code == 200, r.text
    body = r.json()
    cli = CliRunner().invoke(
        cli_app,
        ["advise", "ukraine-2024", "--actor", US, "--goal", "territory<=60", "--draws", "0",
         "--format", "json"],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.stdout)
    assert body["status"] == expected["status"] == "reached"
    assert body["best"] == expected["best"]
    assert body["best"]["method"] == "closed form"
    assert body["best"]["value"] == pytest.approx(60.0)
    assert body["options"] == expected["options"][: len(body["options"])]
    assert body["options_total"] == len(expected["options"])
    for key in ("schema_version", "scenario", "actor", "goal", "model", "baseline", "levers"):
        assert body[key] == expected[key], key
    costs = [o["cost"] for o in body["options"] if o["meets_goal"]]
    assert costs == sorted(costs) and costs


def test_advise_default_draws_give_p_reach(client: TestClient) -> None:
    r = client.post("/api/advise", json=ADVISE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["draws"] == 200 and body["seed"] == 0
    assert all(0 <= o["p_reach"] <= 1 for o in body["options"])
    again = client.post("/api/advise", json=ADVISE).json()
    assert again["options"] == body["options"]  # fixed seed: same answer


def test_advise_follows_the_what_ifs(client: TestClient) -> None:
    r = client.post(
        "/api/advise",
        json={**ADVISE, "draws": 0, "overrides": [{"path": RUSSIA_TERRITORY_SALIENCE, "value": 5}]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "already_met"


def test_forecast_lists_the_actors_with_levers(client: TestClient) -> None:
    body = client.post("/api/forecast", json=BUILTIN).json()
    assert US in body["scenario"]["lever_actors"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"goal": "territory=40"}, "is not METRIC<=NUMBER or METRIC>=NUMBER"),
        ({"goal": "territory<=400"}, "off the territory scale"),
        ({"goal": "nonsense<=1"}, "unknown metric 'nonsense'"),
        ({"actor": "Nobody"}, "unknown actor 'Nobody'"),
        ({"actor": "Ukraine"}, "has no levers"),
        ({"model": "nope"}, "nope"),
        ({"budget": -1}, "budget"),
        ({"draws": 201}, "draws"),
        ({"goal": ""}, "goal"),
    ],
)
def test_bad_advise_request_is_422_one_line(
    client: TestClient, change: dict[str, object], message: str
) -> None:
    r = client.post("/api/advise", json={**ADVISE, "draws": 0, **change})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert message in detail
    assert "\n" not in detail


def test_advise_with_a_budget_below_the_cheapest_option(client: TestClient) -> None:
    r = client.post("/api/advise", json={**ADVISE, "draws": 0, "budget": 1})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "unreachable" and body["closest"] is not None
    assert any("over the budget" in n for n in body["notes"])


# Regression tests for what benchmarks/load_web.py found (docs/robustness.md).


@pytest.fixture(scope="module")
def live_server() -> Iterator[str]:
    """The app under uvicorn on a free loopback port (TestClient has no sockets)."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = uvicorn.Config(
        create_app(trusted_hosts=["127.0.0.1"]), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_oversize_body_gets_413_not_a_connection_reset(live_server: str) -> None:
    # The 413 used to close the connection with the body unread: the kernel then resets it
    # and a client still sending never sees the answer (httpx: ReadError, 20 MB: every time).
    import httpx

    async def send_all() -> list[int]:
        statuses = []
        async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
            for size in (MAX_BODY_BYTES + 1, 20_000_000, 50_000_000):
                for path in ("/api/forecast", "/api/upload", "/api/forecast"):
                    r = await http.post(path, content=b"x" * size, headers={"content-type": "x/y"})
                    assert "limit" in r.json()["detail"]
                    statuses.append(r.status_code)
            statuses.append((await http.post("/api/forecast", json=BUILTIN)).status_code)
        return statuses

    assert asyncio.run(send_all()) == [413] * 9 + [200]


def test_oversize_413_keeps_the_connection_open(client: TestClient) -> None:
    r = client.post("/api/forecast", content=b"x" * (MAX_BODY_BYTES + 1))
    assert r.status_code == 413
    assert "close" not in r.headers.get("connection", "")


def _campaigns(n: int) -> list[Campaign]:
    from detente.scenario import load_scenario
    from detente.scenario.overrides import apply_overrides

    sc = load_scenario("ukraine-2024")
    out = []
    for k in range(n):
        changed = apply_overrides(sc, [(RIPOSTE, k / 10)])
        assert changed.campaign is not None
        out.append(changed.campaign)
    return out


class _FakeSolve:
    """Stands in for the solver: counts calls and the most running at once. With
    ``together=k`` a call waits (on a condition, not a clock) until k calls run at once or
    the last of ``total`` calls has started, so the overlap the test looks for happens
    however slow the machine is."""

    def __init__(self, seconds: float = 0.3, together: int = 1, total: int = 0) -> None:
        self.seconds = seconds
        self.together = together
        self.total = total
        self.calls = 0
        self.running = 0
        self.most = 0
        self.lock = threading.Condition()

    def __call__(self, arrays: object, deals: object = None) -> object:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
            self.lock.notify_all()
            self.lock.wait_for(
                lambda: self.running >= self.together or self.calls % max(self.total, 1) == 0,
                timeout=30,
            )
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
        return object()


def test_concurrent_requests_for_a_campaign_solve_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # 50 clients moving a slider to the same new value used to start 50 solves (37 MB each).
    from concurrent.futures import ThreadPoolExecutor

    from detente.web.app import SolutionCache

    fake = _FakeSolve()
    monkeypatch.setattr("detente.war.solver.solve", fake)
    cache = SolutionCache()
    (campaign,) = _campaigns(1)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(cache.get, [campaign] * 8))
    assert fake.calls == 1
    assert len({id(solution) for solution, _ in results}) == 1
    assert sorted(cached for _, cached in results) == [False] + [True] * 7

    async def burst() -> list[tuple[object, bool]]:
        fresh = SolutionCache()
        return await asyncio.gather(*(fresh.aget(campaign) for _ in range(20)))

    results = asyncio.run(burst())
    assert fake.calls == 2  # one more solve for the second cache, not 20
    assert sorted(cached for _, cached in results) == [False] + [True] * 19


def test_at_most_two_campaigns_are_solved_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from detente.web.app import SOLVE_CONCURRENCY, SolutionCache

    fake = _FakeSolve(0.2, together=SOLVE_CONCURRENCY, total=5)
    monkeypatch.setattr("detente.war.solver.solve", fake)
    campaigns = _campaigns(5)
    with ThreadPoolExecutor(5) as pool:
        list(pool.map(SolutionCache().get, campaigns))
    assert fake.calls == 5 and fake.most == SOLVE_CONCURRENCY == 2

    async def burst() -> None:
        cache = SolutionCache()
        await asyncio.gather(*(cache.aget(c) for c in campaigns))

    fake.most = 0
    asyncio.run(burst())
    assert fake.calls == 10 and fake.most == 2


def test_simulate_waits_for_a_campaign_being_solved(client: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    body = {**BUILTIN, "overrides": [{"path": RIPOSTE, "value": 0.35}]}
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: client.post("/api/simulate", json=body), range(3)))
    assert [a.status_code for a in answers] == [200] * 3
    assert len({a.json()["headline"]["p_escalation"] for a in answers}) == 1


def test_upload_is_parsed_off_the_event_loop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The upload endpoint is async; it used to parse and forecast on the event loop, which
    # stalled every other request (quick 4xx included) for the time of a forecast.
    import detente.web.convert as convert

    loops: list[bool] = []
    parse = convert.scenario_from_text

    def spy(text: str, *, fmt: str, label: str) -> object:
        try:
            asyncio.get_running_loop()
            loops.append(True)
        except RuntimeError:
            loops.append(False)
        return parse(text, fmt=fmt, label=label)

    monkeypatch.setattr(convert, "scenario_from_text", spy)
    text = TWO_ISSUES + "\n# not uploaded before: the memo does not answer it\n"
    r = client.post("/api/upload", files={"file": ("toy.yaml", text.encode(), "text/yaml")})
    assert r.status_code == 200, r.text
    assert loops == [False]


def test_builtin_and_uploaded_text_are_parsed_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading ukraine-2024's YAML took ten times a forecast of every model, on every request.
    import detente.web.loading as loading

    reads: list[str] = []
    load, parse = loading.load_scenario, loading.scenario_from_text

    def counting_load(name: str) -> object:
        reads.append(name)
        return load(name)

    def counting_parse(text: str, *, fmt: str, label: str) -> object:
        reads.append(label)
        return parse(text, fmt=fmt, label=label)

    monkeypatch.setattr(loading, "load_scenario", counting_load)
    monkeypatch.setattr(loading, "scenario_from_text", counting_parse)
    loading.builtin_scenario.cache_clear()
    what_if = [{"path": RUSSIA_TERRITORY_SALIENCE, "value": 50}]
    text = {"text": TWO_ISSUES + "# parsed once\n", "filename": "once.yaml"}
    for _ in range(3):
        assert client.post("/api/forecast", json=BUILTIN).status_code == 200
        r = client.post("/api/forecast", json={**BUILTIN, "overrides": what_if})
        assert r.json()["scenario"]["actors"][0]["stances"]["territory"]["salience"] == 50
        assert client.post("/api/forecast", json={"scenario": text}).status_code == 200
    assert sorted(reads) == ["once.yaml", "ukraine-2024"]
    # the cached scenario is not changed by what-ifs
    base = client.post("/api/forecast", json=BUILTIN).json()
    assert base["scenario"]["actors"][0]["stances"]["territory"]["salience"] == 95
    bad = {"text": TWO_ISSUES.replace("salience: 60", "salience: -1"), "filename": "bad.yaml"}
    for _ in range(2):  # errors are not cached: the same message each time
        assert client.post("/api/forecast", json={"scenario": bad}).status_code == 422


@pytest.mark.parametrize(
    "path", ["/", "/static/app.js", "/static/app.css", "/static/plotly.min.js", "/api/health"]
)
def test_page_assets_and_health_need_no_worker_thread(path: str) -> None:
    # Under load the page's script took 20 s: a file response reads its 3.5 MB through worker
    # threads, one 64 KB chunk at a time, each waiting for a thread busy with forecasts.
    import inspect

    from fastapi.routing import APIRoute

    routes = {r.path: r for r in create_app().routes if isinstance(r, APIRoute)}
    assert inspect.iscoroutinefunction(routes[path].endpoint)


def test_static_files_take_no_query_parameters(client: TestClient) -> None:
    # The static routes once took name and media_type as query parameters: any file of the
    # package (or beyond, with ../) came back as text.
    r = client.get("/static/app.js", params={"name": "../loading.py", "media_type": "text/plain"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "Scenarios from a request" not in r.text
    r = client.get("/static/app.css", params={"name": "../../../../../../etc/hostname"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")


def test_the_web_app_solves_through_the_war_models_solver(client: TestClient) -> None:
    from detente.scenario import load_scenario
    from detente.war.model import SOLVER

    campaign = load_scenario("ukraine-2024").campaign
    assert campaign is not None and SOLVER.cached(campaign) is None
    assert client.post("/api/simulate", json=BUILTIN).status_code == 200
    assert SOLVER.cached(campaign) is not None  # the report and advise now reuse it


def test_stance_sliders_end_where_validation_does(client: TestClient) -> None:
    body = client.post("/api/forecast", json=BUILTIN).json()
    issues = {i["name"]: i for i in body["scenario"]["issues"]}
    for actor in body["scenario"]["actors"]:
        for issue, stance in actor["stances"].items():
            assert stance["position_range"] == list(issues[issue]["scale"])
            assert stance["salience_range"] == [0.0, 100.0]
    # a value at the slider's end is accepted, one past it refused with one line
    at_end = {**BUILTIN, "overrides": [{"path": RUSSIA_TERRITORY_SALIENCE, "value": 100.0}]}
    assert client.post("/api/forecast", json=at_end).status_code == 200
    past = {**BUILTIN, "overrides": [{"path": RUSSIA_TERRITORY_SALIENCE, "value": 100.5}]}
    r = client.post("/api/forecast", json=past)
    assert r.status_code == 422 and "0-100" in r.json()["detail"]


def test_advise_names_the_cost_unit(client: TestClient) -> None:
    """The costs' unit comes from the scenario's ``lever_cost_unit`` (DECISIONS LEV-4);
    a scenario that names none gets "cost points"."""
    from detente.scenario.io import parse_yaml, to_yaml
    from detente.web.loading import builtin_scenario

    body = client.post("/api/advise", json={**ADVISE, "draws": 0}).json()
    assert body["cost_unit"].startswith("points of political capital")
    text = to_yaml(builtin_scenario("ukraine-2024")).replace("lever_cost_unit:", "#")
    assert "lever_cost_unit" not in text
    assert parse_yaml(text, source="x.yaml").lever_cost_unit == "cost points"
    plain = client.post(
        "/api/advise",
        json={"scenario": {"text": text, "filename": "x.yaml"}, "actor": US,
              "goal": "territory<=60", "draws": 0},
    )  # fmt: skip
    assert plain.status_code == 200, plain.text
    assert plain.json()["cost_unit"] == "cost points"


def test_campaign_sliders_explain_themselves(client: TestClient) -> None:
    body = {"scenario": {"builtin": "ukraine-2024"}, "overrides": []}
    doc = client.post("/api/simulate", json=body).json()
    for s in doc["sliders"]:
        kind = s["path"].split(".")[3]
        assert kind in s["description"] and "0 = never" in s["description"], s
    riposte = {s["path"]: s["description"] for s in doc["sliders"]}[RIPOSTE]
    assert "riposte" in riposte and "surge" in riposte


def test_page_knows_the_cli_paths() -> None:
    """The page's note on Monte Carlo error compares its paths with ``detente simulate``'s
    default (DECISIONS WEB-4): the number in app.js is the CLI's."""
    import inspect
    import re

    from detente.cli.simulate import simulate_command
    from detente.web.convert import SIMULATE_PATHS

    js = Path(__file__).resolve().parents[1] / "src" / "detente" / "web" / "static" / "app.js"
    match = re.search(r"const CLI_PATHS = (\d+);", js.read_text(encoding="utf-8"))
    assert match
    default = inspect.signature(simulate_command).parameters["draws"].default
    assert int(match.group(1)) == default == 10_000
    assert default > SIMULATE_PATHS  # otherwise the page's note would be moot


# Exports (DECISIONS WEB-8..10) -----------------------------------------------------------


def test_export_forecast_csv_and_json_match_the_forecast(client: TestClient) -> None:
    import csv
    import io

    from detente.web.exports import FORECAST_COLUMNS

    body = {**BUILTIN, "overrides": [{"path": RUSSIA_TERRITORY_SALIENCE, "value": 5}]}
    outcomes = _outcomes(client.post("/api/forecast", json=body).json())
    r = client.post("/api/export/forecast?format=csv", json=body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="ukraine-2024-forecast.csv"'
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert tuple(rows[0]) == FORECAST_COLUMNS
    assert len(rows) == len(MODELS) * 5
    for row in rows:
        assert float(row["outcome"]) == pytest.approx(outcomes[(row["model"], row["issue"])])
    territory = next(r for r in rows if r["issue"] == "territory")
    assert float(territory["status_quo"]) == 81.0
    j = client.post("/api/export/forecast?format=json", json=body)
    assert j.status_code == 200 and j.headers["content-type"] == "application/json"
    assert j.headers["content-disposition"].endswith('forecast.json"')
    doc = j.json()
    assert doc["overrides"] == [{"path": RUSSIA_TERRITORY_SALIENCE, "value": 5.0}]
    assert [(x["model"], x["issue"]) for x in doc["rows"]] == [
        (x["model"], x["issue"]) for x in rows
    ]


@pytest.mark.parametrize("route", ["forecast", "draws"])
def test_export_bad_format_is_422_one_line(client: TestClient, route: str) -> None:
    r = client.post(f"/api/export/{route}?format=xlsx", json=BUILTIN)
    assert r.status_code == 422
    assert r.json() == {"detail": "request: query.format: Input should be 'csv' or 'json'"}


def test_export_draws_are_seeded_and_spread_by_default(client: TestClient) -> None:
    import csv
    import io

    body = {**BUILTIN, "draws": 30, "seed": 7}
    r = client.post("/api/export/draws?format=csv", json=body)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="ukraine-2024-draws.csv"'
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert tuple(rows[0]) == ("model", "issue", "draw", "value")
    assert len(rows) == 30 * len(MODELS) * 5
    compromise = [float(x["value"]) for x in rows if x["model"] == "compromise"
                  and x["issue"] == "territory"]  # fmt: skip
    assert len(set(compromise)) > 20  # the default spread varies the inputs: draws differ
    doc = client.post("/api/export/draws?format=json", json=body).json()
    assert doc["default_spread"] is True and doc["draws"] == 30 and doc["seed"] == 7
    series = {(s["model"], s["issue"]): s["values"] for s in doc["series"]}
    assert series[("compromise", "territory")] == pytest.approx(compromise)
    again = client.post("/api/export/draws?format=json", json={**body, "seed": 8}).json()
    assert again["series"][0]["values"] != doc["series"][0]["values"]


@pytest.mark.parametrize("draws", [0, 2001])
def test_export_draws_are_bounded(client: TestClient, draws: int) -> None:
    from detente.web.schemas import EXPORT_MAX_DRAWS

    assert EXPORT_MAX_DRAWS == 2000
    r = client.post("/api/export/draws?format=csv", json={**BUILTIN, "draws": draws})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("request: draws: Input should be")
    assert "\n" not in r.json()["detail"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["DrawsRequest"]
    assert schema["properties"]["draws"]["maximum"] == EXPORT_MAX_DRAWS


def test_export_edited_scenario_loads_back_with_the_override(
    client: TestClient, tmp_path: Path
) -> None:
    from detente.scenario import load_scenario

    body = {**BUILTIN, "overrides": [{"path": RUSSIA_TERRITORY_SALIENCE, "value": 5}]}
    r = client.post("/api/export/scenario", json=body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/yaml")
    assert r.headers["content-disposition"] == 'attachment; filename="ukraine-2024-edited.yaml"'
    path = tmp_path / "ukraine-2024-edited.yaml"
    path.write_text(r.text, encoding="utf-8")

    def salience(sc: object, issue: str) -> float:
        russia = next(a for a in sc.actors if a.name == "Russia")  # type: ignore[attr-defined]
        return float(russia.stances[issue].salience.value)

    sc = load_scenario(path)
    original = load_scenario("ukraine-2024")
    assert salience(original, "territory") != 5 and salience(sc, "territory") == 5
    assert salience(sc, "sanctions_us") == salience(original, "sanctions_us")
    assert len(sc.actors) == len(original.actors) and sc.campaign == original.campaign
    result = CliRunner().invoke(cli_app, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_export_of_an_upload_and_a_bad_what_if(client: TestClient) -> None:
    text = {"scenario": {"text": TWO_ISSUES, "format": "yaml", "filename": "toy.yaml"}}
    r = client.post("/api/export/scenario", json=text)
    assert r.status_code == 200, r.text
    bad = client.post(
        "/api/export/forecast?format=csv",
        json={**BUILTIN, "overrides": [{"path": "actors.Nobody.capability", "value": 1}]},
    )
    assert bad.status_code == 422 and "\n" not in bad.json()["detail"]


def test_a_repeated_request_is_answered_from_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    from detente.web.compute import forecast_job

    calls: list[bytes] = []

    def counted(body: bytes) -> bytes:
        calls.append(body)
        return forecast_job(body)

    monkeypatch.setattr("detente.web.app.forecast_job", counted)
    client = TestClient(create_app())  # no lifespan: the jobs run in threads, countable
    what_if = {"path": "actors.Russia.stances.territory.salience", "value": 61.5}
    body = {"scenario": {"builtin": "ukraine-2024"}, "overrides": [what_if]}
    first, again = client.post("/api/forecast", json=body), client.post("/api/forecast", json=body)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and len(calls) == 1
    other = {**body, "overrides": [{**what_if, "value": 61.25}]}
    assert client.post("/api/forecast", json=other).status_code == 200
    assert len(calls) == 2
    bad = {**body, "overrides": [{**what_if, "value": -3}]}  # errors are not kept
    assert client.post("/api/forecast", json=bad).status_code == 422
    assert client.post("/api/forecast", json=bad).status_code == 422
    assert len(calls) == 4


def test_scenario_text_over_the_limit_in_bytes_not_characters_is_413(client: TestClient) -> None:
    # 250,001 four-byte characters: under the limit in characters, over it in UTF-8 bytes
    import json

    text = "# " + "\U0001f600" * 250_001
    body = json.dumps({"scenario": {"text": text, "filename": "e.yaml"}}, ensure_ascii=False)
    headers = {"content-type": "application/json"}
    r = client.post("/api/forecast", content=body.encode(), headers=headers)
    assert r.status_code == 413
    assert r.json()["detail"] == (
        "e.yaml: the scenario is 1,000,006 bytes, over the web app's 1,000,000-byte limit; "
        "trim it or use the command line"
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/health", None, 200),
        ("POST", "/api/forecast", b"not json", 422),
        ("POST", "/api/forecast", b"x" * (MAX_BODY_BYTES + 1), 413),
    ],
)
def test_every_answer_has_the_security_headers(
    client: TestClient, method: str, path: str, body: bytes | None, status: int
) -> None:
    headers = {"content-type": "application/json"}
    r = client.request(method, path, content=body, headers=headers)
    assert r.status_code == status
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    assert r.headers["referrer-policy"] == "no-referrer"


def test_the_answer_memo_is_bounded_by_count_and_bytes() -> None:
    from detente.web.memo import Memo, content_key

    memo: Memo[bytes] = Memo(size=3, max_bytes=10)
    memo.put("a", b"12345")
    memo.put("b", b"12345")
    memo.put("c", b"1")  # 11 bytes: the least recently used goes
    assert memo.get("a") is None and memo.get("b") == b"12345" and len(memo) == 2
    for key in "def":
        memo.put(key, b"1")
    assert len(memo) == 3 and memo.get("b") is None and memo.get("f") == b"1"
    assert content_key("ab", "c") != content_key("a", "bc")  # parts are delimited
    assert content_key(b"x") == content_key("x")
