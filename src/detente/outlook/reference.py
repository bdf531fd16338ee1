"""The reference classes of the outside view, by name: ``ucdp`` (UCDP Conflict Termination
dyad episodes 1946-2020, Kreutz 2010) and ``cow`` (CoW inter-state wars 1823-2003 with NMC
capabilities, Sarkees & Wayman 2010). Each names its packaged loader, its covariates and how
:func:`detente.outlook.view.nearest_cases` measures distance on them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from detente.errors import DetenteError
from detente.outlook.cow import COW_COVARIATES, load_cow
from detente.outlook.data import COVARIATES, load_reference


@dataclass(frozen=True)
class ReferenceClass:
    """One reference class.

    Attributes
    ----------
    name, label:
        Its key and a one-line description for tables.
    covariates:
        The covariate columns of its frame, with their meaning.
    load:
        The packaged frame (no network, no shared data).
    one_hot:
        Groups of dummy covariates counted as one difference in the nearest-case distance.
    scales:
        Continuous covariates and the difference that counts as one in that distance.
    standardize:
        Fit the Cox models on standardized covariates (OUT-11).
    shrink:
        The weight of the covariate model in the linear pool with the base rate, chosen by
        grouped cross-validation (``detente outlook evaluate``; DECISIONS OUT-14).
    """

    name: str
    label: str
    covariates: dict[str, str]
    load: Callable[[], pd.DataFrame]
    one_hot: tuple[tuple[str, ...], ...] = ()
    scales: dict[str, float] = field(default_factory=dict)
    standardize: bool = False
    shrink: float = 1.0


REFERENCES: dict[str, ReferenceClass] = {
    "ucdp": ReferenceClass(
        name="ucdp",
        label="UCDP war episodes 1946-2020",
        covariates=COVARIATES,
        load=load_reference,
        one_hot=(("interstate", "internationalized", "extrasystemic"),),
    ),
    "cow": ReferenceClass(
        name="cow",
        label="CoW inter-state wars 1823-2003",
        covariates=COW_COVARIATES,
        load=load_cow,
        one_hot=(("europe", "middle_east", "africa", "americas"),),
        scales={"capability_share": 0.1, "log_deaths_per_year": 0.5},
        standardize=True,
        shrink=0.0,
    ),
}
"""The reference classes by name (``--reference``)."""


def get_reference(name: str) -> ReferenceClass:
    """A reference class by name, with a one-line error listing the names.

    Parameters
    ----------
    name : str
        One of :data:`REFERENCES`.
    """
    if name not in REFERENCES:
        raise DetenteError(
            f"unknown reference class {name!r}; choose one of: {', '.join(REFERENCES)}",
            where="--reference",
        )
    return REFERENCES[name]
