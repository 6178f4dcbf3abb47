"""Model: fixed-point values, identifiers, instruments and market data.

Orders, events, positions and accounts live in their own modules (hft.model.orders,
hft.model.events, hft.model.position, hft.model.account).
"""

from hft.model.data import (
    Bar, BarAggregation, BarType, BookAction, BookDelta, BookSnapshot, PriceType, QuoteTick,
    TradeTick,
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

__all__ = [
    "AUD", "BTC", "CAD", "CHF", "ETH", "EUR", "GBP", "JPY", "USD", "USDC", "USDT",
    "AccountId", "Bar", "BarAggregation", "BarType", "BookAction", "BookDelta", "BookSnapshot",
    "CheckResult", "ClientOrderId", "ClientOrderIdGenerator", "Currency", "Identifier",
    "Instrument", "InstrumentId", "InstrumentKind", "InstrumentRegistry", "Money",
    "PositionId", "Price", "PriceType", "Quantity", "QuoteTick", "StrategyId", "Symbol",
    "TradeId", "TradeTick", "TraderId", "Venue", "VenueOrderId", "notional",
]
