"""Outbound rate limit per venue on `hft.core.risk.TokenBucket`: reject new orders, queue the rest.

Policy (chosen for a trading node, where a late order is worse than none):

- a **new order** that finds the bucket empty is refused at once: the client reports
  `OrderRejected(reason="rate limited: ...")` to the strategy, which may resubmit;
- **cancels** (and modifies) are never refused: they wait in a FIFO queue and go out, in order,
  as soon as tokens allow (`next_ready_ns` says when). A cancel dropped because of a throttle
  could leave an order working that the strategy thinks is gone.

Time is the caller's (`now_ns`), so tests drive it with a TestClock.
"""

import collections

from libc.stdint cimport int64_t

from hft.core.risk cimport TokenBucket, bucket_try_take

__all__ = ["RateLimited", "RateLimiter"]


class RateLimited(RuntimeError):
    """A new order was refused because the venue's token bucket was empty."""


cdef class RateLimiter:
    """Throttle one venue's outbound requests with a token bucket.

    Parameters
    ----------
    rate_per_s:
        Sustained requests per second, > 0.
    burst:
        Requests allowed at once from a full bucket, >= 1.
    now_ns:
        Time the bucket starts full at.
    """

    def __init__(self, double rate_per_s, long long burst, int64_t now_ns=0):
        if not rate_per_s > 0:
            raise ValueError(f"RateLimiter: rate_per_s is {rate_per_s}, expected > 0")
        if burst < 1:
            raise ValueError(f"RateLimiter: burst is {burst}, expected >= 1")
        self.bucket = TokenBucket(rate_per_s, burst, now_ns)
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._queue = collections.deque()   # (item, send), oldest first
        self.rejected = 0
        self.queued = 0

    cpdef bint try_acquire(self, int64_t now_ns) except -1:
        """Take one token for a new order; return False (and count it) when none is left.

        Queued requests go first: a new order never overtakes a waiting cancel.
        """
        if self._queue or not bucket_try_take(&self.bucket.bucket, now_ns, 1):
            self.rejected += 1
            return False
        return True

    def submit_or_queue(self, int64_t now_ns, item, send) -> bool:
        """Send item now with `send(item)` if a token is free; else queue it. Return True if sent."""
        if not self._queue and self.bucket.try_take(now_ns, 1):
            send(item)
            return True
        self._queue.append((item, send))
        self.queued += 1
        return False

    def drain(self, int64_t now_ns) -> int:
        """Send queued items, oldest first, while tokens last; return how many went out."""
        sent = 0
        while self._queue and self.bucket.try_take(now_ns, 1):
            item, send = self._queue.popleft()
            send(item)
            sent += 1
        return sent

    def next_ready_ns(self, int64_t now_ns):
        """Return when the oldest queued item can go (now_ns if already), None if none waits."""
        if not self._queue:
            return None
        if self.bucket.available(now_ns) >= 1:
            return now_ns
        return now_ns + int(1e9 / self.rate_per_s) + 1

    def clear(self) -> list:
        """Drop and return every queued item (on disconnect the caller decides what to redo)."""
        items = [item for item, _ in self._queue]
        self._queue.clear()
        return items

    def __len__(self) -> int:
        """Return how many items wait."""
        return len(self._queue)

    def __repr__(self) -> str:
        return (f"RateLimiter(rate_per_s={self.rate_per_s}, burst={self.burst}, "
                f"queued={len(self._queue)}, rejected={self.rejected})")
