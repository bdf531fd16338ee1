"""The one domain exception of detente.

The library raises :class:`DetenteError` for every bad input; only the CLI and the web app
turn it into an exit code or an HTTP status, with its one-line message.
"""

from __future__ import annotations


def _one_line(text: str) -> str:
    """``text`` with every run of whitespace (line breaks included) made one space: a file
    name or a YAML key can hold a newline, and the message must stay one line."""
    return " ".join(text.split())


class DetenteError(Exception):
    """A user-facing error: one line naming where the problem is and how to fix it.

    Parameters
    ----------
    message : str
        What is wrong and the fix, as one line.
    source : str or None
        The file (or ``"<scenario>"`` for an in-memory object) the problem is in.
    where : str or None
        The line, column or field inside ``source``, e.g. ``"line 12, actors[2].salience"``.
    """

    def __init__(self, message: str, *, source: str | None = None, where: str | None = None):
        self.message = _one_line(message)
        self.source = None if source is None else _one_line(source)
        self.where = None if where is None else _one_line(where)
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message as one line: ``source: where: message``."""
        parts = [p for p in (self.source, self.where) if p]
        return ": ".join([*parts, self.message])

    def located(self, source: str | None = None, where: str | None = None) -> DetenteError:
        """A copy with the source and/or location filled in where they were missing.

        Parameters
        ----------
        source : str or None
            The file to name when the error does not name one yet.
        where : str or None
            The line or field to name when the error does not name one yet.
        """
        return DetenteError(self.message, source=self.source or source, where=self.where or where)
