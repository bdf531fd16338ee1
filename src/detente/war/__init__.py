"""The war-termination model: a campaign solved by backward induction and simulated.

* :mod:`detente.war.solver` the belligerents' and the mediator's policies, week by week
  (backward induction over territory and beliefs about the mediator's type);
* :mod:`detente.war.beliefs` Bayes' rule on the mediator's type (actions, cheap talk);
* :mod:`detente.war.simulate` Monte Carlo paths under the solved policies;
* :mod:`detente.war.hazard` the hazard that a deal breaks down (Weibull or the UCDP fit);
* :mod:`detente.war.report` the stable JSON document of a run, and its plot.

The campaign itself is declared in :mod:`detente.spec.campaign`; the battlefield gains come
from :mod:`detente.calibration`.
"""
