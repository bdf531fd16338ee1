"""What the ledger holds: a question, a forecast of it and who made it, validated with
pydantic; the canonical JSON of an entry and its SHA-256.

Canonical form (docs/ledger.md): ``json.dumps(body, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)`` encoded as UTF-8. Keys are sorted, there is no
whitespace, non-ASCII text is written as itself, integers as integers and floats as Python's
``repr`` (the shortest text that reads back as the same float, e.g. ``0.25``, ``1e-05``,
``1234.0``); NaN and infinity are refused. An entry's hash is the SHA-256 of those bytes,
and the bytes themselves are what the ledger stores, so anyone can check a hash without
re-serialising.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""

QuestionKind = Literal["binary", "numeric", "issue"]
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$")


def canonical_json(body: dict[str, Any]) -> str:
    """The canonical JSON text of ``body`` (module docstring).

    Parameters
    ----------
    body : dict of str to Any
        The entry to serialise (sorted keys, no whitespace, no NaN).
    """
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)  # fmt: skip


def entry_hash(text: str) -> str:
    """SHA-256 (hex) of an entry's canonical text, as UTF-8.

    Parameters
    ----------
    text : str
        The entry's canonical JSON text (:func:`canonical_json`).
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Frozen):
    """A resolvable question.

    ``binary``: an event by a date (outcome 0 or 1); ``numeric``: a number at a date (in
    ``unit``); ``issue``: an issue's outcome on its 0-100 scale.
    """

    id: str
    kind: QuestionKind
    text: str = Field(min_length=1)
    criteria: str = Field(min_length=1)
    resolves_on: date
    unit: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(
                f"question id {value!r} must start with a letter or digit and hold only "
                "letters, digits and . _ : / - (at most 200)"
            )
        return value


class Quantile(_Frozen):
    """One quantile of a numeric forecast: the ``value`` at probability ``level`` in (0, 1)."""

    level: float = Field(gt=0, lt=1)
    value: float = Field(allow_inf_nan=False)


class Forecast(_Frozen):
    """A probability (binary questions), or quantiles or samples (numeric and issue)."""

    p: float | None = Field(default=None, ge=0, le=1)
    quantiles: tuple[Quantile, ...] | None = None
    samples: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _one(self) -> Forecast:
        given = [k for k in ("p", "quantiles", "samples") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of a probability, quantiles or samples")
        if self.quantiles is not None:
            levels = [q.level for q in self.quantiles]
            if not levels or levels != sorted(set(levels)):
                raise ValueError("quantile levels must be distinct and increasing")
            values = [q.value for q in self.quantiles]
            if values != sorted(values):
                raise ValueError("quantile values must not decrease with the level")
        if self.samples is not None and (
            not self.samples or not all(math.isfinite(s) for s in self.samples)
        ):
            raise ValueError("samples must be one or more finite numbers")
        return self

    def fits(self, kind: QuestionKind) -> bool:
        """Whether this forecast's form suits a question of ``kind`` (a probability iff binary).

        Parameters
        ----------
        kind : QuestionKind
            The question's kind: ``binary``, ``numeric`` or ``issue``.
        """
        return (self.p is not None) == (kind == "binary")


class Forecaster(_Frozen):
    """``detente`` or a reference forecaster (a crowd, market or expert) with its source."""

    name: str = Field(min_length=1, max_length=200)
    source: str | None = None

    @model_validator(mode="after")
    def _source(self) -> Forecaster:
        if self.name != "detente" and not (self.source or "").strip():
            raise ValueError(
                f"forecaster {self.name!r} needs a source (--source: where the forecast was "
                "published, e.g. a URL and its date)"
            )
        return self


class Sealed(_Frozen):
    """A forecast as sealed: the question, the forecast, its maker and provenance."""

    question: Question
    forecast: Forecast
    forecaster: Forecaster
    scenario_hash: str | None = None
    detente_version: str
    seed: int | None = None

    @model_validator(mode="after")
    def _fits(self) -> Sealed:
        if not self.forecast.fits(self.question.kind):
            need = "a probability" if self.question.kind == "binary" else "quantiles or samples"
            raise ValueError(f"a {self.question.kind} question needs {need}")
        return self


def body_of(kind: str, payload: dict[str, Any], *, seq: int, prev: str, sealed_at: str) -> str:
    """The canonical text of ledger entry ``seq``: its payload with the entry's type, number,
    the previous entry's hash and the time of sealing (ISO 8601 UTC)."""
    return canonical_json(
        {"type": kind, "seq": seq, "prev": prev, "sealed_at": sealed_at, **payload}
    )
