"""The run store: every forecast, sweep, sensitivity analysis and simulation, recorded in an
embedded DuckDB file. The CLI and runners import it; the core (scenario, models,
uncertainty) never does."""

from detente.store.runs import (
    RunStore,
    StoreSink,
    default_store_path,
    scenario_hash,
)

__all__ = ["RunStore", "StoreSink", "default_store_path", "scenario_hash"]
