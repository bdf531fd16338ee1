"""``detente report`` and ``detente serve``: thin commands over detente.report and
detente.web. Registered in :mod:`detente.cli.main`; the heavy imports (matplotlib, jinja2,
FastAPI, uvicorn) happen only when a command runs."""

from __future__ import annotations

import importlib
import ipaddress
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from detente.cli.common import err
from detente.errors import DetenteError
from detente.scenario import load_scenario

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from detente.report.html import Progress

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
WARM_MODULES = (
    "detente.report.catalog",
    "matplotlib.backends.backend_agg",
    "SALib.sample.sobol",
    "SALib.analyze.sobol",
)
"""What a report's worker imports before its first section (the sections, matplotlib, the
Sobol' section's SALib), while the main process loads the report and computes the forecasts."""


def report(
    scenario: Annotated[
        str, typer.Argument(help="A built-in scenario name (see `detente scenarios`) or a file.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The HTML file to write (atomically).")
    ] = Path("report.html"),
    seed: Annotated[
        int, typer.Option(help="Seed for the sections that sample (reproducible reports).")
    ] = 0,
    uncertainty: Annotated[
        bool,
        typer.Option(
            help="Include the Monte Carlo distributions and Sobol' indices (the slowest sections)."
        ),
    ] = True,
    campaign: Annotated[
        bool, typer.Option(help="Include the campaign simulation (where the scenario has one).")
    ] = True,
    draws: Annotated[int, typer.Option(min=1, help="Monte Carlo draws.")] = 400,
    sobol_n: Annotated[
        int, typer.Option("--sobol-n", help="Sobol' base sample (a power of 2).")
    ] = 64,
    paths: Annotated[int, typer.Option(min=1, help="Simulated paths of the campaign.")] = 2000,
    sobol_all: Annotated[
        bool,
        typer.Option(
            "--sobol-all",
            help="Sobol' indices of every outcome model, also those that solve draws one at a "
            "time (many times slower; default: the batched models).",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Processes to render the sections on (default: every core; 1: this process "
            "only). The report is the same bytes either way.",
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML report: the scenario and its notes, every model's
    forecast, the plots, the Monte Carlo distributions and Sobol' indices, and the campaign
    simulation where there is one. Prints the path written."""
    sc = load_scenario(scenario)
    options = {"uncertainty": uncertainty, "campaign": campaign, "draws": draws,
               "sobol_n": sobol_n, "sobol_all": sobol_all, "paths": paths}  # fmt: skip
    jobs = max(1, os.cpu_count() or 1) if jobs is None else jobs  # DECISIONS REP-3
    with report_workers(jobs) as pool:
        from detente.report.html import write_report

        with section_progress() as progress:
            path = write_report(sc, output, seed=seed, options=options, progress=progress,
                                jobs=jobs if pool is not None else 1, pool=pool)  # fmt: skip
    typer.echo(str(path.resolve()))


@contextmanager
def report_workers(jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    """The ``jobs - 1`` worker processes of a report (None for one process), started before
    this process imports the report and computes the forecasts: meanwhile each worker imports
    the report's sections (:func:`detente.uncertainty.backends.worker_pool`)."""
    import multiprocessing

    if jobs < 2 or "forkserver" not in multiprocessing.get_all_start_methods():
        yield None  # one process (also where forkserver is missing, e.g. Windows)
        return
    from detente.uncertainty.backends import worker_pool

    pool = worker_pool(jobs - 1)
    try:
        for module in WARM_MODULES * (jobs - 1):
            pool.submit(importlib.import_module, module)
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def section_progress() -> Iterator[Progress | None]:
    """A progress bar of the report's sections on stderr where someone watches
    (:func:`detente.progress.interactive`: a terminal, or ``DETENTE_PROGRESS=1``); None (no
    output) otherwise, so that pipes and logs get the path only."""
    from detente.progress import interactive

    if not interactive():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("report: {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def show(name: str, done: int, total: int) -> None:
            bar.update(task, description=name or "writing", completed=done, total=total)

        yield show


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_DISTRIBUTIONS = {"multipart": "python-multipart", "yaml": "pyyaml"}
"""Import names of the web app's dependencies whose package is named otherwise."""


def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; the default serves this machine only.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Run the web app: pick or upload a scenario, move what-if sliders, download the report."""
    try:
        import uvicorn

        from detente.web.app import create_app
    except ImportError as exc:
        module = (exc.name or "").split(".")[0]
        if not module or module == "detente":
            raise DetenteError(
                f"the web app cannot be imported ({exc}); reinstall detente", where="serve"
            ) from None
        package = _DISTRIBUTIONS.get(module, module)
        raise DetenteError(  # DECISIONS PKG-2: the web extra
            f"the web app needs {package}; install it with pip install 'detente[web]'",
            where="serve",
        ) from None
    trusted = None
    if is_loopback(host):
        trusted = ["127.0.0.1", "localhost", "[::1]", "::1"]
    else:
        typer.echo(
            f"warning: serving on {host} exposes the app to the network; it has no authentication",
            err=True,
        )
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"detente web app on http://{shown}:{port}/ (Ctrl+C to stop)", err=True)
    uvicorn.run(create_app(trusted_hosts=trusted), host=host, port=port, log_level="warning")
