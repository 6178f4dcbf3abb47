# Data engine: market data in, cache and subscribers out; bars built from ticks.
cimport cython
from libc.stdint cimport int64_t, uint8_t

from hft.core.encoding cimport QuoteRecord

from hft.kernel.cache cimport Cache, Latest
from hft.kernel.clock cimport Clock
from hft.kernel.msgbus cimport MessageBus
from hft.model.data cimport Bar, BarType, BookDelta, QuoteTick, TradeTick
from hft.model.identifiers cimport InstrumentId


cdef class BarAggregator:
    cdef readonly BarType bar_type
    cdef DataEngine engine
    cdef int64_t open_raw, high_raw, low_raw, close_raw, volume_raw
    cdef uint8_t price_precision, size_precision
    cdef readonly int64_t tick_count       # ticks in the bar being built
    cdef readonly int64_t bars_built
    cdef int price_type

    cdef void update(self, int64_t px, int64_t size, uint8_t pp, uint8_t sp, int64_t ts) except *
    cdef void handle_quote(self, QuoteTick quote) except *
    cdef void handle_trade(self, TradeTick trade) except *
    cdef void build(self, int64_t ts_event, int64_t ts_init) except *


cdef class TickBarAggregator(BarAggregator):
    pass


cdef class VolumeBarAggregator(BarAggregator):
    pass


cdef class TimeBarAggregator(BarAggregator):
    cdef readonly int64_t interval_ns
    cdef readonly str timer_name
    cdef readonly bint armed


cdef class DataHandler:
    # A subscriber the engine can call in C: Actor derives from it. A compiled (cdef) subclass
    # overriding these cpdef methods is called through the vtable, with no Python call.
    cpdef void on_quote(self, QuoteTick quote) except *
    cpdef void on_trade(self, TradeTick trade) except *


@cython.final
cdef class CompiledHandler:
    # Stands in a Route's handlers for a compiled DataHandler (see DataHandler.handler_for)
    cdef readonly DataHandler handler


@cython.final
cdef class Route:
    # Where one instrument's quotes (or trades) go: the cache's last-value slot, the bar
    # aggregators fed by them, the subscribed handlers. Made once per instrument and updated
    # in place on (un)subscribe, so a holder of the Route always sees the current set.
    cdef Latest last
    cdef tuple aggregators
    cdef tuple handlers


@cython.final
cdef class DataEngine:
    cdef readonly Clock clock
    cdef readonly Cache cache
    cdef readonly MessageBus msgbus
    cdef dict _quote_handlers        # InstrumentId -> tuple of callables
    cdef dict _trade_handlers        # InstrumentId -> tuple
    cdef dict _bar_handlers          # BarType -> tuple
    cdef dict _book_handlers         # InstrumentId -> tuple
    cdef dict _quote_aggregators     # InstrumentId -> tuple of BarAggregator
    cdef dict _trade_aggregators     # InstrumentId -> tuple of BarAggregator
    cdef dict _aggregators           # BarType -> BarAggregator
    cdef dict _quote_routes          # InstrumentId -> Route (never removed)
    cdef dict _trade_routes          # InstrumentId -> Route (never removed)
    cdef object _quote_iid           # the instrument of the last quote, and its Route:
    cdef Route _quote_route          # a run of one instrument's quotes skips the dict
    cdef object _trade_iid
    cdef Route _trade_route
    cdef dict _topics                # (kind, key) -> topic str
    cdef readonly int64_t quotes_processed
    cdef readonly int64_t trades_processed
    cdef readonly int64_t bars_processed
    cdef readonly int64_t book_deltas_processed

    cpdef void process_quote(self, QuoteTick quote) except *
    cdef int process_quote_record(self, const QuoteRecord *rec, InstrumentId iid) except -1
    cdef int _send_quote(self, Route route, QuoteTick quote) except -1
    cpdef Py_ssize_t process_quotes(self, list quotes) except -1
    cpdef Py_ssize_t process_quote_records(self, const uint8_t[:, ::1] records,
                                           instruments) except -1
    cpdef void process_trade(self, TradeTick trade) except *
    cpdef void process_bar(self, Bar bar) except *
    cpdef void process_book_delta(self, BookDelta delta) except *
    cdef void _publish(self, str kind, object key, object msg) except *
    cdef void _reroute(self, object instrument_id) except *
    cdef Route quote_route(self, InstrumentId instrument_id)
    cdef Route trade_route(self, InstrumentId instrument_id)
