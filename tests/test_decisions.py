"""docs/DECISIONS.md stays navigable and in step with the code.

Every entry is a ``### AREA-n Title`` heading with an anchor and a line in the contents; IDs
are unique and numbered 1..n per area in document order; every live entry is cited in
src/detente where the choice is made, a retired one nowhere in the code; and every ID cited
in src/, tests/, docs/, benchmarks/, scripts/ or README.md has an entry. The checks look at
IDs only, never at file paths, so modules can move freely.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DECISIONS = ROOT / "docs" / "DECISIONS.md"
PACKAGE = ROOT / "src" / "detente"
CITING = ("src", "tests", "docs", "benchmarks", "scripts", "README.md")

PREFIXES = (
    "SCN", "NASH", "BDM", "DEU", "UNC", "LEV", "CAL", "WAR", "DET", "DUR", "PRO", "REP", "WEB",
    "SPEC", "EVA", "LED", "OUT", "PCE", "POW", "KS", "DOC", "EXC", "STK", "DESK", "PERF", "PKG",
)  # fmt: skip
ID = rf"(?:{'|'.join(PREFIXES)})-[1-9][0-9]*"
CITATION = re.compile(rf"(?<![\w-])({ID})(?![\w-])")
HEADING = re.compile(rf"^### (?P<id>{ID}) (?P<title>\S.*?)(?P<retired> \(retired\))?$")
CONTENTS_LINE = re.compile(rf"^  - \[(?P<id>{ID})\]\(#(?P<anchor>[^)]+)\) (?P<title>\S.*)$")
SKIP_DIRS = {"__pycache__", ".git", ".venv", "node_modules", ".mypy_cache", ".ruff_cache"}


@cache
def _lines() -> tuple[str, ...]:
    return tuple(DECISIONS.read_text(encoding="utf-8").splitlines())


@cache
def _entries() -> tuple[tuple[int, str, str, bool], ...]:
    """(line index, ID, title, retired) of every ``###`` heading that has an ID."""
    out = []
    for k, line in enumerate(_lines()):
        m = HEADING.match(line)
        if m:
            out.append((k, m["id"], m["title"], m["retired"] is not None))
    return tuple(out)


def _text_files(top: Path) -> list[Path]:
    if top.is_file():
        return [top]
    return sorted(
        p
        for p in top.rglob("*")
        if p.is_file()
        and not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
        and not any(part.endswith(".egg-info") for part in p.parts)
    )


@cache
def _citations(*tops: str) -> dict[str, list[str]]:
    """Cited ID -> ``path:line`` where it is cited, over the text files under ``tops``."""
    found: dict[str, list[str]] = {}
    for top in tops:
        for path in _text_files(ROOT / top):
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue  # binary (images, compiled files)
            for n, line in enumerate(text.splitlines(), 1):
                for cited in CITATION.findall(line):
                    found.setdefault(cited, []).append(f"{path.relative_to(ROOT)}:{n}")
    return found


def test_every_entry_heading_has_an_id_of_the_scheme() -> None:
    bad = [
        f"line {k + 1}: {line}"
        for k, line in enumerate(_lines())
        if line.startswith("### ") and not HEADING.match(line)
    ]
    assert not bad, "entry headings must read '### AREA-n Title':\n" + "\n".join(bad)
    assert _entries()


def test_ids_are_unique_and_numbered_in_order_per_area() -> None:
    ids = [e[1] for e in _entries()]
    twice = [i for i, n in Counter(ids).items() if n > 1]
    assert not twice, f"IDs used more than once: {twice}"
    numbers: dict[str, list[int]] = {}
    for i in ids:
        prefix, number = i.rsplit("-", 1)
        numbers.setdefault(prefix, []).append(int(number))
    for prefix, seen in numbers.items():
        assert seen == list(range(1, len(seen) + 1)), f"{prefix} entries are {seen}, not 1..n"


def test_every_entry_has_an_anchor_and_a_contents_line() -> None:
    lines = _lines()
    for k, entry_id, _, _ in _entries():
        assert lines[k - 1] == f'<a id="{entry_id.lower()}"></a>', f"{entry_id} has no anchor"
    contents = [m for line in lines if (m := CONTENTS_LINE.match(line))]
    assert [m["id"] for m in contents] == [e[1] for e in _entries()], (
        "the contents must list every entry once, in document order"
    )
    for m in contents:
        assert m["anchor"] == m["id"].lower(), f"contents link of {m['id']} -> #{m['anchor']}"
    titles = {e[1]: e[2] + (" (retired)" if e[3] else "") for e in _entries()}
    for m in contents:
        assert m["title"] == titles[m["id"]], f"contents title of {m['id']} differs"


def test_every_live_entry_is_cited_in_the_package() -> None:
    cited = _citations("src/detente")
    missing = [e[1] for e in _entries() if not e[3] and e[1] not in cited]
    assert not missing, (
        "cite each where the choice is made in src/detente "
        f"(a comment or docstring such as '# DECISIONS SCN-2: ...'): {missing}"
    )


def test_retired_entries_are_not_cited_in_the_package() -> None:
    cited = _citations("src/detente")
    stale = {e[1]: cited[e[1]] for e in _entries() if e[3] and e[1] in cited}
    assert not stale, f"code cites retired decisions: {stale}"


def test_every_cited_id_has_an_entry() -> None:
    known = {e[1] for e in _entries()}
    unknown = {i: where for i, where in _citations(*CITING).items() if i not in known}
    assert not unknown, f"cited IDs with no entry in docs/DECISIONS.md: {unknown}"
