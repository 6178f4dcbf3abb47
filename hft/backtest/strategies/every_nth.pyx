"""Send a 1-unit market order on every n-th quote, alternating sides, as a cdef class.

A latency probe: the least a strategy can do between a quote and an order, so a live run
with it measures the framework's own tick-to-order path (perf_tests/bench_live.py runs it
beside the same strategy written in Python). The position stays within one unit.

    [[strategies]]
    path = "hft.backtest.strategies.every_nth:EveryNth"
    config = { instrument_id = "EUR/USD.SANDBOX", every = 10 }
"""

from libc.stdint cimport int64_t

from hft.kernel.strategy cimport Strategy
from hft.model.data cimport QuoteTick

from hft.kernel.config import StrategyConfig
from hft.model.identifiers import InstrumentId

__all__ = ["EveryNth", "EveryNthConfig"]


class EveryNthConfig(StrategyConfig, frozen=True, kw_only=True):
    """Parameters of EveryNth: the instrument and how many quotes between orders."""

    instrument_id: str
    every: int = 10

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ValueError(f"Invalid `every`: expected a value >= 1, got {self.every}")


cdef class EveryNth(Strategy):
    """Buy, then sell, one unit at market on every `every`-th quote (compiled)."""

    config_type = EveryNthConfig

    cdef int64_t seen, every, sent
    cdef object instrument_id, one

    def on_start(self) -> None:
        """Resolve the instrument and its one-unit quantity; subscribe to its quotes."""
        self.instrument_id = InstrumentId(self.config.instrument_id)
        instrument = self.cache.instrument(self.instrument_id)
        if instrument is None:
            raise ValueError(f"EveryNth: instrument_id {self.config.instrument_id!r} is not "
                             f"configured")
        self.one = instrument.make_qty(1)
        self.every = self.config.every
        self.seen = 0
        self.sent = 0
        self.subscribe_quotes(self.instrument_id)

    cpdef void on_quote(self, QuoteTick quote) except *:
        """Count the quote; on every n-th, send the next order of the buy/sell alternation."""
        self.seen += 1
        if self.seen % self.every:
            return
        self.sent += 1
        if self.sent % 2:
            self.buy(self.instrument_id, self.one)
        else:
            self.sell(self.instrument_id, self.one)

    @property
    def orders_sent(self) -> int:
        """Return how many orders the probe sent."""
        return self.sent
