"""Model an order and its state machine.

One `Order` class covers MARKET, LIMIT, STOP_MARKET and STOP_LIMIT orders with time in force
GTC, IOC, FOK, GTD (with `expire_time_ns`) and DAY, and the POST_ONLY / REDUCE_ONLY flags. Build
one with `Order.market`, `Order.limit`, `Order.stop_market` or `Order.stop_limit` (or the
constructor); each checks the combination and names the bad field in a ValueError.

State machine
-------------
`order.apply(event)` moves the order along this table and raises `InvalidStateTransition`
(a ValueError naming the event, the order and its state) for every pair not listed::

    INITIALIZED      DENIED -> DENIED; SUBMITTED -> SUBMITTED
    SUBMITTED        ACCEPTED -> ACCEPTED; REJECTED -> REJECTED; CANCELED -> CANCELED (IOC/FOK
                     leftovers canceled before the ack); FILLED -> PARTIALLY_FILLED | FILLED
                     (fills can beat the ack); PENDING_UPDATE, PENDING_CANCEL -> themselves
    ACCEPTED         PENDING_UPDATE, PENDING_CANCEL, CANCELED, EXPIRED, TRIGGERED -> themselves;
                     FILLED -> PARTIALLY_FILLED | FILLED; UPDATED, MODIFY_REJECTED,
                     CANCEL_REJECTED -> ACCEPTED (a venue-side amend or a late reply)
    TRIGGERED        as ACCEPTED but no TRIGGERED, plus REJECTED -> REJECTED (a stop-limit's
                     limit leg refused after the trigger)
    PARTIALLY_FILLED as ACCEPTED but no TRIGGERED
    PENDING_UPDATE   UPDATED, MODIFY_REJECTED -> the open status before the request;
                     PENDING_UPDATE -> itself (another amend); PENDING_CANCEL -> PENDING_CANCEL;
                     ACCEPTED, TRIGGERED -> stay PENDING_UPDATE, remember the new open status;
                     FILLED -> FILLED, or stay pending remembering PARTIALLY_FILLED;
                     REJECTED, CANCELED, EXPIRED -> themselves
    PENDING_CANCEL   CANCEL_REJECTED -> the open status before the request;
                     PENDING_CANCEL, UPDATED, MODIFY_REJECTED -> itself (the cancel is still out);
                     ACCEPTED, TRIGGERED, FILLED: as in PENDING_UPDATE;
                     REJECTED, CANCELED, EXPIRED -> themselves
    DENIED, REJECTED, CANCELED, EXPIRED, FILLED: terminal, nothing applies

Choices, against NautilusTrader's table: no shortcut out of INITIALIZED (an order found at the
venue by reconciliation is replayed as OrderSubmitted first, then its venue events); a fill
after CANCELED is invalid (our venues send fills before the cancel confirmation, in sequence);
a fill or trigger while a request is pending keeps the order pending (`is_inflight` stays true
until the venue answers) and updates the status the answer returns to.

Fills
-----
An `OrderFilled` must not exceed the leaves quantity and its `trade_id` must be new for this
order (the set of seen trade ids is kept while the order is open and dropped when it closes, so
memory does not grow with history). Fills update `filled_qty`, `leaves_qty`, the
volume-weighted `avg_px` and the per-currency `commissions`.
"""

cimport cython
from libc.stdint cimport int64_t, uint64_t, uint32_t, uint8_t, INT64_MAX
from libc.string cimport memset

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

from hft.core.encoding cimport (
    DECODE_OK, ENCODING_VERSION, FLAG_POST_ONLY, FLAG_REDUCE_ONLY, ORDER_SIZE,
    ORDER_TYPE_LIMIT, ORDER_TYPE_MARKET, ORDER_TYPE_STOP_LIMIT, ORDER_TYPE_STOP_MARKET,
    OrderRecord, RECORD_ORDER, SIDE_BUY, SIDE_SELL, TIF_DAY, TIF_FOK, TIF_GTC, TIF_GTD, TIF_IOC,
    order_decode, order_encode,
)
from hft.model.enums cimport (
    ORDER_EVENT_ACCEPTED, ORDER_EVENT_CANCEL_REJECTED, ORDER_EVENT_CANCELED, ORDER_EVENT_DENIED,
    ORDER_EVENT_EXPIRED, ORDER_EVENT_FILLED, ORDER_EVENT_KIND_COUNT, ORDER_EVENT_MODIFY_REJECTED,
    ORDER_EVENT_PENDING_CANCEL, ORDER_EVENT_PENDING_UPDATE, ORDER_EVENT_REJECTED,
    ORDER_EVENT_SUBMITTED, ORDER_EVENT_TRIGGERED, ORDER_EVENT_UPDATED,
    ORDER_STATUS_ACCEPTED, ORDER_STATUS_CANCELED, ORDER_STATUS_COUNT, ORDER_STATUS_DENIED,
    ORDER_STATUS_EXPIRED, ORDER_STATUS_FILLED, ORDER_STATUS_INITIALIZED,
    ORDER_STATUS_PARTIALLY_FILLED, ORDER_STATUS_PENDING_CANCEL, ORDER_STATUS_PENDING_UPDATE,
    ORDER_STATUS_REJECTED, ORDER_STATUS_SUBMITTED, ORDER_STATUS_TRIGGERED, OrderStatus,
)
from hft.model.events cimport OrderEvent
from hft.model.identifiers cimport (
    ClientOrderId, InstrumentId, StrategyId, TradeId, TraderId, VenueOrderId,
)
from hft.model.objects cimport (
    Currency, Money, Price, Quantity, fees_by_currency, fixed_rescale, money_new, price_new,
    quantity_new,
)

from hft.core.encoding import DECODE_ERRORS
from hft.model.enums import OrderSide, OrderStatus as PyOrderStatus, OrderType, TimeInForce

__all__ = ["Order", "InvalidStateTransition", "transition_table"]


class InvalidStateTransition(ValueError):
    """Raised when an event does not apply to an order in its current state."""


# ---------------------------------------------------------------------------------------------
# The state-machine table
# ---------------------------------------------------------------------------------------------

cdef uint8_t[ORDER_STATUS_COUNT][ORDER_EVENT_KIND_COUNT] _NEXT
memset(_NEXT, NEXT_INVALID, sizeof(_NEXT))


cdef void _edge(int status, int kind, uint8_t nxt) noexcept:
    _NEXT[status][kind] = nxt


cdef void _build_table() noexcept:
    cdef int s
    _edge(ORDER_STATUS_INITIALIZED, ORDER_EVENT_DENIED, ORDER_STATUS_DENIED)
    _edge(ORDER_STATUS_INITIALIZED, ORDER_EVENT_SUBMITTED, ORDER_STATUS_SUBMITTED)

    _edge(ORDER_STATUS_SUBMITTED, ORDER_EVENT_ACCEPTED, ORDER_STATUS_ACCEPTED)
    _edge(ORDER_STATUS_SUBMITTED, ORDER_EVENT_REJECTED, ORDER_STATUS_REJECTED)
    _edge(ORDER_STATUS_SUBMITTED, ORDER_EVENT_CANCELED, ORDER_STATUS_CANCELED)
    _edge(ORDER_STATUS_SUBMITTED, ORDER_EVENT_FILLED, NEXT_FILL)
    _edge(ORDER_STATUS_SUBMITTED, ORDER_EVENT_PENDING_UPDATE, ORDER_STATUS_PENDING_UPDATE)
    _edge(ORDER_STATUS_SUBMITTED, ORDER_EVENT_PENDING_CANCEL, ORDER_STATUS_PENDING_CANCEL)

    # the three working statuses share their edges; only ACCEPTED can trigger and only a
    # triggered stop-limit can still be rejected (its limit leg)
    for s in (ORDER_STATUS_ACCEPTED, ORDER_STATUS_TRIGGERED, ORDER_STATUS_PARTIALLY_FILLED):
        _edge(s, ORDER_EVENT_PENDING_UPDATE, ORDER_STATUS_PENDING_UPDATE)
        _edge(s, ORDER_EVENT_PENDING_CANCEL, ORDER_STATUS_PENDING_CANCEL)
        _edge(s, ORDER_EVENT_CANCELED, ORDER_STATUS_CANCELED)
        _edge(s, ORDER_EVENT_EXPIRED, ORDER_STATUS_EXPIRED)
        _edge(s, ORDER_EVENT_FILLED, NEXT_FILL)
        _edge(s, ORDER_EVENT_UPDATED, NEXT_SAME)
        _edge(s, ORDER_EVENT_MODIFY_REJECTED, NEXT_SAME)
        _edge(s, ORDER_EVENT_CANCEL_REJECTED, NEXT_SAME)
    _edge(ORDER_STATUS_ACCEPTED, ORDER_EVENT_TRIGGERED, ORDER_STATUS_TRIGGERED)
    _edge(ORDER_STATUS_TRIGGERED, ORDER_EVENT_REJECTED, ORDER_STATUS_REJECTED)

    for s in (ORDER_STATUS_PENDING_UPDATE, ORDER_STATUS_PENDING_CANCEL):
        _edge(s, ORDER_EVENT_ACCEPTED, NEXT_KEEP_PENDING)
        _edge(s, ORDER_EVENT_TRIGGERED, NEXT_KEEP_PENDING)
        _edge(s, ORDER_EVENT_FILLED, NEXT_FILL)
        _edge(s, ORDER_EVENT_REJECTED, ORDER_STATUS_REJECTED)
        _edge(s, ORDER_EVENT_CANCELED, ORDER_STATUS_CANCELED)
        _edge(s, ORDER_EVENT_EXPIRED, ORDER_STATUS_EXPIRED)
        _edge(s, ORDER_EVENT_PENDING_CANCEL, ORDER_STATUS_PENDING_CANCEL)
    _edge(ORDER_STATUS_PENDING_UPDATE, ORDER_EVENT_PENDING_UPDATE, NEXT_SAME)
    _edge(ORDER_STATUS_PENDING_UPDATE, ORDER_EVENT_UPDATED, NEXT_PREVIOUS)
    _edge(ORDER_STATUS_PENDING_UPDATE, ORDER_EVENT_MODIFY_REJECTED, NEXT_PREVIOUS)
    _edge(ORDER_STATUS_PENDING_CANCEL, ORDER_EVENT_PENDING_CANCEL, NEXT_SAME)
    _edge(ORDER_STATUS_PENDING_CANCEL, ORDER_EVENT_UPDATED, NEXT_SAME)
    _edge(ORDER_STATUS_PENDING_CANCEL, ORDER_EVENT_MODIFY_REJECTED, NEXT_SAME)
    _edge(ORDER_STATUS_PENDING_CANCEL, ORDER_EVENT_CANCEL_REJECTED, NEXT_PREVIOUS)


_build_table()


cdef uint8_t order_next_status(int status, int kind) noexcept nogil:
    if status <= 0 or status >= ORDER_STATUS_COUNT or kind <= 0 or kind >= ORDER_EVENT_KIND_COUNT:
        return NEXT_INVALID
    return _NEXT[status][kind]


_CELL_NAMES = {NEXT_PREVIOUS: "PREVIOUS", NEXT_SAME: "SAME", NEXT_FILL: "FILL",
               NEXT_KEEP_PENDING: "KEEP_PENDING"}


def transition_table() -> dict:
    """Return every valid (OrderStatus, OrderEventKind) pair mapped to its table cell.

    A cell is an `OrderStatus` or one of "PREVIOUS", "SAME", "FILL", "KEEP_PENDING" (see the
    module docstring).
    """
    from hft.model.enums import OrderEventKind
    table = {}
    for status in PyOrderStatus:
        for kind in OrderEventKind:
            cell = order_next_status(status, kind)
            if cell != NEXT_INVALID:
                table[status, kind] = _CELL_NAMES.get(cell) or PyOrderStatus(cell)
    return table


cdef inline bint _is_pending(int status) noexcept nogil:
    return status == ORDER_STATUS_PENDING_UPDATE or status == ORDER_STATUS_PENDING_CANCEL


cdef inline bint _is_closed(int status) noexcept nogil:
    return (status == ORDER_STATUS_DENIED or status == ORDER_STATUS_REJECTED
            or status == ORDER_STATUS_CANCELED or status == ORDER_STATUS_EXPIRED
            or status == ORDER_STATUS_FILLED)


cdef inline bint _is_stop(int order_type) noexcept nogil:
    return order_type == ORDER_TYPE_STOP_MARKET or order_type == ORDER_TYPE_STOP_LIMIT


cdef inline bint _has_limit(int order_type) noexcept nogil:
    return order_type == ORDER_TYPE_LIMIT or order_type == ORDER_TYPE_STOP_LIMIT


cdef str _status_name(int status):
    return PyOrderStatus(status).name.removeprefix("ORDER_STATUS_")


# Python-int powers of ten: `10 ** n` with a C int n would be computed as a C double
cdef tuple _POW10 = tuple([10 ** i for i in range(19)])
cdef hft_i128[19] _POW10_I128
_POW10_I128[0] = 1
for _k in range(1, 19):
    _POW10_I128[_k] = _POW10_I128[_k - 1] * 10
# every integer of magnitude <= 2**53 is exact as a double
cdef hft_i128 _EXACT_DOUBLE = (<hft_i128>1) << 53


# ---------------------------------------------------------------------------------------------
# Order
# ---------------------------------------------------------------------------------------------

cdef int64_t _qty_at(str what, Quantity q, uint8_t precision) except? -1:
    # a quantity rescaled to the order's size precision, exactly or not at all
    cdef int64_t out
    if not fixed_rescale(q.raw, q.precision, precision, &out):
        raise ValueError(f"{what}: {q} does not fit size precision {precision} exactly")
    return out


cdef int64_t _px_at(object client_order_id, str field, Price p, uint8_t precision) except? -1:
    cdef int64_t out
    if not fixed_rescale(p.raw, p.precision, precision, &out):
        raise ValueError(f"order {client_order_id}: field '{field}': {p} does not fit price "
                         f"precision {precision} exactly")
    return out


cdef dict _ENUM_MEMBERS = {}


cdef object _member(object enum_type, int value):
    # enum lookups by value go through enum.py (~1 us); properties read on every order
    # (side, order_type, status) take the member from a dict instead
    cdef object key = (enum_type, value)
    cdef object found = _ENUM_MEMBERS.get(key)
    if found is None:
        found = enum_type(value)
        _ENUM_MEMBERS[key] = found
    return found


cdef str _type_name(int order_type):
    # for error messages only
    return OrderType(order_type).name.removeprefix("ORDER_TYPE_")


@cython.final
@cython.no_gc  # holds ids, str tags, a set of TradeIds and a dict of ints: no cycle can pass
               # through it; untracked, so the GC neither counts nor walks the open orders
cdef class Order:
    """Hold one order's terms, fills and status; move it with `apply(event)`.

    Parameters
    ----------
    side:
        `OrderSide.SIDE_BUY` or `OrderSide.SIDE_SELL`.
    order_type:
        MARKET, LIMIT, STOP_MARKET or STOP_LIMIT (`OrderType`).
    quantity:
        > 0; its precision is the order's size precision.
    price:
        The limit price: required for LIMIT and STOP_LIMIT, forbidden otherwise; > 0.
    trigger_price:
        Required for STOP_MARKET and STOP_LIMIT, forbidden otherwise; > 0. Price and trigger
        price are kept at the larger of their two precisions.
    time_in_force, expire_time_ns:
        GTC (default), IOC, FOK, GTD or DAY; GTD needs `expire_time_ns` > 0, the others 0.
        MARKET orders cannot be GTD.
    post_only:
        LIMIT orders only. `reduce_only`: any type.
    client_order_num:
        The numeric client order id written to the binary record (`ClientOrderIdGenerator.
        numeric`); 0 when unknown.

    Raises
    ------
    ValueError
        naming the field of an invalid combination.
    """

    def __init__(self, TraderId trader_id not None, StrategyId strategy_id not None,
                 InstrumentId instrument_id not None, ClientOrderId client_order_id not None,
                 int side, int order_type, Quantity quantity not None, Price price=None,
                 Price trigger_price=None, *, int time_in_force=TIF_GTC,
                 int64_t expire_time_ns=0, bint post_only=False, bint reduce_only=False,
                 int64_t ts_init=0, tags=None, uint64_t client_order_num=0):
        _order_init(self, trader_id, strategy_id, instrument_id, client_order_id, side,
                    order_type, quantity, price, trigger_price, time_in_force, expire_time_ns,
                    post_only, reduce_only, ts_init, tags, client_order_num)

    # -- factories -------------------------------------------------------------------------

    @staticmethod
    def market(TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
               ClientOrderId client_order_id, int side, Quantity quantity, *,
               int time_in_force=TIF_GTC, bint reduce_only=False, int64_t ts_init=0, tags=None,
               uint64_t client_order_num=0) -> Order:
        """Build a MARKET order (any time in force but GTD)."""
        return Order(trader_id, strategy_id, instrument_id, client_order_id, side,
                     ORDER_TYPE_MARKET, quantity, time_in_force=time_in_force,
                     reduce_only=reduce_only, ts_init=ts_init, tags=tags,
                     client_order_num=client_order_num)

    @staticmethod
    def limit(TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
              ClientOrderId client_order_id, int side, Quantity quantity, Price price, *,
              int time_in_force=TIF_GTC, int64_t expire_time_ns=0, bint post_only=False,
              bint reduce_only=False, int64_t ts_init=0, tags=None,
              uint64_t client_order_num=0) -> Order:
        """Build a LIMIT order; `price` is required, GTD needs `expire_time_ns`."""
        return Order(trader_id, strategy_id, instrument_id, client_order_id, side,
                     ORDER_TYPE_LIMIT, quantity, price, time_in_force=time_in_force,
                     expire_time_ns=expire_time_ns, post_only=post_only,
                     reduce_only=reduce_only, ts_init=ts_init, tags=tags,
                     client_order_num=client_order_num)

    @staticmethod
    def stop_market(TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                    ClientOrderId client_order_id, int side, Quantity quantity,
                    Price trigger_price, *, int time_in_force=TIF_GTC,
                    int64_t expire_time_ns=0, bint reduce_only=False, int64_t ts_init=0,
                    tags=None, uint64_t client_order_num=0) -> Order:
        """Build a STOP_MARKET order; `trigger_price` is required."""
        return Order(trader_id, strategy_id, instrument_id, client_order_id, side,
                     ORDER_TYPE_STOP_MARKET, quantity, None, trigger_price,
                     time_in_force=time_in_force, expire_time_ns=expire_time_ns,
                     reduce_only=reduce_only, ts_init=ts_init, tags=tags,
                     client_order_num=client_order_num)

    @staticmethod
    def stop_limit(TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                   ClientOrderId client_order_id, int side, Quantity quantity, Price price,
                   Price trigger_price, *, int time_in_force=TIF_GTC, int64_t expire_time_ns=0,
                   bint reduce_only=False, int64_t ts_init=0, tags=None,
                   uint64_t client_order_num=0) -> Order:
        """Build a STOP_LIMIT order; `price` and `trigger_price` are required."""
        return Order(trader_id, strategy_id, instrument_id, client_order_id, side,
                     ORDER_TYPE_STOP_LIMIT, quantity, price, trigger_price,
                     time_in_force=time_in_force, expire_time_ns=expire_time_ns,
                     reduce_only=reduce_only, ts_init=ts_init, tags=tags,
                     client_order_num=client_order_num)

    # -- the state machine -----------------------------------------------------------------

    cpdef int apply(self, OrderEvent event) except -1:
        """Apply one event: move the status, record fills; raise if it does not apply.

        Raises
        ------
        InvalidStateTransition
            when the table has no edge for (status, event kind), or a trigger reaches an order
            that is not a stop order.
        ValueError
            when the event belongs to another order, a fill exceeds the leaves quantity or
            repeats a trade id, or an update is inconsistent with the order. The order is
            unchanged after any error.
        """
        if event is None:
            raise TypeError("apply: expected an OrderEvent, got None")
        if event.client_order_id is not self.client_order_id \
                and event.client_order_id != self.client_order_id:
            raise ValueError(f"cannot apply {type(event).__name__} for order "
                             f"{event.client_order_id} to order {self.client_order_id}")
        cdef int kind = event._kind
        cdef int status = self._status
        cdef uint8_t cell = order_next_status(status, kind)
        if cell == NEXT_INVALID:
            raise InvalidStateTransition(
                f"cannot apply {type(event).__name__} to order {self.client_order_id} "
                f"in state {_status_name(status)}"
            )
        cdef int64_t qty = 0, px = 0, trig = 0
        cdef uint8_t new_pp = self.price_precision
        if kind == ORDER_EVENT_TRIGGERED and not _is_stop(self._order_type):
            raise InvalidStateTransition(
                f"cannot apply OrderTriggered to order {self.client_order_id} in state "
                f"{_status_name(status)}: a {OrderType(self._order_type).name} order has no trigger"
            )
        elif kind == ORDER_EVENT_FILLED:
            qty = self._check_fill(event)
        elif kind == ORDER_EVENT_UPDATED:
            self._check_update(event)

        # -- validated: commit ---------------------------------------------------------------
        cdef int nxt
        if cell == NEXT_SAME:
            nxt = status
        elif cell == NEXT_PREVIOUS:
            nxt = self._previous_status
        elif cell == NEXT_KEEP_PENDING:
            nxt = status
            if kind == ORDER_EVENT_ACCEPTED:
                if self._previous_status == ORDER_STATUS_SUBMITTED:
                    self._previous_status = ORDER_STATUS_ACCEPTED
            elif self.filled_qty_raw == 0:  # TRIGGERED
                self._previous_status = ORDER_STATUS_TRIGGERED
        elif cell == NEXT_FILL:
            self._record_fill(event, qty)
            if self.filled_qty_raw == self.quantity_raw:
                nxt = ORDER_STATUS_FILLED
            elif _is_pending(status):
                nxt = status
                self._previous_status = ORDER_STATUS_PARTIALLY_FILLED
            else:
                nxt = ORDER_STATUS_PARTIALLY_FILLED
        else:
            nxt = cell
        if kind == ORDER_EVENT_UPDATED:
            self._record_update(event)
        if _is_pending(nxt) and not _is_pending(status):
            self._previous_status = <OrderStatus>status
        if event._venue_order_id is not None:
            self.venue_order_id = event._venue_order_id
        self._status = <OrderStatus>nxt
        self.ts_last = event.ts_event
        self.event_count += 1
        if _is_closed(nxt):
            self._trade_ids = None  # nothing more can fill: drop the duplicate guard
            self._first_trade_id = None
        return 0

    cdef int64_t _check_fill(self, OrderEvent fill) except -1:
        # the fill's quantity at the order's size precision, after every check
        cdef int64_t qty
        if (fill._order_side == self._side
                and fixed_rescale(fill._qty_raw, fill._size_precision, self.size_precision, &qty)
                and qty <= self.quantity_raw - self.filled_qty_raw
                and not self._seen_trade(fill._trade_id)):
            return qty  # the common case: no message built
        cdef str where = f"cannot apply OrderFilled to order {self.client_order_id}"
        if fill._order_side != self._side:
            raise ValueError(f"{where}: fill side {OrderSide(fill._order_side).name} differs "
                             f"from order side {OrderSide(self._side).name}")
        if not fixed_rescale(fill._qty_raw, fill._size_precision, self.size_precision, &qty):
            raise ValueError(f"{where}: last_qty {fill.last_qty} does not fit size precision "
                             f"{self.size_precision} exactly")
        if qty > self.quantity_raw - self.filled_qty_raw:
            raise ValueError(
                f"{where}: overfill, last_qty {fill.last_qty} exceeds leaves_qty "
                f"{self.leaves_qty}"
            )
        if self._seen_trade(fill._trade_id):
            raise ValueError(f"{where}: duplicate trade_id {fill._trade_id}")
        return qty

    cdef bint _seen_trade(self, TradeId trade_id) except -1:
        if self._trade_ids is not None:
            return trade_id in self._trade_ids
        return self.filled_qty_raw > 0 and (
            trade_id is self._first_trade_id or trade_id == self._first_trade_id)

    cdef int _record_fill(self, OrderEvent fill, int64_t qty) except -1:
        # most orders fill once: the first trade id is a field, the set comes with the second
        if self.filled_qty_raw == 0:
            self._first_trade_id = fill._trade_id
        elif self._trade_ids is None:
            self._trade_ids = {self._first_trade_id, fill._trade_id}
        else:
            self._trade_ids.add(fill._trade_id)
        self.filled_qty_raw += qty
        # exact notional at the finest fill price precision (128 bits, Python ints past them):
        # avg_px is one correctly rounded division of exact integers, however the fills split
        cdef uint8_t old_pp = self._fill_pp, pp = fill._price_precision
        cdef uint8_t new_pp = pp if pp > old_pp else old_pp
        cdef hft_i128 n, term
        cdef bint overflow = self._notional_big is not None
        if not overflow:
            # |px raw| < 2**63 and 10**k <= 10**18 < 2**60: term fits; check every other step
            n = self._notional128
            term = <hft_i128>fill._px_raw * _POW10_I128[new_pp - pp]
            overflow = (new_pp > old_pp and hft_i128_mul(n, _POW10_I128[new_pp - old_pp], &n)) \
                or hft_i128_mul(term, qty, &term) or hft_i128_add(n, term, &n)
            if overflow:
                self._notional_big = <object>self._notional128
        if overflow:
            self._notional_big = self._notional_big * _POW10[new_pp - old_pp] \
                + <object>fill._px_raw * _POW10[new_pp - pp] * <object>qty
        else:
            self._notional128 = n
        self._fill_pp = new_pp
        cdef hft_i128 den = <hft_i128>self.filled_qty_raw * _POW10_I128[new_pp]  # < 2**123
        if overflow:
            self.avg_px = self._notional_big / <object>den
        elif -_EXACT_DOUBLE <= n <= _EXACT_DOUBLE and den <= _EXACT_DOUBLE:
            # both exact as doubles: the IEEE division rounds once, as int / int does
            self.avg_px = <double>n / <double>den
        else:
            self.avg_px = <object>n / <object>den
        cdef Money fee = fill._commission
        cdef int64_t total
        if self._fee_currency is None:
            self._fee_currency = fee.currency
        if fee.currency is self._fee_currency and not hft_i64_add(self._fee_raw, fee.raw, &total):
            self._fee_raw = total
        else:
            if self._fees_other is None:
                self._fees_other = {}
            self._fees_other[fee.currency] = self._fees_other.get(fee.currency, 0) + fee.raw
        return 0

    cdef int _check_update(self, OrderEvent upd) except -1:
        cdef int64_t out
        cdef str where = f"cannot apply OrderUpdated to order {self.client_order_id}"
        if upd._has_qty:
            if not fixed_rescale(upd._qty_raw, upd._size_precision, self.size_precision, &out):
                raise ValueError(f"{where}: quantity {upd.quantity} does not fit size precision "
                                 f"{self.size_precision} exactly")
            if out <= self.filled_qty_raw:
                raise ValueError(f"{where}: quantity {upd.quantity} must exceed filled_qty "
                                 f"{self.filled_qty}")
        if upd._has_px and not _has_limit(self._order_type):
            raise ValueError(f"{where}: a {OrderType(self._order_type).name} order has no "
                             f"limit price to update")
        if upd._has_trigger and not _is_stop(self._order_type):
            raise ValueError(f"{where}: a {OrderType(self._order_type).name} order has no "
                             f"trigger price to update")
        if upd._has_px and upd._px_raw <= 0:
            raise ValueError(f"{where}: price {upd.price} must be > 0")
        if upd._has_trigger and upd._trigger_raw <= 0:
            raise ValueError(f"{where}: trigger_price {upd.trigger_price} must be > 0")
        # a finer price precision than the order's is adopted: check the other price rescales
        cdef uint8_t pp = self.price_precision
        if upd._has_px and upd._price_precision > pp:
            pp = upd._price_precision
        if upd._has_trigger and upd._trigger_precision > pp:
            pp = upd._trigger_precision
        if not fixed_rescale(self.price_raw, self.price_precision, pp, &out) \
                or not fixed_rescale(self.trigger_price_raw, self.price_precision, pp, &out):
            raise OverflowError(f"{where}: prices overflow int64 at precision {pp}")
        return 0

    cdef void _record_update(self, OrderEvent upd) noexcept:
        # _check_update proved every rescale below exact
        cdef uint8_t pp = self.price_precision
        if upd._has_px and upd._price_precision > pp:
            pp = upd._price_precision
        if upd._has_trigger and upd._trigger_precision > pp:
            pp = upd._trigger_precision
        fixed_rescale(self.price_raw, self.price_precision, pp, &self.price_raw)
        fixed_rescale(self.trigger_price_raw, self.price_precision, pp, &self.trigger_price_raw)
        self.price_precision = pp
        if upd._has_px:
            fixed_rescale(upd._px_raw, upd._price_precision, pp, &self.price_raw)
        if upd._has_trigger:
            fixed_rescale(upd._trigger_raw, upd._trigger_precision, pp, &self.trigger_price_raw)
        if upd._has_qty:
            fixed_rescale(upd._qty_raw, upd._size_precision, self.size_precision,
                          &self.quantity_raw)

    # -- Python face -----------------------------------------------------------------------

    @property
    def side(self):
        """Return the order side (an `OrderSide`)."""
        return _member(OrderSide, self._side)

    @property
    def order_type(self):
        """Return the order type (an `OrderType`)."""
        return _member(OrderType, self._order_type)

    @property
    def time_in_force(self):
        """Return the time in force (a `TimeInForce`)."""
        return _member(TimeInForce, self._time_in_force)

    @property
    def status(self):
        """Return the current status (an `OrderStatus`)."""
        return _member(PyOrderStatus, self._status)

    @property
    def quantity(self) -> Quantity:
        """Return the order quantity."""
        return quantity_new(self.quantity_raw, self.size_precision)

    @property
    def filled_qty(self) -> Quantity:
        """Return the quantity filled so far."""
        return quantity_new(self.filled_qty_raw, self.size_precision)

    @property
    def leaves_qty(self) -> Quantity:
        """Return the quantity still to fill (0 once the order is closed by a full fill)."""
        return quantity_new(self.quantity_raw - self.filled_qty_raw, self.size_precision)

    @property
    def leaves_qty_raw(self) -> int:
        """Return the quantity still to fill, raw at `size_precision`."""
        return self.quantity_raw - self.filled_qty_raw

    @property
    def price(self) -> Price | None:
        """Return the limit price, or None for MARKET and STOP_MARKET orders."""
        return price_new(self.price_raw, self.price_precision) if _has_limit(self._order_type) else None

    @property
    def trigger_price(self) -> Price | None:
        """Return the trigger price, or None unless a stop order."""
        if not _is_stop(self._order_type):
            return None
        return price_new(self.trigger_price_raw, self.price_precision)

    @property
    def commissions(self) -> dict:
        """Return the fees paid so far: {Currency: Money}."""
        return fees_by_currency(self._fee_currency, self._fee_raw, self._fees_other)

    @property
    def is_buy(self) -> bool:
        """Return True for a buy order."""
        return self._side == SIDE_BUY

    @property
    def is_sell(self) -> bool:
        """Return True for a sell order."""
        return self._side == SIDE_SELL

    @property
    def is_open(self) -> bool:
        """Return True while the order works at the venue (accepted, not yet closed)."""
        return (self._status == ORDER_STATUS_ACCEPTED or self._status == ORDER_STATUS_TRIGGERED
                or self._status == ORDER_STATUS_PARTIALLY_FILLED or _is_pending(self._status))

    @property
    def is_closed(self) -> bool:
        """Return True once the order is DENIED, REJECTED, CANCELED, EXPIRED or FILLED."""
        return _is_closed(self._status)

    @property
    def is_inflight(self) -> bool:
        """Return True while a request awaits the venue (SUBMITTED or PENDING_*)."""
        return self._status == ORDER_STATUS_SUBMITTED or _is_pending(self._status)

    @property
    def is_pending_update(self) -> bool:
        """Return True while a modify request awaits the venue."""
        return self._status == ORDER_STATUS_PENDING_UPDATE

    @property
    def is_pending_cancel(self) -> bool:
        """Return True while a cancel request awaits the venue."""
        return self._status == ORDER_STATUS_PENDING_CANCEL

    @property
    def is_passive(self) -> bool:
        """Return True for an order that rests (anything but MARKET)."""
        return self._order_type != ORDER_TYPE_MARKET

    # -- binary record ---------------------------------------------------------------------

    cdef void fill_record(self, OrderRecord *rec, uint32_t instrument_num, uint32_t trader_num,
                          uint32_t strategy_num) noexcept:
        memset(rec, 0, sizeof(OrderRecord))
        rec.version = ENCODING_VERSION
        rec.record_type = RECORD_ORDER
        rec.side = self._side
        rec.order_type = self._order_type
        rec.time_in_force = self._time_in_force
        rec.flags = (FLAG_POST_ONLY if self.post_only else 0) | \
                    (FLAG_REDUCE_ONLY if self.reduce_only else 0)
        rec.price_precision = self.price_precision
        rec.size_precision = self.size_precision
        rec.instrument_id = instrument_num
        rec.strategy_id = strategy_num
        rec.trader_id = trader_num
        rec.client_order_id = self.client_order_num
        rec.price = self.price_raw
        rec.trigger_price = self.trigger_price_raw
        rec.quantity = self.quantity_raw
        rec.ts_init = self.ts_init
        rec.ts_expire = self.expire_time_ns

    def to_record(self, *, uint32_t instrument_num, uint32_t trader_num=0,
                  uint32_t strategy_num=0) -> bytes:
        """Encode the order's terms as one 128-byte core order record.

        The record holds numeric ids only: pass the instrument's `numeric_id` and, if used,
        the trader's and strategy's numbers; the client order id is `client_order_num`. A
        venue order id made only of digits is written as its number, any other as 0 (unknown).
        """
        cdef OrderRecord rec
        self.fill_record(&rec, instrument_num, trader_num, strategy_num)
        if self.venue_order_id is not None:
            v = self.venue_order_id.value
            if v.isdigit() and int(v) < 2 ** 64:
                rec.venue_order_id = int(v)
        out = PyBytes_FromStringAndSize(NULL, ORDER_SIZE)
        cdef int status = order_encode(&rec, <uint8_t *>PyBytes_AS_STRING(out))
        if status != DECODE_OK:
            field, expected = DECODE_ERRORS[status]
            raise ValueError(f"order {self.client_order_id}: record field '{field}' is invalid, "
                             f"expected {expected}")
        return out

    @staticmethod
    def from_record(const uint8_t[::1] buf, TraderId trader_id not None,
                    StrategyId strategy_id not None, InstrumentId instrument_id not None,
                    ClientOrderId client_order_id not None, *, VenueOrderId venue_order_id=None,
                    tags=None) -> Order:
        """Decode a 128-byte order record into a new INITIALIZED order.

        The record carries numeric ids only, so the caller resolves and passes the identifier
        objects; a non-zero venue order number becomes `VenueOrderId(str(number))` unless
        `venue_order_id` is given.
        """
        cdef OrderRecord rec
        cdef int status = order_decode(&buf[0] if buf.shape[0] > 0 else NULL, buf.shape[0], &rec)
        if status != DECODE_OK:
            field, expected = DECODE_ERRORS[status]
            raise ValueError(f"order record: field '{field}' is invalid, expected {expected}")
        price = price_new(rec.price, rec.price_precision) if _has_limit(rec.order_type) else None
        trigger = (price_new(rec.trigger_price, rec.price_precision)
                   if _is_stop(rec.order_type) else None)
        cdef Order order = Order(
            trader_id, strategy_id, instrument_id, client_order_id, rec.side, rec.order_type,
            quantity_new(rec.quantity, rec.size_precision), price, trigger,
            time_in_force=rec.time_in_force, expire_time_ns=rec.ts_expire,
            post_only=bool(rec.flags & FLAG_POST_ONLY),
            reduce_only=bool(rec.flags & FLAG_REDUCE_ONLY), ts_init=rec.ts_init, tags=tags,
            client_order_num=rec.client_order_id,
        )
        # keep the record's precision even when the prices would fit a smaller one
        order.price_precision = rec.price_precision
        order.price_raw = rec.price
        order.trigger_price_raw = rec.trigger_price
        if venue_order_id is None and rec.venue_order_id != 0:
            venue_order_id = VenueOrderId(str(rec.venue_order_id))
        order.venue_order_id = venue_order_id
        return order

    def __repr__(self) -> str:
        terms = f"{OrderSide(self._side).name.removeprefix('SIDE_')} {self.quantity} " \
                f"{OrderType(self._order_type).name.removeprefix('ORDER_TYPE_')}"
        if _has_limit(self._order_type):
            terms += f" @ {self.price}"
        if _is_stop(self._order_type):
            terms += f" trigger {self.trigger_price}"
        terms += f" {TimeInForce(self._time_in_force).name.removeprefix('TIF_')}"
        return (f"Order({self.client_order_id}, {self.instrument_id}, {terms}, "
                f"status={_status_name(self._status)}, filled={self.filled_qty})")


cdef int _order_init(Order self, TraderId trader_id, StrategyId strategy_id,
                     InstrumentId instrument_id, ClientOrderId client_order_id, int side,
                     int order_type, Quantity quantity, Price price, Price trigger_price,
                     int time_in_force, int64_t expire_time_ns, bint post_only,
                     bint reduce_only, int64_t ts_init, object tags,
                     uint64_t client_order_num) except -1:
    # Order.__init__ and order_new share this; the ids and quantity are not None
    # messages are built only on error: this runs once per order on the hot path
    if side != SIDE_BUY and side != SIDE_SELL:
        raise ValueError(f"order {client_order_id}: field 'side' must be 1 (BUY) or 2 (SELL), got {side}")
    if order_type < ORDER_TYPE_MARKET or order_type > ORDER_TYPE_STOP_LIMIT:
        raise ValueError(
            f"order {client_order_id}: field 'order_type' must be 1 (MARKET), 2 (LIMIT), 3 (STOP_MARKET) "
            f"or 4 (STOP_LIMIT), got {order_type}"
        )
    if time_in_force < TIF_GTC or time_in_force > TIF_DAY:
        raise ValueError(
            f"order {client_order_id}: field 'time_in_force' must be 1 (GTC), 2 (IOC), 3 (FOK), 4 (GTD) "
            f"or 5 (DAY), got {time_in_force}"
        )
    if quantity.raw <= 0:
        raise ValueError(f"order {client_order_id}: field 'quantity' must be > 0, got {quantity}")
    if _has_limit(order_type):
        if price is None:
            raise ValueError(f"order {client_order_id}: field 'price' is required for a {_type_name(order_type)} order")
        if price.raw <= 0:
            raise ValueError(f"order {client_order_id}: field 'price' must be > 0, got {price}")
    elif price is not None:
        raise ValueError(f"order {client_order_id}: field 'price' must be None for a {_type_name(order_type)} order, "
                         f"got {price}")
    if _is_stop(order_type):
        if trigger_price is None:
            raise ValueError(
                f"order {client_order_id}: field 'trigger_price' is required for a {_type_name(order_type)} order")
        if trigger_price.raw <= 0:
            raise ValueError(f"order {client_order_id}: field 'trigger_price' must be > 0, got {trigger_price}")
    elif trigger_price is not None:
        raise ValueError(f"order {client_order_id}: field 'trigger_price' must be None for a {_type_name(order_type)} "
                         f"order, got {trigger_price}")
    if time_in_force == TIF_GTD:
        if order_type == ORDER_TYPE_MARKET:
            raise ValueError(f"order {client_order_id}: field 'time_in_force' GTD is not valid for a MARKET "
                             f"order")
        if expire_time_ns <= 0:
            raise ValueError(f"order {client_order_id}: field 'expire_time_ns' must be > 0 for a GTD order, "
                             f"got {expire_time_ns}")
    elif expire_time_ns != 0:
        raise ValueError(f"order {client_order_id}: field 'expire_time_ns' must be 0 unless time_in_force "
                         f"is GTD, got {expire_time_ns}")
    if post_only and order_type != ORDER_TYPE_LIMIT:
        raise ValueError(f"order {client_order_id}: field 'post_only' is only valid on a LIMIT order, "
                         f"not {_type_name(order_type)}")

    self.trader_id = trader_id
    self.strategy_id = strategy_id
    self.instrument_id = instrument_id
    self.client_order_id = client_order_id
    self.client_order_num = client_order_num
    self._side = <uint8_t>side
    self._order_type = <uint8_t>order_type
    self._time_in_force = <uint8_t>time_in_force
    self.expire_time_ns = expire_time_ns
    self.post_only = post_only
    self.reduce_only = reduce_only
    self.size_precision = quantity.precision
    self.quantity_raw = quantity.raw
    cdef uint8_t pp = 0
    if price is not None:
        pp = price.precision
    if trigger_price is not None and trigger_price.precision > pp:
        pp = trigger_price.precision
    self.price_precision = pp
    if price is not None:
        self.price_raw = _px_at(client_order_id, "price", price, pp)
    if trigger_price is not None:
        self.trigger_price_raw = _px_at(client_order_id, "trigger_price", trigger_price, pp)
    self.ts_init = ts_init
    self.ts_last = ts_init
    self.tags = (tags,) if isinstance(tags, str) else (tuple(tags) if tags else ())
    self._status = ORDER_STATUS_INITIALIZED
    self._previous_status = ORDER_STATUS_INITIALIZED
    self._trade_ids = None       # the second fill makes the set
    return 0


cdef Order order_new(TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                     ClientOrderId client_order_id, int side, int order_type, Quantity quantity,
                     Price price, Price trigger_price, int time_in_force, int64_t expire_time_ns,
                     bint post_only, bint reduce_only, int64_t ts_init, object tags,
                     uint64_t client_order_num):
    # a C call with the same checks as Order(...), without keyword argument parsing
    if trader_id is None or strategy_id is None or instrument_id is None \
            or client_order_id is None or quantity is None:
        raise TypeError("order_new: ids and quantity must not be None")
    cdef Order order = Order.__new__(Order)
    _order_init(order, trader_id, strategy_id, instrument_id, client_order_id, side, order_type,
                quantity, price, trigger_price, time_in_force, expire_time_ns, post_only,
                reduce_only, ts_init, tags, client_order_num)
    return order
