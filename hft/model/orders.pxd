# One Order class for market, limit, stop-market and stop-limit orders, and the order state
# machine: a C table [status][event kind] -> next status (orders.pyx documents every edge).
from libc.stdint cimport int64_t, uint64_t, uint32_t, uint8_t

from hft.core.int128 cimport hft_i128, hft_i128_add, hft_i128_mul, hft_i128_sub, hft_i64_add
from hft.core.encoding cimport OrderRecord
from hft.model.enums cimport OrderStatus, OrderEventKind, ORDER_STATUS_COUNT, ORDER_EVENT_KIND_COUNT
from hft.model.events cimport OrderEvent
from hft.model.objects cimport Currency, Price, Quantity
from hft.model.identifiers cimport (
    ClientOrderId, InstrumentId, StrategyId, TradeId, TraderId, VenueOrderId,
)

# Table cells besides a plain OrderStatus (1..12). 0 = the event is invalid in that status.
cdef enum:
    NEXT_INVALID = 0
    NEXT_PREVIOUS = 100        # back to the open status held before the pending request
    NEXT_SAME = 101            # unchanged: a repeated request or a late reply
    NEXT_FILL = 102            # FILLED if nothing is left, else PARTIALLY_FILLED (see apply)
    NEXT_KEEP_PENDING = 103    # stay pending; the status to return to becomes the event's

# Look up the table cell for (status, kind); NEXT_INVALID for out-of-range input.
cdef uint8_t order_next_status(int status, int kind) noexcept nogil


cdef class Order:
    cdef readonly TraderId trader_id
    cdef readonly StrategyId strategy_id
    cdef readonly InstrumentId instrument_id
    cdef readonly ClientOrderId client_order_id
    cdef readonly VenueOrderId venue_order_id     # None until the venue names the order
    cdef readonly uint64_t client_order_num       # the record's numeric client order id
    cdef readonly int64_t quantity_raw            # at size_precision
    cdef readonly int64_t filled_qty_raw          # at size_precision
    cdef readonly int64_t price_raw               # at price_precision; 0 for market types
    cdef readonly int64_t trigger_price_raw       # at price_precision; 0 unless a stop type
    cdef readonly int64_t expire_time_ns          # GTD only, else 0
    cdef readonly int64_t ts_init
    cdef readonly int64_t ts_last                 # ts_event of the last applied event
    cdef readonly uint32_t event_count
    cdef readonly uint8_t size_precision
    cdef readonly uint8_t price_precision
    cdef readonly bint post_only
    cdef readonly bint reduce_only
    cdef readonly double avg_px                   # volume-weighted over fills; 0.0 if none
    cdef readonly tuple tags
    cdef uint8_t _side                            # Side
    cdef uint8_t _order_type                      # OrderType
    cdef uint8_t _time_in_force                   # TimeInForce
    cdef OrderStatus _status
    cdef OrderStatus _previous_status             # where a pending request returns to
    cdef TradeId _first_trade_id                  # the first fill's, while open
    cdef set _trade_ids                           # every fill's from the second on; None once closed
    cdef hft_i128 _notional128                    # sum(px raw * 10**(_fill_pp - px precision) * qty)
    cdef object _notional_big                     # that sum as a Python int once it overflowed
    cdef uint8_t _fill_pp                         # finest price precision of the fills so far
    cdef Currency _fee_currency                   # the first fee currency: summed in _fee_raw
    cdef int64_t _fee_raw
    cdef dict _fees_other                         # Currency -> raw int for the rest; None until needed

    cpdef int apply(self, OrderEvent event) except -1
    cdef int64_t _check_fill(self, OrderEvent fill) except -1
    cdef int _record_fill(self, OrderEvent fill, int64_t qty) except -1
    cdef bint _seen_trade(self, TradeId trade_id) except -1
    cdef int _check_update(self, OrderEvent upd) except -1
    cdef void _record_update(self, OrderEvent upd) noexcept
    cdef void fill_record(self, OrderRecord *rec, uint32_t instrument_num, uint32_t trader_num,
                          uint32_t strategy_num) noexcept


# Build an order in C with Order(...)'s checks (ValueError naming the field), no kwargs parsing.
cdef Order order_new(TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                     ClientOrderId client_order_id, int side, int order_type, Quantity quantity,
                     Price price, Price trigger_price, int time_in_force, int64_t expire_time_ns,
                     bint post_only, bint reduce_only, int64_t ts_init, object tags,
                     uint64_t client_order_num)
