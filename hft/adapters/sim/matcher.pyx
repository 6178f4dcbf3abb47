# cython: boundscheck=False, wraparound=False
"""Match the strategy's own orders against market data for one instrument of the sim venue.

The venue's market is the data: quotes (L1) or book levels (L2) say what can be taken, trades
say what traded at a price. Own orders never change that data (a backtest cannot know how the
market would have reacted); instead a resting limit order carries an estimate of the displayed
size ahead of it at its price (`queue_ahead`) and fills only once that much has traded there.
docs/fills.md states every rule with worked examples.

`SimMatcher`'s C methods (`submit`, `cancel`, `modify`, `on_quote`, `on_trade`,
`on_book_level`, `expire`) run without the GIL and append `SimEvent`s to a buffer; the venue
drains it after each call. Orders live in one array in arrival order, so every pass over them
is deterministic; a pass costs O(open orders), which for a strategy's handful of orders is a
few nanoseconds.
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.stdint cimport INT64_MAX, int64_t, uint8_t, uint64_t
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy, memset

import collections

import numpy as np

from hft.core.book cimport (
    Book, BookSide, book_best_ask, book_best_bid, book_clear, book_free, book_init,
    book_set_level, book_size_at,
)
from hft.core.encoding cimport (
    FLAG_POST_ONLY, FLAG_REDUCE_ONLY, ORDER_TYPE_LIMIT, ORDER_TYPE_MARKET, ORDER_TYPE_STOP_LIMIT,
    ORDER_TYPE_STOP_MARKET, SIDE_BUY, SIDE_NONE, SIDE_SELL, TIF_DAY, TIF_FOK, TIF_GTC, TIF_GTD,
    TIF_IOC,
)

if sizeof(SimEvent) != SIM_EVENT_SIZE:
    raise ImportError("hft.adapters.sim.matcher: the compiler padded SimEvent; its layout is broken")

for _enum in (SimEventKind, SimReason, MarketRest):
    globals().update(_enum.__members__)
del _enum

# The drain() array: the SimEvent struct byte for byte.
SIM_EVENT_DTYPE = np.dtype([
    ("order_id", "<u8"), ("ts_ns", "<i8"), ("price", "<i8"), ("qty", "<i8"), ("leaves", "<i8"),
    ("trigger", "<i8"), ("kind", "u1"), ("side", "u1"), ("liquidity", "u1"), ("reason", "u1"),
    ("reserved", "u1", (12,)),
])

# code -> text; docs/fills.md#reasons has the same table.
SIM_REASONS = {
    SIM_REASON_NONE: "",
    SIM_REASON_POST_ONLY: "post-only order would take liquidity",
    SIM_REASON_FOK: "fill-or-kill order cannot fill in full",
    SIM_REASON_REDUCE_ONLY: "reduce-only order would increase the position",
    SIM_REASON_UNKNOWN_ORDER: "no open order with this id at the venue",
    SIM_REASON_NO_MARKET: "no market: nothing quoted on the side the order would take",
    SIM_REASON_BAD_QUANTITY: "new quantity must exceed the filled quantity",
    SIM_REASON_NO_MEMORY: "the venue is out of memory",
    SIM_REASON_IOC: "immediate-or-cancel: the unfilled rest is canceled",
    SIM_REASON_REDUCED: "reduce-only: no position left to reduce",
}

cdef enum:
    LIQ_MAKER = 1
    LIQ_TAKER = 2

cdef int64_t NS_PER_DAY = 86_400_000_000_000


@cython.cdivision(True)  # the divisor is the constant NS_PER_DAY
cdef inline int64_t _day_end(int64_t ts_ns) noexcept nogil:
    # the next UTC midnight strictly after ts_ns (timestamps are >= 0)
    return (ts_ns // NS_PER_DAY + 1) * NS_PER_DAY


cdef inline bint _is_buy(const SimOrder *o) noexcept nogil:
    return o.side == SIDE_BUY


cdef inline int64_t _leaves(const SimOrder *o) noexcept nogil:
    return o.quantity - o.filled


cdef object submit_error(int code, int side, int order_type, int tif, int64_t quantity):
    if code == SUBMIT_BAD_SIDE:
        return ValueError(f"submit_order: field 'side' must be 1 (BUY) or 2 (SELL), got {side}")
    if code == SUBMIT_BAD_TYPE:
        return ValueError(f"submit_order: field 'order_type' must be 1..4, got {order_type}")
    if code == SUBMIT_BAD_TIF:
        return ValueError(f"submit_order: field 'tif' must be 1..5, got {tif}")
    return ValueError(f"submit_order: field 'quantity' must be > 0, got {quantity}")


@cython.final
cdef class SimMatcher:
    """Match own orders of one instrument against quotes and trades (L1) or book levels (L2).

    Parameters
    ----------
    l2:
        True: the touch and the depth come from book levels (`apply_book_level`); quotes are
        then ignored. False: from quotes.
    rest_policy:
        What an L1 market order does beyond the size quoted at the touch: `REST_PARTIAL`
        (waits for the next quote; IOC/FOK: canceled), `REST_NEXT_LEVEL` (fills one tick
        worse) or `REST_FULL` (fills at the touch).
    tick:
        The price increment, raw (for REST_NEXT_LEVEL).
    """

    def __cinit__(self, bint l2=False, int rest_policy=REST_PARTIAL, int64_t tick=1):
        if rest_policy < REST_PARTIAL or rest_policy > REST_FULL:
            raise ValueError(f"SimMatcher: field 'rest_policy' must be 0 (partial), 1 (next_level) "
                             f"or 2 (full), got {rest_policy}")
        if tick <= 0:
            raise ValueError(f"SimMatcher: field 'tick' must be > 0, got {tick}")
        self.l2 = l2
        self.rest_policy = rest_policy
        self.tick = tick
        self.orders_capacity = 16
        self.events_capacity = 64
        self.orders = <SimOrder *>PyMem_Malloc(self.orders_capacity * sizeof(SimOrder))
        self.events = <SimEvent *>PyMem_Malloc(self.events_capacity * sizeof(SimEvent))
        if self.orders == NULL or self.events == NULL or book_init(&self.book, 64) != 0:
            raise MemoryError("SimMatcher: cannot allocate its order and event buffers")
        self.next_expire_ns = INT64_MAX

    def __dealloc__(self):
        PyMem_Free(self.orders)
        PyMem_Free(self.events)
        book_free(&self.book)

    # -- the market -------------------------------------------------------------------------

    cdef bint _best(self, bint ask, int64_t *price, int64_t *size) noexcept nogil:
        if self.l2:
            return book_best_ask(&self.book, price, size) if ask else book_best_bid(&self.book, price, size)
        if ask:
            price[0] = self.ask
            size[0] = self.ask_size
            return self.has_ask
        price[0] = self.bid
        size[0] = self.bid_size
        return self.has_bid

    cdef int64_t _queue_at(self, uint8_t side, int64_t price) noexcept nogil:
        """Return the displayed size ahead of a new order at price, or SIM_QUEUE_UNKNOWN."""
        cdef int64_t best, size
        if self.l2:
            return book_size_at(&self.book, side, price)
        if not self._best(side == SIDE_SELL, &best, &size):
            return 0
        if best == price:
            return size
        if (price > best) if side == SIDE_BUY else (price < best):
            return 0  # better than the touch: nobody displayed ahead
        return SIM_QUEUE_UNKNOWN  # behind the touch: L1 does not show that level

    cdef bint _would_take(self, const SimOrder *o) noexcept nogil:
        cdef int64_t px, size
        if not self._best(_is_buy(o), &px, &size):
            return False
        if o.order_type == ORDER_TYPE_MARKET:
            return True
        return px <= o.price if _is_buy(o) else px >= o.price

    cdef int64_t _available(self, const SimOrder *o) noexcept nogil:
        """Return the quantity the order could take now (INT64_MAX: unbounded by policy)."""
        cdef int64_t px, size, total = 0
        cdef const BookSide *s
        cdef Py_ssize_t i
        cdef bint market = o.order_type == ORDER_TYPE_MARKET
        if self.l2:
            s = &self.book.asks if _is_buy(o) else &self.book.bids
            for i in range(s.count - 1, -1, -1):  # best is last
                px = s.levels[i].price
                if not market and ((px > o.price) if _is_buy(o) else (px < o.price)):
                    break
                total += s.levels[i].size
            return total
        if not self._would_take(o):
            return 0
        self._best(_is_buy(o), &px, &size)
        if market and self.rest_policy != REST_PARTIAL:
            return INT64_MAX
        return size

    # -- events -------------------------------------------------------------------------------

    cdef void _emit(self, uint8_t kind, const SimOrder *o, int64_t now, int64_t price,
                    int64_t qty, uint8_t liquidity, uint8_t reason) noexcept nogil:
        cdef SimEvent *grown
        cdef SimEvent *e
        if self.n_events == self.events_capacity:
            grown = <SimEvent *>realloc(self.events, 2 * self.events_capacity * sizeof(SimEvent))
            if grown == NULL:
                self.no_memory = True  # the venue raises MemoryError when it drains
                return
            self.events = grown
            self.events_capacity *= 2
        e = &self.events[self.n_events]
        memset(e, 0, sizeof(SimEvent))
        e.order_id = o.order_id
        e.ts_ns = now
        e.price = price
        e.qty = qty
        e.leaves = _leaves(o) if o.active else 0
        e.trigger = o.trigger
        e.kind = kind
        e.side = o.side
        e.liquidity = liquidity
        e.reason = reason
        self.n_events += 1

    cdef int64_t _reducible(self, const SimOrder *o) noexcept nogil:
        if _is_buy(o):
            return -self.position if self.position < 0 else 0
        return self.position if self.position > 0 else 0

    cdef void _close(self, SimOrder *o, uint8_t kind, int64_t now, uint8_t reason) noexcept nogil:
        cdef int64_t rest = _leaves(o)
        o.active = 0
        self._emit(kind, o, now, o.price, rest, 0, reason)

    cdef void _fill(self, SimOrder *o, int64_t now, int64_t price, int64_t qty,
                    uint8_t liquidity) noexcept nogil:
        cdef int64_t reducible
        if qty > _leaves(o):
            qty = _leaves(o)
        if o.flags & FLAG_REDUCE_ONLY:
            reducible = self._reducible(o)
            if qty > reducible:
                qty = reducible
            if qty <= 0:
                self._close(o, SIM_CANCELED, now, SIM_REASON_REDUCED)
                return
        if qty <= 0:
            return
        o.filled += qty
        self.position += qty if _is_buy(o) else -qty
        if o.filled == o.quantity:
            o.active = 0
        self._emit(SIM_FILLED, o, now, price, qty, liquidity, SIM_REASON_NONE)
        if o.active and (o.flags & FLAG_REDUCE_ONLY) and self.position == 0:
            self._close(o, SIM_CANCELED, now, SIM_REASON_REDUCED)

    # -- taking liquidity ---------------------------------------------------------------------

    cdef void _take(self, SimOrder *o, int64_t now) noexcept nogil:
        """Fill what the order can take now as taker: walk the book (L2) or the touch (L1)."""
        cdef int64_t px, size, filled_before
        cdef const BookSide *s
        cdef Py_ssize_t i
        cdef bint market = o.order_type == ORDER_TYPE_MARKET
        if self.l2:
            s = &self.book.asks if _is_buy(o) else &self.book.bids
            # what we take is gone from our view of the book until the feed sets the level
            # again; a level taken in full is the last (best) one, so lower indexes stay put
            i = s.count - 1
            while i >= 0 and o.active and _leaves(o) > 0:
                px = s.levels[i].price
                size = s.levels[i].size
                if not market and ((px > o.price) if _is_buy(o) else (px < o.price)):
                    break
                filled_before = o.filled
                self._fill(o, now, px, size, LIQ_TAKER)
                book_set_level(&self.book, SIDE_SELL if _is_buy(o) else SIDE_BUY, px,
                               size - (o.filled - filled_before))
                i -= 1
            return
        if not self._would_take(o):
            return
        self._best(_is_buy(o), &px, &size)
        filled_before = o.filled
        self._fill(o, now, px, size, LIQ_TAKER)
        # the touch size we took is gone until the next quote
        if _is_buy(o):
            self.ask_size -= o.filled - filled_before
            self.has_ask = self.ask_size > 0
        else:
            self.bid_size -= o.filled - filled_before
            self.has_bid = self.bid_size > 0
        if market and o.active and _leaves(o) > 0:
            if self.rest_policy == REST_NEXT_LEVEL:
                self._fill(o, now, px + self.tick if _is_buy(o) else px - self.tick,
                           _leaves(o), LIQ_TAKER)
            elif self.rest_policy == REST_FULL:
                self._fill(o, now, px, _leaves(o), LIQ_TAKER)

    cdef bint _stop_hit_quote(self, const SimOrder *o) noexcept nogil:
        cdef int64_t px, size
        if _is_buy(o):
            return self._best(True, &px, &size) and px >= o.trigger
        return self._best(False, &px, &size) and px <= o.trigger

    cdef void _trigger(self, SimOrder *o, int64_t now) noexcept nogil:
        o.stop_waiting = 0
        o.order_type = ORDER_TYPE_MARKET if o.order_type == ORDER_TYPE_STOP_MARKET else ORDER_TYPE_LIMIT
        self._emit(SIM_TRIGGERED, o, now, o.price, _leaves(o), 0, SIM_REASON_NONE)

    cdef void _work(self, SimOrder *o, int64_t now) noexcept nogil:
        """Run an order that just became live: check its stop, take what it can, rest the rest."""
        if o.stop_waiting:
            if not self._stop_hit_quote(o):
                return
            self._trigger(o, now)
        if o.tif == TIF_FOK and self._available(o) < _leaves(o):
            self._close(o, SIM_CANCELED, now, SIM_REASON_FOK)
            return
        if self._would_take(o):
            self._take(o, now)
        if not o.active or _leaves(o) == 0:
            return
        if o.tif == TIF_IOC or o.tif == TIF_FOK:
            self._close(o, SIM_CANCELED, now, SIM_REASON_IOC)
            return
        if o.order_type == ORDER_TYPE_LIMIT:
            o.queue_ahead = self._queue_at(o.side, o.price)
        # a MARKET order left here waits for the next quote (REST_PARTIAL, or an empty side)

    # -- order commands -----------------------------------------------------------------------

    cdef SimOrder *_find(self, uint64_t order_id) noexcept nogil:
        cdef Py_ssize_t i
        for i in range(self.n_orders):
            if self.orders[i].order_id == order_id and self.orders[i].active:
                return &self.orders[i]
        return NULL

    cdef void _compact(self) noexcept nogil:
        cdef Py_ssize_t i, n = 0
        cdef int64_t next_expire = INT64_MAX
        for i in range(self.n_orders):
            if self.orders[i].active:
                if n != i:
                    self.orders[n] = self.orders[i]
                if self.orders[n].expire_ns != 0 and self.orders[n].expire_ns < next_expire:
                    next_expire = self.orders[n].expire_ns
                n += 1
        self.n_orders = n
        self.next_expire_ns = next_expire

    cdef void submit(self, const SimOrder *order, int64_t now) noexcept nogil:
        """Accept or reject a new order, then fill / rest it as the market allows now."""
        cdef SimOrder *grown
        cdef SimOrder *o
        cdef SimOrder tmp = order[0]
        cdef int64_t reducible, px, size
        tmp.active = 1
        tmp.filled = 0
        tmp.queue_ahead = 0
        tmp.stop_waiting = (tmp.order_type == ORDER_TYPE_STOP_MARKET
                            or tmp.order_type == ORDER_TYPE_STOP_LIMIT)
        if self.n_orders == self.orders_capacity:
            grown = <SimOrder *>realloc(self.orders, 2 * self.orders_capacity * sizeof(SimOrder))
            if grown == NULL:
                self._emit(SIM_REJECTED, &tmp, now, tmp.price, tmp.quantity, 0, SIM_REASON_NO_MEMORY)
                return
            self.orders = grown
            self.orders_capacity *= 2
        if (tmp.flags & FLAG_POST_ONLY) and not tmp.stop_waiting and self._would_take(&tmp):
            self._emit(SIM_REJECTED, &tmp, now, tmp.price, tmp.quantity, 0, SIM_REASON_POST_ONLY)
            return
        reducible = self._reducible(&tmp)
        if (tmp.flags & FLAG_REDUCE_ONLY) and reducible == 0:
            self._emit(SIM_REJECTED, &tmp, now, tmp.price, tmp.quantity, 0, SIM_REASON_REDUCE_ONLY)
            return
        if tmp.order_type == ORDER_TYPE_MARKET and not self._best(_is_buy(&tmp), &px, &size):
            self._emit(SIM_REJECTED, &tmp, now, tmp.price, tmp.quantity, 0, SIM_REASON_NO_MARKET)
            return
        if tmp.tif == TIF_DAY:
            tmp.expire_ns = _day_end(now)
        elif tmp.tif != TIF_GTD:
            tmp.expire_ns = 0
        self._emit(SIM_ACCEPTED, &tmp, now, tmp.price, tmp.quantity, 0, SIM_REASON_NONE)
        if (tmp.flags & FLAG_REDUCE_ONLY) and tmp.quantity > reducible:
            tmp.quantity = reducible  # trimmed so it cannot flip the position
            self._emit(SIM_UPDATED, &tmp, now, tmp.price, tmp.quantity, 0, SIM_REASON_REDUCED)
        self.orders[self.n_orders] = tmp
        o = &self.orders[self.n_orders]
        self.n_orders += 1
        self._work(o, now)  # never appends an order, so `o` stays valid until _compact
        self._compact()

    cdef void cancel(self, uint64_t order_id, int64_t now) noexcept nogil:
        """Cancel an open order, or answer CANCEL_REJECTED when none has this id."""
        cdef SimOrder tmp
        cdef SimOrder *o = self._find(order_id)
        if o == NULL:
            memset(&tmp, 0, sizeof(SimOrder))
            tmp.order_id = order_id
            self._emit(SIM_CANCEL_REJECTED, &tmp, now, 0, 0, 0, SIM_REASON_UNKNOWN_ORDER)
            return
        self._close(o, SIM_CANCELED, now, SIM_REASON_NONE)
        self._compact()

    cdef void modify(self, uint64_t order_id, int64_t quantity, int64_t price, int64_t trigger,
                     int64_t now) noexcept nogil:
        """Amend an open order (0 = unchanged); a new price or a larger quantity loses the queue."""
        cdef SimOrder tmp
        cdef SimOrder *o = self._find(order_id)
        if o == NULL:
            memset(&tmp, 0, sizeof(SimOrder))
            tmp.order_id = order_id
            self._emit(SIM_MODIFY_REJECTED, &tmp, now, 0, 0, 0, SIM_REASON_UNKNOWN_ORDER)
            return
        if quantity != 0 and quantity <= o.filled:
            self._emit(SIM_MODIFY_REJECTED, o, now, o.price, o.quantity, 0, SIM_REASON_BAD_QUANTITY)
            return
        tmp = o[0]
        if price != 0:
            tmp.price = price
        if trigger != 0:
            tmp.trigger = trigger
        if quantity != 0:
            tmp.quantity = quantity
        if (tmp.flags & FLAG_POST_ONLY) and not tmp.stop_waiting and self._would_take(&tmp):
            self._emit(SIM_MODIFY_REJECTED, o, now, o.price, o.quantity, 0, SIM_REASON_POST_ONLY)
            return
        if tmp.order_type == ORDER_TYPE_LIMIT and not tmp.stop_waiting and (
                tmp.price != o.price or tmp.quantity > o.quantity):
            tmp.queue_ahead = self._queue_at(tmp.side, tmp.price)  # to the back of the queue
        o[0] = tmp
        self._emit(SIM_UPDATED, o, now, o.price, o.quantity, 0, SIM_REASON_NONE)
        if o.stop_waiting or self._would_take(o):
            self._work(o, now)
        self._compact()

    cdef void expire(self, int64_t now) noexcept nogil:
        """Expire every GTD / DAY order whose time has come (expire_ns <= now)."""
        cdef Py_ssize_t i
        if self.next_expire_ns > now:
            return
        for i in range(self.n_orders):
            if self.orders[i].active and self.orders[i].expire_ns != 0 \
                    and self.orders[i].expire_ns <= now:
                self._close(&self.orders[i], SIM_EXPIRED, now, SIM_REASON_NONE)
        self._compact()

    # -- market data ----------------------------------------------------------------------------

    cdef void _touch_changed(self, int64_t now) noexcept nogil:
        """Re-check every order against a new touch: stops, waiting market orders, crossings."""
        cdef Py_ssize_t i, n = self.n_orders
        cdef SimOrder *o
        cdef int64_t px, size
        cdef bint buy
        for i in range(n):
            o = &self.orders[i]
            if not o.active:
                continue
            buy = _is_buy(o)
            if o.stop_waiting:
                if self._stop_hit_quote(o):
                    self._work(o, now)
                continue
            if o.order_type == ORDER_TYPE_MARKET:
                self._take(o, now)
                continue
            # a resting limit: the opposite touch reaching its price fills it in full, as maker
            if self._best(buy, &px, &size) and ((px <= o.price) if buy else (px >= o.price)):
                self._fill(o, now, o.price, _leaves(o), LIQ_MAKER)
                continue
            if self.l2:
                continue  # L2 queues follow their level in on_book_level
            if not self._best(not buy, &px, &size) or ((px < o.price) if buy else (px > o.price)):
                o.queue_ahead = 0  # nobody displayed at its price any more
            elif px == o.price:
                if o.queue_ahead == SIM_QUEUE_UNKNOWN or size < o.queue_ahead:
                    o.queue_ahead = size
        self._compact()

    cdef void on_quote(self, int64_t now, int64_t bid, int64_t ask, int64_t bid_size,
                       int64_t ask_size) noexcept nogil:
        """Take a new top of book (a price <= 0 or a size <= 0 means that side is empty)."""
        self.has_bid = bid > 0 and bid_size > 0
        self.has_ask = ask > 0 and ask_size > 0
        self.bid, self.ask, self.bid_size, self.ask_size = bid, ask, bid_size, ask_size
        if self.n_orders and not self.l2:
            self._touch_changed(now)

    cdef void on_trade(self, int64_t now, int64_t price, int64_t size) noexcept nogil:
        """Let a trade at price consume queues and fill orders it traded through."""
        cdef Py_ssize_t i, n = self.n_orders
        cdef SimOrder *o
        cdef int64_t ahead, avail, used = 0, before
        cdef bint buy
        for i in range(n):
            o = &self.orders[i]
            if not o.active:
                continue
            buy = _is_buy(o)
            if o.stop_waiting:
                if (price >= o.trigger) if buy else (price <= o.trigger):
                    self._trigger(o, now)
                    self._work(o, now)
                continue
            if o.order_type != ORDER_TYPE_LIMIT:
                continue
            if (price < o.price) if buy else (price > o.price):
                self._fill(o, now, o.price, _leaves(o), LIQ_MAKER)  # traded through
            elif price == o.price:
                if o.queue_ahead == SIM_QUEUE_UNKNOWN:
                    o.queue_ahead = 0  # its level trades: assume this whole trade was ahead
                    continue
                ahead = o.queue_ahead if o.queue_ahead < size else size
                o.queue_ahead -= ahead
                # own orders at one price share what is left of the trade, in arrival order
                avail = size - ahead - used
                if avail > 0:
                    before = o.filled
                    self._fill(o, now, o.price, avail, LIQ_MAKER)
                    used += o.filled - before
        self._compact()

    cdef void on_book_level(self, int64_t now, int side, int64_t price, int64_t size) noexcept nogil:
        """Set one L2 level (size 0 deletes it); a shrinking level shrinks the queue ahead."""
        cdef Py_ssize_t i
        cdef SimOrder *o
        if book_set_level(&self.book, side, price, size) != 0:
            return
        for i in range(self.n_orders):
            o = &self.orders[i]
            if o.active and o.side == side and o.order_type == ORDER_TYPE_LIMIT \
                    and not o.stop_waiting and o.price == price and size < o.queue_ahead:
                o.queue_ahead = size
        if self.n_orders:
            self._touch_changed(now)

    cdef void on_book_clear(self, int64_t now) noexcept nogil:
        """Empty the L2 book (a snapshot follows); the queues ahead are kept."""
        book_clear(&self.book, SIDE_NONE)

    # -- Python face ----------------------------------------------------------------------------

    cdef int try_submit(self, uint64_t order_id, int side, int order_type, int64_t quantity,
                        int64_t price, int64_t trigger, int tif, int64_t expire_ns,
                        bint post_only, bint reduce_only, int64_t now) noexcept nogil:
        """Check the fields and submit one order; return SUBMIT_OK or the first bad field's code."""
        if side != SIDE_BUY and side != SIDE_SELL:
            return SUBMIT_BAD_SIDE
        if order_type < ORDER_TYPE_MARKET or order_type > ORDER_TYPE_STOP_LIMIT:
            return SUBMIT_BAD_TYPE
        if tif < TIF_GTC or tif > TIF_DAY:
            return SUBMIT_BAD_TIF
        if quantity <= 0:
            return SUBMIT_BAD_QUANTITY
        cdef SimOrder o
        memset(&o, 0, sizeof(SimOrder))
        o.order_id = order_id
        o.side = <uint8_t>side
        o.order_type = <uint8_t>order_type
        o.tif = <uint8_t>tif
        o.quantity = quantity
        o.price = price
        o.trigger = trigger
        o.expire_ns = expire_ns
        o.flags = (FLAG_POST_ONLY if post_only else 0) | (FLAG_REDUCE_ONLY if reduce_only else 0)
        self.submit(&o, now)
        return SUBMIT_OK

    def submit_order(self, uint64_t order_id, int side, int order_type, int64_t quantity,
                     int64_t price=0, int64_t trigger=0, *, int tif=TIF_GTC, int64_t expire_ns=0,
                     bint post_only=False, bint reduce_only=False, int64_t now=0) -> int:
        """Submit one order (raw price / quantity); return the number of events now buffered.

        Raises
        ------
        ValueError: naming a bad side, order type, time in force or a quantity <= 0.
        """
        cdef int code = self.try_submit(order_id, side, order_type, quantity, price, trigger, tif,
                                        expire_ns, post_only, reduce_only, now)
        if code != SUBMIT_OK:
            raise submit_error(code, side, order_type, tif, quantity)
        return self.n_events

    def cancel_order(self, uint64_t order_id, int64_t now=0) -> int:
        """Cancel one order; return the number of events now buffered."""
        self.cancel(order_id, now)
        return self.n_events

    def modify_order(self, uint64_t order_id, int64_t quantity=0, int64_t price=0,
                     int64_t trigger=0, int64_t now=0) -> int:
        """Amend one order (0 = unchanged); return the number of events now buffered."""
        self.modify(order_id, quantity, price, trigger, now)
        return self.n_events

    def apply_quote(self, int64_t now, int64_t bid, int64_t ask, int64_t bid_size,
                    int64_t ask_size) -> int:
        """Apply a top-of-book quote; return the number of events now buffered."""
        self.on_quote(now, bid, ask, bid_size, ask_size)
        return self.n_events

    def apply_trade(self, int64_t now, int64_t price, int64_t size) -> int:
        """Apply a market trade; return the number of events now buffered."""
        self.on_trade(now, price, size)
        return self.n_events

    def apply_book_level(self, int64_t now, int side, int64_t price, int64_t size) -> int:
        """Set one L2 level (size 0 deletes); return the number of events now buffered."""
        if side != SIDE_BUY and side != SIDE_SELL:
            raise ValueError(f"apply_book_level: field 'side' must be 1 (bid) or 2 (ask), got {side}")
        if size < 0:
            raise ValueError(f"apply_book_level: field 'size' must be >= 0, got {size}")
        self.on_book_level(now, side, price, size)
        return self.n_events

    def clear_book(self, int64_t now=0) -> None:
        """Empty the L2 book."""
        self.on_book_clear(now)

    def expire_orders(self, int64_t now) -> int:
        """Expire due GTD / DAY orders; return the number of events now buffered."""
        self.expire(now)
        return self.n_events

    def drain(self):
        """Return the buffered events as a SIM_EVENT_DTYPE array and empty the buffer.

        Raises
        ------
        MemoryError: an event could not be buffered since the last drain.
        """
        out = np.empty(self.n_events, dtype=SIM_EVENT_DTYPE)
        cdef unsigned char[::1] view
        if self.n_events:
            view = out.view(np.uint8)
            memcpy(&view[0], self.events, self.n_events * sizeof(SimEvent))
        self.n_events = 0
        if self.no_memory:
            self.no_memory = False
            raise MemoryError("SimMatcher: events were lost: out of memory")
        return out

    def drain_list(self) -> list:
        """Return the buffered events as a list of tuples and empty the buffer.

        Each tuple is (order_id, ts_ns, kind, price, qty, leaves, side, liquidity, reason):
        the venue's per-event path reads them without numpy record access.

        Raises
        ------
        MemoryError: an event could not be buffered since the last drain.
        """
        cdef Py_ssize_t i
        cdef SimEvent *e
        cdef list out = []
        for i in range(self.n_events):
            e = &self.events[i]
            out.append((e.order_id, e.ts_ns, e.kind, e.price, e.qty, e.leaves, e.side,
                        e.liquidity, e.reason))
        self.n_events = 0
        if self.no_memory:
            self.no_memory = False
            raise MemoryError("SimMatcher: events were lost: out of memory")
        return out

    def mid_raw(self) -> float | None:
        """Return the raw mid of the touch (a float: it may fall between ticks), or None."""
        cdef int64_t bid, ask, size
        if not self._best(False, &bid, &size) or not self._best(True, &ask, &size):
            return None
        return (bid + ask) / 2.0

    def touch(self) -> tuple:
        """Return (bid, ask) raw, None for an empty side."""
        cdef int64_t bid, ask, size
        return (bid if self._best(False, &bid, &size) else None,
                ask if self._best(True, &ask, &size) else None)

    def open_orders(self) -> list:
        """Return the open orders, in arrival order, as dicts (for tests and inspection)."""
        cdef Py_ssize_t i
        cdef SimOrder *o
        out = []
        for i in range(self.n_orders):
            o = &self.orders[i]
            out.append({
                "order_id": o.order_id, "side": o.side, "order_type": o.order_type,
                "tif": o.tif, "price": o.price, "trigger": o.trigger, "quantity": o.quantity,
                "filled": o.filled, "leaves": _leaves(o),
                "queue_ahead": None if o.queue_ahead == SIM_QUEUE_UNKNOWN else o.queue_ahead,
                "expire_ns": o.expire_ns, "stop_waiting": bool(o.stop_waiting),
            })
        return out

    def __len__(self) -> int:
        return self.n_orders


@cython.final
cdef class LatencyQueue:
    """Hold items in flight across the venue boundary, first in first out.

    `push(due_ns, item)` never lets an item overtake an earlier one: its due time is raised to
    the last one pushed when it would be earlier (jitter can draw a shorter delay). C code
    reads `head_ns` to know when the first item is due.
    """

    def __cinit__(self):
        self._items = collections.deque()
        self.head_ns = INT64_MAX
        self.last_ns = -INT64_MAX

    def push(self, int64_t due_ns, item) -> int:
        """Append an item due at due_ns (or later, to stay FIFO); return its due time."""
        if due_ns < self.last_ns:
            due_ns = self.last_ns
        self.last_ns = due_ns
        self._items.append((due_ns, item))
        if len(self._items) == 1:
            self.head_ns = due_ns
        return due_ns

    def pop(self):
        """Remove and return (due_ns, item) of the first item; IndexError when empty."""
        entry = self._items.popleft()
        self.head_ns = self._items[0][0] if self._items else INT64_MAX
        return entry

    def __len__(self) -> int:
        return len(self._items)
