"""The number type of every hand-written input: a value, its source, and its uncertainty.

A scenario's positions, saliences and capabilities and a campaign's parameters are all
:class:`Sourced`: written in YAML as ``42``, ``{value: 42, note: "why 42"}`` or a
distribution such as ``{triangular: [20, 35, 60], note: "..."}`` (docs/uncertainty.md), whose
central value (mode or mean) then is ``value``. This module imports no other layer, so both
the scenario schema and the campaign spec build on it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, FiniteFloat, model_validator

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
    the range means (e.g. ``"a probability lies in [0, 1]"``)."""
    below = v.value < lo or (open_low and v.value <= lo)
    above = v.value > hi or (open_high and v.value >= hi)
    if below or above:
        raise ValueError(f"is {v.value:g}; {what}")
    check_range(v.distribution, lo, hi, what, open_low=open_low, open_high=open_high)
    return v
