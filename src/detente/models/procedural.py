"""Procedural variants of the compromise model: the legal rules bound the bargained outcome."""

from __future__ import annotations

from detente.models.base import IssueProblem, IssueSolution, OutcomeModel, respect_rule
from detente.models.compromise import weighted_mean


class ProceduralCompromise(OutcomeModel):
    """Outcome = the compromise (weighted mean), moved into the winset of the status quo.

    Achen's (2006) two stages: actors bargain to the capability × salience weighted mean,
    then the deal must pass the formal vote. A deal outside the set of points that a Council
    qualified majority (all member states under unanimity) and, under codecision, the EP
    prefer to the status quo is cut back to the nearest point that passes. Under unanimity the
    most status-quo-leaning member state bounds the outcome; under QMV the pivot of a
    qualified majority does. This is the compromise model's constrained answer under the
    issue's decision rule (:func:`detente.models.base.respect_rule`, DECISIONS SCN-9). In the
    DEU backtest the rule is the Council's: member states holding the regime's QMV share of
    the votes of the member states with a position (all of them under unanimity), and under
    codecision the European Parliament as a veto player (DECISIONS DEU-6). Without a known
    status quo or a binding rule it is the compromise model.

    References
    ----------
    Achen, C. H. (2006). Institutional realism and bargaining models. In Thomson et al.
    (eds.), *The European Union Decides*, ch. 4. Cambridge UP.
    Steunenberg, B. & Selck, T. J. (2006). Testing procedural models of EU legislative
    decision-making. Ibid., ch. 3.
    Tsebelis, G. (2002). *Veto Players*. Princeton UP.
    """

    name = "procedural"
    label = "Compromise within the winset of the status quo"
    reference = "Achen 2006; Steunenberg & Selck 2006; Tsebelis 2002"

    def solve_issue(self, problem: IssueProblem) -> IssueSolution:
        mean = float(weighted_mean(problem.position, problem.weight))
        return IssueSolution(outcome=respect_rule(problem, mean).constrained)
