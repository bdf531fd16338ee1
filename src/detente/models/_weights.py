"""Weighting helpers shared by the one-shot models."""

from __future__ import annotations

import numpy as np


def effective_weights(weight: np.ndarray) -> np.ndarray:
    """Weights along the last axis, with equal weights where they all are zero.

    An issue on which every actor has zero capability × salience has no weighted answer;
    treating the actors as equal keeps the forecast defined (docs/DECISIONS.md, SCN-3).
    """
    weight = np.asarray(weight, dtype=float)
    total = weight.sum(axis=-1, keepdims=True)
    return np.where(total > 0, weight, 1.0)
