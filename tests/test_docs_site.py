"""The documentation site builds offline with ``mkdocs build --strict`` (this is how
``make test`` builds it), renders the numpydoc docstrings of the API reference, loads no
remote font, and every documentation page that the package's messages cite exists
(DECISIONS DOC-1, DOC-2, DOC-4)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from detente.paths import DOCS_URL, docs_page

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "detente"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WARNING" not in result.stderr, result.stderr[-3000:]
    return out


def test_every_docs_page_is_built(site: Path) -> None:
    for page in DOCS.rglob("*.md"):
        rel = page.relative_to(DOCS).with_suffix("")
        built = site / ("index.html" if rel.name == "index" else rel / "index.html")
        assert built.is_file(), f"{page} was not built"


def test_the_api_reference_renders_numpydoc_parameters(site: Path) -> None:
    html = (site / "api" / "errors" / "index.html").read_text(encoding="utf-8")
    assert "DetenteError" in html
    # the numpydoc "Parameters" section became a table with the parameters' types
    assert re.search(r"Parameters.*?message.*?str", html, re.S), "no parameter table"
    spec = (site / "api" / "spec" / "index.html").read_text(encoding="utf-8")
    assert "Scenario" in spec and "doc-class" in spec


def test_the_site_fetches_nothing_at_view_time(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text, page
        assert not re.search(r'<script[^>]+src="https?://', text), page
        assert not re.search(
            r'<link rel="(stylesheet|preconnect|preload|icon)"[^>]+href="https?://', text
        ), page


_CITED = re.compile(r"""docs_page\(\s*["']([a-z0-9_/\-]+)["']""")
_LINKED = re.compile(r"detente\.readthedocs\.io/en/latest/([a-z0-9_/\-]+?)/")
"""A literal address of the site: in a docstring that is a help text (a command's, an API
model's), where ``docs_page`` cannot be called."""
_RAW = re.compile(r"docs/[A-Za-z0-9_/\-]+\.md")


def _string_literals(path: Path) -> list[str]:
    """The string constants of a module that are not docstrings (messages, help texts)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {  # module, class, function and attribute docstrings: bare string statements
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_every_page_cited_from_the_package_exists() -> None:
    cited = {
        page
        for path in SRC.rglob("*.py")
        for text in [path.read_text(encoding="utf-8")]
        for page in [*_CITED.findall(text), *_LINKED.findall(text)]
    }
    assert len(cited) >= 5, cited
    for page in cited:
        assert (DOCS / f"{page}.md").is_file(), f"docs_page({page!r}) names no page in docs/"


def test_no_message_cites_a_file_a_pip_user_does_not_have() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {text[:80]!r}"
        for path in SRC.rglob("*.py")
        for text in _string_literals(path)
        if _RAW.search(text)
    ]
    # a command's docstring is its --help text, an API model's its OpenAPI description
    for path in [*(SRC / "cli").glob("*.py"), SRC / "web" / "schemas.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [
            f"{path.relative_to(ROOT)}: {node.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.ClassDef)
            and _RAW.search(ast.get_docstring(node) or "")
        ]
    assert offenders == []


def test_docs_page_builds_the_site_url() -> None:
    assert docs_page("war_model") == f"{DOCS_URL}war_model/"
    anchored = docs_page("cli", "reading-the-forecast-table")
    assert anchored.endswith("/cli/#reading-the-forecast-table")
    assert DOCS_URL.startswith("https://") and DOCS_URL.endswith("/")


def test_the_schemas_page_publishes_every_shipped_schema(site: Path) -> None:
    html = (site / "schemas" / "index.html").read_text(encoding="utf-8")
    for title in ("scenario file", "forecast", "simulate", "durability", "outlook"):
        assert f"detente {title}" in html.replace("&quot;", '"'), title


# The public API pages that every parameter of every public function and method documents
# (numpydoc "Parameters"; the types come from the annotations). A method that implements the
# model contract may rely on the contract's docstring (OutcomeModel). Dataclass and pydantic
# constructors are left out: their fields are attributes, documented where they are declared.
DOCUMENTED_API = {
    "detente.registry": ["select", "get", "outcome_models"],
    "detente.errors": ["DetenteError"],
    "detente.spec.scenario": ["Scenario", "Issue"],
    "detente.models": [
        *("get_model", "OutcomeModel", "Forecast", "IssueDraws", "Convergence"),
        *("Compromise", "WeightedMedian", "NashBargaining", "ExpectedUtility"),
    ],
    "detente.scenario": [
        *("load_scenario", "parse_text", "parse_yaml", "parse_ktab_csv", "parse_bdm_csv"),
        *("to_yaml", "to_frame", "from_frame", "edit_campaign"),
    ],
    "detente.models.pce": [
        *("votes", "coalitions", "victory_probabilities", "conditional_pce"),
        *("markov_uniform_pce", "markov_incentive_pce", "ProbabilisticCondorcet"),
    ],
    "detente.models.exchange": ["Trade", "ExchangeRun", "run_exchanges", "ExchangeModel"],
    "detente.models.kalai": ["KalaiSmorodinsky"],
    "detente.models.power": ["shapley_shubik", "banzhaf", "power_index"],
    "detente.uncertainty.stability": ["StabilityBand", "Bands", "stability_bands"],
    "detente.uncertainty.compare": ["compare"],
    "detente.levers.search": ["advise", "actor_levers"],
    "detente.levers.result": ["Option", "rank", "Advice", "verdict"],
    "detente.ledger": [
        *("Forecast", "Forecaster", "Quantile", "Question", "Sealed"),
        *("canonical_json", "entry_hash"),
    ],
    "detente.ledger.scoring": ["brier", "log_score", "crps", "score"],
    "detente.durability": [
        *("AgreementData", "BoostedCoxModel", "CrossValidation", "DealMapping"),
        *("DurabilityForecast", "FittedResumptionHazard", "SurvivalModel"),
        *("calibration_table", "cross_validate", "get_model", "holdout_concordance"),
        *("load_mapping", "parse_deal", "read_agreements"),
    ],
    "detente.outlook": [
        *("AalenJohansen", "CauseSpecificCox", "CrossValidation", "EpisodeData"),
        *("OutlookModel", "OutsideView", "ReferenceClass", "WarDescription"),
        *("calibration_table", "cross_validate", "cumulative_incidence", "get_preset"),
        *("get_reference", "load_cow", "load_reference", "nearest_cases", "outside_view"),
        *("pool_log", "read_cow_wars", "read_episodes", "read_nmc"),
    ],
    "detente.contract": ["Tags", "Output", "Result", "Draws", "Model", "Params", "rng_of"],
    "detente.war.model": [
        *("default_deal_by", "changes_grid", "weeks_until", "deal_terms", "solve_campaign"),
        *("RunStats", "WarOutput", "PathOutput", "sweep_values", "headline_values"),
        *("MemoSolver", "WarRun", "summarise", "WarModel", "deal_sensitivity"),
        *("refuse_grid_changes", "evaluate_draws", "campaign_with", "evaluate_campaign"),
        "document",
    ],
    "detente.war.simulate": ["Paths", "reject_values", "simulate"],
    "detente.war.report": ["p_deal_by_date", "fan_chart", "deal_by_chart", "save_plot"],
    "detente.uncertainty.sensitivity": [
        *("salib_seed", "SobolDesign", "SensitivityResult", "design", "unit_jobs"),
        *("analyze", "sensitivity", "sensitivity_document", "index_rows"),
    ],
    "detente.uncertainty.sweep": [
        *("Band", "Summary", "summarize", "convergence", "ChunkSink", "MemorySink"),
        *("run_chunks", "resolve_models", "summarize_outputs", "SweepResult", "sweep"),
        *("series_results", "sweep_document", "war_evaluator", "finite_or_none"),
    ],
}


def _undocumented_parameters() -> list[str]:
    import griffe

    pkg = griffe.load("detente", search_paths=[str(ROOT / "src")], docstring_parser="numpy")
    contract = pkg["models.base.OutcomeModel"]

    def documented(obj: griffe.Object | griffe.Alias | None) -> set[str]:
        if obj is None or obj.docstring is None:
            return set()
        kinds = {griffe.DocstringSectionKind.parameters, griffe.DocstringSectionKind.attributes}
        return {
            p.name
            for section in obj.docstring.parse("numpy", warnings=False)
            if section.kind in kinds
            for p in section.value
        }

    def lacking(fn: griffe.Object | griffe.Alias, owner: griffe.Object | None) -> list[str]:
        known = documented(fn)
        if owner is not None and fn.name in contract.members:
            known |= documented(contract.members[fn.name])
        variadic = {"variadic positional", "variadic keyword"}
        return [
            p.name
            for p in fn.parameters
            if p.name not in ("self", "cls") and p.kind.value not in variadic
            if p.name not in known and f"**{p.name}" not in known
        ]

    found = []
    for module, names in DOCUMENTED_API.items():
        for name in names:
            obj = pkg[f"{module.removeprefix('detente.')}.{name}"]
            obj = obj.final_target if obj.is_alias else obj
            if obj.is_function:
                found += [f"{obj.path}({p})" for p in lacking(obj, None)]
                continue
            assert obj.docstring is not None, f"{obj.path} has no docstring"
            for member_name, member in obj.members.items():
                if member.is_alias or not member.is_function or member_name.startswith("_"):
                    continue
                found += [f"{member.path}({p})" for p in lacking(member, obj)]
    return found


def test_the_public_api_documents_every_parameter() -> None:
    assert _undocumented_parameters() == []


def test_the_site_url_is_the_one_messages_cite() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(rf"^site_url: {re.escape(DOCS_URL)}(\s|$)", config, re.M)
