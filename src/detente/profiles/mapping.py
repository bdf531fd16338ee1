"""From a saved profile to model parameters, through an editable YAML mapping.

The shipped mapping is ``profiles/mapping.yaml``; every parameter is a clipped linear function
of named profile features, hence monotone in each feature in the direction of its weight. The
mapping is a modelling judgement, not an estimate: it is documented, versioned and meant to be
edited (see docs/profiles.md and docs/DECISIONS.md, PRO-10). Leader features are not mapped
by the shipped mapping (DECISIONS PRO-14).

References
----------
Crawford, V. P., & Sobel, J. (1982). Strategic information transmission. *Econometrica* 50(6),
1431-1451 (cheap talk moves beliefs only as far as it is credible).
Grünwald, P., & van Ommen, T. (2017). Inconsistency of Bayesian inference for misspecified
linear models, and a proposal for repairing it. *Bayesian Analysis* 12(4), 1069-1103 (the
tempered, "safe" likelihood exponent used by :func:`tempered_update`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from detente.errors import DetenteError

DIRECTIONS = ("increasing", "decreasing")


@dataclass(frozen=True)
class ParameterRule:
    """One parameter: ``clip(base + sum(weight * feature), bounds)``."""

    name: str
    description: str
    used_by: str
    base: float
    terms: dict[str, float]
    bounds: tuple[float, float]
    direction: dict[str, str]

    def value(self, features: dict[str, float]) -> float:
        raw = self.base + sum(w * features[f] for f, w in self.terms.items())
        return float(min(max(raw, self.bounds[0]), self.bounds[1]))


@dataclass(frozen=True)
class Mapping:
    """A loaded mapping: its rules by parameter name and where it came from."""

    rules: dict[str, ParameterRule]
    source: str


def default_mapping_path() -> str:
    """Where the shipped mapping lives (inside the package)."""
    return str(resources.files("detente.profiles").joinpath("mapping.yaml"))


def load_mapping(path: str | Path | None = None) -> Mapping:
    """Read and check a mapping YAML (default: the shipped ``mapping.yaml``).

    Parameters
    ----------
    path:
        A YAML file with ``schema_version: 1`` and ``parameters: {name: {base, terms, bounds,
        direction, description, used_by}}``.

    Returns
    -------
    Mapping

    Raises
    ------
    DetenteError
        One line naming the parameter and field: a non-numeric weight, bounds not
        ``[low, high]`` with low <= high, or a ``direction`` that disagrees with a weight's sign.
    """
    if path is None:
        text = resources.files("detente.profiles").joinpath("mapping.yaml").read_text("utf-8")
        src = "mapping.yaml (shipped)"
    else:
        src = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DetenteError("no such mapping file", source=src) from None
        except UnicodeDecodeError:
            raise DetenteError("not UTF-8; save the mapping as UTF-8", source=src) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DetenteError(f"not YAML ({' '.join(str(exc).split())[:120]})", source=src) from None
    if not isinstance(doc, dict) or doc.get("schema_version") != 1:
        raise DetenteError("a mapping needs schema_version: 1", source=src, where="schema_version")
    params = doc.get("parameters")
    if not isinstance(params, dict) or not params:
        raise DetenteError("a mapping needs a parameters: section", source=src, where="parameters")
    rules = {}
    for name, spec in params.items():
        where = f"parameters.{name}"
        if not isinstance(spec, dict):
            raise DetenteError("each parameter is a mapping of fields", source=src, where=where)
        try:
            base = float(spec.get("base", 0.0))
            terms = {str(f): float(w) for f, w in (spec.get("terms") or {}).items()}
            lo, hi = (float(b) for b in spec.get("bounds", [-math.inf, math.inf]))
        except (TypeError, ValueError):
            raise DetenteError(
                "base, terms weights and bounds [low, high] must be numbers",
                source=src,
                where=where,
            ) from None
        if not lo <= hi:
            raise DetenteError(
                f"bounds [{lo}, {hi}] need low <= high", source=src, where=f"{where}.bounds"
            )
        direction = {str(k): str(v) for k, v in (spec.get("direction") or {}).items()}
        for feat, weight in terms.items():
            want = direction.get(feat)
            if want is None:
                continue
            if want not in DIRECTIONS:
                raise DetenteError(
                    f"direction {want!r} is not increasing or decreasing",
                    source=src,
                    where=f"{where}.direction.{feat}",
                )
            if (weight > 0) != (want == "increasing") or weight == 0:
                raise DetenteError(
                    f"weight {weight} of {feat} disagrees with direction {want}; fix one of them",
                    source=src,
                    where=f"{where}.terms.{feat}",
                )
        rules[str(name)] = ParameterRule(
            name=str(name),
            description=" ".join(str(spec.get("description", "")).split()),
            used_by=str(spec.get("used_by", "")),
            base=base,
            terms=terms,
            bounds=(lo, hi),
            direction=direction,
        )
    return Mapping(rules=rules, source=src)


def _features(profile: dict[str, Any] | dict[str, float]) -> dict[str, float]:
    feats = profile.get("features", profile)
    if not isinstance(feats, dict):
        raise DetenteError("the profile has no features object", where="features")
    out = {}
    for k, v in feats.items():
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v)):
            out[str(k)] = float(v)
    return out


def profile_to_parameters(
    profile: dict[str, Any] | dict[str, float], mapping: Mapping | None = None
) -> dict[str, float]:
    """The model parameters a profile sets.

    Parameters
    ----------
    profile:
        A saved-profile document (:func:`detente.profiles.profile.load_profile`) or a bare
        ``feature -> value`` dict.
    mapping:
        From :func:`load_mapping` (default: the shipped mapping).

    Returns
    -------
    dict
        ``parameter -> value`` for every parameter whose features the profile has (finite);
        parameters whose features are missing or null are left out, so a caller can show which
        parameters the profile set and keep its defaults for the rest.

    Examples
    --------
    >>> params = profile_to_parameters(
    ...     {"net_cooperation": 1.5, "say_do_gap": 0.2, "verbal_leads_material": 0.0,
    ...      "unpredictability": 0.5})
    >>> round(params["cheap_talk_weight"], 3), round(params["position_shift"], 3)
    (0.4, 3.0)
    """
    rules = (mapping or load_mapping()).rules
    feats = _features(profile)
    return {
        name: rule.value(feats)
        for name, rule in rules.items()
        if all(f in feats for f in rule.terms)
    }


def explain_parameters(
    profile: dict[str, Any] | dict[str, float], mapping: Mapping | None = None
) -> list[dict[str, Any]]:
    """For each parameter of the mapping: its value (or ``None`` if not set), the features
    used with their values and weights, and the missing features; for display."""
    m = mapping or load_mapping()
    feats = _features(profile)
    rows = []
    for name, rule in m.rules.items():
        missing = [f for f in rule.terms if f not in feats]
        rows.append(
            {
                "parameter": name,
                "value": None if missing else rule.value(feats),
                "terms": {f: {"feature": feats.get(f), "weight": w} for f, w in rule.terms.items()},
                "missing": missing,
                "bounds": list(rule.bounds),
                "used_by": rule.used_by,
            }
        )
    return rows


def tempered_update(prior: float, likelihood_ratio: float, weight: float) -> float:
    """Posterior probability of a type after a message, with the message's likelihood tempered.

    ``posterior odds = prior odds * likelihood_ratio ** weight``: ``weight = 1`` is Bayes' rule,
    ``weight = 0`` ignores the message (cheap talk carries no information, Crawford & Sobel
    1982), in between discounts it (Grünwald & van Ommen 2017). ``cheap_talk_weight`` from the
    mapping is meant as ``weight`` (DECISIONS PRO-11).

    Parameters
    ----------
    prior:
        Prior probability of the type, in (0, 1).
    likelihood_ratio:
        P(message | type) / P(message | not type), > 0.
    weight:
        Tempering exponent in [0, 1].

    Returns
    -------
    float
        The posterior probability.

    Examples
    --------
    >>> round(tempered_update(0.5, 3.0, 1.0), 3), tempered_update(0.5, 3.0, 0.0)
    (0.75, 0.5)
    """
    if not 0.0 < prior < 1.0:
        raise DetenteError(f"prior {prior} must lie in (0, 1)", where="prior")
    if not likelihood_ratio > 0.0:
        raise DetenteError(
            f"likelihood ratio {likelihood_ratio} must be > 0", where="likelihood_ratio"
        )
    if not 0.0 <= weight <= 1.0:
        raise DetenteError(f"weight {weight} must lie in [0, 1]", where="weight")
    log_odds = math.log(prior / (1.0 - prior)) + weight * math.log(likelihood_ratio)
    return 1.0 / (1.0 + math.exp(-log_odds))
