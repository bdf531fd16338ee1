"""Resolve the files a scenario names, in one explicit step after parsing.

A campaign may name two documents by reference: ``campaign.battlefield.calibration`` (a
territory calibration) and ``campaign.resumption.mapping`` (a durability mapping).
Validating a scenario reads no file (the spec layer is pure); this module reads the
references and writes what they give into the scenario's ``resolved`` fields, so that the
resolved scenario is self-contained (it replays from the run store without the files).

Two resolvers, chosen by whoever loads the scenario:

* :class:`PackagedResolver` resolves names shipped with detente only. The web app uses it:
  any other reference is refused with one line that is the same whether or not a file of
  that name exists, and no file outside the package is opened (DECISIONS SPEC-2).
* :class:`FileResolver` also reads files (the command line, :func:`load_scenario`): paths
  relative to the working directory, size-capped, UTF-8, with the usual one-line errors.
"""

from __future__ import annotations

import functools
import itertools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from detente.calibration.territory import TerritoryCalibration
from detente.errors import DetenteError
from detente.scenario.validation import validate_as, validate_scenario
from detente.spec.campaign import (
    COUNTER,
    INTENSITY_NAMES,
    SEASON_NAMES,
    Battlefield,
    Campaign,
    ChainReplicate,
    Gain,
    RegimeChain,
    ResolvedGains,
    ResolvedMapping,
    UcdpResumption,
)
from detente.spec.numbers import Sourced
from detente.spec.scenario import Scenario
from detente.textfiles import read_text

MAX_REFERENCE_BYTES = 2_000_000
"""A calibration or mapping file larger than this is refused (the shipped calibration, with
its 200 bootstrap replicates, is 380 kB; the shipped mapping 5 kB)."""

CALIBRATION_FIELD = "campaign.battlefield.calibration"
MAPPING_FIELD = "campaign.resumption.mapping"


def packaged_calibrations() -> list[str]:
    """Names of the calibrations shipped with detente."""
    folder = resources.files("detente.calibration").joinpath("data")
    return sorted(
        f.name.removesuffix(".json") for f in folder.iterdir() if f.name.endswith(".json")
    )


def packaged_mappings() -> list[str]:
    """Names of the durability mappings shipped with detente."""
    return ["builtin"]


@dataclass(frozen=True)
class Document:
    """The text of a referenced document and where it came from (for messages)."""

    text: str
    source: str


class Resolver(Protocol):
    """Reads a referenced document by name; refuses what it may not read."""

    def calibration(self, name: str) -> Document: ...

    def mapping(self, name: str) -> Document: ...


@functools.cache
def _packaged_calibration_text(name: str) -> str:
    return (
        resources.files("detente.calibration").joinpath("data", f"{name}.json").read_text("utf-8")
    )


def _packaged_mapping_text(name: str) -> str:
    del name  # one packaged mapping so far
    return resources.files("detente.durability").joinpath("mapping.yaml").read_text("utf-8")


class PackagedResolver:
    """Resolves packaged names only; never touches the file system outside the package."""

    def calibration(self, name: str) -> Document:
        if name in packaged_calibrations():
            return Document(_packaged_calibration_text(name), f"<packaged {name}>")
        return self.refuse_calibration(name)

    def mapping(self, name: str) -> Document:
        if name in packaged_mappings():
            return Document(_packaged_mapping_text(name), f"<packaged mapping {name}>")
        return self.refuse_mapping(name)

    def refuse_calibration(self, name: str) -> Document:
        del name  # never echoed: the answer must not depend on the file system
        raise DetenteError(
            "only calibrations shipped with detente can be named here; use one of: "
            + ", ".join(packaged_calibrations()),
            where=CALIBRATION_FIELD,
        )

    def refuse_mapping(self, name: str) -> Document:
        del name
        raise DetenteError(
            "only mappings shipped with detente can be named here; use one of: "
            + ", ".join(packaged_mappings())
            + " (or leave it out for the built-in one)",
            where=MAPPING_FIELD,
        )


class FileResolver(PackagedResolver):
    """Packaged names first, then files (relative to ``base``, default the working
    directory), at most ``max_bytes`` each."""

    def __init__(self, base: Path | None = None, max_bytes: int = MAX_REFERENCE_BYTES) -> None:
        self.base = base
        self.max_bytes = max_bytes

    def _read(self, name: str, what: str) -> Document:
        path = Path(name) if self.base is None else self.base / name
        return Document(read_text(path, self.max_bytes, what=what), str(path))

    def refuse_calibration(self, name: str) -> Document:
        if not (Path(name) if self.base is None else self.base / name).exists():
            raise DetenteError(
                f"no calibration {name!r}; give a file written by `detente calibrate "
                "territory FILE --format json` or one of: " + ", ".join(packaged_calibrations()),
                where=CALIBRATION_FIELD,
            )
        return self._read(name, "calibration JSON")

    def refuse_mapping(self, name: str) -> Document:
        return self._read(name, "durability mapping YAML")


PACKAGED = PackagedResolver()


def read_calibration(doc: Document) -> TerritoryCalibration:
    """A calibration from a referenced document's text (JSON from ``detente calibrate``)."""
    try:
        data = json.loads(doc.text)
    except json.JSONDecodeError as exc:
        raise DetenteError(
            f"not JSON ({exc.msg})", source=doc.source, where=f"line {exc.lineno}"
        ) from None
    if not isinstance(data, dict):
        raise DetenteError("not a calibration document (a JSON object)", source=doc.source)
    try:
        return TerritoryCalibration.from_dict(data)
    except DetenteError as exc:
        raise DetenteError(exc.message, source=doc.source, where=exc.where) from None
    except (TypeError, ValueError) as exc:
        raise DetenteError(
            f"not a calibration document ({exc}); give a file written by `detente calibrate "
            "territory FILE --format json`",
            source=doc.source,
        ) from None


def _calibrated_gains(battlefield: Battlefield, resolver: Resolver) -> ResolvedGains:
    """Each intensity's gain per season, from the battlefield's calibration."""
    return calibrated_gains(
        battlefield, read_calibration(resolver.calibration(battlefield.calibration))
    )


def calibrated_gains(battlefield: Battlefield, cal: TerritoryCalibration) -> ResolvedGains:
    """What ``battlefield`` resolves to with the calibration ``cal`` (already in memory, e.g.
    a refit): each named regime's gain per season and the regime chain over them."""
    gains: dict[str, dict[str, Gain]] = {}
    for intensity, regime in battlefield.regimes.items():
        try:
            k = cal.regime_index(regime)
        except DetenteError as exc:
            raise DetenteError(
                exc.message, where=f"campaign.battlefield.regimes.{intensity}"
            ) from None
        note = f"calibration {battlefield.calibration}, regime {cal.regimes[k]}"
        gains[intensity] = {
            season: Gain(
                mean=Sourced(
                    value=cal.means[k] + cal.season_shift[cal.season_index(season)], note=note
                ),
                sd=Sourced(value=max(cal.sds[k], 1e-9), note=note),
            )
            for season in SEASON_NAMES
        }
    # The chain's rows follow the campaign's regime order (the intensities, then counter),
    # whatever order the regimes were written in.
    order = [r for r in (*INTENSITY_NAMES, COUNTER) if r in battlefield.regimes]
    return ResolvedGains(
        calibration=battlefield.calibration,
        regimes=dict(battlefield.regimes),
        gains=gains,
        chain=_regime_chain(cal, [cal.regime_index(battlefield.regimes[r]) for r in order]),
    )


def _restrict(transition: Any, rows: list[int]) -> list[list[list[float]]]:
    """Transitions (S, K, K) restricted to the regimes ``rows``, rows renormalised (a row
    with no mass left stays put)."""
    t = np.asarray(transition, dtype=np.float64)[:, rows][:, :, rows]
    mass = t.sum(axis=2, keepdims=True)
    eye = np.broadcast_to(np.eye(len(rows)), t.shape)
    out = np.where(mass > 0.0, t / np.where(mass > 0.0, mass, 1.0), eye)
    return out.tolist()  # type: ignore[no-any-return]


def _relabel(means: Any, point: Any, sds: Any) -> list[int]:
    """The replicate's regime for each regime of the point fit: the permutation closest to
    the point means in standardised distance (a replicate sorts its regimes by its own
    means, so a regime can swap names; Stephens 2000's relabelling, DECISIONS WAR-26)."""
    best = min(
        itertools.permutations(range(len(point))),
        key=lambda p: float((((means[list(p)] - point) / sds) ** 2).sum()),
    )
    return list(best)


def _regime_chain(cal: TerritoryCalibration, rows: list[int]) -> RegimeChain:
    """The calibration's chain over the named regimes (DECISIONS WAR-26): the last week's
    filtered probabilities as the initial regime, and the bootstrap replicates."""
    last = np.asarray(cal.posterior[-1] if cal.posterior else cal.initial)[rows]
    initial = last / last.sum() if last.sum() > 0 else np.full(len(rows), 1.0 / len(rows))
    seasons = [cal.season_index(s) for s in SEASON_NAMES]
    replicates = []
    for m, sd, shift, trans in zip(
        cal.boot_means, cal.boot_sds, cal.boot_season_shift, cal.boot_transition, strict=True
    ):
        order = _relabel(np.asarray(m), np.asarray(cal.means), np.asarray(cal.sds))
        t = np.asarray(trans)[:, order][:, :, order]
        replicates.append(
            ChainReplicate(
                means=[[m[order[k]] + shift[s] for s in seasons] for k in rows],
                sds=[max(sd[order[k]], 1e-9) for k in rows],
                transition=_restrict([t[s] for s in seasons], rows),
            )
        )
    return RegimeChain(
        regimes=[cal.regimes[k] for k in rows],
        transition=_restrict([cal.transition[s] for s in seasons], rows),
        initial=initial.tolist(),
        replicates=replicates,
    )


def _mapping_document(spec: UcdpResumption, resolver: Resolver) -> ResolvedMapping | None:
    if spec.mapping is None:
        return None
    from detente.durability.mapping import parse_mapping  # checks the document now

    doc = resolver.mapping(spec.mapping)
    try:
        data: Any = yaml.safe_load(doc.text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise DetenteError(
            "not valid YAML; fix its syntax", source=doc.source, where=where
        ) from None
    parse_mapping(data, source=doc.source)
    return ResolvedMapping(mapping=spec.mapping, source=doc.source, document=data)


def _resolved_data(campaign: Campaign, resolver: Resolver, force: bool) -> dict[str, Any] | None:
    """The campaign's data with its references read by ``resolver``; ``None`` when there is
    nothing to read (``force=False`` keeps references already resolved)."""
    update: dict[str, Any] = {}
    if campaign.battlefield is not None and (force or not campaign.battlefield.is_resolved):
        update["battlefield"] = campaign.battlefield.model_copy(
            update={"resolved": _calibrated_gains(campaign.battlefield, resolver)}
        )
    spec = campaign.resumption
    if isinstance(spec, UcdpResumption) and (force or not spec.is_resolved):
        update["resumption"] = spec.model_copy(
            update={"resolved": _mapping_document(spec, resolver)}
        )
    if not update:
        return None
    return campaign.model_dump(mode="python") | {
        k: v.model_dump(mode="python") for k, v in update.items()
    }


def resolve_campaign(campaign: Campaign, resolver: Resolver, *, force: bool = True) -> Campaign:
    """``campaign`` with its references read by ``resolver`` and validated again.

    With ``force=False``, references already resolved are kept (a what-if on another
    number needs no file); a document written into ``resolved`` by hand is only ever
    trusted that way after a forced resolution.
    """
    data = _resolved_data(campaign, resolver, force)
    return campaign if data is None else validate_as(Campaign, data, prefix="campaign")


def resolve_references(
    scenario: Scenario, resolver: Resolver = PACKAGED, *, source: str | None = None
) -> Scenario:
    """``scenario`` with every file it names read by ``resolver`` (always read again:
    whatever its ``resolved`` fields held is replaced), validated again once.

    Raises
    ------
    DetenteError
        A reference the resolver refuses or cannot read, or a document that is not valid;
        one line naming the field (and ``source``, the scenario's file, where the message
        does not name the referenced file itself).
    """
    if scenario.campaign is None:
        return scenario
    try:
        campaign = _resolved_data(scenario.campaign, resolver, force=True)
    except DetenteError as exc:
        if exc.source is None and source is not None:
            raise DetenteError(exc.message, source=source, where=exc.where) from None
        raise
    if campaign is None:
        return scenario
    data = scenario.model_dump(mode="python") | {"campaign": campaign}
    return validate_scenario(data, source=source or "<scenario>")
