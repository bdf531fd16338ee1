"""The forecast ledger (docs/ledger.md): forecasts of resolvable questions sealed when made,
in an append-only, hash-chained DuckDB file (:mod:`detente.ledger.store`, imported on use so
that loading the entry model loads no DuckDB), and graded when the truth arrives."""

from detente.ledger.entry import (
    Forecast,
    Forecaster,
    Quantile,
    Question,
    Sealed,
    canonical_json,
    entry_hash,
)

__all__ = [
    "Forecast",
    "Forecaster",
    "Quantile",
    "Question",
    "Sealed",
    "canonical_json",
    "entry_hash",
]
