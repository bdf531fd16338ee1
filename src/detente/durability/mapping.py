"""Deal terms → the covariates of the durability model, by an editable YAML mapping.

The mapping shipped with detente is ``mapping.yaml`` next to this module (its comments say
how to edit it); a user's copy is read with :func:`load_mapping`. The rule: covariates start
at the mapping's ``context`` values (0 where not listed); each term of the deal gives every
covariate it names a value by straight-line interpolation between the term's points; a
covariate named by one or more terms takes the largest value they give (DECISIONS DUR-8).

The covariates are the provisions that the literature on agreement durability found to
matter: third-party guarantees and peacekeepers (Fortna 2003, 2004), and territorial,
military and political power-sharing provisions (Hartzell & Hoddie 2003).

References
----------
Fortna, V. P. (2003). Scraps of paper? Agreements and the durability of peace. *International
Organization* 57(2), 337-372.

Fortna, V. P. (2004). *Peace Time: Cease-Fire Agreements and the Durability of Peace*.
Princeton University Press.

Hartzell, C. & Hoddie, M. (2003). Institutionalizing peace: Power sharing and post-civil war
conflict management. *American Journal of Political Science* 47(2), 318-332.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from detente.durability.data import ALL_COVARIATES
from detente.errors import DetenteError
from detente.spec.scenario import Scenario

BUILTIN = "<builtin mapping.yaml>"


@dataclass(frozen=True)
class TermMap:
    """One deal term: its scale and, per covariate, the points (value, covariate)."""

    name: str
    description: str
    scale: tuple[float, float]
    points: dict[str, tuple[tuple[float, float], ...]]
    suggest: bool = True
    reference: str = ""

    def covariates(self, value: float) -> dict[str, float]:
        """The covariate values this term gives at ``value``."""
        out = {}
        for cov, pts in self.points.items():
            xs = np.array([p[0] for p in pts])
            ys = np.array([p[1] for p in pts])
            out[cov] = float(np.interp(value, xs, ys))
        return out

    def candidates(self) -> list[float]:
        """The values worth trying when looking for the best setting of the term: the ends
        of the scale and every point of the mapping."""
        values = {self.scale[0], self.scale[1]}
        for pts in self.points.values():
            values.update(p[0] for p in pts)
        return sorted(v for v in values if self.scale[0] <= v <= self.scale[1])


@dataclass(frozen=True)
class DealMapping:
    """A validated mapping: ``context`` covariates and ``terms``."""

    source: str
    context: dict[str, float]
    terms: dict[str, TermMap]

    def covariates(self, terms: Mapping[str, float]) -> dict[str, float]:
        """The covariate values of a deal given as ``{term: value}``.

        Parameters
        ----------
        terms : Mapping of str to float
            The deal's terms and their values, each on its term's scale.

        Raises
        ------
        DetenteError
            An unknown term, or a value off the term's scale.
        """
        row = {c: 0.0 for c in ALL_COVARIATES} | dict(self.context)
        set_by_terms: dict[str, float] = {}
        for name, value in terms.items():
            term = self.term(name)
            v = float(value)
            lo, hi = term.scale
            if not math.isfinite(v) or not lo <= v <= hi:
                raise DetenteError(
                    f"term {name!r} is {value!r}; give a number on its scale [{lo:g}, {hi:g}]",
                    source=self.source,
                    where=f"terms.{name}",
                )
            for cov, x in term.covariates(v).items():
                set_by_terms[cov] = max(set_by_terms.get(cov, -math.inf), x)
        row.update(set_by_terms)
        return row

    def term(self, name: str) -> TermMap:
        """The mapping of one deal term (a one-line error naming the known ones if none).

        Parameters
        ----------
        name : str
            The term's name, e.g. ``territory``.
        """
        if name not in self.terms:
            raise DetenteError(
                f"no mapping for deal term {name!r}; use one of {', '.join(self.terms)} "
                "or add it under 'terms' in a mapping file (--mapping)",
                source=self.source,
            )
        return self.terms[name]

    def mapped_terms(self) -> list[str]:
        """Terms that change at least one covariate and may be suggested as a change
        (``suggest: false`` marks a term that describes a deal rather than a lever, e.g. the
        ceasefire: DECISIONS DUR-9)."""
        return [n for n, t in self.terms.items() if t.points and t.suggest]


@functools.cache
def packaged_document(name: str) -> Any:
    """A YAML file shipped in this package, parsed once per process (the war model's hazard
    reads the mapping and the Cox fit on every simulation; pure-Python YAML made that ~10 %
    of a web server's time). Callers must not mutate what it returns."""
    return yaml.safe_load(resources.files("detente.durability").joinpath(name).read_text("utf-8"))


def load_mapping(path: str | Path | None = None) -> DealMapping:
    """Read and validate a mapping file; ``None`` gives the one shipped with detente.

    Parameters
    ----------
    path : str or Path or None, default None
        The mapping YAML file.
    """
    if path is None:
        return parse_mapping(packaged_document("mapping.yaml"), source=BUILTIN)
    p = Path(path)
    source = str(p)
    if not p.is_file():
        raise DetenteError("no such file; give the path of a mapping YAML", source=source)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DetenteError("is not UTF-8 text; save it as UTF-8", source=source) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise DetenteError(f"{problem}; fix the YAML syntax", source=source, where=where) from None
    return parse_mapping(doc, source=source)


def parse_mapping(doc: Any, *, source: str = "<mapping>") -> DealMapping:
    """Validate a mapping already read from YAML (a dict)."""
    if not isinstance(doc, dict):
        raise DetenteError("must be a YAML mapping with 'context' and 'terms'", source=source)
    unknown = set(doc) - {"version", "context", "terms"}
    if unknown:
        raise DetenteError(
            f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            "use version, context and terms",
            source=source,
        )
    context_doc = doc.get("context") or {}
    if not isinstance(context_doc, dict):
        raise DetenteError("must map covariates to values", source=source, where="context")
    context = {
        _covariate(k, source, f"context.{k}"): _unit(v, source, f"context.{k}")
        for k, v in context_doc.items()
    }
    terms_doc = doc.get("terms")
    if not isinstance(terms_doc, dict) or not terms_doc:
        raise DetenteError("needs at least one term under 'terms'", source=source, where="terms")
    terms = {str(n): _term(str(n), t, source) for n, t in terms_doc.items()}
    return DealMapping(source=source, context=context, terms=terms)


def _term(name: str, doc: Any, source: str) -> TermMap:
    where = f"terms.{name}"
    if not isinstance(doc, dict):
        raise DetenteError("must have 'scale' and 'covariates'", source=source, where=where)
    scale = doc.get("scale", [0, 1])
    if (
        not isinstance(scale, list | tuple)
        or len(scale) != 2
        or not all(_is_number(x) for x in scale)
        or not float(scale[0]) < float(scale[1])
    ):
        raise DetenteError(
            f"scale is {scale!r}; write [low, high] with low < high",
            source=source,
            where=f"{where}.scale",
        )
    lo, hi = float(scale[0]), float(scale[1])
    covs = doc.get("covariates") or {}
    if not isinstance(covs, dict):
        raise DetenteError(
            "must map covariates to points", source=source, where=f"{where}.covariates"
        )
    points: dict[str, tuple[tuple[float, float], ...]] = {}
    for cov, pts in covs.items():
        w = f"{where}.covariates.{cov}"
        key = _covariate(cov, source, w)
        if not isinstance(pts, list) or not pts:
            raise DetenteError(
                "give a list of [value, covariate] points, e.g. [[0, 0], [1, 1]]",
                source=source,
                where=w,
            )
        parsed = []
        for p in pts:
            if not isinstance(p, list | tuple) or len(p) != 2 or not all(map(_is_number, p)):
                raise DetenteError(
                    f"point {p!r} is not [value, covariate]; write e.g. [0, 0]",
                    source=source,
                    where=w,
                )
            x, y = float(p[0]), _unit(p[1], source, w)
            if not lo <= x <= hi:
                raise DetenteError(
                    f"point value {x:g} is off the term's scale [{lo:g}, {hi:g}]",
                    source=source,
                    where=w,
                )
            parsed.append((x, y))
        xs = [x for x, _ in parsed]
        if any(b <= a for a, b in itertools.pairwise(xs)):
            raise DetenteError(
                "point values must increase; sort the points by value",
                source=source,
                where=w,
            )
        points[key] = tuple(parsed)
    return TermMap(
        name=name,
        description=" ".join(str(doc.get("description", "")).split()),
        scale=(lo, hi),
        points=points,
        suggest=bool(doc.get("suggest", True)),
        reference=" ".join(str(doc.get("reference", "")).split()),
    )


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _unit(x: Any, source: str, where: str) -> float:
    if not _is_number(x) or not 0.0 <= float(x) <= 1.0:
        raise DetenteError(
            f"covariate value is {x!r}; give a number from 0 to 1", source=source, where=where
        )
    return float(x)


def _covariate(name: Any, source: str, where: str) -> str:
    if name not in ALL_COVARIATES:
        raise DetenteError(
            f"unknown covariate {name!r}; use one of {', '.join(ALL_COVARIATES)}",
            source=source,
            where=where,
        )
    return str(name)


def parse_deal(text: str) -> dict[str, float]:
    """Parse ``'territory=81,sanctions=30,guarantees=60'`` into ``{term: value}``.

    Parameters
    ----------
    text : str
        Comma-separated ``term=value`` pairs (the ``--deal`` option).
    """
    deal: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name:
            raise DetenteError(
                f"{part!r} is not term=value; write e.g. 'territory=81,guarantees=60'",
                where="--deal",
            )
        try:
            number = float(value)
        except ValueError:
            raise DetenteError(
                f"{name}={value.strip()!r} is not a number; write e.g. {name}=1", where="--deal"
            ) from None
        if name in deal:
            raise DetenteError(f"term {name!r} is given twice; give it once", where="--deal")
        deal[name] = number
    if not deal:
        raise DetenteError(
            "is empty; give the deal's terms, e.g. 'territory=81,guarantees=60'",
            where="--deal",
        )
    return deal


def check_deal(deal: Mapping[str, float], mapping: DealMapping, scenario: Scenario) -> None:
    """Check a deal against a scenario: a term that is one of the scenario's issues must lie
    on that issue's scale, and every term must be in the mapping."""
    issues = {i.name: i for i in scenario.issues}
    for name, value in deal.items():
        issue = issues.get(name)
        if issue is not None and not issue.on_scale(value):
            lo, hi = issue.scale
            raise DetenteError(
                f"term {name}={value:g} is off the scenario's scale [{lo:g}, {hi:g}] for issue "
                f"{name!r}; give a value on it",
                where="--deal",
            )
        mapping.term(name)
