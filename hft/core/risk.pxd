# Pre-trade risk checks and token buckets; reason codes and limit semantics in docs/risk.md
# (keep both in step). All state lives in C structs so risk_check runs without the GIL and
# without allocating: a RiskChecker owns one RiskState, the kernel cimports and calls it.
cimport cython
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t

from hft.core.encoding cimport OrderRecord

cpdef enum DenyReason:             # docs/risk.md#reason-codes
    DENY_NONE = 0
    DENY_UNKNOWN_INSTRUMENT = 1
    DENY_HALTED = 2
    DENY_REDUCING = 3
    DENY_MAX_ORDER_QTY = 4
    DENY_MAX_ORDER_NOTIONAL = 5
    DENY_MAX_POSITION = 6
    DENY_PRICE_BAND = 7
    DENY_NO_REFERENCE_PRICE = 8
    DENY_MAX_OPEN_ORDERS = 9
    DENY_RATE_LIMIT = 10
    DENY_DAILY_NOTIONAL = 11
    DENY_DAILY_LOSS = 12
    DENY_REDUCE_ONLY = 13
    DENY_INVALID_ORDER = 14
    DENY_PRECISION_MISMATCH = 15

cpdef enum TradingState:           # docs/risk.md#trading-state
    TRADING_ACTIVE = 0
    TRADING_REDUCING = 1
    TRADING_HALTED = 2

cdef enum:
    DENY_REASON_COUNT = 16
    BUCKET_MAX_TOKENS = 1000000    # burst cap: capacity * BUCKET_SCALE stays far below 2**63

# 64-bit constants (a C enum holds only int).
cdef extern from *:
    """
    #ifndef HFT_RISK_CONSTANTS
    #define HFT_RISK_CONSTANTS
    #define HFT_BUCKET_SCALE INT64_C(1000000000000)
    #define HFT_NS_PER_DAY INT64_C(86400000000000)
    #define HFT_MAX_QTY_RAW INT64_C(4611686018427387904)
    #endif
    """
    # Tokens are counted in units of 1e-12 so a rate of 0.001 tokens/s is still a whole
    # number of units per nanosecond: refills are exact integer products and never drift.
    const int64_t BUCKET_SCALE "HFT_BUCKET_SCALE"
    const int64_t NS_PER_DAY "HFT_NS_PER_DAY"
    # Largest order quantity / position accepted (2**62), so position +- quantity cannot overflow.
    const int64_t MAX_QTY_RAW "HFT_MAX_QTY_RAW"


ctypedef struct Bucket:            # a token bucket, docs/risk.md#token-bucket
    int64_t capacity               # burst * BUCKET_SCALE
    int64_t tokens                 # 0..capacity, in 1e-12 tokens
    int64_t refill_per_ns          # 1e-12 tokens per ns == rate_per_s * 1000
    int64_t last_ns                # time of the last refill
    int64_t full_ns                # ns that refill an empty bucket (caps elapsed * refill_per_ns)


# cdivision: the divisors are refill_per_ns (> 0 in that branch) and BUCKET_SCALE, and both
# dividends are >= 0, where C's truncating division equals floor division.
@cython.cdivision(True)
cdef inline void bucket_init(Bucket *b, int64_t refill_per_ns, int64_t burst, int64_t now_ns) noexcept nogil:
    """Fill the bucket: burst whole tokens, refilling refill_per_ns units (1e-12 tokens) per ns.

    The caller keeps 1 <= burst <= BUCKET_MAX_TOKENS and 0 <= refill_per_ns <= 10**9.
    """
    b.capacity = burst * BUCKET_SCALE
    b.tokens = b.capacity
    b.refill_per_ns = refill_per_ns
    b.last_ns = now_ns
    if refill_per_ns > 0:
        b.full_ns = (b.capacity + refill_per_ns - 1) // refill_per_ns
    else:
        b.full_ns = 0x7FFFFFFFFFFFFFFF


cdef inline void bucket_refill(Bucket *b, int64_t now_ns) noexcept nogil:
    """Add the tokens earned since the last refill, up to capacity."""
    cdef int64_t elapsed = now_ns - b.last_ns
    # A clock that stands still or steps back earns nothing, and last_ns stays put so the
    # same nanoseconds are never paid out twice.
    if elapsed <= 0:
        return
    if elapsed >= b.full_ns:
        b.tokens = b.capacity
    else:
        # elapsed < full_ns, so the product is below capacity + refill_per_ns: no overflow.
        b.tokens += elapsed * b.refill_per_ns
        if b.tokens > b.capacity:
            b.tokens = b.capacity
    b.last_ns = now_ns


cdef inline bint bucket_try_take(Bucket *b, int64_t now_ns, int64_t n) noexcept nogil:
    """Refill, then take n whole tokens; return False (taking none) when fewer are there."""
    cdef int64_t need
    if n <= 0 or n > BUCKET_MAX_TOKENS:
        return n == 0
    bucket_refill(b, now_ns)
    need = n * BUCKET_SCALE
    if b.tokens < need:
        return False
    b.tokens -= need
    return True


@cython.cdivision(True)  # BUCKET_SCALE is a non-zero constant and tokens >= 0
cdef inline int64_t bucket_available(Bucket *b, int64_t now_ns) noexcept nogil:
    """Refill, then return the whole tokens available now."""
    bucket_refill(b, now_ns)
    return b.tokens // BUCKET_SCALE


ctypedef struct InstrumentRisk:    # one instrument's limits and live state, docs/risk.md#limits
    uint32_t instrument_id
    uint8_t price_precision
    uint8_t size_precision
    uint8_t has_reference          # reference_price was set
    int64_t max_order_qty          # raw, size_precision; 0 = no limit
    int64_t max_position           # raw, absolute, size_precision; 0 = no limit
    int64_t max_open_orders        # 0 = no limit
    double max_order_notional      # quote currency; 0 = no limit
    double price_band              # max |price - reference| / |reference|; 0 = no limit
    double price_scale             # 10**-price_precision
    double size_scale              # 10**-size_precision * multiplier
    int64_t reference_price        # raw, price_precision
    int64_t position               # signed raw, size_precision
    int64_t open_orders


ctypedef struct RiskState:
    InstrumentRisk *instruments    # dense: 0..count-1, in order of registration
    int32_t *slots                 # open addressing instrument_id -> dense index, -1 = empty
    uint32_t slot_mask             # slots has slot_mask + 1 >= 2 * capacity entries
    int32_t count
    int32_t capacity
    int32_t trading_state          # TradingState
    bint rate_limited              # order_rate is in force
    Bucket order_rate              # account-wide orders per second
    double max_daily_notional      # 0 = no limit
    double daily_notional          # notional of passed orders this UTC day
    int64_t day                    # UTC day (ts_ns // NS_PER_DAY) of daily_notional
    double daily_loss_limit        # > 0: deny position-increasing orders when pnl <= -limit
    double pnl                     # realized today + unrealized, from update_pnl
    int64_t checked                # orders checked
    int64_t denied[DENY_REASON_COUNT]  # orders denied, per reason; denied[0] stays 0


cdef inline int32_t risk_find(const RiskState *s, uint32_t instrument_id) noexcept nogil:
    """Return the dense index of instrument_id, or -1 when it has no limits."""
    # Multiplying by an odd constant permutes the low bits, so dense id ranges never collide.
    cdef uint32_t h = (instrument_id * <uint32_t>2654435761u) & s.slot_mask
    cdef int32_t idx
    while True:  # ends: at most half the slots are used, so an empty one is always reached
        idx = s.slots[h]
        if idx < 0:
            return -1
        if s.instruments[idx].instrument_id == instrument_id:
            return idx
        h = (h + 1) & s.slot_mask


cdef int risk_check(RiskState *s, const OrderRecord *order, int64_t now_ns) noexcept nogil
cdef int risk_check_amend(RiskState *s, const OrderRecord *before, const OrderRecord *after,
                          int64_t now_ns) noexcept nogil


cdef class RiskChecker:
    cdef RiskState risk
    cdef int32_t index_of(self, uint32_t instrument_id) except -1
    cdef str _describe(self, int code, const OrderRecord *o)
    cdef void _fill(self, OrderRecord *rec, int side, int order_type, int flags,
                    uint32_t instrument_id, int64_t quantity, int64_t price, int64_t trigger,
                    int64_t ts_ns) noexcept


cdef class TokenBucket:
    cdef Bucket bucket
