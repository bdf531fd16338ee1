"""The web app's war-model solves run in worker processes while it runs (DECISIONS WEB-3).

No timing limits: which process solved is read from the workers' pids, and "a quick request
is answered while a solve is pending" from the order of events (the solve is held until the
quick requests have been answered).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from detente.scenario import load_scenario
from detente.scenario.overrides import apply_overrides
from detente.spec.campaign import Campaign
from detente.war.model import SOLVER, solve_campaign
from detente.web.app import SolverProcesses, create_app
from detente.web.loading import scenario_of_request

RIPOSTE = "campaign.mediator.types.presses_russia.after.riposte_probability"


def _body(riposte: float) -> dict[str, object]:
    return {
        "scenario": {"builtin": "ukraine-2024"},
        "overrides": [{"path": RIPOSTE, "value": riposte}],
    }


def _campaign(riposte: float) -> Campaign:
    changed = apply_overrides(load_scenario("ukraine-2024"), [(RIPOSTE, riposte)])
    assert changed.campaign is not None
    return changed.campaign


@pytest.fixture()
def served() -> Iterator[tuple[TestClient, SolverProcesses]]:
    """The app with its lifespan running (its worker processes up)."""
    app = create_app()
    with TestClient(app) as client:
        yield client, app.state.solver_processes
    assert SOLVER.runner is None  # the lifespan's end hands solves back to the caller


def test_a_solve_runs_in_a_worker_process_and_matches_the_in_process_solve(
    served: tuple[TestClient, SolverProcesses],
) -> None:
    client, processes = served
    assert SOLVER.runner == processes.solve
    riposte = 0.3171  # a campaign no other test has solved
    answer = client.post("/api/simulate", json=_body(riposte))
    assert answer.status_code == 200, answer.text
    assert answer.json()["cached"] is False
    assert processes.pids and os.getpid() not in processes.pids
    from_worker = SOLVER.cached(_campaign(riposte))
    assert from_worker is not None
    here = solve_campaign(_campaign(riposte))
    for name in ("intensity", "posture", "proposal", "proposal_accept", "value"):
        np.testing.assert_array_equal(getattr(from_worker, name), getattr(here, name))


def test_quick_requests_are_answered_while_a_solve_is_pending(
    served: tuple[TestClient, SolverProcesses],
) -> None:
    client, processes = served
    started, release = threading.Event(), threading.Event()
    order: list[str] = []
    in_worker = processes.solve

    def held(campaign: Campaign) -> object:
        started.set()
        assert release.wait(120)
        order.append("solve released")
        return in_worker(campaign)

    SOLVER.runner = held  # type: ignore[assignment]
    answers: list[Response] = []
    slow = threading.Thread(
        target=lambda: answers.append(client.post("/api/simulate", json=_body(0.3173)))
    )
    slow.start()
    try:
        assert started.wait(120)
        quick: list[Callable[[], Response]] = [
            lambda: client.get("/api/health"),
            lambda: client.get("/api/scenarios"),
            lambda: client.post("/api/forecast", json={"scenario": {"builtin": "ukraine-2024"}}),
            lambda: client.post("/api/forecast", json={"scenario": {"builtin": "nope"}}),
        ]
        statuses = [ask().status_code for ask in quick]
        order.append("quick answered")
        assert statuses == [200, 200, 200, 422]
        assert not answers  # the simulate is still waiting for its solve
    finally:
        release.set()
        slow.join(300)
        SOLVER.runner = in_worker
    assert order == ["quick answered", "solve released"]
    assert [a.status_code for a in answers] == [200]
    assert os.getpid() not in processes.pids


def test_a_killed_worker_costs_one_solve_in_process_not_an_error(
    served: tuple[TestClient, SolverProcesses],
) -> None:
    client, processes = served
    pool = processes._pool
    assert pool is not None
    victim = pool.submit(os.getpid).result()
    os.kill(victim, signal.SIGKILL)
    answer = client.post("/api/simulate", json=_body(0.3177))
    assert answer.status_code == 200, answer.text
    assert processes._pool is not None and processes._pool is not pool  # a new pool
    again = client.post("/api/simulate", json=_body(0.3179))
    assert again.status_code == 200, again.text
    assert os.getpid() not in processes.pids and victim not in processes.pids


US = "US incoming administration (Trump)"


def test_forecasts_uploads_and_rankings_run_in_compute_processes_with_the_in_process_answer(
    served: tuple[TestClient, SolverProcesses],
) -> None:
    from detente.scenario import to_yaml
    from detente.web.compute import ComputeProcesses
    from detente.web.convert import advise_response, forecast_response, upload_response
    from detente.web.schemas import AdviseRequest, ForecastRequest

    client, _ = served
    compute = client.app.state.compute_processes  # type: ignore[attr-defined]
    assert isinstance(compute, ComputeProcesses) and compute.running
    what_if = {"path": "actors.China.capability", "value": 0.1234}
    body = {"scenario": {"builtin": "ukraine-2024"}, "overrides": [what_if]}
    r = client.post("/api/forecast", json=body)
    assert r.status_code == 200, r.text
    request = ForecastRequest.model_validate(body)
    here = forecast_response(scenario_of_request(request), request.overrides)
    assert r.json() == here.model_dump(mode="json")

    ranking = {
        "scenario": {"builtin": "ukraine-2024"},
        "actor": US,
        "goal": "territory<=37",
        "model": "nash",
        "draws": 20,
    }
    r = client.post("/api/advise", json=ranking)
    assert r.status_code == 200, r.text
    advise_request = AdviseRequest.model_validate(ranking)
    expected = advise_response(scenario_of_request(advise_request), advise_request)
    assert r.json() == expected.model_dump(mode="json")

    raw = to_yaml(load_scenario("ukraine-2024")).encode()
    r = client.post("/api/upload", files={"file": ("mine.yaml", raw, "application/x-yaml")})
    assert r.status_code == 200, r.text
    assert r.json() == upload_response(raw, label="mine.yaml", fmt="yaml").model_dump(mode="json")

    bad = {"scenario": {"builtin": "ukraine-2024"}, "overrides": [{**what_if, "value": -1}]}
    r = client.post("/api/forecast", json=bad)  # the worker's error, one line, 422
    assert r.status_code == 422 and "\n" not in r.json()["detail"]
    assert "capability: is -1" in r.json()["detail"]
    assert compute.pids and os.getpid() not in compute.pids


def test_an_actor_what_if_reuses_the_campaign_s_simulation(
    served: tuple[TestClient, SolverProcesses],
) -> None:
    client, _ = served
    first = client.post("/api/simulate", json=_body(0.3181))
    assert first.status_code == 200, first.text
    changed = _body(0.3181)
    changed["overrides"] = [  # type: ignore[index]
        *changed["overrides"],  # type: ignore[misc]
        {"path": "actors.Russia.stances.territory.salience", "value": 12.5},
    ]
    again = client.post("/api/simulate", json=changed)
    assert again.status_code == 200, again.text
    assert first.json()["cached"] is False and again.json()["cached"] is True
    assert {**again.json(), "cached": False} == first.json()
    bad = _body(0.3181)
    bad["overrides"] = [{"path": "actors.Nobody.capability", "value": 1}]
    r = client.post("/api/simulate", json=bad)
    assert r.status_code == 422 and "Nobody" in r.json()["detail"]
