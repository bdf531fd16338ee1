"""The web app's static page and assets: ``index.html``, ``app.js`` and ``app.css`` from
``detente/web/static``, and Plotly.js from the installed ``plotly`` package (nothing is
loaded from the network). Each is read once and served from memory."""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from fastapi.responses import HTMLResponse, Response

from detente.errors import DetenteError

STATIC = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
"""The files of ``static/`` served at ``/static/NAME``, with their media types."""


@lru_cache(maxsize=1)
def plotly_js_path() -> Path:
    """``plotly.min.js`` inside the installed plotly package."""
    try:
        root = resources.files("plotly")
    except ModuleNotFoundError:  # pragma: no cover - depends on the environment
        raise DetenteError(
            "the web app needs plotly; install it with pip install 'detente[web]'",
            where="serve",
        ) from None
    path = Path(str(root.joinpath("package_data", "plotly.min.js")))
    if not path.is_file():  # pragma: no cover - depends on the plotly wheel
        raise DetenteError(f"plotly.min.js not found at {path}; reinstall plotly", where="serve")
    return path


@lru_cache(maxsize=1)
def plotly_js_bytes() -> bytes:
    """``plotly.min.js`` (3.5 MB), read once. Served from memory on the event loop: a file
    response reads 64 KB chunks through worker threads, and under load each chunk waited for
    a free one (20 s for the page's script, found by benchmarks/load_web.py)."""
    return plotly_js_path().read_bytes()


@cache
def _static(name: str) -> bytes:
    return resources.files("detente.web").joinpath("static").joinpath(name).read_bytes()


def index_page() -> HTMLResponse:
    """The page (``static/index.html``)."""
    return HTMLResponse(_static("index.html").decode("utf-8"))


def plotly_js_response() -> Response:
    """Plotly.js, cacheable for a day."""
    return Response(
        plotly_js_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "max-age=86400"},
    )


def static_response(name: str) -> Response:
    """``static/NAME``, one of :data:`STATIC`."""
    return Response(_static(name), media_type=STATIC[name])
