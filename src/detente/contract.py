"""The one contract every model kind follows: outcome models, the war model, durability and
the battlefield calibration.

Like scikit-learn's ``BaseEstimator`` and estimator tags, and Mesa's declared reporters:

* the constructor only stores its arguments (:class:`Params` reads them back as
  :meth:`~Params.get_params`; :meth:`~Params.clone` rebuilds the model from them);
* class attributes say what the model is: ``name`` (the registry key), ``label``,
  ``reference`` (the paper), :class:`Tags` and ``varies`` (the path prefixes of the numbers
  a sweep may vary);
* :meth:`Model.outputs` declares, once, every number the model reports (name, unit,
  tolerance); :meth:`Model.run` computes them on one input (``seed`` fixes every random
  draw) and returns a result with ``values()`` (one float per declared output) and
  ``to_dict()`` (JSON); :meth:`Model.evaluate` computes them on many draws of a scenario's
  uncertain numbers at once (batchable models) or one by one.

:func:`detente.testing.check_model` is the conformance suite of this contract (DECISIONS
SPEC-3: what each model kind takes as input).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, Self, runtime_checkable

import numpy as np

from detente.errors import DetenteError

InputKind = Literal["scenario", "agreements", "series"]
"""What :meth:`Model.run` takes: a :class:`~detente.spec.scenario.Scenario`, a UCDP
peace-agreement frame (durability) or a daily occupied-area series (calibration)."""


@dataclass(frozen=True)
class Tags:
    """What a model is, as data (scikit-learn's estimator tags)."""

    input: InputKind = "scenario"
    batchable: bool = False
    """:meth:`Model.evaluate` solves all draws at once (vectorised), not one by one."""
    stochastic: bool = False
    """:meth:`Model.run` draws random numbers (from its ``seed``)."""
    needs_campaign: bool = False
    """Needs a scenario with a war-termination ``campaign:``."""
    has_trajectory: bool = False
    """The result shows how the outcome unfolds (rounds or weeks), not just where it ends."""


@dataclass(frozen=True)
class Output:
    """One number a model reports."""

    name: str
    unit: str
    tolerance: float
    """How far two runs with the same inputs and seed may differ (0: bit-identical)."""
    description: str = ""


class Result(Protocol):
    """What :meth:`Model.run` returns."""

    def values(self) -> dict[str, float]:
        """One value per declared output, by name."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        ...


class Draws(Protocol):
    """Draws of a scenario's uncertain numbers (:class:`detente.uncertainty.sampling.
    ScenarioDraws`): ``n`` versions of the actor x issue arrays and of every named number."""

    @property
    def n(self) -> int: ...

    @property
    def position(self) -> np.ndarray:
        """(n, actors, issues); NaN where an actor takes no stance."""
        ...

    @property
    def salience(self) -> np.ndarray: ...

    @property
    def capability(self) -> np.ndarray: ...

    @property
    def status_quo(self) -> np.ndarray:
        """(n, issues); NaN where unknown."""
        ...

    @property
    def values(self) -> dict[str, np.ndarray]:
        """Each drawn number's (n,) values, by name (``campaign.<path>`` for campaigns)."""
        ...


@runtime_checkable
class Model(Protocol):
    """The model contract (see the module docstring)."""

    name: ClassVar[str]
    label: ClassVar[str]
    reference: ClassVar[str]
    tags: ClassVar[Tags]
    varies: ClassVar[tuple[str, ...]]

    def get_params(self) -> dict[str, Any]: ...

    def outputs(self, inputs: Any) -> list[Output]: ...

    def run(self, inputs: Any, seed: int | np.random.Generator = 0) -> Result: ...


class Params:
    """``get_params`` and ``clone`` from the constructor's signature: a model stores each
    argument unchanged under the argument's name. ``choices`` declares, as data, the
    arguments that take one of a few names (scikit-learn's parameter constraints);
    :meth:`check_choices` checks them when the model runs."""

    choices: ClassVar[Mapping[str, Sequence[str]]] = {}
    """Argument name -> the names it may take."""

    def check_choices(self) -> None:
        """Raise a one-line :class:`~detente.errors.DetenteError` for an argument of
        :attr:`choices` that is not one of its names."""
        for arg, allowed in self.choices.items():
            value = getattr(self, arg)
            if value not in allowed:
                raise DetenteError(
                    f"{type(self).__name__} {arg}={value!r} is not known; use one of: "
                    + ", ".join(allowed),
                    where=f"{getattr(self, 'name', type(self).__name__)}.{arg}",
                )

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, read back from the attributes that store them."""
        sig = inspect.signature(type(self).__init__)
        return {
            name: getattr(self, name)
            for name, p in sig.parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }

    def clone(self, **changes: Any) -> Self:
        """A new model with the same parameters, ``changes`` applied."""
        return type(self)(**(self.get_params() | changes))


def rng_of(seed: int | np.random.Generator) -> np.random.Generator:
    """A generator from a seed (an int >= 0) or the generator itself; never the global one.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        A seed >= 0, or a generator to use as is.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
