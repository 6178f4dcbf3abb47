"""Type stub for hft.backtest.strategies.every_nth (Cython extension)."""

from hft.kernel.config import StrategyConfig
from hft.kernel.strategy import Strategy
from hft.model.data import QuoteTick

class EveryNthConfig(StrategyConfig, frozen=True, kw_only=True):
    instrument_id: str
    every: int

class EveryNth(Strategy):
    config_type: type[EveryNthConfig]
    def on_start(self) -> None: ...
    def on_quote(self, quote: QuoteTick) -> None: ...
    @property
    def orders_sent(self) -> int: ...
