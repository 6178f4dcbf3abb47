"""Model an order and its state machine."""

from hft.model.enums import OrderEventKind, OrderSide, OrderStatus, OrderType, TimeInForce
from hft.model.events import OrderEvent
from hft.model.identifiers import (
    ClientOrderId, InstrumentId, StrategyId, TraderId, VenueOrderId,
)
from hft.model.objects import Currency, Money, Price, Quantity

class InvalidStateTransition(ValueError): ...

def transition_table() -> dict[tuple[OrderStatus, OrderEventKind], OrderStatus | str]: ...

class Order:
    trader_id: TraderId
    strategy_id: StrategyId
    instrument_id: InstrumentId
    client_order_id: ClientOrderId
    venue_order_id: VenueOrderId | None
    client_order_num: int
    quantity_raw: int
    filled_qty_raw: int
    price_raw: int
    trigger_price_raw: int
    expire_time_ns: int
    ts_init: int
    ts_last: int
    event_count: int
    size_precision: int
    price_precision: int
    post_only: bool
    reduce_only: bool
    avg_px: float
    tags: tuple[str, ...]
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, side: int, order_type: int, quantity: Quantity,
                 price: Price | None = None, trigger_price: Price | None = None, *,
                 time_in_force: int = ..., expire_time_ns: int = 0, post_only: bool = False,
                 reduce_only: bool = False, ts_init: int = 0, tags: object = None,
                 client_order_num: int = 0) -> None: ...
    @staticmethod
    def market(trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
               client_order_id: ClientOrderId, side: int, quantity: Quantity, *,
               time_in_force: int = ..., reduce_only: bool = False, ts_init: int = 0,
               tags: object = None, client_order_num: int = 0) -> Order: ...
    @staticmethod
    def limit(trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
              client_order_id: ClientOrderId, side: int, quantity: Quantity, price: Price, *,
              time_in_force: int = ..., expire_time_ns: int = 0, post_only: bool = False,
              reduce_only: bool = False, ts_init: int = 0, tags: object = None,
              client_order_num: int = 0) -> Order: ...
    @staticmethod
    def stop_market(trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                    client_order_id: ClientOrderId, side: int, quantity: Quantity,
                    trigger_price: Price, *, time_in_force: int = ..., expire_time_ns: int = 0,
                    reduce_only: bool = False, ts_init: int = 0, tags: object = None,
                    client_order_num: int = 0) -> Order: ...
    @staticmethod
    def stop_limit(trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                   client_order_id: ClientOrderId, side: int, quantity: Quantity, price: Price,
                   trigger_price: Price, *, time_in_force: int = ..., expire_time_ns: int = 0,
                   reduce_only: bool = False, ts_init: int = 0, tags: object = None,
                   client_order_num: int = 0) -> Order: ...
    def apply(self, event: OrderEvent) -> int: ...
    @property
    def side(self) -> OrderSide: ...
    @property
    def order_type(self) -> OrderType: ...
    @property
    def time_in_force(self) -> TimeInForce: ...
    @property
    def status(self) -> OrderStatus: ...
    @property
    def quantity(self) -> Quantity: ...
    @property
    def filled_qty(self) -> Quantity: ...
    @property
    def leaves_qty(self) -> Quantity: ...
    @property
    def leaves_qty_raw(self) -> int: ...
    @property
    def price(self) -> Price | None: ...
    @property
    def trigger_price(self) -> Price | None: ...
    @property
    def commissions(self) -> dict[Currency, Money]: ...
    @property
    def is_buy(self) -> bool: ...
    @property
    def is_sell(self) -> bool: ...
    @property
    def is_open(self) -> bool: ...
    @property
    def is_closed(self) -> bool: ...
    @property
    def is_inflight(self) -> bool: ...
    @property
    def is_pending_update(self) -> bool: ...
    @property
    def is_pending_cancel(self) -> bool: ...
    @property
    def is_passive(self) -> bool: ...
    def to_record(self, *, instrument_num: int, trader_num: int = 0,
                  strategy_num: int = 0) -> bytes: ...
    @staticmethod
    def from_record(buf: bytes | bytearray | memoryview, trader_id: TraderId,
                    strategy_id: StrategyId, instrument_id: InstrumentId,
                    client_order_id: ClientOrderId, *, venue_order_id: VenueOrderId | None = None,
                    tags: object = None) -> Order: ...
