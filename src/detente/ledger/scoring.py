"""Scores of a forecast against its question's outcome (docs/ledger.md), all negatively
oriented (lower is better).

- Brier score of a probability ``p`` of a binary event with outcome ``o`` (0 or 1):
  ``(p - o)**2`` (Brier 1950).
- Log score: ``-ln(p)`` if the event happened, ``-ln(1 - p)`` if not, with ``p`` clipped to
  ``[1e-4, 1 - 1e-4]`` (probabilities are sealed to 4 decimals, so 0 and 1 occur;
  DECISIONS LED-2) (Good 1952).
- CRPS of a numeric forecast (Gneiting & Raftery 2007, eq. 20): of samples ``x_1..x_m``,
  ``mean|x_i - y| - mean|x_i - x_j| / 2`` (``scoringrules.crps_ensemble``, the plain
  estimator); of quantiles ``q_a`` at levels ``a``, ``(2/|A|) * sum_a pinball_a(y, q_a)`` with
  ``pinball_a = a (y - q_a)`` if ``y >= q_a`` else ``(1 - a)(q_a - y)``
  (``scoringrules.crps_quantile``; Berrisch & Ziel 2023).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

LOG_CLIP = 1e-4


def brier(p: float, outcome: float) -> float:
    """Brier score ``(p - outcome)**2`` (Brier 1950).

    Parameters
    ----------
    p : float
        The forecast probability of the event, in [0, 1].
    outcome : float
        1 if the event happened, 0 if not.
    """
    return (p - outcome) ** 2


def log_score(p: float, outcome: float) -> float:
    """Log score ``-ln(p)`` or ``-ln(1 - p)``, ``p`` clipped to ``[LOG_CLIP, 1 - LOG_CLIP]``.

    Parameters
    ----------
    p : float
        The forecast probability of the event, in [0, 1].
    outcome : float
        1 if the event happened, 0 if not.
    """
    q = min(max(p, LOG_CLIP), 1 - LOG_CLIP)
    return -math.log(q if outcome == 1 else 1 - q)


def crps(forecast: dict[str, Any], outcome: float) -> float:
    """CRPS of a sealed numeric forecast (its ``samples`` or ``quantiles``) at ``outcome``.

    Parameters
    ----------
    forecast : dict of str to Any
        A sealed forecast body with ``samples`` (numbers) or ``quantiles`` (``level``,
        ``value`` pairs).
    outcome : float
        The resolved value.
    """
    import scoringrules as sr

    if forecast.get("samples") is not None:
        x = np.asarray(forecast["samples"], dtype=float)
        return float(sr.crps_ensemble(outcome, x, estimator="nrg", backend="numpy"))
    levels = np.array([q["level"] for q in forecast["quantiles"]], dtype=float)
    values = np.array([q["value"] for q in forecast["quantiles"]], dtype=float)
    return float(sr.crps_quantile(outcome, values, levels, backend="numpy"))


def score(kind: str, forecast: dict[str, Any], outcome: float) -> dict[str, float | None]:
    """The scores of one sealed forecast: Brier and log for binary questions, CRPS else.

    Parameters
    ----------
    kind : str
        The question's kind (``binary``, ``numeric`` or ``issue``).
    forecast : dict of str to Any
        The sealed forecast body (``p``, ``quantiles`` or ``samples``).
    outcome : float
        The resolved outcome (0 or 1 for a binary question).
    """
    if kind == "binary":
        p = float(forecast["p"])
        return {"brier": brier(p, outcome), "log": log_score(p, outcome), "crps": None}
    return {"brier": None, "log": None, "crps": crps(forecast, outcome)}
