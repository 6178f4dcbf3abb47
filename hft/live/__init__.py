"""Live runtime: the uvloop runner, reconnect back-off, circuit breaker, rate limit, reconciliation.

    from hft.live import Backoff, CircuitBreaker, RateLimiter
    node = TradingNode(load_config("examples/ema_cross/live.toml"))
    node.run()                      # mode "live" -> hft.live.runner:run_live

Names are loaded on first use, so importing `hft.live` does not start a loop or import uvloop.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Backoff": "hft.live.backoff",
    "CircuitBreaker": "hft.live.breaker",
    "BreakerState": "hft.live.breaker",
    "CircuitOpen": "hft.live.breaker",
    "RateLimiter": "hft.live.ratelimit",
    "RateLimited": "hft.live.ratelimit",
    "Reconciler": "hft.live.reconcile",
    "ReconcileReport": "hft.live.reconcile",
    "run_live": "hft.live.runner",
    "LiveRun": "hft.live.runner",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hft.live' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
