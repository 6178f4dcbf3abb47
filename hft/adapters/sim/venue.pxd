# The simulated venue's C core: the fill log and _SimCore, cimported by the backtest runner
# so its per-record calls (next_due_ns, process_due, drain_matcher, equity) stay in C.
cimport cython
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t

from hft.adapters.sim.matcher cimport LatencyQueue, SimEvent, SimMatcher
from hft.model.instruments cimport Instrument
from hft.model.objects cimport Currency, Money
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


# What an order or a fill of one instrument needs, worked out once (docs/fills.md "Fees").
@cython.final
cdef class _FeeSum:
    cdef object exact                  # fees so far in 10**-FEE_DIGITS units (Python int)
    cdef object charged                # `exact` rounded half-even to currency raw units
    cdef object unit                   # one currency raw unit in 10**-FEE_DIGITS units


@cython.final
cdef class _InstrumentPlan:
    cdef Instrument instrument
    cdef SimMatcher matcher
    cdef uint32_t numeric_id
    cdef int price_precision, size_precision
    cdef int cash_scale                # digits of px_raw * qty_raw * multiplier raw
    cdef object mult_raw               # Python int
    cdef Currency quote
    cdef str base_code                 # None: a fill moves no base currency
    cdef list quote_cash, base_cash    # their _cash entries; None before the first fill
    cdef _FeeSum fees                  # the quote currency's; None before the first fill
    cdef object maker_factor, taker_factor  # None until first needed (see _fee_factor)
    cdef Money zero_fee
    cdef int64_t last_px               # raw price of the last fill
    cdef bint has_last_px


cdef class _SimCore:
    # The runner was compiled against this layout: fields and cdef methods are only appended
    # (or renamed in place, same size), so an older runner build keeps working.
    cdef public object engine          # the ExecutionEngine (ExecutionClient contract)
    cdef object _latency               # the LatencyModel (the `latency` property)
    cdef public object fill_model, fee_model
    cdef public LatencyQueue inbound   # commands on their way to the venue
    cdef public LatencyQueue outbound  # venue events on their way to the node
    cdef public FillLog fills
    cdef public dict matchers          # numeric id -> SimMatcher
    cdef public dict _instruments      # InstrumentId -> Instrument
    cdef public dict _by_num           # numeric id -> Instrument
    cdef public dict _orders           # venue order number -> Order, while open
    cdef public dict _num_of           # ClientOrderId -> venue order number, while open
    cdef public dict _cash             # code -> [raw int, decimal digits]
    cdef public dict _plans            # InstrumentId -> _InstrumentPlan
    cdef public dict _fee_sums         # currency code -> _FeeSum
    cdef object _vid                   # VenueOrderId of order _vid_num (made once per order)
    cdef bytes _trade_prefix           # "<venue>-" in UTF-8; None until the first fill
    cdef public dict _plans_by_num     # numeric id -> _InstrumentPlan
    cdef public object _outbox
    cdef public int64_t _next_order_num, _next_trade
    cdef public uint64_t _next_event_id
    cdef public bint _delivering
    cdef public int64_t event_count

    cdef int64_t _now(self) except? -1
    cdef int _send(self, int64_t delay, int kind, Order order, object args) except -1
    cdef int _arrive(self, int kind, Order order, object args, int64_t now) except -1
    cdef int _arrive_submit(self, Order order, _InstrumentPlan plan, int64_t now) except -1
    cdef int _drain(self, _InstrumentPlan plan, object unknown, object update) except -1
    cdef int _drain_one(self, _InstrumentPlan plan, object unknown, object update,
                        const SimEvent *e) except -1
    cdef int _close(self, int64_t num, Order order) except -1
    cdef Money _charge_fee(self, _InstrumentPlan plan, object px_qty, int liquidity,
                           double *exact)
    cdef int _on_fill(self, Order order, _InstrumentPlan plan, int64_t num, const SimEvent *e,
                      object vid) except -1
    cdef uint64_t _take_event_id(self) noexcept
    cpdef _cash_add(self, str code, object raw, int scale)
    cdef int _report(self, int64_t ts_event, type cls, Order order, object vid,
                     tuple args) except -1
    cdef int _post(self, int64_t ts_event, object event) except -1
    cdef int _deliver(self, object event) except -1
    cdef int64_t peek_due_ns(self) except? -1
    cdef object sum_equity_float(self)
    cdef int run_due(self, int64_t now) except -1
    cdef int drain_events_of(self, uint32_t numeric_id) except -1
    # appended: see the layout note above
    cdef object _venue_id(self, int64_t num)
    cdef int64_t _insert_ns, _cancel_ns, _report_ns  # the model's constant delays
    cdef bint _latency_fixed           # a LatencyModel without jitter: no Python call per delay
    cdef int64_t _vid_num
