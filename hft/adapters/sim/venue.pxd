# The simulated venue's C core: the fill log and _SimCore, cimported by the backtest runner
# so its per-record calls (next_due_ns, process_due, drain_matcher, equity) stay in C.
cimport cython
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t

from hft.adapters.sim.matcher cimport LatencyQueue, SimEvent, SimMatcher
from hft.model.orders cimport Order


cdef packed struct FillRow:    # one FILL_DTYPE row, byte for byte
    int64_t ts_ns
    uint32_t instrument_id
    uint8_t side
    uint8_t liquidity
    double qty
    double px
    double fee
    int64_t qty_raw
    int64_t px_raw
    uint64_t order_num
    uint64_t client_order_num


@cython.final
cdef class FillLog:
    cdef FillRow *rows
    cdef readonly Py_ssize_t count
    cdef Py_ssize_t capacity

    cdef FillRow *next_row(self) except NULL


cdef class _SimCore:
    cdef public object engine          # the ExecutionEngine (ExecutionClient contract)
    cdef public object latency, fill_model, fee_model
    cdef public LatencyQueue inbound   # commands on their way to the venue
    cdef public LatencyQueue outbound  # venue events on their way to the node
    cdef public FillLog fills
    cdef public dict matchers          # numeric id -> SimMatcher
    cdef public dict _instruments      # InstrumentId -> Instrument
    cdef public dict _by_num           # numeric id -> Instrument
    cdef public dict _orders           # venue order number -> Order, while open
    cdef public dict _num_of           # ClientOrderId -> venue order number, while open
    cdef public dict _cash             # code -> [raw int, decimal digits]
    cdef public dict _cash_plans       # numeric id -> tuple
    cdef public dict _fee_plans        # (numeric id, liquidity) -> tuple
    cdef public dict _fee_exact        # code -> 10**-36 units (int)
    cdef public dict _fee_charged      # code -> currency raw units (int)
    cdef public dict _last_px          # numeric id -> raw price of the last fill
    cdef public object _outbox
    cdef public int64_t _next_order_num, _next_trade
    cdef public uint64_t _next_event_id
    cdef public bint _delivering
    cdef public int64_t event_count

    cdef int64_t _now(self) except? -1
    cdef int _send(self, int64_t delay, tuple command) except -1
    cdef int _arrive(self, tuple command, int64_t now) except -1
    cdef int _arrive_submit(self, Order order, object instrument, SimMatcher matcher,
                            int64_t now) except -1
    cdef int _drain(self, SimMatcher matcher, object instrument, object unknown,
                    object update) except -1
    cdef int _drain_one(self, SimMatcher matcher, object instrument, object unknown,
                        object update, const SimEvent *e) except -1
    cdef int _close(self, int64_t num, object order) except -1
    cdef tuple _charge_fee(self, object instrument, int64_t px_raw, int64_t qty_raw,
                           int liquidity)
    cdef int _on_fill(self, Order order, object instrument, int64_t num, const SimEvent *e,
                      object vid) except -1
    cdef uint64_t _take_event_id(self) noexcept
    cpdef _cash_add(self, str code, object raw, int scale)
    cdef int _report(self, int64_t ts_event, type cls, object order, object vid,
                     tuple args) except -1
    cdef int _post(self, int64_t ts_event, object event) except -1
    cdef int _deliver(self, object event) except -1
    cdef int64_t c_next_due_ns(self) except? -1
    cdef object c_equity_float(self)
    cdef int c_process_due(self, int64_t now) except -1
    cdef int c_drain_matcher(self, uint32_t numeric_id) except -1
