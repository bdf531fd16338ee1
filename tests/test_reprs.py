"""Displays (DECISIONS DESK-1, DESK-4): every user-facing object prints in a few hundred
characters with its key facts, shows as an HTML table in a notebook, and long calls draw no
progress bar where nobody watches."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from detente.models import Compromise, get_model
from detente.progress import interactive, progress_bar
from detente.scenario import Scenario, load_scenario
from detente.spec.display import MAX_REPR
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import with_default_spread
from detente.uncertainty.sensitivity import sensitivity
from detente.uncertainty.stability import stability_bands
from detente.uncertainty.sweep import sweep


@pytest.fixture(scope="module")
def ukraine() -> Scenario:
    return load_scenario("ukraine-2024")


def _check(obj: Any, *facts: str) -> None:
    text, html = repr(obj), obj._repr_html_()
    assert len(text) <= MAX_REPR, (len(text), text)
    for fact in facts:
        assert fact in text, (fact, text)
        for part in fact.split(": "):  # str() aligns "label  value" in columns
            assert part.strip() in str(obj), (part, str(obj))
    assert html.startswith("<table") and html.endswith("</table>")
    assert "\n" not in text


def test_scenario(ukraine: Scenario) -> None:
    _check(ukraine, "ukraine-2024", "11 actors", "5 issues", "territory [0, 100]", "campaign: yes")
    assert "Russia-Ukraine peace deal" in repr(ukraine)
    assert "&lt;" not in ukraine._repr_html_() or "<" in ukraine.title


def test_html_escapes(ukraine: Scenario) -> None:
    odd = ukraine.model_copy(update={"title": "<script>x</script>"})
    assert "<script>" not in odd._repr_html_() and "&lt;script&gt;" in odd._repr_html_()


def test_forecast(ukraine: Scenario) -> None:
    forecast = get_model("bdm").predict(ukraine)
    _check(forecast, "'bdm'", "territory: ", "flagged")
    _check(forecast["territory"], "'territory'", "outcome: ", "rounds: ")
    assert "array(" not in repr(forecast["territory"])


def test_sweep_sensitivity_and_bands(ukraine: Scenario) -> None:
    spread = with_default_spread(ukraine)
    result = sweep(spread, OutcomeModels(spread, [Compromise()]), 20, seed=0, progress=False)
    _check(result, "SweepResult", "draws: 20", "compromise / territory")
    sens = sensitivity(ukraine, OutcomeModels(ukraine, [Compromise()]), n=8, progress=False)
    _check(sens, "SensitivityResult", "compromise / territory", "ST ")
    _check(sens.design, "SobolDesign", "n: 8")
    bands = stability_bands(ukraine, [Compromise()], draws=20)
    _check(bands, "Bands", "draws: 20")


def test_war_run(ukraine: Scenario) -> None:
    from detente.war.model import WarModel

    run = WarModel(paths=30).run(ukraine, seed=1, progress=False)
    _check(run, "WarRun", "paths: 30", "p_deal_by_end")


def test_durability_and_evaluation_objects() -> None:
    from detente.durability.evaluate import CrossValidation
    from detente.durability.hazard import DurabilityForecast

    forecast = DurabilityForecast(
        deal={"guarantees": 1.0}, covariates={}, model="cox", horizons=(1.0, 5.0),
        p_holds=np.array([0.9, 0.7]), lower=np.array([0.8, 0.5]), upper=np.array([0.95, 0.8]),
        level=0.9, n_draws=100, seed=0, best=None,
    )  # fmt: skip
    _check(forecast, "'cox'", "P(holds 5 y): 0.7 (0.5 to 0.8)")
    cv = CrossValidation(
        np.array([0.6, 0.7]), np.zeros((2, 1)), (1.0,), [np.array([0]), np.array([1])]
    )
    _check(cv, "folds: 2", "c_index: 0.65")


def test_ledger() -> None:
    from detente.ledger.store import Ledger

    with Ledger(":memory:") as ledger:
        ledger.append([("grade", "q1", {"question_id": "q1", "outcome": 1, "scores": []})])
        _check(ledger, "Ledger", "grade entries: 1 on 1 questions")


def test_progress_is_silent_when_nobody_watches(
    ukraine: Scenario, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DETENTE_PROGRESS", raising=False)
    assert not sys.stderr.isatty()  # pytest captures stderr
    assert not interactive()
    spread = with_default_spread(ukraine)
    sweep(spread, OutcomeModels(spread, [Compromise()]), 40, seed=0, chunk_size=10)
    assert capsys.readouterr().err == ""


def test_progress_draws_when_forced(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("DETENTE_PROGRESS", "1")
    with progress_bar("sweep") as tick:
        assert tick is not None
        tick(1, 4)
        tick(4, 4)
    assert "sweep" in capsys.readouterr().err
    monkeypatch.setenv("DETENTE_PROGRESS", "0")
    with progress_bar("sweep") as tick:
        assert tick is None
