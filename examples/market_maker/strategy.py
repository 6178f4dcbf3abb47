"""A market maker: quote both sides around the mid, skew by inventory, widen with volatility.

On every quote (L1), or every book update (L2, `use_book = true`: the touch of the replayed
book), the strategy

1. adds the mid's change, in ticks, to a rolling Welford window (hft.core.stats.RollingStats)
   and takes its standard deviation as the short-term volatility;
2. centres its quotes on the mid shifted against its inventory (long: lower, to sell more
   readily; short: higher) by `skew_ticks` per `trade_size` held;
3. puts each side `base_ticks + vol_mult * std` from that centre, never crossing the market
   (a post-only order that would take is rejected by the venue);
4. cancels and replaces a resting order when its wanted price moved `requote_ticks` or more,
   and stops quoting the side that would grow the inventory past `max_inventory` lots.

Orders are post-only GTC limits of `trade_size`; fills come from the venue's queue model
(docs/fills.md): in L1 a resting order fills when the opposite touch reaches its price; in L2
it waits behind the size displayed at its level and fills when trades or a crossing book reach it.
"""

from __future__ import annotations

import math
from decimal import Decimal

from hft.core.encoding import SIDE_BUY, SIDE_SELL
from hft.core.stats import RollingStats
from hft.kernel.config import StrategyConfig
from hft.kernel.strategy import Strategy
from hft.model.identifiers import InstrumentId
from hft.model.objects import Price, Quantity

__all__ = ["MarketMaker", "MarketMakerConfig"]


class MarketMakerConfig(StrategyConfig, frozen=True, kw_only=True):
    """Parameters of MarketMaker (prices in ticks of the instrument, sizes in its units)."""

    instrument_id: str
    trade_size: Decimal = Decimal("10000")
    base_ticks: float = 1.0  # least distance of a quote from the (skewed) mid
    vol_mult: float = 2.0  # + this many standard deviations of the mid's tick changes
    vol_window: int = 100  # quotes in the rolling volatility window
    skew_ticks: float = 1.0  # centre shift per lot of inventory, against it
    max_inventory: int = 3  # lots; the side that would exceed it is not quoted
    requote_ticks: int = 1  # replace a resting order when its price is this far off
    use_book: bool = False  # L2: follow the book's touch (on_book) instead of quotes

    def __post_init__(self) -> None:
        if self.trade_size <= 0:
            raise ValueError(f"Invalid `trade_size`: expected a value > 0, got {self.trade_size}")
        if self.vol_window < 2:
            raise ValueError(f"Invalid `vol_window`: expected >= 2, got {self.vol_window}")
        if self.max_inventory < 1 or self.requote_ticks < 1:
            raise ValueError("Invalid `max_inventory`/`requote_ticks`: expected >= 1")


class MarketMaker(Strategy):
    """Quote both sides post-only around an inventory-skewed mid, wider when volatile."""

    config_type = MarketMakerConfig

    def on_start(self) -> None:
        """Set up the volatility window and subscribe to the instrument's quotes or book."""
        cfg = self.config
        self.instrument_id = InstrumentId(cfg.instrument_id)
        instrument = self.cache.instrument(self.instrument_id)
        if instrument is None:
            raise ValueError(f"MarketMaker: instrument_id {cfg.instrument_id!r} is not configured")
        self.precision = instrument.price_precision
        self.qty = Quantity(cfg.trade_size, instrument.size_precision)
        self.lot = float(cfg.trade_size)
        self.vol = RollingStats(cfg.vol_window)
        self.last_mid = math.nan
        self.bid_order = None
        self.ask_order = None
        self.requotes = 0
        if cfg.use_book:
            self.subscribe_book(self.instrument_id)
        else:
            self.subscribe_quotes(self.instrument_id)

    def on_stop(self) -> None:
        """Cancel what still rests."""
        self.cancel_all(self.instrument_id)

    def inventory_lots(self) -> float:
        """Return the net position in lots of trade_size (positive long)."""
        return float(self.portfolio.net_position(self.instrument_id)) / self.lot

    def on_quote(self, quote) -> None:
        """Requote on a new top of book (L1)."""
        self.on_touch(quote.bid_raw, quote.ask_raw)

    def on_book(self, book) -> None:
        """Requote on the touch of the L2 book (after a whole snapshot or any delta)."""
        bid, ask = book.best_bid, book.best_ask
        if bid is not None and ask is not None:
            self.on_touch(bid, ask)

    def on_touch(self, bid: int, ask: int) -> None:
        """Update the volatility, work out both quotes and replace the orders that moved."""
        mid = (bid + ask) * 0.5  # in ticks
        if self.last_mid == self.last_mid:  # not NaN: a change to add
            self.vol.add(mid - self.last_mid)
        self.last_mid = mid
        if not self.vol.is_ready:
            return
        cfg = self.config
        inventory = self.inventory_lots()
        centre = mid - cfg.skew_ticks * inventory
        half = cfg.base_ticks + cfg.vol_mult * self.vol.std
        # post-only: stay off the opposite touch, or the venue rejects the order
        want_bid = min(math.floor(centre - half), ask - 1)
        want_ask = max(math.ceil(centre + half), bid + 1)
        self.bid_order = self._work(self.bid_order, SIDE_BUY, want_bid,
                                    inventory + 1 <= cfg.max_inventory)
        self.ask_order = self._work(self.ask_order, SIDE_SELL, want_ask,
                                    inventory - 1 >= -cfg.max_inventory)

    def _work(self, order, side: int, price_raw: int, allowed: bool):
        # an order that filled, was canceled or was rejected is done with
        if order is not None and not order.is_open:
            order = None
        if order is not None:
            if allowed and abs(order.price.raw - price_raw) < self.config.requote_ticks:
                return order  # close enough: keep the queue position
            self.cancel_order(order)
            self.requotes += 1
            order = None
        if not allowed:
            return None
        price = Price.from_raw(price_raw, self.precision)
        place = self.buy if side == SIDE_BUY else self.sell
        return place(self.instrument_id, self.qty, price, post_only=True)
