"""Enumerate order statuses, order event kinds, liquidity and position sides.

`OrderSide`, `OrderType` and `TimeInForce` are re-exported from `hft.core.encoding` (the same
Python enums, the same numbers as the 128-byte order record), so model and wire never disagree.
Every member of the enums defined here is also a module attribute (`ORDER_STATUS_FILLED`).
"""

from hft.core.encoding import Side as OrderSide
from hft.core.encoding import OrderType, TimeInForce

# cpdef enums declared in a .pxd surface only as classes: export their members by name too
_ENUMS = (OrderStatus, OrderEventKind, LiquiditySide, PositionSide)
for _enum in _ENUMS:
    globals().update(_enum.__members__)

__all__ = [
    "OrderSide", "OrderType", "TimeInForce", "OrderStatus", "OrderEventKind",
    "LiquiditySide", "PositionSide",
] + [name for _enum in _ENUMS for name in _enum.__members__]
