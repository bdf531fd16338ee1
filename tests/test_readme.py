"""What the README and the error messages promise, checked against the code, so they cannot
drift: the backtest table (rerun live) and the optional extras that install hints name."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli.main import app
from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SECTION = "## Backtest on real outcomes (DEU III, development split)"
PREDICTORS = {
    "`compromise`": "compromise",
    "`median`": "median",
    "`nash`": "nash",
    "`bdm`": "bdm",
    "`pce`": "pce",
    "`kalai`": "kalai",
    "`exchange`": "exchange",
    "unweighted median (baseline)": "baseline_median",
    "Commission position (baseline)": "baseline_commission",
    "reference point (baseline)": "baseline_reference_point",
}
COLUMNS = [
    "predictor", "n", "MAE (equal)", "MAE (votes)", "RMSE (equal)", "median AE (equal)",
    "beats compromise (equal)",
]  # fmt: skip


def readme_backtest_table() -> dict[str, dict[str, str]]:
    """The README's backtest table: {predictor: {column: cell as printed, bold removed}}."""
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, f"README has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip().replace("**", "") for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    header, rule, *body = rows
    assert header == COLUMNS and set("".join(rule)) <= {"-"}, header
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def live_scores(deu: Path, capability: str) -> dict[str, dict[str, float]]:
    """``detente backtest deu --capability CAPABILITY --format json``, by model."""
    done = CliRunner().invoke(
        app, ["backtest", "deu", "--data", str(deu), "--capability", capability, "-f", "json"]
    )
    assert done.exit_code == 0, done.output
    return {row["model"]: row for row in json.loads(done.stdout)}


@pytest.fixture(scope="module")
def deu(shared_data: Path) -> Path:
    path = shared_data / "validation" / "deu"
    if not (path / "deu3_tidy_long.csv").is_file():
        missing(f"DEU data not found at {path} (set DETENTE_SHARED_DATA)")
    return path


def test_the_readme_backtest_table_is_the_live_backtest(deu: Path) -> None:
    table = readme_backtest_table()
    equal, votes = live_scores(deu, "equal"), live_scores(deu, "votes")
    assert set(table) == set(PREDICTORS), "a row of the README table is missing or unknown"
    assert set(PREDICTORS.values()) == set(equal) == set(votes), "the backtest scores others"
    for label, row in table.items():
        e, v = equal[PREDICTORS[label]], votes[PREDICTORS[label]]
        beats = "—" if label == "`compromise`" else f"{100 * e['share_beats_compromise']:.0f} %"
        expected = {
            "predictor": label,
            "n": str(e["n"]),
            "MAE (equal)": f"{e['mae']:.2f}",
            "MAE (votes)": f"{v['mae']:.2f}",
            "RMSE (equal)": f"{e['rmse']:.2f}",
            "median AE (equal)": f"{e['median_ae']:.2f}",
            "beats compromise (equal)": beats,
        }
        assert row == expected, label
    assert e["n"] == v["n"]  # the README gives one n for both capabilities


def test_the_readme_bolds_the_best_mae() -> None:
    text = README.read_text(encoding="utf-8").split(SECTION, 1)[1].split("\n## ", 1)[0]
    best = next(line for line in text.splitlines() if line.startswith("| `compromise`"))
    assert best.count("**") == 4  # MAE (equal) and MAE (votes): nothing beats compromise


EXTRA = re.compile(r"(?:detente|(?<=['\"\s])\.)\[([A-Za-z0-9_,\- ]+)\]")
"""``detente[X]`` or ``'.[X]'`` (an editable install of this repository)."""


def test_every_extra_named_in_an_install_hint_exists() -> None:
    """``pip install 'detente[X]'`` (or ``'.[X]'``) in an error message, a doc, the Makefile or
    a test's hint must name an extra of pyproject.toml (``[web]`` and ``[report]`` did not)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = set(pyproject["project"]["optional-dependencies"])
    files = [*sorted((ROOT / "src").rglob("*.py")), *sorted((ROOT / "docs").rglob("*.md")),
             README, ROOT / "Makefile", *sorted((ROOT / "tests").glob("*.py"))]  # fmt: skip
    named: dict[str, set[str]] = {}
    for path in files:
        if path == Path(__file__).resolve():
            continue  # this test's own examples
        for match in EXTRA.finditer(path.read_text(encoding="utf-8")):
            for extra in match.group(1).split(","):
                named.setdefault(extra.strip(), set()).add(str(path.relative_to(ROOT)))
    unknown = {extra: sorted(where) for extra, where in named.items() if extra not in extras}
    assert not unknown, f"extras not in pyproject.toml ({sorted(extras)}): {unknown}"
    assert {"ray", "dev", "test-gambit"} <= set(named)  # the scan finds the hints that exist
