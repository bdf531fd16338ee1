"""Write examples/quickstart.ipynb from the cells below (no outputs stored), so the notebook
is reproducible and reviewable as code. Run: ``.venv/bin/python examples/make_quickstart.py``.
``tests/test_notebooks.py`` executes the notebook it writes (DECISIONS DESK-6)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

# fmt: off
CELLS: list[tuple[str, str]] = [
    ("md", """# detente quickstart

Load the built-in Ukraine case (what an analyst knew on 11 November 2024), compare the
outcome models, run a small seeded sweep, plot it, simulate the war model with a few paths,
and take the scenario to pandas and back. Every random step takes a seed, so the numbers
below are the same on every run."""),
    ("code", """import matplotlib.pyplot as plt

import detente
from detente.scenario import from_frame, load_scenario, to_frame

scenario = load_scenario("ukraine-2024")
scenario"""),
    ("md", """## Compare the models

One row per model and issue: the forecast, whether the issue's decision rule blocks it
(`flagged`, with the nearest outcome it lets pass in `constrained`), the status quo and,
with `bands=True`, the 5-95 % band of the forecast under the default spread."""),
    ("code", """table = detente.compare(scenario, bands=True, draws=100, seed=0)
table.pivot(index="issue", columns="model", values="outcome").round(1)"""),
    ("code", """fragile = table[table["fragile"].astype(bool)]
fragile[["model", "issue", "outcome", "p05", "p95"]].round(1)"""),
    ("md", """## A small seeded sweep

Positions, saliences and capabilities drawn around their values (the default spread), 200
draws through two models. `to_frame()` gives the summary per model and issue;
`to_frame(draws=True)` every draw."""),
    ("code", """from detente.models import get_model
from detente.uncertainty.evaluators import OutcomeModels
from detente.uncertainty.sampling import with_default_spread
from detente.uncertainty.sweep import sweep

spread = with_default_spread(scenario)
models = [get_model("compromise"), get_model("median")]
result = sweep(spread, OutcomeModels(spread, models), 200, seed=1)
result"""),
    ("code", """result.to_frame().round(2)"""),
    ("code", """draws = result.to_frame(draws=True)
territory = draws[draws["output"] == "territory"]
fig, ax = plt.subplots(figsize=(6, 3))
for model, part in territory.groupby("model"):
    ax.hist(part["value"], bins=30, alpha=0.6, label=model)
ax.set_xlabel("territory outcome (0-100 scale)")
ax.set_ylabel("draws")
ax.legend()
plt.show()"""),
    ("md", """## The war model

A solve (a few seconds) and 300 simulated paths. `to_frame()` lists every output with its
unit; `to_frame(per_path=True)` one row per path."""),
    ("code", """from detente.war.model import WarModel

run = WarModel(paths=300).run(scenario, seed=0)
run"""),
    ("code", """run.to_frame()[["output", "value", "unit"]].round(3)"""),
    ("md", """## To pandas and back

`to_frame` puts one row per stance; the rest of the scenario (title, labels, status quo,
campaign, levers) rides along in `frame.attrs`, so the round trip is exact. Edit a row
and `from_frame` builds the edited scenario."""),
    ("code", """frame = to_frame(scenario)
assert from_frame(frame) == scenario
frame[["actor", "issue", "position", "salience", "capability"]].head()"""),
    ("code", """edited = frame.copy()
row = (edited["actor"] == "Russia") & (edited["issue"] == "territory")
edited.loc[row, "position"] = 60.0
what_if = from_frame(edited)
get_model("median").predict(what_if)"""),
]
# fmt: on


def build() -> nbformat.NotebookNode:
    """The notebook, cells in order, without outputs."""
    cells = [new_markdown_cell(text) if kind == "md" else new_code_cell(text)
             for kind, text in CELLS]  # fmt: skip
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> Path:
    path = HERE / "quickstart.ipynb"
    nb = build()
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(main())
