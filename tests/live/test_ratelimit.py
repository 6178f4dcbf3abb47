"""Rate limiter on a test clock: new orders past the bucket are refused, cancels queue."""

import pytest

from hft.live.ratelimit import RateLimiter

S = 1_000_000_000


def test_burst_then_refuse_until_tokens_refill():
    rl = RateLimiter(rate_per_s=10, burst=3, now_ns=0)
    assert [rl.try_acquire(0) for _ in range(4)] == [True, True, True, False]
    assert rl.rejected == 1
    assert not rl.try_acquire(S // 20)       # half a token
    assert rl.try_acquire(S // 10)           # one token after 100 ms


def test_queued_items_go_out_in_order_as_tokens_arrive():
    rl = RateLimiter(rate_per_s=10, burst=1, now_ns=0)
    sent = []
    assert rl.submit_or_queue(0, "a", sent.append)
    assert not rl.submit_or_queue(0, "b", sent.append)
    assert not rl.submit_or_queue(0, "c", sent.append)
    assert rl.next_ready_ns(0) > 0
    assert rl.drain(S // 10) == 1
    assert rl.drain(2 * S // 10) == 1
    assert sent == ["a", "b", "c"]
    assert rl.next_ready_ns(2 * S // 10) is None


def test_a_new_order_never_overtakes_a_queued_cancel():
    rl = RateLimiter(rate_per_s=10, burst=1, now_ns=0)
    rl.submit_or_queue(0, "x", lambda _: None)
    rl.submit_or_queue(0, "cancel", lambda _: None)
    assert not rl.try_acquire(10 * S)        # tokens are back, but a cancel waits
    rl.drain(10 * S)
    assert rl.try_acquire(11 * S)


def test_clear_returns_what_waited():
    rl = RateLimiter(rate_per_s=1, burst=1)
    rl.submit_or_queue(0, 1, lambda _: None)
    rl.submit_or_queue(0, 2, lambda _: None)
    assert rl.clear() == [2] and len(rl) == 0


@pytest.mark.parametrize("kwargs, field", [(dict(rate_per_s=0, burst=1), "rate_per_s"),
                                           (dict(rate_per_s=1, burst=0), "burst")])
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        RateLimiter(**kwargs)
