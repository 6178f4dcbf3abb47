"""Define the order events: what a venue, the risk engine or the trader did to an order.

Every event carries the order's identity (trader, strategy, instrument, client order id), an
`event_id` (an int sequence assigned by whoever emits it), `ts_event` (when it happened) and
`ts_init` (when this object was made), both in ns since the epoch, and `venue_order_id` (None
until the venue has named the order). `kind` is an `OrderEventKind`: the column of the order
state-machine table in `hft.model.orders`.

Events are immutable once built. Prices and quantities are stored as raw int64 plus precision;
the `Price`/`Quantity` properties build objects on access only. All classes share one memory
layout so that OrderEvent's freelist recycles every kind (see events.pxd).
"""

cimport cython
from libc.stdint cimport int64_t, uint64_t, uint8_t

from hft.core.encoding cimport SIDE_BUY, SIDE_SELL
from hft.model.enums cimport (
    LIQUIDITY_SIDE_NONE, LIQUIDITY_SIDE_TAKER, OrderEventKind,
    ORDER_EVENT_DENIED, ORDER_EVENT_SUBMITTED, ORDER_EVENT_ACCEPTED, ORDER_EVENT_REJECTED,
    ORDER_EVENT_PENDING_UPDATE, ORDER_EVENT_PENDING_CANCEL, ORDER_EVENT_UPDATED,
    ORDER_EVENT_MODIFY_REJECTED, ORDER_EVENT_CANCEL_REJECTED, ORDER_EVENT_CANCELED,
    ORDER_EVENT_EXPIRED, ORDER_EVENT_TRIGGERED, ORDER_EVENT_FILLED,
)
from hft.model.identifiers cimport (
    ClientOrderId, InstrumentId, PositionId, StrategyId, TradeId, TraderId, VenueOrderId,
)
from hft.model.objects cimport Money, Price, Quantity, price_new, quantity_new

from hft.model.enums import LiquiditySide, OrderSide
from hft.model.enums import OrderEventKind as PyOrderEventKind

__all__ = [
    "OrderEvent", "OrderDenied", "OrderSubmitted", "OrderAccepted", "OrderRejected",
    "OrderPendingUpdate", "OrderPendingCancel", "OrderUpdated", "OrderModifyRejected",
    "OrderCancelRejected", "OrderCanceled", "OrderExpired", "OrderTriggered", "OrderFilled",
]


cdef str _fmt_raw(int64_t raw, uint8_t precision):
    # exact decimal text of a fixed-point value, for reprs (no float round trip)
    if precision == 0:
        return str(raw)
    cdef str digits = str(abs(raw)).rjust(precision + 1, "0")
    return ("-" if raw < 0 else "") + digits[:-precision] + "." + digits[-precision:]


@cython.freelist(64)
@cython.no_gc  # ids, Money and a str only: no cycle; untracked, so an event costs the GC nothing
cdef class OrderEvent:
    """Carry the fields every order event shares; build one of the subclasses, never this."""

    def __init__(self, *args, **kwargs):
        raise TypeError("OrderEvent is abstract: build one of its subclasses")

    cdef int _init_common(self, OrderEventKind kind, TraderId trader_id, StrategyId strategy_id,
                          InstrumentId instrument_id, ClientOrderId client_order_id,
                          uint64_t event_id, int64_t ts_event, int64_t ts_init) except -1:
        if trader_id is None or strategy_id is None or instrument_id is None \
                or client_order_id is None:
            raise TypeError(
                f"{type(self).__name__}: trader_id, strategy_id, instrument_id and "
                f"client_order_id are required, got None"
            )
        self._kind = kind
        self.trader_id = trader_id
        self.strategy_id = strategy_id
        self.instrument_id = instrument_id
        self.client_order_id = client_order_id
        self.event_id = event_id
        self.ts_event = ts_event
        self.ts_init = ts_init
        return 0

    @property
    def kind(self):
        """Return the event kind: the column of the order state-machine table."""
        return PyOrderEventKind(self._kind)

    @property
    def venue_order_id(self) -> VenueOrderId | None:
        """Return the venue's order id, or None when not known (or not sent with this event)."""
        return self._venue_order_id

    cdef str _fields_repr(self):
        return ""

    def __repr__(self) -> str:
        extra = self._fields_repr()
        venue = f"venue_order_id={self._venue_order_id}, " if self._venue_order_id is not None else ""
        return (
            f"{type(self).__name__}(client_order_id={self.client_order_id}, {venue}"
            f"{extra + ', ' if extra else ''}instrument_id={self.instrument_id}, "
            f"strategy_id={self.strategy_id}, event_id={self.event_id}, "
            f"ts_event={self.ts_event})"
        )


@cython.final
@cython.no_gc
cdef class OrderDenied(OrderEvent):
    """Record that the risk engine denied an order before it left the node."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, str reason not None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_DENIED, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)
        self._reason = reason

    @property
    def reason(self) -> str:
        """Return the reason given."""
        return self._reason

    cdef str _fields_repr(self):
        return f"reason={self._reason!r}"

@cython.final
@cython.no_gc
cdef class OrderSubmitted(OrderEvent):
    """Record that the execution engine sent the order to its venue."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_SUBMITTED, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)

@cython.final
@cython.no_gc
cdef class OrderAccepted(OrderEvent):
    """Record that the venue accepted the order and named it (venue_order_id)."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id,
                 VenueOrderId venue_order_id not None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_ACCEPTED, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)
        self._venue_order_id = venue_order_id

@cython.final
@cython.no_gc
cdef class OrderRejected(OrderEvent):
    """Record that the venue rejected the order."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, str reason not None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_REJECTED, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)
        self._reason = reason

    @property
    def reason(self) -> str:
        """Return the reason given."""
        return self._reason

    cdef str _fields_repr(self):
        return f"reason={self._reason!r}"

@cython.final
@cython.no_gc
cdef class OrderPendingUpdate(OrderEvent):
    """Record that a modify request is on its way and the venue has not answered yet."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id,
                 VenueOrderId venue_order_id=None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_PENDING_UPDATE, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)
        self._venue_order_id = venue_order_id

@cython.final
@cython.no_gc
cdef class OrderPendingCancel(OrderEvent):
    """Record that a cancel request is on its way and the venue has not answered yet."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id,
                 VenueOrderId venue_order_id=None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_PENDING_CANCEL, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)
        self._venue_order_id = venue_order_id

@cython.final
@cython.no_gc
cdef class OrderUpdated(OrderEvent):
    """Record that the venue amended the order: new quantity, price and/or trigger price.

    A field left None is unchanged; at least one must be given.
    """

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id,
                 Quantity quantity=None, Price price=None, Price trigger_price=None,
                 VenueOrderId venue_order_id=None, *, uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_UPDATED, trader_id, strategy_id, instrument_id,
                          client_order_id, event_id, ts_event, ts_init)
        if quantity is None and price is None and trigger_price is None:
            raise ValueError("OrderUpdated: give at least one of quantity, price, trigger_price")
        self._venue_order_id = venue_order_id
        if quantity is not None:
            if quantity.raw <= 0:
                raise ValueError(f"OrderUpdated: field 'quantity' must be > 0, got {quantity}")
            self._has_qty = True
            self._qty_raw = quantity.raw
            self._size_precision = quantity.precision
        if price is not None:
            self._has_px = True
            self._px_raw = price.raw
            self._price_precision = price.precision
        if trigger_price is not None:
            self._has_trigger = True
            self._trigger_raw = trigger_price.raw
            self._trigger_precision = trigger_price.precision

    @property
    def quantity(self) -> Quantity | None:
        """Return the new quantity, or None when unchanged."""
        return quantity_new(self._qty_raw, self._size_precision) if self._has_qty else None

    @property
    def price(self) -> Price | None:
        """Return the new limit price, or None when unchanged."""
        return price_new(self._px_raw, self._price_precision) if self._has_px else None

    @property
    def trigger_price(self) -> Price | None:
        """Return the new trigger price, or None when unchanged."""
        return price_new(self._trigger_raw, self._trigger_precision) if self._has_trigger else None

    cdef str _fields_repr(self):
        parts = []
        if self._has_qty:
            parts.append(f"quantity={_fmt_raw(self._qty_raw, self._size_precision)}")
        if self._has_px:
            parts.append(f"price={_fmt_raw(self._px_raw, self._price_precision)}")
        if self._has_trigger:
            parts.append(f"trigger_price={_fmt_raw(self._trigger_raw, self._trigger_precision)}")
        return ", ".join(parts)

@cython.final
@cython.no_gc
cdef class OrderModifyRejected(OrderEvent):
    """Record that the venue refused a modify request; the order is as it was."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, str reason not None,
                 VenueOrderId venue_order_id=None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_MODIFY_REJECTED, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)
        self._reason = reason
        self._venue_order_id = venue_order_id

    @property
    def reason(self) -> str:
        """Return the reason given."""
        return self._reason

    cdef str _fields_repr(self):
        return f"reason={self._reason!r}"

@cython.final
@cython.no_gc
cdef class OrderCancelRejected(OrderEvent):
    """Record that the venue refused a cancel request; the order is still working."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, str reason not None,
                 VenueOrderId venue_order_id=None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_CANCEL_REJECTED, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)
        self._reason = reason
        self._venue_order_id = venue_order_id

    @property
    def reason(self) -> str:
        """Return the reason given."""
        return self._reason

    cdef str _fields_repr(self):
        return f"reason={self._reason!r}"

@cython.final
@cython.no_gc
cdef class OrderCanceled(OrderEvent):
    """Record that the order was canceled (on request, or by the venue for IOC/FOK leftovers)."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id,
                 VenueOrderId venue_order_id=None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_CANCELED, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)
        self._venue_order_id = venue_order_id

@cython.final
@cython.no_gc
cdef class OrderExpired(OrderEvent):
    """Record that a GTD or DAY order reached its expiry."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id,
                 VenueOrderId venue_order_id=None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_EXPIRED, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)
        self._venue_order_id = venue_order_id

@cython.final
@cython.no_gc
cdef class OrderTriggered(OrderEvent):
    """Record that a stop order's trigger price was reached."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id,
                 VenueOrderId venue_order_id=None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_TRIGGERED, trader_id, strategy_id, instrument_id, client_order_id,
                          event_id, ts_event, ts_init)
        self._venue_order_id = venue_order_id

@cython.final
@cython.no_gc
cdef class OrderFilled(OrderEvent):
    """Record one execution of (part of) an order at the venue.

    Parameters
    ----------
    venue_order_id, trade_id:
        The venue's ids; `trade_id` is unique among one order's fills.
    order_side:
        The filled order's side, `OrderSide.SIDE_BUY` or `OrderSide.SIDE_SELL`.
    last_qty, last_px:
        This fill's quantity (> 0) and price.
    commission:
        The fee charged for this fill in the fee currency (negative for a rebate).
    liquidity_side:
        MAKER or TAKER (NONE when the venue does not say).
    position_id:
        The venue's position id, or None (netting: the engine keys positions itself).
    """

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id,
                 VenueOrderId venue_order_id, TradeId trade_id not None, int order_side,
                 Quantity last_qty not None, Price last_px not None, Money commission not None,
                 int liquidity_side=LIQUIDITY_SIDE_TAKER, PositionId position_id=None, *,
                 uint64_t event_id=0, int64_t ts_event=0, int64_t ts_init=0):
        self._init_common(ORDER_EVENT_FILLED, trader_id, strategy_id, instrument_id,
                          client_order_id, event_id, ts_event, ts_init)
        if order_side != SIDE_BUY and order_side != SIDE_SELL:
            raise ValueError(
                f"OrderFilled: field 'order_side' must be 1 (BUY) or 2 (SELL), got {order_side}"
            )
        if last_qty.raw <= 0:
            raise ValueError(f"OrderFilled: field 'last_qty' must be > 0, got {last_qty}")
        if liquidity_side < LIQUIDITY_SIDE_NONE or liquidity_side > LIQUIDITY_SIDE_TAKER:
            raise ValueError(
                f"OrderFilled: field 'liquidity_side' must be 0 (NONE), 1 (MAKER) or 2 (TAKER), "
                f"got {liquidity_side}"
            )
        self._venue_order_id = venue_order_id
        self._trade_id = trade_id
        self._position_id = position_id
        self._commission = commission
        self._qty_raw = last_qty.raw
        self._size_precision = last_qty.precision
        self._px_raw = last_px.raw
        self._price_precision = last_px.precision
        self._order_side = <uint8_t>order_side
        self._liquidity_side = <uint8_t>liquidity_side

    @property
    def trade_id(self) -> TradeId:
        """Return the venue's id of this execution."""
        return self._trade_id

    @property
    def position_id(self) -> PositionId | None:
        """Return the venue's position id, or None."""
        return self._position_id

    @property
    def commission(self) -> Money:
        """Return the fee for this fill, in the fee currency."""
        return self._commission

    @property
    def order_side(self):
        """Return the filled order's side (an `OrderSide`)."""
        return OrderSide(self._order_side)

    @property
    def liquidity_side(self):
        """Return MAKER, TAKER or NONE (a `LiquiditySide`)."""
        return LiquiditySide(self._liquidity_side)

    @property
    def last_qty(self) -> Quantity:
        """Return this fill's quantity."""
        return quantity_new(self._qty_raw, self._size_precision)

    @property
    def last_px(self) -> Price:
        """Return this fill's price."""
        return price_new(self._px_raw, self._price_precision)

    @property
    def last_qty_raw(self) -> int:
        """Return this fill's quantity as a raw int at `last_qty.precision`."""
        return self._qty_raw

    @property
    def last_px_raw(self) -> int:
        """Return this fill's price as a raw int at `last_px.precision`."""
        return self._px_raw

    @property
    def is_buy(self) -> bool:
        """Return True when the filled order buys."""
        return self._order_side == SIDE_BUY

    cdef str _fields_repr(self):
        return (
            f"trade_id={self._trade_id}, side={'BUY' if self._order_side == SIDE_BUY else 'SELL'}, "
            f"last_qty={_fmt_raw(self._qty_raw, self._size_precision)}, "
            f"last_px={_fmt_raw(self._px_raw, self._price_precision)}, "
            f"commission={self._commission}, "
            f"liquidity={LiquiditySide(self._liquidity_side).name.removeprefix('LIQUIDITY_SIDE_')}"
            + (f", position_id={self._position_id}" if self._position_id is not None else "")
        )
