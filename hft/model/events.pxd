# Order events: what happened to an order, in the order it happened. Each event's `kind` is its
# column in the order state-machine table (orders.pyx).
#
# Every event class shares OrderEvent's one memory layout (the subclasses add no fields), so the
# base's freelist recycles all of them: Cython freelists only work on a base type, and a subclass
# with extra fields would never fit a recycled slot. The payload fields below mean something only
# for the kinds named beside them; each subclass exposes the ones that apply as properties.
# Prices and quantities are raw int64 + precision so Order.apply and Position.apply never build
# Python numbers.
from libc.stdint cimport int64_t, uint64_t, uint8_t

from hft.model.enums cimport OrderEventKind
from hft.model.identifiers cimport (
    ClientOrderId, InstrumentId, PositionId, StrategyId, TradeId, TraderId, VenueOrderId,
)
from hft.model.objects cimport Money


cdef class OrderEvent:
    cdef readonly TraderId trader_id
    cdef readonly StrategyId strategy_id
    cdef readonly InstrumentId instrument_id
    cdef readonly ClientOrderId client_order_id
    cdef readonly uint64_t event_id
    cdef readonly int64_t ts_event
    cdef readonly int64_t ts_init
    cdef OrderEventKind _kind
    cdef str _reason                  # DENIED, REJECTED, MODIFY_REJECTED, CANCEL_REJECTED
    cdef VenueOrderId _venue_order_id # all but DENIED, SUBMITTED, REJECTED (None if unknown)
    cdef TradeId _trade_id            # FILLED
    cdef PositionId _position_id      # FILLED, optional
    cdef Money _commission            # FILLED
    cdef int64_t _qty_raw             # FILLED: last qty; UPDATED: new qty if _has_qty
    cdef int64_t _px_raw              # FILLED: last px; UPDATED: new price if _has_px
    cdef int64_t _trigger_raw         # UPDATED: new trigger price if _has_trigger
    cdef uint8_t _size_precision
    cdef uint8_t _price_precision
    cdef uint8_t _trigger_precision
    cdef uint8_t _order_side          # FILLED: Side (hft.core.encoding)
    cdef uint8_t _liquidity_side      # FILLED: LiquiditySide
    cdef bint _has_qty
    cdef bint _has_px
    cdef bint _has_trigger

    cdef int _init_common(self, OrderEventKind kind, TraderId trader_id, StrategyId strategy_id,
                          InstrumentId instrument_id, ClientOrderId client_order_id,
                          uint64_t event_id, int64_t ts_event, int64_t ts_init) except -1
    cdef str _fields_repr(self)


cdef class OrderDenied(OrderEvent):
    pass

cdef class OrderSubmitted(OrderEvent):
    pass

cdef class OrderAccepted(OrderEvent):
    pass

cdef class OrderRejected(OrderEvent):
    pass

cdef class OrderPendingUpdate(OrderEvent):
    pass

cdef class OrderPendingCancel(OrderEvent):
    pass

cdef class OrderUpdated(OrderEvent):
    pass

cdef class OrderModifyRejected(OrderEvent):
    pass

cdef class OrderCancelRejected(OrderEvent):
    pass

cdef class OrderCanceled(OrderEvent):
    pass

cdef class OrderExpired(OrderEvent):
    pass

cdef class OrderTriggered(OrderEvent):
    pass

cdef class OrderFilled(OrderEvent):
    pass
