# Price-time matching engine, one instrument per engine; semantics, event layout and reason
# codes in docs/matching.md (keep both in step). All state is C memory allocated once at
# construction (orders, levels, id table); only the event buffer grows, by doubling, and
# never shrinks, so a steady state allocates nothing.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

from hft.core.encoding cimport OrderRecord

cpdef enum MatchEventKind:         # docs/matching.md#events
    EVENT_ACCEPTED = 1
    EVENT_REJECTED = 2             # an order, or a cancel/modify request (order unchanged)
    EVENT_FILLED = 3
    EVENT_CANCELED = 4
    EVENT_TRIGGERED = 5
    EVENT_EXPIRED = 6
    EVENT_MODIFIED = 7

cpdef enum Liquidity:
    LIQUIDITY_NONE = 0
    LIQUIDITY_MAKER = 1
    LIQUIDITY_TAKER = 2

cpdef enum RejectReason:           # docs/matching.md#reason-codes; append only, codes are stable
    REJECT_NONE = 0
    REJECT_DUPLICATE_ID = 1
    REJECT_POST_ONLY = 2           # post-only order would take liquidity
    REJECT_FOK_CANNOT_FILL = 3
    REJECT_UNKNOWN_ID = 4          # cancel/modify of an id that is not open
    REJECT_BAD_ORDER = 5
    REJECT_ENGINE_FULL = 6         # no free order slot (max_orders are open)
    REJECT_NOT_MODIFIABLE = 7      # modify of a stop order that has not triggered

cdef enum:
    REJECT_REASON_COUNT = 8
    NODE_NONE = -1
    NODE_FREE = 0
    NODE_RESTING = 1               # in a price level's FIFO
    NODE_STOP = 2                  # in the stop list, waiting for its trigger
    NODE_ACTIVE = 3                # being matched (a triggered stop), in no list
    MATCH_EVENT_SIZE = 48


ctypedef struct MatchEvent:        # 48 bytes, docs/matching.md#events
    uint64_t client_order_id       # 0
    uint64_t match_id              # 8   FILLED: same id on the taker's and the maker's event
    int64_t price                  # 16  FILLED: the maker's price; else the order's price
    int64_t qty                    # 24  filled / canceled / expired qty; ACCEPTED, MODIFIED: quantity
    int64_t leaves                 # 32  open quantity after the event
    uint32_t owner                 # 40
    uint8_t kind                   # 44  MatchEventKind
    uint8_t side                   # 45
    uint8_t liquidity              # 46  Liquidity (FILLED only)
    uint8_t reason                 # 47  RejectReason (REJECTED; CANCELED of a triggered stop)


ctypedef struct OrderNode:
    uint64_t client_order_id
    int64_t price                  # limit price (0 for market / stop-market)
    int64_t trigger_price          # stop orders
    int64_t quantity               # current total quantity (modify can change it)
    int64_t leaves
    int64_t expire_ns              # GTD / DAY; 0 = never
    uint32_t owner
    uint8_t side
    uint8_t order_type
    uint8_t tif
    uint8_t flags
    uint8_t state                  # NODE_*
    int32_t prev                   # level FIFO or stop list; also the free list (next)
    int32_t next
    int32_t tprev                  # list of orders with an expiry, in arrival order
    int32_t tnext


ctypedef struct MatchLevel:
    int64_t price
    int64_t total                  # sum of leaves in the FIFO
    int32_t head                   # oldest order: first to fill
    int32_t tail


ctypedef struct LevelSide:
    MatchLevel *levels             # sorted worse -> better, best at the end
    int32_t count
    bint is_ask


ctypedef struct Matcher:
    OrderNode *nodes               # pool of max_orders nodes, never reallocated
    int32_t capacity
    int32_t free_head
    int32_t open_count             # resting + stop orders
    int32_t *slots                 # open addressing client_order_id -> node, NODE_NONE = empty
    uint64_t slot_mask             # slots has >= 2 * capacity entries: probes stay short
    LevelSide bids
    LevelSide asks
    int32_t stop_head              # stop orders in arrival order
    int32_t stop_tail
    int32_t timed_head
    int32_t timed_tail
    uint64_t last_match_id
    MatchEvent *events             # the events of the last call
    Py_ssize_t n_events
    Py_ssize_t events_capacity
    bint events_lost               # growing the event buffer failed during the last call


# C level: never raises. Each operation clears the event buffer, runs, and returns the number
# of events it wrote (read them with matching_events until the next operation).
cdef int matching_init(Matcher *m, int32_t max_orders) noexcept nogil
cdef void matching_free(Matcher *m) noexcept nogil
cdef Py_ssize_t matching_submit(Matcher *m, const OrderRecord *order, uint32_t owner) noexcept nogil
cdef Py_ssize_t matching_cancel(Matcher *m, uint64_t client_order_id) noexcept nogil
cdef Py_ssize_t matching_modify(Matcher *m, uint64_t client_order_id, int64_t new_price,
                                int64_t new_qty) noexcept nogil
cdef Py_ssize_t matching_on_trade_price(Matcher *m, int64_t price) noexcept nogil
cdef Py_ssize_t matching_on_quote(Matcher *m, int64_t bid, int64_t ask) noexcept nogil
cdef Py_ssize_t matching_expire(Matcher *m, int64_t now_ns) noexcept nogil
cdef int32_t matching_find(const Matcher *m, uint64_t client_order_id) noexcept nogil


cdef inline const MatchEvent *matching_events(const Matcher *m, Py_ssize_t *count) noexcept nogil:
    """Return the event array of the last operation and store its length in *count."""
    count[0] = m.n_events
    return m.events


cdef class MatchingEngine:
    cdef Matcher m
    cdef object _result(self, Py_ssize_t n)
    cdef object _levels(self, LevelSide *s, object n)
