"""Circuit breaker on a test clock: opens at the threshold, half-opens after the timeout."""

import pytest

from hft.kernel.clock import TestClock
from hft.live.breaker import BreakerState, CircuitBreaker, CircuitOpen


@pytest.fixture
def clock():
    return TestClock(1_000)


def _breaker(clock, **kw):
    kw.setdefault("failure_threshold", 3)
    kw.setdefault("reset_timeout_ns", 100)
    return CircuitBreaker(clock.timestamp_ns, **kw)


def test_opens_after_threshold_consecutive_failures(clock):
    b = _breaker(clock)
    for _ in range(2):
        b.record_failure()
        assert b.allow()
    b.record_failure()
    assert b.state is BreakerState.OPEN
    assert not b.allow()
    with pytest.raises(CircuitOpen, match="OPEN"):
        b.check()


def test_a_success_resets_the_failure_count(clock):
    b = _breaker(clock)
    b.record_failure()
    b.record_failure()
    b.record_success()
    b.record_failure()
    b.record_failure()
    assert b.state is BreakerState.CLOSED


def test_half_opens_after_the_timeout_and_lets_one_probe_through(clock):
    b = _breaker(clock)
    for _ in range(3):
        b.record_failure()
    clock.set_time(1_099)
    assert not b.allow()
    assert b.retry_in_ns() == 1
    clock.set_time(1_100)
    assert b.state is BreakerState.HALF_OPEN
    assert b.allow()
    assert not b.allow()  # one probe at a time


def test_successful_probe_closes_it(clock):
    b = _breaker(clock)
    for _ in range(3):
        b.record_failure()
    clock.set_time(2_000)
    assert b.allow()
    b.record_success()
    assert b.state is BreakerState.CLOSED and b.allow()


def test_failed_probe_reopens_it_and_restarts_the_timer(clock):
    b = _breaker(clock)
    for _ in range(3):
        b.record_failure()
    clock.set_time(2_000)
    assert b.allow()
    b.record_failure()
    assert b.state is BreakerState.OPEN
    assert b.times_opened == 2
    clock.set_time(2_099)
    assert not b.allow()
    clock.set_time(2_100)
    assert b.allow()


@pytest.mark.parametrize("kwargs, field", [
    (dict(failure_threshold=0), "failure_threshold"),
    (dict(reset_timeout_ns=0), "reset_timeout_ns"),
    (dict(half_open_probes=0), "half_open_probes")])
def test_bad_arguments_name_the_field(clock, kwargs, field):
    with pytest.raises(ValueError, match=field):
        CircuitBreaker(clock.timestamp_ns, **kwargs)
