"""Pairs trading: mean reversion of the z-score of the spread between two instruments.

The spread is `mid(Y) - beta * mid(X)` (beta: the hedge ratio, from the config). Each quote
of either leg updates that leg's mid; once both are known the spread goes into a rolling
Welford window (hft.core.stats.RollingStats) and its z-score against the window decides:

- z > entry: the spread is rich: sell `trade_size` Y, buy `beta * trade_size` X;
- z < -entry: cheap: buy Y, sell X;
- |z| < exit while in a position: close both legs.

Both legs are market orders. The z-score of a spread is taken before the value is added to
the window, so a jump is measured against the past, not against itself.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from hft.core.stats import RollingStats
from hft.kernel.config import StrategyConfig
from hft.kernel.strategy import Strategy
from hft.model.identifiers import InstrumentId
from hft.model.objects import Quantity

__all__ = ["Pairs", "PairsConfig"]


class PairsConfig(StrategyConfig, frozen=True, kw_only=True):
    """Parameters of Pairs: the legs, the hedge ratio, the window and the z thresholds."""

    x_id: str
    y_id: str
    beta: float = 0.8
    window: int = 200
    entry_z: float = 2.0
    exit_z: float = 0.5
    trade_size: Decimal = Decimal("100")  # of Y; X trades beta times as much

    def __post_init__(self) -> None:
        if self.window < 2:
            raise ValueError(f"Invalid `window`: expected >= 2, got {self.window}")
        if not 0 <= self.exit_z < self.entry_z:
            raise ValueError(f"Invalid `exit_z`: expected 0 <= exit_z < entry_z, got "
                             f"exit_z={self.exit_z}, entry_z={self.entry_z}")
        if self.trade_size <= 0:
            raise ValueError(f"Invalid `trade_size`: expected a value > 0, got {self.trade_size}")


class Pairs(Strategy):
    """Trade the z-score of a two-leg spread back to its rolling mean."""

    config_type = PairsConfig

    def on_start(self) -> None:
        """Build the window and the leg sizes; subscribe to both legs' quotes."""
        cfg = self.config
        self.x_id, self.y_id = InstrumentId(cfg.x_id), InstrumentId(cfg.y_id)
        x_ins, y_ins = self.cache.instrument(self.x_id), self.cache.instrument(self.y_id)
        if x_ins is None or y_ins is None:
            raise ValueError(f"Pairs: {cfg.x_id!r} and {cfg.y_id!r} must both be configured")
        self.x_tick = 10.0 ** -x_ins.price_precision
        self.y_tick = 10.0 ** -y_ins.price_precision
        x_qty = (cfg.trade_size * Decimal(repr(cfg.beta))).quantize(
            Decimal(1).scaleb(-x_ins.size_precision), ROUND_HALF_EVEN)
        self.x_qty = Quantity(x_qty, x_ins.size_precision)
        self.y_qty = Quantity(cfg.trade_size, y_ins.size_precision)
        self.stats = RollingStats(cfg.window)
        self.x_mid = self.y_mid = None
        self.state = 0  # +1 long the spread, -1 short it, 0 flat
        self.entries = 0
        self.subscribe_quotes(self.x_id)
        self.subscribe_quotes(self.y_id)

    def on_quote(self, quote) -> None:
        """Update the leg's mid, then the spread's z-score; enter or exit on the thresholds."""
        if quote.instrument_id == self.y_id:
            self.y_mid = (quote.bid_raw + quote.ask_raw) * 0.5 * self.y_tick
        else:
            self.x_mid = (quote.bid_raw + quote.ask_raw) * 0.5 * self.x_tick
        if self.x_mid is None or self.y_mid is None:
            return
        cfg = self.config
        spread = self.y_mid - cfg.beta * self.x_mid
        stats = self.stats
        if stats.is_ready and stats.std > 0.0:
            z = (spread - stats.mean) / stats.std
            if self.state == 0 and z > cfg.entry_z:
                self._enter(-1)
            elif self.state == 0 and z < -cfg.entry_z:
                self._enter(+1)
            elif self.state != 0 and abs(z) < cfg.exit_z:
                self._exit()
        stats.add(spread)

    def _enter(self, direction: int) -> None:
        if direction > 0:
            self.buy(self.y_id, self.y_qty)
            self.sell(self.x_id, self.x_qty)
        else:
            self.sell(self.y_id, self.y_qty)
            self.buy(self.x_id, self.x_qty)
        self.state = direction
        self.entries += 1

    def _exit(self) -> None:
        self.close_position(self.y_id)
        self.close_position(self.x_id)
        self.state = 0
