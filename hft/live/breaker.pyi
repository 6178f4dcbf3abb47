import enum
from collections.abc import Callable

__all__ = ["BreakerState", "CircuitBreaker", "CircuitOpen"]

class BreakerState(enum.IntEnum):
    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2

class CircuitOpen(RuntimeError): ...

class CircuitBreaker:
    """Count consecutive failures of one venue and refuse calls while it looks broken."""

    failure_threshold: int
    reset_timeout_ns: int
    half_open_probes: int
    name: str
    failures: int
    opened_at_ns: int
    times_opened: int
    def __init__(self, clock_ns: Callable[[], int], *, failure_threshold: int = 5,
                 reset_timeout_ns: int = 1_000_000_000, half_open_probes: int = 1,
                 name: str = "venue") -> None: ...
    @property
    def state(self) -> BreakerState: ...
    def allow(self) -> bool: ...
    def check(self) -> None: ...
    def retry_in_ns(self) -> int: ...
    def record_success(self) -> None: ...
    def record_failure(self) -> None: ...
