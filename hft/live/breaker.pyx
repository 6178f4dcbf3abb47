"""Circuit breaker: stop sending to a venue after repeated failures, then probe to recover.

    CLOSED --(failure_threshold failures in a row)--> OPEN
    OPEN --(reset_timeout_ns passed; next allow())--> HALF_OPEN  (up to half_open_probes calls)
    HALF_OPEN --(a success)--> CLOSED        HALF_OPEN --(a failure)--> OPEN (timer restarts)

The clock is injected (`clock_ns`, e.g. a TestClock's `timestamp_ns`), so tests move time by
hand. The breaker only counts: the caller says what a failure is (the sandbox client counts a
send that fails, a venue reject for a venue-side reason, and an ack that never came).
"""

import enum

from libc.stdint cimport int64_t

__all__ = ["BreakerState", "CircuitBreaker", "CircuitOpen"]


class BreakerState(enum.IntEnum):
    """Name the breaker's three states."""

    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


class CircuitOpen(RuntimeError):
    """A call was refused because the breaker is open (or its half-open probes are in use)."""


cdef class CircuitBreaker:
    """Count consecutive failures of one venue and refuse calls while it looks broken.

    Parameters
    ----------
    clock_ns:
        Returns the current time in ns.
    failure_threshold:
        Consecutive failures that open the breaker, >= 1.
    reset_timeout_ns:
        Time the breaker stays open before it lets probes through, > 0.
    half_open_probes:
        Calls allowed while half-open before one of them reports back, >= 1.
    name:
        Names the breaker in messages (the venue).
    """

    def __init__(self, clock_ns, *, long long failure_threshold=5,
                 int64_t reset_timeout_ns=1_000_000_000, long long half_open_probes=1,
                 str name="venue"):
        if failure_threshold < 1:
            raise ValueError(f"CircuitBreaker: failure_threshold is {failure_threshold}, "
                             f"expected >= 1")
        if reset_timeout_ns <= 0:
            raise ValueError(f"CircuitBreaker: reset_timeout_ns is {reset_timeout_ns}, "
                             f"expected > 0")
        if half_open_probes < 1:
            raise ValueError(f"CircuitBreaker: half_open_probes is {half_open_probes}, "
                             f"expected >= 1")
        self._clock_ns = clock_ns
        self.failure_threshold = failure_threshold
        self.reset_timeout_ns = reset_timeout_ns
        self.half_open_probes = half_open_probes
        self.name = name
        self._state = BREAKER_CLOSED
        self.failures = 0          # consecutive, while closed
        self.opened_at_ns = 0
        self.times_opened = 0
        self._probes = 0

    @property
    def state(self):
        """Return the state, moving OPEN to HALF_OPEN once the reset timeout has passed."""
        return _STATES[self._current()]

    cdef int _current(self) except -1:
        if (self._state == BREAKER_OPEN
                and self._clock_ns() - self.opened_at_ns >= self.reset_timeout_ns):
            self._state = BREAKER_HALF_OPEN
            self._probes = 0
        return self._state

    cpdef bint allow(self) except -1:
        """Return True when a call may go out now (a half-open breaker counts it as a probe)."""
        if self._state == BREAKER_CLOSED:  # the hot path: no clock read, no Python call
            return True
        if self._current() == BREAKER_HALF_OPEN and self._probes < self.half_open_probes:
            self._probes += 1
            return True
        return False

    def check(self) -> None:
        """Raise CircuitOpen when `allow()` is False."""
        if not self.allow():
            raise CircuitOpen(f"circuit breaker {self.name!r} is {self.state.name}: "
                              f"{self.failures} failures in a row; retry after "
                              f"{self.retry_in_ns()} ns")

    def retry_in_ns(self) -> int:
        """Return ns until an open breaker lets a probe through (0 when not open)."""
        if self._current() != BREAKER_OPEN:
            return 0
        return self.opened_at_ns + self.reset_timeout_ns - self._clock_ns()

    cpdef record_success(self):
        """Report a call that worked: close the breaker, forget the failures."""
        self._state = BREAKER_CLOSED
        self.failures = 0
        self._probes = 0

    cpdef record_failure(self):
        """Report a call that failed: open the breaker at the threshold or on a failed probe."""
        cdef int state = self._current()
        self.failures += 1
        if state == BREAKER_HALF_OPEN or (
                state == BREAKER_CLOSED and self.failures >= self.failure_threshold):
            self._open()

    cdef void _open(self) except *:
        self._state = BREAKER_OPEN
        self.opened_at_ns = self._clock_ns()
        self.times_opened += 1
        self._probes = 0

    def __repr__(self) -> str:
        return (f"CircuitBreaker({self.name!r}, state={self.state.name}, "
                f"failures={self.failures}, times_opened={self.times_opened})")


_STATES = (BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN)
