"""Model: fixed-point values, identifiers, instruments, market data, orders, events,
positions and accounts."""

from hft.model.account import (
    Account, AccountBalance, AccountBalanceNegative, CashAccount, MarginAccount,
)
from hft.model.data import (
    Bar, BarAggregation, BarType, BookAction, BookDelta, BookSnapshot, PriceType, QuoteTick,
    TradeTick,
)
from hft.model.enums import (
    LiquiditySide, OrderEventKind, OrderSide, OrderStatus, OrderType, PositionSide, TimeInForce,
)
from hft.model.events import (
    OrderAccepted, OrderCanceled, OrderCancelRejected, OrderDenied, OrderEvent, OrderExpired,
    OrderFilled, OrderModifyRejected, OrderPendingCancel, OrderPendingUpdate, OrderRejected,
    OrderSubmitted, OrderTriggered, OrderUpdated,
)
from hft.model.identifiers import (
    AccountId, ClientOrderId, ClientOrderIdGenerator, Identifier, InstrumentId, PositionId,
    StrategyId, Symbol, TradeId, TraderId, Venue, VenueOrderId,
)
from hft.model.instruments import CheckResult, Instrument, InstrumentKind, InstrumentRegistry
from hft.model.objects import (
    AUD, BTC, CAD, CHF, ETH, EUR, GBP, JPY, USD, USDC, USDT, Currency, Money, Price, Quantity,
    notional,
)
from hft.model.orders import InvalidStateTransition, Order, transition_table
from hft.model.position import Position, split_fill

__all__ = [
    "AUD", "BTC", "CAD", "CHF", "ETH", "EUR", "GBP", "JPY", "USD", "USDC", "USDT",
    "AccountId", "Bar", "BarAggregation", "BarType", "BookAction", "BookDelta", "BookSnapshot",
    "CheckResult", "ClientOrderId", "ClientOrderIdGenerator", "Currency", "Identifier",
    "Instrument", "InstrumentId", "InstrumentKind", "InstrumentRegistry", "Money",
    "PositionId", "Price", "PriceType", "Quantity", "QuoteTick", "StrategyId", "Symbol",
    "TradeId", "TradeTick", "TraderId", "Venue", "VenueOrderId", "notional",
    "Account", "AccountBalance", "AccountBalanceNegative", "CashAccount", "MarginAccount",
    "LiquiditySide", "OrderEventKind", "OrderSide", "OrderStatus", "OrderType", "PositionSide",
    "TimeInForce",
    "OrderAccepted", "OrderCanceled", "OrderCancelRejected", "OrderDenied", "OrderEvent",
    "OrderExpired", "OrderFilled", "OrderModifyRejected", "OrderPendingCancel",
    "OrderPendingUpdate", "OrderRejected", "OrderSubmitted", "OrderTriggered", "OrderUpdated",
    "InvalidStateTransition", "Order", "transition_table", "Position", "split_fill",
]
