# Execution engine: orders out through risk to the venue client; venue events back into
# orders, positions, account, portfolio and the strategy.
cimport cython
from libc.stdint cimport int64_t, uint64_t

from hft.kernel.cache cimport Cache
from hft.kernel.clock cimport Clock
from hft.kernel.msgbus cimport MessageBus
from hft.kernel.portfolio cimport Portfolio
from hft.kernel.risk_engine cimport RiskEngine
from hft.model.enums cimport OrderEventKind
from hft.model.events cimport OrderEvent, OrderFilled
from hft.model.identifiers cimport (
    ClientOrderIdGenerator, InstrumentId, PositionId, StrategyId, TraderId,
)
from hft.model.instruments cimport Instrument
from hft.model.position cimport Position
from hft.model.orders cimport Order


@cython.final
cdef class _Handlers:
    cdef object strategy
    cdef object on_order_event, on_fill, on_position_changed   # bound, or None: not overridden


cdef class WireFirstClient:
    # Base of an ExecutionClient that writes a new order before the node books it, called in
    # C (hft.kernel.clients, "Wire first"); `send_new` / `after_submit` wrap these for Python.
    # wire_send: write the order if the client's checks pass; return a status, emit nothing.
    cdef int wire_send(self, Order order) except -1
    # wire_after: the order is cached and SUBMITTED: book it, or reject / hold it per status.
    cdef int wire_after(self, Order order, int status) except -1


@cython.final
cdef class _Client:
    cdef object client
    cdef object submit_order, cancel_order                     # bound methods
    cdef object send_new, after_submit                         # wire first, or None
    cdef WireFirstClient wire                                  # the same pair in C, or None


cdef class ExecutionEngine:
    cdef readonly Clock clock
    cdef readonly Cache cache
    cdef readonly Portfolio portfolio
    cdef readonly RiskEngine risk
    cdef readonly MessageBus msgbus
    cdef readonly TraderId trader_id
    cdef dict _clients              # venue name -> ExecutionClient
    cdef dict _client_entries       # venue name -> _Client
    cdef object _client_iid         # the last order's InstrumentId, and its _Client
    cdef _Client _client_last
    cdef dict _strategies           # StrategyId -> _Handlers (the strategy gets the callbacks)
    cdef dict _generators           # StrategyId -> ClientOrderIdGenerator
    cdef dict _position_counts      # InstrumentId -> {StrategyId: [id prefix, positions opened]}
    cdef object _log
    cdef uint64_t _next_event_id
    cdef readonly int64_t orders_submitted
    cdef readonly int64_t orders_denied
    cdef readonly int64_t modifies_denied   # amends refused by the risk check
    cdef readonly int64_t events_processed
    cdef readonly int64_t events_dropped

    cpdef bint submit_order(self, Order order) except -1
    cpdef void cancel_order(self, Order order) except *
    cpdef bint process_event(self, OrderEvent event) except -1
    cdef uint64_t _event_id(self) noexcept
    cdef Position _new_position(self, Instrument ins, StrategyId sid)
    cdef void _deny(self, Order order, str reason) except *
    cdef void _refuse(self, Order order, type cls, OrderEventKind kind, str reason,
                      str what) except *
    cdef list _apply_fill(self, Order order, OrderFilled fill)
    cdef void _apply_account(self, object account, Instrument ins, Position pos,
                             OrderFilled fill, object realized) except *
    cdef PositionId _position_id(self, InstrumentId iid, StrategyId sid)
    cdef void _dispatch(self, _Handlers handlers, OrderEvent event, list positions) except *
    cdef _Client _client_for(self, InstrumentId iid)
    cdef bint _submit_wire_first(self, Order order, _Client client) except -1
    cdef int _mark_submitted(self, Order order) except -1
