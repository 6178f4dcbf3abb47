"""RiskEngine: instrument rules, then hft.core.risk limits from RiskConfig."""

from typing import Any

from hft.core.risk import RiskChecker, TradingState
from hft.kernel.cache import Cache
from hft.kernel.clock import Clock
from hft.kernel.config import RiskConfig
from hft.model.instruments import Instrument
from hft.model.orders import Order

class RiskEngine:
    checker: RiskChecker
    clock: Clock
    cache: Cache
    config: RiskConfig | None
    bypass: bool
    checked: int
    denied: int
    def __init__(self, clock: Clock, cache: Cache, config: RiskConfig | None = None,
                 max_instruments: int = 1024) -> None: ...
    def register_instrument(self, instrument: Instrument) -> int: ...
    def check_order(self, order: Order) -> str | None: ...
    def on_fill(self, order: Order, qty_raw: int, side: int) -> None: ...
    def on_order_closed(self, order: Order) -> None: ...
    def update_pnl(self, pnl: float) -> None: ...
    def set_trading_state(self, state: TradingState | int | str) -> None: ...
    @property
    def trading_state(self) -> TradingState: ...
