"""Enumerate order statuses, order event kinds, liquidity and position sides.

`OrderSide`, `OrderType` and `TimeInForce` are re-exported from `hft.core.encoding` (the same
Python enums, the same numbers as the 128-byte order record), so model and wire never disagree.
"""

from hft.core.encoding import Side as OrderSide
from hft.core.encoding import OrderType, TimeInForce

__all__ = [
    "OrderSide", "OrderType", "TimeInForce", "OrderStatus", "OrderEventKind",
    "LiquiditySide", "PositionSide",
]
