"""Levers: what an actor can change, and the search for the cheapest change reaching a goal.

Modules (import them directly; this package imports only :mod:`.spec`, which the scenario
schema needs, so that importing the schema stays cheap and free of cycles):

* :mod:`detente.spec.levers` lever declarations (the scenario's ``levers:``).
* :mod:`detente.levers.goals` the goal grammar of ``detente advise``.
* :mod:`detente.levers.closed_form` the compromise model's cheapest change, in closed form.
* :mod:`detente.levers.outcome` search against an outcome model's prediction on an issue.
* :mod:`detente.levers.war` search against the war-termination model.
* :mod:`detente.levers.search` :func:`~detente.levers.search.advise`, the entry point.
* :mod:`detente.levers.tornado` the tornado view (JSON and plot).
"""

from detente.spec.levers import Lever, Levers

__all__ = ["Lever", "Levers"]
