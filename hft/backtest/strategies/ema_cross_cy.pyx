"""EMA cross on the mid with market orders, as a cdef class: examples/ema_cross compiled.

The same trades as examples/ema_cross/strategy.py:EmaCross (the tests compare them), with
the per-quote work in C: the EMAs and the cross are the inline C forms of
hft.indicators.moving on structs held by the strategy, the quote's raw prices are read as
C fields, and Python runs only on a cross (the order helpers).

    [[strategies]]
    path = "hft.backtest.strategies.ema_cross_cy:EmaCrossCy"
    config = { instrument_id = "EUR/USD.SIM", fast = 50, slow = 200, trade_size = "10000" }
"""

from decimal import Decimal

from libc.stdint cimport int64_t

from hft.indicators.moving cimport CrossState, EmaState, cross_init, cross_update, ema_init, ema_update
from hft.kernel.strategy cimport Strategy
from hft.model.data cimport QuoteTick

from hft.kernel.config import StrategyConfig
from hft.model.identifiers import InstrumentId
from hft.model.objects import Quantity

__all__ = ["EmaCrossCy", "EmaCrossCyConfig"]


class EmaCrossCyConfig(StrategyConfig, frozen=True, kw_only=True):
    """Parameters of EmaCrossCy: the instrument, the EMA periods and the size of a position."""

    instrument_id: str
    fast: int = 10
    slow: int = 30
    trade_size: Decimal = Decimal("10000")

    def __post_init__(self) -> None:
        if not 0 < self.fast < self.slow:
            raise ValueError(f"Invalid `fast`: expected 0 < fast < slow, got fast={self.fast}, "
                             f"slow={self.slow}")
        if self.trade_size <= 0:
            raise ValueError(f"Invalid `trade_size`: expected a value > 0, got {self.trade_size}")


cdef class EmaCrossCy(Strategy):
    """Trade the cross of a fast and a slow EMA of the mid with market orders (compiled)."""

    config_type = EmaCrossCyConfig

    cdef EmaState fast
    cdef EmaState slow
    cdef CrossState cross
    cdef double half_tick
    cdef int64_t seen, warmup
    cdef int side
    cdef object instrument_id, open_qty, flip_qty

    def on_start(self) -> None:
        """Set up the EMAs, the order sizes and subscribe to the instrument's quotes."""
        cfg = self.config
        self.instrument_id = InstrumentId(cfg.instrument_id)
        instrument = self.cache.instrument(self.instrument_id)
        if instrument is None:
            raise ValueError(f"EmaCrossCy: instrument_id {cfg.instrument_id!r} is not configured")
        # the alphas and warm-ups of hft.indicators.EMA(period): 2 / (period + 1)
        ema_init(&self.fast, 2.0 / (cfg.fast + 1), cfg.fast)
        ema_init(&self.slow, 2.0 / (cfg.slow + 1), cfg.slow)
        cross_init(&self.cross)
        self.half_tick = 0.5 * 10.0 ** -instrument.price_precision
        self.open_qty = Quantity(cfg.trade_size, instrument.size_precision)
        self.flip_qty = Quantity(2 * cfg.trade_size, instrument.size_precision)
        self.warmup = cfg.slow
        self.seen = 0
        self.side = 0
        self.subscribe_quotes(self.instrument_id)

    cpdef void on_quote(self, QuoteTick quote) except *:
        """Update both EMAs with the mid; on a cross past the warm-up, go long or short."""
        cdef double mid = (quote.bid_raw + quote.ask_raw) * self.half_tick
        cdef int signal = cross_update(&self.cross, ema_update(&self.fast, mid),
                                       ema_update(&self.slow, mid))
        self.seen += 1
        if signal == 0 or self.seen < self.warmup:
            return
        qty = self.open_qty if self.side == 0 else self.flip_qty
        if signal > 0:
            self.buy(self.instrument_id, qty)
        else:
            self.sell(self.instrument_id, qty)
        self.side = signal
