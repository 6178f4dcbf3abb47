"""EMA cross on the mid price with market orders: long above, short below.

Each quote's mid goes through a fast and a slow EMA (hft.indicators.EMA, `y += a (x - y)`,
alpha = 2 / (period + 1)); when the fast one crosses the slow one (hft.indicators.Crossover)
the strategy goes long `trade_size` on an upward cross and short `trade_size` on a downward
one, with one market order: `trade_size` to open from flat, `2 * trade_size` to flip. Crosses
during the warm-up (fewer than `slow` quotes seen) are not traded.

tests/examples/test_ema_cross_reference.py checks the trades and PnL against a plain Python loop.
"""

from __future__ import annotations

from decimal import Decimal

from hft.indicators import EMA, Crossover
from hft.kernel.config import StrategyConfig
from hft.kernel.strategy import Strategy
from hft.model.identifiers import InstrumentId
from hft.model.objects import Quantity

__all__ = ["EmaCross", "EmaCrossConfig"]


class EmaCrossConfig(StrategyConfig, frozen=True, kw_only=True):
    """Parameters of EmaCross: the instrument, the EMA periods and the size of a position."""

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


class EmaCross(Strategy):
    """Trade the cross of a fast and a slow EMA of the mid with market orders."""

    config_type = EmaCrossConfig

    def on_start(self) -> None:
        """Build the indicators, the order sizes and subscribe to the instrument's quotes."""
        cfg = self.config
        self.instrument_id = InstrumentId(cfg.instrument_id)
        instrument = self.cache.instrument(self.instrument_id)
        if instrument is None:
            raise ValueError(f"EmaCross: instrument_id {cfg.instrument_id!r} is not configured")
        self.fast = EMA(cfg.fast)
        self.slow = EMA(cfg.slow)
        self.cross = Crossover()
        # the bound C methods, looked up once: on_quote runs for every quote
        self._fast_update = self.fast.update
        self._slow_update = self.slow.update
        self._cross_update = self.cross.update
        # mid = (bid_raw + ask_raw) * half_tick: one multiply per quote, no Price objects
        self.half_tick = 0.5 * 10.0 ** -instrument.price_precision
        self.open_qty = Quantity(cfg.trade_size, instrument.size_precision)
        self.flip_qty = Quantity(2 * cfg.trade_size, instrument.size_precision)
        self.warmup = cfg.slow
        self.side = 0  # +1 long, -1 short, 0 flat (by the orders sent)
        self.subscribe_quotes(self.instrument_id)

    def on_quote(self, quote) -> None:
        """Update both EMAs with the mid; on a cross past the warm-up, go long or short."""
        mid = (quote.bid_raw + quote.ask_raw) * self.half_tick
        if not self._cross_update(self._fast_update(mid), self._slow_update(mid)):
            return
        # a cross: rare, so the warm-up is checked only here (slow.count counts the quotes)
        if self.slow.count < self.warmup:
            return
        signal = self.cross.value
        qty = self.open_qty if self.side == 0 else self.flip_qty
        if signal > 0:
            self.buy(self.instrument_id, qty)
        else:
            self.sell(self.instrument_id, qty)
        self.side = signal
