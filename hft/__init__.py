"""hft: a high-frequency trading framework with a Cython nogil core.

Write a strategy class in Python, backtest it on tick data, run the same class live by
changing only the config:

    from hft import Strategy, StrategyConfig, TradingNode, load_config

Names load on first use (PEP 562): `import hft` stays cheap and needs no compiled module.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    # kernel: what a strategy author touches
    "Actor": "hft.kernel.strategy",
    "Strategy": "hft.kernel.strategy",
    "StrategyConfig": "hft.kernel.config",
    "NodeConfig": "hft.kernel.config",
    "ConfigError": "hft.kernel.config",
    "load_config": "hft.kernel.config",
    "TradingNode": "hft.kernel.node",
    "ExecutionClient": "hft.kernel.clients",
    "DataClient": "hft.kernel.clients",
    # model types
    "Price": "hft.model.objects",
    "Quantity": "hft.model.objects",
    "Money": "hft.model.objects",
    "Currency": "hft.model.objects",
    "InstrumentId": "hft.model.identifiers",
    "StrategyId": "hft.model.identifiers",
    "ClientOrderId": "hft.model.identifiers",
    "Instrument": "hft.model.instruments",
    "QuoteTick": "hft.model.data",
    "TradeTick": "hft.model.data",
    "Bar": "hft.model.data",
    "BarType": "hft.model.data",
    "Order": "hft.model.orders",
    "Position": "hft.model.position",
    "OrderSide": "hft.model.enums",
    "OrderStatus": "hft.model.enums",
    "OrderType": "hft.model.enums",
    "TimeInForce": "hft.model.enums",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hft' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
