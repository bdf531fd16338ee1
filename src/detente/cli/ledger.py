"""``detente ledger``: forecasts sealed when made, graded when the truth arrives
(docs/ledger.md). Thin commands over :mod:`detente.ledger`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from detente import __version__
from detente.cli.common import LedgerOpt, TableOrJson, out
from detente.errors import DetenteError
from detente.ledger import Forecast, Forecaster, Quantile, Question, Sealed
from detente.paths import docs_page

ledger_app = typer.Typer(
    help="Seal forecasts in a hash-chained ledger, verify it, grade them when the truth "
    f"arrives ({docs_page('ledger')}).",
    no_args_is_help=True,
)



@contextmanager
def _options(names: str) -> Iterator[None]:
    """Turn a pydantic ValidationError into a one-line error naming the options."""
    try:
        yield
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise DetenteError(f"{field}: {msg}" if field else msg, where=names) from None


def _quantile(text: str) -> Quantile:
    level, sep, value = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return Quantile(level=float(level), value=float(value))
    except (ValueError, ValidationError):
        raise DetenteError(f"{text!r} is not LEVEL=VALUE with 0 < LEVEL < 1, e.g. 0.5=1200",
                           where="--quantile") from None  # fmt: skip


def _samples(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise DetenteError(f"{text!r} is not numbers separated by commas, e.g. 10,12,15",
                           where="--samples") from None  # fmt: skip




def seal_forecasts(ledger: Path | None, forecasts: list[Sealed]) -> str:
    """Seal ``forecasts`` in one transaction; the line to show (also for simulate --seal)."""
    from detente.ledger.store import Ledger

    with Ledger(ledger) as book:
        entries = book.seal(forecasts)
    return (
        f"sealed {len(entries)} forecasts in {book.path}: entries {entries[0].seq}-"
        f"{entries[-1].seq}, head {entries[-1].hash}"
    )


def seal(
    question_id: Annotated[
        str, typer.Option("--id", help="Question id, e.g. ukr:deal-by:2025-12-31.")
    ],
    text: Annotated[
        str | None,
        typer.Option("--question", help="The question, in words (omit for a sealed question)."),
    ] = None,
    criteria: Annotated[
        str | None, typer.Option("--criteria", help="How it resolves, and from what.")
    ] = None,
    resolves_on: Annotated[
        str | None, typer.Option("--resolves-on", help="Resolution date, YYYY-MM-DD.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="binary (default), numeric or issue (0-100).")
    ] = None,
    p: Annotated[float | None, typer.Option("--p", help="Probability (binary).")] = None,
    quantile: Annotated[
        list[str] | None, typer.Option("--quantile", "-q", help="LEVEL=VALUE, repeatable.")
    ] = None,
    samples: Annotated[str | None, typer.Option("--samples", help="Comma-separated.")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Unit of a number.")] = None,
    forecaster: Annotated[
        str, typer.Option("--forecaster", help="detente, or a crowd, market or expert.")
    ] = "detente",
    source: Annotated[
        str | None, typer.Option("--source", help="Where a reference forecast was published.")
    ] = None,
    scenario_hash: Annotated[
        str | None, typer.Option("--scenario-hash", help="The scenario's canonical hash.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the run.")] = None,
    ledger: LedgerOpt = None,
) -> None:
    """Seal one forecast of a resolvable question (append-only, hash-chained). For a
    question already in the ledger, --id alone asks it again (e.g. a reference forecast)."""
    from detente.ledger.store import Ledger

    with Ledger(ledger) as book:
        known = book.question(question_id)
    given = {"text": text, "criteria": criteria, "kind": kind, "unit": unit}
    if resolves_on is not None:
        try:
            given["resolves_on"] = date.fromisoformat(resolves_on).isoformat()
        except ValueError:
            raise DetenteError(f"{resolves_on!r} is not a date; write YYYY-MM-DD",
                               where="--resolves-on") from None  # fmt: skip
    fields = {k: v for k, v in given.items() if v is not None}
    if known is None:
        missing = [o for o, k in [("--question", "text"), ("--criteria", "criteria"),
                                  ("--resolves-on", "resolves_on")] if k not in fields]  # fmt: skip
        if missing:
            raise DetenteError(f"question {question_id!r} is not in the ledger yet; give "
                               + ", ".join(missing), where="--id")  # fmt: skip
        fields.setdefault("kind", "binary")
    with _options("--id, --kind, --question, --criteria, --unit"):
        base = known.model_dump(mode="json") if known is not None else {"id": question_id}
        question = Question.model_validate(base | fields)
    with _options("--p, --quantile, --samples"):
        made = Forecast(
            p=p,
            quantiles=tuple(_quantile(q) for q in quantile) if quantile else None,
            samples=_samples(samples) if samples else None,
        )
    with _options("--forecaster, --source"):
        who = Forecaster(name=forecaster, source=source)
    with _options("--kind, --p, --quantile, --samples"):
        forecast = Sealed(
            question=question,
            forecast=made,
            forecaster=who,
            scenario_hash=scenario_hash,
            detente_version=__version__,
            seed=seed,
        )
    out.print(seal_forecasts(ledger, [forecast]), highlight=False, soft_wrap=True)


def verify(ledger: LedgerOpt = None) -> None:
    """Check every entry's hash and the chain; name the first bad entry (exit 2)."""
    from detente.ledger.store import Ledger

    with Ledger(ledger) as book:
        n, head = book.verify()
    out.print(f"ok: {n} entries, every hash and the chain check out; head {head}", soft_wrap=True)


def export(
    file: Annotated[Path, typer.Argument(help="The JSON-lines file to write.")],
    ledger: LedgerOpt = None,
) -> None:
    """Write every entry as JSON lines, verifiable without detente
    (https://detente.readthedocs.io/en/latest/ledger/)."""
    from detente.ledger.store import Ledger

    with Ledger(ledger) as book:
        n = book.export(file)
    out.print(f"wrote {n} entries to {file}")


def grade_command(
    outcomes: Annotated[Path, typer.Argument(help="CSV: question_id,outcome,resolved_on.")],
    ledger: LedgerOpt = None,
) -> None:
    """Resolve questions and append the grades of every forecast of them."""
    from detente.ledger.grade import grade, read_outcomes
    from detente.ledger.store import Ledger

    rows = read_outcomes(outcomes)
    with Ledger(ledger) as book:
        entries = grade(book, rows, str(outcomes))
    out.print(f"graded {len(entries)} questions")


def _f(x: float | None, digits: int = 4) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def report(
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Save the scores and reliability diagram.")
    ] = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f")] = TableOrJson.table,
    ledger: LedgerOpt = None,
) -> None:
    """Scores by forecaster (Brier, log, CRPS) and head to head on shared questions."""
    from detente.ledger.grade import graded, head_to_head, summary
    from detente.ledger.store import Ledger

    with Ledger(ledger) as book:
        rows = graded(book)
        n_forecasts = sum(1 for _ in book.entries("forecast"))
        late = sum(
            not s["sealed_before_resolution"]
            for e in book.entries("grade")
            for s in e.data["scores"]
        )
    doc: dict[str, Any] = {
        "forecasts": n_forecasts,
        "late": late,
        "graded": [r.__dict__ for r in rows],
        "by_forecaster": summary(rows),
        "head_to_head": head_to_head(rows),
    }
    if plot is not None:
        from detente.ledger.plot import save_report_plot

        save_report_plot(rows, plot)
    if fmt is TableOrJson.json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Ledger: {n_forecasts} forecasts sealed, {len(rows)} graded, {late} "
                  "sealed after their resolution date and not scored (lower is better)",
                  title_justify="left")  # fmt: skip
    for col in ("forecaster", "binary", "Brier", "log", "numeric", "CRPS"):
        table.add_column(col, justify="left" if col == "forecaster" else "right")
    for r in doc["by_forecaster"]:
        table.add_row(r["forecaster"], str(r["binary"]), _f(r["brier"]), _f(r["log"]),
                      str(r["numeric"]), _f(r["crps"], 2))  # fmt: skip
    out.print(table)
    if doc["head_to_head"]:
        h2h = Table(title="Head to head on shared questions", title_justify="left")
        for col in ("A", "B", "shared", "Brier A", "Brier B", "log A", "log B", "CRPS A",
                    "CRPS B"):  # fmt: skip
            h2h.add_column(col, justify="left" if col in ("A", "B") else "right")
        for r in doc["head_to_head"]:
            h2h.add_row(r["a"], r["b"], str(r["questions"]), _f(r["brier_a"]), _f(r["brier_b"]),
                        _f(r["log_a"]), _f(r["log_b"]), _f(r["crps_a"], 2),
                        _f(r["crps_b"], 2))  # fmt: skip
        out.print(h2h)


ledger_app.command("seal")(seal)
ledger_app.command("verify")(verify)
ledger_app.command("export")(export)
ledger_app.command("grade")(grade_command)
ledger_app.command("report")(report)
