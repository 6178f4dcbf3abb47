# Pre-trade risk over hft.core.risk.RiskChecker plus the instrument's own order rules.
from libc.stdint cimport int32_t, int64_t, uint32_t

from hft.core.risk cimport RiskChecker
from hft.kernel.cache cimport Cache
from hft.kernel.clock cimport Clock
from hft.model.account cimport MarginAccount, MarginBook
from hft.model.instruments cimport Instrument
from hft.model.objects cimport Price, Quantity
from hft.model.orders cimport Order


cdef class RiskEngine:
    cdef readonly RiskChecker checker
    cdef readonly Clock clock
    cdef readonly Cache cache
    cdef readonly object config           # RiskConfig
    cdef readonly bint bypass
    cdef dict _numeric                    # InstrumentId -> uint32 numeric id used by the checker
    cdef uint32_t _next_numeric
    cdef readonly int64_t checked
    cdef readonly int64_t denied
    cdef dict _held                       # ClientOrderId -> [MarginAccount, MarginBook, raw, qty]
    cdef dict _amends                     # ... the same for amends sent, until the venue answers
    cdef object _hold_raw                 # margin the order being checked will hold (int)
    cdef MarginBook _hold_book            # ... in this currency
    cdef object _last_iid                 # the last order's InstrumentId, its Instrument and
    cdef Instrument _last_ins             # checker number: a run of orders in one instrument
    cdef uint32_t _last_num               # looks neither up (reset by register_instrument)

    # Return None when the order passes, else the reason text. A pass commits the order in the
    # checker (open-order count, daily notional, rate token).
    cpdef str check_order(self, Order order)
    # The same for an amend of an open order (None keeps a field): docs in the .pyx.
    cpdef str check_modify(self, Order order, Quantity quantity, Price price, Price trigger_price)
    cpdef void on_modify_result(self, Order order, bint accepted) except *
    cdef uint32_t numeric_of(self, Instrument instrument) except? 0
    cdef Instrument _instrument_of(self, Order order)
    cdef int32_t _checker_index(self, Instrument ins, uint32_t num) except -1
    cdef void _refresh_reference(self, Instrument ins, int32_t idx) noexcept
    # Margin accounts only: None when the order's added initial margin fits the free margin
    # (the amount to hold is left in _hold_raw), else the reason.
    cdef str _check_margin(self, Order order, Instrument ins, int64_t px, int64_t trig,
                           int64_t qty, MarginAccount account, object credit)
    cdef int _refresh_marks(self, MarginAccount account) except -1
    cdef int _release_held(self, Order order, int64_t filled_qty_raw) except -1
    cpdef void on_fill(self, Order order, int64_t qty_raw, int side) except *
    cpdef void on_order_closed(self, Order order) except *
