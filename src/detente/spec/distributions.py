"""Distributions on scenario numbers: parsed from YAML, validated, and sampled.

Any number of a scenario can be written as a distribution instead of a point value::

    salience: {triangular: [20, 35, 60], note: "why"}   # low, mode, high
    position: {normal: [40, 8]}                          # mean, sd; truncated to the field
    position: {normal: [40, 8], truncate: [30, 60]}      # ... and to [30, 60]
    capability: {uniform: [0.02, 0.05]}                  # low, high
    status_quo: {choice: [70, 81, 90], p: [0.2, 0.6, 0.2]}

The number's ``value`` (what every deterministic model uses) is the distribution's central
value unless ``value:`` is written as well: the mode of a triangular, the mean of a normal,
the midpoint of a uniform, the most probable option of a choice (the first listed among
equally probable ones) (DECISIONS UNC-1). A normal is always truncated to the field's valid
range (salience 0-100, capability >= 0, position and status quo the issue's scale), so every
draw is a valid scenario (DECISIONS UNC-2).

This module declares and validates distributions; it imports only pydantic and numpy (the
spec layer). They are sampled through their quantile function,
:func:`detente.uncertainty.sampling.quantiles`, on uniform numbers in [0, 1): Monte Carlo
draws and Sobol' sequences share one code path.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

Kind = Literal["triangular", "normal", "uniform", "choice"]
KINDS: tuple[str, ...] = ("triangular", "normal", "uniform", "choice")
_SYNTAX = (
    "triangular: [low, mode, high], normal: [mean, sd], uniform: [low, high], "
    "choice: [a, b, ...] (with optional p: [...])"
)
_ARITY = {"triangular": "[low, mode, high]", "normal": "[mean, sd]", "uniform": "[low, high]"}


def _g(x: float) -> str:
    return f"{x:g}"


class Distribution(BaseModel):
    """A distribution of one scenario number.

    Attributes
    ----------
    kind : ``"triangular"``, ``"normal"``, ``"uniform"`` or ``"choice"``.
    params : ``[low, mode, high]``, ``[mean, sd]``, ``[low, high]``, or the options.
    p : the options' probabilities (choice only; default equal).
    truncate : ``[low, high]`` to truncate a normal to, inside the field's own range.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    params: tuple[float, ...]
    p: tuple[float, ...] | None = None
    truncate: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _check(self) -> Distribution:
        k, v = self.kind, self.params
        if not all(math.isfinite(x) for x in v):
            raise ValueError(f"{k} {list(v)} has a non-finite number; write finite numbers")
        if k in _ARITY and len(v) != len(_ARITY[k].split(",")):
            raise ValueError(f"{k} needs {_ARITY[k]}, got {len(v)} number(s)")
        if k == "triangular" and not v[0] <= v[1] <= v[2]:
            raise ValueError(
                f"triangular {self.describe_params()} needs low <= mode <= high; "
                "write [low, mode, high]"
            )
        if k == "uniform" and v[0] > v[1]:
            raise ValueError(f"uniform {self.describe_params()} has low > high; write [low, high]")
        if k == "normal" and v[1] < 0:
            raise ValueError(f"normal {self.describe_params()} has sd < 0; give sd >= 0")
        if k == "choice" and not v:
            raise ValueError("choice needs at least one option, e.g. choice: [10, 20, 30]")
        if self.p is not None:
            if k != "choice":
                raise ValueError(f"p: is only for choice, not {k}; remove it")
            if len(self.p) != len(v):
                raise ValueError(
                    f"choice has {len(v)} options but p has {len(self.p)}; give one each"
                )
            if any(not math.isfinite(x) or x < 0 for x in self.p):
                raise ValueError("p has a negative or non-finite probability; use 0..1")
            if abs(sum(self.p) - 1.0) > 1e-6:
                raise ValueError(f"p sums to {sum(self.p):g}; make the probabilities sum to 1")
        if self.truncate is not None:
            if k != "normal":
                raise ValueError(f"truncate: is only for normal, not {k}; remove it")
            lo, hi = self.truncate
            if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
                raise ValueError("truncate must be [low, high] with finite low < high")
            if not lo <= v[0] <= hi:
                raise ValueError(
                    f"normal mean {_g(v[0])} is outside truncate [{_g(lo)}, {_g(hi)}]; "
                    "put the mean inside"
                )
        return self

    # -- descriptions -----------------------------------------------------------------------
    def describe_params(self) -> str:
        return "[" + ", ".join(_g(x) for x in self.params) + "]"

    def describe(self) -> str:
        """E.g. ``"triangular [20, 35, 60]"``."""
        out = f"{self.kind} {self.describe_params()}"
        if self.p is not None:
            out += " p=[" + ", ".join(_g(x) for x in self.p) + "]"
        if self.truncate is not None:
            out += f" truncated to [{_g(self.truncate[0])}, {_g(self.truncate[1])}]"
        return out

    def probabilities(self) -> np.ndarray:
        """The options' probabilities (choice only)."""
        if self.p is None:
            return np.full(len(self.params), 1.0 / len(self.params))
        p = np.asarray(self.p, dtype=float)
        return np.asarray(p / p.sum())

    def central(self) -> float:
        """The value deterministic models use: mode, mean, midpoint or most probable option."""
        v = self.params
        if self.kind == "triangular":
            return v[1]
        if self.kind == "normal":
            return v[0]
        if self.kind == "uniform":
            return (v[0] + v[1]) / 2.0
        return v[int(np.argmax(self.probabilities()))]

    def support(self) -> tuple[float, float]:
        """The smallest and largest value a draw can take, before the field's truncation."""
        v = self.params
        if self.kind == "normal":
            if v[1] == 0:
                return v[0], v[0]
            return self.truncate if self.truncate is not None else (-math.inf, math.inf)
        if self.kind == "choice":
            return min(v), max(v)
        return v[0], v[-1]

    def shifted(self, delta: float) -> Distribution:
        """The same distribution moved by ``delta`` (its options, ends, mode or mean, and its
        ``truncate``); its spread and probabilities are kept."""
        if delta == 0:
            return self
        params = (
            (self.params[0] + delta, self.params[1])
            if self.kind == "normal"
            else tuple(x + delta for x in self.params)
        )
        truncate = (
            None if self.truncate is None else (self.truncate[0] + delta, self.truncate[1] + delta)
        )
        return Distribution(kind=self.kind, params=params, p=self.p, truncate=truncate)

    def outside(
        self, lo: float, hi: float, *, open_low: bool = False, open_high: bool = False
    ) -> str | None:
        """Why the distribution can leave the field's range, or None. The range is ``[lo, hi]``,
        with ``lo`` (``hi``) itself excluded when ``open_low`` (``open_high``).

        A normal without ``truncate`` is truncated to the range when sampled, so only its mean
        must lie inside.
        """

        def below(x: float) -> bool:
            return x < lo or (open_low and x <= lo)

        def above(x: float) -> bool:
            return x > hi or (open_high and x >= hi)

        if self.kind == "normal" and self.truncate is None:
            m = self.params[0]
            inside = not (below(m) or above(m))
            return None if inside else f"the {self.describe()} has its mean {_g(m)}"
        s_lo, s_hi = self.support()
        if below(s_lo):
            return f"the {self.describe()} reaches {_g(s_lo)}"
        if above(s_hi):
            return f"the {self.describe()} reaches {_g(s_hi)}"
        return None


def as_number(raw: Any) -> Any:
    """The BeforeValidator of a scenario number: ``42``, ``{value: 42, note: ...}``, or a
    distribution ``{triangular: [20, 35, 60], note: ...}``, into the fields of ``Sourced``.

    Raises ``ValueError`` (which the scenario validation turns into a one-line error naming
    the field) for an unknown kind, two kinds at once, or bad parameters.
    """
    if not isinstance(raw, dict):
        return {"value": raw}
    kinds = [k for k in raw if k in KINDS]
    if not kinds:
        unknown = [k for k in raw if k not in ("value", "note", "distribution", "p", "truncate")]
        if unknown and "value" not in raw and "distribution" not in raw:
            raise ValueError(
                f"{unknown[0]!r} is not a known distribution; write one of {_SYNTAX}, or value: N"
            )
        return raw
    if len(kinds) > 1:
        raise ValueError(f"gives two distributions ({', '.join(kinds)}); keep one")
    if "distribution" in raw:
        raise ValueError(f"gives both {kinds[0]}: and distribution:; keep one")
    kind = kinds[0]
    params = raw[kind]
    if not isinstance(params, list | tuple):
        raise ValueError(f"{kind} must be a list of numbers, e.g. {kind}: {_example(kind)}")
    spec: dict[str, Any] = {"kind": kind, "params": params}
    for key in ("p", "truncate"):
        if key in raw:
            spec[key] = raw[key]
    try:
        dist = Distribution.model_validate(spec)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] != "value_error":
            where = ".".join(str(p) for p in err["loc"])
            msg = f"{kind}: {where} {msg}; write {kind}: {_example(kind)}"
        raise ValueError(msg) from None
    out = {k: v for k, v in raw.items() if k not in (kind, "p", "truncate")}
    out["distribution"] = dist
    out.setdefault("value", dist.central())
    return out


def _example(kind: str) -> str:
    return {
        "triangular": "[20, 35, 60]",
        "normal": "[40, 8]",
        "uniform": "[20, 60]",
        "choice": "[10, 20, 30]",
    }[kind]


def check_value(value: float, dist: Distribution | None) -> None:
    """An explicit ``value:`` next to a distribution must lie in its support."""
    if dist is None:
        return
    lo, hi = dist.support()
    if not lo <= value <= hi:
        raise ValueError(
            f"value {_g(value)} lies outside its {dist.describe()}; "
            "give a value the distribution can take, or leave value out"
        )


def check_range(
    dist: Distribution | None,
    lo: float,
    hi: float,
    fix: str,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> None:
    """Raise ``ValueError`` if ``dist`` can take a value outside the field's range (``[lo, hi]``,
    an end excluded where ``open_low`` / ``open_high``)."""
    if dist is None:
        return
    why = dist.outside(lo, hi, open_low=open_low, open_high=open_high)
    if why is not None:
        raise ValueError(f"{why}, outside {_range(lo, hi, open_low, open_high)}; {fix}")


def _range(lo: float, hi: float, open_low: bool = False, open_high: bool = False) -> str:
    if math.isinf(hi):
        return f"{'>' if open_low else '>='} {_g(lo)}"
    return f"{'(' if open_low else '['}{_g(lo)}, {_g(hi)}{')' if open_high else ']'}"
