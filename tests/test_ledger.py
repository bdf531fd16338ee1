"""The forecast ledger (issue 15 §2, docs/ledger.md): sealing, the hash chain against
tampering and removal, the standalone verifier of an export, grading by hand-computed scores,
one-line errors for bad outcome rows, SIGKILL mid-seal, and ``simulate --seal``."""

from __future__ import annotations

import hashlib
import json
import math
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from benchmarks.crash_ledger import seal_loop
from typer.testing import CliRunner

from detente.cli.main import app
from detente.errors import DetenteError
from detente.ledger import Forecast, Forecaster, Quantile, Question, Sealed
from detente.ledger.entry import canonical_json, entry_hash
from detente.ledger.store import Ledger

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _binary(qid: str = "q1", p: float = 0.3, who: str = "detente") -> Sealed:
    return Sealed(
        question=Question(id=qid, kind="binary", text="A deal is in force by 2100-01-01",
                          criteria="public reporting", resolves_on=date(2100, 1, 1)),
        forecast=Forecast(p=p),
        forecaster=Forecaster(name=who, source=None if who == "detente" else "https://x, 2099"),
        scenario_hash="ab" * 32, detente_version="0.1.0", seed=0,
    )  # fmt: skip


def _numeric(forecast: Forecast, who: str = "detente") -> Sealed:
    return Sealed(
        question=Question(id="a1", kind="numeric", text="Area held on 2100-01-01, km²",
                          criteria="DeepState", resolves_on=date(2100, 1, 1), unit="km²"),
        forecast=forecast,
        forecaster=Forecaster(name=who, source=None if who == "detente" else "a crowd, 2099"),
        detente_version="0.1.0",
    )  # fmt: skip


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A ledger file with three forecasts."""
    path = tmp_path / "ledger.duckdb"
    with Ledger(path) as ledger:
        ledger.seal([_binary()])
        ledger.seal([_binary(p=0.5, who="metaculus")])
        ledger.seal([_numeric(Forecast(samples=(1.0, 4.0, 6.0)))])
    return path


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_canonical_form_and_hash() -> None:
    text = canonical_json({"b": 1.0, "a": "km²", "c": [1e-05, 0.25, 20000.0, 3]})
    assert text == '{"a":"km²","b":1.0,"c":[1e-05,0.25,20000.0,3]}'
    assert entry_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    with pytest.raises(ValueError):
        canonical_json({"x": math.nan})


def test_seal_then_verify(book: Path) -> None:
    with Ledger(book) as ledger:
        n, head = ledger.verify()
        entries = list(ledger.entries())
    assert n == 3 and head == entries[-1].hash
    assert entries[0].data["prev"] == "0" * 64
    assert [e.data["prev"] for e in entries[1:]] == [e.hash for e in entries[:-1]]
    code, output = _cli("ledger", "verify", "--ledger", str(book))
    assert code == 0 and f"ok: 3 entries, every hash and the chain check out; head {head}" in output


def test_an_altered_entry_is_named(book: Path) -> None:
    con = duckdb.connect(str(book))
    con.execute("UPDATE ledger SET body = replace(body, '\"p\":0.5', '\"p\":0.9') WHERE seq = 2")
    con.close()
    code, output = _cli("ledger", "verify", "--ledger", str(book))
    assert code == 2
    assert output.strip().endswith("entry 2: its hash does not match its content; the entry "
                                   "was altered")  # fmt: skip


def test_an_altered_entry_with_its_hash_recomputed_breaks_the_chain(book: Path) -> None:
    con = duckdb.connect(str(book))
    body = str(con.execute("SELECT body FROM ledger WHERE seq = 2").fetchone()[0])  # type: ignore[index]
    forged = body.replace('"p":0.5', '"p":0.9')
    con.execute("UPDATE ledger SET body = ?, hash = ? WHERE seq = 2", [forged, entry_hash(forged)])
    con.close()
    with Ledger(book) as ledger, pytest.raises(DetenteError, match="entry 3: its 'prev' is not"):
        ledger.verify()


def test_a_moved_question_id_column_is_caught(book: Path) -> None:
    con = duckdb.connect(str(book))
    con.execute("UPDATE ledger SET question_id = 'q9' WHERE seq = 1")
    con.close()
    with Ledger(book) as ledger, pytest.raises(DetenteError, match="entry 1: its type or question"):
        ledger.verify()


def test_a_removed_entry_breaks_the_chain(book: Path) -> None:
    con = duckdb.connect(str(book))
    con.execute("DELETE FROM ledger WHERE seq = 2")
    con.close()
    code, output = _cli("ledger", "verify", "--ledger", str(book))
    assert code == 2 and "entry 3: expected entry 2 here; the chain is broken" in output
    assert len(output.strip().splitlines()) == 1


def _snippet() -> str:
    text = (ROOT / "docs" / "ledger.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- verify-snippet -->\n```python\n(.*?)```", text, re.S)
    assert found is not None
    return found.group(1)


def test_the_standalone_snippet_verifies_an_export(book: Path, tmp_path: Path) -> None:
    script = tmp_path / "verify_ledger.py"
    script.write_text(_snippet(), encoding="utf-8")
    assert len(_snippet().strip().splitlines()) <= 14
    export = tmp_path / "ledger.jsonl"
    code, output = _cli("ledger", "export", str(export), "--ledger", str(book))
    assert code == 0 and "wrote 3 entries" in output
    with Ledger(book) as ledger:
        _, head = ledger.verify()
    run = subprocess.run([sys.executable, "-I", str(script), str(export)], capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert run.returncode == 0 and run.stdout.strip() == f"ok: 3 entries, head {head}"
    lines = export.read_text(encoding="utf-8").splitlines()
    for i, broken, message in [
        (1, lines[1].replace("0.5", "0.6"), "entry 2: hash does not match its content"),
        (1, None, "entry 2: chain broken"),
    ]:
        kept = [*lines[:i], *([broken] if broken else []), *lines[i + 1 :]]
        export.write_text("\n".join(kept) + "\n", encoding="utf-8")
        run = subprocess.run([sys.executable, "-I", str(script), str(export)],
                             capture_output=True, text=True, check=False)  # fmt: skip
        assert run.returncode == 1 and run.stderr.strip() == message


def _outcomes(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "outcomes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_grades_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "ledger.duckdb"
    with Ledger(path) as ledger:
        ledger.seal([_binary(p=0.3), _binary(p=0.5, who="metaculus")])
        ledger.seal([_binary(qid="q2", p=0.8), _binary(qid="q2", p=0.6, who="metaculus")])
        quantiles = (Quantile(level=0.25, value=1.0), Quantile(level=0.75, value=3.0))
        ledger.seal([_numeric(Forecast(quantiles=quantiles)),
                     _numeric(Forecast(samples=(1.0, 4.0, 6.0)), who="crowd")])  # fmt: skip
    csv = _outcomes(tmp_path, "question_id,outcome,resolved_on\nq1,1,2100-01-01\n"
                    "q2,0,2100-01-01\na1,2,2100-01-02\n")  # fmt: skip
    code, output = _cli("ledger", "grade", str(csv), "--ledger", str(path))
    assert code == 0 and "graded 3 questions" in output
    code, output = _cli("ledger", "report", "--format", "json", "--ledger", str(path))
    doc = json.loads(output)
    by = {r["forecaster"]: r for r in doc["by_forecaster"]}
    # q1 happened, q2 did not: detente 0.3 and 0.8, metaculus 0.5 and 0.6.
    assert by["detente"]["brier"] == pytest.approx((0.49 + 0.64) / 2)
    assert by["metaculus"]["brier"] == pytest.approx((0.25 + 0.36) / 2)
    assert by["detente"]["log"] == pytest.approx((-math.log(0.3) - math.log(0.2)) / 2)
    assert by["metaculus"]["log"] == pytest.approx((-math.log(0.5) - math.log(0.4)) / 2)
    # quantiles 1 (0.25), 3 (0.75) at 2: (2/2)(0.25*1 + 0.25*1); samples 1, 4, 6: 7/3 - 10/9
    assert by["detente"]["crps"] == pytest.approx(0.5)
    assert by["crowd"]["crps"] == pytest.approx(11 / 9)
    assert (by["detente"]["binary"], by["detente"]["numeric"]) == (2, 1)
    pairs = {(h["a"], h["b"]): h for h in doc["head_to_head"]}
    assert pairs["detente", "metaculus"]["questions"] == 2
    assert pairs["detente", "crowd"]["crps_b"] == pytest.approx(11 / 9)
    assert doc["late"] == 0
    with Ledger(path) as ledger:
        assert ledger.verify()[0] == 9  # six forecasts, three grades appended
        grades = [e.data for e in ledger.entries("grade")]
    assert grades[0]["scores"][0]["brier"] == pytest.approx(0.49)
    plot = tmp_path / "scores.png"
    code, output = _cli("ledger", "report", "--plot", str(plot), "--ledger", str(path))
    assert code == 0 and plot.stat().st_size > 0 and "head to head" in output.lower()


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("id,outcome,date\n", "line 1: the first row must be the header"),
        ("question_id,outcome,resolved_on\nq1,yes,2100-01-01\n",
         "line 2: outcome 'yes' is not a number; write 0 or 1"),
        ("question_id,outcome,resolved_on\nq1,1,2100-01-01\nq1,1,31/12/2100\n",
         "line 3: resolved_on '31/12/2100' is not a date; write it as YYYY-MM-DD"),
        ("question_id,outcome,resolved_on\nq1,0.5,2100-01-01\n",
         "line 2: outcome 0.5 of a yes/no question; write 1 (it happened) or 0"),
        ("question_id,outcome,resolved_on\nq1,1,2100-01-01\nzz,1,2100-01-01\n",
         "line 3: no sealed question 'zz'"),
        ("question_id,outcome,resolved_on\nq1,1,2100-01-01\nq1,0,2100-01-01\n",
         "line 3: question 'q1' is also on line 2; keep one row"),
        ("question_id,outcome,resolved_on\nq1,1\n",
         "line 2: has 2 cells; write question_id,outcome,resolved_on"),
    ],
)  # fmt: skip
def test_bad_outcome_rows_are_one_line_errors(
    book: Path, tmp_path: Path, csv: str, message: str
) -> None:
    code, output = _cli("ledger", "grade", str(_outcomes(tmp_path, csv)), "--ledger", str(book))
    assert code == 2
    assert output.count("\n") == 1 and output.startswith("error: ") and message in output
    with Ledger(book) as ledger:
        assert ledger.verify()[0] == 3  # nothing appended


def test_a_question_is_graded_once(book: Path, tmp_path: Path) -> None:
    csv = _outcomes(tmp_path, "question_id,outcome,resolved_on\nq1,1,2100-01-01\n")
    assert _cli("ledger", "grade", str(csv), "--ledger", str(book))[0] == 0
    code, output = _cli("ledger", "grade", str(csv), "--ledger", str(book))
    assert code == 2 and "line 2: question 'q1' was graded at entry 4; remove this row" in output


def test_seal_from_the_command_line(tmp_path: Path) -> None:
    path = str(tmp_path / "l.duckdb")
    base = ["ledger", "seal", "--id", "x:area", "--kind", "numeric", "--question", "Area?",
            "--criteria", "DeepState", "--resolves-on", "2100-06-30", "--ledger", path]  # fmt: skip
    code, output = _cli(*base, "-q", "0.25=1", "-q", "0.75=3")
    assert code == 0 and "entries 1-1" in output
    code, output = _cli(*base, "--samples", "1,4,6", "--forecaster", "crowd")
    assert code == 2 and "forecaster 'crowd' needs a source" in output
    code, output = _cli(*base, "--p", "0.3")
    assert code == 2 and "a numeric question needs quantiles or samples" in output
    code, output = _cli(*[a if a != "Area?" else "Area, km²?" for a in base], "--samples", "1")
    assert code == 2 and "question 'x:area' was sealed at entry 1 with other wording" in output
    code, output = _cli(*base, "--samples", "1,4,6", "--forecaster", "crowd", "--source", "s")
    assert code == 0 and "entries 2-2" in output
    # a sealed question is asked again by its id alone
    code, output = _cli("ledger", "seal", "--id", "x:area", "--samples", "2", "--forecaster",
                        "expert", "--source", "a report, 2099", "--ledger", path)  # fmt: skip
    assert code == 0 and "entries 3-3" in output
    code, output = _cli("ledger", "seal", "--id", "new", "--p", "0.2", "--ledger", path)
    assert code == 2 and "'new' is not in the ledger yet; give --question, --criteria" in output


def test_the_chain_survives_sigkill_mid_seal(tmp_path: Path) -> None:
    """The short version of benchmarks/crash_ledger.py: a few seeded SIGKILLs of a process
    sealing batches of three; after each the chain verifies and holds whole batches."""
    report = seal_loop(3, seed=4, workdir=tmp_path, max_delay=0.3, from_first_seal=True)
    assert report.problems == []
    assert report.kills == 3 and report.entries_after_kill[-1] >= 3 * 3
    (tmp_path / "fresh").mkdir()  # kills from the start: before and while the file is made
    report = seal_loop(2, seed=5, workdir=tmp_path / "fresh", max_delay=1.0)
    assert report.problems == [] and report.kills == 2


def test_simulate_seal(tmp_path: Path) -> None:
    path = tmp_path / "l.duckdb"
    scenario = str(ROOT / "docs" / "scenarios" / "generic-war.yaml")
    result = runner.invoke(app, ["simulate", scenario, "--draws", "200", "--seed", "0",
                                 "--no-store", "--format", "json", "--seal", "--ledger",
                                 str(path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    dates = ["2030-03-18", "2030-06-17", "2030-09-16", "2030-12-16", "2031-01-06"]
    with Ledger(path) as ledger:
        assert ledger.verify()[0] == 10
        sealed = {e.question_id: e.data for e in ledger.entries()}
    assert sorted(sealed) == sorted(
        [f"generic-war:deal-by:{d}" for d in dates] + [f"generic-war:area-km2:{d}" for d in dates]
    )
    p_by = {r["date"]: r["p"] for r in doc["p_deal_by"]}
    area = {r["date"]: r["territory_km2"] for r in doc["weeks"]}
    for d in dates:
        entry = sealed[f"generic-war:deal-by:{d}"]
        assert entry["forecast"]["p"] == p_by[d] and entry["seed"] == 0
        assert entry["forecaster"] == {"name": "detente", "source": None}
        q = sealed[f"generic-war:area-km2:{d}"]["forecast"]["quantiles"]
        assert [x["value"] for x in q] == [area[d][k] for k in ("p05", "p25", "p50", "p75", "p95")]
    what_if = runner.invoke(app, ["simulate", scenario, "--draws", "50", "--no-store", "--seal",
                                  "-w", "mediator.cheap_talk_weight=0.5", "--ledger",
                                  str(path)])  # fmt: skip
    assert what_if.exit_code == 2 and "a what-if is not a forecast" in what_if.output


def test_forecast_seal(tmp_path: Path) -> None:
    path = tmp_path / "l.duckdb"
    args = ["forecast", "ukraine-2024", "-m", "compromise", "-m", "median", "--no-store",
            "--format", "json", "--seal", "--ledger", str(path)]  # fmt: skip
    code, output = _cli(*args)
    assert code == 2 and "--seal needs --resolves-on" in output
    result = runner.invoke(app, [*args, "--resolves-on", "2100-01-01"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    with Ledger(path) as ledger:
        sealed = {e.question_id: e.data for e in ledger.entries()}
    issues = ["territory", "recognition", "sanctions_us", "sanctions_eu", "guarantees"]
    assert sorted(sealed) == sorted(f"ukraine-2024:issue:{i}:2100-01-01" for i in issues)
    outcome = {
        (f["model"], i["issue"]): i["outcome"] for f in doc["forecasts"] for i in f["issues"]
    }
    for i in issues:
        entry = sealed[f"ukraine-2024:issue:{i}:2100-01-01"]
        assert entry["question"]["kind"] == "issue"
        assert entry["forecast"]["samples"] == pytest.approx(
            [outcome["compromise", i], outcome["median", i]]
        )
