"""A stacked ensemble of the outcome models: a convex combination of their predictions whose
weights minimise the absolute error (DECISIONS STK-1..STK-4).

It is an estimator of the DEU backtest, not a registered model: its weights are learned from
DEU outcomes and mean nothing for another kind of case (DECISIONS STK-1).

References
----------
Wolpert, D. H. (1992). Stacked generalization. *Neural Networks* 5(2), 241-259.
Breiman, L. (1996). Stacked regressions. *Machine Learning* 24(1), 49-64 (non-negative
weights).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detente.contract import Params
from detente.errors import DetenteError


def l1_simplex_weights(predictions: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """The weights ``w >= 0, Σ w = 1`` minimising ``Σ_k |Σ_m w_m P_km - y_k|``.

    Solved exactly as a linear programme (HiGHS): minimise ``Σ_k t_k`` subject to
    ``-t <= P w - y <= t``. Where several weight vectors tie, HiGHS returns one of them
    deterministically.

    Parameters
    ----------
    predictions:
        (cases, members) member predictions.
    outcome:
        (cases,) observed outcomes.
    """
    from scipy.optimize import linprog

    p = np.asarray(predictions, dtype=float)
    y = np.asarray(outcome, dtype=float)
    n, m = p.shape
    cost = np.concatenate([np.zeros(m), np.ones(n)])
    eye = np.eye(n)
    a_ub = np.block([[p, -eye], [-p, -eye]])
    b_ub = np.concatenate([y, -y])
    a_eq = np.concatenate([np.ones(m), np.zeros(n)])[None, :]
    res = linprog(
        cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=(0, None), method="highs"
    )
    if not res.success:  # pragma: no cover - a feasible bounded LP always solves
        raise DetenteError(f"the stacking weights did not solve: {res.message}")
    w = np.clip(np.asarray(res.x[:m], dtype=float), 0.0, None)
    return np.asarray(w / w.sum())


class StackedEnsemble(Params):
    """Outcome = ``Σ_m w_m ŷ_m``, weights non-negative and summing to 1 (Breiman 1996), fitted
    by least absolute error (:func:`l1_simplex_weights`) on the training cases.

    Parameters
    ----------
    members:
        The member models' names, the columns of the prediction matrices (default: none
        given, set by the caller).

    Attributes
    ----------
    weights_ : np.ndarray
        The fitted weights, one per member (after :meth:`fit`).
    """

    def __init__(self, members: Sequence[str] = ()) -> None:
        self.members = members

    def fit(self, predictions: np.ndarray, outcome: np.ndarray) -> StackedEnsemble:
        """Learn the weights from (cases, members) predictions and the outcomes."""
        p = np.asarray(predictions, dtype=float)
        y = np.asarray(outcome, dtype=float)
        if p.ndim != 2 or p.shape[1] != len(self.members) or p.shape[0] != y.shape[0]:
            raise DetenteError(
                f"predictions must be (cases, {len(self.members)} members) and match the "
                f"outcomes; got {p.shape} and {y.shape}",
                where="predictions",
            )
        if not (np.isfinite(p).all() and np.isfinite(y).all()):
            raise DetenteError("predictions and outcomes must be finite", where="predictions")
        self.weights_ = l1_simplex_weights(p, y)
        return self

    def predict(self, predictions: np.ndarray) -> np.ndarray:
        """The weighted combination of (cases, members) predictions."""
        if not hasattr(self, "weights_"):
            raise DetenteError("fit the ensemble before predicting", where="StackedEnsemble")
        return np.asarray(np.asarray(predictions, dtype=float) @ self.weights_)


def cross_validated_stack(
    predictions: np.ndarray,
    outcome: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    members: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Held-out ensemble predictions: in each fold the weights are fitted on the training
    cases only and predict the held-out ones (DECISIONS STK-2).

    Returns the (cases,) held-out predictions and the (folds, members) weights per fold.
    """
    held_out = np.full(len(outcome), np.nan)
    weights = np.zeros((len(folds), len(members)))
    for k, (train, test) in enumerate(folds):
        model = StackedEnsemble(members).fit(predictions[train], outcome[train])
        held_out[test] = model.predict(predictions[test])
        weights[k] = model.weights_
    return held_out, weights
