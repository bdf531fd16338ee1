"""The example notebook runs from top to bottom in a fresh kernel of this interpreter
(nbclient + ipykernel; DECISIONS DESK-6), and the stored notebook is the one its script
writes, without outputs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import require_module

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"


def test_the_stored_notebook_is_the_generated_one() -> None:
    nbformat = require_module("nbformat", "pip install nbformat")
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import make_quickstart
    finally:
        sys.path.remove(str(ROOT / "examples"))
    stored = nbformat.read(NOTEBOOK, as_version=4)
    assert [c.source for c in stored.cells] == [c.source for c in make_quickstart.build().cells]
    assert all(not c.get("outputs") for c in stored.cells if c.cell_type == "code")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_quickstart_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = require_module("nbformat", "pip install nbformat")
    nbclient = require_module("nbclient", "pip install nbclient ipykernel")
    monkeypatch.setenv("DETENTE_PROGRESS", "0")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    # the kernel is this interpreter (jupyter_client maps the spec's "python" to it)
    assert nb.cells[-1].outputs[0].text.strip() == sys.executable
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    rendered = [o.get("data", {}).get("text/html", "") for o in outputs]
    assert any("<table class='detente'>" in h for h in rendered)  # the scenario's display
    assert any(o.get("data", {}).get("image/png") for o in outputs)  # the plot
