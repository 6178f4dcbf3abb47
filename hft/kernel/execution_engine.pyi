"""ExecutionEngine: orders through risk to venue clients; venue events back everywhere."""

from typing import Any

from hft.kernel.cache import Cache
from hft.kernel.clock import Clock
from hft.kernel.msgbus import MessageBus
from hft.kernel.portfolio import Portfolio
from hft.kernel.risk_engine import RiskEngine
from hft.model.events import OrderEvent
from hft.model.identifiers import ClientOrderIdGenerator, TraderId
from hft.model.objects import Price, Quantity
from hft.model.orders import Order

class WireFirstClient:
    """Base of a live client whose wire-first pair the engine calls in C."""

    def send_new(self, order: Order) -> int: ...
    def after_submit(self, order: Order, status: int) -> None: ...

class ExecutionEngine:
    clock: Clock
    cache: Cache
    portfolio: Portfolio
    risk: RiskEngine
    msgbus: MessageBus | None
    trader_id: TraderId
    orders_submitted: int
    orders_denied: int
    modifies_denied: int
    events_processed: int
    events_dropped: int
    def __init__(self, clock: Clock, cache: Cache, portfolio: Portfolio, risk: RiskEngine,
                 msgbus: MessageBus | None = None, trader_id: TraderId | None = None) -> None: ...
    def register_client(self, client: Any, replace: bool = False) -> None: ...
    def client(self, venue: str) -> Any: ...
    def clients(self) -> list[Any]: ...
    def register_strategy(self, strategy: Any, strategy_number: int = 0) -> ClientOrderIdGenerator: ...
    def submit_order(self, order: Order) -> bool: ...
    def cancel_order(self, order: Order) -> None: ...
    def modify_order(self, order: Order, quantity: Quantity | None = None, price: Price | None = None,
                     trigger_price: Price | None = None) -> None: ...
    def process_event(self, event: OrderEvent) -> bool: ...
