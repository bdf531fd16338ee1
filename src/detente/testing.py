"""The importable conformance suite of the model contract (cf. scikit-learn's
``check_estimator``): :func:`check_model` runs every check on one model class.

``tests/test_models_conformance.py`` runs it over every registered model
(:data:`detente.registry.REGISTRY`); a new model passes it and is done. A third-party model
can call it in its own tests::

    from detente.testing import check_model
    check_model(MyModel, scenario)

Each check raises ``AssertionError`` with what failed.
"""

from __future__ import annotations

import inspect
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.contract import Model, Output, Tags
from detente.models.base import OutcomeModel
from detente.spec.scenario import Scenario


def constructor_params(cls: type[Any]) -> dict[str, inspect.Parameter]:
    """The constructor's named parameters (what ``get_params`` must give back)."""
    sig = inspect.signature(cls.__init__)
    return {
        name: p
        for name, p in sig.parameters.items()
        if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


def check_metadata(cls: type[Any]) -> None:
    """Name, label, paper, tags and the numbers a sweep may vary are declared."""
    for attr in ("name", "label", "reference"):
        value = getattr(cls, attr, None)
        assert isinstance(value, str) and value.strip(), f"{cls.__name__}.{attr} is not set"
    assert isinstance(getattr(cls, "tags", None), Tags), f"{cls.__name__}.tags is not a Tags"
    varies = getattr(cls, "varies", None)
    assert isinstance(varies, tuple) and all(isinstance(v, str) for v in varies), (
        f"{cls.__name__}.varies must be a tuple of path prefixes"
    )
    for method in ("get_params", "outputs", "run"):
        assert callable(getattr(cls, method, None)), f"{cls.__name__} has no {method}()"


def check_constructor_stores_arguments(cls: type[Any]) -> None:
    """The constructor stores each argument unchanged under its own name and does nothing
    else (no validation, no derived attributes): scikit-learn's rule."""
    params = constructor_params(cls)
    default = cls()
    assert default.get_params() == {n: p.default for n, p in params.items()}, (
        f"{cls.__name__}().get_params() is not the constructor's defaults"
    )
    passed = {name: object() for name in params}
    built = cls(**passed)
    got = built.get_params()
    assert got.keys() == passed.keys(), f"{cls.__name__}.get_params() keys {sorted(got)}"
    for name, value in passed.items():
        assert got[name] is value, f"{cls.__name__} did not store {name!r} unchanged"
    extra = sorted(set(vars(built)) - set(params))
    assert not extra, f"{cls.__name__}.__init__ sets {extra}: store the arguments only"
    clone = built.clone()
    assert clone is not built and clone.get_params() == got, f"{cls.__name__}.clone()"


def check_outputs(model: Any, inputs: Any) -> list[Output]:
    """Declared outputs: a non-empty list of :class:`~detente.contract.Output`, unique
    names, units, tolerances >= 0."""
    outputs = model.outputs(inputs)
    assert outputs, f"{model.name} declares no outputs"
    assert all(isinstance(o, Output) for o in outputs), f"{model.name}.outputs() types"
    names = [o.name for o in outputs]
    assert len(set(names)) == len(names), f"{model.name} declares an output twice: {names}"
    for o in outputs:
        assert isinstance(o.unit, str), f"{model.name}.{o.name} has no unit"
        assert math.isfinite(o.tolerance) and o.tolerance >= 0, f"{model.name}.{o.name}"
    return list(outputs)


def _close(a: float, b: float, tol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= tol + 1e-12 * max(abs(a), abs(b))


def check_run(model: Any, inputs: Any) -> dict[str, float]:
    """:meth:`run` gives a value for exactly the declared outputs, the same values for the
    same seed (within each output's tolerance), and a JSON-ready ``to_dict()``; a model not
    tagged stochastic gives the same values for another seed too."""
    outputs = check_outputs(model, inputs)
    first = model.run(inputs, 0)
    values = first.values()
    assert list(values) == [o.name for o in outputs], (
        f"{model.name}.run().values() keys {list(values)} are not the declared outputs"
    )
    again = model.run(inputs, 0).values()
    seeds = [model.run(inputs, 1).values()] if not model.tags.stochastic else []
    for other in (again, *seeds):
        for o in outputs:
            assert _close(values[o.name], other[o.name], o.tolerance), (
                f"{model.name}: {o.name} is {values[o.name]!r} then {other[o.name]!r}"
            )
    json.dumps(first.to_dict())  # raises TypeError for anything that is not JSON
    return dict(values)


@dataclass(frozen=True)
class CentralDraws:
    """``n`` identical draws of a scenario at its central values (the Draws protocol)."""

    scenario: Scenario
    n: int = 2
    values: dict[str, np.ndarray] = field(default_factory=dict)

    def _repeat(self, a: np.ndarray) -> np.ndarray:
        return np.repeat(a[None], self.n, axis=0)

    @property
    def position(self) -> np.ndarray:
        return self._repeat(self.scenario.arrays().position)

    @property
    def salience(self) -> np.ndarray:
        return self._repeat(self.scenario.arrays().salience)

    @property
    def capability(self) -> np.ndarray:
        return self._repeat(self.scenario.arrays().capability)

    @property
    def status_quo(self) -> np.ndarray:
        return self._repeat(self.scenario.arrays().status_quo)


def check_evaluate(model: Any, inputs: Scenario, values: dict[str, float]) -> None:
    """:meth:`evaluate` on draws at the central values gives what :meth:`run` gives, for
    each output it evaluates, on every draw: the batch path and the single path agree."""
    if model.tags.input != "scenario":
        return
    draws = CentralDraws(inputs)
    batch = model.evaluate(inputs, draws, 0)
    assert batch, f"{model.name}.evaluate() returned nothing"
    declared = {o.name: o for o in model.outputs(inputs)}
    for name, column in batch.items():
        assert name in declared, f"{model.name}.evaluate() gives undeclared output {name!r}"
        assert np.shape(column) == (draws.n,), f"{model.name}.evaluate() {name} shape"
        for x in column:
            assert _close(float(x), values[name], declared[name].tolerance), (
                f"{model.name}: evaluate() gives {name} = {x!r}, run() {values[name]!r}"
            )


VETO_CASE = {
    "name": "veto-check",
    "issues": [{"name": "x", "status_quo": 40}],
    "actors": [
        {"name": "low", "capability": 1, "stances": {"x": {"position": 0, "salience": 50}}},
        {"name": "mid", "capability": 3, "stances": {"x": {"position": 60, "salience": 80}}},
        {"name": "high", "capability": 1, "stances": {"x": {"position": 100, "salience": 50}}},
    ],
}
"""One issue, status quo 40, an actor at either end of the 0-100 scale."""
VETO_WINSETS = {"high": (40.0, 100.0), "low": (0.0, 40.0)}
"""By hand: an actor at 100 accepts a move from 40 up to 100 (160, cut to the scale), one at
0 a move down to 0 (its mirror image of 40 is -40)."""


def check_respects_a_declared_veto(model: Any) -> None:
    """An outcome model's forecast meets a declared veto (DECISIONS SCN-9): with a veto
    player at either end of the scale (:data:`VETO_CASE`), the forecast is flagged exactly
    where it lies outside the hand-computed winset (:data:`VETO_WINSETS`), and its
    constrained answer is the winset's nearest point. Wherever the model's answer lies, one
    of the two vetoes blocks it unless it is the status quo."""
    for player, (low, high) in VETO_WINSETS.items():
        scenario = Scenario.model_validate(VETO_CASE | {"veto_players": [player]})
        f = model.predict(scenario)["x"]
        x = float(f.outcome)
        outside = x < low - 1e-9 or x > high + 1e-9
        where = f"{model.name} with veto player {player!r}, outcome {x:g}"
        assert f.rule == f"veto: {player}", f"{where}: rule {f.rule!r}"
        assert f.winset is not None and np.allclose(f.winset, (low, high)), (
            f"{where}: winset {f.winset}, by hand {(low, high)}"
        )
        assert bool(f.flagged) == outside, f"{where}: flagged={f.flagged}"
        assert _close(float(f.constrained), min(max(x, low), high), 1e-9), (
            f"{where}: constrained {f.constrained}, by hand {min(max(x, low), high)}"
        )
        assert f.to_dict()["flagged"] == outside, f"{where}: to_dict() loses the flag"


def check_model(cls: type[Any], inputs: Any, **params: Any) -> None:
    """Every check of the contract on ``cls``, built with ``params``, run on ``inputs``
    (what its ``tags.input`` says it takes).

    Raises
    ------
    AssertionError
        The first check that fails, saying what failed.
    """
    check_metadata(cls)
    check_constructor_stores_arguments(cls)
    model = cls(**params)
    assert isinstance(model, Model), f"{cls.__name__} does not follow the Model protocol"
    values = check_run(model, inputs)
    if hasattr(model, "evaluate"):
        check_evaluate(model, inputs, values)
    if isinstance(model, OutcomeModel):
        check_respects_a_declared_veto(model)
