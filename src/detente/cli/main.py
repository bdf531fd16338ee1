"""The ``detente`` command line: thin commands over the library.

The library raises :class:`~detente.errors.DetenteError`; only this module turns it into
one line on stderr and exit code 2.
"""

from __future__ import annotations

from typing import Annotated

import typer

from detente import __version__
from detente.cli.advise import advise as advise_command
from detente.cli.backtest import backtest_deu
from detente.cli.calibrate import calibrate_app
from detente.cli.common import OneLineErrors
from detente.cli.durability import durability_app
from detente.cli.evaluate import evaluate_app
from detente.cli.forecast import forecast, scenarios, show, validate
from detente.cli.ledger import ledger_app
from detente.cli.profile import profile_app
from detente.cli.report import report as report_command
from detente.cli.report import serve as serve_command
from detente.cli.simulate import simulate_command
from detente.cli.sweep import runs_app, sensitivity, sweep

app = typer.Typer(
    cls=OneLineErrors,
    name="detente",
    help="Forecast how coercive negotiations between states end.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
backtest_app = typer.Typer(help="Score the models against real outcomes.", no_args_is_help=True)
backtest_app.command("deu")(backtest_deu)
app.add_typer(backtest_app, name="backtest")
for command in (forecast, validate, scenarios, show):
    app.command()(command)
app.add_typer(calibrate_app, name="calibrate")
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(profile_app, name="profile")
app.add_typer(durability_app, name="durability")
app.command("simulate")(simulate_command)
app.command("advise")(advise_command)
app.command("report")(report_command)
app.command("serve")(serve_command)
app.command()(sweep)
app.command()(sensitivity)
app.add_typer(runs_app, name="runs")
app.add_typer(ledger_app, name="ledger")


def _version(value: bool) -> None:
    if value:
        print(f"detente {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Forecast how coercive negotiations between states end."""
