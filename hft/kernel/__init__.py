"""The trading-node kernel: clock, bus, cache, engines, portfolio, Strategy, TradingNode.

Names are loaded on first use (PEP 562), so `from hft.kernel import load_config` reads a
config without importing the compiled engines:

    from hft.kernel import Strategy, StrategyConfig, TradingNode, load_config
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Actor": "hft.kernel.strategy",
    "Strategy": "hft.kernel.strategy",
    "TradingNode": "hft.kernel.node",
    "Cache": "hft.kernel.cache",
    "Portfolio": "hft.kernel.portfolio",
    "DataEngine": "hft.kernel.data_engine",
    "RiskEngine": "hft.kernel.risk_engine",
    "ExecutionEngine": "hft.kernel.execution_engine",
    "DataClient": "hft.kernel.clients",
    "ExecutionClient": "hft.kernel.clients",
    "TestClock": "hft.kernel.clock",
    "LiveClock": "hft.kernel.clock",
    "MessageBus": "hft.kernel.msgbus",
    "NodeConfig": "hft.kernel.config",
    "StrategyConfig": "hft.kernel.config",
    "ConfigError": "hft.kernel.config",
    "load_config": "hft.kernel.config",
    "get_logger": "hft.kernel.logging",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hft.kernel' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
