"""Take market data in, keep the cache current, call the subscribers, build bars from ticks.

Per quote (`process_quote`, the hot path; trades the same), through the instrument's
`Route` (made once per instrument, updated in place on subscribe; when the previous quote was
of the same instrument it is reused without a dict lookup):

1. the cache keeps it as the instrument's last quote (written into the cache's slot);
2. bar aggregators fed by this instrument's quotes update (a tick or volume bar may close
   here and reach its subscribers through `process_bar`);
3. each handler subscribed to the instrument is called, in subscription order; handlers are
   bound methods (`strategy.on_quote`) resolved once at subscribe time and kept in a tuple;
4. only when some bus subscription matches `data.quotes.<instrument_id>` is the quote also
   published on the MessageBus (checked against the bus's own topic cache, so the common
   case costs one test).

Bars from ticks (`subscribe_bars` with a BarType the engine must build):

- TICK: a bar every `step` ticks; VOLUME: a bar every `step` units of size (a tick crossing
  the threshold is split: the rest starts the next bar at the same price);
- SECOND / MINUTE / HOUR / DAY: a repeating clock timer on the boundaries (multiples of the
  interval since the epoch, UTC), armed by the first tick. The bar closes at the boundary and its `ts_event` is the
  close time; ticks stamped exactly at a boundary belong to the next bar when the clock is
  advanced to a tick's time before the tick is processed (the backtest loop does). An
  interval without ticks yields no bar;
- price type BID, ASK, MID or LAST (LAST needs trades, the others quotes). Size is the
  bid size, ask size, their mean, or the trade size. MID bars carry one more price digit
  than the instrument (the exact mid), MID volumes one more size digit.

Errors raised by a handler propagate: in a backtest a failing strategy stops the run.
"""

cimport cython
from cpython.object cimport Py_TYPE
from cpython.ref cimport PyObject
from libc.stdint cimport INT64_MAX, INT64_MIN, int64_t, uint8_t

from hft.core.encoding cimport DECODE_OK, QUOTE_SIZE, QuoteRecord, quote_decode
from hft.kernel.cache cimport Cache, Latest, latest_slot
from hft.kernel.clock cimport Clock
from hft.kernel.msgbus cimport MessageBus
from hft.model.data cimport (
    BAR_DAY, BAR_HOUR, BAR_MINUTE, BAR_SECOND, BAR_TICK, BAR_VOLUME, BOOK_CLEAR, BOOK_DELETE,
    PRICE_ASK, PRICE_BID, PRICE_LAST, PRICE_MID, Bar, BarType, BookDelta, QuoteTick, TradeTick,
)
from hft.model.data cimport quote_from_record, quote_refill
from hft.model.identifiers cimport InstrumentId
from hft.model.objects cimport FIXED_MAX_PRECISION, pow10, price_new, quantity_new

from hft.core.book import OrderBook

__all__ = ["DataEngine", "DataHandler", "CompiledHandler", "BarAggregator", "TickBarAggregator",
           "VolumeBarAggregator", "TimeBarAggregator"]

cdef extern from "Python.h":
    Py_ssize_t _refcnt "Py_REFCNT"(PyObject *o)

cdef int64_t NS_SECOND = 1_000_000_000
cdef dict _UNIT_NS = {BAR_SECOND: NS_SECOND, BAR_MINUTE: 60 * NS_SECOND,
                      BAR_HOUR: 3600 * NS_SECOND, BAR_DAY: 86400 * NS_SECOND}


cdef Route _route(dict routes, dict slots, InstrumentId iid):
    # the instrument's Route in routes, made on first use around its cache slot in slots
    cdef object found = routes.get(iid)
    if found is not None:
        return <Route>found
    cdef Route route = Route.__new__(Route)
    route.last = latest_slot(slots, iid)
    route.aggregators = ()
    route.handlers = ()
    routes[iid] = route
    return route


cdef inline tuple _appended(dict table, object key, object item):
    cdef object found = table.get(key)
    cdef tuple out = (item,) if found is None else (<tuple>found) + (item,)
    table[key] = out
    return out


cdef inline bint _removed(dict table, object key, object item) except -1:
    cdef object found = table.get(key)
    if found is None or item not in <tuple>found:
        return False
    cdef list rest = list(<tuple>found)
    rest.remove(item)
    if rest:
        table[key] = tuple(rest)
    else:
        del table[key]
    return True


# -------------------------------------------------------------------------------------------
# Bar aggregation
# -------------------------------------------------------------------------------------------

cdef class BarAggregator:
    """Build bars of one BarType from ticks; subclasses decide when a bar closes."""

    def __init__(self, BarType bar_type not None, DataEngine engine not None):
        self.bar_type = bar_type
        self.engine = engine
        self.price_type = bar_type.price_type

    cdef void update(self, int64_t px, int64_t size, uint8_t pp, uint8_t sp, int64_t ts) except *:
        if self.tick_count == 0:
            self.open_raw = px
            self.high_raw = px
            self.low_raw = px
            self.volume_raw = 0
            self.price_precision = pp
            self.size_precision = sp
        elif px > self.high_raw:
            self.high_raw = px
        elif px < self.low_raw:
            self.low_raw = px
        self.close_raw = px
        self.volume_raw += size
        self.tick_count += 1

    cdef void handle_quote(self, QuoteTick quote) except *:
        cdef int pt = self.price_type
        if pt == PRICE_BID:
            self.update(quote.bid_raw, quote.bid_size_raw, quote.price_precision,
                        quote.size_precision, quote.ts_event)
        elif pt == PRICE_ASK:
            self.update(quote.ask_raw, quote.ask_size_raw, quote.price_precision,
                        quote.size_precision, quote.ts_event)
        else:
            # exact means at one more digit: (a + b) / 2 == (a + b) * 5 / 10
            self.update((quote.bid_raw + quote.ask_raw) * 5,
                        (quote.bid_size_raw + quote.ask_size_raw) * 5,
                        quote.price_precision + 1, quote.size_precision + 1, quote.ts_event)

    cdef void handle_trade(self, TradeTick trade) except *:
        self.update(trade.price_raw, trade.size_raw, trade.price_precision, trade.size_precision,
                    trade.ts_event)

    cdef void build(self, int64_t ts_event, int64_t ts_init) except *:
        cdef uint8_t pp = self.price_precision
        cdef Bar bar = Bar(self.bar_type, price_new(self.open_raw, pp),
                           price_new(self.high_raw, pp), price_new(self.low_raw, pp),
                           price_new(self.close_raw, pp),
                           quantity_new(self.volume_raw, self.size_precision), ts_event, ts_init)
        self.tick_count = 0
        self.volume_raw = 0
        self.bars_built += 1
        self.engine.process_bar(bar)

    def stop(self) -> None:
        """Stop building (time bars cancel their timer)."""


cdef class TickBarAggregator(BarAggregator):
    """Close a bar every `step` ticks; ts_event is the last tick's."""

    cdef void update(self, int64_t px, int64_t size, uint8_t pp, uint8_t sp, int64_t ts) except *:
        BarAggregator.update(self, px, size, pp, sp, ts)
        if self.tick_count >= self.bar_type.step:
            self.build(ts, self.engine.clock.now_ns())


cdef class VolumeBarAggregator(BarAggregator):
    """Close a bar each time `step` units of size traded; split the tick that crosses it."""

    cdef void update(self, int64_t px, int64_t size, uint8_t pp, uint8_t sp, int64_t ts) except *:
        if sp > FIXED_MAX_PRECISION:
            raise ValueError(f"{self.bar_type}: size precision {sp} is above 18")
        cdef int64_t threshold = self.bar_type.step * pow10(sp)
        cdef int64_t take
        while True:
            take = threshold - (self.volume_raw if self.tick_count > 0 else 0)
            if size < take:
                take = size
            BarAggregator.update(self, px, take, pp, sp, ts)
            size -= take
            if self.volume_raw >= threshold:
                self.build(ts, self.engine.clock.now_ns())
            if size <= 0:
                break


cdef class TimeBarAggregator(BarAggregator):
    """Close a bar at every multiple of the interval on the clock (a repeating timer)."""

    def __init__(self, BarType bar_type not None, DataEngine engine not None):
        BarAggregator.__init__(self, bar_type, engine)
        unit = _UNIT_NS.get(bar_type.aggregation)
        if unit is None:
            raise ValueError(f"TimeBarAggregator: {bar_type} is not a time bar type")
        self.interval_ns = bar_type.step * <int64_t>unit
        self.timer_name = f"bars.{bar_type}"

    cdef void update(self, int64_t px, int64_t size, uint8_t pp, uint8_t sp, int64_t ts) except *:
        cdef int64_t now, start
        if not self.armed:
            # Armed by the first tick, not at subscribe time: a backtest clock still at 0 when
            # strategies start would otherwise fire one empty interval per step since 1970.
            # Start on the boundary at or before now: the first bar closes at the next one.
            now = self.engine.clock.now_ns()
            start = (now // self.interval_ns) * self.interval_ns
            self.engine.clock.set_timer(self.timer_name, self.interval_ns, start_ns=start,
                                        callback=self._on_timer)
            self.armed = True
        BarAggregator.update(self, px, size, pp, sp, ts)

    def _on_timer(self, event) -> None:
        if self.tick_count > 0:
            self.build(event.ts_event, event.ts_init)

    def stop(self) -> None:
        """Cancel the timer; the bar being built is dropped."""
        if self.armed:
            self.engine.clock.cancel_timer(self.timer_name)
            self.armed = False


# -------------------------------------------------------------------------------------------
# Subscribers called in C
# -------------------------------------------------------------------------------------------

cdef unsigned long _HEAPTYPE = 1UL << 9  # Py_TPFLAGS_HEAPTYPE: a class defined in Python


cdef class DataHandler:
    """Receive market data; the base of Actor. Override the handlers (in Python or in Cython).

    A class compiled with Cython that overrides `on_quote` / `on_trade` as
    `cpdef void on_quote(self, QuoteTick quote) except *` is called by the data engine in C
    (`handler_for`); a Python class is called through its bound method.
    """

    cpdef void on_quote(self, QuoteTick quote) except *:
        """Handle one QuoteTick (override)."""

    cpdef void on_trade(self, TradeTick trade) except *:
        """Handle one TradeTick (override)."""

    def handler_for(self, str kind not None):
        """Return what to subscribe for kind ("quote" or "trade"): a CompiledHandler for a
        compiled class (a C call per tick), else the bound method."""
        if kind not in ("quote", "trade"):
            raise ValueError(f"handler_for: kind {kind!r}, expected 'quote' or 'trade'")
        if Py_TYPE(self).tp_flags & _HEAPTYPE:
            return getattr(self, "on_" + kind)
        cdef CompiledHandler h = CompiledHandler.__new__(CompiledHandler)
        h.handler = self
        return h


@cython.final
cdef class CompiledHandler:
    """Call a compiled DataHandler's on_quote / on_trade in C; equal to its bound methods.

    Equality with `handler.on_quote` / `handler.on_trade` lets code that knows only the bound
    method (unsubscribe, the live runner's handler timing) find the subscription.
    """

    def __eq__(self, other):
        if isinstance(other, CompiledHandler):
            return (<CompiledHandler>other).handler is self.handler
        return (getattr(other, "__self__", None) is self.handler
                and getattr(other, "__name__", None) in ("on_quote", "on_trade"))

    def __hash__(self):
        return hash(self.handler)

    def __call__(self, data):
        """Call the handler's on_quote or on_trade, whichever fits data."""
        if isinstance(data, QuoteTick):
            self.handler.on_quote(<QuoteTick>data)
        else:
            self.handler.on_trade(<TradeTick?>data)

    def __repr__(self) -> str:
        return f"CompiledHandler({self.handler!r})"


# -------------------------------------------------------------------------------------------
# The engine
# -------------------------------------------------------------------------------------------

@cython.final
cdef class DataEngine:
    """Feed market data to the cache, bar aggregators, subscribers and the bus.

    Parameters
    ----------
    clock, cache:
        The node's clock (time bars, ts_init of built bars) and cache.
    msgbus:
        Optional: data is published on `data.quotes.<id>`, `data.trades.<id>`,
        `data.bars.<bar type>`, `data.book.<id>` when a bus subscription matches.
    """

    def __init__(self, Clock clock not None, Cache cache not None, MessageBus msgbus=None):
        self.clock = clock
        self.cache = cache
        self.msgbus = msgbus
        self._quote_handlers = {}
        self._trade_handlers = {}
        self._bar_handlers = {}
        self._book_handlers = {}
        self._quote_aggregators = {}
        self._trade_aggregators = {}
        self._aggregators = {}
        self._quote_routes = {}
        self._trade_routes = {}
        self._topics = {}

    cdef void _reroute(self, object iid) except *:
        # update the instrument's Routes in place from the subscription tables
        cdef Route route = self.quote_route(iid)
        route.aggregators = self._quote_aggregators.get(iid, ())
        route.handlers = self._quote_handlers.get(iid, ())
        route = self.trade_route(iid)
        route.aggregators = self._trade_aggregators.get(iid, ())
        route.handlers = self._trade_handlers.get(iid, ())

    cdef Route quote_route(self, InstrumentId iid):
        """Return the instrument's quote Route (made on first use; remembered as the last)."""
        cdef Route route = _route(self._quote_routes, self.cache._quotes, iid)
        self._quote_iid = iid
        self._quote_route = route
        return route

    cdef Route trade_route(self, InstrumentId iid):
        """Return the instrument's trade Route (made on first use; remembered as the last)."""
        cdef Route route = _route(self._trade_routes, self.cache._trades, iid)
        self._trade_iid = iid
        self._trade_route = route
        return route

    # -- subscriptions --------------------------------------------------------------------

    def subscribe_quotes(self, instrument_id, handler) -> None:
        """Call handler(quote) for every quote of the instrument, after those subscribed earlier."""
        _appended(self._quote_handlers, instrument_id, handler)
        self._reroute(instrument_id)

    def unsubscribe_quotes(self, instrument_id, handler) -> bool:
        """Stop calling handler for the instrument's quotes; return False if it was not subscribed."""
        found = _removed(self._quote_handlers, instrument_id, handler)
        self._reroute(instrument_id)
        return found

    def subscribe_trades(self, instrument_id, handler) -> None:
        """Call handler(trade) for every trade of the instrument."""
        _appended(self._trade_handlers, instrument_id, handler)
        self._reroute(instrument_id)

    def unsubscribe_trades(self, instrument_id, handler) -> bool:
        """Stop calling handler for the instrument's trades."""
        found = _removed(self._trade_handlers, instrument_id, handler)
        self._reroute(instrument_id)
        return found

    def subscribe_book(self, instrument_id, handler) -> None:
        """Call handler(book) after every book delta of the instrument (the cache's OrderBook)."""
        _appended(self._book_handlers, instrument_id, handler)

    def unsubscribe_book(self, instrument_id, handler) -> bool:
        """Stop calling handler for the instrument's book."""
        return _removed(self._book_handlers, instrument_id, handler)

    def subscribe_bars(self, BarType bar_type not None, handler, bint build=True) -> None:
        """Call handler(bar) for each bar of bar_type; with build, make the bars from ticks.

        build=False expects the bars from outside (`process_bar`, e.g. a bar file).
        """
        _appended(self._bar_handlers, bar_type, handler)
        if build and bar_type not in self._aggregators:
            self._aggregators[bar_type] = agg = self._make_aggregator(bar_type)
            iid = bar_type.instrument_id
            if bar_type.price_type == PRICE_LAST:
                _appended(self._trade_aggregators, iid, agg)
            else:
                _appended(self._quote_aggregators, iid, agg)
            self._reroute(iid)

    def unsubscribe_bars(self, BarType bar_type not None, handler) -> bool:
        """Stop calling handler; the aggregator stops when its last subscriber leaves."""
        cdef bint found = _removed(self._bar_handlers, bar_type, handler)
        if found and bar_type not in self._bar_handlers and bar_type in self._aggregators:
            agg = self._aggregators.pop(bar_type)
            agg.stop()
            table = self._trade_aggregators if bar_type.price_type == PRICE_LAST \
                else self._quote_aggregators
            _removed(table, bar_type.instrument_id, agg)
            self._reroute(bar_type.instrument_id)
        return found

    def _make_aggregator(self, BarType bar_type):
        agg = bar_type.aggregation
        if agg == BAR_TICK:
            return TickBarAggregator(bar_type, self)
        if agg == BAR_VOLUME:
            return VolumeBarAggregator(bar_type, self)
        return TimeBarAggregator(bar_type, self)

    def aggregator(self, BarType bar_type not None) -> BarAggregator | None:
        """Return the aggregator building bar_type, or None."""
        return self._aggregators.get(bar_type)

    # -- entry points ---------------------------------------------------------------------

    cpdef void process_quote(self, QuoteTick quote) except *:
        """Take one quote: cache, bar aggregators, subscribers, then the bus if listened to."""
        cdef object iid = quote.instrument_id
        cdef Route route = (self._quote_route if iid is self._quote_iid
                            else self.quote_route(quote.instrument_id))
        route.last.value = quote
        self._send_quote(route, quote)

    cdef int _send_quote(self, Route route, QuoteTick quote) except -1:
        # the quote is in the cache: count it, then aggregators, subscribers and the bus
        self.quotes_processed += 1
        for agg in route.aggregators:
            (<BarAggregator>agg).handle_quote(quote)
        for handler in route.handlers:
            if type(handler) is CompiledHandler:
                (<CompiledHandler>handler).handler.on_quote(quote)
            else:
                handler(quote)
        if self.msgbus is not None and self.msgbus._subs:
            self._publish("data.quotes.", quote.instrument_id, quote)
        return 0

    cdef int process_quote_record(self, const QuoteRecord *rec, InstrumentId iid) except -1:
        """Take one quote as a checked core record: process_quote without a new QuoteTick when
        the instrument's last one is referenced by nobody but the cache.

        A QuoteTick is a value: when the cache's slot holds the only reference to the last
        quote (no strategy, bar or bus subscriber kept it), that object is refilled in place
        instead of freeing it and allocating the next one. Whoever keeps a quote keeps an
        object nobody else changes.
        """
        cdef Route route = self._quote_route if iid is self._quote_iid else self.quote_route(iid)
        cdef PyObject *last = <PyObject *>route.last.value
        cdef QuoteTick quote
        if last != NULL and last != <PyObject *>None and _refcnt(last) == 1:
            quote = <QuoteTick>last
            quote_refill(quote, rec, iid)
        else:
            quote = quote_from_record(rec, iid)
            route.last.value = quote
        return self._send_quote(route, quote)

    cpdef Py_ssize_t process_quotes(self, list quotes) except -1:
        """Process a list of quotes in order (a compiled loop); return how many."""
        cdef object q
        for q in quotes:
            self.process_quote(<QuoteTick?>q)
        return len(quotes)

    cpdef Py_ssize_t process_quote_records(self, const uint8_t[:, ::1] records,
                                           instruments) except -1:
        """Decode each 64-byte quote record and process it (a compiled loop); return how many.

        `instruments` maps a record's numeric instrument id to its InstrumentId (a dict, an
        InstrumentRegistry, or one InstrumentId for every record). A record whose id is not
        there, or that fails its check, is skipped: the return value counts only the quotes
        processed, so `len(records) - returned` were dropped. Handler errors propagate.
        """
        if records.shape[0] and records.shape[1] != QUOTE_SIZE:
            raise ValueError(f"process_quote_records: rows of {records.shape[1]} bytes, "
                             f"expected {QUOTE_SIZE}")
        cdef QuoteRecord rec
        cdef Py_ssize_t i, done = 0
        cdef int64_t last_id = -1
        cdef object iid = None
        cdef bint single = isinstance(instruments, InstrumentId)
        cdef bint is_dict = type(instruments) is dict
        if single:
            iid = instruments
        for i in range(records.shape[0]):
            if quote_decode(&records[i, 0], QUOTE_SIZE, &rec) != DECODE_OK:
                continue
            if not single and rec.instrument_id != last_id:
                # one lookup per run of the same instrument; ids come as Python ints
                if is_dict:
                    iid = (<dict>instruments).get(rec.instrument_id)
                else:
                    try:
                        iid = instruments[rec.instrument_id]
                    except (KeyError, IndexError):
                        iid = None
                if not isinstance(iid, InstrumentId):
                    last_id = -1
                    continue
                last_id = rec.instrument_id
            self.process_quote(quote_from_record(&rec, <InstrumentId>iid))
            done += 1
        return done

    cpdef void process_trade(self, TradeTick trade) except *:
        """Take one trade: cache, bar aggregators, subscribers, then the bus if listened to."""
        cdef object iid = trade.instrument_id
        cdef Route route = (self._trade_route if iid is self._trade_iid
                            else self.trade_route(trade.instrument_id))
        self.trades_processed += 1
        route.last.value = trade
        for agg in route.aggregators:
            (<BarAggregator>agg).handle_trade(trade)
        for handler in route.handlers:
            if type(handler) is CompiledHandler:
                (<CompiledHandler>handler).handler.on_trade(trade)
            else:
                handler(trade)
        if self.msgbus is not None and self.msgbus._subs:
            self._publish("data.trades.", iid, trade)

    cpdef void process_bar(self, Bar bar) except *:
        """Take one bar (built here or from outside): cache, subscribers, bus."""
        cdef object bar_type = bar.bar_type
        self.bars_processed += 1
        self.cache._bars[bar_type] = bar
        cdef object found = self._bar_handlers.get(bar_type)
        if found is not None:
            for handler in <tuple>found:
                handler(bar)
        if self.msgbus is not None and self.msgbus._subs:
            self._publish("data.bars.", bar_type, bar)

    cpdef void process_book_delta(self, BookDelta delta) except *:
        """Apply one delta to the instrument's cached OrderBook, then call book subscribers."""
        cdef object iid = delta.instrument_id
        self.book_deltas_processed += 1
        book = self.cache._books.get(iid)
        if book is None:
            book = OrderBook(delta.price_precision, delta.size_precision)
            self.cache._books[iid] = book
        if delta.action == BOOK_CLEAR:
            book.clear(delta.side)  # SIDE_NONE clears both sides, BUY/SELL only that one
        else:
            book.update(delta.side, delta.price_raw,
                        0 if delta.action == BOOK_DELETE else delta.size_raw)
        cdef object found = self._book_handlers.get(iid)
        if found is not None:
            for handler in <tuple>found:
                handler(book)
        if self.msgbus is not None and self.msgbus._subs:
            self._publish("data.book.", iid, delta)

    def process_book_snapshot(self, snapshot) -> None:
        """Replace the instrument's book with a snapshot, then call book subscribers."""
        iid = snapshot.instrument_id
        bids, asks = snapshot.bids, snapshot.asks
        levels = bids + asks
        instrument = self.cache.instrument(iid)
        # an empty snapshot still gets the instrument's precisions; finer levels widen them
        pp = max([p.precision for p, _ in levels]
                 + ([instrument.price_precision] if instrument is not None else []), default=0)
        sp = max([q.precision for _, q in levels]
                 + ([instrument.size_precision] if instrument is not None else []), default=0)
        book = self.cache._books.get(iid)
        if book is None or book.price_precision != pp or book.size_precision != sp:
            book = OrderBook(pp, sp)
            self.cache._books[iid] = book
        book.clear()
        for side, rows in ((1, bids), (2, asks)):
            for p, q in rows:
                book.update(side, p.raw * 10 ** (pp - p.precision), q.raw * 10 ** (sp - q.precision))
        for handler in self._book_handlers.get(iid, ()):
            handler(book)
        if self.msgbus is not None and self.msgbus._subs:
            self._publish("data.book.", iid, snapshot)

    cdef void _publish(self, str kind, object key, object msg) except *:
        cdef object topic = self._topics.get((kind, key))
        if topic is None:
            topic = kind + str(key)
            self._topics[(kind, key)] = topic
        cdef MessageBus bus = self.msgbus
        cdef object handlers = bus._cache.get(topic)
        if handlers is None:
            handlers = bus.resolve(topic)
        if handlers:
            bus.publish(topic, msg)
