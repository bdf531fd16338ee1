"""What a one-line error message must hold: ``what is wrong; the fix``.

Shared by the hypothesis fuzzers (tests/test_fuzz_inputs.py) and the atheris fuzzer
(benchmarks/fuzz_atheris.py). A bare ``;`` is not a fix: the clause after it must instruct
(``write a finite number``), state what is required (``must be text``, ``an event file needs
date, ...``) or say where to look (``closest: John Tyler``). No pytest import here.
"""

from __future__ import annotations

import re

FIX = re.compile(
    r"\b(must|needs?|write|give|use|add|remove|fill|keep|put|set|save|split|check|choose"
    r"|correct|flatten|make|sort|rename|replace|drop|pick|declare|widen|trim|shorten|quote"
    r"|install|reinstall|run|rerun|wait|fix|see|closest)\b"
)
"""The words of a fix."""


def why_no_fix(message: str) -> str | None:
    """None when ``message`` names a fix: ``what is wrong; the fix`` with the fix after the
    first ``; ``, or, in one clause, the fix itself (``name: must be text``); else why not."""
    problem, sep, fix = message.partition("; ")
    if sep:
        if not problem.strip():
            return f"no problem before the fix: {message}"
        if not FIX.search(fix):
            return f"no fix after the '; ': {message}"
        return None
    return None if FIX.search(message) else f"no fix named: {message}"


def why_not_one_line(message: str) -> str | None:
    """None when ``message`` is one line without a traceback; else why not."""
    if "\n" in message or "\r" in message:
        return f"more than one line: {message!r}"
    if "Traceback" in message or 'File "' in message:
        return f"a traceback: {message}"
    return None
