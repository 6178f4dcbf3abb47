"""Back-off: exponential, capped, jittered within bounds, reproducible by seed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.live.backoff import Backoff


def test_delays_double_until_the_cap_without_jitter():
    b = Backoff(initial_s=0.1, max_s=1.0, factor=2.0, jitter=0.0)
    assert [round(b.next_delay(), 9) for _ in range(7)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]


def test_reset_starts_again_from_the_initial_delay():
    b = Backoff(initial_s=0.1, max_s=1.0, jitter=0.0)
    for _ in range(5):
        b.next_delay()
    b.reset()
    assert b.next_delay() == pytest.approx(0.1)


def test_same_seed_gives_the_same_sequence():
    a, b = Backoff(seed=3), Backoff(seed=3)
    assert [a.next_delay() for _ in range(20)] == [b.next_delay() for _ in range(20)]


@given(st.integers(0, 2**32), st.floats(0, 1), st.integers(1, 40))
def test_jittered_delay_stays_between_its_floor_and_the_step(seed, jitter, n):
    b = Backoff(initial_s=0.01, max_s=2.0, jitter=jitter, seed=seed)
    for _ in range(n):
        base = b.peek_base()
        d = b.next_delay()
        assert base * (1 - jitter) - 1e-12 <= d <= base + 1e-12


@pytest.mark.parametrize("kwargs, field", [
    (dict(initial_s=0), "initial_s"), (dict(initial_s=2, max_s=1), "max_s"),
    (dict(factor=0.5), "factor"), (dict(jitter=1.5), "jitter")])
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        Backoff(**kwargs)
