"""The ``detente`` command line: thin commands over the library.

The library raises :class:`~detente.errors.DetenteError`; only this module turns it into
one line on stderr and exit code 2.

Each command's module is imported when that command runs (``--help`` reads its help from
its source: :func:`summary`), not at start: ``detente forecast`` does not load what
``detente durability`` needs (lifelines, scipy.stats), which took most of a second
(docs/benchmarks.md).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar

import typer
import typer.main
from typer.core import TyperCommand

from detente import __version__
from detente.cli.common import OneLineErrors

COMMANDS: dict[str, str] = {
    # the questions, in the order an analyst asks them
    "forecast": "detente.cli.forecast:forecast",
    "simulate": "detente.cli.simulate:simulate_command",
    "outlook": "detente.cli.outlook:outlook_app",
    "durability": "detente.cli.durability:durability_app",
    "advise": "detente.cli.advise:advise",
    "report": "detente.cli.report:report",
    "serve": "detente.cli.report:serve",
    # how sure: uncertainty and the record
    "sweep": "detente.cli.sweep:sweep",
    "sensitivity": "detente.cli.sweep:sensitivity",
    "backtest": "detente.cli.backtest:backtest_app",
    "evaluate": "detente.cli.evaluate:evaluate_app",
    "ledger": "detente.cli.ledger:ledger_app",
    # the inputs
    "scenarios": "detente.cli.forecast:scenarios",
    "show": "detente.cli.forecast:show",
    "validate": "detente.cli.forecast:validate",
    "profile": "detente.cli.profile:profile_app",
    "calibrate": "detente.cli.calibrate:calibrate_app",
    "runs": "detente.cli.sweep:runs_app",
}
"""Every command, in help order (by use, forecast first; DECISIONS DESK-11):
``module:attribute``, a command function or a Typer sub-app."""


def summary(name: str) -> str:
    """The first paragraph of command ``name``'s help, what ``detente --help`` lists: read
    from its module's source (the function's docstring or the sub-app's ``help=``) so that
    the list imports no command module; the module is imported only where the source does
    not spell the help out as a literal (DECISIONS PERF-1)."""
    module, attribute = COMMANDS[name].split(":")
    text = _literal_help(module, attribute)
    if text is None:
        text = load_command(name, COMMANDS[name]).help or ""
    return first_sentence(text)


def first_sentence(text: str) -> str:
    """The first sentence of a help text's first paragraph, on one line: what the command
    list shows, so that no description breaks where the source wrapped it (DECISIONS
    DESK-11)."""
    paragraph = " ".join(inspect.cleandoc(text).split("\n\n")[0].split())
    end = re.search(r"(?<=[.!?])\s+(?=[A-Z(`])", paragraph)
    return paragraph[: end.start()] if end else paragraph


def _literal_help(module: str, attribute: str) -> str | None:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    try:
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == attribute:
            return ast.get_docstring(node, clean=False)
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == attribute for t in node.targets)
            and isinstance(node.value, ast.Call)
        ):
            for keyword in node.value.keywords:
                if keyword.arg == "help":
                    return _text(keyword.value)
    return None


def _text(node: ast.expr) -> str | None:
    """The string an expression of string literals, f-strings and ``docs_page(...)`` calls
    with literal arguments spells; None for anything else."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts = [_text(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values]
        plain = all(
            not isinstance(v, ast.FormattedValue) or (v.conversion == -1 and not v.format_spec)
            for v in node.values
        )
        return "".join(p for p in parts if p is not None) if plain and None not in parts else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        return None if left is None or right is None else left + right
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "docs_page"
        and not node.keywords
        and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
    ):
        from detente.paths import docs_page

        return docs_page(*(str(a.value) for a in node.args if isinstance(a, ast.Constant)))
    return None


class LazyCommands(OneLineErrors):
    """The top-level group: a command is built from :data:`COMMANDS` when it runs (Click's
    lazily loaded subcommands); ``detente --help`` lists each :func:`summary`, importing none
    of them where their help is a literal in their source."""

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
        return Summary(cmd_name, self.lazy[cmd_name])  # listed by --help: module unloaded


class Summary(TyperCommand):
    """A command as ``detente --help`` lists it (name and :func:`summary`); anything else
    asked of it loads the real command and hands it over."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name, help=summary(name))
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
    command = typer.main.get_group(holder).commands[name]
    for sub in getattr(command, "commands", {}).values():  # a group's list: one line each
        sub.short_help = sub.short_help or first_sentence(sub.help or "")
    return command


app = typer.Typer(
    cls=LazyCommands,
    name="detente",
    help="Forecast how coercive negotiations between states end.",
    no_args_is_help=True,
    add_completion=True,
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
