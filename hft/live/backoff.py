"""Exponential back-off with jitter for reconnects, seeded so a test sees a fixed sequence.

    backoff = Backoff(initial_s=0.05, max_s=5.0, seed=7)
    delay = backoff.next_delay()   # 0.05 * 2**attempt, capped, times a jitter in [1-j, 1]
    backoff.reset()                # after a connection that held

"Equal jitter" style: the delay never drops below `(1 - jitter)` of the exponential step, so a
flapping venue is not hammered, and peers that lost the same server spread out.
"""

from __future__ import annotations

import random

__all__ = ["Backoff"]


class Backoff:
    """Give the delays before successive retries: exponential, capped, with seeded jitter.

    Parameters
    ----------
    initial_s:
        Delay before the first retry (before jitter), > 0.
    max_s:
        Cap on the un-jittered delay, >= initial_s.
    factor:
        Growth per attempt, >= 1.
    jitter:
        Fraction in [0, 1] the delay may shrink by at random (0: no randomness).
    seed:
        Seed of the private random generator (None: from the OS).
    """

    def __init__(self, initial_s: float = 0.05, max_s: float = 5.0, factor: float = 2.0,
                 jitter: float = 0.5, seed: int | None = None) -> None:
        if not initial_s > 0:
            raise ValueError(f"Backoff: initial_s is {initial_s}, expected > 0")
        if not max_s >= initial_s:
            raise ValueError(f"Backoff: max_s is {max_s}, expected >= initial_s ({initial_s})")
        if not factor >= 1:
            raise ValueError(f"Backoff: factor is {factor}, expected >= 1")
        if not 0 <= jitter <= 1:
            raise ValueError(f"Backoff: jitter is {jitter}, expected in [0, 1]")
        self.initial_s = initial_s
        self.max_s = max_s
        self.factor = factor
        self.jitter = jitter
        self.attempt = 0
        self._rng = random.Random(seed)

    def peek_base(self) -> float:
        """Return the un-jittered delay of the next attempt."""
        # min() before the power would overflow: attempt stops growing once capped
        return min(self.max_s, self.initial_s * self.factor ** self.attempt)

    def next_delay(self) -> float:
        """Return the delay in seconds before the next retry and count the attempt."""
        base = self.peek_base()
        if base < self.max_s:
            self.attempt += 1
        return base * (1.0 - self.jitter * self._rng.random())

    def reset(self) -> None:
        """Start again from initial_s (call once a connection is established)."""
        self.attempt = 0

    def __repr__(self) -> str:
        return (f"Backoff(initial_s={self.initial_s}, max_s={self.max_s}, factor={self.factor}, "
                f"jitter={self.jitter}, attempt={self.attempt})")
