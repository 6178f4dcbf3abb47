# cython: boundscheck=False, wraparound=False
"""Price-time priority matching engine for one instrument, as simulated venues use it.

Resting orders sit in per-price FIFO queues (intrusive doubly linked lists of nodes from a
pool allocated once), found by client_order_id through an open-addressing table, so cancel
is O(1) plus one binary search for the level. The C form (`matching_*`) runs without the GIL
and writes its events into a buffer the caller reads after each call; `MatchingEngine` is
the Python face. Semantics, event layout and reason codes: docs/matching.md.
"""

cimport cython
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memmove, memset

import numpy as np

from hft.core.encoding cimport (
    FLAG_POST_ONLY,
    ORDER_FLAGS_MASK,
    ORDER_SIZE,
    ORDER_TYPE_LIMIT,
    ORDER_TYPE_MARKET,
    ORDER_TYPE_STOP_LIMIT,
    ORDER_TYPE_STOP_MARKET,
    SIDE_BUY,
    SIDE_NONE,
    SIDE_SELL,
    TIF_DAY,
    TIF_FOK,
    TIF_GTC,
    TIF_GTD,
    TIF_IOC,
    OrderMsg,
    OrderRecord,
)

if sizeof(MatchEvent) != MATCH_EVENT_SIZE:
    raise ImportError("hft.core.matching: the compiler padded MatchEvent; its layout is broken")

# cpdef enums declared in a .pxd surface only as classes; export their members by name too.
for _enum in (MatchEventKind, Liquidity, RejectReason):
    globals().update(_enum.__members__)
del _enum

# The events() array: the MatchEvent struct byte for byte (docs/matching.md#events).
EVENT_DTYPE = np.dtype([
    ("client_order_id", "<u8"), ("match_id", "<u8"), ("price", "<i8"), ("qty", "<i8"),
    ("leaves", "<i8"), ("owner", "<u4"), ("kind", "u1"), ("side", "u1"), ("liquidity", "u1"),
    ("reason", "u1"),
])

# code -> (name, text); docs/matching.md#reason-codes has the same table.
REJECT_REASONS = {
    REJECT_NONE: ("REJECT_NONE", "accepted"),
    REJECT_DUPLICATE_ID: ("REJECT_DUPLICATE_ID", "an open order already has this client_order_id"),
    REJECT_POST_ONLY: ("REJECT_POST_ONLY", "post-only order would take liquidity"),
    REJECT_FOK_CANNOT_FILL: ("REJECT_FOK_CANNOT_FILL", "fill-or-kill order cannot fill in full"),
    REJECT_UNKNOWN_ID: ("REJECT_UNKNOWN_ID", "no open order has this client_order_id"),
    REJECT_BAD_ORDER: ("REJECT_BAD_ORDER", "order side, type, time in force, flags or quantity is invalid"),
    REJECT_ENGINE_FULL: ("REJECT_ENGINE_FULL", "every order slot (max_orders) is in use"),
    REJECT_NOT_MODIFIABLE: ("REJECT_NOT_MODIFIABLE", "a stop order cannot be modified before it triggers"),
}

cdef extern from *:
    """
    #define HFT_MATCH_NS_PER_DAY INT64_C(86400000000000)
    """
    const int64_t NS_PER_DAY "HFT_MATCH_NS_PER_DAY"


# ---- id table ------------------------------------------------------------------------------

cdef inline uint64_t _hash(uint64_t x) noexcept nogil:
    # splitmix64 finalizer: sequential ids spread over every bit, so masking keeps them apart.
    x ^= x >> 30
    x *= <uint64_t>0xbf58476d1ce4e5b9ULL
    x ^= x >> 27
    x *= <uint64_t>0x94d049bb133111ebULL
    x ^= x >> 31
    return x


cdef int32_t matching_find(const Matcher *m, uint64_t client_order_id) noexcept nogil:
    """Return the node index of an open order, or NODE_NONE."""
    cdef uint64_t h = _hash(client_order_id) & m.slot_mask
    cdef int32_t idx
    while True:  # ends: at most half the slots are used, so an empty one is always reached
        idx = m.slots[h]
        if idx == NODE_NONE or m.nodes[idx].client_order_id == client_order_id:
            return idx
        h = (h + 1) & m.slot_mask


cdef inline void _table_insert(Matcher *m, int32_t idx) noexcept nogil:
    cdef uint64_t h = _hash(m.nodes[idx].client_order_id) & m.slot_mask
    while m.slots[h] != NODE_NONE:
        h = (h + 1) & m.slot_mask
    m.slots[h] = idx


cdef void _table_remove(Matcher *m, uint64_t client_order_id) noexcept nogil:
    # Backward-shift deletion (linear probing without tombstones): every later entry of the
    # probe run whose home slot is not cyclically in (hole, entry] moves into the hole.
    cdef uint64_t i = _hash(client_order_id) & m.slot_mask, j, k
    while m.slots[i] != NODE_NONE and m.nodes[m.slots[i]].client_order_id != client_order_id:
        i = (i + 1) & m.slot_mask
    if m.slots[i] == NODE_NONE:
        return
    m.slots[i] = NODE_NONE
    j = i
    while True:
        j = (j + 1) & m.slot_mask
        if m.slots[j] == NODE_NONE:
            return
        k = _hash(m.nodes[m.slots[j]].client_order_id) & m.slot_mask
        if (i < k <= j) if i <= j else (i < k or k <= j):
            continue
        m.slots[i] = m.slots[j]
        m.slots[j] = NODE_NONE
        i = j


# ---- events --------------------------------------------------------------------------------

cdef void _emit(Matcher *m, uint8_t kind, const OrderNode *o, int64_t price, int64_t qty,
                int64_t leaves, uint8_t liquidity, uint8_t reason, uint64_t match_id) noexcept nogil:
    cdef MatchEvent *e
    cdef MatchEvent *grown
    cdef Py_ssize_t new_capacity
    if m.n_events == m.events_capacity:
        new_capacity = m.events_capacity * 2
        grown = <MatchEvent *>realloc(m.events, new_capacity * sizeof(MatchEvent))
        if grown == NULL:
            m.events_lost = True
            return
        m.events = grown
        m.events_capacity = new_capacity
    e = &m.events[m.n_events]
    m.n_events += 1
    e.client_order_id = o.client_order_id
    e.match_id = match_id
    e.price = price
    e.qty = qty
    e.leaves = leaves
    e.owner = o.owner
    e.kind = kind
    e.side = o.side
    e.liquidity = liquidity
    e.reason = reason


cdef inline void _begin(Matcher *m) noexcept nogil:
    m.n_events = 0
    m.events_lost = False


# ---- node lists ----------------------------------------------------------------------------

cdef inline int32_t _alloc(Matcher *m) noexcept nogil:
    cdef int32_t idx = m.free_head
    if idx != NODE_NONE:
        m.free_head = m.nodes[idx].next
    return idx


cdef inline void _timed_unlink(Matcher *m, OrderNode *o) noexcept nogil:
    if o.tprev != NODE_NONE:
        m.nodes[o.tprev].tnext = o.tnext
    else:
        m.timed_head = o.tnext
    if o.tnext != NODE_NONE:
        m.nodes[o.tnext].tprev = o.tprev
    else:
        m.timed_tail = o.tprev


cdef inline void _timed_append(Matcher *m, int32_t idx) noexcept nogil:
    cdef OrderNode *o = &m.nodes[idx]
    o.tnext = NODE_NONE
    o.tprev = m.timed_tail
    if m.timed_tail != NODE_NONE:
        m.nodes[m.timed_tail].tnext = idx
    else:
        m.timed_head = idx
    m.timed_tail = idx


cdef void _release(Matcher *m, int32_t idx) noexcept nogil:
    # Forget a closed order: id table, expiry list, then back to the free list.
    cdef OrderNode *o = &m.nodes[idx]
    _table_remove(m, o.client_order_id)
    if o.expire_ns != 0:
        _timed_unlink(m, o)
    o.state = NODE_FREE
    o.next = m.free_head
    m.free_head = idx
    m.open_count -= 1


cdef inline void _stop_unlink(Matcher *m, OrderNode *o) noexcept nogil:
    if o.prev != NODE_NONE:
        m.nodes[o.prev].next = o.next
    else:
        m.stop_head = o.next
    if o.next != NODE_NONE:
        m.nodes[o.next].prev = o.prev
    else:
        m.stop_tail = o.prev


cdef inline void _stop_append(Matcher *m, int32_t idx) noexcept nogil:
    cdef OrderNode *o = &m.nodes[idx]
    o.next = NODE_NONE
    o.prev = m.stop_tail
    if m.stop_tail != NODE_NONE:
        m.nodes[m.stop_tail].next = idx
    else:
        m.stop_head = idx
    m.stop_tail = idx
    o.state = NODE_STOP


# ---- price levels --------------------------------------------------------------------------

cdef inline bint _better(bint is_ask, int64_t a, int64_t b) noexcept nogil:
    return a < b if is_ask else a > b


cdef inline int32_t _lower_bound(const LevelSide *s, int64_t price) noexcept nogil:
    # First index whose price is not worse than `price` (the array runs worse -> better).
    cdef int32_t lo = 0, hi = s.count, mid
    while lo < hi:
        mid = lo + ((hi - lo) >> 1)
        if _better(s.is_ask, price, s.levels[mid].price):
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef inline LevelSide *_own_side(Matcher *m, uint8_t side) noexcept nogil:
    return &m.bids if side == SIDE_BUY else &m.asks


cdef void _rest(Matcher *m, int32_t idx) noexcept nogil:
    # Append a node at the tail of its price's FIFO, creating the level when needed. The
    # level array has room for `capacity` levels and each level holds >= 1 order: no overflow.
    cdef OrderNode *o = &m.nodes[idx]
    cdef LevelSide *s = _own_side(m, o.side)
    cdef int32_t i = _lower_bound(s, o.price)
    cdef MatchLevel *lvl
    if i == s.count or s.levels[i].price != o.price:
        memmove(&s.levels[i + 1], &s.levels[i], (s.count - i) * sizeof(MatchLevel))
        s.count += 1
        lvl = &s.levels[i]
        lvl.price = o.price
        lvl.total = 0
        lvl.head = lvl.tail = NODE_NONE
    lvl = &s.levels[i]
    o.next = NODE_NONE
    o.prev = lvl.tail
    if lvl.tail != NODE_NONE:
        m.nodes[lvl.tail].next = idx
    else:
        lvl.head = idx
    lvl.tail = idx
    lvl.total += o.leaves
    o.state = NODE_RESTING


cdef inline void _level_unlink(Matcher *m, MatchLevel *lvl, OrderNode *o) noexcept nogil:
    if o.prev != NODE_NONE:
        m.nodes[o.prev].next = o.next
    else:
        lvl.head = o.next
    if o.next != NODE_NONE:
        m.nodes[o.next].prev = o.prev
    else:
        lvl.tail = o.prev
    lvl.total -= o.leaves


cdef void _unrest(Matcher *m, OrderNode *o) noexcept nogil:
    # Take a resting node out of its level, dropping the level when it empties.
    cdef LevelSide *s = _own_side(m, o.side)
    cdef int32_t i = _lower_bound(s, o.price)
    cdef MatchLevel *lvl = &s.levels[i]  # the node rests, so its level exists at i
    _level_unlink(m, lvl, o)
    if lvl.head == NODE_NONE:
        memmove(&s.levels[i], &s.levels[i + 1], (s.count - i - 1) * sizeof(MatchLevel))
        s.count -= 1
    o.state = NODE_ACTIVE


# ---- matching ------------------------------------------------------------------------------

cdef inline bint _crosses(const OrderNode *t, int64_t level_price) noexcept nogil:
    if t.order_type == ORDER_TYPE_MARKET:
        return True
    return t.price >= level_price if t.side == SIDE_BUY else t.price <= level_price


cdef inline LevelSide *_opposite(Matcher *m, uint8_t side) noexcept nogil:
    return &m.asks if side == SIDE_BUY else &m.bids


cdef uint8_t _precheck(Matcher *m, const OrderNode *t) noexcept nogil:
    # Post-only and fill-or-kill are decided before anything fills.
    cdef LevelSide *opp = _opposite(m, t.side)
    cdef int32_t i
    cdef int64_t available = 0
    if t.flags & FLAG_POST_ONLY and opp.count > 0 and _crosses(t, opp.levels[opp.count - 1].price):
        return REJECT_POST_ONLY
    if t.tif == TIF_FOK:
        i = opp.count - 1
        while i >= 0 and available < t.leaves and _crosses(t, opp.levels[i].price):
            available += opp.levels[i].total
            i -= 1
        if available < t.leaves:
            return REJECT_FOK_CANNOT_FILL
    return REJECT_NONE


cdef void _match(Matcher *m, OrderNode *t) noexcept nogil:
    # Take liquidity for t from the best opposite level down, oldest order first.
    cdef LevelSide *opp = _opposite(m, t.side)
    cdef MatchLevel *lvl
    cdef OrderNode *mk
    cdef int32_t idx, nxt
    cdef int64_t q
    while t.leaves > 0 and opp.count > 0:
        lvl = &opp.levels[opp.count - 1]
        if not _crosses(t, lvl.price):
            return
        idx = lvl.head
        while idx != NODE_NONE and t.leaves > 0:
            mk = &m.nodes[idx]
            nxt = mk.next
            q = t.leaves if t.leaves < mk.leaves else mk.leaves
            t.leaves -= q
            mk.leaves -= q
            lvl.total -= q
            m.last_match_id += 1
            _emit(m, EVENT_FILLED, t, lvl.price, q, t.leaves, LIQUIDITY_TAKER, REJECT_NONE, m.last_match_id)
            _emit(m, EVENT_FILLED, mk, lvl.price, q, mk.leaves, LIQUIDITY_MAKER, REJECT_NONE, m.last_match_id)
            if mk.leaves == 0:
                _level_unlink(m, lvl, mk)
                _release(m, idx)
            idx = nxt
        if lvl.head == NODE_NONE:
            opp.count -= 1  # the emptied level is the best, the array's last element


cdef inline bint _rests(const OrderNode *o) noexcept nogil:
    return o.order_type == ORDER_TYPE_LIMIT and (o.tif == TIF_GTC or o.tif == TIF_GTD or o.tif == TIF_DAY)


cdef void _run_active(Matcher *m, int32_t idx) noexcept nogil:
    # Match a pooled node that is in no list (a triggered stop, a repriced order), then rest
    # what is left or cancel it.
    cdef OrderNode *o = &m.nodes[idx]
    _match(m, o)
    if o.leaves == 0:
        _release(m, idx)
    elif _rests(o):
        _rest(m, idx)
    else:
        _emit(m, EVENT_CANCELED, o, o.price, o.leaves, 0, LIQUIDITY_NONE, REJECT_NONE, 0)
        _release(m, idx)


cdef inline bint _valid(const OrderRecord *r) noexcept nogil:
    if r.side != SIDE_BUY and r.side != SIDE_SELL:
        return False
    if r.order_type < ORDER_TYPE_MARKET or r.order_type > ORDER_TYPE_STOP_LIMIT:
        return False
    if r.time_in_force < TIF_GTC or r.time_in_force > TIF_DAY:
        return False
    if r.quantity <= 0 or r.flags & ~ORDER_FLAGS_MASK:
        return False
    if r.flags & FLAG_POST_ONLY and (r.order_type == ORDER_TYPE_MARKET or r.order_type == ORDER_TYPE_STOP_MARKET):
        return False
    return r.time_in_force != TIF_GTD or r.ts_expire > 0


@cython.cdivision(True)  # the divisor is NS_PER_DAY, a non-zero constant; floor is fixed by hand
cdef inline int64_t _day_end(int64_t ts_ns) noexcept nogil:
    cdef int64_t day = ts_ns // NS_PER_DAY
    if day * NS_PER_DAY > ts_ns:
        day -= 1
    return (day + 1) * NS_PER_DAY


cdef Py_ssize_t matching_submit(Matcher *m, const OrderRecord *order, uint32_t owner) noexcept nogil:
    """Check, accept and match one order; rest, hold (stops) or cancel what is left."""
    cdef OrderNode t
    cdef OrderNode *o
    cdef int32_t idx
    cdef uint8_t reason
    cdef bint is_stop = order.order_type == ORDER_TYPE_STOP_MARKET or order.order_type == ORDER_TYPE_STOP_LIMIT
    _begin(m)
    memset(&t, 0, sizeof(OrderNode))
    t.client_order_id = order.client_order_id
    t.price = order.price if order.order_type != ORDER_TYPE_MARKET and order.order_type != ORDER_TYPE_STOP_MARKET else 0
    t.trigger_price = order.trigger_price if is_stop else 0
    t.quantity = order.quantity
    t.leaves = order.quantity
    t.owner = owner
    t.side = order.side
    t.order_type = order.order_type
    t.tif = order.time_in_force
    t.flags = order.flags
    t.prev = t.next = t.tprev = t.tnext = NODE_NONE
    if t.tif == TIF_GTD:
        t.expire_ns = order.ts_expire
    elif t.tif == TIF_DAY:
        t.expire_ns = order.ts_expire if order.ts_expire > 0 else _day_end(order.ts_init)
    if not _valid(order):
        _emit(m, EVENT_REJECTED, &t, t.price, t.quantity, 0, LIQUIDITY_NONE, REJECT_BAD_ORDER, 0)
        return m.n_events
    if matching_find(m, t.client_order_id) != NODE_NONE:
        _emit(m, EVENT_REJECTED, &t, t.price, t.quantity, 0, LIQUIDITY_NONE, REJECT_DUPLICATE_ID, 0)
        return m.n_events
    # Only an order that can outlive this call needs a slot; market/IOC/FOK match from the stack.
    if (is_stop or _rests(&t)) and m.free_head == NODE_NONE:
        _emit(m, EVENT_REJECTED, &t, t.price, t.quantity, 0, LIQUIDITY_NONE, REJECT_ENGINE_FULL, 0)
        return m.n_events
    if not is_stop:
        reason = _precheck(m, &t)
        if reason != REJECT_NONE:
            _emit(m, EVENT_REJECTED, &t, t.price, t.quantity, 0, LIQUIDITY_NONE, reason, 0)
            return m.n_events
    _emit(m, EVENT_ACCEPTED, &t, t.price, t.quantity, t.leaves, LIQUIDITY_NONE, REJECT_NONE, 0)
    if is_stop or _rests(&t):
        if not is_stop:
            _match(m, &t)
            if t.leaves == 0:
                return m.n_events
        idx = _alloc(m)
        o = &m.nodes[idx]
        memcpy(o, &t, sizeof(OrderNode))
        m.open_count += 1
        _table_insert(m, idx)
        if o.expire_ns != 0:
            _timed_append(m, idx)
        if is_stop:
            _stop_append(m, idx)
        else:
            _rest(m, idx)
        return m.n_events
    _match(m, &t)
    if t.leaves > 0:
        _emit(m, EVENT_CANCELED, &t, t.price, t.leaves, 0, LIQUIDITY_NONE, REJECT_NONE, 0)
    return m.n_events


cdef Py_ssize_t matching_cancel(Matcher *m, uint64_t client_order_id) noexcept nogil:
    """Cancel an open order (resting or stop); REJECTED (REJECT_UNKNOWN_ID) when none has the id."""
    cdef int32_t idx
    cdef OrderNode *o
    cdef OrderNode probe
    _begin(m)
    idx = matching_find(m, client_order_id)
    if idx == NODE_NONE:
        memset(&probe, 0, sizeof(OrderNode))
        probe.client_order_id = client_order_id
        _emit(m, EVENT_REJECTED, &probe, 0, 0, 0, LIQUIDITY_NONE, REJECT_UNKNOWN_ID, 0)
        return m.n_events
    o = &m.nodes[idx]
    if o.state == NODE_STOP:
        _stop_unlink(m, o)
    else:
        _unrest(m, o)
    _emit(m, EVENT_CANCELED, o, o.price, o.leaves, 0, LIQUIDITY_NONE, REJECT_NONE, 0)
    _release(m, idx)
    return m.n_events


cdef Py_ssize_t matching_modify(Matcher *m, uint64_t client_order_id, int64_t new_price,
                                int64_t new_qty) noexcept nogil:
    """Change a resting order's price and total quantity.

    A quantity decrease at the same price keeps the order's place in its queue; a price
    change or a quantity increase sends it to the back (and a new price may match at once).
    new_qty is the new total quantity and must exceed what has already filled.
    """
    cdef int32_t idx
    cdef OrderNode *o
    cdef OrderNode probe
    cdef int64_t filled, new_leaves
    cdef LevelSide *s
    _begin(m)
    idx = matching_find(m, client_order_id)
    if idx == NODE_NONE:
        memset(&probe, 0, sizeof(OrderNode))
        probe.client_order_id = client_order_id
        _emit(m, EVENT_REJECTED, &probe, new_price, new_qty, 0, LIQUIDITY_NONE, REJECT_UNKNOWN_ID, 0)
        return m.n_events
    o = &m.nodes[idx]
    if o.state == NODE_STOP:
        _emit(m, EVENT_REJECTED, o, new_price, new_qty, o.leaves, LIQUIDITY_NONE, REJECT_NOT_MODIFIABLE, 0)
        return m.n_events
    filled = o.quantity - o.leaves
    if new_qty <= filled:
        _emit(m, EVENT_REJECTED, o, new_price, new_qty, o.leaves, LIQUIDITY_NONE, REJECT_BAD_ORDER, 0)
        return m.n_events
    new_leaves = new_qty - filled
    if new_price == o.price and new_leaves <= o.leaves:
        s = _own_side(m, o.side)
        s.levels[_lower_bound(s, o.price)].total -= o.leaves - new_leaves
        o.leaves = new_leaves
        o.quantity = new_qty
        _emit(m, EVENT_MODIFIED, o, o.price, o.quantity, o.leaves, LIQUIDITY_NONE, REJECT_NONE, 0)
        return m.n_events
    if o.flags & FLAG_POST_ONLY:
        s = _opposite(m, o.side)
        if s.count > 0 and (new_price >= s.levels[s.count - 1].price if o.side == SIDE_BUY
                            else new_price <= s.levels[s.count - 1].price):
            _emit(m, EVENT_REJECTED, o, new_price, new_qty, o.leaves, LIQUIDITY_NONE, REJECT_POST_ONLY, 0)
            return m.n_events
    _unrest(m, o)
    o.price = new_price
    o.quantity = new_qty
    o.leaves = new_leaves
    _emit(m, EVENT_MODIFIED, o, o.price, o.quantity, o.leaves, LIQUIDITY_NONE, REJECT_NONE, 0)
    _run_active(m, idx)
    return m.n_events


cdef void _trigger(Matcher *m, int32_t idx) noexcept nogil:
    # A stop fires: report it, turn it into its market/limit order, and run that.
    cdef OrderNode *o = &m.nodes[idx]
    cdef uint8_t reason
    _stop_unlink(m, o)
    o.state = NODE_ACTIVE
    _emit(m, EVENT_TRIGGERED, o, o.trigger_price, o.leaves, o.leaves, LIQUIDITY_NONE, REJECT_NONE, 0)
    o.order_type = ORDER_TYPE_MARKET if o.order_type == ORDER_TYPE_STOP_MARKET else ORDER_TYPE_LIMIT
    reason = _precheck(m, o)
    if reason != REJECT_NONE:
        # Already accepted, so a failed post-only/FOK check cancels it, naming the reason.
        _emit(m, EVENT_CANCELED, o, o.price, o.leaves, 0, LIQUIDITY_NONE, reason, 0)
        _release(m, idx)
        return
    _run_active(m, idx)


cdef Py_ssize_t _trigger_stops(Matcher *m, bint has_buy, int64_t buy_ref, bint has_sell,
                               int64_t sell_ref) noexcept nogil:
    # Stops fire in arrival order. Matching never adds to the stop list and frees only
    # resting nodes, so the saved `next` stays a live stop.
    cdef int32_t idx = m.stop_head, nxt
    cdef OrderNode *o
    _begin(m)
    while idx != NODE_NONE:
        o = &m.nodes[idx]
        nxt = o.next
        if o.side == SIDE_BUY:
            if has_buy and buy_ref >= o.trigger_price:
                _trigger(m, idx)
        elif has_sell and sell_ref <= o.trigger_price:
            _trigger(m, idx)
        idx = nxt
    return m.n_events


cdef Py_ssize_t matching_on_trade_price(Matcher *m, int64_t price) noexcept nogil:
    """Fire the stops a trade at price triggers (buy: price >= trigger, sell: price <= trigger)."""
    return _trigger_stops(m, True, price, True, price)


cdef Py_ssize_t matching_on_quote(Matcher *m, int64_t bid, int64_t ask) noexcept nogil:
    """Fire the stops a quote triggers: buy stops on ask >= trigger, sell stops on bid <= trigger."""
    return _trigger_stops(m, True, ask, True, bid)


cdef Py_ssize_t matching_expire(Matcher *m, int64_t now_ns) noexcept nogil:
    """Expire every GTD/DAY order (resting or stop) whose expiry is <= now_ns, oldest first."""
    cdef int32_t idx, nxt
    cdef OrderNode *o
    _begin(m)
    idx = m.timed_head
    while idx != NODE_NONE:
        o = &m.nodes[idx]
        nxt = o.tnext
        if o.expire_ns <= now_ns:
            if o.state == NODE_STOP:
                _stop_unlink(m, o)
            else:
                _unrest(m, o)
            _emit(m, EVENT_EXPIRED, o, o.price, o.leaves, 0, LIQUIDITY_NONE, REJECT_NONE, 0)
            _release(m, idx)
        idx = nxt
    return m.n_events


cdef int matching_init(Matcher *m, int32_t max_orders) noexcept nogil:
    """Allocate room for max_orders open orders; return 0, or -1 when memory runs out."""
    cdef uint64_t n_slots = 2
    cdef int32_t i
    memset(m, 0, sizeof(Matcher))
    while n_slots < 2 * <uint64_t>max_orders:
        n_slots <<= 1
    m.nodes = <OrderNode *>malloc(max_orders * sizeof(OrderNode))
    m.slots = <int32_t *>malloc(n_slots * sizeof(int32_t))
    m.bids.levels = <MatchLevel *>malloc(max_orders * sizeof(MatchLevel))
    m.asks.levels = <MatchLevel *>malloc(max_orders * sizeof(MatchLevel))
    m.events_capacity = 256
    m.events = <MatchEvent *>malloc(m.events_capacity * sizeof(MatchEvent))
    if m.nodes == NULL or m.slots == NULL or m.bids.levels == NULL or m.asks.levels == NULL or m.events == NULL:
        matching_free(m)
        return -1
    memset(m.slots, 0xFF, n_slots * sizeof(int32_t))  # every slot NODE_NONE (-1)
    m.slot_mask = n_slots - 1
    m.capacity = max_orders
    for i in range(max_orders):
        m.nodes[i].state = NODE_FREE
        m.nodes[i].next = i + 1 if i + 1 < max_orders else NODE_NONE
    m.free_head = 0
    m.asks.is_ask = True
    m.stop_head = m.stop_tail = m.timed_head = m.timed_tail = NODE_NONE
    return 0


cdef void matching_free(Matcher *m) noexcept nogil:
    """Release every buffer; the engine holds nothing after."""
    free(m.nodes)
    free(m.slots)
    free(m.bids.levels)
    free(m.asks.levels)
    free(m.events)
    memset(m, 0, sizeof(Matcher))


# ---- Python face ---------------------------------------------------------------------------

_STATES = {NODE_RESTING: "resting", NODE_STOP: "stop"}


cdef class MatchingEngine:
    """Match orders for one instrument by price-time priority, as a simulated venue does.

    Each call (`submit`, `cancel`, `modify`, `on_trade_price`, `on_quote`, `expire`) returns
    the number of events it produced; `events()` returns them as a structured numpy array
    (`EVENT_DTYPE`) until the next call. Prices and quantities are raw int64. Fills happen
    at the resting (maker) order's price. Owners are passed through to events only: orders of
    one owner may match each other. Not thread-safe.

    Parameters
    ----------
    max_orders : int
        Most orders open at once (resting + stop), allocated at construction. A resting or
        stop order beyond it is rejected with REJECT_ENGINE_FULL.
    """

    def __cinit__(self, int32_t max_orders=65536):
        if not 1 <= max_orders <= (1 << 28):
            raise ValueError(f"max_orders: {max_orders} is out of range, expected 1..{1 << 28}")
        if matching_init(&self.m, max_orders) != 0:
            raise MemoryError(f"matching engine: cannot allocate {max_orders} orders")

    def __dealloc__(self):
        matching_free(&self.m)

    cdef object _result(self, Py_ssize_t n):
        if self.m.events_lost:
            raise MemoryError("matching engine: cannot grow the event buffer; events of this call were lost")
        return n

    def submit(self, order, uint32_t owner=0) -> int:
        """Match one order (an OrderMsg or a 128-byte order record); return the event count.

        `owner` (an account id) is copied onto the order's events so a venue can route them.
        """
        cdef OrderRecord rec
        cdef const uint8_t[::1] buf
        cdef Py_ssize_t n
        if isinstance(order, OrderMsg):
            rec = (<OrderMsg>order).rec
        else:
            buf = order
            if buf.shape[0] != ORDER_SIZE:
                raise ValueError(f"order: {buf.shape[0]} bytes, expected an OrderMsg or {ORDER_SIZE} bytes")
            memcpy(&rec, &buf[0], ORDER_SIZE)
        with nogil:
            n = matching_submit(&self.m, &rec, owner)
        return self._result(n)

    def cancel(self, uint64_t client_order_id) -> int:
        """Cancel an open order; one REJECTED event (REJECT_UNKNOWN_ID) when none has the id."""
        return self._result(matching_cancel(&self.m, client_order_id))

    def modify(self, uint64_t client_order_id, int64_t price, int64_t quantity) -> int:
        """Set a resting order's price and total quantity; a decrease alone keeps priority."""
        return self._result(matching_modify(&self.m, client_order_id, price, quantity))

    def on_trade_price(self, int64_t price) -> int:
        """Fire stops triggered by a trade at price; return the event count."""
        return self._result(matching_on_trade_price(&self.m, price))

    def on_quote(self, int64_t bid, int64_t ask) -> int:
        """Fire stops triggered by a quote (buy stops on the ask, sell stops on the bid)."""
        return self._result(matching_on_quote(&self.m, bid, ask))

    def expire(self, int64_t now_ns) -> int:
        """Expire GTD/DAY orders whose expiry is <= now_ns; return the event count."""
        return self._result(matching_expire(&self.m, now_ns))

    def events(self):
        """Return the last call's events as a structured array (EVENT_DTYPE), a copy."""
        cdef Py_ssize_t n
        cdef const MatchEvent *src = matching_events(&self.m, &n)
        out = np.empty(n, dtype=EVENT_DTYPE)
        cdef uint8_t[::1] view = out.view(np.uint8)
        if n > 0:
            memcpy(&view[0], src, n * sizeof(MatchEvent))
        return out

    cdef object _levels(self, LevelSide *s, object n):
        cdef Py_ssize_t want = s.count if n is None else n
        cdef Py_ssize_t i
        if want < 0:
            raise ValueError(f"n: {want} is negative, expected >= 0 or None (all levels)")
        if want > s.count:
            want = s.count
        out = np.empty((want, 2), dtype=np.int64)
        cdef int64_t[:, ::1] view = out
        for i in range(want):
            view[i, 0] = s.levels[s.count - 1 - i].price
            view[i, 1] = s.levels[s.count - 1 - i].total
        return out

    def bids(self, n: int | None = None):
        """Return the best n resting bid levels (price, total leaves), best first, (n, 2) int64."""
        return self._levels(&self.m.bids, n)

    def asks(self, n: int | None = None):
        """Return the best n resting ask levels (price, total leaves), best first, (n, 2) int64."""
        return self._levels(&self.m.asks, n)

    @property
    def best_bid(self) -> int | None:
        """Best resting bid price (raw), or None."""
        return self.m.bids.levels[self.m.bids.count - 1].price if self.m.bids.count else None

    @property
    def best_ask(self) -> int | None:
        """Best resting ask price (raw), or None."""
        return self.m.asks.levels[self.m.asks.count - 1].price if self.m.asks.count else None

    def order(self, uint64_t client_order_id) -> dict | None:
        """Return an open order's fields as a dict, or None when no open order has the id."""
        cdef int32_t idx = matching_find(&self.m, client_order_id)
        cdef OrderNode *o
        if idx == NODE_NONE:
            return None
        o = &self.m.nodes[idx]
        return {
            "client_order_id": o.client_order_id, "owner": o.owner, "side": o.side,
            "order_type": o.order_type, "time_in_force": o.tif, "flags": o.flags,
            "price": o.price, "trigger_price": o.trigger_price, "quantity": o.quantity,
            "leaves": o.leaves, "expire_ns": o.expire_ns, "state": _STATES[o.state],
        }

    def queue(self, int side, int64_t price) -> list:
        """Return the client_order_ids resting at one price, first in line first."""
        cdef LevelSide *s
        cdef int32_t i, idx
        if side != SIDE_BUY and side != SIDE_SELL:
            raise ValueError(f"side: {side} is invalid, expected SIDE_BUY (1) or SIDE_SELL (2)")
        s = _own_side(&self.m, side)
        i = _lower_bound(s, price)
        out = []
        if i < s.count and s.levels[i].price == price:
            idx = s.levels[i].head
            while idx != NODE_NONE:
                out.append(self.m.nodes[idx].client_order_id)
                idx = self.m.nodes[idx].next
        return out

    @property
    def last_match_id(self) -> int:
        """The match id of the latest fill (0 before any); ids count up from 1."""
        return self.m.last_match_id

    @property
    def max_orders(self) -> int:
        """Most orders open at once."""
        return self.m.capacity

    def __len__(self) -> int:
        """Return the number of open orders (resting + stop)."""
        return self.m.open_count
