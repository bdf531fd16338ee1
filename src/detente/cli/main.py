"""The ``detente`` command line: thin commands over the library.

The library raises :class:`~detente.errors.DetenteError`; only this module turns it into
one line on stderr and exit code 2.

Each command's module is imported when that command runs (or ``--help`` lists it), not at
start: ``detente forecast`` does not load what ``detente durability`` needs (lifelines,
scipy.stats), which took most of a second (docs/benchmarks.md).
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any, ClassVar

import typer
import typer.main

from detente import __version__
from detente.cli.common import OneLineErrors

COMMANDS: dict[str, str] = {
    "backtest": "detente.cli.backtest:backtest_app",
    "forecast": "detente.cli.forecast:forecast",
    "validate": "detente.cli.forecast:validate",
    "scenarios": "detente.cli.forecast:scenarios",
    "show": "detente.cli.forecast:show",
    "calibrate": "detente.cli.calibrate:calibrate_app",
    "evaluate": "detente.cli.evaluate:evaluate_app",
    "profile": "detente.cli.profile:profile_app",
    "durability": "detente.cli.durability:durability_app",
    "outlook": "detente.cli.outlook:outlook_app",
    "simulate": "detente.cli.simulate:simulate_command",
    "advise": "detente.cli.advise:advise",
    "report": "detente.cli.report:report",
    "serve": "detente.cli.report:serve",
    "sweep": "detente.cli.sweep:sweep",
    "sensitivity": "detente.cli.sweep:sensitivity",
    "runs": "detente.cli.sweep:runs_app",
    "ledger": "detente.cli.ledger:ledger_app",
}
"""Every command, in help order: ``module:attribute``, a command function or a Typer
sub-app."""


class LazyCommands(OneLineErrors):
    """The top-level group: a command is built from :data:`COMMANDS` when first asked for
    (Click's lazily loaded subcommands)."""

    lazy: ClassVar[dict[str, str]] = COMMANDS

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in self.lazy if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(load_command(cmd_name, self.lazy[cmd_name]), cmd_name)
        return super().get_command(ctx, cmd_name)


def load_command(name: str, target: str) -> Any:
    """The Click command ``name`` made of ``target`` (``module:attribute``), mounted the way
    ``app.command(name)`` or ``app.add_typer(sub_app, name=name)`` would mount it."""
    module, attribute = target.split(":")
    obj = getattr(importlib.import_module(module), attribute)
    holder = typer.Typer()
    holder.callback()(lambda: None)  # a group even with one command
    if isinstance(obj, typer.Typer):
        holder.add_typer(obj, name=name)
    else:
        holder.command(name)(obj)
    return typer.main.get_group(holder).commands[name]


app = typer.Typer(
    cls=LazyCommands,
    name="detente",
    help="Forecast how coercive negotiations between states end.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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
