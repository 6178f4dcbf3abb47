# The node's memory: instruments, last market data, orders with open indexes, positions,
# accounts. Open indexes are kept up to date on every state change (never scan history);
# closed orders and positions live only in bounded recent deques plus counters.
cimport cython
from libc.stdint cimport int64_t

from hft.model.data cimport Bar, BarType, QuoteTick, TradeTick
from hft.model.identifiers cimport ClientOrderId, InstrumentId, StrategyId
from hft.model.instruments cimport Instrument
from hft.model.orders cimport Order
from hft.model.position cimport Position


@cython.final
cdef class Latest:
    # One instrument's last quote (or trade): the data engine keeps a reference to the slot
    # and writes `value` without a dict operation per tick.
    cdef object value               # QuoteTick / TradeTick, or None before the first


cdef inline Latest latest_slot(dict slots, InstrumentId instrument_id):
    # the instrument's Latest in slots (Cache._quotes / _trades), made on first use
    cdef object slot = slots.get(instrument_id)
    if slot is None:
        slot = Latest.__new__(Latest)
        slots[instrument_id] = slot
    return <Latest>slot


cdef class Cache:
    cdef dict _instruments          # InstrumentId -> Instrument
    cdef dict _quotes               # InstrumentId -> Latest (of QuoteTick)
    cdef dict _trades               # InstrumentId -> Latest (of TradeTick)
    cdef dict _bars                 # BarType -> Bar (last)
    cdef dict _books                # InstrumentId -> OrderBook
    cdef dict _orders               # ClientOrderId -> Order: open ones and the recent closed
    cdef dict _open                 # ClientOrderId -> Order, open only
    cdef dict _open_by_strategy     # StrategyId -> {ClientOrderId: Order}
    cdef dict _open_by_instrument   # InstrumentId -> {ClientOrderId: Order}
    cdef object _closed             # deque of closed orders, bounded
    cdef dict _positions            # InstrumentId -> {StrategyId: Position}, open only
    cdef object _closed_positions   # deque of closed positions, bounded
    cdef dict _accounts             # venue name -> account
    cdef readonly Py_ssize_t max_closed_orders
    cdef readonly Py_ssize_t max_closed_positions
    cdef readonly int64_t orders_total
    cdef readonly int64_t orders_closed
    cdef readonly int64_t positions_opened
    cdef readonly int64_t positions_closed

    cdef inline int set_quote(self, QuoteTick quote) except -1:
        latest_slot(self._quotes, quote.instrument_id).value = quote
        return 0
    cdef inline int set_trade(self, TradeTick trade) except -1:
        latest_slot(self._trades, trade.instrument_id).value = trade
        return 0
    cdef inline void set_bar(self, Bar bar) noexcept:
        self._bars[bar.bar_type] = bar
    cdef inline QuoteTick last_quote(self, InstrumentId instrument_id):
        cdef object slot = self._quotes.get(instrument_id)
        return None if slot is None else <QuoteTick>(<Latest>slot).value
    cdef inline TradeTick last_trade(self, InstrumentId instrument_id):
        cdef object slot = self._trades.get(instrument_id)
        return None if slot is None else <TradeTick>(<Latest>slot).value
    cdef inline Order find_order(self, ClientOrderId client_order_id):
        return <Order>self._orders.get(client_order_id)
    cdef inline Instrument find_instrument(self, InstrumentId instrument_id):
        return <Instrument>self._instruments.get(instrument_id)
    cdef inline object find_account(self, str venue):
        return self._accounts.get(venue)

    cpdef void add_order(self, Order order) except *
    cdef void _remember_closed(self, Order order) except *
    cpdef void update_order(self, Order order) except *
    cpdef void set_position(self, Position position) except *
    cpdef Position position_for(self, InstrumentId instrument_id, StrategyId strategy_id)
