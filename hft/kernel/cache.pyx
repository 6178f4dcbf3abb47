"""Keep the node's state: instruments, last market data, orders, positions, accounts.

The cache is what `strategy.cache` shows. Every index is maintained on the change that
affects it, so a query costs what it returns, never a scan of history:

- orders by client order id (open ones, plus the most recent `max_closed_orders` closed);
- open orders by strategy and by instrument (insertion order = submission order);
- open positions by (instrument, strategy); closed ones in a bounded deque;
- counters (`orders_total`, `orders_closed`, `positions_opened`, `positions_closed`) keep the
  totals once the deques have forgotten the details.

The engines write; strategies read. `update_order(order)` must be called after every event
applied to an order (the ExecutionEngine does it).
"""

from collections import deque

from hft.model.data cimport Bar, BarType, QuoteTick, TradeTick
from hft.model.identifiers cimport ClientOrderId, InstrumentId, StrategyId
from hft.model.instruments cimport Instrument
from hft.model.enums cimport (
    ORDER_STATUS_CANCELED, ORDER_STATUS_DENIED, ORDER_STATUS_EXPIRED, ORDER_STATUS_FILLED,
    ORDER_STATUS_REJECTED,
)
from hft.model.orders cimport Order
from hft.model.position cimport Position

__all__ = ["Cache"]


cdef class Cache:
    """Hold instruments, last quotes/trades/bars, books, orders, positions and accounts.

    Parameters
    ----------
    max_closed_orders:
        How many closed orders stay findable by id (oldest forgotten first); >= 0.
    max_closed_positions:
        How many closed positions are kept for `positions_closed_recent()`; >= 0.
    """

    def __init__(self, Py_ssize_t max_closed_orders=10_000, Py_ssize_t max_closed_positions=1_000):
        if max_closed_orders < 0:
            raise ValueError(f"Cache: max_closed_orders must be >= 0, got {max_closed_orders}")
        if max_closed_positions < 0:
            raise ValueError(f"Cache: max_closed_positions must be >= 0, got {max_closed_positions}")
        self.max_closed_orders = max_closed_orders
        self.max_closed_positions = max_closed_positions
        self._instruments = {}
        self._quotes = {}
        self._trades = {}
        self._bars = {}
        self._books = {}
        self._orders = {}
        self._open = {}
        self._open_by_strategy = {}
        self._open_by_instrument = {}
        self._closed = deque()
        self._positions = {}
        self._closed_positions = deque(maxlen=max_closed_positions)
        self._accounts = {}

    # -- instruments ----------------------------------------------------------------------

    def add_instrument(self, Instrument instrument not None) -> None:
        """Add or replace an instrument."""
        self._instruments[instrument.id] = instrument

    def instrument(self, InstrumentId instrument_id not None) -> Instrument | None:
        """Return the instrument with this id, or None."""
        return self._instruments.get(instrument_id)

    def instruments(self) -> list:
        """Return every instrument, in the order added."""
        return list(self._instruments.values())

    # -- market data ----------------------------------------------------------------------

    def add_quote(self, QuoteTick quote not None) -> None:
        """Store the last quote of its instrument."""
        self.set_quote(quote)

    def add_trade(self, TradeTick trade not None) -> None:
        """Store the last trade of its instrument."""
        self.set_trade(trade)

    def add_bar(self, Bar bar not None) -> None:
        """Store the last bar of its bar type."""
        self.set_bar(bar)

    def quote(self, InstrumentId instrument_id not None) -> QuoteTick | None:
        """Return the last quote of an instrument, or None."""
        return self.last_quote(instrument_id)

    def trade(self, InstrumentId instrument_id not None) -> TradeTick | None:
        """Return the last trade of an instrument, or None."""
        return self.last_trade(instrument_id)

    def bar(self, BarType bar_type not None) -> Bar | None:
        """Return the last bar of a bar type, or None."""
        return self._bars.get(bar_type)

    def add_book(self, InstrumentId instrument_id not None, book) -> None:
        """Store the order book of an instrument."""
        self._books[instrument_id] = book

    def book(self, InstrumentId instrument_id not None):
        """Return the order book of an instrument, or None."""
        return self._books.get(instrument_id)

    def price(self, InstrumentId instrument_id not None) -> float | None:
        """Return the mark price: the last quote's mid, else the last trade price, else None."""
        cdef QuoteTick q = self.last_quote(instrument_id)
        cdef TradeTick t
        if q is not None:
            return (q.bid_raw + q.ask_raw) * 0.5 / 10.0 ** q.price_precision
        t = self.last_trade(instrument_id)
        if t is not None:
            return t.price_raw / 10.0 ** t.price_precision
        return None

    # -- orders ---------------------------------------------------------------------------

    cpdef void add_order(self, Order order) except *:
        """Add a new order (any status); ValueError when its client order id is known."""
        if order is None:
            raise TypeError("Cache.add_order: order must not be None")
        cdef ClientOrderId coid = order.client_order_id
        if self._orders.setdefault(coid, order) is not order:
            raise ValueError(f"Cache.add_order: client order id {coid} is already used")
        self.orders_total += 1
        if _is_closed(order):
            self._remember_closed(order)
            return
        self._open[coid] = order
        _index_add(self._open_by_strategy, order.strategy_id, coid, order)
        _index_add(self._open_by_instrument, order.instrument_id, coid, order)

    cpdef void update_order(self, Order order) except *:
        """Re-index an order after an event was applied: a closed order leaves the open indexes."""
        cdef ClientOrderId coid = order.client_order_id
        if not _is_closed(order) or self._open.pop(coid, None) is None:
            return
        _index_remove(self._open_by_strategy, order.strategy_id, coid)
        _index_remove(self._open_by_instrument, order.instrument_id, coid)
        self._remember_closed(order)

    cdef void _remember_closed(self, Order order) except *:
        self.orders_closed += 1
        self._closed.append(order)
        cdef Order old
        while len(self._closed) > self.max_closed_orders:
            old = self._closed.popleft()
            self._orders.pop(old.client_order_id, None)

    def order(self, ClientOrderId client_order_id not None) -> Order | None:
        """Return an open or recently closed order by its client order id, or None."""
        return self._orders.get(client_order_id)

    def orders_open(self, StrategyId strategy_id=None, InstrumentId instrument_id=None) -> list:
        """Return open orders, optionally of one strategy and/or instrument, oldest first."""
        cdef dict found
        if strategy_id is None and instrument_id is None:
            return list(self._open.values())
        if strategy_id is None:
            found = self._open_by_instrument.get(instrument_id)
            return list(found.values()) if found else []
        found = self._open_by_strategy.get(strategy_id)
        if not found:
            return []
        if instrument_id is None:
            return list(found.values())
        return [o for o in found.values() if (<Order>o).instrument_id == instrument_id]

    def orders_open_count(self, StrategyId strategy_id=None, InstrumentId instrument_id=None) -> int:
        """Return how many orders are open (optionally of one strategy and/or instrument)."""
        cdef dict found
        if strategy_id is None and instrument_id is None:
            return len(self._open)
        if instrument_id is None:
            found = self._open_by_strategy.get(strategy_id)
            return len(found) if found else 0
        if strategy_id is None:
            found = self._open_by_instrument.get(instrument_id)
            return len(found) if found else 0
        return len(self.orders_open(strategy_id, instrument_id))

    def orders_closed_recent(self) -> list:
        """Return the most recently closed orders still remembered, oldest first."""
        return list(self._closed)

    def is_order_open(self, ClientOrderId client_order_id not None) -> bool:
        """Return True when the order is open."""
        return client_order_id in self._open

    # -- positions ------------------------------------------------------------------------

    cpdef void set_position(self, Position position) except *:
        """Store a position: open ones by (instrument, strategy); a closed one leaves that index."""
        if position is None:
            raise TypeError("Cache.set_position: position must not be None")
        cdef object by_strategy = self._positions.get(position.instrument_id)
        if by_strategy is None:
            by_strategy = self._positions[position.instrument_id] = {}
        cdef object sid = position.strategy_id
        if position.fill_count > 0 and position.signed_qty_raw == 0:
            if (<dict>by_strategy).get(sid) is position:
                del (<dict>by_strategy)[sid]
            self._closed_positions.append(position)
            self.positions_closed += 1
        elif (<dict>by_strategy).get(sid) is not position:
            (<dict>by_strategy)[sid] = position
            self.positions_opened += 1

    cpdef Position position_for(self, InstrumentId instrument_id, StrategyId strategy_id):
        """Return the open position of a strategy in an instrument, or None."""
        cdef object by_strategy = self._positions.get(instrument_id)
        return None if by_strategy is None else (<dict>by_strategy).get(strategy_id)

    def position(self, InstrumentId instrument_id not None, StrategyId strategy_id not None):
        """Return the open position of a strategy in an instrument, or None."""
        return self.position_for(instrument_id, strategy_id)

    def positions_open(self, StrategyId strategy_id=None, InstrumentId instrument_id=None) -> list:
        """Return open positions, optionally of one strategy and/or instrument."""
        cdef list out = []
        for iid, by_strategy in self._positions.items():
            if instrument_id is not None and iid != instrument_id:
                continue
            for sid, pos in (<dict>by_strategy).items():
                if strategy_id is None or sid == strategy_id:
                    out.append(pos)
        return out

    def positions_closed_recent(self) -> list:
        """Return the most recently closed positions still remembered, oldest first."""
        return list(self._closed_positions)

    # -- accounts -------------------------------------------------------------------------

    def add_account(self, str venue not None, account) -> None:
        """Store the account held at a venue."""
        self._accounts[venue] = account

    def account(self, str venue not None):
        """Return the account held at a venue, or None."""
        return self._accounts.get(venue)

    def accounts(self) -> list:
        """Return every account."""
        return list(self._accounts.values())


cdef inline bint _is_closed(Order order) noexcept:
    cdef int s = order._status
    return (s == ORDER_STATUS_DENIED or s == ORDER_STATUS_REJECTED or s == ORDER_STATUS_CANCELED
            or s == ORDER_STATUS_EXPIRED or s == ORDER_STATUS_FILLED)


cdef inline void _index_add(dict index, object key, ClientOrderId coid, Order order) except *:
    cdef object bucket = index.get(key)
    if bucket is None:
        index[key] = {coid: order}
    else:
        (<dict>bucket)[coid] = order


cdef inline void _index_remove(dict index, object key, ClientOrderId coid) except *:
    # an emptied bucket stays: one per strategy / instrument ever traded, not per order, and
    # the next order of the same key reuses it instead of building a new dict
    cdef object bucket = index.get(key)
    if bucket is not None:
        (<dict>bucket).pop(coid, None)
