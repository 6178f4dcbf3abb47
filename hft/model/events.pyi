"""Define the order events: what a venue, the risk engine or the trader did to an order."""

from hft.model.enums import LiquiditySide, OrderEventKind, OrderSide
from hft.model.identifiers import (
    ClientOrderId, InstrumentId, PositionId, StrategyId, TradeId, TraderId, VenueOrderId,
)
from hft.model.objects import Money, Price, Quantity

class OrderEvent:
    @property
    def trader_id(self) -> TraderId: ...
    @property
    def strategy_id(self) -> StrategyId: ...
    @property
    def instrument_id(self) -> InstrumentId: ...
    @property
    def client_order_id(self) -> ClientOrderId: ...
    @property
    def event_id(self) -> int: ...
    @property
    def ts_event(self) -> int: ...
    @property
    def ts_init(self) -> int: ...
    @property
    def kind(self) -> OrderEventKind: ...
    @property
    def venue_order_id(self) -> VenueOrderId | None: ...

class OrderDenied(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, reason: str, *, event_id: int = 0,
                 ts_event: int = 0, ts_init: int = 0) -> None: ...
    @property
    def reason(self) -> str: ...

class OrderSubmitted(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, *, event_id: int = 0, ts_event: int = 0,
                 ts_init: int = 0) -> None: ...

class OrderAccepted(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, venue_order_id: VenueOrderId, *,
                 event_id: int = 0, ts_event: int = 0, ts_init: int = 0) -> None: ...

class OrderRejected(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, reason: str, *, event_id: int = 0,
                 ts_event: int = 0, ts_init: int = 0) -> None: ...
    @property
    def reason(self) -> str: ...

class OrderPendingUpdate(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, venue_order_id: VenueOrderId | None = None, *,
                 event_id: int = 0, ts_event: int = 0, ts_init: int = 0) -> None: ...

class OrderPendingCancel(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, venue_order_id: VenueOrderId | None = None, *,
                 event_id: int = 0, ts_event: int = 0, ts_init: int = 0) -> None: ...

class OrderUpdated(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, quantity: Quantity | None = None,
                 price: Price | None = None, trigger_price: Price | None = None,
                 venue_order_id: VenueOrderId | None = None, *, event_id: int = 0,
                 ts_event: int = 0, ts_init: int = 0) -> None: ...
    @property
    def quantity(self) -> Quantity | None: ...
    @property
    def price(self) -> Price | None: ...
    @property
    def trigger_price(self) -> Price | None: ...

class OrderModifyRejected(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, reason: str,
                 venue_order_id: VenueOrderId | None = None, *, event_id: int = 0,
                 ts_event: int = 0, ts_init: int = 0) -> None: ...
    @property
    def reason(self) -> str: ...

class OrderCancelRejected(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, reason: str,
                 venue_order_id: VenueOrderId | None = None, *, event_id: int = 0,
                 ts_event: int = 0, ts_init: int = 0) -> None: ...
    @property
    def reason(self) -> str: ...

class OrderCanceled(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, venue_order_id: VenueOrderId | None = None, *,
                 event_id: int = 0, ts_event: int = 0, ts_init: int = 0) -> None: ...

class OrderExpired(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, venue_order_id: VenueOrderId | None = None, *,
                 event_id: int = 0, ts_event: int = 0, ts_init: int = 0) -> None: ...

class OrderTriggered(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, venue_order_id: VenueOrderId | None = None, *,
                 event_id: int = 0, ts_event: int = 0, ts_init: int = 0) -> None: ...

class OrderFilled(OrderEvent):
    def __init__(self, trader_id: TraderId, strategy_id: StrategyId, instrument_id: InstrumentId,
                 client_order_id: ClientOrderId, venue_order_id: VenueOrderId | None,
                 trade_id: TradeId, order_side: int, last_qty: Quantity, last_px: Price,
                 commission: Money, liquidity_side: int = ...,
                 position_id: PositionId | None = None, *, event_id: int = 0,
                 ts_event: int = 0, ts_init: int = 0) -> None: ...
    @property
    def trade_id(self) -> TradeId: ...
    @property
    def position_id(self) -> PositionId | None: ...
    @property
    def commission(self) -> Money: ...
    @property
    def order_side(self) -> OrderSide: ...
    @property
    def liquidity_side(self) -> LiquiditySide: ...
    @property
    def last_qty(self) -> Quantity: ...
    @property
    def last_px(self) -> Price: ...
    @property
    def last_qty_raw(self) -> int: ...
    @property
    def last_px_raw(self) -> int: ...
    @property
    def is_buy(self) -> bool: ...
