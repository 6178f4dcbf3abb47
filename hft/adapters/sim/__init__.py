"""Simulated venue for backtests: own orders matched against the market data.

`create_sim_venue(node, venue_config)` is the factory a TradingNode resolves from the string
"hft.adapters.sim:create_sim_venue" for a venue of kind "sim"; `sim_venues(node)` returns the
venues made for a node (the backtest runner drives them).
"""

from __future__ import annotations

import weakref
from typing import Any

from hft.adapters.sim.models import FeeModel, FillModel, LatencyModel
from hft.adapters.sim.venue import FILL_DTYPE, FillLog, SimExecutionClient, instrument_from_config
from hft.model.instruments import InstrumentRegistry

__all__ = [
    "FILL_DTYPE", "FeeModel", "FillLog", "FillModel", "LatencyModel", "SimExecutionClient",
    "create_sim_venue", "instrument_from_config", "sim_venues",
]

_VENUES: "weakref.WeakKeyDictionary[Any, list[SimExecutionClient]]" = weakref.WeakKeyDictionary()


def _node_instruments(node: Any) -> list:
    """Return the node's Instrument objects: its cache's, its own, else built from its config."""
    for source in (getattr(getattr(node, "cache", None), "instruments", None),
                   getattr(node, "instruments", None)):
        if source is None:
            continue
        items = source() if callable(source) else source
        items = list(items.values()) if isinstance(items, dict) else list(items)
        if items and not isinstance(items[0], str):
            return items
    config = getattr(node, "config", None)
    return [instrument_from_config(cfg, i + 1)
            for i, cfg in enumerate(getattr(config, "instruments", []))]


def create_sim_venue(node: Any, venue_config: Any) -> SimExecutionClient:
    """Build the simulated venue for one `VenueConfig` with the node's instruments of that venue.

    Instruments without a numeric id get the next free one (1, 2, ... in node order): the ids
    the backtest runner writes into the data records.
    """
    everything = _node_instruments(node)
    if any(instrument.numeric_id == 0 for instrument in everything):
        # the registry keeps the ids already given and numbers the rest 1, 2, ...
        registry = InstrumentRegistry([i for i in everything if i.numeric_id != 0])
        for instrument in everything:
            if instrument.numeric_id == 0:
                registry.add(instrument)
    instruments = [i for i in everything if i.id.venue.value == venue_config.name]
    client = SimExecutionClient.from_config(venue_config, instruments)
    try:
        _VENUES.setdefault(node, []).append(client)
    except TypeError:  # a node that cannot be weakly referenced keeps its own list
        node.__dict__.setdefault("_sim_venues", []).append(client)
    return client


def sim_venues(node: Any) -> list[SimExecutionClient]:
    """Return the simulated venues created for this node, in creation order."""
    try:
        found = _VENUES.get(node)
    except TypeError:
        found = None
    return list(found or getattr(node, "_sim_venues", []))
