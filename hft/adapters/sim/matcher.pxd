# Own orders against market data for one instrument of the simulated venue; the fill model
# (queue position, trade-through, L1 market-order policies) is described in docs/fills.md
# (keep both in step). All state is C memory: the order array and the event buffer grow by
# doubling and never shrink, so a steady state allocates nothing.
from libc.stdint cimport int64_t, uint8_t, uint64_t

from hft.core.book cimport Book

cpdef enum SimEventKind:           # docs/fills.md#events
    SIM_ACCEPTED = 1
    SIM_REJECTED = 2
    SIM_FILLED = 3
    SIM_CANCELED = 4
    SIM_EXPIRED = 5
    SIM_TRIGGERED = 6
    SIM_UPDATED = 7                # quantity / price / trigger now as in the event
    SIM_CANCEL_REJECTED = 8
    SIM_MODIFY_REJECTED = 9

cpdef enum SimReason:              # docs/fills.md#reasons; append only, codes are stable
    SIM_REASON_NONE = 0
    SIM_REASON_POST_ONLY = 1       # post-only order would take liquidity
    SIM_REASON_FOK = 2             # fill-or-kill order cannot fill in full now
    SIM_REASON_REDUCE_ONLY = 3     # reduce-only order would increase the position
    SIM_REASON_UNKNOWN_ORDER = 4   # cancel / modify of an order that is not open
    SIM_REASON_NO_MARKET = 5       # market order and no price on the side it would take
    SIM_REASON_BAD_QUANTITY = 6    # modify to a quantity not above the filled quantity
    SIM_REASON_NO_MEMORY = 7
    SIM_REASON_IOC = 8             # CANCELED: what an IOC order could not fill at once
    SIM_REASON_REDUCED = 9         # CANCELED: a reduce-only order with no position left

cpdef enum MarketRest:             # what an L1 market order does beyond the touch size
    REST_PARTIAL = 0               # waits for the next quote (IOC/FOK: canceled)
    REST_NEXT_LEVEL = 1            # fills one tick worse than the touch
    REST_FULL = 2                  # fills at the touch too

cdef enum SubmitCheck:             # try_submit's result; submit_error has the texts
    SUBMIT_OK = 0
    SUBMIT_BAD_SIDE = 1
    SUBMIT_BAD_TYPE = 2
    SUBMIT_BAD_TIF = 3
    SUBMIT_BAD_QUANTITY = 4

cdef enum:
    SIM_QUEUE_UNKNOWN = -1         # L1 order behind the touch: queue set when its price is the touch
    SIM_EVENT_SIZE = 64


ctypedef struct SimOrder:
    uint64_t order_id              # the venue's order number
    int64_t price                  # limit price (LIMIT, STOP_LIMIT), else 0
    int64_t trigger                # STOP_* only
    int64_t quantity
    int64_t filled
    int64_t queue_ahead            # displayed size ahead at `price`, or SIM_QUEUE_UNKNOWN
    int64_t expire_ns              # GTD / DAY; 0 = never
    uint8_t side
    uint8_t order_type             # current type: a triggered stop becomes MARKET / LIMIT
    uint8_t tif
    uint8_t flags                  # FLAG_POST_ONLY | FLAG_REDUCE_ONLY
    uint8_t active                 # 0 once closed (compacted out after the operation)
    uint8_t stop_waiting           # a stop order that has not triggered


ctypedef struct SimEvent:          # 64 bytes
    uint64_t order_id              # 0
    int64_t ts_ns                  # 8
    int64_t price                  # 16  FILLED: fill price; UPDATED: limit price
    int64_t qty                    # 24  FILLED: fill qty; UPDATED: quantity; CANCELED/EXPIRED: leaves
    int64_t leaves                 # 32  open quantity after the event
    int64_t trigger                # 40  UPDATED: trigger price
    uint8_t kind                   # 48  SimEventKind
    uint8_t side                   # 49
    uint8_t liquidity              # 50  1 MAKER, 2 TAKER (FILLED)
    uint8_t reason                 # 51  SimReason
    uint8_t reserved[12]           # 52


cdef class SimMatcher:
    cdef SimOrder *orders          # open orders in arrival order
    cdef Py_ssize_t n_orders, orders_capacity
    cdef SimEvent *events          # appended by every operation; the venue drains them
    cdef readonly Py_ssize_t n_events
    cdef Py_ssize_t events_capacity
    cdef Book book                 # L2 only
    cdef readonly bint l2
    cdef readonly int rest_policy  # MarketRest
    cdef readonly int64_t tick     # price increment, raw
    cdef readonly int64_t position # venue-side net position, raw (reduce-only checks)
    cdef readonly int64_t bid, ask, bid_size, ask_size
    cdef readonly bint has_bid, has_ask
    cdef readonly int64_t next_expire_ns   # INT64_MAX when nothing expires
    cdef bint no_memory

    # C level: never raises; each appends its events to `events` (see drain in the .pyx).
    cdef void submit(self, const SimOrder *order, int64_t now) noexcept nogil
    cdef void cancel(self, uint64_t order_id, int64_t now) noexcept nogil
    cdef void modify(self, uint64_t order_id, int64_t quantity, int64_t price, int64_t trigger,
                     int64_t now) noexcept nogil
    cdef void on_quote(self, int64_t now, int64_t bid, int64_t ask, int64_t bid_size,
                       int64_t ask_size) noexcept nogil
    cdef void on_trade(self, int64_t now, int64_t price, int64_t size) noexcept nogil
    cdef void on_book_level(self, int64_t now, int side, int64_t price, int64_t size) noexcept nogil
    cdef void on_book_clear(self, int64_t now) noexcept nogil
    cdef void expire(self, int64_t now) noexcept nogil

    cdef bint _best(self, bint ask, int64_t *price, int64_t *size) noexcept nogil
    cdef int64_t _reducible(self, const SimOrder *o) noexcept nogil
    cdef void _close(self, SimOrder *o, uint8_t kind, int64_t now, uint8_t reason) noexcept nogil
    cdef bint _stop_hit_quote(self, const SimOrder *o) noexcept nogil
    cdef void _trigger(self, SimOrder *o, int64_t now) noexcept nogil
    cdef void _emit(self, uint8_t kind, const SimOrder *o, int64_t now, int64_t price,
                    int64_t qty, uint8_t liquidity, uint8_t reason) noexcept nogil
    cdef void _fill(self, SimOrder *o, int64_t now, int64_t price, int64_t qty,
                    uint8_t liquidity) noexcept nogil
    cdef void _take(self, SimOrder *o, int64_t now) noexcept nogil
    cdef int64_t _available(self, const SimOrder *o) noexcept nogil
    cdef bint _would_take(self, const SimOrder *o) noexcept nogil
    cdef int64_t _queue_at(self, uint8_t side, int64_t price) noexcept nogil
    cdef void _work(self, SimOrder *o, int64_t now) noexcept nogil
    cdef void _touch_changed(self, int64_t now) noexcept nogil
    cdef void _compact(self) noexcept nogil
    cdef SimOrder *_find(self, uint64_t order_id) noexcept nogil
    # Last, so code compiled against the earlier vtable still finds the methods above.
    cdef int try_submit(self, uint64_t order_id, int side, int order_type, int64_t quantity,
                        int64_t price, int64_t trigger, int tif, int64_t expire_ns,
                        bint post_only, bint reduce_only, int64_t now) noexcept nogil


# The ValueError for a try_submit code other than SUBMIT_OK, naming the bad field and value.
cdef object submit_error(int code, int side, int order_type, int tif, int64_t quantity)


cdef class LatencyQueue:
    cdef object _items             # deque of (due_ns, item), due_ns non-decreasing (FIFO)
    cdef readonly int64_t head_ns  # due time of the first item; INT64_MAX when empty
    cdef readonly int64_t last_ns  # due time of the last item pushed
