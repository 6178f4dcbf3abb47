from typing import Any

from hft.kernel.execution_engine import WireFirstClient
from hft.live.breaker import CircuitBreaker
from hft.live.ratelimit import RateLimiter
from hft.telemetry.latency import LatencyRecorder

__all__ = ["ClientCore", "FrameListener", "perf_counter_ns", "SEND_OK", "SEND_HELD",
           "SEND_REJECTED", "SEND_FAILED"]

SEND_OK: int
SEND_HELD: int
SEND_REJECTED: int
SEND_FAILED: int

def perf_counter_ns() -> int: ...

class ClientCore(WireFirstClient):
    """Hold the sandbox client's hot state and run its quote and order paths in C."""

    live: bool
    data_engine: Any
    engine: Any
    breaker: CircuitBreaker
    rate_limiter: RateLimiter
    quotes_received: int
    trader_num: int
    signer: Any
    def submit_order(self, order: Any) -> None: ...
    def _write_order(self, order: Any) -> None: ...

class FrameListener:
    """Receive the venue's frames from picows as it parses them."""

    on_message: Any
    closed: Any
    def __init__(self, core: ClientCore, on_message: Any) -> None: ...
