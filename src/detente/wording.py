"""Small wording helpers shared by tables, reports and messages."""

from __future__ import annotations


def plural(n: float, noun: str, plural_form: str | None = None) -> str:
    """``"1 year"``, ``"3 years"``, ``"2.5 years"``: a count with its noun in the right number.

    >>> plural(1, "year"), plural(5, "year"), plural(2, "issue")
    ('1 year', '5 years', '2 issues')
    """
    word = noun if n == 1 else (plural_form or f"{noun}s")
    return f"{n:g} {word}" if isinstance(n, float) else f"{n} {word}"
