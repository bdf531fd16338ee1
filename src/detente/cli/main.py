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
from typer.core import TyperCommand

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

SUMMARIES: dict[str, str] = {
    "backtest": "Score the models against real outcomes.",
    "forecast": (
        "Forecast the outcome of each issue of a scenario with one or all models, and how\n"
        "stable each forecast is (recorded in the run store, see `detente runs`)."
    ),
    "validate": "Check a scenario file; print a one-line summary or the first problem.",
    "scenarios": "List the built-in scenarios.",
    "show": "Print a scenario: issues, actors, positions, saliences and their sources.",
    "calibrate": "Calibrate the battlefield model from data.",
    "evaluate": "Score forecasts against what happened.",
    "profile": "Profile a counterpart: its record of events, or its leader's PsyCL scores.",
    "durability": "Will the deal hold? Survival models fitted on real peace agreements.",
    "outlook": "How wars end: the outside view from a reference class of UCDP war episodes.",
    "simulate": (
        "Solve the war-termination model of a scenario and simulate how the war ends\n"
        "(recorded in the run store, see `detente runs`; the same command run again reuses the\n"
        "recorded run)."
    ),
    "advise": "Find the cheapest combination of an actor's levers that reaches a goal.",
    "report": (
        "Write one self-contained HTML report: the scenario and its notes, every model's\n"
        "forecast, the plots, the Monte Carlo distributions and Sobol' indices, and the campaign\n"
        "simulation where there is one. Prints the path written."
    ),
    "serve": (
        "Run the web app: pick or upload a scenario, move what-if sliders, download the report."
    ),
    "sweep": (
        "Monte Carlo draws of the scenario's distributions through the models: quantiles,\n"
        "band probabilities and a convergence check per model and issue. Recorded in the run "
        "store\n"
        "chunk by chunk; rerunning an interrupted sweep resumes it. With --model war: draws of\n"
        "the campaign numbers given by --vary through the war-termination model (P(deal), P(deal\n"
        "by date), P(escalation), territory at the horizon, gain per day before/after the\n"
        "deadline)."
    ),
    "sensitivity": (
        "Sobol' first- and total-order indices, ranked: which uncertain number drives each\n"
        "forecast. Without distributions in the scenario, the default band is used. With --model\n"
        "war: the campaign numbers given by --vary, for each output of the war model\n"
        "(N × (P + 2) solves of the campaign; --policy fixed solves once)."
    ),
    "runs": "The run store: list, show and export recorded runs.",
    "ledger": (
        "Seal forecasts in a hash-chained ledger, verify it, grade them when the truth arrives "
        "(https://detente.readthedocs.io/en/latest/ledger/)."
    ),
}
"""The first paragraph of each command's help: what ``detente --help`` lists, so that the
list needs no command module imported (tests/test_startup.py checks it against each command's
own help; update it when a command's help changes; DECISIONS PERF-1)."""


class LazyCommands(OneLineErrors):
    """The top-level group: a command is built from :data:`COMMANDS` when it runs (Click's
    lazily loaded subcommands); ``detente --help`` lists :data:`SUMMARIES` and imports none."""

    lazy: ClassVar[dict[str, str]] = COMMANDS

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in self.lazy if name not in self.commands)]

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else None
        if name in self.lazy and name not in self.commands:
            self.add_command(load_command(name, self.lazy[name]), name)
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        if cmd_name in SUMMARIES:  # listed by --help: a stand-in, the module stays unloaded
            return Summary(cmd_name, self.lazy[cmd_name])
        self.add_command(load_command(cmd_name, self.lazy[cmd_name]), cmd_name)
        return super().get_command(ctx, cmd_name)


class Summary(TyperCommand):
    """A command as ``detente --help`` lists it (name and :data:`SUMMARIES` entry); anything
    else asked of it loads the real command and hands it over."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name, help=SUMMARIES[name])
        self.target = target

    def real(self) -> Any:
        """The command this stands in for."""
        return load_command(self.name or "", self.target)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        return self.real().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        return self.real().invoke(ctx)


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
