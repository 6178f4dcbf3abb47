"""Type stub for hft.backtest.strategies.ema_cross_cy (Cython extension)."""

from decimal import Decimal

from hft.kernel.config import StrategyConfig
from hft.kernel.strategy import Strategy
from hft.model.data import QuoteTick

class EmaCrossCyConfig(StrategyConfig, frozen=True, kw_only=True):
    instrument_id: str
    fast: int
    slow: int
    trade_size: Decimal

class EmaCrossCy(Strategy):
    config_type: type[EmaCrossCyConfig]
    def on_start(self) -> None: ...
    def on_quote(self, quote: QuoteTick) -> None: ...
