"""How an issue is decided: its decision rule, written under an issue's ``decision:``.

Four rules (DECISIONS SCN-8)::

    decision: {rule: collective}                                # the default: no one can block
    decision: {rule: veto, veto_players: [Russia, Ukraine]}     # each named actor can block
    decision: {rule: unanimity}                                 # every actor with a stance can
    decision:
      rule: qualified_majority                                  # voters holding a share of the
      weights: {France: 29, Germany: 29, Malta: 3}              # weights must agree
      threshold: 0.739
      veto_players: [ep]                                        # optional: must agree as well

A rule says who must prefer a change to the status quo; every outcome model's answer is
checked against it in one place (:mod:`detente.models.rules`, DECISIONS SCN-9). A scenario's
``veto_players`` is the rule of every issue that declares none (DECISIONS SCN-6). This module
checks the rule's own fields; the scenario checks the names against its actors.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, field_validator, model_validator

RuleKind = Literal["collective", "veto", "unanimity", "qualified_majority"]
RULES: tuple[RuleKind, ...] = ("collective", "veto", "unanimity", "qualified_majority")


class DecisionRule(BaseModel):
    """Who must prefer a change of an issue to its status quo for the change to pass.

    ``collective``: no one (the models' answer stands, the default). ``veto``: each of
    ``veto_players``. ``unanimity``: every voter (the actors named in ``weights``, else every
    actor with a stance on the issue). ``qualified_majority``: voters holding at least
    ``threshold`` of the ``weights`` of the voters with a stance on the issue. Unanimity and
    qualified majority may name ``veto_players`` as well (e.g. the European Parliament under
    codecision). References: Tsebelis (2002), *Veto Players*; Steunenberg & Selck (2006).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: RuleKind = "collective"
    veto_players: list[str] = Field(
        default_factory=list, description="Actors whose consent any change needs."
    )
    weights: dict[str, FiniteFloat] | None = Field(
        None, description="Each voter's voting weight (qualified_majority; unanimity: voters)."
    )
    threshold: FiniteFloat | None = Field(
        None, description="Share of the voters' weight a change needs, in (0, 1]."
    )
    note: str | None = Field(None, description="The source of the rule.")

    @field_validator("threshold")
    @classmethod
    def _share(cls, v: float | None) -> float | None:
        if v is not None and not 0.0 < v <= 1.0:
            raise ValueError(
                f"is {v:g}; give the share of the weights a change needs, in (0, 1], e.g. 0.74"
            )
        return v

    @field_validator("weights")
    @classmethod
    def _votes(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        for name, w in v.items():
            if not (math.isfinite(w) and w >= 0):
                raise ValueError(f"{name!r} has weight {w:g}; give it a weight of zero or more")
        if not any(w > 0 for w in v.values()):
            raise ValueError("no voter has a weight above zero; give the voters their weights")
        return v

    @model_validator(mode="after")
    def _complete(self) -> DecisionRule:
        kind = self.rule
        if kind == "collective" and (self.veto_players or self.weights or self.threshold):
            raise ValueError(
                "rule 'collective' takes no veto_players, weights or threshold; "
                "write rule: veto, unanimity or qualified_majority"
            )
        if kind == "veto" and not self.veto_players:
            raise ValueError("rule 'veto' needs veto_players: the actors whose consent it needs")
        if kind == "veto" and (self.weights is not None or self.threshold is not None):
            raise ValueError(
                "rule 'veto' takes no weights or threshold; write rule: qualified_majority"
            )
        if kind == "unanimity" and self.threshold is not None:
            raise ValueError(
                "rule 'unanimity' takes no threshold (every voter must agree); remove it"
            )
        if kind == "qualified_majority" and self.weights is None:
            raise ValueError(
                "rule 'qualified_majority' needs weights: each voter's votes, e.g. "
                "{France: 29, Malta: 3}"
            )
        if kind == "qualified_majority" and self.threshold is None:
            raise ValueError(
                "rule 'qualified_majority' needs a threshold: the share of the weights a "
                "change needs, in (0, 1], e.g. 0.74"
            )
        if len(set(self.veto_players)) != len(self.veto_players):
            raise ValueError("veto_players names an actor twice; remove the repeat")
        return self

    @property
    def names(self) -> list[str]:
        """Every actor the rule names (veto players, then voters)."""
        return [*self.veto_players, *(self.weights or {})]

    def describe(self) -> str:
        """One line, e.g. ``"veto: Russia, Ukraine"`` or ``"qualified majority 74%"``."""
        if self.rule == "qualified_majority":
            text = f"qualified majority {100 * (self.threshold or 1.0):.4g}% of weights"
        else:
            text = self.rule
        if self.veto_players:
            sep = ": " if self.rule == "veto" else ", veto: "
            text += sep + ", ".join(self.veto_players)
        return text


COLLECTIVE = DecisionRule()
"""The default rule: no one can block a change (the rule the outcome models assume)."""

__all__ = ["COLLECTIVE", "RULES", "DecisionRule", "RuleKind"]
