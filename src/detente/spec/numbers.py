"""The number type of every hand-written input: a value, its source, and its uncertainty.

A scenario's positions, saliences and capabilities and a campaign's parameters are all
:class:`Sourced`: written in YAML as ``42``, ``{value: 42, note: "why 42"}`` or a
distribution such as ``{triangular: [20, 35, 60], note: "..."}`` (docs/uncertainty.md), whose
central value (mode or mean) then is ``value``. A number's valid range is declared once on
its field as :class:`Range` metadata (or :data:`ON_ISSUE_SCALE`), which both validates it and
gives its bounds (:meth:`detente.spec.paths.Path.bounds`). This module imports no other
layer, so both the scenario schema and the campaign spec build on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    FiniteFloat,
    GetCoreSchemaHandler,
    model_validator,
)

from detente.spec.distributions import Distribution, as_number, check_range, check_value


def _as_sourced(value: Any) -> Any:
    """Accept ``42``, ``{value: 42, note: "..."}`` or a distribution with an optional note."""
    if isinstance(value, Sourced):
        return value
    return as_number(value)


class Sourced(BaseModel):
    """A number with an optional source or rationale note and an optional distribution."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: FiniteFloat
    note: str | None = None
    distribution: Distribution | None = None
    """Uncertainty about the number; ``value`` is then its central value (mode/mean;
    DECISIONS UNC-1)."""

    @model_validator(mode="after")
    def _value_in_distribution(self) -> Sourced:
        check_value(self.value, self.distribution)
        return self


Number = Annotated[Sourced, BeforeValidator(_as_sourced)]


def require_range(
    v: Sourced,
    lo: float,
    hi: float,
    what: str,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> Sourced:
    """``v`` if its value and its whole distribution lie in the range (``[lo, hi]``, ``lo``
    or ``hi`` excluded where ``open_low`` / ``open_high``), else a ValueError saying ``what``
    the range means (e.g. ``"a probability lies in [0, 1]"``); :meth:`Range.check`."""
    return Range(lo, hi, what, open_low=open_low, open_high=open_high).check(v)


@dataclass(frozen=True)
class Range:
    """The valid range of a number, declared once on its field as ``Annotated`` metadata,
    e.g. ``Annotated[Number, Range(0, 1, "a probability lies in [0, 1]")]``.

    Pydantic validates through it (:meth:`check`: the value, then the whole distribution);
    :meth:`detente.spec.paths.Path.bounds` reads it back, so the sampling bounds of a number
    and a slider's range come from the same declaration. A field may carry several (salience:
    zero or more, then at most 100, each with its own message); its bounds are their
    intersection.

    ``what`` is the message after ``"is <value>; "`` when the value lies outside, ``fix`` (default
    ``what``) the fix named when its distribution can leave the range; ``open_low`` /
    ``open_high`` exclude an end.
    """

    lo: float = -math.inf
    hi: float = math.inf
    what: str = ""
    fix: str | None = None
    open_low: bool = False
    open_high: bool = False

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the range (its open ends excluded)."""
        below = x < self.lo or (self.open_low and x <= self.lo)
        above = x > self.hi or (self.open_high and x >= self.hi)
        return not (below or above or math.isnan(x))

    def check(self, v: Sourced) -> Sourced:
        """``v`` if its value and its whole distribution lie in the range, else a ValueError
        (the one-line message: ``"is 2; a probability lies in [0, 1]"``)."""
        if not self.contains(v.value):
            raise ValueError(f"is {v.value:g}; {self.what}")
        check_range(
            v.distribution,
            self.lo,
            self.hi,
            self.fix or self.what,
            open_low=self.open_low,
            open_high=self.open_high,
        )
        return v

    def __and__(self, other: Range) -> Range:
        """The intersection of two ranges (the tighter end of each side)."""
        if (other.lo, other.open_low) > (self.lo, self.open_low):
            lo, open_low = other.lo, other.open_low
        else:
            lo, open_low = self.lo, self.open_low
        if (other.hi, not other.open_high) < (self.hi, not self.open_high):
            hi, open_high = other.hi, other.open_high
        else:
            hi, open_high = self.hi, self.open_high
        return Range(lo, hi, open_low=open_low, open_high=open_high)

    @property
    def interval(self) -> tuple[float, float]:
        """``(lo, hi)``, the ends whether open or closed."""
        return (self.lo, self.hi)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        """Validate through :meth:`check` after the number itself is validated."""
        return AfterValidator(self.check).__get_pydantic_core_schema__(source, handler)


ANY_NUMBER = Range()


@dataclass(frozen=True)
class OnIssueScale:
    """Metadata of a number that lies on its issue's scale (a position, a status quo): its
    range is the scale of the issue it belongs to, known only in a scenario. The scenario's
    own validators check it (their messages name the actor and the issue);
    :meth:`detente.spec.paths.Path.bounds` reads the scale."""


ON_ISSUE_SCALE = OnIssueScale()
NON_NEGATIVE = Range(0.0, math.inf, "it must be zero or more")
PROBABILITY = Range(0.0, 1.0, "a probability lies in [0, 1]")
