"""Actor and Strategy: the classes a strategy author subclasses.

    class EmaCrossConfig(StrategyConfig):
        instrument_id: str = "EUR/USD.SIM"
        fast: int = 10

    class EmaCross(Strategy):
        config_type = EmaCrossConfig          # or: def __init__(self, config: EmaCrossConfig)

        def on_start(self):
            self.subscribe_quotes(self.config.instrument_id)

        def on_quote(self, quote):
            if ...:
                self.buy(self.config.instrument_id, "1000")

        def on_fill(self, fill):
            self.log.info("filled", qty=str(fill.last_qty))

The node builds the strategy with its config (`cls(config)`), registers it (clock, cache,
portfolio, engines) and calls `start()`; from then on market data arrives in `on_quote`,
`on_trade`, `on_bar`, `on_book`, timers in `on_timer`, and order outcomes in
`on_order_event` (every event), `on_fill` and `on_position_changed`. Nothing the kernel does
raises into a handler: a risk denial is an `OrderDenied` event.

A handler is resolved once, when subscribing (`self.on_quote` as a bound method), so define
the handlers on the class, not on the instance after subscribing. A strategy written as a
cdef class in a .pyx subclasses `Strategy` the same way and overrides the market-data
handlers as `cpdef void on_quote(self, QuoteTick quote) except *` (and `on_trade`): the data
engine then calls them in C, with no Python call per tick.

An `Actor` has everything but the order helpers: use it for components that only watch
(recorders, signal publishers).
"""

from hft.core.encoding cimport (
    ORDER_TYPE_LIMIT, ORDER_TYPE_MARKET, ORDER_TYPE_STOP_LIMIT, ORDER_TYPE_STOP_MARKET,
    SIDE_BUY, SIDE_SELL, TIF_GTC,
)
from hft.kernel.cache cimport Cache
from hft.kernel.clock cimport Clock
from hft.kernel.data_engine cimport DataEngine
from hft.kernel.execution_engine cimport ExecutionEngine
from hft.kernel.msgbus cimport MessageBus
from hft.kernel.portfolio cimport Portfolio
from hft.model.data cimport BarType
from hft.model.identifiers cimport (
    COID_COUNT_BITS, ClientOrderId, ClientOrderIdGenerator, InstrumentId, StrategyId, TraderId,
)
from hft.model.instruments cimport Instrument
from hft.model.objects cimport Price, Quantity, quantity_new
from libc.stdint cimport int64_t
from hft.model.orders cimport Order, order_new
from hft.model.position cimport Position

from hft.kernel.config import StrategyConfig
from hft.kernel.logging import get_logger

__all__ = ["Actor", "Strategy"]


cdef dict _PARSED_IDS = {}   # instrument id text -> InstrumentId (parsing costs ~1.4 us)
cdef Py_ssize_t _PARSED_IDS_MAX = 10_000


cdef InstrumentId _iid(object value):
    if isinstance(value, InstrumentId):
        return <InstrumentId>value
    if isinstance(value, str):
        # strategies often pass the config's text on every order: parse each text once
        found = _PARSED_IDS.get(value)
        if found is not None:
            return <InstrumentId>found
        parsed = InstrumentId(value)
        if len(_PARSED_IDS) < _PARSED_IDS_MAX:
            _PARSED_IDS[value] = parsed
        return parsed
    raise TypeError(f"instrument_id: expected InstrumentId or str, got {type(value).__name__}")


cdef object _bar_type(object value):
    if isinstance(value, BarType):
        return value
    if isinstance(value, str):
        return BarType.from_str(value)
    raise TypeError(f"bar_type: expected BarType or str, got {type(value).__name__}")


cdef class Actor:
    """Receive market data, timers and events; trade nothing (see Strategy for orders).

    Parameters
    ----------
    config:
        A `StrategyConfig` (or subclass) instance; None gives the defaults. `config.strategy_id`
        names the component, else "<ClassName>-001".
    """

    def __init__(self, config=None):
        self.config = config if config is not None else StrategyConfig()
        sid = getattr(self.config, "strategy_id", None)
        self.id = StrategyId(sid if sid else f"{type(self).__name__}-001")

    def register(self, *, TraderId trader_id not None, Clock clock not None,
                 Cache cache not None, Portfolio portfolio not None, DataEngine data_engine not None,
                 MessageBus msgbus=None, ExecutionEngine exec_engine=None) -> None:
        """Wire the component to the node's parts; the node calls this before `start()`."""
        if self.config is None:  # a subclass __init__ that skipped super().__init__
            Actor.__init__(self)
        self.trader_id = trader_id
        self.clock = clock
        self.cache = cache
        self.portfolio = portfolio
        self.msgbus = msgbus
        self._data = data_engine
        self._timer_names = []
        self.log = get_logger(self.id.value, clock)

    @property
    def is_registered(self) -> bool:
        """Return True once the node has wired the component."""
        return self.clock is not None

    cdef int _check_registered(self, str what) except -1:
        if self.clock is None:
            raise RuntimeError(f"{self.id}: {what} needs the strategy registered with a node "
                               f"(node.add_strategy) first")
        return 0

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Run on_start and mark the component running."""
        self._check_registered("start")
        self.is_running = True
        self.on_start()

    def stop(self) -> None:
        """Cancel the component's timers, run on_stop, mark it stopped."""
        if not self.is_running:
            return
        for name in self._timer_names:
            self.clock.cancel_timer(name)
        self._timer_names = []
        self.on_stop()
        self.is_running = False

    def reset(self) -> None:
        """Run on_reset (the component must be stopped)."""
        if self.is_running:
            raise RuntimeError(f"{self.id}: stop before reset")
        self.on_reset()

    # -- subscriptions --------------------------------------------------------------------

    def subscribe_quotes(self, instrument_id) -> None:
        """Receive every quote of the instrument in `on_quote`."""
        self._check_registered("subscribe_quotes")
        self._data.subscribe_quotes(_iid(instrument_id), self.handler_for("quote"))

    def unsubscribe_quotes(self, instrument_id) -> None:
        """Stop receiving the instrument's quotes."""
        self._data.unsubscribe_quotes(_iid(instrument_id), self.handler_for("quote"))

    def subscribe_trades(self, instrument_id) -> None:
        """Receive every trade of the instrument in `on_trade`."""
        self._check_registered("subscribe_trades")
        self._data.subscribe_trades(_iid(instrument_id), self.handler_for("trade"))

    def unsubscribe_trades(self, instrument_id) -> None:
        """Stop receiving the instrument's trades."""
        self._data.unsubscribe_trades(_iid(instrument_id), self.handler_for("trade"))

    def subscribe_bars(self, bar_type, bint build=True) -> None:
        """Receive bars of bar_type ("EUR/USD.SIM-1-MINUTE-MID" or a BarType) in `on_bar`.

        With build (the default) the data engine builds them from ticks; build=False expects
        them from a bar data source.
        """
        self._check_registered("subscribe_bars")
        self._data.subscribe_bars(_bar_type(bar_type), self.on_bar, build)

    def unsubscribe_bars(self, bar_type) -> None:
        """Stop receiving bars of bar_type."""
        self._data.unsubscribe_bars(_bar_type(bar_type), self.on_bar)

    def subscribe_book(self, instrument_id) -> None:
        """Receive the instrument's OrderBook in `on_book` after every book update."""
        self._check_registered("subscribe_book")
        self._data.subscribe_book(_iid(instrument_id), self.on_book)

    def unsubscribe_book(self, instrument_id) -> None:
        """Stop receiving the instrument's book."""
        self._data.unsubscribe_book(_iid(instrument_id), self.on_book)

    # -- timers ---------------------------------------------------------------------------

    def set_timer(self, str name not None, long long interval_ns, start_ns=None,
                  stop_ns=None) -> None:
        """Start a repeating timer that calls `on_timer(event)`; it stops with the component."""
        self._check_registered("set_timer")
        self.clock.set_timer(name, interval_ns, start_ns, stop_ns, self.on_timer)
        self._timer_names.append(name)

    def set_time_alert(self, str name not None, long long alert_time_ns) -> None:
        """Call `on_timer(event)` once at alert_time_ns."""
        self._check_registered("set_time_alert")
        self.clock.set_time_alert(name, alert_time_ns, self.on_timer)
        self._timer_names.append(name)

    def cancel_timer(self, str name not None) -> bool:
        """Cancel one of the component's timers; return False when it was not active."""
        if name in self._timer_names:
            self._timer_names.remove(name)
        return self.clock.cancel_timer(name)

    # -- handlers (override) --------------------------------------------------------------

    def on_start(self) -> None:
        """Handle the start: subscribe, set timers (override)."""

    def on_stop(self) -> None:
        """Handle the stop (override)."""

    def on_reset(self) -> None:
        """Reset indicators and state between runs (override)."""

    def on_bar(self, bar) -> None:
        """Handle one Bar (override)."""

    def on_book(self, book) -> None:
        """Handle an updated OrderBook (override)."""

    def on_timer(self, event) -> None:
        """Handle one TimeEvent of a timer or alert set with set_timer/set_time_alert."""

    def on_order_event(self, event) -> None:
        """Handle every event of this strategy's orders, OrderDenied included (override)."""

    def on_fill(self, fill) -> None:
        """Handle one OrderFilled, after on_order_event (override)."""

    def on_position_changed(self, position) -> None:
        """Handle a position opened, changed or closed by a fill (override)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id})"


cdef class Strategy(Actor):
    """Trade: everything an Actor does, plus order factories and order helpers."""

    def register(self, *, ExecutionEngine exec_engine=None, strategy_number=0, **parts) -> None:
        """Wire the strategy to the node's parts (the node calls this)."""
        Actor.register(self, exec_engine=exec_engine, **parts)
        if exec_engine is None:
            raise ValueError(f"{self.id}: a Strategy needs the node's ExecutionEngine")
        self._exec = exec_engine
        self._ids = exec_engine.register_strategy(self, strategy_number)

    # -- order factories ------------------------------------------------------------------

    cdef Order _make(self, object instrument_id, int side, int order_type, object quantity,
                     object price, object trigger_price, int time_in_force,
                     long long expire_time_ns, bint post_only, bint reduce_only, object tags):
        if self._ids is None:
            self._check_registered("creating orders")
        cdef InstrumentId iid = _iid(instrument_id)
        cdef Instrument ins = self.cache.find_instrument(iid)
        cdef Quantity qty
        cdef Price px = None, trig = None
        if isinstance(quantity, Quantity) and (ins is None or
                                               (<Quantity>quantity).precision == ins.size_precision):
            qty = <Quantity>quantity
        elif ins is None:
            raise ValueError(f"{self.id}: instrument {iid} is not in the cache; pass Quantity "
                             f"and Price objects, or add the instrument to the node")
        else:
            qty = ins.qty_of(quantity)
        if price is not None:
            px = price if isinstance(price, Price) and (ins is None or (<Price>price).precision
                                                        == ins.price_precision) \
                else ins.make_price(price)
        if trigger_price is not None:
            trig = trigger_price if isinstance(trigger_price, Price) and (
                ins is None or (<Price>trigger_price).precision == ins.price_precision) \
                else ins.make_price(trigger_price)
        cdef ClientOrderId coid = self._ids.generate()
        return order_new(self.trader_id, self.id, iid, coid, side, order_type, qty, px, trig,
                         time_in_force, expire_time_ns, post_only, reduce_only,
                         self.clock.now_ns(), tags,
                         (self._ids.strategy_number << COID_COUNT_BITS) | self._ids.count)

    def market(self, instrument_id, int side, quantity, *, int time_in_force=TIF_GTC,
               bint reduce_only=False, tags=None) -> Order:
        """Build (not submit) a MARKET order; quantity as Quantity, str, Decimal or number."""
        return self._make(instrument_id, side, ORDER_TYPE_MARKET, quantity, None, None,
                          time_in_force, 0, False, reduce_only, tags)

    def limit(self, instrument_id, int side, quantity, price, *, int time_in_force=TIF_GTC,
              long long expire_time_ns=0, bint post_only=False, bint reduce_only=False,
              tags=None) -> Order:
        """Build (not submit) a LIMIT order."""
        return self._make(instrument_id, side, ORDER_TYPE_LIMIT, quantity, price, None,
                          time_in_force, expire_time_ns, post_only, reduce_only, tags)

    def stop_market(self, instrument_id, int side, quantity, trigger_price, *,
                    int time_in_force=TIF_GTC, long long expire_time_ns=0,
                    bint reduce_only=False, tags=None) -> Order:
        """Build (not submit) a STOP_MARKET order."""
        return self._make(instrument_id, side, ORDER_TYPE_STOP_MARKET, quantity, None,
                          trigger_price, time_in_force, expire_time_ns, False, reduce_only, tags)

    def stop_limit(self, instrument_id, int side, quantity, price, trigger_price, *,
                   int time_in_force=TIF_GTC, long long expire_time_ns=0,
                   bint reduce_only=False, tags=None) -> Order:
        """Build (not submit) a STOP_LIMIT order."""
        return self._make(instrument_id, side, ORDER_TYPE_STOP_LIMIT, quantity, price,
                          trigger_price, time_in_force, expire_time_ns, False, reduce_only, tags)

    # -- order helpers --------------------------------------------------------------------

    def buy(self, instrument_id, quantity, price=None, *, int time_in_force=TIF_GTC,
            long long expire_time_ns=0, bint post_only=False, bint reduce_only=False,
            tags=None) -> Order:
        """Submit a buy: LIMIT at price, or MARKET when price is None; return the order.

        Check `order.status` (or watch on_order_event) for a denial.
        """
        cdef Order order = self._make(
            instrument_id, SIDE_BUY, ORDER_TYPE_MARKET if price is None else ORDER_TYPE_LIMIT,
            quantity, price, None, time_in_force, expire_time_ns, post_only, reduce_only, tags)
        self._exec.submit_order(order)
        return order

    def sell(self, instrument_id, quantity, price=None, *, int time_in_force=TIF_GTC,
             long long expire_time_ns=0, bint post_only=False, bint reduce_only=False,
             tags=None) -> Order:
        """Submit a sell: LIMIT at price, or MARKET when price is None; return the order."""
        cdef Order order = self._make(
            instrument_id, SIDE_SELL, ORDER_TYPE_MARKET if price is None else ORDER_TYPE_LIMIT,
            quantity, price, None, time_in_force, expire_time_ns, post_only, reduce_only, tags)
        self._exec.submit_order(order)
        return order

    def submit_order(self, Order order not None) -> bool:
        """Send an order built by a factory; return False when risk denied it."""
        self._check_registered("submit_order")
        if order.strategy_id != self.id:
            raise ValueError(f"{self.id}: order {order.client_order_id} belongs to "
                             f"{order.strategy_id}")
        return self._exec.submit_order(order)

    def cancel_order(self, Order order not None) -> None:
        """Ask the venue to cancel an open order (closed orders are ignored)."""
        self._check_registered("cancel_order")
        self._exec.cancel_order(order)

    def cancel_all(self, instrument_id=None) -> int:
        """Cancel every open order of this strategy (in one instrument if given); return the count."""
        self._check_registered("cancel_all")
        orders = self.cache.orders_open(self.id, None if instrument_id is None
                                        else _iid(instrument_id))
        for order in orders:
            self._exec.cancel_order(order)
        return len(orders)

    def modify_order(self, Order order not None, quantity=None, price=None,
                     trigger_price=None) -> None:
        """Ask the venue to amend an open order; None keeps a field."""
        self._check_registered("modify_order")
        ins = self.cache.find_instrument(order.instrument_id)
        if ins is not None:
            quantity = None if quantity is None else ins.make_qty(quantity) \
                if not isinstance(quantity, Quantity) else quantity
            price = None if price is None else ins.make_price(price) \
                if not isinstance(price, Price) else price
            trigger_price = None if trigger_price is None else ins.make_price(trigger_price) \
                if not isinstance(trigger_price, Price) else trigger_price
        self._exec.modify_order(order, quantity, price, trigger_price)

    def position(self, instrument_id) -> Position | None:
        """Return this strategy's open position in the instrument, or None."""
        self._check_registered("position")
        return self.cache.position_for(_iid(instrument_id), self.id)

    def close_position(self, instrument_id, tags=None) -> Order | None:
        """Submit a reduce-only MARKET order that flattens the position; None when flat."""
        cdef Position pos = self.position(instrument_id)
        if pos is None or pos.signed_qty_raw == 0:
            return None
        cdef int64_t size = pos.signed_qty_raw if pos.signed_qty_raw > 0 else -pos.signed_qty_raw
        cdef Order order = self._make(
            pos.instrument_id, SIDE_SELL if pos.signed_qty_raw > 0 else SIDE_BUY,
            ORDER_TYPE_MARKET, quantity_new(size, pos.size_precision), None, None,
            TIF_GTC, 0, False, True, tags)
        self._exec.submit_order(order)
        return order
