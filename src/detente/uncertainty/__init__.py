"""Uncertainty: distributions on scenario numbers, Monte Carlo sweeps, Sobol' sensitivity.

Modules (import them directly; this package imports only :mod:`.distributions`, which the
scenario schema needs, so that importing the schema stays cheap and free of cycles):

* :mod:`detente.spec.distributions` parse, validate and sample one number.
* :mod:`detente.uncertainty.sampling` draws of a whole scenario as arrays.
* :mod:`detente.uncertainty.evaluators` what is computed on each draw (the outcome models, the
  war model), behind one protocol the sweep, Sobol' and store code run.
* :mod:`detente.uncertainty.backends` inline, process-pool and Ray execution of chunks.
* :mod:`detente.uncertainty.sweep` chunked Monte Carlo sweeps and their summaries.
* :mod:`detente.uncertainty.sensitivity` Sobol' first- and total-order indices (SALib).
"""

from detente.spec.distributions import KINDS, Distribution

__all__ = ["KINDS", "Distribution"]
